//! After the scorecard: why the chat ended and what that did to the score, and in an exam, every
//! reply with every deduction (the exam shows no verdicts while it runs).

use std::fmt::Write as _;

use crate::lang::Lang;
use crate::session::Scorecard;
use crate::sim::EndReason;
use crate::tr;

/// Why the conversation ended and the cap the outcome put on the overall, when either says
/// something the scorecard does not.
pub fn outcome_notes(card: &Scorecard, lang: Lang) -> String {
    let mut s = String::new();
    let reason = match &card.reason {
        Some(EndReason::Waited(secs)) => Some(tr!(
            lang,
            "  顾客等了{}秒没等到回复，走了",
            "  the customer waited {} s for a reply and left",
            secs
        )),
        Some(EndReason::Mood) => Some(tr!(
            lang,
            "  顾客对回复越来越不满意，走了",
            "  the customer grew unhappy with the replies and left"
        )),
        Some(EndReason::Unanswered) => Some(tr!(
            lang,
            "  顾客的问题问了两遍都没得到回答，走了",
            "  the customer asked again, still got no answer, and left"
        )),
        Some(EndReason::Offended(check)) => Some(tr!(
            lang,
            "  顾客因为一条回复（{}）生气走了",
            "  a reply ({}) drove the customer away",
            check
        )),
        Some(EndReason::Script | EndReason::Decided) | None => None,
    };
    if let Some(r) = reason {
        let _ = writeln!(s, "{r}");
    }
    if let Some(cap) = card.capped {
        let _ = writeln!(
            s,
            "{}",
            tr!(
                lang,
                "  没成交或问题没解决，总分最高记{}分",
                "  no sale or no solution: the overall is capped at {}",
                cap
            )
        );
    }
    s
}

/// Every reply of the session with its score and every check that cost points, red lines
/// first, and the reference answer.
pub fn exam_review(card: &Scorecard, lang: Lang) -> String {
    let mut s = String::new();
    if card.review.is_empty() {
        return s;
    }
    let _ = writeln!(s, "{}", tr!(lang, "逐条复盘：", "Reply by reply:"));
    for r in &card.review {
        let overall = r
            .score
            .overall
            .map_or_else(|| "—".to_string(), |o| format!("{o:.0}"));
        let _ = writeln!(
            s,
            "{}",
            tr!(
                lang,
                "第{}条（{:.1}秒，{}分）：{}",
                "reply {} ({:.1} s, {}): {}",
                r.number,
                r.latency_ms as f64 / 1000.0,
                overall,
                r.text
            )
        );
        let mut lost: Vec<&crate::engine::CheckResult> = r
            .score
            .checks
            .iter()
            .filter(|c| !c.passed || c.score < 100.0)
            .collect();
        lost.sort_by_key(|c| !c.red_line);
        if lost.is_empty() {
            let _ = writeln!(s, "{}", tr!(lang, "   ✓ 没有扣分", "   ✓ nothing lost"));
        }
        for c in lost {
            let mark = if c.red_line && !c.passed {
                tr!(lang, "红线", "red line")
            } else if c.review {
                tr!(lang, "待复核", "to review")
            } else {
                format!("{:.0}", c.score)
            };
            let _ = writeln!(
                s,
                "{}",
                tr!(
                    lang,
                    "   ✗ [{}] {}：{}",
                    "   ✗ [{}] {}: {}",
                    mark,
                    c.check,
                    c.message
                )
            );
            if !c.excerpt.is_empty() {
                let _ = writeln!(
                    s,
                    "{}",
                    tr!(lang, "     原话：{}", "     you said: {}", c.excerpt)
                );
            }
        }
        if let Some(reference) = &r.reference {
            let _ = writeln!(
                s,
                "{}",
                tr!(lang, "   参考：{}", "   reference: {}", reference)
            );
        }
    }
    s
}
