//! Reading chat exports for `kefu score`: JSONL (what `kefu train` saves), CSV (what chat tools
//! export) and plain chat logs (copied out of a chat workbench).
//!
//! Every input becomes a stream of [`Record`]s and [`BadLine`]s in file order. A bad line never
//! stops the stream: it says where and why, and reading goes on with the next line. Memory is
//! bounded: lines are read one at a time into a reused buffer, and a line (or CSV row, or
//! chat-log message) longer than [`MAX_LINE_BYTES`] is skipped without being held whole.

pub(crate) mod csv;
mod excel;
mod jsonl;
mod log;
mod time;

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use encoding_rs::Encoding;

use super::Format;
use super::problem::{Closest, Place, Problem, cannot_read};
use super::record::{BadLine, Parts, Record};
use super::record::{Clock, Precision};
use crate::engine::text::trim as trim_space;
use crate::lang::Lang;
use crate::tr;
use crate::transcript::Role;

pub use time::{Stamped, parse_time, parse_ts};

/// How to read inputs; from the command line of `kefu score`.
#[derive(Debug, Clone, Default)]
pub struct InputOptions {
    /// Forced by `--format`; otherwise detected per input.
    pub format: Option<Format>,
    /// `--columns "text=消息内容,conversation=会话"`: (field, CSV header) pairs that override the
    /// usual header names. The fields are among the CSV reader's `FIELDS`: `kefu score` checks
    /// them when it reads the flag, and the reader passes over any other.
    pub columns: Vec<(String, String)>,
    /// `--agents 小美,小禾`: speakers who are agents (chat logs, CSV role columns of names).
    pub agents: Vec<String>,
    /// `--agent-prefix 布言`: a speaker whose name starts with one of these is an agent (chat
    /// logs, CSV role columns of names).
    pub agent_prefixes: Vec<String>,
    /// `--encoding gbk`: the input's encoding, instead of detecting it.
    pub encoding: Option<&'static Encoding>,
    /// `--sheet 聊天记录`: the sheet of a workbook to read, instead of the first.
    pub sheet: Option<String>,
    /// `--roles customer=0,agent=1`: role cells (trimmed, lowercase) and the role each means.
    pub roles: Vec<(String, Role)>,
}

/// Something about an input as a whole, told once: how it was decoded, which sheet was read,
/// how its columns or roles were taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InputNotice {
    /// Decoded from an encoding other than UTF-8 (its name).
    Encoding(&'static str),
    /// Read from sheet `name` of a workbook with `sheets` sheets.
    Sheet { name: String, sheets: usize },
    /// No column of times: speed checks and response-time KPIs are not available.
    NoTime,
    /// No header row: the columns were taken from the first row's content.
    Headerless { columns: String },
    /// A role column of numbers, read by the usual mapping (customer=0, agent=1).
    NumericRoles,
    /// A role column of sender names: shop sub-accounts and named agents are agents, anyone
    /// else the customer.
    SenderNames,
    /// Times are written to the minute: response times are ranges, and a verdict is given only
    /// where the range decides it.
    MinuteTimes,
}

/// Notices of one input, pushed by its reader as it finds them and taken by `kefu score`
/// between records: a relaxed load per record when there is nothing to take.
#[derive(Debug, Default)]
pub struct Notices {
    fresh: AtomicBool,
    /// Every notice pushed, and how many of them were taken.
    list: Mutex<(Vec<InputNotice>, usize)>,
}

impl Notices {
    /// Adds `notice`, unless it was told already.
    pub(crate) fn push(&self, notice: InputNotice) {
        if let Ok(mut list) = self.list.lock() {
            if !list.0.contains(&notice) {
                list.0.push(notice);
                self.fresh.store(true, Ordering::Release);
            }
        }
    }

    /// The notices not taken yet.
    pub fn take(&self) -> Vec<InputNotice> {
        if !self.fresh.swap(false, Ordering::Acquire) {
            return Vec::new();
        }
        match self.list.lock() {
            Ok(mut list) => {
                let (all, taken) = &mut *list;
                let out = all.get(*taken..).unwrap_or_default().to_vec();
                *taken = all.len();
                out
            }
            Err(_) => Vec::new(),
        }
    }
}

/// Longest line (or CSV row, or chat-log message) read; a longer one is a bad line, skipped
/// in chunks without being buffered whole.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// How much of an input is looked at to detect its format.
const HEAD_BYTES: usize = 64 * 1024;

/// Read buffer for files.
const READ_BUFFER: usize = 64 * 1024;

/// Opens an input: a path, or `-` for stdin. Every byte read from it is added to `read`, for
/// the progress bar. Returns the reader and, for a regular file, its size. An error is a usage
/// error, with a plain message in `lang` naming the path.
pub fn open(
    path: &str,
    lang: Lang,
    read: &Arc<AtomicU64>,
) -> Result<(Box<dyn BufRead + Send>, Option<u64>), String> {
    let counted = |inner: Box<dyn Read + Send>| -> Box<dyn BufRead + Send> {
        let counted = Counted {
            inner,
            read: Arc::clone(read),
        };
        Box::new(BufReader::with_capacity(READ_BUFFER, counted))
    };
    if path == "-" {
        return Ok((counted(Box::new(io::stdin())), None));
    }
    let file = File::open(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => tr!(lang, "{}：文件不存在", "{}: no such file", path),
        io::ErrorKind::PermissionDenied => {
            tr!(lang, "{}：没有读取权限", "{}: permission denied", path)
        }
        _ => tr!(lang, "{}：无法打开：{}", "{}: cannot open: {}", path, e),
    })?;
    let size = match file.metadata() {
        Ok(m) if m.is_dir() => {
            return Err(tr!(
                lang,
                "{}：这是文件夹，不是文件",
                "{}: is a directory, not a file",
                path
            ));
        }
        Ok(m) => m.is_file().then_some(m.len()),
        Err(e) => return Err(cannot_read(&path, &e, lang)),
    };
    Ok((counted(Box::new(file)), size))
}

/// A reader that adds the bytes it reads to a shared count. It is read a buffer (64 KiB) at a
/// time, so the count costs one atomic addition per buffer.
struct Counted {
    inner: Box<dyn Read + Send>,
    read: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Detects the format of an input from its file name (`.jsonl`/`.json`/`.ndjson`, `.csv`/`.tsv`,
/// `.log`/`.txt`) and, failing that (stdin, other names), from its first bytes: `{` means JSONL;
/// a first line with a comma or tab and a known CSV header name means CSV; anything else is a
/// chat log.
pub fn detect(name: &str, head: &[u8]) -> Format {
    detect_with(name, head, &[])
}

/// [`detect`], also counting the headers named by `--columns` as known.
fn detect_with(name: &str, head: &[u8], columns: &[(String, String)]) -> Format {
    let ext = Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase);
    if excel::looks_like_workbook(head) {
        return Format::Excel;
    }
    match ext.as_deref() {
        Some("jsonl" | "json" | "ndjson") => return Format::Jsonl,
        Some("csv" | "tsv") => return Format::Csv,
        Some("xlsx" | "xlsm" | "xlsb" | "xls" | "ods") => return Format::Excel,
        // A .txt may be a chat log or a table saved as text: tables are told by their header.
        Some("log") => return Format::Log,
        _ => {}
    }
    let head = head.strip_prefix(BOM).unwrap_or(head);
    let start = head
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(head.len());
    let head = &head[start..];
    if head.first() == Some(&b'{') {
        return Format::Jsonl;
    }
    let first = head.split(|&b| b == b'\n').next().unwrap_or_default();
    let first = String::from_utf8_lossy(first);
    if first.contains([',', '\t']) {
        let known = first.split([',', '\t']).any(|cell| {
            let cell = cell.trim().trim_matches('"').trim();
            csv::is_known_header(cell)
                || columns
                    .iter()
                    .any(|(_, h)| h.trim().to_lowercase() == cell.to_lowercase())
        });
        if known || csv::headerless_columns(&first).is_some() {
            return Format::Csv;
        }
    }
    Format::Log
}

/// What an input that is no format kefu reads looks most like, or `None` when it may be a
/// chat log (a line of it starts a message).
fn closest_format(head: &[u8]) -> Option<Closest> {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    if text.lines().any(log::starts_message) {
        return None;
    }
    let first = lines.next().unwrap_or_default();
    let tabs = first.matches('\t').count();
    let commas = first.matches(',').count();
    if tabs >= 2 || commas >= 2 {
        let (delimiter, n) = if tabs >= commas {
            ('\t', tabs)
        } else {
            (',', commas)
        };
        return Some(Closest::Delimited {
            delimiter,
            columns: n + 1,
        });
    }
    if first.trim_start().starts_with('[') || text.contains("\":") {
        return Some(Closest::Json);
    }
    Some(Closest::Text)
}

/// One item of an input: a message, or a line that could not be read.
pub type Item = Result<Record, BadLine>;

/// The records of one input, and its format.
pub struct Input {
    /// The format read, or none when the input is empty or could not be read.
    pub format: Option<Format>,
    pub items: Box<dyn Iterator<Item = Item> + Send>,
    /// What the reader tells about the input as a whole; take them between items.
    pub notices: Arc<Notices>,
}

/// Reads one input: all its records, in file order, each a [`Record`] or a [`BadLine`], and
/// its format. `file` (the path as given, `-` for stdin) is the file of every [`BadLine`]'s
/// [`Loc`](super::record::Loc). When `opts.format` is `None` the format is detected from the
/// name and the first bytes. A UTF-8 byte order mark is skipped.
pub fn read(file: Arc<str>, mut reader: Box<dyn BufRead + Send>, opts: &InputOptions) -> Input {
    let name: &str = &file;
    let notices = Arc::new(Notices::default());
    let failed = |b: BadLine| Input {
        format: None,
        items: Box::new(std::iter::once(Err(b))),
        notices: Arc::new(Notices::default()),
    };
    let (mut head, mut at_eof) = match peek_head(&mut reader) {
        Ok(h) => h,
        Err(e) => {
            let problem = Problem::Unreadable(e.to_string());
            return failed(BadLine::new(&file, 1, problem));
        }
    };
    let excel = match opts.format {
        Some(f) => f == Format::Excel,
        None => detect_with(name, &head, &[]) == Format::Excel,
    };
    if excel {
        return read_workbook(file, head, reader, opts);
    }
    let encoding = opts
        .encoding
        .unwrap_or_else(|| sniff_encoding(&head, at_eof));
    if encoding != encoding_rs::UTF_8 {
        notices.push(InputNotice::Encoding(encoding.name()));
        let raw: Box<dyn Read + Send> = Box::new(io::Cursor::new(head).chain(reader));
        let decoded = encoding_rs_io::DecodeReaderBytesBuilder::new()
            .encoding(Some(encoding))
            .bom_override(true)
            .build(raw);
        reader = Box::new(BufReader::with_capacity(READ_BUFFER, decoded));
        (head, at_eof) = match peek_head(&mut reader) {
            Ok(h) => h,
            Err(e) => {
                let problem = Problem::Unreadable(e.to_string());
                return failed(BadLine::new(&file, 1, problem));
            }
        };
    }
    if head.starts_with(BOM) {
        head.drain(..BOM.len());
    }
    if at_eof && head.iter().all(u8::is_ascii_whitespace) {
        let problem = Problem::EmptyFile {
            blank_lines: !head.is_empty(),
        };
        return failed(BadLine::new(&file, 1, problem));
    }
    let format = opts
        .format
        .unwrap_or_else(|| detect_with(name, &head, &opts.columns));
    let delimiter = csv::sniff_delimiter(&head);
    // A head that is one unfinished line (a huge first line) tells nothing yet.
    let no_format = match (opts.format, format) {
        (None, Format::Log) if head.contains(&b'\n') || at_eof => closest_format(&head),
        _ => None,
    };
    let mut reader: Box<dyn BufRead + Send> = Box::new(io::Cursor::new(head).chain(reader));
    if let Some(closest) = no_format {
        let lines = count_lines(&mut reader);
        let problem = Problem::NoFormat { lines, closest };
        return failed(BadLine::new(&file, 1, problem));
    }
    let items: Box<dyn Iterator<Item = Item> + Send> = match format {
        Format::Jsonl => Box::new(jsonl::Records::new(file, reader)),
        Format::Csv => Box::new(csv::Records::new(
            file,
            reader,
            delimiter,
            opts,
            Arc::clone(&notices),
        )),
        Format::Excel => unreachable_excel(file),
        Format::Log => {
            let conversation = if name == "-" {
                "stdin".to_string()
            } else {
                Path::new(name)
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| name.to_string())
            };
            Box::new(log::Records::new(file, reader, conversation, opts))
        }
    };
    Input {
        format: Some(format),
        items,
        notices,
    }
}

/// Workbooks are read before the format match; this arm is never taken, and reads as nothing.
fn unreachable_excel(file: Arc<str>) -> Box<dyn Iterator<Item = Item> + Send> {
    let problem = Problem::Workbook("not read".into());
    Box::new(std::iter::once(Err(BadLine::new(&file, 1, problem))))
}

/// Reads a workbook whole (a workbook is a zip archive, read from its end) and hands the rows
/// of its sheet to the CSV reader.
fn read_workbook(
    file: Arc<str>,
    mut head: Vec<u8>,
    mut reader: Box<dyn BufRead + Send>,
    opts: &InputOptions,
) -> Input {
    let notices = Arc::new(Notices::default());
    let failed = |line: u64, problem: Problem, file: &Arc<str>| Input {
        format: Some(Format::Excel),
        items: Box::new(std::iter::once(Err(BadLine::new(file, line, problem)))),
        notices: Arc::new(Notices::default()),
    };
    if let Err(e) = reader.read_to_end(&mut head) {
        return failed(1, Problem::ReadingStopped(e.to_string()), &file);
    }
    let (sheet, sheets, rows) = match excel::read_sheet(head, opts.sheet.as_deref()) {
        Ok(read) => read,
        Err(problem) => return failed(1, problem, &file),
    };
    if sheets > 1 || opts.sheet.is_some() {
        notices.push(InputNotice::Sheet {
            name: sheet,
            sheets,
        });
    }
    let items = csv::Records::from_rows(file, rows, opts, Arc::clone(&notices));
    Input {
        format: Some(Format::Excel),
        items: Box::new(items),
        notices,
    }
}

/// The encoding of an input from its first bytes: a UTF-16 byte order mark, else UTF-8 when
/// they are UTF-8 (a character cut at the end of `head` is allowed unless the input ends
/// there), else GB18030 (which reads GBK) when they are that, else UTF-8, whose bad lines are
/// then reported one by one.
fn sniff_encoding(head: &[u8], at_eof: bool) -> &'static Encoding {
    if let Some((enc, _)) = Encoding::for_bom(head) {
        return enc;
    }
    // UTF-8 with a stray bad byte or two is UTF-8 (its bad lines are reported); GBK text read
    // as UTF-8 is bad every few bytes.
    let mut rest = head;
    let mut errors = 0usize;
    while let Err(e) = std::str::from_utf8(rest) {
        match e.error_len() {
            Some(n) => {
                errors += 1;
                rest = &rest[e.valid_up_to() + n..];
            }
            None if !at_eof => break,
            None => {
                errors += 1;
                break;
            }
        }
    }
    if errors * 200 <= head.len() && errors < 20 {
        return encoding_rs::UTF_8;
    }
    let mut decoder = encoding_rs::GB18030.new_decoder_without_bom_handling();
    let mut out = String::with_capacity(head.len() * 2);
    let (result, read) = decoder.decode_to_string_without_replacement(head, &mut out, at_eof);
    let clean = match result {
        encoding_rs::DecoderResult::InputEmpty => true,
        // A character cut at the end of the head.
        encoding_rs::DecoderResult::Malformed(_, _) => !at_eof && read + 4 >= head.len(),
        encoding_rs::DecoderResult::OutputFull => false,
    };
    if clean {
        encoding_rs::GB18030
    } else {
        encoding_rs::UTF_8
    }
}

/// The number of lines left in `reader` (a last line without a newline counts).
fn count_lines(reader: &mut Box<dyn BufRead + Send>) -> u64 {
    let mut lines = 0u64;
    let mut last = b'\n';
    loop {
        let buf = match reader.fill_buf() {
            Ok([]) | Err(_) => break,
            Ok(b) => b,
        };
        lines += memchr::memchr_iter(b'\n', buf).count() as u64;
        last = buf[buf.len() - 1];
        let n = buf.len();
        reader.consume(n);
    }
    lines + u64::from(last != b'\n')
}

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Reads the start of an input, [`HEAD_BYTES`] of it or all of a shorter one, to tell its
/// encoding and format; returns it and whether the input ended there.
fn peek_head(reader: &mut Box<dyn BufRead + Send>) -> io::Result<(Vec<u8>, bool)> {
    let mut head = Vec::new();
    loop {
        let buf = match reader.fill_buf() {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // What came before is read; the reader meets the error again after it.
            Err(_) if !head.is_empty() => return Ok((head, false)),
            Err(e) => return Err(e),
        };
        if buf.is_empty() {
            return Ok((head, true));
        }
        let n = buf.len().min(HEAD_BYTES - head.len());
        head.extend_from_slice(&buf[..n]);
        reader.consume(n);
        if head.len() >= HEAD_BYTES {
            return Ok((head, false));
        }
    }
}

/// `s` in double quotes, shortened and on one line, for a message.
fn show(s: &str) -> String {
    const MAX_CHARS: usize = 40;
    let mut out = String::with_capacity(s.len().min(4 * MAX_CHARS) + 2);
    out.push('"');
    for (i, c) in s.chars().enumerate() {
        if i == MAX_CHARS {
            out.push('…');
            break;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '"' => out.push_str("\\\""),
            c if c.is_control() => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The problem of text that is not UTF-8, in `place` when it is a CSV cell; bytes are
/// counted from 1.
fn not_utf8(e: std::str::Utf8Error, place: Option<Place>) -> Problem {
    Problem::NotUtf8 {
        byte: Some(e.valid_up_to() + 1),
        place,
    }
}

/// The problem of a role that is not known.
fn unknown_role(s: &str) -> Problem {
    Problem::UnknownRole(show(s))
}

/// Who is an agent, by name, for inputs that name the speaker rather than the role: chat logs,
/// and CSV exports whose role column holds names. From `--agents` and `--agent-prefix`.
#[derive(Debug, Clone, Default)]
struct Speakers {
    agents: Vec<String>,
    prefixes: Vec<String>,
}

impl Speakers {
    fn new(opts: &InputOptions) -> Speakers {
        let clean = |v: &[String]| -> Vec<String> {
            v.iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        Speakers {
            agents: clean(&opts.agents),
            prefixes: clean(&opts.agent_prefixes),
        }
    }

    /// The role of a speaker called `name`, and an agent's name (after a shop's `店铺:`), when
    /// the name tells: a role word (顾客, 客服, 系统…), a sub-account `店铺:客服`, or an agent
    /// named by `--agents` or `--agent-prefix`. `None` for any other name.
    fn role_by_name<'n>(&self, name: &'n str) -> Option<(Role, Option<&'n str>)> {
        let short = short_name(name);
        if let Some(role) = super::record::parse_role(name) {
            return Some((role, (role == Role::Agent).then_some(short)));
        }
        // The shop's robot on a sub-account: 布言服饰:店小蜜.
        if short != name && super::record::parse_role(short) == Some(Role::Robot) {
            return Some((Role::Robot, None));
        }
        let agent = name.contains([':', '：'])
            || self.agents.iter().any(|a| a == name || a == short)
            || self.prefixes.iter().any(|p| name.starts_with(p.as_str()));
        agent.then_some((Role::Agent, Some(short)))
    }
}

/// An agent's name without its shop: a Taobao sub-account `布言服饰:小美` is 小美, whichever
/// way an export writes it, so that the report counts one agent once.
fn short_name(name: &str) -> &str {
    match name.rfind([':', '：']) {
        Some(at) => {
            let colon = if name[at..].starts_with(':') {
                1
            } else {
                '：'.len_utf8()
            };
            let short = trim_space(&name[at + colon..]);
            if short.is_empty() { name } else { short }
        }
        None => name,
    }
}

/// Reads a role, with a fast path for the English names `kefu train` writes.
fn role_of(s: &str) -> Option<Role> {
    match s {
        "customer" => Some(Role::Customer),
        "agent" => Some(Role::Agent),
        "system" => Some(Role::System),
        _ => super::record::parse_role(s),
    }
}

/// The event a system message announces, from its text, for exports without an event field:
/// an order placed (下单), paid (付款, 已付) or the customer gone (离开, 结束会话).
fn event_from_text(text: &str) -> Option<&'static str> {
    if (text.contains("付款") || text.contains("已付")) && !text.contains("未付") {
        Some("order_paid")
    } else if text.contains("下单") {
        Some("order_placed")
    } else if text.contains("离开") || text.contains("结束会话") {
        Some("customer_left")
    } else {
        None
    }
}

/// The parts of a message shared by JSONL and CSV, before checking. `None` is a missing (or, in
/// CSV, empty) value.
struct Fields<'a> {
    conversation: Option<&'a str>,
    /// The time; `None` when missing, and never read when `timeless`.
    ts: Option<&'a str>,
    /// The export has no time column at all.
    timeless: bool,
    role: Result<Role, Problem>,
    text: Option<&'a str>,
    agent: Option<&'a str>,
    product: Option<&'a str>,
    event: Option<&'a str>,
    latency_ms: Option<u64>,
}

/// Checks `f`, read from `line` of `file`, and builds the record; `missing` gives the problem
/// of a missing field.
fn build<'a>(
    file: &Arc<str>,
    line: u64,
    f: Fields<'a>,
    missing: impl Fn(&'static str) -> Problem,
) -> Result<Record, BadLine> {
    let fail = |problem: Problem| Err(BadLine::new(file, line, problem));
    let conversation = match f.conversation.map(trim_space) {
        Some(c) if !c.is_empty() => c,
        _ => return fail(missing("conversation")),
    };
    let (ts, clock) = match f.ts {
        _ if f.timeless => (
            0,
            Clock {
                precision: Precision::Unknown,
                offset: 0,
            },
        ),
        None => return fail(missing("ts")),
        Some(s) => match parse_time(s) {
            Some(t) => (t.secs, clock_of(t)),
            None if s.trim().is_empty() => return fail(missing("ts")),
            None => return fail(Problem::BadTimestamp(show(s))),
        },
    };
    let role = match f.role {
        Ok(r) => r,
        Err(problem) => return fail(problem),
    };
    let text = match f.text {
        Some(t) if role == Role::System || !trim_space(t).is_empty() => t,
        None if role == Role::System => "",
        None => return fail(missing("text")),
        Some(_) => return fail(Problem::EmptyText(role)),
    };
    let opt = |s: Option<&'a str>| s.map(trim_space).filter(|s| !s.is_empty());
    let event = opt(f.event).or_else(|| {
        (role == Role::System)
            .then(|| event_from_text(text))
            .flatten()
    });
    let parts = Parts {
        conversation,
        text,
        agent: opt(f.agent).map(short_name),
        product: opt(f.product),
        event,
    };
    let mut record = Record::new(parts, ts, role, f.latency_ms, line);
    record.clock = clock;
    Ok(record)
}

/// How exact a timestamp read is, and its zone.
pub(super) fn clock_of(t: Stamped) -> Clock {
    Clock {
        precision: if t.minute_only {
            Precision::Minute
        } else {
            Precision::Second
        },
        offset: t.offset,
    }
}

/// What [`LineReader::read`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Line {
    /// A line, now in the buffer without its line ending.
    Text,
    /// A line longer than [`MAX_LINE_BYTES`], skipped; the buffer is empty.
    Long,
    /// The end of the input.
    Eof,
}

/// Reads lines into one reused buffer, never holding more than [`MAX_LINE_BYTES`] of a line.
struct LineReader {
    inner: Box<dyn BufRead + Send>,
    buf: Vec<u8>,
    /// The number of the line last read, from 1.
    number: u64,
    scratch: Vec<u8>,
    /// Set by [`LineReader::read_in_place`]: the line is the first `len` bytes of the inner
    /// reader's buffer, and `consume` bytes (the line ending too) are to be consumed.
    in_place: Option<(usize, usize)>,
}

impl LineReader {
    fn new(inner: Box<dyn BufRead + Send>) -> LineReader {
        LineReader {
            inner,
            buf: Vec::with_capacity(4096),
            number: 0,
            scratch: Vec::new(),
            in_place: None,
        }
    }

    /// Like [`LineReader::read`], but a line that lies wholly in the inner reader's buffer stays
    /// there, uncopied; [`LineReader::line`] gives the line either way.
    fn read_in_place(&mut self) -> io::Result<Line> {
        if let Some((_, consume)) = self.in_place.take() {
            self.inner.consume(consume);
        }
        let available = self.inner.fill_buf()?;
        if let Some(end) = memchr::memchr(b'\n', available).filter(|&e| e <= MAX_LINE_BYTES) {
            let len = if end > 0 && available.get(end - 1) == Some(&b'\r') {
                end - 1
            } else {
                end
            };
            self.number += 1;
            self.in_place = Some((len, end + 1));
            return Ok(Line::Text);
        }
        self.read()
    }

    /// The line last read.
    fn line(&mut self) -> &[u8] {
        match self.in_place {
            // The inner buffer is unchanged since `read_in_place` found the line in it, so
            // this returns it again without reading.
            Some((len, _)) => match self.inner.fill_buf() {
                Ok(b) => b.get(..len).unwrap_or(b),
                Err(_) => &[],
            },
            None => &self.buf,
        }
    }

    fn read(&mut self) -> io::Result<Line> {
        if let Some((_, consume)) = self.in_place.take() {
            self.inner.consume(consume);
        }
        self.buf.clear();
        let limit = MAX_LINE_BYTES as u64 + 1;
        let n = (&mut self.inner)
            .take(limit)
            .read_until(b'\n', &mut self.buf)?;
        if n == 0 {
            return Ok(Line::Eof);
        }
        self.number += 1;
        let ended = self.buf.last() == Some(&b'\n');
        if ended {
            self.buf.pop();
        }
        if ended || self.buf.len() <= MAX_LINE_BYTES {
            if self.buf.last() == Some(&b'\r') {
                self.buf.pop();
            }
            return Ok(Line::Text);
        }
        // Too long: skip to the end of the line a chunk at a time.
        self.buf.clear();
        loop {
            self.scratch.clear();
            let n = (&mut self.inner)
                .take(64 * 1024)
                .read_until(b'\n', &mut self.scratch)?;
            if n == 0 || self.scratch.last() == Some(&b'\n') {
                return Ok(Line::Long);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lang::Lang;

    pub(super) fn reader(bytes: &[u8]) -> Box<dyn BufRead + Send> {
        Box::new(io::Cursor::new(bytes.to_vec()))
    }

    pub(super) fn opts() -> InputOptions {
        InputOptions::default()
    }

    pub(super) fn read_all(name: &str, bytes: &[u8], opts: &InputOptions) -> Vec<Item> {
        read(name.into(), reader(bytes), opts).items.collect()
    }

    /// A reader that hands out at most `n` bytes per read, like a pipe.
    struct Trickle {
        data: io::Cursor<Vec<u8>>,
        n: usize,
    }

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.n);
            self.data.read(&mut buf[..n])
        }
    }

    #[test]
    fn detects_by_name_then_content() {
        assert_eq!(detect("a.jsonl", b"xyz"), Format::Jsonl);
        assert_eq!(detect("a.NDJSON", b""), Format::Jsonl);
        assert_eq!(detect("a.json", b""), Format::Jsonl);
        assert_eq!(detect("dir/a.CSV", b"{"), Format::Csv);
        assert_eq!(detect("a.tsv", b""), Format::Csv);
        assert_eq!(detect("a.log", b"{"), Format::Log);
        assert_eq!(detect("a.txt", b"a,b"), Format::Log);
        assert_eq!(detect("-", b"\n  {\"conversation\":1}"), Format::Jsonl);
        assert_eq!(detect("-", "\u{feff}{}".as_bytes()), Format::Jsonl);
        assert_eq!(
            detect("-", "\u{feff}会话ID,时间,发送方\n".as_bytes()),
            Format::Csv
        );
        assert_eq!(detect("export", b"\"Time\"\t\"Content\"\n"), Format::Csv);
        assert_eq!(
            detect("-", "顾客小王 2026-11-24 10:15:03\n你好".as_bytes()),
            Format::Log
        );
        assert_eq!(detect("-", "你好，在吗, 亲\n".as_bytes()), Format::Log);
        assert_eq!(detect("-", b""), Format::Log);
    }

    #[test]
    fn columns_count_as_known_headers_when_detecting() {
        let head = "编号,说话人,话\n".as_bytes();
        assert_eq!(detect_with("-", head, &[]), Format::Log);
        let cols = vec![("text".to_string(), "话".to_string())];
        assert_eq!(detect_with("-", head, &cols), Format::Csv);
    }

    #[test]
    fn detection_in_records_reads_past_a_slow_start() {
        let data = "\n\n{\"conversation\":\"c1\",\"ts\":\"2026-11-24 10:00:00\",\"role\":\"customer\",\"text\":\"在吗\"}\n";
        let src = Trickle {
            data: io::Cursor::new(data.as_bytes().to_vec()),
            n: 3,
        };
        let r: Box<dyn BufRead + Send> = Box::new(BufReader::with_capacity(4, src));
        let items: Vec<Item> = read("-".into(), r, &opts()).items.collect();
        assert_eq!(items.len(), 1);
        let rec = items[0].as_ref().expect("a record");
        assert_eq!(rec.text(), "在吗");
        assert_eq!(rec.line, 3);
    }

    /// A source that gives `data`, then fails, as a dropped connection or a failing disk does.
    struct Dropped {
        data: io::Cursor<Vec<u8>>,
    }

    impl Read for Dropped {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            match self.data.read(buf)? {
                0 => Err(io::Error::other("connection reset")),
                n => Ok(n),
            }
        }
    }

    /// Every format keeps what it read before the failure and ends with one bad line after it;
    /// a source that fails at once is one bad line.
    #[test]
    fn a_source_that_fails_keeps_what_came_before() {
        let jsonl = "{\"conversation\":\"c1\",\"ts\":\"2026-11-24 10:00:00\",\"role\":\"customer\",\"text\":\"在吗\"}\n";
        let csv = "会话ID,时间,角色,内容\nc1,2026-11-24 10:00:00,顾客,在吗\n";
        let log = "顾客小王 2026-11-24 10:00:00\n在吗\n";
        for (name, data, next_line) in [("a.jsonl", jsonl, 2), ("a.csv", csv, 3), ("a.log", log, 3)]
        {
            let src = Dropped {
                data: io::Cursor::new(data.as_bytes().to_vec()),
            };
            let r: Box<dyn BufRead + Send> = Box::new(BufReader::with_capacity(16, src));
            let items: Vec<Item> = read(name.into(), r, &opts()).items.collect();
            assert_eq!(items.len(), 2, "{name}: {items:?}");
            assert_eq!(
                items[0].as_ref().map(Record::text).ok(),
                Some("在吗"),
                "{name}"
            );
            let b = items[1].as_ref().expect_err("a bad line");
            assert_eq!(
                b.message(Lang::Zh),
                format!("{name}:{next_line}: 无法继续读取：connection reset"),
                "{name}"
            );
        }
        let src = Dropped {
            data: io::Cursor::new(Vec::new()),
        };
        let items: Vec<Item> = read("a.jsonl".into(), Box::new(BufReader::new(src)), &opts())
            .items
            .collect();
        assert_eq!(items.len(), 1);
        let b = items[0].as_ref().expect_err("a bad line");
        assert_eq!(b.problem, Problem::Unreadable("connection reset".into()));
    }

    #[test]
    fn empty_inputs_are_one_bad_line() {
        for (name, data) in [
            ("a.jsonl", &b""[..]),
            ("a.csv", b""),
            ("a.log", b""),
            ("-", b""),
            ("-", b"\xEF\xBB\xBF"),
        ] {
            let items = read_all(name, data, &opts());
            assert_eq!(items.len(), 1, "{name}");
            let b = items[0].as_ref().expect_err("a bad line");
            assert_eq!(b.problem, Problem::EmptyFile { blank_lines: false });
            assert_eq!(b.message(Lang::En), format!("{name}:1: the file is empty"));
            assert_eq!(b.message(Lang::Zh), format!("{name}:1: 文件是空的"));
        }
        let items = read_all("a.jsonl", b"\n \r\n\n", &opts());
        assert_eq!(items.len(), 1);
        assert!(items[0].is_err());
    }

    #[test]
    fn open_reports_missing_files_and_directories() {
        let read = Arc::new(AtomicU64::new(0));
        let e = open("/nonexistent/kefu/chats.jsonl", Lang::En, &read)
            .err()
            .expect("an error");
        assert_eq!(e, "/nonexistent/kefu/chats.jsonl: no such file");
        let e = open("/nonexistent/kefu/chats.jsonl", Lang::Zh, &read)
            .err()
            .expect("an error");
        assert_eq!(e, "/nonexistent/kefu/chats.jsonl：文件不存在");
        let e = open("/", Lang::En, &read).err().expect("an error");
        assert!(e.starts_with("/: is a directory"), "{e}");
        let (_, size) = open("-", Lang::Zh, &read).expect("stdin opens");
        assert_eq!(size, None);
    }

    #[test]
    fn open_counts_the_bytes_read_and_tells_a_file_size() {
        let dir = tempfile::tempdir().expect("a tempdir");
        let path = dir.path().join("a.jsonl");
        let bytes = vec![b'x'; 200_000];
        std::fs::write(&path, &bytes).expect("write");
        let read = Arc::new(AtomicU64::new(7));
        let (mut reader, size) = open(&path.display().to_string(), Lang::Zh, &read).expect("opens");
        assert_eq!(size, Some(200_000));
        let mut all = Vec::new();
        reader.read_to_end(&mut all).expect("reads");
        assert_eq!(all, bytes);
        assert_eq!(read.load(Ordering::Relaxed), 7 + 200_000);
    }

    #[test]
    fn line_reader_caps_long_lines() {
        let mut data = b"short\r\n".to_vec();
        data.extend(std::iter::repeat_n(b'x', MAX_LINE_BYTES));
        data.extend(b"\n");
        data.extend(std::iter::repeat_n(b'y', MAX_LINE_BYTES + 1));
        data.extend(b"\nlast");
        let mut r = LineReader::new(reader(&data));
        assert_eq!(r.read().ok(), Some(Line::Text));
        assert_eq!(r.buf, b"short");
        assert_eq!(r.read().ok(), Some(Line::Text));
        assert_eq!(r.buf.len(), MAX_LINE_BYTES);
        assert_eq!(r.read().ok(), Some(Line::Long));
        assert!(r.buf.is_empty());
        assert_eq!(r.number, 3);
        assert_eq!(r.read().ok(), Some(Line::Text));
        assert_eq!(r.buf, b"last");
        assert_eq!(r.read().ok(), Some(Line::Eof));
        assert_eq!(r.number, 4);
    }

    #[test]
    fn events_from_system_text() {
        assert_eq!(event_from_text("买家已下单"), Some("order_placed"));
        assert_eq!(event_from_text("买家已付款"), Some("order_paid"));
        assert_eq!(event_from_text("订单已付"), Some("order_paid"));
        assert_eq!(event_from_text("买家已下单，未付款"), Some("order_placed"));
        assert_eq!(event_from_text("买家已离开"), Some("customer_left"));
        assert_eq!(event_from_text("客服结束会话"), Some("customer_left"));
        assert_eq!(event_from_text("会话已转接"), None);
    }

    #[test]
    fn show_shortens_and_escapes() {
        assert_eq!(show("机器人"), "\"机器人\"");
        assert_eq!(show("a\"b\nc"), "\"a\\\"b\\nc\"");
        let long = "长".repeat(100);
        assert_eq!(show(&long).chars().count(), 43);
    }
}
