//! End-to-end tests of the QA report's edges and of the exit statuses the commands share: a `|`
//! or a line break in a reply or an agent's name cannot break the Markdown tables, an agent named
//! "(unknown)" is not the conversations that name none, `--gap` and `--threads` are bounded, and
//! content that does not load gives one status from every command.
//!
//! Inputs are written into a tempdir by each test; content comes from `tests/fixtures/`.

mod common;
use common::Run;

use serde_json::Value;
use tempfile::TempDir;

/// The status of every command whose content does not load (`kefu::cli::EXIT_CONTENT`).
const EXIT_CONTENT: i32 = 1;

/// `kefu ARGS` with a tempdir for home, and no input.
fn kefu(home: &TempDir, args: &[&str]) -> Run {
    Run::of(
        common::kefu_in(home.path(), std::time::Duration::from_secs(60))
            .args(args)
            .write_stdin(""),
    )
}

/// A file of the tempdir, by name.
fn path(home: &TempDir, name: &str) -> String {
    home.path().join(name).display().to_string()
}

/// A one-message export in a new tempdir: the tempdir and the file.
fn one_message() -> (TempDir, String) {
    let home = tempfile::tempdir().expect("a tempdir");
    let file = path(&home, "chats.jsonl");
    let text = line("c1", "2026-11-23 10:00:00", "customer", None, "在吗");
    std::fs::write(&file, text).expect("write the export");
    (home, file)
}

/// One JSONL message.
fn line(conversation: &str, ts: &str, role: &str, agent: Option<&str>, text: &str) -> String {
    let mut v =
        serde_json::json!({"conversation": conversation, "ts": ts, "role": role, "text": text});
    if let Some(a) = agent {
        v["agent"] = Value::from(a);
    }
    v.to_string() + "\n"
}

/// The `|` of a Markdown table row that are not escaped.
fn cells(row: &str) -> usize {
    row.replace("\\\\", "")
        .replace("\\|", "")
        .matches('|')
        .count()
}

#[test]
fn a_pipe_or_a_line_break_in_a_reply_or_a_name_cannot_break_the_report() {
    let home = tempfile::tempdir().expect("a tempdir");
    let mut chats = String::new();
    chats += &line(
        "c1",
        "2026-11-23 10:00:00",
        "customer",
        None,
        "在吗|有人吗\n急",
    );
    chats += &line(
        "c1",
        "2026-11-23 10:00:09",
        "agent",
        Some("小|美\n二号"),
        "在|的\n| 亲 | 稍等 |",
    );
    chats += &line("c2", "2026-11-23 10:01:00", "customer", None, "能便宜点吗");
    chats += &line(
        "c2",
        "2026-11-23 10:05:00",
        "agent",
        Some("(unknown)"),
        "不能\r\n`#` *不*",
    );
    chats += &line("c3", "2026-11-23 10:02:00", "customer", None, "在吗");
    chats += &line("c3", "2026-11-23 10:02:05", "agent", None, "在");
    let input = path(&home, "chats.jsonl");
    std::fs::write(&input, chats).expect("write the export");
    let md = path(&home, "r.md");
    let run = kefu(&home, &["score", &input, "--report", &md]);
    run.expect_code(0);
    let md = std::fs::read_to_string(&md).expect("the report");

    // Each table's rows have as many cells as its header; nothing spilled onto a line of its own.
    let mut width = None;
    for l in md.lines() {
        if l.starts_with('|') {
            let w = *width.get_or_insert(cells(l));
            assert_eq!(cells(l), w, "{l}\n{md}");
        } else {
            width = None;
        }
        assert!(!l.starts_with(" 亲") && !l.starts_with("急"), "{l}\n{md}");
    }
    assert!(md.contains("\n| 小\\|美 二号 | 1 |"), "{md}");
    assert!(md.contains("\n## 小\\|美 二号\n"), "{md}");
    // The agent named "(unknown)" and the conversation that names none are two rows.
    assert!(md.contains("\n| (unknown) | 1 |"), "{md}");
    assert!(md.contains("\n| （未注明客服） | 1 |"), "{md}");
    assert!(md.contains("\n| **团队** | 3 |"), "{md}");
    assert!(md.contains("「在\\|的 \\| 亲 \\| 稍等 \\|」"), "{md}");

    let json = path(&home, "r.json");
    kefu(&home, &["score", &input, "--report", &json]).expect_code(0);
    let r: Value = serde_json::from_str(&std::fs::read_to_string(&json).expect("JSON")).unwrap();
    let agents: Vec<&String> = r["agents"].as_object().expect("agents").keys().collect();
    assert_eq!(agents, ["(unknown)", "小|美\n二号"]);
    assert_eq!(r["no_agent"]["conversations"], 1);
    assert_eq!(r["review"]["count"], 0);
    // The closing checks are named as judged once per conversation.
    let per_conversation = r["per_conversation_checks"].as_array().expect("a list");
    assert!(!per_conversation.is_empty(), "{r}");
    for check in r["team"]["failed_checks"]
        .as_array()
        .expect("failed checks")
    {
        let once = per_conversation.contains(&check["check"]);
        assert_eq!(check["per_conversation"], once, "{check}");
        assert_eq!(check["unit"], if once { "conversation" } else { "reply" });
        if once {
            assert_eq!(check["count"], check["conversations"], "{check}");
        }
    }
}

#[test]
fn a_gap_that_overflows_is_a_usage_error() {
    let (home, input) = one_message();
    for gap in [
        "99999999999999h",
        "9999999999999999999999s",
        "2562047788015216h",
        "52560001m",
    ] {
        let run = kefu(&home, &["score", &input, "--gap", gap]);
        run.expect_code(2);
        assert!(run.stderr.contains("--gap"), "{gap}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{gap}: {}", run.stdout);
    }
    let run = kefu(&home, &["score", &input, "--gap", "99999999999999h"]);
    assert!(run.stderr.contains("too long"), "{}", run.stderr);
    kefu(&home, &["score", &input, "--gap", "876000h"]).expect_code(0);
}

#[test]
fn threads_beyond_the_machine_are_cut_to_its_cores_with_a_notice() {
    let (home, input) = one_message();
    let run = kefu(&home, &["score", &input, "--threads", "100000"]);
    run.expect_code(0);
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    assert!(
        run.stderr.contains("--threads 100000 超过了这台机器的"),
        "{}",
        run.stderr
    );
    let run = kefu(&home, &["score", &input, "--threads", "0"]);
    run.expect_code(0);
    assert!(!run.stderr.contains("--threads"), "{}", run.stderr);
}

/// Content that does not load (an unknown product in a scenario) stops every command with the
/// same status, after its problems.
#[test]
fn broken_content_exits_with_the_same_status_from_every_command() {
    let (home, input) = one_message();
    let broken = "tests/fixtures/broken-refs";
    let runs: [&[&str]; 6] = [
        &["--content", broken, "score", &input],
        &[
            "--content",
            broken,
            "gen",
            "transcripts",
            "--conversations",
            "1",
        ],
        &["--content", broken, "list"],
        &["--content", broken, "train", "--seed", "1"],
        &["--content", broken, "eval"],
        &["check", broken],
    ];
    for args in runs {
        let run = kefu(&home, args);
        run.expect_code(EXIT_CONTENT);
        let said = run.stderr.clone() + &run.stdout;
        assert!(
            said.contains("bad-product.toml:4:11: error: unknown product `teee`"),
            "{args:?}: {said}"
        );
    }
    // A catalog given to `score` that does not load is broken content too.
    let catalog = path(&home, "catalog.toml");
    std::fs::write(&catalog, "[shop]\nname = \"x\"\n").expect("write the catalog");
    let run = kefu(&home, &["score", &input, "--catalog", &catalog]);
    run.expect_code(EXIT_CONTENT);
}
