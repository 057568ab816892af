//! Command-line arguments and dispatch: parse, build a plain config, run, map to an exit code.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::content::{Content, Diagnostic, PersonaKind};
use crate::lang::Lang;
use crate::tr;

/// The exit status of a usage error: an unknown flag or file, a bad value.
pub const EXIT_USAGE: u8 = 2;
/// The exit status of every command whose content (bundled, `--content`, `--catalog`,
/// `--rubric`) does not load, and of `kefu check` on any problem it finds.
pub const EXIT_CONTENT: u8 = 1;

/// kefu (客服): practise shop chat service against simulated customers, and check it.
#[derive(Debug, Parser)]
#[command(name = "kefu", version, about, long_about = None)]
pub struct Cli {
    /// Load content from DIR (holding scenarios/ and rubrics/) instead of the bundled set.
    #[arg(long, global = true, value_name = "DIR")]
    pub content: Option<PathBuf>,
    /// Interface language: zh (default) or en.
    #[arg(long, global = true, default_value = "zh")]
    pub lang: Lang,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Practise against a simulated customer (the default command).
    Train(TrainArgs),
    /// List the scenarios.
    List {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Validate content and auto-play every scenario; exits non-zero on any problem.
    Check {
        /// Content folder to check (default: the bundled content).
        dir: Option<PathBuf>,
    },
    /// Measure kefu's verdicts against the labelled corpus: per check, precision and recall.
    Eval {
        /// Corpus folder or file (default: `corpus/` of --content if it has one, else the
        /// bundled corpus).
        dir: Option<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Score exported chat transcripts (QA): one JSON line per conversation, and a report.
    Score(Box<ScoreArgs>),
    /// Work with QA reports.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Generate synthetic data.
    #[command(subcommand)]
    Gen(GenCommand),
}

#[derive(Debug, Args, Clone)]
pub struct ScoreArgs {
    /// Transcript files (JSONL, CSV or chat log); `-` reads stdin.
    #[arg(required = true, value_name = "FILE")]
    pub inputs: Vec<String>,
    /// Input format (default: from the file name and content): jsonl, csv (or tab-separated), log or xlsx.
    #[arg(long)]
    pub format: Option<crate::qa::Format>,
    /// Map CSV columns: `text=消息内容,conversation=会话` (fields: conversation, ts, role, agent, text, product, event).
    #[arg(long, value_name = "MAP")]
    pub columns: Option<String>,
    /// Speakers who are agents, comma-separated: `小美,小禾` (chat logs, and CSV role columns that hold names).
    #[arg(long, value_name = "NAMES")]
    pub agents: Option<String>,
    /// Speakers whose name starts with this are agents (repeatable; chat logs and CSV as for --agents).
    #[arg(long, value_name = "PREFIX")]
    pub agent_prefix: Vec<String>,
    /// What the role column's values mean: `customer=0,agent=1,robot=2` (roles: customer, agent, system, robot).
    #[arg(long, value_name = "MAP")]
    pub roles: Option<String>,
    /// The input's encoding, instead of detecting it: utf-8, gbk, gb18030, utf-16le, utf-16be.
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,
    /// The sheet of an Excel workbook to read (default: the first).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,
    /// Whose KPI definitions to report: taobao, jd or pdd (default: the catalog's `[shop] platform`, else taobao).
    #[arg(long, value_name = "PLATFORM")]
    pub platform: Option<String>,
    /// Service hours the KPIs count: `08:00-23:00` (default: the platform's).
    #[arg(long, value_name = "HH:MM-HH:MM")]
    pub hours: Option<String>,
    /// Count the shop's robot replies (店小蜜…) as responses in the KPIs.
    #[arg(long)]
    pub count_robot: bool,
    /// Idle gap that closes a conversation: `30m` (default), `90s`, `2h`.
    #[arg(long, default_value = "30m", value_parser = parse_duration)]
    pub gap: i64,
    /// The input has each conversation's messages together (an export sorted by conversation,
    /// or the reduce side of a shuffle by conversation id), conversations in any order: one is
    /// scored as soon as the next begins, with its messages put in time order.
    #[arg(long)]
    pub grouped: bool,
    /// Catalog to score against (default: the bundled one).
    #[arg(long, value_name = "FILE")]
    pub catalog: Option<PathBuf>,
    /// Rubric file or folder (default: the bundled one).
    #[arg(long, value_name = "PATH")]
    pub rubric: Option<PathBuf>,
    /// Write the JSON lines here instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Write a per-agent and team report: .md, .json or .csv.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Write the report's mergeable state (for `kefu report merge`).
    #[arg(long, value_name = "FILE")]
    pub partial: Option<PathBuf>,
    /// Any bad line is an error (exit 1).
    #[arg(long)]
    pub strict: bool,
    /// Threads that score, the one reading the input among them (default 0: one per core;
    /// more than the machine's cores are cut to that number, with a notice).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// List every check in the findings, passed ones too (default: failed checks only).
    #[arg(long)]
    pub all_findings: bool,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Merge partial reports of shards into the report one run would give.
    Merge {
        /// Files written by `kefu score --partial`.
        #[arg(required = true, value_name = "PART")]
        parts: Vec<PathBuf>,
        /// The report to write: .md, .json or .csv.
        #[arg(long, value_name = "FILE")]
        report: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum GenCommand {
    /// A realistic synthetic corpus of chat transcripts from the bundled content.
    Transcripts {
        #[arg(long, default_value_t = 100)]
        conversations: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// jsonl, csv or log.
        #[arg(long, default_value = "jsonl")]
        format: crate::qa::Format,
        /// Write here instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Parses `30m`, `90s`, `2h` or a bare number of seconds.
fn parse_duration(s: &str) -> Result<i64, String> {
    let s = s.trim();
    let (num, unit) = match s.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (&s[..i], &s[i..]),
        None => (s, "s"),
    };
    let factor = match unit {
        "s" | "秒" => 1,
        "m" | "min" | "分" | "分钟" => 60,
        "h" | "小时" => 3600,
        _ => return Err(format!("`{s}`: unknown unit `{unit}` (use s, m or h)")),
    };
    if num.is_empty() {
        return Err(format!("`{s}` is not a duration (try 30m, 90s or 2h)"));
    }
    num.parse::<i64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .filter(|&secs| secs <= MAX_GAP_S)
        .ok_or_else(|| format!("`{s}` is too long: the gap can be at most {MAX_GAP_DAYS} days"))
}

/// The longest idle gap `--gap` takes: far more than any chat pauses, and far from overflowing
/// when added to a timestamp.
const MAX_GAP_DAYS: i64 = 36_500;
const MAX_GAP_S: i64 = MAX_GAP_DAYS * 86_400;

#[derive(Debug, Args, Default, Clone)]
pub struct TrainArgs {
    /// Play this scenario.
    #[arg(long, value_name = "ID")]
    pub scenario: Option<String>,
    /// Pick a scenario of this customer type: friendly, bargainer, picky, bad-review.
    #[arg(long, value_name = "P")]
    pub persona: Option<String>,
    /// Pick a scenario at random.
    #[arg(long)]
    pub random: bool,
    /// Seed for the customer's phrasing and sampled facts (same seed, same replies: same session).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Exam mode: no verdict after each reply, only the scorecard at the end.
    #[arg(long)]
    pub exam: bool,
    /// Save the transcript here instead of the data directory.
    #[arg(long, value_name = "FILE")]
    pub save: Option<PathBuf>,
    /// Your name or id, recorded on your transcript lines.
    #[arg(long)]
    pub agent: Option<String>,
    /// How hard the customers are: easy, normal or hard (less patient, touchier, keep their
    /// measurements back, send messages in bursts).
    #[arg(long, value_name = "LEVEL", default_value = "normal", value_parser = parse_level)]
    pub level: LevelArg,
    /// Serve several customers at once (1 to 5), who come in one after another; switch with
    /// /1, /2…, or send to one with @2 followed by the reply.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=5))]
    pub chats: u8,
    /// Runs the session clock this many times faster than the wall clock (for trying out
    /// patience and nudges, and for tests).
    #[arg(long, value_name = "X", hide = true)]
    pub time_scale: Option<f64>,
}

/// `--level`, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LevelArg(pub crate::sim::Level);

fn parse_level(s: &str) -> Result<LevelArg, String> {
    crate::sim::Level::parse(s)
        .map(LevelArg)
        .ok_or_else(|| format!("`{s}` is not a level: use easy, normal or hard"))
}

/// Parses the command line and runs; the whole program.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            if is_broken_pipe(&e) {
                return ExitCode::SUCCESS;
            }
            eprintln!("kefu: {e:#}");
            ExitCode::from(1)
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Prints content problems and says how many there were.
pub fn report_diagnostics(problems: &[Diagnostic], lang: Lang) {
    let mut err = io::stderr().lock();
    for p in problems {
        let _ = writeln!(err, "{p}\n");
    }
    let _ = writeln!(
        err,
        "{}",
        tr!(
            lang,
            "内容有{}处问题，请修正后再试（kefu check 可逐条查看）",
            "{} problem(s) in the content; fix them and try again (kefu check lists them)",
            problems.len()
        )
    );
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let lang = cli.lang;
    match cli.command {
        Some(Command::Check { dir }) => {
            let dir = dir.or(cli.content.clone());
            crate::check::run(dir.as_deref(), lang, &mut io::stdout().lock())
        }
        Some(Command::Eval { dir, json }) => crate::eval::run(
            dir.as_deref(),
            cli.content.as_deref(),
            json,
            lang,
            &mut io::stdout().lock(),
            &mut io::stderr().lock(),
        ),
        Some(Command::Score(args)) => crate::qa::cli::score(cli.content.as_deref(), &args, lang),
        Some(Command::Report(ReportCommand::Merge { parts, report })) => {
            crate::qa::cli::merge(&parts, &report, lang)
        }
        Some(Command::Gen(GenCommand::Transcripts {
            conversations,
            seed,
            format,
            out,
        })) => crate::qa::cli::generate(
            cli.content.as_deref(),
            conversations,
            seed,
            format,
            out.as_deref(),
            lang,
        ),
        Some(Command::List { json }) => {
            let Some(content) = load_content(cli.content.as_deref(), lang) else {
                return Ok(ExitCode::from(EXIT_CONTENT));
            };
            list(&content, json, &mut io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Command::Train(args)) => train(cli.content.as_deref(), &args, lang),
        None => train(cli.content.as_deref(), &TrainArgs::default(), lang),
    }
}

/// The content, or `None` after its problems have been reported.
fn load_content(dir: Option<&std::path::Path>, lang: Lang) -> Option<Content> {
    match Content::load(dir) {
        Ok(c) => Some(c),
        Err(problems) => {
            report_diagnostics(&problems, lang);
            None
        }
    }
}

fn train(dir: Option<&std::path::Path>, args: &TrainArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    if let Some(p) = &args.persona {
        if PersonaKind::parse(p).is_none() {
            eprintln!(
                "{}",
                tr!(
                    lang,
                    "kefu: 未知的顾客类型 `{}`，可选: friendly, bargainer, picky, bad-review",
                    "kefu: unknown persona `{}`: use friendly, bargainer, picky or bad-review",
                    p
                )
            );
            return Ok(ExitCode::from(EXIT_USAGE));
        }
    }
    let Some(content) = load_content(dir, lang) else {
        return Ok(ExitCode::from(EXIT_CONTENT));
    };
    crate::repl::train(content, args, lang)
}

fn list(content: &Content, json: bool, out: &mut impl Write) -> anyhow::Result<()> {
    if json {
        let rows: Vec<serde_json::Value> = content
            .scenarios
            .iter()
            .map(|s| {
                serde_json::json!({
                    "id": s.id(),
                    "persona": s.persona().id(),
                    "title": s.title,
                    "product": s.product_id(),
                    "tags": s.tags,
                })
            })
            .collect();
        writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?;
        return Ok(());
    }
    let width = content
        .scenarios
        .iter()
        .map(|s| s.id().len())
        .max()
        .unwrap_or(2);
    for s in &content.scenarios {
        writeln!(
            out,
            "{:<width$}  {:<10}  {:<14}  {}",
            s.id(),
            s.persona().id(),
            s.product_id(),
            s.title
        )?;
    }
    Ok(())
}
