//! Platform KPIs (淘宝, 京东, 拼多多) of one conversation, and their mergeable totals: rounds
//! (首问首答), response times as exact ranges, service hours, each platform's headline rate,
//! 留言率, 询单转化率 and 客单价.
//!
//! Self-contained: the caller turns a conversation into [`KpiMessage`]s and calls
//! [`conversation_kpi`], then sums the results with [`KpiTotals`]. docs/kpi.md defines every
//! figure and works an example by hand (the test `docs_worked_example` checks it).
//!
//! Nothing is guessed: a time known only to the minute gives a range of response times, a verdict
//! that the range cannot decide is counted apart as unknown, and a round that cannot be placed is
//! left out with its [`Reason`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

const DAY_S: i64 = 86_400;
const DAY_MIN: u32 = 24 * 60;

/// The shop's platform: it decides the service hours, the threshold and which rounds count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// 淘宝 / 天猫.
    Taobao,
    /// 京东.
    Jd,
    /// 拼多多.
    Pdd,
}

impl Platform {
    pub const ALL: [Platform; 3] = [Platform::Taobao, Platform::Jd, Platform::Pdd];

    /// The hours the platform counts in: Taobao 08:00-24:00, JD 09:00-23:00, Pinduoduo
    /// 08:00-23:00.
    pub fn default_hours(self) -> ServiceHours {
        let (start, end) = match self {
            Platform::Taobao => (8 * 60, DAY_MIN),
            Platform::Jd => (9 * 60, 23 * 60),
            Platform::Pdd => (8 * 60, 23 * 60),
        };
        ServiceHours { start, end }
    }

    /// The headline rate's limit in seconds: JD 30, Taobao and Pinduoduo 180.
    pub fn threshold_s(self) -> u64 {
        match self {
            Platform::Jd => 30,
            Platform::Taobao | Platform::Pdd => 180,
        }
    }

    /// The platform's name for labels: 淘宝, 京东, 拼多多 (Taobao, JD, Pinduoduo).
    pub fn name(self, lang_en: bool) -> &'static str {
        match (self, lang_en) {
            (Platform::Taobao, false) => "淘宝",
            (Platform::Jd, false) => "京东",
            (Platform::Pdd, false) => "拼多多",
            (Platform::Taobao, true) => "Taobao",
            (Platform::Jd, true) => "JD",
            (Platform::Pdd, true) => "Pinduoduo",
        }
    }

    /// The round that stands for the whole conversation: JD the first round (when it is out of
    /// hours the conversation is 留言); Taobao and Pinduoduo the first round not out of hours.
    fn first_round(self, rounds: &[RoundKpi]) -> Option<usize> {
        match self {
            Platform::Jd => (!rounds.is_empty()).then_some(0),
            Platform::Taobao | Platform::Pdd => rounds
                .iter()
                .position(|r| r.left_out != Some(Reason::OutOfHours)),
        }
    }
}

impl FromStr for Platform {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "taobao" | "tmall" | "淘宝" | "天猫" => Ok(Platform::Taobao),
            "jd" | "jingdong" | "京东" => Ok(Platform::Jd),
            "pdd" | "pinduoduo" | "拼多多" => Ok(Platform::Pdd),
            _ => Err(format!(
                "unknown platform \"{s}\": expected taobao, jd or pdd (淘宝/天猫, 京东, 拼多多)"
            )),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Platform::Taobao => "taobao",
            Platform::Jd => "jd",
            Platform::Pdd => "pdd",
        })
    }
}

/// The daily window the platform counts in, [start, end) in minutes from midnight. `end` may be
/// 24:00; windows over midnight are not supported (no platform uses one).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ServiceHours {
    start: u32,
    end: u32,
}

impl ServiceHours {
    /// Minutes from midnight; `start < end <= 24 * 60`.
    pub fn new(start: u32, end: u32) -> Result<Self, String> {
        if end > DAY_MIN {
            return Err(format!("the end, minute {end}, is past 24:00"));
        }
        if start >= end {
            return Err(
                "the start must be before the end (windows over midnight are not supported)"
                    .to_string(),
            );
        }
        Ok(ServiceHours { start, end })
    }

    pub fn start(self) -> u32 {
        self.start
    }

    pub fn end(self) -> u32 {
        self.end
    }

    /// Whether the instants of `t` lie in the hours (time of day = seconds modulo one day):
    /// `Some(true)` all of them, `Some(false)` none, `None` some are in and some out.
    pub fn contains(self, t: Time) -> Option<bool> {
        let (lo, hi) = t.bounds();
        let (start, end) = (i64::from(self.start) * 60, i64::from(self.end) * 60);
        if start == 0 && end == DAY_S {
            return Some(true);
        }
        if hi - lo >= DAY_S {
            return None;
        }
        let day = lo.div_euclid(DAY_S) * DAY_S;
        if lo >= day + start && hi < day + end {
            return Some(true);
        }
        // `hi` is before the end of the next day, so today's and tomorrow's windows are the only
        // ones the range can touch.
        let touches = |d: i64| lo.max(d + start) <= hi.min(d + end - 1);
        if touches(day) || touches(day + DAY_S) {
            None
        } else {
            Some(false)
        }
    }
}

/// "HH:MM" → minutes from midnight, 00:00 to 24:00.
fn clock(s: &str) -> Result<u32, String> {
    let s = s.trim();
    let not_clock = || format!("\"{s}\" is not a time HH:MM");
    let (h, m) = s.split_once([':', '：']).ok_or_else(not_clock)?;
    let number = |x: &str, width: std::ops::RangeInclusive<usize>| {
        if width.contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit()) {
            x.parse::<u32>().ok()
        } else {
            None
        }
    };
    let (Some(h), Some(m)) = (number(h, 1..=2), number(m, 2..=2)) else {
        return Err(not_clock());
    };
    if m >= 60 {
        return Err(format!("the minute in \"{s}\" is not 00-59"));
    }
    if h > 24 || (h == 24 && m > 0) {
        return Err(format!("\"{s}\" is past 24:00"));
    }
    Ok(h * 60 + m)
}

impl FromStr for ServiceHours {
    type Err = String;

    /// "08:00-23:00", "8:00-24:00"; the dash may also be –, —, ~, ～ or 至, the colon ：.
    fn from_str(s: &str) -> Result<Self, String> {
        let bad =
            |why: String| format!("bad service hours \"{s}\": {why} (expected e.g. 08:00-23:00)");
        let (a, b) = s
            .split_once(['-', '–', '—', '~', '～', '至'])
            .ok_or_else(|| bad("no dash between start and end".to_string()))?;
        let start = clock(a).map_err(bad)?;
        let end = clock(b).map_err(bad)?;
        ServiceHours::new(start, end).map_err(bad)
    }
}

impl fmt::Display for ServiceHours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:02}:{:02}-{:02}:{:02}",
            self.start / 60,
            self.start % 60,
            self.end / 60,
            self.end % 60
        )
    }
}

impl TryFrom<String> for ServiceHours {
    type Error = String;

    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}

impl From<ServiceHours> for String {
    fn from(h: ServiceHours) -> String {
        h.to_string()
    }
}

/// How the KPIs are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiRules {
    pub platform: Platform,
    pub hours: ServiceHours,
    /// A robot reply answers a round (by default only a human reply does).
    pub count_robot: bool,
}

impl KpiRules {
    /// The platform's rules: its default hours, robots not counted.
    pub fn new(platform: Platform) -> Self {
        KpiRules {
            platform,
            hours: platform.default_hours(),
            count_robot: false,
        }
    }
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Sender {
    Customer,
    Human,
    Robot,
    System,
}

/// Times are seconds since the Unix epoch as written in the export (wall-clock, no zone: time of
/// day = ts.rem_euclid(86400)). `lo == hi` for an exact time; a minute-only time is lo = start of
/// the minute, hi = lo + 59.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Time {
    pub lo: i64,
    pub hi: i64,
}

impl Time {
    pub fn exact(ts: i64) -> Time {
        Time { lo: ts, hi: ts }
    }

    /// Some instant of the minute that holds `ts`.
    pub fn minute(ts: i64) -> Time {
        let lo = ts - ts.rem_euclid(60);
        Time { lo, hi: lo + 59 }
    }

    /// (earliest, latest), whichever way round the fields were filled.
    fn bounds(self) -> (i64, i64) {
        (self.lo.min(self.hi), self.lo.max(self.hi))
    }
}

/// An order event (from a system message: placed or paid, with the amount when known).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub paid: bool,
    pub amount_cents: Option<u64>,
}

/// One message of a conversation as the KPIs see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiMessage {
    pub sender: Sender,
    pub time: Option<Time>,
    pub order: Option<Order>,
}

/// A response time in whole seconds, known to lie in [lo, hi] (`lo == hi` when both times were
/// exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Range {
    pub lo: u64,
    pub hi: u64,
}

impl Range {
    /// From a question to its answer: [answer.lo − question.hi, answer.hi − question.lo], each
    /// clamped at 0 (an answer stamped before its question took no time).
    pub fn between(question: Time, answer: Time) -> Range {
        let (q_lo, q_hi) = question.bounds();
        let (a_lo, a_hi) = answer.bounds();
        let clamp = |s: i64| u64::try_from(s).unwrap_or(0);
        Range {
            lo: clamp(a_lo.saturating_sub(q_hi)),
            hi: clamp(a_hi.saturating_sub(q_lo)),
        }
    }

    /// "Within `limit_s` seconds": yes if the whole range is, no if none of it is, `None` when
    /// the range straddles the limit.
    pub fn within(self, limit_s: u64) -> Option<bool> {
        if self.hi <= limit_s {
            Some(true)
        } else if self.lo > limit_s {
            Some(false)
        } else {
            None
        }
    }

    pub fn is_exact(self) -> bool {
        self.lo == self.hi
    }

    pub fn midpoint(self) -> f64 {
        (self.lo as f64 + self.hi as f64) / 2.0
    }
}

/// Why a round is left out of the counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The question came outside the service hours (JD: 留言).
    OutOfHours,
    /// The question, or the reply that answered it, has no time.
    NoTime,
    /// The question's time range is partly in the service hours and partly out.
    UnknownHours,
}

impl Reason {
    pub const ALL: [Reason; 3] = [Reason::OutOfHours, Reason::NoTime, Reason::UnknownHours];

    pub fn label(self, platform: Platform, lang_en: bool) -> &'static str {
        match (self, lang_en) {
            (Reason::OutOfHours, false) if platform == Platform::Jd => "服务时间外（留言）",
            (Reason::OutOfHours, false) => "服务时间外",
            (Reason::OutOfHours, true) => "outside service hours",
            (Reason::NoTime, false) => "缺少时间",
            (Reason::NoTime, true) => "no time",
            (Reason::UnknownHours, false) => "无法确定是否在服务时间内",
            (Reason::UnknownHours, true) => "unknown whether in service hours",
        }
    }
}

/// One round (首问首答): a run of customer messages and the reply that answered it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundKpi {
    /// 0-based among the conversation's rounds.
    pub index: usize,
    /// Index in the input slice of the round's first customer message (the question).
    pub question: usize,
    /// Index in the input slice of the answering reply; `None` when nobody answered.
    pub answer: Option<usize>,
    /// `Human`, or `Robot` when robots are counted; `None` when unanswered.
    pub answered_by: Option<Sender>,
    /// A robot replied before the answer (or instead of one). With robots not counted, a round
    /// only a robot replied to is unanswered.
    pub robot_replied: bool,
    /// Whether the question is in the service hours; `None` when it has no time or its range
    /// straddles a boundary.
    pub in_hours: Option<bool>,
    /// Question to answer, when both have a time (also for rounds left out).
    pub response: Option<Range>,
    /// In the service hours with the times needed: counted in the round figures.
    pub counted: bool,
    pub left_out: Option<Reason>,
    /// Counted rounds: answered within the platform's limit (unanswered: `Some(false)`);
    /// `None` when the range cannot decide, or when the round is not counted.
    pub within: Option<bool>,
}

/// The KPIs of one conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationKpi {
    pub platform: Platform,
    pub rounds: Vec<RoundKpi>,
    /// The round that stands for the conversation: JD the first round, Taobao and Pinduoduo the
    /// first round not out of hours.
    pub first_round: Option<usize>,
    /// That round's response time, when it is counted and answered.
    pub first_response: Option<Range>,
    /// The platform rate's share of this conversation: Taobao every counted round, JD and
    /// Pinduoduo the first round alone. Numerator: answered within the limit; denominator:
    /// decided (yes or no); unknown: the range could not decide.
    pub rate_numerator: u32,
    pub rate_denominator: u32,
    pub rate_unknown: u32,
    /// What the rate would have counted but could not: no time, or hours unknown.
    pub rate_left_out: u32,
    /// JD only: the first customer message came outside the service hours (留言); `None` on other
    /// platforms, without a customer message, or when its hours are unknown.
    pub left_message: Option<bool>,
    pub robot_replies: u32,
    /// The conversation has a customer message (询单).
    pub inquiry: bool,
    /// An inquiry with a paid order; `None` when orders are not known or it is no inquiry.
    pub converted: Option<bool>,
    /// Order events with `paid`, each one order.
    pub paid_orders: u32,
    pub paid_orders_with_amount: u32,
    pub paid_amount_cents: u64,
}

/// A round being built.
struct OpenRound {
    question: usize,
    robot_replied: bool,
}

/// Splits the messages into rounds and measures them. `orders_known`: the export records the
/// order events of this conversation, so that no paid order means not converted.
pub fn conversation_kpi(
    rules: &KpiRules,
    messages: &[KpiMessage],
    orders_known: bool,
) -> ConversationKpi {
    let platform = rules.platform;
    let limit = platform.threshold_s();
    let mut kpi = ConversationKpi {
        platform,
        rounds: Vec::new(),
        first_round: None,
        first_response: None,
        rate_numerator: 0,
        rate_denominator: 0,
        rate_unknown: 0,
        rate_left_out: 0,
        left_message: None,
        robot_replies: 0,
        inquiry: false,
        converted: None,
        paid_orders: 0,
        paid_orders_with_amount: 0,
        paid_amount_cents: 0,
    };
    let mut open: Option<OpenRound> = None;
    let close = |kpi: &mut ConversationKpi, o: OpenRound, answer: Option<(usize, Sender)>| {
        let round = measure(rules, messages, kpi.rounds.len(), o, answer, limit);
        kpi.rounds.push(round);
    };
    for (i, m) in messages.iter().enumerate() {
        if let Some(order) = m.order.filter(|o| o.paid) {
            kpi.paid_orders += 1;
            if let Some(cents) = order.amount_cents {
                kpi.paid_orders_with_amount += 1;
                kpi.paid_amount_cents += cents;
            }
        }
        match m.sender {
            Sender::Customer => {
                kpi.inquiry = true;
                open.get_or_insert(OpenRound {
                    question: i,
                    robot_replied: false,
                });
            }
            Sender::Human => {
                if let Some(o) = open.take() {
                    close(&mut kpi, o, Some((i, Sender::Human)));
                }
            }
            Sender::Robot => {
                kpi.robot_replies += 1;
                if let Some(o) = open.as_mut() {
                    o.robot_replied = true;
                    if rules.count_robot {
                        let o = open.take().expect("a round is open");
                        close(&mut kpi, o, Some((i, Sender::Robot)));
                    }
                }
            }
            Sender::System => {}
        }
    }
    if let Some(o) = open.take() {
        close(&mut kpi, o, None);
    }

    kpi.first_round = platform.first_round(&kpi.rounds);
    let first = kpi.first_round.map(|i| &kpi.rounds[i]);
    kpi.first_response = first
        .filter(|r| r.counted)
        .and_then(|r| r.response.filter(|_| r.answer.is_some()));
    let rate_rounds: Vec<&RoundKpi> = match platform {
        Platform::Taobao => kpi.rounds.iter().collect(),
        Platform::Jd | Platform::Pdd => first.into_iter().collect(),
    };
    for r in rate_rounds {
        match (r.counted, r.within, r.left_out) {
            (true, Some(yes), _) => {
                kpi.rate_denominator += 1;
                kpi.rate_numerator += u32::from(yes);
            }
            (true, None, _) => kpi.rate_unknown += 1,
            (false, _, Some(Reason::NoTime | Reason::UnknownHours)) => kpi.rate_left_out += 1,
            (false, _, _) => {}
        }
    }
    if platform == Platform::Jd {
        kpi.left_message = kpi.rounds.first().and_then(|r| r.in_hours).map(|i| !i);
    }
    if orders_known && kpi.inquiry {
        kpi.converted = Some(kpi.paid_orders > 0);
    }
    kpi
}

/// Measures a closed round.
fn measure(
    rules: &KpiRules,
    messages: &[KpiMessage],
    index: usize,
    open: OpenRound,
    answer: Option<(usize, Sender)>,
    limit: u64,
) -> RoundKpi {
    let question_time = messages[open.question].time;
    let answer_time = answer.and_then(|(i, _)| messages[i].time);
    let in_hours = question_time.and_then(|t| rules.hours.contains(t));
    let response = question_time
        .zip(answer_time)
        .map(|(q, a)| Range::between(q, a));
    let left_out = match (question_time, in_hours) {
        (None, _) => Some(Reason::NoTime),
        (Some(_), None) => Some(Reason::UnknownHours),
        (Some(_), Some(false)) => Some(Reason::OutOfHours),
        (Some(_), Some(true)) if answer.is_some() && answer_time.is_none() => Some(Reason::NoTime),
        (Some(_), Some(true)) => None,
    };
    let counted = left_out.is_none();
    let within = match (counted, response) {
        (false, _) => None,
        (true, Some(r)) => r.within(limit),
        // Counted and no response: nobody answered.
        (true, None) => Some(false),
    };
    RoundKpi {
        index,
        question: open.question,
        answer: answer.map(|(i, _)| i),
        answered_by: answer.map(|(_, s)| s),
        robot_replied: open.robot_replied,
        in_hours,
        response,
        counted,
        left_out,
        within,
    }
}

/// Rounds left out, by reason.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftOut {
    pub out_of_hours: u64,
    pub no_time: u64,
    pub unknown_hours: u64,
}

impl LeftOut {
    fn slot(&mut self, reason: Reason) -> &mut u64 {
        match reason {
            Reason::OutOfHours => &mut self.out_of_hours,
            Reason::NoTime => &mut self.no_time,
            Reason::UnknownHours => &mut self.unknown_hours,
        }
    }

    pub fn get(&self, reason: Reason) -> u64 {
        match reason {
            Reason::OutOfHours => self.out_of_hours,
            Reason::NoTime => self.no_time,
            Reason::UnknownHours => self.unknown_hours,
        }
    }

    pub fn total(&self) -> u64 {
        self.out_of_hours + self.no_time + self.unknown_hours
    }

    pub fn merge(&mut self, other: &LeftOut) {
        for reason in Reason::ALL {
            *self.slot(reason) += other.get(reason);
        }
    }
}

/// Sums of response-time ranges, for a mean that is exact under merging.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimeSums {
    pub n: u64,
    pub sum_lo: u64,
    pub sum_hi: u64,
    /// How many of the `n` were ranges rather than exact times.
    pub ranged: u64,
}

impl TimeSums {
    pub fn add(&mut self, r: Range) {
        self.n += 1;
        self.sum_lo += r.lo;
        self.sum_hi += r.hi;
        self.ranged += u64::from(!r.is_exact());
    }

    pub fn merge(&mut self, other: &TimeSums) {
        self.n += other.n;
        self.sum_lo += other.sum_lo;
        self.sum_hi += other.sum_hi;
        self.ranged += other.ranged;
    }

    /// The mean of the ranges' midpoints, in seconds.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| (self.sum_lo as f64 + self.sum_hi as f64) / (2.0 * self.n as f64))
    }

    /// The least and the greatest the mean can be, in seconds (equal when no time was a range).
    pub fn bounds(&self) -> Option<(f64, f64)> {
        (self.n > 0).then(|| {
            let n = self.n as f64;
            (self.sum_lo as f64 / n, self.sum_hi as f64 / n)
        })
    }
}

fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// KPI totals over many conversations: [`add`](KpiTotals::add) each conversation,
/// [`merge`](KpiTotals::merge) the totals of shards; both give the same result in any order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KpiTotals {
    pub conversations: u64,
    /// Conversations with a customer message (询单).
    pub inquiries: u64,
    pub rounds: u64,
    /// Rounds in the service hours with the times needed.
    pub rounds_counted: u64,
    /// Counted rounds answered within the platform's limit.
    pub rounds_within: u64,
    /// Counted rounds whose time range cannot decide the limit.
    pub rounds_unknown: u64,
    /// Counted rounds nobody answered (those a robot alone replied to included).
    pub rounds_unanswered: u64,
    /// Counted rounds a robot alone replied to, robots not being counted.
    pub rounds_robot_only: u64,
    pub left_out: LeftOut,
    /// The platform's headline rate: see [`ConversationKpi::rate_numerator`].
    pub rate_numerator: u64,
    pub rate_denominator: u64,
    pub rate_unknown: u64,
    pub rate_left_out: u64,
    /// Counted answered rounds.
    pub response: TimeSums,
    /// Each conversation's first response (see [`ConversationKpi::first_response`]).
    pub first_response: TimeSums,
    /// JD: conversations whose first customer message came outside the hours (留言).
    pub left_message: u64,
    /// JD: inquiries whose first message is known to be in or out of the hours.
    pub left_message_known: u64,
    /// Inquiries whose orders are known.
    pub orders_known: u64,
    pub converted: u64,
    pub paid_orders: u64,
    pub paid_orders_with_amount: u64,
    pub paid_amount_cents: u64,
    pub robot_replies: u64,
}

impl KpiTotals {
    pub fn add(&mut self, c: &ConversationKpi) {
        self.merge(&KpiTotals::of(c));
    }

    /// The totals of one conversation.
    pub fn of(c: &ConversationKpi) -> KpiTotals {
        let mut t = KpiTotals {
            conversations: 1,
            inquiries: u64::from(c.inquiry),
            rounds: c.rounds.len() as u64,
            rate_numerator: u64::from(c.rate_numerator),
            rate_denominator: u64::from(c.rate_denominator),
            rate_unknown: u64::from(c.rate_unknown),
            rate_left_out: u64::from(c.rate_left_out),
            left_message: u64::from(c.left_message == Some(true)),
            left_message_known: u64::from(c.left_message.is_some()),
            orders_known: u64::from(c.converted.is_some()),
            converted: u64::from(c.converted == Some(true)),
            paid_orders: u64::from(c.paid_orders),
            paid_orders_with_amount: u64::from(c.paid_orders_with_amount),
            paid_amount_cents: c.paid_amount_cents,
            robot_replies: u64::from(c.robot_replies),
            ..KpiTotals::default()
        };
        if let Some(r) = c.first_response {
            t.first_response.add(r);
        }
        for r in &c.rounds {
            if let Some(reason) = r.left_out {
                *t.left_out.slot(reason) += 1;
            }
            if !r.counted {
                continue;
            }
            t.rounds_counted += 1;
            match r.within {
                Some(yes) => t.rounds_within += u64::from(yes),
                None => t.rounds_unknown += 1,
            }
            match (r.answer, r.response) {
                (Some(_), Some(range)) => t.response.add(range),
                _ => {
                    t.rounds_unanswered += 1;
                    t.rounds_robot_only += u64::from(r.robot_replied);
                }
            }
        }
        t
    }

    pub fn merge(&mut self, other: &KpiTotals) {
        // Destructured so that a new field cannot be forgotten here.
        let KpiTotals {
            conversations,
            inquiries,
            rounds,
            rounds_counted,
            rounds_within,
            rounds_unknown,
            rounds_unanswered,
            rounds_robot_only,
            left_out,
            rate_numerator,
            rate_denominator,
            rate_unknown,
            rate_left_out,
            response,
            first_response,
            left_message,
            left_message_known,
            orders_known,
            converted,
            paid_orders,
            paid_orders_with_amount,
            paid_amount_cents,
            robot_replies,
        } = other;
        for (sum, x) in [
            (&mut self.conversations, conversations),
            (&mut self.inquiries, inquiries),
            (&mut self.rounds, rounds),
            (&mut self.rounds_counted, rounds_counted),
            (&mut self.rounds_within, rounds_within),
            (&mut self.rounds_unknown, rounds_unknown),
            (&mut self.rounds_unanswered, rounds_unanswered),
            (&mut self.rounds_robot_only, rounds_robot_only),
            (&mut self.rate_numerator, rate_numerator),
            (&mut self.rate_denominator, rate_denominator),
            (&mut self.rate_unknown, rate_unknown),
            (&mut self.rate_left_out, rate_left_out),
            (&mut self.left_message, left_message),
            (&mut self.left_message_known, left_message_known),
            (&mut self.orders_known, orders_known),
            (&mut self.converted, converted),
            (&mut self.paid_orders, paid_orders),
            (&mut self.paid_orders_with_amount, paid_orders_with_amount),
            (&mut self.paid_amount_cents, paid_amount_cents),
            (&mut self.robot_replies, robot_replies),
        ] {
            *sum += x;
        }
        self.left_out.merge(left_out);
        self.response.merge(response);
        self.first_response.merge(first_response);
    }

    /// The platform's headline rate (淘宝 3分钟人工响应率, 京东 30秒应答率, 拼多多
    /// 3分钟人工回复率) over the decided rounds or conversations, 0 to 1.
    pub fn rate(&self) -> Option<f64> {
        ratio(self.rate_numerator, self.rate_denominator)
    }

    /// Share of the decided counted rounds answered within the platform's limit, 0 to 1 (for
    /// Taobao the same as [`rate`](KpiTotals::rate)).
    pub fn round_rate(&self) -> Option<f64> {
        ratio(
            self.rounds_within,
            self.rounds_counted - self.rounds_unknown,
        )
    }

    /// Mean response time of the counted answered rounds, seconds (range midpoints).
    pub fn mean_response(&self) -> Option<f64> {
        self.response.mean()
    }

    pub fn mean_first_response(&self) -> Option<f64> {
        self.first_response.mean()
    }

    /// JD 留言率: 留言 conversations over the inquiries whose first message is placed, 0 to 1.
    pub fn left_message_rate(&self) -> Option<f64> {
        ratio(self.left_message, self.left_message_known)
    }

    /// 询单转化率: converted inquiries over the inquiries whose orders are known, 0 to 1.
    pub fn conversion_rate(&self) -> Option<f64> {
        ratio(self.converted, self.orders_known)
    }

    /// 客单价 in yuan: paid amounts over the paid orders that have an amount.
    pub fn average_order_yuan(&self) -> Option<f64> {
        ratio(self.paid_amount_cents, self.paid_orders_with_amount).map(|c| c / 100.0)
    }

    /// The figure a [`labels`] key names (units under [`keys`]).
    pub fn value(&self, key: &str) -> Option<f64> {
        match key {
            keys::RATE => self.rate(),
            keys::RATE_UNKNOWN => Some(self.rate_unknown as f64),
            keys::MEAN_RESPONSE => self.mean_response(),
            keys::FIRST_RESPONSE => self.mean_first_response(),
            keys::LEFT_MESSAGE_RATE => self.left_message_rate(),
            keys::CONVERSION_RATE => self.conversion_rate(),
            keys::AVERAGE_ORDER => self.average_order_yuan(),
            keys::ROBOT_REPLIES => Some(self.robot_replies as f64),
            _ => None,
        }
    }
}

/// The keys of [`labels`] and [`KpiTotals::value`].
pub mod keys {
    /// The platform's headline rate, 0 to 1.
    pub const RATE: &str = "rate";
    /// How many rounds or conversations the headline rate could not decide, a count.
    pub const RATE_UNKNOWN: &str = "rate_unknown";
    /// Mean response time, seconds.
    pub const MEAN_RESPONSE: &str = "mean_response";
    /// Mean first response time, seconds.
    pub const FIRST_RESPONSE: &str = "first_response";
    /// JD 留言率, 0 to 1.
    pub const LEFT_MESSAGE_RATE: &str = "left_message_rate";
    /// 询单转化率, 0 to 1.
    pub const CONVERSION_RATE: &str = "conversion_rate";
    /// 客单价, yuan.
    pub const AVERAGE_ORDER: &str = "average_order_value";
    /// Robot replies, a count.
    pub const ROBOT_REPLIES: &str = "robot_replies";
}

/// The figures a report prints for the rules' platform, in order, with the platform's names:
/// (key for [`KpiTotals::value`], label), e.g. (`rate`, "3分钟人工响应率（淘宝口径）"). With robots
/// counted, "人工" is dropped and the label says robots are included.
pub fn labels(rules: &KpiRules, lang_en: bool) -> Vec<(&'static str, String)> {
    let p = rules.platform;
    let robots = rules.count_robot;
    let rule = |name: &str| {
        let with_robots = match (robots, lang_en) {
            (false, _) => "",
            (true, false) => "，含机器人",
            (true, true) => ", robots counted",
        };
        if lang_en {
            format!("{name} ({} rule{with_robots})", p.name(true))
        } else {
            format!("{name}（{}口径{with_robots}）", p.name(false))
        }
    };
    let human =
        |zh: &'static str, zh_all: &'static str, en: &'static str, en_all: &'static str| match (
            lang_en, robots,
        ) {
            (false, false) => zh,
            (false, true) => zh_all,
            (true, false) => en,
            (true, true) => en_all,
        };
    let rate = match p {
        Platform::Taobao => human(
            "3分钟人工响应率",
            "3分钟响应率",
            "3-minute human response rate",
            "3-minute response rate",
        ),
        Platform::Jd => human(
            "30秒应答率",
            "30秒应答率",
            "30-second reply rate",
            "30-second reply rate",
        ),
        Platform::Pdd => human(
            "3分钟人工回复率",
            "3分钟回复率",
            "3-minute human reply rate",
            "3-minute reply rate",
        ),
    };
    let mean = match p {
        Platform::Jd => human(
            "平均响应时长",
            "平均响应时长",
            "average response time",
            "average response time",
        ),
        Platform::Taobao | Platform::Pdd => human(
            "平均人工响应时长",
            "平均响应时长",
            "average human response time",
            "average response time",
        ),
    };
    let plain = |zh: &str, en: &str| if lang_en { en } else { zh }.to_string();
    let mut out = vec![
        (keys::RATE, rule(rate)),
        (
            keys::RATE_UNKNOWN,
            plain("无法判定（时间不够精确）", "undecided (times too coarse)"),
        ),
        (keys::MEAN_RESPONSE, rule(mean)),
        (
            keys::FIRST_RESPONSE,
            rule(plain("首次响应时长", "first response time").as_str()),
        ),
    ];
    if p == Platform::Jd {
        out.push((
            keys::LEFT_MESSAGE_RATE,
            rule(plain("留言率", "offline-message rate (留言)").as_str()),
        ));
    }
    out.extend([
        (
            keys::CONVERSION_RATE,
            plain("询单转化率", "inquiry conversion rate"),
        ),
        (keys::AVERAGE_ORDER, plain("客单价", "average order value")),
        (keys::ROBOT_REPLIES, plain("机器人回复数", "robot replies")),
    ]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Midnight of some day (2022-01-07, a whole number of days since the epoch).
    const DAY0: i64 = 19_000 * DAY_S;

    fn at(h: i64, m: i64, s: i64) -> i64 {
        DAY0 + h * 3600 + m * 60 + s
    }

    fn msg(sender: Sender, time: Option<Time>) -> KpiMessage {
        KpiMessage {
            sender,
            time,
            order: None,
        }
    }

    fn customer(ts: i64) -> KpiMessage {
        msg(Sender::Customer, Some(Time::exact(ts)))
    }

    fn human(ts: i64) -> KpiMessage {
        msg(Sender::Human, Some(Time::exact(ts)))
    }

    fn robot(ts: i64) -> KpiMessage {
        msg(Sender::Robot, Some(Time::exact(ts)))
    }

    fn order(paid: bool, amount_cents: Option<u64>) -> KpiMessage {
        KpiMessage {
            sender: Sender::System,
            time: None,
            order: Some(Order { paid, amount_cents }),
        }
    }

    fn kpi(platform: Platform, messages: &[KpiMessage]) -> ConversationKpi {
        conversation_kpi(&KpiRules::new(platform), messages, true)
    }

    /// A question at `q` answered by a human `after` seconds later.
    fn qa(platform: Platform, q: i64, after: i64) -> ConversationKpi {
        kpi(platform, &[customer(q), human(q + after)])
    }

    fn rate(c: &ConversationKpi) -> (u32, u32, u32) {
        (c.rate_numerator, c.rate_denominator, c.rate_unknown)
    }

    fn totals(cs: &[ConversationKpi]) -> KpiTotals {
        let mut t = KpiTotals::default();
        for c in cs {
            t.add(c);
        }
        t
    }

    #[test]
    fn jd_30_seconds_edges() {
        let q = at(10, 0, 0);
        let cs: Vec<_> = [29, 30, 31]
            .map(|after| qa(Platform::Jd, q, after))
            .to_vec();
        let within: Vec<_> = cs.iter().map(|c| c.rounds[0].within).collect();
        assert_eq!(within, [Some(true), Some(true), Some(false)]);
        assert_eq!(rate(&cs[1]), (1, 1, 0));
        assert_eq!(rate(&cs[2]), (0, 1, 0));
        assert_eq!(cs[2].rounds[0].response, Some(Range { lo: 31, hi: 31 }));
        let t = totals(&cs);
        assert_eq!(t.rate(), Some(2.0 / 3.0));
        assert_eq!(t.mean_response(), Some(30.0));
        assert_eq!(t.mean_first_response(), Some(30.0));
        assert_eq!(t.left_message_rate(), Some(0.0));
    }

    #[test]
    fn three_minute_edges_for_taobao_and_pinduoduo() {
        for p in [Platform::Taobao, Platform::Pdd] {
            let cs: Vec<_> = [179, 180, 181]
                .map(|after| qa(p, at(15, 30, 0), after))
                .to_vec();
            let within: Vec<_> = cs.iter().map(|c| c.rounds[0].within).collect();
            assert_eq!(within, [Some(true), Some(true), Some(false)], "{p}");
            assert_eq!(totals(&cs).rate(), Some(2.0 / 3.0), "{p}");
            assert_eq!(cs[0].left_message, None, "{p}: 留言 is JD's");
        }
    }

    #[test]
    fn service_hour_edges() {
        let verdict = |p: Platform, q: i64| {
            let c = qa(p, q, 10);
            (c.rounds[0].counted, c.rounds[0].left_out)
        };
        let counted = (true, None);
        let out = (false, Some(Reason::OutOfHours));
        // JD 09:00-23:00.
        assert_eq!(verdict(Platform::Jd, at(8, 59, 59)), out);
        assert_eq!(verdict(Platform::Jd, at(8, 59, 0)), out);
        assert_eq!(verdict(Platform::Jd, at(9, 0, 0)), counted);
        assert_eq!(verdict(Platform::Jd, at(22, 59, 59)), counted);
        assert_eq!(verdict(Platform::Jd, at(23, 0, 0)), out);
        assert_eq!(verdict(Platform::Jd, at(23, 1, 0)), out);
        // Pinduoduo 08:00-23:00.
        assert_eq!(verdict(Platform::Pdd, at(7, 59, 59)), out);
        assert_eq!(verdict(Platform::Pdd, at(8, 0, 0)), counted);
        assert_eq!(verdict(Platform::Pdd, at(8, 59, 0)), counted);
        assert_eq!(verdict(Platform::Pdd, at(23, 0, 0)), out);
        assert_eq!(verdict(Platform::Pdd, at(23, 1, 0)), out);
        // Taobao 08:00-24:00.
        assert_eq!(verdict(Platform::Taobao, at(7, 59, 59)), out);
        assert_eq!(verdict(Platform::Taobao, at(8, 0, 0)), counted);
        assert_eq!(verdict(Platform::Taobao, at(23, 1, 0)), counted);
        assert_eq!(verdict(Platform::Taobao, at(23, 59, 59)), counted);
        assert_eq!(verdict(Platform::Taobao, at(24, 0, 0)), out);
        // A day before the epoch: time of day is still taken modulo one day.
        assert_eq!(verdict(Platform::Jd, 10 * 3600 - DAY_S), counted);
        // An out-of-hours round is still measured, only not counted.
        let c = qa(Platform::Jd, at(23, 1, 0), 10);
        assert_eq!(c.rounds[0].response, Some(Range { lo: 10, hi: 10 }));
        assert_eq!(c.rounds[0].within, None);
        assert_eq!(rate(&c), (0, 0, 0));
        assert_eq!(c.first_response, None);
    }

    #[test]
    fn hours_straddling_a_boundary_are_unknown() {
        let q = Time {
            lo: at(8, 59, 30),
            hi: at(9, 0, 30),
        };
        let c = kpi(
            Platform::Jd,
            &[msg(Sender::Customer, Some(q)), human(at(9, 1, 0))],
        );
        let r = &c.rounds[0];
        assert_eq!((r.counted, r.left_out), (false, Some(Reason::UnknownHours)));
        assert_eq!(r.in_hours, None);
        assert_eq!(c.left_message, None);
        assert_eq!(c.rate_left_out, 1);
        let hours = Platform::Jd.default_hours();
        assert_eq!(hours.contains(Time::minute(at(8, 59, 0))), Some(false));
        assert_eq!(hours.contains(Time::minute(at(22, 59, 0))), Some(true));
        assert_eq!(
            hours.contains(Time {
                lo: at(22, 0, 0),
                hi: at(33, 0, 0)
            }),
            None,
            "23:00 to 09:00 next day is out, but 09:00 itself is in"
        );
        assert_eq!(
            hours.contains(Time {
                lo: at(23, 0, 0),
                hi: at(32, 59, 59)
            }),
            Some(false)
        );
        let all_day = ServiceHours::new(0, DAY_MIN).unwrap();
        assert_eq!(
            all_day.contains(Time {
                lo: 0,
                hi: 3 * DAY_S
            }),
            Some(true)
        );
    }

    #[test]
    fn a_robot_reply_does_not_answer_unless_robots_count() {
        let q = at(10, 0, 0);
        let messages = [customer(q), robot(q + 5), human(q + 240), human(q + 250)];
        let c = kpi(Platform::Taobao, &messages);
        assert_eq!(c.rounds.len(), 1, "the second human bubble opens no round");
        let r = &c.rounds[0];
        assert_eq!((r.answer, r.answered_by), (Some(2), Some(Sender::Human)));
        assert!(r.robot_replied);
        assert_eq!(r.response, Some(Range { lo: 240, hi: 240 }));
        assert_eq!(r.within, Some(false));
        assert_eq!(c.robot_replies, 1);

        let rules = KpiRules {
            count_robot: true,
            ..KpiRules::new(Platform::Taobao)
        };
        let c = conversation_kpi(&rules, &messages, true);
        let r = &c.rounds[0];
        assert_eq!((r.answer, r.answered_by), (Some(1), Some(Sender::Robot)));
        assert_eq!(r.response, Some(Range { lo: 5, hi: 5 }));
        assert_eq!(r.within, Some(true));
        assert_eq!(c.first_response, Some(Range { lo: 5, hi: 5 }));
    }

    #[test]
    fn a_round_only_a_robot_replied_to_is_unanswered() {
        let q = at(10, 0, 0);
        let c = kpi(Platform::Pdd, &[customer(q), robot(q + 3)]);
        let r = &c.rounds[0];
        assert_eq!((r.answer, r.response, r.counted), (None, None, true));
        assert_eq!(r.within, Some(false));
        assert_eq!(rate(&c), (0, 1, 0));
        let t = totals(&[c]);
        assert_eq!((t.rounds_unanswered, t.rounds_robot_only), (1, 1));
        assert_eq!(t.mean_response(), None);
        // The buyer writing again after the robot stays in the same round.
        let c = kpi(
            Platform::Pdd,
            &[customer(q), robot(q + 3), customer(q + 60), human(q + 100)],
        );
        assert_eq!(c.rounds.len(), 1);
        assert_eq!(c.rounds[0].response, Some(Range { lo: 100, hi: 100 }));
    }

    #[test]
    fn a_run_of_customer_messages_is_one_round_timed_from_the_first() {
        let q = at(10, 0, 0);
        let c = kpi(
            Platform::Taobao,
            &[
                customer(q),
                customer(q + 60),
                order(false, None),
                customer(q + 150),
                human(q + 190),
            ],
        );
        assert_eq!(c.rounds.len(), 1);
        let r = &c.rounds[0];
        assert_eq!((r.question, r.answer), (0, Some(4)));
        assert_eq!(r.response, Some(Range { lo: 190, hi: 190 }));
        assert_eq!(
            r.within,
            Some(false),
            "190 s from the first message, not 40"
        );
    }

    #[test]
    fn minute_only_times_give_ranges() {
        let q = Time::minute(at(10, 0, 0));
        assert_eq!(
            q,
            Time {
                lo: at(10, 0, 0),
                hi: at(10, 0, 59)
            }
        );
        assert_eq!(Time::minute(at(10, 0, 42)), q);
        let response = |minutes: i64| Range::between(q, Time::minute(at(10, minutes, 0)));
        assert_eq!(response(0), Range { lo: 0, hi: 59 });
        assert_eq!(response(0).within(60), Some(true));
        assert_eq!(response(0).within(30), None);
        assert_eq!(response(2), Range { lo: 61, hi: 179 });
        assert_eq!(response(2).within(180), Some(true));
        assert_eq!(response(3), Range { lo: 121, hi: 239 });
        assert_eq!(response(3).within(180), None);
        assert_eq!(response(4), Range { lo: 181, hi: 299 });
        assert_eq!(response(4).within(180), Some(false));
        // An exact answer before the minute ends: clamped at 0.
        assert_eq!(
            Range::between(q, Time::exact(at(10, 0, 20))),
            Range { lo: 0, hi: 20 }
        );

        let conv = |minutes: i64| {
            let answer = msg(Sender::Human, Some(Time::minute(at(10, minutes, 0))));
            kpi(Platform::Taobao, &[msg(Sender::Customer, Some(q)), answer])
        };
        let cs = [conv(2), conv(3), conv(4)];
        let within: Vec<_> = cs.iter().map(|c| c.rounds[0].within).collect();
        assert_eq!(within, [Some(true), None, Some(false)]);
        assert_eq!(rate(&cs[1]), (0, 0, 1));
        let t = totals(&cs);
        assert_eq!(
            (t.rate_numerator, t.rate_denominator, t.rate_unknown),
            (1, 2, 1)
        );
        assert_eq!((t.rounds_counted, t.rounds_unknown), (3, 1));
        assert_eq!(t.rate(), Some(0.5));
        // Mean: (61+121+181)/3 = 121 to (179+239+299)/3 = 239, midpoint 180.
        assert_eq!(t.response.bounds(), Some((121.0, 239.0)));
        assert_eq!(t.mean_response(), Some(180.0));
        assert_eq!(t.response.ranged, 3);
    }

    #[test]
    fn no_time_at_all_leaves_every_round_out() {
        let c = kpi(
            Platform::Taobao,
            &[
                msg(Sender::Customer, None),
                msg(Sender::Human, None),
                msg(Sender::Customer, None),
                msg(Sender::Human, None),
                msg(Sender::Customer, None),
            ],
        );
        assert_eq!(c.rounds.len(), 3);
        for r in &c.rounds {
            assert_eq!(
                (r.counted, r.left_out, r.within, r.response),
                (false, Some(Reason::NoTime), None, None)
            );
        }
        assert_eq!(rate(&c), (0, 0, 0));
        assert_eq!(c.rate_left_out, 3);
        let t = totals(&[c]);
        assert_eq!(t.left_out.no_time, 3);
        assert_eq!(t.left_out.total(), 3);
        assert_eq!((t.rate(), t.mean_response()), (None, None));
        // JD: the first message cannot be placed, so neither 留言 nor not.
        let c = kpi(Platform::Jd, &[msg(Sender::Customer, None)]);
        assert_eq!(c.left_message, None);
    }

    #[test]
    fn an_answer_without_a_time_leaves_the_round_out() {
        let q = at(10, 0, 0);
        let c = kpi(Platform::Jd, &[customer(q), msg(Sender::Human, None)]);
        let r = &c.rounds[0];
        assert_eq!((r.counted, r.left_out), (false, Some(Reason::NoTime)));
        assert_eq!(r.in_hours, Some(true));
        assert_eq!(c.left_message, Some(false));
        assert_eq!((rate(&c), c.rate_left_out), ((0, 0, 0), 1));
    }

    #[test]
    fn an_unanswered_last_round_counts_as_late() {
        let q = at(10, 0, 0);
        let c = kpi(
            Platform::Taobao,
            &[customer(q), human(q + 20), customer(q + 300)],
        );
        assert_eq!(c.rounds.len(), 2);
        let last = &c.rounds[1];
        assert_eq!((last.question, last.answer), (2, None));
        assert_eq!(
            (last.counted, last.within, last.response),
            (true, Some(false), None)
        );
        assert_eq!(rate(&c), (1, 2, 0));
        let t = totals(&[c]);
        assert_eq!(t.mean_response(), Some(20.0));
        assert_eq!((t.rounds_unanswered, t.rounds_robot_only), (1, 0));
    }

    #[test]
    fn jd_and_pinduoduo_count_one_round_per_conversation() {
        // Late first answer, prompt later ones: only the first round enters the rate.
        let q = at(10, 0, 0);
        let messages = [
            customer(q),
            human(q + 200),
            customer(q + 300),
            human(q + 310),
        ];
        for p in [Platform::Jd, Platform::Pdd] {
            let c = kpi(p, &messages);
            assert_eq!(rate(&c), (0, 1, 0), "{p}");
            assert_eq!(c.first_response, Some(Range { lo: 200, hi: 200 }));
        }
        assert_eq!(rate(&kpi(Platform::Taobao, &messages)), (1, 2, 0));

        // First message before the hours, the next in them: JD 留言, Pinduoduo takes the
        // first round in the hours.
        let messages = [
            customer(at(7, 50, 0)),
            human(at(8, 5, 0)),
            customer(at(9, 10, 0)),
            human(at(9, 11, 40)),
        ];
        let jd = kpi(Platform::Jd, &messages);
        assert_eq!(jd.left_message, Some(true));
        assert_eq!(
            (rate(&jd), jd.first_round, jd.first_response),
            ((0, 0, 0), Some(0), None)
        );
        assert_eq!(jd.rounds[1].within, Some(false), "100 s > 30 s");
        let pdd = kpi(Platform::Pdd, &messages);
        assert_eq!((rate(&pdd), pdd.first_round), ((1, 1, 0), Some(1)));
        assert_eq!(pdd.first_response, Some(Range { lo: 100, hi: 100 }));
    }

    #[test]
    fn jd_left_message_rate() {
        let cs = [
            qa(Platform::Jd, at(8, 30, 0), 10),
            qa(Platform::Jd, at(10, 0, 0), 10),
            qa(Platform::Jd, at(23, 30, 0), 10),
            // No customer message: not an inquiry.
            kpi(Platform::Jd, &[human(at(11, 0, 0))]),
        ];
        let flags: Vec<_> = cs.iter().map(|c| c.left_message).collect();
        assert_eq!(flags, [Some(true), Some(false), Some(true), None]);
        let t = totals(&cs);
        assert_eq!((t.left_message, t.left_message_known), (2, 3));
        assert_eq!(t.left_message_rate(), Some(2.0 / 3.0));
        assert_eq!(t.left_out.out_of_hours, 2);
        assert_eq!(t.inquiries, 3);
        assert_eq!(t.rate(), Some(1.0));
    }

    #[test]
    fn conversion_and_average_order_value() {
        let q = at(10, 0, 0);
        let chat = |extra: KpiMessage| vec![customer(q), human(q + 10), extra];
        let paid = kpi(Platform::Taobao, &chat(order(true, Some(12_900))));
        let placed_only = kpi(Platform::Taobao, &chat(order(false, Some(5_000))));
        let paid_no_amount = kpi(Platform::Taobao, &chat(order(true, None)));
        let unknown = conversation_kpi(
            &KpiRules::new(Platform::Taobao),
            &chat(order(true, Some(10_000))),
            false,
        );
        let no_inquiry = kpi(Platform::Taobao, &[order(true, Some(3_000))]);
        assert_eq!(paid.converted, Some(true));
        assert_eq!(placed_only.converted, Some(false));
        assert_eq!(paid_no_amount.converted, Some(true));
        assert_eq!(unknown.converted, None);
        assert_eq!(no_inquiry.converted, None);
        assert_eq!((paid.paid_orders, paid.paid_amount_cents), (1, 12_900));
        assert_eq!(placed_only.paid_orders, 0);
        let t = totals(&[paid, placed_only, paid_no_amount, unknown, no_inquiry]);
        assert_eq!((t.converted, t.orders_known), (2, 3));
        assert_eq!(t.conversion_rate(), Some(2.0 / 3.0));
        // (129.00 + 100.00 + 30.00) yuan over the 3 paid orders with an amount.
        assert_eq!((t.paid_orders, t.paid_orders_with_amount), (4, 3));
        assert_eq!(t.paid_amount_cents, 25_900);
        let aov = t.average_order_yuan().unwrap();
        assert!((aov - 259.0 / 3.0).abs() < 1e-9, "{aov}");
    }

    #[test]
    fn service_hours_parse() {
        let h = |s: &str| s.parse::<ServiceHours>().map(|h| (h.start(), h.end()));
        assert_eq!(h("08:00-23:00"), Ok((480, 1380)));
        assert_eq!(h("8:00-24:00"), Ok((480, 1440)));
        assert_eq!(h(" 09:30 ～ 22:45 "), Ok((570, 1365)));
        assert_eq!(h("08：00至23：00"), Ok((480, 1380)));
        assert_eq!(h("00:00-24:00"), Ok((0, 1440)));
        for bad in [
            "",
            "08:00",
            "08:00-",
            "8-23",
            "08:0-23:00",
            "08:000-23:00",
            "0x:00-23:00",
            "+8:00-23:00",
            "08:60-23:00",
            "25:00-26:00",
            "08:00-24:01",
            "23:00-08:00",
            "09:00-09:00",
            "08:00-23:00-24:00",
        ] {
            let err = h(bad).expect_err(bad);
            assert!(err.contains("bad service hours"), "{bad}: {err}");
        }
        assert!(h("23:00-08:00").unwrap_err().contains("before the end"));
        assert!(h("08:60-23:00").unwrap_err().contains("00-59"));
        assert!(h("08:00-24:01").unwrap_err().contains("past 24:00"));
        for p in Platform::ALL {
            let hours = p.default_hours();
            assert_eq!(hours.to_string().parse(), Ok(hours));
        }
        assert_eq!(Platform::Taobao.default_hours().to_string(), "08:00-24:00");
        assert_eq!(Platform::Jd.default_hours().to_string(), "09:00-23:00");
        assert_eq!(Platform::Pdd.default_hours().to_string(), "08:00-23:00");
        assert_eq!(
            serde_json::to_string(&Platform::Jd.default_hours()).unwrap(),
            "\"09:00-23:00\""
        );
        assert!(serde_json::from_str::<ServiceHours>("\"23:00-08:00\"").is_err());
        assert!(ServiceHours::new(0, DAY_MIN + 1).is_err());
    }

    #[test]
    fn platform_names() {
        for (s, p) in [
            ("taobao", Platform::Taobao),
            ("TMALL", Platform::Taobao),
            ("淘宝", Platform::Taobao),
            ("天猫", Platform::Taobao),
            ("jd", Platform::Jd),
            ("京东", Platform::Jd),
            (" pdd ", Platform::Pdd),
            ("拼多多", Platform::Pdd),
        ] {
            assert_eq!(s.parse(), Ok(p), "{s}");
        }
        assert!(
            "amazon"
                .parse::<Platform>()
                .unwrap_err()
                .contains("taobao, jd or pdd")
        );
        for p in Platform::ALL {
            assert_eq!(p.to_string().parse(), Ok(p));
            assert_eq!(serde_json::to_string(&p).unwrap(), format!("\"{p}\""));
        }
    }

    #[test]
    fn totals_merge_equals_adding_all() {
        let q = at(10, 0, 0);
        let cs = [
            qa(Platform::Taobao, q, 30),
            qa(Platform::Taobao, at(7, 0, 0), 30),
            kpi(
                Platform::Taobao,
                &[
                    customer(q),
                    robot(q + 1),
                    human(q + 200),
                    customer(q + 300),
                    order(true, Some(8_800)),
                ],
            ),
            kpi(
                Platform::Taobao,
                &[
                    msg(Sender::Customer, Some(Time::minute(q))),
                    msg(Sender::Human, None),
                ],
            ),
            kpi(
                Platform::Taobao,
                &[
                    msg(Sender::Customer, Some(Time::minute(q))),
                    msg(Sender::Human, Some(Time::minute(q + 180))),
                ],
            ),
        ];
        let all = totals(&cs);
        for split in 0..=cs.len() {
            let (a, b) = cs.split_at(split);
            let mut merged = totals(b);
            merged.merge(&totals(a));
            assert_eq!(merged, all, "split at {split}");
        }
        assert_eq!(all.conversations, 5);
        assert_eq!(all.rounds, 6);
        assert_eq!(all.rounds_counted, 4);
        assert_eq!(all.left_out.total(), 2);
        assert_eq!(all.robot_replies, 1);
        assert_eq!(KpiTotals::of(&cs[0]), totals(&cs[..1]));
    }

    #[test]
    fn labels_name_the_platform_and_every_key_has_a_value() {
        let taobao = labels(&KpiRules::new(Platform::Taobao), false);
        assert_eq!(
            taobao[0],
            (keys::RATE, "3分钟人工响应率（淘宝口径）".to_string())
        );
        assert!(taobao.iter().all(|(k, _)| *k != keys::LEFT_MESSAGE_RATE));
        let jd = labels(&KpiRules::new(Platform::Jd), false);
        assert_eq!(jd[0].1, "30秒应答率（京东口径）");
        assert!(jd.contains(&(keys::LEFT_MESSAGE_RATE, "留言率（京东口径）".to_string())));
        let pdd_en = labels(&KpiRules::new(Platform::Pdd), true);
        assert_eq!(pdd_en[0].1, "3-minute human reply rate (Pinduoduo rule)");
        let robots = KpiRules {
            count_robot: true,
            ..KpiRules::new(Platform::Taobao)
        };
        assert_eq!(
            labels(&robots, false)[0].1,
            "3分钟响应率（淘宝口径，含机器人）"
        );
        assert_eq!(
            labels(&robots, true)[0].1,
            "3-minute response rate (Taobao rule, robots counted)"
        );
        let q = at(10, 0, 0);
        let t = totals(&[kpi(
            Platform::Jd,
            &[customer(q), human(q + 10), order(true, Some(100))],
        )]);
        for (key, label) in &jd {
            assert_ne!(t.value(key), None, "{key} ({label})");
        }
        assert_eq!(t.value("nonsense"), None);
        assert_eq!(
            Reason::OutOfHours.label(Platform::Jd, false),
            "服务时间外（留言）"
        );
    }

    #[test]
    fn serializes_snake_case() {
        let c = qa(Platform::Jd, at(23, 30, 0), 10);
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["platform"], "jd");
        assert_eq!(json["rounds"][0]["left_out"], "out_of_hours");
        assert_eq!(json["rounds"][0]["response"]["hi"], 10);
        assert_eq!(json["rounds"][0]["answered_by"], "human");
        assert_eq!(json["left_message"], true);
        let back: ConversationKpi = serde_json::from_value(json).unwrap();
        assert_eq!(back, c);
        let t = serde_json::to_value(totals(&[c])).unwrap();
        assert_eq!(t["left_out"]["out_of_hours"], 1);
    }

    /// The example of docs/kpi.md, figure by figure.
    #[test]
    fn docs_worked_example() {
        let minute = |ts: i64| Some(Time::minute(ts));
        let messages = [
            customer(at(8, 58, 40)),
            robot(at(8, 59, 10)),
            human(at(9, 0, 5)),
            customer(at(9, 1, 0)),
            customer(at(9, 1, 20)),
            human(at(9, 1, 45)),
            msg(Sender::Customer, minute(at(9, 10, 0))),
            human(at(9, 13, 30)),
            KpiMessage {
                sender: Sender::System,
                time: Some(Time::exact(at(9, 15, 0))),
                order: Some(Order {
                    paid: true,
                    amount_cents: Some(12_900),
                }),
            },
            customer(at(23, 0, 10)),
        ];
        let exact = |s: u64| Some(Range { lo: s, hi: s });
        let ranged = Some(Range { lo: 151, hi: 210 });

        let tb = kpi(Platform::Taobao, &messages);
        let questions: Vec<_> = tb.rounds.iter().map(|r| r.question).collect();
        assert_eq!(questions, [0, 3, 6, 9]);
        let responses: Vec<_> = tb.rounds.iter().map(|r| r.response).collect();
        assert_eq!(responses, [exact(85), exact(45), ranged, None]);
        let within: Vec<_> = tb.rounds.iter().map(|r| r.within).collect();
        assert_eq!(within, [Some(true), Some(true), None, Some(false)]);
        assert_eq!(rate(&tb), (2, 3, 1));
        assert_eq!(tb.first_response, exact(85));
        let t = totals(std::slice::from_ref(&tb));
        assert_eq!(t.response.bounds(), Some((281.0 / 3.0, 340.0 / 3.0)));
        assert_eq!(t.mean_response(), Some(103.5));
        assert_eq!(
            (t.conversion_rate(), t.average_order_yuan()),
            (Some(1.0), Some(129.0))
        );
        assert_eq!(t.robot_replies, 1);

        let jd = kpi(Platform::Jd, &messages);
        let left: Vec<_> = jd.rounds.iter().map(|r| r.left_out).collect();
        let out = Some(Reason::OutOfHours);
        assert_eq!(left, [out, None, None, out]);
        let within: Vec<_> = jd.rounds.iter().map(|r| r.within).collect();
        assert_eq!(within, [None, Some(false), Some(false), None]);
        assert_eq!(
            (jd.left_message, rate(&jd), jd.first_response),
            (Some(true), (0, 0, 0), None)
        );
        let t = totals(&[jd]);
        assert_eq!(t.mean_response(), Some(112.75));
        assert_eq!(t.left_message_rate(), Some(1.0));

        let pdd = kpi(Platform::Pdd, &messages);
        let left: Vec<_> = pdd.rounds.iter().map(|r| r.left_out).collect();
        assert_eq!(left, [None, None, None, out]);
        assert_eq!((rate(&pdd), pdd.first_response), ((1, 1, 0), exact(85)));
        assert_eq!(totals(&[pdd]).mean_response(), Some(103.5));

        let robots = KpiRules {
            count_robot: true,
            ..KpiRules::new(Platform::Taobao)
        };
        let tb_robots = conversation_kpi(&robots, &messages, true);
        assert_eq!(tb_robots.rounds[0].answer, Some(1));
        assert_eq!(tb_robots.first_response, exact(30));
        assert_eq!((tb_robots.rounds.len(), rate(&tb_robots)), (4, (2, 3, 1)));
        let t = totals(&[tb_robots]);
        assert_eq!(t.response.bounds(), Some((226.0 / 3.0, 95.0)));
        assert_eq!(t.mean_response(), Some(511.0 / 6.0));
    }
}
