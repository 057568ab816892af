//! The interactive trainer in a pseudo-terminal: the line editor's prompt, tab completion of
//! slash commands, Ctrl-C and Ctrl-D, and a whole scenario played with the reference answers.
#![cfg(unix)]

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use expectrl::{Eof, Expect, Session};
use serde_json::Value;
use tempfile::TempDir;

/// A bundled scenario (see `kefu list`) whose reference answers lead to a sale.
const SCENARIO: &str = "men-tee-self";
const PROMPT: &str = "你> ";
const HINT: &str = "参考话术（使用提示扣5分）：";

/// Spawns `kefu train` on a pseudo-terminal, with HOME and the XDG folders in `home`.
fn spawn(home: &Path, save: &Path) -> OsSession {
    let mut args = ["train", "--scenario", SCENARIO, "--seed", "1", "--save"]
        .map(OsStr::new)
        .to_vec();
    args.push(save.as_os_str());
    spawn_kefu(home, &args)
}

/// Spawns `kefu ARGS…` on a pseudo-terminal, with HOME and the XDG folders in `home`.
fn spawn_kefu(home: &Path, args: &[&OsStr]) -> OsSession {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kefu"));
    cmd.args(args)
        .current_dir(home)
        .env_clear()
        .env("HOME", home)
        .env("XDG_DATA_HOME", home.join("data"))
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_STATE_HOME", home.join("state"))
        .env("LANG", "C.UTF-8")
        .env("TERM", "xterm");
    if let Some(v) = std::env::var_os("LLVM_PROFILE_FILE") {
        cmd.env("LLVM_PROFILE_FILE", v);
    }
    let mut session = Session::spawn(cmd).expect("spawn kefu on a pty");
    session.set_expect_timeout(Some(Duration::from_secs(10)));
    session
}

/// Waits for `needle`; returns everything read up to and including it.
fn expect(p: &mut OsSession, needle: &str) -> String {
    match p.expect(needle) {
        Ok(found) => String::from_utf8_lossy(found.as_bytes()).into_owned(),
        Err(e) => panic!("waiting for {needle:?}: {e}"),
    }
}

/// Waits for whichever of `needles` comes first in the output; returns its index.
fn expect_first(p: &mut OsSession, needles: &[&str]) -> usize {
    let found = match p.expect(expectrl::Any(needles.to_vec())) {
        Ok(found) => found,
        Err(e) => panic!("waiting for one of {needles:?}: {e}"),
    };
    // `Any` reports the first needle in the list that matches anywhere; pick the earliest.
    let text = String::from_utf8_lossy(found.as_bytes()).into_owned();
    needles
        .iter()
        .enumerate()
        .filter_map(|(i, n)| text.find(n).map(|at| (at, i)))
        .min()
        .map(|(_, i)| i)
        .expect("a needle matched")
}

fn send(p: &mut OsSession, bytes: &str) {
    p.send(bytes).expect("write to the pty");
}

/// Types a line and presses Enter (a carriage return, as a terminal sends it).
fn send_line(p: &mut OsSession, line: &str) {
    send(p, &format!("{line}\r"));
}

/// Asks for the reference answer of the current turn (the prompt must be showing).
fn hint(p: &mut OsSession) -> String {
    send_line(p, "/hint");
    expect(p, HINT);
    let rest = expect(p, "\n");
    rest.trim_end_matches(['\r', '\n']).to_string()
}

/// Reads the rest of the output and the exit status.
fn finish(mut p: OsSession) -> i32 {
    let _ = p.expect(Eof);
    match p.get_process().wait() {
        Ok(WaitStatus::Exited(_, code)) => code,
        other => panic!("kefu did not exit normally: {other:?}"),
    }
}

fn read_transcript(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn agent_texts(transcript: &[Value]) -> Vec<&str> {
    transcript
        .iter()
        .filter(|l| l["role"] == "agent")
        .map(|l| l["text"].as_str().unwrap())
        .collect()
}

#[test]
fn prompt_verdict_completion_ctrl_c_and_ctrl_d() {
    let home = TempDir::new().unwrap();
    let save = home.path().join("s.jsonl");
    let mut p = spawn(home.path(), &save);

    expect(&mut p, "顾客：");
    expect(&mut p, PROMPT);
    send_line(&mut p, "亲，您好，按您的身高体重拿L码刚好～");
    let verdict = expect(&mut p, "得分");
    assert!(verdict.contains('⏱'), "no verdict line in {verdict:?}");
    expect(&mut p, PROMPT);

    // Tab completes `/hi` to `/hint`: Enter then runs the command, not an unknown `/hi`.
    send(&mut p, "/hi\t");
    std::thread::sleep(Duration::from_millis(200));
    send(&mut p, "\r");
    let which = expect_first(&mut p, &[HINT, "未知命令"]);
    assert_eq!(which, 0, "`/hi` + TAB did not complete to `/hint`");
    expect(&mut p, PROMPT);

    // Ctrl-C clears a half-typed line; the session goes on.
    send(&mut p, "这句话不会发出");
    std::thread::sleep(Duration::from_millis(100));
    send(&mut p, "\x03");
    expect(&mut p, PROMPT);
    send_line(&mut p, "亲，这款是230克精梳长绒棉，做过预缩～");
    expect(&mut p, "得分");
    expect(&mut p, PROMPT);

    // Ctrl-D on an empty line ends the session with the scorecard.
    send(&mut p, "\x04");
    expect(&mut p, "成绩单");
    let card = expect(&mut p, "总分");
    assert!(!card.contains("得分"), "{card}");
    expect(&mut p, "记录已保存");
    assert_eq!(finish(p), 0);

    let transcript = read_transcript(&save);
    assert_eq!(
        agent_texts(&transcript),
        [
            "亲，您好，按您的身高体重拿L码刚好～",
            "亲，这款是230克精梳长绒棉，做过预缩～"
        ]
    );
    let last = transcript.last().unwrap();
    assert_eq!(last["role"], "system");
    assert_eq!(last["event"], "session_end");
    assert_eq!(last["outcome"]["result"], "abandoned");
    // The history file goes to the (temporary) data dir, never to the user's.
    assert!(home.path().join("data/kefu/history.txt").exists());
}

#[test]
fn reference_answers_play_a_scenario_to_a_sale() {
    let home = TempDir::new().unwrap();
    let save = home.path().join("s.jsonl");
    let mut p = spawn(home.path(), &save);

    expect(&mut p, PROMPT);
    let mut sent = Vec::new();
    loop {
        assert!(sent.len() < 15, "the scenario never ended: {sent:?}");
        let reference = hint(&mut p);
        assert!(!reference.is_empty());
        expect(&mut p, PROMPT);
        send_line(&mut p, &reference);
        sent.push(reference);
        expect(&mut p, "得分");
        if expect_first(&mut p, &[PROMPT, "成绩单"]) == 1 {
            break;
        }
    }
    expect(
        &mut p,
        &format!("（用了{}次提示，扣{}分）", sent.len(), 5 * sent.len()),
    );
    expect(&mut p, "结果：");
    let outcome = expect(&mut p, " · ");
    assert!(
        outcome.starts_with("成交") || outcome.starts_with("问题解决"),
        "reference answers did not succeed: {outcome:?}"
    );
    assert_eq!(finish(p), 0);

    let transcript = read_transcript(&save);
    let agent = agent_texts(&transcript);
    assert_eq!(agent, sent.iter().map(String::as_str).collect::<Vec<_>>());
    let end = transcript.last().unwrap();
    assert_eq!(end["event"], "session_end");
    assert_eq!(end["outcome"]["result"], "bought", "{end}");
    assert!(
        end["outcome"]["order_value"].as_f64().unwrap() > 0.0,
        "{end}"
    );
}

/// `kefu score` on a terminal shows a bar of the bytes read with the messages scored, clears it,
/// and ends with its summary.
#[test]
fn score_shows_a_progress_bar_on_a_terminal() {
    let home = TempDir::new().expect("tempdir");
    let corpus = home.path().join("chats.jsonl");
    let made = Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args([
            "gen",
            "transcripts",
            "--conversations",
            "3000",
            "--seed",
            "4",
            "--out",
        ])
        .arg(&corpus)
        .status()
        .expect("kefu gen runs");
    assert!(made.success());
    let out = home.path().join("scores.jsonl");
    let args = [
        OsStr::new("score"),
        corpus.as_os_str(),
        OsStr::new("--out"),
        out.as_os_str(),
    ];
    let mut p = spawn_kefu(home.path(), &args);
    let bar = expect(&mut p, "条消息");
    assert!(bar.contains("% "), "no bar: {bar:?}");
    assert!(bar.contains("MiB"), "no byte counts: {bar:?}");
    expect(&mut p, "完成：");
    assert_eq!(finish(p), 0);
    let lines = std::fs::read_to_string(&out).expect("scores written");
    assert_eq!(lines.lines().count(), 3000);
}

/// Spawns `kefu train` with extra flags before `--save FILE`.
fn spawn_train(home: &Path, save: &Path, extra: &[&str]) -> OsSession {
    let mut args: Vec<&OsStr> = ["train", "--scenario", SCENARIO, "--seed", "1"]
        .iter()
        .chain(extra)
        .map(OsStr::new)
        .collect();
    args.push(OsStr::new("--save"));
    args.push(save.as_os_str());
    spawn_kefu(home, &args)
}

/// Three customers come in one after another on a clock run 20 times faster than the wall
/// clock (so 20 s between them is one second); the trainee answers one, switches to another
/// when it comes in, answers there, and ends the desk.
#[test]
fn several_chats_come_in_and_the_trainee_switches() {
    let home = TempDir::new().unwrap();
    let save = home.path().join("s.jsonl");
    let mut p = spawn_train(home.path(), &save, &["--chats", "3", "--time-scale", "20"]);
    expect(&mut p, "【会话1】新顾客进线");
    expect(&mut p, "【1】顾客：");
    expect(&mut p, "[1]你> ");
    // The second customer comes in while the trainee is at the prompt.
    expect(&mut p, "【会话2】新顾客进线（/2 查看）");
    send_line(&mut p, "/2");
    expect(&mut p, "【会话2】新顾客进线 · ");
    expect(&mut p, "[2]你> ");
    send_line(&mut p, "亲，在的呢，您说～");
    expect(&mut p, "得分");
    expect(&mut p, "【2】顾客：");
    expect(&mut p, "[2]你> ");
    send_line(&mut p, "/1");
    expect(&mut p, "[1]你> ");
    send_line(&mut p, "亲，您好，按您的身高体重拿L码刚好～");
    expect(&mut p, "得分");
    expect(&mut p, "[1]你> ");
    send_line(&mut p, "/quit");
    expect(&mut p, "多会话汇总：3个会话");
    expect(&mut p, "记录已保存");
    assert_eq!(finish(p), 0);

    let transcript = read_transcript(&save);
    let ends: Vec<&Value> = transcript
        .iter()
        .filter(|l| l["event"] == "session_end")
        .collect();
    assert!(ends.len() >= 2, "{transcript:?}");
    let answered: std::collections::BTreeSet<&str> = transcript
        .iter()
        .filter(|l| l["role"] == "agent")
        .map(|l| l["conversation"].as_str().unwrap())
        .collect();
    assert_eq!(answered.len(), 2, "two chats answered: {transcript:?}");
}

/// A customer kept waiting nudges, then leaves when patience runs out, on the running clock
/// (injected: 100 times faster), with no reply typed; the scorecard says why.
#[test]
fn a_customer_left_waiting_nudges_then_leaves() {
    let home = TempDir::new().unwrap();
    let save = home.path().join("s.jsonl");
    let mut p = spawn_train(home.path(), &save, &["--time-scale", "100"]);
    expect(&mut p, PROMPT);
    let waited = expect(&mut p, "（顾客已离开。回车查看成绩单）");
    assert!(
        waited.matches("顾客：").count() >= 2,
        "a nudge, then the goodbye: {waited:?}"
    );
    send(&mut p, "\r");
    expect(&mut p, "成绩单");
    expect(&mut p, "结果：顾客离开");
    expect(&mut p, "顾客等了");
    assert_eq!(finish(p), 0);
    let transcript = read_transcript(&save);
    assert!(
        transcript.iter().any(|l| l["event"] == "customer_left"),
        "{transcript:?}"
    );
    assert_eq!(
        transcript.last().unwrap()["outcome"]["result"],
        "left",
        "{transcript:?}"
    );
}

/// `;si` and Tab become the `size` quick phrase in the line editor; the trainee adds to it and
/// sends it; the transcript knows it came from the phrase.
#[test]
fn a_quick_phrase_is_tab_completed_edited_and_sent() {
    let home = TempDir::new().unwrap();
    let save = home.path().join("s.jsonl");
    let mut p = spawn(home.path(), &save);
    expect(&mut p, PROMPT);
    send(&mut p, ";si\t");
    std::thread::sleep(Duration::from_millis(200));
    send(&mut p, "哈");
    std::thread::sleep(Duration::from_millis(100));
    send(&mut p, "\r");
    expect(&mut p, "得分");
    expect(&mut p, PROMPT);
    send(&mut p, "\x04");
    expect(&mut p, "快捷短语：1条回复里有1条用了快捷短语");
    assert_eq!(finish(p), 0);
    let transcript = read_transcript(&save);
    let agent: Vec<&Value> = transcript.iter().filter(|l| l["role"] == "agent").collect();
    assert_eq!(agent.len(), 1, "{transcript:?}");
    let text = agent[0]["text"].as_str().unwrap();
    assert!(
        text.starts_with("亲，方便告诉我您的身高和体重吗？"),
        "{text}"
    );
    assert!(text.ends_with('哈'), "{text}");
    assert_eq!(agent[0]["quick_phrase"], "size");
}

/// An exam refuses hints, shows no verdicts, and ends with every reply reviewed.
#[test]
fn an_exam_on_a_terminal() {
    let home = TempDir::new().unwrap();
    let save = home.path().join("s.jsonl");
    let mut p = spawn_train(home.path(), &save, &["--exam"]);
    expect(&mut p, PROMPT);
    send_line(&mut p, "/hint");
    expect(&mut p, "考试模式不能看参考话术");
    expect(&mut p, PROMPT);
    send_line(&mut p, "嗯");
    let between = expect(&mut p, PROMPT);
    assert!(
        !between.contains("得分"),
        "no verdict in an exam: {between:?}"
    );
    send(&mut p, "\x04");
    expect(&mut p, "逐条复盘：");
    expect(&mut p, "第1条（");
    expect(&mut p, "no-curt-reply");
    assert_eq!(finish(p), 0);
}

/// After the window is resized, small then large, the trainee can bring the customer's last
/// message back with `/last`, and the session goes on.
#[test]
fn after_a_resize_last_shows_the_customers_message_again() {
    let home = TempDir::new().unwrap();
    let save = home.path().join("s.jsonl");
    let mut p = spawn(home.path(), &save);
    let before = expect(&mut p, PROMPT);
    let opening = before
        .rsplit("顾客：")
        .next()
        .map(|s| s.trim().trim_end_matches(PROMPT.trim()).trim().to_string())
        .unwrap();
    assert!(!opening.is_empty());
    p.get_process_mut().set_window_size(30, 8).expect("resize");
    std::thread::sleep(Duration::from_millis(100));
    p.get_process_mut()
        .set_window_size(120, 40)
        .expect("resize");
    std::thread::sleep(Duration::from_millis(100));
    send_line(&mut p, "/last");
    let shown = expect(&mut p, PROMPT);
    assert!(shown.contains("顾客："), "{shown:?}");
    let first_words: String = opening.chars().take(6).collect();
    assert!(
        shown.contains(&first_words),
        "{first_words:?} not in {shown:?}"
    );
    send_line(&mut p, "亲，您好，按您的身高体重拿L码刚好～");
    expect(&mut p, "得分");
    // Ctrl-D only once the editor is reading again: typed earlier, the terminal's own line
    // discipline would take it.
    expect(&mut p, PROMPT);
    send(&mut p, "\x04");
    expect(&mut p, "成绩单");
    assert_eq!(finish(p), 0);
}
