//! The interactive trainer (`kefu train`): a rustyline front-end over [`crate::session`], or plain
//! line-by-line reading when stdin is not a terminal, so sessions can be scripted.

mod commands;
mod desk;
mod review;

use std::io::{self, BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};

use crate::cli::{TrainArgs, report_diagnostics};
use crate::content::phrases::{self, Phrase};
use crate::content::{Content, PersonaKind, Scenario, SourceFile};
use crate::engine::Scorer;
use crate::lang::Lang;
use crate::session::{Clock, Session, SessionOptions, SystemClock};
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
                editor.set_helper(Some(CommandHelper::default()));
                // Alt-Enter starts a new bubble of the same reply.
                editor.bind_sequence(
                    rustyline::KeyEvent(rustyline::KeyCode::Enter, rustyline::Modifiers::ALT),
                    rustyline::EventHandler::Simple(rustyline::Cmd::Newline),
                );
                let history = dirs::data_dir().map(|d| d.join("kefu").join("history.txt"));
                if let Some(h) = &history {
                    let _ = editor.load_history(h);
                }
                return Input::Editor(Box::new(editor), history);
            }
        }
        Input::Plain(io::stdin().lock())
    }

    /// Reads a line; on a terminal, what the customers do meanwhile (`upcoming`: nudges, leaving
    /// when patience runs out, coming in), each a line to show after a wall-clock delay, is
    /// printed above the prompt at its time while the trainee types. Returns the line and how
    /// many of those lines were shown.
    fn read_while_waiting(
        &mut self,
        prompt: &str,
        lang: Lang,
        upcoming: Vec<(std::time::Duration, String)>,
    ) -> (Line, usize) {
        let Input::Editor(editor, _) = self else {
            return (self.read(prompt, lang), 0);
        };
        if upcoming.is_empty() {
            return (self.read(prompt, lang), 0);
        }
        let Ok(mut printer) = editor.create_external_printer() else {
            return (self.read(prompt, lang), 0);
        };
        let (cancel, cancelled) = std::sync::mpsc::channel::<()>();
        let waiter = std::thread::spawn(move || {
            use rustyline::ExternalPrinter as _;
            let start = std::time::Instant::now();
            let mut shown = 0;
            for (at, text) in upcoming {
                let left = at.saturating_sub(start.elapsed());
                match cancelled.recv_timeout(left) {
                    Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                    _ => return shown,
                }
                if printer.print(text).is_err() {
                    return shown;
                }
                shown += 1;
            }
            shown
        });
        let line = self.read(prompt, lang);
        let _ = cancel.send(());
        let shown = waiter.join().unwrap_or(0);
        (line, shown)
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

    /// The quick phrases Tab completes.
    fn set_phrases(&mut self, phrases: &[Phrase]) {
        if let Input::Editor(editor, _) = self {
            if let Some(helper) = editor.helper_mut() {
                helper.phrases = keys_and_texts(phrases);
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
                // Full-width digits (１２) are what a Chinese input method types.
                match desk::number(t) {
                    Some(n) if n >= 1 && n <= pool.len() => return Ok(Some(pool[n - 1])),
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
    let stem = format!("{}-{}-{seed}", clock.compact_stamp(), scenario.id());
    match TranscriptWriter::create_new_in(&dir, &stem) {
        Ok(w) => Ok(Some(w)),
        Err(e) => {
            eprintln!(
                "{}",
                tr!(
                    lang,
                    "提示：无法保存记录到 {}（{}），本次练习不保存记录；可用 --save 指定文件",
                    "note: cannot save the transcript in {} ({}); this session is not saved; use --save FILE",
                    dir.display(),
                    e
                )
            );
            Ok(None)
        }
    }
}

fn keys_and_texts(phrases: &[Phrase]) -> Vec<(String, String)> {
    phrases
        .iter()
        .map(|p| (p.key().to_string(), p.text.clone()))
        .collect()
}

/// The shop's quick phrases with the trainee's own (`phrases.toml` in the data directory) laid
/// over them. A file of one's own that does not load is reported, and the shop's are used.
fn load_phrases(content: &Content, lang: Lang) -> Vec<Phrase> {
    let own_path = dirs::data_dir().map(|d| d.join("kefu").join("phrases.toml"));
    let own = match own_path.as_deref().map(std::fs::read_to_string) {
        Some(Ok(text)) => {
            let path = own_path.as_deref().map(|p| p.display().to_string());
            let file = SourceFile::new(path.unwrap_or_default(), text);
            match phrases::parse(&file) {
                Ok(p) => p,
                Err(problems) => {
                    report_diagnostics(&problems, lang);
                    eprintln!(
                        "{}",
                        tr!(
                            lang,
                            "提示：自己的快捷短语没有载入，先用店铺的",
                            "note: your own quick phrases were not loaded; using the shop's"
                        )
                    );
                    Vec::new()
                }
            }
        }
        Some(Err(e)) if e.kind() != io::ErrorKind::NotFound => {
            eprintln!(
                "{}",
                tr!(
                    lang,
                    "提示：读不了自己的快捷短语 {}：{}",
                    "note: cannot read your quick phrases {}: {}",
                    own_path
                        .as_deref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                    e
                )
            );
            Vec::new()
        }
        _ => Vec::new(),
    };
    phrases::merge(&content.phrases, own)
}

/// The scenario of each chat of the desk: the one chosen first, then others of the same
/// customer type (if one was asked for), different ones while there are any, picked by the seed.
fn desk_scenarios(content: &Content, args: &TrainArgs, first: &str, seed: u64) -> Vec<String> {
    let chats = usize::from(args.chats.max(1));
    let persona = args.persona.as_deref().and_then(PersonaKind::parse);
    let pool: Vec<&str> = content
        .scenarios
        .iter()
        .filter(|s| persona.is_none_or(|p| s.persona() == p))
        .map(|s| s.id())
        .collect();
    let mut rng = StdRng::seed_from_u64(seed ^ 0xDE5C);
    let mut chosen = vec![first.to_string()];
    while chosen.len() < chats {
        let fresh: Vec<&str> = pool
            .iter()
            .copied()
            .filter(|id| !chosen.iter().any(|c| c == id))
            .collect();
        let from = if fresh.is_empty() { &pool } else { &fresh };
        match from.choose(&mut rng) {
            Some(id) => chosen.push(id.to_string()),
            None => break,
        }
    }
    chosen
}

/// Runs `kefu train`.
pub fn train(content: Content, args: &TrainArgs, lang: Lang) -> anyhow::Result<ExitCode> {
    let scorer = match Scorer::new(&content, lang) {
        Ok(s) => Arc::new(s),
        Err(problems) => {
            report_diagnostics(&problems, lang);
            return Ok(ExitCode::from(crate::cli::EXIT_CONTENT));
        }
    };
    let content = Arc::new(content);
    let system = SystemClock::scaled(args.time_scale.unwrap_or(1.0));
    let scale = system.scale();
    let clock: Arc<dyn Clock> = Arc::new(system);
    // Unseeded runs draw their seed from the operating system and say it, so that any session
    // can be played again with --seed.
    let seed = args.seed.unwrap_or_else(|| rand::random::<u64>() >> 16);
    let mut input = Input::new();
    let quick = load_phrases(&content, lang);
    input.set_phrases(&quick);
    let scenario = match choose_scenario(&content, args, seed, &mut input, lang) {
        Ok(Some(s)) => s.id().to_string(),
        Ok(None) => return Ok(ExitCode::SUCCESS),
        Err(message) => {
            eprintln!("kefu: {message}");
            return Ok(ExitCode::from(2));
        }
    };
    if args.seed.is_none() {
        eprintln!(
            "{}",
            tr!(
                lang,
                "本场随机种子 {}（kefu train --scenario {} --seed {} 可重练同一场）",
                "this session's seed is {} (kefu train --scenario {} --seed {} plays it again)",
                seed,
                scenario,
                seed
            )
        );
    }
    let mut out = io::stdout().lock();
    let mut attempt = 1;
    let mut unsaved = false;
    while let Some(scenario_ref) = content.scenario(&scenario) {
        let transcript = match open_transcript(args, scenario_ref, &*clock, seed, lang) {
            Ok(t) => t,
            Err(message) => {
                eprintln!("kefu: {message}");
                return Ok(ExitCode::from(2));
            }
        };
        let options = SessionOptions {
            seed,
            agent: args.agent.clone(),
            attempt,
            exam: args.exam,
            level: args.level.0,
            arrived_ms: None,
        };
        let setup = desk::DeskSetup {
            content: Arc::clone(&content),
            scorer: Arc::clone(&scorer),
            clock: Arc::clone(&clock),
            scale,
            scenarios: desk_scenarios(&content, args, &scenario, seed),
            options,
            transcript,
            quick: &quick,
            lang,
        };
        let played = desk::play(setup, &mut input, &mut out)?;
        unsaved |= !played.saved;
        if !played.restart {
            break;
        }
        attempt += 1;
    }
    input.save_history();
    Ok(if unsaved {
        ExitCode::from(crate::cli::EXIT_CONTENT)
    } else {
        ExitCode::SUCCESS
    })
}

/// Says once that the transcript could not be written (the first error since the last call).
fn report_write_error(session: &mut Session, lang: Lang) {
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
}
