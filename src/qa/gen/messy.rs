//! The register of real exports, laid over a played conversation.
//!
//! A played template is tidy: one message per turn, reference answers and scripted customer
//! lines with full punctuation. Real exports are not (see `../shared/REAL-CHATS.md` of the
//! project notes), and the scorer must be measured on what it will meet. [`roughen`] rewrites
//! about a third of the templates ([`MESSY_SHARE`]) the way exported chats look:
//!
//! - **Bubbles.** An agent reply goes out as two or three messages seconds apart, or behind a
//!   short opener ("亲", "在的呢", "您好 小妹在的"), sometimes with a platform emoticon after it.
//! - **Export style.** Some exports keep bubbles as separate messages from the same side, others
//!   join them with spaces into one line ("亲 在的呢 L码就可以"); one style per conversation, for
//!   both sides.
//! - **Casual customers.** Lines without punctuation, colloquial words (咋样, 啥时候, 能…不),
//!   a greeting first ("在吗"), bursts of short messages, a hurried "急" after a question.
//! - **Pasted things.** Order cards and logistics notices in after-sales chats, a product link or
//!   a keyword-stuffed product title before a pre-sales question, the order card and a changed
//!   address after a purchase, the shop's return address when an agent arranges a return.
//! - **Anonymised exports.** Numbers, amounts, times, dates, order numbers, names, phones,
//!   addresses, stations and links become placeholders (`[数字1]`, `[金额2]`, `[订单1]`…), the same
//!   value keeping the same placeholder within the conversation.
//!
//! The clean conversation is played first and is the same as without this pass, so outcomes and
//! latencies are the played ones; only text is rewritten and messages are added, and times after
//! an added message move on by its few seconds. Everything comes from the template's seed.

use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{RngExt, SeedableRng};

use super::{ORDER_PAID, Template, TemplateMessage, mix};
use crate::content::{Content, Order};
use crate::transcript::Role;

/// Share of conversations given some mess.
pub const MESSY_SHARE: f64 = 0.35;

/// Opening bubbles of an agent's first reply.
pub(super) const FIRST_OPENERS: &[&str] = &[
    "亲",
    "在的呢",
    "亲 在的呢",
    "您好 小妹在的",
    "亲亲 在的哦",
    "在的亲",
    "您好～欢迎光临",
    "来啦来啦",
    "亲 让您久等啦",
    "您好 客服小妹为您服务",
];

/// Opening bubbles of later replies.
pub(super) const LATER_OPENERS: &[&str] = &[
    "亲",
    "嗯嗯",
    "好的亲",
    "亲亲",
    "明白的",
    "收到",
    "好的呢",
    "稍等哦 小妹看下",
    "这边帮您看下哈",
    "理解的亲",
];

/// Bubbles after a reply.
const TRAILERS: &[&str] = &["[微笑]", "[玫瑰]", "[握手]", "您看下哈", "亲 您看下呢"];

/// What a customer sends before the first question.
pub(super) const GREETINGS: &[&str] = &[
    "在吗",
    "在吗？",
    "你好",
    "在不在",
    "客服在吗",
    "有人吗",
    "hello",
    "亲 在吗",
];

/// What a customer sends after a question.
pub(super) const HURRY: &[&str] = &["急", "在吗", "？？", "快点回哈", "等你回复", "急用"];

/// Words a customer puts before a line.
const PREFIXES: &[&str] = &["亲 ", "老板 ", "客服 ", "你好 ", "那个 "];

/// Colloquial forms: each is tried once per casual line.
const COLLOQUIAL: &[(&str, &str)] = &[
    ("怎么样", "咋样"),
    ("什么时候", "啥时候"),
    ("为什么", "为啥"),
    ("怎么回事", "咋回事"),
    ("怎么办", "咋办"),
    ("什么", "啥"),
    ("您", "你"),
    ("谢谢", "谢啦"),
    ("好的", "好滴"),
    ("一下", "下"),
    ("是不是", "是不"),
    ("多少钱", "多钱"),
];

/// Order cards as the platform renders them, pasted by the customer.
const ORDER_CARDS: &[&str] = &[
    "订单号：{order} 商品：{product} {variant} 下单时间：{date} {time} 状态：{status}",
    "订单编号：{order} {product} {variant} 实付款：¥{amount} 状态：{status}",
    "【订单信息】{product} {variant} 数量：1 实付：{amount}元 订单号：{order} 下单时间：{date}",
];

/// What a customer says with the card.
const CARD_INTROS: &[&str] = &["就这单", "订单在这", "你看下这个订单", "帮我查下这单"];

/// Logistics notices of a parcel still on its way.
const IN_TRANSIT: &[&str] = &[
    "【物流】您的快件已到达{site}，正在分拣中",
    "【物流】{date} {time} 您的包裹已由{site}发往{site2}",
    "【物流】快件在{site}中转，下一站{site2}",
];

/// What a customer waiting for a parcel says with the notice.
const IN_TRANSIT_COMMENTS: &[&str] = &["你看 一直停在这", "几天了还是这条", "物流就卡这不动了"];

/// Logistics notices of a delivered parcel.
const DELIVERED: &[&str] = &[
    "【物流】您的包裹已到达{site}，派送员{courier} {courier_phone}",
    "【物流】您的快件已签收，签收人：{buyer}，如有疑问请联系派送员{courier} {courier_phone}",
    "【物流】您的包裹已放入{site}，请凭取件码{code}及时领取",
];

/// A pre-sales customer pasting the item.
const ITEM_PASTES: &[&str] = &["{link}", "{link} 这款", "{product}{keywords} {color}"];

/// Words of a keyword-stuffed product title.
const TITLE_WORDS: &[&str] = &[
    "2026新款",
    "百搭",
    "显瘦",
    "宽松",
    "韩版",
    "ins风",
    "官方正品",
    "舒适透气",
];

/// After paying: the card, then sometimes a new address.
const PAID_LINES: &[&str] = &["拍好了", "已拍 早点发哈", "付了 记得发货", "拍了亲"];
const NEW_ADDRESS: &[&str] = &[
    "地址写错了 改成{addr} {buyer} {buyer_phone}",
    "麻烦改下地址 {addr} 收件人{buyer} 电话{buyer_phone}",
];
const ADDRESS_ACKS: &[&str] = &[
    "好的亲 已经帮您备注改成{addr}了哦",
    "收到亲 地址这边改好啦 {buyer} {buyer_phone} 没错吧",
    "好的呢 已备注新地址 请放心",
];

/// The shop's return address, sent by an agent who arranged a return or exchange.
const RETURN_ADDRESSES: &[&str] = &[
    "退回地址：{ret_addr} 收件人：{ret_name} {ret_phone} 寄的时候写上订单号哦",
    "亲 寄回地址发您 {ret_addr} {ret_name} {ret_phone}",
];

/// Words of a reply that arranges sending goods back.
const RETURN_WORDS: &[&str] = &["寄回", "换货", "退货"];

const SURNAMES: &[&str] = &["王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"];
const GIVEN: &[&str] = &["丽", "伟", "芳", "敏", "静", "磊", "洋", "婷", "军", "霞"];
const REGIONS: &[&str] = &[
    "浙江省杭州市余杭区",
    "广东省广州市天河区",
    "江苏省苏州市吴中区",
    "四川省成都市武侯区",
    "湖北省武汉市洪山区",
    "山东省青岛市崂山区",
];
const ROADS: &[&str] = &[
    "文一西路",
    "体育西路",
    "东吴北路",
    "科华北路",
    "珞喻路",
    "香港东路",
];
const STATIONS: &[&str] = &[
    "杭州萧山转运中心",
    "广州白云分拨中心",
    "上海青浦转运中心",
    "武汉东西湖分拨中心",
    "成都双流营业部",
    "北京顺义转运中心",
    "小区门口菜鸟驿站",
];

/// What a placeholder stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Number,
    Amount,
    Order,
    Name,
    Address,
    Phone,
    Date,
    Time,
    Station,
    Link,
}

impl Kind {
    const COUNT: usize = 10;

    fn label(self) -> &'static str {
        match self {
            Kind::Number => "数字",
            Kind::Amount => "金额",
            Kind::Order => "订单",
            Kind::Name => "姓名",
            Kind::Address => "地址",
            Kind::Phone => "电话",
            Kind::Date => "日期",
            Kind::Time => "时间",
            Kind::Station => "站点",
            Kind::Link => "链接",
        }
    }

    /// The kind of a `{slot}` of the pieces above; `None` for what an export keeps (product,
    /// colour, size, status).
    fn of_slot(slot: &str) -> Option<Kind> {
        Some(match slot {
            "order" => Kind::Order,
            "buyer" | "courier" | "ret_name" => Kind::Name,
            "buyer_phone" | "courier_phone" | "ret_phone" => Kind::Phone,
            "addr" | "ret_addr" => Kind::Address,
            "site" | "site2" => Kind::Station,
            "date" => Kind::Date,
            "time" => Kind::Time,
            "link" => Kind::Link,
            "amount" => Kind::Amount,
            "code" => Kind::Number,
            _ => return None,
        })
    }
}

/// How an export writes several messages in a row from one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    /// One message each, seconds apart.
    Split,
    /// One line, joined with spaces.
    Joined,
}

/// What mess a conversation gets.
#[derive(Debug, Clone, Copy)]
struct Plan {
    style: Style,
    bubbles: bool,
    casual: bool,
    pasted: bool,
    anonymised: bool,
}

/// What is known of the conversation.
struct Scene<'c> {
    product: &'c str,
    /// The colour the customer bought or asks about.
    color: &'c str,
    size: Option<&'c str>,
    price: f64,
    order: Option<&'c Order>,
    /// The parcel is still on its way (a late-parcel chat).
    in_transit: bool,
}

/// Values of slots and placeholders, one per thing named, for one conversation.
struct Fill {
    anonymised: bool,
    counts: [u32; Kind::COUNT],
    /// (kind, slot name or anonymised text, value).
    known: Vec<(Kind, String, String)>,
}

impl Fill {
    fn new(anonymised: bool) -> Fill {
        Fill {
            anonymised,
            counts: [0; Kind::COUNT],
            known: Vec::new(),
        }
    }

    fn lookup(&self, kind: Kind, key: &str) -> Option<&str> {
        self.known
            .iter()
            .find(|(k, name, _)| *k == kind && name == key)
            .map(|(_, _, v)| v.as_str())
    }

    /// The placeholder of `key`: the one it had, or the kind's next.
    fn placeholder(&mut self, kind: Kind, key: &str) -> String {
        if let Some(v) = self.lookup(kind, key) {
            return v.to_string();
        }
        let n = &mut self.counts[kind as usize];
        *n += 1;
        let value = format!("[{}{}]", kind.label(), n);
        self.known.push((kind, key.to_string(), value.clone()));
        value
    }

    /// The value of `{slot}`: a placeholder in an anonymised conversation, else invented once.
    fn slot(&mut self, rng: &mut StdRng, scene: &Scene<'_>, slot: &str) -> String {
        let Some(kind) = Kind::of_slot(slot) else {
            return match slot {
                "product" => scene.product.to_string(),
                "color" => scene.color.to_string(),
                "variant" => match scene.size {
                    Some(size) => format!("{} {size}", scene.color).trim().to_string(),
                    None => scene.color.to_string(),
                },
                "status" => match scene.order {
                    Some(order) if !order.status.is_empty() => order.status.clone(),
                    Some(_) => "已签收".to_string(),
                    None => "待发货".to_string(),
                },
                "keywords" => {
                    let mut picked: Vec<usize> = (0..TITLE_WORDS.len()).collect();
                    picked.shuffle(rng);
                    picked.truncate(3);
                    picked.sort_unstable();
                    picked.iter().map(|&i| TITLE_WORDS[i]).collect()
                }
                _ => String::new(),
            };
        };
        if self.anonymised {
            return self.placeholder(kind, slot);
        }
        if let Some(v) = self.lookup(kind, slot) {
            return v.to_string();
        }
        let value = invent(rng, scene, slot);
        self.known.push((kind, slot.to_string(), value.clone()));
        value
    }

    /// `piece` with its `{slots}` filled.
    fn render(&mut self, rng: &mut StdRng, scene: &Scene<'_>, piece: &str) -> String {
        let mut out = String::with_capacity(piece.len() + 32);
        let mut rest = piece;
        while let Some(start) = rest.find('{') {
            let Some(len) = rest[start..].find('}') else {
                break;
            };
            out.push_str(&rest[..start]);
            out.push_str(&self.slot(rng, scene, &rest[start + 1..start + len]));
            rest = &rest[start + len + 1..];
        }
        out.push_str(rest);
        out
    }

    /// `text` with every number outside brackets replaced by a placeholder, by what its
    /// neighbours say it is: an amount (¥…, …元, …块), a time (18点, 14:30), a date (11月23日,
    /// 2026-11-20), a phone or an order number by its length, else a number.
    fn anonymise(&mut self, text: &str) -> String {
        if !text.bytes().any(|b| b.is_ascii_digit()) {
            return text.to_string();
        }
        let b = text.as_bytes();
        let mut out = String::with_capacity(text.len() + 16);
        let mut copied = 0;
        let mut in_brackets = false;
        let mut i = 0;
        while i < b.len() {
            match b[i] {
                b'[' => in_brackets = true,
                b']' => in_brackets = false,
                d if d.is_ascii_digit() && !in_brackets => {
                    let start = i;
                    let mut end = digits_end(b, i);
                    if b.get(end) == Some(&b'.') && b.get(end + 1).is_some_and(u8::is_ascii_digit) {
                        end = digits_end(b, end + 1);
                    }
                    let (kind, end) = classify(text, start, end);
                    out.push_str(&text[copied..start]);
                    out.push_str(&self.placeholder(kind, &text[start..end]));
                    copied = end;
                    i = end;
                    continue;
                }
                _ => {}
            }
            i += 1;
        }
        out.push_str(&text[copied..]);
        out
    }
}

fn digits_end(b: &[u8], mut i: usize) -> usize {
    while b.get(i).is_some_and(u8::is_ascii_digit) {
        i += 1;
    }
    i
}

/// The kind of the number at `start..end` of `text`, and where its placeholder ends.
fn classify(text: &str, start: usize, end: usize) -> (Kind, usize) {
    let b = text.as_bytes();
    let before = text[..start].chars().next_back();
    let after = &text[end..];
    let digits = end - start;
    if matches!(before, Some('¥' | '￥')) || after.starts_with('元') || after.starts_with('块')
    {
        return (Kind::Amount, end);
    }
    // 14:30 and 14:30:05.
    if b.get(end) == Some(&b':') && b.get(end + 1).is_some_and(u8::is_ascii_digit) {
        let mut e = digits_end(b, end + 1);
        if b.get(e) == Some(&b':') && b.get(e + 1).is_some_and(u8::is_ascii_digit) {
            e = digits_end(b, e + 1);
        }
        return (Kind::Time, e);
    }
    if digits <= 2 && after.starts_with('点') {
        let hour: u32 = text[start..end].parse().unwrap_or(99);
        if hour <= 24 {
            let mut e = end + '点'.len_utf8();
            if text[e..].starts_with('半') {
                e += '半'.len_utf8();
            }
            return (Kind::Time, e);
        }
    }
    // 11月23日 and 11月23号.
    if digits <= 2 && after.starts_with('月') {
        let mut e = end + '月'.len_utf8();
        let d = digits_end(b, e);
        if d > e && (text[d..].starts_with('日') || text[d..].starts_with('号')) {
            e = d + '日'.len_utf8();
        }
        return (Kind::Date, e);
    }
    // 2026-11-20 and 2026/11/20.
    if digits == 4 && matches!(b.get(end), Some(b'-' | b'/')) {
        let mut e = end;
        while matches!(b.get(e), Some(b'-' | b'/')) && b.get(e + 1).is_some_and(u8::is_ascii_digit)
        {
            e = digits_end(b, e + 1);
        }
        return (Kind::Date, e);
    }
    match digits {
        11 if b[start] == b'1' => (Kind::Phone, end),
        15.. => (Kind::Order, end),
        _ => (Kind::Number, end),
    }
}

/// An invented value for a slot of a conversation that is not anonymised.
fn invent(rng: &mut StdRng, scene: &Scene<'_>, slot: &str) -> String {
    fn pick(rng: &mut StdRng, xs: &[&'static str]) -> &'static str {
        xs.choose(rng).copied().unwrap_or_default()
    }
    match slot {
        "order" => rng
            .random_range(1_000_000_000_000_000_000u64..10_000_000_000_000_000_000)
            .to_string(),
        "buyer" | "ret_name" => {
            let surname = pick(rng, SURNAMES);
            let given = pick(rng, GIVEN);
            format!("{surname}{given}")
        }
        "courier" => format!("{}师傅", pick(rng, SURNAMES)),
        "buyer_phone" | "courier_phone" | "ret_phone" => format!(
            "1{}{}****{:04}",
            pick(rng, &["3", "5", "7", "8", "9"]),
            rng.random_range(0..10),
            rng.random_range(0..10_000)
        ),
        "addr" | "ret_addr" => format!(
            "{}{}{}号{}栋{}单元",
            pick(rng, REGIONS),
            pick(rng, ROADS),
            rng.random_range(1..=999),
            rng.random_range(1..=30),
            rng.random_range(1..=6)
        ),
        "site" | "site2" => pick(rng, STATIONS).to_string(),
        "date" => format!("2026-11-{:02}", rng.random_range(12..=22)),
        "time" => format!(
            "{:02}:{:02}:{:02}",
            rng.random_range(8..=23),
            rng.random_range(0..60),
            rng.random_range(0..60)
        ),
        "link" => format!(
            "https://item.taobao.com/item.htm?id={}",
            rng.random_range(600_000_000_000u64..800_000_000_000)
        ),
        "amount" => {
            let paid = scene
                .order
                .map(|o| o.paid)
                .filter(|&p| p > 0.0)
                .unwrap_or(scene.price);
            format!("{paid:.2}")
        }
        "code" => format!(
            "{}-{}-{}",
            rng.random_range(1..=9),
            rng.random_range(1..=30),
            rng.random_range(1000..10_000)
        ),
        _ => String::new(),
    }
}

/// Lays the register of real exports over a played template, or leaves it clean (about two
/// times in three). Deterministic in `seed`.
pub(super) fn roughen(template: &mut Template, content: &Content, seed: u64) {
    let mut rng = StdRng::seed_from_u64(mix(seed, 0x3E55));
    if !rng.random_bool(MESSY_SHARE) {
        return;
    }
    let scenario = &content.scenarios[template.scenario];
    let product = content.catalog.product(scenario.product_id());
    let has_tag = |t: &str| scenario.tags.iter().any(|tag| tag == t);
    let scene = Scene {
        product: product.map_or("", |p| p.name.as_str()),
        color: product.map_or("", |p| {
            // The colour the conversation names, else any.
            p.colors
                .iter()
                .find(|c| {
                    template
                        .messages
                        .iter()
                        .any(|m| m.text.contains(c.as_str()))
                })
                .or_else(|| p.colors.choose(&mut rng))
                .map_or("", String::as_str)
        }),
        size: template.size.as_deref(),
        price: product.map_or(0.0, |p| p.price),
        order: scenario.order.as_ref(),
        in_transit: has_tag("late-parcel")
            || scenario
                .order
                .as_ref()
                .is_some_and(|o| o.status.contains("运输")),
    };
    let mut plan = Plan {
        style: if rng.random_bool(0.6) {
            Style::Split
        } else {
            Style::Joined
        },
        bubbles: rng.random_bool(0.6),
        casual: rng.random_bool(0.6),
        pasted: rng.random_bool(if scene.order.is_some() { 0.6 } else { 0.35 }),
        anonymised: rng.random_bool(0.35),
    };
    if !(plan.bubbles || plan.casual || plan.pasted) {
        match rng.random_range(0..3) {
            0 => plan.bubbles = true,
            1 => plan.casual = true,
            _ => plan.pasted = true,
        }
    }
    let messages = std::mem::take(&mut template.messages);
    let mut rough = Rough {
        fill: Fill::new(plan.anonymised),
        rng,
        plan,
        scene,
        out: Vec::with_capacity(messages.len() + messages.len() / 2 + 4),
        shift: 0,
    };
    rough.run(messages);
    template.messages = rough.out;
}

/// The rewriting of one conversation.
struct Rough<'c> {
    rng: StdRng,
    plan: Plan,
    scene: Scene<'c>,
    fill: Fill,
    out: Vec<TemplateMessage>,
    /// Seconds that added messages have moved the rest of the conversation on.
    shift: u32,
}

impl Rough<'_> {
    fn run(&mut self, messages: Vec<TemplateMessage>) {
        let mut customer_lines = 0;
        let mut agent_replies = 0;
        let mut return_address_sent = false;
        for m in messages {
            let at = m.offset + self.shift;
            match m.role {
                Role::Robot => self.out.push(TemplateMessage { offset: at, ..m }),
                Role::System => {
                    let paid = m.event == Some(ORDER_PAID.0);
                    self.out.push(TemplateMessage { offset: at, ..m });
                    if paid && self.plan.pasted && self.rng.random_bool(0.6) {
                        self.after_purchase(at);
                    }
                }
                Role::Customer => {
                    let text = self.prepare(&m.text);
                    let mut parts = Vec::with_capacity(4);
                    if customer_lines == 0 {
                        self.before_opening(&mut parts);
                    }
                    if customer_lines == 1 && self.plan.pasted && self.scene.order.is_some() {
                        self.logistics(&mut parts);
                    }
                    self.customer_line(&text, customer_lines == 0, &mut parts);
                    if customer_lines == 0 && self.plan.pasted && self.scene.order.is_some() {
                        self.order_card(&mut parts);
                    }
                    self.send(at, Role::Customer, parts, 2, 8);
                    customer_lines += 1;
                }
                Role::Agent => {
                    let text = self.prepare(&m.text);
                    let mut parts = self.agent_reply(&text, agent_replies == 0);
                    if self.plan.pasted
                        && !return_address_sent
                        && self.scene.order.is_some()
                        && RETURN_WORDS.iter().any(|w| text.contains(w))
                    {
                        parts.push(self.render(RETURN_ADDRESSES));
                        return_address_sent = true;
                    }
                    self.send(at, Role::Agent, parts, 1, 6);
                    agent_replies += 1;
                }
            }
        }
    }

    /// The played text, anonymised if the conversation is.
    fn prepare(&mut self, text: &str) -> String {
        if self.plan.anonymised {
            self.fill.anonymise(text)
        } else {
            text.to_string()
        }
    }

    /// One of `pieces`, filled (and anonymised, in an anonymised conversation).
    fn render(&mut self, pieces: &[&str]) -> String {
        let piece = pieces.choose(&mut self.rng).copied().unwrap_or_default();
        let text = self.fill.render(&mut self.rng, &self.scene, piece);
        self.prepare(&text)
    }

    /// Sends `parts` from one side starting at `at`: one message each, `lo..=hi` seconds apart,
    /// or one line joined with spaces, by the export's style. Later messages move on by the
    /// seconds added.
    fn send(&mut self, at: u32, role: Role, parts: Vec<String>, lo: u32, hi: u32) {
        match self.plan.style {
            Style::Joined => self.push(at, role, parts.join(" ")),
            Style::Split => {
                let mut t = at;
                for (i, part) in parts.into_iter().enumerate() {
                    if i > 0 {
                        t += self.rng.random_range(lo..=hi);
                    }
                    self.push(t, role, part);
                }
                self.shift += t - at;
            }
        }
    }

    fn push(&mut self, offset: u32, role: Role, text: String) {
        self.out.push(TemplateMessage {
            offset,
            role,
            text: text.into(),
            event: None,
        });
    }

    /// A greeting, a product link or title before the first question.
    fn before_opening(&mut self, parts: &mut Vec<String>) {
        if self.plan.pasted && self.scene.order.is_none() && self.rng.random_bool(0.7) {
            let paste = self.render(ITEM_PASTES);
            parts.push(paste);
        } else if self.plan.casual && self.rng.random_bool(0.45) {
            parts.push(self.pick(GREETINGS));
        }
    }

    /// The order card an after-sales customer pastes with the first complaint.
    fn order_card(&mut self, parts: &mut Vec<String>) {
        if self.rng.random_bool(0.4) {
            parts.push(self.pick(CARD_INTROS));
        }
        let card = self.render(ORDER_CARDS);
        parts.push(card);
    }

    /// A logistics notice pasted before the customer's second line.
    fn logistics(&mut self, parts: &mut Vec<String>) {
        if self.rng.random_bool(0.4) {
            return;
        }
        if self.scene.in_transit {
            let notice = self.render(IN_TRANSIT);
            parts.push(notice);
            if self.rng.random_bool(0.6) {
                parts.push(self.pick(IN_TRANSIT_COMMENTS));
            }
        } else {
            let notice = self.render(DELIVERED);
            parts.push(notice);
        }
    }

    /// After paying: the order card, sometimes a changed address and the agent's answer.
    fn after_purchase(&mut self, paid_at: u32) {
        let at = paid_at + self.rng.random_range(10..=90);
        let mut parts = vec![self.pick(PAID_LINES), self.render(ORDER_CARDS)];
        let new_address = self.rng.random_bool(0.5);
        if new_address {
            parts.push(self.render(NEW_ADDRESS));
        }
        self.send(at, Role::Customer, parts, 2, 10);
        let last = self.out.last().map_or(at, |m| m.offset);
        if new_address {
            let reply = self.render(ADDRESS_ACKS);
            let wait = self.rng.random_range(5..=40);
            self.push(last + wait, Role::Agent, reply);
        }
    }

    fn pick(&mut self, lines: &[&str]) -> String {
        lines
            .choose(&mut self.rng)
            .copied()
            .unwrap_or_default()
            .to_string()
    }

    /// A customer line as a casual customer types it: colloquial words, no punctuation, a
    /// word before it, split into a burst, a hurried word after a question. Always casual on
    /// the first line of a casual conversation.
    fn customer_line(&mut self, text: &str, first: bool, parts: &mut Vec<String>) {
        if !self.plan.casual || !(first || self.rng.random_bool(0.6)) {
            parts.push(text.to_string());
            return;
        }
        let mut line = colloquial(&mut self.rng, text);
        if self.rng.random_bool(0.12) {
            line.insert_str(
                0,
                PREFIXES.choose(&mut self.rng).copied().unwrap_or_default(),
            );
        }
        let question = line.ends_with(['？', '?', '吗', '不']);
        let bare = self.rng.random_bool(0.65);
        let burst = clauses(&line).len() >= 2 && self.rng.random_bool(0.35);
        let pieces = if burst {
            let n = self.rng.random_range(2..=3);
            group(&clauses(&line), n)
        } else {
            vec![line]
        };
        let before = parts.len();
        for piece in pieces {
            let piece = if bare {
                strip_punctuation(&piece)
            } else {
                piece
            };
            if !piece.is_empty() {
                parts.push(piece);
            }
        }
        if parts.len() == before {
            parts.push(text.to_string());
        }
        if question && self.rng.random_bool(0.2) {
            parts.push(self.pick(HURRY));
        }
    }

    /// An agent reply as bubbles: behind an opener, split at its clauses, or with an emoticon
    /// after it. Always in bubbles on the first reply of a conversation with bubbles.
    fn agent_reply(&mut self, text: &str, first: bool) -> Vec<String> {
        if !self.plan.bubbles || !(first || self.rng.random_bool(0.45)) {
            return vec![text.to_string()];
        }
        let openers = if first { FIRST_OPENERS } else { LATER_OPENERS };
        let whole = clauses(text);
        let mut parts = Vec::with_capacity(4);
        let roll = self.rng.random_range(0..10);
        if roll < 5 || whole.len() < 2 {
            let rest = text.strip_prefix("亲，").unwrap_or(text);
            let mut opener = self.pick(openers);
            if rest.starts_with(&opener) {
                // Not the same word twice ("收到" before "收到～…").
                opener = if rest.starts_with('亲') {
                    "嗯嗯"
                } else {
                    "亲"
                }
                .to_string();
            }
            parts.push(opener);
            if whole.len() >= 3 && self.rng.random_bool(0.3) {
                parts.extend(group(&clauses(rest), 2));
            } else {
                parts.push(rest.to_string());
            }
        } else {
            let n = self.rng.random_range(2..=3);
            parts.extend(group(&whole, n));
        }
        if roll == 9 || (roll < 5 && self.rng.random_bool(0.1)) {
            parts.push(self.pick(TRAILERS));
        }
        parts
    }
}

/// Colloquial words for some of the written ones, and 能…吗 as 能…不.
fn colloquial(rng: &mut StdRng, text: &str) -> String {
    let mut line = text.to_string();
    for (written, spoken) in COLLOQUIAL {
        if line.contains(written) && rng.random_bool(0.7) {
            line = line.replacen(written, spoken, 1);
        }
    }
    let asks = ["能", "可以", "会"].iter().any(|w| line.contains(w));
    if asks {
        for end in ["吗？", "吗?", "吗"] {
            if let Some(stem) = line.strip_suffix(end) {
                if rng.random_bool(0.6) {
                    line = format!("{stem}不");
                }
                break;
            }
        }
    }
    line
}

/// Marks that end a clause.
fn is_break(c: char) -> bool {
    matches!(
        c,
        '，' | '。' | '！' | '？' | '；' | '～' | '~' | ',' | '!' | '?' | ';' | ' '
    ) || is_emoji(c)
}

fn is_emoji(c: char) -> bool {
    let c = c as u32;
    c >= 0x1F000 || (0x2600..=0x27BF).contains(&c)
}

/// The clauses of `text`, each with the marks after it; marks alone go with the clause before.
fn clauses(text: &str) -> Vec<&str> {
    let mut out: Vec<&str> = Vec::new();
    let mut start = 0;
    let mut after_break = false;
    for (i, c) in text.char_indices() {
        if is_break(c) {
            after_break = true;
        } else if after_break {
            // A clause ends where the text resumes after its marks.
            let piece = text[start..i].trim();
            if !piece.is_empty() {
                out.push(piece);
            }
            start = i;
            after_break = false;
        }
    }
    let piece = text[start..].trim();
    if !piece.is_empty() {
        out.push(piece);
    }
    out
}

/// `clauses` in `n` runs (fewer if there are fewer clauses), each without a trailing comma.
fn group(clauses: &[&str], n: usize) -> Vec<String> {
    let n = n.min(clauses.len()).max(1);
    (0..n)
        .map(|k| {
            let run = &clauses[k * clauses.len() / n..(k + 1) * clauses.len() / n];
            let mut bubble = String::new();
            for clause in run {
                bubble.push_str(clause);
            }
            bubble
                .trim_end_matches(['，', ',', '；', ';', ' '])
                .to_string()
        })
        .filter(|b| !b.is_empty())
        .collect()
}

/// `text` with its punctuation and emoji dropped, commas turned into spaces.
fn strip_punctuation(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '，' | '、' | '；' | ',' | ';' | ' ' => {
                if !out.is_empty() && !out.ends_with(' ') {
                    out.push(' ');
                }
            }
            '。' | '！' | '？' | '～' | '~' | '!' | '?' | '…' => {}
            c if is_emoji(c) => {}
            c => out.push(c),
        }
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_become_placeholders_by_what_they_are() {
        let mut fill = Fill::new(true);
        assert_eq!(
            fill.anonymise("今天18点前给您回复，差价10元，我175 70kg"),
            "今天[时间1]前给您回复，差价[金额1]元，我[数字1] [数字2]kg"
        );
        assert_eq!(
            fill.anonymise("¥129.00 下单时间：2026-11-20 14:32:05 订单1234567890123456789"),
            "¥[金额2] 下单时间：[日期1] [时间2] 订单[订单1]"
        );
        // The same value keeps its placeholder; brackets are left alone.
        assert_eq!(
            fill.anonymise("18点 13812345678 [微笑] [数字1] 11月23号"),
            "[时间1] [电话1] [微笑] [数字1] [日期2]"
        );
        assert_eq!(fill.anonymise("没有数字"), "没有数字");
    }

    #[test]
    fn clauses_bubbles_and_bare_lines() {
        let reply = "亲，实在抱歉让您久等了🙏 我马上联系物流核实，今天内回复～";
        assert_eq!(
            clauses(reply),
            [
                "亲，",
                "实在抱歉让您久等了🙏",
                "我马上联系物流核实，",
                "今天内回复～"
            ]
        );
        assert_eq!(
            group(&clauses(reply), 2),
            [
                "亲，实在抱歉让您久等了🙏",
                "我马上联系物流核实，今天内回复～"
            ]
        );
        assert_eq!(strip_punctuation("这个有M码吗？急！"), "这个有M码吗急");
        assert_eq!(strip_punctuation("175，70kg，穿啥码😊"), "175 70kg 穿啥码");
        let mut rng = StdRng::seed_from_u64(1);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..50 {
            seen.insert(colloquial(&mut rng, "能便宜点吗？"));
            seen.insert(colloquial(&mut rng, "质量怎么样"));
        }
        assert!(seen.contains("能便宜点不"), "{seen:?}");
        assert!(seen.iter().any(|s| s.contains("咋样")), "{seen:?}");
    }
}
