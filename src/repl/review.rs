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
            "  顾客的问题再问也没得到回答，走了",
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

/// How many replies came from quick phrases, and which of those did not answer what was asked.
pub fn quick_notes(card: &Scorecard, lang: Lang) -> String {
    let mut s = String::new();
    if card.quick.is_empty() {
        return s;
    }
    let unfit: Vec<String> = card
        .quick
        .iter()
        .filter(|(_, _, fits)| !fits)
        .map(|(n, key, _)| tr!(lang, "第{}条（;{}）", "reply {} (;{})", n, key))
        .collect();
    let _ = writeln!(
        s,
        "{}",
        tr!(
            lang,
            "  快捷短语：{}条回复里有{}条用了快捷短语",
            "  quick phrases: {} of {} replies",
            card.replies,
            card.quick.len()
        )
    );
    if !unfit.is_empty() {
        let _ = writeln!(
            s,
            "{}",
            tr!(
                lang,
                "  没答到顾客问的：{}（快捷短语发之前要按问题改）",
                "  did not answer what was asked: {} (edit a quick phrase to fit the question)",
                unfit.join(if lang == Lang::Zh { "、" } else { ", " })
            )
        );
    }
    s
}

/// The quick phrases, for `/q`.
pub fn phrase_list(phrases: &[crate::content::phrases::Phrase], lang: Lang) -> String {
    let mut s = String::new();
    if phrases.is_empty() {
        let _ = writeln!(s, "{}", tr!(lang, "（没有快捷短语）", "(no quick phrases)"));
        return s;
    }
    let width = phrases.iter().map(|p| p.key().len()).max().unwrap_or(2) + 1;
    for p in phrases {
        let key = format!(";{}", p.key());
        let note = if p.note.is_empty() {
            String::new()
        } else {
            format!("[{}] ", p.note)
        };
        let _ = writeln!(s, "  {key:<w$}  {note}{}", p.text, w = width + 1);
    }
    let _ = writeln!(
        s,
        "{}",
        tr!(
            lang,
            "  输入 ;短语名 再按Tab展开，改好再发；直接回车也会发出短语原文",
            "  type ;key and press Tab to expand it, edit, then send; Enter sends it as it is"
        )
    );
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
