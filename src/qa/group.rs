//! Groups a time-ordered, interleaved stream of messages into conversations. A conversation is
//! closed by an idle gap (a message more than `gap` seconds after the previous one starts a new
//! conversation with the same id) or at the end of input. Memory is bounded by the number of
//! conversations open at once.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use super::problem::Problem;
use super::record::{Record, optional, piece};
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
}

impl Open {
    fn new(last_ts: i64, part: u32) -> Open {
        Open {
            strings: String::with_capacity(OPEN_STRINGS),
            messages: Vec::with_capacity(OPEN_CAPACITY),
            last_ts,
            part,
        }
    }

    /// Keeps the record's message; the record itself is dropped here, on the reader's thread.
    fn add(&mut self, record: Record) {
        let start = self.strings.len();
        let (strings, ends) = record.message_strings();
        self.strings.push_str(strings);
        self.messages.push(Message {
            ts: record.ts,
            role: record.role,
            latency_ms: record.latency_ms,
            line: record.line,
            start,
            ends,
        });
    }
}

#[derive(Debug)]
pub struct Grouper {
    gap: i64,
    /// Looked up once per message. foldhash is several times cheaper than the standard
    /// SipHash and still seeded per process; both maps are only ever read in sorted order.
    open: HashMap<String, Open, RandomState>,
    /// Parts already used per id, for ids whose conversation was closed.
    parts: HashMap<String, u32, RandomState>,
    now: i64,
    since_sweep: usize,
    /// The stream has gone back in time by more than the gap (files in the wrong order, or an
    /// unsorted export): idle conversations can no longer be told apart, so none is swept.
    unordered: bool,
}

/// Messages a newly opened conversation has room for (most chats have fewer).
const OPEN_CAPACITY: usize = 16;

/// Bytes of strings a newly opened conversation has room for (a typical chat's).
const OPEN_STRINGS: usize = 512;

/// How often (in messages) closed-by-idleness conversations are looked for.
const SWEEP_EVERY: usize = 4096;

impl Grouper {
    pub fn new(gap_s: i64) -> Self {
        Grouper {
            gap: gap_s.max(0),
            open: HashMap::default(),
            parts: HashMap::default(),
            now: i64::MIN,
            since_sweep: 0,
            unordered: false,
        }
    }

    pub fn open_count(&self) -> usize {
        self.open.len()
    }

    fn close(&mut self, id: String, open: Open, out: &mut Vec<Conversation>) {
        let shown = if open.part == 0 {
            id.clone()
        } else {
            format!("{id}#{}", open.part + 1)
        };
        self.parts.insert(id, open.part + 1);
        out.push(Conversation {
            id: shown,
            strings: open.strings,
            messages: open.messages,
        });
    }

    /// Adds a message; conversations it closes are appended to `closed`. A message earlier than
    /// the previous one of its conversation is refused, with the reason.
    pub fn push(&mut self, record: Record, closed: &mut Vec<Conversation>) -> Result<(), Problem> {
        let ts = record.ts;
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
                self.unordered |= behind;
                self.now = self.now.max(ts);
                open.last_ts = ts;
                let id = ends.then(|| record.conversation().to_string());
                open.add(record);
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
        self.unordered |= behind;
        self.now = self.now.max(ts);
        let part = self.parts.remove(record.conversation()).unwrap_or(0);
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
        // Forget split counters of ids long gone, so that memory stays bounded too.
        if self.parts.len() > 4 * SWEEP_EVERY {
            self.parts.clear();
        }
    }

    /// Closes everything still open (end of input), oldest first.
    pub fn finish(&mut self, closed: &mut Vec<Conversation>) {
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
        let mut g = Grouper::new(1800);
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
        let mut g = Grouper::new(1800);
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
        let mut g = Grouper::new(60);
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
        let mut g = Grouper::new(60);
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
        let mut g = Grouper::new(10);
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
        let mut g = Grouper::new(1800);
        let mut closed = Vec::new();
        g.push(rec("t", 0, 1), &mut closed).unwrap();
        let end = message("t", 5, 2, Role::System, Some("session_end"));
        g.push(end, &mut closed).unwrap();
        assert_eq!(closed.len(), 1);
        g.push(rec("t", 6, 3), &mut closed).unwrap();
        g.finish(&mut closed);
        assert_eq!(closed[1].id, "t#2");
    }

    #[test]
    fn idle_conversations_are_swept_to_bound_memory() {
        let mut g = Grouper::new(10);
        let mut closed = Vec::new();
        for i in 0..(SWEEP_EVERY as i64 * 2) {
            g.push(rec(&format!("c{i}"), i * 20, i as u64), &mut closed)
                .unwrap();
        }
        assert!(g.open_count() < SWEEP_EVERY, "{}", g.open_count());
    }
}
