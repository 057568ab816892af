//! The clock a session reads, injected so that tests control time.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

pub trait Clock: Send + Sync {
    /// Milliseconds on a monotonic scale (only differences matter).
    fn now_ms(&self) -> u64;
    /// Seconds since the Unix epoch, for timestamps.
    fn unix_s(&self) -> i64;

    /// "YYYY-MM-DD HH:MM:SS" in UTC.
    fn timestamp(&self) -> String {
        format_unix(self.unix_s())
    }

    /// The timestamp of an earlier moment on the [`Clock::now_ms`] scale (a nudge the customer
    /// sent while the trainee was typing, logged when the reply arrives).
    fn timestamp_at(&self, ms: u64) -> String {
        let ago_s = self.now_ms().saturating_sub(ms) / 1000;
        format_unix(self.unix_s() - ago_s as i64)
    }

    /// "YYYYMMDD-HHMMSS", for file and conversation names.
    fn compact_stamp(&self) -> String {
        self.timestamp()
            .replace('-', "")
            .replace(' ', "-")
            .replace(':', "")
    }
}

/// The real clock, or the real clock sped up (`scale` times faster: a customer's patience and
/// nudges tried out in seconds, and the trainer's timed tests).
#[derive(Debug)]
pub struct SystemClock {
    start: Instant,
    start_unix_s: i64,
    scale: f64,
}

impl Default for SystemClock {
    fn default() -> Self {
        SystemClock::scaled(1.0)
    }
}

impl SystemClock {
    /// A clock running `scale` times as fast as the wall clock (1 is real time; values that
    /// are not finite and positive count as 1).
    pub fn scaled(scale: f64) -> Self {
        SystemClock {
            start: Instant::now(),
            start_unix_s: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
            scale: if scale.is_finite() && scale > 0.0 {
                scale
            } else {
                1.0
            },
        }
    }

    /// How much faster than the wall clock this clock runs.
    pub fn scale(&self) -> f64 {
        self.scale
    }
}

impl Clock for SystemClock {
    fn now_ms(&self) -> u64 {
        (self.start.elapsed().as_secs_f64() * 1000.0 * self.scale) as u64
    }
    fn unix_s(&self) -> i64 {
        self.start_unix_s + (self.now_ms() / 1000) as i64
    }
}

/// A clock that moves only when told to (tests, scripted sessions). Shared between threads
/// (a test advances it while a session holds it).
#[derive(Debug)]
pub struct FixedClock {
    ms: AtomicU64,
    epoch_s: i64,
}

impl FixedClock {
    pub fn new(epoch_s: i64) -> Self {
        FixedClock {
            ms: AtomicU64::new(0),
            epoch_s,
        }
    }
    pub fn advance_ms(&self, ms: u64) {
        self.ms.fetch_add(ms, Ordering::Relaxed);
    }
}

impl Clock for FixedClock {
    fn now_ms(&self) -> u64 {
        self.ms.load(Ordering::Relaxed)
    }
    fn unix_s(&self) -> i64 {
        self.epoch_s + (self.now_ms() / 1000) as i64
    }
}

/// Formats Unix seconds as "YYYY-MM-DD HH:MM:SS" (UTC), by the civil-from-days algorithm.
pub fn format_unix(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (h, m, s) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{d:02} {h:02}:{m:02}:{s:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_dates() {
        assert_eq!(format_unix(0), "1970-01-01 00:00:00");
        assert_eq!(format_unix(1_795_521_600), "2026-11-24 12:00:00");
        assert_eq!(format_unix(951_782_400), "2000-02-29 00:00:00");
    }

    #[test]
    fn fixed_clock_moves_when_told() {
        let c = FixedClock::new(1_795_521_600);
        c.advance_ms(61_500);
        assert_eq!(c.now_ms(), 61_500);
        assert_eq!(c.timestamp(), "2026-11-24 12:01:01");
        assert_eq!(c.compact_stamp(), "20261124-120101");
    }
}
