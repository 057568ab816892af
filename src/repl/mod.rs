//! The interactive trainer (`kefu train`): a rustyline front-end over [`crate::session`], or plain
//! line-by-line reading when stdin is not a terminal, so sessions can be scripted.

mod commands;

use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};

use crate::cli::{TrainArgs, report_diagnostics};
use crate::content::{Content, PersonaKind, Scenario};
use crate::engine::Scorer;
use crate::lang::Lang;
use crate::render;
use crate::session::{Clock, Session, SystemClock};
use crate::tr;
use crate::transcript::{TranscriptWriter, default_session_dir};
pub use commands::{COMMANDS, Command, CommandHelper};

/// Where lines come from: the line editor on a terminal, or plain stdin.
enum Input {
    Editor(Box<Editor<CommandHelper, DefaultHistory>>, Option<PathBuf>),
    Plain(io::StdinLock<'static>),
}

enum Line {
    Text(String),
    /// Ctrl-C: the line was cleared.
    Cleared,
    /// Ctrl-D or end of input.
    End,
}

impl Input {
    fn new() -> Input {
        if io::stdin().is_terminal() {
            let config = Config::builder()
                .auto_add_history(true)
                .max_history_size(1000)
                .map(|b| b.build());
            let editor = config.ok().and_then(|c| Editor::with_config(c).ok());
            if let Some(mut editor) = editor {
                editor.set_helper(Some(CommandHelper));
                let history = dirs::data_dir().map(|d| d.join("kefu").join("history.txt"));
                if let Some(h) = &history {
                    let _ = editor.load_history(h);
                }
                return Input::Editor(Box::new(editor), history);
            }
        }
        Input::Plain(io::stdin().lock())
    }

    /// Reads a line; on a terminal, `nudge` (after a delay) is printed above the prompt while the
    /// trainee types, and the result says whether it was shown.
    fn read_with_nudge(
        &mut self,
        prompt: &str,
        who: &str,
        lang: Lang,
        nudge: Option<(std::time::Duration, String)>,
    ) -> (Line, Option<String>) {
        let Input::Editor(editor, _) = self else {
            return (self.read(prompt, lang), None);
        };
        let Some((after, text)) = nudge else {
            return (self.read(prompt, lang), None);
        };
        let Ok(mut printer) = editor.create_external_printer() else {
            return (self.read(prompt, lang), None);
        };
        let (cancel, cancelled) = std::sync::mpsc::channel::<()>();
        let shown_text = format!("{who}{text}");
        let waiter = std::thread::spawn(move || {
            use rustyline::ExternalPrinter as _;
            match cancelled.recv_timeout(after) {
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    printer.print(shown_text).is_ok()
                }
                _ => false,
            }
        });
        let line = self.read(prompt, lang);
        let _ = cancel.send(());
        let shown = waiter.join().unwrap_or(false);
        (line, shown.then_some(text))
    }

    fn read(&mut self, prompt: &str, lang: Lang) -> Line {
        match self {
            Input::Editor(editor, _) => match editor.readline(prompt) {
                Ok(line) => Line::Text(line),
                Err(ReadlineError::Interrupted) => Line::Cleared,
                Err(ReadlineError::Eof) => Line::End,
                Err(e) => {
                    eprintln!(
                        "{}",
                        tr!(lang, "读取输入出错：{}", "cannot read input: {}", e)
                    );
                    Line::End
                }
            },
            Input::Plain(stdin) => {
                let mut buf = Vec::new();
                match stdin.read_until(b'\n', &mut buf) {
                    Ok(0) => Line::End,
                    Ok(_) => {
                        while buf.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                            buf.pop();
                        }
                        match String::from_utf8(buf) {
                            Ok(s) => Line::Text(s),
                            Err(e) => {
                                eprintln!(
                                    "{}",
                                    tr!(
                                        lang,
                                        "提示：这一行不是有效的UTF-8（第{}字节起），无法识别的字节已替换为�",
                                        "note: this line is not valid UTF-8 (from byte {}); bad bytes were replaced with �",
                                        e.utf8_error().valid_up_to()
                                    )
                                );
                                Line::Text(String::from_utf8_lossy(e.as_bytes()).into_owned())
                            }
                        }
                    }
                    Err(e) => {
                        eprintln!(
                            "{}",
                            tr!(lang, "读取输入出错：{}", "cannot read input: {}", e)
                        );
                        Line::End
                    }
                }
            }
        }
    }

    fn save_history(&mut self) {
        if let Input::Editor(editor, Some(path)) = self {
            if let Some(dir) = path.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = editor.save_history(path);
        }
    }
}

/// Chooses the scenario from the arguments, or asks.
fn choose_scenario<'a>(
    content: &'a Content,
    args: &TrainArgs,
    seed: u64,
    input: &mut Input,
    lang: Lang,
) -> Result<Option<&'a Scenario>, String> {
    if let Some(id) = &args.scenario {
        return match content.scenario(id) {
            Some(s) => Ok(Some(s)),
            None => {
                let hint = content
                    .suggest_scenario(id)
                    .map(|s| tr!(lang, "（是不是 `{}`？）", " (did you mean `{}`?)", s))
                    .unwrap_or_default();
                Err(tr!(
                    lang,
                    "没有编号为 `{}` 的场景{}；kefu list 可查看全部场景",
                    "no scenario `{}`{}; `kefu list` shows them all",
                    id,
                    hint
                ))
            }
        };
    }
    let persona = args.persona.as_deref().and_then(PersonaKind::parse);
    let pool: Vec<&Scenario> = content
        .scenarios
        .iter()
        .filter(|s| persona.is_none_or(|p| s.persona() == p))
        .collect();
    if pool.is_empty() {
        return Err(tr!(lang, "没有符合条件的场景", "no scenario matches"));
    }
    let interactive = matches!(input, Input::Editor(..));
    if args.random || persona.is_some() || !interactive {
        let mut rng = StdRng::seed_from_u64(seed);
        return Ok(pool.choose(&mut rng).copied());
    }
    println!("{}", tr!(lang, "请选择练习场景：", "Choose a scenario:"));
    for (i, s) in pool.iter().enumerate() {
        let persona = match lang {
            Lang::Zh => s.persona().chinese(),
            Lang::En => s.persona().id(),
        };
        println!("  {:>2}. [{}] {}", i + 1, persona, s.title);
    }
    loop {
        let prompt = tr!(
            lang,
            "编号（回车随机，q退出）> ",
            "number (Enter for random, q to quit)> "
        );
        match input.read(&prompt, lang) {
            Line::Text(t) => {
                let t = t.trim();
                if t.is_empty() {
                    let mut rng = StdRng::seed_from_u64(seed);
                    return Ok(pool.choose(&mut rng).copied());
                }
                if t == "q" || t == "/quit" {
                    return Ok(None);
                }
                match t.parse::<usize>() {
                    Ok(n) if n >= 1 && n <= pool.len() => return Ok(Some(pool[n - 1])),
                    _ => println!(
                        "{}",
                        tr!(
                            lang,
                            "请输入1到{}之间的编号",
                            "enter a number from 1 to {}",
                            pool.len()
                        )
                    ),
                }
            }
            Line::Cleared => continue,
            Line::End => return Ok(None),
        }
    }
}

fn open_transcript(
    args: &TrainArgs,
    scenario: &Scenario,
    clock: &dyn Clock,
    seed: u64,
    lang: Lang,
) -> Result<Option<TranscriptWriter>, String> {
    if let Some(path) = &args.save {
        return TranscriptWriter::open(path).map(Some).map_err(|e| {
            tr!(
                lang,
                "无法写入记录文件 {}：{}",
                "cannot write the transcript {}: {}",
                path.display(),
                e
            )
        });
    }
    let Some(dir) = default_session_dir() else {
        return Ok(None);
    };
    let path = dir.join(format!(
        "{}-{}-{seed}.jsonl",
        clock.compact_stamp(),
        scenario.id()
    ));
    match TranscriptWriter::open(&path) {
        Ok(w) => Ok(Some(w)),
        Err(e) => {
            eprintln!(
                "{}",
                tr!(
                    lang,
                    "提示：无法保存记录到 {}（{}），本次练习不保存记录；可用 --save 指定文件",
                    "note: cannot save the transcript to {} ({}); this session is not saved; use --save FILE",
                    path.display(),
                    e
                )
            );
            Ok(None)
        }
    }
}

/// Runs `kefu train`.
pub fn train(content: &Content, args: &TrainArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    let scorer = match Scorer::new(content, lang) {
        Ok(s) => s,
        Err(problems) => {
            report_diagnostics(&problems, lang);
            return Ok(ExitCode::from(crate::cli::EXIT_CONTENT));
        }
    };
    let clock = SystemClock::default();
    let seed = args.seed.unwrap_or_else(|| clock.unix_s() as u64);
    let mut input = Input::new();
    let scenario = match choose_scenario(content, args, seed, &mut input, lang) {
        Ok(Some(s)) => s,
        Ok(None) => return Ok(ExitCode::SUCCESS),
        Err(message) => {
            eprintln!("kefu: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    let mut out = io::stdout().lock();
    let mut attempt = 1;
    loop {
        let transcript = match open_transcript(args, scenario, &clock, seed, lang) {
            Ok(t) => t,
            Err(message) => {
                eprintln!("kefu: {message}");
                return Ok(ExitCode::from(2));
            }
        };
        let restart = play(
            content,
            &scorer,
            scenario,
            (seed, attempt),
            &clock,
            transcript,
            args,
            lang,
            &mut input,
            &mut out,
        )?;
        if !restart {
            break;
        }
        attempt += 1;
    }
    input.save_history();
    Ok(ExitCode::SUCCESS)
}

/// Plays one session; returns whether the trainee asked to restart.
#[allow(clippy::too_many_arguments)]
fn play(
    content: &Content,
    scorer: &Scorer,
    scenario: &Scenario,
    (seed, attempt): (u64, u32),
    clock: &dyn Clock,
    transcript: Option<TranscriptWriter>,
    args: &TrainArgs,
    lang: Lang,
    input: &mut Input,
    out: &mut impl Write,
) -> anyhow::Result<bool> {
    let Some((mut session, opening)) = Session::start(
        content,
        scorer,
        scenario,
        seed,
        clock,
        transcript,
        args.agent.clone(),
        attempt,
    ) else {
        anyhow::bail!(
            "scenario `{}` cannot start (no persona or no turns)",
            scenario.id()
        );
    };
    let persona = match lang {
        Lang::Zh => scenario.persona().chinese(),
        Lang::En => scenario.persona().id(),
    };
    writeln!(
        out,
        "\n{}",
        tr!(
            lang,
            "场景：{}（{}）",
            "Scenario: {} ({})",
            scenario.title,
            persona
        )
    )?;
    write!(out, "{}", render::agent_panel(content, scenario, lang))?;
    writeln!(
        out,
        "{}",
        tr!(
            lang,
            "输入回复后回车发送；/help 查看命令，Ctrl-D 结束。",
            "Type a reply and press Enter; /help for commands, Ctrl-D to finish."
        )
    )?;
    let who = tr!(lang, "顾客：", "Customer: ");
    writeln!(out, "\n{who}{opening}")?;
    out.flush()?;
    let prompt = tr!(lang, "你> ", "you> ");
    let mut restart = false;
    while !session.is_over() {
        let (line, shown) = input.read_with_nudge(&prompt, &who, lang, session.nudge_plan());
        if let Some(shown) = shown {
            session.nudged(&shown);
        }
        let text = match line {
            Line::Text(t) => t,
            Line::Cleared => continue,
            Line::End => break,
        };
        let trimmed = text.trim();
        if trimmed.is_empty() {
            writeln!(
                out,
                "{}",
                tr!(lang, "（空回复不发送）", "(empty reply: nothing sent)")
            )?;
            continue;
        }
        if let Some(cmd) = Command::parse(trimmed) {
            match cmd {
                Some(Command::Help) => write!(out, "{}", commands::help(lang))?,
                Some(Command::Hint) => match session.hint() {
                    Some(r) => writeln!(
                        out,
                        "{}",
                        tr!(
                            lang,
                            "参考话术（使用提示扣{}分）：{}",
                            "reference answer (a hint costs {} points): {}",
                            crate::session::HINT_COST,
                            r
                        )
                    )?,
                    None => writeln!(
                        out,
                        "{}",
                        tr!(lang, "这一步没有参考话术", "no reference for this step")
                    )?,
                },
                Some(Command::Facts) => {
                    write!(out, "{}", render::agent_panel(content, scenario, lang))?
                }
                Some(Command::Restart) => {
                    restart = true;
                    break;
                }
                Some(Command::Quit) => break,
                None => writeln!(
                    out,
                    "{}",
                    tr!(
                        lang,
                        "未知命令 {}；/help 查看命令（以/开头的消息不会发给顾客）",
                        "unknown command {}; /help lists them (lines starting with / are not sent)",
                        trimmed.split_whitespace().next().unwrap_or(trimmed)
                    )
                )?,
            }
            continue;
        }
        let ex = session.reply(trimmed);
        if ex.truncated {
            writeln!(
                out,
                "{}",
                tr!(
                    lang,
                    "（回复太长，只保留前{}字）",
                    "(reply too long: kept the first {} characters)",
                    crate::session::MAX_REPLY_CHARS
                )
            )?;
        }
        if !args.exam {
            writeln!(out, "{}", render::verdict_line(&ex, lang))?;
        }
        for line in &ex.customer_lines {
            writeln!(out, "{who}{line}")?;
        }
        if let Some(err) = session.transcript_error.take() {
            eprintln!(
                "{}",
                tr!(
                    lang,
                    "提示：记录写入失败：{}",
                    "note: the transcript could not be written: {}",
                    err
                )
            );
        }
        out.flush()?;
    }
    let card = session.finish();
    writeln!(out)?;
    write!(out, "{}", render::scorecard(scorer, &card, lang))?;
    if let Some(path) = session.transcript_path() {
        writeln!(
            out,
            "{}",
            tr!(
                lang,
                "记录已保存：{}",
                "Transcript saved: {}",
                path.display()
            )
        )?;
    }
    out.flush()?;
    Ok(restart)
}
