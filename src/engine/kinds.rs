//! The kinds of check a rubric can use, and their parameters as written in `[checks.params]`.

use std::ops::Range;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::lexicon::{PhrasebookBuilder, SetId, Topics};
use crate::content::Check;

/// Every check kind, as named in rubric files.
pub const KIND_NAMES: &[&str] = &[
    "latency",
    "length",
    "phrases",
    "hedging",
    "question_style",
    "emoticon",
    "sizing",
    "upsell",
    "bargaining",
    "recovery",
    "over_promise",
    "specifics",
    "answered",
    "after_sales",
    "truthful",
    "review_manipulation",
    "repeated",
    "warm_tone",
    "farewell",
    "together",
    "curt",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyParams {
    /// At or under this many seconds: full marks.
    pub good_s: f64,
    /// At or over this: zero.
    pub max_s: f64,
    /// Typing allowance: this many characters of the reply are free per second.
    #[serde(default)]
    pub chars_per_s: f64,
    /// A hard limit (the Taobao three-minute rule): over it the reply fails outright.
    #[serde(default)]
    pub hard_s: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LengthParams {
    pub max_chars: usize,
    #[serde(default = "default_lines")]
    pub max_lines: usize,
}

fn default_lines() -> usize {
    4
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhraseMode {
    /// Fail when any phrase occurs.
    Forbid,
    /// Pass only when some phrase occurs.
    Require,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPhraseParams {
    phrases: Vec<String>,
    #[serde(default)]
    except: Vec<String>,
    mode: PhraseMode,
    /// Chinese explanation when the check fails.
    message: String,
    #[serde(default)]
    message_en: Option<String>,
    /// Forbidden phrases that are negated or refused in their clause do not count ("平台不让
    /// 加微信"); `false` for phrases that are bad whatever precedes them.
    #[serde(default = "yes")]
    negatable: bool,
    /// Phone numbers and contact ids written to slip past a filter (digits split by spaces,
    /// in Chinese numerals) count as forbidden phrases; a plain phone number goes to review.
    #[serde(default)]
    contact_numbers: bool,
    /// The phrases do not count in a reply that advises a size ("尺码表上172、62公斤就是L码"
    /// quotes the chart as its reason; it does not send the buyer to it).
    #[serde(default)]
    unless_advised: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug)]
pub struct PhraseParams {
    pub phrases: SetId,
    /// Longer phrases that contain a listed one but are fine ("最好选M码" is not an absolute claim).
    /// `None` when there are none.
    pub except: Option<SetId>,
    pub mode: PhraseMode,
    pub message: String,
    pub message_en: String,
    pub negatable: bool,
    pub contact_numbers: bool,
    pub unless_advised: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmoticonParams {
    pub min_ratio: f64,
    pub max_ratio: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawUpsellParams {
    #[serde(default = "default_near")]
    near: f64,
    #[serde(default)]
    moments: Vec<String>,
}

#[derive(Debug)]
pub struct UpsellParams {
    /// A threshold counts as near when the cart is at most this many yuan below it.
    pub near: f64,
    /// Topics that make a missing recommendation a miss (bit set); with none, every reply.
    pub moments: u64,
}

fn default_near() -> f64 {
    60.0
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecoveryParams {
    /// Replies longer than this that make excuses count as over-explaining.
    #[serde(default = "default_excuse_chars")]
    pub excuse_chars: usize,
}

fn default_excuse_chars() -> usize {
    60
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverPromiseParams {
    #[serde(default)]
    phrases: Vec<String>,
}

/// What answers a question on each topic: the words that carry the fact asked for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAnsweredParams {
    /// Topic → the words of a reply that answer it (a material, a number of days, a policy).
    answers: std::collections::BTreeMap<String, Vec<String>>,
}

#[derive(Debug)]
pub struct AnsweredParams {
    /// Per topic bit asked about: the phrase set that answers it.
    pub answers: Vec<(u64, SetId)>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawReviewParams {
    /// Words naming a review or a rating.
    reviews: Vec<String>,
    /// Rewards: 返现, 红包, 补您 …
    rewards: Vec<String>,
    /// Taking a review down or changing it: 删, 撤, 改 …
    removals: Vec<String>,
    /// Words that make one thing the condition of another: 再, 就, 才, 之后 …
    conditions: Vec<String>,
}

#[derive(Debug)]
pub struct ReviewParams {
    pub reviews: SetId,
    pub rewards: SetId,
    pub removals: SetId,
    pub conditions: SetId,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepeatedParams {
    /// Replies at least this similar (0–1, by edit distance) to an earlier one are repeats.
    #[serde(default = "default_similarity")]
    pub similarity: f64,
    /// Replies shorter than this many characters are never repeats ("好的亲" may be said twice).
    #[serde(default = "default_repeat_chars")]
    pub min_chars: usize,
}

fn default_similarity() -> f64 {
    0.85
}

fn default_repeat_chars() -> usize {
    8
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WarmToneParams {
    /// The share of replies with a warm word (亲, 您, 呢, 哦, ～ …) a conversation needs.
    pub min_ratio: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTogetherParams {
    /// Phrases that fail on their own ("你等着").
    #[serde(default)]
    alone: Vec<String>,
    pairs: Vec<RawPair>,
    message: String,
    #[serde(default)]
    message_en: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPair {
    first: Vec<String>,
    second: Vec<String>,
}

/// Kinds of words that fail said together, in one clause or the next: another buyer and an
/// address, the buyer's phone and a threat. Either one alone is fine.
#[derive(Debug)]
pub struct TogetherParams {
    pub alone: SetId,
    pub pairs: Vec<(SetId, SetId)>,
    pub message: String,
    pub message_en: String,
}

#[derive(Debug)]
pub enum Kind {
    Latency(LatencyParams),
    Length(LengthParams),
    Phrases(PhraseParams),
    Hedging,
    QuestionStyle,
    Emoticon(EmoticonParams),
    Sizing,
    Upsell(UpsellParams),
    Bargaining,
    Recovery(RecoveryParams),
    OverPromise(SetId),
    Specifics,
    Answered(AnsweredParams),
    AfterSales,
    Truthful,
    ReviewManipulation(ReviewParams),
    Repeated(RepeatedParams),
    WarmTone(WarmToneParams),
    Farewell,
    Together(TogetherParams),
    Curt,
}

fn params<T: DeserializeOwned>(check: &Check) -> Result<T, (Range<usize>, String)> {
    let (table, span) = match &check.params {
        Some(p) => (p.get_ref().clone(), p.span()),
        None => (toml::Table::new(), check.kind.span()),
    };
    toml::Value::Table(table).try_into::<T>().map_err(|e| {
        (
            span,
            format!(
                "bad params for a `{}` check: {}",
                check.kind.get_ref(),
                e.message().trim()
            ),
        )
    })
}

impl Kind {
    /// Compiles a check; its phrase lists go into the agent's phrasebook.
    pub fn compile(
        check: &Check,
        topics: &Topics,
        book: &mut PhrasebookBuilder,
    ) -> Result<Kind, (Range<usize>, String)> {
        let kind = match check.kind.get_ref().as_str() {
            "latency" => {
                let p: LatencyParams = params(check)?;
                if p.max_s <= p.good_s {
                    return Err((
                        check.kind.span(),
                        "latency: max_s must be more than good_s".into(),
                    ));
                }
                Kind::Latency(p)
            }
            "length" => Kind::Length(params(check)?),
            "phrases" => {
                let raw: RawPhraseParams = params(check)?;
                Kind::Phrases(PhraseParams {
                    phrases: book.add_phrases(&raw.phrases),
                    except: (!raw.except.is_empty()).then(|| book.add_phrases(&raw.except)),
                    mode: raw.mode,
                    message_en: raw.message_en.unwrap_or_else(|| raw.message.clone()),
                    message: raw.message,
                    negatable: raw.negatable,
                    contact_numbers: raw.contact_numbers,
                    unless_advised: raw.unless_advised,
                })
            }
            "hedging" => Kind::Hedging,
            "specifics" => Kind::Specifics,
            "question_style" => Kind::QuestionStyle,
            "emoticon" => Kind::Emoticon(params(check)?),
            "sizing" => Kind::Sizing,
            "upsell" => {
                let raw: RawUpsellParams = params(check)?;
                let mut moments = 0;
                for name in &raw.moments {
                    match topics.index(name) {
                        Some(i) if i < 64 => moments |= 1 << i,
                        _ => {
                            let span = check
                                .params
                                .as_ref()
                                .map_or(check.kind.span(), |p| p.span());
                            return Err((
                                span,
                                format!("upsell: unknown topic `{name}` in moments"),
                            ));
                        }
                    }
                }
                Kind::Upsell(UpsellParams {
                    near: raw.near,
                    moments,
                })
            }
            "bargaining" => Kind::Bargaining,
            "answered" => {
                let raw: RawAnsweredParams = params(check)?;
                let mut answers = Vec::new();
                for (topic, words) in &raw.answers {
                    let bit = topics.bit(topic);
                    if bit == 0 {
                        let span = check
                            .params
                            .as_ref()
                            .map_or(check.kind.span(), |p| p.span());
                        return Err((
                            span,
                            format!("answered: unknown topic `{topic}` in answers"),
                        ));
                    }
                    answers.push((bit, book.add_phrases(words)));
                }
                Kind::Answered(AnsweredParams { answers })
            }
            "after_sales" => Kind::AfterSales,
            "truthful" => Kind::Truthful,
            "review_manipulation" => {
                let raw: RawReviewParams = params(check)?;
                Kind::ReviewManipulation(ReviewParams {
                    reviews: book.add_phrases(&raw.reviews),
                    rewards: book.add_phrases(&raw.rewards),
                    removals: book.add_phrases(&raw.removals),
                    conditions: book.add_phrases(&raw.conditions),
                })
            }
            "repeated" => Kind::Repeated(params(check)?),
            "warm_tone" => Kind::WarmTone(params(check)?),
            "farewell" => Kind::Farewell,
            "curt" => Kind::Curt,
            "together" => {
                let raw: RawTogetherParams = params(check)?;
                Kind::Together(TogetherParams {
                    alone: book.add_phrases(&raw.alone),
                    pairs: raw
                        .pairs
                        .iter()
                        .map(|p| (book.add_phrases(&p.first), book.add_phrases(&p.second)))
                        .collect(),
                    message_en: raw.message_en.unwrap_or_else(|| raw.message.clone()),
                    message: raw.message,
                })
            }
            "recovery" => Kind::Recovery(params(check)?),
            "over_promise" => {
                let raw: RawOverPromiseParams = params(check)?;
                Kind::OverPromise(book.add_phrases(&raw.phrases))
            }
            other => {
                let hint = crate::content::suggest(other, KIND_NAMES.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err((
                    check.kind.span(),
                    format!(
                        "unknown check kind `{other}`{hint}; known kinds: {}",
                        KIND_NAMES.join(", ")
                    ),
                ));
            }
        };
        Ok(kind)
    }

    pub fn name(&self) -> &'static str {
        match self {
            Kind::Latency(_) => "latency",
            Kind::Length(_) => "length",
            Kind::Phrases(_) => "phrases",
            Kind::Hedging => "hedging",
            Kind::QuestionStyle => "question_style",
            Kind::Emoticon(_) => "emoticon",
            Kind::Sizing => "sizing",
            Kind::Upsell(_) => "upsell",
            Kind::Bargaining => "bargaining",
            Kind::Recovery(_) => "recovery",
            Kind::OverPromise(_) => "over_promise",
            Kind::Specifics => "specifics",
            Kind::Answered(_) => "answered",
            Kind::AfterSales => "after_sales",
            Kind::Truthful => "truthful",
            Kind::ReviewManipulation(_) => "review_manipulation",
            Kind::Repeated(_) => "repeated",
            Kind::WarmTone(_) => "warm_tone",
            Kind::Farewell => "farewell",
            Kind::Together(_) => "together",
            Kind::Curt => "curt",
        }
    }

    /// Judged once per conversation, at its end, rather than on every reply.
    pub fn per_conversation(&self) -> bool {
        matches!(self, Kind::WarmTone(_) | Kind::Farewell)
    }

    /// The score at which a check counts as passed.
    pub fn pass_mark(&self) -> f64 {
        match self {
            Kind::Phrases(_)
            | Kind::OverPromise(_)
            | Kind::ReviewManipulation(_)
            | Kind::Truthful
            | Kind::Repeated(_)
            | Kind::Together(_) => 100.0,
            // Apology, action and time, all three, across the handling.
            Kind::Recovery(_) => 80.0,
            _ => 60.0,
        }
    }
}
