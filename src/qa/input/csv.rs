//! CSV (or tab-separated) chat exports: a header row, then one message per row.
//!
//! Columns are found by header name, case-insensitive and trimmed, in English or as Chinese
//! chat tools name them (会话ID, 时间, 发送方, 客服, 内容, 商品ID…; see [`ALIASES`]);
//! `--columns field=header` overrides. `conversation`, `ts`, `role` and `text` are required: a
//! missing one makes the header one bad line and the file yields nothing else. An empty role
//! with a filled agent column means the agent. A system row without an event gets one from its
//! text. Quoted fields may hold commas, quotes (`""`) and newlines; a bad row is reported at the
//! line where it starts.
//!
//! Parsing is the `csv` crate's. Underneath it, a [`Guard`] runs the same quoting state machine
//! to know where each row starts (the `csv` crate's line numbers drift at blank lines and CRLF)
//! and to cut a row longer than [`MAX_LINE_BYTES`] short: it skips the rest of that line unread
//! and ends the row there, so an unbalanced quote cannot swallow the rest of the file into memory.

use std::collections::VecDeque;
use std::io::{self, BufRead, Read};
use std::sync::Arc;

use super::{Fields, InputOptions, Item, MAX_LINE_BYTES, Speakers, build, not_utf8, role_of, show};
use crate::engine::text::trim as trim_space;
use crate::qa::problem::{Piece, Place, Problem};
use crate::qa::record::BadLine;
use crate::transcript::Role;

/// The fields of a message, in the order of [`ALIASES`].
pub(crate) const FIELDS: [&str; 7] = [
    "conversation",
    "ts",
    "role",
    "agent",
    "text",
    "product",
    "event",
];
const CONVERSATION: usize = 0;
const TS: usize = 1;
const ROLE: usize = 2;
const AGENT: usize = 3;
const TEXT: usize = 4;
const PRODUCT: usize = 5;
const EVENT: usize = 6;
const REQUIRED: [usize; 4] = [CONVERSATION, TS, ROLE, TEXT];

/// Header names of each field, lowercase.
const ALIASES: [&[&str]; 7] = [
    &[
        "conversation",
        "conversation_id",
        "会话id",
        "会话编号",
        "会话",
        "对话id",
        "chat_id",
        "session_id",
    ],
    &[
        "ts",
        "time",
        "timestamp",
        "时间",
        "发送时间",
        "消息时间",
        "日期时间",
    ],
    &[
        "role",
        "角色",
        "发送方",
        "发送者",
        "身份",
        "发送者身份",
        "发送人",
    ],
    &[
        "agent",
        "客服",
        "客服昵称",
        "接待客服",
        "客服账号",
        "客服名称",
    ],
    &[
        "text",
        "content",
        "message",
        "内容",
        "消息内容",
        "聊天内容",
        "消息",
    ],
    &["product", "商品id", "商品编号", "宝贝id"],
    &["event", "事件"],
];

/// Whether `cell` is a header name of some field.
pub(super) fn is_known_header(cell: &str) -> bool {
    let cell = cell.trim().to_lowercase();
    ALIASES.iter().any(|names| names.contains(&cell.as_str()))
}

/// The delimiter of the first line: a tab if it has more tabs than commas, else a comma.
pub(super) fn sniff_delimiter(head: &[u8]) -> u8 {
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let first = head[start..]
        .split(|&b| b == b'\n')
        .next()
        .unwrap_or_default();
    let count = |c: u8| first.iter().filter(|&&b| b == c).count();
    if count(b'\t') > count(b',') {
        b'\t'
    } else {
        b','
    }
}

/// The records of a CSV input.
pub(super) struct Records {
    file: Arc<str>,
    rdr: ::csv::Reader<Guard>,
    row: ::csv::ByteRecord,
    overrides: Vec<(String, String)>,
    /// For a role column that holds the senders' names.
    speakers: Speakers,
    /// Column of each field, once the header is read.
    map: [Option<usize>; 7],
    headers: Vec<String>,
    header_done: bool,
    done: bool,
}

impl Records {
    pub(super) fn new(
        file: Arc<str>,
        reader: Box<dyn BufRead + Send>,
        delimiter: u8,
        opts: &InputOptions,
    ) -> Records {
        let guard = Guard {
            inner: reader,
            delimiter,
            state: State::StartRecord,
            line: 1,
            row_len: 0,
            starts: VecDeque::new(),
            skipping: false,
            inject: &[],
        };
        let rdr = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .buffer_capacity(64 * 1024)
            .from_reader(guard);
        Records {
            file,
            rdr,
            row: ::csv::ByteRecord::new(),
            overrides: opts.columns.clone(),
            speakers: Speakers::new(opts),
            map: [None; 7],
            headers: Vec::new(),
            header_done: false,
            done: false,
        }
    }

    /// Reads the next row; its start line and whether it was cut short, or `None` at the end.
    fn next_row(&mut self) -> Option<Result<(u64, bool), BadLine>> {
        match self.rdr.read_byte_record(&mut self.row) {
            Ok(true) => {
                let start = self.rdr.get_mut().starts.pop_front();
                Some(Ok(match start {
                    Some(s) => (s.line, s.cut),
                    // Not expected: the guard sees every row start the parser sees.
                    None => (self.row.position().map_or(0, |p| p.line()), false),
                }))
            }
            Ok(false) => None,
            Err(e) => {
                let line = self.rdr.get_ref().line;
                let problem = Problem::ReadingStopped(e.to_string());
                Some(Err(BadLine::new(&self.file, line, problem)))
            }
        }
    }

    /// Reads the header row and maps the columns; an error ends the file.
    fn header(&mut self) -> Option<BadLine> {
        let (line, cut) = match self.next_row()? {
            Ok(r) => r,
            Err(b) => return Some(b),
        };
        if cut {
            let problem = Problem::TooLong(Piece::HeaderRow);
            return Some(BadLine::new(&self.file, line, problem));
        }
        let mut headers = Vec::with_capacity(self.row.len());
        for (i, cell) in self.row.iter().enumerate() {
            match std::str::from_utf8(cell) {
                Ok(s) => headers.push(s.trim().to_string()),
                Err(e) => {
                    let problem = not_utf8(e, Some(Place::HeaderColumn(i + 1)));
                    return Some(BadLine::new(&self.file, line, problem));
                }
            }
        }
        match map_columns(&headers, &self.overrides) {
            Ok(map) => {
                self.map = map;
                self.headers = headers;
                None
            }
            Err(problem) => Some(BadLine::new(&self.file, line, problem)),
        }
    }

    /// The text of `field` in the current row; `None` when its column is absent or the cell is
    /// blank.
    fn cell(&self, field: usize) -> Result<Option<&str>, Problem> {
        let Some(col) = self.map[field] else {
            return Ok(None);
        };
        let bytes = self.row.get(col).unwrap_or_default();
        match std::str::from_utf8(bytes) {
            Ok(s) => Ok(Some(s).filter(|s| !s.trim().is_empty())),
            Err(e) => Err(not_utf8(e, Some(Place::Column(self.header_of(field))))),
        }
    }

    fn header_of(&self, field: usize) -> String {
        let name = self.map[field]
            .and_then(|c| self.headers.get(c))
            .map_or("", String::as_str);
        show(name)
    }

    /// The message in the current row, which starts at `line`.
    fn message(&self, line: u64) -> Option<Item> {
        let fail = |problem: Problem| Some(Err(BadLine::new(&self.file, line, problem)));
        if self.row.iter().all(|f| f.trim_ascii().is_empty()) {
            return None;
        }
        if self.row.len() != self.headers.len() {
            return fail(Problem::FieldCount {
                expected: self.headers.len(),
                found: self.row.len(),
            });
        }
        let mut cells = [None; 7];
        for (field, cell) in cells.iter_mut().enumerate() {
            match self.cell(field) {
                Ok(c) => *cell = c,
                Err(problem) => return fail(problem),
            }
        }
        let mut agent = cells[AGENT];
        let role = match (cells[ROLE], cells[AGENT]) {
            (Some(r), _) => match role_of(r) {
                Some(role) => Ok(role),
                // A column of names rather than roles: a sub-account (店铺:客服) or an agent
                // named by --agents or --agent-prefix is an agent, anyone else a customer once
                // agents are named.
                None => match self.speakers.role_by_name(trim_space(r)) {
                    Some((role, name)) => {
                        agent = agent.or(name);
                        Ok(role)
                    }
                    None if self.speakers.named() => Ok(Role::Customer),
                    None => Err(Problem::UnknownSpeaker(show(r))),
                },
            },
            (None, Some(_)) => Ok(Role::Agent),
            (None, None) => Err(Problem::EmptyCell {
                field: FIELDS[ROLE],
                column: self.header_of(ROLE),
            }),
        };
        let fields = Fields {
            conversation: cells[CONVERSATION],
            ts: cells[TS],
            role,
            text: self.map[TEXT]
                .and_then(|c| self.row.get(c))
                .and_then(|b| std::str::from_utf8(b).ok()),
            agent,
            product: cells[PRODUCT],
            event: cells[EVENT],
            latency_ms: None,
        };
        let missing = |name: &'static str| {
            let field = FIELDS.iter().position(|f| *f == name).unwrap_or(TEXT);
            Problem::EmptyCell {
                field: name,
                column: self.header_of(field),
            }
        };
        Some(build(&self.file, line, fields, missing))
    }
}

impl Iterator for Records {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if self.done {
            return None;
        }
        if !self.header_done {
            self.header_done = true;
            if let Some(b) = self.header() {
                self.done = true;
                return Some(Err(b));
            }
            if self.headers.is_empty() {
                self.done = true;
                return None;
            }
        }
        loop {
            let (line, cut) = match self.next_row() {
                None => {
                    self.done = true;
                    return None;
                }
                Some(Err(b)) => {
                    self.done = true;
                    return Some(Err(b));
                }
                Some(Ok(r)) => r,
            };
            if cut {
                return Some(Err(BadLine::new(
                    &self.file,
                    line,
                    Problem::TooLong(Piece::Row),
                )));
            }
            if let Some(item) = self.message(line) {
                return Some(item);
            }
        }
    }
}

/// Finds the column of every field: `--columns` first, then the usual header names, each column
/// used once. Fails when a required field has no column.
fn map_columns(
    headers: &[String],
    overrides: &[(String, String)],
) -> Result<[Option<usize>; 7], Problem> {
    let found = || {
        let names: Vec<String> = headers.iter().map(|h| show(h)).collect();
        names.join(", ")
    };
    let mut map = [None; 7];
    let mut used = vec![false; headers.len()];
    for (field, header) in overrides {
        // `kefu score` refuses an unknown field when it reads --columns.
        let Some(f) = FIELDS.iter().position(|n| n == field) else {
            continue;
        };
        let want = header.trim().to_lowercase();
        let Some(col) = headers.iter().position(|h| h.to_lowercase() == want) else {
            return Err(Problem::NoSuchColumn {
                field: field.clone(),
                header: show(header),
                found: found(),
            });
        };
        map[f] = Some(col);
        used[col] = true;
    }
    for (col, header) in headers.iter().enumerate() {
        if used[col] {
            continue;
        }
        let name = header.to_lowercase();
        let field =
            (0..FIELDS.len()).find(|&f| map[f].is_none() && ALIASES[f].contains(&name.as_str()));
        if let Some(f) = field {
            map[f] = Some(col);
            used[col] = true;
        }
    }
    let missing: Vec<&'static str> = REQUIRED
        .iter()
        .filter(|&&f| map[f].is_none())
        .map(|&f| FIELDS[f])
        .collect();
    if missing.is_empty() {
        return Ok(map);
    }
    Err(Problem::MissingColumns {
        fields: missing,
        found: found(),
    })
}

/// Where the CSV parser is within a row; the same machine as the `csv` crate's with
/// double-quote escapes and any line ending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    StartRecord,
    StartField,
    Unquoted,
    Quoted,
    /// A quote inside a quoted field: the end of the quotes, or the first of `""`.
    QuoteInQuoted,
}

/// The start of a row as the guard saw it.
#[derive(Debug, Clone, Copy)]
struct Start {
    line: u64,
    /// The row was longer than [`MAX_LINE_BYTES`] and was cut short.
    cut: bool,
}

/// Sits between the input and the CSV parser: records the line where every row starts, and
/// cuts rows over [`MAX_LINE_BYTES`] short without reading the rest of their line into memory.
struct Guard {
    inner: Box<dyn BufRead + Send>,
    delimiter: u8,
    state: State,
    /// The line of the next byte, from 1.
    line: u64,
    row_len: usize,
    starts: VecDeque<Start>,
    /// Dropping the rest of a line of a row that was cut.
    skipping: bool,
    /// Bytes to hand the parser before any more input: the end of a row that was cut.
    inject: &'static [u8],
}

impl State {
    /// The state after byte `c`.
    fn step(self, c: u8, delimiter: u8) -> State {
        let term = c == b'\n' || c == b'\r';
        match self {
            State::StartRecord | State::StartField => {
                if c == b'"' {
                    State::Quoted
                } else if c == delimiter {
                    State::StartField
                } else if term {
                    State::StartRecord
                } else {
                    State::Unquoted
                }
            }
            State::Unquoted => {
                if c == delimiter {
                    State::StartField
                } else if term {
                    State::StartRecord
                } else {
                    State::Unquoted
                }
            }
            State::Quoted => {
                if c == b'"' {
                    State::QuoteInQuoted
                } else {
                    State::Quoted
                }
            }
            State::QuoteInQuoted => {
                if c == b'"' {
                    State::Quoted
                } else if c == delimiter {
                    State::StartField
                } else if term {
                    State::StartRecord
                } else {
                    State::Unquoted
                }
            }
        }
    }
}

impl Guard {
    /// Ends the row that was cut: closes an open quote, then a newline.
    fn end_cut_row(&mut self) {
        self.inject = if self.state == State::Quoted {
            b"\"\n"
        } else {
            b"\n"
        };
        self.state = State::StartRecord;
        self.skipping = false;
    }
}

impl Read for Guard {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        loop {
            if out.is_empty() {
                return Ok(0);
            }
            if !self.inject.is_empty() {
                let n = self.inject.len().min(out.len());
                out[..n].copy_from_slice(&self.inject[..n]);
                self.inject = &self.inject[n..];
                return Ok(n);
            }
            let buf = match self.inner.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                if self.skipping {
                    self.end_cut_row();
                    continue;
                }
                return Ok(0);
            }
            if self.skipping {
                match buf.iter().position(|&b| b == b'\n') {
                    Some(i) => {
                        self.inner.consume(i + 1);
                        self.line += 1;
                        self.end_cut_row();
                    }
                    None => {
                        let n = buf.len();
                        self.inner.consume(n);
                    }
                }
                continue;
            }
            let n = buf.len().min(out.len());
            let mut i = 0;
            while i < n {
                let c = buf[i];
                if self.state == State::StartRecord {
                    if c == b'\n' || c == b'\r' {
                        self.line += u64::from(c == b'\n');
                        i += 1;
                        continue;
                    }
                    self.starts.push_back(Start {
                        line: self.line,
                        cut: false,
                    });
                    self.row_len = 0;
                }
                let next = self.state.step(c, self.delimiter);
                if next != State::StartRecord {
                    self.row_len += 1;
                    if self.row_len > MAX_LINE_BYTES {
                        if let Some(s) = self.starts.back_mut() {
                            s.cut = true;
                        }
                        self.skipping = true;
                        break;
                    }
                }
                self.state = next;
                self.line += u64::from(c == b'\n');
                i += 1;
            }
            out[..i].copy_from_slice(&buf[..i]);
            self.inner.consume(i);
            if i > 0 {
                return Ok(i);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{opts, read_all};
    use super::super::{InputOptions, Item};
    use super::*;
    use crate::lang::Lang;
    use crate::transcript::Role;

    fn summary(items: &[Item]) -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                Ok(r) => format!(
                    "{} {} {:?} {:?}",
                    r.line,
                    r.conversation(),
                    r.role,
                    r.text()
                ),
                Err(b) => b.message(Lang::En),
            })
            .collect()
    }

    /// A 千牛-style export: BOM, Chinese headers, CRLF, quoted multi-line content.
    const QIANNIU: &str = "\u{feff}会话ID,时间,发送方,客服,内容,商品ID\r\n\
        c1001,2026-11-24 10:15:03,顾客,,\"你好，在吗？\",605512345678\r\n\
        c1001,2026-11-24 10:15:09,客服,布言服饰:小美,\"亲，在的～\r\n请问有什么可以帮您？\",\r\n\
        \r\n\
        c1001,2026/11/24 10:16:00,买家,,\"我173，62kg，拿\"\"L\"\"还是\"\"XL\"\"？\",605512345678\r\n\
        c1001,2026-11-24 10:16:30,,小美,\"亲，L码正合适, 放心拍～\",\r\n\
        c1001,2026-11-24 10:20:00,系统,,买家已付款,\r\n";

    #[test]
    fn reads_a_qianniu_export() {
        let items = read_all("export.csv", QIANNIU.as_bytes(), &opts());
        let recs: Vec<_> = items
            .iter()
            .map(|i| i.as_ref().expect("a record"))
            .collect();
        assert_eq!(recs.len(), 5);
        assert_eq!(recs[0].conversation(), "c1001");
        assert_eq!(recs[0].ts, 1_795_521_600 - 6300 + 3);
        assert_eq!(recs[0].role, Role::Customer);
        assert_eq!(recs[0].product(), Some("605512345678"));
        assert_eq!(recs[0].line, 2);
        assert_eq!(recs[1].role, Role::Agent);
        // A sub-account is the agent's own name, as the next row writes it.
        assert_eq!(recs[1].agent(), Some("小美"));
        assert_eq!(recs[1].text(), "亲，在的～\r\n请问有什么可以帮您？");
        assert_eq!(recs[1].product(), None);
        assert_eq!(recs[1].line, 3);
        assert_eq!(recs[2].text(), "我173，62kg，拿\"L\"还是\"XL\"？");
        assert_eq!(recs[2].line, 6);
        // An empty role with an agent named is the agent.
        assert_eq!(recs[3].role, Role::Agent);
        assert_eq!(recs[3].text(), "亲，L码正合适, 放心拍～");
        assert_eq!(recs[4].role, Role::System);
        assert_eq!(recs[4].event(), Some("order_paid"));
        assert_eq!(recs[4].line, 8);
    }

    /// Some exports name the sender instead of the role: sub-accounts are agents, and once the
    /// agents are named (`--agent-prefix`, `--agents`), everyone else is a customer.
    #[test]
    fn a_column_of_sender_names_is_read_with_the_agents_named() {
        let export = "会话ID,时间,发送人,内容\n\
            c1,2026-11-24 10:00:00,tb_小王,在吗\n\
            c1,2026-11-24 10:00:05,布言服饰：小美,亲，在的\n\
            c1,2026-11-24 10:00:09,阿杰,亲，我来帮您看看\n\
            c1,2026-11-24 10:00:30,系统,买家已下单\n";
        let items = read_all("export.csv", export.as_bytes(), &opts());
        let got = summary(&items);
        assert!(
            got[0].starts_with("export.csv:2: unknown role \"tb_小王\"")
                && got[0].contains("--agent-prefix"),
            "{got:?}"
        );
        assert_eq!(got[1], "3 c1 Agent \"亲，在的\"");
        assert!(
            got[2].starts_with("export.csv:4: unknown role \"阿杰\""),
            "{got:?}"
        );
        assert_eq!(got[3], "5 c1 System \"买家已下单\"");

        let named = InputOptions {
            agents: vec!["阿杰".into()],
            ..opts()
        };
        let items = read_all("export.csv", export.as_bytes(), &named);
        let recs: Vec<(Role, Option<&str>)> = items
            .iter()
            .map(|i| i.as_ref().map(|r| (r.role, r.agent())).expect("a record"))
            .collect();
        assert_eq!(
            recs,
            [
                (Role::Customer, None),
                (Role::Agent, Some("小美")),
                (Role::Agent, Some("阿杰")),
                (Role::System, None),
            ]
        );
    }

    #[test]
    fn detected_from_content_on_stdin() {
        let items = read_all("-", QIANNIU.as_bytes(), &opts());
        assert_eq!(items.len(), 5);
        assert!(items.iter().all(Result::is_ok));
    }

    #[test]
    fn english_headers_tabs_and_events() {
        let data = "Conversation\tTime\tRole\tAgent\tContent\tEvent\n\
            9001\t2026-11-24T12:00:00Z\tcustomer\t\t在吗\t\n\
            9001\t2026-11-24T12:00:05Z\tsystem\t\t\tcustomer_left\n";
        let items = read_all("export.tsv", data.as_bytes(), &opts());
        let recs: Vec<_> = items
            .iter()
            .map(|i| i.as_ref().expect("a record"))
            .collect();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[0].conversation(), "9001");
        assert_eq!(recs[0].ts, 1_795_521_600);
        assert_eq!(recs[1].text(), "");
        assert_eq!(recs[1].event(), Some("customer_left"));
    }

    #[test]
    fn columns_override_header_names() {
        let data = "编号,说话人,话,发送时间,客服\nc1,顾客,在吗,2026-11-24 12:00:00,\n";
        let items = read_all("x.csv", data.as_bytes(), &opts());
        assert_eq!(items.len(), 1);
        let b = items[0].as_ref().expect_err("a bad header");
        assert_eq!(b.loc.line, 1);
        assert_eq!(
            b.problem.describe(Lang::En),
            "no column for required fields \"conversation\", \"role\", \"text\" (headers found: \
             \"编号\", \"说话人\", \"话\", \"发送时间\", \"客服\"); name it with --columns, e.g. \
             --columns conversation=HEADER"
        );
        let opts = InputOptions {
            columns: vec![
                ("conversation".into(), "编号".into()),
                ("role".into(), " 说话人 ".into()),
                ("text".into(), "话".into()),
            ],
            ..InputOptions::default()
        };
        let items = read_all("x.csv", data.as_bytes(), &opts);
        assert_eq!(summary(&items), ["2 c1 Customer \"在吗\""]);
        // An override takes a column from the field whose usual name it is.
        let opts = InputOptions {
            columns: vec![
                ("conversation".into(), "编号".into()),
                ("role".into(), "客服".into()),
                ("text".into(), "话".into()),
            ],
            ..InputOptions::default()
        };
        let data = "编号,客服,话,时间\nc1,顾客,在吗,2026-11-24 12:00:00\n";
        let items = read_all("x.csv", data.as_bytes(), &opts);
        let r = items[0].as_ref().expect("a record");
        assert_eq!((r.role, r.agent()), (Role::Customer, None));
    }

    #[test]
    fn columns_naming_an_absent_header_fail() {
        let opts = InputOptions {
            columns: vec![("text".into(), "消息正文".into())],
            ..InputOptions::default()
        };
        let items = read_all("x.csv", QIANNIU.as_bytes(), &opts);
        assert_eq!(items.len(), 1);
        let reason = &items[0]
            .as_ref()
            .expect_err("a bad header")
            .problem
            .describe(Lang::En);
        assert!(
            reason.starts_with("--columns names column \"消息正文\" for \"text\", but the header has no such column"),
            "{reason}"
        );
    }

    #[test]
    fn bad_rows_say_why_and_reading_goes_on() {
        let mut data = "会话ID,时间,发送方,客服,内容,商品ID\n".as_bytes().to_vec();
        data.extend("c1,2026-11-24 12:00:00,顾客,,在吗\n".as_bytes());
        data.extend("c1,24/11/2026,顾客,,在吗,\n".as_bytes());
        data.extend("c1,2026-11-24 12:00:00,机器人,,在吗,\n".as_bytes());
        data.extend(",2026-11-24 12:00:00,顾客,,在吗,\n".as_bytes());
        data.extend("c1,2026-11-24 12:00:00,,,在吗,\n".as_bytes());
        data.extend("c1,2026-11-24 12:00:00,顾客,,,\n".as_bytes());
        data.extend(b"c1,2026-11-24 12:00:00,\xE9\xA1\xBE\xE5,,x,\n");
        data.extend(",,,,,\n".as_bytes());
        data.extend("c1,2026-11-24 12:00:01,顾客,,\"最后\n一条\",\n".as_bytes());
        let items = read_all("bad.csv", &data, &opts());
        assert_eq!(
            summary(&items),
            [
                "bad.csv:2: expected 6 fields as in the header, found 5",
                "bad.csv:3: unparsable timestamp \"24/11/2026\"",
                "bad.csv:4: unknown role \"机器人\" (expected customer/agent/system or 顾客/买家/客服/卖家; \
                 if the column holds the senders' names, name the agents with --agents or \
                 --agent-prefix: sub-accounts like 店铺:客服 are agents already)",
                "bad.csv:5: no value for \"conversation\" in column \"会话ID\"",
                "bad.csv:6: no value for \"role\" in column \"发送方\"",
                "bad.csv:7: empty text in a message from a customer",
                "bad.csv:8: column \"发送方\": not valid UTF-8 at byte 4 (is the file in GBK? convert it to UTF-8 first)",
                "10 c1 Customer \"最后\\n一条\"",
            ]
        );
    }

    #[test]
    fn a_ten_megabyte_row_is_skipped() {
        let mut data = "会话ID,时间,发送方,客服,内容,商品ID\n".as_bytes().to_vec();
        data.extend("c1,2026-11-24 12:00:00,顾客,,在吗,\n".as_bytes());
        // An unclosed quote then 10 MB on one line: cut short, and the next line still reads.
        data.extend("c1,2026-11-24 12:00:01,顾客,,\"".as_bytes());
        data.extend(std::iter::repeat_n(b'a', 10 << 20));
        data.extend("\nc1,2026-11-24 12:00:02,客服,小美,亲,\n".as_bytes());
        // 10 MB unquoted.
        data.extend(std::iter::repeat_n(b'b', 10 << 20));
        data.extend("\nc1,2026-11-24 12:00:03,顾客,,好的,\n".as_bytes());
        let items = read_all("big.csv", &data, &opts());
        let s = summary(&items);
        assert_eq!(s.len(), 5, "{s:?}");
        assert_eq!(s[0], "2 c1 Customer \"在吗\"");
        assert_eq!(
            s[1],
            format!("big.csv:3: the row is longer than {MAX_LINE_BYTES} bytes (skipped)")
        );
        assert_eq!(s[2], "4 c1 Agent \"亲\"");
        assert_eq!(
            s[3],
            format!("big.csv:5: the row is longer than {MAX_LINE_BYTES} bytes (skipped)")
        );
        assert_eq!(s[4], "6 c1 Customer \"好的\"");
    }

    #[test]
    fn a_gbk_header_is_one_bad_line() {
        // 会话 in GBK.
        let data = b"\xBB\xE1\xBB\xB0,time,role,text\nc1,2026-11-24 12:00:00,customer,x\n";
        let items = read_all("gbk.csv", data, &opts());
        assert_eq!(items.len(), 1);
        let reason = &items[0]
            .as_ref()
            .expect_err("a bad header")
            .problem
            .describe(Lang::En);
        assert!(
            reason.starts_with("header column 1: not valid UTF-8 at byte 1"),
            "{reason}"
        );
    }

    #[test]
    fn a_header_alone_yields_nothing() {
        let items = read_all("x.csv", "会话ID,时间,发送方,内容\n".as_bytes(), &opts());
        assert!(items.is_empty(), "{items:?}");
    }

    #[test]
    fn sniffs_the_delimiter() {
        assert_eq!(sniff_delimiter(b"a,b\tc,d\n"), b',');
        assert_eq!(sniff_delimiter(b"\n\na\tb\tc\n1,2,3,4,5"), b'\t');
        assert_eq!(sniff_delimiter(b""), b',');
    }
}
