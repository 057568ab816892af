//! Terminal text for the trainer: the agent's info panel, one-line verdicts and the scorecard.

use std::fmt::Write as _;

use crate::content::diagnostic::str_width;
use crate::content::{Catalog, Content, Order, Product, Scenario, Shop};
use crate::engine::{CheckResult, ReplyScore, Scorer};
use crate::lang::Lang;
use crate::session::{Exchange, HINT_COST, Scorecard};
use crate::tr;

/// A bar of `width` cells for a 0–100 score.
pub fn bar(score: f64, width: usize) -> String {
    let filled = ((score.clamp(0.0, 100.0) / 100.0) * width as f64).round() as usize;
    format!(
        "{}{}",
        "█".repeat(filled),
        "░".repeat(width - filled.min(width))
    )
}

fn pad(s: &str, width: usize) -> String {
    let w = str_width(s);
    format!("{s}{}", " ".repeat(width.saturating_sub(w)))
}

/// The list separator of the interface language: 、 in Chinese, a comma in English.
fn list_sep(lang: Lang) -> &'static str {
    match lang {
        Lang::Zh => "、",
        Lang::En => ", ",
    }
}

/// What a real agent sees in the workbench (千牛, 咚咚, 拼多多商家后台): shop policy, shipping,
/// promotions and coupons, the product with its add-ons' prices, and the order in after-sales.
pub fn agent_panel(content: &Content, scenario: &Scenario, lang: Lang) -> String {
    let mut s = String::new();
    shop_block(&mut s, &content.catalog, lang);
    if let Some(product) = content.catalog.product(scenario.product_id()) {
        product_block(&mut s, &content.catalog, product, lang);
    }
    if let Some(order) = &scenario.order {
        order_block(&mut s, &content.catalog, order, lang);
    }
    s
}

fn shop_block(s: &mut String, catalog: &Catalog, lang: Lang) {
    let shop = &catalog.shop;
    let _ = writeln!(s, "{}", tr!(lang, "【店铺】{}", "[Shop] {}", shop.name));
    let _ = writeln!(
        s,
        "{}",
        tr!(
            lang,
            "  满{}元包邮 · 议价权限最多{}元 · 售后补偿最多{}元 · 签收{}天内降价退差价 · {}天无理由",
            "  free shipping from {} yuan · you may knock off {} yuan · soothe with up to {} yuan · price protection {} days · {}-day returns",
            shop.free_shipping_threshold,
            shop.max_discount,
            shop.max_compensation,
            shop.price_protection_days,
            shop.return_days
        )
    );
    if let Some(line) = shipping_line(shop, lang) {
        let _ = writeln!(s, "{line}");
    }
    if shop.cod_surcharge > 0 {
        let _ = writeln!(
            s,
            "{}",
            tr!(
                lang,
                "  货到付款加收{}元",
                "  cash on delivery costs {} yuan extra",
                shop.cod_surcharge
            )
        );
    }
    for p in &catalog.promotions {
        let _ = writeln!(s, "{}", tr!(lang, "  活动：{}", "  promotion: {}", p.text));
    }
    for c in &catalog.coupons {
        let terms = if c.threshold == 0 {
            tr!(lang, "无门槛减{}元", "{} yuan off any order", c.value)
        } else {
            tr!(
                lang,
                "满{}减{}",
                "{1} yuan off orders from {0} yuan",
                c.threshold,
                c.value
            )
        };
        let note = if c.note.trim().is_empty() {
            String::new()
        } else {
            tr!(lang, "（{}）", " ({})", c.note.trim())
        };
        let _ = writeln!(
            s,
            "{}",
            tr!(
                lang,
                "  优惠券：{} {}{}",
                "  coupon: {}, {}{}",
                c.name,
                terms,
                note
            )
        );
    }
}

/// Ships-within hours, the same-day cut-off, the courier and the days in transit, as far as
/// the shop states them; `None` when it states none.
fn shipping_line(shop: &Shop, lang: Lang) -> Option<String> {
    let mut parts = Vec::new();
    match (shop.ships_within_hours, shop.same_day_cutoff) {
        (Some(h), Some(cut)) => parts.push(tr!(
            lang,
            "付款后{}小时内发货，{}点前付款当天发",
            "ships within {} h of payment, the same day if paid before {}:00",
            h,
            cut
        )),
        (Some(h), None) => parts.push(tr!(
            lang,
            "付款后{}小时内发货",
            "ships within {} h of payment",
            h
        )),
        (None, Some(cut)) => parts.push(tr!(
            lang,
            "{}点前付款当天发",
            "ships the same day if paid before {}:00",
            cut
        )),
        (None, None) => {}
    }
    if let Some(courier) = shop.courier.as_deref().filter(|c| !c.trim().is_empty()) {
        parts.push(tr!(lang, "{}", "courier {}", courier.trim()));
    }
    if let Some([lo, hi]) = shop.delivery_days {
        let days = if lo == hi {
            lo.to_string()
        } else {
            format!("{lo}-{hi}")
        };
        parts.push(tr!(
            lang,
            "发货后一般{}天送达",
            "usually {} days in transit",
            days
        ));
    }
    if parts.is_empty() {
        return None;
    }
    Some(tr!(lang, "  发货：{}", "  shipping: {}", parts.join(" · ")))
}

/// The label of a product's `material` line and its text without a label of its own: a
/// garment's is its fabric (面料), anything else's what it is made of (材质). A text that
/// starts with the label is not labelled twice ("面料：面料…"); one that names its parts
/// (…；面料防泼水) is labelled as a whole (材质).
fn material_line<'a>(
    product: &Product,
    material: &'a str,
) -> (&'static str, &'static str, &'a str) {
    let garment = product.is_garment();
    let (zh, en) = if garment {
        ("面料", "fabric")
    } else {
        ("材质", "material")
    };
    let text = material.trim();
    for own in ["面料", "材质"] {
        if let Some(rest) = text.strip_prefix(own) {
            let rest = rest.trim_start_matches(['：', ':', ' ']);
            if own == zh && !rest.is_empty() {
                return (zh, en, rest);
            }
        }
    }
    if garment && text.contains("面料") {
        return ("材质", "material", text);
    }
    (zh, en, text)
}

fn product_block(s: &mut String, catalog: &Catalog, product: &Product, lang: Lang) {
    let _ = writeln!(
        s,
        "{}",
        tr!(
            lang,
            "【商品】{}  ¥{}",
            "[Item] {}  ¥{}",
            product.name,
            product.price
        )
    );
    if let Some(m) = &product.material {
        let (zh, en, text) = material_line(product, m);
        let _ = match lang {
            Lang::Zh => writeln!(s, "  {zh}：{text}"),
            Lang::En => writeln!(s, "  {en}: {text}"),
        };
    }
    for f in &product.facts {
        let _ = writeln!(s, "  · {f}");
    }
    if !product.colors.is_empty() {
        let _ = writeln!(
            s,
            "{}",
            tr!(
                lang,
                "  颜色：{}",
                "  colours: {}",
                product.colors.join(list_sep(lang))
            )
        );
    }
    if product.is_sized() {
        let _ = writeln!(s, "{}", tr!(lang, "  尺码表：", "  size chart:"));
        for row in &product.sizes {
            let [h0, h1] = *row.height.get_ref();
            let line = match &row.weight {
                Some(w) => {
                    let [w0, w1] = *w.get_ref();
                    tr!(
                        lang,
                        "    {:<6} 身高{}-{}cm  体重{}-{}kg（{}-{}斤）",
                        "    {:<6} height {}-{} cm  weight {}-{} kg ({}-{} jin)",
                        row.name(),
                        h0,
                        h1,
                        w0,
                        w1,
                        w0 * 2.0,
                        w1 * 2.0
                    )
                }
                None => tr!(
                    lang,
                    "    {:<6} 身高{}-{}cm",
                    "    {:<6} height {}-{} cm",
                    row.name(),
                    h0,
                    h1
                ),
            };
            let _ = writeln!(s, "{line}");
        }
    }
    let pairs: Vec<String> = product
        .pairs_with
        .iter()
        .filter_map(|id| catalog.product(id.get_ref()))
        .map(|p| format!("{} ¥{}", p.name, p.price))
        .collect();
    if !pairs.is_empty() {
        let _ = writeln!(
            s,
            "{}",
            tr!(
                lang,
                "  搭配推荐：{}",
                "  goes well with: {}",
                pairs.join(list_sep(lang))
            )
        );
    }
}

/// How long ago the order was delivered, after a ` · `.
fn delivered(days: u32, lang: Lang) -> String {
    match (days, lang) {
        (0, _) => tr!(lang, " · 今天签收", " · delivered today"),
        (1, Lang::En) => " · delivered 1 day ago".to_string(),
        _ => tr!(lang, " · 签收{}天", " · delivered {} days ago", days),
    }
}

fn order_block(s: &mut String, catalog: &Catalog, order: &Order, lang: Lang) {
    let _ = writeln!(
        s,
        "{}",
        tr!(
            lang,
            "【订单】{} · 实付¥{}{}",
            "[Order] {} · paid ¥{}{}",
            order.status,
            order.paid,
            order
                .days_since_delivery
                .map(|d| delivered(d, lang))
                .unwrap_or_default()
        )
    );
    if let Some(number) = &order.number {
        let _ = writeln!(
            s,
            "{}",
            tr!(lang, "  订单号：{}", "  order no. {}", number.get_ref())
        );
    }
    for item in &order.items {
        let id = item.product.get_ref();
        let name = catalog.product(id).map_or(id.as_str(), |p| p.name.as_str());
        let mut variant = Vec::new();
        if let Some(color) = &item.color {
            variant.push(color.get_ref().clone());
        }
        if let Some(size) = &item.size {
            variant.push(tr!(lang, "{}码", "size {}", size.get_ref()));
        }
        let variant = if variant.is_empty() {
            String::new()
        } else {
            format!(" {}", variant.join(" "))
        };
        let _ = writeln!(
            s,
            "{}",
            tr!(
                lang,
                "  商品：{}{} ×{}",
                "  item: {}{} x{}",
                name,
                variant,
                item.quantity.get_ref()
            )
        );
    }
    if !order.note.is_empty() {
        let _ = writeln!(s, "  {}", order.note);
    }
    let courier = catalog
        .shop
        .courier
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty());
    match (&order.tracking, courier) {
        (Some(number), Some(courier)) => {
            let _ = writeln!(
                s,
                "{}",
                tr!(
                    lang,
                    "  物流：{} 运单号{}",
                    "  tracking: {} no. {}",
                    courier,
                    number.get_ref()
                )
            );
        }
        (Some(number), None) => {
            let _ = writeln!(
                s,
                "{}",
                tr!(
                    lang,
                    "  物流：运单号{}",
                    "  tracking: no. {}",
                    number.get_ref()
                )
            );
        }
        (None, _) if !order.logistics.is_empty() => {
            let _ = writeln!(s, "{}", tr!(lang, "  物流：", "  tracking:"));
        }
        (None, _) => {}
    }
    for event in &order.logistics {
        let _ = writeln!(s, "    {}  {}", event.time.get_ref(), event.text);
    }
}

/// One line after a reply in coach mode: the time, the score and what the reply did.
pub fn verdict_line(ex: &Exchange, lang: Lang) -> String {
    let score = &ex.score;
    let secs = ex.latency_ms as f64 / 1000.0;
    let head = match score.overall {
        Some(o) => tr!(lang, "得分 {:.0}", "score {:.0}", o),
        None => tr!(lang, "不计分", "not scored"),
    };
    let red = if score.red_line {
        tr!(lang, " [红线]", " [red line]")
    } else {
        String::new()
    };
    format!(
        "  ⏱ {secs:.1}s · {head}{red} · {}",
        verdict_remarks(score, lang)
    )
}

/// Points a check took off the reply, by its weight.
fn points_lost(c: &CheckResult) -> f64 {
    (100.0 - c.score).max(0.0) * c.weight
}

/// What a reply lost points for: every failed check, and every check that passed short of
/// 100 and carries weight. A crossed red line comes first, then the other failures, then the
/// partial passes, each group by the points it cost.
pub fn deductions(score: &ReplyScore) -> Vec<&CheckResult> {
    let mut found: Vec<&CheckResult> = score
        .checks
        .iter()
        .filter(|c| !c.review && (!c.passed || (c.score < 100.0 && c.weight > 0.0)))
        .collect();
    let rank = |c: &CheckResult| match (c.red_line && !c.passed, c.passed) {
        (true, _) => 0,
        (false, false) => 1,
        (false, true) => 2,
    };
    found.sort_by(|a, b| {
        rank(a)
            .cmp(&rank(b))
            .then(points_lost(b).total_cmp(&points_lost(a)))
    });
    found
}

/// The remark after the score: ✗ and the deductions when a check failed; ✓ and what went well
/// otherwise, naming what cost points when something did. At most two remarks are spelt out;
/// the rest are counted.
fn verdict_remarks(score: &ReplyScore, lang: Lang) -> String {
    let sep = match lang {
        Lang::Zh => "；",
        Lang::En => "; ",
    };
    let lost = deductions(score);
    let more = |shown: usize| {
        let rest = lost.len().saturating_sub(shown);
        if rest == 0 {
            String::new()
        } else {
            tr!(lang, "（另有{}项扣分）", " (and {} more)", rest)
        }
    };
    let mut line = if lost.iter().any(|c| !c.passed) {
        let shown: Vec<&str> = lost.iter().take(2).map(|c| c.message.as_str()).collect();
        format!("✗ {}{}", shown.join(sep), more(shown.len()))
    } else {
        let praise = praise(score);
        match (praise.first(), lost.first()) {
            (None, None) => tr!(lang, "✓ 没有问题", "✓ no problems"),
            (Some(_), None) => format!("✓ {}", praise.join(sep)),
            (good, Some(first)) => {
                let deducted = tr!(lang, "扣分：{}", "points off: {}", first.message);
                match good {
                    Some(good) => format!("✓ {good}{sep}{deducted}{}", more(1)),
                    None => format!("✓ {deducted}{}", more(1)),
                }
            }
        }
    };
    if let Some(unsure) = score.checks.iter().find(|c| c.review) {
        let _ = write!(
            line,
            "{}",
            tr!(lang, " · 待复核：{}", " · for review: {}", unsure.message)
        );
    }
    line
}

/// Up to two checks that scored full marks, what the customer asked about (sizing,
/// bargaining…) before the routine ones; the time is on the line already.
fn praise(score: &ReplyScore) -> Vec<&str> {
    // Routine checks in the order their praise is worth hearing.
    const ROUTINE: &[&str] = &[
        "latency",
        "length",
        "hedging",
        "over_promise",
        "phrases",
        "review_manipulation",
        "together",
        "repeated",
        "curt",
    ];
    let mut good: Vec<&CheckResult> = score
        .checks
        .iter()
        .filter(|c| c.passed && !c.review && c.score >= 100.0)
        .collect();
    good.sort_by_key(|c| {
        ROUTINE
            .iter()
            .position(|k| *k == c.kind)
            .map_or(0, |i| i + 1)
    });
    good.iter().map(|c| c.message.as_str()).take(2).collect()
}

/// Columns of the scorecard's rules when stdout is not a terminal (piped, or in tests).
pub const DEFAULT_RULE_WIDTH: usize = 44;
/// The narrowest and widest the rules get, whatever the terminal's width.
pub const RULE_WIDTHS: std::ops::RangeInclusive<usize> = 40..=100;

/// The scorecard's rule width for a terminal of `columns` (None: not a terminal).
pub fn rule_width(columns: Option<usize>) -> usize {
    columns.map_or(DEFAULT_RULE_WIDTH, |c| {
        c.clamp(*RULE_WIDTHS.start(), *RULE_WIDTHS.end())
    })
}

/// The width of the terminal on stdout, if stdout is one.
fn stdout_columns() -> Option<usize> {
    console::Term::stdout()
        .size_checked()
        .map(|(_rows, columns)| usize::from(columns))
        .filter(|&c| c > 0)
}

/// The end-of-session scorecard, its rules as wide as the terminal on stdout (see
/// [`rule_width`]).
pub fn scorecard(scorer: &Scorer, card: &Scorecard, lang: Lang) -> String {
    scorecard_with_width(scorer, card, lang, rule_width(stdout_columns()))
}

/// The end-of-session scorecard with rules of `width` columns.
pub fn scorecard_with_width(scorer: &Scorer, card: &Scorecard, lang: Lang, width: usize) -> String {
    let mut s = String::new();
    let rule = "─".repeat(width);
    let _ = writeln!(s, "{rule}");
    let _ = writeln!(
        s,
        "{}",
        tr!(lang, "成绩单 · {}", "Scorecard · {}", card.title)
    );
    let _ = writeln!(s, "{rule}");
    let name_width = scorer
        .dimensions
        .iter()
        .map(|d| str_width(d.label(lang)))
        .max()
        .unwrap_or(8);
    for (dim, (_, value)) in scorer.dimensions.iter().zip(&card.totals.dimensions) {
        let label = pad(dim.label(lang), name_width);
        match value {
            Some(v) => {
                let _ = writeln!(s, "  {label}  {}  {v:>5.1}", bar(*v, 20));
            }
            None => {
                let _ = writeln!(
                    s,
                    "  {label}  {}  {}",
                    " ".repeat(20),
                    tr!(lang, "  不适用", "    n/a")
                );
            }
        }
    }
    let overall = match card.overall {
        Some(o) => format!("{o:.1}"),
        None => "—".into(),
    };
    let _ = writeln!(s, "{rule}");
    let _ = write!(s, "{}", tr!(lang, "  总分 {}", "  Overall {}", overall));
    if card.hints > 0 {
        let _ = write!(
            s,
            "{}",
            tr!(
                lang,
                "（用了{}次提示，扣{}分）",
                " ({} hint(s) used, -{} points)",
                card.hints,
                HINT_COST * card.hints as f64
            )
        );
    }
    if card.totals.red_line {
        let _ = write!(
            s,
            "{}",
            tr!(lang, "  触碰红线，本次不合格", "  red line crossed: fail")
        );
    }
    let _ = writeln!(s);
    let outcome = match card.outcome {
        Some(o) => {
            let name = match lang {
                Lang::Zh => o.chinese().to_string(),
                Lang::En => o.id().to_string(),
            };
            match card.order_value {
                Some(v) => tr!(lang, "{}，订单金额¥{}", "{}, order value ¥{}", name, v),
                None => name,
            }
        }
        None => tr!(lang, "未完成（提前结束）", "not finished (ended early)"),
    };
    let _ = writeln!(
        s,
        "{}",
        tr!(
            lang,
            "  结果：{} · 顾客心情 {:.0}/100 · 回复{}条",
            "  Outcome: {} · customer mood {:.0}/100 · {} replies",
            outcome,
            card.mood,
            card.replies
        )
    );
    if !card.corrections.is_empty() {
        let _ = writeln!(s, "{rule}");
        let _ = writeln!(
            s,
            "{}",
            tr!(
                lang,
                "最值得改进的三点：",
                "Three corrections worth making:"
            )
        );
        for (i, (reply, c)) in card.corrections.iter().enumerate() {
            let _ = writeln!(
                s,
                "{}",
                tr!(
                    lang,
                    "{}. 第{}条回复 · {}：{}",
                    "{}. reply {} · {}: {}",
                    i + 1,
                    reply,
                    c.check,
                    c.message
                )
            );
            if !c.excerpt.is_empty() {
                let _ = writeln!(
                    s,
                    "{}",
                    tr!(lang, "   原话：{}", "   you said: {}", c.excerpt)
                );
            }
            if !c.better.is_empty() {
                let _ = writeln!(s, "{}", tr!(lang, "   参考：{}", "   better: {}", c.better));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Situation;

    fn bundled() -> Content {
        Content::bundled().expect("bundled content is valid")
    }

    fn panel(content: &Content, scenario: &str, lang: Lang) -> String {
        let scenario = content
            .scenarios
            .iter()
            .find(|s| s.id() == scenario)
            .expect("bundled scenario");
        agent_panel(content, scenario, lang)
    }

    #[test]
    fn the_order_block_shows_number_items_and_logistics() {
        let content = bundled();
        let text = panel(&content, "wrong-item", Lang::Zh);
        for line in [
            "【订单】已签收 · 实付¥89 · 签收1天",
            "  订单号：3860311652287403958",
            "  商品：男士纯棉短袖T恤 白色 L码 ×1",
            "  仓库实发：黑色L码（发错颜色）",
            "  物流：中通快递 运单号73518728841065",
            "    12-01 22:30  【杭州转运中心】已发出，下一站 合肥转运中心",
            "    12-02 12:16  【合肥市】已签收，签收人：本人",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "no line {line:?} in\n{text}"
            );
        }
        let two = panel(&content, "missing-item", Lang::Zh);
        assert!(
            two.contains(
                "  商品：儿童加绒连帽卫衣 奶黄 110码 ×1\n  商品：儿童纯棉袜五双装 糖果色混装 ×1\n"
            ),
            "{two}"
        );
        let today = panel(&content, "cod-surcharge", Lang::Zh);
        assert!(
            today.contains("【订单】已签收（货到付款） · 实付¥65 · 今天签收"),
            "{today}"
        );
        // A pre-sales scenario has no order.
        assert!(!panel(&content, "men-tee-self", Lang::Zh).contains("【订单】"));
    }

    #[test]
    fn the_panel_shows_add_on_prices_shipping_and_coupons() {
        let content = bundled();
        let text = panel(&content, "men-tee-self", Lang::Zh);
        for line in [
            "  发货：付款后48小时内发货，16点前付款当天发 · 中通快递 · 发货后一般2-5天送达",
            "  优惠券：店铺券 满150减10（商品页领取，每个账号限用一张；与满减不同享，可与满赠同享）",
            "  搭配推荐：男士弹力休闲长裤 ¥139、头层牛皮针扣腰带 ¥99、纯棉中筒袜三双装 ¥19",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "no line {line:?} in\n{text}"
            );
        }
        let en = panel(&content, "men-tee-self", Lang::En);
        assert!(
            en.contains("  goes well with: 男士弹力休闲长裤 ¥139, 头层牛皮针扣腰带 ¥99, 纯棉中筒袜三双装 ¥19\n"),
            "{en}"
        );
        assert!(en.contains("  shipping: ships within 48 h of payment, the same day if paid before 16:00 · courier 中通快递 · usually 2-5 days in transit\n"), "{en}");
        assert!(
            en.contains("  coupon: 店铺券, 10 yuan off orders from 150 yuan ("),
            "{en}"
        );
    }

    #[test]
    fn material_is_labelled_by_what_the_product_is_and_only_once() {
        let content = bundled();
        let hoodie = panel(&content, "kids-hoodie-height", Lang::Zh);
        assert!(
            hoodie.contains("  面料：棉95% 氨纶5%，内里加绒"),
            "{hoodie}"
        );
        assert!(!hoodie.contains("面料：面料"), "{hoodie}");
        let thermos = panel(&content, "thermos-gift", Lang::Zh);
        assert!(
            thermos.contains("  材质：内胆316不锈钢，外壳304不锈钢"),
            "{thermos}"
        );
        assert!(!thermos.contains("面料"), "{thermos}");
        // A down coat's text names its own parts (填充…；面料…): labelled as a whole.
        let down = panel(&content, "kids-down-winter", Lang::Zh);
        assert!(
            down.contains("  材质：填充白鸭绒，含绒量90%；面料防泼水"),
            "{down}"
        );
        let en = panel(&content, "thermos-gift", Lang::En);
        assert!(en.contains("  material: 内胆316不锈钢"), "{en}");
        assert!(panel(&content, "men-tee-self", Lang::En).contains("  fabric: 精梳长绒棉"));
    }

    /// Every piece of content text a panel may show, longest first, so that what remains is the
    /// panel's own wording.
    fn content_strings(content: &Content) -> Vec<String> {
        let catalog = &content.catalog;
        let mut all: Vec<String> = vec![catalog.shop.name.clone()];
        all.extend(catalog.shop.courier.clone());
        all.extend(catalog.promotions.iter().map(|p| p.text.clone()));
        for c in &catalog.coupons {
            all.push(c.name.clone());
            all.push(c.note.clone());
        }
        for p in &catalog.products {
            all.push(p.name.clone());
            if let Some(m) = &p.material {
                // Shown without a label of its own (see `material_line`).
                all.push(
                    m.trim_start_matches(['面', '料', '材', '质', '：'])
                        .to_string(),
                );
                all.push(m.clone());
            }
            all.extend(p.facts.iter().cloned());
            all.extend(p.colors.iter().cloned());
        }
        for s in &content.scenarios {
            if let Some(o) = &s.order {
                all.push(o.status.clone());
                all.push(o.note.clone());
                all.extend(o.logistics.iter().map(|e| e.text.clone()));
            }
        }
        all.retain(|s| !s.is_empty());
        all.sort_by_key(|s| std::cmp::Reverse(s.len()));
        all
    }

    const FULL_WIDTH: &[char] = &[
        '，', '：', '、', '（', '）', '【', '】', '；', '。', '！', '？',
    ];

    #[test]
    fn the_english_panel_has_no_full_width_punctuation_of_its_own() {
        let content = bundled();
        let strings = content_strings(&content);
        for scenario in &content.scenarios {
            let mut text = agent_panel(&content, scenario, Lang::En);
            for s in &strings {
                text = text.replace(s.as_str(), "");
            }
            let found: Vec<char> = text.chars().filter(|c| FULL_WIDTH.contains(c)).collect();
            assert!(found.is_empty(), "{}: {found:?} in\n{text}", scenario.id());
        }
    }

    /// A real reply's verdicts, with its checks replaced by `checks` made from its first one.
    fn score_with(checks: &[(&str, f64, f64, bool, bool)]) -> ReplyScore {
        let content = bundled();
        let scorer = Scorer::new(&content, Lang::Zh).expect("rubric compiles");
        let mut state = scorer.new_conversation();
        scorer.customer_message(&mut state, "我173，62kg，穿什么码？");
        let situation = Situation {
            product: Some("men-tee"),
            ..Situation::default()
        };
        let mut score = scorer.score_reply(&mut state, &situation, "亲，L码合适～", 3000, None);
        let model = score.checks[0].clone();
        score.checks = checks
            .iter()
            .map(|&(message, points, weight, passed, red_line)| CheckResult {
                message: message.to_string(),
                score: points,
                weight,
                passed,
                red_line,
                review: false,
                ..model.clone()
            })
            .collect();
        score
    }

    #[test]
    fn a_tick_never_hides_points_lost() {
        let clean = score_with(&[("推荐L码正确", 100.0, 1.0, true, false)]);
        assert_eq!(verdict_remarks(&clean, Lang::Zh), "✓ 推荐L码正确");
        let partial = score_with(&[
            ("推荐L码正确", 100.0, 1.0, true, false),
            ("只提了优惠门槛", 70.0, 1.0, true, false),
        ]);
        assert_eq!(
            verdict_remarks(&partial, Lang::Zh),
            "✓ 推荐L码正确；扣分：只提了优惠门槛"
        );
        assert_eq!(
            verdict_remarks(&partial, Lang::En),
            "✓ 推荐L码正确; points off: 只提了优惠门槛"
        );
        // A check of no weight costs nothing.
        let free = score_with(&[("只提了优惠门槛", 70.0, 0.0, true, false)]);
        assert_eq!(verdict_remarks(&free, Lang::Zh), "✓ 没有问题");
    }

    #[test]
    fn red_lines_come_first_then_failures_then_partial_passes() {
        let score = score_with(&[
            ("说得不够具体", 70.0, 2.0, true, false),
            ("没有连带推荐", 0.0, 1.0, false, false),
            ("引导加微信", 0.0, 0.5, false, true),
            ("回复偏慢", 60.0, 1.0, true, false),
        ]);
        assert_eq!(
            verdict_remarks(&score, Lang::Zh),
            "✗ 引导加微信；没有连带推荐（另有2项扣分）"
        );
        assert_eq!(
            verdict_remarks(&score, Lang::En),
            "✗ 引导加微信; 没有连带推荐 (and 2 more)"
        );
        let order: Vec<&str> = deductions(&score)
            .iter()
            .map(|c| c.message.as_str())
            .collect();
        assert_eq!(
            order,
            ["引导加微信", "没有连带推荐", "说得不够具体", "回复偏慢"]
        );
    }

    #[test]
    fn the_rule_follows_the_terminal_within_bounds() {
        assert_eq!(rule_width(None), DEFAULT_RULE_WIDTH);
        assert_eq!(rule_width(Some(80)), 80);
        assert_eq!(rule_width(Some(20)), 40);
        assert_eq!(rule_width(Some(250)), 100);
    }

    #[test]
    fn bars_scale_and_clamp() {
        assert_eq!(bar(50.0, 10), "█████░░░░░");
        assert_eq!(bar(150.0, 4), "████");
        assert_eq!(bar(-3.0, 4), "░░░░");
    }
}
