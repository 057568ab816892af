//! One chat message as read from an export, with where it came from; and a line that could not
//! be read, with why.

use std::fmt;
use std::sync::Arc;

use super::problem::Problem;
use crate::lang::Lang;
use crate::transcript::Role;

/// Where a message came from: a file (or `-` for stdin) and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loc {
    pub file: Arc<str>,
    pub line: u64,
}

impl fmt::Display for Loc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// A chat message from any input format. Its strings share one allocation, made once per
/// message; the grouper copies them into the conversation's buffer and drops the record on the
/// reader's thread. It keeps its line but not its file, which the reader knows.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The text, the agent, the product and the event, then the conversation id, back to back:
    /// the message's own strings first, for [`Record::message_strings`].
    strings: String,
    /// Where the text, the agent, the product and the event end in `strings` (the id runs to
    /// the end).
    ends: [usize; 4],
    /// Seconds since the Unix epoch. Times without a zone are taken as they are written
    /// (as if UTC): only differences matter for scoring.
    pub ts: i64,
    pub role: Role,
    /// Milliseconds the agent took, when the export records it (`kefu train` transcripts do);
    /// otherwise latency comes from the timestamps.
    pub latency_ms: Option<u64>,
    /// The record's 1-based line in its input.
    pub line: u64,
    /// How exact `ts` is, and its zone.
    pub clock: Clock,
}

/// How exact a message's time is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// To the second (or finer).
    #[default]
    Second,
    /// To the minute: the message was sent at some second of the minute `ts` starts.
    Minute,
    /// The export has no time: `ts` is 0 and orders nothing.
    Unknown,
}

/// How exact a message's time is, and the zone it was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Clock {
    pub precision: Precision,
    /// East of UTC in seconds, as written (0 when no zone was): `ts + offset` is the time on
    /// the wall clock, which service hours are counted in.
    pub offset: i32,
}

impl Clock {
    /// The earliest and latest second the message can have been sent at, or `None` when the
    /// export has no time.
    pub fn range(self, ts: i64) -> Option<(i64, i64)> {
        match self.precision {
            Precision::Second => Some((ts, ts)),
            Precision::Minute => Some((ts, ts + 59)),
            Precision::Unknown => None,
        }
    }
}

/// The strings of a message, borrowed, to make a [`Record`] of.
#[derive(Debug, Clone, Copy, Default)]
pub struct Parts<'a> {
    pub conversation: &'a str,
    pub text: &'a str,
    /// The agent's name or id.
    pub agent: Option<&'a str>,
    /// A catalog product id: the item under discussion from this message on.
    pub product: Option<&'a str>,
    /// System events: `order_placed`, `order_paid`, `customer_left`, `session_end`.
    pub event: Option<&'a str>,
}

impl Record {
    /// A record of `parts`; an empty agent, product or event is the same as none.
    pub fn new(
        parts: Parts<'_>,
        ts: i64,
        role: Role,
        latency_ms: Option<u64>,
        line: u64,
    ) -> Record {
        let pieces = [
            parts.text,
            parts.agent.unwrap_or(""),
            parts.product.unwrap_or(""),
            parts.event.unwrap_or(""),
            parts.conversation,
        ];
        let mut strings = String::with_capacity(pieces.iter().map(|p| p.len()).sum());
        let mut ends = [0; 4];
        for (i, piece) in pieces.iter().enumerate() {
            strings.push_str(piece);
            if let Some(end) = ends.get_mut(i) {
                *end = strings.len();
            }
        }
        Record {
            strings,
            ends,
            ts,
            role,
            latency_ms,
            line,
            clock: Clock::default(),
        }
    }

    /// The `i`-th string: text, agent, product, event, conversation.
    fn piece(&self, i: usize) -> &str {
        piece(&self.strings, &self.ends, i)
    }

    fn optional(&self, i: usize) -> Option<&str> {
        optional(self.piece(i))
    }

    pub fn text(&self) -> &str {
        self.piece(0)
    }

    pub fn agent(&self) -> Option<&str> {
        self.optional(1)
    }

    pub fn product(&self) -> Option<&str> {
        self.optional(2)
    }

    pub fn event(&self) -> Option<&str> {
        self.optional(3)
    }

    pub fn conversation(&self) -> &str {
        self.piece(4)
    }

    /// The text, the agent, the product and the event back to back, and where each ends: to be
    /// copied in one piece.
    pub fn message_strings(&self) -> (&str, [usize; 4]) {
        let end = self.ends[3];
        (self.strings.get(..end).unwrap_or(""), self.ends)
    }
}

/// The `i`-th of strings laid back to back in `strings`, the first four ending at `ends` and a
/// fifth, if any, running to the end: a message's text, agent, product and event (and, in a
/// [`Record`], its conversation id).
pub(crate) fn piece<'a>(strings: &'a str, ends: &[usize; 4], i: usize) -> &'a str {
    let start = if i == 0 { 0 } else { ends[i - 1] };
    let end = ends.get(i).copied().unwrap_or(strings.len());
    strings.get(start..end).unwrap_or("")
}

/// An optional string: empty is none.
pub(crate) fn optional(s: &str) -> Option<&str> {
    Some(s).filter(|s| !s.is_empty())
}

/// A line that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub loc: Loc,
    pub problem: Problem,
}

impl BadLine {
    /// A bad line at `line` of `file`.
    pub fn new(file: &Arc<str>, line: u64, problem: Problem) -> BadLine {
        BadLine {
            loc: Loc {
                file: Arc::clone(file),
                line,
            },
            problem,
        }
    }

    /// The number of lines skipped: more than one for a block of stray text or a file that
    /// matched no format.
    pub fn lines(&self) -> u64 {
        match &self.problem {
            Problem::StrayText { first, last } => last.saturating_sub(*first) + 1,
            Problem::NoFormat { lines, .. } => (*lines).max(1),
            _ => 1,
        }
    }

    /// `file:line: reason`, the reason in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        format!("{}: {}", self.loc, self.problem.describe(lang))
    }
}

/// Reads a role as chat tools export it, in English or Chinese.
pub fn parse_role(s: &str) -> Option<Role> {
    match s.trim().to_lowercase().as_str() {
        "customer" | "buyer" | "user" | "member" | "顾客" | "买家" | "客户" | "用户" | "会员"
        | "消费者" => Some(Role::Customer),
        "agent" | "seller" | "staff" | "human" | "客服" | "卖家" | "商家" | "店铺" | "坐席"
        | "小二" | "人工" | "人工客服" => Some(Role::Agent),
        "system" | "系统" | "系统消息" | "通知" => Some(Role::System),
        "robot" | "bot" | "auto" | "auto_reply" | "机器人" | "店小蜜" | "阿里店小蜜" | "京小智"
        | "自动回复" | "机器人客服" | "智能客服" => Some(Role::Robot),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_record_gives_back_its_strings() {
        let parts = Parts {
            conversation: "c1",
            text: "亲，在的",
            agent: Some("小美"),
            product: None,
            event: Some(""),
        };
        let r = Record::new(parts, 5, Role::Agent, None, 1);
        assert_eq!(
            (
                r.text(),
                r.conversation(),
                r.agent(),
                r.product(),
                r.event()
            ),
            ("亲，在的", "c1", Some("小美"), None, None)
        );
        let (strings, ends) = r.message_strings();
        assert_eq!(strings, "亲，在的小美");
        assert_eq!(ends, [12, 18, 18, 18]);
        let system = Parts {
            conversation: "c2",
            event: Some("order_paid"),
            ..Parts::default()
        };
        let r = Record::new(system, 6, Role::System, None, 2);
        assert_eq!(
            (r.text(), r.conversation(), r.agent(), r.event()),
            ("", "c2", None, Some("order_paid"))
        );
    }

    #[test]
    fn roles_in_both_languages() {
        assert_eq!(parse_role("顾客"), Some(Role::Customer));
        assert_eq!(parse_role(" 卖家 "), Some(Role::Agent));
        assert_eq!(parse_role("Agent"), Some(Role::Agent));
        assert_eq!(parse_role("系统"), Some(Role::System));
        assert_eq!(parse_role("会员"), Some(Role::Customer));
        assert_eq!(parse_role("坐席"), Some(Role::Agent));
        assert_eq!(parse_role("小二"), Some(Role::Agent));
        assert_eq!(parse_role("机器人"), Some(Role::Robot));
        assert_eq!(parse_role("店小蜜"), Some(Role::Robot));
        assert_eq!(parse_role("自动回复"), Some(Role::Robot));
        assert_eq!(parse_role("小美"), None);
    }
}
