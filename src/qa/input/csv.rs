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

use super::excel::Rows;
use super::{
    Fields, InputNotice, InputOptions, Item, MAX_LINE_BYTES, Notices, Speakers, build, not_utf8,
    parse_time, role_of, show,
};
use crate::engine::text::trim as trim_space;
use crate::qa::problem::{Piece, Place, Problem};
use crate::qa::record::BadLine;
use crate::transcript::Role;

/// The fields of a message, in the order of [`ALIASES`].
pub(crate) const FIELDS: [&str; 8] = [
    "conversation",
    "ts",
    "role",
    "agent",
    "text",
    "product",
    "event",
    "is_agent",
];
const CONVERSATION: usize = 0;
const TS: usize = 1;
const ROLE: usize = 2;
const AGENT: usize = 3;
const TEXT: usize = 4;
const PRODUCT: usize = 5;
const EVENT: usize = 6;
const IS_AGENT: usize = 7;
/// Fields every export must have. Who spoke comes from a role column, an is-agent column, or
/// an agent column filled on the agent's rows only; time is optional (without it, speed is
/// not judged).
const REQUIRED: [usize; 2] = [CONVERSATION, TEXT];

/// Header names of each field, lowercase.
const ALIASES: [&[&str]; 8] = [
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
    &[
        "is_agent",
        "isagent",
        "is_seller",
        "from_agent",
        "是否客服",
        "是否商家",
        "是否卖家",
    ],
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

/// Where the rows come from: CSV text, or the cells of a workbook's sheet.
enum Source {
    Text(Box<::csv::Reader<Guard>>),
    Sheet(Box<Rows>),
}

/// How the role of a row is read, once the header and first rows have told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoleCells {
    /// Not decided yet: no role cell read.
    Unknown,
    /// Role words (顾客, 客服, customer…) or values mapped by `--roles`.
    Words,
    /// 0 and 1 (customer=0, agent=1), told once.
    Numbers,
    /// Sender names, told once.
    Names,
}

/// The records of a CSV input.
pub(super) struct Records {
    file: Arc<str>,
    source: Source,
    row: ::csv::ByteRecord,
    overrides: Vec<(String, String)>,
    /// `--roles`: cell values and their roles.
    roles: Vec<(String, Role)>,
    /// For a role column that holds the senders' names.
    speakers: Speakers,
    role_cells: RoleCells,
    notices: Arc<Notices>,
    /// Column of each field, once the header is read.
    map: [Option<usize>; 8],
    headers: Vec<String>,
    header_done: bool,
    /// No header row: the first row is a message, held here until it is read.
    first_row: Option<(u64, bool)>,
    /// The line (or sheet row) of the last row read.
    last_line: u64,
    done: bool,
}

impl Records {
    pub(super) fn new(
        file: Arc<str>,
        reader: Box<dyn BufRead + Send>,
        delimiter: u8,
        opts: &InputOptions,
        notices: Arc<Notices>,
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
        Records::with_source(file, Source::Text(Box::new(rdr)), opts, notices)
    }

    /// The records of a workbook sheet's rows, read as a CSV export's.
    pub(super) fn from_rows(
        file: Arc<str>,
        rows: Rows,
        opts: &InputOptions,
        notices: Arc<Notices>,
    ) -> Records {
        Records::with_source(file, Source::Sheet(Box::new(rows)), opts, notices)
    }

    fn with_source(
        file: Arc<str>,
        source: Source,
        opts: &InputOptions,
        notices: Arc<Notices>,
    ) -> Records {
        Records {
            file,
            source,
            row: ::csv::ByteRecord::new(),
            overrides: opts.columns.clone(),
            roles: opts.roles.clone(),
            speakers: Speakers::new(opts),
            role_cells: if opts.roles.is_empty() {
                RoleCells::Unknown
            } else {
                RoleCells::Words
            },
            notices,
            map: [None; 8],
            headers: Vec::new(),
            header_done: false,
            first_row: None,
            last_line: 0,
            done: false,
        }
    }

    /// Reads the next row; its start line and whether it was cut short, or `None` at the end.
    fn next_row(&mut self) -> Option<Result<(u64, bool), BadLine>> {
        if let Some(first) = self.first_row.take() {
            return Some(Ok(first));
        }
        let rdr = match &mut self.source {
            Source::Text(rdr) => rdr,
            Source::Sheet(rows) => {
                let (line, cells) = match rows.next()? {
                    Ok(row) => row,
                    Err(problem) => {
                        let line = self.last_line + 1;
                        return Some(Err(BadLine::new(&self.file, line, problem)));
                    }
                };
                self.last_line = line;
                self.row.clear();
                for cell in &cells {
                    self.row.push_field(cell.as_bytes());
                }
                return Some(Ok((line, false)));
            }
        };
        match rdr.read_byte_record(&mut self.row) {
            Ok(true) => {
                let start = rdr.get_mut().starts.pop_front();
                Some(Ok(match start {
                    Some(s) => (s.line, s.cut),
                    // Not expected: the guard sees every row start the parser sees.
                    None => (self.row.position().map_or(0, |p| p.line()), false),
                }))
            }
            Ok(false) => None,
            Err(e) => {
                let line = rdr.get_ref().line;
                let problem = Problem::ReadingStopped(e.to_string());
                Some(Err(BadLine::new(&self.file, line, problem)))
            }
        }
    }

    /// Reads the header row and maps the columns; an error ends the file. A first row with no
    /// header name kefu knows but a cell that reads as a time is a message: the columns are
    /// then taken from its content, and said once.
    fn header(&mut self) -> Option<BadLine> {
        let (line, cut) = loop {
            let (line, cut) = match self.next_row()? {
                Ok(r) => r,
                Err(b) => return Some(b),
            };
            // Workbooks often start with blank rows or a title row above the table.
            if self.row.iter().all(|c| c.trim_ascii().is_empty()) {
                continue;
            }
            break (line, cut);
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
        let named = headers.iter().any(|h| is_known_header(h))
            || self.overrides.iter().any(|(_, h)| {
                headers
                    .iter()
                    .any(|c| c.to_lowercase() == h.trim().to_lowercase())
            });
        if !named {
            let cells: Vec<&str> = headers.iter().map(String::as_str).collect();
            if let Some(map) = guess_columns(&cells, &self.overrides) {
                self.notices.push(InputNotice::Headerless {
                    columns: describe_guess(&map),
                });
                self.map = map;
                self.headers = (1..=headers.len()).map(|i| format!("#{i}")).collect();
                self.first_row = Some((line, false));
                self.note_time();
                return None;
            }
        }
        match map_columns(&headers, &self.overrides) {
            Ok(map) => {
                self.map = map;
                self.headers = headers;
                self.note_time();
                None
            }
            Err(problem) => Some(BadLine::new(&self.file, line, problem)),
        }
    }

    /// Says once that the export has no time column.
    fn note_time(&self) {
        if self.map[TS].is_none() {
            self.notices.push(InputNotice::NoTime);
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

    /// The role of the current row from its role cell `r`, and the agent's name when the cell
    /// names the sender. `agent` is the row's agent cell.
    fn role_from_cell<'r>(
        &mut self,
        r: &'r str,
        agent: Option<&str>,
    ) -> Result<(Role, Option<&'r str>), Problem> {
        let key = trim_space(r);
        if !self.roles.is_empty() {
            let lower = key.to_lowercase();
            return match self.roles.iter().find(|(v, _)| *v == lower) {
                Some((_, role)) => Ok((*role, None)),
                None => Err(Problem::UnmappedRole {
                    value: show(r),
                    mapped: self
                        .roles
                        .iter()
                        .map(|(v, role)| format!("{}={v}", role_name(*role)))
                        .collect::<Vec<_>>()
                        .join(", "),
                }),
            };
        }
        if let Some(role) = role_of(key) {
            if self.role_cells == RoleCells::Unknown {
                self.role_cells = RoleCells::Words;
            }
            return Ok((role, None));
        }
        if let Some(role) = number_role(key) {
            if self.role_cells != RoleCells::Numbers {
                self.role_cells = RoleCells::Numbers;
                self.notices.push(InputNotice::NumericRoles);
            }
            return Ok((role, None));
        }
        // A column of names rather than roles: a sub-account (店铺:客服), an agent named by
        // --agents or --agent-prefix, or the name in the row's agent column is an agent; a
        // robot's name is the robot; anyone else is the customer of the conversation.
        if self.role_cells != RoleCells::Names {
            self.role_cells = RoleCells::Names;
            self.notices.push(InputNotice::SenderNames);
        }
        if let Some((role, name)) = self.speakers.role_by_name(key) {
            return Ok((role, name));
        }
        let short = super::short_name(key);
        if agent.is_some_and(|a| {
            let a = trim_space(a);
            a == key || super::short_name(a) == short
        }) {
            return Ok((Role::Agent, Some(short)));
        }
        Ok((Role::Customer, None))
    }

    /// The message in the current row, which starts at `line`.
    fn message(&mut self, line: u64) -> Option<Item> {
        let fail = |file: &Arc<str>, problem: Problem| Some(Err(BadLine::new(file, line, problem)));
        if self.row.iter().all(|f| f.trim_ascii().is_empty()) {
            return None;
        }
        if self.row.len() != self.headers.len() {
            // A workbook row is as long as its last filled cell: shorter rows are padded.
            let sheet = matches!(self.source, Source::Sheet(_));
            if !(sheet && self.row.len() < self.headers.len()) {
                return fail(
                    &self.file,
                    Problem::FieldCount {
                        expected: self.headers.len(),
                        found: self.row.len(),
                    },
                );
            }
        }
        for field in 0..FIELDS.len() {
            if let Err(problem) = self.cell(field) {
                return fail(&self.file, problem);
            }
        }
        let row = std::mem::take(&mut self.row);
        let map = self.map;
        let text = map[TEXT]
            .and_then(|c| row.get(c))
            .and_then(|b| std::str::from_utf8(b).ok());
        let cell = |field: usize| -> Option<&str> {
            let col = map[field]?;
            std::str::from_utf8(row.get(col)?)
                .ok()
                .filter(|s| !s.trim().is_empty())
        };
        let cells: [Option<&str>; 8] = std::array::from_fn(cell);
        let (role_cell, agent_cell, flag_cell) = (cells[ROLE], cells[AGENT], cells[IS_AGENT]);
        let mut agent = agent_cell;
        let role = match (role_cell, flag_cell) {
            (Some(r), _) => match self.role_from_cell(r, agent_cell) {
                Ok((role, name)) => {
                    if role == Role::Agent {
                        agent = agent.or(name);
                    }
                    Ok(role)
                }
                Err(problem) => Err(problem),
            },
            (None, Some(flag)) => match flag_role(flag) {
                Some(role) => Ok(role),
                None => Err(Problem::UnknownRole(show(flag))),
            },
            // No role column: the agent column is filled on the agent's rows only.
            (None, None) if self.map[ROLE].is_none() && self.map[IS_AGENT].is_none() => {
                Ok(if agent_cell.is_some() {
                    Role::Agent
                } else {
                    Role::Customer
                })
            }
            (None, None) if agent_cell.is_some() => Ok(Role::Agent),
            (None, None) => Err(Problem::EmptyCell {
                field: FIELDS[ROLE],
                column: self.header_of(ROLE),
            }),
        };
        let fields = Fields {
            conversation: cells[CONVERSATION],
            ts: cells[TS],
            timeless: self.map[TS].is_none(),
            role,
            text,
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
        let item = build(&self.file, line, fields, missing);
        self.row = row;
        Some(item)
    }
}

/// A role's name in `--roles`.
fn role_name(role: Role) -> &'static str {
    match role {
        Role::Customer => "customer",
        Role::Agent => "agent",
        Role::System => "system",
        Role::Robot => "robot",
    }
}

/// The usual numeric roles: 0 the customer, 1 the agent.
fn number_role(s: &str) -> Option<Role> {
    match s {
        "0" => Some(Role::Customer),
        "1" => Some(Role::Agent),
        _ => None,
    }
}

/// An is-agent cell: yes (1, true, 是) is the agent, no (0, false, 否) the customer.
fn flag_role(s: &str) -> Option<Role> {
    match trim_space(s).to_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "是" | "t" => Some(Role::Agent),
        "0" | "false" | "no" | "n" | "否" | "f" => Some(Role::Customer),
        _ => None,
    }
}

/// The columns of a headerless first row, from its cells: the time is the first cell that
/// reads as one, the role the first that reads as a role (or holds a shop sub-account); of
/// the rest, the conversation is the first and the text the longest. `--columns` given as column
/// numbers (`text=4`) wins. `None` when no cell reads as a time, or fewer than three cells
/// are left to choose from.
fn guess_columns(cells: &[&str], overrides: &[(String, String)]) -> Option<[Option<usize>; 8]> {
    let mut map = [None; 8];
    let mut used = vec![false; cells.len()];
    for (field, col) in overrides {
        let f = FIELDS.iter().position(|n| n == field)?;
        let c: usize = col
            .trim()
            .parse()
            .ok()
            .filter(|&c| c >= 1 && c <= cells.len())?;
        map[f] = Some(c - 1);
        used[c - 1] = true;
    }
    if cells.len() < 3 {
        return None;
    }
    let free = |used: &[bool]| (0..cells.len()).filter(|&i| !used[i]).collect::<Vec<_>>();
    if map[TS].is_none() {
        let ts = free(&used)
            .into_iter()
            .find(|&i| parse_time(cells[i]).is_some())?;
        map[TS] = Some(ts);
        used[ts] = true;
    }
    if map[ROLE].is_none() {
        let role = free(&used).into_iter().find(|&i| {
            let c = trim_space(cells[i]);
            role_of(c).is_some() || number_role(c).is_some() || c.contains([':', '：'])
        });
        if let Some(r) = role {
            map[ROLE] = Some(r);
            used[r] = true;
        }
    }
    let rest = free(&used);
    if map[CONVERSATION].is_none() {
        map[CONVERSATION] = Some(*rest.first()?);
    }
    if map[TEXT].is_none() {
        // The message is the longest cell left (the later of two as long).
        let text = rest
            .iter()
            .copied()
            .filter(|&c| Some(c) != map[CONVERSATION])
            .max_by_key(|&c| cells[c].trim().chars().count())?;
        map[TEXT] = Some(text);
    }
    if map[ROLE].is_none() {
        // Names in a column between the conversation and the text.
        let role = rest
            .iter()
            .copied()
            .find(|&c| Some(c) != map[CONVERSATION] && Some(c) != map[TEXT])?;
        map[ROLE] = Some(role);
    }
    Some(map)
}

/// The columns of a headerless first line, if it is one (see [`guess_columns`]).
pub(super) fn headerless_columns(first_line: &str) -> Option<[Option<usize>; 8]> {
    let tabs = first_line.matches('\t').count();
    let delimiter = if tabs >= 2 { '\t' } else { ',' };
    let cells: Vec<&str> = first_line
        .split(delimiter)
        .map(|c| c.trim().trim_matches('"'))
        .collect();
    guess_columns(&cells, &[])
}

/// The guessed columns, for the notice: `会话=第1列, 时间=第2列…`, by field name.
fn describe_guess(map: &[Option<usize>; 8]) -> String {
    FIELDS
        .iter()
        .zip(map)
        .filter_map(|(f, c)| c.map(|c| format!("{f}={}", c + 1)))
        .collect::<Vec<_>>()
        .join(", ")
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
                // A sheet with nothing in it (a text file that empty is told before).
                if matches!(self.source, Source::Sheet(_)) {
                    return Some(Err(BadLine::new(&self.file, 1, Problem::EmptySheet)));
                }
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
) -> Result<[Option<usize>; 8], Problem> {
    let found = || {
        let names: Vec<String> = headers.iter().map(|h| show(h)).collect();
        names.join(", ")
    };
    let mut map = [None; 8];
    let mut used = vec![false; headers.len()];
    for (field, header) in overrides {
        // `kefu score` refuses an unknown field when it reads --columns.
        let Some(f) = FIELDS.iter().position(|n| n == field) else {
            continue;
        };
        let want = header.trim().to_lowercase();
        // A header name, or a column number from 1.
        let by_number = want
            .parse::<usize>()
            .ok()
            .filter(|&n| n >= 1 && n <= headers.len())
            .map(|n| n - 1);
        let by_name = headers.iter().position(|h| h.to_lowercase() == want);
        let Some(col) = by_name.or(by_number) else {
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
    let mut missing: Vec<&'static str> = REQUIRED
        .iter()
        .filter(|&&f| map[f].is_none())
        .map(|&f| FIELDS[f])
        .collect();
    if map[ROLE].is_none() && map[IS_AGENT].is_none() && map[AGENT].is_none() {
        missing.insert(missing.len().min(1), FIELDS[ROLE]);
    }
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

    /// Some exports name the sender instead of the role: sub-accounts are agents, and everyone
    /// else is the customer; an agent without a sub-account is named with `--agents`.
    #[test]
    fn a_column_of_sender_names_is_read_with_the_agents_named() {
        let export = "会话ID,时间,发送人,内容\n\
            c1,2026-11-24 10:00:00,tb_小王,在吗\n\
            c1,2026-11-24 10:00:05,布言服饰：小美,亲，在的\n\
            c1,2026-11-24 10:00:09,阿杰,亲，我来帮您看看\n\
            c1,2026-11-24 10:00:30,系统,买家已下单\n";
        let items = read_all("export.csv", export.as_bytes(), &opts());
        let got = summary(&items);
        assert_eq!(
            got,
            [
                "2 c1 Customer \"在吗\"",
                "3 c1 Agent \"亲，在的\"",
                "4 c1 Customer \"亲，我来帮您看看\"",
                "5 c1 System \"买家已下单\""
            ]
        );

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
            "no column for required fields \"conversation\", \"text\" (headers found: \
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
                "4 c1 Robot \"在吗\"",
                "bad.csv:5: no value for \"conversation\" in column \"会话ID\"",
                "bad.csv:6: no value for \"role\" in column \"发送方\"",
                "bad.csv:7: empty text in a message from a customer",
                "bad.csv:8: column \"发送方\": not valid UTF-8 at byte 4 (the start of the file read as UTF-8; if it is in fact GBK, add --encoding gbk)",
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
    fn a_utf8_file_with_one_gbk_cell_reports_that_row() {
        // 会话 in GBK, in a file whose start is UTF-8 (the row after a UTF-8 one).
        let mut data = "conversation,time,role,text\nc1,2026-11-24 12:00:00,顾客,在吗\n"
            .as_bytes()
            .to_vec();
        data.extend(b"c1,2026-11-24 12:00:05,customer,\xBB\xE1\xBB\xB0\n");
        let opts = InputOptions {
            encoding: Some(encoding_rs::UTF_8),
            ..opts()
        };
        let items = read_all("mixed.csv", &data, &opts);
        assert_eq!(items.len(), 2);
        let reason = &items[1]
            .as_ref()
            .expect_err("a bad row")
            .problem
            .describe(Lang::En);
        assert!(
            reason.starts_with("column \"text\": not valid UTF-8 at byte 1"),
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
