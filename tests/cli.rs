//! End-to-end tests of the `kefu` binary: listing, content checking (with planted problems in
//! `tests/fixtures/`), argument errors and scripted training sessions fed through stdin.
//!
//! Every run gets a fresh HOME/XDG_* in a tempdir and a fixed `--seed`, and saves its transcript
//! into a tempdir, so no user settings leak in and nothing is written outside the tempdir.

mod common;
use common::Run;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

/// A bundled scenario the scripted sessions play (checked against `kefu list` first).
const SCENARIO: &str = "men-tee-self";

/// Replies for [`SCENARIO`]: a size, product facts, an add-on, a delivery time.
const REPLIES: &[&str] = &[
    "亲，您好，按您的身高体重拿L码刚好～",
    "亲，这款是230克精梳长绒棉，做过预缩，按洗标洗缩水在3%以内，领口双针加固～",
    "好的亲～白T配我们家休闲长裤很清爽，一起满199还送收纳袋😊",
    "好的亲，今天16点前付款当天发出，感谢支持～",
];

const MINIMAL: &str = "tests/fixtures/minimal";

/// A clean environment for one test: a tempdir standing in for HOME and the XDG folders.
struct Env {
    dir: TempDir,
}

impl Env {
    fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("create a tempdir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A copy of the minimal content fixture in the tempdir, to add files to.
    fn minimal_copy(&self, name: &str) -> PathBuf {
        let dir = self.path(name);
        for sub in ["rubrics", "scenarios", "scenarios/personas"] {
            std::fs::create_dir_all(dir.join(sub)).expect("mkdir");
            let from = Path::new(MINIMAL).join(sub);
            for entry in std::fs::read_dir(&from).expect("read the fixture") {
                let path = entry.expect("an entry").path();
                if path.is_file() {
                    let to = dir.join(sub).join(path.file_name().expect("a name"));
                    std::fs::copy(&path, to).expect("copy");
                }
            }
        }
        dir
    }

    /// `kefu` run from the package root with only a minimal, tempdir-based environment.
    fn kefu(&self) -> Command {
        common::kefu_in(self.dir.path(), std::time::Duration::from_secs(20))
    }

    /// `kefu train --scenario ID --seed N --save FILE` with `stdin` piped in.
    fn train(&self, extra: &[&str], scenario: &str, seed: u64, save: &Path, stdin: Vec<u8>) -> Run {
        let mut cmd = self.kefu();
        cmd.args(extra)
            .args(["train", "--scenario", scenario, "--seed"])
            .arg(seed.to_string())
            .arg("--save")
            .arg(save)
            .write_stdin(stdin);
        Run::of(&mut cmd)
    }
}

fn lines(replies: &[&str]) -> Vec<u8> {
    let mut s = String::new();
    for r in replies {
        s.push_str(r);
        s.push('\n');
    }
    s.into_bytes()
}

/// Every line of a JSONL transcript, parsed.
fn read_transcript(path: &Path) -> Vec<Value> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("read transcript {}: {e}", path.display()));
    text.lines()
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str::<Value>(l)
                .unwrap_or_else(|e| panic!("transcript line {} is not JSON ({e}): {l}", i + 1))
        })
        .collect()
}

fn role(line: &Value) -> &str {
    line["role"].as_str().unwrap_or("")
}

fn texts_of<'a>(transcript: &'a [Value], who: &str) -> Vec<&'a str> {
    transcript
        .iter()
        .filter(|l| role(l) == who)
        .map(|l| l["text"].as_str().expect("text is a string"))
        .collect()
}

/// The `session_end` line, checked to be the last one.
fn session_end(transcript: &[Value]) -> &Value {
    let last = transcript.last().expect("the transcript is not empty");
    assert_eq!(role(last), "system", "last line: {last}");
    assert_eq!(last["event"], "session_end", "last line: {last}");
    last
}

/// `kefu check` output split into rendered diagnostics and the summary line.
fn diagnostics(stdout: &str) -> (Vec<&str>, &str) {
    let blocks: Vec<&str> = stdout.trim_end().split("\n\n").collect();
    let (summary, problems) = blocks.split_last().expect("some output");
    (problems.to_vec(), summary)
}

fn headers<'a>(problems: &[&'a str]) -> Vec<&'a str> {
    problems
        .iter()
        .map(|p| p.lines().next().unwrap_or(""))
        .collect()
}

// ------------------------------------------------------------------------------------- list

#[test]
fn list_prints_one_row_per_scenario() {
    let env = Env::new();
    let run = Run::of(env.kefu().arg("list"));
    run.expect_code(0);
    let rows: Vec<&str> = run.stdout.lines().collect();
    assert!(!rows.is_empty(), "kefu list printed nothing");
    assert!(
        rows.iter()
            .any(|r| r.split_whitespace().next() == Some(SCENARIO)),
        "`{SCENARIO}` is not listed:\n{}",
        run.stdout
    );
    for row in rows {
        assert!(
            row.split_whitespace().count() >= 4,
            "a row needs id, persona, product and title: {row:?}"
        );
    }
}

#[test]
fn list_json_gives_id_persona_title_and_product() {
    let env = Env::new();
    let run = Run::of(env.kefu().args(["list", "--json"]));
    run.expect_code(0);
    let rows: Value = serde_json::from_str(&run.stdout).expect("kefu list --json prints JSON");
    let rows = rows.as_array().expect("a JSON array");
    assert!(!rows.is_empty(), "no scenarios");
    let personas = ["friendly", "bargainer", "picky", "bad-review"];
    for row in rows {
        for key in ["id", "persona", "title", "product"] {
            let v = row[key].as_str().unwrap_or_default();
            assert!(!v.is_empty(), "`{key}` missing or empty in {row}");
        }
        assert!(row["tags"].is_array(), "tags is not an array in {row}");
        assert!(
            personas.contains(&row["persona"].as_str().unwrap()),
            "unknown persona in {row}"
        );
    }
    // The table and the JSON list the same scenarios, in the same order.
    let table = Run::of(env.kefu().arg("list"));
    let table_ids: Vec<&str> = table
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let json_ids: Vec<&str> = rows.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(table_ids, json_ids);
}

#[test]
fn list_of_a_content_folder() {
    let env = Env::new();
    let run = Run::of(env.kefu().args(["--content", MINIMAL, "list", "--json"]));
    run.expect_code(0);
    let rows: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        rows,
        serde_json::json!([{
            "id": "tee-size",
            "persona": "friendly",
            "title": "问T恤尺码",
            "product": "tee",
            "tags": ["presale"],
        }])
    );
}

// ------------------------------------------------------------------------------------ check

#[test]
fn check_passes_on_the_bundled_content() {
    let env = Env::new();
    let run = Run::of(env.kefu().arg("check"));
    run.expect_code(0);
    assert!(run.stdout.starts_with("✓ "), "{}", run.stdout);
}

#[test]
fn check_passes_on_the_minimal_fixture() {
    let env = Env::new();
    let run = Run::of(env.kefu().args(["check", MINIMAL]));
    run.expect_code(0);
    assert!(
        run.stdout.contains("2个商品、4个顾客类型、1个场景"),
        "{}",
        run.stdout
    );
    // `--content DIR check` means the same as `check DIR`.
    let run = Run::of(env.kefu().args(["--content", MINIMAL, "check"]));
    run.expect_code(0);
    // And in English.
    let run = Run::of(env.kefu().args(["--lang", "en", "check", MINIMAL]));
    run.expect_code(0);
    assert!(
        run.stdout
            .starts_with("✓ content is valid: 2 products, 4 personas, 1 scenarios"),
        "{}",
        run.stdout
    );
}

/// A message's topics are a 64-bit set: a rubric with more topics is refused, not cut short.
#[test]
fn check_refuses_a_rubric_with_more_than_64_topics() {
    let env = Env::new();
    let dir = env.minimal_copy("content");
    // The minimal rubric has 3 topics; 62 more make 65.
    let mut extra = String::from("[topics]\n");
    for i in 0..62 {
        extra.push_str(&format!("topic-{i:02} = [\"词{i}\"]\n"));
    }
    std::fs::write(dir.join("rubrics/extra.toml"), extra).expect("write");
    let run = Run::of(env.kefu().arg("check").arg(&dir));
    run.expect_code(1);
    assert!(
        run.stdout
            .contains("error: the rubric defines 65 topics, more than the 64 a rubric may have"),
        "{}",
        run.stdout
    );
    // 64 in all is fine.
    let mut extra = String::from("[topics]\n");
    for i in 0..61 {
        extra.push_str(&format!("topic-{i:02} = [\"词{i}\"]\n"));
    }
    std::fs::write(dir.join("rubrics/extra.toml"), extra).expect("write");
    Run::of(env.kefu().arg("check").arg(&dir)).expect_code(0);
}

/// Cross-file problems: all reported together, each at its place.
#[test]
fn check_reports_every_broken_reference_at_its_place() {
    let env = Env::new();
    let run = Run::of(env.kefu().args(["check", "tests/fixtures/broken-refs"]));
    run.expect_code(1);
    let (problems, summary) = diagnostics(&run.stdout);
    let d = "tests/fixtures/broken-refs/scenarios";
    assert_eq!(
        headers(&problems),
        [
            format!(
                "{d}/catalog.toml:14:15: error: unknown product `sokcs` in pairs_with (did you mean `socks`?)"
            ),
            format!(
                "{d}/catalog.toml:49:10: error: size chart gap: no size of `pants` fits a height between 165 and 170 cm (M ends at 165, L starts at 170)"
            ),
            format!(
                "{d}/bad-product.toml:4:11: error: unknown product `teee` (did you mean `tee`?)"
            ),
            format!(
                "{d}/bad-script.toml:15:43: error: branch to missing turn `bougth` (did you mean `bought`?)"
            ),
            format!(
                "{d}/bad-script.toml:24:13: error: unknown signal `gave-definit-size` (did you mean `gave-definite-size`?)"
            ),
            format!(
                "{d}/bad-script.toml:20:6: error: dead end: turn `clarify` has no outcome and no fallback, so a reply that matches no rule leaves the customer with nothing to say"
            ),
            format!(
                "{d}/bad-script.toml:33:6: error: turn `orphan` is unreachable: no path from the opening turn leads to it"
            ),
        ],
        "\n{}",
        run.stdout
    );
    assert_eq!(summary, "✗ 发现7处问题");

    // The whole rendering: location, gutter, the source line, carets under the span
    // (CJK-free lines here, so one caret per character of the quoted value).
    assert_eq!(
        problems[0],
        format!(
            "{d}/catalog.toml:14:15: error: unknown product `sokcs` in pairs_with (did you mean `socks`?)\n   |\n14 | pairs_with = [\"sokcs\"]\n   |               ^^^^^^^"
        )
    );
    assert_eq!(
        problems[3],
        format!(
            "{d}/bad-script.toml:15:43: error: branch to missing turn `bougth` (did you mean `bought`?)\n   |\n15 |   {{ when = [\"gave-definite-size\"], goto = \"bougth\" }},\n   |                                           ^^^^^^^^"
        )
    );
    assert_eq!(
        problems[2],
        format!(
            "{d}/bad-product.toml:4:11: error: unknown product `teee` (did you mean `tee`?)\n  |\n4 | product = \"teee\"\n  |           ^^^^^^"
        )
    );
}

/// Content that does not load stops every command, not just `check`.
#[test]
fn broken_content_stops_training_and_listing() {
    let env = Env::new();
    let run = Run::of(
        env.kefu()
            .args(["--content", "tests/fixtures/broken-refs", "list"]),
    );
    run.expect_code(1);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr
            .contains("bad-product.toml:4:11: error: unknown product `teee`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .trim_end()
            .ends_with("内容有7处问题，请修正后再试（kefu check 可逐条查看）"),
        "{}",
        run.stderr
    );

    let save = env.path("s.jsonl");
    let mut cmd = env.kefu();
    cmd.args([
        "--content",
        "tests/fixtures/broken-refs",
        "train",
        "--seed",
        "1",
    ])
    .arg("--save")
    .arg(&save)
    .write_stdin("亲\n");
    let run = Run::of(&mut cmd);
    run.expect_code(1);
    assert!(
        !save.exists(),
        "no transcript for content that does not load"
    );
}

/// Scorer problems (here: unknown check kinds) are found only once the content loads.
#[test]
fn check_reports_unknown_check_kinds() {
    let env = Env::new();
    let run = Run::of(
        env.kefu()
            .args(["check", "tests/fixtures/broken-rubric-kind"]),
    );
    run.expect_code(1);
    let (problems, summary) = diagnostics(&run.stdout);
    assert_eq!(problems.len(), 2, "\n{}", run.stdout);
    assert_eq!(summary, "✗ 发现2处问题");
    let f = "tests/fixtures/broken-rubric-kind/rubrics/default.toml";
    // The list of known kinds grows; check what comes before it.
    assert!(
        problems[0].starts_with(&format!(
            "{f}:63:8: error: unknown check kind `phrase` (did you mean `phrases`?); known kinds: latency, "
        )),
        "{}",
        problems[0]
    );
    assert!(
        problems[0].ends_with("\n   |\n63 | kind = \"phrase\"\n   |        ^^^^^^^^"),
        "{}",
        problems[0]
    );
    assert!(
        problems[1].starts_with(&format!(
            "{f}:77:8: error: unknown check kind `size-chart`; known kinds: latency, "
        )),
        "{}",
        problems[1]
    );
}

/// Labelled rubric examples run only once the rubric compiles.
#[test]
fn check_reports_failing_rubric_examples() {
    let env = Env::new();
    let run = Run::of(env.kefu().args(["check", "tests/fixtures/broken-examples"]));
    run.expect_code(1);
    let (problems, summary) = diagnostics(&run.stdout);
    let f = "tests/fixtures/broken-examples/rubrics/default.toml";
    assert_eq!(
        headers(&problems),
        [
            format!(
                "{f}:76:11: error: example of check `polite`: expected to pass but it failed (score 0: 没有称呼“亲”或“您”)"
            ),
            format!("{f}:89:11: error: example of `size-advice` names unknown product `hoodie`"),
        ],
        "\n{}",
        run.stdout
    );
    assert_eq!(summary, "✗ 发现2处问题");
    // Carets under CJK text take two columns a character.
    assert_eq!(
        problems[0],
        format!(
            "{f}:76:11: error: example of check `polite`: expected to pass but it failed (score 0: 没有称呼“亲”或“您”)\n   |\n76 |   reply = \"好的，马上发货\"\n   |           {}",
            "^".repeat(2 + 7 * 2)
        )
    );
}

#[test]
fn check_reports_malformed_toml_with_line_and_column() {
    let env = Env::new();
    let run = Run::of(env.kefu().args(["check", "tests/fixtures/malformed-toml"]));
    run.expect_code(1);
    let (problems, summary) = diagnostics(&run.stdout);
    assert_eq!(problems.len(), 2, "\n{}", run.stdout);
    assert_eq!(summary, "✗ 发现2处问题");
    let d = "tests/fixtures/malformed-toml/scenarios";
    // An unterminated string: the error sits at the end of line 2.
    let first: Vec<&str> = problems[0].lines().collect();
    assert!(
        first[0].starts_with(&format!("{d}/tee-size.toml:2:15: error: ")),
        "{}",
        problems[0]
    );
    assert!(first[0].contains("string"), "{}", problems[0]);
    assert_eq!(first[2], "2 | title = \"问T恤尺码");
    // 9 ASCII characters, then 问T恤尺码 (9 columns): the caret just after.
    assert_eq!(first[3], format!("  | {}^", " ".repeat(18)));
    // A misspelt key in a persona.
    assert_eq!(
        problems[1],
        format!(
            "{d}/personas/picky.toml:4:1: error: unknown field `mod`, expected one of `id`, `name`, `mood`, `leave_below`, `patience_factor`, `grace`, `good_reply`, `bad_reply`, `nudge_every`, `asks_again`, `lines`, `side_questions`, `reacts`\n  |\n4 | mod = 60\n  | ^^^"
        )
    );
}

#[test]
fn check_of_a_missing_folder_fails_cleanly() {
    let env = Env::new();
    let missing = env.path("no-such-content");
    let run = Run::of(env.kefu().arg("check").arg(&missing));
    run.expect_code(1);
    assert!(
        run.stdout.contains("cannot read the folder"),
        "{}",
        run.stdout
    );
}

// ------------------------------------------------------------------------------------- eval

const CORPUS: &str = "tests/fixtures/corpus";

/// The checks labelled in [`CORPUS`], and how many labels it has in all.
const CORPUS_CHECKS: &[&str] = &[
    "absolute-claims",
    "no-chart-pointing",
    "no-insults",
    "size-advice",
];
const CORPUS_LABELS: u64 = 11;

/// The counts of a row of `kefu eval --json`, checked to add up.
fn eval_row(row: &Value) -> [u64; 5] {
    let count = |key: &str| {
        row[key]
            .as_u64()
            .unwrap_or_else(|| panic!("`{key}` in {row}"))
    };
    let [labelled, tp, fp, fneg, tn] = ["labelled", "tp", "fp", "fn", "tn"].map(count);
    assert_eq!(tp + fp + fneg + tn, labelled, "{row}");
    for key in ["precision", "recall"] {
        let v = row[key]
            .as_f64()
            .unwrap_or_else(|| panic!("`{key}` in {row}"));
        assert!((0.0..=1.0).contains(&v), "{row}");
    }
    assert!(row["scope_errors"].as_u64().is_some(), "{row}");
    [labelled, tp, fp, fneg, tn]
}

#[test]
fn eval_json_has_a_row_per_labelled_check_and_a_total() {
    let env = Env::new();
    let run = Run::of(env.kefu().args(["eval", CORPUS, "--json"]));
    run.expect_code(0);
    let report: Value = serde_json::from_str(&run.stdout).expect("kefu eval --json prints JSON");
    let keys: Vec<&String> = report.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["checks", "total"]);
    let row_keys = [
        "labelled",
        "tp",
        "fp",
        "fn",
        "tn",
        "precision",
        "recall",
        "scope_errors",
    ];
    let rows = report["checks"].as_array().expect("an array of checks");
    let mut sum = [0; 5];
    let mut checks = Vec::new();
    for row in rows {
        let mut keys: Vec<&str> = row
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort_unstable();
        let mut expected = row_keys.to_vec();
        expected.push("check");
        expected.sort_unstable();
        assert_eq!(keys, expected, "{row}");
        checks.push(row["check"].as_str().unwrap());
        for (s, n) in sum.iter_mut().zip(eval_row(row)) {
            *s += n;
        }
    }
    checks.sort_unstable();
    assert_eq!(checks, CORPUS_CHECKS);
    let total = &report["total"];
    let mut keys: Vec<&str> = total
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    let mut expected = row_keys.to_vec();
    expected.sort_unstable();
    assert_eq!(keys, expected, "{total}");
    assert_eq!(eval_row(total), sum);
    assert_eq!(sum[0], CORPUS_LABELS);
}

#[test]
fn eval_prints_a_table_then_each_disagreement_at_its_line() {
    let env = Env::new();
    let run = Run::of(env.kefu().args(["--lang", "en", "eval", CORPUS]));
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        [
            "check",
            "labelled",
            "tp",
            "fp",
            "fn",
            "tn",
            "precision",
            "recall",
            "scope",
            "errors"
        ]
    );
    let table_end = lines
        .iter()
        .position(|l| l.is_empty())
        .expect("a blank line after the table");
    assert_eq!(table_end, CORPUS_CHECKS.len() + 2, "{}", run.stdout);
    assert!(lines[table_end - 1].starts_with("total "), "{}", run.stdout);
    assert!(
        lines[table_end + 1].starts_with(&format!(
            "labelled corpus: 6 items, {CORPUS_LABELS} labels; tp "
        )),
        "{}",
        run.stdout
    );
    for line in lines.iter().skip(table_end + 3) {
        let (place, said) = line
            .split_once(": check `")
            .unwrap_or_else(|| panic!("{line}"));
        let (path, number) = place.rsplit_once(':').unwrap_or_else(|| panic!("{line}"));
        assert_eq!(path, "tests/fixtures/corpus/basic.toml", "{line}");
        assert!(number.parse::<usize>().is_ok(), "{line}");
        assert!(said.contains("`: labelled "), "{line}");
        assert!(said.contains(", kefu "), "{line}");
    }
}

#[test]
fn eval_of_a_broken_corpus_exits_1_with_every_problem_located() {
    let env = Env::new();
    let run = Run::of(env.kefu().args(["eval", "tests/fixtures/corpus-broken"]));
    run.expect_code(1);
    assert_eq!(run.stdout, "");
    let (problems, summary) = diagnostics(&run.stderr);
    assert_eq!(summary, "✗ 发现5处问题");
    let f = "tests/fixtures/corpus-broken/broken.toml";
    assert_eq!(
        headers(&problems),
        [
            format!("{f}:4:11: error: unknown product `men-teee` (did you mean `men-tee`?)"),
            format!("{f}:7:12: error: unknown check `size-advise` (did you mean `size-advice`?)"),
            format!("{f}:7:47: error: `ok` is not a label: use \"pass\", \"fail\" or \"na\""),
            format!("{f}:10:12: error: a context line starts with `顾客：` or `客服：`"),
            format!("{f}:12:9: error: the reply is empty"),
        ]
    );
    assert_eq!(
        problems[1],
        format!(
            "{f}:7:12: error: unknown check `size-advise` (did you mean `size-advice`?)\n  |\n7 | labels = {{ size-advise = \"pass\", no-insults = \"ok\" }}\n  |            ^^^^^^^^^^^"
        )
    );
}

#[test]
fn eval_of_a_missing_folder_or_bad_flags() {
    let env = Env::new();
    let missing = env.path("no-such-corpus");
    let run = Run::of(env.kefu().arg("eval").arg(&missing));
    run.expect_code(1);
    assert!(
        run.stderr.contains("cannot read the folder"),
        "{}",
        run.stderr
    );
    Run::of(env.kefu().args(["eval", "--nope"])).expect_code(2);
    Run::of(env.kefu().args(["eval", "a", "b"])).expect_code(2);
}

/// A corpus labelled for the minimal fixture's rubric: kefu disagrees with the second item.
const MINIMAL_CORPUS: &str = r#"
[[items]]
customer = "这件T恤有货吗"
reply = "亲，有货的呢～"
labels = { polite = "pass" }

[[items]]
customer = "这件T恤有货吗"
reply = "有货，马上发"
labels = { polite = "pass" }
"#;

#[test]
fn check_lists_corpus_disagreements_as_notices_without_failing() {
    let env = Env::new();
    let dir = env.minimal_copy("content");
    std::fs::create_dir_all(dir.join("corpus/shop")).expect("mkdir");
    std::fs::write(dir.join("corpus/shop/polite.toml"), MINIMAL_CORPUS).expect("write");
    let run = Run::of(env.kefu().arg("check").arg(&dir));
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].starts_with("✓ 内容检查通过"), "{}", run.stdout);
    assert_eq!(
        lines[1..],
        [
            "",
            &format!(
                "{}/corpus/shop/polite.toml:9: notice: 检查项`polite`：标注为通过，kefu判为不通过（得分0：没有称呼“亲”或“您”）",
                dir.display()
            ),
            "标注语料：2条、2个标注；TP 0、FP 1、FN 0、TN 1；精确率 0.00、召回率 1.00；适用范围不符 0",
        ]
    );
    // `kefu eval` with --content and no folder runs the content's corpus.
    let run = Run::of(
        env.kefu()
            .arg("--content")
            .arg(&dir)
            .args(["eval", "--json"]),
    );
    run.expect_code(0);
    let report: Value = serde_json::from_str(&run.stdout).expect("JSON");
    assert_eq!(eval_row(&report["total"]), [2, 0, 1, 0, 1]);
}

#[test]
fn check_fails_on_a_corpus_file_that_does_not_load() {
    let env = Env::new();
    let dir = env.minimal_copy("content");
    std::fs::create_dir_all(dir.join("corpus")).expect("mkdir");
    let broken = MINIMAL_CORPUS.replace("polite = \"pass\" }\n\n", "polit = \"pass\" }\n\n");
    std::fs::write(dir.join("corpus/polite.toml"), broken).expect("write");
    let run = Run::of(env.kefu().args(["--lang", "en", "check"]).arg(&dir));
    run.expect_code(1);
    let (problems, summary) = diagnostics(&run.stdout);
    assert_eq!(summary, "✗ 1 problem(s) found");
    assert_eq!(
        headers(&problems),
        [format!(
            "{}/corpus/polite.toml:5:12: error: unknown check `polit` (did you mean `polite`?)",
            dir.display()
        )]
    );
}

// ------------------------------------------------------------------------- argument errors

#[test]
fn unknown_scenario_exits_2_with_a_hint() {
    let env = Env::new();
    let run = Run::of(env.kefu().args(["train", "--scenario", "nope"]));
    run.expect_code(2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert_eq!(
        run.stderr.trim_end(),
        "kefu: 没有编号为 `nope` 的场景；kefu list 可查看全部场景"
    );

    // A near miss gets a "did you mean".
    let run = Run::of(
        env.kefu()
            .args(["--content", MINIMAL, "train", "--scenario", "tee-sise"]),
    );
    run.expect_code(2);
    assert_eq!(
        run.stderr.trim_end(),
        "kefu: 没有编号为 `tee-sise` 的场景（是不是 `tee-size`？）；kefu list 可查看全部场景"
    );

    let run = Run::of(env.kefu().args([
        "--lang",
        "en",
        "--content",
        MINIMAL,
        "train",
        "--scenario",
        "tee-sise",
    ]));
    run.expect_code(2);
    assert_eq!(
        run.stderr.trim_end(),
        "kefu: no scenario `tee-sise` (did you mean `tee-size`?); `kefu list` shows them all"
    );
}

#[test]
fn unknown_persona_exits_2() {
    let env = Env::new();
    let run = Run::of(env.kefu().args(["train", "--persona", "alien"]));
    run.expect_code(2);
    assert!(run.stdout.is_empty(), "{}", run.stdout);
    assert!(
        run.stderr.contains("`alien`")
            && run
                .stderr
                .contains("friendly, bargainer, picky, bad-review"),
        "{}",
        run.stderr
    );
}

#[test]
fn bad_flags_exit_2() {
    let env = Env::new();
    let run = Run::of(env.kefu().args(["--lang", "fr", "list"]));
    run.expect_code(2);
    assert!(run.stderr.contains("fr"), "{}", run.stderr);
    let run = Run::of(env.kefu().args(["train", "--seed", "abc"]));
    run.expect_code(2);
    let run = Run::of(env.kefu().arg("--help"));
    run.expect_code(0);
    for cmd in ["train", "list", "check", "eval"] {
        assert!(run.stdout.contains(cmd), "{}", run.stdout);
    }
}

#[test]
fn lang_en_switches_the_interface_to_english() {
    let env = Env::new();
    let save = env.path("en.jsonl");
    let run = env.train(
        &["--lang", "en"],
        SCENARIO,
        1,
        &save,
        lines(&["", REPLIES[0]]),
    );
    run.expect_code(0);
    for text in [
        "Scenario: ",
        "Type a reply and press Enter; /help for commands, Ctrl-D to finish.",
        "(empty reply: nothing sent)",
        "Scorecard · ",
        "Overall ",
        "Transcript saved: ",
    ] {
        assert!(run.stdout.contains(text), "no {text:?} in\n{}", run.stdout);
    }
    for text in ["场景：", "成绩单", "总分", "记录已保存", "空回复"] {
        assert!(
            !run.stdout.contains(text),
            "Chinese UI text {text:?} in\n{}",
            run.stdout
        );
    }
}

// ----------------------------------------------------------------------- scripted sessions

#[test]
fn scripted_session_shows_the_chat_and_saves_a_jsonl_transcript() {
    let env = Env::new();
    let save = env.path("s.jsonl");
    let run = env.train(&[], SCENARIO, 1, &save, lines(REPLIES));
    run.expect_code(0);

    let transcript = read_transcript(&save);
    assert!(transcript.len() >= 3, "{transcript:?}");
    for line in &transcript {
        let obj = line.as_object().expect("each line is a JSON object");
        for key in ["conversation", "ts", "role", "text"] {
            assert!(obj.contains_key(key), "no `{key}` in {line}");
        }
        assert!(
            ["customer", "agent", "system"].contains(&role(line)),
            "{line}"
        );
    }
    let conversation = &transcript[0]["conversation"];
    assert!(
        conversation.as_str().unwrap().starts_with(SCENARIO),
        "{conversation}"
    );
    assert!(
        transcript
            .iter()
            .all(|l| &l["conversation"] == conversation)
    );

    // The opening is the customer's, and it is on screen.
    assert_eq!(role(&transcript[0]), "customer");
    let opening = transcript[0]["text"].as_str().unwrap();
    assert!(
        run.stdout.contains(&format!("\n顾客：{opening}\n")),
        "opening {opening:?} not shown:\n{}",
        run.stdout
    );
    // Every customer line is on screen too.
    for text in texts_of(&transcript, "customer") {
        assert!(run.stdout.contains(&format!("顾客：{text}")), "{text}");
    }

    // Agent lines are the replies, in order, each timed and scored on every dimension.
    let agent: Vec<&Value> = transcript.iter().filter(|l| role(l) == "agent").collect();
    assert!(!agent.is_empty());
    for (line, reply) in agent.iter().zip(REPLIES) {
        assert_eq!(line["text"], *reply);
        assert!(line["latency_ms"].is_u64(), "{line}");
        let scores = line["scores"].as_object().expect("scores is an object");
        for dim in ["speed", "clarity", "sizing", "upsell"] {
            assert!(scores.contains_key(dim), "no `{dim}` score in {line}");
        }
        for v in scores.values() {
            assert!(
                v.is_null() || v.as_f64().is_some_and(|v| (0.0..=100.0).contains(&v)),
                "{line}"
            );
        }
    }
    // One verdict line per reply.
    assert_eq!(
        run.stdout.matches("得分").count(),
        agent.len(),
        "{}",
        run.stdout
    );

    let end = session_end(&transcript);
    assert!(
        end["overall"]
            .as_f64()
            .is_some_and(|v| (0.0..=100.0).contains(&v)),
        "{end}"
    );
    let dims = end["dimensions"].as_object().expect("dimensions object");
    for dim in ["speed", "clarity", "sizing", "upsell"] {
        assert!(dims.contains_key(dim), "{end}");
    }
    let outcome = &end["outcome"];
    assert!(
        ["bought", "left", "resolved", "unresolved", "abandoned"]
            .contains(&outcome["result"].as_str().unwrap_or("")),
        "{end}"
    );
    assert!(outcome["mood"].is_number(), "{end}");

    // The scorecard, with the overall the transcript recorded.
    assert!(run.stdout.contains("成绩单 · "), "{}", run.stdout);
    let overall = format!("总分 {:.1}", end["overall"].as_f64().unwrap());
    assert!(
        run.stdout.contains(&overall),
        "no {overall:?} in\n{}",
        run.stdout
    );
    assert!(run.stdout.contains("  结果："), "{}", run.stdout);
    assert!(
        run.stdout
            .contains(&format!("记录已保存：{}", save.display())),
        "{}",
        run.stdout
    );
}

/// What must not change between two runs with the same seed and replies: everything but the
/// clock (timestamps, latencies and the speed scores that follow from them).
fn replayable(transcript: &[Value]) -> Vec<(String, String, BTreeMap<String, Value>)> {
    transcript
        .iter()
        .map(|l| {
            let mut scores = BTreeMap::new();
            for key in ["scores", "dimensions"] {
                if let Some(obj) = l[key].as_object() {
                    for (k, v) in obj {
                        if k != "speed" {
                            scores.insert(format!("{key}.{k}"), v.clone());
                        }
                    }
                }
            }
            if let Some(outcome) = l.get("outcome") {
                scores.insert("outcome".into(), outcome.clone());
            }
            (
                role(l).to_string(),
                l["text"].as_str().unwrap_or("").to_string(),
                scores,
            )
        })
        .collect()
}

#[test]
fn same_seed_and_replies_give_the_same_session() {
    let env = Env::new();
    let a = env.path("a.jsonl");
    let b = env.path("b.jsonl");
    env.train(&[], SCENARIO, 7, &a, lines(REPLIES))
        .expect_code(0);
    env.train(&[], SCENARIO, 7, &b, lines(REPLIES))
        .expect_code(0);
    let (a, b) = (read_transcript(&a), read_transcript(&b));
    assert_eq!(replayable(&a), replayable(&b));
    assert_eq!(texts_of(&a, "customer"), texts_of(&b, "customer"));

    // And the seed matters: some seed phrases the opening differently.
    let openings: std::collections::BTreeSet<String> = (1..=8)
        .map(|seed| {
            let save = env.path(&format!("seed-{seed}.jsonl"));
            env.train(&[], SCENARIO, seed, &save, Vec::new())
                .expect_code(0);
            read_transcript(&save)[0]["text"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        openings.len() > 1,
        "every seed opened the same: {openings:?}"
    );
}

#[test]
fn a_content_folder_plays_to_its_outcome() {
    let env = Env::new();
    let save = env.path("minimal.jsonl");
    let reply = "亲，您172cm、62公斤拿L码正合适～";
    let run = env.train(
        &["--content", MINIMAL],
        "tee-size",
        3,
        &save,
        lines(&[reply]),
    );
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("\n顾客：你好，身高172，体重62公斤，T恤穿什么码？\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("顾客：好的，拍了。"), "{}", run.stdout);
    assert!(
        run.stdout.contains("结果：成交，订单金额¥79"),
        "{}",
        run.stdout
    );
    let transcript = read_transcript(&save);
    assert_eq!(
        texts_of(&transcript, "customer"),
        ["你好，身高172，体重62公斤，T恤穿什么码？", "好的，拍了。"]
    );
    assert_eq!(texts_of(&transcript, "agent"), [reply]);
    assert_eq!(transcript[1]["product"], "tee");
    let end = session_end(&transcript);
    assert_eq!(end["outcome"]["result"], "bought");
    assert_eq!(end["outcome"]["order_value"], 79.0);
    // The right size: full marks for sizing is not expected (no add-on), but the size counted.
    assert!(
        end["dimensions"]["sizing"].as_f64().unwrap() > 50.0,
        "{end}"
    );
}

#[test]
fn transcripts_are_appended_not_overwritten() {
    let env = Env::new();
    let save = env.path("nested/dir/s.jsonl");
    for _ in 0..2 {
        env.train(&["--content", MINIMAL], "tee-size", 1, &save, Vec::new())
            .expect_code(0);
    }
    let transcript = read_transcript(&save);
    let ends = transcript
        .iter()
        .filter(|l| l["event"] == "session_end")
        .count();
    assert_eq!(ends, 2, "{transcript:?}");
    assert_eq!(session_end(&transcript)["outcome"]["result"], "abandoned");
}

// ---------------------------------------------------------------------------- bad input

#[test]
fn empty_replies_are_not_sent() {
    let env = Env::new();
    let save = env.path("s.jsonl");
    let run = env.train(&[], SCENARIO, 1, &save, b"\n   \n\t\n".to_vec());
    run.expect_code(0);
    assert_eq!(
        run.stdout.matches("（空回复不发送）").count(),
        3,
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("得分"), "{}", run.stdout);
    let transcript = read_transcript(&save);
    assert!(texts_of(&transcript, "agent").is_empty(), "{transcript:?}");
    assert_eq!(transcript.len(), 2, "opening and session end only");
    let end = session_end(&transcript);
    assert_eq!(end["outcome"]["result"], "abandoned");
    assert!(end["overall"].is_null(), "{end}");
}

#[test]
fn a_100kb_reply_is_cut_with_a_notice() {
    let env = Env::new();
    let save = env.path("s.jsonl");
    let long = "亲".repeat(34_000); // 102 000 bytes
    let run = env.train(&[], SCENARIO, 1, &save, lines(&[&long]));
    run.expect_code(0);
    assert!(
        run.stdout.contains("（回复太长，只保留前2000字）"),
        "{}",
        &run.stdout[..run.stdout.len().min(3000)]
    );
    assert!(run.stdout.contains("成绩单"));
    let transcript = read_transcript(&save);
    let agent = texts_of(&transcript, "agent");
    assert_eq!(agent.len(), 1);
    assert_eq!(agent[0].chars().count(), 2000);
}

#[test]
fn invalid_utf8_on_stdin_is_replaced_with_a_notice() {
    let env = Env::new();
    let save = env.path("s.jsonl");
    let mut input = b"\xff\xfe".to_vec();
    input.extend_from_slice("亲，您拿L码\n".as_bytes());
    input.extend_from_slice("亲，好的".as_bytes());
    input.extend_from_slice(b"\xc3\n");
    let run = env.train(&[], SCENARIO, 1, &save, input);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("提示：这一行不是有效的UTF-8（第0字节起），无法识别的字节已替换为�"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("第12字节起"), "{}", run.stderr);
    let transcript = read_transcript(&save);
    let agent = texts_of(&transcript, "agent");
    assert_eq!(agent.first().copied(), Some("��亲，您拿L码"));
    session_end(&transcript);
}

#[test]
fn crlf_line_endings_are_stripped() {
    let env = Env::new();
    let save = env.path("s.jsonl");
    let run = env.train(
        &[],
        SCENARIO,
        1,
        &save,
        "亲，您拿L码\r\n".as_bytes().to_vec(),
    );
    run.expect_code(0);
    let transcript = read_transcript(&save);
    assert_eq!(texts_of(&transcript, "agent"), ["亲，您拿L码"]);
}

#[test]
fn slash_commands_are_not_sent_to_the_customer() {
    let env = Env::new();
    let save = env.path("s.jsonl");
    let run = env.train(
        &[],
        SCENARIO,
        1,
        &save,
        lines(&["/foo bar", "/help", "／facts", "/hint", "/quit", REPLIES[0]]),
    );
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("未知命令 /foo；/help 查看命令（以/开头的消息不会发给顾客）"),
        "{}",
        run.stdout
    );
    for cmd in ["/hint", "/facts", "/restart", "/quit", "/help"] {
        assert!(run.stdout.contains(&format!("  {cmd} ")), "{}", run.stdout);
    }
    assert!(
        run.stdout.contains("参考话术（使用提示扣5分）："),
        "{}",
        run.stdout
    );
    // `/facts` shows the panel again: the shop line appears twice.
    assert_eq!(run.stdout.matches("【店铺】").count(), 2, "{}", run.stdout);
    // `/quit` ends the session before the last line is read.
    let transcript = read_transcript(&save);
    assert!(texts_of(&transcript, "agent").is_empty(), "{transcript:?}");
    assert!(
        run.stdout
            .contains("  总分 —（用了1次提示，扣5分）\n  结果：未完成（提前结束）"),
        "{}",
        run.stdout
    );
    session_end(&transcript);
}

#[test]
fn quick_phrases_are_listed_expanded_recorded_and_judged() {
    let env = Env::new();
    let save = env.path("s.jsonl");
    let run = env.train(
        &[],
        SCENARIO,
        1,
        &save,
        lines(&["/q", ";nope", ";size", "/last", ";hi 有问题随时问我"]),
    );
    run.expect_code(0);
    assert!(run.stdout.contains("  ;size"), "{}", run.stdout);
    assert!(
        run.stdout.contains("没有这个快捷短语：;nope"),
        "{}",
        run.stdout
    );
    let transcript = read_transcript(&save);
    let agent: Vec<&Value> = transcript.iter().filter(|l| role(l) == "agent").collect();
    assert!(!agent.is_empty());
    assert_eq!(agent[0]["quick_phrase"], "size", "{}", agent[0]);
    assert!(
        agent[0]["text"].as_str().unwrap().contains("身高和体重"),
        "{}",
        agent[0]
    );
    // Piped replies are echoed as sent, the quick phrase expanded.
    let sent = agent[0]["text"].as_str().unwrap();
    assert!(
        run.stdout.contains(&format!("你> {sent}")),
        "{}",
        run.stdout
    );
    // The customer gave their measurements: asking for them does not fit the question.
    assert!(run.stdout.contains("用了快捷短语"), "{}", run.stdout);
    assert!(run.stdout.contains("第1条（;size）"), "{}", run.stdout);
}

#[test]
fn own_quick_phrases_win_and_a_broken_file_of_them_is_reported_at_its_place() {
    let env = Env::new();
    let own = env.dir.path().join("data/kefu/phrases.toml");
    std::fs::create_dir_all(own.parent().unwrap()).unwrap();
    std::fs::write(&own, "[[phrases]]\nkey = \"hi\"\ntext = \"宝子在的～\"\n").unwrap();
    let save = env.path("s.jsonl");
    let run = env.train(&[], SCENARIO, 1, &save, lines(&[";hi"]));
    run.expect_code(0);
    let transcript = read_transcript(&save);
    assert_eq!(texts_of(&transcript, "agent"), ["宝子在的～"]);

    // A broken file of one's own: said where and what, and the shop's phrases are used.
    std::fs::write(&own, "[[phrases]]\nkey = \"h i\"\ntext = \"x\"\n").unwrap();
    let save = env.path("t.jsonl");
    let run = env.train(&[], SCENARIO, 1, &save, lines(&[";hi"]));
    run.expect_code(0);
    assert!(run.stderr.contains("phrases.toml:2:7"), "{}", run.stderr);
    assert!(
        run.stderr.contains("自己的快捷短语没有载入"),
        "{}",
        run.stderr
    );
    let transcript = read_transcript(&save);
    assert_eq!(
        texts_of(&transcript, "agent"),
        ["亲，在的呢～我是客服小布，请问有什么可以帮您？"]
    );
}

#[test]
fn an_exam_gives_no_hints_and_reviews_every_reply() {
    let env = Env::new();
    let save = env.path("s.jsonl");
    let run = env.train(
        &["--lang", "en"],
        SCENARIO,
        1,
        &save,
        lines(&["/hint", "嗯", "亲，L码合适"]),
    );
    run.expect_code(0);
    let run_exam = {
        let mut cmd = env.kefu();
        cmd.args([
            "train",
            "--exam",
            "--scenario",
            SCENARIO,
            "--seed",
            "1",
            "--save",
        ])
        .arg(env.path("e.jsonl"))
        .write_stdin(lines(&["/hint", "嗯", "亲，L码合适"]));
        Run::of(&mut cmd)
    };
    run_exam.expect_code(0);
    assert!(
        run_exam.stdout.contains("考试模式不能看参考话术"),
        "{}",
        run_exam.stdout
    );
    assert!(!run_exam.stdout.contains("得分 "), "no verdicts in an exam");
    assert!(
        run_exam.stdout.contains("逐条复盘："),
        "{}",
        run_exam.stdout
    );
    assert!(run_exam.stdout.contains("第1条（"), "{}", run_exam.stdout);
    assert!(
        run_exam.stdout.contains("✗ [0] no-curt-reply"),
        "{}",
        run_exam.stdout
    );
    // Outside an exam the hint is given and recorded.
    let transcript = read_transcript(&save);
    assert!(
        transcript.iter().any(|l| l["event"] == "hint"),
        "{transcript:?}"
    );
}

#[test]
fn a_save_that_fails_is_not_called_saved() {
    let env = Env::new();
    if !Path::new("/dev/full").exists() {
        return;
    }
    let run = env.train(&[], SCENARIO, 1, Path::new("/dev/full"), lines(&["亲"]));
    run.expect_code(1);
    assert!(!run.stdout.contains("记录已保存"), "{}", run.stdout);
    assert!(
        run.stderr.contains("记录没有完整保存到 /dev/full"),
        "{}",
        run.stderr
    );
    // A file that takes every line but cannot be synced is no failure.
    let run = env.train(&[], SCENARIO, 1, Path::new("/dev/null"), lines(&["亲"]));
    run.expect_code(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[cfg(target_os = "linux")]
#[test]
fn unseeded_sessions_get_a_random_seed_and_a_file_each() {
    let env = Env::new();
    for _ in 0..3 {
        let mut cmd = env.kefu();
        cmd.args(["--content", MINIMAL, "train", "--scenario", "tee-size"])
            .write_stdin("亲，您拿L码正合适\n");
        let run = Run::of(&mut cmd);
        run.expect_code(0);
        assert!(run.stderr.contains("本场随机种子 "), "{}", run.stderr);
    }
    let dir = env.dir.path().join("data/kefu/sessions");
    let files = std::fs::read_dir(&dir).unwrap().count();
    assert_eq!(files, 3, "three sessions, three files");
}

#[test]
fn several_chats_are_addressed_scored_apart_and_summed_up() {
    let env = Env::new();
    let save = env.path("s.jsonl");
    let mut cmd = env.kefu();
    cmd.args([
        "train",
        "--chats",
        "2",
        "--level",
        "hard",
        "--scenario",
        SCENARIO,
    ])
    .args(["--seed", "1", "--save"])
    .arg(&save)
    .write_stdin(lines(&["@2 亲，在的呢～", "/1", REPLIES[0], "/9", "/quit"]));
    let run = Run::of(&mut cmd);
    run.expect_code(0);
    assert!(run.stdout.contains("【会话2】新顾客进线"), "{}", run.stdout);
    assert!(run.stdout.contains("[2]你> 亲，在的呢～"), "{}", run.stdout);
    assert!(run.stdout.contains("没有会话9"), "{}", run.stdout);
    assert!(run.stdout.contains("多会话汇总：2个会话"), "{}", run.stdout);
    let transcript = read_transcript(&save);
    let ends: Vec<&Value> = transcript
        .iter()
        .filter(|l| l["event"] == "session_end")
        .collect();
    assert_eq!(ends.len(), 2, "{transcript:?}");
    assert_ne!(ends[0]["conversation"], ends[1]["conversation"]);
    assert!(ends.iter().all(|e| e["level"] == "hard"), "{ends:?}");
    // Each chat's reply is in its own conversation.
    for end in &ends {
        let id = &end["conversation"];
        let replies = transcript
            .iter()
            .filter(|l| &l["conversation"] == id && role(l) == "agent")
            .count();
        assert_eq!(replies, 1, "{id}: {transcript:?}");
    }
}

#[test]
fn a_reply_in_bubbles_is_judged_whole_and_logged_bubble_by_bubble() {
    let env = Env::new();
    let save = env.path("s.jsonl");
    let run = env.train(
        &[],
        SCENARIO,
        1,
        &save,
        lines(&["亲，您好～\\", "按您的身高体重拿L码刚好～"]),
    );
    run.expect_code(0);
    // One verdict for the two bubbles.
    assert_eq!(run.stdout.matches("得分").count(), 1, "{}", run.stdout);
    let transcript = read_transcript(&save);
    let agent: Vec<&Value> = transcript.iter().filter(|l| role(l) == "agent").collect();
    assert_eq!(agent.len(), 2, "{transcript:?}");
    assert_eq!(agent[0]["text"], "亲，您好～");
    assert!(agent[0]["latency_ms"].is_u64() && agent[1]["latency_ms"].is_null());
    assert!(agent[0]["scores"].is_null() && agent[1]["scores"].is_object());
}

#[test]
fn restart_begins_a_new_session_in_the_same_file() {
    let env = Env::new();
    let save = env.path("s.jsonl");
    let run = env.train(
        &["--content", MINIMAL],
        "tee-size",
        1,
        &save,
        lines(&["/restart", "亲，您拿L码正合适"]),
    );
    run.expect_code(0);
    assert_eq!(run.stdout.matches("成绩单").count(), 2, "{}", run.stdout);
    let transcript = read_transcript(&save);
    let ends: Vec<&Value> = transcript
        .iter()
        .filter(|l| l["event"] == "session_end")
        .collect();
    assert_eq!(ends.len(), 2);
    assert_eq!(ends[1]["outcome"]["result"], "bought");
    assert_ne!(
        ends[0]["conversation"], ends[1]["conversation"],
        "a restart is a conversation of its own"
    );
}

#[test]
fn an_unwritable_save_path_is_a_clear_error() {
    let env = Env::new();
    let file = env.path("a-file");
    std::fs::write(&file, "").unwrap();
    let under_a_file = file.join("x.jsonl");
    for path in [Path::new("/proc/kefu/x.jsonl"), under_a_file.as_path()] {
        let run = env.train(&[], SCENARIO, 1, path, lines(&["亲"]));
        run.expect_code(2);
        let expected = format!("kefu: 无法写入记录文件 {}：", path.display());
        assert!(
            run.stderr.starts_with(&expected),
            "expected {expected:?}, got:\n{}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stdout.is_empty(), "{}", run.stdout);
    }
    // A folder is not a file either.
    let run = env.train(&[], SCENARIO, 1, env.dir.path(), lines(&["亲"]));
    run.expect_code(2);
    assert!(
        run.stderr.starts_with("kefu: 无法写入记录文件"),
        "{}",
        run.stderr
    );
}

#[cfg(target_os = "linux")]
#[test]
fn without_save_the_transcript_goes_to_the_data_dir() {
    let env = Env::new();
    let mut cmd = env.kefu();
    cmd.args([
        "--content",
        MINIMAL,
        "train",
        "--scenario",
        "tee-size",
        "--seed",
        "5",
    ])
    .write_stdin("亲，您拿L码正合适\n");
    let run = Run::of(&mut cmd);
    run.expect_code(0);
    let dir = env.dir.path().join("data/kefu/sessions");
    let files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.ends_with("-tee-size-5.jsonl"),
        "unexpected transcript name {name}"
    );
    session_end(&read_transcript(&files[0]));
}
