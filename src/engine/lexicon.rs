//! The rubric's phrase lists (lexicon and topic keywords), compiled once into matchers.

use std::collections::BTreeMap;

use std::ops::Range;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};

use super::text::{PhraseSet, normalize};

/// Lexicon entries the engine reads; a rubric set must define every one.
pub const LEXICON_KEYS: &[&str] = &[
    "greeting",
    "apology",
    "solution",
    "blame",
    "excuse",
    "brush_off",
    "hedge",
    "size_chart",
    "value",
    "concession",
    "free_shipping",
    "gift",
    "promotion",
    "personal",
    "compensation",
    "thanks",
    "product_facts",
    "size_reason",
    "fit",
    "measure_ask",
    "growth",
    "emoticon",
    "review_pressure",
    "vague",
];

/// The lexicon keys, in [`LEXICON_KEYS`] order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Key {
    Greeting,
    Apology,
    Solution,
    Blame,
    Excuse,
    BrushOff,
    Hedge,
    SizeChart,
    Value,
    Concession,
    FreeShipping,
    Gift,
    Promotion,
    Personal,
    Compensation,
    Thanks,
    ProductFacts,
    SizeReason,
    Fit,
    MeasureAsk,
    Growth,
    Emoticon,
    ReviewPressure,
    Vague,
}

const KEY_COUNT: usize = LEXICON_KEYS.len();

/// Every lexicon phrase in one automaton, so that a reply is read once for all of them.
#[derive(Debug)]
pub struct Lexicon {
    automaton: Option<AhoCorasick>,
    /// Pattern index → key index.
    pattern_key: Vec<u8>,
    /// The growth phrases alone, for customer messages.
    pub growth: PhraseSet,
}

/// Where the lexicon's phrases occur in one text.
#[derive(Debug)]
pub struct Hits {
    first: [Option<Range<usize>>; KEY_COUNT],
    /// Every match (overlapping ones too), in order of their end.
    all: Vec<(u8, Range<usize>)>,
}

impl Hits {
    /// The earliest match of a key (the longest, among those starting there).
    pub fn first(&self, key: Key) -> Option<Range<usize>> {
        self.first[key as usize].clone()
    }

    /// Does a phrase of `key` lie wholly within the `window` bytes before `at`?
    pub fn before(&self, key: Key, at: usize, window: usize) -> bool {
        let from = at.saturating_sub(window);
        self.all
            .iter()
            .any(|(k, r)| *k == key as u8 && r.start >= from && r.end <= at)
    }
}

impl Lexicon {
    /// Compiles the lexicon; missing keys come back by name.
    pub fn compile(raw: &BTreeMap<String, Vec<String>>) -> Result<Lexicon, Vec<&'static str>> {
        let missing: Vec<&'static str> = LEXICON_KEYS
            .iter()
            .copied()
            .filter(|k| raw.get(*k).is_none_or(|v| v.is_empty()))
            .collect();
        if !missing.is_empty() {
            return Err(missing);
        }
        let mut patterns = Vec::new();
        let mut pattern_key = Vec::new();
        for (i, key) in LEXICON_KEYS.iter().enumerate() {
            for phrase in raw.get(*key).into_iter().flatten() {
                let norm = normalize(phrase);
                if !norm.trim().is_empty() {
                    patterns.push(norm);
                    pattern_key.push(i as u8);
                }
            }
        }
        let automaton = AhoCorasick::builder()
            .kind(Some(AhoCorasickKind::DFA))
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .ok();
        Ok(Lexicon {
            automaton,
            pattern_key,
            growth: PhraseSet::new(raw.get("growth").map_or(&[][..], Vec::as_slice)),
        })
    }

    /// Reads a normalized text once and records where every key's phrases occur.
    pub fn scan(&self, norm: &str) -> Hits {
        let mut hits = Hits {
            first: Default::default(),
            all: Vec::with_capacity(16),
        };
        let Some(ac) = &self.automaton else {
            return hits;
        };
        for m in ac.find_overlapping_iter(norm) {
            let Some(&key) = self.pattern_key.get(m.pattern().as_usize()) else {
                continue;
            };
            let range = m.start()..m.end();
            let slot = &mut hits.first[key as usize];
            let better = match slot {
                None => true,
                Some(old) => {
                    range.start < old.start || (range.start == old.start && range.end > old.end)
                }
            };
            if better {
                *slot = Some(range.clone());
            }
            hits.all.push((key, range));
        }
        hits
    }
}

/// Topic keywords: what a customer message raises, all in one automaton.
#[derive(Debug)]
pub struct Topics {
    pub names: Vec<String>,
    automaton: Option<AhoCorasick>,
    /// Pattern index → topic bit.
    pattern_bit: Vec<u64>,
}

impl Topics {
    pub fn compile(raw: &BTreeMap<String, Vec<String>>) -> Topics {
        let mut patterns = Vec::new();
        let mut pattern_bit = Vec::new();
        for (i, words) in raw.values().enumerate().take(64) {
            for w in words {
                let norm = normalize(w);
                if !norm.trim().is_empty() {
                    patterns.push(norm);
                    pattern_bit.push(1u64 << i);
                }
            }
        }
        Topics {
            names: raw.keys().cloned().collect(),
            automaton: AhoCorasick::builder()
                .kind(Some(AhoCorasickKind::DFA))
                .match_kind(MatchKind::Standard)
                .build(&patterns)
                .ok(),
            pattern_bit,
        }
    }

    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// A bit set of the topics raised by normalized text (at most 64 topics count).
    pub fn raised(&self, normalized: &str) -> u64 {
        let Some(ac) = &self.automaton else {
            return 0;
        };
        ac.find_overlapping_iter(normalized)
            .filter_map(|m| self.pattern_bit.get(m.pattern().as_usize()))
            .fold(0, |acc, bit| acc | bit)
    }

    pub fn bit(&self, name: &str) -> u64 {
        self.index(name).filter(|i| *i < 64).map_or(0, |i| 1 << i)
    }

    pub fn names_of(&self, bits: u64) -> Vec<&str> {
        self.names
            .iter()
            .enumerate()
            .filter(|(i, _)| *i < 64 && bits & (1 << i) != 0)
            .map(|(_, n)| n.as_str())
            .collect()
    }
}
