//! Timestamps as chat tools export them, read by hand: this runs once per message, so it does
//! no allocation and no regex.
//!
//! Accepted forms (surrounding whitespace ignored):
//! - a date `YYYY-MM-DD`, `YYYY/MM/DD` or `YYYY.MM.DD` (month and day may have one digit, as
//!   spreadsheets write them), then a space or `T`; or a Chinese date `YYYY年M月D日`, then a
//!   space or nothing,
//! - a time `HH:MM:SS` (one-digit hours allowed; seconds may be left out, as in `10:15`), with
//!   optional fractional seconds after `.` or `,` (dropped),
//! - an optional zone: `Z`, or `+HH:MM` / `-HH:MM` / `+HHMM` / `+HH`, optionally after one space.
//!
//! A time with a zone is converted to UTC; a time without one is taken as if it were UTC (only
//! differences between messages matter for scoring).

/// Seconds since the Unix epoch, or `None` when `s` is not one of the accepted forms or names an
/// impossible date or time.
pub fn parse_ts(s: &str) -> Option<i64> {
    parse_time(s).map(|t| t.secs)
}

/// A timestamp as read: when, whether it gave the seconds, and its zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamped {
    /// Seconds since the Unix epoch (see [`parse_ts`]).
    pub secs: i64,
    /// Written to the minute (`2026/5/1 9:11`, as Excel writes by default): the message was
    /// sent at some second of that minute.
    pub minute_only: bool,
    /// The zone written with it, east of UTC in seconds (0 when none): `secs + offset` is the
    /// wall-clock time, for service hours.
    pub offset: i32,
}

/// Reads a timestamp in any accepted form; `None` when `s` is not one of them or names an
/// impossible date or time.
pub fn parse_time(s: &str) -> Option<Stamped> {
    let stamp = match plain(s.as_bytes()) {
        Some(stamp) => stamp,
        None => general(s)?,
    };
    Some(Stamped {
        secs: stamp.seconds()?,
        minute_only: !stamp.has_seconds,
        offset: stamp.offset as i32,
    })
}

/// A timestamp's fields, before they are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    year: i64,
    month: i64,
    day: i64,
    hour: i64,
    minute: i64,
    second: i64,
    /// East of UTC, in seconds.
    offset: i64,
    has_seconds: bool,
}

impl Stamp {
    /// Seconds since the epoch, or `None` for an impossible date or time.
    fn seconds(self) -> Option<i64> {
        let s = self;
        if s.hour > 23 || s.minute > 59 || s.second > 60 {
            return None;
        }
        let days = days_of(s.year, s.month, s.day)?;
        Some(days * 86_400 + s.hour * 3600 + s.minute * 60 + s.second - s.offset)
    }
}

thread_local! {
    /// The last valid date read on this thread and its day number: a chat export's messages
    /// come a day at a time, so nearly every stamp has the date of the one before.
    static LAST_DATE: std::cell::Cell<(i64, i64, i64, i64)> =
        const { std::cell::Cell::new((i64::MIN, 0, 0, 0)) };
}

/// Days since the epoch of a date, or `None` for an impossible one.
fn days_of(year: i64, month: i64, day: i64) -> Option<i64> {
    let (y, m, d, days) = LAST_DATE.get();
    if (y, m, d) == (year, month, day) {
        return Some(days);
    }
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let days = days_from_civil(year, month, day);
    LAST_DATE.set((year, month, day, days));
    Some(days)
}

/// The form almost every export uses, `YYYY-MM-DD HH:MM:SS` (or with `/` or `T`), read at fixed
/// positions. Anything else goes to [`general`], which reads this form the same way.
fn plain(b: &[u8]) -> Option<Stamp> {
    let b: &[u8; 19] = b.try_into().ok()?;
    let sep = b[4];
    let shape = (sep == b'-' || sep == b'/')
        && b[7] == sep
        && matches!(b[10], b' ' | b'T' | b't')
        && b[13] == b':'
        && b[16] == b':';
    if !shape {
        return None;
    }
    let mut bad = false;
    let mut num = |from: usize, to: usize| {
        b[from..to].iter().fold(0i64, |n, &c| {
            let d = c.wrapping_sub(b'0');
            bad |= d > 9;
            n * 10 + i64::from(d)
        })
    };
    let stamp = Stamp {
        year: num(0, 4),
        month: num(5, 7),
        day: num(8, 10),
        hour: num(11, 13),
        minute: num(14, 16),
        second: num(17, 19),
        offset: 0,
        has_seconds: true,
    };
    (!bad).then_some(stamp)
}

/// Every accepted form, read field by field.
fn general(s: &str) -> Option<Stamp> {
    // A stamp that starts with a digit and ends with a digit or letter (`Z`) has nothing to
    // trim; only others pay for the Unicode-aware trim (which also takes the ideographic space
    // of Chinese exports).
    let bytes = s.as_bytes();
    let untrimmed = bytes.first().is_some_and(u8::is_ascii_digit)
        && bytes.last().is_some_and(u8::is_ascii_alphanumeric);
    let mut p = Scanner {
        b: if untrimmed {
            bytes
        } else {
            s.trim().as_bytes()
        },
        i: 0,
    };
    let year = p.digits(4, 4)?;
    let (month, day) = if p.eat_all("年".as_bytes()) {
        let month = p.digits(1, 2)?;
        p.eat_all("月".as_bytes()).then_some(())?;
        let day = p.digits(1, 2)?;
        p.eat_all("日".as_bytes()).then_some(())?;
        p.eat(b' ');
        (month, day)
    } else {
        let sep = p.one_of(b"-/.")?;
        let month = p.digits(1, 2)?;
        p.expect(sep)?;
        let day = p.digits(1, 2)?;
        p.one_of(b" Tt")?;
        (month, day)
    };
    let hour = p.digits(1, 2)?;
    p.expect(b':')?;
    let minute = p.digits(2, 2)?;
    let has_seconds = p.eat(b':');
    let second = if has_seconds { p.digits(2, 2)? } else { 0 };
    if p.eat(b'.') || p.eat(b',') {
        p.digits(1, 18)?;
        while p.peek().is_some_and(|c| c.is_ascii_digit()) {
            p.i += 1;
        }
    }
    let offset = p.zone()?;
    if p.i != p.b.len() {
        return None;
    }
    Some(Stamp {
        year,
        month,
        day,
        hour,
        minute,
        second,
        offset,
        has_seconds,
    })
}

/// Seconds since the epoch of a civil date and a second of its day (no checks).
pub(super) fn civil_seconds(year: i64, month: i64, day: i64, second_of_day: i64) -> i64 {
    days_from_civil(year, month, day) * 86_400 + second_of_day
}

/// Days from 1970-01-01 to a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// A cursor over the bytes of a timestamp.
struct Scanner<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    /// Takes `word` if it comes next.
    fn eat_all(&mut self, word: &[u8]) -> bool {
        if self.b[self.i..].starts_with(word) {
            self.i += word.len();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        self.eat(c).then_some(())
    }

    /// Takes one byte out of `set`, returning it.
    fn one_of(&mut self, set: &[u8]) -> Option<u8> {
        let c = self.peek().filter(|c| set.contains(c))?;
        self.i += 1;
        Some(c)
    }

    /// Reads between `min` and `max` decimal digits (at most 18, so no overflow).
    fn digits(&mut self, min: usize, max: usize) -> Option<i64> {
        let mut n = 0i64;
        let mut count = 0;
        while count < max {
            match self.peek() {
                Some(c) if c.is_ascii_digit() => {
                    n = n * 10 + i64::from(c - b'0');
                    self.i += 1;
                    count += 1;
                }
                _ => break,
            }
        }
        (count >= min).then_some(n)
    }

    /// An optional zone; returns its offset east of UTC in seconds (0 when absent).
    fn zone(&mut self) -> Option<i64> {
        let start = self.i;
        self.eat(b' ');
        match self.peek() {
            Some(b'Z' | b'z') => {
                self.i += 1;
                Some(0)
            }
            Some(sign @ (b'+' | b'-')) => {
                self.i += 1;
                let hours = self.digits(2, 2)?;
                let minutes = if self.eat(b':') || self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.digits(2, 2)?
                } else {
                    0
                };
                if hours > 23 || minutes > 59 {
                    return None;
                }
                let secs = hours * 3600 + minutes * 60;
                Some(if sign == b'-' { -secs } else { secs })
            }
            _ => {
                // No zone: a lone trailing space is not part of one.
                self.i = start;
                Some(0)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::{RngExt, SeedableRng};

    use super::*;

    /// 2026-11-24 12:00:00 UTC.
    const NOON: i64 = 1_795_521_600;

    #[test]
    fn naive_forms() {
        assert_eq!(parse_ts("2026-11-24 12:00:00"), Some(NOON));
        assert_eq!(parse_ts("2026/11/24 12:00:00"), Some(NOON));
        assert_eq!(parse_ts("2026-11-24T12:00:00"), Some(NOON));
        assert_eq!(parse_ts("  2026-11-24 12:00:07 "), Some(NOON + 7));
        assert_eq!(parse_ts("1970-01-01 00:00:00"), Some(0));
        assert_eq!(parse_ts("2000-02-29 00:00:00"), Some(951_782_400));
        assert_eq!(parse_ts("1969-12-31 23:59:59"), Some(-1));
    }

    #[test]
    fn spreadsheet_forms() {
        assert_eq!(parse_ts("2026/11/24 12:00"), Some(NOON));
        assert_eq!(
            parse_ts("2026/11/4 9:05:01"),
            Some(NOON - 20 * 86_400 - 3 * 3600 + 301)
        );
        assert_eq!(
            parse_ts("2026-1-5 12:00:00"),
            parse_ts("2026-01-05 12:00:00")
        );
        assert_eq!(parse_ts("2026.11.24 12:00:00"), Some(NOON));
    }

    #[test]
    fn minute_only_stamps_say_so() {
        let t = parse_time("2026/5/1 9:11").expect("a time");
        assert!(t.minute_only);
        assert_eq!(Some(t.secs), parse_ts("2026-05-01 09:11:00"));
        let t = parse_time("2026-05-01 09:11:00").expect("a time");
        assert!(!t.minute_only);
        let t = parse_time("2026-11-24T20:00:00+08:00").expect("a time");
        assert_eq!((t.secs, t.offset), (NOON, 8 * 3600));
        assert!(
            parse_time("2026年11月24日 12:00")
                .expect("a time")
                .minute_only
        );
    }

    #[test]
    fn epochs_format_back_to_what_they_were_read_from() {
        for s in [
            "1970-01-01 00:00:00",
            "2000-02-29 23:59:59",
            "2026-11-24 12:00:00",
            "1969-12-31 23:59:59",
            "2100-03-01 00:00:01",
        ] {
            assert_eq!(
                crate::session::clock::format_unix(parse_ts(s).expect("a time")),
                s
            );
        }
    }

    #[test]
    fn chinese_dates() {
        assert_eq!(parse_ts("2026年11月24日 12:00:00"), Some(NOON));
        assert_eq!(parse_ts("2026年11月24日12:00:00"), Some(NOON));
        assert_eq!(parse_ts("2026年11月24日 12:00"), Some(NOON));
        assert_eq!(
            parse_ts("2026年1月5日 9:05:01"),
            parse_ts("2026-01-05 09:05:01")
        );
        assert_eq!(parse_ts("2026年11月24日 20:00:00+08:00"), Some(NOON));
    }

    #[test]
    fn fractions_and_zones() {
        assert_eq!(parse_ts("2026-11-24 12:00:00.123"), Some(NOON));
        assert_eq!(parse_ts("2026-11-24T12:00:00,5"), Some(NOON));
        assert_eq!(parse_ts("2026-11-24T12:00:00Z"), Some(NOON));
        assert_eq!(parse_ts("2026-11-24T12:00:00.999999999Z"), Some(NOON));
        assert_eq!(parse_ts("2026-11-24T20:00:00+08:00"), Some(NOON));
        assert_eq!(parse_ts("2026-11-24 20:00:00+0800"), Some(NOON));
        assert_eq!(parse_ts("2026-11-24 20:00:00 +08:00"), Some(NOON));
        assert_eq!(parse_ts("2026-11-24T20:00:00.250+08"), Some(NOON));
        assert_eq!(parse_ts("2026-11-24T06:30:00-05:30"), Some(NOON));
        assert_eq!(parse_ts("2026-11-25T04:00:00+08:00"), Some(NOON + 8 * 3600));
    }

    #[test]
    fn the_fixed_position_form_reads_as_the_general_one() {
        // Every stamp of the plain form's shape, digits or not, with values in and out of range.
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let alphabet = b"0123456789-/: Tt9x";
        let mut fast_read = 0;
        for _ in 0..20_000 {
            let mut b: Vec<u8> = b"2026-11-24 12:00:00".to_vec();
            for _ in 0..rng.random_range(0..4) {
                let at = rng.random_range(0..b.len());
                b[at] = alphabet[rng.random_range(0..alphabet.len())];
            }
            if rng.random_bool(0.5) {
                let at = rng.random_range(0..b.len());
                b[at] = b'0' + rng.random_range(0..10u8);
            }
            let s = std::str::from_utf8(&b).unwrap();
            if let Some(fast) = plain(&b) {
                assert_eq!(Some(fast), general(s), "{s:?}");
                fast_read += 1;
            }
            assert_eq!(parse_ts(s), general(s).and_then(Stamp::seconds), "{s:?}");
        }
        assert!(fast_read > 5_000, "{fast_read}");
    }

    #[test]
    fn a_date_read_before_gives_the_same_day() {
        // The last date is remembered; reading it again, or another, changes nothing, and an
        // impossible time on a remembered date is still refused.
        let noon = parse_ts("2028-02-29 12:00:00").unwrap();
        assert_eq!(parse_ts("2028-02-29 12:00:01"), Some(noon + 1));
        assert_eq!(parse_ts("2028-02-29 24:00:00"), None);
        assert_eq!(parse_ts("2028-03-01 12:00:00"), Some(noon + 86_400));
        assert_eq!(parse_ts("2027-02-29 12:00:00"), None);
        assert_eq!(parse_ts("2028-02-29T12:00:00+08:00"), Some(noon - 8 * 3600));
        assert_eq!(days_from_civil(2028, 2, 29) * 86_400 + 12 * 3600, noon);
    }

    #[test]
    fn rejects_other_text() {
        for bad in [
            "",
            "24/11/2026",
            "24/11/2026 12:00:00",
            "2026-11-24",
            "2026-11/24 12:00:00",
            "2026.11/24 12:00:00",
            "2026年11月24日",
            "2026年11月24 12:00:00",
            "2026年11-24日 12:00:00",
            "2026年11月24日  12:00:00",
            "2026-13-01 00:00:00",
            "2026-02-29 00:00:00",
            "2026-04-31 00:00:00",
            "2026-11-24 24:00:00",
            "2026-11-24 12:60:00",
            "2026-11-24 12:00:61",
            "2026-11-24 12:00:00+25:00",
            "2026-11-24 12:00:00+8",
            "2026-11-24 12:00:00.",
            "2026-11-24 12:00:00 extra",
            "2026-11-24  12:00:00",
            "２０２６-11-24 12:00:00",
            "1764000000",
            "昨天 12:00",
        ] {
            assert_eq!(parse_ts(bad), None, "{bad:?}");
        }
    }
}
