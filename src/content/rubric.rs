//! Scoring rubrics (`rubrics/*.toml`): dimensions, weighted checks, topic keywords, the lexicon
//! of phrases the checks look for, and labelled examples that `kefu check` runs.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::persona::PersonaKind;

/// One rubric file as written. Several files merge into one [`Rubric`].
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RubricFile {
    #[serde(default)]
    pub dimensions: Vec<Dimension>,
    #[serde(default)]
    pub topics: BTreeMap<String, Vec<String>>,
    /// What users read for a topic in findings ("面料成分" for `material`).
    #[serde(default)]
    pub topic_labels: BTreeMap<String, String>,
    #[serde(default)]
    pub lexicon: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub checks: Vec<Check>,
}

/// The merged rubric all scoring runs against.
#[derive(Debug, Clone, Default)]
pub struct Rubric {
    pub dimensions: Vec<Dimension>,
    pub topics: BTreeMap<String, Vec<String>>,
    pub topic_labels: BTreeMap<String, String>,
    pub lexicon: BTreeMap<String, Vec<String>>,
    pub checks: Vec<Check>,
}

impl Rubric {
    pub fn merge(&mut self, file: RubricFile) {
        self.dimensions.extend(file.dimensions);
        for (k, v) in file.topics {
            self.topics.entry(k).or_default().extend(v);
        }
        self.topic_labels.extend(file.topic_labels);
        for (k, v) in file.lexicon {
            self.lexicon.entry(k).or_default().extend(v);
        }
        self.checks.extend(file.checks);
    }

    pub fn dimension(&self, id: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.id.get_ref() == id)
    }
}

/// How a dimension's per-reply scores combine over a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Aggregate {
    /// The mean of every reply where it applied.
    #[default]
    Mean,
    /// The best reply: things that need doing once in a chat, such as an add-on recommendation.
    Best,
    /// The worst reply: red lines, where one crossing is the conversation's verdict.
    Worst,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    /// Index of the file it came from in [`crate::content::Content::files`].
    #[serde(skip)]
    pub file: usize,
    pub id: Spanned<String>,
    /// Chinese name shown to users.
    pub name: String,
    /// English name for `--lang en`.
    #[serde(default)]
    pub name_en: Option<String>,
    pub weight: f64,
    #[serde(default)]
    pub aggregate: Aggregate,
    /// Failing any check of this dimension fails the whole reply (红线).
    #[serde(default)]
    pub red_line: bool,
}

impl Dimension {
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Index of the file it came from in [`crate::content::Content::files`].
    #[serde(skip)]
    pub file: usize,
    pub id: Spanned<String>,
    pub dimension: Spanned<String>,
    pub kind: Spanned<String>,
    #[serde(default = "one")]
    pub weight: f64,
    /// What a better reply does, shown when the scenario has no reference answer.
    #[serde(default)]
    pub advice: String,
    #[serde(default)]
    pub when: When,
    #[serde(default)]
    pub params: Option<Spanned<toml::Table>>,
    #[serde(default)]
    pub examples: Vec<Example>,
}

fn one() -> f64 {
    1.0
}

impl Check {
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }
}

/// Conditions under which a check applies. All given conditions must hold.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// Only for these customer types (when the persona is known).
    #[serde(default)]
    pub personas: Vec<PersonaKind>,
    /// Only when the scenario carries one of these tags.
    #[serde(default)]
    pub tags_any: Vec<String>,
    /// Only when the customer's latest message raised one of these topics.
    #[serde(default)]
    pub asks_any: Vec<Spanned<String>>,
    /// Only when the customer's latest message raised none of the listed topics
    /// (an empty list here means: raised no topic at all).
    #[serde(default)]
    pub asks_none: Option<Vec<Spanned<String>>>,
    /// `true`: only the first reply of a conversation; `false`: only later ones.
    #[serde(default)]
    pub first_reply: Option<bool>,
    /// Only when the product under discussion has a size chart.
    #[serde(default)]
    pub sized_product: Option<bool>,
    /// Only from this many agent replies on (1 = the first).
    #[serde(default)]
    pub min_replies: Option<usize>,
    /// Only until the check has passed once in the conversation.
    #[serde(default)]
    pub until_passed: bool,
    /// Never once the conversation has raised one of these topics (an upsell has no place in a
    /// chat about a refund, however it ends).
    #[serde(default)]
    pub unless_raised: Vec<Spanned<String>>,
    /// Once the conversation has raised one of these topics, from then on (a complaint is
    /// handled over several replies, whatever the customer says in between).
    #[serde(default)]
    pub raised_any: Vec<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    Pass,
    Fail,
}

/// A labelled reply the check must pass or fail; `kefu check` runs them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Example {
    pub reply: Spanned<String>,
    pub expect: Expect,
    /// The customer's latest message.
    #[serde(default)]
    pub customer: String,
    /// Earlier customer messages, oldest first.
    #[serde(default)]
    pub earlier: Vec<String>,
    /// The agent's replies to `earlier`, in order ("好的" where none is given).
    #[serde(default)]
    pub earlier_replies: Vec<String>,
    #[serde(default)]
    pub product: Option<String>,
    #[serde(default)]
    pub persona: Option<PersonaKind>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default = "default_latency")]
    pub latency_s: f64,
    /// 1 = the first agent reply of the conversation.
    #[serde(default = "default_reply_number")]
    pub reply_number: usize,
}

fn default_latency() -> f64 {
    5.0
}
fn default_reply_number() -> usize {
    2
}
