//! Extractors that pull concrete facts out of one chat message: body measurements, clothing
//! sizes, money amounts and discounts, time commitments and the form of a question.
//!
//! Input is expected to have gone through [`text::normalize`] (ASCII digits, lower-case letters,
//! ASCII punctuation, simplified characters), but the extractors also cope with the most common
//! un-normalised forms (Chinese commas, upper-case units, `￥`). Nothing here panics on any
//! input, and all byte ranges returned lie on char boundaries of the input.

use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::Regex;

use super::text;

// ---------------------------------------------------------------------------------------------
// Number lexer shared by the extractors
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum NumKind {
    /// ASCII digits without a decimal point.
    Int,
    /// ASCII digits with a decimal point (`1.62`).
    Decimal,
    /// A run of Chinese numerals; `plain` when it has digits only (一六二, no 十/百/千).
    Chinese { plain: bool },
}

/// One number found in the text.
#[derive(Debug, Clone, Copy)]
struct Num {
    start: usize,
    end: usize,
    value: f64,
    kind: NumKind,
    /// Integer-part digit count for ASCII numbers, character count for Chinese runs.
    digits: usize,
}

impl Num {
    fn is_ascii(&self) -> bool {
        matches!(self.kind, NumKind::Int | NumKind::Decimal)
    }

    fn is_integer(&self) -> bool {
        matches!(self.kind, NumKind::Int | NumKind::Chinese { .. })
    }
}

/// Chinese numeral characters (digits and units), excluding ASCII digits.
#[inline]
fn is_cn_numeral(c: char) -> bool {
    !c.is_ascii() && (text::cn_digit(c).is_some() || text::cn_unit(c).is_some())
}

/// The Chinese numerals (all three-byte characters), for [`is_cn_numeral_code`].
const CN_NUMERALS: [char; 18] = [
    '零', '〇', '一', '二', '两', '兩', '三', '四', '五', '六', '七', '八', '九', '十', '百', '千',
    '万', '萬',
];

/// A filter on the low byte of a code point: set for the low bytes of [`CN_NUMERALS`], so most
/// characters are rejected by one bit test.
const CN_NUMERAL_LOW_BYTES: [u64; 4] = {
    let mut bits = [0u64; 4];
    let mut i = 0;
    while i < CN_NUMERALS.len() {
        let low = CN_NUMERALS[i] as u32 & 0xFF;
        bits[(low / 64) as usize] |= 1 << (low % 64);
        i += 1;
    }
    bits
};

/// [`is_cn_numeral`] of a three-byte character's code point.
#[inline]
fn is_cn_numeral_code(cp: u32) -> bool {
    let low = cp & 0xFF;
    CN_NUMERAL_LOW_BYTES[(low / 64) as usize] & (1 << (low % 64)) != 0
        && CN_NUMERALS.iter().any(|&c| c as u32 == cp)
}

/// The value of ASCII digits with an optional decimal point, as `str::parse::<f64>` gives it.
/// Up to 15 significant digits the digits are an exact integer and the power of ten is exact,
/// so one division rounds correctly; longer numbers go to the full parser.
fn decimal_value(s: &str) -> f64 {
    const POW10: [f64; 16] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
    ];
    let mut mantissa: u64 = 0;
    let mut digits = 0;
    let mut fraction: Option<usize> = None;
    for b in s.bytes() {
        match b {
            b'0'..=b'9' => {
                mantissa = mantissa * 10 + u64::from(b - b'0');
                digits += 1;
                if let Some(f) = fraction.as_mut() {
                    *f += 1;
                }
                if digits > 15 {
                    return s.parse().unwrap_or(f64::MAX);
                }
            }
            b'.' if fraction.is_none() => fraction = Some(0),
            _ => return s.parse().unwrap_or(f64::MAX),
        }
    }
    let value = mantissa as f64;
    match fraction {
        Some(f) => value / POW10[f],
        None => value,
    }
}

/// Iterates over the ASCII and Chinese numbers of a text without allocating.
struct NumIter<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> NumIter<'a> {
    fn new(text: &'a str) -> Self {
        NumIter { text, pos: 0 }
    }

    /// Continues lexing at `pos` (used when an extractor consumed text after a number).
    fn skip_to(&mut self, pos: usize) {
        if pos > self.pos && self.text.is_char_boundary(pos) {
            self.pos = pos;
        }
    }
}

impl Iterator for NumIter<'_> {
    type Item = Num;

    fn next(&mut self) -> Option<Num> {
        let bytes = self.text.as_bytes();
        while let Some(&b) = bytes.get(self.pos) {
            if b.is_ascii_digit() {
                let start = self.pos;
                let mut i = start;
                while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                }
                let digits = i - start;
                let mut kind = NumKind::Int;
                if bytes.get(i) == Some(&b'.') && bytes.get(i + 1).is_some_and(u8::is_ascii_digit) {
                    i += 1;
                    while bytes.get(i).is_some_and(u8::is_ascii_digit) {
                        i += 1;
                    }
                    kind = NumKind::Decimal;
                }
                self.pos = i;
                let value = self.text.get(start..i).map_or(f64::MAX, decimal_value);
                return Some(Num {
                    start,
                    end: i,
                    value,
                    kind,
                    digits,
                });
            }
            if b < 0x80 {
                self.pos += 1;
                continue;
            }
            // Every Chinese numeral is a three-byte character: others are skipped by their
            // lead byte without decoding.
            if b < 0xE0 {
                self.pos += 2;
                continue;
            }
            if b >= 0xF0 {
                self.pos += 4;
                continue;
            }
            if let (Some(&b1), Some(&b2)) = (bytes.get(self.pos + 1), bytes.get(self.pos + 2)) {
                let cp = (u32::from(b & 0x0F) << 12)
                    | (u32::from(b1 & 0x3F) << 6)
                    | u32::from(b2 & 0x3F);
                if !is_cn_numeral_code(cp) {
                    self.pos += 3;
                    continue;
                }
            }
            let rest = self.text.get(self.pos..)?;
            let c = rest.chars().next()?;
            if !is_cn_numeral(c) {
                self.pos += c.len_utf8();
                continue;
            }
            let start = self.pos;
            let mut end = start;
            let mut count = 0;
            let mut plain = true;
            for ch in rest.chars() {
                if !is_cn_numeral(ch) {
                    break;
                }
                if text::cn_unit(ch).is_some() {
                    plain = false;
                }
                end += ch.len_utf8();
                count += 1;
            }
            self.pos = end;
            if let Some(v) = self.text.get(start..end).and_then(text::chinese_number) {
                return Some(Num {
                    start,
                    end,
                    value: f64::from(v),
                    kind: NumKind::Chinese { plain },
                    digits: count,
                });
            }
        }
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Context helpers
// ---------------------------------------------------------------------------------------------

#[inline]
fn char_after(text: &str, pos: usize) -> Option<char> {
    text.get(pos..)?.chars().next()
}

#[inline]
fn char_before(text: &str, pos: usize) -> Option<char> {
    text.get(..pos)?.chars().next_back()
}

/// The ASCII letters directly before `pos` (possibly empty).
fn ascii_word_before(text: &str, pos: usize) -> &str {
    let Some(before) = text.get(..pos) else {
        return "";
    };
    let n = before
        .bytes()
        .rev()
        .take_while(u8::is_ascii_alphabetic)
        .count();
    before.get(before.len() - n..).unwrap_or("")
}

/// `s.ends_with(pat)`, comparing the last byte first: the phrase lists checked before every
/// number are long and a full comparison per entry would be the bulk of the work.
#[inline]
fn has_suffix(s: &str, pat: &str) -> bool {
    let (s, p) = (s.as_bytes(), pat.as_bytes());
    match (s.last(), p.last()) {
        (Some(a), Some(b)) => a == b && s.ends_with(p),
        (_, None) => true,
        (None, Some(_)) => false,
    }
}

/// Strips trailing spaces and the given filler words (repeatedly) from `s`.
fn strip_fillers<'a>(mut s: &'a str, fillers: &[&str]) -> &'a str {
    loop {
        let t = s.trim_end_matches([' ', '\t', ':', '：']);
        let t = fillers
            .iter()
            .find(|f| has_suffix(t, f))
            .and_then(|f| t.strip_suffix(f))
            .unwrap_or(t);
        if t.len() == s.len() {
            return s;
        }
        s = t;
    }
}

/// True if `s` starts with an ASCII digit (after nothing else).
#[inline]
fn starts_with_digit(s: &str) -> bool {
    s.as_bytes().first().is_some_and(u8::is_ascii_digit)
}

/// Whether a number ending at `end` continues as a time, date or range (`17:30`, `11-24`).
fn followed_by_clock_or_range(text: &str, end: usize) -> bool {
    let Some(rest) = text.get(end..) else {
        return false;
    };
    let mut chars = rest.chars();
    matches!(chars.next(), Some(':' | '：' | '-' | '~' | '.')) && starts_with_digit(chars.as_str())
}

/// Whether a number starting at `start` is the second half of a time, date, range or decimal.
fn preceded_by_clock_or_range(text: &str, start: usize) -> bool {
    let Some(before) = text.get(..start) else {
        return false;
    };
    let mut chars = before.chars();
    matches!(chars.next_back(), Some(':' | '：' | '-' | '~' | '.'))
        && chars
            .as_str()
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_digit())
}

/// A number starting at `start` glued to ASCII letters that are not a measurement unit
/// (`sku123`, `iphone15`, `xl110`).
fn glued_to_word(text: &str, start: usize) -> bool {
    let w = ascii_word_before(text, start);
    !w.is_empty()
        && !["cm", "kg", "kgs", "m", "mm"]
            .iter()
            .any(|u| w.eq_ignore_ascii_case(u))
}

/// `/84a`-style continuation of a 号型 size (`160/84a`).
fn followed_by_haoxing(text: &str, end: usize) -> Option<(u32, char, usize)> {
    let rest = text.get(end..)?;
    let after_slash = rest.strip_prefix('/')?;
    let n = after_slash.bytes().take_while(u8::is_ascii_digit).count();
    if !(2..=3).contains(&n) {
        return None;
    }
    let chest: u32 = after_slash.get(..n)?.parse().ok()?;
    let letter = after_slash.get(n..)?.chars().next()?;
    if !matches!(letter.to_ascii_lowercase(), 'a' | 'b' | 'y' | 'c') {
        return None;
    }
    let after_letter = after_slash.get(n + 1..).and_then(|s| s.chars().next());
    if after_letter.is_some_and(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    Some((chest, letter.to_ascii_uppercase(), end + 1 + n + 1))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    None,
    Cm,
    Mm,
    Meter,
    Kg,
    Jin,
    Gram,
    Yuan,
    Mao,
    Zhe,
    Percent,
    SizeMark,
    Other,
}

/// Units that may follow a number, longest first where they share a prefix.
const CJK_UNITS: &[(&str, Unit)] = &[
    ("厘米", Unit::Cm),
    ("公分", Unit::Cm),
    ("毫米", Unit::Mm),
    ("公斤", Unit::Kg),
    ("千克", Unit::Kg),
    ("斤", Unit::Jin),
    ("米", Unit::Meter),
    ("克", Unit::Gram),
    ("块钱", Unit::Yuan),
    ("块", Unit::Yuan),
    ("元", Unit::Yuan),
    ("人民币", Unit::Yuan),
    ("毛钱", Unit::Mao),
    ("毛", Unit::Mao),
    ("角", Unit::Mao),
    ("折", Unit::Zhe),
    ("%", Unit::Percent),
    ("％", Unit::Percent),
    ("码", Unit::SizeMark),
    ("号", Unit::SizeMark),
];

/// Counters and units that make a number a quantity, date, time, age … (never a measurement,
/// size or amount).
const OTHER_UNIT_CHARS: &str = "件双个条套包盒瓶次天日月年周岁时小分秒点位人层楼张只顶副对台支根颗粒袋箱单期倍成万千百届集页寸尺度份款色星";

/// ASCII words that are units when they follow a number after a space (`162 cm`).
fn is_unit_word(word: &str) -> bool {
    ["m", "g", "cm", "mm", "kg", "kgs", "rmb"]
        .iter()
        .any(|u| word.eq_ignore_ascii_case(u))
}

/// The unit directly after a number ending at `end` (up to two spaces allowed), with the byte
/// offset where the unit ends. A vague 多/来/余 between number and unit is skipped (100多斤).
fn unit_after(text: &str, end: usize) -> (Unit, usize) {
    let Some(rest) = text.get(end..) else {
        return (Unit::None, end);
    };
    let trimmed = rest.trim_start_matches(' ');
    let skipped = rest.len() - trimmed.len();
    if skipped > 2 {
        return (Unit::None, end);
    }
    let base = end + skipped;
    let Some(c) = trimmed.chars().next() else {
        return (Unit::None, end);
    };
    if c.is_ascii_alphabetic() {
        let n = trimmed.bytes().take_while(u8::is_ascii_alphabetic).count();
        let word = trimmed.get(..n).unwrap_or("");
        // "165 m码": the letter is a size, not a unit.
        if trimmed
            .get(n..)
            .is_some_and(|r| r.starts_with('码') || r.starts_with('号'))
        {
            return (Unit::None, end);
        }
        let unit = match word.len() {
            _ if skipped > 0 && !is_unit_word(word) => return (Unit::None, end),
            1 if word.eq_ignore_ascii_case("m") => Unit::Meter,
            1 if word.eq_ignore_ascii_case("g") => Unit::Gram,
            2 if word.eq_ignore_ascii_case("cm") => Unit::Cm,
            2 if word.eq_ignore_ascii_case("mm") => Unit::Mm,
            2 if word.eq_ignore_ascii_case("kg") => Unit::Kg,
            3 if word.eq_ignore_ascii_case("kgs") => Unit::Kg,
            3 if word.eq_ignore_ascii_case("rmb") => Unit::Yuan,
            _ => Unit::Other,
        };
        return (unit, base + n);
    }
    // 满99包邮: 包 is not a counter here.
    if trimmed.starts_with("包邮") {
        return (Unit::None, end);
    }
    // A vague 多/来/余 may stand between the number and its unit: 100多斤, 50来块.
    let (body, skip) = match trimmed.strip_prefix(['多', '来', '余']) {
        Some(b) if b.chars().next().is_some_and(|n| !n.is_ascii()) => (b, trimmed.len() - b.len()),
        _ => (trimmed, 0),
    };
    for &(pat, unit) in CJK_UNITS {
        if body.starts_with(pat) {
            return (unit, base + skip + pat.len());
        }
    }
    match body.chars().next() {
        Some(u) if OTHER_UNIT_CHARS.contains(u) || u == '¥' || u == '￥' => {
            (Unit::Other, base + skip + u.len_utf8())
        }
        _ => (Unit::None, end),
    }
}

/// Byte offset of a currency sign (`¥`, `￥`) right before `start`, spaces allowed.
fn currency_before(text: &str, start: usize) -> Option<usize> {
    let before = text.get(..start)?.trim_end_matches(' ');
    let c = before.chars().next_back()?;
    matches!(c, '¥' | '￥').then(|| before.len() - c.len_utf8())
}

// ---------------------------------------------------------------------------------------------
// Measurements
// ---------------------------------------------------------------------------------------------

/// A buyer's body measurements as stated in a message.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Measurements {
    pub height_cm: Option<f32>,
    pub weight_kg: Option<f32>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Label {
    None,
    Height,
    Weight,
    /// A label saying the number is something else (waist, price, order number …).
    Excluded,
}

/// Words that may stand between a label and its number (身高是162, 体重大概98).
const LABEL_FILLERS: &[&str] = &["是", "有", "大概", "大约", "约", "差不多", "在", "为", "都"];

/// Labels in front of a number, checked in order (longer labels before their suffixes).
const LABELS: &[(&str, Label)] = &[
    ("身高体重", Label::Height),
    ("身高/体重", Label::Height),
    ("身高和体重", Label::Height),
    ("身高,体重", Label::Height),
    ("身高", Label::Height),
    ("身长", Label::Height),
    ("个子", Label::Height),
    ("个头", Label::Height),
    ("净重", Label::Excluded),
    ("毛重", Label::Excluded),
    ("重量", Label::Excluded),
    ("体重", Label::Weight),
    ("价格", Label::Excluded),
    ("价", Label::Excluded),
    ("订单", Label::Excluded),
    ("单号", Label::Excluded),
    ("电话", Label::Excluded),
    ("手机", Label::Excluded),
    ("号码", Label::Excluded),
    ("尺码", Label::Excluded),
    ("库存", Label::Excluded),
    ("剩", Label::Excluded),
    ("满", Label::Excluded),
    ("减", Label::Excluded),
    ("便宜", Label::Excluded),
    ("优惠", Label::Excluded),
    ("返", Label::Excluded),
    ("补偿", Label::Excluded),
    ("补", Label::Excluded),
    ("省", Label::Excluded),
    ("降", Label::Excluded),
    ("少", Label::Excluded),
    ("退", Label::Excluded),
    ("第", Label::Excluded),
    ("共", Label::Excluded),
    ("拍", Label::Excluded),
    ("买", Label::Excluded),
    ("拿", Label::Excluded),
    ("选", Label::Excluded),
    ("穿", Label::Excluded),
    ("建议", Label::Excluded),
    ("推荐", Label::Excluded),
    ("要", Label::Excluded),
    ("换", Label::Excluded),
    ("¥", Label::Excluded),
    ("￥", Label::Excluded),
    ("$", Label::Excluded),
    ("#", Label::Excluded),
    ("*", Label::Excluded),
    ("×", Label::Excluded),
    // Garment and body dimensions other than height.
    ("围", Label::Excluded),
    ("长", Label::Excluded),
    ("宽", Label::Excluded),
    ("腰", Label::Excluded),
    ("胸", Label::Excluded),
    ("臀", Label::Excluded),
    ("肩", Label::Excluded),
    ("脚", Label::Excluded),
    ("鞋", Label::Excluded),
];

/// The label in front of a number starting at `start`, and where that label starts (or
/// `start` when there is none).
fn prefix_label(text: &str, start: usize) -> (Label, usize) {
    let Some(before) = text.get(..start) else {
        return (Label::None, start);
    };
    let b = strip_fillers(before, LABEL_FILLERS);
    for &(pat, label) in LABELS {
        if has_suffix(b, pat) {
            return (label, b.len() - pat.len());
        }
    }
    let mut rev = b.chars().rev();
    let last = rev.next();
    let prev = rev.next();
    match last {
        Some('高') if !prev.is_some_and(|p| "提最太很较挺偏更增抬升拔".contains(p)) => {
            (Label::Height, b.len() - '高'.len_utf8())
        }
        Some('重') if !prev.is_some_and(|p| "严沉很太较偏加注比隆庄慎尊看保贵稳厚".contains(p)) => {
            (Label::Weight, b.len() - '重'.len_utf8())
        }
        _ => (Label::None, start),
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum MeasureClass {
    Height(f32),
    Weight(f32),
    /// A plain 2–3 digit number without unit or label: meaning depends on its neighbours.
    Bare(u32),
    Excluded,
}

#[derive(Debug, Clone, Copy)]
struct MeasureToken {
    class: MeasureClass,
    /// Start of the token including its label.
    lead: usize,
    /// End of the token including its unit.
    end: usize,
}

/// Parses the part after 米 in 1米62 / 一米六 / 1米8: one digit means tens of cm, two digits
/// mean cm. Returns (cm, end offset).
fn meter_tail(text: &str, pos: usize) -> Option<(f64, usize)> {
    let rest = text.get(pos..)?;
    let mut n = 0;
    let mut val = 0u32;
    let mut end = pos;
    let mut chars = rest.chars().peekable();
    while let Some(&c) = chars.peek() {
        match text::cn_digit(c) {
            Some(d) => {
                n += 1;
                if n > 2 {
                    return None;
                }
                val = val * 10 + d;
                end += c.len_utf8();
                chars.next();
            }
            None => {
                if text::cn_unit(c).is_some() {
                    return None;
                }
                if c == '.' {
                    chars.next();
                    if chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                        return None;
                    }
                }
                break;
            }
        }
    }
    match n {
        1 => Some((f64::from(val * 10), end)),
        2 => Some((f64::from(val), end)),
        _ => None,
    }
}

/// Height written with 米/m: `1.62米`, `1.62m`, `1米62`, `一米六`, `1米` (kids). Outer `None`:
/// the number is not followed by a metre unit; inner `None`: it is, but is no height.
fn meter_height(text: &str, n: &Num) -> Option<Option<(f32, usize)>> {
    let mut rest = text.get(n.end..)?;
    let mut unit_at = n.end;
    if n.kind == NumKind::Decimal {
        // 1.62 米 / 1.62 m
        let t = rest.trim_start_matches(' ');
        if rest.len() - t.len() <= 2 {
            unit_at += rest.len() - t.len();
            rest = t;
        }
    }
    let (after_unit, letter_m) = if rest.starts_with('米') {
        (unit_at + '米'.len_utf8(), false)
    } else if n.is_ascii()
        && rest
            .as_bytes()
            .first()
            .is_some_and(|&b| b == b'm' || b == b'M')
        && !rest.as_bytes().get(1).is_some_and(u8::is_ascii_alphabetic)
    {
        (unit_at + 1, true)
    } else {
        return None;
    };
    if n.kind == NumKind::Decimal {
        if (0.5..=2.4).contains(&n.value) {
            let cm = (n.value * 1000.0).round() / 10.0;
            return Some(Some((cm as f32, after_unit)));
        }
        return Some(None);
    }
    if n.digits != 1 || !(n.value == 1.0 || n.value == 2.0) {
        return Some(None);
    }
    if let Some((tail, end)) = meter_tail(text, after_unit) {
        return Some(Some(((n.value * 100.0 + tail) as f32, end)));
    }
    if letter_m || n.value != 1.0 {
        return Some(None);
    }
    // 1米 / 一米 alone (a small child), unless 米 starts another word (米色, 一米阳光 …).
    match char_after(text, after_unit) {
        None => Some(Some((100.0, after_unit))),
        Some(c) if !c.is_alphanumeric() || "的左多出高个了啦呢吗穿体重".contains(c) => {
            Some(Some((100.0, after_unit)))
        }
        Some(_) => Some(None),
    }
}

/// Weight in kg for a number given without unit: more than 80 is 斤, 30..=80 is kg.
fn bare_weight(v: f64) -> Option<f32> {
    if v > 80.0 && v <= 300.0 {
        Some((v / 2.0) as f32)
    } else if (30.0..=80.0).contains(&v) {
        Some(v as f32)
    } else {
        None
    }
}

/// Whether a bare number next to a weight of `w` kg is plausibly the height.
fn bare_height_ok(v: u32, w: f32) -> bool {
    (140..=210).contains(&v) || ((60..=139).contains(&v) && w <= 40.0)
}

fn classify_measure(text: &str, n: &Num) -> (MeasureToken, usize) {
    let excluded = MeasureToken {
        class: MeasureClass::Excluded,
        lead: n.start,
        end: n.end,
    };
    // Years, order numbers, phone numbers.
    if n.is_ascii() && n.digits >= 4 {
        return (excluded, n.end);
    }
    if n.is_ascii() && (glued_to_word(text, n.start) || preceded_by_clock_or_range(text, n.start)) {
        return (excluded, n.end);
    }
    let (label, lead) = prefix_label(text, n.start);
    if label == Label::Excluded {
        return (excluded, n.end);
    }
    if let Some(m) = meter_height(text, n) {
        return match m {
            Some((cm, end)) => (
                MeasureToken {
                    class: MeasureClass::Height(cm),
                    lead,
                    end,
                },
                end,
            ),
            None => (excluded, n.end),
        };
    }
    let v = n.value;
    let (unit, unit_end) = unit_after(text, n.end);
    let class = match unit {
        Unit::Cm if (40.0..=230.0).contains(&v) => MeasureClass::Height(v as f32),
        Unit::Kg if (2.0..=250.0).contains(&v) => MeasureClass::Weight(v as f32),
        Unit::Jin if (4.0..=500.0).contains(&v) => MeasureClass::Weight((v / 2.0) as f32),
        Unit::None => {
            if followed_by_clock_or_range(text, n.end) || followed_by_haoxing(text, n.end).is_some()
            {
                MeasureClass::Excluded
            } else {
                match label {
                    Label::Height if (40.0..=230.0).contains(&v) => MeasureClass::Height(v as f32),
                    Label::Weight => {
                        bare_weight(v).map_or(MeasureClass::Excluded, MeasureClass::Weight)
                    }
                    Label::None if n.kind == NumKind::Int && (2..=3).contains(&n.digits) => {
                        MeasureClass::Bare(v as u32)
                    }
                    _ => MeasureClass::Excluded,
                }
            }
        }
        _ => MeasureClass::Excluded,
    };
    let end = if unit == Unit::None { n.end } else { unit_end };
    (MeasureToken { class, lead, end }, n.end)
}

/// Text allowed between two numbers that belong together (162 98, 162/98, 180,150斤).
fn gap_ok(text: &str, from: usize, to: usize) -> bool {
    if to < from {
        return false;
    }
    let Some(gap) = text.get(from..to) else {
        return false;
    };
    let mut count = 0;
    for c in gap.chars() {
        count += 1;
        if count > 6 || !" \t,/、;，；和跟与及&+的左右多个子高".contains(c) {
            return false;
        }
    }
    true
}

#[derive(Debug, Clone, Copy)]
enum Role {
    Height,
    Weight(f32),
    Bare(u32),
    Other,
}

/// Finds the buyer's height (cm) and weight (kg) in a message. The first value of each wins.
///
/// Understands units (cm/厘米/公分, kg/公斤/千克, 斤, 1米62/一米六/1.62m), labels (身高, 高,
/// 体重, 重, 身高体重) and bare pairs (`162 98`, `162/98`, `180,150斤`): a bare weight over 80
/// is taken as 斤, 30..=80 as kg. Prices, sizes, dates, times, quantities and long digit strings
/// are ignored.
pub fn measurements(text: &str) -> Measurements {
    let mut m = Measurements::default();
    let mut prev: Option<(Role, usize)> = None;
    let mut it = NumIter::new(text);
    while let Some(n) = it.next() {
        let (tok, resume) = classify_measure(text, &n);
        it.skip_to(resume);
        let prev_role = prev
            .filter(|&(_, end)| gap_ok(text, end, tok.lead))
            .map(|(role, _)| role);
        let role = match tok.class {
            MeasureClass::Height(h) => {
                m.height_cm.get_or_insert(h);
                Role::Height
            }
            MeasureClass::Weight(w) => {
                let bare_before = match prev_role {
                    Some(Role::Bare(pv)) => Some(pv),
                    _ => None,
                };
                if let Some(pv) =
                    bare_before.filter(|&pv| m.height_cm.is_none() && bare_height_ok(pv, w))
                {
                    m.height_cm = Some(pv as f32);
                }
                m.weight_kg.get_or_insert(w);
                Role::Weight(w)
            }
            MeasureClass::Bare(v) => match prev_role {
                Some(Role::Height) if m.weight_kg.is_none() => match bare_weight(f64::from(v)) {
                    Some(w) => {
                        m.weight_kg = Some(w);
                        Role::Weight(w)
                    }
                    None => Role::Bare(v),
                },
                Some(Role::Weight(w)) if m.height_cm.is_none() && bare_height_ok(v, w) => {
                    m.height_cm = Some(v as f32);
                    Role::Height
                }
                Some(Role::Bare(pv))
                    if m.height_cm.is_none()
                        && m.weight_kg.is_none()
                        && (140..=210).contains(&pv) =>
                {
                    match bare_weight(f64::from(v)) {
                        Some(w) => {
                            m.height_cm = Some(pv as f32);
                            m.weight_kg = Some(w);
                            Role::Weight(w)
                        }
                        None => Role::Bare(v),
                    }
                }
                _ => Role::Bare(v),
            },
            MeasureClass::Excluded => Role::Other,
        };
        if m.height_cm.is_some() && m.weight_kg.is_some() {
            break;
        }
        prev = Some((role, tok.end));
    }
    if m.height_cm.is_none() {
        m.height_cm = lone_height(text);
    }
    m
}

/// Words for a child, after which a bare number is the child's height ("女儿132", "孩子140").
const CHILD_WORDS: &[&str] = &[
    "孩子",
    "宝宝",
    "女儿",
    "儿子",
    "闺女",
    "外孙",
    "孙子",
    "孙女",
    "小孩",
    "娃",
    "宝贝",
    "老大",
    "老二",
    "小朋友",
    "男孩",
    "女孩",
    "侄子",
    "侄女",
    "外甥",
];

/// A height given without a label: a bare number after a child word ("孩子112", 50–170 cm),
/// after 我 ("我175", 140–200 cm), or 一米四五 / 1米2 spelt out.
fn lone_height(text: &str) -> Option<f32> {
    if let Some(h) = spelt_meters(text) {
        return Some(h);
    }
    let child = CHILD_WORDS.iter().any(|w| text.contains(w));
    for n in NumIter::new(text) {
        if n.kind != NumKind::Int || !(2..=3).contains(&n.digits) {
            continue;
        }
        let v = n.value as u32;
        let after = text.get(n.end..).unwrap_or("");
        if [
            "码", "号", "斤", "元", "块", "kg", "公斤", "cm的码", "/", "%", "件", "天", "岁",
        ]
        .iter()
        .any(|u| after.starts_with(u))
        {
            continue;
        }
        let before = text.get(..n.start).unwrap_or("");
        let sized_by = |w: &str| before.ends_with(w) || before.trim_end_matches(' ').ends_with(w);
        // "110的孩子", "孩子112": a child's height; "穿110", "拿120" are sizes.
        if child && (50..=170).contains(&v) && !["穿", "拿", "选", "买"].iter().any(|w| sized_by(w))
        {
            return Some(v as f32);
        }
        if (140..=200).contains(&v)
            && [
                "我",
                "本人",
                "老公",
                "男朋友",
                "女朋友",
                "老婆",
                "我妈",
                "我爸",
            ]
            .iter()
            .any(|w| sized_by(w))
        {
            return Some(v as f32);
        }
    }
    None
}

/// 一米四五, 一米六, 1米2: a height spelt with 米 and the digits after it.
fn spelt_meters(text: &str) -> Option<f32> {
    let at = text.find('米')?;
    let before = text[..at].chars().next_back()?;
    if !(before == '一' || before == '1') {
        return None;
    }
    let mut cm = 100;
    let mut digits = text[at + '米'.len_utf8()..]
        .chars()
        .map_while(|c| text::cn_digit(c).filter(|_| c != '十'));
    match (digits.next(), digits.next()) {
        (Some(d1), Some(d2)) => cm += d1 * 10 + d2,
        (Some(d1), None) => cm += d1 * 10,
        _ => return None,
    }
    (50..=210).contains(&cm).then_some(cm as f32)
}

// ---------------------------------------------------------------------------------------------
// Sizes
// ---------------------------------------------------------------------------------------------

/// A size named in a message.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeMention {
    /// Canonical form, see [`canonical_size`].
    pub size: String,
    /// Byte range of the size token in the text (without a following 码/号).
    pub range: Range<usize>,
}

/// Canonical letter size for an ASCII word (any case), e.g. `xxl` → `2XL`.
fn letter_size(word: &str) -> Option<&'static str> {
    if word.is_empty() || word.len() > 6 {
        return None;
    }
    let mut buf = [0u8; 6];
    for (d, s) in buf.iter_mut().zip(word.bytes()) {
        *d = s.to_ascii_lowercase();
    }
    Some(match buf.get(..word.len())? {
        b"xs" => "XS",
        b"s" => "S",
        b"m" => "M",
        b"l" => "L",
        b"xl" => "XL",
        b"xxl" | b"2xl" => "2XL",
        b"xxxl" | b"3xl" => "3XL",
        b"xxxxl" | b"4xl" => "4XL",
        b"xxxxxl" | b"5xl" => "5XL",
        b"6xl" => "6XL",
        _ => return None,
    })
}

/// Children's numeric sizes: 73 and multiples of 5 from 75 to 170.
fn is_kid_size(v: u32) -> bool {
    v == 73 || ((75..=170).contains(&v) && matches!(v % 10, 0 | 5))
}

/// Canonical form of a size as written by a buyer or a size chart: letter sizes upper-case with
/// the 2XL form (`xxl`, `XXL`, `2xl` → `2XL`), numeric sizes as digits (`110`), 号型 as
/// `160/84A`, one-size as `均码`. A trailing 码/号 is ignored (`M码` → `M`).
pub fn canonical_size(s: &str) -> Option<String> {
    let norm = text::normalize(s.trim());
    let t = norm.trim();
    if t == "均码" || t == "均号" {
        return Some("均码".to_string());
    }
    let t = t
        .strip_suffix('码')
        .or_else(|| t.strip_suffix('号'))
        .unwrap_or(t)
        .trim();
    if matches!(
        t,
        "f" | "free" | "freesize" | "free size" | "onesize" | "one size"
    ) {
        return Some("均码".to_string());
    }
    if let Some(l) = letter_size(t) {
        return Some(l.to_string());
    }
    if (2..=3).contains(&t.len()) && t.bytes().all(|b| b.is_ascii_digit()) {
        let v: u32 = t.parse().ok()?;
        return (50..=200).contains(&v).then(|| v.to_string());
    }
    let (a, b) = t.split_once('/')?;
    if !(2..=3).contains(&a.len()) || !a.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let height: u32 = a.parse().ok()?;
    let digits = b.bytes().take_while(u8::is_ascii_digit).count();
    if !(2..=3).contains(&digits) {
        return None;
    }
    let chest: u32 = b.get(..digits)?.parse().ok()?;
    let suffix = b.get(digits..)?;
    let letter = match suffix {
        "" => "",
        "a" => "A",
        "b" => "B",
        "y" => "Y",
        "c" => "C",
        _ => return None,
    };
    Some(format!("{height}/{chest}{letter}"))
}

/// Verbs and words that mark a following number as a size (建议拿120, 选130的).
const SIZE_VERBS: &[&str] = &["拿", "选", "穿", "买", "建议", "推荐", "要", "换", "拍"];
const SIZE_FILLERS: &[&str] = &[
    "您", "你", "个", "件", "条", "就", "可以", "先", "一个", "一件", "一条", "都", "还是", "是",
];

fn size_verb_before(text: &str, start: usize) -> bool {
    let Some(before) = text.get(..start) else {
        return false;
    };
    let b = strip_fillers(before, SIZE_FILLERS);
    SIZE_VERBS.iter().any(|v| has_suffix(b, v))
}

/// Whether a lone single-letter size at `start..end` sits in a context where it is a size.
fn letter_context_ok(text: &str, start: usize, end: usize, single: bool) -> bool {
    let next = char_after(text, end);
    if next.is_some_and(|c| c == '码' || c == '号') {
        return true;
    }
    let prev = char_before(text, start);
    // URLs, e-mail addresses, identifiers.
    if prev.is_some_and(|c| matches!(c, '.' | '@' | '_' | '\'' | '’' | '&' | '=')) {
        return false;
    }
    if next.is_some_and(|c| matches!(c, '@' | '_' | '=')) {
        return false;
    }
    if next == Some('.')
        && text
            .get(end + 1..)
            .and_then(|r| r.chars().next())
            .is_some_and(|c| c.is_ascii_alphabetic())
    {
        return false;
    }
    if single {
        // "1.62 m", "165 m": a unit after a number.
        let before = text.get(..start).unwrap_or("").trim_end_matches(' ');
        if before
            .bytes()
            .last()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.')
        {
            return false;
        }
    }
    true
}

/// Sizes named in a message, in text order, deduplicated by canonical size (first occurrence
/// kept): letter sizes as standalone tokens (m码, 拿xl, xl的), 号型 (160/84a), children's
/// numeric sizes when marked as a size (110码, 建议拿120, 选130的) and 均码.
pub fn size_mentions(text: &str) -> Vec<SizeMention> {
    let mut out: Vec<SizeMention> = Vec::new();
    for m in size_mentions_all(text) {
        if !out.iter().any(|o| o.size == m.size) {
            out.push(m);
        }
    }
    out
}

/// Every size named in a message, in text order, repeats included (a size's stance is read
/// where it stands: see [`super::read::size_stances`]).
pub fn size_mentions_all(text: &str) -> Vec<SizeMention> {
    let mut found: Vec<SizeMention> = Vec::new();
    let bytes = text.as_bytes();

    // Letter sizes: maximal ASCII alphanumeric runs that are exactly a size.
    let mut i = 0;
    while i < bytes.len() {
        // Eight bytes at a time through Chinese text: none of them is ASCII.
        if let Some(word) = bytes.get(i..i + 8) {
            let word = u64::from_le_bytes(word.try_into().unwrap_or([0; 8]));
            if word & 0x8080_8080_8080_8080 == 0x8080_8080_8080_8080 {
                i += 8;
                continue;
            }
        }
        if !bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            i += 1;
            continue;
        }
        let start = i;
        while bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            i += 1;
        }
        let Some(word) = text.get(start..i) else {
            continue;
        };
        if let Some(size) =
            letter_size(word).filter(|_| letter_context_ok(text, start, i, word.len() == 1))
        {
            found.push(SizeMention {
                size: size.to_string(),
                range: start..i,
            });
        }
    }

    // Numeric sizes and 号型, which are written in ASCII digits (only those are read below).
    let digits = bytes.iter().any(u8::is_ascii_digit);
    let mut it = NumIter::new(if digits { text } else { "" });
    while let Some(n) = it.next() {
        if n.kind != NumKind::Int || !(2..=3).contains(&n.digits) {
            continue;
        }
        if glued_to_word(text, n.start)
            || preceded_by_clock_or_range(text, n.start)
            || currency_before(text, n.start).is_some()
            || char_before(text, n.start) == Some('/')
        {
            continue;
        }
        let v = n.value as u32;
        if let Some((chest, letter, end)) = followed_by_haoxing(text, n.end) {
            if (50..=200).contains(&v) {
                found.push(SizeMention {
                    size: format!("{v}/{chest}{letter}"),
                    range: n.start..end,
                });
            }
            it.skip_to(end);
            continue;
        }
        if !is_kid_size(v) || followed_by_clock_or_range(text, n.end) {
            continue;
        }
        let marked = match unit_after(text, n.end).0 {
            Unit::SizeMark => true,
            Unit::None => {
                text.get(n.end..)
                    .is_some_and(|r| r.starts_with("的码") || r.starts_with("的号"))
                    || size_verb_before(text, n.start)
            }
            _ => false,
        };
        if marked {
            found.push(SizeMention {
                size: v.to_string(),
                range: n.start..n.end,
            });
        }
    }

    // Built once: making a searcher costs more than a search of a short reply.
    static ONE_SIZE: LazyLock<memchr::memmem::Finder<'static>> =
        LazyLock::new(|| memchr::memmem::Finder::new("均码"));
    for pos in ONE_SIZE.find_iter(text.as_bytes()) {
        found.push(SizeMention {
            size: "均码".to_string(),
            range: pos..pos + "均码".len(),
        });
    }

    found.sort_by_key(|m| m.range.start);
    found
}

// ---------------------------------------------------------------------------------------------
// Money
// ---------------------------------------------------------------------------------------------

/// An amount of money named in a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Amount {
    pub yuan: f64,
    /// Byte range including a currency sign before and the unit after the number.
    pub range: Range<usize>,
}

/// Words after which a bare number is money (减5, 便宜5, 到手价79).
const MONEY_VERBS: &[&str] = &[
    "减", "便宜", "少", "优惠", "返", "返现", "补偿", "补", "退", "降", "省", "让", "抵", "满",
    "差价", "赔", "赔偿", "价", "价格", "到手", "券后", "算",
];
const MONEY_FILLERS: &[&str] = &["您", "你", "了", "掉", "给", "亲", "到", "个"];

fn money_verb_before(text: &str, start: usize) -> bool {
    let Some(before) = text.get(..start) else {
        return false;
    };
    let b = strip_fillers(before, MONEY_FILLERS);
    if b.ends_with("评价") {
        return false;
    }
    MONEY_VERBS.iter().any(|v| has_suffix(b, v))
}

/// A single digit (ASCII or Chinese) at `pos` that is not followed by another digit: the 5 of
/// 5块5 / 三块五.
fn single_digit_at(text: &str, pos: usize) -> Option<(u32, usize)> {
    let mut chars = text.get(pos..)?.chars();
    let c = chars.next()?;
    let d = text::cn_digit(c)?;
    let next = chars.next();
    if next.is_some_and(|n| text::cn_digit(n).is_some() || text::cn_unit(n).is_some() || n == '.') {
        return None;
    }
    Some((d, pos + c.len_utf8()))
}

/// Money amounts in text order: `5元`, `5块`, `5块钱`, `¥5`, `五块`, `十元`, `3.5元`, `5块5`,
/// `5毛`, and bare numbers after 减/便宜/少/优惠/返/补偿/退/满 … (`减5`, `便宜5`). Discounts in
/// 折 and percentages are not amounts (see [`discount_rate`]).
pub fn money_amounts(text: &str) -> Vec<Amount> {
    let mut out = Vec::new();
    let mut it = NumIter::new(text);
    while let Some(n) = it.next() {
        if n.is_ascii()
            && (n.digits >= 9
                || glued_to_word(text, n.start)
                || preceded_by_clock_or_range(text, n.start))
        {
            continue;
        }
        let currency = currency_before(text, n.start);
        let start = currency.unwrap_or(n.start);
        let (unit, unit_end) = unit_after(text, n.end);
        match unit {
            Unit::Yuan => {
                let mut yuan = n.value;
                let mut end = unit_end;
                let unit_text = text.get(n.end..unit_end).unwrap_or("");
                let tail = if unit_text.ends_with('块') && n.is_integer() {
                    single_digit_at(text, end)
                } else {
                    None
                };
                if let Some((d, dend)) = tail {
                    yuan += f64::from(d) / 10.0;
                    end = dend;
                    if let Some(c @ ('毛' | '角')) = char_after(text, end) {
                        end += c.len_utf8();
                    }
                }
                out.push(Amount {
                    yuan,
                    range: start..end,
                });
                it.skip_to(end);
            }
            Unit::Mao if n.is_integer() && n.value <= 9.0 => out.push(Amount {
                yuan: n.value / 10.0,
                range: start..unit_end,
            }),
            Unit::None => {
                if followed_by_clock_or_range(text, n.end) {
                    continue;
                }
                // 减5, 便宜5, 少五十: a bare number after a money word.
                let numeral = n.is_ascii() || matches!(n.kind, NumKind::Chinese { .. });
                if currency.is_some() || (numeral && money_verb_before(text, n.start)) {
                    out.push(Amount {
                        yuan: n.value,
                        range: start..n.end,
                    });
                }
            }
            _ => {}
        }
    }
    out
}

/// The first discount rate written with 折: `9折`/`九折` → 0.9, `8.5折` → 0.85, `95折`/`九五折`
/// → 0.95. `None` when there is none.
pub fn discount_rate(text: &str) -> Option<f32> {
    for n in NumIter::new(text) {
        if !text.get(n.end..).is_some_and(|r| r.starts_with('折')) {
            continue;
        }
        let rate = match n.kind {
            NumKind::Int | NumKind::Chinese { plain: true } => match n.digits {
                1 => n.value / 10.0,
                2 => n.value / 100.0,
                _ => continue,
            },
            NumKind::Decimal if n.value < 10.0 => n.value / 10.0,
            _ => continue,
        };
        if rate > 0.0 && rate < 1.0 {
            return Some(rate as f32);
        }
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Time commitments
// ---------------------------------------------------------------------------------------------

const TIME_PATTERN: &str = concat!(
    // A day word, optionally with a part of the day and a clock time.
    r"(?:今天|今日|今晚|明天|明日|明早|明晚|后天|当天|当日)",
    r"(?:(?:上午|下午|晚上|中午|早上|傍晚|凌晨)?(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})(?:点|:[0-5][0-9])(?:半|[0-9]{1,2}分)?)?",
    r"(?:前|之前|以前|内|之内)?",
    // A part of the day with a clock time.
    r"|(?:上午|下午|晚上|中午|早上|傍晚|凌晨)(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3})(?:点|:[0-5][0-9])(?:半|[0-9]{1,2}分)?(?:前|之前|以前)?",
    // A bare clock time.
    r"|[0-9]{1,2}(?:点|:[0-5][0-9])(?:半|[0-9]{1,2}分)?(?:前|之前|以前)?",
    // Right now.
    r"|马上|立刻|立即|即刻|现在就|第一时间",
    // Durations.
    r"|(?:[0-9]{1,3}|[一二两三四五六七八九十半]{1,3})\s*个?\s*(?:小时|钟头|工作日)(?:内|之内|以内)?",
    r"|(?:[0-9]{1,3}|[一二两三四五六七八九十]{1,3})\s*(?:天|分钟)(?:内|之内|以内|后|之后)",
    r"|[0-9]{1,3}h(?:内|之内|以内)",
    // Weekdays and weeks.
    r"|(?:下周|下个周|本周|这周|周|星期|礼拜)[一二三四五六日天1-7]",
    r"|本周内|这周内|周末|月底前|下周",
);

static TIME_RE: LazyLock<Option<Regex>> = LazyLock::new(|| Regex::new(TIME_PATTERN).ok());

/// Every match of [`TIME_PATTERN`] contains one of these: a day word's 今/明/后/当, a clock's
/// 点 or `:`, 马上/立刻/立即/即刻/现在就/第一时间, a duration's 时/钟/工/天/分/`h`, a week's
/// 周/星/礼, or 月底. A text with none of them is no time commitment, and the regex is skipped.
const TIME_ANCHORS: &[&str] = &[
    "今", "明", "后", "当", "点", ":", "马", "立", "即", "现", "第", "时", "钟", "工", "天", "分",
    "h", "周", "星", "礼", "月",
];

/// The characters [`mentions_time_given`] needs to know about.
pub(crate) fn time_anchors() -> impl Iterator<Item = &'static str> {
    TIME_ANCHORS.iter().copied()
}

/// The first concrete time commitment in a message (今天, 明天上午, 马上, 24小时内, 3天内,
/// 下午5点前, 17点前, 1个工作日, 周一 …). Vague words like 尽快 do not count.
pub fn mentions_time(text: &str) -> Option<Range<usize>> {
    mentions_time_given(text, TIME_ANCHORS.iter().any(|a| text.contains(a)))
}

/// [`mentions_time`], told whether any of [`time_anchors`] occurs in `text` (by a phrasebook
/// that has read it already).
pub(crate) fn mentions_time_given(text: &str, has_anchor: bool) -> Option<Range<usize>> {
    if !has_anchor {
        return None;
    }
    let re = TIME_RE.as_ref()?;
    for m in re.find_iter(text) {
        let s = m.as_str();
        if starts_with_digit(s) {
            // A digit run glued to an earlier number (2024点, 3.5天) is not a time.
            if char_before(text, m.start()).is_some_and(|c| c.is_ascii_digit() || c == '.') {
                continue;
            }
            let hour_len = s.bytes().take_while(u8::is_ascii_digit).count();
            let after_hour = s.get(hour_len..).unwrap_or("");
            if after_hour.starts_with('点') || after_hour.starts_with(':') {
                let hour: u32 = s.get(..hour_len).and_then(|h| h.parse().ok()).unwrap_or(99);
                // "便宜1点" means "a bit cheaper".
                if hour > 24 || s == "1点" {
                    continue;
                }
            }
        }
        return Some(m.range());
    }
    None
}

// ---------------------------------------------------------------------------------------------
// Questions
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QWord {
    /// An open question word (什么, 哪, 多少 …).
    Open,
    /// A yes/no question form (有没有, 是不是 …).
    YesNo,
    /// Counts as an open question only in a clause that is marked as a question (? or 呢):
    /// 平时, 还是, and closing formulas like 有什么问题.
    OpenIfMarked,
    /// Looks like a question word but is not (没什么, 几乎, 哪怕 …).
    Not,
}

const Q_WORDS: &[(&str, QWord)] = &[
    ("什么", QWord::Open),
    ("啥", QWord::Open),
    ("哪", QWord::Open),
    ("怎么", QWord::Open),
    ("怎样", QWord::Open),
    ("咋", QWord::Open),
    ("如何", QWord::Open),
    ("多少", QWord::Open),
    ("几", QWord::Open),
    ("为什么", QWord::Open),
    ("为啥", QWord::Open),
    ("多大", QWord::Open),
    ("多高", QWord::Open),
    ("多重", QWord::Open),
    ("多长", QWord::Open),
    ("多宽", QWord::Open),
    ("多久", QWord::Open),
    ("是否", QWord::YesNo),
    ("有没有", QWord::YesNo),
    ("有木有", QWord::YesNo),
    ("要不要", QWord::YesNo),
    ("是不是", QWord::YesNo),
    ("能不能", QWord::YesNo),
    ("可不可以", QWord::YesNo),
    ("会不会", QWord::YesNo),
    ("行不行", QWord::YesNo),
    ("好不好", QWord::YesNo),
    ("对不对", QWord::YesNo),
    ("平时", QWord::OpenIfMarked),
    ("还是", QWord::OpenIfMarked),
    ("有什么问题", QWord::OpenIfMarked),
    ("有什么需要", QWord::OpenIfMarked),
    ("有什么疑问", QWord::OpenIfMarked),
    ("有什么不明白", QWord::OpenIfMarked),
    ("有什么不懂", QWord::OpenIfMarked),
    ("有啥问题", QWord::OpenIfMarked),
    ("没什么", QWord::Not),
    ("不是什么", QWord::Not),
    ("什么都", QWord::Not),
    ("什么也", QWord::Not),
    ("没啥", QWord::Not),
    ("啥都", QWord::Not),
    ("啥也", QWord::Not),
    ("不怎么", QWord::Not),
    ("怎么都", QWord::Not),
    ("怎么也", QWord::Not),
    ("哪怕", QWord::Not),
    ("哪里哪里", QWord::Not),
    ("哪儿都", QWord::Not),
    ("哪都", QWord::Not),
    ("哪里都", QWord::Not),
    ("几乎", QWord::Not),
    ("好几", QWord::Not),
    ("没几", QWord::Not),
    ("十几", QWord::Not),
    ("几十", QWord::Not),
    ("几百", QWord::Not),
    ("几千", QWord::Not),
    ("几万", QWord::Not),
    ("多少有", QWord::Not),
    ("或多或少", QWord::Not),
    ("差不多", QWord::Not),
];

static Q_AC: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| {
    AhoCorasick::builder()
        .kind(Some(AhoCorasickKind::DFA))
        .match_kind(MatchKind::LeftmostLongest)
        .build(Q_WORDS.iter().map(|&(p, _)| p))
        .ok()
});

/// The question-word kinds that make a message ask something, and those that make it an open
/// question.
const ASKING: &[QWord] = &[QWord::Open, QWord::YesNo];
const OPEN: &[QWord] = &[QWord::Open, QWord::OpenIfMarked];

/// Whether any question word of the given kinds occurs at all (a match of the leftmost-longest
/// search is always such an occurrence, so without one no search can report that kind).
fn any_q_word(text: &str, kinds: &'static [QWord]) -> bool {
    q_words_of(kinds).any(|w| text.contains(w))
}

fn q_words(text: &str) -> impl Iterator<Item = QWord> + '_ {
    Q_AC.as_ref().into_iter().flat_map(move |ac| {
        ac.find_iter(text)
            .filter_map(|m| Q_WORDS.get(m.pattern().as_usize()).map(|&(_, k)| k))
    })
}

/// Trailing characters that do not change whether a clause is a question.
fn trim_tail(s: &str) -> &str {
    s.trim_end_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '~' | '～' | '.' | '。' | '!' | '！' | '…' | '啊' | '呀' | '哈' | '哦' | '亲'
            )
    })
}

/// Whether `s` ends with the sentence-final particle 么 (not 这么/那么/什么 …).
fn ends_with_particle_me(s: &str) -> bool {
    let mut rev = s.chars().rev();
    rev.next() == Some('么') && !rev.next().is_some_and(|p| "这那要多什怎".contains(p))
}

/// Whether a message asks something: it contains `?`, the particle 吗, ends with 呢/么, or uses
/// a question word (什么, 多少, 哪, 几, 怎么, 是否, 有没有, 要不要 …).
pub fn is_question(text: &str) -> bool {
    is_question_given(
        text,
        text.contains(QUESTION_MARKS),
        any_q_word(text, ASKING),
    )
}

/// A question mark or the particle 吗 anywhere makes a message a question.
const QUESTION_MARKS: [char; 3] = ['?', '？', '吗'];

/// The marks [`is_question_given`] needs to know about, as phrases.
pub(crate) fn question_marks() -> impl Iterator<Item = String> {
    QUESTION_MARKS.iter().map(|c| c.to_string())
}

/// The question words [`is_question_given`] needs to know about (open and yes/no ones).
pub(crate) fn asking_words() -> impl Iterator<Item = &'static str> {
    q_words_of(ASKING)
}

/// The question words [`is_open_question_given`] needs to know about.
pub(crate) fn open_words() -> impl Iterator<Item = &'static str> {
    q_words_of(OPEN)
}

fn q_words_of(kinds: &'static [QWord]) -> impl Iterator<Item = &'static str> {
    Q_WORDS
        .iter()
        .filter(|(_, k)| kinds.contains(k))
        .map(|&(p, _)| p)
}

/// [`is_question`], told whether any of [`question_marks`] and of [`asking_words`] occurs in
/// `text` (by a phrasebook that has read it already).
pub(crate) fn is_question_given(text: &str, has_mark: bool, has_asking_word: bool) -> bool {
    if has_mark {
        return true;
    }
    let t = trim_tail(text);
    if t.ends_with('呢') || ends_with_particle_me(t) {
        return true;
    }
    has_asking_word && q_words(text).any(|k| matches!(k, QWord::Open | QWord::YesNo))
}

/// Whether a message asks an open question (什么, 哪, 怎么, 多少, 几, 如何, 平时 …) rather than
/// a yes/no one: a clause ending in 吗 is yes/no even when it contains a question word.
pub fn is_open_question(text: &str) -> bool {
    is_open_question_given(text, any_q_word(text, OPEN))
}

/// [`is_open_question`], told whether any of [`open_words`] occurs in `text`.
pub(crate) fn is_open_question_given(text: &str, has_open_word: bool) -> bool {
    if !has_open_word {
        return false;
    }
    let mut start = 0;
    let ends = text
        .char_indices()
        .filter(|&(_, c)| {
            matches!(
                c,
                '?' | '？' | '.' | '。' | '!' | '！' | ';' | '；' | ',' | '，' | '\n'
            )
        })
        .map(|(i, c)| (i, Some(c)))
        .chain(std::iter::once((text.len(), None)));
    for (i, term) in ends {
        let clause = text.get(start..i).unwrap_or("");
        start = i + term.map_or(0, char::len_utf8);
        let core = trim_tail(clause);
        if core.is_empty() || core.ends_with('吗') || ends_with_particle_me(core) {
            continue;
        }
        let marked = matches!(term, Some('?' | '？')) || core.ends_with('呢');
        let open = q_words(core).any(|k| k == QWord::Open || (marked && k == QWord::OpenIfMarked));
        if open {
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_sizes_are_found_at_any_offset_in_chinese_text() {
        for pad in 0..9 {
            for lead in 0..4 {
                let text = format!(
                    "{}{}建议您拿XL码，或者L码",
                    "a ".repeat(pad),
                    "亲".repeat(lead)
                );
                let sizes: Vec<String> = size_mentions(&text).into_iter().map(|m| m.size).collect();
                assert_eq!(sizes, ["XL", "L"], "{text}");
            }
        }
    }

    #[test]
    fn suffix_test_agrees_with_ends_with() {
        let texts = ["", "a", "身高", "我身高", "高", "体重是", "价格 ", "满"];
        let pats = ["", "高", "身高", "我身高", "是", " ", "a", "满"];
        for t in texts {
            for p in pats {
                assert_eq!(has_suffix(t, p), t.ends_with(p), "{t:?} {p:?}");
            }
        }
    }

    #[test]
    fn decimal_values_are_what_the_float_parser_reads() {
        let cases = [
            "0",
            "7",
            "162",
            "0.1",
            "0.3",
            "3.5",
            "99.99",
            "1.62",
            "007",
            "123456789012345",
            "1234567890123456",
            "12345678.9012345",
            "0.000000000000001",
            "9007199254740993",
            "98765432109876543210",
            "1.2345678901234567",
        ];
        for s in cases {
            let want: f64 = s.parse().unwrap();
            assert_eq!(decimal_value(s).to_bits(), want.to_bits(), "{s}");
        }
        let mut x: u64 = 12345;
        for _ in 0..20_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let int = (x >> 40) % 100_000;
            let frac_digits = ((x >> 20) % 8) as usize;
            let frac = (x >> 8) % 10u64.pow(frac_digits as u32);
            let s = if frac_digits == 0 {
                int.to_string()
            } else {
                format!("{int}.{frac:0frac_digits$}")
            };
            let want: f64 = s.parse().unwrap();
            assert_eq!(decimal_value(&s).to_bits(), want.to_bits(), "{s}");
        }
    }

    #[test]
    fn numeral_filter_agrees_with_the_numeral_tables() {
        for cp in 0x800..=0xFFFF {
            if let Some(c) = char::from_u32(cp) {
                assert_eq!(is_cn_numeral_code(cp), is_cn_numeral(c), "{c} U+{cp:04X}");
            }
        }
    }

    fn meas(raw: &str) -> (Option<f32>, Option<f32>) {
        let m = measurements(&text::normalize(raw));
        (m.height_cm, m.weight_kg)
    }

    #[test]
    fn measurement_cases() {
        let cases: &[(&str, Option<f32>, Option<f32>)] = &[
            // Adults, units and labels.
            ("亲，我一米六二，九十八斤，穿啥码", Some(162.0), Some(49.0)),
            ("身高165体重120", Some(165.0), Some(60.0)),
            ("165 55kg", Some(165.0), Some(55.0)),
            ("我老公180，150斤", Some(180.0), Some(75.0)),
            ("1米58 45公斤", Some(158.0), Some(45.0)),
            ("162，98", Some(162.0), Some(49.0)),
            ("162 98", Some(162.0), Some(49.0)),
            ("162/98", Some(162.0), Some(49.0)),
            ("身高体重162 105", Some(162.0), Some(52.5)),
            ("162cm", Some(162.0), None),
            ("162厘米", Some(162.0), None),
            ("162公分", Some(162.0), None),
            ("身高162", Some(162.0), None),
            ("高162的，穿什么码", Some(162.0), None),
            ("身高是162的", Some(162.0), None),
            ("1米62", Some(162.0), None),
            ("1米6", Some(160.0), None),
            ("我1米6的个子", Some(160.0), None),
            ("1.62米", Some(162.0), None),
            ("1.62m 50kg", Some(162.0), Some(50.0)),
            ("一米六", Some(160.0), None),
            ("一米七五，一百四十斤", Some(175.0), Some(70.0)),
            ("1米8，170斤", Some(180.0), Some(85.0)),
            ("１６２ｃｍ", Some(162.0), None),
            ("身高：165，体重：55", Some(165.0), Some(55.0)),
            ("165cm55KG", Some(165.0), Some(55.0)),
            ("身高一六二 体重九十八", Some(162.0), Some(49.0)),
            ("165cm 98", Some(165.0), Some(49.0)),
            ("55kg 165", Some(165.0), Some(55.0)),
            ("180左右，150斤左右", Some(180.0), Some(75.0)),
            ("165的个子，120斤", Some(165.0), Some(60.0)),
            ("身高165 xl合适吗", Some(165.0), None),
            ("1.62 m", Some(162.0), None),
            ("170/65kg", Some(170.0), Some(65.0)),
            ("身高一米七，体重一百三", Some(170.0), Some(65.0)),
            ("女 158 46kg 穿s还是m", Some(158.0), Some(46.0)),
            // Weights.
            ("98斤", None, Some(49.0)),
            ("九十八斤", None, Some(49.0)),
            ("一百斤", None, Some(50.0)),
            ("一百二十斤", None, Some(60.0)),
            ("一百二斤", None, Some(60.0)),
            ("两百斤的胖子能穿吗", None, Some(100.0)),
            ("49kg", None, Some(49.0)),
            ("49 KG", None, Some(49.0)),
            ("49公斤", None, Some(49.0)),
            ("49千克", None, Some(49.0)),
            ("体重98", None, Some(49.0)),
            ("体重55", None, Some(55.0)),
            ("重49", None, Some(49.0)),
            ("一百多斤", None, Some(50.0)),
            // Children.
            ("宝宝身高105", Some(105.0), None),
            ("孩子1米1", Some(110.0), None),
            ("宝宝一米一，穿多大", Some(110.0), None),
            ("九十五公分", Some(95.0), None),
            ("95cm", Some(95.0), None),
            ("孩子105公分", Some(105.0), None),
            ("宝宝1米，30斤", Some(100.0), Some(15.0)),
            ("女儿130，60斤", Some(130.0), Some(30.0)),
            // Not measurements.
            ("订单号 20261124008 79元 3件", None, None),
            ("¥79", None, None),
            ("79块", None, None),
            ("160/84a", None, None),
            ("110码", None, None),
            ("xl", None, None),
            ("下午17:30发货", None, None),
            ("11月24日", None, None),
            ("2026-11-24", None, None),
            ("买3双送2件", None, None),
            ("腰围70cm，衣长65cm", None, None),
            ("净重2kg", None, None),
            ("满300减30", None, None),
            ("这件79，那件99", None, None),
            ("一米阳光", None, None),
            ("米色有吗", None, None),
            ("sku123 iphone15", None, None),
            ("3米", None, None),
            ("提高10块", None, None),
            ("", None, None),
        ];
        for (input, h, w) in cases {
            assert_eq!(meas(input), (*h, *w), "input {input:?}");
        }
    }

    fn sizes(raw: &str) -> Vec<String> {
        size_mentions(&text::normalize(raw))
            .into_iter()
            .map(|m| m.size)
            .collect()
    }

    #[test]
    fn size_cases() {
        let cases: &[(&str, &[&str])] = &[
            ("建议您拿M码，喜欢宽松可以选l", &["M", "L"]),
            ("xxl和2xl", &["2XL"]),
            ("XXXL还是3XL", &["3XL"]),
            ("160/84A", &["160/84A"]),
            ("170/92b的有吗", &["170/92B"]),
            ("110码偏大吗", &["110"]),
            ("宝宝105cm", &[]),
            ("cm", &[]),
            ("kg mm ml sku xlarge", &[]),
            ("1.62m", &[]),
            ("身高1.62 m", &[]),
            ("m码", &["M"]),
            ("l号", &["L"]),
            ("拿xl", &["XL"]),
            ("xl的", &["XL"]),
            ("穿m", &["M"]),
            ("165 m码合适吗", &["M"]),
            ("建议拿120", &["120"]),
            ("选130的", &["130"]),
            ("120的码还有吗", &["120"]),
            ("要120块", &[]),
            ("拿120斤的", &[]),
            ("身高110", &[]),
            ("均码的吗", &["均码"]),
            ("s m l都有", &["S", "M", "L"]),
            ("m/l", &["M", "L"]),
            ("xs到4xl都有", &["XS", "4XL"]),
            ("it's ok", &[]),
            ("m.taobao.com", &[]),
            ("xl110", &[]),
            ("11号发货", &[]),
        ];
        for (input, want) in cases {
            assert_eq!(sizes(input), *want, "input {input:?}");
        }
    }

    #[test]
    fn size_ranges() {
        let t = text::normalize("建议您拿M码");
        let m = size_mentions(&t);
        assert_eq!(m.len(), 1);
        assert_eq!(t.get(m[0].range.clone()), Some("m"));
        let t = "号型160/84a";
        let m = size_mentions(t);
        assert_eq!(t.get(m[0].range.clone()), Some("160/84a"));
    }

    #[test]
    fn canonical_sizes() {
        let cases: &[(&str, Option<&str>)] = &[
            ("xxl", Some("2XL")),
            ("XXL", Some("2XL")),
            ("2xl", Some("2XL")),
            ("xxxl", Some("3XL")),
            ("3XL", Some("3XL")),
            ("xs", Some("XS")),
            ("m", Some("M")),
            ("M码", Some("M")),
            ("ＸＬ", Some("XL")),
            ("110", Some("110")),
            ("110码", Some("110")),
            ("160/84a", Some("160/84A")),
            ("160/84", Some("160/84")),
            ("均码", Some("均码")),
            ("free size", Some("均码")),
            ("", None),
            ("abc", None),
            ("9999", None),
            ("160/84q", None),
            ("码", None),
        ];
        for (input, want) in cases {
            assert_eq!(canonical_size(input).as_deref(), *want, "input {input:?}");
        }
    }

    fn money(raw: &str) -> Vec<f64> {
        money_amounts(&text::normalize(raw))
            .into_iter()
            .map(|a| a.yuan)
            .collect()
    }

    #[test]
    fn money_cases() {
        let cases: &[(&str, &[f64])] = &[
            ("给您便宜5块，再送一双袜子", &[5.0]),
            ("5元", &[5.0]),
            ("5块钱", &[5.0]),
            ("¥5", &[5.0]),
            ("￥5", &[5.0]),
            ("五块", &[5.0]),
            ("十元", &[10.0]),
            ("3.5元", &[3.5]),
            ("减5", &[5.0]),
            ("便宜5", &[5.0]),
            ("优惠10元", &[10.0]),
            ("少10块", &[10.0]),
            ("补偿您5元", &[5.0]),
            ("返5元", &[5.0]),
            ("20元红包", &[20.0]),
            ("5块5", &[5.5]),
            ("三块五", &[3.5]),
            ("5毛", &[0.5]),
            ("满100减5", &[100.0, 5.0]),
            ("满99包邮", &[99.0]),
            ("差5块包邮", &[5.0]),
            ("¥79.9", &[79.9]),
            ("两块钱", &[2.0]),
            ("好评价5星", &[]),
            ("到手价79，原价¥ 99", &[79.0, 99.0]),
            ("5折", &[]),
            ("打9折", &[]),
            ("便宜5个点", &[]),
            ("便宜一点", &[]),
            ("订单号20261124008", &[]),
            ("3件", &[]),
            ("162cm 98斤", &[]),
        ];
        for (input, want) in cases {
            assert_eq!(money(input), *want, "input {input:?}");
        }
        let t = "给您便宜5块钱";
        let a = money_amounts(t);
        assert_eq!(t.get(a[0].range.clone()), Some("5块钱"));
        let t = "原价￥99";
        let a = money_amounts(t);
        assert_eq!(t.get(a[0].range.clone()), Some("￥99"));
    }

    #[test]
    fn discount_cases() {
        let cases: &[(&str, Option<f32>)] = &[
            ("9折", Some(0.9)),
            ("九折", Some(0.9)),
            ("8.5折", Some(0.85)),
            ("打九五折", Some(0.95)),
            ("全场95折", Some(0.95)),
            ("五折", Some(0.5)),
            ("打折吗", None),
            ("十折", None),
            ("0折", None),
            ("5元", None),
        ];
        for (input, want) in cases {
            assert_eq!(
                discount_rate(&text::normalize(input)),
                *want,
                "input {input:?}"
            );
        }
    }

    #[test]
    fn time_cases() {
        let cases: &[(&str, Option<&str>)] = &[
            ("今天给您发出", Some("今天")),
            ("明天上午到", Some("明天")),
            ("今晚安排", Some("今晚")),
            ("马上给您处理", Some("马上")),
            ("立刻补发", Some("立刻")),
            ("24小时内发货", Some("24小时内")),
            ("48小时发货", Some("48小时")),
            ("2小时内回复您", Some("2小时内")),
            ("3天内到账", Some("3天内")),
            ("下午5点前发出", Some("下午5点前")),
            ("17点前下单当天发", Some("17点前")),
            ("1个工作日内处理", Some("1个工作日内")),
            ("周一发货", Some("周一")),
            ("今天下午5点前发", Some("今天下午5点前")),
            ("半小时内", Some("半小时内")),
            ("尽快给您处理", None),
            ("七天无理由退换", None),
            ("便宜1点吧", None),
            ("2024点", None),
            ("有货", None),
        ];
        for (input, want) in cases {
            let t = text::normalize(input);
            let got = mentions_time(&t).and_then(|r| t.get(r));
            assert_eq!(got, *want, "input {input:?}");
        }
    }

    #[test]
    fn question_cases() {
        // (text, is_question, is_open_question)
        let cases: &[(&str, bool, bool)] = &[
            ("有货吗", true, false),
            ("有货吗？", true, false),
            ("请问您平时穿什么码呢？", true, true),
            ("您身高体重多少", true, true),
            ("宝宝几岁了", true, true),
            ("您喜欢什么颜色", true, true),
            ("您是自己穿还是送人呢？", true, true),
            ("您平时穿衣风格呢？", true, true),
            ("有什么可以帮您的吗", true, false),
            ("要不要试试L码", true, false),
            ("是否需要开发票", true, false),
            ("有没有优惠", true, false),
            ("怎么洗", true, true),
            ("哪个颜色好看", true, true),
            ("如何退货", true, true),
            ("好的，马上给您发货", false, false),
            ("没什么问题", false, false),
            ("有什么问题随时联系我哦", false, false),
            ("有什么问题？", true, true),
            ("这款几乎不起球", false, false),
            ("好几个颜色", false, false),
            ("码数呢", true, false),
            ("谢谢亲", false, false),
            ("", false, false),
        ];
        for (input, q, open) in cases {
            let t = text::normalize(input);
            assert_eq!(is_question(&t), *q, "is_question {input:?}");
            assert_eq!(is_open_question(&t), *open, "is_open_question {input:?}");
        }
    }

    #[test]
    fn no_panics_on_odd_or_large_input() {
        let odd = [
            "\u{0}\u{FFFF}\u{10FFFF}米1米",
            "1米",
            "一米",
            "米",
            "1.",
            "1.5",
            ".5元",
            "¥",
            "/84a",
            "160/",
            "160/8",
            "9999999999999999999999999999999999999999元",
            "一百二十三万四千五百六十七块",
            "十十十十斤",
            "e\u{301}m码",
            "ｍ",
            "5块",
            "5块五毛",
            "😀162😀98😀",
        ];
        for s in odd {
            let _ = measurements(s);
            let _ = size_mentions(s);
            let _ = money_amounts(s);
            let _ = discount_rate(s);
            let _ = mentions_time(s);
            let _ = is_question(s);
            let _ = is_open_question(s);
        }
        let big =
            "亲，我一米六二，九十八斤，m码还是l码？便宜5块，今天发吗 160/84a 一".repeat(2_000);
        let m = measurements(&big);
        assert_eq!((m.height_cm, m.weight_kg), (Some(162.0), Some(49.0)));
        assert_eq!(size_mentions(&big).len(), 3);
        assert_eq!(money_amounts(&big).len(), 2_000);
        assert!(is_question(&big));
        let digits = "1".repeat(100_000);
        assert_eq!(measurements(&digits), Measurements::default());
        assert!(money_amounts(&digits).is_empty());
        let numerals = "一".repeat(100_000) + "斤";
        assert_eq!(measurements(&numerals), Measurements::default());
    }

    /// Deterministic pseudo-random strings over an alphabet of tricky characters: nothing may
    /// panic and every returned range must slice the input on char boundaries.
    #[test]
    fn fuzz_ranges_are_char_boundaries() {
        let alphabet: Vec<char> = "0123456789.:/-, mxlsckg米斤元块码号一二两六十百千万零身高体重拿建议便宜减¥￥折天小时点前今明吗呢什么几😀é\u{301}"
            .chars()
            .collect();
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..3_000 {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let len = (seed >> 58) as usize;
            let mut s = String::new();
            for _ in 0..len {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let idx = (seed >> 33) as usize % alphabet.len();
                s.push(alphabet[idx]);
            }
            let _ = measurements(&s);
            let _ = discount_rate(&s);
            let _ = is_question(&s);
            let _ = is_open_question(&s);
            for m in size_mentions(&s) {
                assert!(s.get(m.range.clone()).is_some(), "{s:?} {m:?}");
            }
            for a in money_amounts(&s) {
                assert!(s.get(a.range.clone()).is_some(), "{s:?} {a:?}");
            }
            if let Some(r) = mentions_time(&s) {
                assert!(s.get(r).is_some(), "{s:?}");
            }
            let _ = text::excerpt(&s, 3..7, 2);
        }
    }

    #[test]
    fn time_regex_compiles() {
        assert!(TIME_RE.is_some());
        assert!(Q_AC.is_some());
    }
}

#[cfg(test)]
mod lone_heights {
    #[test]
    fn heights_given_without_a_label() {
        for (t, h) in [
            ("给外孙买一米四五", Some(145.0)),
            ("孩子140运动裤拿哪个", Some(140.0)),
            ("我家老大135老二102各拿什么码", Some(135.0)),
            ("110的孩子穿110会不会短", Some(110.0)),
            ("孩子112拿110码可以吗", Some(112.0)),
            ("女儿132穿几码", Some(132.0)),
            ("我175穿l行吗", Some(175.0)),
            ("给女儿买她一米二", Some(120.0)),
            ("宝宝穿110码", None),
            ("订单号123456", None),
        ] {
            assert_eq!(super::measurements(t).height_cm, h, "{t}");
        }
    }
}
