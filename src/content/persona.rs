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
    pub lines: PersonaLines,
}

fn one() -> f32 {
    1.0
}
fn default_grace() -> f32 {
    15.0
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
