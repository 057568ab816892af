//! A training session: the customer, the clock, the scoring of every reply, the transcript and
//! the final scorecard. Front-ends (the REPL, scripted stdin, tests) drive it.

pub mod clock;

use std::collections::BTreeMap;

use crate::content::{Content, Outcome, Scenario};
use crate::engine::{
    ConversationState, ReplyScore, Scorer, SessionScore, SessionTotals, Situation,
};
use crate::sim::{Customer, Ending};
use crate::transcript::{Message, OutcomeRecord, Role, TranscriptWriter};
pub use clock::{Clock, FixedClock, SystemClock};

/// Points taken off the overall score for each `/hint`.
pub const HINT_COST: f64 = 5.0;

/// Longest reply kept whole; longer pastes are cut (and scored as cut) with a notice.
pub const MAX_REPLY_CHARS: usize = 2000;

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
}

/// The end-of-session summary.
#[derive(Debug, Clone)]
pub struct Scorecard {
    pub scenario: String,
    pub title: String,
    pub totals: SessionTotals,
    /// Overall after the hint penalty.
    pub overall: Option<f64>,
    pub hints: usize,
    pub outcome: Option<Outcome>,
    pub order_value: Option<f64>,
    pub mood: f64,
    pub replies: usize,
    /// Up to three corrections: (reply number, check result).
    pub corrections: Vec<(usize, crate::engine::CheckResult)>,
}

pub struct Session<'a> {
    pub content: &'a Content,
    pub scorer: &'a Scorer,
    pub customer: Customer<'a>,
    state: ConversationState,
    score: SessionScore,
    clock: &'a dyn Clock,
    transcript: Option<TranscriptWriter>,
    /// Problems writing the transcript, reported once and then kept quiet.
    pub transcript_error: Option<String>,
    conversation_id: String,
    agent: Option<String>,
    waiting_since_ms: u64,
    hints: usize,
    nudges: usize,
    finished: bool,
}

impl<'a> Session<'a> {
    /// Starts a session; returns it with the customer's opening line, already logged.
    /// `attempt` counts restarts (1 for the first), so that each gets its own conversation id.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        content: &'a Content,
        scorer: &'a Scorer,
        scenario: &'a Scenario,
        seed: u64,
        clock: &'a dyn Clock,
        transcript: Option<TranscriptWriter>,
        agent: Option<String>,
        attempt: u32,
    ) -> Option<(Session<'a>, String)> {
        let mut customer = Customer::new(content, scenario, seed)?;
        let opening = customer.opening();
        // The process id keeps sessions started in the same second apart (two trainees taking
        // the same exam), so that scoring their transcripts together never merges them.
        let mut conversation_id = format!(
            "{}-{}-{seed}-{}",
            scenario.id(),
            clock.compact_stamp(),
            std::process::id()
        );
        if attempt > 1 {
            conversation_id.push_str(&format!("-r{attempt}"));
        }
        let mut session = Session {
            content,
            scorer,
            customer,
            state: scorer.new_conversation(),
            score: SessionScore::new(scorer.dimensions.len()),
            clock,
            transcript,
            transcript_error: None,
            conversation_id,
            agent,
            waiting_since_ms: clock.now_ms(),
            hints: 0,
            nudges: 0,
            finished: false,
        };
        scorer.customer_message(&mut session.state, &opening);
        session.log(Role::Customer, &opening, None, None);
        Some((session, opening))
    }

    pub fn scenario(&self) -> &'a Scenario {
        self.customer.scenario
    }

    pub fn conversation_id(&self) -> &str {
        &self.conversation_id
    }

    pub fn transcript_path(&self) -> Option<&std::path::Path> {
        self.transcript.as_ref().map(|t| t.path())
    }

    pub fn is_over(&self) -> bool {
        self.finished || self.customer.ending.is_some()
    }

    /// Milliseconds the customer has been waiting.
    pub fn waiting_ms(&self) -> u64 {
        self.clock.now_ms().saturating_sub(self.waiting_since_ms)
    }

    fn situation(&self) -> Situation<'a> {
        let scenario = self.customer.scenario;
        Situation {
            product: Some(scenario.product_id()),
            persona: Some(scenario.persona()),
            tags: &scenario.tags,
            facts: Some(self.customer.facts.known()),
            order: scenario.order.as_ref(),
        }
    }

    fn log(&mut self, role: Role, text: &str, latency_ms: Option<u64>, score: Option<&ReplyScore>) {
        let Some(writer) = self.transcript.as_mut() else {
            return;
        };
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
            ts: self.clock.timestamp(),
            role: Some(role),
            text: text.to_string(),
            agent: if role == Role::Agent {
                self.agent.clone()
            } else {
                None
            },
            product: Some(self.customer.scenario.product_id().to_string()),
            latency_ms,
            scores,
            ..Message::default()
        };
        if let Err(e) = writer.append(&message) {
            if self.transcript_error.is_none() {
                self.transcript_error = Some(format!("{}: {e}", writer.path().display()));
            }
        }
    }

    /// Logs what a real chat tool would show when the customer orders or leaves, so that the
    /// transcript scored as a real chat knows whether it converted.
    fn log_event(&mut self, event: &str, text: &str) {
        let Some(writer) = self.transcript.as_mut() else {
            return;
        };
        let message = Message {
            conversation: self.conversation_id.clone(),
            ts: self.clock.timestamp(),
            role: Some(Role::System),
            text: text.to_string(),
            event: Some(event.to_string()),
            ..Message::default()
        };
        if let Err(e) = writer.append(&message) {
            self.transcript_error
                .get_or_insert_with(|| format!("{}: {e}", writer.path().display()));
        }
    }

    /// When the customer will nudge if no reply comes, counted from now, and what they say.
    pub fn nudge_plan(&self) -> Option<(std::time::Duration, String)> {
        let (after_s, line) = self.customer.nudge_plan(self.nudges)?;
        let waited = self.waiting_ms() as f64 / 1000.0;
        let left = (after_s - waited).max(0.0);
        Some((std::time::Duration::from_secs_f64(left), line))
    }

    /// Records a nudge the customer sent while waiting (it does not restart the reply timer).
    pub fn nudged(&mut self, line: &str) {
        self.nudges += 1;
        // Fed to the engine like any customer message, so that re-scoring the transcript as a
        // real chat gives the same scores.
        self.scorer.customer_message(&mut self.state, line);
        self.log(Role::Customer, line, None, None);
    }

    /// The reference answer for the current turn; asking for it costs [`HINT_COST`] points.
    pub fn hint(&mut self) -> Option<String> {
        let reference = self.customer.reference()?;
        self.hints += 1;
        Some(reference)
    }

    /// Scores a reply, lets the customer react, logs both.
    pub fn reply(&mut self, text: &str) -> Exchange {
        let latency_ms = self.waiting_ms();
        let (text, truncated) = truncate_chars(text, MAX_REPLY_CHARS);
        let reference = self.customer.reference();
        let situation = self.situation();
        let score = self.scorer.score_reply(
            &mut self.state,
            &situation,
            text,
            latency_ms,
            reference.as_deref(),
        );
        self.score.add(&score);
        self.log(Role::Agent, text, Some(latency_ms), Some(&score));
        let reaction = self.customer.react(&score, latency_ms as f64 / 1000.0);
        for line in &reaction.lines {
            self.scorer.customer_message(&mut self.state, line);
            self.log(Role::Customer, line, None, None);
        }
        match reaction.ending.map(|e| e.outcome) {
            Some(Outcome::Bought) => self.log_event("order_placed", "买家已下单"),
            Some(Outcome::Left) => self.log_event("customer_left", "买家已离开"),
            _ => {}
        }
        self.waiting_since_ms = self.clock.now_ms();
        Exchange {
            score,
            latency_ms,
            reference,
            customer_lines: reaction.lines,
            ending: reaction.ending,
            truncated,
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
        let overall = totals
            .overall
            .map(|o| (o - HINT_COST * self.hints as f64).max(0.0));
        let ending = self.customer.ending;
        let card = Scorecard {
            scenario: self.customer.scenario.id().to_string(),
            title: self.customer.scenario.title.clone(),
            overall,
            hints: self.hints,
            outcome: ending.map(|e| e.outcome),
            order_value: ending.and_then(|e| e.order_value),
            mood: f64::from(self.customer.mood),
            replies: self.score.replies,
            corrections: self.score.top_corrections(3).into_iter().cloned().collect(),
            totals,
        };
        if !self.finished {
            self.finished = true;
            if let Some(writer) = self.transcript.as_mut() {
                let message = Message {
                    conversation: self.conversation_id.clone(),
                    ts: self.clock.timestamp(),
                    role: Some(Role::System),
                    text: String::new(),
                    event: Some("session_end".into()),
                    overall: card.overall,
                    dimensions: Some(card.totals.dimensions.iter().cloned().collect()),
                    outcome: Some(OutcomeRecord {
                        result: card.outcome.map_or("abandoned", |o| o.id()).to_string(),
                        order_value: card.order_value,
                        mood: card.mood,
                    }),
                    ..Message::default()
                };
                if let Err(e) = writer.append(&message) {
                    self.transcript_error
                        .get_or_insert_with(|| format!("{}: {e}", writer.path().display()));
                }
            }
        }
        card
    }
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

    fn play(seed: u64, replies: &[&str], gap_ms: u64) -> (Vec<String>, Scorecard) {
        let content = Content::bundled().expect("valid");
        let scorer = Scorer::new(&content, Lang::Zh).expect("compiles");
        let scenario = content.scenario("men-tee-self").expect("bundled scenario");
        let clock = FixedClock::new(1_795_521_600);
        let (mut session, opening) =
            Session::start(&content, &scorer, scenario, seed, &clock, None, None, 1)
                .expect("starts");
        let mut said = vec![opening];
        for r in replies {
            if session.is_over() {
                break;
            }
            clock.advance_ms(gap_ms);
            let ex = session.reply(r);
            said.extend(ex.customer_lines);
        }
        (said, session.finish())
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
    fn slow_replies_use_up_patience_and_the_customer_leaves() {
        let (_, card) = play(1, &["亲", "亲", "亲", "亲", "亲"], 400_000);
        assert_eq!(card.outcome, Some(Outcome::Left));
        let speed = card
            .totals
            .dimensions
            .iter()
            .find(|(d, _)| d == "speed")
            .unwrap()
            .1;
        assert_eq!(speed, Some(0.0));
    }

    #[test]
    fn hints_cost_points() {
        let content = Content::bundled().expect("valid");
        let scorer = Scorer::new(&content, Lang::Zh).expect("compiles");
        let scenario = content.scenario("men-tee-self").expect("bundled scenario");
        let clock = FixedClock::new(0);
        let (mut s, _) =
            Session::start(&content, &scorer, scenario, 1, &clock, None, None, 1).unwrap();
        let hint = s.hint().expect("a reference answer");
        s.reply(&hint);
        let card = s.finish();
        assert_eq!(card.hints, 1);
        assert_eq!(card.overall, card.totals.overall.map(|o| o - HINT_COST));
    }

    #[test]
    fn long_pastes_are_cut_on_a_character_boundary() {
        let text = "亲".repeat(MAX_REPLY_CHARS + 10);
        let (cut, truncated) = truncate_chars(&text, MAX_REPLY_CHARS);
        assert!(truncated);
        assert_eq!(cut.chars().count(), MAX_REPLY_CHARS);
    }
}
