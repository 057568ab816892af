//! QA scoring benchmark: `cargo bench --bench qa`.
//!
//! Generates a synthetic corpus with `kefu gen transcripts` (about a third of its conversations
//! in the messy register of real exports: bubbles, bursts, pasted order cards and logistics
//! notices, anonymised placeholders), then measures, in the same run and taking turns:
//! - the baseline: parsing every JSONL line into a struct with serde_json alone (one thread);
//! - `kefu score` on the same file (all cores, output to /dev/null), whole process.
//!
//! Prints medians of five rounds each, messages per second, the ratio of the two, the CPU time
//! `kefu score` used and the peak memory it reports. Targets: at least 1,000,000 messages/s, at
//! most 3× the bare parse, under 200 MB peak for a 1 GB input.
//!
//! `KEFU_BENCH_CONVERSATIONS` sets the corpus size (default 100000, about 140 MB); about
//! 750000 gives a 1 GB file for the memory target.

use std::io::{BufRead, BufReader};
use std::process::Command;
use std::time::{Duration, Instant};

#[derive(serde::Deserialize)]
#[allow(dead_code)]
struct Line {
    conversation: String,
    ts: String,
    role: String,
    text: String,
    agent: Option<String>,
    product: Option<String>,
    event: Option<String>,
}

/// Rounds of (baseline, kefu score).
const ROUNDS: usize = 5;

/// Baseline: serde_json alone, one line at a time, into owned structs. The time and the number
/// of lines.
fn parse_alone(corpus: &std::path::Path) -> (Duration, u64) {
    let t = Instant::now();
    let file = std::fs::File::open(corpus).expect("corpus");
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut buf = Vec::new();
    let mut n = 0u64;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf).expect("read") == 0 {
            break;
        }
        let line: Line = serde_json::from_slice(&buf).expect("generated lines parse");
        std::hint::black_box(&line);
        n += 1;
    }
    (t.elapsed(), n)
}

/// CPU time used by this process's finished children so far (user and system), from
/// `/proc/self/stat` (Linux; its clock ticks are `USER_HZ`, 100 a second); none elsewhere.
fn children_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces: cutime and
    // cstime are fields 16 and 17 of the line, so 14 and 15 after the name's field.
    let rest = &stat[stat.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
    Some(Duration::from_millis((ticks(13)? + ticks(14)?) * 10))
}

/// kefu score on the corpus, whole process: the wall time, the CPU time, and the peak memory
/// it reports.
fn score(exe: &str, corpus: &std::path::Path) -> (Duration, Option<Duration>, Option<String>) {
    let cpu_before = children_cpu();
    let t = Instant::now();
    let out = Command::new(exe)
        .args(["score", "--out", "/dev/null"])
        .arg(corpus)
        .output()
        .expect("kefu score runs");
    let took = t.elapsed();
    let cpu = children_cpu()
        .zip(cpu_before)
        .map(|(after, before)| after.saturating_sub(before));
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let peak = stderr
        .find("峰值内存")
        .map(|i| stderr[i..].trim().to_string());
    (took, cpu, peak)
}

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

fn main() {
    let exe = env!("CARGO_BIN_EXE_kefu");
    let conversations: usize = std::env::var("KEFU_BENCH_CONVERSATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let dir = std::env::temp_dir().join(format!("kefu-qa-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let corpus = dir.join("corpus.jsonl");
    let status = Command::new(exe)
        .args(["gen", "transcripts", "--seed", "1", "--conversations"])
        .arg(conversations.to_string())
        .arg("--out")
        .arg(&corpus)
        .status()
        .expect("kefu gen runs");
    assert!(status.success());
    let bytes = std::fs::metadata(&corpus).map(|m| m.len()).unwrap_or(0);

    // The baseline and kefu score take turns, so that both see the same load on a shared
    // machine; the medians of five rounds are compared.
    let mut parse_times = Vec::new();
    let mut score_times = Vec::new();
    let mut score_cpu = Vec::new();
    let mut messages = 0u64;
    let mut peak = String::new();
    for _ in 0..ROUNDS {
        let (took, n) = parse_alone(&corpus);
        messages = n;
        parse_times.push(took);
        let (took, cpu, reported) = score(exe, &corpus);
        score_times.push(took);
        score_cpu.extend(cpu);
        peak = reported.unwrap_or(peak);
    }
    let _ = std::fs::remove_dir_all(&dir);

    let parse = median(parse_times);
    let score = median(score_times);
    let rate = |d: Duration| messages as f64 / d.as_secs_f64();
    println!(
        "corpus: {conversations} conversations, {messages} messages, {:.0} MB",
        bytes as f64 / 1e6
    );
    println!(
        "serde_json parse alone (1 thread)  median {:.2} s  {:>10.0} messages/s",
        parse.as_secs_f64(),
        rate(parse)
    );
    println!(
        "kefu score (all cores)             median {:.2} s  {:>10.0} messages/s   target >= 1000000",
        score.as_secs_f64(),
        rate(score)
    );
    println!(
        "ratio score / parse: {:.1}×   target <= 3×",
        score.as_secs_f64() / parse.as_secs_f64()
    );
    if score_cpu.len() == ROUNDS {
        // Both cores can give at most twice the wall time: the CPU time tells how far the work
        // itself is from the target, whatever else the machine was running.
        let cpu = median(score_cpu);
        println!(
            "kefu score CPU time (user + system) median {:.2} s  {:>10.0} messages per CPU-second",
            cpu.as_secs_f64(),
            rate(cpu)
        );
    }
    println!("kefu score {peak}");
}
