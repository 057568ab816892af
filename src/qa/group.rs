//! Groups a time-ordered, interleaved stream of messages into conversations. A conversation is
//! closed by an idle gap (a message more than `gap` seconds after the previous one starts a new
//! conversation with the same id) or at the end of input. Memory is bounded by the number of
//! conversations open at once.

use std::collections::HashMap;

use foldhash::fast::RandomState;

use super::record::Record;

/// A finished conversation, ready for scoring.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// The id from the input, with `#2`, `#3`… when an idle gap split it.
    pub id: String,
    pub messages: Vec<Record>,
}

#[derive(Debug)]
struct Open {
    messages: Vec<Record>,
    last_ts: i64,
    /// How many conversations with this id were closed before.
    part: u32,
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
            messages: open.messages,
        });
    }

    /// Adds a message; conversations it closes are appended to `closed`. A message earlier than
    /// the previous one of its conversation is refused, with the reason.
    pub fn push(&mut self, record: Record, closed: &mut Vec<Conversation>) -> Result<(), String> {
        let ts = record.ts;
        let behind = self.now != i64::MIN && ts < self.now.saturating_sub(self.gap);
        // A training transcript's closing line ends its conversation.
        let ends = record.event() == Some("session_end");
        // The common case, a message of an open conversation, looks the id up once.
        let mut idle = false;
        match self.open.get_mut(record.conversation()) {
            Some(open) if ts < open.last_ts => {
                return Err(format!(
                    "out-of-order timestamp: earlier than the previous message of conversation \"{}\"",
                    record.conversation()
                ));
            }
            Some(open) if ts - open.last_ts <= self.gap => {
                self.unordered |= behind;
                self.now = self.now.max(ts);
                open.last_ts = ts;
                let id = ends.then(|| record.conversation().to_string());
                open.messages.push(record);
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
        if ends {
            // A conversation of one line, closed at once.
            let id = record.conversation().to_string();
            let open = Open {
                messages: vec![record],
                last_ts: ts,
                part,
            };
            self.close(id, open, closed);
        } else {
            // Room for a typical chat, so that its messages are not moved as it grows.
            let mut messages = Vec::with_capacity(OPEN_CAPACITY);
            let id = record.conversation().to_string();
            messages.push(record);
            self.open.insert(
                id,
                Open {
                    messages,
                    last_ts: ts,
                    part,
                },
            );
        }
        self.after_push(closed)
    }

    /// Counts a message in and now and then closes the conversations gone idle.
    fn after_push(&mut self, closed: &mut Vec<Conversation>) -> Result<(), String> {
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
    use crate::qa::record::Parts;
    use crate::transcript::Role;

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
        let ids: Vec<(&str, usize)> = closed
            .iter()
            .map(|c| (c.id.as_str(), c.messages.len()))
            .collect();
        assert_eq!(ids, [("a", 3), ("b", 2)]);
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
        assert_eq!(closed[0].messages.len(), 2);
        g.finish(&mut closed);
        assert_eq!(closed[1].id, "a#2");
    }

    #[test]
    fn out_of_order_messages_are_refused() {
        let mut g = Grouper::new(60);
        let mut closed = Vec::new();
        g.push(rec("a", 100, 1), &mut closed).unwrap();
        let err = g.push(rec("a", 90, 2), &mut closed).unwrap_err();
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
        assert_eq!(
            closed
                .iter()
                .find(|c| c.id == "old")
                .unwrap()
                .messages
                .len(),
            2
        );
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
