//! The reading layer: what a message says, as typed facts with their place in it. Clauses and
//! their negation, the stance a reply takes on each size it names, and the role of every amount
//! of money. Pure functions over the normalized text and its phrase hits; the checks judge
//! these facts, never the bare presence of a word.

use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

use super::extract::{self, Amount, SizeMention};
use super::lexicon::{Hits, SetId};

/// Where the clauses of a message start and end: split at punctuation, at the spaces between
/// bubbles that an export joined, and before 但是/不过/可是 (what follows turns the sentence).
#[derive(Debug, Clone, Default)]
pub struct Clauses {
    ends: Vec<usize>,
}

/// Words that start a clause of their own.
const TURNS: &[&str] = &["但是", "不过", "可是", "只是"];

impl Clauses {
    pub fn of(norm: &str) -> Clauses {
        let mut ends = Vec::new();
        let bytes = norm.as_bytes();
        for (i, c) in norm.char_indices() {
            let boundary = match c {
                '，' | ',' | '。' | '！' | '!' | '？' | '?' | '；' | ';' | '\n' | '～' | '~'
                | '、' | '…' | ' ' | '：' | ':' => true,
                // A full stop, not the point of 3.5.
                '.' => {
                    !(i > 0
                        && bytes.get(i - 1).is_some_and(u8::is_ascii_digit)
                        && bytes.get(i + 1).is_some_and(u8::is_ascii_digit))
                }
                _ => false,
            };
            // Only the first characters of 但是/不过/可是/只是 can start a turn.
            let turn = i > 0
                && matches!(c, '但' | '不' | '可' | '只')
                && TURNS.iter().any(|t| norm[i..].starts_with(t));
            if boundary || turn {
                ends.push(i);
            }
        }
        ends.push(norm.len());
        Clauses { ends }
    }

    /// The clause that holds byte `pos`.
    pub fn around(&self, pos: usize) -> Range<usize> {
        let k = self.ends.partition_point(|&e| e <= pos);
        let start = if k == 0 { 0 } else { self.ends[k - 1] };
        let end = self.ends.get(k).copied().unwrap_or(usize::MAX);
        start..end
    }
}

/// How far before a word a negation still reaches (bytes: about six Chinese characters).
const NEGATION_REACH: usize = 18;

/// Whether the words at `span` are negated or refused: a negation word (不能, 没法, 不建议, 不让,
/// 别…) ends before it in the same clause, close enough to govern it. 不能给您减5元, 平台不让加
/// 微信, 没法再便宜了.
pub fn negated(hits: &Hits, negation: SetId, clauses: &Clauses, span: &Range<usize>) -> bool {
    let clause = clauses.around(span.start);
    let from = clause.start.max(span.start.saturating_sub(NEGATION_REACH));
    hits.before(negation, span.start, span.start - from)
}

/// What a reply does with a size it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stance {
    /// The size the reply advises ("建议拿L码", "L码刚好").
    Recommended,
    /// Offered for a fit preference ("喜欢宽松可以选XL").
    Alternative,
    /// Advised against: negated ("不建议拿L码") or said not to fit ("M码会偏紧", "XL也穿不下").
    Warned,
    /// One of a list of sizes, none advised ("S码M码L码都有", "S码M码L码都能穿").
    Listed,
    /// Named with no stance that can be read.
    Mentioned,
}

/// A size named in a reply and the reply's stance on it.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeFact {
    pub size: String,
    pub range: Range<usize>,
    pub stance: Stance,
}

/// Words after a size that say it does not fit.
const MISFIT: &[&str] = &[
    "偏紧",
    "偏小",
    "偏大",
    "偏短",
    "会紧",
    "紧",
    "穿不下",
    "穿不进",
    "太小",
    "太大",
    "小了",
    "大了",
    "不合适",
    "不行",
    "勒",
    "会小",
    "会大",
    "短了",
    "肥",
    "不够",
];
/// Words in a clause that advise the size in it.
const ADVISE: &[&str] = &[
    "建议",
    "推荐",
    "拿",
    "选",
    "合适",
    "刚好",
    "正好",
    "正合适",
    "没问题",
    "可以",
    "就行",
    "更好",
    "穿",
    "要",
    "买",
    "比较好",
    "适合",
];
/// Words of a fit preference that make a size in their clause the alternative.
const PREFERENCE: &[&str] = &[
    "宽松",
    "修身",
    "喜欢",
    "想要",
    "如果",
    "要是",
    "的话",
    "贴身",
    "oversize",
    "长得快",
    "多穿",
];

/// The stance of every size a reply names, read clause by clause.
pub fn size_stances(
    norm: &str,
    hits: &Hits,
    negation: SetId,
    clauses: &Clauses,
    mentions: &[SizeMention],
) -> Vec<SizeFact> {
    let mut out = Vec::with_capacity(mentions.len());
    for m in mentions {
        let clause = clauses.around(m.range.start);
        let clause_text = norm
            .get(clause.start..clause.end.min(norm.len()))
            .unwrap_or("");
        let in_clause: Vec<&SizeMention> = mentions
            .iter()
            .filter(|o| clause.contains(&o.range.start))
            .collect();
        let mut distinct: Vec<&str> = in_clause.iter().map(|o| o.size.as_str()).collect();
        distinct.dedup();
        let after = norm
            .get(m.range.end..clause.end.min(norm.len()))
            .unwrap_or("");
        // Only up to the next size named: "M码会偏紧" warns M, not the L that follows.
        let next_size = in_clause
            .iter()
            .find(|o| o.range.start >= m.range.end)
            .map_or(after.len(), |o| o.range.start - m.range.end);
        let own_tail = after.get(..next_size).unwrap_or(after);
        let own_tail = own_tail.trim_start_matches(['码', '号', '的', '也', '还', '都', '会']);
        let warned = negated(hits, negation, clauses, &m.range) || MISFIT_AC.is_match(own_tail);
        let listed = distinct.len() >= 3 || (distinct.len() >= 2 && clause_text.contains('都'));
        let stance = if warned {
            Stance::Warned
        } else if listed {
            Stance::Listed
        } else if PREFERENCE_AC.is_match(clause_text) {
            Stance::Alternative
        } else if ADVISE_AC.is_match(clause_text) {
            Stance::Recommended
        } else {
            Stance::Mentioned
        };
        out.push(SizeFact {
            size: m.size.clone(),
            range: m.range.clone(),
            stance,
        });
    }
    out
}

/// The size a reply advises: the first recommended; else the one size named plainly, beside
/// any offered for a preference ("S码合身，喜欢宽松选M" advises S); else the one size offered
/// for a preference ("您喜欢宽松就拿L码").
pub fn advised_size(facts: &[SizeFact]) -> Option<&SizeFact> {
    if let Some(f) = facts.iter().find(|f| f.stance == Stance::Recommended) {
        return Some(f);
    }
    let only = |stance: Stance| {
        let with: Vec<&SizeFact> = facts.iter().filter(|f| f.stance == stance).collect();
        let first = with.first()?;
        with.iter().all(|f| f.size == first.size).then_some(*first)
    };
    let named = facts.iter().any(|f| f.stance == Stance::Mentioned);
    if named {
        only(Stance::Mentioned)
    } else {
        only(Stance::Alternative)
    }
}

/// What an amount of money is, in the sentence that names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountRole {
    /// Money knocked off by the agent: 少5元, 便宜5块, 减5.
    Concession,
    /// The price the buyer pays after a deal: 124元拍下, 到手价124, 改价后124.
    Final,
    /// The shop's own price or promotion: 活动价79元, 满299减30, 原价129.
    ShopPrice,
    /// Money the shop owes under its policy: a price-protection refund, 退差价20元.
    Policy,
    /// Compensation for a problem: 补偿5元, 红包5元.
    Compensation,
    /// A price per item: 一件89, 每双15元.
    Unit,
    /// Any other amount.
    Other,
}

/// An amount and its role.
#[derive(Debug, Clone, PartialEq)]
pub struct MoneyFact {
    pub yuan: f64,
    pub range: Range<usize>,
    pub role: AmountRole,
    /// Negated or refused: 不能给您减5元.
    pub negated: bool,
}

const FINAL_BEFORE: &[&str] = &[
    "到手",
    "拍下",
    "改价后",
    "改成",
    "改到",
    "实付",
    "只要",
    "一共",
    "合计",
    "总共",
    "总价",
    "付",
    "算您",
    "按",
    "收您",
];
const FINAL_AFTER: &[&str] = &["拍下", "拍", "到手", "付款", "下单", "成交"];
const SHOP_PRICE_BEFORE: &[&str] = &[
    "活动价",
    "原价",
    "售价",
    "价格",
    "标价",
    "现价",
    "券后",
    "日常价",
    "定价",
    "吊牌价",
    "卖",
    "单价",
    "已经是",
    "满",
];
const POLICY_WORDS: &[&str] = &["价保", "差价", "保价", "运费险"];
const UNIT_BEFORE: &[&str] = &[
    "一件", "每件", "一双", "每双", "一条", "每条", "一个", "每个",
];
const CONCESSION_BEFORE: &[&str] = &[
    "减", "便宜", "少", "优惠", "让", "抹", "立减", "直降", "降", "返",
];
/// Words after an amount that make it a favour given: 5元红包, 10元优惠券.
const CONCESSION_AFTER: &[&str] = &["红包", "优惠券", "的券", "无门槛"];
const COMPENSATION_BEFORE: &[&str] = &["补偿", "赔", "红包", "补贴", "赔付", "补您", "返您", "补"];
/// Words after an amount in its clause, or in the next one, that refuse it: "少五十真的做不到",
/// "八折就是少25块多了，这个真的申请不下来".
const REFUSED_AFTER: &[&str] = &[
    "打不了",
    "给不到",
    "做不到",
    "给不了",
    "申请不下来",
    "申请不了",
    "没办法",
    "真的不行",
    "不行哦",
    "不行的",
    "不可以",
    "不能",
    "改不了",
    "减不了",
    "让不了",
    "少不了",
    "便宜不了",
    "达不到",
];
/// Words after a claim or an offer named only to decline it: "好评返现是不允许的，我们不做",
/// "全网最便宜小妹不敢乱说", "双倍赔偿小妹这边没有这个权限".
const DISCLAIMED_AFTER: &[&str] = &[
    "不允许",
    "不做",
    "不搞",
    "违规",
    "不参与",
    "没有这个权限",
    "没这个权限",
    "做不了主",
    "不敢乱说",
    "不敢说",
    "不敢保证",
    "不能保证",
];

/// A searcher for any of `words`: these lists are asked about hundreds of thousands of times in
/// a large export, and one automaton pass beats a substring search per word.
pub(crate) fn any_of(words: &[&str]) -> AhoCorasick {
    AhoCorasick::new(words).expect("a fixed word list builds")
}

static REFUSED_AFTER_AC: LazyLock<AhoCorasick> = LazyLock::new(|| any_of(REFUSED_AFTER));
static DISCLAIMED_AFTER_AC: LazyLock<AhoCorasick> = LazyLock::new(|| any_of(DISCLAIMED_AFTER));
static MISFIT_AC: LazyLock<AhoCorasick> = LazyLock::new(|| any_of(MISFIT));
static PREFERENCE_AC: LazyLock<AhoCorasick> = LazyLock::new(|| any_of(PREFERENCE));
static ADVISE_AC: LazyLock<AhoCorasick> = LazyLock::new(|| any_of(ADVISE));

/// Whether what follows `span` in its clause and the next one names it only to decline it.
pub fn disclaimed_after(norm: &str, clauses: &Clauses, span: &Range<usize>) -> bool {
    following(norm, clauses, span, &DISCLAIMED_AFTER_AC)
}

/// Whether any of the words of `words` follows `span` in its clause or the next one.
fn following(norm: &str, clauses: &Clauses, span: &Range<usize>, words: &AhoCorasick) -> bool {
    let clause = clauses.around(span.start);
    let next = clauses.around(clause.end.saturating_add(1).min(norm.len()));
    let end = next.end.min(norm.len()).max(span.end);
    let after = norm.get(span.end..end).unwrap_or("");
    words.is_match(after)
}

/// Whether what follows `span` in its clause and the next one refuses it (or disclaims it).
pub fn refused_after(norm: &str, clauses: &Clauses, span: &Range<usize>) -> bool {
    following(norm, clauses, span, &REFUSED_AFTER_AC) || disclaimed_after(norm, clauses, span)
}

/// The role of each amount of money in a reply.
pub fn money_facts(norm: &str, hits: &Hits, negation: SetId, clauses: &Clauses) -> Vec<MoneyFact> {
    extract::money_amounts(norm)
        .into_iter()
        .map(|Amount { yuan, range }| {
            let clause = clauses.around(range.start);
            let before = norm.get(clause.start..range.start).unwrap_or("");
            let near_before = tail_chars(before, 6);
            let after = norm
                .get(range.end..clause.end.min(norm.len()))
                .unwrap_or("");
            let clause_text = norm
                .get(clause.start..clause.end.min(norm.len()))
                .unwrap_or("");
            let has = |words: &[&str], s: &str| words.iter().any(|w| s.contains(w));
            let ends = |words: &[&str], s: &str| {
                let s = s.trim_end_matches(['您', '你', '了', '掉', '给', '亲', '个', '到', '再']);
                words.iter().any(|w| s.ends_with(w))
            };
            let role = if has(POLICY_WORDS, clause_text) {
                AmountRole::Policy
            } else if ends(UNIT_BEFORE, near_before) || after.starts_with("/件") {
                AmountRole::Unit
            } else if has(FINAL_BEFORE, near_before)
                || FINAL_AFTER.iter().any(|w| after.starts_with(w))
            {
                AmountRole::Final
            } else if ends(COMPENSATION_BEFORE, near_before) {
                AmountRole::Compensation
            } else if promotion_amount(before) || has(SHOP_PRICE_BEFORE, near_before) {
                AmountRole::ShopPrice
            } else if ends(CONCESSION_BEFORE, near_before)
                || CONCESSION_AFTER
                    .iter()
                    .any(|w| after.trim_start_matches(['的', '个']).starts_with(w))
            {
                AmountRole::Concession
            } else {
                AmountRole::Other
            };
            let negated =
                negated(hits, negation, clauses, &range) || refused_after(norm, clauses, &range);
            MoneyFact {
                yuan,
                range,
                role,
                negated,
            }
        })
        .collect()
}

/// Whether the amount that follows `before` is the M of the shop's own 满N减M, with the few
/// words a reply puts in it ("满299系统自动减30"), but not the agent's own ("满199了我再给您减5").
fn promotion_amount(before: &str) -> bool {
    let Some(at) = before.rfind('满') else {
        return false;
    };
    let between = &before[at..];
    between.contains('减')
        && between.chars().count() <= 12
        && !["我", "给您", "给你", "帮您", "再"]
            .iter()
            .any(|w| between.contains(w))
}

/// The last `n` characters of `s`.
fn tail_chars(s: &str, n: usize) -> &str {
    let start = s
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    &s[start..]
}

/// A discount in 折 the agent grants, as money off `price`: 打八折 on 129 is 25.8 off. The
/// shop's own sale (活动八折, 全场九折) and a refused one are not grants. `clauses` is asked
/// for only when the text has a 折, so that a caller can split them on first need.
pub fn rate_concession<'c>(
    norm: &str,
    hits: &Hits,
    negation: SetId,
    clauses: impl FnOnce() -> &'c Clauses,
    price: f64,
) -> Option<(f64, Range<usize>)> {
    let at = norm.find('折')?;
    let rate = extract::discount_rate(norm)?;
    let clauses = clauses();
    let clause = clauses.around(at);
    let clause_text = norm
        .get(clause.start..clause.end.min(norm.len()))
        .unwrap_or("");
    if ["活动", "全场", "全店", "店铺", "大促"]
        .iter()
        .any(|w| clause_text.contains(w))
    {
        return None;
    }
    let span = clause.start..(at + '折'.len_utf8());
    if negated(hits, negation, clauses, &span)
        || negated(hits, negation, clauses, &(at..at + 3))
        || refused_after(norm, clauses, &(at..at + 3))
    {
        return None;
    }
    Some((price * (1.0 - f64::from(rate)), span))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::lexicon::PhrasebookBuilder;

    fn book() -> (super::super::lexicon::Phrasebook, SetId) {
        let mut b = PhrasebookBuilder::default();
        let neg = b.add_phrases(&["不能", "没法", "不建议", "不让", "别", "不要", "无法"]);
        (b.build(), neg)
    }

    fn stances(text: &str) -> Vec<(String, Stance)> {
        let (book, neg) = book();
        let hits = book.scan(text);
        let clauses = Clauses::of(text);
        let mentions = extract::size_mentions_all(text);
        size_stances(text, &hits, neg, &clauses, &mentions)
            .into_iter()
            .map(|f| (f.size, f.stance))
            .collect()
    }

    fn advised(text: &str) -> Option<String> {
        let (book, neg) = book();
        let hits = book.scan(text);
        let clauses = Clauses::of(text);
        let mentions = extract::size_mentions_all(text);
        let facts = size_stances(text, &hits, neg, &clauses, &mentions);
        advised_size(&facts).map(|f| f.size.clone())
    }

    #[test]
    fn the_advised_size_is_the_one_recommended_not_the_first_named() {
        for (text, want) in [
            ("m码会偏紧,建议拿l码", Some("L")),
            ("不建议拿l码,m码更合适", Some("M")),
            ("xl也穿不下,xxl码刚好", Some("2XL")),
            ("l码刚好", Some("L")),
            ("l码哦亲", Some("L")),
            ("s码m码l码xl码都有", None),
            ("s码m码l码都能穿", None),
            ("亲,看下尺码表哦", None),
            ("m码合适,喜欢宽松可以选l码", Some("M")),
        ] {
            assert_eq!(advised(text).as_deref(), want, "{text}");
        }
    }

    #[test]
    fn warned_and_listed_sizes() {
        assert_eq!(
            stances("m码会偏紧,建议拿l码"),
            vec![
                ("M".to_string(), Stance::Warned),
                ("L".to_string(), Stance::Recommended)
            ]
        );
        assert_eq!(stances("xl也穿不下")[0].1, Stance::Warned);
        assert_eq!(stances("s码m码l码xl码都有")[0].1, Stance::Listed);
    }

    fn roles(text: &str) -> Vec<(f64, AmountRole, bool)> {
        let (book, neg) = book();
        let hits = book.scan(text);
        let clauses = Clauses::of(text);
        money_facts(text, &hits, neg, &clauses)
            .into_iter()
            .map(|f| (f.yuan, f.role, f.negated))
            .collect()
    }

    #[test]
    fn every_amount_has_its_role() {
        use AmountRole::*;
        assert_eq!(
            roles("少5元,124元拍下"),
            vec![(5.0, Concession, false), (124.0, Final, false)]
        );
        assert_eq!(roles("不能给您减5元哦"), vec![(5.0, Concession, true)]);
        assert_eq!(roles("活动价79元"), vec![(79.0, ShopPrice, false)]);
        assert_eq!(
            roles("满299系统自动减30元"),
            vec![(299.0, ShopPrice, false), (30.0, ShopPrice, false)]
        );
        assert_eq!(roles("满199了我再给您减5元")[1].1, Concession);
        assert_eq!(
            roles("满299减30"),
            vec![(299.0, ShopPrice, false), (30.0, ShopPrice, false)]
        );
        assert_eq!(
            roles("签收15天内降价可以退差价20元"),
            vec![(20.0, Policy, false)]
        );
        assert_eq!(roles("给您补偿5元红包"), vec![(5.0, Compensation, false)]);
        assert_eq!(roles("袜子一双15元"), vec![(15.0, Unit, false)]);
        assert_eq!(roles("那少五十吧"), vec![(50.0, Concession, false)]);
    }

    #[test]
    fn negation_reaches_within_its_clause_only() {
        let (book, neg) = book();
        let text = "平台不让加微信的";
        let hits = book.scan(text);
        let at = text.find("加微信").unwrap();
        assert!(negated(&hits, neg, &Clauses::of(text), &(at..at + 9)));
        let text = "不能便宜,送您袜子";
        let hits = book.scan(text);
        let at = text.find("送您").unwrap();
        assert!(!negated(&hits, neg, &Clauses::of(text), &(at..at + 6)));
    }

    #[test]
    fn rates_in_zhe_are_money_off_the_price() {
        let (book, neg) = book();
        let text = "给您打八折吧";
        let hits = book.scan(text);
        let clauses = Clauses::of(text);
        let (off, _) = rate_concession(text, &hits, neg, || &clauses, 129.0).unwrap();
        assert!((off - 25.8).abs() < 0.01);
        let text = "活动八折已经很划算了";
        let hits = book.scan(text);
        let clauses = Clauses::of(text);
        assert!(rate_concession(text, &hits, neg, || &clauses, 129.0).is_none());
    }
}
