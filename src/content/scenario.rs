//! One training scenario: what this customer wants, their hidden facts and the branching script.

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::persona::PersonaKind;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Index of the file it came from in [`crate::content::Content::files`].
    #[serde(skip)]
    pub file: usize,
    pub id: Spanned<String>,
    pub title: String,
    pub persona: Spanned<PersonaKind>,
    pub product: Spanned<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub facts: Facts,
    #[serde(default)]
    pub order: Option<Order>,
    pub turns: Vec<Turn>,
}

impl Scenario {
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }
    pub fn persona(&self) -> PersonaKind {
        *self.persona.get_ref()
    }
    pub fn product_id(&self) -> &str {
        self.product.get_ref()
    }
    pub fn turn(&self, id: &str) -> Option<&Turn> {
        self.turns.iter().find(|t| t.id() == id)
    }
    pub fn first_turn(&self) -> Option<&Turn> {
        self.turns.first()
    }
}

/// A fixed value or an inclusive range to sample from.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum FactValue {
    Fixed(f32),
    Range([f32; 2]),
}

impl FactValue {
    pub fn bounds(self) -> (f32, f32) {
        match self {
            FactValue::Fixed(v) => (v, v),
            FactValue::Range([a, b]) => (a.min(b), a.max(b)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    Loose,
    #[default]
    Regular,
    Fitted,
}

/// What the customer knows and the trainee must find out.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Facts {
    pub height: Option<Spanned<FactValue>>,
    pub weight: Option<Spanned<FactValue>>,
    pub child_height: Option<Spanned<FactValue>>,
    pub budget: Option<f32>,
    #[serde(default)]
    pub fit: Fit,
    /// Seconds of waiting the customer puts up with in all.
    #[serde(default = "default_patience")]
    pub patience: f32,
}

fn default_patience() -> f32 {
    300.0
}

impl Default for Facts {
    fn default() -> Self {
        Facts {
            height: None,
            weight: None,
            child_height: None,
            budget: None,
            fit: Fit::default(),
            patience: default_patience(),
        }
    }
}

/// The order panel an agent sees in after-sales chats.
///
/// Every field is optional, so an older file with only `status`, `paid` and `note` still loads.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub paid: f64,
    #[serde(default)]
    pub days_since_delivery: Option<u32>,
    #[serde(default)]
    pub note: String,
    /// The platform's order number (订单号), as the order card shows it.
    #[serde(default)]
    pub number: Option<Spanned<String>>,
    /// What was bought, one line per product and variant.
    #[serde(default)]
    pub items: Vec<OrderItem>,
    /// The courier's tracking number (运单号).
    #[serde(default)]
    pub tracking: Option<Spanned<String>>,
    /// The parcel's tracking events, oldest first.
    #[serde(default)]
    pub logistics: Vec<LogisticsEvent>,
}

/// One line of an order: `{ product = "men-tee", color = "白色", size = "L", quantity = 1 }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OrderItem {
    /// A catalog product id.
    pub product: Spanned<String>,
    /// One of the product's colours.
    #[serde(default)]
    pub color: Option<Spanned<String>>,
    /// One of the sizes of the product's chart, written as the chart writes it.
    #[serde(default)]
    pub size: Option<Spanned<String>>,
    #[serde(default = "one")]
    pub quantity: Spanned<u32>,
}

fn one() -> Spanned<u32> {
    Spanned::new(0..0, 1)
}

/// A tracking event: `{ time = "12-03 18:20", text = "【杭州转运中心】已发出" }`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct LogisticsEvent {
    /// `MM-DD HH:MM`, as tracking pages show it.
    pub time: Spanned<String>,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Bought,
    Left,
    Resolved,
    Unresolved,
}

impl Outcome {
    pub fn chinese(self) -> &'static str {
        match self {
            Outcome::Bought => "成交",
            Outcome::Left => "顾客离开",
            Outcome::Resolved => "问题解决",
            Outcome::Unresolved => "问题未解决",
        }
    }
    pub fn id(self) -> &'static str {
        match self {
            Outcome::Bought => "bought",
            Outcome::Left => "left",
            Outcome::Resolved => "resolved",
            Outcome::Unresolved => "unresolved",
        }
    }
    pub fn is_success(self) -> bool {
        matches!(self, Outcome::Bought | Outcome::Resolved)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Turn {
    pub id: Spanned<String>,
    /// Phrasing variants; one is picked at random.
    pub say: Vec<String>,
    /// Topics this line is meant to raise (checked against the rubric's topic keywords).
    #[serde(default)]
    pub asks: Vec<Spanned<String>>,
    /// 参考话术: how a good agent answers this turn.
    #[serde(default)]
    pub reference: Option<String>,
    /// A typical weak reply, for coaching and tests.
    #[serde(default)]
    pub poor: Option<String>,
    #[serde(default)]
    pub next: Vec<Rule>,
    #[serde(default)]
    pub fallback: Option<Spanned<String>>,
    /// A free-answer turn: when no rule of `next` matches, any reply that answers the
    /// customer's question (the engine's `answered` check passes), in whatever words, moves on
    /// to this turn.
    #[serde(default)]
    pub answered: Option<Spanned<String>>,
    #[serde(default)]
    pub outcome: Option<Outcome>,
    #[serde(default)]
    pub order_value: Option<f64>,
}

impl Turn {
    pub fn id(&self) -> &str {
        self.id.get_ref()
    }
    pub fn is_final(&self) -> bool {
        self.outcome.is_some()
    }
    /// Every turn id this turn can lead to.
    pub fn targets(&self) -> impl Iterator<Item = &Spanned<String>> {
        self.next
            .iter()
            .map(|r| &r.goto)
            .chain(self.answered.iter())
            .chain(self.fallback.iter())
    }
}

/// A branch: when every listed signal holds (or, with a leading `!`, does not), go to `goto`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub when: Vec<Spanned<String>>,
    pub goto: Spanned<String>,
    /// Extra mood change when this rule fires.
    #[serde(default)]
    pub mood: f32,
}
