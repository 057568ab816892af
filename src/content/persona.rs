//! How a type of customer talks and reacts (`scenarios/personas/*.toml`).

use serde::{Deserialize, Serialize};
use toml::Spanned;

/// The four customer types of Chinese shop service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PersonaKind {
    Friendly,
    Bargainer,
    Picky,
    BadReview,
}

impl PersonaKind {
    pub const ALL: [PersonaKind; 4] = [
        PersonaKind::Friendly,
        PersonaKind::Bargainer,
        PersonaKind::Picky,
        PersonaKind::BadReview,
    ];

    pub fn id(self) -> &'static str {
        match self {
            PersonaKind::Friendly => "friendly",
            PersonaKind::Bargainer => "bargainer",
            PersonaKind::Picky => "picky",
            PersonaKind::BadReview => "bad-review",
        }
    }

    pub fn chinese(self) -> &'static str {
        match self {
            PersonaKind::Friendly => "友好型",
            PersonaKind::Bargainer => "砍价型",
            PersonaKind::Picky => "挑剔型",
            PersonaKind::BadReview => "差评型",
        }
    }

    pub fn parse(s: &str) -> Option<PersonaKind> {
        PersonaKind::ALL
            .into_iter()
            .find(|p| p.id() == s || p.chinese() == s)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Persona {
    /// Index of the file it came from in [`crate::content::Content::files`].
    #[serde(skip)]
    pub file: usize,
    pub id: Spanned<PersonaKind>,
    pub name: String,
    /// Starting mood, 0–100.
    pub mood: f32,
    /// Below this mood the customer gives up.
    pub leave_below: f32,
    /// Multiplies the scenario's patience.
    #[serde(default = "one")]
    pub patience_factor: f32,
    /// Seconds of every wait that cost no patience.
    #[serde(default = "default_grace")]
    pub grace: f32,
    /// Mood change after a good reply (80 or more).
    pub good_reply: f32,
    /// Mood change after a poor reply (under 50).
    pub bad_reply: f32,
    /// Seconds between two nudges of a customer kept waiting ("在吗？"), after the grace.
    #[serde(default = "default_nudge_every")]
    pub nudge_every: f32,
    /// How many times this customer asks the same thing again before giving up.
    #[serde(default = "default_asks_again")]
    pub asks_again: u32,
    pub lines: PersonaLines,
    /// A second question a hard customer (`--level hard`) puts in the same message as their
    /// first ("另外今天能发出吗？"), so that both must be answered.
    #[serde(default)]
    pub side_questions: Vec<String>,
    /// How this type of customer answers a reply that fails one of the rubric's checks, in
    /// every scenario: an insult, a request to add WeChat, a review bribe, a pasted repeat,
    /// an unanswered question, a false claim. The first that matches wins.
    #[serde(default)]
    pub reacts: Vec<React>,
}

fn one() -> f32 {
    1.0
}
fn default_grace() -> f32 {
    15.0
}
fn default_nudge_every() -> f32 {
    45.0
}
fn default_asks_again() -> u32 {
    1
}

/// A persona-wide reaction to a reply that failed a check.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct React {
    /// Check ids of the rubric; the reaction fires when the reply fails any of them.
    pub to: Vec<Spanned<String>>,
    /// What the customer says, one picked at random. `{asked}` is the customer's last
    /// question, repeated.
    pub say: Vec<String>,
    /// Mood change.
    #[serde(default)]
    pub mood: f32,
    /// Seconds of patience it costs.
    #[serde(default)]
    pub patience: f32,
    /// What follows the line.
    #[serde(default)]
    pub then: Then,
}

/// What a customer does after a persona-wide reaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Then {
    /// Waits for a better answer to the same turn (asked again at most `asks_again` times,
    /// then the customer gives up).
    #[default]
    Stay,
    /// Leaves at once.
    Leave,
    /// Says the line, then goes on with the script as the reply's signals lead.
    GoOn,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonaLines {
    pub nudge: Vec<String>,
    pub leave: Vec<String>,
    #[serde(default)]
    pub pleased: Vec<String>,
    #[serde(default)]
    pub annoyed: Vec<String>,
}

impl Persona {
    pub fn kind(&self) -> PersonaKind {
        *self.id.get_ref()
    }
}

/// Problems with the personas that need the rest of the content: a reaction to a check the
/// rubric does not have, or a reaction with nothing to say.
pub fn validate(content: &super::Content) -> Vec<super::Diagnostic> {
    let mut problems = Vec::new();
    for persona in content.personas.values() {
        for react in &persona.reacts {
            for id in &react.to {
                if !content.rubric.checks.iter().any(|c| c.id() == id.get_ref()) {
                    let hint = content
                        .rubric
                        .checks
                        .iter()
                        .map(|c| (strsim::jaro_winkler(id.get_ref(), c.id()), c.id()))
                        .filter(|(s, _)| *s > 0.8)
                        .max_by(|a, b| a.0.total_cmp(&b.0))
                        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
                        .unwrap_or_default();
                    problems.push(content.diagnostic(
                        persona.file,
                        Some(id.span()),
                        format!(
                            "`reacts` names no check of the rubric: `{}`{hint}",
                            id.get_ref()
                        ),
                    ));
                }
            }
            if react.say.iter().all(|s| s.trim().is_empty()) {
                let span = react.to.first().map(|t| t.span());
                problems.push(content.diagnostic(
                    persona.file,
                    span,
                    "a reaction needs at least one line in `say`".to_string(),
                ));
            }
        }
        if persona.nudge_every.is_nan() || persona.nudge_every <= 0.0 {
            problems.push(content.diagnostic(
                persona.file,
                None,
                "`nudge_every` must be a number of seconds above 0".to_string(),
            ));
        }
    }
    problems
}
