//! JSONL: one JSON object per line, as `kefu train` saves transcripts (see
//! [`crate::transcript`]).
//!
//! Fields: `conversation` (a string, or a number taken as its decimal text), `ts`, `role`
//! (customer/agent/system or 顾客/买家/客服/卖家…), `text` (may be empty or absent on system
//! lines only); optional `agent`, `product` (a string or number), `event` and `latency_ms`.
//! Anything else (`scores`, `overall`, `dimensions`, `outcome`…) is skipped unread. A system line
//! without `event` gets one from its text (买家已下单 → `order_placed`). Blank lines are skipped.
//!
//! This is the hot path of `kefu score`: each line is parsed where it lies in the read buffer
//! (copied only when it straddles the buffer's end), its UTF-8 checked once with SIMD, read by a
//! hand-written visitor into borrowed strings (unknown fields are skipped without allocating),
//! and only the final [`Record`] owns its strings.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use serde::Deserializer;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, Visitor};

use super::{Fields, Item, Line, LineReader, build, not_utf8, role_of, unknown_role};
use crate::qa::problem::{Found, JsonSyntax, Piece, Problem};
use crate::qa::record::{BadLine, Record};

/// The records of a JSONL input.
pub(super) struct Records {
    file: Arc<str>,
    lines: LineReader,
    done: bool,
}

impl Records {
    pub(super) fn new(file: Arc<str>, reader: Box<dyn std::io::BufRead + Send>) -> Records {
        Records {
            file,
            lines: LineReader::new(reader),
            done: false,
        }
    }
}

impl Iterator for Records {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        while !self.done {
            match self.lines.read_in_place() {
                Ok(Line::Eof) => self.done = true,
                Ok(Line::Long) => {
                    return Some(Err(BadLine::new(
                        &self.file,
                        self.lines.number,
                        Problem::TooLong(Piece::Line),
                    )));
                }
                Ok(Line::Text) => {
                    let number = self.lines.number;
                    let line = self.lines.line();
                    if line.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    return Some(parse_line(&self.file, number, line));
                }
                Err(e) => {
                    self.done = true;
                    let problem = Problem::ReadingStopped(e.to_string());
                    return Some(Err(BadLine::new(
                        &self.file,
                        self.lines.number + 1,
                        problem,
                    )));
                }
            }
        }
        None
    }
}

/// Parses one non-blank line. The line's UTF-8 is checked once, with SIMD, before serde_json
/// reads it as a `str`.
fn parse_line(file: &Arc<str>, line: u64, bytes: &[u8]) -> Result<Record, BadLine> {
    let text = match simdutf8::basic::from_utf8(bytes) {
        Ok(t) => t,
        // The slower check says where the bad byte is.
        Err(_) => {
            return Err(match std::str::from_utf8(bytes) {
                Err(e) => BadLine::new(file, line, not_utf8(e, None)),
                Ok(_) => BadLine::new(
                    file,
                    line,
                    Problem::NotUtf8 {
                        byte: None,
                        place: None,
                    },
                ),
            });
        }
    };
    // A byte order mark inside the input: files joined with `cat`.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if !text.trim_start().starts_with('{') {
        return Err(BadLine::new(file, line, Problem::NotJsonObject(None)));
    }
    let mut raw = Raw::default();
    if let Err(e) = read_into(text, &mut raw) {
        let problem = raw.problem.take().unwrap_or_else(|| json_problem(&e));
        return Err(BadLine::new(file, line, problem));
    }
    let role = match raw.role.as_deref() {
        None => Err(missing("role")),
        Some(r) => role_of(r).ok_or_else(|| unknown_role(r)),
    };
    let fields = Fields {
        conversation: raw.conversation.as_deref(),
        ts: raw.ts.as_deref(),
        timeless: false,
        role,
        text: raw.text.as_deref(),
        agent: raw.agent.as_deref(),
        product: raw.product.as_deref(),
        event: raw.event.as_deref(),
        latency_ms: raw.latency_ms,
    };
    build(file, line, fields, missing)
}

fn missing(field: &'static str) -> Problem {
    Problem::MissingField(field)
}

/// A serde_json error as a problem, with the column but not the (always 1) line.
fn json_problem(e: &serde_json::Error) -> Problem {
    let full = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    let msg = full
        .strip_suffix(&suffix)
        .unwrap_or(&full)
        .replace('`', "'");
    match e.classify() {
        serde_json::error::Category::Eof => Problem::NotJsonObject(Some(JsonSyntax::EndsEarly)),
        serde_json::error::Category::Syntax => Problem::NotJsonObject(Some(JsonSyntax::At {
            detail: msg,
            column: e.column(),
        })),
        serde_json::error::Category::Data | serde_json::error::Category::Io => Problem::Json(msg),
    }
}

/// One line's fields, borrowed from the line where they have no escapes.
#[derive(Default)]
struct Raw<'a> {
    conversation: Option<Cow<'a, str>>,
    ts: Option<Cow<'a, str>>,
    role: Option<Cow<'a, str>>,
    text: Option<Cow<'a, str>>,
    agent: Option<Cow<'a, str>>,
    product: Option<Cow<'a, str>>,
    event: Option<Cow<'a, str>>,
    latency_ms: Option<u64>,
    /// Set by a field's visitor that refuses its value, to say why in the user's language (a
    /// serde error carries only English text).
    problem: Option<Problem>,
}

/// Reads a line's object into `raw`, as `serde_json::from_str` would make one: the fields are
/// written where they stay, rather than returned in a struct of seven strings that the layers
/// of a deserializer move several times per line.
fn read_into<'de>(text: &'de str, raw: &mut Raw<'de>) -> serde_json::Result<()> {
    let mut de = serde_json::Deserializer::from_str(text);
    RawSeed(raw).deserialize(&mut de)?;
    de.end()
}

/// Fills a [`Raw`] in place.
struct RawSeed<'r, 'de>(&'r mut Raw<'de>);

impl<'de> DeserializeSeed<'de> for RawSeed<'_, 'de> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for RawSeed<'_, 'de> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a chat message object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let raw = self.0;
        while let Some(key) = map.next_key::<Key>()? {
            let (slot, field, numbers) = match key {
                Key::Conversation => (&mut raw.conversation, "conversation", true),
                Key::Ts => (&mut raw.ts, "ts", false),
                Key::Role => (&mut raw.role, "role", false),
                Key::Text => (&mut raw.text, "text", false),
                Key::Agent => (&mut raw.agent, "agent", true),
                Key::Product => (&mut raw.product, "product", true),
                Key::Event => (&mut raw.event, "event", false),
                Key::LatencyMs => {
                    raw.latency_ms = map.next_value_seed(Latency(&mut raw.problem))?;
                    continue;
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = map.next_value_seed(Str {
                field,
                numbers,
                problem: &mut raw.problem,
            })?;
        }
        Ok(())
    }
}

/// The fields read; everything else is skipped.
enum Key {
    Conversation,
    Ts,
    Role,
    Text,
    Agent,
    Product,
    Event,
    LatencyMs,
    Other,
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_identifier(KeyVisitor)
    }
}

struct KeyVisitor;

impl Visitor<'_> for KeyVisitor {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Key, E> {
        Ok(match s {
            "conversation" => Key::Conversation,
            "ts" => Key::Ts,
            "role" => Key::Role,
            "text" => Key::Text,
            "agent" => Key::Agent,
            "product" => Key::Product,
            "event" => Key::Event,
            "latency_ms" => Key::LatencyMs,
            _ => Key::Other,
        })
    }
}

/// A string field, borrowed when it has no escapes; `null` is absent. With `numbers`, a number
/// is taken as its decimal text (numeric conversation and product ids).
struct Str<'p> {
    field: &'static str,
    numbers: bool,
    /// Where a refusal is explained.
    problem: &'p mut Option<Problem>,
}

impl<'de> DeserializeSeed<'de> for Str<'_> {
    type Value = Option<Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

/// Refuses a field's value: `problem` says why, in the slot its line reads it from; the error
/// only stops the parse (a serde error carries text, not a [`Problem`]).
fn refuse<E: de::Error>(slot: &mut Option<Problem>, problem: Problem) -> E {
    *slot = Some(problem);
    E::custom("refused")
}

impl Str<'_> {
    fn wrong<E: de::Error>(self, found: Found) -> E {
        let problem = Problem::NotAString {
            field: self.field,
            found,
        };
        refuse(self.problem, problem)
    }

    fn number<E: de::Error>(self, n: impl fmt::Display) -> Result<Option<Cow<'static, str>>, E> {
        if self.numbers {
            Ok(Some(Cow::Owned(n.to_string())))
        } else {
            Err(self.wrong(Found::Number(n.to_string())))
        }
    }
}

impl<'de> Visitor<'de> for Str<'_> {
    type Value = Option<Cow<'de, str>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "a string for \"{}\"", self.field)
    }

    fn visit_borrowed_str<E: de::Error>(self, s: &'de str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Borrowed(s)))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(s.to_string())))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Self::Value, E> {
        Ok(Some(Cow::Owned(s)))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        self.number(n)
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        self.number(n)
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        self.number(n)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Self::Value, E> {
        Err(self.wrong(Found::Bool(b)))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.wrong(Found::List))
    }

    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<Self::Value, A::Error> {
        Err(self.wrong(Found::Object))
    }
}

/// `latency_ms`: a non-negative number of milliseconds, or `null`; a refusal is explained in
/// the slot it holds.
struct Latency<'p>(&'p mut Option<Problem>);

impl Latency<'_> {
    fn wrong<E: de::Error>(self, value: String, negative: bool) -> E {
        refuse(self.0, Problem::BadLatency { value, negative })
    }
}

impl<'de> DeserializeSeed<'de> for Latency<'_> {
    type Value = Option<u64>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Latency<'_> {
    type Value = Option<u64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field \"latency_ms\" to be a number of milliseconds")
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Self::Value, E> {
        Ok(Some(n))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Self::Value, E> {
        match u64::try_from(n) {
            Ok(n) => Ok(Some(n)),
            Err(_) => Err(self.wrong(n.to_string(), true)),
        }
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Self::Value, E> {
        if n.is_finite() && n >= 0.0 && n < u64::MAX as f64 {
            // In range, so the cast neither wraps nor saturates.
            Ok(Some(n.round() as u64))
        } else {
            // Debug, not Display: 1e300 stays short rather than 301 digits.
            Err(self.wrong(format!("{n:?}"), n < 0.0))
        }
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::super::MAX_LINE_BYTES;
    use super::super::tests::{opts, read_all};
    use super::*;
    use crate::lang::Lang;
    use crate::transcript::{Message, Role};

    fn one(line: &str) -> Item {
        let items = read_all("chats.jsonl", line.as_bytes(), &opts());
        assert_eq!(items.len(), 1, "{items:?}");
        items.into_iter().next().expect("one item")
    }

    fn reason(line: &str) -> String {
        match one(line) {
            Ok(r) => panic!("expected a bad line, got {r:?}"),
            Err(b) => b.problem.describe(Lang::En),
        }
    }

    #[test]
    fn reads_a_plain_line() {
        let r = one(
            r#"{"conversation":"c1","ts":"2026-11-24 12:00:00","role":"customer","text":"我173，62kg，拿哪个码？","product":"men-tee"}"#,
        )
        .expect("a record");
        assert_eq!(r.conversation(), "c1");
        assert_eq!(r.ts, 1_795_521_600);
        assert_eq!(r.role, Role::Customer);
        assert_eq!(r.text(), "我173，62kg，拿哪个码？");
        assert_eq!(r.product(), Some("men-tee"));
        assert_eq!(r.agent(), None);
        assert_eq!(r.event(), None);
        assert_eq!(r.latency_ms, None);
        assert_eq!(r.line, 1);
    }

    #[test]
    fn reads_a_kefu_train_transcript() {
        // Written exactly as `kefu train --save` writes it.
        let mut out = Vec::new();
        let mut scores = std::collections::BTreeMap::new();
        scores.insert("speed".to_string(), Some(100.0));
        scores.insert("bargaining".to_string(), None);
        let session = "men-tee-self-20261124-101500-2";
        for m in [
            Message {
                conversation: session.into(),
                ts: "2026-11-24 10:15:00".into(),
                role: Some(Role::Customer),
                text: "我173，62kg，这件短袖拿哪个尺码？".into(),
                product: Some("men-tee".into()),
                ..Message::default()
            },
            Message {
                conversation: session.into(),
                ts: "2026-11-24 10:15:06".into(),
                role: Some(Role::Agent),
                text: "亲，看下尺码表哦\n\"L码\"".into(),
                agent: Some("小美".into()),
                product: Some("men-tee".into()),
                latency_ms: Some(6200),
                scores: Some(scores.clone()),
                ..Message::default()
            },
            Message {
                conversation: session.into(),
                ts: "2026-11-24 10:16:40".into(),
                role: Some(Role::System),
                text: String::new(),
                event: Some("session_end".into()),
                overall: Some(78.3),
                dimensions: Some(scores),
                outcome: Some(crate::transcript::OutcomeRecord {
                    result: "bought".into(),
                    order_value: Some(89.0),
                    mood: 71.0,
                }),
                ..Message::default()
            },
        ] {
            serde_json::to_writer(&mut out, &m).expect("serializes");
            out.push(b'\n');
        }
        let items = read_all("s.jsonl", &out, &opts());
        let recs: Vec<Record> = items.into_iter().map(|i| i.expect("a record")).collect();
        assert_eq!(recs.len(), 3);
        assert_eq!(recs[1].role, Role::Agent);
        assert_eq!(recs[1].text(), "亲，看下尺码表哦\n\"L码\"");
        assert_eq!(recs[1].agent(), Some("小美"));
        assert_eq!(recs[1].latency_ms, Some(6200));
        assert_eq!(recs[1].ts - recs[0].ts, 6);
        assert_eq!(recs[2].role, Role::System);
        assert_eq!(recs[2].text(), "");
        assert_eq!(recs[2].event(), Some("session_end"));
        assert_eq!(recs[2].line, 3);
    }

    #[test]
    fn accepts_chinese_roles_numbers_nulls_and_escapes() {
        let r = one(r#"{"conversation":12345,"ts":"2026-11-24T20:00:00+08:00","role":"客服","text":"\u4eb2\uff0c\u5728\u7684","agent":"小美","product":605512345678,"event":null}"#)
            .expect("a record");
        assert_eq!(r.conversation(), "12345");
        assert_eq!(r.ts, 1_795_521_600);
        assert_eq!(r.role, Role::Agent);
        assert_eq!(r.text(), "亲，在的");
        assert_eq!(r.product(), Some("605512345678"));
        assert_eq!(r.event(), None);
        let r = one(r#" {"role":"买家","text":"在吗","ts":"2026/11/24 12:00:00","conversation":" c9 ","agent":""} "#)
            .expect("a record");
        assert_eq!(r.role, Role::Customer);
        assert_eq!(r.conversation(), "c9");
        assert_eq!(r.agent(), None);
    }

    #[test]
    fn system_lines_may_lack_text_and_get_events_from_it() {
        let r = one(r#"{"conversation":"c1","ts":"2026-11-24 12:00:00","role":"system","text":"买家已下单"}"#)
            .expect("a record");
        assert_eq!(r.event(), Some("order_placed"));
        let r = one(r#"{"conversation":"c1","ts":"2026-11-24 12:00:00","role":"系统","event":"session_end"}"#)
            .expect("a record");
        assert_eq!(r.text(), "");
        assert_eq!(r.event(), Some("session_end"));
    }

    #[test]
    fn bad_lines_say_why() {
        let ok =
            r#""conversation":"c1","ts":"2026-11-24 12:00:00","role":"customer","text":"在吗""#;
        assert_eq!(
            reason(r#"{"conversation":"c1","ts":"2026-11-24 12:00:00" "role":"customer"}"#),
            "line is not a JSON object: expected ',' or '}' at column 49"
        );
        assert_eq!(
            reason(r#"{"conversation":"c1","ts":"#),
            "line is not a JSON object: it ends before the object is closed"
        );
        assert_eq!(reason("[1,2]"), "line is not a JSON object");
        assert_eq!(reason("顾客：在吗"), "line is not a JSON object");
        assert_eq!(
            reason(&format!("{{{ok}}} x")),
            "line is not a JSON object: trailing characters at column 84"
        );
        assert_eq!(
            reason(r#"{"conversation":"c1","role":"customer","text":"在吗"}"#),
            "missing field \"ts\""
        );
        assert_eq!(
            reason(r#"{"ts":"2026-11-24 12:00:00","role":"customer","text":"在吗"}"#),
            "missing field \"conversation\""
        );
        assert_eq!(
            reason(r#"{"conversation":"c1","ts":"2026-11-24 12:00:00","text":"在吗"}"#),
            "missing field \"role\""
        );
        assert_eq!(
            reason(r#"{"conversation":"c1","ts":"2026-11-24 12:00:00","role":"agent"}"#),
            "missing field \"text\""
        );
        assert_eq!(
            reason(r#"{"conversation":"c1","ts":"2026-11-24 12:00:00","role":"agent","text":" "}"#),
            "empty text in a message from an agent"
        );
        assert_eq!(
            reason(
                r#"{"conversation":"c1","ts":"2026-11-24 12:00:00","role":"路人","text":"在吗"}"#
            ),
            "unknown role \"路人\" (expected customer/agent/system or 顾客/买家/客服/卖家)"
        );
        assert_eq!(
            reason(r#"{"conversation":"c1","ts":"24/11/2026","role":"customer","text":"在吗"}"#),
            "unparsable timestamp \"24/11/2026\""
        );
        assert_eq!(
            reason(r#"{"conversation":"c1","ts":1795521600,"role":"customer","text":"在吗"}"#),
            "field \"ts\" should be a string like \"2026-11-24 10:15:03\", not the number 1795521600"
        );
        assert_eq!(
            reason(
                r#"{"conversation":"c1","ts":"2026-11-24 12:00:00","role":"customer","text":["在吗"]}"#
            ),
            "field \"text\" should be a string, not a list"
        );
        assert_eq!(
            reason(&format!(r#"{{{ok},"latency_ms":-5}}"#)),
            "field \"latency_ms\" is negative: -5"
        );
        assert!(reason(&format!(r#"{{{ok},"latency_ms":"5"}}"#)).contains("latency_ms"));
    }

    /// A value a field's visitor refuses is told by its own problem, in either language; the
    /// parser's error text is not used.
    #[test]
    fn refused_values_are_typed_problems() {
        let ok =
            r#""conversation":"c1","ts":"2026-11-24 12:00:00","role":"customer","text":"在吗""#;
        let problem = |line: &str| match one(line) {
            Ok(r) => panic!("expected a bad line, got {r:?}"),
            Err(b) => b.problem,
        };
        assert_eq!(
            problem(&format!(r#"{{{ok},"latency_ms":1e300}}"#)),
            Problem::BadLatency {
                value: "1e300".into(),
                negative: false
            }
        );
        assert_eq!(
            problem(&format!(r#"{{{ok},"latency_ms":-5}}"#)),
            Problem::BadLatency {
                value: "-5".into(),
                negative: true
            }
        );
        let p = problem(r#"{"conversation":"c1","ts":true,"role":"customer","text":"在吗"}"#);
        assert_eq!(
            p,
            Problem::NotAString {
                field: "ts",
                found: Found::Bool(true)
            }
        );
        assert_eq!(
            p.describe(Lang::Zh),
            "字段 \"ts\" 应为字符串，例如 \"2026-11-24 10:15:03\"，实际是布尔值 true"
        );
        let p = problem(
            r#"{"conversation":{"id":1},"ts":"2026-11-24 12:00:00","role":"customer","text":"在吗"}"#,
        );
        assert_eq!(
            p,
            Problem::NotAString {
                field: "conversation",
                found: Found::Object
            }
        );
    }

    #[test]
    fn reading_goes_on_after_bad_lines() {
        let good =
            r#"{"conversation":"c1","ts":"2026-11-24 12:00:00","role":"customer","text":"在吗"}"#;
        let mut data = Vec::new();
        data.extend(format!("{good}\n\n   \n{{oops\n").as_bytes());
        data.extend(
            br#"{"conversation":"c1","ts":"2026-11-24 12:00:00","role":"customer","text":"a"#,
        );
        data.extend(b"\xE5\x9C\xFF\"}\n");
        data.extend(format!("{good}\r\n\u{feff}{good}").as_bytes());
        let items = read_all("x.jsonl", &data, &opts());
        let summary: Vec<String> = items
            .iter()
            .map(|i| match i {
                Ok(r) => format!("ok {}", r.line),
                Err(b) => b.message(Lang::En),
            })
            .collect();
        assert_eq!(summary.len(), 5, "{summary:?}");
        assert_eq!(summary[0], "ok 1");
        assert!(summary[1].starts_with("x.jsonl:4: line is not a JSON object: "));
        assert!(
            summary[2].starts_with("x.jsonl:5: not valid UTF-8 at byte 76"),
            "{}",
            summary[2]
        );
        assert_eq!(summary[3], "ok 6");
        assert_eq!(summary[4], "ok 7");
    }

    #[test]
    fn a_ten_megabyte_line_is_skipped() {
        let good =
            r#"{"conversation":"c1","ts":"2026-11-24 12:00:00","role":"customer","text":"在吗"}"#;
        let mut data = format!("{good}\n").into_bytes();
        data.extend(
            br#"{"conversation":"c1","ts":"2026-11-24 12:00:00","role":"customer","text":""#,
        );
        data.extend(std::iter::repeat_n(b'a', 10 << 20));
        data.extend(b"\"}\n");
        data.extend(format!("{good}\n").as_bytes());
        let items = read_all("big.jsonl", &data, &opts());
        assert_eq!(items.len(), 3);
        assert!(items[0].is_ok());
        let b = items[1].as_ref().expect_err("a bad line");
        assert_eq!(b.loc.line, 2);
        assert_eq!(
            b.problem.describe(Lang::En),
            format!("line is longer than {MAX_LINE_BYTES} bytes (skipped)")
        );
        assert_eq!(items[2].as_ref().map(|r| r.line).ok(), Some(3));
    }

    #[test]
    fn lines_across_the_read_buffer_read_the_same() {
        // Small buffers split most lines, so they take the copying path; a large one holds
        // them all in place. Both must give the same records and bad lines.
        let good =
            r#"{"conversation":"c1","ts":"2026-11-24 12:00:00","role":"customer","text":"在吗"}"#;
        let mut data = format!("{good}\r\n\n{{oops\n\u{feff}{good}\n").into_bytes();
        data.extend(b"{\"text\":\"\xE5\x9C\xFF\"}\n");
        data.extend(good.as_bytes());
        let read = |capacity: usize| -> Vec<String> {
            let src =
                std::io::BufReader::with_capacity(capacity, std::io::Cursor::new(data.clone()));
            super::super::read("x.jsonl".into(), Box::new(src), &opts())
                .items
                .map(|i| format!("{i:?}"))
                .collect()
        };
        let whole = read(1 << 16);
        assert_eq!(whole.len(), 5, "{whole:#?}");
        for capacity in [7, 64, 100] {
            assert_eq!(read(capacity), whole, "buffer of {capacity} bytes");
        }
    }
}
