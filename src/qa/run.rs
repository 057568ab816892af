//! `kefu score`: read every input, group, score on all cores, write one JSON line per
//! conversation in a deterministic order, and build the report.
//!
//! One reader thread parses and groups; worker threads score batches of conversations, and so
//! does the reader whenever their queue is full; the calling thread puts results back in order,
//! writes them and merges the report state. Channels are bounded, so memory stays bounded by the
//! conversations open at once, not by input size.

use std::collections::BTreeMap;
use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use indicatif::{HumanCount, ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Format;
use super::aggregate::ReportState;
use super::group::{Conversation, Grouper, Layout, Notice};
use super::input::{self, InputNotice, InputOptions};
use super::kpi::KpiRules;
use super::problem::{cannot_read, cannot_write};
use super::record::BadLine;
use super::record::Precision;
use super::score::{score_conversation, to_json_line};
use crate::engine::Scorer;
use crate::lang::Lang;
use crate::report::{ReportFormat, render};
use crate::tr;

/// Conversations per batch handed to a worker.
const BATCH: usize = 512;
/// Bad lines printed one by one; past this only the count goes on.
const SHOWN_BAD_LINES: u64 = 50;

/// Everything `kefu score` was asked to do.
#[derive(Debug, Clone)]
pub struct ScoreOptions {
    /// Input paths; `-` is stdin.
    pub inputs: Vec<String>,
    pub input: InputOptions,
    /// Idle gap in seconds that closes a conversation.
    pub gap_s: i64,
    /// How the input is laid out: interleaved in time, or grouped by conversation.
    pub layout: Layout,
    pub out: Option<PathBuf>,
    pub report: Option<PathBuf>,
    pub partial: Option<PathBuf>,
    pub strict: bool,
    /// Threads that score, the reader among them (0: one per core).
    pub threads: usize,
    /// List passed checks in the findings too, not only failed ones.
    pub all_findings: bool,
    /// Whose KPI definitions to report, and the service hours.
    pub kpi: KpiRules,
    pub lang: Lang,
}

/// Figures of a finished run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    pub messages: u64,
    pub conversations: u64,
    pub bad_lines: u64,
    /// Stopped at the first bad line (`--strict`).
    pub aborted: bool,
}

struct Batch {
    seq: u64,
    conversations: Vec<Conversation>,
}

struct Scored {
    seq: u64,
    lines: Vec<u8>,
    state: Option<ReportState>,
    conversations: u64,
    messages: u64,
}

/// Prints the `count`-th bad line, or from some point on only says that more are counted.
fn report_bad(bad: &BadLine, count: u64, lang: Lang, bar: &ProgressBar) {
    if count <= SHOWN_BAD_LINES {
        say(bar, tr!(lang, "跳过 {}", "skipped {}", bad.message(lang)));
    } else if count == SHOWN_BAD_LINES + 1 {
        let more = tr!(
            lang,
            "……更多无法读取的行不再逐条显示，结束时统一计数",
            "… further bad lines are counted, not shown"
        );
        say(bar, more);
    }
}

/// A line on stderr, above the progress bar (which is taken away while it is printed, so that
/// no stale copy of it stays behind).
fn say(bar: &ProgressBar, line: String) {
    bar.suspend(|| eprintln!("{line}"));
}

/// The reader: parses every input in turn, groups, and sends batches. Returns the number of
/// messages read and the bad lines met.
fn read_all(
    opts: &ScoreOptions,
    sources: Vec<Source>,
    batches: Outlet<'_>,
    bar: &ProgressBar,
) -> (u64, u64, bool) {
    let mut grouper = Grouper::new(opts.gap_s, opts.layout);
    let mut closed = Vec::new();
    let mut pending: Vec<Conversation> = Vec::with_capacity(BATCH);
    let mut seq = 0u64;
    let mut messages = 0u64;
    let mut bad = 0u64;
    let mut shown = 0u64;
    for (name, reader) in sources {
        let file: Arc<str> = Arc::from(name.as_str());
        let input = input::read(Arc::clone(&file), reader, &opts.input);
        // A chat log is written a conversation at a time, whatever is asked.
        let layout = match input.format {
            Some(Format::Log) => Layout::Grouped,
            _ => opts.layout,
        };
        grouper.next_input(layout, &mut closed);
        let notices = Arc::clone(&input.notices);
        let mut minute_told = false;
        for item in input.items {
            for notice in notices.take() {
                say(bar, describe_input_notice(&notice, &file, opts.lang));
            }
            let problem = match item {
                Ok(record) => {
                    let line = record.line;
                    if !minute_told && record.clock.precision == Precision::Minute {
                        minute_told = true;
                        let notice = InputNotice::MinuteTimes;
                        say(bar, describe_input_notice(&notice, &file, opts.lang));
                    }
                    match grouper.push(record, &mut closed) {
                        Ok(()) => {
                            messages += 1;
                            if let Some(notice) = grouper.take_notice() {
                                say(bar, describe_notice(&notice, &file, opts));
                            }
                            None
                        }
                        Err(problem) => Some(BadLine::new(&file, line, problem)),
                    }
                }
                Err(b) => Some(b),
            };
            if let Some(b) = problem {
                bad += b.lines();
                shown += 1;
                report_bad(&b, shown, opts.lang, bar);
                if opts.strict {
                    grouper.finish(&mut closed);
                    pending.append(&mut closed);
                    send_batches(&batches, &mut pending, &mut seq, true);
                    return (messages, bad, true);
                }
            }
            if !closed.is_empty() {
                pending.append(&mut closed);
                if !send_batches(&batches, &mut pending, &mut seq, false) {
                    return (messages, bad, false);
                }
            }
        }
    }
    grouper.finish(&mut closed);
    pending.append(&mut closed);
    send_batches(&batches, &mut pending, &mut seq, true);
    (messages, bad, false)
}

/// A notice about an input as a whole, in the interface language.
fn describe_input_notice(notice: &InputNotice, file: &str, lang: Lang) -> String {
    match notice {
        InputNotice::Encoding(name) => tr!(
            lang,
            "注意 {}：文件不是 UTF-8，按 {} 编码读取（不对的话请用 --encoding 指定）",
            "note {}: not UTF-8; read as {} (name another with --encoding if that is wrong)",
            file,
            name
        ),
        InputNotice::Sheet { name, sheets } => tr!(
            lang,
            "注意 {}：读取工作表 \"{}\"（共 {} 个工作表；用 --sheet 选择其他工作表）",
            "note {}: reading sheet \"{}\" (of {}; choose another with --sheet)",
            file,
            name,
            sheets
        ),
        InputNotice::NoTime => tr!(
            lang,
            "注意 {}：没有时间列，响应速度不评分，响应时长类指标记为不可用",
            "note {}: no time column; speed is not scored and response-time KPIs are marked not \
             available",
            file
        ),
        InputNotice::Headerless { columns } => tr!(
            lang,
            "注意 {}：没有表头，按第一行的内容认列：{}（不对的话请用 --columns 按列号指定，如 text=4）",
            "note {}: no header row; columns taken from the first row's content: {} (name them \
             by number with --columns, e.g. text=4, if that is wrong)",
            file,
            columns
        ),
        InputNotice::NumericRoles => tr!(
            lang,
            "注意 {}：角色列是数字，按 0=顾客、1=客服 读取（其他对应请用 --roles，如 customer=1,agent=0）",
            "note {}: the role column holds numbers, read as 0=customer, 1=agent (give another \
             mapping with --roles, e.g. customer=1,agent=0)",
            file
        ),
        InputNotice::SenderNames => tr!(
            lang,
            "注意 {}：角色列是发送人名字：店铺子账号（店铺:客服）、--agents/--agent-prefix \
             指定的名字和客服列里的名字算客服，机器人名字算机器人，其他人算该会话的顾客",
            "note {}: the role column holds sender names: shop sub-accounts (店铺:客服), names \
             given by --agents/--agent-prefix and names in the agent column are agents, robot \
             names the robot, anyone else the conversation's customer",
            file
        ),
        InputNotice::MinuteTimes => tr!(
            lang,
            "注意 {}：时间只精确到分钟，响应时长按区间计算，区间定不了的速度判定和指标记为不确定",
            "note {}: times are to the minute; response times are ranges, and a speed verdict or \
             KPI the range cannot decide is counted as unknown",
            file
        ),
    }
}

/// A notice about the input's layout, in the interface language.
fn describe_notice(notice: &Notice, file: &str, opts: &ScoreOptions) -> String {
    let lang = opts.lang;
    match notice {
        Notice::Unordered { line } => tr!(
            lang,
            "注意 {}:{}：这条消息比之前的消息早了超过 {}，输入不是按时间排列的。为了不把会话拆错，\
             之后的会话都要等到输入结束才评分，内存会随输入增长。如果同一会话的消息都排在一起\
             （按会话排序的导出），请加 --grouped。",
            "note {}:{}: this message is more than {} earlier than earlier ones, so the input is \
             not in time order. Not to split conversations wrongly, every conversation from here \
             on is held until the end of input, and memory grows with the input. If each \
             conversation's messages are together (an export sorted by conversation), add \
             --grouped.",
            file,
            line,
            human_gap(opts.gap_s, lang)
        ),
        Notice::NotGrouped { conversation, line } => {
            // A chat log is read grouped without being asked; only --grouped can be left out.
            let hint = match (opts.layout, lang) {
                (Layout::Grouped, Lang::Zh) => "按时间排列的导出请去掉 --grouped。",
                (Layout::Grouped, Lang::En) => " For an export in time order, leave out --grouped.",
                (Layout::Interleaved, _) => "",
            };
            tr!(
                lang,
                "注意 {}:{}：会话 \"{}\" 在其他会话之后又出现了，同一会话的消息没有排在一起，这部分\
                 被当作另一个会话评分。{}",
                "note {}:{}: conversation \"{}\" comes back after others, so its messages are not \
                 together, and this part is scored as another conversation.{}",
                file,
                line,
                conversation,
                hint
            )
        }
    }
}

/// A gap in seconds as a person says it: 30 分钟, 2 hours.
fn human_gap(secs: i64, lang: Lang) -> String {
    if secs > 0 && secs % 3600 == 0 {
        tr!(lang, "{} 小时", "{} h", secs / 3600)
    } else if secs > 0 && secs % 60 == 0 {
        tr!(lang, "{} 分钟", "{} min", secs / 60)
    } else {
        tr!(lang, "{} 秒", "{} s", secs)
    }
}

/// Where the reader hands its batches on: to the workers' queue or, when that is full, to its own
/// scoring. On two cores, one worker and a reader that scores what the worker cannot take keep
/// both cores busy with two threads rather than three, which take turns on a core less often.
struct Outlet<'a> {
    /// The workers' queue; none when there are no workers.
    queue: Option<SyncSender<Batch>>,
    /// The reader's own scoring.
    scoring: &'a Scoring<'a>,
    /// Where the batches it scores go.
    results: SyncSender<Scored>,
}

impl Outlet<'_> {
    /// False when nobody takes batches or results any more.
    fn send(&self, batch: Batch) -> bool {
        let batch = match &self.queue {
            Some(queue) => match queue.try_send(batch) {
                Ok(()) => return true,
                Err(TrySendError::Full(batch)) => batch,
                Err(TrySendError::Disconnected(_)) => return false,
            },
            None => batch,
        };
        self.results.send(self.scoring.batch(batch)).is_ok()
    }
}

/// Sends `pending` in batches of [`BATCH`], numbered from `seq` on; the last few wait for more
/// unless `all`. An idle sweep closes hundreds of conversations at once, and they are split like
/// any others. False when nobody takes batches or results any more.
fn send_batches(
    batches: &Outlet<'_>,
    pending: &mut Vec<Conversation>,
    seq: &mut u64,
    all: bool,
) -> bool {
    while pending.len() >= BATCH || (all && !pending.is_empty()) {
        let rest = pending.split_off(pending.len().min(BATCH));
        let batch = Batch {
            seq: *seq,
            conversations: std::mem::replace(pending, rest),
        };
        *seq += 1;
        if !batches.send(batch) {
            return false;
        }
    }
    true
}

/// How batches are scored, by workers and reader alike.
struct Scoring<'a> {
    scorer: &'a Scorer,
    /// Make each batch's report state.
    want_state: bool,
    all_findings: bool,
    kpi: KpiRules,
}

impl Scoring<'_> {
    /// One batch's JSON lines and, when asked for, its report state.
    fn batch(&self, batch: Batch) -> Scored {
        // Room for the lines up front, so the buffer seldom grows (a grown buffer of a batch is
        // copied whole): a line takes about 250 bytes a message with its KPI rounds (2.3 KB
        // for a chat of nine messages in the generated corpus).
        let room: usize = batch
            .conversations
            .iter()
            .map(|c| 512 + 256 * c.len())
            .sum();
        let mut lines = Vec::with_capacity(room);
        let mut state = self
            .want_state
            .then(|| ReportState::new(&self.scorer.dimensions));
        let conversations = batch.conversations.len() as u64;
        let mut messages = 0u64;
        for conv in batch.conversations {
            messages += conv.len() as u64;
            let result = score_conversation(self.scorer, conv, self.all_findings, &self.kpi);
            to_json_line(&result, &mut lines);
            if let Some(s) = state.as_mut() {
                s.add(&result);
            }
        }
        Scored {
            seq: batch.seq,
            lines,
            state,
            conversations,
            messages,
        }
    }
}

/// Scores batches from the queue until it is closed and empty, or nobody takes the results.
fn worker(scoring: &Scoring<'_>, batches: &Mutex<Receiver<Batch>>, results: SyncSender<Scored>) {
    loop {
        let batch = match batches.lock() {
            Ok(rx) => match rx.recv() {
                Ok(b) => b,
                Err(_) => return,
            },
            Err(_) => return,
        };
        if results.send(scoring.batch(batch)).is_err() {
            return;
        }
    }
}

/// The progress bar on stderr, when it is a terminal: with the inputs' total size known, a bar
/// of the bytes read with the time left; otherwise (stdin) a spinner. Either way its message
/// says how many messages are scored, and how fast.
fn progress_bar(total_bytes: Option<u64>, lang: Lang) -> ProgressBar {
    if !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(total_bytes, ProgressDrawTarget::stderr());
    let template = match (total_bytes.is_some(), lang) {
        (true, Lang::Zh) => {
            "{bar:30} {percent:>3}% {binary_bytes}/{binary_total_bytes} · {msg} · 还需 {eta}"
        }
        (true, Lang::En) => {
            "{bar:30} {percent:>3}% {binary_bytes}/{binary_total_bytes} · {msg} · {eta} left"
        }
        (false, _) => "{spinner} {elapsed} {msg}",
    };
    if let Ok(style) = ProgressStyle::with_template(template) {
        bar.set_style(style.progress_chars("█▉▊▋▌▍▎▏ "));
    }
    bar
}

/// An input's name and its reader.
pub type Source = (String, Box<dyn io::BufRead + Send>);

/// The opened inputs, and how far the reader is through them.
pub struct Inputs {
    pub sources: Vec<Source>,
    /// The inputs' total size in bytes, when every one is a regular file.
    pub total_bytes: Option<u64>,
    /// Bytes read so far, all inputs together.
    pub read_bytes: Arc<AtomicU64>,
}

/// Opens every input; an input that cannot be opened is a usage error.
pub fn open_inputs(paths: &[String], lang: Lang) -> Result<Inputs, String> {
    let read_bytes = Arc::new(AtomicU64::new(0));
    let mut sources = Vec::new();
    let mut total_bytes = Some(0u64);
    for p in paths {
        let (reader, size) = input::open(p, lang, &read_bytes)?;
        total_bytes = total_bytes.zip(size).map(|(t, s)| t + s);
        sources.push((p.clone(), reader));
    }
    Ok(Inputs {
        sources,
        total_bytes,
        read_bytes,
    })
}

/// Runs the whole job; `out` receives the JSON lines.
pub fn run(
    scorer: &Scorer,
    opts: &ScoreOptions,
    inputs: Inputs,
    out: &mut dyn Write,
) -> io::Result<(RunSummary, ReportState)> {
    let Inputs {
        sources,
        total_bytes,
        read_bytes,
    } = inputs;
    let threads = if opts.threads == 0 {
        std::thread::available_parallelism().map_or(2, |n| n.get())
    } else {
        opts.threads
    };
    let want_state = opts.report.is_some() || opts.partial.is_some();
    let mut state = ReportState::new(&scorer.dimensions);
    state.kpi_rules = Some(opts.kpi);
    let bar = progress_bar(total_bytes, opts.lang);
    let mut scored_messages = 0u64;
    let started = Instant::now();
    let mut summary = RunSummary::default();
    // The reader scores too, so one thread fewer is spawned for the work.
    let workers = threads.max(1) - 1;
    let scoring = Scoring {
        scorer,
        want_state,
        all_findings: opts.all_findings,
        kpi: opts.kpi,
    };
    // A batch waiting per thread is enough to keep the workers busy while the reader scores one
    // of its own; more only holds more conversations in memory.
    let (batch_tx, batch_rx) = sync_channel::<Batch>(threads);
    let (result_tx, result_rx) = sync_channel::<Scored>(threads);
    // The workers take turns at the one receiver; scoped threads borrow it.
    let batch_rx = Mutex::new(batch_rx);
    let mut write_error = None;
    std::thread::scope(|scope| {
        let (scoring, batch_rx) = (&scoring, &batch_rx);
        let outlet = Outlet {
            queue: (workers > 0).then_some(batch_tx),
            scoring,
            results: result_tx.clone(),
        };
        let drain = result_tx.clone();
        let reader_bar = bar.clone();
        let reader = scope.spawn(move || {
            let read = read_all(opts, sources, outlet, &reader_bar);
            // All is read: help the workers empty their queue.
            worker(scoring, batch_rx, drain);
            read
        });
        for _ in 0..workers {
            let tx = result_tx.clone();
            scope.spawn(move || worker(scoring, batch_rx, tx));
        }
        drop(result_tx);
        let mut waiting: BTreeMap<u64, Scored> = BTreeMap::new();
        let mut next = 0u64;
        for scored in result_rx {
            waiting.insert(scored.seq, scored);
            while let Some(s) = waiting.remove(&next) {
                next += 1;
                if write_error.is_none() {
                    if let Err(e) = out.write_all(&s.lines) {
                        write_error = Some(e);
                    }
                }
                if let Some(part) = &s.state {
                    state.merge(part);
                }
                summary.conversations += s.conversations;
                scored_messages += s.messages;
                if !bar.is_hidden() {
                    show_progress(&bar, scored_messages, &read_bytes, started, opts.lang);
                }
            }
        }
        match reader.join() {
            Ok((messages, bad, aborted)) => {
                summary.messages = messages;
                summary.bad_lines = bad;
                summary.aborted = aborted;
            }
            Err(_) => summary.aborted = true,
        }
    });
    bar.finish_and_clear();
    // A reader that stopped reading (`kefu score … | head`) wants no more lines, but the run
    // goes on to its summary, report and partial state.
    let closed = |e: &io::Error| e.kind() == io::ErrorKind::BrokenPipe;
    match write_error {
        Some(e) if !closed(&e) => return Err(e),
        Some(_) => {}
        None => match out.flush() {
            Err(e) if !closed(&e) => return Err(e),
            _ => {}
        },
    }
    state.bad_lines = summary.bad_lines;
    let secs = started.elapsed().as_secs_f64().max(1e-9);
    let memory = peak_memory_mb()
        .map(|mb| {
            tr!(
                opts.lang,
                "，峰值内存 {:.0} MB",
                ", peak memory {:.0} MB",
                mb
            )
        })
        .unwrap_or_default();
    // Said before the summary, which stays the last line.
    if let Some(warning) = shortfall(&summary, opts.lang) {
        eprintln!("kefu: {warning}");
    }
    eprintln!(
        "{}",
        tr!(
            opts.lang,
            "完成：{} 条消息、{} 个会话，跳过 {} 行；用时 {:.2} 秒（{:.0} 条/秒）{}",
            "done: messages {}, conversations {}, lines skipped {}; {:.2} s ({:.0} messages/s){}",
            summary.messages,
            summary.conversations,
            summary.bad_lines,
            secs,
            summary.messages as f64 / secs,
            memory
        )
    );
    Ok((summary, state))
}

/// Whether a run fell short: nothing could be scored, or most lines were skipped. Such a run
/// is said so plainly and exits 1.
fn fell_short(summary: &RunSummary) -> bool {
    summary.conversations == 0 || summary.bad_lines > summary.messages
}

/// The plain words for a run that fell short, or `None`.
fn shortfall(summary: &RunSummary, lang: Lang) -> Option<String> {
    if !fell_short(summary) {
        return None;
    }
    Some(if summary.conversations == 0 {
        tr!(
            lang,
            "没有任何会话可以评分：输入读不出消息（见上面跳过的行）",
            "nothing could be scored: no message could be read (see the skipped lines above)"
        )
    } else {
        tr!(
            lang,
            "大部分行被跳过（跳过 {} 行，读到 {} 条消息）：结果只反映读到的部分，请先看上面跳过的原因",
            "most lines were skipped ({} skipped, {} messages read): the results cover only what \
             was read; see the reasons above first",
            summary.bad_lines,
            summary.messages
        )
    })
}

/// Moves the bar to the bytes read (or, with no total, the spinner on) and says how many
/// messages are scored, and how fast.
fn show_progress(
    bar: &ProgressBar,
    messages: u64,
    read_bytes: &AtomicU64,
    started: Instant,
    lang: Lang,
) {
    if bar.length().is_some() {
        bar.set_position(read_bytes.load(Ordering::Relaxed));
    } else {
        bar.tick();
    }
    let secs = started.elapsed().as_secs_f64().max(1e-3);
    let rate = HumanCount((messages as f64 / secs) as u64);
    bar.set_message(tr!(
        lang,
        "已评分 {} 条消息（{} 条/秒）",
        "{} messages scored ({}/s)",
        HumanCount(messages),
        rate
    ));
}

/// The process's peak resident memory in MB, where the system tells it (Linux).
pub fn peak_memory_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Writes the report and the partial state as asked.
pub fn write_outputs(state: &ReportState, opts: &ScoreOptions) -> Result<(), String> {
    if let Some(path) = &opts.partial {
        let mut settled = state.clone();
        settled.settle();
        let text = serde_json::to_string(&settled).map_err(|e| e.to_string())?;
        std::fs::write(path, text).map_err(|e| cannot_write(&path.display(), &e, opts.lang))?;
    }
    if let Some(path) = &opts.report {
        write_report(state, path, opts.lang)?;
    }
    Ok(())
}

/// Writes a report whose format follows the file's extension.
pub fn write_report(state: &ReportState, path: &std::path::Path, lang: Lang) -> Result<(), String> {
    let format = ReportFormat::from_path(path).ok_or_else(|| report_name(path, lang))?;
    std::fs::write(path, render(state, format, lang))
        .map_err(|e| cannot_write(&path.display(), &e, lang))
}

/// The usage error of a report file whose name gives no format.
pub fn report_name(path: &std::path::Path, lang: Lang) -> String {
    tr!(
        lang,
        "{}：报告文件名须以 .md、.json 或 .csv 结尾",
        "{}: the report's file name must end in .md, .json or .csv",
        path.display()
    )
}

/// Reads partial states written by `--partial` and merges them.
pub fn merge_partials(paths: &[PathBuf], lang: Lang) -> Result<ReportState, String> {
    let mut merged: Option<ReportState> = None;
    for path in paths {
        let text =
            std::fs::read_to_string(path).map_err(|e| cannot_read(&path.display(), &e, lang))?;
        let part: ReportState = serde_json::from_str(&text).map_err(|e| {
            tr!(
                lang,
                "{}：不是 kefu 的部分报告（{}）",
                "{}: not a kefu partial report ({})",
                path.display(),
                e
            )
        })?;
        if part.version != super::aggregate::STATE_VERSION {
            return Err(tr!(
                lang,
                "{}：部分报告的版本是 {}，这个 kefu 只读版本 {}",
                "{}: partial report version {} (this kefu reads {})",
                path.display(),
                part.version,
                super::aggregate::STATE_VERSION
            ));
        }
        match merged.as_mut() {
            Some(m) => {
                if !part.dimension_order.is_empty() && m.dimension_order != part.dimension_order {
                    return Err(tr!(
                        lang,
                        "{}：用的是另一套评分规则（维度不同），不能合并",
                        "{}: made with another rubric (different dimensions)",
                        path.display()
                    ));
                }
                if part.kpi_rules.is_some()
                    && m.kpi_rules.is_some()
                    && m.kpi_rules != part.kpi_rules
                {
                    return Err(tr!(
                        lang,
                        "{}：用的是另一个平台口径或服务时间（--platform/--hours/--count-robot），不能合并",
                        "{}: made with another platform's KPI rules (--platform/--hours/--count-robot)",
                        path.display()
                    ));
                }
                m.merge(&part)
            }
            None => merged = Some(part),
        }
    }
    merged.ok_or_else(|| tr!(lang, "没有给出部分报告", "no partial reports given"))
}

/// The exit code of a finished run.
pub fn exit_code(summary: &RunSummary, opts: &ScoreOptions) -> ExitCode {
    if (opts.strict && (summary.bad_lines > 0 || summary.aborted)) || fell_short(summary) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

#[cfg(test)]
mod tests {
    use std::sync::LazyLock;

    use super::*;
    use crate::qa::record::{Parts, Record};
    use crate::transcript::Role;

    /// `n` one-message conversations, `c0000` on.
    fn conversations(n: usize) -> Vec<Conversation> {
        let mut grouper = Grouper::new(1800, Layout::Interleaved);
        let mut closed = Vec::new();
        for i in 0..n {
            let id = format!("c{i:04}");
            let parts = Parts {
                conversation: &id,
                text: "在吗",
                ..Parts::default()
            };
            let record = Record::new(parts, 0, Role::Customer, None, i as u64 + 1);
            grouper.push(record, &mut closed).expect("in order");
        }
        grouper.finish(&mut closed);
        closed
    }

    #[test]
    fn conversations_go_out_in_batches_of_at_most_batch_in_order() {
        let (tx, rx) = sync_channel::<Batch>(100);
        let scoring = scoring(false);
        let (tx, _results) = outlet(Some(tx), &scoring);
        let mut pending = conversations(2 * BATCH + 100);
        let mut seq = 7;
        // Full batches only: the rest waits for more.
        assert!(send_batches(&tx, &mut pending, &mut seq, false));
        assert_eq!(pending.len(), 100);
        pending.extend(conversations(BATCH));
        // Everything, the last batch short.
        assert!(send_batches(&tx, &mut pending, &mut seq, true));
        assert!(pending.is_empty());
        drop(tx);
        let batches: Vec<Batch> = rx.iter().collect();
        let sizes: Vec<(u64, usize)> = batches
            .iter()
            .map(|b| (b.seq, b.conversations.len()))
            .collect();
        assert_eq!(sizes, [(7, BATCH), (8, BATCH), (9, BATCH), (10, 100)]);
        let ids: Vec<&str> = batches
            .iter()
            .flat_map(|b| b.conversations.iter().map(|c| c.id.as_str()))
            .collect();
        let first_run: Vec<String> = (0..2 * BATCH + 100).map(|i| format!("c{i:04}")).collect();
        assert_eq!(ids[..2 * BATCH + 100], first_run);
        assert_eq!(ids[2 * BATCH + 100], "c0000");
    }

    #[test]
    fn a_batch_for_workers_that_are_gone_stops_the_sending() {
        let (tx, rx) = sync_channel::<Batch>(1);
        drop(rx);
        let scoring = scoring(false);
        let (tx, _results) = outlet(Some(tx), &scoring);
        let mut pending = conversations(BATCH);
        let mut seq = 0;
        assert!(!send_batches(&tx, &mut pending, &mut seq, true));
    }

    static SCORER: LazyLock<Scorer> = LazyLock::new(|| {
        let content = crate::content::Content::bundled().expect("bundled content loads");
        Scorer::new(&content, Lang::Zh).expect("bundled rubric compiles")
    });

    fn scoring(want_state: bool) -> Scoring<'static> {
        Scoring {
            scorer: &SCORER,
            want_state,
            all_findings: false,
            kpi: KpiRules::new(super::super::kpi::Platform::Taobao),
        }
    }

    /// The reader's outlet to `queue`, and where the batches it scores itself go.
    fn outlet<'a>(
        queue: Option<SyncSender<Batch>>,
        scoring: &'a Scoring<'a>,
    ) -> (Outlet<'a>, Receiver<Scored>) {
        let (results, scored) = sync_channel::<Scored>(8);
        let outlet = Outlet {
            queue,
            scoring,
            results,
        };
        (outlet, scored)
    }

    /// Batches of `sizes` one-message conversations, numbered from 0.
    fn batches(sizes: &[usize]) -> Vec<Batch> {
        sizes
            .iter()
            .enumerate()
            .map(|(seq, &n)| Batch {
                seq: seq as u64,
                conversations: conversations(n),
            })
            .collect()
    }

    #[test]
    fn the_reader_scores_a_batch_itself_when_the_queue_is_full() {
        let scoring = scoring(true);
        let (queue, queued) = sync_channel::<Batch>(1);
        let (outlet, scored) = outlet(Some(queue), &scoring);
        for batch in batches(&[2, 3, 4]) {
            assert!(outlet.send(batch));
        }
        drop(outlet);
        // The first fills the queue; the reader scores the other two, in their order.
        let waiting: Vec<(u64, usize)> = queued
            .iter()
            .map(|b| (b.seq, b.conversations.len()))
            .collect();
        assert_eq!(waiting, [(0, 2)]);
        let done: Vec<Scored> = scored.iter().collect();
        let counts: Vec<(u64, u64, u64)> = done
            .iter()
            .map(|s| (s.seq, s.conversations, s.messages))
            .collect();
        assert_eq!(counts, [(1, 3, 3), (2, 4, 4)]);
        for s in &done {
            assert_eq!(
                s.lines.iter().filter(|&&b| b == b'\n').count() as u64,
                s.conversations
            );
            assert!(s.state.is_some());
        }
    }

    #[test]
    fn without_workers_the_reader_scores_every_batch() {
        let scoring = scoring(false);
        let (outlet, scored) = outlet(None, &scoring);
        let mut pending = conversations(BATCH + 1);
        let mut seq = 0;
        assert!(send_batches(&outlet, &mut pending, &mut seq, true));
        drop(outlet);
        let done: Vec<(u64, u64, bool)> = scored
            .iter()
            .map(|s| (s.seq, s.conversations, s.state.is_some()))
            .collect();
        assert_eq!(done, [(0, BATCH as u64, false), (1, 1, false)]);
    }

    #[test]
    fn with_nowhere_to_send_the_reader_stops() {
        let scoring = scoring(false);
        let (outlet, scored) = outlet(None, &scoring);
        drop(scored);
        assert!(!outlet.send(batches(&[1]).remove(0)));
    }
}
