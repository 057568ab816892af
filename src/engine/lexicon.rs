//! Phrase lists compiled into phrasebooks: one automaton per side (agent replies, customer
//! messages) holds every list that side is read for: the lexicon, the checks' phrases, topic
//! keywords, product names and more.

use std::collections::{BTreeMap, HashMap};

use std::ops::Range;

use aho_corasick::automaton::Automaton;
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

use super::text::normalize;

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

impl Key {
    /// The key's phrase set in a [`Phrasebook`] built by [`register_lexicon`].
    pub fn set(self) -> SetId {
        SetId(self as u16)
    }
}

/// A named list of phrases in a [`Phrasebook`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SetId(u16);

impl SetId {
    /// The set `n` places after this one (for lists of sets added one after another).
    pub fn nth(self, n: usize) -> SetId {
        SetId(self.0.saturating_add(u16::try_from(n).unwrap_or(u16::MAX)))
    }
}

/// Collects phrase lists for one [`Phrasebook`].
#[derive(Debug, Default)]
pub struct PhrasebookBuilder {
    patterns: Vec<String>,
    lookup: HashMap<String, usize>,
    /// Per pattern: the sets it belongs to.
    members: Vec<Vec<SetId>>,
    sets: u16,
}

impl PhrasebookBuilder {
    /// Adds a list of phrases, already normalized, as a new set. Empty phrases are dropped
    /// (they would match everywhere).
    pub fn add_set<S: AsRef<str>>(&mut self, phrases: impl IntoIterator<Item = S>) -> SetId {
        let set = SetId(self.sets);
        self.sets = self.sets.saturating_add(1);
        for phrase in phrases {
            let phrase = phrase.as_ref();
            if phrase.is_empty() {
                continue;
            }
            let index = match self.lookup.get(phrase) {
                Some(&i) => i,
                None => {
                    self.patterns.push(phrase.to_string());
                    self.members.push(Vec::new());
                    self.lookup
                        .insert(phrase.to_string(), self.patterns.len() - 1);
                    self.patterns.len() - 1
                }
            };
            if let Some(m) = self.members.get_mut(index) {
                if !m.contains(&set) {
                    m.push(set);
                }
            }
        }
        set
    }

    /// A set of phrases as rubric authors write them: trimmed and normalized.
    pub fn add_phrases(&mut self, phrases: &[impl AsRef<str>]) -> SetId {
        self.add_set(phrases.iter().map(|p| normalize(p.as_ref().trim())))
    }

    pub fn build(self) -> Phrasebook {
        let automaton = if self.patterns.is_empty() {
            None
        } else {
            DFA::builder()
                .match_kind(MatchKind::Standard)
                .prefilter(false)
                .build(&self.patterns)
                .ok()
        };
        Phrasebook {
            automaton,
            members: self.members,
        }
    }
}

/// Many phrase lists in one automaton, so that a text is read once for all of them.
#[derive(Debug)]
pub struct Phrasebook {
    /// Every phrase, as a DFA walked byte by byte (see [`Phrasebook::scan`]).
    automaton: Option<DFA>,
    /// Pattern index → the sets it belongs to.
    members: Vec<Vec<SetId>>,
}

/// One occurrence of a phrase of a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Hit {
    set: SetId,
    start: u32,
    /// Reversed end (`u32::MAX - end`), so that the longest match sorts first at a start.
    end_rev: u32,
}

impl Hit {
    fn range(&self) -> Range<usize> {
        self.start as usize..(u32::MAX - self.end_rev) as usize
    }
}

/// Sets below this have a presence bit in [`Hits`]; a set past it is always searched for.
const PRESENCE_BITS: usize = 1024;

/// Where the phrases of every set occur in one text.
#[derive(Debug)]
pub struct Hits {
    /// Every occurrence (overlapping ones too), by set, then start, then longest first.
    hits: Vec<Hit>,
    /// Bit `n`: set `n` has a hit. Most sets asked about have none, and are answered by one bit
    /// test instead of a search.
    present: [u64; PRESENCE_BITS / 64],
}

impl Default for Hits {
    fn default() -> Self {
        Hits {
            hits: Vec::new(),
            present: [0; PRESENCE_BITS / 64],
        }
    }
}

impl Hits {
    #[inline]
    fn of(&self, set: SetId) -> &[Hit] {
        let n = usize::from(set.0);
        if n < PRESENCE_BITS && self.present[n / 64] & (1 << (n % 64)) == 0 {
            return &[];
        }
        self.search(set)
    }

    fn search(&self, set: SetId) -> &[Hit] {
        let from = self.hits.partition_point(|h| h.set < set);
        let to = from + self.hits[from..].partition_point(|h| h.set == set);
        &self.hits[from..to]
    }

    /// The earliest match of a set (the longest, among those starting there).
    pub fn first(&self, set: impl Into<SetId>) -> Option<Range<usize>> {
        self.of(set.into()).first().map(Hit::range)
    }

    /// Whether any phrase of the set occurs.
    pub fn any(&self, set: impl Into<SetId>) -> bool {
        !self.of(set.into()).is_empty()
    }

    /// Bit `i` set when set `first + i` has a hit, for `n` (at most 64) sets added one after
    /// another: read from the presence bits at once where they have them.
    pub fn run(&self, first: SetId, n: usize) -> u64 {
        let n = n.min(64);
        let from = usize::from(first.0);
        if from + n > PRESENCE_BITS {
            return (0..n)
                .filter(|&i| self.any(first.nth(i)))
                .fold(0, |acc, i| acc | 1 << i);
        }
        let (word, offset) = (from / 64, from % 64);
        let low = self.present.get(word).copied().unwrap_or(0) >> offset;
        let high = match offset {
            0 => 0,
            _ => self.present.get(word + 1).copied().unwrap_or(0) << (64 - offset),
        };
        let mask = u64::MAX.checked_shr(64 - n as u32).unwrap_or(0);
        (low | high) & mask
    }

    /// Does a phrase of the set lie wholly within the `window` bytes before `at`?
    pub fn before(&self, set: impl Into<SetId>, at: usize, window: usize) -> bool {
        let from = at.saturating_sub(window);
        self.of(set.into()).iter().any(|h| {
            let r = h.range();
            r.start >= from && r.end <= at
        })
    }

    /// The set's matches as a leftmost-longest search reads them: from the left, the longest
    /// match at each step, never overlapping the one before.
    pub fn all(&self, set: impl Into<SetId>) -> impl Iterator<Item = Range<usize>> + '_ {
        let mut pos = 0;
        self.of(set.into()).iter().filter_map(move |h| {
            let r = h.range();
            (r.start >= pos).then(|| {
                pos = r.end;
                r
            })
        })
    }
}

impl From<Key> for SetId {
    fn from(key: Key) -> SetId {
        key.set()
    }
}

impl Phrasebook {
    /// Reads a normalized text once and records where every set's phrases occur.
    pub fn scan(&self, norm: &str) -> Hits {
        let mut hits = Hits {
            hits: Vec::with_capacity(16),
            ..Hits::default()
        };
        let Some(dfa) = &self.automaton else {
            return hits;
        };
        // Every occurrence of every phrase, overlapping ones too: walk the DFA over the bytes
        // and, at each match state, take all the patterns that end there. Written out rather
        // than through the overlapping iterator, which costs several times as much per byte.
        let Ok(mut sid) = dfa.start_state(Anchored::No) else {
            return hits;
        };
        for (i, &byte) in norm.as_bytes().iter().enumerate() {
            sid = dfa.next_state(Anchored::No, sid, byte);
            if !dfa.is_special(sid) {
                continue;
            }
            if dfa.is_dead(sid) {
                break;
            }
            if !dfa.is_match(sid) {
                continue;
            }
            let Ok(end) = u32::try_from(i + 1) else {
                break;
            };
            for k in 0..dfa.match_len(sid) {
                let pattern = dfa.match_pattern(sid, k);
                let Ok(len) = u32::try_from(dfa.pattern_len(pattern)) else {
                    continue;
                };
                let start = end.saturating_sub(len);
                for &set in self.members.get(pattern.as_usize()).into_iter().flatten() {
                    hits.hits.push(Hit {
                        set,
                        start,
                        end_rev: u32::MAX - end,
                    });
                    let n = usize::from(set.0);
                    if n < PRESENCE_BITS {
                        hits.present[n / 64] |= 1 << (n % 64);
                    }
                }
            }
        }
        // By set, then start, then longest first: the order of `Hit`'s fields.
        hits.hits.sort_unstable();
        hits
    }
}

/// Adds the rubric's lexicon to an empty builder: every key's phrases, as sets
/// `0..`[`LEXICON_KEYS`]`.len()` in key order, the first sets of the reply's phrasebook. Missing
/// keys come back by name.
pub fn register_lexicon(
    raw: &BTreeMap<String, Vec<String>>,
    book: &mut PhrasebookBuilder,
) -> Result<(), Vec<&'static str>> {
    let missing: Vec<&'static str> = LEXICON_KEYS
        .iter()
        .copied()
        .filter(|k| raw.get(*k).is_none_or(|v| v.is_empty()))
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    debug_assert_eq!(book.sets, 0, "the lexicon's keys come first");
    for key in LEXICON_KEYS {
        book.add_set(
            raw.get(*key)
                .into_iter()
                .flatten()
                .map(|p| normalize(p))
                .filter(|n| !n.trim().is_empty()),
        );
    }
    Ok(())
}

/// Topic keywords: what a customer message raises, as sets of the customer's phrasebook.
#[derive(Debug)]
pub struct Topics {
    pub names: Vec<String>,
    /// The set of the first topic; the others (at most 64 in all) follow it.
    first: Option<SetId>,
    count: usize,
}

impl Topics {
    pub fn compile(raw: &BTreeMap<String, Vec<String>>, book: &mut PhrasebookBuilder) -> Topics {
        let mut first = None;
        let mut count = 0;
        for words in raw.values().take(64) {
            let set = book.add_set(
                words
                    .iter()
                    .map(|w| normalize(w))
                    .filter(|n| !n.trim().is_empty()),
            );
            first.get_or_insert(set);
            count += 1;
        }
        Topics {
            names: raw.keys().cloned().collect(),
            first,
            count,
        }
    }

    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// A bit set of the topics raised by a text, from its scan with the customer's phrasebook.
    pub fn raised(&self, hits: &Hits) -> u64 {
        self.first.map_or(0, |first| hits.run(first, self.count))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_sets_read_like_set_by_set() {
        // 1,100 sets of one phrase each: "<0>", "<1>", …, past the presence bits; a text naming
        // some of them.
        let mut builder = PhrasebookBuilder::default();
        let sets: Vec<SetId> = (0..1100)
            .map(|i| builder.add_set([format!("<{i}>")]))
            .collect();
        let book = builder.build();
        let text: String = [
            0, 5, 63, 64, 65, 127, 128, 190, 250, 299, 1000, 1023, 1024, 1050,
        ]
        .iter()
        .map(|i| format!("<{i}>"))
        .collect();
        let hits = book.scan(&text);
        let firsts = [
            0, 1, 5, 60, 63, 64, 100, 127, 200, 236, 250, 990, 1000, 1023, 1040,
        ];
        for first in firsts {
            for n in [0, 1, 2, 17, 63, 64] {
                if first + n > sets.len() {
                    continue;
                }
                let want = (0..n)
                    .filter(|&i| hits.any(sets[first + i]))
                    .fold(0u64, |acc, i| acc | 1 << i);
                assert_eq!(hits.run(sets[first], n), want, "{first} {n}");
            }
        }
        assert_eq!(hits.run(sets[0], 65), hits.run(sets[0], 64));
    }

    fn book(sets: &[&[&str]]) -> (Phrasebook, Vec<SetId>) {
        let mut b = PhrasebookBuilder::default();
        let ids = sets.iter().map(|s| b.add_phrases(s)).collect();
        (b.build(), ids)
    }

    #[test]
    fn first_is_leftmost_then_longest() {
        let (book, ids) = book(&[&["有货", "有貨嗎", "", "  ", "包郵", "XL"]]);
        let hay = normalize("请问有货吗？包邮吗，xl呢");
        let hits = book.scan(&hay);
        // 有货吗 (normalized from 有貨嗎) wins over 有货 at the same start.
        assert_eq!(hits.first(ids[0]), Some(6..15));
        assert!(hits.any(ids[0]));
        assert_eq!(book.scan("没有").first(ids[0]), None);
    }

    #[test]
    fn all_reads_like_a_leftmost_longest_search() {
        let (book, ids) = book(&[&["有货", "有货吗", "货吗包", "包邮", "xl"]]);
        let hay = normalize("有货吗包邮吗，XL呢");
        let hits = book.scan(&hay);
        let found: Vec<&str> = hits.all(ids[0]).filter_map(|r| hay.get(r)).collect();
        // 货吗包 overlaps 有货吗 and is skipped, as a non-overlapping search skips it.
        assert_eq!(found, vec!["有货吗", "包邮", "xl"]);
    }

    #[test]
    fn a_phrase_in_several_sets_counts_in_each() {
        let (book, ids) = book(&[&["马上"], &["马上", "今天"], &["明天"]]);
        let hits = book.scan("我马上处理，今天发");
        assert_eq!(hits.first(ids[0]), Some(3..9));
        assert_eq!(hits.first(ids[1]), Some(3..9));
        assert_eq!(hits.all(ids[1]).count(), 2);
        assert!(!hits.any(ids[2]));
        assert!(hits.before(ids[1], 9, 6));
        assert!(!hits.before(ids[1], 8, 6));
        assert!(!hits.before(ids[1], 30, 6));
    }

    #[test]
    fn empty_sets_and_books_find_nothing() {
        let (book, ids) = book(&[&[], &["", "  "]]);
        let hits = book.scan("任何文字");
        assert!(!hits.any(ids[0]));
        assert_eq!(hits.first(ids[1]), None);
        assert_eq!(hits.all(ids[1]).count(), 0);
    }
}
