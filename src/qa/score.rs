//! Scores one real conversation with the training engine: per-reply checks, dimension and
//! overall scores, response-time KPIs, conversion, and findings.

use std::sync::Arc;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::group::{Conversation, MessageRef};
use super::kpi::{ConversationKpi, KpiMessage, KpiRules, Order, Sender, Time, conversation_kpi};
use crate::content::Outcome;
use crate::engine::{Latency, Scorer, SessionScore, Situation};
use crate::transcript::Role;

/// Response-time figures of one conversation, in whole seconds, counting human replies only
/// (robots' replies and system messages end no wait), and the platform's KPIs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Kpi {
    /// From the customer's first message to the first human reply; `null` without times or
    /// without a reply. With times to the minute, the middle of the range.
    pub first_response_s: Option<u32>,
    pub avg_response_s: Option<f64>,
    pub max_response_s: Option<u32>,
    /// Every human reply's wait was a range (times to the minute): the seconds above are the
    /// middles of their ranges.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub approximate: bool,
    /// The platform's KPIs of this conversation, round by round (see docs/kpi.md).
    pub platform: ConversationKpi,
}

impl Default for Kpi {
    /// A conversation with nothing timed, read by Taobao's rules.
    fn default() -> Kpi {
        Kpi {
            first_response_s: None,
            avg_response_s: None,
            max_response_s: None,
            approximate: false,
            platform: conversation_kpi(&KpiRules::new(super::kpi::Platform::Taobao), &[], false),
        }
    }
}

/// One check's verdict on one agent reply.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// 1-based index of the reply in its conversation: the agent's bubbles between two
    /// customer messages are one reply.
    pub turn: usize,
    pub dimension: Arc<str>,
    pub check: Arc<str>,
    pub passed: bool,
    pub message: String,
    pub excerpt: String,
    /// On a failed check, what a better reply would have said (the rubric's advice).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub better: Option<Arc<str>>,
    /// A red line crossed (红线): listed first, and the conversation scores 0.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub red_line: bool,
    /// The reading is unsure: for a person to review (待复核); counted in no score.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub review: bool,
}

impl Finding {
    fn of(turn: usize, c: crate::engine::CheckResult) -> Finding {
        Finding {
            turn,
            red_line: c.red_line && !c.passed && !c.review,
            better: (!c.passed).then_some(c.better),
            dimension: c.dimension,
            check: c.check,
            passed: c.passed,
            message: c.message,
            excerpt: c.excerpt,
            review: c.review,
        }
    }
}

/// A scored conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationResult {
    pub conversation: String,
    pub agent: Option<String>,
    pub messages: usize,
    pub overall: Option<f64>,
    /// In rubric order: (dimension id, score).
    pub dimensions: Vec<(Arc<str>, Option<f64>)>,
    pub kpi: Kpi,
    pub converted: Option<bool>,
    pub findings: Vec<Finding>,
    /// Every customer-to-reply wait, whole seconds (for the report's exact percentiles).
    pub response_times: Vec<u32>,
    /// The conversation had a customer message (an inquiry).
    pub inquiry: bool,
    pub red_line: bool,
    /// Why the conversation was not scored: it has no customer message, or no reply from a
    /// person. It is reported, with no scores, rather than scored as if fine.
    pub unscored: Option<Unscored>,
}

/// Why a conversation has no scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Unscored {
    /// No message from the customer: nothing was asked.
    NoCustomer,
    /// No reply from a person (perhaps only the robot's).
    NoAgent,
}

impl Unscored {
    pub fn as_str(self) -> &'static str {
        match self {
            Unscored::NoCustomer => "no_customer",
            Unscored::NoAgent => "no_agent",
        }
    }
}

struct Dimensions<'a>(&'a [(Arc<str>, Option<f64>)]);

impl Serialize for Dimensions<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The output schema in serde's terms. `kefu score` writes the same bytes faster with
/// [`to_json_line`]; a test holds the two together, so a field added here must be added there.
impl Serialize for ConversationResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("conversation", &self.conversation)?;
        map.serialize_entry("agent", &self.agent)?;
        map.serialize_entry("messages", &self.messages)?;
        if let Some(u) = self.unscored {
            map.serialize_entry("unscored", &u)?;
        }
        map.serialize_entry("overall", &self.overall)?;
        map.serialize_entry("dimensions", &Dimensions(&self.dimensions))?;
        map.serialize_entry("kpi", &self.kpi)?;
        map.serialize_entry("converted", &self.converted)?;
        map.serialize_entry("findings", &self.findings)?;
        map.end()
    }
}

/// What a system event says about the sale.
fn conversion_event(event: &str) -> Option<bool> {
    match event {
        "order_placed" | "order_paid" => Some(true),
        "customer_left" => Some(false),
        _ => None,
    }
}

/// The time a message was sent, as a range on the wall clock (for service hours), or `None`
/// when the export has no times.
fn wall_time(m: &MessageRef<'_>) -> Option<Time> {
    let offset = i64::from(m.clock.offset);
    m.clock.range(m.ts).map(|(lo, hi)| Time {
        lo: lo + offset,
        hi: hi + offset,
    })
}

/// The wait from `question` to the reply `m`: exact, a range, or unknown.
fn wait(question: Option<Time>, m: &MessageRef<'_>) -> Latency {
    if let Some(ms) = m.latency_ms {
        return Latency::Exact(ms);
    }
    match (question, wall_time(m)) {
        (Some(q), Some(a)) => {
            let lo = (a.lo - q.hi).max(0) as u64 * 1000;
            let hi = (a.hi - q.lo).max(0) as u64 * 1000;
            if lo == hi {
                Latency::Exact(lo)
            } else {
                Latency::Range(lo, hi)
            }
        }
        _ => Latency::Unknown,
    }
}

/// An order event of a system message, for the KPIs: an amount is read from its text
/// (`实付 ¥199.00`, `付款199元`) when it has one.
fn order_of(event: Option<&str>, text: &str) -> Option<Order> {
    let paid = match event? {
        "order_paid" => true,
        "order_placed" => false,
        _ => return None,
    };
    Some(Order {
        paid,
        amount_cents: amount_cents(text),
    })
}

/// The first amount of money in `text` (`实付 ¥199.00`, `付款199元`), in cents: read by the
/// engine's own money reader, on the text normalized as replies are.
fn amount_cents(text: &str) -> Option<u64> {
    let norm = crate::engine::text::normalize(text);
    crate::engine::extract::money_amounts(&norm)
        .first()
        .filter(|a| a.yuan.is_finite() && a.yuan >= 0.0)
        .map(|a| (a.yuan * 100.0).round() as u64)
}

/// Scores a conversation. Findings list the failed checks, or every check with `all_findings`.
/// The platform KPIs follow `rules`.
pub fn score_conversation(
    scorer: &Scorer,
    conv: Conversation,
    all_findings: bool,
    rules: &KpiRules,
) -> ConversationResult {
    let mut state = scorer.new_conversation();
    let mut session = SessionScore::new(scorer.dimensions.len());
    let mut product: Option<String> = None;
    let mut agent_counts: Vec<(String, usize)> = Vec::new();
    // The first customer message since the last human reply: its time (when the export has
    // times).
    let mut waiting_since: Option<Option<Time>> = None;
    let mut customers = 0usize;
    let mut humans = 0usize;
    // Every customer-to-reply wait whose range is known, in whole seconds (the middle of a
    // range), and whether any was a range.
    let mut response_times = Vec::with_capacity(conv.len());
    let mut first_response: Option<u32> = None;
    let mut approximate = false;
    let mut converted: Option<bool> = None;
    let mut orders_known = false;
    let mut kpi_messages = Vec::with_capacity(conv.len());
    let mut findings = Vec::new();
    let mut turn = 0usize;
    let messages = conv.len();
    // A kefu training transcript: its hints and whether the customer was lost, which the
    // trainer's overall counts (see `session::final_overall`).
    let mut hints = 0usize;
    let mut training_end = false;
    let mut lost = None;
    // The agent's bubbles since the customer last wrote, judged as one reply (an apology in one
    // bubble and the fix in the next are one answer) when the customer writes again or the
    // conversation ends: the text, and the latency of the first bubble.
    let mut bubbles: Option<(String, Latency)> = None;
    let mut judge = |bubbles: &mut Option<(String, Latency)>,
                     state: &mut crate::engine::ConversationState,
                     product: Option<&str>| {
        let Some((text, latency)) = bubbles.take() else {
            return;
        };
        turn += 1;
        let situation = Situation {
            product,
            ..Situation::default()
        };
        let reply = scorer.score_reply_timed(state, &situation, &text, latency, None);
        session.add_scores(&reply);
        findings.extend(
            reply
                .checks
                .into_iter()
                .filter(|c| all_findings || !c.passed)
                .map(|c| Finding::of(turn, c)),
        );
    };
    for m in conv.messages() {
        if let Some(p) = m.product {
            if scorer.catalog.product(p).is_some() {
                product = Some(p.to_string());
            }
        }
        let time = wall_time(&m);
        let mut order = None;
        match m.role {
            Role::Customer => {
                customers += 1;
                judge(&mut bubbles, &mut state, product.as_deref());
                if product.is_none() {
                    product = scorer
                        .customer_message_with_product(&mut state, m.text)
                        .map(String::from);
                } else {
                    scorer.customer_message(&mut state, m.text);
                }
                waiting_since.get_or_insert(time);
            }
            Role::Agent => {
                humans += 1;
                if let Some(name) = m.agent {
                    match agent_counts.iter_mut().find(|(n, _)| n == name) {
                        Some((_, c)) => *c += 1,
                        None => agent_counts.push((name.to_string(), 1)),
                    }
                }
                let latency = match waiting_since.take() {
                    Some(question) => {
                        let latency = wait(question, &m);
                        if let Some((lo, hi)) = latency.range() {
                            approximate |= lo != hi;
                            let secs = ((lo + hi) / 2 / 1000).min(u64::from(u32::MAX)) as u32;
                            response_times.push(secs);
                            first_response.get_or_insert(secs);
                        }
                        latency
                    }
                    // A follow-up with nothing new asked: no wait to time.
                    None => Latency::Exact(m.latency_ms.unwrap_or(0)),
                };
                match &mut bubbles {
                    Some((text, _)) => {
                        text.push_str(crate::engine::BUBBLE_JOINER);
                        text.push_str(m.text);
                    }
                    None => bubbles = Some((m.text.to_string(), latency)),
                }
            }
            // The shop's robot: shown, never scored as the agent's, and the customer is still
            // waiting for a person.
            Role::Robot => {}
            Role::System => {
                match m.event {
                    Some(crate::session::HINT_EVENT) => hints += 1,
                    Some("session_end") => training_end = true,
                    Some(crate::session::LEFT_EVENT) => lost = Some(Outcome::Left),
                    Some(crate::session::UNRESOLVED_EVENT) => lost = Some(Outcome::Unresolved),
                    _ => {}
                }
                if let Some(ev) = m.event.and_then(conversion_event) {
                    // A sale anywhere in the chat counts, even if the buyer left afterwards.
                    converted = Some(converted.unwrap_or(false) || ev);
                    orders_known = true;
                }
                order = order_of(m.event, m.text);
            }
        }
        kpi_messages.push(KpiMessage {
            sender: match m.role {
                Role::Customer => Sender::Customer,
                Role::Agent => Sender::Human,
                Role::Robot => Sender::Robot,
                Role::System => Sender::System,
            },
            time,
            order,
        });
    }
    judge(&mut bubbles, &mut state, product.as_deref());
    let unscored = if customers == 0 {
        Some(Unscored::NoCustomer)
    } else if humans == 0 {
        Some(Unscored::NoAgent)
    } else {
        None
    };
    let platform = conversation_kpi(rules, &kpi_messages, orders_known);
    let kpi = Kpi {
        first_response_s: first_response,
        avg_response_s: (!response_times.is_empty()).then(|| {
            let sum: u64 = response_times.iter().map(|&t| u64::from(t)).sum();
            (sum as f64 / response_times.len() as f64 * 10.0).round() / 10.0
        }),
        max_response_s: response_times.iter().copied().max(),
        approximate,
        platform,
    };
    if unscored.is_some() {
        // Nothing to judge: no scores, no findings, and the reason in the output.
        return ConversationResult {
            conversation: conv.id,
            agent: agent_counts.first().map(|(n, _)| n.clone()),
            messages,
            overall: None,
            dimensions: scorer
                .dimensions
                .iter()
                .map(|d| (Arc::clone(&d.key), None))
                .collect(),
            kpi,
            converted,
            findings: Vec::new(),
            response_times,
            inquiry: customers > 0,
            red_line: false,
            unscored,
        };
    }
    // The conversation-level checks (tone, farewell), on the last reply's turn.
    let closing = scorer.finish(&state);
    session.add_closing(&closing);
    findings.extend(
        closing
            .checks
            .into_iter()
            .filter(|c| all_findings || !c.passed)
            .map(|c| Finding::of(turn.max(1), c)),
    );
    // Red lines first, findings for review last.
    findings.sort_by_key(|f| (!f.red_line, f.review));
    let scores = session.scores(&scorer.dimensions);
    let mut overall = session.overall(&scorer.dimensions, &scores);
    if training_end {
        // Re-scoring a training transcript gives the trainer's overall: the same cap for a
        // lost customer and the same cost for each hint. A real chat has neither.
        overall = crate::session::final_overall(overall, lost, hints).0;
    }
    let dimensions = scorer.dimensions.iter().map(|d| Arc::clone(&d.key));
    let agent = agent_counts
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(n, _)| n.clone());
    ConversationResult {
        conversation: conv.id,
        agent,
        messages,
        overall,
        dimensions: dimensions.zip(scores).collect(),
        kpi,
        converted,
        findings,
        response_times,
        inquiry: true,
        red_line: session.red_line,
        unscored: None,
    }
}

/// Appends the JSON line for a conversation (with its newline).
///
/// Written field by field rather than through serde: the findings' Chinese text is most of the
/// output, and [`push_json_str`] copies it in whole runs. The line is byte for byte what
/// `serde_json::to_string` makes of the same result (a test holds it to that).
pub fn to_json_line(result: &ConversationResult, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"conversation\":");
    push_json_str(out, &result.conversation);
    out.extend_from_slice(b",\"agent\":");
    match &result.agent {
        Some(a) => push_json_str(out, a),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"messages\":");
    result.messages.push_to(out);
    if let Some(u) = result.unscored {
        out.extend_from_slice(b",\"unscored\":\"");
        out.extend_from_slice(u.as_str().as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(b",\"overall\":");
    result.overall.push_to(out);
    out.extend_from_slice(b",\"dimensions\":{");
    for (i, (id, score)) in result.dimensions.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        push_json_str(out, id);
        out.push(b':');
        score.push_to(out);
    }
    let kpi = &result.kpi;
    out.extend_from_slice(b"},\"kpi\":{\"first_response_s\":");
    kpi.first_response_s.push_to(out);
    out.extend_from_slice(b",\"avg_response_s\":");
    kpi.avg_response_s.push_to(out);
    out.extend_from_slice(b",\"max_response_s\":");
    kpi.max_response_s.push_to(out);
    if kpi.approximate {
        out.extend_from_slice(b",\"approximate\":true");
    }
    out.extend_from_slice(b",\"platform\":");
    push_platform_kpi(out, &kpi.platform);
    out.extend_from_slice(b"},\"converted\":");
    match result.converted {
        Some(c) => push_json_bool(out, c),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"findings\":[");
    for (i, f) in result.findings.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"turn\":");
        f.turn.push_to(out);
        out.extend_from_slice(b",\"dimension\":");
        push_json_str(out, &f.dimension);
        out.extend_from_slice(b",\"check\":");
        push_json_str(out, &f.check);
        out.extend_from_slice(b",\"passed\":");
        push_json_bool(out, f.passed);
        out.extend_from_slice(b",\"message\":");
        push_json_str(out, &f.message);
        out.extend_from_slice(b",\"excerpt\":");
        push_json_str(out, &f.excerpt);
        if let Some(better) = &f.better {
            out.extend_from_slice(b",\"better\":");
            push_json_str(out, better);
        }
        if f.red_line {
            out.extend_from_slice(b",\"red_line\":true");
        }
        if f.review {
            out.extend_from_slice(b",\"review\":true");
        }
        out.push(b'}');
    }
    out.extend_from_slice(b"]}\n");
}

/// The platform KPIs of a conversation, as serde_json writes them (a test holds the two
/// together): written field by field, since a line has a round per customer question.
fn push_platform_kpi(out: &mut Vec<u8>, k: &ConversationKpi) {
    fn bool_or_null(out: &mut Vec<u8>, b: Option<bool>) {
        match b {
            Some(b) => push_json_bool(out, b),
            None => out.extend_from_slice(b"null"),
        }
    }
    fn range(out: &mut Vec<u8>, r: Option<super::kpi::Range>) {
        match r {
            Some(r) => {
                out.extend_from_slice(b"{\"lo\":");
                push_integer(out, r.lo);
                out.extend_from_slice(b",\"hi\":");
                push_integer(out, r.hi);
                out.push(b'}');
            }
            None => out.extend_from_slice(b"null"),
        }
    }
    fn quoted(out: &mut Vec<u8>, s: &str) {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    }
    out.extend_from_slice(b"{\"platform\":");
    quoted(out, &k.platform.to_string());
    out.extend_from_slice(b",\"rounds\":[");
    for (i, r) in k.rounds.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(b"{\"index\":");
        push_integer(out, r.index);
        out.extend_from_slice(b",\"question\":");
        push_integer(out, r.question);
        out.extend_from_slice(b",\"answer\":");
        r.answer.push_to(out);
        out.extend_from_slice(b",\"answered_by\":");
        match r.answered_by {
            Some(s) => quoted(
                out,
                match s {
                    Sender::Customer => "customer",
                    Sender::Human => "human",
                    Sender::Robot => "robot",
                    Sender::System => "system",
                },
            ),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"robot_replied\":");
        push_json_bool(out, r.robot_replied);
        out.extend_from_slice(b",\"in_hours\":");
        bool_or_null(out, r.in_hours);
        out.extend_from_slice(b",\"response\":");
        range(out, r.response);
        out.extend_from_slice(b",\"counted\":");
        push_json_bool(out, r.counted);
        out.extend_from_slice(b",\"left_out\":");
        match r.left_out {
            Some(reason) => quoted(
                out,
                match reason {
                    super::kpi::Reason::OutOfHours => "out_of_hours",
                    super::kpi::Reason::NoTime => "no_time",
                    super::kpi::Reason::UnknownHours => "unknown_hours",
                },
            ),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"within\":");
        bool_or_null(out, r.within);
        out.push(b'}');
    }
    out.extend_from_slice(b"],\"first_round\":");
    k.first_round.push_to(out);
    out.extend_from_slice(b",\"first_response\":");
    range(out, k.first_response);
    for (name, n) in [
        (&b",\"rate_numerator\":"[..], k.rate_numerator),
        (b",\"rate_denominator\":", k.rate_denominator),
        (b",\"rate_unknown\":", k.rate_unknown),
        (b",\"rate_left_out\":", k.rate_left_out),
    ] {
        out.extend_from_slice(name);
        push_integer(out, n);
    }
    out.extend_from_slice(b",\"left_message\":");
    bool_or_null(out, k.left_message);
    out.extend_from_slice(b",\"robot_replies\":");
    push_integer(out, k.robot_replies);
    out.extend_from_slice(b",\"inquiry\":");
    push_json_bool(out, k.inquiry);
    out.extend_from_slice(b",\"converted\":");
    bool_or_null(out, k.converted);
    out.extend_from_slice(b",\"paid_orders\":");
    push_integer(out, k.paid_orders);
    out.extend_from_slice(b",\"paid_orders_with_amount\":");
    push_integer(out, k.paid_orders_with_amount);
    out.extend_from_slice(b",\"paid_amount_cents\":");
    push_integer(out, k.paid_amount_cents);
    out.push(b'}');
}

fn push_json_bool(out: &mut Vec<u8>, b: bool) {
    out.extend_from_slice(if b { b"true" } else { b"false" });
}

/// A number (or `null`) as serde_json writes it, without a serializer per number: a line has a
/// dozen.
trait JsonNumber {
    fn push_to(&self, out: &mut Vec<u8>);
}

fn push_integer(out: &mut Vec<u8>, n: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

impl JsonNumber for usize {
    fn push_to(&self, out: &mut Vec<u8>) {
        push_integer(out, *self);
    }
}

impl JsonNumber for u32 {
    fn push_to(&self, out: &mut Vec<u8>) {
        push_integer(out, *self);
    }
}

impl JsonNumber for f64 {
    /// Scores and mean seconds are rounded to tenths, and such a value is written by integer
    /// formatting. serde_json writes the shortest decimal that reads back as the same `f64`;
    /// for the `f64` nearest `n / 10` that is `n / 10` itself, to one decimal place ("65.0").
    /// Anything else (other fractions, -0.0, huge values, NaN) goes to serde_json.
    fn push_to(&self, out: &mut Vec<u8>) {
        let v = *self;
        let tenths = (v * 10.0).round();
        if v.abs() < 1e9 && tenths / 10.0 == v && !(tenths == 0.0 && v.is_sign_negative()) {
            let t = tenths as i64;
            if t < 0 {
                out.push(b'-');
            }
            let t = t.unsigned_abs();
            push_integer(out, t / 10);
            out.push(b'.');
            out.push(b'0' + (t % 10) as u8);
        } else if serde_json::to_writer(&mut *out, &v).is_err() {
            out.extend_from_slice(b"null");
        }
    }
}

impl<T: JsonNumber> JsonNumber for Option<T> {
    fn push_to(&self, out: &mut Vec<u8>) {
        match self {
            Some(n) => n.push_to(out),
            None => out.extend_from_slice(b"null"),
        }
    }
}

/// High bits set where a byte of the word needs escaping in a JSON string (a control character,
/// `"` or `\`); zero when none does. (A set bit can be spurious past a byte that needs escaping,
/// never in a word where none does.)
#[inline]
fn escape_bits(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGHS;
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let zero_in = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    below_space | zero_in(quote) | zero_in(backslash)
}

/// Whether any byte of `bytes` needs escaping. Reads every word, without a branch per word:
/// the strings written are short, and hardly any needs an escape.
#[inline]
fn needs_escape(bytes: &[u8]) -> bool {
    let mut chunks = bytes.chunks_exact(8);
    let mut bits = 0;
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        bits |= escape_bits(u64::from_le_bytes(word));
    }
    // The last few bytes, padded with spaces, which need no escape.
    let mut last = [b' '; 8];
    let rest = chunks.remainder();
    last[..rest.len()].copy_from_slice(rest);
    bits | escape_bits(u64::from_le_bytes(last)) != 0
}

/// Appends `s` as a JSON string with serde_json's escapes: `\"`, `\\`, `\b \f \n \r \t`, and
/// `\u00xx` for other control characters; everything else, Chinese included, as it is. A string
/// with nothing to escape, nearly every one, is copied whole.
pub fn push_json_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    if needs_escape(bytes) {
        push_escaped(out, bytes);
    } else {
        out.extend_from_slice(bytes);
    }
    out.push(b'"');
}

/// The bytes of a string that has something to escape, one at a time, unchanged runs copied
/// whole.
#[cold]
fn push_escaped(out: &mut Vec<u8>, bytes: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut copied = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0C => b"\\f",
            0..=0x1F => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[copied..i]);
        if escape.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xF)]);
        } else {
            out.extend_from_slice(escape);
        }
        copied = i + 1;
    }
    out.extend_from_slice(&bytes[copied..]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(texts: &[&str]) -> ConversationResult {
        ConversationResult {
            conversation: texts[0].to_string(),
            agent: Some(texts[1].to_string()),
            messages: 7,
            overall: Some(83.33333333333333),
            dimensions: vec![
                ("speed".into(), Some(100.0)),
                ("sizing".into(), None),
                ("clarity".into(), Some(0.1 + 0.2)),
            ],
            kpi: Kpi {
                first_response_s: Some(12),
                avg_response_s: Some(40.5),
                max_response_s: Some(300),
                ..Kpi::default()
            },
            converted: Some(false),
            findings: texts
                .iter()
                .enumerate()
                .map(|(i, t)| Finding {
                    turn: i + 1,
                    dimension: Arc::from("clarity"),
                    check: Arc::from(*t),
                    passed: i % 2 == 0,
                    message: format!("{t}，{t}"),
                    excerpt: t.to_string(),
                    // As scoring gives it: on failed checks only.
                    better: (i % 2 != 0).then(|| Arc::from(format!("\"{t}\"\n"))),
                    red_line: i == 1,
                    review: i == 2,
                })
                .collect(),
            response_times: vec![12, 69],
            inquiry: true,
            red_line: false,
            unscored: None,
        }
    }

    #[test]
    fn numbers_are_what_serde_json_writes() {
        let mut values: Vec<f64> = vec![
            0.0,
            -0.0,
            0.1,
            -0.1,
            0.05,
            1e-7,
            65.0,
            88.3,
            99.95,
            100.0,
            1e8,
            99_999_999.9,
            1e9,
            -1e9,
            1.5e9,
            4e9,
            1e15,
            1e16,
            1e17,
            1e21,
            1e22,
            123.456,
            -2.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::MIN_POSITIVE,
            f64::MAX,
        ];
        // Tenths as the engine rounds them, across magnitudes, and values just beside them.
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for i in 0..60_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let scale = 10f64.powi(i % 11);
            let x = (seed % 1_000_000_007) as f64 / 1_000_000_007.0 * scale;
            let tenths = (x * 10.0).round() / 10.0;
            values.extend([x, tenths, -tenths, f64::from_bits(tenths.to_bits() + 1)]);
        }
        for n in 0..20_000 {
            values.push(n as f64 / 10.0);
        }
        for v in values {
            let mut mine = Vec::new();
            Some(v).push_to(&mut mine);
            let theirs = serde_json::to_string(&Some(v)).unwrap();
            assert_eq!(String::from_utf8(mine).unwrap(), theirs, "{v:e}");
        }
        for n in [0u32, 7, 10, 99, 100, 65_535, u32::MAX] {
            let mut mine = Vec::new();
            Some(n).push_to(&mut mine);
            (n as usize).push_to(&mut mine);
            assert_eq!(String::from_utf8(mine).unwrap(), format!("{n}{n}"));
        }
        let mut none = Vec::new();
        None::<f64>.push_to(&mut none);
        assert_eq!(none, b"null");
    }

    #[test]
    fn amounts_paid_are_read_from_the_system_line() {
        assert_eq!(amount_cents("买家已付款，实付 ¥199.00"), Some(19_900));
        assert_eq!(amount_cents("买家已付款 ￥59.9"), Some(5_990));
        assert_eq!(amount_cents("付款129元"), Some(12_900));
        assert_eq!(amount_cents("买家已付款"), None);
    }

    #[test]
    fn json_lines_are_what_serde_json_writes() {
        let texts = [
            "c-1",
            "小美",
            "亲，这款M码刚好哦～😊",
            "quote \" and back\\slash",
            "lines\nand\ttabs\r\u{8}\u{c}",
            "controls \u{0}\u{1}\u{1f} and del \u{7f}",
            "",
            "\"",
            "exactly8",
            "\"at the end of a chunk\\",
            "七个字的中文句子，再加一点点标点符号！",
        ];
        let mut r = result(&texts);
        let mut line = Vec::new();
        to_json_line(&r, &mut line);
        let expected = serde_json::to_string(&r).unwrap() + "\n";
        assert_eq!(String::from_utf8(line).unwrap(), expected);

        // Platform KPIs with every kind of round, and an unscored conversation.
        use crate::qa::kpi::{Platform, Range, Reason, RoundKpi};
        let round = |index: usize,
                     answered_by: Option<Sender>,
                     in_hours: Option<bool>,
                     response: Option<Range>,
                     left_out: Option<Reason>,
                     within: Option<bool>| RoundKpi {
            index,
            question: index * 2,
            answer: answered_by.map(|_| index * 2 + 1),
            answered_by,
            robot_replied: index % 2 == 1,
            in_hours,
            response,
            counted: left_out.is_none(),
            left_out,
            within,
        };
        let p = &mut r.kpi.platform;
        p.platform = Platform::Jd;
        p.rounds = vec![
            round(
                0,
                Some(Sender::Human),
                Some(true),
                Some(Range { lo: 3, hi: 62 }),
                None,
                None,
            ),
            round(
                1,
                Some(Sender::Robot),
                Some(false),
                None,
                Some(Reason::OutOfHours),
                Some(false),
            ),
            round(2, None, None, None, Some(Reason::NoTime), None),
            round(
                3,
                Some(Sender::Human),
                None,
                Some(Range { lo: 0, hi: 0 }),
                Some(Reason::UnknownHours),
                Some(true),
            ),
        ];
        p.first_round = Some(0);
        p.first_response = Some(Range { lo: 3, hi: 62 });
        (
            p.rate_numerator,
            p.rate_denominator,
            p.rate_unknown,
            p.rate_left_out,
        ) = (1, 2, 3, 4);
        (p.left_message, p.robot_replies, p.inquiry, p.converted) =
            (Some(true), 5, true, Some(false));
        (
            p.paid_orders,
            p.paid_orders_with_amount,
            p.paid_amount_cents,
        ) = (2, 1, 19_900);
        r.kpi.approximate = true;
        r.unscored = Some(Unscored::NoAgent);
        let mut line = Vec::new();
        to_json_line(&r, &mut line);
        let expected = serde_json::to_string(&r).unwrap() + "\n";
        assert_eq!(String::from_utf8(line).unwrap(), expected);
        r.unscored = None;

        r.agent = None;
        r.overall = None;
        r.converted = None;
        r.kpi = Kpi::default();
        r.findings.clear();
        r.dimensions.clear();
        let mut line = Vec::new();
        to_json_line(&r, &mut line);
        let expected = serde_json::to_string(&r).unwrap() + "\n";
        assert_eq!(String::from_utf8(line).unwrap(), expected);
    }

    #[test]
    fn every_byte_is_escaped_as_serde_json_escapes_it() {
        // Every ASCII byte at every place of strings up to 17 bytes long: in a whole word, in the
        // few bytes after the last one, first and last; and among Chinese characters.
        let mut cases = vec!["".to_string(), "亲，“好的”\n".to_string()];
        for b in 0u8..0x80 {
            let c = b as char;
            cases.push(format!("ab{c}cdefghij{c}"));
            cases.push(format!("尺码{c}"));
            for len in 1..=17 {
                for at in 0..len {
                    let mut s: String = "x".repeat(len);
                    s.replace_range(at..at + 1, &c.to_string());
                    cases.push(s);
                }
            }
        }
        for s in cases {
            let mut out = Vec::new();
            push_json_str(&mut out, &s);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&s).unwrap(),
                "{s:?}"
            );
        }
    }
}
