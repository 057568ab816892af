//! Terminal text for the trainer: the agent's info panel, one-line verdicts and the scorecard.

use std::fmt::Write as _;

use crate::content::diagnostic::str_width;
use crate::content::{Content, Scenario};
use crate::engine::{ReplyScore, Scorer};
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

/// What a real agent sees: shop policy, the product and promotions, the order for after-sales.
pub fn agent_panel(content: &Content, scenario: &Scenario, lang: Lang) -> String {
    let shop = &content.catalog.shop;
    let mut s = String::new();
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
    for p in &content.catalog.promotions {
        let _ = writeln!(s, "{}", tr!(lang, "  活动：{}", "  promotion: {}", p.text));
    }
    if let Some(product) = content.catalog.product(scenario.product_id()) {
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
            let _ = writeln!(s, "{}", tr!(lang, "  面料：{}", "  material: {}", m));
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
                    product.colors.join("、")
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
        let pairs: Vec<&str> = product
            .pairs_with
            .iter()
            .filter_map(|id| content.catalog.product(id.get_ref()))
            .map(|p| p.name.as_str())
            .collect();
        if !pairs.is_empty() {
            let _ = writeln!(
                s,
                "{}",
                tr!(
                    lang,
                    "  搭配推荐：{}",
                    "  goes well with: {}",
                    pairs.join("、")
                )
            );
        }
    }
    if let Some(order) = &scenario.order {
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
                    .map(|d| tr!(lang, " · 签收{}天", " · delivered {} days ago", d))
                    .unwrap_or_default()
            )
        );
        if !order.note.is_empty() {
            let _ = writeln!(s, "  {}", order.note);
        }
    }
    s
}

/// One line after a reply in coach mode: the score and the most useful remark.
pub fn verdict_line(ex: &Exchange, lang: Lang) -> String {
    let score = &ex.score;
    let secs = ex.latency_ms as f64 / 1000.0;
    let head = match score.overall {
        Some(o) => tr!(lang, "得分 {:.0}", "score {:.0}", o),
        None => tr!(lang, "不计分", "not scored"),
    };
    let worst = worst_failure(score);
    let tail = match worst {
        Some(c) => format!("✗ {}", c.message),
        None => {
            // Praise what the customer asked about (sizing, bargaining…) before the routine
            // checks; the time is on the line already.
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
            let mut good: Vec<&crate::engine::CheckResult> = score
                .checks
                .iter()
                .filter(|c| c.passed && c.score >= 100.0)
                .collect();
            good.sort_by_key(|c| {
                ROUTINE
                    .iter()
                    .position(|k| *k == c.kind)
                    .map_or(0, |i| i + 1)
            });
            let good: Vec<&str> = good.iter().map(|c| c.message.as_str()).take(2).collect();
            if good.is_empty() {
                tr!(lang, "✓ 没有问题", "✓ no problems")
            } else {
                format!("✓ {}", good.join("；"))
            }
        }
    };
    let red = if score.red_line {
        tr!(lang, " [红线]", " [red line]")
    } else {
        String::new()
    };
    format!("  ⏱ {secs:.1}s · {head}{red} · {tail}")
}

/// A red line first; then the failure that cost the most weighted points.
fn worst_failure(score: &ReplyScore) -> Option<&crate::engine::CheckResult> {
    if let Some(red) = score.failures().find(|c| c.red_line && !c.review) {
        return Some(red);
    }
    score
        .failures()
        .max_by(|a, b| ((100.0 - a.score) * a.weight).total_cmp(&((100.0 - b.score) * b.weight)))
}

/// The end-of-session scorecard.
pub fn scorecard(scorer: &Scorer, card: &Scorecard, lang: Lang) -> String {
    let mut s = String::new();
    let rule = "─".repeat(44);
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

    #[test]
    fn bars_scale_and_clamp() {
        assert_eq!(bar(50.0, 10), "█████░░░░░");
        assert_eq!(bar(150.0, 4), "████");
        assert_eq!(bar(-3.0, 4), "░░░░");
    }
}
