//! The report's mergeable state. Everything is kept so that merging the states of shards gives
//! exactly the state of one run over all the input: scores as integer tenths, response times as
//! exact histograms of whole seconds, examples chosen by a total order, capped lists sorted
//! before they are cut.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::kpi::{KpiRules, KpiTotals};
use super::score::ConversationResult;

/// How many non-converted conversations each agent's 未成交分析 keeps.
pub const NON_CONVERTED_KEPT: usize = 20;
/// How many failed checks a non-converted conversation lists.
pub const MAIN_FAILURES: usize = 3;
/// How many findings for review (待复核) the report keeps: the first by conversation id, turn
/// and check.
pub const REVIEW_KEPT: usize = 50;

/// A failed check, with its first example (smallest conversation id, then turn).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailedCheck {
    /// Failures: replies for a check judged on every reply, conversations for one judged once
    /// per conversation.
    pub count: u64,
    /// Conversations with at least one failure of the check.
    pub conversations: u64,
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

/// A finding the engine was unsure of (待复核), for a person to confirm. Ordered by
/// conversation, turn and check, so that the kept ones are the same however the input was split.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ReviewItem {
    pub conversation: String,
    pub turn: usize,
    pub check: String,
    pub message: String,
    pub excerpt: String,
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
    /// The platform's KPIs, summed (see `docs/kpi.md`).
    pub kpi: KpiTotals,
    /// Conversations with no customer message or no reply from a person: listed, not scored.
    pub unscored: u64,
    pub outcome_known: u64,
    pub converted: u64,
    pub red_lines: u64,
    /// Failed checks; findings for review are not among them.
    pub failed_checks: BTreeMap<String, FailedCheck>,
    /// Findings for review (待复核), per check: counted apart from failures.
    pub review_checks: BTreeMap<String, u64>,
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
        self.kpi.add(&r.kpi.platform);
        self.unscored += u64::from(r.unscored.is_some());
        if let Some(c) = r.converted {
            self.outcome_known += 1;
            if c {
                self.converted += 1;
            }
        }
        let mut failed_here: Vec<(&str, usize)> = Vec::new();
        for f in r.findings.iter().filter(|f| !f.passed) {
            if f.review {
                match self.review_checks.get_mut(&*f.check) {
                    Some(n) => *n += 1,
                    None => {
                        self.review_checks.insert(f.check.to_string(), 1);
                    }
                }
                continue;
            }
            let first_here = !failed_here.iter().any(|(c, _)| *c == &*f.check);
            if first_here {
                failed_here.push((&f.check, f.turn));
            }
            let failure = Failure {
                count: 1,
                conversations: u64::from(first_here),
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
        self.kpi.merge(&other.kpi);
        self.unscored += other.unscored;
        self.outcome_known += other.outcome_known;
        self.converted += other.converted;
        self.red_lines += other.red_lines;
        for (k, f) in &other.failed_checks {
            merge_failed(&mut self.failed_checks, k, &Failure::of(f));
        }
        for (k, n) in &other.review_checks {
            *self.review_checks.entry(k.clone()).or_insert(0) += n;
        }
        self.non_converted
            .extend(other.non_converted.iter().cloned());
        trim(&mut self.non_converted);
    }
}

/// A failed check's count and example, borrowed from a conversation or another state.
struct Failure<'a> {
    count: u64,
    conversations: u64,
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
            conversations: f.conversations,
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
            old.conversations += new.conversations;
            if (new.conversation, new.turn) < (old.example_conversation.as_str(), old.example_turn)
            {
                keep(old);
            }
        }
        None => {
            let mut first = FailedCheck {
                count: new.count,
                conversations: new.conversations,
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
    /// The checks judged once per conversation (tone, farewell): their failures are counted
    /// in conversations, not replies.
    pub per_conversation: BTreeSet<String>,
    pub team: Stats,
    /// Per agent, by the name the export gives.
    pub agents: BTreeMap<String, Stats>,
    /// The conversations whose export names no agent: apart from every named agent, even one
    /// whose name is "(unknown)" or "未知客服".
    pub no_agent: Option<Stats>,
    /// The first findings for review (待复核), at most [`REVIEW_KEPT`]; `team.review_checks`
    /// counts them all.
    pub review: Vec<ReviewItem>,
    pub messages: u64,
    pub bad_lines: u64,
    /// Whose KPI definitions the figures follow (None in a state made before any run).
    #[serde(default)]
    pub kpi_rules: Option<KpiRules>,
}

pub const STATE_VERSION: u32 = 4;

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

    /// Whether a check is judged once per conversation rather than on every reply.
    pub fn is_per_conversation(&self, check: &str) -> bool {
        self.per_conversation.contains(check)
    }

    pub fn add(&mut self, r: &ConversationResult) {
        self.messages += r.messages as u64;
        self.team.add(r);
        let stats = match r.agent.as_deref() {
            Some(agent) => match self.agents.get_mut(agent) {
                Some(stats) => stats,
                None => self.agents.entry(agent.to_string()).or_default(),
            },
            None => self.no_agent.get_or_insert_with(Stats::default),
        };
        stats.add(r);
        let before = self.review.len();
        self.review.extend(
            r.findings
                .iter()
                .filter(|f| f.review && !f.passed)
                .map(|f| ReviewItem {
                    conversation: r.conversation.clone(),
                    turn: f.turn,
                    check: f.check.to_string(),
                    message: f.message.clone(),
                    excerpt: f.excerpt.clone(),
                }),
        );
        if self.review.len() > before {
            trim_review(&mut self.review);
        }
    }

    pub fn merge(&mut self, other: &ReportState) {
        if self.kpi_rules.is_none() {
            self.kpi_rules = other.kpi_rules;
        }
        if self.dimension_order.is_empty() {
            self.dimension_order = other.dimension_order.clone();
            self.dimension_names = other.dimension_names.clone();
        }
        self.per_conversation
            .extend(other.per_conversation.iter().cloned());
        self.team.merge(&other.team);
        for (k, s) in &other.agents {
            self.agents.entry(k.clone()).or_default().merge(s);
        }
        if let Some(s) = &other.no_agent {
            self.no_agent.get_or_insert_with(Stats::default).merge(s);
        }
        self.review.extend(other.review.iter().cloned());
        trim_review(&mut self.review);
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
        self.no_agent.iter_mut().for_each(settle);
        self.review.sort();
        self.review.truncate(REVIEW_KEPT);
    }
}

impl Stats {
    /// Findings for review, all checks together.
    pub fn reviews(&self) -> u64 {
        self.review_checks.values().sum()
    }
}

fn trim_review(list: &mut Vec<ReviewItem>) {
    if list.len() > 2 * REVIEW_KEPT {
        list.sort();
        list.truncate(REVIEW_KEPT);
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
            unscored: None,
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

    /// A conversation of `agent` with the given findings: (check, turn, review).
    fn with_findings(
        conversation: &str,
        agent: Option<&str>,
        findings: &[(&str, usize, bool)],
    ) -> ConversationResult {
        let mut r = failing(conversation, &[]);
        r.agent = agent.map(String::from);
        r.findings = findings
            .iter()
            .map(|&(check, turn, review)| crate::qa::score::Finding {
                turn,
                dimension: "courtesy".into(),
                check: check.into(),
                passed: false,
                message: format!("{conversation} {check} {turn}"),
                excerpt: "亲".into(),
                better: None,
                red_line: false,
                review,
            })
            .collect();
        r
    }

    #[test]
    fn a_check_counts_the_conversations_it_failed_in_beside_its_failures() {
        let results = [
            with_findings(
                "c1",
                Some("小美"),
                &[
                    ("polite", 1, false),
                    ("polite", 3, false),
                    ("tone", 3, false),
                ],
            ),
            with_findings("c2", Some("小美"), &[("polite", 2, false)]),
            with_findings("c3", Some("小美"), &[("tone", 1, false)]),
        ];
        let mut state = ReportState::default();
        results.iter().for_each(|r| state.add(r));
        let f = &state.team.failed_checks;
        assert_eq!((f["polite"].count, f["polite"].conversations), (3, 2));
        assert_eq!((f["tone"].count, f["tone"].conversations), (2, 2));
        // Merged from a first conversation and the rest, the same.
        let (mut a, mut b) = (ReportState::default(), ReportState::default());
        a.add(&results[0]);
        results[1..].iter().for_each(|r| b.add(r));
        a.merge(&b);
        assert_eq!(a.team.failed_checks, state.team.failed_checks);
    }

    #[test]
    fn findings_for_review_are_counted_apart_and_the_first_are_kept() {
        let mut whole = ReportState::default();
        let mut parts = [ReportState::default(), ReportState::default()];
        // More than are kept, in an order that is not theirs.
        for i in (0..REVIEW_KEPT + 30).rev() {
            let r = with_findings(
                &format!("c{i:03}"),
                Some("小美"),
                &[("polite", 1, false), ("claims", 2, true)],
            );
            whole.add(&r);
            parts[i % 2].add(&r);
        }
        let [mut merged, other] = parts;
        merged.merge(&other);
        for state in [&mut whole, &mut merged] {
            state.settle();
            let team = &state.team;
            assert!(!team.failed_checks.contains_key("claims"));
            assert_eq!(
                team.failed_checks["polite"].count,
                (REVIEW_KEPT + 30) as u64
            );
            assert_eq!(team.reviews(), (REVIEW_KEPT + 30) as u64);
            assert_eq!(
                state.agents["小美"].review_checks["claims"],
                (REVIEW_KEPT + 30) as u64
            );
            assert_eq!(state.review.len(), REVIEW_KEPT);
            assert_eq!(state.review[0].conversation, "c000");
            assert_eq!(state.review[0].turn, 2);
            assert_eq!(
                state.review[REVIEW_KEPT - 1].conversation,
                format!("c{:03}", REVIEW_KEPT - 1)
            );
        }
        assert_eq!(whole, merged);
        // A finding for review is no main failure of a conversation that did not convert.
        let mut state = ReportState::default();
        let mut r = with_findings("c1", None, &[("claims", 1, true)]);
        r.converted = Some(false);
        state.add(&r);
        assert!(state.team.non_converted[0].failed_checks.is_empty());
    }

    #[test]
    fn an_agent_named_unknown_is_not_the_conversations_that_name_none() {
        let mut state = ReportState::default();
        state.add(&with_findings("c1", Some("(unknown)"), &[]));
        state.add(&with_findings("c2", None, &[]));
        state.add(&with_findings("c3", None, &[]));
        assert_eq!(state.agents.len(), 1);
        assert_eq!(state.agents["(unknown)"].conversations, 1);
        assert_eq!(state.no_agent.as_ref().map(|s| s.conversations), Some(2));
        let mut merged = ReportState::default();
        merged.merge(&state);
        merged.merge(&state);
        assert_eq!(merged.agents["(unknown)"].conversations, 2);
        assert_eq!(merged.no_agent.map(|s| s.conversations), Some(4));
    }

    /// The checks the engine lists as judged once per conversation are those, and only those,
    /// that come from `Scorer::finish`, and none of them from a reply.
    #[test]
    fn per_conversation_checks_are_the_ones_the_engine_judges_at_the_end() {
        use crate::engine::{Scorer, Situation};
        let content = crate::content::Content::load(None).expect("the bundled content loads");
        let mut scorer = Scorer::new(&content, crate::lang::Lang::Zh).expect("a scorer");
        scorer.set_explain_passes(true);
        let ids: BTreeSet<String> = scorer
            .per_conversation_checks()
            .map(str::to_string)
            .collect();
        let per_conversation_kinds: BTreeSet<&str> = content
            .rubric
            .checks
            .iter()
            .filter(|c| ids.contains(c.id()))
            .map(|c| c.kind.get_ref().as_str())
            .collect();
        // The bundled rubric has tone and farewell checks.
        assert!(!ids.is_empty());
        let kind_of = |id: &str| {
            content
                .rubric
                .checks
                .iter()
                .find(|c| c.id() == id)
                .map(|c| c.kind.get_ref().clone())
        };
        let mut at_the_end = BTreeSet::new();
        let chats: [&[(&str, &str)]; 3] = [
            &[
                ("在吗", "亲，在的～"),
                ("好的，拍了，谢谢", "谢谢亲，有问题随时找我哦～"),
            ],
            &[("这件T恤能便宜点吗", "不能"), ("那算了", "嗯")],
            &[("M码有货吗", "有"), ("行，拍了一件。", "好")],
        ];
        for chat in chats {
            let mut state = scorer.new_conversation();
            for (customer, reply) in chat {
                scorer.customer_message(&mut state, customer);
                let r = scorer.score_reply(&mut state, &Situation::default(), reply, 5000, None);
                for c in &r.checks {
                    assert!(!ids.contains(&*c.check), "{} judged on a reply", c.check);
                    assert!(!per_conversation_kinds.contains(c.kind), "{}", c.kind);
                }
            }
            for c in scorer.finish(&state).checks {
                assert!(ids.contains(&*c.check), "{} judged at the end", c.check);
                assert_eq!(kind_of(&c.check).as_deref(), Some(c.kind));
                at_the_end.insert(c.check.to_string());
            }
        }
        // Every check of those kinds in the bundled rubric was seen at the end.
        assert_eq!(at_the_end, ids);
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
