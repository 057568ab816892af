//! QA reports from the mergeable state: Markdown, JSON and CSV (with a UTF-8 BOM for Excel).
//! Rendering is a pure function of the state, so a merged state renders byte for byte like one
//! run over all input.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::lang::Lang;
use crate::qa::aggregate::{ReportState, Stats, UNKNOWN_AGENT, mean, percentile};
use crate::tr;

/// Report file formats, chosen by the file's extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Markdown,
    Json,
    Csv,
}

impl ReportFormat {
    pub fn from_path(path: &std::path::Path) -> Option<ReportFormat> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "md" | "markdown" => Some(ReportFormat::Markdown),
            "json" => Some(ReportFormat::Json),
            "csv" => Some(ReportFormat::Csv),
            _ => None,
        }
    }
}

/// Figures derived from one [`Stats`], ready to print.
struct Figures {
    conversations: u64,
    overall: Option<f64>,
    dimensions: Vec<Option<f64>>,
    first: [Option<f64>; 3],
    avg: [Option<f64>; 3],
    rate_3min: Option<f64>,
    rate_30s: Option<f64>,
    conversion: Option<f64>,
    red_lines: u64,
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64 * 100.0)
}

fn figures(s: &Stats, order: &[String]) -> Figures {
    let hist_figures = |h| {
        [
            mean(h),
            percentile(h, 0.5).map(f64::from),
            percentile(h, 0.9).map(f64::from),
        ]
    };
    Figures {
        conversations: s.conversations,
        overall: (s.overall_n > 0).then(|| s.overall_sum as f64 / 10.0 / s.overall_n as f64),
        dimensions: order
            .iter()
            .map(|d| {
                s.dimensions
                    .get(d)
                    .filter(|(_, n)| *n > 0)
                    .map(|(sum, n)| *sum as f64 / 10.0 / *n as f64)
            })
            .collect(),
        first: hist_figures(&s.first_response),
        avg: hist_figures(&s.response),
        rate_3min: ratio(s.within_3min, s.inquiries),
        rate_30s: ratio(s.within_30s, s.inquiries),
        conversion: ratio(s.converted, s.outcome_known),
        red_lines: s.red_lines,
    }
}

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{v:.1}"))
}

fn pct(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_string(), |v| format!("{v:.1}%"))
}

fn triple(x: &[Option<f64>; 3]) -> String {
    format!("{} / {} / {}", num(x[0]), num(x[1]), num(x[2]))
}

/// Renders the report in the given format.
pub fn render(state: &ReportState, format: ReportFormat, lang: Lang) -> Vec<u8> {
    let mut state = state.clone();
    state.settle();
    match format {
        ReportFormat::Markdown => markdown(&state, lang).into_bytes(),
        ReportFormat::Json => {
            let mut s = serde_json::to_string_pretty(&json_report(&state)).unwrap_or_default();
            s.push('\n');
            s.into_bytes()
        }
        ReportFormat::Csv => csv_report(&state, lang),
    }
}

/// An agent's name as the report shows it: conversations whose export names no agent are kept
/// under [`UNKNOWN_AGENT`], shown in the reader's language.
fn agent_label(name: &str, lang: Lang) -> String {
    if name == UNKNOWN_AGENT {
        tr!(lang, "（未注明客服）", "(no agent named)")
    } else {
        name.to_string()
    }
}

/// One row per agent, then the team; the flag marks the team row.
fn rows(state: &ReportState, lang: Lang) -> Vec<(String, &Stats, bool)> {
    let mut rows: Vec<(String, &Stats, bool)> = state
        .agents
        .iter()
        .map(|(name, s)| (agent_label(name, lang), s, false))
        .collect();
    rows.push((tr!(lang, "团队", "Team"), &state.team, true));
    rows
}

fn markdown(state: &ReportState, lang: Lang) -> String {
    let order = &state.dimension_order;
    let mut s = String::new();
    let _ = writeln!(s, "{}\n", tr!(lang, "# 客服质检报告", "# Chat QA report"));
    let _ = writeln!(
        s,
        "{}\n",
        tr!(
            lang,
            "共 {} 个会话、{} 条消息；跳过 {} 行无法读取的数据。",
            "{} conversations, {} messages; {} unreadable lines skipped.",
            state.team.conversations,
            state.messages,
            state.bad_lines
        )
    );
    // The summary table: one row per agent, then the team.
    let mut header = vec![
        tr!(lang, "客服", "Agent"),
        tr!(lang, "会话数", "Chats"),
        tr!(lang, "平均分", "Overall"),
    ];
    header.extend((0..order.len()).map(|i| state.dimension_label(i, lang)));
    header.extend([
        tr!(
            lang,
            "首响 均/p50/p90 (秒)",
            "First response mean/p50/p90 (s)"
        ),
        tr!(lang, "平响 均/p50/p90 (秒)", "Response mean/p50/p90 (s)"),
        tr!(lang, "3分钟响应率", "3-min rate"),
        tr!(lang, "30秒应答率", "30-s rate"),
        tr!(lang, "询单转化率", "Conversion"),
        tr!(lang, "触红线会话", "Chats with a red line"),
    ]);
    let _ = writeln!(s, "| {} |", header.join(" | "));
    let _ = writeln!(s, "|{}", "---|".repeat(header.len()));
    for (name, stats, team) in rows(state, lang) {
        let f = figures(stats, order);
        let name = if team { format!("**{name}**") } else { name };
        let mut cells = vec![name, f.conversations.to_string(), num(f.overall)];
        cells.extend(f.dimensions.iter().map(|d| num(*d)));
        cells.extend([
            triple(&f.first),
            triple(&f.avg),
            pct(f.rate_3min),
            pct(f.rate_30s),
            pct(f.conversion),
            f.red_lines.to_string(),
        ]);
        let _ = writeln!(s, "| {} |", cells.join(" | "));
    }
    let _ = writeln!(s);
    for (title, stats, _) in rows(state, lang) {
        let _ = writeln!(s, "## {title}\n");
        let mut failed: Vec<(&String, &crate::qa::aggregate::FailedCheck)> =
            stats.failed_checks.iter().collect();
        failed.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
        if failed.is_empty() {
            let _ = writeln!(s, "{}\n", tr!(lang, "没有扣分项。", "No failed checks."));
        } else {
            let _ = writeln!(
                s,
                "{}\n",
                tr!(lang, "### 高频扣分项", "### Most frequent failed checks")
            );
            for (check, f) in failed.iter().take(5) {
                let line = tr!(
                    lang,
                    "- `{}`（{}）× {}：{}  \n  例：{} 第{}条回复「{}」",
                    "- `{}` ({}) × {}: {}  \n  e.g. {}, reply {}: 「{}」",
                    check,
                    f.dimension,
                    f.count,
                    f.example_message,
                    f.example_conversation,
                    f.example_turn,
                    f.example_excerpt
                );
                if f.better.is_empty() {
                    let _ = writeln!(s, "{line}");
                } else {
                    // Two spaces end a Markdown line without ending the item.
                    let better = tr!(lang, "建议：", "Better: ");
                    let _ = writeln!(s, "{line}  \n  {better}{}", f.better);
                }
            }
            let _ = writeln!(s);
        }
        if !stats.non_converted.is_empty() {
            let _ = writeln!(
                s,
                "{}\n",
                tr!(lang, "### 未成交分析", "### Why chats did not convert")
            );
            for n in &stats.non_converted {
                let overall = if n.overall_tenths < 0 {
                    "—".to_string()
                } else {
                    format!("{:.1}", n.overall_tenths as f64 / 10.0)
                };
                let checks = if n.failed_checks.is_empty() {
                    tr!(lang, "无扣分项", "no failed check")
                } else {
                    n.failed_checks
                        .join(if lang == Lang::Zh { "、" } else { ", " })
                };
                let line = tr!(
                    lang,
                    "- {}（得分 {}）：{}",
                    "- {} (score {}): {}",
                    n.conversation,
                    overall,
                    checks
                );
                let _ = writeln!(s, "{line}");
            }
            let _ = writeln!(s);
        }
    }
    s
}

fn stats_json(stats: &Stats, order: &[String]) -> Value {
    let f = figures(stats, order);
    let dims: serde_json::Map<String, Value> = order
        .iter()
        .zip(&f.dimensions)
        .map(|(d, v)| (d.clone(), json!(v)))
        .collect();
    let mut failed: Vec<(&String, &crate::qa::aggregate::FailedCheck)> =
        stats.failed_checks.iter().collect();
    failed.sort_by(|a, b| b.1.count.cmp(&a.1.count).then(a.0.cmp(b.0)));
    json!({
        "conversations": f.conversations,
        "overall": f.overall,
        "dimensions": dims,
        "first_response_s": {"mean": f.first[0], "p50": f.first[1], "p90": f.first[2]},
        "avg_response_s": {"mean": f.avg[0], "p50": f.avg[1], "p90": f.avg[2]},
        "reply_within_3min_rate": f.rate_3min,
        "answer_within_30s_rate": f.rate_30s,
        "conversion_rate": f.conversion,
        "red_lines": f.red_lines,
        "failed_checks": failed.iter().map(|(c, f)| json!({
            "check": c, "dimension": f.dimension, "count": f.count, "better": f.better,
            "example": {"conversation": f.example_conversation, "turn": f.example_turn,
                        "message": f.example_message, "excerpt": f.example_excerpt},
        })).collect::<Vec<_>>(),
        "not_converted": stats.non_converted.iter().map(|n| json!({
            "conversation": n.conversation,
            "overall": (n.overall_tenths >= 0).then(|| n.overall_tenths as f64 / 10.0),
            "failed_checks": n.failed_checks,
        })).collect::<Vec<_>>(),
    })
}

fn json_report(state: &ReportState) -> Value {
    let agents: serde_json::Map<String, Value> = state
        .agents
        .iter()
        .map(|(name, s)| (name.clone(), stats_json(s, &state.dimension_order)))
        .collect();
    json!({
        "conversations": state.team.conversations,
        "messages": state.messages,
        "bad_lines": state.bad_lines,
        "team": stats_json(&state.team, &state.dimension_order),
        "agents": agents,
    })
}

fn csv_report(state: &ReportState, lang: Lang) -> Vec<u8> {
    let order = &state.dimension_order;
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        let mut header = vec![
            tr!(lang, "客服", "agent"),
            tr!(lang, "会话数", "conversations"),
            tr!(lang, "平均分", "overall"),
        ];
        header.extend((0..order.len()).map(|i| state.dimension_label(i, lang)));
        header.extend([
            tr!(lang, "首响均值(秒)", "first_response_mean_s"),
            tr!(lang, "首响p50(秒)", "first_response_p50_s"),
            tr!(lang, "首响p90(秒)", "first_response_p90_s"),
            tr!(lang, "平响均值(秒)", "response_mean_s"),
            tr!(lang, "平响p50(秒)", "response_p50_s"),
            tr!(lang, "平响p90(秒)", "response_p90_s"),
            tr!(lang, "3分钟响应率(%)", "reply_within_3min_pct"),
            tr!(lang, "30秒应答率(%)", "answer_within_30s_pct"),
            tr!(lang, "询单转化率(%)", "conversion_pct"),
            tr!(lang, "触红线会话", "red_line_chats"),
            tr!(lang, "最常见扣分项", "top_failed_check"),
        ]);
        let _ = w.write_record(&header);
        let cell = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v:.1}"));
        for (name, stats, _) in rows(state, lang) {
            let f = figures(stats, order);
            let top = stats
                .failed_checks
                .iter()
                .max_by(|a, b| a.1.count.cmp(&b.1.count).then(b.0.cmp(a.0)))
                .map(|(c, f)| format!("{c} ×{}", f.count))
                .unwrap_or_default();
            let mut row = vec![name, f.conversations.to_string(), cell(f.overall)];
            row.extend(f.dimensions.iter().map(|d| cell(*d)));
            row.extend(f.first.iter().map(|x| cell(*x)));
            row.extend(f.avg.iter().map(|x| cell(*x)));
            row.extend([
                cell(f.rate_3min),
                cell(f.rate_30s),
                cell(f.conversion),
                f.red_lines.to_string(),
                top,
            ]);
            let _ = w.write_record(&row);
        }
        let _ = w.flush();
    }
    out
}
