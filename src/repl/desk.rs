//! The trainee's desk: one chat, or several at once (`--chats N`) as on a real workbench, where
//! customers come in one after another, each with their own clock and patience, and the trainee
//! switches between them (`/1`, `/2`…, or `@2 reply` to answer chat 2).

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use super::{Input, Line, commands, report_write_error, review};
use crate::content::phrases::Phrase;
use crate::content::{Content, Outcome};
use crate::engine::Scorer;
use crate::lang::Lang;
use crate::render;
use crate::session::{Clock, NoHint, Scorecard, Session, SessionOptions, Waiting};
use crate::tr;
use crate::transcript::TranscriptWriter;
use commands::Command;

/// Seconds of the session clock between two customers coming in.
pub const STAGGER_S: u64 = 20;

/// One chat of the desk.
struct Chat {
    scenario: String,
    options: SessionOptions,
    /// When the customer comes in, on the clock.
    arrives_ms: u64,
    session: Option<Session>,
    /// Bubbles typed so far of a reply sent in several, and when the first went out.
    bubbles: Vec<String>,
    first_at: u64,
}

/// What the desk is set up with.
pub struct DeskSetup<'a> {
    pub content: Arc<Content>,
    pub scorer: Arc<Scorer>,
    pub clock: Arc<dyn Clock>,
    /// How much faster than the wall clock the session clock runs.
    pub scale: f64,
    /// The scenario of each chat, in the order the customers come in.
    pub scenarios: Vec<String>,
    pub options: SessionOptions,
    /// The first chat's transcript, already open; the others append to the same file.
    pub transcript: Option<TranscriptWriter>,
    pub quick: &'a [Phrase],
    pub lang: Lang,
}

/// How a desk went, for the caller.
pub struct Played {
    /// The trainee asked to start again.
    pub restart: bool,
    /// Whatever was to be saved was saved whole.
    pub saved: bool,
}

/// An event the terminal shows while the trainee types: which chat, and whether it is the
/// customer's arrival (no line yet) or something they did.
#[derive(Clone, Copy)]
enum Tag {
    Arrival,
    Event(usize),
}

/// Plays the desk to the end.
pub fn play(
    setup: DeskSetup<'_>,
    input: &mut Input,
    out: &mut impl Write,
) -> anyhow::Result<Played> {
    let DeskSetup {
        content,
        scorer,
        clock,
        scale,
        scenarios,
        options,
        transcript,
        quick,
        lang,
    } = setup;
    let several = scenarios.len() > 1;
    let piped = matches!(input, Input::Plain(_));
    let path: Option<PathBuf> = transcript.as_ref().map(|t| t.path().to_path_buf());
    let mut first_transcript = transcript;
    let start = clock.now_ms();
    let mut chats: Vec<Chat> = scenarios
        .iter()
        .enumerate()
        .map(|(i, id)| Chat {
            scenario: id.clone(),
            options: SessionOptions {
                seed: options.seed.wrapping_add(i as u64),
                ..options.clone()
            },
            // Piped input has no time to wait in: every customer is there from the start.
            arrives_ms: if piped {
                start
            } else {
                start + i as u64 * STAGGER_S * 1000
            },
            session: None,
            bubbles: Vec::new(),
            first_at: 0,
        })
        .collect();
    let quick_texts = super::keys_and_texts(quick);
    let door = Door {
        content: &content,
        scorer: &scorer,
        clock: &clock,
        path: &path,
        quick,
        lang,
        several,
    };
    let who = tr!(lang, "顾客：", "Customer: ");
    let mut current = 0usize;
    let mut restart = false;
    let mut saved = true;

    if several {
        writeln!(
            out,
            "{}",
            tr!(
                lang,
                "今天有{}位顾客陆续进线：/1 /2 … 切换会话，@2 加回复 直接回会话2。",
                "{} customers will come in one after another: /1, /2… switch chats; @2 followed by a reply answers chat 2.",
                chats.len()
            )
        )?;
    }
    'desk: loop {
        admit(&door, &mut chats, &mut first_transcript, &mut saved, out)?;
        let open: Vec<usize> = (0..chats.len())
            .filter(|&i| chats[i].session.as_ref().is_none_or(|s| !s.is_over()))
            .collect();
        if open.is_empty() {
            break;
        }
        // The chat being answered is over: go to one that is waiting.
        if chats[current].session.as_ref().is_none_or(|s| s.is_over()) {
            if let Some(&next) = open.iter().find(|&&i| chats[i].session.is_some()) {
                if next != current && several {
                    writeln!(
                        out,
                        "{}",
                        tr!(lang, "（切到会话{}）", "(switched to chat {})", next + 1)
                    )?;
                }
                current = next;
            }
        }
        if several {
            writeln!(out, "{}", status(&chats, current, lang))?;
        }
        out.flush()?;

        // What happens while the trainee types: nudges, customers leaving, customers coming.
        let now = clock.now_ms();
        let mut events: Vec<(Duration, String, Tag)> = Vec::new();
        for (i, chat) in chats.iter().enumerate() {
            match &chat.session {
                Some(s) => {
                    for (at, event) in s.upcoming() {
                        let mut text = format!("{}{who}{}", label(several, i, lang), event.line());
                        if matches!(event, Waiting::Leave(_)) {
                            text.push('\n');
                            text.push_str(&if several {
                                tr!(
                                    lang,
                                    "（会话{}的顾客已离开）",
                                    "(the customer of chat {} has left)",
                                    i + 1
                                )
                            } else {
                                tr!(
                                    lang,
                                    "（顾客已离开。回车查看成绩单）",
                                    "(the customer has left. Press Enter for the scorecard)"
                                )
                            });
                        }
                        events.push((at.div_f64(scale), text, Tag::Event(i)));
                    }
                }
                None => {
                    let wait = Duration::from_millis(chat.arrives_ms.saturating_sub(now));
                    let text = tr!(
                        lang,
                        "【会话{}】新顾客进线（/{} 查看）",
                        "[Chat {}] a new customer (/{} to see)",
                        i + 1,
                        i + 1
                    );
                    events.push((wait.div_f64(scale), text, Tag::Arrival));
                }
            }
        }
        events.sort_by_key(|(at, ..)| *at);
        let tags: Vec<Tag> = events.iter().map(|(_, _, t)| *t).collect();
        let shown_events: Vec<(Duration, String)> =
            events.into_iter().map(|(at, text, _)| (at, text)).collect();
        let prompt = if several {
            tr!(lang, "[{}]你> ", "[{}]you> ", current + 1)
        } else {
            tr!(lang, "你> ", "you> ")
        };
        let (line, shown) = input.read_while_waiting(&prompt, lang, shown_events);
        // What the customers did meanwhile; lines the terminal already showed are not repeated.
        for (i, chat) in chats.iter_mut().enumerate() {
            let Some(session) = chat.session.as_mut() else {
                continue;
            };
            let printed = tags[..shown.min(tags.len())]
                .iter()
                .filter(|t| matches!(t, Tag::Event(j) if *j == i))
                .count();
            for event in session.tick().iter().skip(printed) {
                writeln!(out, "{}{who}{}", label(several, i, lang), event.line())?;
                if matches!(event, Waiting::Leave(_)) && several {
                    writeln!(
                        out,
                        "{}",
                        tr!(
                            lang,
                            "（会话{}的顾客已离开）",
                            "(the customer of chat {} has left)",
                            i + 1
                        )
                    )?;
                }
            }
        }
        // Customers who came in while the trainee typed can be answered at once.
        let just_in = admit(&door, &mut chats, &mut first_transcript, &mut saved, out)?;
        let text = match line {
            Line::Text(t) => t,
            Line::Cleared => continue,
            Line::End => break,
        };
        let mut trimmed = text.trim();
        if trimmed.is_empty() {
            if chats[current].session.as_ref().is_some_and(|s| s.is_over()) {
                continue; // Enter after "the customer has left"
            }
            writeln!(
                out,
                "{}",
                tr!(lang, "（空回复不发送）", "(empty reply: nothing sent)")
            )?;
            continue;
        }
        // `@2 reply`: answer chat 2.
        if let Some((n, rest)) = addressed(trimmed) {
            match chat_index(&chats, n) {
                Ok(i) => {
                    current = i;
                    trimmed = rest;
                }
                Err(message) => {
                    writeln!(out, "{}", message.text(lang, chats.len()))?;
                    continue;
                }
            }
            if trimmed.is_empty() {
                continue;
            }
        }
        let prompt = if several {
            tr!(lang, "[{}]你> ", "[{}]you> ", current + 1)
        } else {
            prompt
        };
        // Piped replies are not echoed by a terminal: show them, so the output reads as the
        // chat it was (a quick phrase as it was sent).
        if piped && !trimmed.starts_with([';', '；']) {
            writeln!(out, "{prompt}{trimmed}")?;
        }
        if let Some(n) = switch(trimmed) {
            match chat_index(&chats, n) {
                Ok(i) => {
                    current = i;
                    // (A customer who just came in has had their opening shown.)
                    if let Some(s) = chats[i].session.as_ref().filter(|_| !just_in.contains(&i)) {
                        for line in s.last_customer() {
                            writeln!(out, "{}{who}{line}", label(several, i, lang))?;
                        }
                    }
                }
                Err(message) => writeln!(out, "{}", message.text(lang, chats.len()))?,
            }
            continue;
        }
        let Some(session) = chats[current].session.as_mut() else {
            continue;
        };
        if let Some(cmd) = Command::parse(trimmed) {
            match cmd {
                Some(Command::Help) => {
                    write!(out, "{}", commands::help(lang))?;
                    if several {
                        writeln!(
                            out,
                            "{}",
                            tr!(
                                lang,
                                "  /1 /2 …    切换会话；@2 回复内容 直接回会话2",
                                "  /1 /2 …    switch chats; @2 reply answers chat 2"
                            )
                        )?;
                    }
                }
                Some(Command::Hint) => match session.hint() {
                    Ok(r) => writeln!(
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
                    Err(NoHint::Exam) => writeln!(
                        out,
                        "{}",
                        tr!(lang, "考试模式不能看参考话术", "no hints in an exam")
                    )?,
                    Err(NoHint::NoReference) => writeln!(
                        out,
                        "{}",
                        tr!(lang, "这一步没有参考话术", "no reference for this step")
                    )?,
                },
                Some(Command::Quick) => write!(out, "{}", review::phrase_list(quick, lang))?,
                Some(Command::Last) => {
                    for line in session.last_customer() {
                        writeln!(out, "{}{who}{line}", label(several, current, lang))?;
                    }
                }
                Some(Command::Facts) => write!(
                    out,
                    "{}",
                    render::agent_panel(&content, session.scenario(), lang)
                )?,
                Some(Command::Restart) => {
                    restart = true;
                    break 'desk;
                }
                Some(Command::Quit) => break 'desk,
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
        if session.is_over() {
            writeln!(out, "{}", not_delivered(lang))?;
            continue;
        }
        let now = session.now_ms();
        let expanded;
        let trimmed = if trimmed.starts_with([';', '；']) {
            match commands::expand_quick(trimmed, &quick_texts) {
                Some(text) => {
                    expanded = text;
                    if piped {
                        writeln!(out, "{prompt}{expanded}")?;
                    }
                    expanded.as_str()
                }
                None => {
                    writeln!(
                        out,
                        "{}",
                        tr!(
                            lang,
                            "没有这个快捷短语：{}；/q 查看全部",
                            "no such quick phrase: {}; /q lists them",
                            trimmed.split_whitespace().next().unwrap_or(trimmed)
                        )
                    )?;
                    continue;
                }
            }
        } else {
            trimmed
        };
        // A line ending in `\` is a bubble with more to follow; Alt-Enter puts line breaks in
        // one. The reply goes out, judged whole, with its last bubble.
        let chat = &mut chats[current];
        let more = trimmed.ends_with('\\') || trimmed.ends_with('＼');
        if chat.bubbles.is_empty() {
            chat.first_at = now;
        }
        let body = trimmed.trim_end_matches(['\\', '＼']);
        chat.bubbles.extend(
            body.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(String::from),
        );
        if more || chat.bubbles.is_empty() {
            continue;
        }
        let sent: Vec<&str> = chat.bubbles.iter().map(String::as_str).collect();
        let session = chat.session.as_mut().expect("checked above");
        let ex = session.reply_in_bubbles(&sent, chat.first_at);
        chat.bubbles.clear();
        if ex.too_late {
            writeln!(out, "{}", not_delivered(lang))?;
            continue;
        }
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
        if !options.exam {
            writeln!(out, "{}", render::verdict_line(&ex, lang))?;
        }
        for line in &ex.customer_lines {
            writeln!(out, "{}{who}{line}", label(several, current, lang))?;
        }
        report_write_error(session, lang);
        out.flush()?;
    }

    // The scorecards, chat by chat.
    let mut cards: Vec<(usize, Scorecard)> = Vec::new();
    for (i, chat) in chats.iter_mut().enumerate() {
        let Some(session) = chat.session.as_mut() else {
            continue;
        };
        let card = session.finish();
        writeln!(out)?;
        if several {
            writeln!(out, "{}", tr!(lang, "【会话{}】", "[Chat {}]", i + 1))?;
        }
        write!(out, "{}", render::scorecard(&scorer, &card, lang))?;
        write!(out, "{}", review::outcome_notes(&card, lang))?;
        write!(out, "{}", review::quick_notes(&card, lang))?;
        if options.exam {
            write!(out, "{}", review::exam_review(&card, lang))?;
        }
        report_write_error(session, lang);
        saved &= session.transcript_path().is_none() || session.saved_whole();
        cards.push((i, card));
    }
    if several {
        write!(out, "{}", desk_summary(&cards, chats.len(), lang))?;
    }
    if let Some(p) = &path {
        if saved {
            writeln!(
                out,
                "{}",
                tr!(lang, "记录已保存：{}", "Transcript saved: {}", p.display())
            )?;
        } else {
            eprintln!(
                "{}",
                tr!(
                    lang,
                    "kefu: 记录没有完整保存到 {}，有的内容没有写进去",
                    "kefu: the transcript was not saved whole to {}: some lines were not written",
                    p.display()
                )
            );
        }
    }
    out.flush()?;
    Ok(Played { restart, saved })
}

fn not_delivered(lang: Lang) -> String {
    tr!(
        lang,
        "（顾客已经离开，这条回复没有送达）",
        "(the customer had left: this reply was not delivered)"
    )
}

/// What starting the chats of customers who have come in needs.
struct Door<'a> {
    content: &'a Arc<Content>,
    scorer: &'a Arc<Scorer>,
    clock: &'a Arc<dyn Clock>,
    path: &'a Option<PathBuf>,
    quick: &'a [Phrase],
    lang: Lang,
    several: bool,
}

/// Starts the chat of every customer who has come in by now and shows their opening; a chat
/// whose transcript cannot be opened clears `saved`. Returns the chats started.
fn admit(
    door: &Door<'_>,
    chats: &mut [Chat],
    first_transcript: &mut Option<TranscriptWriter>,
    saved: &mut bool,
    out: &mut impl Write,
) -> anyhow::Result<Vec<usize>> {
    let mut started = Vec::new();
    let Door {
        content,
        scorer,
        clock,
        path,
        quick,
        lang,
        several,
    } = *door;
    let who = tr!(lang, "顾客：", "Customer: ");
    for (i, chat) in chats.iter_mut().enumerate() {
        if chat.session.is_some() || clock.now_ms() < chat.arrives_ms {
            continue;
        }
        let transcript = match (i, &path) {
            (0, _) => first_transcript.take(),
            (_, Some(p)) => match TranscriptWriter::open(p) {
                Ok(w) => Some(w),
                Err(e) => {
                    eprintln!(
                        "{}",
                        tr!(
                            lang,
                            "提示：会话{}的记录写不进 {}：{}",
                            "note: chat {} cannot be saved to {}: {}",
                            i + 1,
                            p.display(),
                            e
                        )
                    );
                    *saved = false;
                    None
                }
            },
            _ => None,
        };
        let mut chat_options = chat.options.clone();
        chat_options.arrived_ms = Some(chat.arrives_ms);
        let Some((mut session, opening)) = Session::start(
            Arc::clone(content),
            Arc::clone(scorer),
            &chat.scenario,
            Arc::clone(clock),
            transcript,
            chat_options,
        ) else {
            anyhow::bail!(
                "scenario `{}` cannot start (no persona or no turns)",
                chat.scenario
            );
        };
        session.set_phrases(quick.to_vec());
        let scenario = session.scenario();
        let persona = match lang {
            Lang::Zh => scenario.persona().chinese(),
            Lang::En => scenario.persona().id(),
        };
        writeln!(out)?;
        if several {
            writeln!(
                out,
                "{}",
                tr!(
                    lang,
                    "【会话{}】新顾客进线 · {}（{}）",
                    "[Chat {}] a new customer · {} ({})",
                    i + 1,
                    scenario.title,
                    persona
                )
            )?;
        } else {
            writeln!(
                out,
                "{}",
                tr!(
                    lang,
                    "场景：{}（{}）",
                    "Scenario: {} ({})",
                    scenario.title,
                    persona
                )
            )?;
        }
        write!(out, "{}", render::agent_panel(content, scenario, lang))?;
        if i == 0 {
            writeln!(
                out,
                "{}",
                tr!(
                    lang,
                    "输入回复后回车发送；/help 查看命令，Ctrl-D 结束。",
                    "Type a reply and press Enter; /help for commands, Ctrl-D to finish."
                )
            )?;
        }
        if !several {
            writeln!(out)?;
        }
        for line in &opening {
            writeln!(out, "{}{who}{line}", label(several, i, lang))?;
        }
        chat.session = Some(session);
        started.push(i);
    }
    Ok(started)
}

/// `【2】` (`[2] ` in English) before a line of chat 2, when there are several.
fn label(several: bool, i: usize, lang: Lang) -> String {
    if several {
        tr!(lang, "【{}】", "[{}] ", i + 1)
    } else {
        String::new()
    }
}

/// One line of where each chat stands.
fn status(chats: &[Chat], current: usize, lang: Lang) -> String {
    let parts: Vec<String> = chats
        .iter()
        .enumerate()
        .map(|(i, chat)| {
            let mark = if i == current { "▶" } else { " " };
            let state = match &chat.session {
                None => tr!(lang, "未进线", "not yet in"),
                Some(s) if s.is_over() => tr!(lang, "已结束", "over"),
                Some(s) => tr!(lang, "等待{}秒", "waiting {} s", s.waiting_ms() / 1000),
            };
            format!("{mark}{} {state}", i + 1)
        })
        .collect();
    tr!(lang, "会话：{}", "chats: {}", parts.join(" | "))
}

/// What went wrong addressing a chat.
enum NoChat {
    NotThere(usize),
    NotYetIn(usize),
}

impl NoChat {
    fn text(&self, lang: Lang, chats: usize) -> String {
        match self {
            NoChat::NotThere(n) => tr!(
                lang,
                "没有会话{}：今天一共{}个会话",
                "no chat {}: there are {} chats",
                n,
                chats
            ),
            NoChat::NotYetIn(n) => tr!(
                lang,
                "会话{}的顾客还没进线",
                "the customer of chat {} has not come in yet",
                n
            ),
        }
    }
}

fn chat_index(chats: &[Chat], n: usize) -> Result<usize, NoChat> {
    if n == 0 || n > chats.len() {
        return Err(NoChat::NotThere(n));
    }
    if chats[n - 1].session.is_none() {
        return Err(NoChat::NotYetIn(n));
    }
    Ok(n - 1)
}

/// `/2` (or `／２`): switch to chat 2.
fn switch(line: &str) -> Option<usize> {
    let rest = line.strip_prefix('/').or_else(|| line.strip_prefix('／'))?;
    number(rest.trim())
}

/// `@2 reply` (or `＠2`): the chat number and the reply.
fn addressed(line: &str) -> Option<(usize, &str)> {
    let rest = line.strip_prefix('@').or_else(|| line.strip_prefix('＠'))?;
    let end = rest
        .char_indices()
        .find(|(_, c)| !c.is_ascii_digit() && !('０'..='９').contains(c))
        .map_or(rest.len(), |(i, _)| i);
    let n = number(&rest[..end])?;
    Some((n, rest[end..].trim()))
}

/// A chat number in ASCII or full-width digits.
pub(super) fn number(s: &str) -> Option<usize> {
    if s.is_empty() || s.chars().count() > 2 {
        return None;
    }
    let ascii: String = s
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            _ => c,
        })
        .collect();
    ascii.parse().ok()
}

/// The desk's totals: chats served, their mean overall, how they ended.
fn desk_summary(cards: &[(usize, Scorecard)], chats: usize, lang: Lang) -> String {
    let scored: Vec<f64> = cards.iter().filter_map(|(_, c)| c.overall).collect();
    let mean = if scored.is_empty() {
        "—".to_string()
    } else {
        format!("{:.1}", scored.iter().sum::<f64>() / scored.len() as f64)
    };
    let count = |o: Option<Outcome>| cards.iter().filter(|(_, c)| c.outcome == o).count();
    let slowest = cards
        .iter()
        .flat_map(|(_, c)| c.review.iter().map(|r| r.latency_ms))
        .max()
        .unwrap_or(0);
    let mut s = String::new();
    s.push_str(&"═".repeat(44));
    s.push('\n');
    s.push_str(&tr!(
        lang,
        "多会话汇总：{}个会话（接待了{}个）· 平均总分 {} · 成交{} · 解决{} · 顾客离开{} · 未解决{} · 未完成{} · 最慢一次回复{:.0}秒\n",
        "Desk: {} chats ({} served) · mean overall {} · sales {} · resolved {} · left {} · unresolved {} · unfinished {} · slowest reply {:.0} s\n",
        chats,
        cards.len(),
        mean,
        count(Some(Outcome::Bought)),
        count(Some(Outcome::Resolved)),
        count(Some(Outcome::Left)),
        count(Some(Outcome::Unresolved)),
        count(None),
        slowest as f64 / 1000.0
    ));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chats_are_addressed_and_switched_in_either_width() {
        assert_eq!(switch("/2"), Some(2));
        assert_eq!(switch("／３"), Some(3));
        assert_eq!(switch("/hint"), None);
        assert_eq!(addressed("@2 亲，在的"), Some((2, "亲，在的")));
        assert_eq!(addressed("＠１亲"), Some((1, "亲")));
        assert_eq!(addressed("@ 亲"), None);
        assert_eq!(addressed("亲@2"), None);
    }
}
