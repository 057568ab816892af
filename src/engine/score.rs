//! Combining reply scores into a conversation's scores: per dimension (mean or best, as the
//! rubric says), overall, and the corrections most worth learning from.

use serde::Serialize;

use super::{CheckResult, DimensionInfo, ReplyScore, overall_score, round1};
use crate::content::rubric::Aggregate;

/// Running totals for one conversation.
#[derive(Debug, Clone, Default)]
pub struct SessionScore {
    sums: Vec<f64>,
    counts: Vec<u32>,
    best: Vec<Option<f64>>,
    worst: Vec<Option<f64>>,
    pub red_line: bool,
    pub replies: usize,
    /// Failed checks, with the 1-based number of the reply they belong to.
    pub failures: Vec<(usize, CheckResult)>,
}

/// A conversation's final figures.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SessionTotals {
    /// Per dimension id: 0–100, or `None` when it never came up.
    pub dimensions: Vec<(String, Option<f64>)>,
    pub overall: Option<f64>,
    pub red_line: bool,
}

impl SessionScore {
    pub fn new(dimensions: usize) -> Self {
        SessionScore {
            sums: vec![0.0; dimensions],
            counts: vec![0; dimensions],
            best: vec![None; dimensions],
            worst: vec![None; dimensions],
            ..SessionScore::default()
        }
    }

    /// Adds a reply's scores and keeps its failures for [`SessionScore::top_corrections`].
    pub fn add(&mut self, reply: &ReplyScore) {
        self.add_scores(reply);
        for c in reply.failures() {
            self.failures.push((self.replies, c.clone()));
        }
    }

    /// Adds a reply's scores only (for callers that keep the failures themselves).
    pub fn add_scores(&mut self, reply: &ReplyScore) {
        self.replies += 1;
        self.add_dimensions(reply);
    }

    /// Adds the verdicts of the conversation's end ([`Scorer::finish`](super::Scorer::finish)):
    /// its dimensions count beside the replies', and its failures belong to the last reply.
    pub fn add_closing(&mut self, closing: &ReplyScore) {
        self.add_dimensions(closing);
        for c in closing.failures() {
            self.failures.push((self.replies.max(1), c.clone()));
        }
    }

    fn add_dimensions(&mut self, reply: &ReplyScore) {
        for (i, score) in reply.dimensions.iter().enumerate() {
            if let Some(s) = score {
                if i < self.sums.len() {
                    self.sums[i] += s;
                    self.counts[i] += 1;
                    self.best[i] = Some(self.best[i].map_or(*s, |b: f64| b.max(*s)));
                    self.worst[i] = Some(self.worst[i].map_or(*s, |w: f64| w.min(*s)));
                }
            }
        }
        self.red_line |= reply.red_line;
    }

    /// The failures that cost the most weighted points, one per check (its costliest reply).
    pub fn top_corrections(&self, n: usize) -> Vec<&(usize, CheckResult)> {
        let mut items: Vec<&(usize, CheckResult)> = self.failures.iter().collect();
        // Red lines first, then the most weighted points lost; findings for review last.
        items.sort_by(|a, b| {
            let lost_a = (100.0 - a.1.score) * a.1.weight;
            let lost_b = (100.0 - b.1.score) * b.1.weight;
            (b.1.red_line && !b.1.review)
                .cmp(&(a.1.red_line && !a.1.review))
                .then(a.1.review.cmp(&b.1.review))
                .then(lost_b.total_cmp(&lost_a))
                .then(a.0.cmp(&b.0))
        });
        let mut seen = std::collections::HashSet::new();
        items.retain(|(_, c)| seen.insert(c.check.clone()));
        items.truncate(n);
        items
    }

    pub fn totals(&self, dims: &[DimensionInfo]) -> SessionTotals {
        let scores = self.scores(dims);
        let overall = self.overall(dims, &scores);
        SessionTotals {
            dimensions: dims.iter().map(|d| d.id.clone()).zip(scores).collect(),
            overall,
            red_line: self.red_line,
        }
    }

    /// Per dimension, in `dims` order: its score, or `None` when it never came up.
    pub fn scores(&self, dims: &[DimensionInfo]) -> Vec<Option<f64>> {
        dims.iter()
            .enumerate()
            .map(|(i, d)| match d.aggregate {
                Aggregate::Mean => self
                    .counts
                    .get(i)
                    .filter(|c| **c > 0)
                    .map(|c| round1(self.sums[i] / f64::from(*c))),
                Aggregate::Best => self.best.get(i).copied().flatten(),
                Aggregate::Worst => self.worst.get(i).copied().flatten(),
            })
            .collect()
    }

    /// The overall score from the dimensions' [`SessionScore::scores`]: 0 after a red line.
    pub fn overall(&self, dims: &[DimensionInfo], scores: &[Option<f64>]) -> Option<f64> {
        overall_score(dims, scores, self.red_line)
    }
}
