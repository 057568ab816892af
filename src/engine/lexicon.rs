//! Phrase lists compiled into phrasebooks: one automaton per side (agent replies, customer
//! messages) holds every list that side is read for: the lexicon, the checks' phrases, topic
//! keywords, product names and more.

use std::collections::{BTreeMap, HashMap};

use std::ops::Range;

use aho_corasick::automaton::{Automaton, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};

use super::text::{CJK_FIRST, CJK_LAST, normalize, three_byte_at};

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
    "compounds",
    "negation",
    "warmth",
    "farewell",
    "clarify",
];

/// Keys a rubric may leave out (rubric v2 added them): an empty list reads nothing.
pub const OPTIONAL_KEYS: &[&str] = &["compounds", "negation", "warmth", "farewell", "clarify"];

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
    /// Ordinary words that contain a phrase without meaning it (滚筒, 起码, 不要了): the
    /// phrasebooks' blockers.
    Compounds,
    /// Words that negate or refuse what follows them in the clause (不能, 没法, 不建议).
    Negation,
    /// Warm words of the shop idiom: 亲, 您, 呢, 哦, 哈, 哒, ～ …
    Warmth,
    /// What a shop says as the buyer leaves: 不客气, 还有其他可以帮您的吗, 给个评价 …
    Farewell,
    /// A question back that a fair answer may start with: 您要哪个颜色, 方便发个图吗 …
    Clarify,
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
#[derive(Debug, Default, Clone)]
pub struct PhrasebookBuilder {
    patterns: Vec<String>,
    lookup: HashMap<String, usize>,
    /// Per pattern: the sets it belongs to.
    members: Vec<Vec<SetId>>,
    sets: u16,
    /// The set of ordinary compounds that keep a phrase from matching inside them.
    blockers: Option<SetId>,
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

    /// Adds ordinary compounds (滚筒, 起码, 不要了, 第一款…) as the book's blockers: a phrase of
    /// any other set does not match where it lies inside one of them or straddles its edge, as
    /// 滚 inside 滚筒 or 要了 inside 不要了. A phrase that spans a compound whole still matches.
    /// This is what makes matches words rather than substrings.
    pub fn add_blockers(&mut self, phrases: &[impl AsRef<str>]) -> SetId {
        let set = self.add_phrases(phrases);
        self.block_with(set);
        set
    }

    /// Makes a set already added the book's blockers (see [`PhrasebookBuilder::add_blockers`]).
    pub fn block_with(&mut self, set: SetId) {
        self.blockers = Some(set);
    }

    /// A set of phrases as rubric authors write them: trimmed and normalized.
    pub fn add_phrases(&mut self, phrases: &[impl AsRef<str>]) -> SetId {
        self.add_set(phrases.iter().map(|p| normalize(p.as_ref().trim())))
    }

    /// The phrasebook, read through the aho-corasick DFA.
    pub fn build(self) -> Phrasebook {
        self.finish(0)
    }

    /// The phrasebook for bulk work, read through a faster walker: a table of the phrases coded
    /// a character at a time (see `CharCodes` and `Walker`), made in a few milliseconds that
    /// the trainer does not spend. The DFA is built only for a book that can have no walker:
    /// one too large for 16-bit states, or with more characters than there are codes.
    pub fn build_walked(self) -> Phrasebook {
        self.finish(MAX_WALKER_STATES)
    }

    /// The phrasebook, with a walker of at most `walker_states` states if it can have one.
    fn finish(self, walker_states: usize) -> Phrasebook {
        let lens: Vec<u32> = self
            .patterns
            .iter()
            .map(|p| u32::try_from(p.len()).unwrap_or(u32::MAX))
            .collect();
        let walker = (walker_states > 0 && !self.patterns.is_empty())
            .then(|| Walker::new(&self.patterns, &self.members, &lens, walker_states))
            .flatten();
        let automaton = if walker.is_some() || self.patterns.is_empty() {
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
            walker,
            lens,
            members: self.members,
            blockers: self.blockers,
        }
    }
}

/// States a walker can have: they are numbered in 16 bits.
const MAX_WALKER_STATES: usize = u16::MAX as usize + 1;

/// The characters of a book's phrases, each given a code of two bytes, so that the walker takes
/// two steps for a Chinese character of a phrase instead of three, and one for any character of
/// no phrase (most of a text). A code's first byte is one of `0xC0..=0xFE`, its second one of
/// `0x80..=0xBF`; a character of no phrase is [`OTHER`]; ASCII stays itself. As in UTF-8, a
/// coded phrase can then only match where a character starts, so a coded text holds a coded
/// phrase exactly where the text holds the phrase.
#[derive(Debug, Clone)]
struct CharCodes {
    /// Per CJK unified ideograph (U+4E00 to U+9FFF): its code, or [`NO_CODE`]. A table rather
    /// than a search, as nearly every character read is one of these.
    cjk: Vec<u16>,
    /// The phrases' other non-ASCII characters, sorted, with their codes.
    others: Vec<(char, u16)>,
}

/// The coded byte of a character that no phrase has.
const OTHER: u8 = 0xFF;
const NO_CODE: u16 = u16::MAX;
const CJK_LEN: usize = (CJK_LAST - CJK_FIRST) as usize + 1;
/// Codes there are: 63 first bytes (`0xC0..=0xFE`) times 64 second bytes.
const CODES: usize = 63 * 64;

impl CharCodes {
    /// The codes of `patterns`' characters, with the patterns coded; none when they use more
    /// characters than there are codes.
    fn of(patterns: &[String]) -> Option<(CharCodes, Vec<Vec<u8>>)> {
        let mut chars: Vec<char> = patterns
            .iter()
            .flat_map(|p| p.chars())
            .filter(|c| !c.is_ascii())
            .collect();
        chars.sort_unstable();
        chars.dedup();
        if chars.len() > CODES {
            return None;
        }
        let mut codes = CharCodes {
            cjk: vec![NO_CODE; CJK_LEN],
            others: Vec::new(),
        };
        for (code, &c) in (0u16..).zip(&chars) {
            match cjk_offset(c as u32).and_then(|off| codes.cjk.get_mut(off)) {
                Some(slot) => *slot = code,
                None => codes.others.push((c, code)),
            }
        }
        let coded = patterns
            .iter()
            .map(|p| {
                let mut out = Vec::with_capacity(p.len());
                for c in p.chars() {
                    match u8::try_from(c).ok().filter(u8::is_ascii) {
                        Some(b) => out.push(b),
                        None => out.extend(codes.code(c).map(code_bytes)?),
                    }
                }
                Some(out)
            })
            .collect::<Option<Vec<_>>>()?;
        Some((codes, coded))
    }

    /// The code of a character, if a phrase has it.
    fn code(&self, c: char) -> Option<u16> {
        match cjk_offset(c as u32) {
            Some(off) => self.cjk_code(off),
            None => self
                .others
                .binary_search_by_key(&c, |&(k, _)| k)
                .ok()
                .and_then(|i| self.others.get(i))
                .map(|&(_, code)| code),
        }
    }

    #[inline]
    fn cjk_code(&self, off: usize) -> Option<u16> {
        self.cjk.get(off).copied().filter(|&code| code != NO_CODE)
    }

    /// The code of the character at `bytes[i]` (not ASCII) and its length; a length of 0 when
    /// the character is cut off at the end of `bytes`.
    #[inline]
    fn at(&self, bytes: &[u8], i: usize) -> (Option<u16>, usize) {
        match three_byte_at(bytes, i).and_then(cjk_offset) {
            Some(off) => (self.cjk_code(off), 3),
            None => self.at_slow(bytes, i),
        }
    }

    /// [`CharCodes::at`] for any other character.
    #[cold]
    fn at_slow(&self, bytes: &[u8], i: usize) -> (Option<u16>, usize) {
        let len = match bytes.get(i).copied().unwrap_or(0) {
            0xF0.. => 4,
            0xE0.. => 3,
            0xC0.. => 2,
            _ => 1,
        };
        let Some(c) = bytes
            .get(i..i + len)
            .and_then(|b| std::str::from_utf8(b).ok())
            .and_then(|s| s.chars().next())
        else {
            return (None, 0);
        };
        (self.code(c), len)
    }
}

/// Where a CJK unified ideograph sits in [`CharCodes::cjk`].
#[inline]
fn cjk_offset(cp: u32) -> Option<usize> {
    cp.checked_sub(CJK_FIRST)
        .map(|off| off as usize)
        .filter(|&off| off < CJK_LEN)
}

/// A code's two bytes.
fn code_bytes(code: u16) -> [u8; 2] {
    [0xC0 + (code >> 6) as u8, 0x80 + (code & 0x3F) as u8]
}

/// The phrasebook's phrases, coded (see [`CharCodes`]), in a DFA laid out again for walking:
/// 16-bit states and as few byte classes as the phrases need, so that its table is a fraction of
/// the aho-corasick DFA's, and each match state's phrase ends are in one flat list. Built from
/// an aho-corasick DFA of the coded phrases, which does the construction.
#[derive(Debug)]
struct Walker {
    /// The codes of the phrases' characters.
    codes: CharCodes,
    /// `table[(state << shift) | class]` is the next state.
    table: Vec<u16>,
    /// Byte → class: bytes that lead every state to the same next state share one.
    classes: [u8; 256],
    shift: u32,
    start: u16,
    /// States from this one on end at least one phrase; the others end none.
    first_match: u16,
    /// Per match state, from `first_match` on: its range in `ends`.
    matches: Vec<Range<u32>>,
    /// The phrases match states end: the phrase's length in bytes and a set it belongs to.
    ends: Vec<(u32, SetId)>,
}

impl Walker {
    /// The walker of `patterns`: they are coded, built into an aho-corasick DFA and laid out
    /// again. None when they use more characters than there are codes, or need more than
    /// `max_states` states.
    fn new(
        patterns: &[String],
        members: &[Vec<SetId>],
        lens: &[u32],
        max_states: usize,
    ) -> Option<Walker> {
        let (codes, coded) = CharCodes::of(patterns)?;
        let dfa = DFA::builder()
            .match_kind(MatchKind::Standard)
            .prefilter(false)
            .build(&coded)
            .ok()?;
        let mut in_phrases = [false; 256];
        for &byte in coded.iter().flatten() {
            in_phrases[usize::from(byte)] = true;
        }
        Walker::of(&dfa, codes, &in_phrases, members, lens, max_states)
    }

    /// The walker of `dfa`, whose coded phrases use the bytes marked in `in_phrases` and are
    /// `lens` bytes long in normalized text; none past `max_states` (16 bits at most) or for an
    /// automaton that can stop matching (a dead state), which an unanchored search never has.
    fn of(
        dfa: &DFA,
        codes: CharCodes,
        in_phrases: &[bool; 256],
        members: &[Vec<SetId>],
        lens: &[u32],
        max_states: usize,
    ) -> Option<Walker> {
        let max_states = max_states.min(MAX_WALKER_STATES);
        let start = dfa.start_state(Anchored::No).ok()?;
        // The bytes to follow: each byte of the phrases, and one byte that none has, which
        // leads where every such byte leads.
        let mut bytes: Vec<u8> = (0..=255u8)
            .filter(|&b| in_phrases[usize::from(b)])
            .collect();
        bytes.extend((0..=255u8).find(|&b| !in_phrases[usize::from(b)]));
        // Byte → its index in `bytes`; a byte of no phrase → the one that stands for them all.
        let mut byte_of = [bytes.len() - 1; 256];
        for (i, &byte) in bytes.iter().enumerate() {
            byte_of[usize::from(byte)] = i;
        }
        // Every state, in the order found from the start; `next[i * bytes.len() + j]` is where
        // state `i` goes on `bytes[j]`, in the same numbering. `found` maps the DFA's state ids,
        // which index its table, to that order.
        let mut found: Vec<u32> = Vec::new();
        let mut order = Vec::new();
        let mut next: Vec<u32> = Vec::with_capacity(bytes.len() * 1024);
        let mut at = 0;
        let mut number = |sid: StateID, order: &mut Vec<StateID>| -> Option<u32> {
            let key = sid.as_usize();
            if key >= found.len() {
                found.resize(key + 1, u32::MAX);
            }
            if found[key] == u32::MAX {
                found[key] = u32::try_from(order.len()).ok()?;
                order.push(sid);
            }
            Some(found[key])
        };
        number(start, &mut order)?;
        while let Some(&sid) = order.get(at) {
            at += 1;
            if dfa.is_dead(sid) {
                return None;
            }
            for &byte in &bytes {
                let to = number(dfa.next_state(Anchored::No, sid, byte), &mut order)?;
                next.push(to);
            }
            if order.len() > max_states {
                return None;
            }
        }
        // New numbers: the states that end no phrase first, then the others, so that one
        // comparison tells them apart.
        let (plain, matching): (Vec<usize>, Vec<usize>) =
            (0..order.len()).partition(|&i| !dfa.is_match(order[i]));
        let mut renumber = vec![0u16; order.len()];
        for (new, &old) in plain.iter().chain(&matching).enumerate() {
            renumber[old] = u16::try_from(new).ok()?;
        }
        // Each followed byte's column in the new numbering (filled row by row, as `next` is
        // laid out); bytes with equal columns share a class.
        let mut by_byte: Vec<Vec<u16>> = vec![vec![0u16; order.len()]; bytes.len()];
        for (old, row) in next.chunks_exact(bytes.len()).enumerate() {
            let new = usize::from(renumber[old]);
            for (column, &to) in by_byte.iter_mut().zip(row) {
                column[new] = renumber[to as usize];
            }
        }
        let mut class_of: HashMap<&[u16], u8, foldhash::fast::RandomState> = HashMap::default();
        let mut columns: Vec<&[u16]> = Vec::new();
        let mut class_of_byte = vec![0u8; bytes.len()];
        for (class, column) in class_of_byte.iter_mut().zip(&by_byte) {
            *class = match class_of.get(column.as_slice()) {
                Some(&class) => class,
                None => {
                    let class = u8::try_from(columns.len()).ok()?;
                    class_of.insert(column, class);
                    columns.push(column);
                    class
                }
            };
        }
        let mut classes = [0u8; 256];
        for (class, &j) in classes.iter_mut().zip(&byte_of) {
            *class = class_of_byte[j];
        }
        let shift = columns.len().next_power_of_two().trailing_zeros();
        let mut table = vec![0u16; order.len() << shift];
        for (old, row) in next.chunks_exact(bytes.len()).enumerate() {
            let base = usize::from(renumber[old]) << shift;
            for (&class, &to) in class_of_byte.iter().zip(row) {
                table[base | usize::from(class)] = renumber[to as usize];
            }
        }
        let mut matches = Vec::with_capacity(matching.len());
        let mut ends = Vec::new();
        for &old in &matching {
            let from = u32::try_from(ends.len()).ok()?;
            ends.extend(match_ends(dfa, members, lens, order[old]));
            matches.push(from..u32::try_from(ends.len()).ok()?);
        }
        Some(Walker {
            codes,
            table,
            classes,
            shift,
            start: renumber[0],
            first_match: u16::try_from(plain.len()).ok()?,
            matches,
            ends,
        })
    }

    /// [`Phrasebook::scan`]'s walk: every occurrence of every phrase, overlapping ones too. The
    /// text is coded as it is read, a character at a time.
    #[inline(never)]
    fn scan(&self, norm: &str, hits: &mut Hits) {
        let (table, classes, shift, first_match) =
            (&self.table[..], &self.classes, self.shift, self.first_match);
        let step = |state: u16, byte: u8| -> u16 {
            table[(usize::from(state) << shift) | usize::from(classes[usize::from(byte)])]
        };
        let bytes = limited(norm);
        let mut state = self.start;
        let mut i = 0;
        while let Some(&byte) = bytes.get(i) {
            if byte < 0x80 {
                state = step(state, byte);
                i += 1;
            } else {
                let (code, len) = self.codes.at(bytes, i);
                if len == 0 {
                    break;
                }
                i += len;
                state = match code {
                    Some(code) => {
                        let [first, second] = code_bytes(code);
                        step(step(state, first), second)
                    }
                    None => step(state, OTHER),
                };
            }
            if state >= first_match {
                // Within the scan limit, so within 24 bits.
                self.record(state, i as u32, hits);
            }
        }
    }

    /// Records the phrases that match state `state` ends at `end`. Out of the walk's loop, which
    /// then keeps what it needs in registers.
    #[inline(never)]
    fn record(&self, state: u16, end: u32, hits: &mut Hits) {
        let ends = self
            .matches
            .get(usize::from(state - self.first_match))
            .and_then(|r| self.ends.get(r.start as usize..r.end as usize))
            .unwrap_or(&[]);
        for &(len, set) in ends {
            hits.add(set, end.saturating_sub(len), end);
        }
    }
}

/// The phrases that end at a match state of `dfa`: each one's length in bytes of normalized
/// text (`lens`, by pattern), with each set it belongs to (`members`, by pattern).
fn match_ends<'a>(
    dfa: &'a DFA,
    members: &'a [Vec<SetId>],
    lens: &'a [u32],
    sid: StateID,
) -> impl Iterator<Item = (u32, SetId)> + 'a {
    (0..dfa.match_len(sid)).flat_map(move |k| {
        let pattern = dfa.match_pattern(sid, k).as_usize();
        let sets = members.get(pattern).into_iter().flatten();
        let len = lens.get(pattern).copied();
        len.into_iter()
            .flat_map(move |len| sets.clone().map(move |&set| (len, set)))
    })
}

/// Many phrase lists in one automaton, so that a text is read once for all of them.
#[derive(Debug)]
pub struct Phrasebook {
    /// Every phrase, as a DFA walked byte by byte (see [`Phrasebook::scan`]); none for a book
    /// built with its walker, or without phrases.
    automaton: Option<DFA>,
    /// The coded phrases in a smaller table, read instead of the DFA
    /// ([`PhrasebookBuilder::build_walked`]).
    walker: Option<Walker>,
    /// Pattern index → its length in bytes.
    lens: Vec<u32>,
    /// Pattern index → the sets it belongs to.
    members: Vec<Vec<SetId>>,
    /// See [`PhrasebookBuilder::add_blockers`].
    blockers: Option<SetId>,
}

/// Phrases are looked for in a text's first 16 MiB, so that a position fits in 24 bits. Chat
/// messages are far shorter: QA input lines are capped at 1 MiB.
pub const SCAN_LIMIT: usize = (1 << 24) - 1;

/// A text's bytes up to [`SCAN_LIMIT`].
fn limited(norm: &str) -> &[u8] {
    let bytes = norm.as_bytes();
    bytes.get(..SCAN_LIMIT).unwrap_or(bytes)
}

/// One occurrence of a phrase of a set, packed into one integer so that hits sort as integers
/// do (more than twice as fast as a struct of three fields): the set in the top 16 bits, then
/// the start, then the reversed end (`SCAN_LIMIT - end`), so that at one start the longest
/// match sorts first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Hit(u64);

impl Hit {
    /// `start <= end <= SCAN_LIMIT`.
    #[inline]
    fn new(set: SetId, start: u32, end: u32) -> Hit {
        let limit = SCAN_LIMIT as u64;
        let (start, end) = (u64::from(start) & limit, u64::from(end) & limit);
        Hit(u64::from(set.0) << 48 | start << 24 | (limit - end))
    }

    #[inline]
    fn set(self) -> SetId {
        SetId((self.0 >> 48) as u16)
    }

    fn range(&self) -> Range<usize> {
        let limit = SCAN_LIMIT as u64;
        let start = (self.0 >> 24) & limit;
        let end = limit - (self.0 & limit);
        start as usize..end as usize
    }
}

/// Sets below this have a presence bit in [`Hits`]; a set past it is always searched for.
const PRESENCE_BITS: usize = 1024;

/// Where the phrases of every set occur in one text.
#[derive(Debug, PartialEq, Eq)]
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
    /// Records an occurrence of a phrase of `set` at `start..end`.
    #[inline]
    fn add(&mut self, set: SetId, start: u32, end: u32) {
        self.hits.push(Hit::new(set, start, end));
        let n = usize::from(set.0);
        if n < PRESENCE_BITS {
            self.present[n / 64] |= 1 << (n % 64);
        }
    }

    /// Drops every hit of another set that lies inside a blocker's match or straddles its edge
    /// (see [`PhrasebookBuilder::add_blockers`]). Most texts hold no blocker: one bit test.
    fn drop_blocked(&mut self, blockers: SetId) {
        let blocking: Vec<Range<usize>> = self.of(blockers).iter().map(Hit::range).collect();
        if blocking.is_empty() {
            return;
        }
        let inside = |r: &Range<usize>| {
            blocking.iter().any(|b| {
                let overlaps = b.start < r.end && r.start < b.end;
                let spans_it_whole = r.start <= b.start && b.end <= r.end;
                overlaps && !spans_it_whole
            })
        };
        self.hits
            .retain(|h| h.set() == blockers || !inside(&h.range()));
        self.present = [0; PRESENCE_BITS / 64];
        for h in &self.hits {
            let n = usize::from(h.set().0);
            if n < PRESENCE_BITS {
                self.present[n / 64] |= 1 << (n % 64);
            }
        }
    }

    #[inline]
    fn of(&self, set: SetId) -> &[Hit] {
        let n = usize::from(set.0);
        if n < PRESENCE_BITS && self.present[n / 64] & (1 << (n % 64)) == 0 {
            return &[];
        }
        self.search(set)
    }

    #[inline(never)]
    fn search(&self, set: SetId) -> &[Hit] {
        let from = self.hits.partition_point(|h| h.set() < set);
        let to = from + self.hits[from..].partition_point(|h| h.set() == set);
        &self.hits[from..to]
    }

    /// The earliest match of a set (the longest, among those starting there).
    #[inline]
    pub fn first(&self, set: impl Into<SetId>) -> Option<Range<usize>> {
        self.of(set.into()).first().map(Hit::range)
    }

    /// Whether any phrase of the set occurs.
    #[inline]
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
    /// Whether the book is read through its walker.
    #[cfg(test)]
    pub(crate) fn walks(&self) -> bool {
        self.walker.is_some()
    }

    /// Reads a normalized text once and records where every set's phrases occur (in its first
    /// [`SCAN_LIMIT`] bytes).
    pub fn scan(&self, norm: &str) -> Hits {
        let mut hits = Hits {
            hits: Vec::with_capacity(16),
            ..Hits::default()
        };
        match (&self.walker, &self.automaton) {
            (Some(walker), _) => walker.scan(norm, &mut hits),
            (None, Some(dfa)) => self.scan_dfa(dfa, norm, &mut hits),
            (None, None) => {}
        }
        // By set, then start, then longest first: the order of `Hit`'s bits.
        hits.hits.sort_unstable();
        if let Some(blockers) = self.blockers {
            hits.drop_blocked(blockers);
        }
        hits
    }

    /// [`Phrasebook::scan`] through the aho-corasick DFA itself, for a book too large for a
    /// [`Walker`].
    fn scan_dfa(&self, dfa: &DFA, norm: &str, hits: &mut Hits) {
        // Every occurrence of every phrase, overlapping ones too: walk the DFA over the bytes
        // and, at each match state, take all the patterns that end there. Written out rather
        // than through the overlapping iterator, which costs several times as much per byte.
        let Ok(mut sid) = dfa.start_state(Anchored::No) else {
            return;
        };
        for (i, &byte) in limited(norm).iter().enumerate() {
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
            // Within the scan limit, so within 24 bits.
            let end = (i + 1) as u32;
            for (len, set) in match_ends(dfa, &self.members, &self.lens, sid) {
                hits.add(set, end.saturating_sub(len), end);
            }
        }
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
        .filter(|k| !OPTIONAL_KEYS.contains(k))
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

/// Most topics a rubric may define: a message's topics are one 64-bit set. `kefu check` refuses
/// a rubric with more.
pub const MAX_TOPICS: usize = 64;

/// Topic keywords: what a customer message raises, as sets of the customer's phrasebook.
#[derive(Debug)]
pub struct Topics {
    pub names: Vec<String>,
    /// The set of the first topic; the others (at most [`MAX_TOPICS`] in all) follow it.
    first: Option<SetId>,
    count: usize,
}

impl Topics {
    pub fn compile(raw: &BTreeMap<String, Vec<String>>, book: &mut PhrasebookBuilder) -> Topics {
        let mut first = None;
        let mut count = 0;
        for words in raw.values().take(MAX_TOPICS) {
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

    /// The phrase set of a topic by name, in the phrasebook it was compiled into.
    pub fn set(&self, name: &str) -> Option<SetId> {
        Some(self.first?.nth(self.index(name)?))
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

    /// Random phrases and texts over a small alphabet of one- to four-byte characters, so that
    /// phrases overlap, nest and share prefixes as real lists do.
    fn random_book(seed: u64, sets: usize) -> (PhrasebookBuilder, Vec<String>) {
        use rand::rngs::StdRng;
        use rand::seq::IndexedRandom;
        use rand::{RngExt, SeedableRng};
        // The first and last characters of the walker's table of Chinese characters, and one
        // just before it with the same first byte, among the phrases' characters.
        let alphabet: Vec<char> = "亲在的吗码尺寸好包邮退换货一鿿䀀xlXL0１2，。！🙂é"
            .chars()
            .collect();
        // Texts also hold characters of no phrase, of every length.
        let in_texts: Vec<char> = alphabet
            .iter()
            .copied()
            .chain("是个㐀ü😀".chars())
            .collect();
        let mut rng = StdRng::seed_from_u64(seed);
        let word = |rng: &mut StdRng, chars: &[char], most: usize| -> String {
            let n = rng.random_range(1..=most);
            (0..n).filter_map(|_| chars.choose(rng)).collect()
        };
        let mut builder = PhrasebookBuilder::default();
        for _ in 0..sets {
            let k = rng.random_range(0..6);
            let phrases: Vec<String> = (0..k).map(|_| word(&mut rng, &alphabet, 4)).collect();
            builder.add_phrases(&phrases);
        }
        let texts = (0..300)
            .map(|_| normalize(&word(&mut rng, &in_texts, 40)))
            .collect();
        (builder, texts)
    }

    #[test]
    fn a_packed_hit_keeps_its_set_and_range_and_sorts_by_set_start_then_longest() {
        let a = Hit::new(SetId(2), 5, 9);
        assert_eq!((a.set(), a.range()), (SetId(2), 5..9));
        let edge = Hit::new(SetId(u16::MAX), SCAN_LIMIT as u32, SCAN_LIMIT as u32);
        assert_eq!(edge.set(), SetId(u16::MAX));
        assert_eq!(edge.range(), SCAN_LIMIT..SCAN_LIMIT);
        let mut hits = [
            Hit::new(SetId(3), 0, 1),
            Hit::new(SetId(2), 5, 7),
            Hit::new(SetId(2), 5, 9),
            Hit::new(SetId(2), 1, 2),
        ];
        hits.sort_unstable();
        let order: Vec<(SetId, Range<usize>)> = hits.iter().map(|h| (h.set(), h.range())).collect();
        assert_eq!(
            order,
            [
                (SetId(2), 1..2),
                (SetId(2), 5..9),
                (SetId(2), 5..7),
                (SetId(3), 0..1)
            ]
        );
    }

    #[test]
    fn phrases_past_the_scan_limit_are_not_read() {
        let mut builder = PhrasebookBuilder::default();
        let set = builder.add_phrases(&["包邮"]);
        // One 包邮 (six bytes) ends at the limit, a second one past it.
        let at_limit = "x".repeat(SCAN_LIMIT - 6) + "包邮包邮";
        // One ends a byte before the limit, which cuts the second 包 in two.
        let cut = "x".repeat(SCAN_LIMIT - 7) + "包邮包邮";
        let found = |book: &Phrasebook, text: &str| -> Vec<(usize, usize)> {
            book.scan(text).all(set).map(|r| (r.start, r.end)).collect()
        };
        let books = [builder.clone().build(), builder.build_walked()];
        assert!(books[1].walker.is_some());
        for book in &books {
            assert_eq!(found(book, &at_limit), [(SCAN_LIMIT - 6, SCAN_LIMIT)]);
            assert_eq!(found(book, &cut), [(SCAN_LIMIT - 7, SCAN_LIMIT - 1)]);
        }
    }

    #[test]
    fn a_code_takes_two_bytes_that_no_character_starts_with_the_second() {
        assert_eq!(code_bytes(0), [0xC0, 0x80]);
        assert_eq!(code_bytes((CODES - 1) as u16), [0xFE, 0xBF]);
        assert_eq!(OTHER, 0xFF);
    }

    #[test]
    fn phrases_of_more_characters_than_codes_are_read_by_the_dfa() {
        let mut builder = PhrasebookBuilder::default();
        // Normalizing makes some of these characters one (traditional to simplified): take
        // enough to be past the codes still.
        let many: Vec<String> = (CJK_FIRST..)
            .filter_map(char::from_u32)
            .take(CODES + 1000)
            .map(String::from)
            .collect();
        let set = builder.add_phrases(&many);
        let distinct: std::collections::BTreeSet<String> =
            many.iter().map(|c| normalize(c)).collect();
        assert!(distinct.len() > CODES);
        let book = builder.build_walked();
        assert!(book.walker.is_none() && book.automaton.is_some());
        let hits: Vec<Range<usize>> = book.scan("一丁x").all(set).collect();
        assert_eq!(hits, [0..3, 3..6]);
    }

    #[test]
    fn the_walker_finds_what_the_dfa_finds_and_the_book_keeps_no_dfa() {
        for seed in 0..8 {
            let (builder, texts) = random_book(seed, 200);
            let dfa = builder.clone().build();
            let walked = builder.build_walked();
            assert!(dfa.walker.is_none() && dfa.automaton.is_some());
            assert!(
                walked.walker.is_some() && walked.automaton.is_none(),
                "{seed}"
            );
            for text in &texts {
                assert_eq!(walked.scan(text), dfa.scan(text), "{seed} {text}");
            }
        }
    }

    #[test]
    fn a_book_too_large_to_walk_is_read_by_its_dfa() {
        let (builder, texts) = random_book(1, 50);
        let small = builder.clone().finish(4);
        assert!(small.walker.is_none() && small.automaton.is_some());
        let walked = builder.build_walked();
        assert!(walked.walker.is_some());
        for text in &texts {
            assert_eq!(small.scan(text), walked.scan(text), "{text}");
        }
    }
}
