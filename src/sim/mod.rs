//! The simulated customer: a scenario's script driven by the signals of each reply, with mood and
//! patience from the persona. Deterministic for a given seed and the same replies.

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};

use crate::content::{Content, Fit, Outcome, Persona, Product, Scenario, Turn};
use crate::engine::{KnownFacts, ReplyScore};
use crate::signal::{Signal, Signals};

/// Hidden facts with ranges resolved by the seed.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct SampledFacts {
    pub height_cm: Option<f32>,
    pub weight_kg: Option<f32>,
    /// The height is a child's (children's clothing).
    pub child: bool,
    pub budget: Option<f32>,
    pub fit: Fit,
}

impl SampledFacts {
    pub fn known(&self) -> KnownFacts {
        KnownFacts {
            height_cm: self.height_cm,
            weight_kg: self.weight_kg,
        }
    }
}

/// How a conversation ended.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ending {
    pub outcome: Outcome,
    pub order_value: Option<f64>,
}

/// What the customer does after a reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reaction {
    /// Lines the customer sends, in order.
    pub lines: Vec<String>,
    pub ending: Option<Ending>,
}

/// A customer playing one scenario.
#[derive(Debug)]
pub struct Customer<'a> {
    pub scenario: &'a Scenario,
    pub persona: &'a Persona,
    pub product: Option<&'a Product>,
    content: &'a Content,
    pub facts: SampledFacts,
    pub mood: f32,
    pub patience_left: f32,
    turn: &'a Turn,
    rng: StdRng,
    pub ending: Option<Ending>,
}

fn sample(
    rng: &mut StdRng,
    value: Option<&toml::Spanned<crate::content::scenario::FactValue>>,
) -> Option<f32> {
    let (lo, hi) = value?.get_ref().bounds();
    if hi - lo < 1.0 {
        Some(lo)
    } else {
        Some(rng.random_range(lo.round() as i32..=hi.round() as i32) as f32)
    }
}

impl<'a> Customer<'a> {
    /// `None` when the scenario's persona has no persona file (validation rules that out).
    pub fn new(content: &'a Content, scenario: &'a Scenario, seed: u64) -> Option<Customer<'a>> {
        let persona = content.persona(scenario.persona())?;
        let turn = scenario.first_turn()?;
        let mut rng = StdRng::seed_from_u64(seed);
        let f = &scenario.facts;
        let child = f.child_height.is_some();
        let facts = SampledFacts {
            height_cm: sample(&mut rng, f.child_height.as_ref().or(f.height.as_ref())),
            weight_kg: sample(&mut rng, f.weight.as_ref()),
            child,
            budget: f.budget,
            fit: f.fit,
        };
        Some(Customer {
            scenario,
            persona,
            product: content.catalog.product(scenario.product_id()),
            content,
            facts,
            mood: persona.mood,
            patience_left: f.patience * persona.patience_factor,
            turn,
            rng,
            ending: None,
        })
    }

    /// The opening message.
    pub fn opening(&mut self) -> String {
        self.say(self.turn)
    }

    pub fn turn_id(&self) -> &str {
        self.turn.id()
    }

    /// The reference answer to the customer's current turn, placeholders filled in.
    pub fn reference(&self) -> Option<String> {
        self.turn.reference.as_deref().map(|r| self.render(r))
    }

    /// The weak reply the scenario gives for the current turn, if any.
    pub fn poor_reply(&self) -> Option<String> {
        self.turn.poor.as_deref().map(|r| self.render(r))
    }

    /// The right size for the sampled facts, by the chart and the fit preference.
    pub fn right_size(&self) -> Option<&'a str> {
        let product = self.product?;
        let weight = if self.facts.child {
            None
        } else {
            self.facts.weight_kg
        };
        let sizes = product.sizes_for(self.facts.height_cm, weight);
        match self.facts.fit {
            Fit::Loose => sizes.last().copied(),
            _ => sizes.first().copied(),
        }
    }

    /// Fills in `{placeholders}`.
    pub fn render(&self, line: &str) -> String {
        let mut out = String::with_capacity(line.len() + 16);
        let mut rest = line;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            match after.find('}') {
                Some(end) => {
                    let name = &after[..end];
                    match self.placeholder(name) {
                        Some(v) => out.push_str(&v),
                        None => {
                            out.push('{');
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                    rest = &after[end + 1..];
                }
                None => {
                    out.push_str(&rest[start..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn placeholder(&self, name: &str) -> Option<String> {
        let f = &self.facts;
        let shop = &self.content.catalog.shop;
        let num = |v: f32| {
            if (v - v.round()).abs() < 0.01 {
                format!("{}", v.round() as i64)
            } else {
                format!("{v:.1}")
            }
        };
        Some(match name {
            "height" | "child_height" => num(f.height_cm?),
            "height_m" => {
                let h = f.height_cm?.round() as i64;
                format!("{}米{}", h / 100, h % 100)
            }
            "weight_kg" => num(f.weight_kg?),
            "weight_jin" => num(f.weight_kg? * 2.0),
            "budget" => num(f.budget?),
            "product" => self.product?.name.clone(),
            "price" => num(self.product?.price as f32),
            "size" => self.right_size()?.to_string(),
            "shop" => shop.name.clone(),
            "free_shipping" => shop.free_shipping_threshold.to_string(),
            "max_discount" => shop.max_discount.to_string(),
            _ => return None,
        })
    }

    fn say(&mut self, turn: &Turn) -> String {
        let line = turn.say.choose(&mut self.rng).cloned().unwrap_or_default();
        self.render(&line)
    }

    fn pick(&mut self, lines: &[String]) -> Option<String> {
        lines.choose(&mut self.rng).map(|l| self.render(l))
    }

    /// When a waiting customer sends a nudge ("在吗？"): after the grace period and half the
    /// patience left, in seconds, with the line. The line is chosen without the random source,
    /// so a nudge shown on a terminal does not change the rest of the session.
    pub fn nudge_plan(&self, nudges_so_far: usize) -> Option<(f64, String)> {
        if self.ending.is_some() || self.persona.lines.nudge.is_empty() {
            return None;
        }
        let lines = &self.persona.lines.nudge;
        let line = self.render(&lines[nudges_so_far % lines.len()]);
        let after = f64::from(self.persona.grace + self.patience_left.max(0.0) / 2.0);
        Some((after, line))
    }

    fn leave(&mut self) -> Reaction {
        let lines = self.persona.lines.leave.clone();
        let line = self.pick(&lines).unwrap_or_default();
        let outcome = if self.scenario.order.is_some() {
            Outcome::Unresolved
        } else {
            Outcome::Left
        };
        let ending = Ending {
            outcome,
            order_value: None,
        };
        self.ending = Some(ending);
        Reaction {
            lines: vec![line],
            ending: Some(ending),
        }
    }

    /// The customer's answer to a scored reply that took `latency_s` seconds.
    pub fn react(&mut self, score: &ReplyScore, latency_s: f64) -> Reaction {
        if self.ending.is_some() {
            return Reaction {
                lines: Vec::new(),
                ending: self.ending,
            };
        }
        let cost = (latency_s as f32 - self.persona.grace).max(0.0);
        self.patience_left -= cost;
        if self.patience_left <= 0.0 {
            return self.leave();
        }
        let overall = score.overall.unwrap_or(70.0) as f32;
        if overall >= 80.0 {
            self.mood += self.persona.good_reply;
        } else if overall < 50.0 {
            self.mood += self.persona.bad_reply;
        }
        let signals = score.signals;
        let rule = self
            .turn
            .next
            .iter()
            .find(|r| r.when.iter().all(|w| holds(signals, w.get_ref())));
        let next_id = match rule {
            Some(r) => {
                self.mood += r.mood;
                Some(r.goto.get_ref().as_str())
            }
            None => self.turn.fallback.as_ref().map(|f| f.get_ref().as_str()),
        };
        self.mood = self.mood.clamp(0.0, 100.0);
        let next = next_id.and_then(|id| self.scenario.turn(id));
        let Some(next) = next else {
            return self.leave();
        };
        // A customer pushed below their limit gives up, unless the script already ends here.
        if self.mood < self.persona.leave_below && !next.is_final() {
            return self.leave();
        }
        self.turn = next;
        let mut line = self.say(next);
        let prefix = if self.mood >= 75.0 {
            self.persona.lines.pleased.clone()
        } else if self.mood < 40.0 {
            self.persona.lines.annoyed.clone()
        } else {
            Vec::new()
        };
        if !prefix.is_empty() && self.rng.random_bool(0.35) {
            if let Some(p) = self.pick(&prefix) {
                line = format!("{p}{line}");
            }
        }
        let ending = next.outcome.map(|outcome| Ending {
            outcome,
            order_value: next.order_value,
        });
        self.ending = ending;
        Reaction {
            lines: vec![line],
            ending,
        }
    }
}

/// Whether a rule condition (`signal` or `!signal`) holds.
fn holds(signals: Signals, condition: &str) -> bool {
    match condition.strip_prefix('!') {
        Some(name) => Signal::parse(name).is_some_and(|s| !signals.contains(s)),
        None => Signal::parse(condition).is_some_and(|s| signals.contains(s)),
    }
}
