//! The rubric's phrase lists (lexicon and topic keywords), compiled once into matchers.

use std::collections::BTreeMap;

use super::text::PhraseSet;

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

/// Compiled phrase sets, one per lexicon key.
#[derive(Debug)]
pub struct Lexicon {
    pub greeting: PhraseSet,
    pub apology: PhraseSet,
    pub solution: PhraseSet,
    pub blame: PhraseSet,
    pub excuse: PhraseSet,
    pub brush_off: PhraseSet,
    pub hedge: PhraseSet,
    pub size_chart: PhraseSet,
    pub value: PhraseSet,
    pub concession: PhraseSet,
    pub free_shipping: PhraseSet,
    pub gift: PhraseSet,
    pub promotion: PhraseSet,
    pub personal: PhraseSet,
    pub compensation: PhraseSet,
    pub thanks: PhraseSet,
    pub product_facts: PhraseSet,
    pub size_reason: PhraseSet,
    pub fit: PhraseSet,
    pub measure_ask: PhraseSet,
    pub growth: PhraseSet,
    pub emoticon: PhraseSet,
    pub review_pressure: PhraseSet,
    pub vague: PhraseSet,
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
        let set = |k: &str| PhraseSet::new(raw.get(k).map_or(&[][..], Vec::as_slice));
        Ok(Lexicon {
            greeting: set("greeting"),
            apology: set("apology"),
            solution: set("solution"),
            blame: set("blame"),
            excuse: set("excuse"),
            brush_off: set("brush_off"),
            hedge: set("hedge"),
            size_chart: set("size_chart"),
            value: set("value"),
            concession: set("concession"),
            free_shipping: set("free_shipping"),
            gift: set("gift"),
            promotion: set("promotion"),
            personal: set("personal"),
            compensation: set("compensation"),
            thanks: set("thanks"),
            product_facts: set("product_facts"),
            size_reason: set("size_reason"),
            fit: set("fit"),
            measure_ask: set("measure_ask"),
            growth: set("growth"),
            emoticon: set("emoticon"),
            review_pressure: set("review_pressure"),
            vague: set("vague"),
        })
    }
}

/// Topic keywords: what a customer message raises.
#[derive(Debug)]
pub struct Topics {
    pub names: Vec<String>,
    sets: Vec<PhraseSet>,
}

impl Topics {
    pub fn compile(raw: &BTreeMap<String, Vec<String>>) -> Topics {
        Topics {
            names: raw.keys().cloned().collect(),
            sets: raw.values().map(|v| PhraseSet::new(v)).collect(),
        }
    }

    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// A bit set of the topics raised by normalized text (at most 64 topics count).
    pub fn raised(&self, normalized: &str) -> u64 {
        let mut bits = 0u64;
        for (i, set) in self.sets.iter().enumerate().take(64) {
            if set.find_first(normalized).is_some() {
                bits |= 1 << i;
            }
        }
        bits
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
