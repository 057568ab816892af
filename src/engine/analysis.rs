//! What one reply contains, worked out once and shared by every check and by the signals the
//! simulated customer reacts to: phrases found, concessions and their size, apologies, actions,
//! and more. What only some checks ask for (sizes named and whether they fit, an add-on, whether
//! it asks a question, a time commitment) is worked out on first use.

use std::cell::{OnceCell, RefCell};
use std::fmt;
use std::ops::Range;

use super::extract::{self, SizeMention};
use super::lexicon::{Hits, Key, PhrasebookBuilder, SetId};
use super::{Measuring, Scorer, Situation};
use super::{read, text};
use crate::content::Product;
use crate::signal::{Signal, Signals};

/// Smallest fuzzy similarity that counts as naming a product.
pub const FUZZY_MIN: f64 = 0.75;

/// How well `name` occurs in `hay`: 1.0 for an exact substring, else the best normalized
/// Levenshtein similarity of any window of about the same length (names of three characters or
/// more), so that 纯棉袜 still names 纯棉中筒袜 closely enough.
pub fn fuzzy_contains(hay: &[char], name: &[char]) -> f64 {
    let n = name.len();
    if n == 0 || hay.len() + 1 < n {
        return 0.0;
    }
    if hay.windows(n).any(|w| w == name) {
        return 1.0;
    }
    if n < 3 {
        return 0.0;
    }
    // Cheap filter before any edit distance: most of the name's characters must occur at all.
    let present = name.iter().filter(|c| hay.contains(c)).count();
    if (present as f64) < n as f64 * FUZZY_MIN {
        return 0.0;
    }
    let mut best = 0.0f64;
    // Windows one shorter and one longer catch a dropped or an added character.
    for len in [n - 1, n, n + 1] {
        if len == 0 || len > hay.len() {
            continue;
        }
        let longest = len.max(n) as f64;
        for w in hay.windows(len) {
            if w[0] != name[0] && w[len - 1] != name[n - 1] {
                continue;
            }
            let distance = levenshtein(w, name);
            best = best.max(1.0 - distance as f64 / longest);
        }
    }
    best
}

/// Every product name as a set of a phrasebook, to find the names a text contains exactly in
/// the one read of the text: the name with flat index `i` is set `first.nth(i)`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NameSets {
    first: Option<SetId>,
}

impl NameSets {
    pub(crate) fn register(book: &mut PhrasebookBuilder, names: &[String]) -> NameSets {
        let mut first = None;
        for name in names {
            let set = book.add_set([name.as_str()]);
            first.get_or_insert(set);
        }
        NameSets { first }
    }

    /// Whether the scanned text holds the name with flat index `flat`, exactly.
    pub(crate) fn named(self, hits: &Hits, flat: usize) -> bool {
        self.first.is_some_and(|f| hits.any(f.nth(flat)))
    }
}

/// A text to look for product names in, with its character filter (made when it was
/// normalized) and its characters, collected on first need.
pub(crate) struct NameHay<'a> {
    norm: &'a str,
    names: NameSets,
    hits: &'a Hits,
    bits: &'a text::CharBits,
    chars: Option<Vec<char>>,
}

impl<'a> NameHay<'a> {
    /// `hits` is the scan of `norm` with the phrasebook that holds `names`; `bits` the filter of
    /// its characters.
    pub(crate) fn new(
        names: NameSets,
        hits: &'a Hits,
        norm: &'a str,
        bits: &'a text::CharBits,
    ) -> NameHay<'a> {
        NameHay {
            norm,
            names,
            hits,
            bits,
            chars: None,
        }
    }

    /// [`fuzzy_contains`] of the name with flat index `flat`, whose characters are `name`.
    pub(crate) fn score(&mut self, flat: usize, name: &[char]) -> f64 {
        let n = name.len();
        if n == 0 {
            return 0.0;
        }
        // First a bound from the text's character filter alone: most names share too few
        // characters with the text to be named in it, exactly or not.
        let bits = self.bits;
        let at_most = name.iter().filter(|&&c| bits.may_contain(c)).count();
        if (at_most as f64) < n as f64 * FUZZY_MIN {
            return 0.0;
        }
        if self.names.named(self.hits, flat) {
            return 1.0;
        }
        if n < 3 {
            return 0.0;
        }
        // The same cheap filter as fuzzy_contains, before collecting the characters in order.
        let norm = self.norm;
        let present = name
            .iter()
            .filter(|&&c| bits.may_contain(c) && norm.contains(c))
            .count();
        if (present as f64) < n as f64 * FUZZY_MIN {
            return 0.0;
        }
        fuzzy_contains(
            self.chars.get_or_insert_with(|| norm.chars().collect()),
            name,
        )
    }
}

/// Edit distance between two short character slices, without allocating for names of up to 31
/// characters (strsim works on `str` and would need a string per window).
fn levenshtein(a: &[char], b: &[char]) -> usize {
    const MAX: usize = 32;
    if b.len() >= MAX {
        let a: String = a.iter().collect();
        let b: String = b.iter().collect();
        return strsim::levenshtein(&a, &b);
    }
    let mut row = [0usize; MAX];
    for (j, cell) in row.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            let cost = usize::from(ca != cb);
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + cost);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// Words that state a fit preference in customer text.
/// The sizing content of a reply, judged against the chart.
#[derive(Debug, Default)]
pub struct Sizing {
    /// Sizes the chart gives for the customer (empty when measurements are unknown).
    pub right: Vec<String>,
    /// Sizes the reply names that exist in the chart and does not advise against, in order.
    pub named: Vec<SizeMention>,
    /// The size the reply advises (see [`read::advised_size`]).
    pub advised: Option<SizeMention>,
    /// The reply lists sizes without advising one ("S码M码L码都有").
    pub listed_only: bool,
    /// The reply offers a size for a fit preference ("喜欢宽松可以选XL").
    pub alternative: bool,
    pub measurements_known: bool,
    pub reason: Option<Range<usize>>,
    pub fit_words: Option<Range<usize>>,
    pub chart_pointer: Option<Range<usize>>,
    pub asked_measurements: bool,
}

impl Sizing {
    /// Whether the recommended size is smaller (`Less`) or larger (`Greater`) than every size
    /// the chart gives for the customer, by the order of the product's chart; `Equal` when it
    /// is one of them; `None` when either is unknown.
    pub fn direction(&self, product: &crate::content::Product) -> Option<std::cmp::Ordering> {
        let advised = self.advised.as_ref()?;
        let place = |size: &str| {
            let size = extract::canonical_size(size).unwrap_or_else(|| size.to_string());
            product.sizes.iter().position(|row| {
                extract::canonical_size(row.name())
                    .as_deref()
                    .unwrap_or(row.name())
                    == size
            })
        };
        let at = place(&advised.size)?;
        let right: Vec<usize> = self.right.iter().filter_map(|r| place(r)).collect();
        let (lo, hi) = (*right.iter().min()?, *right.iter().max()?);
        Some(if at < lo {
            std::cmp::Ordering::Less
        } else if at > hi {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        })
    }

    /// The primary recommended size and whether it is right.
    pub fn primary(&self) -> Option<(&str, bool)> {
        let advised = self.advised.as_ref()?;
        Some((advised.size.as_str(), self.right.contains(&advised.size)))
    }
}

/// Where a reply is read: the scorer, and the conversation so far as the parts of an
/// [`Analysis`] worked out on first use need it.
#[derive(Clone, Copy)]
pub(super) struct Reading<'a> {
    pub(super) scorer: &'a Scorer,
    pub(super) situation: &'a Situation<'a>,
    /// The catalog product the reply is scored for.
    pub(super) product: Option<&'a Product>,
    /// The customer's measurements, read on first need.
    pub(super) measuring: &'a RefCell<Measuring>,
    /// The customer mentioned a growing child or thick layers.
    pub(super) growth: bool,
}

impl fmt::Debug for Reading<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reading")
            .field("situation", self.situation)
            .field("product", &self.product.map(|p| p.id()))
            .field("growth", &self.growth)
            .finish_non_exhaustive()
    }
}

#[derive(Debug)]
pub struct Analysis<'a> {
    /// Where the reply is read (the checks read the scorer, situation and product from here).
    pub(super) reading: Reading<'a>,
    pub norm: String,
    pub chars: usize,
    pub lines: usize,
    pub emoticon: Option<Range<usize>>,
    /// Whether the reply asks a question, and an open one (see [`Analysis::is_question`]).
    questions: OnceCell<(bool, bool)>,
    /// Sizes named and whether they fit (see [`Analysis::sizing`]).
    sizing: OnceCell<Sizing>,
    /// Every amount of money with its role (see [`Analysis::money`]).
    money: OnceCell<Vec<read::MoneyFact>>,
    pub hedge: Option<Range<usize>>,
    /// An add-on product named: its display name and where (see [`Analysis::add_on`]).
    add_on: OnceCell<Option<(String, Range<usize>)>>,
    pub promotion: Option<Range<usize>>,
    /// Money knocked off, the largest amount offered.
    pub concession: Option<(f64, Range<usize>)>,
    pub free_shipping_offer: Option<Range<usize>>,
    pub gift_offer: Option<Range<usize>>,
    pub personal: Option<Range<usize>>,
    pub value: Option<Range<usize>>,
    pub compensation: Option<(f64, Range<usize>)>,
    pub apology: Option<Range<usize>>,
    pub solution: Option<Range<usize>>,
    /// A time commitment (see [`Analysis::time`]).
    time: OnceCell<Option<Range<usize>>>,
    pub blame: Option<Range<usize>>,
    pub excuse: Option<Range<usize>>,
    pub brush_off: Option<Range<usize>>,
    pub review_pressure: Option<Range<usize>>,
    pub product_facts: Option<Range<usize>>,
    /// A figure with a unit or a percentage: the stuff of a specific answer.
    pub figure: Option<Range<usize>>,
    pub vague: Option<Range<usize>>,
    pub greeting: Option<Range<usize>>,
    pub thanks: Option<Range<usize>>,
    /// A warm word of the shop idiom (亲, 您, 呢, 哦, ～) or an emoticon.
    pub warm: Option<Range<usize>>,
    /// A shop's goodbye: thanks, an offer of more help, a review invitation, an order check.
    pub farewell: Option<Range<usize>>,
    /// The clauses of the reply (see [`Analysis::clauses`]).
    clauses: OnceCell<read::Clauses>,
    /// Where the phrases of the agent's phrasebook occur (the lexicon and the checks' lists).
    pub hits: Hits,
    /// The filter of the normalized reply's characters.
    char_bits: text::CharBits,
}

impl<'a> Analysis<'a> {
    /// Reads a reply: what every check needs now, the rest (see the methods) on first use.
    pub(super) fn new(reading: Reading<'a>, reply: &str) -> Analysis<'a> {
        let scorer = reading.scorer;
        let (norm, char_bits) = text::normalize_with_bits(reply);
        let hits = scorer.book.scan(&norm);
        let trimmed = text::trim(reply);
        let chars = text::char_len(trimmed);
        let lines = trimmed
            .lines()
            .filter(|l| !text::trim(l).is_empty())
            .count();
        let emoticon = hits.first(Key::Emoticon).or_else(|| first_emoji(&norm));

        // Money: each amount gets its role in its clause (see `read::money_facts`); only money
        // the agent knocks off is a concession, and only when it is not refused.
        let negation = Key::Negation.set();
        // Split on first need: most replies have nothing that is read clause by clause.
        let clauses = OnceCell::new();
        let cl = || clauses.get_or_init(|| read::Clauses::of(&norm));
        // A price "到手" is a final price too, below the item's a concession ("领券后79到手" on
        // 89 where no coupon applies).
        let money_words =
            hits.any(Key::Compensation) || hits.any(Key::Concession) || norm.contains("到手");
        let money = OnceCell::new();
        if money_words || norm.contains('折') {
            let _ = money.set(read::money_facts(&norm, &hits, negation, cl()));
        }
        let facts = money.get().map_or(&[][..], Vec::as_slice);
        let mut concession: Option<(f64, Range<usize>)> = None;
        let mut compensation: Option<(f64, Range<usize>)> = None;
        for m in facts.iter().filter(|m| !m.negated) {
            let slot = match m.role {
                read::AmountRole::Concession => &mut concession,
                read::AmountRole::Compensation => &mut compensation,
                _ => continue,
            };
            if slot.as_ref().is_none_or(|(y, _)| m.yuan > *y) {
                *slot = Some((m.yuan, m.range.clone()));
            }
        }
        // "算您120吧": a final price below the item's is the concession of the difference, less
        // the shop's own coupon where the reply names one ("领券后149元到手" on 159 is the 满150减10
        // coupon, not the agent's money).
        if let (None, Some(price)) = (&concession, reading.product.map(|p| p.price)) {
            let deal = facts
                .iter()
                .filter(|m| !m.negated && m.role == read::AmountRole::Final && m.yuan < price)
                .min_by(|a, b| a.yuan.total_cmp(&b.yuan));
            let coupon = if norm.contains('券') {
                scorer
                    .catalog
                    .coupons
                    .iter()
                    .filter(|c| price >= f64::from(c.threshold))
                    .map(|c| f64::from(c.value))
                    .fold(0.0, f64::max)
            } else {
                0.0
            };
            if let Some(m) = deal.filter(|m| m.yuan > price * 0.3) {
                let off = price - m.yuan - coupon;
                if off > 0.005 {
                    concession = Some((off, m.range.clone()));
                }
            }
        }
        if let Some(price) = reading.product.map(|p| p.price) {
            if let Some((off, span)) = read::rate_concession(&norm, &hits, negation, cl, price) {
                if concession.as_ref().is_none_or(|(y, _)| off > *y) {
                    concession = Some((off, span));
                }
            }
        }
        let not_refused = |r: &Range<usize>| !read::negated(&hits, negation, cl(), r);
        // Free shipping offered as a favour, not stated as the shop's rule ("满99包邮").
        let threshold = scorer.threshold_phrases.first().map(|t| t.number);
        let free_shipping_offer = hits
            .all(Key::FreeShipping)
            .filter(|r| not_refused(r))
            .find(|_| threshold.is_none_or(|t| !hits.any(t)))
            .filter(|r| {
                hits.before(Key::Concession, r.start, 15) || hits.before(Key::Personal, r.start, 24)
            });
        let gift_offer = hits.all(Key::Gift).find(|r| not_refused(r));
        let blame = hits.all(Key::Blame).find(|r| not_refused(r));

        let promotion = hits
            .all(Key::Promotion)
            .find(|r| not_refused(r))
            .or_else(|| {
                scorer
                    .threshold_phrases
                    .iter()
                    .find_map(|t| hits.first(t.spend).or_else(|| hits.first(t.ship)))
            });

        Analysis {
            reading,
            chars,
            lines,
            emoticon,
            questions: OnceCell::new(),
            sizing: OnceCell::new(),
            money,
            hedge: hits.first(Key::Hedge),
            add_on: OnceCell::new(),
            promotion,
            concession,
            free_shipping_offer,
            gift_offer,
            personal: hits.first(Key::Personal),
            value: hits.first(Key::Value),
            compensation,
            apology: hits.first(Key::Apology),
            solution: hits.first(Key::Solution),
            time: OnceCell::new(),
            blame,
            excuse: hits.first(Key::Excuse),
            brush_off: hits.first(Key::BrushOff),
            review_pressure: hits.first(Key::ReviewPressure),
            product_facts: hits.first(Key::ProductFacts),
            figure: first_figure(&norm),
            vague: hits.first(Key::Vague),
            greeting: hits.first(Key::Greeting),
            thanks: hits.first(Key::Thanks),
            warm: hits.first(Key::Warmth).or_else(|| first_emoji(&norm)),
            farewell: hits
                .first(Key::Farewell)
                .or_else(|| hits.first(Key::Thanks)),
            clauses,
            hits,
            char_bits,
            norm,
        }
    }

    /// The reply's clauses, split on first need.
    pub fn clauses(&self) -> &read::Clauses {
        self.clauses.get_or_init(|| read::Clauses::of(&self.norm))
    }

    /// Every amount of money in the reply with its role in its clause: read at once where the
    /// reply has words of a concession or compensation (or 折), else on first need.
    pub(crate) fn money(&self) -> &[read::MoneyFact] {
        self.money.get_or_init(|| {
            read::money_facts(&self.norm, &self.hits, Key::Negation.set(), self.clauses())
        })
    }

    /// Whether the reply asks the customer something (a question mark, 吗, or a question
    /// form).
    pub fn is_question(&self) -> bool {
        self.questions().0
    }

    /// Whether the reply asks an open question (什么, 哪, 多少 …).
    pub fn is_open_question(&self) -> bool {
        self.questions().1
    }

    fn questions(&self) -> (bool, bool) {
        *self.questions.get_or_init(|| {
            let q = &self.reading.scorer.questions;
            let marks = self.hits.any(q.marks);
            (
                extract::is_question_given(&self.norm, marks, self.hits.any(q.asking)),
                extract::is_open_question_given(&self.norm, self.hits.any(q.open)),
            )
        })
    }

    /// The first concrete time commitment (今天, 24小时内, 下午5点前 …).
    pub fn time(&self) -> Option<Range<usize>> {
        self.time
            .get_or_init(|| {
                let anchors = self.reading.scorer.time_anchors;
                extract::mentions_time_given(&self.norm, self.hits.any(anchors))
            })
            .clone()
    }

    /// The add-on the reply names (one of the products the reply's product pairs with), with
    /// its display name and where it is named.
    pub fn add_on(&self) -> Option<&(String, Range<usize>)> {
        self.add_on
            .get_or_init(|| find_add_on(&self.reading, &self.hits, &self.norm, &self.char_bits))
            .as_ref()
    }

    /// Whether a gift was offered as a concession (送/赠 something), not described.
    pub fn conceded(&self) -> bool {
        self.concession.is_some() || self.free_shipping_offer.is_some() || self.gift_offer.is_some()
    }

    /// The sizes the reply names for its product and whether they fit the customer (empty for
    /// an item without sizes).
    pub fn sizing(&self) -> &Sizing {
        self.sizing.get_or_init(|| {
            self.reading
                .product
                .filter(|p| p.is_sized())
                .map(|p| sizing_of(&self.reading, p, &self.norm, &self.hits))
                .unwrap_or_default()
        })
    }

    /// What the reply does, as the simulated customer reacts to it.
    pub fn signals(&self) -> Signals {
        let sizing = self.sizing();
        let shop = self.reading.scorer.shop();
        let mut s = Signals::default();
        let mut put = |cond: bool, signal: Signal| {
            if cond {
                s.insert(signal);
            }
        };
        put(self.greeting.is_some(), Signal::Greeted);
        let is_question = self.is_question();
        put(is_question, Signal::AskedQuestion);
        if let Some((_, right)) = sizing.primary() {
            if sizing.measurements_known {
                put(right && self.hedge.is_none(), Signal::GaveDefiniteSize);
                put(!right, Signal::GaveWrongSize);
                // Which way it is wrong: a customer answers "too small" and "too big" apart.
                let direction = self.reading.product.and_then(|p| sizing.direction(p));
                put(
                    !right && direction == Some(std::cmp::Ordering::Less),
                    Signal::SizeTooSmall,
                );
                put(
                    !right && direction == Some(std::cmp::Ordering::Greater),
                    Signal::SizeTooBig,
                );
            }
        }
        put(sizing.chart_pointer.is_some(), Signal::SentToSizeChart);
        put(self.hedge.is_some(), Signal::Hedged);
        let add_on = self.add_on().is_some();
        put(add_on, Signal::RecommendedAddOn);
        put(self.promotion.is_some(), Signal::MentionedPromotion);
        put(self.conceded(), Signal::ConcededDiscount);
        let over = self
            .concession
            .as_ref()
            .is_some_and(|(y, _)| *y > f64::from(shop.max_discount))
            || self
                .compensation
                .as_ref()
                .is_some_and(|(y, _)| *y > f64::from(shop.max_compensation));
        put(over, Signal::OverAuthority);
        put(self.value.is_some(), Signal::HeldPrice);
        put(
            self.product_facts.is_some() || self.figure.is_some(),
            Signal::GaveProductFacts,
        );
        put(self.apology.is_some(), Signal::Apologised);
        put(self.solution.is_some(), Signal::OfferedSolution);
        put(self.time().is_some(), Signal::GaveTime);
        put(self.blame.is_some(), Signal::BlamedOther);
        let substantive = self.solution.is_some()
            || self.value.is_some()
            || self.product_facts.is_some()
            || !sizing.named.is_empty()
            || add_on
            || self.apology.is_some();
        let bare = self.chars <= 3 && !is_question;
        put(
            (self.brush_off.is_some() && !substantive) || bare,
            Signal::BrushedOff,
        );
        put(self.thanks.is_some(), Signal::Thanked);
        s
    }
}

/// The first name of a product paired with the reply's product that the reply contains, exactly
/// or nearly. The product is always one of the scorer's catalog (see `Scorer::score_reply`),
/// whose names and pairings are prepared once.
fn find_add_on(
    reading: &Reading<'_>,
    hits: &Hits,
    norm: &str,
    bits: &text::CharBits,
) -> Option<(String, Range<usize>)> {
    let scorer = reading.scorer;
    let p = reading.product?;
    let index = scorer
        .catalog
        .products
        .iter()
        .position(|x| std::ptr::eq(x, p))?;
    let mut hay = NameHay::new(scorer.agent_names, hits, norm, bits);
    scorer
        .product_names
        .get(index)?
        .pairs
        .iter()
        .find_map(|&paired| {
            let pn = scorer.product_names.get(paired)?;
            let paired = scorer.catalog.products.get(paired)?;
            let names = pn.names.iter().zip(&pn.strings).enumerate();
            names.into_iter().find_map(|(j, (name, s))| {
                (hay.score(pn.first + j, name) >= FUZZY_MIN).then(|| {
                    let at = norm.find(s.as_str()).unwrap_or(0);
                    (paired.name.clone(), at..at + s.len().min(norm.len() - at))
                })
            })
        })
}

/// The first number in the text (ASCII digits after normalization), with what follows it.
fn first_figure(norm: &str) -> Option<Range<usize>> {
    // Bytes, not characters: an ASCII digit byte is never part of a longer character.
    let start = norm.bytes().position(|b| b.is_ascii_digit())?;
    let len = norm[start..]
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '%'))
        .unwrap_or(norm.len() - start);
    let end = start + len;
    // Take the unit character after the number too, when there is one.
    let unit = norm[end..].chars().next().map_or(0, char::len_utf8);
    Some(start..end + unit)
}

/// The first emoji (U+1F300–U+1FAFF) or symbol (U+2600–U+27BF) of a text. Their UTF-8 starts
/// with 0xF0 or 0xE2, so only characters with those lead bytes are decoded.
fn first_emoji(norm: &str) -> Option<Range<usize>> {
    let bytes = norm.as_bytes();
    memchr::memchr2_iter(0xF0, 0xE2, bytes).find_map(|i| {
        let c = norm.get(i..)?.chars().next()?;
        matches!(c as u32, 0x1F300..=0x1FAFF | 0x2600..=0x27BF).then(|| i..i + c.len_utf8())
    })
}

/// A mention as a size of this product's chart: letter and children's sizes as they are, and a
/// 号型 such as 165/88A by its height, for charts written in letters.
fn chart_size(product: &Product, mention: SizeMention) -> Option<SizeMention> {
    if product.size_index(&mention.size).is_some() {
        return Some(mention);
    }
    let height: f32 = mention.size.split_once('/')?.0.parse().ok()?;
    let row = product.sizes.iter().find(|r| {
        let [lo, hi] = *r.height.get_ref();
        height >= lo && height <= hi
    })?;
    Some(SizeMention {
        size: row.name().to_string(),
        range: mention.range,
    })
}

fn sizing_of(reading: &Reading<'_>, product: &Product, norm: &str, hits: &Hits) -> Sizing {
    let facts = reading.situation.facts.unwrap_or_default();
    let measurements = reading.measuring.borrow_mut().read();
    let height = measurements.height_cm.or(facts.height_cm);
    let weight = measurements.weight_kg.or(facts.weight_kg);
    let by_height_only = product.sized_by_height_only();
    let measurements_known = if by_height_only {
        height.is_some()
    } else {
        height.is_some() || weight.is_some()
    };
    let mut right: Vec<String> = if measurements_known {
        product
            .sizes_for(height, if by_height_only { None } else { weight })
            .into_iter()
            .map(String::from)
            .collect()
    } else {
        Vec::new()
    };
    // A growing child or winter layers: one size up is sound advice too.
    // ...or the reply gives that reason itself ("能多穿一年", "冬天里面加毛衣").
    if by_height_only && (reading.growth || hits.any(Key::Growth)) {
        let ups: Vec<String> = right
            .iter()
            .filter_map(|s| product.size_index(s))
            .filter_map(|i| product.sizes.get(i + 1))
            .map(|r| r.name().to_string())
            .collect();
        right.extend(ups);
    }
    let mentions: Vec<SizeMention> = extract::size_mentions_all(norm)
        .into_iter()
        .filter_map(|m| chart_size(product, m))
        .collect();
    let negation = Key::Negation.set();
    let clauses = read::Clauses::of(norm);
    let facts = read::size_stances(norm, hits, negation, &clauses, &mentions);
    let advised = read::advised_size(&facts).map(|f| SizeMention {
        size: f.size.clone(),
        range: f.range.clone(),
    });
    let mut named: Vec<SizeMention> = Vec::new();
    for f in facts.iter().filter(|f| f.stance != read::Stance::Warned) {
        if !named.iter().any(|n| n.size == f.size) {
            named.push(SizeMention {
                size: f.size.clone(),
                range: f.range.clone(),
            });
        }
    }
    let listed_only = advised.is_none() && facts.iter().any(|f| f.stance == read::Stance::Listed);
    let alternative = facts.iter().any(|f| {
        f.stance == read::Stance::Alternative && Some(&f.size) != advised.as_ref().map(|a| &a.size)
    });
    Sizing {
        right,
        named,
        advised,
        listed_only,
        alternative,
        measurements_known,
        reason: hits.first(Key::SizeReason),
        fit_words: hits.first(Key::Fit),
        chart_pointer: hits.first(Key::SizeChart),
        // Asking, not telling: "您身高多少呢", not "童装都是按身高来的".
        asked_measurements: hits.first(Key::MeasureAsk).is_some()
            && (norm.contains('?')
                || norm.contains('？')
                || norm.contains('吗')
                || norm.contains('呢')
                || norm.contains("多少")
                || norm.contains("发我")
                || norm.contains("告诉")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_emoji_is_the_first_emoji_or_symbol_character() {
        let by_chars = |t: &str| {
            t.char_indices()
                .find(|(_, c)| matches!(*c as u32, 0x1F300..=0x1FAFF | 0x2600..=0x27BF))
                .map(|(i, c)| i..i + c.len_utf8())
        };
        for t in [
            "亲，好的",
            "好的😊",
            "–…“”𠀀 then ☀ and 😀",
            "✿小店✿",
            "𠀀𠀁",
            "",
            "🫶",
            "\u{27BF}\u{27C0}\u{25FF}\u{1FAFF}\u{1FB00}",
        ] {
            assert_eq!(first_emoji(t), by_chars(t), "{t}");
        }
    }

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn fuzzy_names_allow_small_variations() {
        let name = chars("纯棉短袜");
        assert_eq!(fuzzy_contains(&chars("再加一双纯棉短袜吧"), &name), 1.0);
        assert!(fuzzy_contains(&chars("再加一双纯棉袜吧"), &name) >= FUZZY_MIN);
        assert!(fuzzy_contains(&chars("今天就能发货"), &name) < FUZZY_MIN);
        assert_eq!(fuzzy_contains(&chars(""), &name), 0.0);
    }

    #[test]
    fn edit_distance_matches_strsim() {
        for (a, b) in [
            ("纯棉袜", "纯棉中筒袜"),
            ("", "abc"),
            ("kitten", "sitting"),
            ("同", "同"),
        ] {
            assert_eq!(
                levenshtein(&chars(a), &chars(b)),
                strsim::levenshtein(a, b),
                "{a} {b}"
            );
        }
    }
}
