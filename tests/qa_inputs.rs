//! `kefu score` on every shape a shop's export takes: the same chats as a UTF-8 CSV, a GBK CSV
//! (Excel on Chinese Windows), UTF-16 with a byte order mark, an `.xlsx` workbook with date
//! cells, tab-separated with and without a header, roles as 0/1 and as an is-agent column,
//! sender names with sub-accounts, a robot's replies, no time column, and times to the minute.
//! Each must score every conversation as the plain CSV does, or say plainly what it could not
//! judge; and the platform KPIs at their edges, counted by hand.

// Shared with the other end-to-end tests; this file reads the exit status directly.
#[allow(dead_code)]
mod common;
use common::Run;

use std::path::Path;
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;

/// Three chats in the register of real exports: (conversation, time, role, agent, text).
const CHATS: &[(&str, &str, &str, &str, &str)] = &[
    (
        "s1",
        "2026-11-24 10:00:03",
        "顾客",
        "",
        "在吗？这条裤子175 140斤穿多大",
    ),
    (
        "s1",
        "2026-11-24 10:00:15",
        "客服",
        "小美",
        "亲，在的～175/140斤建议拿L码，腰围76-80刚好哦",
    ),
    ("s1", "2026-11-24 10:01:40", "顾客", "", "好的 那我拍了"),
    (
        "s1",
        "2026-11-24 10:01:52",
        "客服",
        "小美",
        "好嘞亲，拍下48小时内发货，有问题随时找我～",
    ),
    (
        "s2",
        "2026-11-24 10:05:00",
        "顾客",
        "",
        "衣服收到有个线头，有点不满意",
    ),
    (
        "s2",
        "2026-11-24 10:05:40",
        "客服",
        "阿杰",
        "非常抱歉给您添麻烦了，线头可以直接剪掉不影响穿，给您补偿5元红包可以吗？",
    ),
    ("s2", "2026-11-24 10:06:30", "顾客", "", "行吧"),
    (
        "s2",
        "2026-11-24 10:06:45",
        "客服",
        "阿杰",
        "谢谢亲理解，红包已经发过去了，祝您生活愉快～",
    ),
    ("s3", "2026-11-24 10:10:00", "顾客", "", "能便宜点吗"),
    (
        "s3",
        "2026-11-24 10:10:20",
        "客服",
        "小美",
        "亲，现在是活动价了哦，满299减30还能用",
    ),
];

fn kefu(home: &Path) -> assert_cmd::Command {
    common::kefu_in(home, Duration::from_secs(60))
}

/// Writes `text` as CSV rows with `header` (fields joined by `sep`; a field with the separator
/// or a quote is quoted).
fn table(header: Option<&[&str]>, rows: &[Vec<String>], sep: char) -> String {
    let quote = |s: &str| {
        if s.contains([sep, '"', '\n']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    if let Some(h) = header {
        out.push_str(&h.join(&sep.to_string()));
        out.push('\n');
    }
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| quote(c)).collect();
        out.push_str(&cells.join(&sep.to_string()));
        out.push('\n');
    }
    out
}

fn rows() -> Vec<Vec<String>> {
    CHATS
        .iter()
        .map(|(c, t, r, a, x)| {
            vec![
                c.to_string(),
                t.to_string(),
                r.to_string(),
                a.to_string(),
                x.to_string(),
            ]
        })
        .collect()
}

const HEADER: [&str; 5] = ["会话ID", "时间", "角色", "客服", "内容"];

/// Scores `file` (in `dir`) with `args`; the conversation lines and stderr.
fn score(dir: &TempDir, file: &str, args: &[&str]) -> (Vec<Value>, String, Option<i32>) {
    let out = dir.path().join("out.jsonl");
    let run = Run::of(
        kefu(dir.path())
            .arg("score")
            .arg(dir.path().join(file))
            .arg("--out")
            .arg(&out)
            .args(args),
    );
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    let lines = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    (lines, run.stderr, run.code)
}

/// Per conversation: id, messages, overall score and the first human response.
fn digest(lines: &[Value]) -> Vec<(String, u64, Option<f64>, Option<u64>)> {
    lines
        .iter()
        .map(|l| {
            (
                l["conversation"].as_str().unwrap_or("").to_string(),
                l["messages"].as_u64().unwrap_or(0),
                l["overall"].as_f64(),
                l["kpi"]["first_response_s"].as_u64(),
            )
        })
        .collect()
}

fn baseline(dir: &TempDir) -> Vec<(String, u64, Option<f64>, Option<u64>)> {
    std::fs::write(
        dir.path().join("plain.csv"),
        table(Some(&HEADER), &rows(), ','),
    )
    .unwrap();
    let (lines, stderr, code) = score(dir, "plain.csv", &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let d = digest(&lines);
    assert_eq!(d.len(), 3, "{d:?}");
    assert!(
        d.iter().all(|(_, _, o, f)| o.is_some() && f.is_some()),
        "{d:?}"
    );
    d
}

#[test]
fn gbk_and_utf16_read_as_utf8_does_with_one_notice() {
    let dir = TempDir::new().unwrap();
    let want = baseline(&dir);
    let text = table(Some(&HEADER), &rows(), ',');
    let (gbk, _, bad) = encoding_rs::GBK.encode(&text);
    assert!(!bad);
    std::fs::write(dir.path().join("gbk.csv"), &gbk).unwrap();
    let (lines, stderr, code) = score(&dir, "gbk.csv", &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(digest(&lines), want);
    assert_eq!(stderr.matches("gb18030").count(), 1, "{stderr}");

    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    std::fs::write(dir.path().join("utf16.csv"), &utf16).unwrap();
    let (lines, stderr, _) = score(&dir, "utf16.csv", &[]);
    assert_eq!(digest(&lines), want, "{stderr}");
    assert!(stderr.contains("UTF-16LE"), "{stderr}");
}

#[test]
fn an_xlsx_workbook_with_date_cells_reads_as_the_csv() {
    let dir = TempDir::new().unwrap();
    let want = baseline(&dir);
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("聊天记录").unwrap();
    let date = rust_xlsxwriter::Format::new().set_num_format("yyyy/m/d h:mm");
    for (c, h) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *h).unwrap();
    }
    for (r, row) in rows().iter().enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in row.iter().enumerate() {
            if c == 1 {
                let dt = rust_xlsxwriter::ExcelDateTime::parse_from_str(cell).unwrap();
                sheet.write_datetime_with_format(r, 1, &dt, &date).unwrap();
            } else if !cell.is_empty() {
                sheet.write_string(r, c as u16, cell).unwrap();
            }
        }
    }
    book.add_worksheet().set_name("说明").unwrap();
    book.save(dir.path().join("chats.xlsx")).unwrap();
    let (lines, stderr, code) = score(&dir, "chats.xlsx", &[]);
    assert_eq!(code, Some(0), "{stderr}");
    // The date cells keep their seconds, whatever the display format shows.
    assert_eq!(digest(&lines), want);
    assert!(stderr.contains("聊天记录"), "{stderr}");
    // Another sheet by name; a missing one says which there are.
    let (_, stderr, code) = score(&dir, "chats.xlsx", &["--sheet", "不存在"]);
    assert_ne!(code, Some(0));
    assert!(
        stderr.contains("聊天记录") && stderr.contains("不存在"),
        "{stderr}"
    );
}

#[test]
fn tab_separated_with_and_without_a_header() {
    let dir = TempDir::new().unwrap();
    let want = baseline(&dir);
    std::fs::write(
        dir.path().join("export.txt"),
        table(Some(&HEADER), &rows(), '\t'),
    )
    .unwrap();
    let (lines, stderr, _) = score(&dir, "export.txt", &[]);
    assert_eq!(digest(&lines), want, "{stderr}");
    std::fs::write(dir.path().join("nohead"), table(None, &rows(), '\t')).unwrap();
    let (lines, stderr, _) = score(&dir, "nohead", &[]);
    assert_eq!(digest(&lines), want, "{stderr}");
    assert!(stderr.contains("没有表头"), "{stderr}");
}

#[test]
fn numeric_roles_is_agent_columns_and_a_roles_mapping() {
    let dir = TempDir::new().unwrap();
    let want = baseline(&dir);
    let as_numbers = |customer: &str, agent: &str| -> Vec<Vec<String>> {
        rows()
            .into_iter()
            .map(|mut r| {
                r[2] = if r[2] == "顾客" { customer } else { agent }.to_string();
                r
            })
            .collect()
    };
    std::fs::write(
        dir.path().join("01.csv"),
        table(Some(&HEADER), &as_numbers("0", "1"), ','),
    )
    .unwrap();
    let (lines, stderr, _) = score(&dir, "01.csv", &[]);
    assert_eq!(digest(&lines), want, "{stderr}");
    assert!(stderr.contains("0=顾客"), "{stderr}");
    // Another mapping, given.
    std::fs::write(
        dir.path().join("ab.csv"),
        table(Some(&HEADER), &as_numbers("B", "S"), ','),
    )
    .unwrap();
    let (lines, stderr, _) = score(&dir, "ab.csv", &["--roles", "customer=B,agent=S"]);
    assert_eq!(digest(&lines), want, "{stderr}");
    // An is-agent column instead of a role column.
    let header = ["会话ID", "时间", "是否客服", "客服", "内容"];
    std::fs::write(
        dir.path().join("flag.csv"),
        table(Some(&header), &as_numbers("否", "是"), ','),
    )
    .unwrap();
    let (lines, stderr, _) = score(&dir, "flag.csv", &[]);
    assert_eq!(digest(&lines), want, "{stderr}");
}

#[test]
fn sender_names_keep_every_customer_line() {
    let dir = TempDir::new().unwrap();
    let want = baseline(&dir);
    let named: Vec<Vec<String>> = rows()
        .into_iter()
        .map(|mut r| {
            r[2] = if r[2] == "顾客" {
                format!("tb_{}88", r[0])
            } else {
                format!("布言服饰:{}", r[3])
            };
            r
        })
        .collect();
    let header = ["会话ID", "时间", "发送人", "客服", "内容"];
    std::fs::write(
        dir.path().join("names.csv"),
        table(Some(&header), &named, ','),
    )
    .unwrap();
    let (lines, stderr, code) = score(&dir, "names.csv", &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(digest(&lines), want, "{stderr}");
    assert!(stderr.contains("跳过 0 行"), "{stderr}");
}

#[test]
fn a_robot_reply_is_shown_but_ends_no_wait() {
    let dir = TempDir::new().unwrap();
    let mut r = rows();
    r.insert(
        1,
        [
            "s1",
            "2026-11-24 10:00:04",
            "店小蜜",
            "",
            "您好，我是智能助手，请问有什么可以帮您？",
        ]
        .map(String::from)
        .to_vec(),
    );
    std::fs::write(dir.path().join("robot.csv"), table(Some(&HEADER), &r, ',')).unwrap();
    let (lines, stderr, _) = score(&dir, "robot.csv", &[]);
    let s1 = &lines[0];
    assert_eq!(s1["kpi"]["first_response_s"], 12, "{stderr}");
    assert_eq!(s1["kpi"]["platform"]["robot_replies"], 1);
    let (lines, _, _) = score(&dir, "robot.csv", &["--count-robot"]);
    assert_eq!(lines[0]["kpi"]["platform"]["first_response"]["lo"], 1);
}

#[test]
fn no_time_column_scores_without_speed_and_says_so() {
    let dir = TempDir::new().unwrap();
    baseline(&dir);
    let header = ["会话ID", "角色", "客服", "内容"];
    let timeless: Vec<Vec<String>> = rows()
        .into_iter()
        .map(|mut r| {
            r.remove(1);
            r
        })
        .collect();
    std::fs::write(
        dir.path().join("notime.csv"),
        table(Some(&header), &timeless, ','),
    )
    .unwrap();
    let (lines, stderr, code) = score(&dir, "notime.csv", &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(lines.len(), 3);
    assert_eq!(stderr.matches("没有时间列").count(), 1, "{stderr}");
    for l in &lines {
        assert!(l["overall"].is_number(), "{l}");
        assert!(l["dimensions"]["speed"].is_null(), "{l}");
        assert!(l["kpi"]["first_response_s"].is_null(), "{l}");
        assert_eq!(l["kpi"]["platform"]["rate_denominator"], 0, "{l}");
    }
}

#[test]
fn minute_only_times_judge_speed_only_where_the_range_decides() {
    let dir = TempDir::new().unwrap();
    // Question at 9:11, replies in the same minute, and two and four minutes on.
    let rows: Vec<Vec<String>> = [
        ("m1", "2026/5/1 9:11", "顾客", "", "在吗"),
        (
            "m1",
            "2026/5/1 9:11",
            "客服",
            "小美",
            "亲，在的～请问有什么可以帮您？",
        ),
        ("m2", "2026/5/1 9:11", "顾客", "", "在吗"),
        (
            "m2",
            "2026/5/1 9:14",
            "客服",
            "小美",
            "亲，在的～请问有什么可以帮您？",
        ),
        ("m3", "2026/5/1 9:11", "顾客", "", "在吗"),
        (
            "m3",
            "2026/5/1 9:15",
            "客服",
            "小美",
            "亲，在的～请问有什么可以帮您？",
        ),
    ]
    .iter()
    .map(|(c, t, r, a, x)| {
        vec![
            c.to_string(),
            t.to_string(),
            r.to_string(),
            a.to_string(),
            x.to_string(),
        ]
    })
    .collect();
    std::fs::write(
        dir.path().join("minutes.csv"),
        table(Some(&HEADER), &rows, ','),
    )
    .unwrap();
    let (lines, stderr, _) = score(&dir, "minutes.csv", &[]);
    assert!(stderr.contains("只精确到分钟"), "{stderr}");
    let round = |l: &Value| l["kpi"]["platform"]["rounds"][0].clone();
    // Same minute: 0–59 s, within 3 minutes.
    assert_eq!(round(&lines[0])["within"], true);
    assert_eq!(round(&lines[0])["response"]["hi"], 59);
    // Three minutes on: 121–239 s, undecided, counted apart.
    assert!(round(&lines[1])["within"].is_null());
    assert_eq!(lines[1]["kpi"]["platform"]["rate_unknown"], 1);
    // Four minutes on: 181–299 s, over.
    assert_eq!(round(&lines[2])["within"], false);
    assert_eq!(lines[2]["kpi"]["approximate"], true);
}

/// One round per conversation: the question at `at`, the human reply `after` seconds later.
fn one_round(id: &str, at: &str, after: i64) -> Vec<Vec<String>> {
    let t0 = kefu::qa::input::parse_ts(at).expect("a time");
    let reply = kefu::session::clock::format_unix(t0 + after);
    vec![
        vec![
            id.into(),
            at.into(),
            "顾客".into(),
            "".into(),
            "在吗".into(),
        ],
        vec![
            id.into(),
            reply,
            "客服".into(),
            "小美".into(),
            "亲，在的～请问有什么可以帮您？".into(),
        ],
    ]
}

#[test]
fn platform_kpis_at_their_edges() {
    let dir = TempDir::new().unwrap();
    let mut rows = Vec::new();
    for (i, after) in [29, 30, 31, 179, 180, 181].iter().enumerate() {
        rows.extend(one_round(
            &format!("e{i}"),
            &format!("2026-11-24 1{i}:00:00"),
            *after,
        ));
    }
    rows.extend(one_round("early", "2026-11-24 08:59:59", 5));
    rows.extend(one_round("late", "2026-11-24 23:01:00", 5));
    std::fs::write(
        dir.path().join("edges.csv"),
        table(Some(&HEADER), &rows, ','),
    )
    .unwrap();
    // In the order the chats were written (the output is in the order they close).
    let order = ["e0", "e1", "e2", "e3", "e4", "e5", "early", "late"];
    let by_id = |lines: &[Value], id: &str| -> Value {
        lines
            .iter()
            .find(|l| l["conversation"] == id)
            .cloned()
            .unwrap_or_else(|| panic!("no {id}"))
    };
    let within = |lines: &[Value]| -> Vec<Value> {
        order
            .iter()
            .map(|id| by_id(lines, id)["kpi"]["platform"]["rounds"][0]["within"].clone())
            .collect()
    };
    // JD: 30 s, 09:00–23:00; the early and late chats are 留言.
    let (lines, stderr, _) = score(&dir, "edges.csv", &["--platform", "jd"]);
    let w = within(&lines);
    assert_eq!(
        w[..6],
        [true, true, false, false, false, false].map(Value::from),
        "{stderr}"
    );
    assert!(w[6].is_null() && w[7].is_null());
    assert_eq!(
        by_id(&lines, "early")["kpi"]["platform"]["left_message"],
        true
    );
    assert_eq!(
        by_id(&lines, "late")["kpi"]["platform"]["rounds"][0]["left_out"],
        "out_of_hours"
    );
    // Taobao: 180 s, 08:00–24:00; both edge chats count.
    let (lines, _, _) = score(&dir, "edges.csv", &["--platform", "taobao"]);
    let w = within(&lines);
    assert_eq!(
        w,
        [true, true, true, true, true, false, true, true].map(Value::from)
    );
    // Pinduoduo: 180 s, 08:00–23:00: the late chat is out of hours.
    let (lines, _, _) = score(&dir, "edges.csv", &["--platform", "pdd"]);
    let w = within(&lines);
    assert_eq!(
        w[..7],
        [true, true, true, true, true, false, true].map(Value::from)
    );
    assert!(w[7].is_null());
    // Hours of one's own.
    let (lines, _, _) = score(
        &dir,
        "edges.csv",
        &["--platform", "pdd", "--hours", "09:00-24:00"],
    );
    let w = within(&lines);
    assert!(w[6].is_null() && w[7] == true);
    let (_, stderr, code) = score(&dir, "edges.csv", &["--hours", "25:00-08:00"]);
    assert_eq!(code, Some(2), "{stderr}");
}

#[test]
fn a_file_of_no_format_says_so_with_its_real_line_count() {
    let dir = TempDir::new().unwrap();
    let prose = "今天天气不错\n我们去公园吧\n好啊\n";
    std::fs::write(dir.path().join("notes"), prose).unwrap();
    let (lines, stderr, code) = score(&dir, "notes", &[]);
    assert!(lines.is_empty());
    assert!(
        stderr.contains("不是 kefu 能读的格式") && stderr.contains("全部 3 行"),
        "{stderr}"
    );
    assert!(stderr.contains("跳过 3 行"), "{stderr}");
    assert_eq!(code, Some(1), "{stderr}");
}

#[test]
fn a_chat_with_no_agent_reply_is_reported_not_scored() {
    let dir = TempDir::new().unwrap();
    let rows = vec![
        vec![
            "n1".into(),
            "2026-11-24 10:00:00".into(),
            "顾客".into(),
            "".into(),
            "在吗".into(),
        ],
        vec![
            "n1".into(),
            "2026-11-24 10:00:01".into(),
            "机器人".into(),
            "".into(),
            "您好，请稍等".into(),
        ],
    ];
    std::fs::write(dir.path().join("one.csv"), table(Some(&HEADER), &rows, ',')).unwrap();
    let (lines, stderr, _) = score(&dir, "one.csv", &[]);
    assert_eq!(lines[0]["unscored"], "no_agent", "{stderr}");
    assert!(lines[0]["overall"].is_null());
}

#[test]
fn bad_flags_for_the_new_inputs_are_usage_errors_that_say_what() {
    let dir = TempDir::new().unwrap();
    std::fs::write(
        dir.path().join("plain.csv"),
        table(Some(&HEADER), &rows(), ','),
    )
    .unwrap();
    for (args, says) in [
        (&["--roles", "customer0"][..], "--roles"),
        (&["--roles", "boss=1"][..], "--roles"),
        (&["--roles", "customer=0,agent=0"][..], "两次"),
        (&["--platform", "amazon"][..], "--platform"),
        (&["--encoding", "klingon"][..], "--encoding"),
        (&["--hours", "9-5"][..], "--hours"),
    ] {
        let (lines, stderr, code) = score(&dir, "plain.csv", args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(lines.is_empty(), "{args:?}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    // A role value the mapping leaves out is a bad line naming the mapping; the rest is read.
    let (lines, stderr, _) = score(&dir, "plain.csv", &["--roles", "customer=顾客,agent=客服x"]);
    assert!(stderr.contains("不在 --roles 的对应里"), "{stderr}");
    assert!(
        lines.iter().all(|l| l["unscored"] == "no_agent"),
        "{lines:?}"
    );
}
