//! A training session: the conversation (messages, timing, scoring, the transcript and the final
//! scorecard), apart from whoever plays the customer.
//!
//! The customer is anything that implements [`CustomerSide`]: the scripted customer of
//! [`crate::sim`] today, a person playing the customer in a role-play room, possibly a language
//! model later. A [`Session`] owns its data (the content and scorer behind [`Arc`]s, the clock
//! injected as an `Arc<dyn Clock>`), so it can move between threads. The REPL, `kefu check`'s
//! auto-play and the tests all drive it the same way: [`Session::start`], then
//! [`Session::reply`] for every reply, [`Session::tick`] when time passes with no reply, and
//! [`Session::finish`].

pub mod clock;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use crate::content::phrases::{self, Phrase};
use crate::content::{Content, Outcome, Scenario};
use crate::engine::{
    CheckResult, ConversationState, KnownFacts, ReplyScore, Scorer, SessionScore, SessionTotals,
    Situation,
};
use crate::sim::{Customer, EndReason, Ending, Reaction};
use crate::transcript::{Message, OutcomeRecord, Role, TranscriptWriter};
pub use clock::{Clock, FixedClock, SystemClock};

/// Points taken off the overall score for each `/hint`.
pub const HINT_COST: f64 = 5.0;

/// The highest overall a session can have when the sale was lost or the complaint left
/// unresolved: a chat that drove the customer away is not a good chat, whatever each reply
/// scored.
pub const OUTCOME_CAP: f64 = 60.0;

/// Longest reply kept whole; longer pastes are cut (and scored as cut) with a notice.
pub const MAX_REPLY_CHARS: usize = 2000;

/// Most bubbles one reply may be sent in; more are left out with the same notice.
pub const MAX_BUBBLES: usize = 10;

/// The transcript event of a `/hint`; its text is the reference answer shown.
pub const HINT_EVENT: &str = "hint";
/// The transcript event of a customer who gave up waiting or left in anger.
pub const LEFT_EVENT: &str = "customer_left";
/// The transcript event of an after-sales customer who left with the problem unsolved.
pub const UNRESOLVED_EVENT: &str = "complaint_unresolved";

/// A reply as the customer receives it.
pub struct Said<'r> {
    pub text: &'r str,
    pub score: &'r ReplyScore,
    /// Seconds the customer waited for it.
    pub latency_s: f64,
}

/// What a customer does while waiting for a reply.
#[derive(Debug, Clone, PartialEq)]
pub enum Waiting {
    /// Sends a nudge ("在吗？").
    Nudge(String),
    /// Says this and leaves.
    Leave(String),
}

impl Waiting {
    pub fn line(&self) -> &str {
        match self {
            Waiting::Nudge(l) | Waiting::Leave(l) => l,
        }
    }
}

/// Who plays the customer. The session asks it for the opening, hands it every scored reply,
/// and asks what it does while a reply is late.
pub trait CustomerSide: Send {
    /// The customer's first message or messages.
    fn opening(&mut self) -> Vec<String>;
    /// The customer's answer to a scored reply.
    fn react(&mut self, said: &Said<'_>) -> Reaction;
    /// While no reply comes: what the customer does, at seconds from when the wait began, in
    /// order. A customer played by a person plans nothing.
    fn waiting_plan(&self) -> Vec<(f64, Waiting)> {
        Vec::new()
    }
    /// The customer left after waiting `waited_s` seconds (the plan's [`Waiting::Leave`]).
    fn left_waiting(&mut self, waited_s: f64) -> Ending;
    fn ending(&self) -> Option<&Ending>;
    /// 0–100.
    fn mood(&self) -> f64;
    /// The customer's measurements, where the engine may check a size against them.
    fn facts(&self) -> Option<KnownFacts> {
        None
    }
    /// The reference answer to the customer's current line, if the script has one.
    fn reference(&self) -> Option<String> {
        None
    }
    /// The script's weak reply to the current line (coaching, tests).
    fn poor_reply(&self) -> Option<String> {
        None
    }
    /// The script's current turn.
    fn turn_id(&self) -> Option<&str> {
        None
    }
    /// The scripted customer, where it is one.
    fn scripted(&self) -> Option<&Customer> {
        None
    }
}

/// What one reply led to.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub score: ReplyScore,
    pub latency_ms: u64,
    /// The reference answer to the turn just answered.
    pub reference: Option<String>,
    pub customer_lines: Vec<String>,
    pub ending: Option<Ending>,
    /// The reply was cut to [`MAX_REPLY_CHARS`].
    pub truncated: bool,
    /// What the customer did while the reply was being written (nudges, leaving), in order.
    pub waited: Vec<Waiting>,
    /// The customer had left before the reply was sent: it was not delivered or scored.
    pub too_late: bool,
}

/// One reply of the session, for the review at the end.
#[derive(Debug, Clone)]
pub struct Reviewed {
    pub number: usize,
    pub text: String,
    /// The quick phrase it was sent from.
    pub quick_phrase: Option<String>,
    pub latency_ms: u64,
    pub score: ReplyScore,
    pub reference: Option<String>,
}

/// The end-of-session summary.
#[derive(Debug, Clone)]
pub struct Scorecard {
    pub scenario: String,
    pub title: String,
    pub totals: SessionTotals,
    /// Overall after the outcome cap and the hint penalty.
    pub overall: Option<f64>,
    pub hints: usize,
    pub outcome: Option<Outcome>,
    pub order_value: Option<f64>,
    pub mood: f64,
    pub replies: usize,
    /// Up to three corrections: (reply number, check result).
    pub corrections: Vec<(usize, CheckResult)>,
    /// Why the conversation ended, when it did.
    pub reason: Option<EndReason>,
    /// The cap the outcome put on the overall, when it lowered it.
    pub capped: Option<f64>,
    /// Every reply with its verdicts (the exam's review).
    pub review: Vec<Reviewed>,
    /// Replies sent from quick phrases: (reply number, key, whether it answered what was
    /// asked).
    pub quick: Vec<(usize, String, bool)>,
}

/// How a session starts.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    pub seed: u64,
    /// The trainee's name, on every agent line of the transcript.
    pub agent: Option<String>,
    /// Counts restarts (1 for the first), so that each gets its own conversation id.
    pub attempt: u32,
    /// Exam: no hints.
    pub exam: bool,
    /// How hard the scripted customer is.
    pub level: crate::sim::Level,
    /// When the customer's first message came, on the clock, when that was before the
    /// session was started (a chat that came in while the trainee was busy with another).
    pub arrived_ms: Option<u64>,
}

/// Why a hint was not given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoHint {
    Exam,
    NoReference,
}

pub struct Session {
    content: Arc<Content>,
    scorer: Arc<Scorer>,
    scenario: usize,
    pub customer: Box<dyn CustomerSide>,
    state: ConversationState,
    score: SessionScore,
    clock: Arc<dyn Clock>,
    transcript: Option<TranscriptWriter>,
    /// Problems writing the transcript, reported once and then kept quiet.
    pub transcript_error: Option<String>,
    /// Every problem writing the transcript: a session that lost lines does not say "saved".
    write_failures: usize,
    conversation_id: String,
    agent: Option<String>,
    exam: bool,
    level: crate::sim::Level,
    waiting_since_ms: u64,
    /// How many events of the current wait's plan have happened.
    waited: usize,
    hints: usize,
    last_customer: Vec<String>,
    review: Vec<Reviewed>,
    /// The quick phrases the trainee has (the shop's and their own).
    phrases: Vec<Phrase>,
    finished: bool,
}

impl Session {
    /// Starts a session with the scripted customer of `scenario_id`; returns it with the
    /// customer's opening lines, already logged. `None` when the scenario does not exist or
    /// cannot be played (no persona, no turns).
    pub fn start(
        content: Arc<Content>,
        scorer: Arc<Scorer>,
        scenario_id: &str,
        clock: Arc<dyn Clock>,
        transcript: Option<TranscriptWriter>,
        options: SessionOptions,
    ) -> Option<(Session, Vec<String>)> {
        let customer = Customer::new(Arc::clone(&content), scenario_id, options.seed)?
            .with_level(options.level);
        Session::with_customer(
            content,
            scorer,
            scenario_id,
            Box::new(customer),
            clock,
            transcript,
            options,
        )
    }

    /// A simulated session: the scripted customer of `scenario_id` with `seed`, on a clock the
    /// caller moves, with nothing saved. What `kefu gen`, `kefu check`'s auto-play, the tests
    /// and the benches play.
    pub fn simulated(
        content: &Arc<Content>,
        scorer: &Arc<Scorer>,
        scenario_id: &str,
        seed: u64,
        clock: &Arc<FixedClock>,
    ) -> Option<(Session, Vec<String>)> {
        let options = SessionOptions {
            seed,
            attempt: 1,
            ..SessionOptions::default()
        };
        let clock: Arc<dyn Clock> = Arc::clone(clock) as Arc<dyn Clock>;
        Session::start(
            Arc::clone(content),
            Arc::clone(scorer),
            scenario_id,
            clock,
            None,
            options,
        )
    }

    /// Starts a session whoever plays the customer.
    pub fn with_customer(
        content: Arc<Content>,
        scorer: Arc<Scorer>,
        scenario_id: &str,
        mut customer: Box<dyn CustomerSide>,
        clock: Arc<dyn Clock>,
        transcript: Option<TranscriptWriter>,
        options: SessionOptions,
    ) -> Option<(Session, Vec<String>)> {
        let scenario = content
            .scenarios
            .iter()
            .position(|s| s.id() == scenario_id)?;
        let opening = customer.opening();
        // The process id keeps sessions started in the same second apart (two trainees taking
        // the same exam), so that scoring their transcripts together never merges them.
        let mut conversation_id = format!(
            "{}-{}-{}-{}",
            scenario_id,
            clock.compact_stamp(),
            options.seed,
            std::process::id()
        );
        if options.attempt > 1 {
            conversation_id.push_str(&format!("-r{}", options.attempt));
        }
        let mut session = Session {
            state: scorer.new_conversation(),
            score: SessionScore::new(scorer.dimensions.len()),
            content,
            scorer,
            scenario,
            customer,
            waiting_since_ms: options
                .arrived_ms
                .map_or_else(|| clock.now_ms(), |at| at.min(clock.now_ms())),
            clock,
            transcript,
            transcript_error: None,
            write_failures: 0,
            conversation_id,
            agent: options.agent,
            exam: options.exam,
            level: options.level,
            waited: 0,
            hints: 0,
            last_customer: Vec::new(),
            review: Vec::new(),
            phrases: Vec::new(),
            finished: false,
        };
        let arrived_ts = session.clock.timestamp_at(session.waiting_since_ms);
        for line in &opening {
            session.scorer.customer_message(&mut session.state, line);
            session.log_at(&arrived_ts, Role::Customer, line, None, None, None);
        }
        session.last_customer = opening.clone();
        Some((session, opening))
    }

    pub fn scenario(&self) -> &Scenario {
        &self.content.scenarios[self.scenario]
    }

    pub fn content(&self) -> &Arc<Content> {
        &self.content
    }

    pub fn scorer(&self) -> &Arc<Scorer> {
        &self.scorer
    }

    pub fn conversation_id(&self) -> &str {
        &self.conversation_id
    }

    pub fn transcript_path(&self) -> Option<&std::path::Path> {
        self.transcript.as_ref().map(|t| t.path())
    }

    /// Whether every line of the session reached the transcript.
    pub fn saved_whole(&self) -> bool {
        self.transcript.is_some() && self.write_failures == 0
    }

    pub fn is_over(&self) -> bool {
        self.finished || self.customer.ending().is_some()
    }

    /// The quick phrases whose use is recorded and judged.
    pub fn set_phrases(&mut self, phrases: Vec<Phrase>) {
        self.phrases = phrases;
    }

    /// The customer's last message or messages (for `/last`).
    pub fn last_customer(&self) -> &[String] {
        &self.last_customer
    }

    /// The customer's answer to the last reply reached the agent `ms` after the reply (the
    /// time the customer took to type it, in a simulation that models it): the wait for the
    /// next reply starts then.
    pub fn customer_typed(&mut self, ms: u64) {
        self.waiting_since_ms = self
            .waiting_since_ms
            .saturating_add(ms)
            .min(self.clock.now_ms());
    }

    /// Now, on the session's clock.
    pub fn now_ms(&self) -> u64 {
        self.clock.now_ms()
    }

    /// Milliseconds the customer has been waiting.
    pub fn waiting_ms(&self) -> u64 {
        self.clock.now_ms().saturating_sub(self.waiting_since_ms)
    }

    /// What the customer will do if no reply comes, from now: each event not yet happened,
    /// with the time until it happens.
    pub fn upcoming(&self) -> Vec<(Duration, Waiting)> {
        if self.is_over() {
            return Vec::new();
        }
        let waited_s = self.waiting_ms() as f64 / 1000.0;
        self.customer
            .waiting_plan()
            .into_iter()
            .skip(self.waited)
            .map(|(at, w)| (Duration::from_secs_f64((at - waited_s).max(0.0)), w))
            .collect()
    }

    /// Lets what is due happen: the nudges of a customer kept waiting, and their leaving when
    /// patience runs out, each logged at the moment it happened. Returns them in order.
    pub fn tick(&mut self) -> Vec<Waiting> {
        let now = self.clock.now_ms();
        self.tick_until(now)
    }

    /// [`Session::tick`] as of `ms` on the clock (a reply's first bubble went out then).
    fn tick_until(&mut self, ms: u64) -> Vec<Waiting> {
        let mut happened = Vec::new();
        if self.is_over() {
            return happened;
        }
        let waited_s = ms.saturating_sub(self.waiting_since_ms) as f64 / 1000.0;
        let plan = self.customer.waiting_plan();
        for (at, event) in plan.into_iter().skip(self.waited) {
            if at > waited_s {
                break;
            }
            self.waited += 1;
            let when_ms = self.waiting_since_ms + (at * 1000.0).round() as u64;
            let ts = self.clock.timestamp_at(when_ms);
            match &event {
                Waiting::Nudge(line) => {
                    // Fed to the engine like any customer message, so that re-scoring the
                    // transcript as a real chat gives the same scores. A nudge does not
                    // restart the reply timer.
                    self.scorer.customer_message(&mut self.state, line);
                    self.log_at(&ts, Role::Customer, line, None, None, None);
                    self.last_customer.push(line.clone());
                }
                Waiting::Leave(line) => {
                    self.scorer.customer_message(&mut self.state, line);
                    self.log_at(&ts, Role::Customer, line, None, None, None);
                    self.last_customer = vec![line.clone()];
                    let ending = self.customer.left_waiting(at);
                    self.log_ending(&ending, &ts);
                    happened.push(event);
                    break;
                }
            }
            happened.push(event);
        }
        happened
    }

    fn log(
        &mut self,
        role: Role,
        text: &str,
        latency_ms: Option<u64>,
        score: Option<&ReplyScore>,
        event: Option<&str>,
    ) {
        let ts = self.clock.timestamp();
        self.log_at(&ts, role, text, latency_ms, score, event);
    }

    /// Appends a message, noting a failure.
    fn append(&mut self, message: &Message) {
        let Some(writer) = self.transcript.as_mut() else {
            return;
        };
        if let Err(e) = writer.append(message) {
            self.write_failures += 1;
            self.transcript_error
                .get_or_insert_with(|| format!("{}: {e}", writer.path().display()));
        }
    }

    fn log_at(
        &mut self,
        ts: &str,
        role: Role,
        text: &str,
        latency_ms: Option<u64>,
        score: Option<&ReplyScore>,
        event: Option<&str>,
    ) {
        if self.transcript.is_none() {
            return;
        }
        let scores = score.map(|s| {
            self.scorer
                .dimensions
                .iter()
                .zip(&s.dimensions)
                .map(|(d, v)| (d.id.clone(), *v))
                .collect::<BTreeMap<_, _>>()
        });
        let message = Message {
            conversation: self.conversation_id.clone(),
            ts: ts.to_string(),
            role: Some(role),
            text: text.to_string(),
            agent: if role == Role::Agent {
                self.agent.clone()
            } else {
                None
            },
            product: (role != Role::System).then(|| {
                self.content.scenarios[self.scenario]
                    .product_id()
                    .to_string()
            }),
            latency_ms,
            scores,
            event: event.map(String::from),
            quick_phrase: (role == Role::Agent)
                .then(|| phrases::used_in(&self.phrases, text).map(|p| p.key().to_string()))
                .flatten(),
            ..Message::default()
        };
        self.append(&message);
    }

    /// Logs what a real chat tool would show when the customer orders or leaves, so that the
    /// transcript scored as a real chat knows whether it converted.
    fn log_ending(&mut self, ending: &Ending, ts: &str) {
        match ending.outcome {
            Outcome::Bought => {
                let text = match ending.order_value {
                    Some(v) => format!("买家已下单，订单金额 ¥{v:.2}"),
                    None => "买家已下单".to_string(),
                };
                self.log_at(ts, Role::System, &text, None, None, Some("order_placed"));
            }
            Outcome::Left => {
                self.log_at(ts, Role::System, "买家已离开", None, None, Some(LEFT_EVENT))
            }
            Outcome::Unresolved => self.log_at(
                ts,
                Role::System,
                "买家已离开，问题未解决",
                None,
                None,
                Some(UNRESOLVED_EVENT),
            ),
            Outcome::Resolved => {}
        }
    }

    /// The reference answer for the current turn; asking for it costs [`HINT_COST`] points and
    /// is recorded in the transcript, so that re-scoring it gives the same overall. None in an
    /// exam.
    pub fn hint(&mut self) -> Result<String, NoHint> {
        if self.exam {
            return Err(NoHint::Exam);
        }
        let reference = self.customer.reference().ok_or(NoHint::NoReference)?;
        self.hints += 1;
        self.log(Role::System, &reference, None, None, Some(HINT_EVENT));
        Ok(reference)
    }

    /// Scores a reply, lets the customer react, logs both. Whatever was due before the reply
    /// (nudges, the customer leaving) happens first; a reply to a customer who has left is not
    /// delivered.
    pub fn reply(&mut self, text: &str) -> Exchange {
        let now = self.clock.now_ms();
        self.reply_in_bubbles(&[text], now)
    }

    /// A reply sent as several bubbles (消息气泡), the first at `first_at_ms` on the clock: judged
    /// as the one message they form (as `kefu score` joins bubbles), timed by the first, and
    /// logged bubble by bubble as a chat tool shows them. At most [`MAX_BUBBLES`] bubbles, each
    /// cut to [`MAX_REPLY_CHARS`].
    pub fn reply_in_bubbles(&mut self, bubbles: &[&str], first_at_ms: u64) -> Exchange {
        let first_at_ms = first_at_ms.min(self.clock.now_ms());
        let waited = self.tick_until(first_at_ms);
        let latency_ms = first_at_ms.saturating_sub(self.waiting_since_ms);
        let mut truncated = bubbles.len() > MAX_BUBBLES;
        let bubbles: Vec<&str> = bubbles
            .iter()
            .map(|b| b.trim())
            .filter(|b| !b.is_empty())
            .take(MAX_BUBBLES)
            .map(|b| {
                let (cut, was_cut) = truncate_chars(b, MAX_REPLY_CHARS);
                truncated |= was_cut;
                cut
            })
            .collect();
        let joined = bubbles.join(crate::engine::BUBBLE_JOINER);
        let text = joined.as_str();
        if self.is_over() {
            return Exchange {
                score: ReplyScore::default(),
                latency_ms,
                reference: None,
                customer_lines: Vec::new(),
                ending: self.customer.ending().cloned(),
                truncated,
                waited,
                too_late: true,
            };
        }
        let reference = self.customer.reference();
        let facts = self.customer.facts();
        let content = Arc::clone(&self.content);
        let scenario = &content.scenarios[self.scenario];
        let situation = Situation {
            product: Some(scenario.product_id()),
            persona: Some(scenario.persona()),
            tags: &scenario.tags,
            facts,
            order: scenario.order.as_ref(),
        };
        let score = self.scorer.score_reply(
            &mut self.state,
            &situation,
            text,
            latency_ms,
            reference.as_deref(),
        );
        self.score.add(&score);
        let first_ts = self.clock.timestamp_at(first_at_ms);
        let last = bubbles.len().saturating_sub(1);
        for (i, bubble) in bubbles.iter().enumerate() {
            // The first bubble carries the wait, the last the scores of the whole reply.
            let ts = if i == 0 {
                first_ts.clone()
            } else {
                self.clock.timestamp()
            };
            let latency = (i == 0).then_some(latency_ms);
            let score = (i == last).then_some(&score);
            self.log_at(&ts, Role::Agent, bubble, latency, score, None);
        }
        self.review.push(Reviewed {
            number: self.review.len() + 1,
            text: text.to_string(),
            quick_phrase: phrases::used_in(&self.phrases, text).map(|p| p.key().to_string()),
            latency_ms,
            score: score.clone(),
            reference: reference.clone(),
        });
        let reaction = self.customer.react(&Said {
            text,
            score: &score,
            latency_s: latency_ms as f64 / 1000.0,
        });
        for line in &reaction.lines {
            self.scorer.customer_message(&mut self.state, line);
            self.log(Role::Customer, line, None, None, None);
        }
        if !reaction.lines.is_empty() {
            self.last_customer = reaction.lines.clone();
        }
        if let Some(ending) = &reaction.ending {
            let ts = self.clock.timestamp();
            self.log_ending(ending, &ts);
        }
        self.waiting_since_ms = self.clock.now_ms();
        self.waited = 0;
        Exchange {
            score,
            latency_ms,
            reference,
            customer_lines: reaction.lines,
            ending: reaction.ending,
            truncated,
            waited,
            too_late: false,
        }
    }

    /// Ends the session (whether the customer finished or the trainee quit), logs the summary
    /// line and returns the scorecard. Calling it twice returns the same card without logging.
    pub fn finish(&mut self) -> Scorecard {
        if !self.finished {
            // The conversation-level checks (tone, farewell), once.
            let closing = self.scorer.finish(&self.state);
            self.score.add_closing(&closing);
        }
        let totals = self.score.totals(&self.scorer.dimensions);
        let ending = self.customer.ending().cloned();
        let outcome = ending.as_ref().map(|e| e.outcome);
        let (overall, capped) = final_overall(totals.overall, outcome, self.hints);
        let scenario = self.scenario();
        let card = Scorecard {
            scenario: scenario.id().to_string(),
            title: scenario.title.clone(),
            overall,
            hints: self.hints,
            outcome,
            order_value: ending.as_ref().and_then(|e| e.order_value),
            mood: self.customer.mood(),
            replies: self.score.replies,
            corrections: self.score.top_corrections(3).into_iter().cloned().collect(),
            reason: ending.map(|e| e.reason),
            capped,
            quick: self
                .review
                .iter()
                .filter_map(|r| {
                    let key = r.quick_phrase.clone()?;
                    Some((r.number, key, fits(&r.score)))
                })
                .collect(),
            review: self.review.clone(),
            totals,
        };
        if !self.finished {
            self.finished = true;
            let message = Message {
                conversation: self.conversation_id.clone(),
                ts: self.clock.timestamp(),
                role: Some(Role::System),
                text: String::new(),
                event: Some("session_end".into()),
                level: Some(self.level.id().to_string()),
                overall: card.overall,
                dimensions: Some(card.totals.dimensions.iter().cloned().collect()),
                outcome: Some(OutcomeRecord {
                    result: card.outcome.map_or("abandoned", |o| o.id()).to_string(),
                    order_value: card.order_value,
                    mood: card.mood,
                }),
                ..Message::default()
            };
            self.append(&message);
        }
        card
    }
}

/// Whether a reply dealt with what the customer asked: no check of what it said (the answer,
/// the size, the price, the facts, the complaint) failed, whatever its speed, wording or
/// courtesy. What a quick phrase must do to have been the right one.
fn fits(score: &ReplyScore) -> bool {
    !score.checks.iter().any(|c| {
        !c.passed && !c.review && !matches!(&*c.dimension, "speed" | "clarity" | "courtesy")
    })
}

/// The overall a session ends with: capped at [`OUTCOME_CAP`] when the sale was lost or the
/// complaint left unresolved, then [`HINT_COST`] off for each hint. Also the cap, when it
/// lowered the score. `kefu score` applies the same to a training transcript.
pub fn final_overall(
    overall: Option<f64>,
    outcome: Option<Outcome>,
    hints: usize,
) -> (Option<f64>, Option<f64>) {
    let Some(mut o) = overall else {
        return (None, None);
    };
    let mut capped = None;
    if matches!(outcome, Some(Outcome::Left | Outcome::Unresolved)) && o > OUTCOME_CAP {
        o = OUTCOME_CAP;
        capped = Some(OUTCOME_CAP);
    }
    (Some((o - HINT_COST * hints as f64).max(0.0)), capped)
}

/// Cuts `text` to at most `max` characters, on a character boundary.
pub fn truncate_chars(text: &str, max: usize) -> (&str, bool) {
    match text.char_indices().nth(max) {
        Some((i, _)) => (&text[..i], true),
        None => (text, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    fn setup() -> (Arc<Content>, Arc<Scorer>) {
        let content = Arc::new(Content::bundled().expect("valid"));
        let scorer = Arc::new(Scorer::new(&content, Lang::Zh).expect("compiles"));
        (content, scorer)
    }

    fn start(seed: u64, clock: &Arc<FixedClock>, exam: bool) -> Session {
        let (content, scorer) = setup();
        let mut session = Session::simulated(&content, &scorer, "men-tee-self", seed, clock)
            .expect("starts")
            .0;
        session.exam = exam;
        session
    }

    fn play(seed: u64, replies: &[&str], gap_ms: u64) -> (Vec<String>, Scorecard) {
        let clock = Arc::new(FixedClock::new(1_795_521_600));
        let mut session = start(seed, &clock, false);
        let mut said = session.last_customer().to_vec();
        for r in replies {
            if session.is_over() {
                break;
            }
            clock.advance_ms(gap_ms);
            let ex = session.reply(r);
            said.extend(ex.waited.iter().map(|w| w.line().to_string()));
            said.extend(ex.customer_lines);
        }
        (said, session.finish())
    }

    #[test]
    fn a_session_moves_between_threads() {
        fn is_send<T: Send>() {}
        is_send::<Session>();
    }

    #[test]
    fn same_seed_and_replies_give_the_same_session() {
        let replies = [
            "亲，L码合适～",
            "亲，满99包邮，加双棉袜就包邮啦",
            "谢谢亲～",
        ];
        let (a, card_a) = play(7, &replies, 6_000);
        let (b, card_b) = play(7, &replies, 6_000);
        assert_eq!(a, b);
        assert_eq!(card_a.totals, card_b.totals);
    }

    #[test]
    fn a_customer_kept_waiting_nudges_then_leaves_on_the_clock() {
        let clock = Arc::new(FixedClock::new(1_795_521_600));
        let mut session = start(1, &clock, false);
        let plan = session.upcoming();
        assert!(plan.len() >= 2, "{plan:?}");
        assert!(matches!(plan.last(), Some((_, Waiting::Leave(_)))));
        let (first_at, first) = plan[0].clone();
        assert!(matches!(first, Waiting::Nudge(_)));
        // Nothing happens before the first nudge is due.
        clock.advance_ms(first_at.as_millis() as u64 - 1);
        assert!(session.tick().is_empty());
        clock.advance_ms(1);
        assert_eq!(session.tick(), vec![first]);
        assert!(!session.is_over());
        // Then the customer runs out of patience with no reply at all.
        let (leave_in, _) = session.upcoming().last().cloned().unwrap();
        clock.advance_ms(leave_in.as_millis() as u64);
        let happened = session.tick();
        assert!(
            matches!(happened.last(), Some(Waiting::Leave(_))),
            "{happened:?}"
        );
        assert!(session.is_over());
        let card = session.finish();
        assert_eq!(card.outcome, Some(Outcome::Left));
        assert!(
            matches!(card.reason, Some(EndReason::Waited(_))),
            "{:?}",
            card.reason
        );
        // A reply typed after they left is not delivered.
        let late = session.reply("亲，在的");
        assert!(late.too_late);
    }

    #[test]
    fn slow_replies_use_up_patience_and_the_customer_leaves() {
        // Each reply inside the customer's patience, but together more than it.
        let (said, card) = play(1, &["亲", "亲", "亲", "亲", "亲", "亲", "亲"], 100_000);
        assert_eq!(card.outcome, Some(Outcome::Left), "{said:?}");
        assert!(card.replies >= 1);
        let speed = card
            .totals
            .dimensions
            .iter()
            .find(|(d, _)| d == "speed")
            .unwrap()
            .1;
        assert!(speed.is_some_and(|s| s < 60.0), "{speed:?}");
    }

    #[test]
    fn hints_cost_points_and_none_are_given_in_an_exam() {
        let clock = Arc::new(FixedClock::new(0));
        let mut s = start(1, &clock, false);
        let hint = s.hint().expect("a reference answer");
        s.reply(&hint);
        let card = s.finish();
        assert_eq!(card.hints, 1);
        let (expected, _) = final_overall(card.totals.overall, card.outcome, 1);
        assert_eq!(card.overall, expected);

        let mut exam = start(1, &clock, true);
        assert_eq!(exam.hint(), Err(NoHint::Exam));
    }

    #[test]
    fn a_lost_sale_caps_the_overall() {
        assert_eq!(
            final_overall(Some(92.0), Some(Outcome::Left), 0),
            (Some(OUTCOME_CAP), Some(OUTCOME_CAP))
        );
        assert_eq!(
            final_overall(Some(92.0), Some(Outcome::Bought), 1),
            (Some(92.0 - HINT_COST), None)
        );
        assert_eq!(
            final_overall(Some(40.0), Some(Outcome::Unresolved), 0),
            (Some(40.0), None)
        );
    }

    #[test]
    fn long_pastes_are_cut_on_a_character_boundary() {
        let text = "亲".repeat(MAX_REPLY_CHARS + 10);
        let (cut, truncated) = truncate_chars(&text, MAX_REPLY_CHARS);
        assert!(truncated);
        assert_eq!(cut.chars().count(), MAX_REPLY_CHARS);
    }
}
