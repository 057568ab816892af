//! The report's mergeable state. Everything is kept so that merging the states of shards gives
//! exactly the state of one run over all the input: scores as integer tenths, response times as
//! exact histograms of whole seconds, examples chosen by a total order, capped lists sorted
//! before they are cut.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::score::ConversationResult;

/// How many non-converted conversations each agent's 未成交分析 keeps.
pub const NON_CONVERTED_KEPT: usize = 20;
/// How many failed checks a non-converted conversation lists.
pub const MAIN_FAILURES: usize = 3;
/// The agent name used when an export names none.
pub const UNKNOWN_AGENT: &str = "(unknown)";

/// A failed check, with its first example (smallest conversation id, then turn).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedCheck {
    pub count: u64,
    pub dimension: String,
    pub example_conversation: String,
    pub example_turn: usize,
    pub example_message: String,
    pub example_excerpt: String,
    /// What a better reply would have said (the check's advice).
    pub better: String,
}

/// A conversation that did not convert, and what went wrong in it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct NonConverted {
    /// Overall score in tenths (-1 when not scored), first so that the worst sort first.
    pub overall_tenths: i64,
    pub conversation: String,
    pub failed_checks: Vec<String>,
}

/// Figures for one agent, or for the team.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    pub conversations: u64,
    pub inquiries: u64,
    pub overall_sum: i64,
    pub overall_n: u64,
    /// Per dimension id: (sum of tenths, count).
    pub dimensions: BTreeMap<String, (i64, u64)>,
    /// Seconds → count.
    pub first_response: BTreeMap<u32, u64>,
    pub response: BTreeMap<u32, u64>,
    pub within_3min: u64,
    pub within_30s: u64,
    pub outcome_known: u64,
    pub converted: u64,
    pub red_lines: u64,
    pub failed_checks: BTreeMap<String, FailedCheck>,
    pub non_converted: Vec<NonConverted>,
}

fn tenths(x: f64) -> i64 {
    (x * 10.0).round() as i64
}

impl Stats {
    pub fn add(&mut self, r: &ConversationResult) {
        self.conversations += 1;
        if r.inquiry {
            self.inquiries += 1;
            if r.kpi.replied_within_3min {
                self.within_3min += 1;
            }
            if r.kpi.first_response_s.is_some_and(|t| t <= 30) {
                self.within_30s += 1;
            }
        }
        if let Some(o) = r.overall {
            self.overall_sum += tenths(o);
            self.overall_n += 1;
        }
        for (id, score) in &r.dimensions {
            // The ids are the same in every conversation: cloned only the first time.
            let e = match self.dimensions.get_mut(&**id) {
                Some(e) => e,
                None => self.dimensions.entry(id.to_string()).or_insert((0, 0)),
            };
            if let Some(s) = score {
                e.0 += tenths(*s);
                e.1 += 1;
            }
        }
        if let Some(t) = r.kpi.first_response_s {
            *self.first_response.entry(t).or_insert(0) += 1;
        }
        for t in &r.response_times {
            *self.response.entry(*t).or_insert(0) += 1;
        }
        if r.red_line {
            self.red_lines += 1;
        }
        if let Some(c) = r.converted {
            self.outcome_known += 1;
            if c {
                self.converted += 1;
            }
        }
        let mut failed_here: Vec<(&str, usize)> = Vec::new();
        for f in r.findings.iter().filter(|f| !f.passed) {
            if !failed_here.iter().any(|(c, _)| *c == &*f.check) {
                failed_here.push((&f.check, f.turn));
            }
            let failure = Failure {
                count: 1,
                dimension: &f.dimension,
                conversation: &r.conversation,
                turn: f.turn,
                message: &f.message,
                excerpt: &f.excerpt,
                better: f.better.as_deref().unwrap_or(""),
            };
            merge_failed(&mut self.failed_checks, &f.check, &failure);
        }
        if r.converted == Some(false) {
            self.non_converted.push(NonConverted {
                overall_tenths: r.overall.map_or(-1, tenths),
                conversation: r.conversation.clone(),
                failed_checks: failed_here
                    .iter()
                    .take(MAIN_FAILURES)
                    .map(|(c, _)| c.to_string())
                    .collect(),
            });
            trim(&mut self.non_converted);
        }
    }

    pub fn merge(&mut self, other: &Stats) {
        self.conversations += other.conversations;
        self.inquiries += other.inquiries;
        self.overall_sum += other.overall_sum;
        self.overall_n += other.overall_n;
        for (k, (s, n)) in &other.dimensions {
            let e = self.dimensions.entry(k.clone()).or_insert((0, 0));
            e.0 += s;
            e.1 += n;
        }
        for (t, c) in &other.first_response {
            *self.first_response.entry(*t).or_insert(0) += c;
        }
        for (t, c) in &other.response {
            *self.response.entry(*t).or_insert(0) += c;
        }
        self.within_3min += other.within_3min;
        self.within_30s += other.within_30s;
        self.outcome_known += other.outcome_known;
        self.converted += other.converted;
        self.red_lines += other.red_lines;
        for (k, f) in &other.failed_checks {
            merge_failed(&mut self.failed_checks, k, &Failure::of(f));
        }
        self.non_converted
            .extend(other.non_converted.iter().cloned());
        trim(&mut self.non_converted);
    }
}

/// A failed check's count and example, borrowed from a conversation or another state.
struct Failure<'a> {
    count: u64,
    dimension: &'a str,
    conversation: &'a str,
    turn: usize,
    message: &'a str,
    excerpt: &'a str,
    better: &'a str,
}

impl<'a> Failure<'a> {
    fn of(f: &'a FailedCheck) -> Failure<'a> {
        Failure {
            count: f.count,
            dimension: &f.dimension,
            conversation: &f.example_conversation,
            turn: f.example_turn,
            message: &f.example_message,
            excerpt: &f.example_excerpt,
            better: &f.better,
        }
    }
}

/// Counts a failure in; its example replaces the kept one when it comes first (smallest
/// conversation id, then turn). Texts are copied only when an example is kept.
fn merge_failed(map: &mut BTreeMap<String, FailedCheck>, check: &str, new: &Failure<'_>) {
    let keep = |old: &mut FailedCheck| {
        let copy = |to: &mut String, from: &str| {
            to.clear();
            to.push_str(from);
        };
        copy(&mut old.dimension, new.dimension);
        copy(&mut old.example_conversation, new.conversation);
        old.example_turn = new.turn;
        copy(&mut old.example_message, new.message);
        copy(&mut old.example_excerpt, new.excerpt);
        copy(&mut old.better, new.better);
    };
    match map.get_mut(check) {
        Some(old) => {
            old.count += new.count;
            if (new.conversation, new.turn) < (old.example_conversation.as_str(), old.example_turn)
            {
                keep(old);
            }
        }
        None => {
            let mut first = FailedCheck {
                count: new.count,
                ..FailedCheck::default()
            };
            keep(&mut first);
            map.insert(check.to_string(), first);
        }
    }
}

fn trim(list: &mut Vec<NonConverted>) {
    if list.len() > 2 * NON_CONVERTED_KEPT {
        list.sort();
        list.truncate(NON_CONVERTED_KEPT);
    }
}

/// The whole mergeable state of a report (what `--partial` writes).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportState {
    /// Format version, so that an old partial file is refused rather than misread.
    pub version: u32,
    /// Dimension ids in rubric order, to lay out the report.
    pub dimension_order: Vec<String>,
    /// Their display names, Chinese and English, in the same order.
    #[serde(default)]
    pub dimension_names: Vec<(String, String)>,
    pub team: Stats,
    pub agents: BTreeMap<String, Stats>,
    pub messages: u64,
    pub bad_lines: u64,
}

pub const STATE_VERSION: u32 = 2;

impl ReportState {
    pub fn new(dimensions: &[crate::engine::DimensionInfo]) -> Self {
        ReportState {
            version: STATE_VERSION,
            dimension_order: dimensions.iter().map(|d| d.id.clone()).collect(),
            dimension_names: dimensions
                .iter()
                .map(|d| (d.name.clone(), d.name_en.clone()))
                .collect(),
            ..ReportState::default()
        }
    }

    /// A dimension's column title in the report's language (its id if unnamed).
    pub fn dimension_label(&self, index: usize, lang: crate::lang::Lang) -> String {
        match (self.dimension_names.get(index), lang) {
            (Some((zh, _)), crate::lang::Lang::Zh) => zh.clone(),
            (Some((_, en)), crate::lang::Lang::En) => en.clone(),
            (None, _) => self.dimension_order.get(index).cloned().unwrap_or_default(),
        }
    }

    pub fn add(&mut self, r: &ConversationResult) {
        self.messages += r.messages as u64;
        self.team.add(r);
        let agent = r.agent.as_deref().unwrap_or(UNKNOWN_AGENT);
        match self.agents.get_mut(agent) {
            Some(stats) => stats.add(r),
            None => self.agents.entry(agent.to_string()).or_default().add(r),
        }
    }

    pub fn merge(&mut self, other: &ReportState) {
        if self.dimension_order.is_empty() {
            self.dimension_order = other.dimension_order.clone();
            self.dimension_names = other.dimension_names.clone();
        }
        self.team.merge(&other.team);
        for (k, s) in &other.agents {
            self.agents.entry(k.clone()).or_default().merge(s);
        }
        self.messages += other.messages;
        self.bad_lines += other.bad_lines;
    }

    /// Puts capped lists in their final order (idempotent; called before rendering or saving).
    pub fn settle(&mut self) {
        let settle = |s: &mut Stats| {
            s.non_converted.sort();
            s.non_converted.truncate(NON_CONVERTED_KEPT);
        };
        settle(&mut self.team);
        self.agents.values_mut().for_each(settle);
    }
}

/// The value at quantile `q` (nearest rank) of an exact histogram.
pub fn percentile(hist: &BTreeMap<u32, u64>, q: f64) -> Option<u32> {
    let total: u64 = hist.values().sum();
    if total == 0 {
        return None;
    }
    let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
    let mut seen = 0;
    for (v, c) in hist {
        seen += c;
        if seen >= rank {
            return Some(*v);
        }
    }
    hist.keys().next_back().copied()
}

/// The mean of an exact histogram.
pub fn mean(hist: &BTreeMap<u32, u64>) -> Option<f64> {
    let total: u64 = hist.values().sum();
    (total > 0).then(|| {
        let sum: u128 = hist
            .iter()
            .map(|(v, c)| u128::from(*v) * u128::from(*c))
            .sum();
        sum as f64 / total as f64
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failing(conversation: &str, turns: &[usize]) -> ConversationResult {
        use crate::qa::score::{Finding, Kpi};
        ConversationResult {
            conversation: conversation.to_string(),
            agent: Some("小美".to_string()),
            messages: 4,
            overall: Some(50.0),
            dimensions: vec![("speed".into(), Some(50.0))],
            kpi: Kpi::default(),
            converted: None,
            findings: turns
                .iter()
                .map(|&turn| Finding {
                    turn,
                    dimension: "speed".into(),
                    check: "fast".into(),
                    passed: false,
                    message: format!("{conversation} turn {turn}"),
                    excerpt: String::new(),
                    better: Some("faster".into()),
                    red_line: false,
                    review: false,
                })
                .collect(),
            response_times: Vec::new(),
            inquiry: true,
            red_line: false,
        }
    }

    #[test]
    fn a_failed_check_keeps_its_first_example_whatever_the_order() {
        let mut state = ReportState::default();
        for r in [
            failing("c2", &[1]),
            failing("c1", &[3, 2]),
            failing("c3", &[1]),
        ] {
            state.add(&r);
        }
        for stats in [&state.team, &state.agents["小美"]] {
            let f = &stats.failed_checks["fast"];
            assert_eq!(f.count, 4);
            assert_eq!((f.example_conversation.as_str(), f.example_turn), ("c1", 2));
            assert_eq!(f.example_message, "c1 turn 2");
            assert_eq!(stats.dimensions["speed"], (1500, 3));
        }
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let hist: BTreeMap<u32, u64> = [(1, 1), (2, 1), (3, 1), (4, 1), (10, 1)].into();
        assert_eq!(percentile(&hist, 0.5), Some(3));
        assert_eq!(percentile(&hist, 0.9), Some(10));
        assert_eq!(percentile(&BTreeMap::new(), 0.5), None);
        assert_eq!(mean(&hist), Some(4.0));
    }
}
