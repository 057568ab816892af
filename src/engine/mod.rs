//! The scoring engine: pure functions from a conversation, the catalog and a reply to
//! explained per-check results, per-dimension scores and the signals that drive the customer.
//!
//! No I/O, no clock, no randomness: the same input always gives the same score.

pub mod analysis;
mod checks;
pub mod extract;
mod kinds;
pub mod lexicon;
mod meaning;
pub mod read;
mod score;
#[cfg(test)]
mod tests;
pub mod text;

use std::cell::RefCell;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

pub use kinds::KIND_NAMES;
pub use score::{SessionScore, SessionTotals};

use crate::content::rubric::{Aggregate, When};
use crate::content::{Catalog, Content, Diagnostic, Order, PersonaKind, Shop};
use crate::lang::Lang;
use crate::signal::Signals;
use analysis::Analysis;
use analysis::NameSets;
use extract::Measurements;
use kinds::Kind;
use lexicon::{Hits, Phrasebook, PhrasebookBuilder, SetId, Topics};

/// A dimension as the engine uses it.
#[derive(Debug, Clone)]
pub struct DimensionInfo {
    pub id: String,
    /// The id again, shared by every result of the dimension.
    pub key: Arc<str>,
    pub name: String,
    pub name_en: String,
    pub weight: f64,
    pub aggregate: Aggregate,
    pub red_line: bool,
    /// The dimension judges response times (its checks are `latency` checks).
    pub timed: bool,
}

impl DimensionInfo {
    pub fn label(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.name,
            Lang::En => &self.name_en,
        }
    }
}

#[derive(Debug)]
struct CompiledCheck {
    id: Arc<str>,
    dimension: usize,
    weight: f64,
    advice: Arc<str>,
    when: CompiledWhen,
    kind: Kind,
    /// The kind's pass mark and whether it is judged once per conversation, read off the kind
    /// once rather than for every reply.
    pass_mark: f64,
    per_conversation: bool,
}

#[derive(Debug, Default)]
struct CompiledWhen {
    personas: Vec<PersonaKind>,
    tags_any: Vec<String>,
    asks_any: u64,
    asks_none: Option<u64>,
    first_reply: Option<bool>,
    sized_product: Option<bool>,
    min_replies: Option<usize>,
    until_passed: bool,
    unless_raised: u64,
    raised_any: u64,
}

/// Product names and aliases, normalized, for spotting a product in a message.
#[derive(Debug)]
struct ProductNames {
    names: Vec<Vec<char>>,
    /// The same names as strings.
    strings: Vec<String>,
    /// Flat index of the first name among all products' names (see `NameSets`).
    first: usize,
    /// Indices of the products it pairs with that the catalog has, in `pairs_with` order.
    pairs: Vec<usize>,
}

/// Words that put a complaint in the past or at another shop: "之前", "别家", "怕了"…
static COMPLAINT_ELSEWHERE: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::new([
            "之前",
            "以前",
            "上次",
            "别家",
            "别的店",
            "怕了",
            "买过的",
            "别穿",
            "会不会",
            "怕",
        ])
        .expect("a fixed word list builds")
    });

/// Words that bring a complaint back to this order: "收到", "这件", "你们发"…
static COMPLAINT_HERE: std::sync::LazyLock<aho_corasick::AhoCorasick> =
    std::sync::LazyLock::new(|| {
        aho_corasick::AhoCorasick::new([
            "收到",
            "到货",
            "这次",
            "这件",
            "到现在",
            "订单",
            "你们发",
            "发的",
            "给我发",
        ])
        .expect("a fixed word list builds")
    });

/// How long a reply took, from the customer's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Latency {
    /// Milliseconds, exactly.
    Exact(u64),
    /// Somewhere between two numbers of milliseconds (times written to the minute).
    Range(u64, u64),
    /// Not known: the export has no times.
    Unknown,
}

impl Latency {
    /// The least and the most it can have been, in milliseconds.
    pub fn range(self) -> Option<(u64, u64)> {
        match self {
            Latency::Exact(ms) => Some((ms, ms)),
            Latency::Range(lo, hi) => Some((lo.min(hi), hi.max(lo))),
            Latency::Unknown => None,
        }
    }
}

/// The compiled rubric and catalog: build once, score many replies.
#[derive(Debug)]
pub struct Scorer {
    pub dimensions: Vec<DimensionInfo>,
    checks: Vec<CompiledCheck>,
    topics: Topics,
    /// The lexicon, the checks' phrase lists, the threshold phrases, the product names and the
    /// question words: what a reply is read for, in one pass.
    book: Phrasebook,
    agent_names: NameSets,
    questions: QuestionSets,
    /// The same question words in the customer's phrasebook.
    customer_questions: QuestionSets,
    /// The characters every time commitment contains (see [`extract::mentions_time`]).
    time_anchors: SetId,
    /// Topics, growth and fit words, product names: what a customer message is read for.
    customer_book: Phrasebook,
    customer_names: NameSets,
    growth: SetId,
    pub catalog: Catalog,
    product_names: Vec<ProductNames>,
    lang: Lang,
    explain_passes: bool,
    /// Whether replies get the signals the simulated customer reacts to.
    derive_signals: bool,
    /// Per threshold (free shipping first, then promotions): its phrases in the phrasebook.
    threshold_phrases: Vec<ThresholdPhrases>,
    /// The bits of the topics the engine reads by name.
    pub(crate) topic: TopicBits,
    /// The size topic's phrases in the customer's phrasebook.
    size_words: Option<SetId>,
    /// The topics that close a conversation for its farewell check, and those that keep it open
    /// (its `when.asks_any` and `when.asks_none`).
    closings: Vec<(u64, Option<u64>)>,
    /// The lowest similarity to an earlier reply that any check asks about.
    repeat_floor: f64,
    /// Per catalog product, in catalog order: what claims about it are checked against.
    known: Vec<meaning::Known>,
    /// Where the claim readers of `truthful` look (see [`meaning::ClaimGates`]).
    claim_gates: meaning::ClaimGates,
    /// Topic id → what users read (`[topic_labels]` of the rubric).
    topic_labels: std::collections::BTreeMap<String, String>,
}

/// The question words as sets of the reply's phrasebook.
#[derive(Debug, Clone, Copy)]
struct QuestionSets {
    marks: SetId,
    asking: SetId,
    open: SetId,
}

/// The phrasebook sets of a spending threshold N: "N", "满N" and "N包邮".
#[derive(Debug, Clone, Copy)]
struct ThresholdPhrases {
    number: SetId,
    spend: SetId,
    ship: SetId,
}

/// What is known about the conversation apart from its text.
#[derive(Debug, Clone, Default)]
pub struct Situation<'a> {
    /// The catalog id of the item under discussion.
    pub product: Option<&'a str>,
    pub persona: Option<PersonaKind>,
    pub tags: &'a [String],
    /// The customer's measurements when known from a scenario (used when the text lacks them).
    pub facts: Option<KnownFacts>,
    pub order: Option<&'a Order>,
}

/// Hidden facts a scenario gives the engine.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct KnownFacts {
    pub height_cm: Option<f32>,
    pub weight_kg: Option<f32>,
}

/// Running state of one conversation, carried between calls.
#[derive(Debug, Clone, Default)]
pub struct ConversationState {
    /// Agent replies scored so far.
    pub replies: usize,
    /// Customer text since the last reply, normalized.
    pub(crate) pending: String,
    /// Topics raised since the last reply.
    pub(crate) pending_topics: u64,
    /// How many customer messages asked for a discount or a gift.
    discount_asks: usize,
    /// Checks that have passed at least once (for `until_passed`).
    passed: Vec<bool>,
    emoticon_replies: usize,
    /// The customer's measurements (see [`ConversationState::measurements`]).
    measuring: RefCell<Measuring>,
    /// The customer mentioned a growing child or thick layers.
    growth: bool,
    /// Agent replies with a warm word (亲, 您, 呢, 哦, ～ …), for the conversation's tone.
    warm_replies: usize,
    /// The customer closed the conversation (bought, thanked, said goodbye) with nothing left
    /// to answer, and whether a reply since then thanked, offered help or invited a review.
    closing: Option<Closing>,
    /// The earlier replies, normalized and shortened, to spot one pasted again.
    earlier_replies: Vec<meaning::RepeatKey>,
    /// The customer's messages since the last reply hold a question.
    pub(crate) pending_question: bool,
    /// The customer has named a size of their own ("平时穿L"), a reference for advice.
    pub(crate) customer_size: bool,
    /// What the replies so far have done about a complaint.
    pub(crate) handling: Handling,
    /// Every topic the customer has raised in the conversation.
    pub(crate) raised_topics: u64,
    /// The last reply said goodbye as a shop does (for a close the conversation ends on).
    last_reply_farewell: bool,
    /// The last reply, normalized: what a conversation-level finding quotes.
    last_reply: String,
}

/// What the replies have done about a complaint so far: a complaint is judged on its handling,
/// not on every reply alone.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Handling {
    pub apology: bool,
    pub action: bool,
    pub time: bool,
}

/// The state of a conversation's farewell.
#[derive(Debug, Clone, Default)]
struct Closing {
    /// A reply since the close said goodbye as a shop does.
    farewell: bool,
    /// The first reply after the close, for the finding's excerpt.
    reply: Option<String>,
}

/// How similar a reply must be to an earlier one to count as pasted again, and the most any
/// dimension but speed and red lines then scores.
const PASTED_SIMILARITY: f64 = 0.9;
const PASTED_CAP: f64 = 20.0;

/// What bubbles sent in a row are joined with to be judged as one reply: a space, as chat
/// exports join them (the reading layer splits clauses there).
pub const BUBBLE_JOINER: &str = " ";

/// Earlier replies kept for spotting a repeat, and how many characters of each.
const EARLIER_REPLIES_KEPT: usize = 16;
const EARLIER_REPLY_CHARS: usize = 120;

/// Customer text waiting to be read for measurements is read at once past this size.
const UNMEASURED_MAX_BYTES: usize = 64 * 1024;

/// Bytes of normalized customer text a new conversation has room for.
const CUSTOMER_TEXT_ROOM: usize = 512;

/// The latest measurements the customer gave, and the messages not read for them yet (only
/// judging sizes needs them): normalized, back to back, with where each ends.
#[derive(Debug, Clone, Default)]
struct Measuring {
    latest: Measurements,
    waiting: String,
    ends: Vec<usize>,
}

impl Measuring {
    fn push(&mut self, norm: &str) {
        self.waiting.push_str(norm);
        self.ends.push(self.waiting.len());
        // A conversation that never gets to sizes keeps little text waiting.
        if self.waiting.len() > UNMEASURED_MAX_BYTES {
            self.read();
        }
    }

    /// Reads the waiting messages in order, each value replacing an earlier one.
    fn read(&mut self) -> Measurements {
        let mut start = 0;
        for &end in &self.ends {
            let found = extract::measurements(self.waiting.get(start..end).unwrap_or(""));
            if found.height_cm.is_some() {
                self.latest.height_cm = found.height_cm;
            }
            if found.weight_kg.is_some() {
                self.latest.weight_kg = found.weight_kg;
            }
            start = end;
        }
        self.waiting.clear();
        self.ends.clear();
        self.latest
    }
}

impl ConversationState {
    /// The latest height and weight the customer gave (each from the last message that gave
    /// one; within a message, the first). Messages are read for them on first need.
    pub fn measurements(&self) -> Measurements {
        self.measuring.borrow_mut().read()
    }
}

/// One check's verdict on one reply.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    pub check: Arc<str>,
    pub dimension: Arc<str>,
    pub kind: &'static str,
    /// 0–100.
    pub score: f64,
    pub weight: f64,
    pub passed: bool,
    /// Why, in the UI language.
    pub message: String,
    /// The text of the reply that triggered the verdict (or the whole reply, shortened).
    pub excerpt: String,
    /// What a better reply would have said: the reference answer, or the check's advice.
    pub better: Arc<str>,
    /// The check guards a red line (红线): a failure zeroes the conversation and shows first.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub red_line: bool,
    /// The reading is unsure: a person should look (待复核). Such a finding neither passes nor
    /// zeroes anything; it is listed for review.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub review: bool,
}

/// Everything the engine says about one reply.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReplyScore {
    pub checks: Vec<CheckResult>,
    /// Per dimension, in rubric order: 0–100, or `None` when nothing applied.
    pub dimensions: Vec<Option<f64>>,
    pub overall: Option<f64>,
    #[serde(skip)]
    pub signals: Signals,
    /// What the reply said that the customer hears and answers to: the size it recommends,
    /// the money it knocks off, the time it promises, the add-on it names.
    #[serde(skip)]
    pub heard: Heard,
    pub red_line: bool,
}

/// The particulars of a reply a simulated customer takes up ("6元也行", "M码会不会小？",
/// "17点前一定回我"). Read only where the scorer derives signals (training, not bulk QA).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Heard {
    /// The size the reply recommends, and whether it fits the customer.
    pub size: Option<(String, bool)>,
    /// Money knocked off the price (the largest amount offered and not refused).
    pub off_yuan: Option<f64>,
    /// The moment promised, as the reply put it ("今天17点前"); not haste ("马上").
    pub time: Option<String>,
    /// The add-on named, by its display name.
    pub add_on: Option<String>,
}

impl ReplyScore {
    /// The failed checks, worst (most points lost) first.
    pub fn failures(&self) -> impl Iterator<Item = &CheckResult> {
        self.checks.iter().filter(|c| !c.passed)
    }
}

/// Outcome of evaluating one check.
pub(crate) struct Verdict {
    score: f64,
    message: String,
    span: Option<Range<usize>>,
    /// Unsure: listed for a person to review (see [`CheckResult::review`]).
    review: bool,
}

impl Scorer {
    /// Compiles the rubric and catalog of `content`; problems come back located in their files.
    pub fn new(content: &Content, lang: Lang) -> Result<Scorer, Vec<Diagnostic>> {
        Scorer::with_books(content, lang, false)
    }

    /// [`Scorer::new`] for bulk scoring (QA): both phrasebooks are read through their faster
    /// walker (see [`PhrasebookBuilder::build_walked`](lexicon::PhrasebookBuilder::build_walked)).
    /// Scores do not change.
    pub fn for_bulk(content: &Content, lang: Lang) -> Result<Scorer, Vec<Diagnostic>> {
        Scorer::with_books(content, lang, true)
    }

    fn with_books(content: &Content, lang: Lang, walked: bool) -> Result<Scorer, Vec<Diagnostic>> {
        let rubric = &content.rubric;
        let mut problems = Vec::new();
        let rubric_file = content
            .files
            .iter()
            .position(|f| f.rel.starts_with("rubrics/"))
            .unwrap_or(0);
        let mut book = PhrasebookBuilder::default();
        if let Err(missing) = lexicon::register_lexicon(&rubric.lexicon, &mut book) {
            problems.push(content.diagnostic(
                rubric_file,
                None,
                format!(
                    "the rubric's [lexicon] lacks these phrase lists: {}",
                    missing.join(", ")
                ),
            ));
        }
        // Words, not substrings: no phrase matches inside an ordinary compound (滚 in 滚筒).
        book.block_with(lexicon::Key::Compounds.set());
        let mut customer_book = PhrasebookBuilder::default();
        let topics = Topics::compile(&rubric.topics, &mut customer_book);
        customer_book.add_blockers(
            rubric
                .lexicon
                .get("compounds")
                .map_or(&[][..], Vec::as_slice),
        );
        let growth =
            customer_book.add_phrases(rubric.lexicon.get("growth").map_or(&[][..], Vec::as_slice));
        let dimensions: Vec<DimensionInfo> = rubric
            .dimensions
            .iter()
            .map(|d| DimensionInfo {
                id: d.id().to_string(),
                key: Arc::from(d.id()),
                name: d.name.clone(),
                name_en: d.name_en.clone().unwrap_or_else(|| d.id().to_string()),
                weight: d.weight,
                aggregate: d.aggregate,
                red_line: d.red_line,
                timed: rubric
                    .checks
                    .iter()
                    .any(|c| c.dimension.get_ref() == d.id() && c.kind.get_ref() == "latency"),
            })
            .collect();
        let mut checks = Vec::new();
        for check in &rubric.checks {
            let Some(dimension) = dimensions
                .iter()
                .position(|d| d.id == *check.dimension.get_ref())
            else {
                continue; // reported by content validation
            };
            match Kind::compile(check, &topics, &mut book) {
                Ok(kind) => checks.push(CompiledCheck {
                    id: Arc::from(check.id()),
                    dimension,
                    weight: check.weight,
                    advice: Arc::from(check.advice.as_str()),
                    when: compile_when(&check.when, &topics),
                    pass_mark: kind.pass_mark(),
                    per_conversation: kind.per_conversation(),
                    kind,
                }),
                Err((span, message)) => {
                    problems.push(content.diagnostic(check.file, Some(span), message))
                }
            }
        }
        let mut flat_names = 0;
        let product_names: Vec<ProductNames> = content
            .catalog
            .products
            .iter()
            .map(|p| {
                let strings: Vec<String> = p.names().map(text::normalize).collect();
                let first = flat_names;
                flat_names += strings.len();
                ProductNames {
                    first,
                    names: strings.iter().map(|n| n.chars().collect()).collect(),
                    strings,
                    pairs: p
                        .pairs_with
                        .iter()
                        .filter_map(|id| {
                            let paired = content.catalog.product(id.get_ref())?;
                            content
                                .catalog
                                .products
                                .iter()
                                .position(|x| x.id() == paired.id())
                        })
                        .collect(),
                }
            })
            .collect();
        let flat_names: Vec<String> = product_names
            .iter()
            .flat_map(|p| p.strings.iter().cloned())
            .collect();
        let agent_names = NameSets::register(&mut book, &flat_names);
        let questions = QuestionSets {
            marks: book.add_set(extract::question_marks()),
            asking: book.add_set(extract::asking_words()),
            open: book.add_set(extract::open_words()),
        };
        let time_anchors = book.add_set(extract::time_anchors());
        let claim_gates = meaning::ClaimGates::register(&mut book);
        let customer_names = NameSets::register(&mut customer_book, &flat_names);
        // The customer's question words, read in the same pass as the topics.
        let customer_questions = QuestionSets {
            marks: customer_book.add_set(extract::question_marks()),
            asking: customer_book.add_set(extract::asking_words()),
            open: customer_book.add_set(extract::open_words()),
        };
        let threshold_phrases = std::iter::once(content.catalog.shop.free_shipping_threshold)
            .chain(content.catalog.promotions.iter().map(|p| p.threshold))
            .map(|t| ThresholdPhrases {
                number: book.add_set([t.to_string()]),
                spend: book.add_set([format!("满{t}")]),
                ship: book.add_set([format!("{t}包邮")]),
            })
            .collect();
        if !problems.is_empty() {
            return Err(problems);
        }
        let repeat_floor = checks
            .iter()
            .filter_map(|c| match &c.kind {
                Kind::Repeated(p) => Some(p.similarity),
                _ => None,
            })
            .fold(meaning::REPEAT_SIMILARITY.min(PASTED_SIMILARITY), f64::min);
        let closings = checks
            .iter()
            .filter(|c| matches!(c.kind, Kind::Farewell))
            .map(|c| (c.when.asks_any, c.when.asks_none))
            .collect();
        // Most of the start-up is building the two automata, which are independent.
        let build = |book: PhrasebookBuilder| {
            if walked {
                book.build_walked()
            } else {
                book.build()
            }
        };
        let (book, customer_book) = both(|| build(book), || build(customer_book));
        Ok(Scorer {
            book,
            agent_names,
            questions,
            customer_questions,
            time_anchors,
            customer_book,
            customer_names,
            growth,
            dimensions,
            checks,
            catalog: content.catalog.clone(),
            product_names,
            lang,
            explain_passes: true,
            derive_signals: true,
            threshold_phrases,
            topic: TopicBits::of(&topics),
            size_words: topics.set("size"),
            topic_labels: rubric.topic_labels.clone(),
            claim_gates,
            known: content
                .catalog
                .products
                .iter()
                .map(meaning::Known::of)
                .collect(),
            repeat_floor,
            closings,
            topics,
        })
    }

    /// Whether passed checks are listed and explained in a [`ReplyScore`] (training shows them;
    /// QA, which by default reports only the failures, saves the work). Scores are the same.
    pub fn set_explain_passes(&mut self, explain: bool) {
        self.explain_passes = explain;
    }

    /// Whether a [`ReplyScore`] carries the signals a simulated customer reacts to (training
    /// needs them; QA, which has no customer to simulate, saves the work). Scores are the same;
    /// without signals, [`ReplyScore::signals`] holds only
    /// [`Signal::RedLine`](crate::signal::Signal::RedLine).
    pub fn set_derive_signals(&mut self, derive: bool) {
        self.derive_signals = derive;
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    pub fn shop(&self) -> &Shop {
        &self.catalog.shop
    }

    pub fn new_conversation(&self) -> ConversationState {
        // Room for a typical chat's customer text, which QA adds to for every message: grown
        // from nothing, these buffers were reallocated several times per conversation.
        let measuring = Measuring {
            waiting: String::with_capacity(CUSTOMER_TEXT_ROOM),
            ends: Vec::with_capacity(8),
            ..Measuring::default()
        };
        ConversationState {
            passed: vec![false; self.checks.len()],
            pending: String::with_capacity(CUSTOMER_TEXT_ROOM / 2),
            measuring: RefCell::new(measuring),
            ..ConversationState::default()
        }
    }

    /// Topic names raised by a piece of text (for content checks and QA grouping).
    pub fn topics_of(&self, text: &str) -> Vec<&str> {
        let hits = self.customer_book.scan(&text::normalize(text));
        self.topics.names_of(self.topics.raised(&hits))
    }

    /// Feeds a customer message into the conversation state.
    pub fn customer_message(&self, state: &mut ConversationState, message: &str) {
        let norm = text::normalize(message);
        self.customer_normalized(state, &norm, &self.customer_book.scan(&norm));
    }

    /// [`Scorer::customer_message`], and the catalog product the message names, if any (as
    /// [`Scorer::product_in`] finds it), reading the message once.
    pub fn customer_message_with_product(
        &self,
        state: &mut ConversationState,
        message: &str,
    ) -> Option<&str> {
        let (norm, bits) = text::normalize_with_bits(message);
        let hits = self.customer_book.scan(&norm);
        self.customer_normalized(state, &norm, &hits);
        self.product_in_normalized(&norm, &hits, &bits)
    }

    fn customer_normalized(&self, state: &mut ConversationState, norm: &str, hits: &Hits) {
        // A pasted order card is not the customer's words: its product title names every
        // selling point. Only what the customer wrote around it is read.
        if let Some(own) = text::without_cards(norm) {
            let hits = self.customer_book.scan(&own);
            return self.customer_normalized(state, &own, &hits);
        }
        let mut topics = self.topics.raised(hits);
        let q = self.customer_questions;
        let question = asks_something(norm, hits.any(q.marks), hits.any(q.asking));
        let names_size = !extract::size_mentions_all(norm).is_empty();
        if topics & (self.topic.size | self.topic.stock) == 0
            && Self::size_intent(norm, question, names_size)
        {
            topics |= self.topic.size;
        }
        if topics & self.topic.discount == 0 && discount_intent(norm) {
            topics |= self.topic.discount;
        }
        // "L码呢" after "黑色的有吗" goes on asking about stock, not which size to take.
        if topics & self.topic.size != 0
            && state.raised_topics & self.topic.stock != 0
            && text::char_len(norm) <= 5
            && extract::measurements(norm) == extract::Measurements::default()
        {
            topics = (topics & !self.topic.size) | self.topic.stock;
        }
        // "酒红S码有货吗" asks whether a size is in stock, and "130码 红色 拍了" orders one: where
        // the size question was raised only by the 码 or 号 of the size named, neither asks
        // which size to take.
        if topics & self.topic.size != 0
            && names_size
            && (topics & self.topic.stock != 0 || (topics & self.topic.order != 0 && !question))
            && self.size_words.is_some_and(|set| {
                hits.all(set)
                    .all(|r| matches!(norm.get(r), Some("码" | "号")))
            })
        {
            topics &= !self.topic.size;
        }
        // A bad experience elsewhere or before ("质量差的羽绒服我穿怕了", "上次在别家买的线头
        //特别多") is a worry to answer, not a complaint about this order.
        if topics & self.topic.complaint != 0 {
            let past = COMPLAINT_ELSEWHERE.is_match(norm);
            let here = COMPLAINT_HERE.is_match(norm);
            if past && !here {
                topics &= !self.topic.complaint;
            }
        }
        // A greeting with the need already in it ("你好 衣服收到了袖子上有个洞") is no bare hello.
        if topics & self.topic.hello != 0 && text::char_len(norm) > 8 {
            topics &= !self.topic.hello;
        }
        state.raised_topics |= topics;
        state.pending_question |= question;
        if names_size {
            state.customer_size = true;
        }
        // A closing that asks nothing more ("行吧，这次就算了，下次别再发错") closes, whatever
        // else it mentions but a new complaint; "谢谢，那会掉毛吗" still wants an answer first.
        let closes = self
            .closings
            .iter()
            .any(|&(any, _)| topics & any != 0 && !question)
            // "收到了 洗了一次就起球了": a complaint opens, whatever else it says.
            && topics & self.topic.complaint == 0;
        // Each close wants its own goodbye: an earlier "谢谢" answered does not cover the last.
        if closes {
            state.closing = Some(Closing::default());
        }
        if topics & (self.topic.discount | self.topic.gift) != 0 {
            state.discount_asks += 1;
        }
        state.measuring.get_mut().push(norm);
        if hits.any(self.growth) {
            state.growth = true;
        }
        state.pending_topics |= topics;
        if !state.pending.is_empty() {
            state.pending.push('\n');
        }
        state.pending.push_str(norm);
    }

    /// Whether a message asks which size without a size word: "162 48kg S还是M", "我175穿L行吗",
    /// "给女儿买 她一米二". A size named in a question (`names_size`: the message names one), or
    /// a height or weight given, is one.
    fn size_intent(norm: &str, question: bool, names_size: bool) -> bool {
        // 米, 斤 (公斤 too) or kg: one pass over the characters, then one search.
        let measured = norm.bytes().any(|b| b.is_ascii_digit())
            || norm.contains(['米', '斤'])
            || norm.contains("kg");
        if measured {
            let m = extract::measurements(norm);
            if m.height_cm.is_some() || m.weight_kg.is_some() {
                return true;
            }
        }
        let asks = question
            || ["还是", "穿", "能不能", "行不行"]
                .iter()
                .any(|w| norm.contains(w));
        asks && names_size
    }

    /// The catalog product a message most likely talks about, by name or alias (fuzzy).
    pub fn product_in(&self, message: &str) -> Option<&str> {
        let (norm, bits) = text::normalize_with_bits(message);
        self.product_in_normalized(&norm, &self.customer_book.scan(&norm), &bits)
    }

    fn product_in_normalized(
        &self,
        norm: &str,
        hits: &Hits,
        bits: &text::CharBits,
    ) -> Option<&str> {
        let mut hay = analysis::NameHay::new(self.customer_names, hits, norm, bits);
        let mut best: Option<(f64, usize)> = None;
        for (index, product) in self.product_names.iter().enumerate() {
            for (j, name) in product.names.iter().enumerate() {
                let score = hay.score(product.first + j, name);
                if score >= analysis::FUZZY_MIN && best.is_none_or(|(b, _)| score > b) {
                    best = Some((score, index));
                }
            }
        }
        best.and_then(|(_, i)| self.catalog.products.get(i).map(|p| p.id()))
    }

    /// Scores one agent reply and advances the conversation state.
    ///
    /// `latency_ms` is the time since the customer's message; `reference` is the scenario's
    /// reference answer for this turn, when there is one.
    pub fn score_reply(
        &self,
        state: &mut ConversationState,
        situation: &Situation<'_>,
        reply: &str,
        latency_ms: u64,
        reference: Option<&str>,
    ) -> ReplyScore {
        let latency = Latency::Exact(latency_ms);
        self.score_reply_timed(state, situation, reply, latency, reference)
    }

    /// [`Scorer::score_reply`] for a reply whose latency may be a range (times to the minute)
    /// or not known at all (an export without times): speed checks judge only what the range
    /// decides.
    pub fn score_reply_timed(
        &self,
        state: &mut ConversationState,
        situation: &Situation<'_>,
        reply: &str,
        latency: Latency,
        reference: Option<&str>,
    ) -> ReplyScore {
        if state.passed.len() != self.checks.len() {
            state.passed.resize(self.checks.len(), false);
        }
        let product = situation.product.and_then(|id| self.catalog.product(id));
        let reading = analysis::Reading {
            scorer: self,
            situation,
            product,
            measuring: &state.measuring,
            growth: state.growth,
        };
        let analysis = Analysis::new(reading, reply);
        // The same reply pasted again after the customer said something new answers nothing.
        let repeat_key = meaning::RepeatKey::of(&analysis.norm);
        let repeat = meaning::Repeat::of(state, &repeat_key, self.repeat_floor);
        let pasted = !state.pending.is_empty() && repeat.at_least(PASTED_SIMILARITY, 8);
        let answering = !state.pending.is_empty();
        let first_reply = state.replies == 0;
        let reply_number = state.replies + 1;
        if analysis.emoticon.is_some() {
            state.emoticon_replies += 1;
        }

        let reference: Option<Arc<str>> = reference.filter(|r| !r.trim().is_empty()).map(Arc::from);
        let mut tally = Tally::new(self.dimensions.len());
        for (index, check) in self.checks.iter().enumerate() {
            if check.per_conversation {
                continue; // judged once, at the end (see `Scorer::finish`)
            }
            let w = &check.when;
            let applies = (w.personas.is_empty()
                || situation.persona.is_some_and(|p| w.personas.contains(&p)))
                && (w.tags_any.is_empty() || w.tags_any.iter().any(|t| situation.tags.contains(t)))
                && ((w.asks_any == 0 && w.raised_any == 0)
                    || state.pending_topics & w.asks_any != 0
                    || (answering && state.raised_topics & w.raised_any != 0))
                && w.asks_none.is_none_or(|mask| {
                    if mask == 0 {
                        answering && state.pending_topics == 0
                    } else {
                        state.pending_topics & mask == 0
                    }
                })
                && w.first_reply.is_none_or(|f| f == first_reply)
                && w.sized_product
                    .is_none_or(|s| product.is_some_and(|p| p.is_sized()) == s)
                && w.min_replies.is_none_or(|n| reply_number >= n)
                && !(w.until_passed && state.passed[index])
                && state.raised_topics & w.unless_raised == 0;
            if !applies {
                continue;
            }
            let ctx = checks::Ctx {
                state,
                analysis: &analysis,
                latency,
                answering,
                reply_number,
                pass_mark: check.pass_mark,
                repeat,
            };
            let Some(verdict) = checks::evaluate(&check.kind, &ctx) else {
                continue; // the check found nothing to judge
            };
            if verdict.score >= check.pass_mark {
                state.passed[index] = true;
            }
            tally.record(self, check, verdict, reply, &analysis.norm, &reference);
        }
        let Tally {
            mut results,
            dim_totals,
            red_line,
        } = tally;
        results.sort_by_key(|r| !r.red_line);
        let mut dimensions = self.dimension_scores(dim_totals, red_line);
        if pasted {
            // Scored as what it is: a non-answer in every dimension but speed and red lines.
            for (score, dim) in dimensions.iter_mut().zip(&self.dimensions) {
                if let Some(s) = score.as_mut().filter(|_| !dim.red_line && !dim.timed) {
                    *s = s.min(PASTED_CAP);
                }
            }
        }
        let overall = overall_score(&self.dimensions, &dimensions, red_line);
        let heard = if self.derive_signals && !pasted {
            Heard {
                size: analysis
                    .sizing()
                    .primary()
                    .map(|(size, right)| (size.to_string(), right)),
                off_yuan: analysis.concession.as_ref().map(|(y, _)| *y),
                time: analysis
                    .time()
                    .and_then(|first| promised_time(&analysis.norm, first)),
                add_on: analysis.add_on().map(|(name, _)| name.clone()),
            }
        } else {
            Heard::default()
        };
        let mut signals = if !self.derive_signals {
            crate::signal::Signals::default()
        } else if pasted {
            // The customer hears nothing new.
            let mut s = crate::signal::Signals::default();
            s.insert(crate::signal::Signal::BrushedOff);
            s
        } else {
            analysis.signals()
        };
        if red_line {
            signals.insert(crate::signal::Signal::RedLine);
        }
        let memo = ReplyMemo {
            warm: analysis.warm.is_some(),
            farewell: analysis.farewell.is_some(),
            // Followed only while a complaint is being handled (the time is costly to read).
            handling: (state.pending_topics & self.topic.complaint != 0 || state.handling.apology)
                .then(|| Handling {
                    apology: analysis.apology.is_some(),
                    action: analysis.solution.is_some(),
                    time: analysis.time().is_some(),
                }),
            norm: analysis.norm,
            repeat_key,
        };
        self.remember_reply(state, memo);
        state.replies += 1;
        state.pending.clear();
        state.pending_topics = 0;
        state.pending_question = false;
        ReplyScore {
            checks: results,
            dimensions,
            overall,
            signals,
            heard,
            red_line,
        }
    }
}

/// The moment a reply promises, as it put it: of its time words (from `first`, where
/// [`Analysis::time`] found one), the first that names a moment a customer can hold the agent
/// to ("今天17点前", "24小时内"), not haste ("马上", "尽快"); `None` when there is only haste.
fn promised_time(norm: &str, first: Range<usize>) -> Option<String> {
    let moment = |t: &str| {
        t.chars()
            .any(|c| c.is_ascii_digit() || text::cn_digit(c).is_some())
            || [
                "今天", "今晚", "明天", "后天", "小时", "下午", "上午", "晚上",
            ]
            .iter()
            .any(|w| t.contains(w))
    };
    let mut at = first;
    while let Some(found) = norm.get(at.clone()) {
        if moment(found) {
            return Some(found.to_string());
        }
        let rest = at.end;
        match norm.get(rest..).and_then(extract::mentions_time) {
            Some(r) if !r.is_empty() => at = rest + r.start..rest + r.end,
            _ => break,
        }
    }
    None
}

/// Whether a customer message asks for money off with a number: "少30吧", "少五十", "打个七折".
fn discount_intent(norm: &str) -> bool {
    let numeral = |c: char| c.is_ascii_digit() || text::cn_digit(c).is_some();
    norm.match_indices('少').any(|(at, _)| {
        norm[at + '少'.len_utf8()..]
            .trim_start_matches(['个', '点'])
            .chars()
            .next()
            .is_some_and(numeral)
    }) || norm.match_indices('折').any(|(at, _)| {
        norm[..at].chars().next_back().is_some_and(numeral) && !norm[..at].ends_with("不打")
    })
}

/// Whether a customer message asks something: a question mark, 吗, a question word, an A不A
/// pair (透不透, 掉不掉色, 够不够暖) or a choice (硬领还是软领).
fn asks_something(norm: &str, has_mark: bool, has_asking_word: bool) -> bool {
    let tail = norm.trim_end_matches(['?', '？', ' ', '~', '～']);
    if extract::is_question_given(norm, has_mark, has_asking_word)
        || norm.contains("还是")
        || norm.contains("我问")
        || tail.ends_with("不")
        || tail.ends_with("没")
    {
        return true;
    }
    // 不 and 没 are three bytes; an A不A pair is the same character on either side.
    norm.match_indices(['不', '没']).any(|(at, neg)| {
        let before = norm[..at].chars().next_back();
        let after = norm[at + neg.len()..].chars().next();
        before.is_some_and(|c| !c.is_ascii() && Some(c) == after)
    })
}

/// The bits of the topics the engine reads by name, each 0 when the rubric does not define it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TopicBits {
    /// A size question, set also for questions with no size word.
    pub size: u64,
    /// A discount ask, set also for "少30吧" and "打个七折".
    pub discount: u64,
    /// A complaint, whose handling is followed over the replies.
    pub complaint: u64,
    /// A stock question, which a bare "L码呢" may go on.
    pub stock: u64,
    /// A bare greeting ("在吗"), which wants an open question back.
    pub hello: u64,
    /// The buyer ordering (拍了, 下单了).
    pub order: u64,
    /// A gift ask.
    pub gift: u64,
    /// The buyer closing the conversation.
    pub closing: u64,
    /// Questions a bare yes or no may answer, as the fact asked for is the word itself (是纯羊毛
    /// 吗 → 是的; 有黑色吗 → 有的).
    pub confirmable: u64,
    /// Of those, the ones a lone 有的 or 是的 answers in full.
    pub confirmed_by_yes: u64,
}

impl TopicBits {
    fn of(topics: &Topics) -> TopicBits {
        let bits = |names: &[&str]| names.iter().fold(0, |m, n| m | topics.bit(n));
        TopicBits {
            size: topics.bit("size"),
            discount: topics.bit("discount"),
            complaint: topics.bit("complaint"),
            stock: topics.bit("stock"),
            hello: topics.bit("hello"),
            order: topics.bit("order"),
            gift: topics.bit("gift"),
            closing: topics.bit("closing"),
            confirmable: bits(&["material", "stock", "color", "price", "shipping"]),
            confirmed_by_yes: bits(&["stock", "color", "material"]),
        }
    }
}

/// What the conversation keeps of a reply once it is scored.
struct ReplyMemo {
    warm: bool,
    farewell: bool,
    /// What the reply did about a complaint being handled; none when there is none.
    handling: Option<Handling>,
    norm: String,
    repeat_key: meaning::RepeatKey,
}

/// The verdicts of one reply (or of a conversation's end) as they are collected.
struct Tally {
    /// Most replies fail few checks (QA keeps only failures): no room reserved up front.
    results: Vec<CheckResult>,
    /// Per dimension: the weighted sum of its checks' scores, and their weight.
    dim_totals: Vec<(f64, f64)>,
    red_line: bool,
}

impl Tally {
    fn new(dimensions: usize) -> Tally {
        Tally {
            results: Vec::new(),
            dim_totals: vec![(0.0, 0.0); dimensions],
            red_line: false,
        }
    }

    /// Counts a verdict in its dimension, and lists it when it failed or passes are explained.
    /// A finding for review counts nowhere: a person decides.
    fn record(
        &mut self,
        scorer: &Scorer,
        check: &CompiledCheck,
        verdict: Verdict,
        reply: &str,
        norm: &str,
        reference: &Option<Arc<str>>,
    ) {
        let passed = verdict.score >= check.pass_mark && !verdict.review;
        let dim = &scorer.dimensions[check.dimension];
        if !verdict.review {
            if dim.red_line && !passed {
                self.red_line = true;
            }
            let (sum, weight) = &mut self.dim_totals[check.dimension];
            *sum += verdict.score * check.weight;
            *weight += check.weight;
        }
        // Passed checks are listed only when asked (training); QA lists failures.
        if passed && !scorer.explain_passes {
            return;
        }
        let excerpt = match verdict.span {
            Some(span) => text::excerpt(reply, original_span(reply, norm, span), 8),
            None => {
                let end = reply.char_indices().nth(40).map_or(reply.len(), |(i, _)| i);
                text::excerpt(reply, 0..end, 0)
            }
        };
        let better = reference.clone().unwrap_or_else(|| check.advice.clone());
        self.results.push(CheckResult {
            check: check.id.clone(),
            dimension: dim.key.clone(),
            kind: check.kind.name(),
            score: verdict.score,
            weight: check.weight,
            passed,
            message: verdict.message,
            excerpt,
            better,
            red_line: dim.red_line,
            review: verdict.review,
        });
    }
}

impl Scorer {
    /// Per dimension: the weighted mean of its checks, or `None` when none applied. A red-line
    /// dimension that was crossed shows 0, not the mean of its other checks.
    fn dimension_scores(&self, totals: Vec<(f64, f64)>, red_line: bool) -> Vec<Option<f64>> {
        totals
            .into_iter()
            .zip(&self.dimensions)
            .map(|((sum, weight), dim)| {
                if dim.red_line && red_line && weight > 0.0 {
                    return Some(0.0);
                }
                (weight > 0.0).then(|| round1(sum / weight))
            })
            .collect()
    }

    /// Keeps what the conversation-level checks and the repeat check need of a reply.
    fn remember_reply(&self, state: &mut ConversationState, memo: ReplyMemo) {
        if memo.warm {
            state.warm_replies += 1;
        }
        state.last_reply_farewell = memo.farewell;
        if let Some(handling) = memo.handling {
            state.handling.apology |= handling.apology;
            state.handling.action |= handling.action;
            state.handling.time |= handling.time;
        }
        if let Some(closing) = &mut state.closing {
            if memo.farewell {
                closing.farewell = true;
            }
            if closing.reply.is_none() {
                closing.reply = Some(memo.norm.clone());
            }
        }
        if state.earlier_replies.len() < EARLIER_REPLIES_KEPT {
            state.earlier_replies.push(memo.repeat_key);
        }
        state.last_reply = memo.norm;
    }

    /// The labels of the topics in `mask`, as the rubric's `[topic_labels]` gives them (the
    /// topic's id where it gives none), in rubric order.
    pub fn topic_labels(&self, mask: u64) -> Vec<String> {
        self.topics
            .names_of(mask)
            .into_iter()
            .map(|name| {
                self.topic_labels
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| name.to_string())
            })
            .collect()
    }

    /// What claims about a product are checked against: worked out at start-up for the
    /// catalog's own products.
    pub(crate) fn known(
        &self,
        product: &crate::content::Product,
    ) -> std::borrow::Cow<'_, meaning::Known> {
        self.catalog
            .products
            .iter()
            .position(|p| std::ptr::eq(p, product))
            .and_then(|i| self.known.get(i))
            .map_or_else(
                || std::borrow::Cow::Owned(meaning::Known::of(product)),
                std::borrow::Cow::Borrowed,
            )
    }

    /// How many catalog products a reply names, by name or alias: `hits` is its scan.
    pub(crate) fn products_named(&self, hits: &Hits) -> usize {
        self.product_names
            .iter()
            .filter(|names| {
                (0..names.strings.len()).any(|j| self.agent_names.named(hits, names.first + j))
            })
            .count()
    }

    /// Whether a piece of a reply names a product other than `product` (its price is then no
    /// claim about `product`).
    pub(crate) fn names_other_product(
        &self,
        text: &str,
        product: &crate::content::Product,
    ) -> bool {
        self.product_names
            .iter()
            .zip(&self.catalog.products)
            .any(|(names, p)| {
                p.id() != product.id() && names.strings.iter().any(|n| text.contains(n.as_str()))
            })
    }

    /// The ids of the checks judged once per conversation, in [`Scorer::finish`], rather than
    /// on every reply: reports count their failures in conversations.
    pub fn per_conversation_checks(&self) -> impl Iterator<Item = &str> {
        self.checks
            .iter()
            .filter(|c| c.per_conversation)
            .map(|c| &*c.id)
    }

    /// The conversation-level checks (tone, farewell), judged once the conversation is over.
    /// Its dimensions count once each in the conversation's scores, beside the replies'.
    pub fn finish(&self, state: &ConversationState) -> ReplyScore {
        let mut tally = Tally::new(self.dimensions.len());
        if state.replies > 0 {
            for check in self.checks.iter().filter(|c| c.per_conversation) {
                let excerpt_of = state
                    .closing
                    .as_ref()
                    .and_then(|c| c.reply.clone())
                    .unwrap_or_else(|| state.last_reply.clone());
                let Some(verdict) = meaning::conversation(&check.kind, self, state) else {
                    continue;
                };
                tally.record(self, check, verdict, &excerpt_of, &excerpt_of, &None);
            }
        }
        let Tally {
            results,
            dim_totals,
            red_line,
        } = tally;
        let dimensions = self.dimension_scores(dim_totals, red_line);
        ReplyScore {
            overall: overall_score(&self.dimensions, &dimensions, red_line),
            checks: results,
            dimensions,
            signals: crate::signal::Signals::default(),
            heard: Heard::default(),
            red_line,
        }
    }
}

/// Runs `a` here and `b` on a thread of its own, at the same time, and returns both results.
fn both<A, B: Send>(a: impl FnOnce() -> A, b: impl FnOnce() -> B + Send) -> (A, B) {
    std::thread::scope(|scope| {
        let other = scope.spawn(b);
        let first = a();
        match other.join() {
            Ok(second) => (first, second),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// The overall score: 0 once a red line is crossed, else the weighted mean of the dimensions
/// that applied (`None` when none did).
pub(crate) fn overall_score(
    dims: &[DimensionInfo],
    scores: &[Option<f64>],
    red_line: bool,
) -> Option<f64> {
    if red_line {
        return Some(0.0);
    }
    let mut sum = 0.0;
    let mut weight = 0.0;
    for (d, s) in dims.iter().zip(scores) {
        if let Some(s) = s {
            sum += s * d.weight;
            weight += d.weight;
        }
    }
    (weight > 0.0).then(|| round1(sum / weight))
}

/// Maps a byte range of the normalized text back onto the original: normalization maps each
/// character to exactly one character, so character positions agree.
fn original_span(original: &str, normalized: &str, span: Range<usize>) -> Range<usize> {
    let char_at = |byte: usize| {
        normalized
            .get(..byte.min(normalized.len()))
            .map_or(0, |s| s.chars().count())
    };
    let (start_char, end_char) = (char_at(span.start), char_at(span.end));
    let byte_of = |nth: usize| {
        original
            .char_indices()
            .nth(nth)
            .map_or(original.len(), |(i, _)| i)
    };
    byte_of(start_char)..byte_of(end_char)
}

pub(crate) fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn compile_when(when: &When, topics: &Topics) -> CompiledWhen {
    let mask = |list: &[toml::Spanned<String>]| {
        list.iter()
            .fold(0u64, |acc, t| acc | topics.bit(t.get_ref()))
    };
    CompiledWhen {
        personas: when.personas.clone(),
        tags_any: when.tags_any.clone(),
        asks_any: mask(&when.asks_any),
        asks_none: when.asks_none.as_deref().map(mask),
        first_reply: when.first_reply,
        sized_product: when.sized_product,
        min_replies: when.min_replies,
        until_passed: when.until_passed,
        unless_raised: mask(&when.unless_raised),
        raised_any: mask(&when.raised_any),
    }
}

/// One earlier message of a conversation, for [`Scorer::judge`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Turn<'a> {
    Customer(&'a str),
    Agent(&'a str),
}

impl Scorer {
    /// Every check's verdict on `reply`, given the conversation before it (oldest first; the
    /// customer's latest messages are the last customer turns). Checks that applied are listed,
    /// passed or not; a check that is absent did not apply. Conversation-level checks are judged
    /// as if the conversation ended after `reply`.
    ///
    /// This is what the labelled corpus (`kefu eval`) and the rubric's examples are run through.
    pub fn judge(
        &self,
        product: Option<&str>,
        context: &[Turn<'_>],
        reply: &str,
        latency_ms: u64,
    ) -> Vec<CheckResult> {
        let mut state = self.new_conversation();
        let situation = Situation {
            product,
            ..Situation::default()
        };
        for turn in context {
            match turn {
                Turn::Customer(text) => self.customer_message(&mut state, text),
                Turn::Agent(text) => {
                    self.score_reply(&mut state, &situation, text, 5000, None);
                }
            }
        }
        let mut checks = self
            .score_reply(&mut state, &situation, reply, latency_ms, None)
            .checks;
        checks.extend(self.finish(&state).checks);
        checks
    }
}
