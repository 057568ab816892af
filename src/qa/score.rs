//! Scores one real conversation with the training engine: per-reply checks, dimension and
//! overall scores, response-time KPIs, conversion, and findings.

use std::io::Write as _;
use std::sync::Arc;

use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};

use super::group::Conversation;
use crate::engine::{Scorer, SessionScore, Situation};
use crate::transcript::Role;

/// Response-time figures of one conversation, in whole seconds.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Kpi {
    /// From the customer's first message to the first reply.
    pub first_response_s: Option<u32>,
    pub avg_response_s: Option<f64>,
    pub max_response_s: Option<u32>,
    /// The first customer message got a reply within 3 minutes (Taobao rule).
    pub replied_within_3min: bool,
}

/// One check's verdict on one agent message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// 1-based index of the agent message in its conversation.
    pub turn: usize,
    pub dimension: Arc<str>,
    pub check: Arc<str>,
    pub passed: bool,
    pub message: String,
    pub excerpt: String,
}

/// A scored conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct ConversationResult {
    pub conversation: String,
    pub agent: Option<String>,
    pub messages: usize,
    pub overall: Option<f64>,
    /// In rubric order: (dimension id, score).
    pub dimensions: Vec<(String, Option<f64>)>,
    pub kpi: Kpi,
    pub converted: Option<bool>,
    pub findings: Vec<Finding>,
    /// Every customer-to-reply wait, whole seconds (for the report's exact percentiles).
    pub response_times: Vec<u32>,
    /// The conversation had a customer message (an inquiry).
    pub inquiry: bool,
    pub red_line: bool,
}

struct Dimensions<'a>(&'a [(String, Option<f64>)]);

impl Serialize for Dimensions<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl Serialize for ConversationResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(8))?;
        map.serialize_entry("conversation", &self.conversation)?;
        map.serialize_entry("agent", &self.agent)?;
        map.serialize_entry("messages", &self.messages)?;
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

/// Scores a conversation. Findings list the failed checks, or every check with `all_findings`.
pub fn score_conversation(
    scorer: &Scorer,
    conv: Conversation,
    all_findings: bool,
) -> ConversationResult {
    let mut state = scorer.new_conversation();
    let mut session = SessionScore::new(scorer.dimensions.len());
    let mut product: Option<String> = None;
    let mut agent_counts: Vec<(String, usize)> = Vec::new();
    let mut waiting_since: Option<i64> = None;
    let mut first_customer: Option<i64> = None;
    let mut first_response: Option<u32> = None;
    let mut response_times = Vec::new();
    let mut converted: Option<bool> = None;
    let mut findings = Vec::new();
    let mut turn = 0usize;
    let messages = conv.messages.len();
    for m in conv.messages {
        if let Some(p) = m.product.as_deref() {
            if scorer.catalog.product(p).is_some() {
                product = Some(p.to_string());
            }
        }
        match m.role {
            Role::Customer => {
                if product.is_none() {
                    product = scorer
                        .customer_message_with_product(&mut state, &m.text)
                        .map(String::from);
                } else {
                    scorer.customer_message(&mut state, &m.text);
                }
                first_customer.get_or_insert(m.ts);
                waiting_since.get_or_insert(m.ts);
            }
            Role::Agent => {
                turn += 1;
                if let Some(name) = m.agent.as_deref().filter(|a| !a.is_empty()) {
                    match agent_counts.iter_mut().find(|(n, _)| n == name) {
                        Some((_, c)) => *c += 1,
                        None => agent_counts.push((name.to_string(), 1)),
                    }
                }
                let waited = waiting_since
                    .take()
                    .map(|since| (m.ts - since).clamp(0, i64::from(u32::MAX)) as u32);
                if let Some(w) = waited {
                    response_times.push(w);
                    if first_response.is_none() && first_customer.is_some() {
                        first_response = Some(w);
                    }
                }
                let latency_ms = m
                    .latency_ms
                    .or(waited.map(|w| u64::from(w) * 1000))
                    .unwrap_or(0);
                let situation = Situation {
                    product: product.as_deref(),
                    ..Situation::default()
                };
                let reply = scorer.score_reply(&mut state, &situation, &m.text, latency_ms, None);
                session.add_scores(&reply);
                for c in reply
                    .checks
                    .into_iter()
                    .filter(|c| all_findings || !c.passed)
                {
                    findings.push(Finding {
                        turn,
                        dimension: c.dimension,
                        check: c.check,
                        passed: c.passed,
                        message: c.message,
                        excerpt: c.excerpt,
                    });
                }
            }
            Role::System => {
                if let Some(ev) = m.event.as_deref().and_then(conversion_event) {
                    // A sale anywhere in the chat counts, even if the buyer left afterwards.
                    converted = Some(converted.unwrap_or(false) || ev);
                }
            }
        }
    }
    let totals = session.totals(&scorer.dimensions);
    let agent = agent_counts
        .iter()
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|(n, _)| n.clone());
    let kpi = Kpi {
        first_response_s: first_response,
        avg_response_s: (!response_times.is_empty()).then(|| {
            let sum: u64 = response_times.iter().map(|&t| u64::from(t)).sum();
            (sum as f64 / response_times.len() as f64 * 10.0).round() / 10.0
        }),
        max_response_s: response_times.iter().copied().max(),
        replied_within_3min: first_response.is_some_and(|t| t <= 180),
    };
    ConversationResult {
        conversation: conv.id,
        agent,
        messages,
        overall: totals.overall,
        dimensions: totals.dimensions,
        kpi,
        converted,
        findings,
        response_times,
        inquiry: first_customer.is_some(),
        red_line: totals.red_line,
    }
}

/// Appends the JSON line for a conversation (with its newline).
pub fn to_json_line(result: &ConversationResult, out: &mut Vec<u8>) {
    let start = out.len();
    match serde_json::to_writer(&mut *out, result) {
        Ok(()) => out.push(b'\n'),
        Err(e) => {
            out.truncate(start);
            let _ = writeln!(
                out,
                "{{\"conversation\":{:?},\"error\":{:?}}}",
                result.conversation,
                e.to_string()
            );
        }
    }
}
