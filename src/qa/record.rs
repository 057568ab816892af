//! One chat message as read from an export, with where it came from; and a line that could not
//! be read, with why.

use std::fmt;
use std::sync::Arc;

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

/// A chat message from any input format.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub conversation: String,
    /// Seconds since the Unix epoch. Times without a zone are taken as they are written
    /// (as if UTC): only differences matter for scoring.
    pub ts: i64,
    pub role: Role,
    pub text: String,
    pub agent: Option<String>,
    /// A catalog product id: the item under discussion from this message on.
    pub product: Option<String>,
    /// System events: `order_placed`, `order_paid`, `customer_left`, `session_end`.
    pub event: Option<String>,
    /// Milliseconds the agent took, when the export records it (`kefu train` transcripts do);
    /// otherwise latency comes from the timestamps.
    pub latency_ms: Option<u64>,
    pub loc: Loc,
}

/// A line that was skipped, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub loc: Loc,
    pub reason: String,
}

impl fmt::Display for BadLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.loc, self.reason)
    }
}

/// Reads a role as chat tools export it, in English or Chinese.
pub fn parse_role(s: &str) -> Option<Role> {
    match s.trim().to_lowercase().as_str() {
        "customer" | "buyer" | "顾客" | "买家" | "客户" | "用户" => Some(Role::Customer),
        "agent" | "seller" | "staff" | "客服" | "卖家" | "商家" | "店铺" => {
            Some(Role::Agent)
        }
        "system" | "系统" | "系统消息" => Some(Role::System),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_in_both_languages() {
        assert_eq!(parse_role("顾客"), Some(Role::Customer));
        assert_eq!(parse_role(" 卖家 "), Some(Role::Agent));
        assert_eq!(parse_role("Agent"), Some(Role::Agent));
        assert_eq!(parse_role("系统"), Some(Role::System));
        assert_eq!(parse_role("机器人"), None);
    }
}
