//! Command-line arguments and dispatch: parse, build a plain config, run, map to an exit code.

use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::content::{Content, Diagnostic, PersonaKind};
use crate::lang::Lang;
use crate::tr;

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
}

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
}

/// Parses the command line and runs; the whole program.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
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
    if let Some(Command::Check { dir }) = &cli.command {
        let dir = dir.clone().or(cli.content.clone());
        return crate::check::run(dir.as_deref(), lang, &mut io::stdout().lock());
    }
    let content = match Content::load(cli.content.as_deref()) {
        Ok(c) => c,
        Err(problems) => {
            report_diagnostics(&problems, lang);
            return Ok(ExitCode::from(1));
        }
    };
    match cli.command.unwrap_or(Command::Train(TrainArgs::default())) {
        Command::List { json } => {
            list(&content, json, &mut io::stdout().lock())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Train(args) => {
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
                    return Ok(ExitCode::from(2));
                }
            }
            crate::repl::train(&content, &args, lang)
        }
        Command::Check { .. } => unreachable!("handled above"),
    }
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
