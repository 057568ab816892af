//! Why a line of an export was skipped: one value per kind of problem, worded in the interface
//! language only when it is shown, so readers never format text for lines nobody reads.

use std::{fmt, io};

use crate::lang::Lang;
use crate::tr;
use crate::transcript::Role;

use super::input::MAX_LINE_BYTES;

/// What was too long: a JSONL or chat-log line, a CSV row or header row, a chat-log message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece {
    Line,
    Row,
    HeaderRow,
    Message,
}

/// Where in a CSV row bytes were not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The 1-based column of the header row.
    HeaderColumn(usize),
    /// A column of a message row, by its header (as shown, quoted).
    Column(String),
}

/// What a JSONL field held instead of a string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Number(String),
    Bool(bool),
    List,
    Object,
}

/// Why a line that starts like a JSON object is not one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonSyntax {
    /// The line ends before the object is closed.
    EndsEarly,
    /// The parser's own words (in English) and the 1-based column.
    At { detail: String, column: usize },
}

/// What an input that matched no format looked most like, for the message that says so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Closest {
    /// Rows of `columns` cells split by `delimiter`, but no header names kefu knows and no
    /// timestamp column to read them by.
    Delimited { delimiter: char, columns: usize },
    /// Lines with braces, but the first is not a JSON object.
    Json,
    /// Free text: no line like a chat-log message header.
    Text,
}

/// Why a line (or row, or message) was skipped. Quoted values are already shortened and
/// escaped for display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// Nothing of the input could be read (the I/O error).
    Unreadable(String),
    /// Reading stopped partway (the I/O error).
    ReadingStopped(String),
    /// Nothing in the file, or only blank lines.
    EmptyFile { blank_lines: bool },
    /// Longer than [`MAX_LINE_BYTES`].
    TooLong(Piece),
    /// Bytes that are not UTF-8, at a 1-based byte when known.
    NotUtf8 {
        byte: Option<usize>,
        place: Option<Place>,
    },
    /// Does not start with `{`; or, with a syntax error, is not a well-formed object.
    NotJsonObject(Option<JsonSyntax>),
    /// Any other error of the JSON parser, in its words.
    Json(String),
    /// A required JSONL field is absent or blank.
    MissingField(&'static str),
    /// A required CSV cell is blank: the field and its column's header (quoted).
    EmptyCell { field: &'static str, column: String },
    /// A JSONL field that must be a string is something else.
    NotAString { field: &'static str, found: Found },
    /// `latency_ms` below zero, or too large (its text).
    BadLatency { value: String, negative: bool },
    /// A role that is not known (quoted).
    UnknownRole(String),
    /// A timestamp that cannot be read (quoted).
    BadTimestamp(String),
    /// A customer's or an agent's message with no text.
    EmptyText(Role),
    /// Earlier than the previous message of its conversation (quoted id).
    OutOfOrder { conversation: String },
    /// A CSV row with another number of fields than the header.
    FieldCount { expected: usize, found: usize },
    /// `--columns` names a header that the file lacks (quoted), with the headers found.
    NoSuchColumn {
        field: String,
        header: String,
        found: String,
    },
    /// Required fields with no column, with the headers found.
    MissingColumns {
        fields: Vec<&'static str>,
        found: String,
    },
    /// Chat log: text before any message header, on lines `first` to `last`.
    StrayText { first: u64, last: u64 },
    /// Chat log: a header with nothing under it.
    NoText { speaker: String },
    /// Chat log: `===== 会话 =====` without an id.
    NoConversationId,
    /// Chat log: a broken line inside a message drops the message from line `from`.
    Dropped { cause: Box<Problem>, from: u64 },
    /// An Excel workbook that cannot be read (the reader's words).
    Workbook(String),
    /// The sheet read has no cells.
    EmptySheet,
    /// `--sheet` names a sheet the workbook lacks (quoted), with the sheets it has.
    NoSuchSheet { sheet: String, found: String },
    /// The input is none of the formats kefu reads: its `lines` lines are skipped.
    NoFormat { lines: u64, closest: Closest },
    /// A role cell that `--roles` maps to no role (quoted), with the values it maps.
    UnmappedRole { value: String, mapped: String },
}

/// A file that cannot be read, as a usage error: an input, a content file, a partial report.
pub fn cannot_read(path: &dyn fmt::Display, e: &io::Error, lang: Lang) -> String {
    tr!(lang, "{}：无法读取：{}", "{}: cannot read: {}", path, e)
}

/// A file that cannot be written: the JSON lines, a report, a partial state.
pub fn cannot_write(path: &dyn fmt::Display, e: &io::Error, lang: Lang) -> String {
    tr!(lang, "{}：无法写入：{}", "{}: cannot write: {}", path, e)
}

impl Problem {
    /// The problem in plain words, in `lang`.
    pub fn describe(&self, lang: Lang) -> String {
        // Words that each language puts in its own place.
        let pick = |zh: &'static str, en: &'static str| match lang {
            Lang::Zh => zh,
            Lang::En => en,
        };
        match self {
            Problem::Unreadable(e) => tr!(lang, "无法读取文件：{}", "cannot read the file: {}", e),
            Problem::ReadingStopped(e) => {
                tr!(lang, "无法继续读取：{}", "cannot read further: {}", e)
            }
            Problem::EmptyFile { blank_lines } => {
                let blank = if *blank_lines {
                    pick("（只有空行）", " (blank lines only)")
                } else {
                    ""
                };
                tr!(lang, "文件是空的{}", "the file is empty{}", blank)
            }
            Problem::TooLong(piece) => {
                let what = match piece {
                    Piece::Line => pick("这一行", "line"),
                    Piece::Row => pick("这一条记录", "the row"),
                    Piece::HeaderRow => pick("表头行", "the header row"),
                    Piece::Message => pick("这条消息", "the message"),
                };
                tr!(
                    lang,
                    "{}超过 {} 字节（1 MB）",
                    "{} is longer than {} bytes (skipped)",
                    what,
                    MAX_LINE_BYTES
                )
            }
            Problem::NotUtf8 { byte, place } => {
                let place = match place {
                    Some(Place::HeaderColumn(i)) => {
                        tr!(lang, "表头第{}列：", "header column {}: ", i)
                    }
                    Some(Place::Column(h)) => tr!(lang, "{}列：", "column {}: ", h),
                    None => String::new(),
                };
                match byte {
                    Some(b) => tr!(
                        lang,
                        "{}第{}个字节不是有效的 UTF-8（文件开头按 UTF-8 读取；如果其实是 GBK \
                         编码，请加 --encoding gbk）",
                        "{}not valid UTF-8 at byte {} (the start of the file read as UTF-8; if \
                         it is in fact GBK, add --encoding gbk)",
                        place,
                        b
                    ),
                    None => tr!(lang, "{}不是有效的 UTF-8", "{}not valid UTF-8", place),
                }
            }
            Problem::NotJsonObject(None) => {
                pick("这一行不是 JSON 对象", "line is not a JSON object").into()
            }
            Problem::NotJsonObject(Some(JsonSyntax::EndsEarly)) => pick(
                "这一行不是完整的 JSON 对象：对象还没结束，行就结束了",
                "line is not a JSON object: it ends before the object is closed",
            )
            .into(),
            Problem::NotJsonObject(Some(JsonSyntax::At { detail, column })) => tr!(
                lang,
                "这一行不是有效的 JSON 对象：第{}列有格式错误（{}）",
                "line is not a JSON object: {1} at column {0}",
                column,
                detail
            ),
            Problem::Json(detail) => tr!(lang, "JSON 内容有误：{}", "{}", detail),
            Problem::MissingField(field) => {
                tr!(lang, "缺少字段 \"{}\"", "missing field \"{}\"", field)
            }
            Problem::EmptyCell { field, column } => tr!(
                lang,
                "{1}列为空，缺少 \"{0}\" 的值",
                "no value for \"{}\" in column {}",
                field,
                column
            ),
            Problem::NotAString { field, found } => {
                let hint = if *field == "ts" {
                    pick(
                        "，例如 \"2026-11-24 10:15:03\"",
                        " like \"2026-11-24 10:15:03\"",
                    )
                } else {
                    ""
                };
                let found = match found {
                    Found::Number(n) => tr!(lang, "数字 {}", "the number {}", n),
                    Found::Bool(b) => tr!(lang, "布尔值 {}", "{}", b),
                    Found::List => pick("列表", "a list").into(),
                    Found::Object => pick("对象", "an object").into(),
                };
                tr!(
                    lang,
                    "字段 \"{}\" 应为字符串{}，实际是{}",
                    "field \"{}\" should be a string{}, not {}",
                    field,
                    hint,
                    found
                )
            }
            Problem::BadLatency { value, negative } => {
                if *negative {
                    tr!(
                        lang,
                        "字段 \"latency_ms\" 不能是负数：{}",
                        "field \"latency_ms\" is negative: {}",
                        value
                    )
                } else {
                    tr!(
                        lang,
                        "字段 \"latency_ms\" 超出范围：{}",
                        "field \"latency_ms\" is out of range: {}",
                        value
                    )
                }
            }
            Problem::UnknownRole(role) => tr!(
                lang,
                "未知的角色 {}（应为 customer/agent/system，或 顾客/买家/客服/卖家）",
                "unknown role {} (expected customer/agent/system or 顾客/买家/客服/卖家)",
                role
            ),
            Problem::BadTimestamp(ts) => tr!(
                lang,
                "无法识别的时间 {}（应为 \"2026-11-24 10:15:03\"、\"2026年11月24日 10:15:03\" 或 RFC 3339 格式）",
                "unparsable timestamp {}",
                ts
            ),
            Problem::EmptyText(role) => {
                let who = if *role == Role::Agent {
                    pick("客服", "an agent")
                } else {
                    pick("顾客", "a customer")
                };
                tr!(
                    lang,
                    "{}消息的内容为空",
                    "empty text in a message from {}",
                    who
                )
            }
            Problem::OutOfOrder { conversation } => tr!(
                lang,
                "时间早于会话 {} 的上一条消息（时间顺序颠倒）",
                "out-of-order timestamp: earlier than the previous message of conversation {}",
                conversation
            ),
            Problem::FieldCount { expected, found } => tr!(
                lang,
                "表头有 {} 列，这一行却有 {} 列",
                "expected {} fields as in the header, found {}",
                expected,
                found
            ),
            Problem::NoSuchColumn {
                field,
                header,
                found,
            } => tr!(
                lang,
                "--columns 把 {1} 列指定为 \"{0}\"，但表头里没有这一列（表头：{2}）",
                "--columns names column {1} for \"{0}\", but the header has no such column \
                 (headers found: {2})",
                field,
                header,
                found
            ),
            Problem::MissingColumns { fields, found } => {
                let list: Vec<String> = fields.iter().map(|f| format!("\"{f}\"")).collect();
                let first = fields.first().copied().unwrap_or("text");
                match lang {
                    Lang::Zh => format!(
                        "找不到必需字段 {} 对应的列（表头：{found}）；请用 --columns 指定，例如 \
                         --columns {first}=列名",
                        list.join("、")
                    ),
                    Lang::En => format!(
                        "no column for required field{} {} (headers found: {found}); name it \
                         with --columns, e.g. --columns {first}=HEADER",
                        if fields.len() > 1 { "s" } else { "" },
                        list.join(", ")
                    ),
                }
            }
            Problem::StrayText { first, last } => {
                let lines = match (first == last, lang) {
                    (true, Lang::Zh) => format!("第{first}行"),
                    (false, Lang::Zh) => format!("第{first}-{last}行"),
                    (true, Lang::En) => format!("line {first}"),
                    (false, Lang::En) => format!("lines {first}-{last}"),
                };
                tr!(
                    lang,
                    "{}不属于任何消息：每条消息应以 \"顾客小王 2026-11-24 10:15:03\" 这样的行开头",
                    "text outside any message ({}): a message starts with a line like \
                     \"顾客小王 2026-11-24 10:15:03\"",
                    lines
                )
            }
            Problem::NoText { speaker } => tr!(
                lang,
                "{} 的消息没有内容",
                "message from {} has no text",
                speaker
            ),
            Problem::NoConversationId => pick(
                "分隔行缺少会话编号（应为 \"===== 会话 c1001 =====\"）",
                "separator without a conversation id (expected \"===== 会话 c1001 =====\")",
            )
            .into(),
            Problem::Dropped { cause, from } => tr!(
                lang,
                "{}；从第{}行开始的这条消息已丢弃",
                "{}; the message from line {} is dropped",
                cause.describe(lang),
                from
            ),
            Problem::Workbook(e) => tr!(
                lang,
                "无法读取 Excel 文件：{}",
                "cannot read the Excel workbook: {}",
                e
            ),
            Problem::EmptySheet => pick(
                "工作表是空的（用 --sheet 选择有数据的工作表）",
                "the sheet is empty (choose one with data with --sheet)",
            )
            .into(),
            Problem::NoSuchSheet { sheet, found } => tr!(
                lang,
                "工作簿里没有名为 {} 的工作表（有：{}）",
                "the workbook has no sheet named {} (it has: {})",
                sheet,
                found
            ),
            Problem::NoFormat { lines, closest } => {
                let closest = match (closest, lang) {
                    (Closest::Delimited { delimiter, columns }, Lang::Zh) => format!(
                        "最接近的是{}分隔的表格（{}列），但没有认得的表头，也没有能读出时间的列：\
                         请加表头行，或用 --columns 指明各列（如 --columns \"text=4,ts=2\"）",
                        if *delimiter == '\t' {
                            "制表符"
                        } else {
                            "逗号"
                        },
                        columns
                    ),
                    (Closest::Delimited { delimiter, columns }, Lang::En) => format!(
                        "closest is a {}-separated table ({} columns), but it has no header kefu \
                         knows and no column of times: add a header row, or name the columns \
                         with --columns (e.g. --columns \"text=4,ts=2\")",
                        if *delimiter == '\t' { "tab" } else { "comma" },
                        columns
                    ),
                    (Closest::Json, Lang::Zh) => {
                        "最接近的是 JSONL，但第一行不是 JSON 对象：每行应是一个 {…} 对象".into()
                    }
                    (Closest::Json, Lang::En) => "closest is JSONL, but the first line is not a \
                                                  JSON object: each line must be one {…} object"
                        .into(),
                    (Closest::Text, Lang::Zh) => "没有一行像聊天记录的消息开头（如 \
                                                  \"顾客小王 2026-11-24 10:15:03\"）"
                        .into(),
                    (Closest::Text, Lang::En) => "no line starts a chat-log message (like \
                                                  \"顾客小王 2026-11-24 10:15:03\")"
                        .into(),
                };
                tr!(
                    lang,
                    "文件不是 kefu 能读的格式（试过 JSONL、CSV/制表符分隔、Excel、聊天记录），全部 {} \
                     行未读：{}",
                    "the file is in none of the formats kefu reads (tried JSONL, CSV/tab-separated, \
                     Excel, chat log); all {} lines skipped: {}",
                    lines,
                    closest
                )
            }
            Problem::UnmappedRole { value, mapped } => tr!(
                lang,
                "角色 {} 不在 --roles 的对应里（{}）",
                "role {} is not in the --roles mapping ({})",
                value,
                mapped
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One of every kind, in both languages: each wording is whole, and the Chinese one is not
    /// the English one.
    #[test]
    fn every_problem_reads_in_both_languages() {
        let all = [
            Problem::Unreadable("Is a directory (os error 21)".into()),
            Problem::ReadingStopped("Input/output error".into()),
            Problem::EmptyFile { blank_lines: false },
            Problem::EmptyFile { blank_lines: true },
            Problem::TooLong(Piece::Line),
            Problem::TooLong(Piece::Row),
            Problem::TooLong(Piece::HeaderRow),
            Problem::TooLong(Piece::Message),
            Problem::NotUtf8 {
                byte: Some(4),
                place: Some(Place::Column("\"发送方\"".into())),
            },
            Problem::NotUtf8 {
                byte: Some(1),
                place: Some(Place::HeaderColumn(2)),
            },
            Problem::NotUtf8 {
                byte: None,
                place: None,
            },
            Problem::NotJsonObject(None),
            Problem::NotJsonObject(Some(JsonSyntax::EndsEarly)),
            Problem::NotJsonObject(Some(JsonSyntax::At {
                detail: "expected ':'".into(),
                column: 7,
            })),
            Problem::Json("invalid value".into()),
            Problem::MissingField("ts"),
            Problem::EmptyCell {
                field: "role",
                column: "\"发送方\"".into(),
            },
            Problem::NotAString {
                field: "ts",
                found: Found::Number("1795521600".into()),
            },
            Problem::NotAString {
                field: "text",
                found: Found::Bool(true),
            },
            Problem::BadLatency {
                value: "-5".into(),
                negative: true,
            },
            Problem::BadLatency {
                value: "1e300".into(),
                negative: false,
            },
            Problem::UnknownRole("\"路人\"".into()),
            Problem::BadTimestamp("\"昨天\"".into()),
            Problem::EmptyText(Role::Agent),
            Problem::EmptyText(Role::Customer),
            Problem::OutOfOrder {
                conversation: "\"c1\"".into(),
            },
            Problem::FieldCount {
                expected: 6,
                found: 5,
            },
            Problem::NoSuchColumn {
                field: "text".into(),
                header: "\"消息正文\"".into(),
                found: "\"会话ID\"".into(),
            },
            Problem::MissingColumns {
                fields: vec!["conversation", "text"],
                found: "\"时间\"".into(),
            },
            Problem::StrayText { first: 1, last: 3 },
            Problem::StrayText { first: 9, last: 9 },
            Problem::NoText {
                speaker: "小美".into(),
            },
            Problem::NoConversationId,
            Problem::Dropped {
                cause: Box::new(Problem::TooLong(Piece::Line)),
                from: 2,
            },
            Problem::Workbook("invalid zip header".into()),
            Problem::EmptySheet,
            Problem::NoSuchSheet {
                sheet: "\"聊天\"".into(),
                found: "Sheet1".into(),
            },
            Problem::NoFormat {
                lines: 12,
                closest: Closest::Delimited {
                    delimiter: '\t',
                    columns: 5,
                },
            },
            Problem::NoFormat {
                lines: 3,
                closest: Closest::Json,
            },
            Problem::NoFormat {
                lines: 3,
                closest: Closest::Text,
            },
            Problem::UnmappedRole {
                value: "\"2\"".into(),
                mapped: "customer=0, agent=1".into(),
            },
        ];
        for p in &all {
            let (zh, en) = (p.describe(Lang::Zh), p.describe(Lang::En));
            assert!(!zh.is_empty() && !en.is_empty(), "{p:?}");
            assert_ne!(zh, en, "{p:?}");
            // The Chinese wording is Chinese: it has characters beyond the quoted values and
            // the fixed examples both languages show.
            let chinese = zh
                .chars()
                .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
                .count();
            let in_en = en
                .chars()
                .filter(|c| ('\u{4e00}'..='\u{9fff}').contains(c))
                .count();
            assert!(chinese > in_en, "{p:?}: {zh}");
        }
        assert_eq!(
            all[all.len() - 8].describe(Lang::Zh),
            "这一行超过 1048576 字节（1 MB）；从第2行开始的这条消息已丢弃"
        );
        assert_eq!(
            all[8].describe(Lang::Zh),
            "\"发送方\"列：第4个字节不是有效的 UTF-8（文件开头按 UTF-8 读取；如果其实是 GBK 编码，请加 --encoding gbk）"
        );
    }
}
