//! Plain chat logs, as copied out of a chat workbench (千牛, 咚咚, 拼多多商家后台):
//!
//! ```text
//! ===== 会话 c1001 =====
//! 顾客小王 2026-11-24 10:15:03
//! 你好，在吗？
//! 布言服饰:小美 2026-11-24 10:15:09
//! 亲，在的～
//! 请问有什么可以帮您？
//!
//! 系统 2026-11-24 10:20:00
//! 买家已下单
//! ```
//!
//! - **Separator** (optional): a line of `=` signs around `会话 ID` (or just `ID`), like
//!   `===== 会话 c1001 =====`, starts a new conversation with that id. Without any separator
//!   the whole input is one conversation named after the file (`chats` for `chats.log`, `stdin`
//!   for `-`).
//! - **Header**: the speaker's name, a space, and a timestamp in any form `parse_ts` reads
//!   (`2026-11-24 10:15:03`, `2026/11/24 10:15:03`, `2026-11-24T10:15:03+08:00`…). The name has
//!   no spaces and may contain `:`, as in the Taobao sub-account `布言服饰:小美`.
//! - **Message**: every following line up to the next header or separator. Blank lines at the
//!   start and end are dropped; line breaks inside are kept.
//! - **Who spoke**: `系统` or `system` is the system; its message text gives the event (下单 →
//!   `order_placed`, 付款 or 已付 → `order_paid`, 离开 or 结束会话 → `customer_left`). A name listed
//!   in `--agents`, starting with a prefix from `--agent-prefix`, containing `:` or `：` (a shop
//!   sub-account `店铺:客服`), or being a role word such as `客服` or `卖家`, is an agent, named by
//!   the part after the last colon (or the whole name). Anyone else is a customer.
//! - **Bad lines**: text before the first header (or right after a separator) is one bad line per
//!   block; a message whose body has a line that is not UTF-8 or longer than 1 MiB is dropped with
//!   one bad line there; a customer or agent message with no text is a bad line at its header.
//!
//! A message line that itself looks like a header (a word, a space, a timestamp) starts a new
//! message: no chat tool escapes them.

use std::collections::VecDeque;
use std::io::BufRead;
use std::sync::Arc;

use super::{
    InputOptions, Item, Line, LineReader, MAX_LINE_BYTES, Speakers, Stamped, clock_of,
    event_from_text, not_utf8, parse_time,
};
use crate::qa::problem::{Piece, Problem};
use crate::qa::record::{BadLine, Parts, Record};
use crate::transcript::Role;

/// The records of a chat log.
pub(super) struct Records {
    file: Arc<str>,
    lines: LineReader,
    conversation: String,
    speakers: Speakers,
    /// The message being read.
    message: Option<Message>,
    /// Lines of text outside any message: (first, last).
    orphans: Option<(u64, u64)>,
    out: VecDeque<Item>,
    done: bool,
}

/// A message whose text is still being read.
struct Message {
    line: u64,
    ts: Stamped,
    role: Role,
    agent: Option<String>,
    speaker: String,
    text: String,
    /// Blank lines read after the text so far, kept only if more text follows.
    blanks: usize,
    /// Why the message is dropped, when a line of it could not be read.
    broken: Option<BadLine>,
}

impl Records {
    pub(super) fn new(
        file: Arc<str>,
        reader: Box<dyn BufRead + Send>,
        conversation: String,
        opts: &InputOptions,
    ) -> Records {
        Records {
            file,
            lines: LineReader::new(reader),
            conversation,
            speakers: Speakers::new(opts),
            message: None,
            orphans: None,
            out: VecDeque::new(),
            done: false,
        }
    }

    /// Ends the message being read, and any block of stray text.
    fn close(&mut self) {
        if let Some((first, last)) = self.orphans.take() {
            let problem = Problem::StrayText { first, last };
            self.out
                .push_back(Err(BadLine::new(&self.file, first, problem)));
        }
        let Some(m) = self.message.take() else {
            return;
        };
        if let Some(b) = m.broken {
            self.out.push_back(Err(b));
            return;
        }
        if m.role != Role::System && m.text.trim().is_empty() {
            let problem = Problem::NoText { speaker: m.speaker };
            self.out
                .push_back(Err(BadLine::new(&self.file, m.line, problem)));
            return;
        }
        let event = if m.role == Role::System {
            event_from_text(&m.text)
        } else {
            None
        };
        let parts = Parts {
            conversation: &self.conversation,
            text: &m.text,
            agent: m.agent.as_deref(),
            product: None,
            event,
        };
        let mut record = Record::new(parts, m.ts.secs, m.role, None, m.line);
        record.clock = clock_of(m.ts);
        self.out.push_back(Ok(record));
    }

    /// A line that cannot be read: it breaks the message it is in, or stands alone.
    fn broken_line(&mut self, problem: Problem) {
        let line = self.lines.number;
        match &mut self.message {
            Some(m) => {
                if m.broken.is_none() {
                    let problem = Problem::Dropped {
                        cause: Box::new(problem),
                        from: m.line,
                    };
                    m.broken = Some(BadLine::new(&self.file, line, problem));
                }
            }
            None => {
                self.close();
                self.out
                    .push_back(Err(BadLine::new(&self.file, line, problem)));
            }
        }
    }

    /// Handles one line of text.
    fn text_line(&mut self, s: &str) {
        let line = self.lines.number;
        let s = s.strip_prefix('\u{feff}').unwrap_or(s);
        if let Some(id) = separator(s) {
            self.close();
            if id.is_empty() {
                let problem = Problem::NoConversationId;
                self.out
                    .push_back(Err(BadLine::new(&self.file, line, problem)));
            } else {
                self.conversation = id.to_string();
            }
            return;
        }
        if let Some((speaker, ts)) = header(s) {
            self.close();
            let (role, agent) = self.speaker_role(speaker);
            self.message = Some(Message {
                line,
                ts,
                role,
                agent,
                speaker: speaker.to_string(),
                text: String::new(),
                blanks: 0,
                broken: None,
            });
            return;
        }
        let blank = s.trim().is_empty();
        match &mut self.message {
            Some(m) => {
                if blank {
                    if !m.text.is_empty() {
                        m.blanks += 1;
                    }
                    return;
                }
                if m.broken.is_some() {
                    return;
                }
                if m.text.len() + m.blanks + 1 + s.len() > MAX_LINE_BYTES {
                    let problem = Problem::Dropped {
                        cause: Box::new(Problem::TooLong(Piece::Message)),
                        from: m.line,
                    };
                    m.broken = Some(BadLine::new(&self.file, line, problem));
                    return;
                }
                if !m.text.is_empty() {
                    m.text.push('\n');
                }
                for _ in 0..m.blanks {
                    m.text.push('\n');
                }
                m.blanks = 0;
                m.text.push_str(s);
            }
            None if blank => {}
            None => match &mut self.orphans {
                Some((_, last)) => *last = line,
                None => self.orphans = Some((line, line)),
            },
        }
    }

    /// The role of a speaker, and the agent's name: anyone the name does not make an agent or
    /// the system is a customer.
    fn speaker_role(&self, name: &str) -> (Role, Option<String>) {
        match self.speakers.role_by_name(name) {
            Some((role, agent)) => (role, agent.map(str::to_string)),
            None => (Role::Customer, None),
        }
    }
}

impl Iterator for Records {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(item) = self.out.pop_front() {
                return Some(item);
            }
            if self.done {
                return None;
            }
            match self.lines.read() {
                Ok(Line::Eof) => {
                    self.close();
                    self.done = true;
                }
                Ok(Line::Long) => self.broken_line(Problem::TooLong(Piece::Line)),
                Ok(Line::Text) => {
                    let buf = std::mem::take(&mut self.lines.buf);
                    match std::str::from_utf8(&buf) {
                        Ok(s) => self.text_line(s),
                        Err(e) => self.broken_line(not_utf8(e, None)),
                    }
                    self.lines.buf = buf;
                }
                Err(e) => {
                    self.close();
                    let problem = Problem::ReadingStopped(e.to_string());
                    let line = self.lines.number + 1;
                    self.out
                        .push_back(Err(BadLine::new(&self.file, line, problem)));
                    self.done = true;
                }
            }
        }
    }
}

/// The conversation id of a separator line like `===== 会话 c1001 =====` (empty when it names
/// none), or `None` when `s` is not one.
fn separator(s: &str) -> Option<&str> {
    let s = s.trim();
    if !s.starts_with("===") || !s.ends_with("===") {
        return None;
    }
    let inner = s.trim_matches('=').trim();
    let inner = inner
        .strip_prefix("会话ID")
        .or_else(|| inner.strip_prefix("会话id"))
        .or_else(|| inner.strip_prefix("会话"))
        .unwrap_or(inner);
    Some(inner.trim_start_matches([':', '：']).trim())
}

/// Whether `line` starts a message or a conversation: a header or a separator.
pub(super) fn starts_message(line: &str) -> bool {
    header(line).is_some() || separator(line).is_some()
}

/// The speaker and time of a header line like `顾客小王 2026-11-24 10:15:03`.
fn header(s: &str) -> Option<(&str, Stamped)> {
    let s = s.trim();
    let (name, rest) = s.split_once([' ', '\t'])?;
    if name.is_empty() {
        return None;
    }
    let ts = parse_time(rest)?;
    Some((name, ts))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{opts, read_all};
    use super::*;
    use crate::lang::Lang;

    fn summary(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                Ok(r) => format!(
                    "{} {} {:?} {} {:?}{}",
                    r.line,
                    r.conversation(),
                    r.role,
                    r.agent().unwrap_or("-"),
                    r.text(),
                    r.event().map(|e| format!(" {e}")).unwrap_or_default()
                ),
                Err(b) => b.message(Lang::En),
            })
            .collect()
    }

    const QIANNIU: &str = "\u{feff}===== 会话 c1001 =====\r\n\
        顾客小王 2026-11-24 10:15:03\r\n\
        你好，在吗？\r\n\
        \r\n\
        布言服饰:小美 2026-11-24 10:15:09\r\n\
        亲，在的～\r\n\
        \r\n\
        请问有什么可以帮您？\r\n\
        \r\n\
        \r\n\
        系统 2026-11-24 10:20:00\r\n\
        买家已下单\r\n\
        ===== 会话 c1002 =====\r\n\
        tb_8827 2026-11-24 11:00:00\r\n\
        这个有货吗\r\n\
        布言服饰：小禾 2026-11-24T11:00:30+00:00\r\n\
        有的亲\r\n\
        系统 2026-11-24 11:05:00\r\n\
        \r\n";

    #[test]
    fn reads_a_workbench_log() {
        let items = read_all("chats.log", QIANNIU.as_bytes(), &opts());
        assert_eq!(
            summary(&items),
            [
                "2 c1001 Customer - \"你好，在吗？\"",
                "5 c1001 Agent 小美 \"亲，在的～\\n\\n请问有什么可以帮您？\"",
                "11 c1001 System - \"买家已下单\" order_placed",
                "14 c1002 Customer - \"这个有货吗\"",
                "16 c1002 Agent 小禾 \"有的亲\"",
                "18 c1002 System - \"\"",
            ]
        );
        let r = items[0].as_ref().expect("a record");
        assert_eq!(r.ts, 1_795_521_600 - 6300 + 3);
        assert_eq!(r.line, 2);
    }

    #[test]
    fn without_separators_the_file_is_one_conversation() {
        let data = "小王 2026-11-24 12:00:00\n在吗\n小美 2026-11-24 12:00:09\n亲，在的\n";
        let items = read_all("logs/day1.txt", data.as_bytes(), &opts());
        assert_eq!(
            summary(&items),
            [
                "1 day1 Customer - \"在吗\"",
                "3 day1 Customer - \"亲，在的\"",
            ]
        );
        let opts = InputOptions {
            agents: vec!["小美".into()],
            ..InputOptions::default()
        };
        let items = read_all("-", data.as_bytes(), &opts);
        assert_eq!(
            summary(&items),
            [
                "1 stdin Customer - \"在吗\"",
                "3 stdin Agent 小美 \"亲，在的\"",
            ]
        );
    }

    #[test]
    fn agent_prefixes() {
        let data = "布言小美 2026-11-24 12:00:00\n亲\n布衣 2026-11-24 12:00:01\n在吗\n客服 2026-11-24 12:00:02\n在的\n";
        let opts = InputOptions {
            agent_prefixes: vec!["布言".into()],
            ..InputOptions::default()
        };
        let items = read_all("x.log", data.as_bytes(), &opts);
        assert_eq!(
            summary(&items),
            [
                "1 x Agent 布言小美 \"亲\"",
                "3 x Customer - \"在吗\"",
                "5 x Agent 客服 \"在的\"",
            ]
        );
    }

    #[test]
    fn system_events_from_text() {
        let data = "系统 2026-11-24 12:00:00\n买家已付款\nsystem 2026-11-24 12:00:01\n买家已离开\n";
        let items = read_all("x.log", data.as_bytes(), &opts());
        assert_eq!(
            summary(&items),
            [
                "1 x System - \"买家已付款\" order_paid",
                "3 x System - \"买家已离开\" customer_left",
            ]
        );
    }

    #[test]
    fn bad_lines_say_why() {
        let mut data = "导出时间：2026-11-24\n\n店铺：布言服饰\n"
            .as_bytes()
            .to_vec();
        data.extend("顾客小王 2026-11-24 12:00:00\n在吗\n".as_bytes());
        data.extend("小美 2026-11-24 12:00:05\n\n".as_bytes());
        data.extend("===== =====\n".as_bytes());
        data.extend("===== 会话 c2 =====\n孤立的一行\n".as_bytes());
        data.extend("顾客小李 2026-11-24 13:00:00\n第一行\n".as_bytes());
        data.extend(b"\xE4\xBD\xA0\xE5\xA5\n");
        data.extend("第三行\n顾客小李 2026-11-24 13:00:09\n还在吗\n".as_bytes());
        let items = read_all("bad.log", &data, &opts());
        assert_eq!(
            summary(&items),
            [
                "bad.log:1: text outside any message (lines 1-3): a message starts with a line like \"顾客小王 2026-11-24 10:15:03\"",
                "4 bad Customer - \"在吗\"",
                "bad.log:6: message from 小美 has no text",
                "bad.log:8: separator without a conversation id (expected \"===== 会话 c1001 =====\")",
                "bad.log:10: text outside any message (line 10): a message starts with a line like \"顾客小王 2026-11-24 10:15:03\"",
                "bad.log:13: not valid UTF-8 at byte 4 (the start of the file read as UTF-8; if it is in fact GBK, add --encoding gbk); the message from line 11 is dropped",
                "15 c2 Customer - \"还在吗\"",
            ]
        );
    }

    #[test]
    fn a_ten_megabyte_line_is_skipped() {
        let mut data: Vec<u8> = std::iter::repeat_n(b'z', 10 << 20).collect();
        data.extend("\n顾客小王 2026-11-24 12:00:00\n在吗\n".as_bytes());
        data.extend(std::iter::repeat_n(b'x', 10 << 20));
        data.extend("\n布言:小美 2026-11-24 12:00:05\n亲\n".as_bytes());
        data.extend("顾客小王 2026-11-24 12:00:09\n好".as_bytes());
        let items = read_all("big.log", &data, &opts());
        assert_eq!(
            summary(&items),
            [
                format!("big.log:1: line is longer than {MAX_LINE_BYTES} bytes (skipped)"),
                format!(
                    "big.log:4: line is longer than {MAX_LINE_BYTES} bytes (skipped); the message from line 2 is dropped"
                ),
                "5 big Agent 小美 \"亲\"".to_string(),
                "7 big Customer - \"好\"".to_string(),
            ]
        );
    }

    #[test]
    fn a_message_over_the_limit_is_dropped() {
        let mut data = "顾客小王 2026-11-24 12:00:00\n".to_string();
        let line = "长".repeat(1000);
        for _ in 0..400 {
            data.push_str(&line);
            data.push('\n');
        }
        data.push_str("布言:小美 2026-11-24 12:00:05\n亲\n");
        let items = read_all("big.log", data.as_bytes(), &opts());
        let s = summary(&items);
        assert_eq!(s.len(), 2);
        assert!(
            s[0].starts_with("big.log:351: the message is longer than"),
            "{}",
            s[0]
        );
        assert_eq!(s[1], "402 big Agent 小美 \"亲\"");
    }

    #[test]
    fn separators_and_headers() {
        assert_eq!(separator("===== 会话 c1001 ====="), Some("c1001"));
        assert_eq!(separator("=====会话ID：c1001====="), Some("c1001"));
        assert_eq!(separator("=== 12345 ==="), Some("12345"));
        assert_eq!(separator("====="), Some(""));
        assert_eq!(separator("== c1 =="), None);
        assert_eq!(
            header("顾客小王 2026-11-24 12:00:00").map(|(n, t)| (n, t.secs)),
            Some(("顾客小王", 1_795_521_600))
        );
        assert_eq!(
            header("布言服饰:小美\t2026-11-24T20:00:00+08:00").map(|(n, t)| (n, t.secs)),
            Some(("布言服饰:小美", 1_795_521_600))
        );
        assert_eq!(header("小王 说 2026-11-24 12:00:00"), None);
        assert_eq!(header("我 明天再来"), None);
        assert_eq!(header(" 2026-11-24 12:00:00"), None);
    }
}
