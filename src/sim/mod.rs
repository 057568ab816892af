//! The simulated customer: a scenario's script driven by the engine's reading of each reply,
//! with mood and patience from the persona. Deterministic for a given seed, the same replies
//! and the same clock.
//!
//! The customer owns what it needs (the content behind an [`Arc`], indices into it), so a
//! session can move between threads. It plays behind [`crate::session::CustomerSide`], the same
//! interface a person playing the customer uses.

use std::sync::Arc;

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};

use crate::content::persona::Then;
use crate::content::{Content, Fit, Outcome, Persona, Product, PromotionKind, Scenario, Turn};
use crate::engine::{Heard, KnownFacts, ReplyScore};
use crate::session::{CustomerSide, Said, Waiting};
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

/// Why a conversation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum EndReason {
    /// The script reached one of its endings.
    Script,
    /// The customer waited this many seconds for a reply and gave up.
    Waited(u32),
    /// Too many poor replies: the mood fell below the persona's limit.
    Mood,
    /// The customer's question went unanswered, asked again and still unanswered.
    Unanswered,
    /// A reply failed this check (an insult, a WeChat request…) and the customer left.
    Offended(String),
    /// Someone playing the customer ended it (a team lead's `/outcome`).
    Decided,
}

/// How a conversation ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Ending {
    pub outcome: Outcome,
    /// What the order came to, worked out from what was agreed in the chat.
    pub order_value: Option<f64>,
    pub reason: EndReason,
}

/// What the customer does after a reply.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Reaction {
    /// Lines the customer sends, in order.
    pub lines: Vec<String>,
    pub ending: Option<Ending>,
}

/// How hard the customer is to serve (`kefu train --level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Level {
    /// Patient, forgiving, says their measurements up front.
    Easy,
    #[default]
    Normal,
    /// Impatient and touchy; keeps measurements back until asked and sends messages in bursts.
    Hard,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "easy" | "简单" => Some(Level::Easy),
            "normal" | "普通" => Some(Level::Normal),
            "hard" | "困难" => Some(Level::Hard),
            _ => None,
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            Level::Easy => "easy",
            Level::Normal => "normal",
            Level::Hard => "hard",
        }
    }

    /// Multiplies the patience and the time between nudges.
    fn patience(self) -> f32 {
        match self {
            Level::Easy => 1.5,
            Level::Normal => 1.0,
            Level::Hard => 0.6,
        }
    }

    /// Multiplies the mood lost to a poor reply.
    fn touchiness(self) -> f32 {
        match self {
            Level::Easy => 0.5,
            Level::Normal => 1.0,
            Level::Hard => 1.5,
        }
    }
}

/// Whether a scripted line gives the customer's measurements.
fn gives_measurements(line: &str) -> bool {
    ["{height", "{weight", "{child_height"]
        .iter()
        .any(|p| line.contains(p))
}

/// A customer line cut into the bubbles a hurried customer sends: at each sentence end, as long
/// as every piece says something.
fn burst(line: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut start = 0;
    for (i, c) in line.char_indices() {
        if matches!(c, '。' | '！' | '？' | '!' | '?') {
            let end = i + c.len_utf8();
            parts.push(line[start..end].trim().to_string());
            start = end;
        }
    }
    if start < line.len() {
        parts.push(line[start..].trim().to_string());
    }
    parts.retain(|p| p.chars().count() >= 2);
    if parts.len() < 2 {
        return vec![line.to_string()];
    }
    parts
}

/// What the chat agreed on, for the order the customer places.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deal {
    /// The most money knocked off that the agent offered (the customer remembers the best).
    pub off_yuan: f64,
    /// The add-on the customer took: its name and price.
    pub add_on: Option<(String, f64)>,
    /// The last time the agent promised ("今天17点前"): the customer holds them to it.
    pub time: Option<String>,
}

/// A customer playing one scenario.
#[derive(Debug)]
pub struct Customer {
    content: Arc<Content>,
    scenario: usize,
    turn: usize,
    pub facts: SampledFacts,
    pub mood: f32,
    pub patience_left: f32,
    rng: StdRng,
    pub ending: Option<Ending>,
    /// Times the current turn has been asked again.
    asked_again: u32,
    /// The line the customer said last that asked something (for "我问的是…").
    asked: String,
    pub deal: Deal,
    pub level: Level,
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

impl Customer {
    /// `None` when there is no such scenario, or its persona has no persona file or it has no
    /// turns (validation rules those out).
    pub fn new(content: Arc<Content>, scenario_id: &str, seed: u64) -> Option<Customer> {
        let index = content
            .scenarios
            .iter()
            .position(|s| s.id() == scenario_id)?;
        let scenario = &content.scenarios[index];
        let persona = content.persona(scenario.persona())?;
        scenario.first_turn()?;
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
        let mood = persona.mood;
        let patience_left = f.patience * persona.patience_factor;
        Some(Customer {
            content,
            scenario: index,
            turn: 0,
            facts,
            mood,
            patience_left,
            rng,
            ending: None,
            asked_again: 0,
            asked: String::new(),
            deal: Deal::default(),
            level: Level::Normal,
        })
    }

    /// The same customer at another level of difficulty.
    pub fn with_level(mut self, level: Level) -> Customer {
        self.patience_left *= level.patience() / self.level.patience();
        self.level = level;
        self
    }

    pub fn scenario(&self) -> &Scenario {
        &self.content.scenarios[self.scenario]
    }

    pub fn persona(&self) -> &Persona {
        self.content
            .persona(self.scenario().persona())
            .expect("checked in Customer::new")
    }

    pub fn product(&self) -> Option<&Product> {
        self.content.catalog.product(self.scenario().product_id())
    }

    fn current(&self) -> &Turn {
        &self.scenario().turns[self.turn]
    }

    pub fn turn_id(&self) -> &str {
        self.current().id()
    }

    /// The opening message.
    pub fn opening(&mut self) -> String {
        let line = self.say(self.turn, &Heard::default());
        self.asked = line.clone();
        line
    }

    /// The reference answer to the customer's current turn, placeholders filled in.
    pub fn reference(&self) -> Option<String> {
        self.current()
            .reference
            .as_deref()
            .map(|r| self.render(r, &Heard::default()))
    }

    /// The weak reply the scenario gives for the current turn, if any.
    pub fn poor_reply(&self) -> Option<String> {
        self.current()
            .poor
            .as_deref()
            .map(|r| self.render(r, &Heard::default()))
    }

    /// The right size for the sampled facts, by the chart and the fit preference.
    pub fn right_size(&self) -> Option<&str> {
        let product = self.product()?;
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

    /// Fills in `{placeholders}`: the hidden facts, the shop's terms, and what the last reply
    /// said (`{offered}`, `{size_said}`, `{time_said}`, `{add_on_said}`). `None` when a
    /// placeholder has no value, so that the caller can pick a line without it.
    pub fn try_render(&self, line: &str, heard: &Heard) -> Option<String> {
        self.fill(line, heard, true)
    }

    /// [`Customer::try_render`], leaving a placeholder with no value as written.
    pub fn render(&self, line: &str, heard: &Heard) -> String {
        self.fill(line, heard, false).unwrap_or_default()
    }

    /// Fills in the placeholders of `line`; a known one without a value gives `None` when
    /// `strict`, else stays as written (as an unknown one always does).
    fn fill(&self, line: &str, heard: &Heard, strict: bool) -> Option<String> {
        let mut out = String::with_capacity(line.len() + 16);
        let mut rest = line;
        while let Some(start) = rest.find('{') {
            out.push_str(&rest[..start]);
            let after = &rest[start + 1..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                return Some(out);
            };
            let name = &after[..end];
            match self.placeholder(name, heard) {
                Some(v) => out.push_str(&v),
                None if strict && is_placeholder(name) => return None,
                None => {
                    out.push('{');
                    out.push_str(name);
                    out.push('}');
                }
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Some(out)
    }

    fn placeholder(&self, name: &str, heard: &Heard) -> Option<String> {
        let f = &self.facts;
        let shop = &self.content.catalog.shop;
        Some(match name {
            "height" | "child_height" => num(f.height_cm?),
            "height_m" => {
                let h = f.height_cm?.round() as i64;
                format!("{}米{}", h / 100, h % 100)
            }
            "weight_kg" => num(f.weight_kg?),
            "weight_jin" => num(f.weight_kg? * 2.0),
            "budget" => num(f.budget?),
            "product" => self.product()?.name.clone(),
            "price" => num(self.product()?.price as f32),
            "size" => self.right_size()?.to_string(),
            "shop" => shop.name.clone(),
            "free_shipping" => shop.free_shipping_threshold.to_string(),
            "max_discount" => shop.max_discount.to_string(),
            "offered" => num(heard.off_yuan? as f32),
            "size_said" => heard.size.as_ref()?.0.clone(),
            "time_said" => heard.time.clone().or_else(|| self.deal.time.clone())?,
            "add_on_said" => heard.add_on.clone()?,
            "asked" => {
                if self.asked.is_empty() {
                    return None;
                }
                self.asked.clone()
            }
            _ => return None,
        })
    }

    /// One of the turn's lines: one whose placeholders all have values, at random. A hard
    /// customer keeps their measurements back where the script has a line without them; an easy
    /// one gives them where it has a line with them.
    fn say(&mut self, turn: usize, heard: &Heard) -> String {
        let mut lines = self.scenario().turns[turn].say.clone();
        let prefer_measured = match self.level {
            Level::Easy => Some(true),
            Level::Normal => None,
            Level::Hard => Some(false),
        };
        if let Some(want) = prefer_measured {
            if lines.iter().any(|l| gives_measurements(l) == want) {
                lines.retain(|l| gives_measurements(l) == want);
            }
        }
        self.pick_from(lines, heard)
    }

    /// A line at random among those whose placeholders all have values, those that take up
    /// what the reply said first (any line, placeholders left as written, when none has).
    fn pick_from(&mut self, lines: Vec<String>, heard: &Heard) -> String {
        use crate::content::validate::REPLY_PLACEHOLDERS;
        let takes_up = |l: &String| {
            REPLY_PLACEHOLDERS
                .iter()
                .any(|p| *p != "asked" && l.contains(&format!("{{{p}}}")))
        };
        let mut filled: Vec<(bool, String)> = lines
            .iter()
            .filter_map(|l| self.try_render(l, heard).map(|r| (takes_up(l), r)))
            .collect();
        if filled.iter().any(|(t, _)| *t) {
            filled.retain(|(t, _)| *t);
        }
        let filled: Vec<String> = filled.into_iter().map(|(_, r)| r).collect();
        if let Some(line) = filled.choose(&mut self.rng) {
            return line.clone();
        }
        let line = lines.choose(&mut self.rng).cloned().unwrap_or_default();
        self.render(&line, heard)
    }

    /// When a waiting customer nudges and when they leave, in seconds from when the wait began:
    /// a nudge every `nudge_every` seconds after the grace, while patience lasts, then leaving.
    /// The lines are chosen without the random source, so that a nudge shown on a terminal does
    /// not change the rest of the session.
    pub fn plan(&self) -> Vec<(f64, Waiting)> {
        if self.ending.is_some() {
            return Vec::new();
        }
        let persona = self.persona();
        let grace = f64::from(persona.grace);
        let leave_at = grace + f64::from(self.patience_left.max(0.0));
        let every = f64::from((persona.nudge_every * self.level.patience()).max(1.0));
        let mut plan = Vec::new();
        let nudges = &persona.lines.nudge;
        let mut at = grace + every;
        let mut n = 0;
        while at < leave_at && !nudges.is_empty() && n < 20 {
            let line = self.render(&nudges[n % nudges.len()], &Heard::default());
            plan.push((at, Waiting::Nudge(line)));
            at += every;
            n += 1;
        }
        let leave = &persona.lines.leave;
        let line = leave
            .get(self.turn % leave.len().max(1))
            .map(|l| self.render(l, &Heard::default()))
            .unwrap_or_default();
        plan.push((leave_at, Waiting::Leave(line)));
        plan
    }

    fn end(&mut self, outcome: Outcome, reason: EndReason) -> Ending {
        let order_value = (outcome == Outcome::Bought).then(|| self.order_value());
        let ending = Ending {
            outcome,
            order_value,
            reason,
        };
        self.ending = Some(ending.clone());
        ending
    }

    fn gives_up(&self) -> Outcome {
        if self.scenario().order.is_some() {
            Outcome::Unresolved
        } else {
            Outcome::Left
        }
    }

    fn leave(&mut self, line: Option<String>, reason: EndReason) -> Reaction {
        let line = match line {
            Some(l) => l,
            None => {
                let lines = self.persona().lines.leave.clone();
                self.pick_from(lines, &Heard::default())
            }
        };
        let outcome = self.gives_up();
        let ending = self.end(outcome, reason);
        Reaction {
            lines: vec![line],
            ending: Some(ending),
        }
    }

    /// What the order comes to: the item and any add-on taken, less the shop's best
    /// 满减 promotion it reaches, less the money the agent knocked off.
    pub fn order_value(&self) -> f64 {
        let Some(product) = self.product() else {
            return 0.0;
        };
        let items = product.price + self.deal.add_on.as_ref().map_or(0.0, |(_, p)| *p);
        let promotion = self
            .content
            .catalog
            .promotions
            .iter()
            .filter(|p| p.kind == PromotionKind::Discount && items >= f64::from(p.threshold))
            .map(|p| f64::from(p.value))
            .fold(0.0, f64::max);
        (items - promotion - self.deal.off_yuan).max(0.0)
    }

    /// Takes up what a reply offered: money off (the best offer stands) and a deadline.
    fn remember(&mut self, heard: &Heard) {
        if let Some(off) = heard.off_yuan.filter(|y| y.is_finite() && *y > 0.0) {
            self.deal.off_yuan = self.deal.off_yuan.max(off);
        }
        if heard.time.is_some() {
            self.deal.time.clone_from(&heard.time);
        }
    }

    /// The customer's answer to a scored reply.
    pub fn react(&mut self, said: &Said<'_>) -> Reaction {
        let score = said.score;
        if self.ending.is_some() {
            return Reaction {
                lines: Vec::new(),
                ending: self.ending.clone(),
            };
        }
        let persona_grace = self.persona().grace;
        let cost = (said.latency_s as f32 - persona_grace).max(0.0);
        self.patience_left -= cost;
        if self.patience_left <= 0.0 {
            return self.leave(None, EndReason::Waited(said.latency_s.round() as u32));
        }
        let heard = &score.heard;
        let overall = score.overall.unwrap_or(70.0) as f32;
        if overall >= 80.0 {
            self.mood += self.persona().good_reply;
        } else if overall < 50.0 {
            self.mood += self.persona().bad_reply * self.level.touchiness();
        }
        // A reaction of the persona to a failed check comes before the script.
        let mut prefix = None;
        if let Some((react, check)) = self.persona_reaction(score) {
            self.mood = (self.mood + react.mood).clamp(0.0, 100.0);
            self.patience_left -= react.patience;
            let line = self.pick_from(react.say.clone(), heard);
            match react.then {
                Then::Leave => return self.leave(Some(line), EndReason::Offended(check)),
                Then::Stay => {
                    let limit = self.persona().asks_again + u32::from(self.level == Level::Easy);
                    if self.asked_again >= limit
                        || self.patience_left <= 0.0
                        || self.mood < self.persona().leave_below
                    {
                        let reason = if check == "answered" {
                            EndReason::Unanswered
                        } else {
                            EndReason::Offended(check)
                        };
                        let mut reaction = self.leave(None, reason);
                        reaction.lines.insert(0, line);
                        return reaction;
                    }
                    self.asked_again += 1;
                    return Reaction {
                        lines: vec![line],
                        ending: None,
                    };
                }
                Then::GoOn => prefix = Some(line),
            }
        }
        self.remember(heard);
        let signals = score.signals;
        let rule = self
            .current()
            .next
            .iter()
            .find(|r| r.when.iter().all(|w| holds(signals, w.get_ref())))
            .map(|r| {
                let add_on = r
                    .when
                    .iter()
                    .any(|w| w.get_ref() == Signal::RecommendedAddOn.name());
                (r.mood, r.goto.get_ref().clone(), add_on)
            });
        let (next_id, takes_add_on) = match rule {
            Some((mood, goto, add_on)) => {
                self.mood += mood;
                (Some(goto), add_on)
            }
            // A free-answer turn moves on for any reply that answers the question.
            None if self.current().answered.is_some() && answered(score) => (
                self.current()
                    .answered
                    .as_ref()
                    .map(|a| a.get_ref().clone()),
                false,
            ),
            None => (
                self.current()
                    .fallback
                    .as_ref()
                    .map(|f| f.get_ref().clone()),
                false,
            ),
        };
        if takes_add_on {
            if let Some(name) = &heard.add_on {
                let price = self
                    .content
                    .catalog
                    .products
                    .iter()
                    .find(|p| &p.name == name)
                    .map_or(0.0, |p| p.price);
                self.deal.add_on = Some((name.clone(), price));
            }
        }
        self.mood = self.mood.clamp(0.0, 100.0);
        let next = next_id.and_then(|id| self.scenario().turns.iter().position(|t| t.id() == id));
        let Some(next) = next else {
            return self.leave(None, EndReason::Mood);
        };
        // A customer pushed below their limit gives up, unless the script already ends here.
        let next_is_final = self.scenario().turns[next].is_final();
        if self.mood < self.persona().leave_below && !next_is_final {
            let mut reaction = self.leave(None, EndReason::Mood);
            if let Some(p) = prefix {
                reaction.lines.insert(0, p);
            }
            return reaction;
        }
        if next != self.turn {
            self.asked_again = 0;
        }
        self.turn = next;
        let mut line = self.say(next, heard);
        // What is asked again, if it must be, is the question, not the mood words before it.
        self.asked = line.clone();
        let mood_words = if self.mood >= 75.0 {
            self.persona().lines.pleased.clone()
        } else if self.mood < 40.0 {
            self.persona().lines.annoyed.clone()
        } else {
            Vec::new()
        };
        if prefix.is_none() && !mood_words.is_empty() && self.rng.random_bool(0.35) {
            let p = self.pick_from(mood_words, heard);
            line = format!("{p}{line}");
        }
        let mut lines = Vec::new();
        lines.extend(prefix);
        if self.level == Level::Hard {
            lines.extend(burst(&line));
        } else {
            lines.push(line);
        }
        let ending = self.scenario().turns[next]
            .outcome
            .map(|outcome| self.end(outcome, EndReason::Script));
        Reaction { lines, ending }
    }

    /// The first of the persona's reactions whose check the reply failed, with the check id.
    fn persona_reaction(
        &self,
        score: &ReplyScore,
    ) -> Option<(crate::content::persona::React, String)> {
        self.persona().reacts.iter().find_map(|react| {
            score
                .checks
                .iter()
                .filter(|c| !c.passed && !c.review)
                .find(|c| react.to.iter().any(|t| t.get_ref().as_str() == &*c.check))
                .map(|c| (react.clone(), c.check.to_string()))
        })
    }
}

impl CustomerSide for Customer {
    fn opening(&mut self) -> Vec<String> {
        let line = Customer::opening(self);
        if self.level != Level::Hard {
            return vec![line];
        }
        // A hard customer asks two things in one message, and sends the rest in a burst.
        let mut lines = burst(&line);
        let side = self.persona().side_questions.clone();
        if let Some(question) = side.choose(&mut self.rng) {
            let question = self.render(question, &Heard::default());
            if let Some(last) = lines.last_mut() {
                last.push_str(&question);
                self.asked.clone_from(last);
            }
        }
        lines
    }

    fn react(&mut self, said: &Said<'_>) -> Reaction {
        Customer::react(self, said)
    }

    fn waiting_plan(&self) -> Vec<(f64, Waiting)> {
        self.plan()
    }

    fn left_waiting(&mut self, waited_s: f64) -> Ending {
        let outcome = self.gives_up();
        self.end(outcome, EndReason::Waited(waited_s.round() as u32))
    }

    fn ending(&self) -> Option<&Ending> {
        self.ending.as_ref()
    }

    fn mood(&self) -> f64 {
        f64::from(self.mood)
    }

    fn facts(&self) -> Option<KnownFacts> {
        Some(self.facts.known())
    }

    fn reference(&self) -> Option<String> {
        Customer::reference(self)
    }

    fn poor_reply(&self) -> Option<String> {
        Customer::poor_reply(self)
    }

    fn turn_id(&self) -> Option<&str> {
        Some(Customer::turn_id(self))
    }

    fn scripted(&self) -> Option<&Customer> {
        Some(self)
    }
}

/// Whether the engine judged that the reply answered what the customer asked.
fn answered(score: &ReplyScore) -> bool {
    score
        .checks
        .iter()
        .any(|c| c.kind == "answered" && c.passed && !c.review)
}

/// The placeholders a customer line may hold.
fn is_placeholder(name: &str) -> bool {
    use crate::content::validate::{PLACEHOLDERS, REPLY_PLACEHOLDERS};
    PLACEHOLDERS.contains(&name) || REPLY_PLACEHOLDERS.contains(&name)
}

fn num(v: f32) -> String {
    if (v - v.round()).abs() < 0.01 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// Whether a rule condition (`signal` or `!signal`) holds.
fn holds(signals: Signals, condition: &str) -> bool {
    match condition.strip_prefix('!') {
        Some(name) => Signal::parse(name).is_some_and(|s| !signals.contains(s)),
        None => Signal::parse(condition).is_some_and(|s| signals.contains(s)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{SourceFile, bundled_files};
    use crate::engine::Scorer;
    use crate::lang::Lang;

    /// A scenario written for these tests, beside the bundled content.
    const SCENARIO: &str = r#"
id = "test-jeans"
title = "测试：牛仔裤"
persona = "friendly"
product = "jeans-women"

[facts]
height = 163
weight = 52
patience = 300

[[turns]]
id = "haggle"
say = ["159能少点吗？"]
asks = ["discount"]
reference = "亲，159是活动价～看您爽快，给您减5元，拍下我来改价😊"
next = [{ when = ["conceded-discount"], goto = "deal" }]
fallback = "wash"

[[turns]]
id = "deal"
say = ["{offered}元也行，那就拍了。", "行吧，那就拍了。"]
outcome = "bought"

[[turns]]
id = "wash"
say = ["那这条能机洗吗？"]
reference = "亲，可以机洗的，建议反面冷水洗，不容易褪色～"
answered = "deal"
fallback = "gone"

[[turns]]
id = "gone"
say = ["算了。"]
outcome = "left"
"#;

    fn content() -> Arc<Content> {
        let mut files = bundled_files();
        files.push(SourceFile::new("scenarios/test-jeans.toml", SCENARIO));
        Arc::new(Content::from_files(files).expect("the test scenario is valid"))
    }

    /// Plays `replies` (8 s each) to the test scenario and returns what the customer said
    /// after each, and the customer.
    fn play(
        content: &Arc<Content>,
        level: Level,
        replies: &[&str],
    ) -> (Vec<Vec<String>>, Customer) {
        play_in(content, "test-jeans", 1, level, replies)
    }

    /// [`play`] on any scenario and seed.
    fn play_in(
        content: &Arc<Content>,
        id: &str,
        seed: u64,
        level: Level,
        replies: &[&str],
    ) -> (Vec<Vec<String>>, Customer) {
        let scorer = Scorer::new(content, Lang::Zh).expect("compiles");
        let mut customer = Customer::new(Arc::clone(content), id, seed)
            .expect("starts")
            .with_level(level);
        let mut state = scorer.new_conversation();
        scorer.customer_message(&mut state, &customer.opening());
        let scenario = content.scenario(id).unwrap();
        let mut said = Vec::new();
        for reply in replies {
            let situation = crate::engine::Situation {
                product: Some(scenario.product_id()),
                persona: Some(scenario.persona()),
                tags: &scenario.tags,
                facts: Some(customer.facts.known()),
                order: scenario.order.as_ref(),
            };
            let score = scorer.score_reply(&mut state, &situation, reply, 8_000, None);
            let reaction = customer.react(&Said {
                text: reply,
                score: &score,
                latency_s: 8.0,
            });
            for line in &reaction.lines {
                scorer.customer_message(&mut state, line);
            }
            said.push(reaction.lines);
            if customer.ending.is_some() {
                break;
            }
        }
        (said, customer)
    }

    #[test]
    fn the_customer_takes_up_the_amount_offered_and_the_order_follows_it() {
        let content = content();
        let (said, customer) = play(
            &content,
            Level::Normal,
            &["亲，这已经是活动价了，给您减5元，拍下改价～"],
        );
        assert_eq!(
            said[0].last().map(String::as_str),
            Some("5元也行，那就拍了。"),
            "{said:?}"
        );
        let ending = customer.ending.clone().expect("ended");
        assert_eq!(ending.outcome, Outcome::Bought);
        assert_eq!(ending.order_value, Some(159.0 - 5.0));

        let (said, customer) = play(&content, Level::Normal, &["亲，给您减8元，拍下改价～"]);
        assert_eq!(
            said[0].last().map(String::as_str),
            Some("8元也行，那就拍了。")
        );
        assert_eq!(customer.ending.and_then(|e| e.order_value), Some(151.0));
    }

    #[test]
    fn a_refusal_is_not_heard_as_an_offer() {
        let content = content();
        let (said, _) = play(
            &content,
            Level::Normal,
            &[
                "亲，不好意思不能给您减5元哦，159已经是活动价，厚实牛仔品质很好～",
                "亲，可以机洗的，建议反面冷水洗，不容易褪色～",
            ],
        );
        let all: Vec<&String> = said.iter().flatten().collect();
        assert!(all.iter().all(|l| !l.contains("5元也行")), "{said:?}");
    }

    #[test]
    fn a_free_answer_turn_moves_on_for_any_answer_and_asks_again_without_one() {
        let content = content();
        // No concession: on to the washing question. A non-answer gets it asked again; an
        // answer in words the script never listed moves on.
        let (said, customer) = play(
            &content,
            Level::Normal,
            &[
                "亲，159是活动价，厚实牛仔品质很好～",
                "亲，在的呢～",
                "可以的亲，放洗衣机就行，冷水反面洗不掉色",
            ],
        );
        assert_eq!(said[0], ["那这条能机洗吗？"], "{said:?}");
        assert!(said[1][0].contains("能机洗吗"), "asked again: {said:?}");
        let ending = customer.ending.expect("ended");
        assert_eq!(ending.outcome, Outcome::Bought, "{said:?}");
    }

    #[test]
    fn an_insult_drives_the_customer_away_with_the_reason() {
        let content = content();
        let (said, customer) = play(&content, Level::Normal, &["爱买不买，滚"]);
        let ending = customer.ending.expect("left");
        assert_eq!(ending.outcome, Outcome::Left, "{said:?}");
        assert!(
            matches!(ending.reason, EndReason::Offended(_)),
            "{:?}",
            ending.reason
        );
    }

    #[test]
    fn the_customer_holds_the_agent_to_the_time_promised() {
        let content = content();
        let (said, _) = play_in(
            &content,
            "late-parcel",
            5,
            Level::Normal,
            &[
                "亲，非常抱歉，我马上帮您联系快递核实，今天17点前给您答复",
                "亲，实在抱歉耽误您了，给您补偿5元红包，物流有进展第一时间告诉您",
            ],
        );
        // "马上" is haste, not a time; the customer remembers 今天17点前 from the reply before.
        assert!(
            said.iter()
                .flatten()
                .any(|l| l.contains("今天17点前没消息")),
            "{said:?}"
        );
    }

    #[test]
    fn a_hard_customer_sends_bursts_and_has_less_patience() {
        assert_eq!(burst("好的。那能机洗吗？"), ["好的。", "那能机洗吗？"]);
        assert_eq!(burst("能机洗吗？"), ["能机洗吗？"]);
        let content = content();
        let normal = Customer::new(Arc::clone(&content), "test-jeans", 1).unwrap();
        let hard = Customer::new(Arc::clone(&content), "test-jeans", 1)
            .unwrap()
            .with_level(Level::Hard);
        assert!(hard.patience_left < normal.patience_left);
        let leave = |c: &Customer| c.plan().last().map(|(at, _)| *at).unwrap();
        assert!(leave(&hard) < leave(&normal));
    }
}
