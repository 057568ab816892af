//! Checks judged on what a reply means: whether it answered the question asked, whether its
//! claims are true of this shop, whether it trades money for a review, whether it repeats
//! itself, and the conversation's tone and farewell.

use std::ops::Range;

use super::checks::{Ctx, verdict, verdict_for_review};
use super::kinds::{AnsweredParams, RepeatedParams, ReviewParams, TogetherParams, WarmToneParams};
use super::lexicon::{Key, PhrasebookBuilder, SetId};
use super::read::{self, AmountRole, Clauses};
use super::{ConversationState, Scorer, Verdict};
use crate::content::Product;
use crate::tr;

// ---------------------------------------------------------------------------------------------
// Answered or not
// ---------------------------------------------------------------------------------------------

/// A question wants the fact it asks for: a material, a number of days, a yes or no with its
/// reason. A clarifying question back is fair; "可以的", "看情况吧" and polite filler are not.
pub(crate) fn answered(ctx: &Ctx<'_>, p: &AnsweredParams) -> Option<Verdict> {
    let lang = ctx.scorer().lang;
    let a = ctx.analysis;
    let asked = ctx.state.pending_topics;
    if !ctx.state.pending_question {
        return None;
    }
    let wanted: Vec<(u64, SetId)> = p
        .answers
        .iter()
        .copied()
        .filter(|(bit, _)| asked & bit != 0)
        .collect();
    // A size question is size-advice's to judge; only what was asked beside it is judged here.
    if wanted.is_empty() && asked & ctx.scorer().topic.size != 0 {
        return None;
    }
    let topic_names = || {
        let names = ctx
            .scorer()
            .topic_labels(wanted.iter().fold(0, |m, (b, _)| m | b));
        if names.is_empty() {
            tr!(lang, "这个问题", "this question")
        } else {
            names.join(tr!(lang, "、", ", ").as_str())
        }
    };
    // An empty assurance ("放心吧，都是正品") carries no answer, whatever words are in it.
    let empty_words: Vec<Range<usize>> = a
        .hits
        .all(Key::Vague)
        .chain(a.hits.all(Key::Hedge))
        .collect();
    let in_empty = |r: &Range<usize>| {
        empty_words
            .iter()
            .any(|e| e.start <= r.start && r.end <= e.end)
    };
    // "嗯", "好的": a question answered with a grunt.
    let grunt = a
        .norm
        .chars()
        .filter(|&c| {
            is_word_char(c) && !matches!(c, '亲' | '哦' | '呢' | '啊' | '呀' | '嗯' | '哈' | '的')
        })
        .nth(2)
        .is_none();
    let yes_no = ["有的", "有", "没有", "是的", "对的", "不是", "有哦", "有呢"]
        .iter()
        .any(|w| a.norm.trim_start_matches(['亲', ',', ' ']).starts_with(w));
    // Where the fact asked for is the word itself, the word is the answer: 包邮吗 → 包邮的亲.
    let scorer = ctx.scorer();
    let wanted_bits = wanted.iter().fold(0u64, |m, (b, _)| m | b);
    let yes_no_is_answer = wanted_bits != 0 && wanted_bits & !scorer.topic.confirmable == 0;
    let confirmed = (yes_no && asked & scorer.topic.confirmed_by_yes != 0)
        || (yes_no_is_answer && wanted.iter().any(|(_, set)| a.hits.any(*set)));
    if grunt && !confirmed && a.hits.first(Key::Clarify).is_none() {
        return verdict(
            ctx,
            10.0,
            || {
                tr!(
                    lang,
                    "顾客问了{}，只回了「{}」",
                    "the customer asked about {}, and the reply is only \u{300c}{}\u{300d}",
                    topic_names(),
                    a.norm.trim()
                )
            },
            None,
        );
    }
    // The question asked again, and the same reply pasted back.
    if ctx.repeat.at_least(REPEAT_SIMILARITY, REPEAT_MIN_CHARS) {
        return verdict(
            ctx,
            10.0,
            || {
                tr!(
                    lang,
                    "顾客又问了{}，回复只是把上一条重发了一遍",
                    "the customer asked about {} again, and the reply repeats the last one",
                    topic_names()
                )
            },
            None,
        );
    }
    // The asked word said back ("会钻绒吗" → "不会钻绒的") carries no fact of its own; but
    // where the fact asked for is the word itself (是纯羊毛吗 → 是的，纯羊毛的; 有黑色吗 → 有的),
    // a yes or a no is the answer.
    let asked_text = &ctx.state.pending;
    // Said back with words of its own around it ("有一点点透，贴身穿能隐约看到内衣轮廓"), the
    // asked word is part of an answer.
    let said_back = std::cell::OnceCell::new();
    let only_the_question =
        || *said_back.get_or_init(|| says_only_the_question(asked_text, &a.norm));
    let echo = |r: &Range<usize>| {
        !yes_no_is_answer
            && a.norm
                .get(r.clone())
                .is_some_and(|w| text_chars(w) >= 2 && asked_text.contains(w))
            && only_the_question()
    };
    let found: Vec<Range<usize>> = wanted
        .iter()
        .filter_map(|(_, set)| a.hits.all(*set).find(|r| !in_empty(r) && !echo(r)))
        .collect();
    // A keyword salad: the answers to many questions, when one was asked.
    let answer_sets_hit = p.answers.iter().filter(|(_, set)| a.hits.any(*set)).count();
    if wanted.len() == 1 && answer_sets_hit >= 7 {
        return verdict(
            ctx,
            30.0,
            || {
                tr!(
                    lang,
                    "把各种卖点堆在一起，没有针对顾客问的{}作答",
                    "piles up selling points instead of answering the {} question",
                    topic_names()
                )
            },
            None,
        );
    }
    if let Some(span) = found.first() {
        // An answer beside an empty assurance ("没有色差的亲，百分百实拍") is half-hearted.
        let score = if found.len() == wanted.len() && empty_words.is_empty() {
            100.0
        } else {
            70.0
        };
        return verdict(
            ctx,
            score,
            || {
                if score >= 100.0 {
                    tr!(
                        lang,
                        "回答了顾客问的{}",
                        "answered the question about {}",
                        topic_names()
                    )
                } else {
                    tr!(
                        lang,
                        "只回答了一部分：顾客问了{}",
                        "answered only part of it: the customer asked about {}",
                        topic_names()
                    )
                }
            },
            Some(span.clone()),
        );
    }
    if let Some(span) = a.hits.first(Key::Clarify) {
        return verdict(
            ctx,
            100.0,
            || {
                tr!(
                    lang,
                    "先问清楚再回答，合理",
                    "asks a fair clarifying question first"
                )
            },
            Some(span),
        );
    }
    let mut empty = a.hedge.clone().or(a.vague.clone()).or(a.brush_off.clone());
    // The question said back with a yes or a no and nothing more ("能刻字吗" → "不能刻字的").
    if !yes_no_is_answer && only_the_question() && a.hits.first(Key::Clarify).is_none() {
        return verdict(
            ctx,
            20.0,
            || {
                tr!(
                    lang,
                    "只把顾客的问题说回去，答了是或否却没有理由",
                    "says the question back with a yes or no and no reason"
                )
            },
            None,
        );
    }
    // A question on no topic the rubric knows ("能装咖啡吗"): only a hedge or an empty
    // assurance is judged; "没有的亲" or "不会的" may be the whole answer.
    if wanted.is_empty() {
        empty = a.hedge.clone().or(a.vague.clone());
        // "不会的亲，杯盖的硅胶圈可以拆下来洗": a yes or no with its reason.
        let said = empty.as_ref().map_or(0, |e| {
            super::text::char_len(a.norm.get(e.clone()).unwrap_or(""))
        });
        let substance = a.product_facts.is_some()
            || a.figure.is_some()
            || a.solution.is_some()
            || a.chars >= said + 10;
        if empty.is_none() || substance {
            return None;
        }
    }
    verdict(
        ctx,
        if empty.is_some() { 10.0 } else { 25.0 },
        || match &empty {
            Some(span) => tr!(
                lang,
                "顾客问的是{}，「{}」没有给出答案",
                "the customer asked about {}; \u{300c}{}\u{300d} does not answer it",
                topic_names(),
                a.norm.get(span.clone()).unwrap_or("")
            ),
            None => tr!(
                lang,
                "顾客问的是{}，回复没有给出具体答案",
                "the customer asked about {}, and the reply gives no answer",
                topic_names()
            ),
        },
        empty.clone(),
    )
}

/// Whether a character is part of the words of a message (not punctuation, space or a
/// symbol): cheaper than `char::is_alphanumeric` for CJK text.
pub(crate) fn is_word_char(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_alphanumeric();
    }
    !matches!(c, '\u{3000}'..='\u{303F}' | '\u{FF00}'..='\u{FF0F}' | '\u{FF1A}'..='\u{FF20}' | '\u{2000}'..='\u{206F}' | '～')
}

/// The first `n` characters of `s`, borrowed.
fn prefix_chars(s: &str, n: usize) -> &str {
    s.char_indices().nth(n).map_or(s, |(i, _)| &s[..i])
}

/// How close and how long a reply must be for `answered` and `after_sales` to take it as the
/// last one pasted again.
pub(crate) const REPEAT_SIMILARITY: f64 = 0.8;
const REPEAT_MIN_CHARS: usize = 8;

/// Characters of two replies compared for a near repeat: enough to tell a paste, and the edit
/// distance stays cheap.
const REPEAT_COMPARE_CHARS: usize = 40;

fn text_chars(s: &str) -> usize {
    s.chars().count()
}

/// A reply as it is compared for repeats: its letters and digits only, so that punctuation
/// and spacing do not hide a paste, shortened.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct RepeatKey {
    text: String,
    /// Its length in characters.
    chars: usize,
}

impl RepeatKey {
    pub(crate) fn of(norm: &str) -> RepeatKey {
        let mut text = String::with_capacity(norm.len().min(super::EARLIER_REPLY_CHARS * 3));
        let mut chars = 0;
        // Runs of word characters are copied whole. Read by lead byte: only characters led by
        // E2, E3 or EF can be the punctuation that `is_word_char` leaves out, so the Chinese
        // characters between are taken without decoding them.
        let bytes = norm.as_bytes();
        let mut run: Option<usize> = None;
        let mut end = norm.len();
        let mut next = 0;
        while let Some(&lead) = bytes.get(next) {
            let at = next;
            let len = match lead {
                0..=0x7F => 1,
                0xC0..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            let word = match lead {
                0..=0x7F => lead.is_ascii_alphanumeric(),
                0xE2 | 0xE3 | 0xEF => norm
                    .get(at..)
                    .and_then(|rest| rest.chars().next())
                    .is_some_and(is_word_char),
                _ => true,
            };
            next += len;
            if word {
                if chars == super::EARLIER_REPLY_CHARS {
                    end = at;
                    break;
                }
                run.get_or_insert(at);
                chars += 1;
            } else if let Some(start) = run.take() {
                text.push_str(&norm[start..at]);
            }
        }
        if let Some(start) = run {
            text.push_str(&norm[start..end]);
        }
        RepeatKey { text, chars }
    }
}

/// Whether a reply is the question said back with a yes or a no: at most two characters of
/// its own beside pairs of characters the question had and particles (能刻字吗 → 不能刻字的).
fn says_only_the_question(asked: &str, reply: &str) -> bool {
    let said: Vec<char> = reply.chars().filter(|c| is_word_char(*c)).collect();
    // A reply this much longer than the question has words of its own.
    if said.len() > asked.chars().count() + 6 {
        return false;
    }
    let pairs: Vec<(char, char)> = asked.chars().zip(asked.chars().skip(1)).collect();
    let pair = |x: usize, y: usize| match (said.get(x), said.get(y)) {
        (Some(&p), Some(&q)) => pairs.contains(&(p, q)),
        _ => false,
    };
    let echoed = |i: usize| pair(i, i + 1) || (i > 0 && pair(i - 1, i));
    let particle = |c: char| {
        matches!(
            c,
            '亲' | '哦'
                | '呢'
                | '啊'
                | '呀'
                | '嗯'
                | '哈'
                | '的'
                | '了'
                | '是'
                | '不'
                | '能'
                | '会'
                | '可'
                | '以'
                | '有'
                | '没'
        )
    };
    let own = (0..said.len())
        .filter(|&i| !particle(said[i]) && !echoed(i))
        .count();
    own <= 2
}

/// How close a reply comes to one of the conversation's earlier replies: worked out once per
/// reply, for every check that asks.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Repeat {
    /// The reply's word characters (see [`RepeatKey`]).
    chars: usize,
    /// The highest similarity (0–1, by edit distance) to an earlier reply.
    similarity: f64,
}

impl Repeat {
    /// `floor`: the lowest similarity any check asks about; below it, the edit distance is not
    /// worked out.
    pub(crate) fn of(state: &ConversationState, kept: &RepeatKey, floor: f64) -> Repeat {
        let chars = kept.chars;
        let head = prefix_chars(&kept.text, 2);
        let compared = prefix_chars(&kept.text, REPEAT_COMPARE_CHARS);
        let similarity = state
            .earlier_replies
            .iter()
            .map(|e| {
                if e == kept {
                    return 1.0;
                }
                // Edit-distance similarity is at most the ratio of the lengths.
                let ratio = chars.min(e.chars) as f64 / chars.max(e.chars).max(1) as f64;
                if ratio < floor || !e.text.starts_with(head) {
                    return 0.0;
                }
                strsim::normalized_levenshtein(
                    prefix_chars(&e.text, REPEAT_COMPARE_CHARS),
                    compared,
                )
            })
            .fold(0.0, f64::max);
        Repeat { chars, similarity }
    }

    /// Whether the reply repeats an earlier one at least this closely, and is long enough to
    /// count ("好的亲" may be said twice).
    pub(crate) fn at_least(self, similarity: f64, min_chars: usize) -> bool {
        self.chars >= min_chars && self.similarity >= similarity
    }
}

/// A routine after-sales request (refund, return, exchange, price protection, invoice) is
/// judged on answering and acting, not on an apology.
pub(crate) fn after_sales(ctx: &Ctx<'_>) -> Option<Verdict> {
    let lang = ctx.scorer().lang;
    let a = ctx.analysis;
    if ctx.repeat.at_least(REPEAT_SIMILARITY, REPEAT_MIN_CHARS) {
        return verdict(
            ctx,
            10.0,
            || {
                tr!(
                    lang,
                    "顾客追问进度，回复只是把上一条重发了一遍",
                    "the buyer asked again, and the reply repeats the last one"
                )
            },
            None,
        );
    }
    if let Some(span) = a.blame.clone() {
        return verdict(
            ctx,
            20.0,
            || {
                tr!(
                    lang,
                    "「{}」把该客服办的事推给了顾客：直接替顾客发起，并告诉他下一步",
                    "\u{300c}{}\u{300d} pushes the agent's work onto the buyer: start it for them and say what comes next",
                    a.norm.get(span.clone()).unwrap_or("")
                )
            },
            Some(span.clone()),
        );
    }
    if let Some(span) = a.solution.clone().or_else(|| a.time()) {
        return verdict(
            ctx,
            100.0,
            || {
                tr!(
                    lang,
                    "给出了处理办法或时间",
                    "says what will be done, or when"
                )
            },
            Some(span),
        );
    }
    if let Some(span) = a.hits.first(Key::Clarify) {
        return verdict(
            ctx,
            100.0,
            || {
                tr!(
                    lang,
                    "先核实情况再处理，合理",
                    "checks the facts first: fair"
                )
            },
            Some(span),
        );
    }
    let empty = a.hedge.clone().or(a.brush_off.clone()).or(a.vague.clone());
    verdict(
        ctx,
        if empty.is_some() { 10.0 } else { 30.0 },
        || {
            tr!(
                lang,
                "顾客要办售后，回复既没说怎么处理也没说什么时候：直接替顾客发起，并告诉他下一步",
                "an after-sales request, and the reply neither acts nor says when: start it for the buyer and say what comes next"
            )
        },
        empty,
    )
}

// ---------------------------------------------------------------------------------------------
// Truth: claims checked against the catalog and the shop's policy
// ---------------------------------------------------------------------------------------------

/// Words of a fibre as agents write them, and the fibre they mean.
const FIBRES: &[(&str, &str)] = &[
    ("纯棉", "棉"),
    ("全棉", "棉"),
    ("棉", "棉"),
    ("涤纶", "聚酯纤维"),
    ("聚酯纤维", "聚酯纤维"),
    ("聚酯", "聚酯纤维"),
    ("雪纺", "聚酯纤维"),
    ("羊毛", "羊毛"),
    ("羊绒", "羊绒"),
    ("真丝", "桑蚕丝"),
    ("桑蚕丝", "桑蚕丝"),
    ("亚麻", "麻"),
    ("粘纤", "粘纤"),
    ("粘胶", "粘纤"),
    ("人造棉", "粘纤"),
    ("锦纶", "锦纶"),
    ("尼龙", "锦纶"),
    ("氨纶", "氨纶"),
    ("莫代尔", "莫代尔"),
    ("腈纶", "腈纶"),
];

/// Words before a fibre that claim the whole fabric is that fibre.
const PURE: &[&str] = &["纯", "全", "100%", "百分百", "百分之百"];

/// Garment nouns after a fibre that make it part of a product's name.
const GARMENTS: &[&str] = &[
    "衬衫",
    "t恤",
    "短袖",
    "长袖",
    "袜",
    "中筒袜",
    "卫衣",
    "裤",
    "外套",
    "打底",
    "围巾",
    "针织衫",
    "毛衣",
    "连衣裙",
    "裙",
    "帆布包",
    "托特包",
];

/// Words in a clause that make a fibre named in it a claim about this product's fabric.
const FABRIC_TALK: &[&str] = &[
    "面料",
    "材质",
    "成分",
    "料子",
    "是",
    "用的",
    "纯",
    "全",
    "100%",
    "百分百",
    "含",
];

static FABRIC_TALK_AC: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| read::any_of(FABRIC_TALK));

/// What the claim readers compare a reply with about one product, worked out once.
#[derive(Debug, Clone)]
pub(crate) struct Known {
    /// Its fibres and their shares (see [`fibres_of`]).
    fibres: Vec<(&'static str, f32)>,
    /// Its material line and facts, normalized: where figures are looked up ("裤长：M码100cm").
    facts: String,
}

impl Known {
    pub(crate) fn of(product: &Product) -> Known {
        let facts = format!(
            "{} {}",
            product.material.as_deref().unwrap_or(""),
            product.facts.join(" ")
        );
        Known {
            fibres: fibres_of(product),
            facts: super::text::normalize(&facts),
        }
    }
}

/// A product's fibres with their share, from its structured spec, else read from its
/// material line and name ("棉92% 聚酯纤维6%", "全棉", "纯棉短袖T恤").
fn fibres_of(product: &Product) -> Vec<(&'static str, f32)> {
    if !product.spec.fibres.is_empty() {
        let mut out: Vec<(&'static str, f32)> = Vec::new();
        for f in &product.spec.fibres {
            // The catalog's fibre names, as the readers name them.
            let name = FIBRES
                .iter()
                .find(|(w, _)| f.fibre.contains(w))
                .map_or("", |(_, canon)| *canon);
            if !name.is_empty() {
                match out.iter_mut().find(|(n, _)| *n == name) {
                    Some((_, share)) => *share += f.percent,
                    None => out.push((name, f.percent)),
                }
            }
        }
        if !out.is_empty() {
            return out;
        }
    }
    let text = format!(
        "{} {}",
        product.material.as_deref().unwrap_or(""),
        product.name
    );
    let mut out: Vec<(&'static str, f32)> = Vec::new();
    for &(word, fibre) in FIBRES {
        let mut from = 0;
        while let Some(at) = text[from..].find(word).map(|i| i + from) {
            from = at + word.len();
            let before = &text[..at];
            let after = &text[from..];
            let percent: Option<f32> = after
                .split(|c: char| !(c.is_ascii_digit() || c == '.'))
                .next()
                .filter(|d| !d.is_empty() && after[d.len()..].starts_with('%'))
                .and_then(|d| d.parse().ok());
            let pure = word == "纯棉" || word == "全棉" || PURE.iter().any(|p| before.ends_with(p));
            let share = percent.unwrap_or(if pure { 100.0 } else { 0.0 });
            match out.iter_mut().find(|(f, _)| *f == fibre) {
                Some((_, s)) => *s = s.max(share),
                None => out.push((fibre, share)),
            }
        }
    }
    out
}

/// A claim a reply makes: what is wrong with it (empty when it is true) and where it stands.
type Claim = (String, Range<usize>);
/// A reader of one kind of claim about the item under discussion.
type ProductReader = fn(&Ctx<'_>, &Product) -> Option<Claim>;
/// A reader of one kind of claim about the shop's rules.
type ShopReader = fn(&Ctx<'_>) -> Option<Claim>;

/// What a reply must contain for each claim reader to read it, as sets of the reply's
/// phrasebook: the readers run only where the one pass over the reply found their words.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClaimGates {
    material: SetId,
    price: SetId,
    free_shipping: SetId,
    colour: SetId,
    care: SetId,
    figure: SetId,
    variant: SetId,
    policy: SetId,
    returns: SetId,
    protection: SetId,
}

impl ClaimGates {
    pub(crate) fn register(book: &mut PhrasebookBuilder) -> ClaimGates {
        let care: Vec<&str> = [DRY_CLEAN, MACHINE_WASH, TUMBLE_DRY].concat();
        let variants: Vec<&str> = VARIANTS.concat();
        let protection: Vec<&str> = [PROTECTION_TAILS, PROTECTION_HEADS].concat();
        ClaimGates {
            material: book.add_phrases(&FIBRES.iter().map(|(w, _)| *w).collect::<Vec<_>>()),
            price: book.add_phrases(PRICE_TALK),
            free_shipping: book.add_phrases(&["包邮"]),
            colour: book.add_phrases(&["色"]),
            care: book.add_phrases(&care),
            figure: book.add_phrases(FIGURE_LABELS),
            variant: book.add_phrases(&variants),
            policy: book.add_phrases(POLICY_WORDS),
            returns: book.add_phrases(RETURN_TAILS),
            protection: book.add_phrases(&protection),
        }
    }
}

/// A claim of the reply that the catalog or the shop's policy contradicts, with what is true.
pub(crate) fn truthful(ctx: &Ctx<'_>) -> Option<Verdict> {
    let lang = ctx.scorer().lang;
    let hits = &ctx.analysis.hits;
    let g = ctx.scorer().claim_gates;
    let product_readers: [(SetId, ProductReader); 7] = [
        (g.material, material_claim),
        (g.price, price_claim),
        (g.free_shipping, free_shipping_claim),
        (g.colour, colour_claim),
        (g.care, care_claim),
        (g.figure, figure_claim),
        (g.variant, variant_claim),
    ];
    let shop_readers: [(SetId, ShopReader); 3] = [
        (g.policy, policy_claims),
        (g.returns, returns_claim),
        (g.protection, protection_claim),
    ];
    let about_product = ctx.product().into_iter().flat_map(|product| {
        product_readers
            .iter()
            .filter(|(gate, _)| hits.any(*gate))
            .filter_map(move |(_, read)| read(ctx, product))
    });
    let about_shop = shop_readers
        .iter()
        .filter(|(gate, _)| hits.any(*gate))
        .filter_map(|(_, read)| read(ctx));
    let mut claims = 0;
    let mut wrong: Option<Claim> = None;
    for (message, span) in about_product.chain(about_shop) {
        claims += 1;
        if wrong.is_none() && !message.is_empty() {
            wrong = Some((message, span));
        }
    }
    if claims == 0 {
        return None;
    }
    match wrong {
        Some((message, span)) => verdict(
            ctx,
            0.0,
            || {
                tr!(
                    lang,
                    "说法与店铺信息不符：{}",
                    "not true of this shop: {}",
                    message
                )
            },
            Some(span),
        ),
        None => verdict(
            ctx,
            100.0,
            || {
                tr!(
                    lang,
                    "说法与店铺信息一致",
                    "claims agree with the shop's facts"
                )
            },
            None,
        ),
    }
}

/// A claim about the fabric: "100%纯棉", "是涤纶的", "面料是羊毛". `Some((message, span))`
/// for a claim, with an empty message when it is true.
fn material_claim(ctx: &Ctx<'_>, product: &Product) -> Option<Claim> {
    let a = ctx.analysis;
    let (norm, hits, clauses) = (a.norm.as_str(), &a.hits, a.clauses());
    let negation = Key::Negation.set();
    let lang = ctx.scorer().lang;
    let known = ctx.scorer().known(product);
    let fibres = &known.fibres;
    if fibres.is_empty() {
        return None;
    }
    let mut result: Option<(String, Range<usize>)> = None;
    // The fibre words where the reply's pass over the phrasebook found them, longest first
    // (纯棉 before 棉, 聚酯纤维 before 聚酯).
    for span in hits.all(ctx.scorer().claim_gates.material) {
        let (at, from) = (span.start, span.end);
        let word = &norm[span.clone()];
        let Some(&(_, fibre)) = FIBRES.iter().find(|(w, _)| *w == word) else {
            continue;
        };
        {
            let clause = clauses.around(at);
            let clause_text = &norm[clause.start..clause.end.min(norm.len())];
            if !FABRIC_TALK_AC.is_match(clause_text) {
                continue;
            }
            // 棉袜, 棉衣, 棉帆布: a word of another product, or a fabric of this one.
            if word == "棉"
                && norm[from..]
                    .chars()
                    .next()
                    .is_some_and(|c| "袜衣服被鞋花签".contains(c))
            {
                continue;
            }
            if read::negated(hits, negation, clauses, &span) {
                continue;
            }
            // "纯棉长袖衬衫", "纯棉短袖T恤": another product's name, not this one's fabric.
            let garment = norm[from..].trim_start_matches(['的', ' ']);
            if GARMENTS.iter().any(|g| garment.starts_with(g)) {
                continue;
            }
            // "雪纺加棉混纺内衬": the lining's fibre, not the fabric's.
            let tail = prefix_chars(&norm[from..], 5);
            if ["内衬", "里衬", "衬里", "内里", "里布"]
                .iter()
                .any(|w| tail.contains(w))
            {
                continue;
            }
            let pure =
                word == "纯棉" || word == "全棉" || PURE.iter().any(|p| norm[..at].ends_with(p));
            let share = fibres
                .iter()
                .find(|(f, _)| *f == fibre)
                .map_or(0.0, |(_, s)| *s);
            let present = fibres.iter().any(|(f, _)| *f == fibre);
            let truth = || {
                fibres
                    .iter()
                    .map(|(f, s)| {
                        if *s > 0.0 {
                            format!("{f}{s}%")
                        } else {
                            f.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let message = if pure && share < 95.0 {
                tr!(
                    lang,
                    "说是纯{}，这款实际是{}",
                    "claims pure {}; this item is {}",
                    fibre,
                    truth()
                )
            } else if !present {
                tr!(
                    lang,
                    "说含{}，这款实际是{}",
                    "claims {}; this item is {}",
                    fibre,
                    truth()
                )
            } else {
                String::new()
            };
            if !message.is_empty() {
                return Some((message, span));
            }
            result.get_or_insert((String::new(), span));
        }
    }
    result
}

/// Words around an amount that state it is this item's price.
const PRICE_TALK: &[&str] = &[
    "已经是",
    "活动价",
    "售价",
    "现价",
    "原价",
    "价格是",
    "卖",
    "标价",
];

static PRICE_TALK_AC: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| read::any_of(PRICE_TALK));

/// A price stated for the item ("129已经是活动价"), checked against its catalog price and the
/// shop's promotions.
fn price_claim(ctx: &Ctx<'_>, product: &Product) -> Option<Claim> {
    let a = ctx.analysis;
    let lang = ctx.scorer().lang;
    let norm = a.norm.as_str();
    if !PRICE_TALK_AC.is_match(norm) {
        return None;
    }
    let catalog = &ctx.scorer().catalog;
    let shop = &catalog.shop;
    let known = |y: f64| {
        (y - product.price).abs() < 0.5
            || (y - f64::from(shop.free_shipping_threshold)).abs() < 0.5
            || catalog
                .promotions
                .iter()
                .any(|p| (y - f64::from(p.threshold)).abs() < 0.5 || (y - f64::from(p.value)).abs() < 0.5)
            // A deal within the agent's authority.
            || (product.price - y >= 0.0 && product.price - y <= f64::from(shop.max_discount))
    };
    let mut amounts: Vec<read::MoneyFact> = a.money().to_vec();
    // A bare number stated as the price: "129已经是活动价".
    for (at, _) in norm.match_indices(|c: char| c.is_ascii_digit()) {
        if at > 0 && norm.as_bytes()[at - 1].is_ascii_digit() {
            continue;
        }
        let digits: &str = norm[at..]
            .split(|c: char| !c.is_ascii_digit())
            .next()
            .unwrap_or("");
        let end = at + digits.len();
        let rest = norm[end..].trim_start_matches(['元', '块', ' ']);
        if ["已经是", "是活动价", "就是最低", "是最低", "是到手价"]
            .iter()
            .any(|w| rest.starts_with(w))
            && !amounts.iter().any(|m| m.range.contains(&at))
        {
            if let Ok(yuan) = digits.parse::<f64>() {
                amounts.push(read::MoneyFact {
                    yuan,
                    range: at..end,
                    role: AmountRole::ShopPrice,
                    negated: false,
                });
            }
        }
    }
    for m in amounts {
        if m.negated || !matches!(m.role, AmountRole::ShopPrice | AmountRole::Other) {
            continue;
        }
        let clause = a.clauses().around(m.range.start);
        let clause_text = &norm[clause.start..clause.end.min(norm.len())];
        let after = &norm[m.range.end..];
        let stated = PRICE_TALK_AC.is_match(clause_text)
            || ["已经是", "是活动价"]
                .iter()
                .any(|w| after.trim_start_matches(['元', '块']).starts_with(w));
        if !stated || clause_text.contains('满') {
            continue;
        }
        // Another product's price ("袜子19元") is no claim about this one.
        if ctx.scorer().names_other_product(clause_text, product) {
            continue;
        }
        if known(m.yuan) {
            return Some((String::new(), m.range));
        }
        return Some((
            tr!(
                lang,
                "说价格是{}元，这款标价{}元",
                "says the price is {} yuan; the item costs {}",
                m.yuan,
                product.price
            ),
            m.range,
        ));
    }
    None
}

/// "包邮的" stated as the shop's rule for an item below the free-shipping threshold.
fn free_shipping_claim(ctx: &Ctx<'_>, product: &Product) -> Option<Claim> {
    let a = ctx.analysis;
    let lang = ctx.scorer().lang;
    let norm = a.norm.as_str();
    let at = norm.find("包邮")?;
    let span = at..at + "包邮".len();
    let clause = a.clauses().around(at);
    let clause_text = &norm[clause.start..clause.end.min(norm.len())];
    // A threshold, a condition or a favour is no claim that this item ships free.
    if [
        "满", "凑", "加", "再", "够", "差", "过", "超过", "以上", "两件", "一起", "给您", "帮您",
        "申请", "送您", "不", "吗", "?",
    ]
    .iter()
    .any(|w| clause_text.contains(w))
        || read::negated(&a.hits, Key::Negation.set(), a.clauses(), &span)
    {
        return None;
    }
    // "T恤加袜子一起拍": the cart holds more than this item.
    if ["一起", "加", "凑", "两件", "两条", "都要", "再买"]
        .iter()
        .any(|w| ctx.state.pending.contains(w))
    {
        return None;
    }
    let threshold = f64::from(ctx.scorer().shop().free_shipping_threshold);
    if product.price >= threshold {
        return Some((String::new(), span));
    }
    Some((
        tr!(
            lang,
            "说包邮，但这款{}元，店铺满{}元才包邮",
            "says it ships free, but the item is {} yuan and shipping is free from {}",
            product.price,
            threshold
        ),
        span,
    ))
}

/// Colour words agents use, to read "白色有货".
const COLOURS: &[&str] = &[
    "白",
    "黑",
    "红",
    "蓝",
    "灰",
    "粉",
    "绿",
    "黄",
    "紫",
    "卡其",
    "米",
    "杏",
    "咖",
    "驼",
    "藏青",
    "酒红",
    "燕麦",
    "雾霾蓝",
    "军绿",
    "棕",
    "橙",
    "银",
    "金",
];

/// "有白色的" / "白色有现货" for a colour the item does not come in.
fn colour_claim(ctx: &Ctx<'_>, product: &Product) -> Option<Claim> {
    let a = ctx.analysis;
    let (norm, hits, clauses) = (a.norm.as_str(), &a.hits, a.clauses());
    let negation = Key::Negation.set();
    let lang = ctx.scorer().lang;
    if product.colors.is_empty() || !norm.contains('色') {
        return None;
    }
    // "有的亲，黑色很耐脏": a yes at the start stands for every colour named after it.
    let opening = norm.trim_start_matches(['亲', ',', ' ', '~']);
    let affirms = ["有的", "有哦", "有呢", "有货", "有滴"]
        .iter()
        .any(|w| opening.starts_with(w));
    let mut from = 0;
    while let Some(at) = norm[from..].find('色').map(|i| i + from) {
        from = at + '色'.len_utf8();
        let before = &norm[..at];
        let Some(colour) = COLOURS
            .iter()
            .filter(|c| before.ends_with(*c))
            .max_by_key(|c| c.len())
        else {
            continue;
        };
        let start = at - colour.len();
        let span = start..from;
        let clause = clauses.around(at);
        let clause_text = &norm[clause.start..clause.end.min(norm.len())];
        let stocked = ["有货", "有现货", "有的", "还有", "有呢", "有哦", "都有"]
            .iter()
            .any(|w| clause_text.contains(w))
            || clause_text.starts_with('有')
            || affirms;
        if !stocked || read::negated(hits, negation, clauses, &span) || clause_text.contains('吗')
        {
            continue;
        }
        let named = &norm[start..from];
        let sold = product
            .colors
            .iter()
            .any(|c| c.contains(colour) || named.contains(c.trim_end_matches('色')));
        if sold {
            return Some((String::new(), span));
        }
        return Some((
            tr!(
                lang,
                "说有{}，这款只有{}",
                "says {} is available; the item comes in {}",
                named,
                product.colors.join("、")
            ),
            span,
        ));
    }
    None
}

/// The shop's rules as a reply states them: how long price protection lasts ("价保30天"),
/// whether cash on delivery costs more ("货到付款不加钱"), whether promotions stack.
fn policy_claims(ctx: &Ctx<'_>) -> Option<Claim> {
    let a = ctx.analysis;
    let lang = ctx.scorer().lang;
    let norm = a.norm.as_str();
    let catalog = &ctx.scorer().catalog;
    let shop = &catalog.shop;
    let negation = Key::Negation.set();
    if shop.cod_surcharge > 0 {
        for word in ["货到付款", "到付"] {
            let Some(at) = norm.find(word) else { continue };
            let clause = a.clauses().around(at);
            let next = a
                .clauses()
                .around(clause.end.saturating_add(1).min(norm.len()));
            let text = &norm[clause.start..next.end.min(norm.len())];
            let free = [
                "不加钱",
                "不收",
                "免费",
                "不多收",
                "一样的价",
                "不另外",
                "没有手续费",
                "不用加",
            ];
            if free.iter().any(|w| text.contains(w)) {
                return Some((
                    tr!(
                        lang,
                        "说货到付款不加钱，店铺货到付款要多收{}元",
                        "says cash on delivery costs nothing more; the shop charges {} yuan",
                        shop.cod_surcharge
                    ),
                    at..at + word.len(),
                ));
            }
        }
    }
    if let Some(at) = norm.find("叠加") {
        let span = at..at + "叠加".len();
        let refused = read::negated(&a.hits, negation, a.clauses(), &span)
            || norm[..at].ends_with('不')
            || read::refused_after(norm, a.clauses(), &span);
        let exclusive = catalog.promotions.iter().any(|p| p.text.contains("不叠加"));
        if !refused && exclusive && !norm[at..].starts_with("叠加吗") {
            return Some((
                tr!(
                    lang,
                    "说优惠可以叠加，店铺的满减不叠加",
                    "says the promotions stack; the shop's do not"
                ),
                span,
            ));
        }
    }
    None
}

/// Ways of saying the item wants dry cleaning, may go in the machine, may be tumble-dried.
const DRY_CLEAN: &[&str] = &["建议干洗", "只能干洗", "要干洗", "必须干洗"];
const MACHINE_WASH: &[&str] = &["可以机洗", "能机洗", "洗衣机洗", "丢洗衣机", "直接机洗"];
const TUMBLE_DRY: &[&str] = &["可以烘干", "能烘干", "直接烘干"];
/// Words of the shop's other rules: cash on delivery, promotions that stack.
const POLICY_WORDS: &[&str] = &["货到付款", "到付", "叠加"];

/// How a reply says to wash the item, against its `[products.spec].care`: "建议干洗" for a knit
/// that machine-washes, "可以机洗" for a hand-wash-only dress, "可以烘干" for one that may not be
/// tumble-dried.
fn care_claim(ctx: &Ctx<'_>, product: &Product) -> Option<Claim> {
    let a = ctx.analysis;
    let (norm, hits, clauses) = (a.norm.as_str(), &a.hits, a.clauses());
    let negation = Key::Negation.set();
    let lang = ctx.scorer().lang;
    let care = &product.spec.care;
    let said = |words: &[&str]| {
        words.iter().find_map(|w| {
            let at = norm.find(w)?;
            let span = at..at + w.len();
            (!read::negated(hits, negation, clauses, &span)).then_some(span)
        })
    };
    let washes = care.machine_wash == Some(true) || care.hand_wash == Some(true);
    // Per way of caring: what the reply says, whether the spec contradicts it, and what is
    // wrong with it then. The first said is the claim.
    let ways: [(&[&str], bool, (&str, &str)); 3] = [
        (
            DRY_CLEAN,
            care.dry_clean_only == Some(false) && washes,
            ("说要干洗，这款可以水洗", "says dry-clean; the item washes"),
        ),
        (
            MACHINE_WASH,
            care.machine_wash == Some(false),
            (
                "说可以机洗，这款只能手洗",
                "says machine-wash; the item is hand-wash",
            ),
        ),
        (
            TUMBLE_DRY,
            care.tumble_dry == Some(false),
            (
                "说可以烘干，这款不能烘干",
                "says it may be tumble-dried; it may not",
            ),
        ),
    ];
    ways.iter().find_map(|&(words, contradicted, (zh, en))| {
        let span = said(words)?;
        let wrong = if contradicted {
            match lang {
                crate::lang::Lang::Zh => zh.to_string(),
                crate::lang::Lang::En => en.to_string(),
            }
        } else {
            String::new()
        };
        Some((wrong, span))
    })
}

/// Labels of a product's figures, as the catalog and agents write them.
const FIGURE_LABELS: &[&str] = &[
    "含绒量",
    "充绒量",
    "容量",
    "裙长",
    "裤长",
    "衣长",
    "克重",
    "袖长",
];

/// A figure stated for the product ("含绒量95%", "容量500ml", "L码裤长105cm") checked against
/// the same label in its material line and facts.
fn figure_claim(ctx: &Ctx<'_>, product: &Product) -> Option<Claim> {
    let norm = ctx.analysis.norm.as_str();
    let lang = ctx.scorer().lang;
    if !FIGURE_LABELS.iter().any(|l| norm.contains(l)) {
        return None;
    }
    let known = ctx.scorer().known(product);
    let catalog_text = known.facts.as_str();
    for label in FIGURE_LABELS {
        let Some(at) = norm.find(label) else { continue };
        let Some((said, end)) = figure_after(norm, at + label.len()) else {
            continue;
        };
        // The size the figure is for, when the reply names one ("L码裤长").
        let size = norm[..at]
            .trim_end_matches(['的', ' '])
            .trim_end_matches(['码', '号'])
            .rsplit(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or("");
        // Else the size the reply advised before it ("选2XL码刚好，裤长108cm").
        let size = if size.is_empty() {
            super::extract::size_mentions_all(&norm[..at])
                .last()
                .map(|m| m.size.to_lowercase())
                .unwrap_or_default()
        } else {
            size.to_string()
        };
        let close = |v: f64, truth: f64| (v - truth).abs() <= truth.abs() * 0.01 + 0.5;
        // The catalog's first line with the label: "裤长：M码100cm，L码103cm".
        let Some(cat_at) = catalog_text.find(label) else {
            continue;
        };
        let from = cat_at + label.len();
        let sized = (!size.is_empty())
            .then(|| catalog_text[from..].find(&format!("{size}码")))
            .flatten();
        let mut per_size: Vec<f64> = Vec::new();
        let truth = if let Some(i) = sized {
            // The figure of the size named.
            figure_after(catalog_text, from + i + size.len() + "码".len()).map(|(v, _)| v)
        } else {
            // Every size's figure, for a reply that names none.
            let mut next = from;
            while let Some((v, e)) = figure_after(catalog_text, next) {
                per_size.push(v);
                if !catalog_text[e..]
                    .trim_start_matches(|c: char| c.is_ascii_alphabetic())
                    .starts_with([',', '，', ' '])
                {
                    break;
                }
                next = e + 1;
            }
            per_size.first().copied()
        };
        let Some(truth) = truth else { continue };
        let span = at..end;
        if close(said, truth) || per_size.iter().any(|v| close(said, *v)) {
            return Some((String::new(), span));
        }
        return Some((
            tr!(
                lang,
                "说{}是{}，这款是{}",
                "says the {} is {}; the item's is {}",
                label,
                said,
                truth
            ),
            span,
        ));
    }
    None
}

/// The first number within a few characters after `from` (约, 大概, ：, 是 may come first).
fn figure_after(text: &str, from: usize) -> Option<(f64, usize)> {
    let rest = text.get(from..)?;
    let start = rest.find(|c: char| c.is_ascii_digit())?;
    if rest[..start].chars().count() > 4 {
        return None;
    }
    let digits: String = rest[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let v = digits.parse().ok()?;
    Some((v, from + start + digits.len()))
}

/// Words of which a product has one: a reply naming another of its group is wrong.
const VARIANTS: &[&[&str]] = &[
    &["头层", "二层"],
    &["白鸭绒", "灰鸭绒", "白鹅绒", "灰鹅绒"],
    &["硬领", "软领"],
];

/// "二层牛皮" for a 头层牛皮 belt: a variant the product's catalog text does not have.
fn variant_claim(ctx: &Ctx<'_>, product: &Product) -> Option<Claim> {
    let a = ctx.analysis;
    let (norm, hits, clauses) = (a.norm.as_str(), &a.hits, a.clauses());
    let negation = Key::Negation.set();
    let lang = ctx.scorer().lang;
    if !VARIANTS.iter().any(|g| g.iter().any(|v| norm.contains(v))) {
        return None;
    }
    let catalog_text = format!(
        "{} {} {}",
        product.name,
        product.material.as_deref().unwrap_or(""),
        product.facts.join(" ")
    );
    for group in VARIANTS {
        let Some(has) = group.iter().find(|v| catalog_text.contains(*v)) else {
            continue;
        };
        for said in group.iter() {
            let Some(at) = norm.find(said) else { continue };
            let span = at..at + said.len();
            if read::negated(hits, negation, clauses, &span) || norm[at..].contains("还是") {
                continue;
            }
            if said == has {
                return Some((String::new(), span));
            }
            return Some((
                tr!(
                    lang,
                    "说是{}，这款是{}",
                    "says {}; the item is {}",
                    said,
                    has
                ),
                span,
            ));
        }
    }
    None
}

/// "7天无理由", "15天内退差价": the number of days comes before these.
const RETURN_TAILS: &[&str] = &["天无理由", "天内无理由", "天退换", "天内退换", "天包退"];
const PROTECTION_TAILS: &[&str] = &[
    "天价保",
    "天内价保",
    "天保价",
    "天内降价",
    "天内退差价",
    "天退差价",
];
/// "价保30天", "价保期是30天": the number of days comes after these, in their clause.
const PROTECTION_HEADS: &[&str] = &["价保", "保价"];

/// The return period a reply states ("7天无理由"), against `[shop].return_days`.
fn returns_claim(ctx: &Ctx<'_>) -> Option<Claim> {
    let lang = ctx.scorer().lang;
    let truth = ctx.scorer().shop().return_days;
    let (n, span) = days_before(&ctx.analysis.norm, RETURN_TAILS)?;
    let message = if n == truth {
        String::new()
    } else {
        tr!(
            lang,
            "说{}天无理由，店铺是{}天无理由退换",
            "says {} days of no-reason returns; the shop gives {}",
            n,
            truth
        )
    };
    Some((message, span))
}

/// The price-protection period a reply states ("15天价保", "价保30天"), against
/// `[shop].price_protection_days`.
fn protection_claim(ctx: &Ctx<'_>) -> Option<Claim> {
    let a = ctx.analysis;
    let lang = ctx.scorer().lang;
    let truth = ctx.scorer().shop().price_protection_days;
    let (n, span) = days_before(&a.norm, PROTECTION_TAILS)
        .or_else(|| days_after(&a.norm, a.clauses(), PROTECTION_HEADS))?;
    let message = if n == truth {
        String::new()
    } else {
        tr!(
            lang,
            "说价保{}天，店铺是签收{}天内降价退差价",
            "says {} days of price protection; the shop gives {}",
            n,
            truth
        )
    };
    Some((message, span))
}

/// A number of days written just before one of `tails` ("15天价保", "七天无理由"), with its span.
fn days_before(norm: &str, tails: &[&str]) -> Option<(u32, Range<usize>)> {
    for tail in tails {
        for (at, _) in norm.match_indices(tail) {
            let before = &norm[..at];
            let digits = before.len() - before.trim_end_matches(|c: char| c.is_ascii_digit()).len();
            let (n, len) = if digits > 0 {
                (before[at - digits..].parse().ok(), digits)
            } else {
                let chinese = before.len()
                    - before
                        .trim_end_matches(|c: char| super::text::cn_digit(c).is_some() || c == '十')
                        .len();
                (
                    super::text::chinese_number(&before[at - chinese..]),
                    chinese,
                )
            };
            if let Some(n) = n {
                return Some((n, at - len..at + tail.len()));
            }
        }
    }
    None
}

/// A number of days written after one of `heads` in its clause ("价保期是30天").
fn days_after(norm: &str, clauses: &Clauses, heads: &[&str]) -> Option<(u32, Range<usize>)> {
    for head in heads {
        let Some(at) = norm.find(head) else { continue };
        let clause_end = clauses.around(at).end.min(norm.len());
        let rest = &norm[at + head.len()..clause_end];
        let digits: String = rest
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        if let (Ok(n), true) = (digits.parse::<u32>(), rest.contains('天')) {
            return Some((n, at..clause_end));
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Red lines read in context
// ---------------------------------------------------------------------------------------------

/// Money or favours traded for a review: 好评返现, "五星好评截图返您5元", "删差评给您补10元",
/// "删了我再给您换". Asking politely for a rating, or to revise a review once the problem is
/// solved, is fine.
pub(crate) fn review_manipulation(ctx: &Ctx<'_>, p: &ReviewParams) -> Option<Verdict> {
    let lang = ctx.scorer().lang;
    let a = ctx.analysis;
    let hits = &a.hits;
    let negation = Key::Negation.set();
    let fail = |span: Range<usize>| {
        verdict(
            ctx,
            0.0,
            || {
                tr!(
                    lang,
                    "拿评价做交易（好评返现、花钱删改差评或以删评为条件）：红线",
                    "trades for a review (cash for praise, paying to remove or change a bad review, or a fix on condition): a red line"
                )
            },
            Some(span),
        )
    };
    let praise = |r: &Range<usize>| {
        let w = a.norm.get(r.clone()).unwrap_or("");
        ["好评", "五星", "5星", "晒图"]
            .iter()
            .any(|p| w.contains(p))
    };
    for review in hits.all(p.reviews) {
        if read::negated(hits, negation, a.clauses(), &review)
            || read::refused_after(&a.norm, a.clauses(), &review)
        {
            continue;
        }
        // The review's clause and the two after it: "给个五星好评，截图发小妹，返您5元哦".
        let reach = clause_window(a.clauses(), &a.norm, &review, 2);
        let inside = |r: &Range<usize>| reach.start <= r.start && r.end <= reach.end;
        if let Some(reward) = hits.all(p.rewards).find(|r| inside(r)) {
            if !read::negated(hits, negation, a.clauses(), &reward)
                && !read::refused_after(&a.norm, a.clauses(), &reward)
            {
                return fail(review.start.min(reward.start)..review.end.max(reward.end));
            }
        }
        // Money promised beside a good review: "五星好评加15字以上，下次立减5元".
        if praise(&review) {
            let paid = a.money().iter().find(|m| !m.negated && inside(&m.range));
            if let Some(m) = paid {
                return fail(review.start.min(m.range.start)..review.end.max(m.range.end));
            }
        }
        let removal = hits.all(p.removals).find(|r| inside(r));
        if let Some(removal) = removal {
            let condition = hits.all(p.conditions).any(|c| c.start >= removal.end);
            let paid = a.compensation.is_some() || a.concession.is_some();
            if condition || paid {
                return fail(review.start.min(removal.start)..review.end.max(removal.end));
            }
        }
    }
    verdict(
        ctx,
        100.0,
        || tr!(lang, "没有拿评价做交易", "no trade for a review"),
        None,
    )
}

/// The clause of `span` and the `more` clauses after it.
fn clause_window(clauses: &Clauses, norm: &str, span: &Range<usize>, more: usize) -> Range<usize> {
    let mut window = clauses.around(span.start);
    for _ in 0..more {
        if window.end >= norm.len() {
            break;
        }
        window.end = clauses.around(window.end + 1).end;
    }
    window.start..window.end.min(norm.len())
}

/// Two kinds of words said together (see [`TogetherParams`]), neither refused.
pub(crate) fn together(ctx: &Ctx<'_>, p: &TogetherParams) -> Option<Verdict> {
    let lang = ctx.scorer().lang;
    let a = ctx.analysis;
    let negation = Key::Negation.set();
    let message = match lang {
        crate::lang::Lang::Zh => &p.message,
        crate::lang::Lang::En => &p.message_en,
    };
    let fail = |span: Range<usize>| {
        let found = a.norm.get(span.clone()).unwrap_or("").to_string();
        verdict(ctx, 0.0, || format!("{message}「{found}」"), Some(span))
    };
    if let Some(span) = a
        .hits
        .all(p.alone)
        .find(|r| !read::negated(&a.hits, negation, a.clauses(), r))
    {
        return fail(span);
    }
    for &(first_set, second_set) in &p.pairs {
        for first in a.hits.all(first_set) {
            if read::negated(&a.hits, negation, a.clauses(), &first) {
                continue;
            }
            // The clause before, its own and the two after.
            let reach = clause_window(a.clauses(), &a.norm, &first, 2);
            let own = a.clauses().around(first.start);
            let from = a
                .clauses()
                .around(own.start.saturating_sub(1))
                .start
                .min(own.start);
            let second = a
                .hits
                .all(second_set)
                .find(|r| from <= r.start && r.end <= reach.end && *r != first);
            if let Some(second) = second {
                return fail(first.start.min(second.start)..first.end.max(second.end));
            }
        }
    }
    verdict(ctx, 100.0, || tr!(lang, "没有问题", "nothing found"), None)
}

/// A phone number or contact id written to slip past a filter: digits split by spaces or
/// dashes, or spelled in Chinese numerals (`Some((span, true))`); a plain mobile number, which
/// may be the buyer's own read back for checking, is unsure (`Some((span, false))`).
pub(crate) fn contact_number(norm: &str) -> Option<(Range<usize>, bool)> {
    // No run of seven numerals (separators let through), no contact number: the common case,
    // read without collecting the characters.
    let numeral = |c: char| c.is_ascii_digit() || super::text::cn_digit(c).is_some();
    let mut run = 0;
    let mut longest = 0;
    for c in norm.chars() {
        if numeral(c) {
            run += 1;
            longest = longest.max(run);
        } else if !matches!(c, ' ' | '-' | '_' | '.' | '·') {
            run = 0;
        }
    }
    if longest < 7 {
        return None;
    }
    let chars: Vec<(usize, char)> = norm.char_indices().collect();
    let mut i = 0;
    while i < chars.len() {
        let (start, c) = chars[i];
        let is_cn = super::text::cn_digit(c).is_some() && !c.is_ascii_digit();
        if !(c.is_ascii_digit() || is_cn) {
            i += 1;
            continue;
        }
        let mut digits = 0;
        let mut separators = 0;
        let mut chinese = 0;
        let mut j = i;
        let mut end = start;
        while j < chars.len() {
            let (at, d) = chars[j];
            if d.is_ascii_digit() {
                digits += 1;
            } else if super::text::cn_digit(d).is_some() && d != '十' {
                digits += 1;
                chinese += 1;
            } else if matches!(d, ' ' | '-' | '_' | '.' | '·') && j + 1 < chars.len() {
                separators += 1;
            } else {
                break;
            }
            end = at + d.len_utf8();
            j += 1;
        }
        let before = &norm[..start];
        let is_order = [
            "订单", "单号", "快递", "运单", "物流", "编号", "尾号", "批号",
        ]
        .iter()
        .any(|w| {
            before.ends_with(w) || before.trim_end_matches(['：', ':', ' ', '是']).ends_with(w)
        });
        if !is_order {
            if chinese >= 7 || (separators > 0 && (7..=12).contains(&digits) && separators <= 4) {
                return Some((start..end, true));
            }
            let run: String = norm[start..end]
                .chars()
                .filter(char::is_ascii_digit)
                .collect();
            if digits == 11 && separators == 0 && run.starts_with('1') {
                return Some((start..end, false));
            }
        }
        i = j.max(i + 1);
    }
    None
}

/// A one-word reply ("嗯", "好的。", "不知道") to a customer who said something: cold, and no
/// help.
pub(crate) fn curt(ctx: &Ctx<'_>) -> Option<Verdict> {
    let lang = ctx.scorer().lang;
    let a = ctx.analysis;
    if !ctx.answering {
        return None;
    }
    let content = a.norm.chars().any(|c| {
        is_word_char(c)
            && !matches!(
                c,
                '嗯' | '哦' | '呢' | '啊' | '呀' | '哈' | '的' | '了' | '好' | '行' | '是'
            )
    });
    // "不知道。", "不清楚哦", "随便吧！": a shrug, whatever particle or mark closes it.
    let bare = a.norm.trim_end_matches(|c: char| {
        !is_word_char(c) || matches!(c, '哦' | '呢' | '啊' | '呀' | '哈' | '吧' | '的' | '了')
    });
    let shrug = ["不知道", "不清楚", "随便"].contains(&bare);
    if !content || shrug {
        return verdict(
            ctx,
            0.0,
            || {
                tr!(
                    lang,
                    "只回了「{}」，既没称呼也没内容",
                    "only \u{300c}{}\u{300d}: no address and nothing said",
                    a.norm.trim()
                )
            },
            None,
        );
    }
    verdict(
        ctx,
        100.0,
        || tr!(lang, "不是一字回复", "more than a grunt"),
        None,
    )
}

/// The same reply pasted again instead of moving the conversation on.
pub(crate) fn repeated(ctx: &Ctx<'_>, p: &RepeatedParams) -> Option<Verdict> {
    let lang = ctx.scorer().lang;
    let earlier = &ctx.state.earlier_replies;
    if earlier.is_empty() {
        return None;
    }
    let repeat = ctx.repeat.at_least(p.similarity, p.min_chars);
    if repeat {
        return verdict(
            ctx,
            0.0,
            || {
                tr!(
                    lang,
                    "和前面的回复几乎一样，没有回应顾客新说的话",
                    "repeats an earlier reply instead of answering what the customer said since"
                )
            },
            None,
        );
    }
    verdict(
        ctx,
        100.0,
        || tr!(lang, "没有重复前面的回复", "no repeat of an earlier reply"),
        None,
    )
}

/// A finding for review, for a phone number the reading cannot place.
pub(crate) fn unsure_number(ctx: &Ctx<'_>, span: Range<usize>) -> Option<Verdict> {
    let lang = ctx.scorer().lang;
    verdict_for_review(
        ctx,
        || {
            tr!(
                lang,
                "回复里有一个手机号：如果不是顾客自己的收货电话，就是在引导站外联系（待复核）",
                "a phone number in the reply: unless it is the buyer's own, it steers off the platform (needs review)"
            )
        },
        Some(span),
    )
}

// ---------------------------------------------------------------------------------------------
// Once per conversation
// ---------------------------------------------------------------------------------------------

/// A conversation-level check's verdict, at the conversation's end.
pub(crate) fn conversation(
    kind: &super::kinds::Kind,
    scorer: &Scorer,
    state: &ConversationState,
) -> Option<Verdict> {
    let lang = scorer.lang;
    match kind {
        super::kinds::Kind::WarmTone(p) => warm_tone(scorer, state, p),
        super::kinds::Kind::Farewell => {
            let closing = state.closing.as_ref()?;
            // A chat that ends on the buyer's close ("行，拍了一件。") is judged on the goodbye
            // the last reply already said.
            let said = closing.farewell || (closing.reply.is_none() && state.last_reply_farewell);
            let (score, message) = if said {
                (
                    100.0,
                    tr!(
                        lang,
                        "顾客要走时致谢或道别了",
                        "thanked or said goodbye as the buyer left"
                    ),
                )
            } else {
                (
                    0.0,
                    tr!(
                        lang,
                        "顾客下单或道别时，没有致谢、没有问还需要什么、也没有邀请评价",
                        "as the buyer closed: no thanks, no offer of more help, no review invitation"
                    ),
                )
            };
            Some(Verdict {
                score,
                message,
                span: None,
                review: false,
            })
        }
        _ => None,
    }
}

fn warm_tone(scorer: &Scorer, state: &ConversationState, p: &WarmToneParams) -> Option<Verdict> {
    let lang = scorer.lang;
    let replies = state.replies.max(1) as f64;
    let ratio = state.warm_replies as f64 / replies;
    let (score, message) = if ratio >= p.min_ratio {
        (
            100.0,
            tr!(
                lang,
                "语气亲切（{}/{}条回复有亲、您或语气词）",
                "warm ({} of {} replies with 亲, 您 or a soft particle)",
                state.warm_replies,
                state.replies
            ),
        )
    } else {
        (
            (59.0 * ratio / p.min_ratio.max(0.01)).round(),
            match (state.warm_replies, state.replies) {
                (0, 0 | 1) => tr!(
                    lang,
                    "语气生硬：回复没有带“亲/您”或“呢、哦、～”",
                    "cold: the reply has no 亲/您 and no soft particle"
                ),
                (0, n) => tr!(
                    lang,
                    "整段对话语气生硬：{}条回复都没有带“亲/您”或“呢、哦、～”",
                    "cold all through: none of the {} replies uses 亲/您 or a soft particle",
                    n
                ),
                (warm, n) => tr!(
                    lang,
                    "整段对话语气生硬：{}条回复里只有{}条带“亲/您”或“呢、哦、～”",
                    "cold all through: of {} replies, only {} use 亲/您 or a soft particle",
                    n,
                    warm
                ),
            },
        )
    };
    Some(Verdict {
        score,
        message,
        span: None,
        review: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeat_key_keeps_word_characters_of_every_width() {
        // Chinese, Latin letters and digits stay; CJK and full-width punctuation, the wave
        // dash, general punctuation and spaces go; a character of another script stays.
        let key = RepeatKey::of("亲，好的～ L码 ok!「在」…é😊");
        assert_eq!(key.text, "亲好的L码ok在é😊");
        assert_eq!(key.chars, 10);
        // At most EARLIER_REPLY_CHARS characters are kept.
        let long = "好".repeat(super::super::EARLIER_REPLY_CHARS + 5);
        let key = RepeatKey::of(&long);
        assert_eq!(key.chars, super::super::EARLIER_REPLY_CHARS);
        assert_eq!(key.text.chars().count(), super::super::EARLIER_REPLY_CHARS);
    }
}
