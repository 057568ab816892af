//! `kefu gen transcripts`: a synthetic corpus of shop chats for trying out and benchmarking the
//! QA scorer.
//!
//! Each conversation is played for real: the simulated [`Customer`] of a bundled scenario talks
//! to a scripted agent from a small roster, every agent reply is scored by the [`Scorer`] and the
//! customer reacts to that score, so branching, moods and outcomes are the ones training gives.
//!
//! About a third of the played conversations are then rewritten in the register of real exports
//! (module `messy`): agent replies in bubbles or joined with spaces behind openers like "亲 在的呢",
//! casual customers without punctuation who send bursts, pasted order cards and logistics notices,
//! and anonymised placeholders (`[数字1]`, `[金额1]`, `[订单1]`, `[姓名1]`…), so that the scorer is measured
//! on what real chats look like, not only on reference answers.
//!
//! Playing is the slow part, so only a pool of distinct template conversations is played
//! (scenario × seed × agent, at most [`TEMPLATE_POOL`]); the corpus samples them, giving each
//! copy its own conversation id and start time. Conversations arrive at staggered times and
//! overlap; JSONL and CSV output interleave their messages in global time order by a k-way merge
//! over the conversations currently open, so memory stays bounded however many are asked for.
//! The chat-log format groups messages under a separator per conversation, so it writes each
//! conversation whole, in order of start time.
//!
//! The same content, seed and options always give the same bytes.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::{self, Write};
use std::sync::Arc;

use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{RngExt, SeedableRng};
use serde::Serialize;

use super::Format;
use crate::content::{Content, Outcome, Scenario};
use crate::engine::Scorer;
use crate::session::clock::format_unix;
use crate::session::{FixedClock, Session};
use crate::sim::Customer;
use crate::transcript::Role;

mod messy;

/// 2026-11-23 09:00:00 UTC.
pub const DEFAULT_START_TS: i64 = 1_795_424_400;

/// Most template conversations played; larger corpora reuse them.
pub const TEMPLATE_POOL: usize = 3000;

/// Agent replies after which a template is cut off (the customer gives up).
const MAX_REPLIES: usize = 40;

/// What to generate.
#[derive(Debug, Clone)]
pub struct GenOptions {
    pub conversations: usize,
    pub seed: u64,
    pub format: Format,
    /// Unix seconds of the first message.
    pub start_ts: i64,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            conversations: 1000,
            seed: 1,
            format: Format::Jsonl,
            start_ts: DEFAULT_START_TS,
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GenStats {
    pub conversations: usize,
    pub messages: usize,
}

/// How an agent works in general.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Skill {
    Good,
    Poor,
}

/// One sub-account (子账号) of the shop and how its holder answers.
#[derive(Debug, Clone, Copy)]
pub struct AgentProfile {
    pub name: &'static str,
    pub skill: Skill,
    /// Chance of answering a turn with the scenario's reference answer.
    pub care: f64,
    /// Chance, per reply, of saying something off-platform or otherwise over a red line.
    pub red_line: f64,
    /// Usual reply time in seconds (inclusive).
    pub latency: (u32, u32),
    /// Chance of a very slow reply (180–300 s).
    pub slow: f64,
}

/// The shop's agents: half careful and quick, half careless and slow.
pub const ROSTER: &[AgentProfile] = &[
    AgentProfile {
        name: "小美",
        skill: Skill::Good,
        care: 0.93,
        red_line: 0.0,
        latency: (3, 12),
        slow: 0.0,
    },
    AgentProfile {
        name: "小禾",
        skill: Skill::Good,
        care: 0.88,
        red_line: 0.0,
        latency: (4, 18),
        slow: 0.0,
    },
    AgentProfile {
        name: "阿杰",
        skill: Skill::Good,
        care: 0.84,
        red_line: 0.0,
        latency: (5, 25),
        slow: 0.0,
    },
    AgentProfile {
        name: "小林",
        skill: Skill::Poor,
        care: 0.6,
        red_line: 0.0,
        latency: (10, 90),
        slow: 0.04,
    },
    AgentProfile {
        name: "思思",
        skill: Skill::Good,
        care: 0.8,
        red_line: 0.0,
        latency: (4, 22),
        slow: 0.0,
    },
    AgentProfile {
        name: "大鹏",
        skill: Skill::Poor,
        care: 0.4,
        red_line: 0.03,
        latency: (10, 150),
        slow: 0.1,
    },
    AgentProfile {
        name: "安安",
        skill: Skill::Poor,
        care: 0.3,
        red_line: 0.02,
        latency: (15, 200),
        slow: 0.15,
    },
    AgentProfile {
        name: "小周",
        skill: Skill::Poor,
        care: 0.25,
        red_line: 0.06,
        latency: (10, 240),
        slow: 0.2,
    },
];

/// Weak replies, by what the customer raised (topic names from the rubric).
const WEAK_BY_TOPIC: &[(&[&str], &[&str])] = &[
    (
        &["size"],
        &[
            "个人建议看尺码表哦",
            "自己看详情页尺码表",
            "看您平时穿什么码就拍什么码",
            "应该M码吧",
        ],
    ),
    (
        &["discount", "price", "gift"],
        &[
            "不能便宜了亲",
            "已经是最低价了，不能少",
            "不议价的亲",
            "没有赠品哦",
        ],
    ),
    (&["shipping"], &["不包邮的", "运费看地址哦"]),
    (
        &["complaint", "refund", "exchange"],
        &[
            "我们也没办法，是快递的问题",
            "您自己申请退款吧",
            "不知道，您等等吧",
        ],
    ),
    (&["delivery"], &["不清楚，看快递", "等着吧，会到的"]),
    (
        &["quality", "material", "authenticity", "color"],
        &["放心吧，质量很好", "不会的", "自己看详情页", "都差不多"],
    ),
];

/// Weak replies when nothing in particular was raised.
const WEAK_GENERIC: &[&str] = &["不知道", "好的", "嗯", "亲，在的", "自己看详情页"];

/// Replies over a red line (off the platform, absolute claims).
const RED_LINE: &[&str] = &[
    "亲，加我微信吧，私下给您便宜",
    "加我微信，给您返现",
    "您直接转账给我，我给您发货",
    "亲，我们家是全网质量最好的",
];

const FAREWELL_SALE: &[&str] = &[
    "感谢亲的支持～付款后尽快给您安排发货，有问题随时找我哦😊",
    "好的亲，谢谢支持，祝您穿着愉快～",
    "收到～我这边帮您备注尽快发出，感谢支持😊",
];
const FAREWELL_SERVICE: &[&str] = &[
    "不客气亲，给您添麻烦了，有问题随时找我～",
    "好的亲，我会持续跟进，有进展第一时间联系您😊",
];
const FAREWELL_LEFT: &[&str] = &["好的亲，有需要随时找我哦～", "好的，欢迎再来看看～"];
const FAREWELL_CURT: &[&str] = &["好的", "嗯", "ok"];

/// What the shop's robot (店小蜜) says before a person takes the chat, in the shops that run one.
const ROBOT_GREETINGS: &[&str] = &[
    "您好，我是店小蜜，正在为您转接人工客服，请稍等～",
    "亲，欢迎光临！客服小姐姐马上就来，您可以先说说您的问题哦～",
];

/// The share of conversations the robot greets first.
const ROBOT_SHARE: f64 = 0.25;

/// System lines: event and text.
const ORDER_PLACED: (&str, &str) = ("order_placed", "买家已下单");
const ORDER_PAID: (&str, &str) = ("order_paid", "买家已付款");
const CUSTOMER_LEFT: (&str, &str) = ("customer_left", "买家已离开");

/// One message of a template, timed from the conversation's start.
#[derive(Debug, Clone, PartialEq)]
struct TemplateMessage {
    offset: u32,
    role: Role,
    text: Box<str>,
    event: Option<&'static str>,
}

/// One played conversation.
#[derive(Debug, Clone)]
struct Template {
    agent: usize,
    scenario: usize,
    /// The size that fits the customer, for an order card.
    size: Option<Box<str>>,
    /// The first message is always the customer's (the opening, or a greeting or paste before
    /// it).
    messages: Vec<TemplateMessage>,
}

/// Writes a synthetic corpus of `opts.conversations` conversations to `out` in `opts.format`.
///
/// `out` should be buffered (many small writes). Deterministic: the same content, scorer and
/// options give the same bytes.
pub fn generate(
    content: &Content,
    scorer: &Arc<Scorer>,
    opts: &GenOptions,
    out: &mut dyn Write,
) -> io::Result<GenStats> {
    let pool = opts.conversations.min(TEMPLATE_POOL);
    let templates = play_templates(content, scorer, opts.seed, pool)?;
    let shop = content.catalog.shop.name.as_str();
    let mut arrivals = Arrivals::new(opts, templates.len());
    let mut sink = Sink::new(opts.format, shop, out)?;
    let mut stats = GenStats::default();
    match opts.format {
        Format::Excel => return Err(io::Error::other("kefu gen writes jsonl, csv or log")),
        Format::Log => {
            while let Some(conv) = arrivals.next_conversation(&templates) {
                let product = content.scenarios[conv.template.scenario].product_id();
                for (pos, m) in conv.template.messages.iter().enumerate() {
                    sink.write(&conv, pos, m, product)?;
                }
                stats.conversations += 1;
                stats.messages += conv.template.messages.len();
            }
        }
        Format::Jsonl | Format::Csv => {
            // Open conversations live in `slots`; the heap holds, per open conversation, the time
            // of its next message, then its index (which breaks ties), then its slot.
            let mut slots: Vec<Option<Open>> = Vec::new();
            let mut free: Vec<usize> = Vec::new();
            let mut heap: BinaryHeap<Reverse<(i64, usize, usize)>> = BinaryHeap::new();
            let mut pending = arrivals.next_conversation(&templates);
            loop {
                // Open every conversation that starts no later than the next message due.
                while let Some(conv) = pending.take() {
                    if heap
                        .peek()
                        .is_some_and(|Reverse((ts, _, _))| *ts < conv.start)
                    {
                        pending = Some(conv);
                        break;
                    }
                    let key = (conv.start, conv.index);
                    let slot = match free.pop() {
                        Some(s) => {
                            slots[s] = Some(conv);
                            s
                        }
                        None => {
                            slots.push(Some(conv));
                            slots.len() - 1
                        }
                    };
                    heap.push(Reverse((key.0, key.1, slot)));
                    stats.conversations += 1;
                    pending = arrivals.next_conversation(&templates);
                }
                let Some(Reverse((_, index, slot))) = heap.pop() else {
                    break;
                };
                let conv = slots[slot].as_mut().expect("an open conversation");
                let m = &conv.template.messages[conv.pos];
                let product = content.scenarios[conv.template.scenario].product_id();
                sink.write(conv, conv.pos, m, product)?;
                stats.messages += 1;
                conv.pos += 1;
                match conv.template.messages.get(conv.pos) {
                    Some(next) => {
                        heap.push(Reverse((conv.start + i64::from(next.offset), index, slot)));
                    }
                    None => {
                        slots[slot] = None;
                        free.push(slot);
                    }
                }
            }
        }
    }
    sink.finish()?;
    Ok(stats)
}

/// Plays `pool` template conversations, covering scenario × agent pairs evenly.
fn play_templates(
    content: &Content,
    scorer: &Arc<Scorer>,
    seed: u64,
    pool: usize,
) -> io::Result<Vec<Template>> {
    // The simulated customers share one copy of the content.
    let shared = Arc::new(content.clone());
    let playable: Vec<usize> = (0..content.scenarios.len())
        .filter(|&i| Customer::new(Arc::clone(&shared), content.scenarios[i].id(), 0).is_some())
        .collect();
    if playable.is_empty() {
        return if pool == 0 {
            Ok(Vec::new())
        } else {
            Err(io::Error::other("no playable scenario in the content"))
        };
    }
    let scenarios = playable.len();
    let agents = ROSTER.len();
    let mut templates = Vec::with_capacity(pool);
    for i in 0..pool {
        // Walk all scenario × agent pairs; for a fixed scenario the agent runs through the
        // whole roster, and neighbouring templates get different agents.
        let pair = i % (scenarios * agents);
        let scenario = playable[pair % scenarios];
        let agent = (pair / scenarios + pair % scenarios) % agents;
        let template_seed = mix(seed, i as u64);
        let mut template = play(&shared, scorer, scenario, agent, template_seed);
        messy::roughen(&mut template, content, template_seed);
        templates.push(template);
    }
    Ok(templates)
}

/// SplitMix64 of the seed and an index: independent seeds for neighbouring templates.
fn mix(seed: u64, index: u64) -> u64 {
    let mut z = seed
        .wrapping_add(index.wrapping_mul(0x9E37_79B9_7F4A_7C15))
        .wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Plays one scenario with one agent, through the trainer's session API on a clock of its own:
/// the agent's latency and the customer's typing move the clock, and a customer kept waiting
/// nudges, or leaves, as in training.
fn play(
    content: &Arc<Content>,
    scorer: &Arc<Scorer>,
    scenario_index: usize,
    agent_index: usize,
    seed: u64,
) -> Template {
    let scenario: &Scenario = &content.scenarios[scenario_index];
    let agent = &ROSTER[agent_index];
    let mut rng = StdRng::seed_from_u64(mix(seed, 0xA6E7));
    let clock = Arc::new(FixedClock::new(0));
    let (mut session, opening) = Session::simulated(content, scorer, scenario.id(), seed, &clock)
        .expect("a playable scenario");
    let mut messages = Vec::new();
    let mut push = |offset: u32, role: Role, text: &str, event: Option<&'static str>| {
        messages.push(TemplateMessage {
            offset,
            role,
            text: text.into(),
            event,
        });
    };

    let opening = opening.join(" ");
    push(0, Role::Customer, &opening, None);
    // The robot and the amount paid draw from their own generator, so that the rest of the
    // corpus is what it was without them.
    let mut extra = StdRng::seed_from_u64(mix(seed, 0x0B07));
    if extra.random_bool(ROBOT_SHARE) {
        let greeting = ROBOT_GREETINGS.choose(&mut extra).expect("greetings");
        push(1, Role::Robot, greeting, None);
    }
    let mut t: u32 = 0;
    let mut last_customer = opening;
    let mut ending = None;
    for reply_number in 0..MAX_REPLIES {
        let latency = reply_latency(&mut rng, agent, reply_number == 0);
        // What a customer kept waiting does meanwhile: nudges (they do not restart the reply
        // timer), or leaving when patience runs out.
        let mut latest = t;
        for (after, event) in session.upcoming() {
            let after = (after.as_secs_f64().ceil() as u32).max(1);
            if after < latency {
                push(t + after, Role::Customer, event.line(), None);
                latest = latest.max(t + after);
            }
        }
        let reference = session.customer.reference();
        let reply = choose_reply(
            &mut rng,
            scorer,
            agent,
            reference.as_deref(),
            session.customer.poor_reply(),
            &last_customer,
        );
        clock.advance_ms(u64::from(latency) * 1000);
        let exchange = session.reply(&reply);
        if exchange.too_late {
            // The customer left before the reply came: it is never sent, and what follows
            // comes after their goodbye.
            ending = exchange.ending.map(|e| e.outcome);
            t = latest;
            break;
        }
        t += latency;
        push(t, Role::Agent, &reply, None);
        let mut typed = 0;
        for line in &exchange.customer_lines {
            let typing = typing_time(&mut rng, line);
            t += typing;
            typed += typing;
            push(t, Role::Customer, line, None);
            last_customer.clone_from(line);
        }
        clock.advance_ms(u64::from(typed) * 1000);
        session.customer_typed(u64::from(typed) * 1000);
        if exchange.ending.is_some() {
            ending = exchange.ending.map(|e| e.outcome);
            break;
        }
    }
    let order_value = session.customer.ending().and_then(|e| e.order_value);
    let outcome = ending.unwrap_or(Outcome::Left);

    // A closing line from the agent, more often from careful ones.
    let farewell_chance = match agent.skill {
        Skill::Good => 0.75,
        Skill::Poor => 0.25,
    };
    if rng.random_bool(farewell_chance) {
        let lines = match (agent.skill, outcome) {
            (Skill::Poor, _) => FAREWELL_CURT,
            (_, Outcome::Bought) => FAREWELL_SALE,
            (_, Outcome::Left) => FAREWELL_LEFT,
            _ => FAREWELL_SERVICE,
        };
        t += reply_latency(&mut rng, agent, false);
        push(t, Role::Agent, lines.choose(&mut rng).expect("lines"), None);
    }
    match outcome {
        Outcome::Bought => {
            t += rng.random_range(15..=180);
            push(t, Role::System, ORDER_PLACED.1, Some(ORDER_PLACED.0));
            t += rng.random_range(5..=120);
            let paid = match order_value {
                Some(p) => format!("{}，实付 ¥{p:.2}", ORDER_PAID.1),
                None => ORDER_PAID.1.to_string(),
            };
            push(t, Role::System, &paid, Some(ORDER_PAID.0));
        }
        Outcome::Left => {
            t += rng.random_range(30..=300);
            push(t, Role::System, CUSTOMER_LEFT.1, Some(CUSTOMER_LEFT.0));
        }
        Outcome::Resolved | Outcome::Unresolved => {}
    }
    Template {
        agent: agent_index,
        scenario: scenario_index,
        size: session
            .customer
            .scripted()
            .and_then(|c| c.right_size())
            .map(Into::into),
        messages,
    }
}

/// Seconds an agent takes to answer; first replies come faster.
fn reply_latency(rng: &mut StdRng, agent: &AgentProfile, first: bool) -> u32 {
    // A slow reply is never the first: every generated chat gets an answer before a customer
    // can run out of patience (those who do later leave mid-chat, as in training).
    if !first && agent.slow > 0.0 && rng.random_bool(agent.slow) {
        return rng.random_range(180..=300);
    }
    let (lo, hi) = agent.latency;
    if first {
        let lo = (lo / 2).max(2);
        rng.random_range(lo..=(hi / 4).max(lo + 2))
    } else {
        rng.random_range(lo..=hi)
    }
}

/// Seconds between an agent's reply and the customer's next line.
fn typing_time(rng: &mut StdRng, line: &str) -> u32 {
    rng.random_range(4..=20) + line.chars().count() as u32 / 5
}

/// What the agent says to the current turn.
fn choose_reply(
    rng: &mut StdRng,
    scorer: &Scorer,
    agent: &AgentProfile,
    reference: Option<&str>,
    poor: Option<String>,
    customer_text: &str,
) -> String {
    if agent.red_line > 0.0 && rng.random_bool(agent.red_line) {
        return RED_LINE.choose(rng).expect("lines").to_string();
    }
    if let Some(reference) = reference.filter(|_| rng.random_bool(agent.care)) {
        return vary(rng, reference);
    }
    if let Some(poor) = poor.filter(|_| rng.random_bool(0.6)) {
        return poor;
    }
    let topics = scorer.topics_of(customer_text);
    let lines = WEAK_BY_TOPIC
        .iter()
        .find(|(names, _)| names.iter().any(|n| topics.contains(n)))
        .map_or(WEAK_GENERIC, |(_, lines)| lines);
    lines.choose(rng).expect("lines").to_string()
}

/// A reference answer as a person types it: sometimes without the closing emoticon, sometimes
/// with a warmer greeting.
fn vary(rng: &mut StdRng, reference: &str) -> String {
    let mut text = reference.trim_end().to_string();
    if rng.random_bool(0.3) {
        if let Some(last) = text.chars().last().filter(|c| "😊😄🙂～~".contains(*c)) {
            text.truncate(text.len() - last.len_utf8());
        }
    }
    if rng.random_bool(0.15) {
        if let Some(rest) = text.strip_prefix("亲，") {
            text = format!("亲亲，{rest}");
        }
    }
    text
}

/// A conversation of the corpus: a template placed at a time, under an id.
struct Open<'t> {
    index: usize,
    id: String,
    template: &'t Template,
    start: i64,
    /// The next message to write.
    pos: usize,
}

/// Start times and templates of the corpus's conversations, in order.
struct Arrivals {
    rng: StdRng,
    total: usize,
    next: usize,
    clock: i64,
    width: usize,
    /// Templates for the first pass, shuffled; later conversations pick at random.
    order: Vec<usize>,
}

impl Arrivals {
    fn new(opts: &GenOptions, templates: usize) -> Arrivals {
        let mut rng = StdRng::seed_from_u64(mix(opts.seed, 0xC0DE));
        let mut order: Vec<usize> = (0..templates).collect();
        order.shuffle(&mut rng);
        Arrivals {
            rng,
            total: if templates == 0 {
                0
            } else {
                opts.conversations
            },
            next: 0,
            clock: opts.start_ts,
            width: opts.conversations.to_string().len().max(6),
            order,
        }
    }

    fn next_conversation<'t>(&mut self, templates: &'t [Template]) -> Option<Open<'t>> {
        if self.next >= self.total {
            return None;
        }
        let index = self.next;
        self.next += 1;
        if index > 0 {
            self.clock += self.rng.random_range(2..=20);
        }
        let template = match self.order.get(index) {
            Some(&t) => t,
            None => self.rng.random_range(0..templates.len()),
        };
        Some(Open {
            index,
            id: format!("c{:0width$}", index + 1, width = self.width),
            template: &templates[template],
            start: self.clock,
            pos: 0,
        })
    }
}

/// One JSONL line, borrowing its parts; serializes exactly like [`crate::transcript::Message`].
#[derive(Serialize)]
struct JsonLine<'a> {
    conversation: &'a str,
    ts: &'a str,
    role: Role,
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    agent: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    product: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'a str>,
}

/// Formats timestamps, reusing the last one (messages mostly come in time order).
struct Timestamps {
    secs: i64,
    text: String,
}

impl Timestamps {
    fn get(&mut self, secs: i64) -> &str {
        if secs != self.secs || self.text.is_empty() {
            self.secs = secs;
            self.text = format_unix(secs);
        }
        &self.text
    }
}

enum Writer<'o> {
    Jsonl(&'o mut dyn Write),
    Csv(Box<csv::Writer<&'o mut dyn Write>>),
    Log(&'o mut dyn Write),
}

/// Writes messages in the chosen format.
struct Sink<'o> {
    writer: Writer<'o>,
    shop: &'o str,
    ts: Timestamps,
    speaker: String,
}

impl<'o> Sink<'o> {
    fn new(format: Format, shop: &'o str, out: &'o mut dyn Write) -> io::Result<Sink<'o>> {
        let writer = match format {
            Format::Jsonl => Writer::Jsonl(out),
            Format::Log => Writer::Log(out),
            Format::Csv => {
                out.write_all("\u{feff}".as_bytes())?;
                let mut csv = csv::Writer::from_writer(out);
                csv.write_record(["会话ID", "时间", "角色", "客服", "内容", "商品ID", "事件"])?;
                Writer::Csv(Box::new(csv))
            }
            Format::Excel => {
                return Err(io::Error::other("kefu gen writes jsonl, csv or log"));
            }
        };
        Ok(Sink {
            writer,
            shop,
            ts: Timestamps {
                secs: 0,
                text: String::new(),
            },
            speaker: String::new(),
        })
    }

    /// Writes message `pos` of an open conversation.
    fn write(
        &mut self,
        conv: &Open<'_>,
        pos: usize,
        m: &TemplateMessage,
        product: &str,
    ) -> io::Result<()> {
        let ts = self.ts.get(conv.start + i64::from(m.offset));
        let agent = (m.role == Role::Agent).then(|| ROSTER[conv.template.agent].name);
        let product = (pos == 0).then_some(product);
        match &mut self.writer {
            Writer::Jsonl(out) => {
                let line = JsonLine {
                    conversation: &conv.id,
                    ts,
                    role: m.role,
                    text: &m.text,
                    agent,
                    product,
                    event: m.event,
                };
                serde_json::to_writer(&mut **out, &line).map_err(io::Error::other)?;
                out.write_all(b"\n")
            }
            Writer::Csv(csv) => {
                let role = match m.role {
                    Role::Customer => "顾客",
                    Role::Agent => "客服",
                    Role::System => "系统",
                    Role::Robot => "机器人",
                };
                csv.write_record([
                    conv.id.as_str(),
                    ts,
                    role,
                    agent.unwrap_or(""),
                    &m.text,
                    product.unwrap_or(""),
                    m.event.unwrap_or(""),
                ])?;
                Ok(())
            }
            Writer::Log(out) => {
                if pos == 0 {
                    writeln!(out, "===== 会话 {} =====", conv.id)?;
                }
                self.speaker.clear();
                match (m.role, agent) {
                    (Role::Agent, Some(name)) => {
                        self.speaker.push_str(self.shop);
                        self.speaker.push(':');
                        self.speaker.push_str(name);
                    }
                    (Role::Customer, _) => {
                        self.speaker.push_str("顾客");
                        self.speaker.push_str(&conv.id);
                    }
                    (Role::Robot, _) => self.speaker.push_str("店小蜜"),
                    _ => self.speaker.push_str("系统"),
                }
                writeln!(out, "{} {}\n{}\n", self.speaker, ts, m.text)
            }
        }
    }

    fn finish(self) -> io::Result<()> {
        match self.writer {
            Writer::Jsonl(out) | Writer::Log(out) => out.flush(),
            Writer::Csv(mut csv) => csv.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;
    use crate::lang::Lang;
    use crate::transcript::Message;

    fn setup() -> (Arc<Content>, Arc<Scorer>) {
        let content = Content::bundled().expect("bundled content is valid");
        let scorer = Scorer::new(&content, Lang::Zh).expect("rubric compiles");
        (Arc::new(content), Arc::new(scorer))
    }

    fn run(content: &Content, scorer: &Arc<Scorer>, n: usize, seed: u64, format: Format) -> String {
        let opts = GenOptions {
            conversations: n,
            seed,
            format,
            start_ts: DEFAULT_START_TS,
        };
        let mut out = Vec::new();
        let stats = generate(content, scorer, &opts, &mut out).expect("generates");
        assert_eq!(stats.conversations, n);
        let text = String::from_utf8(out).expect("UTF-8");
        if format == Format::Jsonl {
            assert_eq!(text.lines().count(), stats.messages);
        }
        text
    }

    fn messages(jsonl: &str) -> Vec<Message> {
        jsonl
            .lines()
            .map(|l| serde_json::from_str::<Message>(l).expect("a transcript message"))
            .collect()
    }

    #[test]
    fn same_seed_gives_the_same_bytes() {
        let (content, scorer) = setup();
        for format in [Format::Jsonl, Format::Csv, Format::Log] {
            let a = run(&content, &scorer, 40, 7, format);
            let b = run(&content, &scorer, 40, 7, format);
            assert_eq!(a, b, "{format}");
        }
        let other = run(&content, &scorer, 40, 8, Format::Jsonl);
        assert_ne!(run(&content, &scorer, 40, 7, Format::Jsonl), other);
    }

    #[test]
    fn jsonl_round_trips_in_time_order_with_distinct_ids() {
        let (content, scorer) = setup();
        let text = run(&content, &scorer, 60, 3, Format::Jsonl);
        let msgs = messages(&text);
        let ids: BTreeSet<&str> = msgs.iter().map(|m| m.conversation.as_str()).collect();
        assert_eq!(ids.len(), 60);
        assert!(ids.contains("c000001") && ids.contains("c000060"));
        assert!(msgs.windows(2).all(|w| w[0].ts <= w[1].ts), "time order");
        // Conversations overlap: some conversation's messages are not contiguous.
        let mut seen = BTreeSet::new();
        let mut interleaved = false;
        for w in msgs.windows(2) {
            if w[0].conversation != w[1].conversation {
                interleaved |= !seen.insert(w[1].conversation.clone());
            }
        }
        assert!(interleaved, "conversations should interleave");
        // Re-serializing a parsed line gives the line back.
        for (line, m) in text.lines().zip(&msgs) {
            assert_eq!(serde_json::to_string(m).unwrap(), line);
        }
        // Each conversation opens with a customer line naming the product; agents are named.
        let mut first: BTreeMap<&str, &Message> = BTreeMap::new();
        for m in &msgs {
            first.entry(m.conversation.as_str()).or_insert(m);
            match m.role {
                Some(Role::Agent) => assert!(m.agent.is_some()),
                _ => assert!(m.agent.is_none()),
            }
        }
        for m in first.values() {
            assert_eq!(m.role, Some(Role::Customer));
            assert!(
                content
                    .catalog
                    .product(m.product.as_deref().unwrap())
                    .is_some()
            );
        }
        assert!(msgs.iter().filter(|m| m.product.is_some()).count() == 60);
    }

    #[test]
    fn a_mix_of_agents_and_outcomes() {
        let (content, scorer) = setup();
        let msgs = messages(&run(&content, &scorer, 120, 11, Format::Jsonl));
        let agents: BTreeSet<&str> = msgs.iter().filter_map(|m| m.agent.as_deref()).collect();
        assert_eq!(agents.len(), ROSTER.len(), "{agents:?}");
        let count = |event: &str| {
            msgs.iter()
                .filter(|m| m.event.as_deref() == Some(event))
                .count()
        };
        assert!(count("order_placed") > 0);
        assert_eq!(count("order_placed"), count("order_paid"));
        assert!(count("customer_left") > 0);
        for m in msgs.iter().filter(|m| m.role == Some(Role::System)) {
            let paid = m.text.starts_with("买家已付款，实付 ¥");
            assert!(
                paid || ["买家已下单", "买家已离开"].contains(&m.text.as_str()),
                "{m:?}"
            );
        }
        // The robot greets some buyers first, and never speaks otherwise.
        let robot: Vec<&Message> = msgs
            .iter()
            .filter(|m| m.role == Some(Role::Robot))
            .collect();
        assert!(!robot.is_empty() && robot.len() < 60, "{}", robot.len());
        assert!(
            robot
                .iter()
                .all(|m| ROBOT_GREETINGS.contains(&m.text.as_str()))
        );
        // Poor agents answer slowly now and then, and someone crosses a red line.
        let texts: Vec<&str> = msgs.iter().map(|m| m.text.as_str()).collect();
        assert!(texts.iter().any(|t| RED_LINE.contains(t)));
        assert!(
            texts
                .iter()
                .any(|t| WEAK_GENERIC.contains(t) || t.contains("尺码表"))
        );
    }

    #[test]
    fn poor_agents_reply_slower_than_good_ones() {
        let (content, scorer) = setup();
        let mut waits: BTreeMap<Skill, (u64, u64)> = BTreeMap::new();
        for i in 0..64 {
            let agent = i % ROSTER.len();
            let t = play(
                &content,
                &scorer,
                i % content.scenarios.len(),
                agent,
                i as u64,
            );
            for w in t.messages.windows(2) {
                if w[0].role == Role::Customer && w[1].role == Role::Agent {
                    let e = waits.entry(ROSTER[agent].skill).or_default();
                    e.0 += u64::from(w[1].offset - w[0].offset);
                    e.1 += 1;
                }
            }
        }
        let mean = |s| waits[&s].0 as f64 / waits[&s].1 as f64;
        assert!(mean(Skill::Poor) > 2.0 * mean(Skill::Good));
    }

    #[test]
    fn csv_has_bom_header_and_quotes() {
        let (content, scorer) = setup();
        let text = run(&content, &scorer, 10, 1, Format::Csv);
        assert!(text.starts_with("\u{feff}会话ID,时间,角色,客服,内容,商品ID,事件\n"));
        let mut reader = csv::Reader::from_reader(text.trim_start_matches('\u{feff}').as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
        assert!(rows.iter().all(|r| r.len() == 7));
        assert!(rows.iter().any(|r| &r[2] == "顾客" && !r[5].is_empty()));
        assert!(rows.iter().any(|r| &r[2] == "客服" && !r[3].is_empty()));
        let jsonl = messages(&run(&content, &scorer, 10, 1, Format::Jsonl));
        assert_eq!(rows.len(), jsonl.len());
        for (row, m) in rows.iter().zip(&jsonl) {
            assert_eq!(
                (&row[0], &row[1], &row[4]),
                (&*m.conversation, &*m.ts, &*m.text)
            );
        }
    }

    #[test]
    fn log_groups_conversations_under_separators() {
        let (content, scorer) = setup();
        let text = run(&content, &scorer, 12, 5, Format::Log);
        let separators: Vec<&str> = text.lines().filter(|l| l.starts_with("=====")).collect();
        assert_eq!(separators.len(), 12);
        assert_eq!(separators[0], "===== 会话 c000001 =====");
        let shop = &content.catalog.shop.name;
        let agent_header = format!("{shop}:");
        assert!(text.lines().any(|l| {
            l.starts_with(&agent_header)
                && ROSTER
                    .iter()
                    .any(|a| l[agent_header.len()..].starts_with(a.name))
        }));
        assert!(
            text.lines()
                .any(|l| l.starts_with("顾客c000001 2026-11-23 09:00:00"))
        );
        assert!(text.lines().any(|l| l.starts_with("系统 ")));
        // Same messages as the JSONL corpus, conversation by conversation.
        let jsonl = messages(&run(&content, &scorer, 12, 5, Format::Jsonl));
        let headers = text
            .lines()
            .filter(|l| {
                ["顾客c", agent_header.as_str(), "系统 ", "店小蜜 "]
                    .iter()
                    .any(|p| l.starts_with(p))
            })
            .count();
        assert_eq!(headers, jsonl.len());
    }

    /// Whether `text` has a digit outside square brackets.
    fn digit_outside_brackets(text: &str) -> bool {
        let mut inside = false;
        text.chars().any(|c| {
            match c {
                '[' => inside = true,
                ']' => inside = false,
                _ => {}
            }
            !inside && c.is_ascii_digit()
        })
    }

    #[test]
    fn about_a_third_of_the_templates_are_roughened_deterministically() {
        let (content, scorer) = setup();
        let playable: Vec<usize> = (0..content.scenarios.len())
            .filter(|&i| {
                Customer::new(Arc::clone(&content), content.scenarios[i].id(), 0).is_some()
            })
            .collect();
        let n = 300;
        let mut messy = 0;
        for i in 0..n {
            let seed = mix(9, i as u64);
            let clean = play(
                &content,
                &scorer,
                playable[i % playable.len()],
                i % ROSTER.len(),
                seed,
            );
            let mut rough = clean.clone();
            messy::roughen(&mut rough, &content, seed);
            let mut again = clean.clone();
            messy::roughen(&mut again, &content, seed);
            assert_eq!(rough.messages, again.messages, "same seed, same mess");
            if rough.messages == clean.messages {
                continue;
            }
            messy += 1;
            // Mess adds and rewrites; it keeps who opens, time order, the outcome and the
            // number of turns.
            let m = &rough.messages;
            assert_eq!(m[0].role, Role::Customer);
            assert!(m.windows(2).all(|w| w[0].offset <= w[1].offset), "{m:#?}");
            assert!(m.len() >= clean.messages.len());
            let events =
                |t: &Template| -> Vec<&str> { t.messages.iter().filter_map(|m| m.event).collect() };
            assert_eq!(events(&rough), events(&clean));
            for m in m {
                assert!(!m.text.is_empty() && m.text.trim() == &*m.text, "{m:?}");
                assert!(!m.text.contains('\n'), "{m:?}");
            }
            assert!(rough.messages.last().unwrap().offset >= clean.messages.last().unwrap().offset);
        }
        let share = f64::from(messy) / n as f64;
        assert!((0.25..=0.45).contains(&share), "{share}");
    }

    #[test]
    fn the_corpus_speaks_the_register_of_real_exports() {
        let (content, scorer) = setup();
        let text = run(&content, &scorer, 500, 1, Format::Jsonl);
        assert_eq!(
            text,
            run(&content, &scorer, 500, 1, Format::Jsonl),
            "same seed, same bytes"
        );
        let msgs = messages(&text);
        let mut by_conv: BTreeMap<&str, Vec<&Message>> = BTreeMap::new();
        for m in &msgs {
            by_conv.entry(&m.conversation).or_default().push(m);
        }
        let is = |m: &Message, role: Role| m.role == Some(role);
        let pairs = || by_conv.values().flat_map(|c| c.windows(2));
        let texts = || msgs.iter().map(|m| m.text.as_str());

        // Agent bubbles: an opener as its own message with the reply after it, and openers
        // joined with the reply into one line.
        assert!(pairs().any(|w| {
            is(w[0], Role::Agent)
                && is(w[1], Role::Agent)
                && messy::FIRST_OPENERS.contains(&w[0].text.as_str())
        }));
        assert!(msgs.iter().any(|m| {
            is(m, Role::Agent)
                && messy::FIRST_OPENERS
                    .iter()
                    .chain(messy::LATER_OPENERS)
                    .any(|o| m.text.starts_with(&format!("{o} ")))
        }));
        // Casual customers: a greeting before the question, bursts, a hurried word, colloquial
        // words, lines without punctuation.
        assert!(pairs().any(|w| {
            is(w[0], Role::Customer)
                && is(w[1], Role::Customer)
                && messy::GREETINGS.contains(&w[0].text.as_str())
        }));
        assert!(
            msgs.iter()
                .any(|m| { is(m, Role::Customer) && messy::HURRY.contains(&m.text.as_str()) })
        );
        assert!(msgs.iter().any(|m| {
            is(m, Role::Customer) && (m.text.contains('咋') || m.text.contains('啥'))
        }));
        assert!(msgs.iter().any(|m| {
            is(m, Role::Customer) && m.text.contains('能') && m.text.ends_with('不')
        }));
        let bare = msgs
            .iter()
            .filter(|m| is(m, Role::Customer) && m.text.chars().count() >= 8)
            .filter(|m| !m.text.contains(['，', '。', '？', '！', '?', '!', '～']))
            .count();
        assert!(bare > 50, "{bare}");
        // Pasted order cards, logistics notices, links and titles.
        assert!(texts().any(|t| t.starts_with("订单号：") && t.contains("状态：")));
        assert!(texts().any(|t| t.starts_with("【物流】")));
        assert!(texts().any(|t| t.contains("item.taobao.com") || t.contains("[链接")));
        assert!(texts().any(|t| t.contains("新款") || t.contains("百搭")));
        // Anonymised conversations: every kind of placeholder, and no digit left outside one.
        for label in [
            "数字", "金额", "订单", "姓名", "地址", "电话", "日期", "时间", "站点", "链接",
        ] {
            let p = format!("[{label}1]");
            assert!(texts().any(|t| t.contains(&p)), "{p}");
        }
        let mut anonymised = 0;
        for conv in by_conv.values() {
            if conv
                .iter()
                .any(|m| m.text.contains("[数字") || m.text.contains("[金额"))
            {
                anonymised += 1;
                for m in conv.iter().filter(|m| m.role != Some(Role::System)) {
                    assert!(!digit_outside_brackets(&m.text), "{}", m.text);
                }
            }
        }
        assert!(anonymised > 20, "{anonymised}");
        // Most conversations are still tidy.
        let tidy = by_conv
            .values()
            .filter(|c| c.iter().all(|m| !m.text.contains('[')))
            .count();
        assert!(tidy > 250, "{tidy}");
    }

    #[test]
    fn zero_conversations_write_nothing_but_the_csv_header() {
        let (content, scorer) = setup();
        assert_eq!(run(&content, &scorer, 0, 1, Format::Jsonl), "");
        assert_eq!(
            run(&content, &scorer, 0, 1, Format::Csv),
            "\u{feff}会话ID,时间,角色,客服,内容,商品ID,事件\n"
        );
    }
}
