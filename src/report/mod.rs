//! QA reports from the mergeable state: Markdown, JSON and CSV (with a UTF-8 BOM for Excel).
//! Rendering is a pure function of the state, so a merged state renders byte for byte like one
//! run over all input.

use std::fmt::Write as _;

use serde_json::{Value, json};

use crate::lang::Lang;
use crate::qa::aggregate::{FailedCheck, ReportState, Stats, mean, percentile};
use crate::qa::kpi::{self, KpiRules, Platform, keys};
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
    /// The platform's KPIs, in the order of [`kpi::labels`].
    kpi: Vec<Option<f64>>,
    unscored: u64,
    red_lines: u64,
    reviews: u64,
}

fn ratio(n: u64, d: u64) -> Option<f64> {
    (d > 0).then(|| n as f64 / d as f64 * 100.0)
}

/// The KPI rules the state was made with (Taobao's for a state from before they were kept).
fn rules(state: &ReportState) -> KpiRules {
    state
        .kpi_rules
        .unwrap_or_else(|| KpiRules::new(Platform::Taobao))
}

/// The platform's KPI columns: (key, label in `lang`).
fn kpi_columns(state: &ReportState, lang: Lang) -> Vec<(&'static str, String)> {
    kpi::labels(&rules(state), lang == Lang::En)
}

/// Whether a KPI is a share (printed as a percentage) or a count (printed whole).
fn kpi_kind(key: &str) -> (bool, bool) {
    let share = matches!(
        key,
        keys::RATE | keys::LEFT_MESSAGE_RATE | keys::CONVERSION_RATE
    );
    let count = matches!(key, keys::RATE_UNKNOWN | keys::ROBOT_REPLIES);
    (share, count)
}

/// A KPI value as a cell: a share as a percentage, a count whole, seconds and yuan to tenths.
fn kpi_cell(key: &str, v: Option<f64>) -> String {
    match kpi_kind(key) {
        (true, _) => pct(v.map(|v| v * 100.0)),
        (_, true) => v.map_or_else(|| "—".to_string(), |v| format!("{v:.0}")),
        _ => num(v),
    }
}

/// The line that says whose KPI definitions the figures follow.
fn kpi_rule_line(state: &ReportState, lang: Lang) -> String {
    let r = rules(state);
    let robots = if r.count_robot {
        tr!(lang, "，机器人回复计入", "; robot replies counted")
    } else {
        tr!(lang, "，机器人回复不计入", "; robot replies not counted")
    };
    tr!(
        lang,
        "指标口径：{}，服务时间 {}{}（定义见 docs/kpi.md）。",
        "KPIs by {}'s rules, service hours {}{} (defined in docs/kpi.md).",
        r.platform.name(lang == Lang::En),
        r.hours,
        robots
    )
}

fn figures(s: &Stats, order: &[String], columns: &[(&'static str, String)]) -> Figures {
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
        kpi: columns.iter().map(|(key, _)| s.kpi.value(key)).collect(),
        unscored: s.unscored,
        red_lines: s.red_lines,
        reviews: s.reviews(),
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

/// Whose figures a row gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who<'a> {
    /// An agent, by the name the export gives.
    Agent(&'a str),
    /// The conversations whose export names no agent.
    NoAgent,
    Team,
}

impl Who<'_> {
    /// The row's name in the reader's language: the no-agent bucket and the team are named
    /// here, at render time, never as an agent's name.
    fn label(self, lang: Lang) -> String {
        match self {
            Who::Agent(name) => name.to_string(),
            Who::NoAgent => tr!(lang, "（未注明客服）", "(no agent named)"),
            Who::Team => tr!(lang, "团队", "Team"),
        }
    }
}

/// One row per agent (the no-agent bucket first, then the agents by name), then the team.
fn rows(state: &ReportState) -> Vec<(Who<'_>, &Stats)> {
    let mut rows: Vec<(Who<'_>, &Stats)> = Vec::new();
    if let Some(s) = &state.no_agent {
        rows.push((Who::NoAgent, s));
    }
    rows.extend(state.agents.iter().map(|(name, s)| (Who::Agent(name), s)));
    rows.push((Who::Team, &state.team));
    rows
}

/// Failed checks, most widespread first: by the conversations they failed in (comparable
/// between checks judged per reply and per conversation), then failures, then id.
fn ranked(stats: &Stats) -> Vec<(&String, &FailedCheck)> {
    let mut failed: Vec<(&String, &FailedCheck)> = stats.failed_checks.iter().collect();
    failed.sort_by(|a, b| {
        (b.1.conversations, b.1.count)
            .cmp(&(a.1.conversations, a.1.count))
            .then(a.0.cmp(b.0))
    });
    failed
}

/// Text made safe for one Markdown table cell or one line of a list: a `|` cannot end the cell,
/// a line break cannot end the row or the item (line breaks and other control characters become
/// one space), and the characters of inline Markdown (`` ` ``, `*`, `_`, `~`, `[`, `]`, `<`,
/// `\`) and a leading `#`, `>`, `+`, `-` or `=` are written literally.
pub fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut space = false;
    for c in text.chars() {
        if c.is_control() {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        match c {
            '|' | '`' | '*' | '_' | '~' | '[' | ']' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '#' | '>' | '+' | '-' | '=' if out.is_empty() => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

/// An id (a check's) as inline code, safe in a table cell: line breaks become spaces and `|`
/// is escaped (GitHub's tables split cells on it even in code). An id with a backtick in it is
/// written as plain text instead.
fn md_code(id: &str) -> String {
    if id.contains('`') {
        return md_text(id);
    }
    let id: String = id
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    format!("`{}`", id.replace('|', "\\|"))
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
    let _ = writeln!(s, "{}\n", md_text(&kpi_rule_line(state, lang)));
    if state.team.unscored > 0 {
        let _ = writeln!(
            s,
            "{}\n",
            tr!(
                lang,
                "{} 个会话没有评分：没有顾客消息，或没有人工回复（见输出里的 \"unscored\"）。",
                "{} conversations were not scored: no customer message, or no reply from a person \
                 (see \"unscored\" in the output).",
                state.team.unscored
            )
        );
    }
    let columns = kpi_columns(state, lang);
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
    ]);
    header.extend(columns.iter().map(|(_, label)| label.clone()));
    header.extend([
        tr!(lang, "触红线会话", "Chats with a red line"),
        tr!(lang, "待复核", "To review"),
    ]);
    let header: Vec<String> = header.iter().map(|h| md_text(h)).collect();
    let _ = writeln!(s, "| {} |", header.join(" | "));
    let _ = writeln!(s, "|{}", "---|".repeat(header.len()));
    for (who, stats) in rows(state) {
        let f = figures(stats, order, &columns);
        let name = md_text(&who.label(lang));
        let name = if who == Who::Team {
            format!("**{name}**")
        } else {
            name
        };
        let mut cells = vec![name, f.conversations.to_string(), num(f.overall)];
        cells.extend(f.dimensions.iter().map(|d| num(*d)));
        cells.extend([triple(&f.first), triple(&f.avg)]);
        cells.extend(
            columns
                .iter()
                .zip(&f.kpi)
                .map(|((key, _), v)| kpi_cell(key, *v)),
        );
        cells.extend([f.red_lines.to_string(), f.reviews.to_string()]);
        let _ = writeln!(s, "| {} |", cells.join(" | "));
    }
    let _ = writeln!(s);
    for (who, stats) in rows(state) {
        let _ = writeln!(s, "## {}\n", md_text(&who.label(lang)));
        let failed = ranked(stats);
        if failed.is_empty() {
            let _ = writeln!(s, "{}\n", tr!(lang, "没有扣分项。", "No failed checks."));
        } else {
            let _ = writeln!(
                s,
                "{}\n",
                tr!(lang, "### 高频扣分项", "### Most frequent failed checks")
            );
            for (check, f) in failed.iter().take(5) {
                failed_check_item(&mut s, state, stats, check, f, lang);
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
                    md_text(&n.conversation),
                    overall,
                    md_text(&checks)
                );
                let _ = writeln!(s, "{line}");
            }
            let _ = writeln!(s);
        }
    }
    review_section(&mut s, state, lang);
    s
}

/// One frequent failed check: how often it failed, in its unit (replies, or conversations for
/// a check judged once per conversation), the share of scored conversations it failed in, its
/// first example and the advice.
fn failed_check_item(
    s: &mut String,
    state: &ReportState,
    stats: &Stats,
    check: &str,
    f: &FailedCheck,
    lang: Lang,
) {
    let share = pct(ratio(f.conversations, stats.overall_n));
    let (check_md, dimension) = (md_code(check), md_text(&f.dimension));
    let (message, excerpt) = (md_text(&f.example_message), md_text(&f.example_excerpt));
    let conversation = md_text(&f.example_conversation);
    let line = if state.is_per_conversation(check) {
        tr!(
            lang,
            "- {}（{}，每个会话判一次）× {}/{} 个会话（{}）：{}  \n  例：{} 整段会话，结束时的回复「{}」",
            "- {} ({}, judged once per chat) × {}/{} chats ({}): {}  \n  e.g. {}, the whole chat; its closing reply: 「{}」",
            check_md,
            dimension,
            f.conversations,
            stats.overall_n,
            share,
            message,
            conversation,
            excerpt
        )
    } else {
        tr!(
            lang,
            "- {}（{}）× {} 条回复，见于 {}/{} 个会话（{}）：{}  \n  例：{} 第{}条回复「{}」",
            "- {} ({}) × {} replies, in {}/{} chats ({}): {}  \n  e.g. {}, reply {}: 「{}」",
            check_md,
            dimension,
            f.count,
            f.conversations,
            stats.overall_n,
            share,
            message,
            conversation,
            f.example_turn,
            excerpt
        )
    };
    if f.better.is_empty() {
        let _ = writeln!(s, "{line}");
    } else {
        // Two spaces end a Markdown line without ending the item.
        let better = tr!(lang, "建议：", "Better: ");
        let _ = writeln!(s, "{line}  \n  {better}{}", md_text(&f.better));
    }
}

/// The findings the engine was unsure of, for a person to confirm: counted apart from the
/// failures, the first [`crate::qa::aggregate::REVIEW_KEPT`] listed.
fn review_section(s: &mut String, state: &ReportState, lang: Lang) {
    let total = state.team.reviews();
    if total == 0 {
        return;
    }
    let _ = writeln!(
        s,
        "{}\n",
        tr!(
            lang,
            "## 待复核（{} 条）",
            "## To review ({} findings)",
            total
        )
    );
    let _ = writeln!(
        s,
        "{}\n",
        tr!(
            lang,
            "引擎对这些判断没有把握：不计入得分和扣分项，请人工确认。",
            "The engine was unsure of these: they count in no score and no failed check; a person should confirm them."
        )
    );
    let header = [
        tr!(lang, "会话", "Chat"),
        tr!(lang, "回复", "Reply"),
        tr!(lang, "检查项", "Check"),
        tr!(lang, "摘录", "Excerpt"),
        tr!(lang, "说明", "Why"),
    ];
    let _ = writeln!(s, "| {} |", header.join(" | "));
    let _ = writeln!(s, "|{}", "---|".repeat(header.len()));
    for item in &state.review {
        let turn = if state.is_per_conversation(&item.check) {
            tr!(lang, "整段会话", "whole chat")
        } else {
            item.turn.to_string()
        };
        let cells = [
            md_text(&item.conversation),
            turn,
            md_code(&item.check),
            md_text(&item.excerpt),
            md_text(&item.message),
        ];
        let _ = writeln!(s, "| {} |", cells.join(" | "));
    }
    let shown = state.review.len() as u64;
    if total > shown {
        let _ = writeln!(
            s,
            "\n{}",
            tr!(
                lang,
                "……另有 {} 条未列出（JSON 报告按检查项计数；逐条见 JSON 行里 \"review\": true 的发现）。",
                "… and {} more (the JSON report counts them by check; each is a finding with \"review\": true in the JSON lines).",
                total - shown
            )
        );
    }
    let _ = writeln!(s);
}

fn stats_json(stats: &Stats, state: &ReportState) -> Value {
    let order = &state.dimension_order;
    let columns = kpi_columns(state, Lang::En);
    let f = figures(stats, order, &columns);
    let kpis: serde_json::Map<String, Value> = columns
        .iter()
        .zip(&f.kpi)
        .map(|((key, _), v)| (key.to_string(), json!(v)))
        .collect();
    let dims: serde_json::Map<String, Value> = order
        .iter()
        .zip(&f.dimensions)
        .map(|(d, v)| (d.clone(), json!(v)))
        .collect();
    json!({
        "conversations": f.conversations,
        "scored_conversations": stats.overall_n,
        "overall": f.overall,
        "dimensions": dims,
        "first_response_s": {"mean": f.first[0], "p50": f.first[1], "p90": f.first[2]},
        "avg_response_s": {"mean": f.avg[0], "p50": f.avg[1], "p90": f.avg[2]},
        "kpi": kpis,
        "kpi_counts": stats.kpi,
        "unscored": f.unscored,
        "red_lines": f.red_lines,
        "failed_checks": ranked(stats).iter().map(|(c, f)| {
            let per_conversation = state.is_per_conversation(c);
            json!({
                "check": c, "dimension": f.dimension,
                "per_conversation": per_conversation,
                "unit": if per_conversation { "conversation" } else { "reply" },
                "count": f.count,
                "conversations": f.conversations,
                "conversation_rate": ratio(f.conversations, stats.overall_n),
                "better": f.better,
                "example": {"conversation": f.example_conversation, "turn": f.example_turn,
                            "message": f.example_message, "excerpt": f.example_excerpt},
            })
        }).collect::<Vec<_>>(),
        "review": {"count": f.reviews, "checks": stats.review_checks},
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
        .map(|(name, s)| (name.clone(), stats_json(s, state)))
        .collect();
    json!({
        "conversations": state.team.conversations,
        "messages": state.messages,
        "bad_lines": state.bad_lines,
        "kpi_rules": rules(state),
        "kpi_labels": kpi_columns(state, Lang::Zh)
            .into_iter()
            .map(|(key, label)| (key.to_string(), Value::from(label)))
            .collect::<serde_json::Map<String, Value>>(),
        "per_conversation_checks": state.per_conversation,
        "team": stats_json(&state.team, state),
        "agents": agents,
        "no_agent": state.no_agent.as_ref().map(|s| stats_json(s, state)),
        "review": {
            "count": state.team.reviews(),
            "listed": state.review.len(),
            "items": state.review,
        },
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
        ]);
        let columns = kpi_columns(state, lang);
        header.extend(columns.iter().map(|(key, label)| match kpi_kind(key) {
            (true, _) => format!("{label}(%)"),
            _ => label.clone(),
        }));
        header.extend([
            tr!(lang, "触红线会话", "red_line_chats"),
            tr!(lang, "待复核", "to_review"),
            tr!(lang, "最常见扣分项", "top_failed_check"),
        ]);
        let _ = w.write_record(&header);
        let cell = |x: Option<f64>| x.map_or(String::new(), |v| format!("{v:.1}"));
        for (who, stats) in rows(state) {
            let f = figures(stats, order, &columns);
            let top = ranked(stats)
                .first()
                .map(|(c, f)| format!("{c} ×{}", f.count))
                .unwrap_or_default();
            let mut row = vec![
                who.label(lang),
                f.conversations.to_string(),
                cell(f.overall),
            ];
            row.extend(f.dimensions.iter().map(|d| cell(*d)));
            row.extend(f.first.iter().map(|x| cell(*x)));
            row.extend(f.avg.iter().map(|x| cell(*x)));
            row.extend(
                columns
                    .iter()
                    .zip(&f.kpi)
                    .map(|((key, _), v)| match kpi_kind(key) {
                        (true, _) => cell(v.map(|v| v * 100.0)),
                        _ => cell(*v),
                    }),
            );
            row.extend([f.red_lines.to_string(), f.reviews.to_string(), top]);
            let _ = w.write_record(&row);
        }
        let _ = w.flush();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qa::aggregate::REVIEW_KEPT;
    use crate::qa::score::{ConversationResult, Finding, Kpi};

    /// A scored conversation with findings: (check, turn, review, excerpt).
    fn chat(
        id: &str,
        agent: Option<&str>,
        findings: &[(&str, usize, bool, &str)],
    ) -> ConversationResult {
        ConversationResult {
            conversation: id.to_string(),
            agent: agent.map(String::from),
            messages: 4,
            overall: Some(60.0),
            dimensions: vec![("courtesy".into(), Some(60.0))],
            kpi: Kpi::default(),
            converted: None,
            findings: findings
                .iter()
                .map(|&(check, turn, review, excerpt)| Finding {
                    turn,
                    dimension: "courtesy".into(),
                    check: check.into(),
                    passed: false,
                    message: format!("{check}: a | b\nc"),
                    excerpt: excerpt.to_string(),
                    better: Some("亲，*请*这样说".into()),
                    red_line: false,
                    review,
                })
                .collect(),
            response_times: vec![10],
            inquiry: true,
            red_line: false,
            unscored: None,
        }
    }

    fn state(results: &[ConversationResult]) -> ReportState {
        let mut state = ReportState {
            version: crate::qa::aggregate::STATE_VERSION,
            dimension_order: vec!["courtesy".into()],
            dimension_names: vec![("礼貌|热情".into(), "Courtesy".into())],
            per_conversation: ["tone".to_string()].into(),
            ..ReportState::default()
        };
        for r in results {
            state.add(r);
        }
        state
    }

    fn json_of(state: &ReportState) -> Value {
        serde_json::from_slice(&render(state, ReportFormat::Json, Lang::Zh)).expect("JSON")
    }

    fn markdown_of(state: &ReportState, lang: Lang) -> String {
        String::from_utf8(render(state, ReportFormat::Markdown, lang)).expect("UTF-8")
    }

    /// The cells of a table row: split at the `|` that are not escaped.
    fn cells(row: &str) -> Vec<String> {
        let mut cells = vec![String::new()];
        let mut escaped = false;
        for c in row.chars() {
            match c {
                '|' if !escaped => cells.push(String::new()),
                _ => cells.last_mut().expect("a cell").push(c),
            }
            escaped = c == '\\' && !escaped;
        }
        cells
    }

    /// Every table of the report: its rows have as many cells as its header, and no row or
    /// list item was broken across lines.
    fn assert_tables_hold(md: &str) {
        let mut width = None;
        for line in md.lines() {
            if line.starts_with('|') {
                let n = cells(line).len();
                let w = *width.get_or_insert(n);
                assert_eq!(n, w, "{line}\n{md}");
            } else {
                width = None;
                assert!(
                    line.is_empty()
                        || line.starts_with('#')
                        || line.starts_with("- ")
                        || line.starts_with("  ")
                        || [
                            "共 ",
                            "引擎",
                            "……",
                            "没有扣分项",
                            "指标口径",
                            "个会话没有评分"
                        ]
                        .iter()
                        .any(|p| line.starts_with(p) || line.contains(p))
                        || [
                            "conversations, ",
                            "The engine",
                            "… and ",
                            "No failed",
                            "KPIs by "
                        ]
                        .iter()
                        .any(|p| line.contains(p)),
                    "a stray line: {line:?}\n{md}"
                );
            }
        }
    }

    #[test]
    fn markdown_text_cannot_break_a_cell_or_a_line() {
        assert_eq!(md_text("亲|在的"), "亲\\|在的");
        assert_eq!(md_text("第一行\r\n第二行\n"), "第一行 第二行");
        assert_eq!(md_text("\n小美"), "小美");
        assert_eq!(md_text("# 标题"), "\\# 标题");
        assert_eq!(md_text("- 一项"), "\\- 一项");
        assert_eq!(md_text("a#b-c"), "a#b-c");
        assert_eq!(
            md_text("`代码` *强调* _斜_ ~删~"),
            "\\`代码\\` \\*强调\\* \\_斜\\_ \\~删\\~"
        );
        assert_eq!(md_text("[链接](x) <b> a\\b"), "\\[链接\\](x) &lt;b> a\\\\b");
        assert_eq!(md_text("好的～"), "好的～");
        assert_eq!(md_code("polite-address"), "`polite-address`");
        assert_eq!(md_code("a|b\nc"), "`a\\|b c`");
        assert_eq!(md_code("a`b"), "a\\`b");
    }

    #[test]
    fn a_pipe_or_a_newline_in_a_reply_or_an_agent_name_keeps_the_tables_whole() {
        let state = state(&[
            chat(
                "c1",
                Some("小|美\n二号"),
                &[("polite", 1, false, "亲|在的\n稍等")],
            ),
            chat(
                "c2",
                Some("# 小禾"),
                &[("claims", 2, true, "纯棉|100%\r\n放心")],
            ),
            chat("c|3\n", None, &[("tone", 3, false, "`好`")]),
        ]);
        for lang in [Lang::Zh, Lang::En] {
            let md = markdown_of(&state, lang);
            assert_tables_hold(&md);
            assert!(md.contains("| 小\\|美 二号 | 1 |"), "{md}");
            assert!(md.contains("| \\# 小禾 | 1 |"), "{md}");
            assert!(md.contains("## 小\\|美 二号\n"), "{md}");
            assert!(md.contains("「亲\\|在的 稍等」"), "{md}");
            assert!(md.contains("| 纯棉\\|100% 放心 |"), "{md}");
            assert!(md.contains("c\\|3"), "{md}");
            assert!(md.contains("礼貌\\|热情") || lang == Lang::En, "{md}");
        }
    }

    #[test]
    fn per_conversation_checks_are_counted_in_conversations() {
        let state = state(&[
            chat(
                "c1",
                Some("小美"),
                &[
                    ("polite", 1, false, "在"),
                    ("polite", 2, false, "嗯"),
                    ("tone", 2, false, "嗯"),
                ],
            ),
            chat("c2", Some("小美"), &[("polite", 1, false, "在")]),
            chat("c3", Some("小美"), &[]),
            chat("c4", Some("小美"), &[("tone", 4, false, "好")]),
        ]);
        let md = markdown_of(&state, Lang::Zh);
        assert!(
            md.contains("- `polite`（courtesy）× 3 条回复，见于 2/4 个会话（50.0%）："),
            "{md}"
        );
        assert!(
            md.contains("- `tone`（courtesy，每个会话判一次）× 2/4 个会话（50.0%）："),
            "{md}"
        );
        assert!(md.contains("例：c1 整段会话，结束时的回复「嗯」"), "{md}");
        let md = markdown_of(&state, Lang::En);
        assert!(
            md.contains("- `polite` (courtesy) × 3 replies, in 2/4 chats (50.0%): "),
            "{md}"
        );
        assert!(
            md.contains("- `tone` (courtesy, judged once per chat) × 2/4 chats (50.0%): "),
            "{md}"
        );

        let json = json_of(&state);
        let checks = json["team"]["failed_checks"]
            .as_array()
            .expect("failed checks");
        let tone = checks.iter().find(|c| c["check"] == "tone").expect("tone");
        assert_eq!(tone["unit"], "conversation");
        assert_eq!(tone["per_conversation"], true);
        assert_eq!(
            (tone["count"].as_u64(), tone["conversations"].as_u64()),
            (Some(2), Some(2))
        );
        assert_eq!(tone["conversation_rate"], 50.0);
        let polite = checks
            .iter()
            .find(|c| c["check"] == "polite")
            .expect("polite");
        assert_eq!(polite["unit"], "reply");
        assert_eq!(
            (polite["count"].as_u64(), polite["conversations"].as_u64()),
            (Some(3), Some(2))
        );
        assert_eq!(json["per_conversation_checks"], json!(["tone"]));
    }

    #[test]
    fn findings_for_review_are_listed_apart_with_how_many_more() {
        let many: Vec<ConversationResult> = (0..REVIEW_KEPT + 7)
            .map(|i| {
                chat(
                    &format!("c{i:03}"),
                    Some("小美"),
                    &[("claims", 2, true, "纯棉"), ("polite", 1, false, "在")],
                )
            })
            .collect();
        let state = state(&many);
        let md = markdown_of(&state, Lang::Zh);
        assert!(
            md.contains(&format!("## 待复核（{} 条）", REVIEW_KEPT + 7)),
            "{md}"
        );
        assert!(
            md.contains("| c000 | 2 | `claims` | 纯棉 | claims: a \\| b c |"),
            "{md}"
        );
        assert_eq!(md.matches("| `claims` |").count(), REVIEW_KEPT, "{md}");
        assert!(md.contains("……另有 7 条未列出"), "{md}");
        // Not among the failed checks.
        assert!(!md.contains("- `claims`"), "{md}");
        assert_tables_hold(&md);
        let md = markdown_of(&state, Lang::En);
        assert!(md.contains("… and 7 more"), "{md}");

        let json = json_of(&state);
        assert_eq!(json["review"]["count"], (REVIEW_KEPT + 7) as u64);
        assert_eq!(json["review"]["listed"], REVIEW_KEPT as u64);
        assert_eq!(
            json["team"]["review"]["checks"]["claims"],
            (REVIEW_KEPT + 7) as u64
        );
        assert_eq!(
            json["agents"]["小美"]["review"]["count"],
            (REVIEW_KEPT + 7) as u64
        );
        assert!(
            json["team"]["failed_checks"]
                .as_array()
                .expect("checks")
                .iter()
                .all(|c| c["check"] != "claims")
        );

        let csv = render(&state, ReportFormat::Csv, Lang::En);
        let mut reader = csv::Reader::from_reader(&csv[3..]);
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(String::from)
            .collect();
        let col = header
            .iter()
            .position(|h| h == "to_review")
            .expect("to_review");
        let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
        assert!(
            rows.iter()
                .all(|r| r[col] == *(REVIEW_KEPT + 7).to_string())
        );

        // None to review: no section.
        let md = markdown_of(&super::tests::state(&[chat("c1", None, &[])]), Lang::Zh);
        assert!(!md.contains("待复核（"), "{md}");
    }

    #[test]
    fn an_agent_named_unknown_has_a_row_of_its_own() {
        let state = state(&[
            chat("c1", Some("(unknown)"), &[]),
            chat("c2", None, &[]),
            chat("c3", Some("（未注明客服）"), &[]),
        ]);
        let md = markdown_of(&state, Lang::Zh);
        // Two rows read （未注明客服）: the agent of that name, and the conversations naming none.
        assert_eq!(md.matches("| （未注明客服） | 1 |").count(), 2, "{md}");
        assert_eq!(md.matches("| (unknown) | 1 |").count(), 1, "{md}");
        assert_eq!(md.matches("| **团队** | 3 |").count(), 1, "{md}");
        let json = json_of(&state);
        assert_eq!(json["agents"]["(unknown)"]["conversations"], 1);
        assert_eq!(json["no_agent"]["conversations"], 1);
        let md = markdown_of(&state, Lang::En);
        assert!(md.contains("| (no agent named) | 1 |"), "{md}");
        assert!(md.contains("| (unknown) | 1 |"), "{md}");
    }
}
