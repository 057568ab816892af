//! Groups a stream of messages into conversations, in either of two layouts (see [`Layout`]):
//! time-ordered and interleaved, where a conversation is closed by an idle gap (a message more
//! than `gap` seconds after the previous one starts a new conversation with the same id) or at
//! the end of input; or grouped by conversation, where a conversation is closed when the next
//! one begins. Memory is bounded by the number of conversations open at once: in the grouped
//! layout, one.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use super::problem::Problem;
use super::record::{Clock, Record, optional, piece};
use crate::transcript::Role;

/// A finished conversation, ready for scoring. The strings of all its messages are kept in one
/// buffer: a conversation is put together by the reader thread and dropped by a scoring thread,
/// and a free on another thread than the allocation's costs more than one on the same thread.
/// The reader's per-line records are freed where they were made, right after their strings are
/// copied here.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// The id from the input, with `#2`, `#3`… when an idle gap split it.
    pub id: String,
    /// Every message's text, agent, product and event, back to back.
    strings: String,
    messages: Vec<Message>,
}

/// A message of an open or finished conversation, whose strings the conversation keeps.
#[derive(Debug, Clone, PartialEq)]
struct Message {
    ts: i64,
    clock: Clock,
    role: Role,
    latency_ms: Option<u64>,
    line: u64,
    /// Where the message's strings start in the conversation's.
    start: usize,
    /// From there, where the text, the agent, the product and the event end (as in its
    /// [`Record`]).
    ends: [usize; 4],
}

/// A message of a [`Conversation`], with its strings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MessageRef<'a> {
    /// Seconds since the Unix epoch (see [`Record::ts`]).
    pub ts: i64,
    /// How exact `ts` is, and its zone.
    pub clock: Clock,
    pub role: Role,
    /// Milliseconds the agent took, when the export records it.
    pub latency_ms: Option<u64>,
    /// The message's 1-based line in its input.
    pub line: u64,
    pub text: &'a str,
    pub agent: Option<&'a str>,
    pub product: Option<&'a str>,
    pub event: Option<&'a str>,
}

impl Conversation {
    /// The number of messages.
    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// The messages, in order.
    pub fn messages(&self) -> impl ExactSizeIterator<Item = MessageRef<'_>> {
        let strings = self.strings.as_str();
        self.messages.iter().map(move |m| {
            let own = strings.get(m.start..m.start + m.ends[3]).unwrap_or("");
            MessageRef {
                ts: m.ts,
                clock: m.clock,
                role: m.role,
                latency_ms: m.latency_ms,
                line: m.line,
                text: piece(own, &m.ends, 0),
                agent: optional(piece(own, &m.ends, 1)),
                product: optional(piece(own, &m.ends, 2)),
                event: optional(piece(own, &m.ends, 3)),
            }
        })
    }
}

#[derive(Debug)]
struct Open {
    strings: String,
    messages: Vec<Message>,
    last_ts: i64,
    /// How many conversations with this id were closed before.
    part: u32,
    /// No message came earlier than the one before it (always so in the interleaved layout,
    /// which refuses such a message).
    in_order: bool,
}

impl Open {
    fn new(last_ts: i64, part: u32) -> Open {
        Open {
            strings: String::with_capacity(OPEN_STRINGS),
            messages: Vec::with_capacity(OPEN_CAPACITY),
            last_ts,
            part,
            in_order: true,
        }
    }

    /// Puts the messages in time order (a stable sort: messages of the same second keep their
    /// order) and splits them where more than `gap` seconds pass between two: the parts, in
    /// order, numbered on from this one's part.
    fn into_parts(mut self, gap: i64) -> Vec<Open> {
        if !self.in_order {
            self.messages.sort_by_key(|m| m.ts);
            self.in_order = true;
        }
        let cuts: Vec<usize> = (1..self.messages.len())
            .filter(|&i| self.messages[i].ts - self.messages[i - 1].ts > gap)
            .collect();
        if cuts.is_empty() {
            return vec![self];
        }
        let mut parts = Vec::with_capacity(cuts.len() + 1);
        let bounds = std::iter::once(0).chain(cuts.iter().copied()).zip(
            cuts.iter()
                .copied()
                .chain(std::iter::once(self.messages.len())),
        );
        for (n, (from, to)) in bounds.enumerate() {
            let mut part = Open::new(0, self.part + n as u32);
            for m in &self.messages[from..to] {
                let own = self.strings.get(m.start..m.start + m.ends[3]).unwrap_or("");
                part.messages.push(Message {
                    start: part.strings.len(),
                    ..m.clone()
                });
                part.strings.push_str(own);
                part.last_ts = m.ts;
            }
            parts.push(part);
        }
        parts
    }

    /// Keeps the record's message; the record itself is dropped here, on the reader's thread.
    fn add(&mut self, record: Record) {
        let start = self.strings.len();
        let (strings, ends) = record.message_strings();
        self.strings.push_str(strings);
        self.messages.push(Message {
            ts: record.ts,
            clock: record.clock,
            role: record.role,
            latency_ms: record.latency_ms,
            line: record.line,
            start,
            ends,
        });
    }
}

/// How the input's messages are laid out, which decides when a conversation is complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Layout {
    /// In time order, conversations interleaved, as chat tools export a day: a conversation is
    /// complete once it has been idle for the gap. A message earlier than the previous one of
    /// its conversation is refused.
    #[default]
    Interleaved,
    /// Each conversation's messages together, the conversations in any order (an export sorted
    /// by conversation, or the reduce side of a shuffle by conversation id): a conversation is
    /// complete when another begins. Its messages are put in time order, then split at idle
    /// gaps.
    Grouped,
}

/// Something about the input worth telling once: it does not look laid out as the grouper was
/// told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Interleaved: at `line`, time went back by more than the gap. From there on no
    /// conversation is closed before the end of input, and memory grows with the input.
    Unordered { line: u64 },
    /// Grouped: at `line`, `conversation` came back after another one had begun; it is taken
    /// as a new conversation.
    NotGrouped { conversation: String, line: u64 },
}

#[derive(Debug)]
pub struct Grouper {
    gap: i64,
    layout: Layout,
    /// Grouped: the conversation being read.
    current: Option<(String, Open)>,
    /// Told once, to be taken by [`Grouper::take_notice`].
    notice: Option<Notice>,
    noticed: bool,
    /// Looked up once per message. foldhash is several times cheaper than the standard
    /// SipHash and still seeded per process; both maps are only ever read in sorted order.
    open: HashMap<String, Open, RandomState>,
    /// Parts already used per id, for ids whose conversation was closed.
    parts: HashMap<String, Parted, RandomState>,
    /// The number of the input being read, from 1.
    input: u32,
    now: i64,
    since_sweep: usize,
    /// The stream has gone back in time by more than the gap (an unsorted export): idle
    /// conversations can no longer be told apart, so none is swept.
    unordered: bool,
    /// The next message is the first of another input.
    input_starts: bool,
}

/// What is kept of an id whose conversation was closed: the number of its next part, and the
/// input it was closed in.
#[derive(Debug, Clone, Copy)]
struct Parted {
    next: u32,
    input: u32,
}

/// Messages a newly opened conversation has room for (most chats have fewer).
const OPEN_CAPACITY: usize = 16;

/// Bytes of strings a newly opened conversation has room for (a typical chat's).
const OPEN_STRINGS: usize = 512;

/// How often (in messages) closed-by-idleness conversations are looked for.
const SWEEP_EVERY: usize = 4096;

impl Grouper {
    pub fn new(gap_s: i64, layout: Layout) -> Self {
        Grouper {
            gap: gap_s.max(0),
            layout,
            current: None,
            notice: None,
            noticed: false,
            input_starts: false,
            open: HashMap::default(),
            parts: HashMap::default(),
            input: 0,
            now: i64::MIN,
            since_sweep: 0,
            unordered: false,
        }
    }

    pub fn open_count(&self) -> usize {
        self.open.len() + usize::from(self.current.is_some())
    }

    /// The messages that follow come from another input (file), laid out as `layout`. In time
    /// order, an input that begins more than the gap before the previous one's latest message
    /// is a stream of its own (another day, another shop): everything open is closed first,
    /// and time starts over. An input in another layout than the one before is a stream of its
    /// own too; what it closes goes to `closed`.
    pub fn next_input(&mut self, layout: Layout, closed: &mut Vec<Conversation>) {
        if layout != self.layout {
            self.start_over(closed);
            self.layout = layout;
        }
        self.input_starts = true;
        self.input += 1;
    }

    /// Closes everything open and forgets the stream's time, for a stream of its own.
    fn start_over(&mut self, closed: &mut Vec<Conversation>) {
        self.finish(closed);
        self.now = i64::MIN;
        self.unordered = false;
    }

    /// What the input's layout gave to tell, once per run.
    pub fn take_notice(&mut self) -> Option<Notice> {
        self.notice.take()
    }

    fn tell(&mut self, notice: Notice) {
        if !self.noticed {
            self.noticed = true;
            self.notice = Some(notice);
        }
    }

    fn close(&mut self, id: String, open: Open, out: &mut Vec<Conversation>) {
        let shown = if open.part == 0 {
            id.clone()
        } else {
            format!("{id}#{}", open.part + 1)
        };
        // Forget the split counters of ids long gone, so that memory stays bounded too.
        if self.parts.len() >= 4 * SWEEP_EVERY {
            self.parts.clear();
        }
        let parted = Parted {
            next: open.part + 1,
            input: self.input,
        };
        self.parts.insert(id, parted);
        out.push(Conversation {
            id: shown,
            strings: open.strings,
            messages: open.messages,
        });
    }

    /// Adds a message; conversations it closes are appended to `closed`. A message earlier than
    /// the previous one of its conversation is refused, with the reason.
    pub fn push(&mut self, record: Record, closed: &mut Vec<Conversation>) -> Result<(), Problem> {
        if self.layout == Layout::Grouped {
            self.push_grouped(record, closed);
            return Ok(());
        }
        let ts = record.ts;
        if std::mem::take(&mut self.input_starts)
            && self.now != i64::MIN
            && ts < self.now.saturating_sub(self.gap)
        {
            self.start_over(closed);
        }
        let behind = self.now != i64::MIN && ts < self.now.saturating_sub(self.gap);
        // A training transcript's closing line ends its conversation.
        let ends = record.event() == Some("session_end");
        // The common case, a message of an open conversation, looks the id up once.
        let mut idle = false;
        match self.open.get_mut(record.conversation()) {
            Some(open) if ts < open.last_ts => {
                return Err(Problem::OutOfOrder {
                    conversation: format!("\"{}\"", record.conversation()),
                });
            }
            Some(open) if ts - open.last_ts <= self.gap => {
                let line = record.line;
                let id = ends.then(|| record.conversation().to_string());
                open.last_ts = ts;
                open.add(record);
                self.went_back(behind, line);
                self.now = self.now.max(ts);
                if let Some(id) = id {
                    if let Some((id, open)) = self.open.remove_entry(&id) {
                        self.close(id, open, closed);
                    }
                }
                return self.after_push(closed);
            }
            Some(_) => idle = true,
            None => {}
        }
        if idle {
            if let Some((id, open)) = self.open.remove_entry(record.conversation()) {
                self.close(id, open, closed);
            }
        }
        self.went_back(behind, record.line);
        self.now = self.now.max(ts);
        let part = self
            .parts
            .remove(record.conversation())
            .map_or(0, |p| p.next);
        let id = record.conversation().to_string();
        // Room for a typical chat, so that its messages are not moved as it grows.
        let mut open = Open::new(ts, part);
        open.add(record);
        if ends {
            // A conversation of one line, closed at once.
            self.close(id, open, closed);
        } else {
            self.open.insert(id, open);
        }
        self.after_push(closed)
    }

    /// Marks the stream unordered when the message at `line` is `behind` (more than the gap
    /// before the latest), telling so the first time.
    fn went_back(&mut self, behind: bool, line: u64) {
        if behind && !self.unordered {
            self.unordered = true;
            self.tell(Notice::Unordered { line });
        }
    }

    /// Adds a message of input grouped by conversation: another conversation's message closes
    /// the one being read.
    fn push_grouped(&mut self, record: Record, closed: &mut Vec<Conversation>) {
        let ts = record.ts;
        let same = matches!(&self.current, Some((id, _)) if id == record.conversation());
        if !same {
            self.close_current(closed);
            let part = match self.parts.remove(record.conversation()) {
                Some(parted) => {
                    // Back within its input: not grouped. From an input before, it is only
                    // an id used again.
                    if parted.input == self.input {
                        self.tell(Notice::NotGrouped {
                            conversation: record.conversation().to_string(),
                            line: record.line,
                        });
                    }
                    parted.next
                }
                None => 0,
            };
            let open = Open::new(ts, part);
            self.current = Some((record.conversation().to_string(), open));
        }
        let ends = record.event() == Some("session_end");
        if let Some((_, open)) = &mut self.current {
            open.in_order &= ts >= open.last_ts;
            open.last_ts = ts;
            open.add(record);
        }
        if ends {
            self.close_current(closed);
        }
    }

    /// Grouped: closes the conversation being read, in time order and split at idle gaps.
    fn close_current(&mut self, closed: &mut Vec<Conversation>) {
        let Some((id, open)) = self.current.take() else {
            return;
        };
        for part in open.into_parts(self.gap) {
            self.close(id.clone(), part, closed);
        }
    }

    /// Counts a message in and now and then closes the conversations gone idle.
    fn after_push(&mut self, closed: &mut Vec<Conversation>) -> Result<(), Problem> {
        self.since_sweep += 1;
        if self.since_sweep >= SWEEP_EVERY && !self.unordered {
            self.since_sweep = 0;
            self.sweep(closed);
        }
        Ok(())
    }

    /// Closes the conversations that no later message can extend any more.
    fn sweep(&mut self, closed: &mut Vec<Conversation>) {
        let limit = self.now.saturating_sub(self.gap);
        let mut idle: Vec<(i64, String)> = self
            .open
            .iter()
            .filter(|(_, o)| o.last_ts < limit)
            .map(|(id, o)| (o.last_ts, id.clone()))
            .collect();
        idle.sort();
        for (_, id) in idle {
            if let Some((id, open)) = self.open.remove_entry(&id) {
                self.close(id, open, closed);
            }
        }
    }

    /// Closes everything still open (end of input), oldest first.
    pub fn finish(&mut self, closed: &mut Vec<Conversation>) {
        self.close_current(closed);
        let mut rest: Vec<(i64, String)> = self
            .open
            .iter()
            .map(|(id, o)| (o.messages.first().map_or(0, |m| m.ts), id.clone()))
            .collect();
        rest.sort();
        for (_, id) in rest {
            if let Some((id, open)) = self.open.remove_entry(&id) {
                self.close(id, open, closed);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;
    use crate::qa::record::Parts;

    fn rec(conv: &str, ts: i64, line: u64) -> Record {
        message(conv, ts, line, Role::Customer, None)
    }

    fn message(conv: &str, ts: i64, line: u64, role: Role, event: Option<&str>) -> Record {
        let parts = Parts {
            conversation: conv,
            text: "在吗",
            event,
            ..Parts::default()
        };
        Record::new(parts, ts, role, None, line)
    }

    #[test]
    fn interleaved_conversations_are_grouped() {
        let mut g = Grouper::new(1800, Layout::Interleaved);
        let mut closed = Vec::new();
        for (i, (c, ts)) in [("a", 0), ("b", 5), ("a", 10), ("b", 20), ("a", 30)]
            .into_iter()
            .enumerate()
        {
            g.push(rec(c, ts, i as u64 + 1), &mut closed).unwrap();
        }
        assert!(closed.is_empty());
        g.finish(&mut closed);
        let ids: Vec<(&str, usize)> = closed.iter().map(|c| (c.id.as_str(), c.len())).collect();
        assert_eq!(ids, [("a", 3), ("b", 2)]);
    }

    #[test]
    fn a_conversation_gives_back_each_message_and_its_strings() {
        let mut g = Grouper::new(1800, Layout::Interleaved);
        let mut closed = Vec::new();
        let agent = Parts {
            conversation: "a",
            text: "亲，这款有货的",
            agent: Some("小美"),
            product: Some("p-1"),
            ..Parts::default()
        };
        let paid = Parts {
            conversation: "a",
            event: Some("order_paid"),
            ..Parts::default()
        };
        g.push(rec("a", 0, 1), &mut closed).unwrap();
        g.push(
            Record::new(agent, 3, Role::Agent, Some(2500), 2),
            &mut closed,
        )
        .unwrap();
        g.push(Record::new(paid, 9, Role::System, None, 3), &mut closed)
            .unwrap();
        g.finish(&mut closed);
        let got: Vec<MessageRef<'_>> = closed[0].messages().collect();
        assert_eq!(got.len(), 3);
        assert_eq!(
            (
                got[0].text,
                got[0].agent,
                got[0].role,
                got[0].ts,
                got[0].line
            ),
            ("在吗", None, Role::Customer, 0, 1)
        );
        assert_eq!(
            (got[1].text, got[1].agent, got[1].product, got[1].event),
            ("亲，这款有货的", Some("小美"), Some("p-1"), None)
        );
        assert_eq!(got[1].latency_ms, Some(2500));
        assert_eq!(
            (got[2].text, got[2].agent, got[2].product, got[2].event),
            ("", None, None, Some("order_paid"))
        );
    }

    #[test]
    fn an_idle_gap_splits_a_conversation() {
        let mut g = Grouper::new(60, Layout::Interleaved);
        let mut closed = Vec::new();
        g.push(rec("a", 0, 1), &mut closed).unwrap();
        g.push(rec("a", 50, 2), &mut closed).unwrap();
        g.push(rec("a", 200, 3), &mut closed).unwrap();
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].id, "a");
        assert_eq!(closed[0].len(), 2);
        g.finish(&mut closed);
        assert_eq!(closed[1].id, "a#2");
    }

    #[test]
    fn out_of_order_messages_are_refused() {
        let mut g = Grouper::new(60, Layout::Interleaved);
        let mut closed = Vec::new();
        g.push(rec("a", 100, 1), &mut closed).unwrap();
        let err = g.push(rec("a", 90, 2), &mut closed).unwrap_err();
        let err = err.describe(Lang::En);
        assert!(err.contains("out-of-order"), "{err}");
        // Another conversation may still start earlier: exports interleave loosely.
        g.push(rec("b", 95, 3), &mut closed).unwrap();
    }

    #[test]
    fn unsorted_input_is_not_split_by_sweeps() {
        let mut g = Grouper::new(10, Layout::Interleaved);
        let mut closed = Vec::new();
        g.push(rec("old", 0, 1), &mut closed).unwrap();
        g.push(rec("new", 100_000, 2), &mut closed).unwrap();
        for i in 0..(SWEEP_EVERY as i64 * 2) {
            g.push(rec(&format!("c{i}"), 5 + i % 5, i as u64 + 3), &mut closed)
                .unwrap();
        }
        g.push(rec("old", 5, 9_999), &mut closed).unwrap();
        g.finish(&mut closed);
        assert!(closed.iter().all(|c| c.id != "old#2"));
        assert_eq!(closed.iter().find(|c| c.id == "old").unwrap().len(), 2);
    }

    #[test]
    fn a_training_session_end_closes_its_conversation() {
        for layout in [Layout::Interleaved, Layout::Grouped] {
            let mut g = Grouper::new(1800, layout);
            let mut closed = Vec::new();
            g.push(rec("t", 0, 1), &mut closed).unwrap();
            let end = message("t", 5, 2, Role::System, Some("session_end"));
            g.push(end, &mut closed).unwrap();
            assert_eq!((closed.len(), g.open_count()), (1, 0), "{layout:?}");
            g.push(rec("t", 6, 3), &mut closed).unwrap();
            g.finish(&mut closed);
            assert_eq!(closed[1].id, "t#2", "{layout:?}");
        }
    }

    #[test]
    fn idle_conversations_are_swept_to_bound_memory() {
        let mut g = Grouper::new(10, Layout::Interleaved);
        let mut closed = Vec::new();
        for i in 0..(SWEEP_EVERY as i64 * 2) {
            g.push(rec(&format!("c{i}"), i * 20, i as u64), &mut closed)
                .unwrap();
        }
        assert!(g.open_count() < SWEEP_EVERY, "{}", g.open_count());
    }

    /// What is kept of closed conversations is bounded too, in either layout.
    #[test]
    fn closed_ids_are_forgotten_in_time() {
        for layout in [Layout::Interleaved, Layout::Grouped] {
            let mut g = Grouper::new(10, layout);
            let mut closed = Vec::new();
            for i in 0..(SWEEP_EVERY as i64 * 10) {
                g.push(rec(&format!("c{i}"), i * 20, i as u64), &mut closed)
                    .unwrap();
                assert!(g.parts.len() <= 4 * SWEEP_EVERY, "{layout:?}");
            }
            assert!(closed.len() > 8 * SWEEP_EVERY, "{layout:?}");
        }
    }

    #[test]
    fn going_back_in_time_is_noticed_once_with_its_line() {
        let mut g = Grouper::new(60, Layout::Interleaved);
        let mut closed = Vec::new();
        g.push(rec("a", 1000, 1), &mut closed).unwrap();
        g.push(rec("b", 990, 2), &mut closed).unwrap();
        assert_eq!(
            g.take_notice(),
            None,
            "within the gap is loose interleaving"
        );
        g.push(rec("c", 100, 3), &mut closed).unwrap();
        assert_eq!(g.take_notice(), Some(Notice::Unordered { line: 3 }));
        g.push(rec("d", 50, 4), &mut closed).unwrap();
        assert_eq!(g.take_notice(), None);
        // A conversation that goes on after the stream has moved past it tells too.
        let mut g = Grouper::new(60, Layout::Interleaved);
        g.push(rec("a", 0, 1), &mut closed).unwrap();
        g.push(rec("b", 10_000, 2), &mut closed).unwrap();
        g.push(rec("a", 5, 3), &mut closed).unwrap();
        assert_eq!(g.take_notice(), Some(Notice::Unordered { line: 3 }));
    }

    /// Conversations in no time order, each one's messages together: one is open at a time,
    /// closed when the next begins, its messages put in time order and split at idle gaps.
    #[test]
    fn grouped_input_closes_a_conversation_when_the_next_begins() {
        let mut g = Grouper::new(60, Layout::Grouped);
        let mut closed = Vec::new();
        let input = [
            ("b", 5000, 1),
            ("b", 4990, 2),
            ("b", 5010, 3),
            ("a", 100, 4),
            ("a", 400, 5),
            ("a", 90, 6),
            ("c", 7000, 7),
        ];
        for (c, ts, line) in input {
            let text = format!("第{line}行");
            let parts = Parts {
                conversation: c,
                text: &text,
                ..Parts::default()
            };
            g.push(
                Record::new(parts, ts, Role::Customer, None, line),
                &mut closed,
            )
            .unwrap();
            assert!(g.open_count() <= 1);
        }
        let summary = |closed: &[Conversation]| -> Vec<(String, Vec<(i64, u64)>)> {
            closed
                .iter()
                .map(|c| (c.id.clone(), c.messages().map(|m| (m.ts, m.line)).collect()))
                .collect()
        };
        assert_eq!(
            summary(&closed),
            [
                ("b".to_string(), vec![(4990, 2), (5000, 1), (5010, 3)]),
                ("a".to_string(), vec![(90, 6), (100, 4)]),
                ("a#2".to_string(), vec![(400, 5)]),
            ]
        );
        assert_eq!(g.take_notice(), None);
        g.finish(&mut closed);
        assert_eq!(closed.last().map(|c| c.id.as_str()), Some("c"));
        assert_eq!(g.open_count(), 0);
        // The strings follow their messages through the sort and the split.
        for c in &closed {
            assert!(c.messages().all(|m| m.text == format!("第{}行", m.line)));
        }
    }

    fn came_back(conversation: &str, line: u64) -> Option<Notice> {
        Some(Notice::NotGrouped {
            conversation: conversation.into(),
            line,
        })
    }

    #[test]
    fn a_conversation_back_after_others_is_noticed_when_grouped() {
        let mut g = Grouper::new(1800, Layout::Grouped);
        let mut closed = Vec::new();
        for (i, c) in ["a", "b", "a", "b"].into_iter().enumerate() {
            g.push(rec(c, i as i64, i as u64 + 1), &mut closed).unwrap();
        }
        assert_eq!(g.take_notice(), came_back("a", 3));
        g.finish(&mut closed);
        let ids: Vec<&str> = closed.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "a#2", "b#2"]);
        assert_eq!(g.take_notice(), None, "told once");
    }

    /// Files in any order: one that starts earlier than the previous one ends is scored on its
    /// own, and going back in time at its start is no disorder.
    #[test]
    fn an_input_that_starts_earlier_is_a_stream_of_its_own() {
        let mut g = Grouper::new(60, Layout::Interleaved);
        let mut closed = Vec::new();
        g.push(rec("a", 10_000, 1), &mut closed).unwrap();
        g.push(rec("b", 10_010, 2), &mut closed).unwrap();
        g.next_input(Layout::Interleaved, &mut closed);
        g.push(rec("a", 100, 1), &mut closed).unwrap();
        let ids: Vec<&str> = closed.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "b"], "the first input is closed");
        assert_eq!(g.take_notice(), None);
        g.push(rec("c", 120, 2), &mut closed).unwrap();
        // Within the second input, going back is disorder again.
        g.push(rec("d", 0, 3), &mut closed).unwrap();
        assert_eq!(g.take_notice(), Some(Notice::Unordered { line: 3 }));
        g.finish(&mut closed);
        let ids: Vec<&str> = closed.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "d", "a#2", "c"]);

        // An input that goes on in time is the same stream: its conversations go on.
        let mut g = Grouper::new(60, Layout::Interleaved);
        let mut closed = Vec::new();
        g.push(rec("a", 100, 1), &mut closed).unwrap();
        g.next_input(Layout::Interleaved, &mut closed);
        g.push(rec("a", 130, 1), &mut closed).unwrap();
        g.finish(&mut closed);
        assert_eq!(closed.len(), 1);
        assert_eq!(closed[0].len(), 2);
    }

    /// A grouped input after another with the same ids: the ids are used again, which is no
    /// disorder; within the input, an id that comes back is.
    #[test]
    fn ids_used_again_by_another_input_are_no_disorder() {
        let mut g = Grouper::new(1800, Layout::Interleaved);
        let mut closed = Vec::new();
        g.next_input(Layout::Interleaved, &mut closed);
        g.push(rec("a", 0, 1), &mut closed).unwrap();
        g.push(rec("b", 5, 2), &mut closed).unwrap();
        g.next_input(Layout::Grouped, &mut closed);
        assert_eq!(closed.len(), 2, "the first input is closed at the switch");
        g.push(rec("a", 0, 1), &mut closed).unwrap();
        g.push(rec("b", 3, 2), &mut closed).unwrap();
        assert_eq!(g.take_notice(), None);
        g.push(rec("a", 9, 3), &mut closed).unwrap();
        assert_eq!(g.take_notice(), came_back("a", 3));
        g.finish(&mut closed);
        let ids: Vec<&str> = closed.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "b", "a#2", "b#2", "a#3"]);
    }
}
