//! Trainer benchmark: `cargo bench --bench trainer`.
//!
//! Prints medians for (1) loading and compiling all bundled content, (2) scoring one reply,
//! (2b) a whole exchange through the session API (the reply scored, logged, and the customer's
//! next line produced), median and 99th percentile, over every bundled scenario played with its
//! reference answers, (3) start-up of the binary to the customer's first line, each next to a
//! baseline measured in the same run (an empty loop body, and `kefu --version`), because these
//! machines are shared and noisy. Targets: under 1 ms to score a reply, under 5 ms at the 99th
//! percentile for an exchange, under 100 ms from start to the first prompt.

use std::hint::black_box;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kefu::content::Content;
use kefu::engine::{Scorer, Situation};
use kefu::lang::Lang;
use kefu::session::{FixedClock, Session};

fn median(mut xs: Vec<Duration>) -> Duration {
    xs.sort();
    xs[xs.len() / 2]
}

/// The median and the 99th percentile.
fn spread(xs: &mut [Duration]) -> (Duration, Duration) {
    xs.sort();
    let p99 = xs[(xs.len() * 99 / 100).min(xs.len() - 1)];
    (xs[xs.len() / 2], p99)
}

fn fmt(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1000.0 {
        format!("{:.2} ms", us / 1000.0)
    } else {
        format!("{us:.1} µs")
    }
}

fn main() {
    // (1) Content load + rubric compile.
    let mut loads = Vec::new();
    for _ in 0..30 {
        let t = Instant::now();
        let content = Content::bundled().expect("bundled content is valid");
        let scorer = Scorer::new(&content, Lang::Zh).expect("rubric compiles");
        black_box(&scorer);
        loads.push(t.elapsed());
    }
    println!(
        "load + compile all content     median {}",
        fmt(median(loads))
    );

    // (2) Scoring one reply, over every turn's reference and poor reply of every scenario.
    let content = Arc::new(Content::bundled().expect("bundled content is valid"));
    let scorer = Arc::new(Scorer::new(&content, Lang::Zh).expect("rubric compiles"));
    let mut cases = Vec::new();
    for s in &content.scenarios {
        let Some(mut customer) = kefu::sim::Customer::new(Arc::clone(&content), s.id(), 1) else {
            continue;
        };
        let opening = customer.opening();
        for turn in &s.turns {
            let reply = turn
                .reference
                .clone()
                .or(turn.poor.clone())
                .unwrap_or_else(|| "亲，在的".into());
            let heard = kefu::engine::Heard::default();
            cases.push((s, opening.clone(), customer.render(&reply, &heard)));
        }
    }
    let mut per_reply = Vec::new();
    let mut baseline = Vec::new();
    for _ in 0..20 {
        let t = Instant::now();
        for (s, opening, reply) in &cases {
            let mut state = scorer.new_conversation();
            scorer.customer_message(&mut state, opening);
            let situation = Situation {
                product: Some(s.product_id()),
                persona: Some(s.persona()),
                tags: &s.tags,
                facts: None,
                order: s.order.as_ref(),
            };
            black_box(scorer.score_reply(&mut state, &situation, reply, 8000, None));
        }
        per_reply.push(t.elapsed() / cases.len() as u32);
        let t = Instant::now();
        for (_, opening, reply) in &cases {
            black_box((opening.len(), reply.len()));
        }
        baseline.push(t.elapsed() / cases.len() as u32);
    }
    println!(
        "score one reply ({} replies)  median {}   (empty-loop baseline {})   target < 1 ms",
        cases.len(),
        fmt(median(per_reply)),
        fmt(median(baseline))
    );

    // (2b) Whole exchanges through the session API: every scenario played along its reference
    // answers, several seeds, each reply timed from the call to the customer's next line.
    let mut exchanges = Vec::new();
    for round in 0..5u64 {
        for s in &content.scenarios {
            let clock = Arc::new(FixedClock::new(1_795_521_600));
            let Some((mut session, _)) =
                Session::simulated(&content, &scorer, s.id(), round, &clock)
            else {
                continue;
            };
            let mut turns = 0;
            while !session.is_over() && turns < 30 {
                turns += 1;
                let reply = session
                    .customer
                    .reference()
                    .unwrap_or_else(|| "亲，在的".into());
                clock.advance_ms(8_000);
                let t = Instant::now();
                black_box(session.reply(&reply));
                exchanges.push(t.elapsed());
            }
            black_box(session.finish());
        }
    }
    let (median_one, p99_one) = spread(&mut exchanges);
    println!(
        "one exchange ({} replies)     median {}   p99 {}   target p99 < 5 ms",
        exchanges.len(),
        fmt(median_one),
        fmt(p99_one)
    );

    // (2c) The same with five chats open at once (`--chats 5`): the trainee answers them in
    // turn, so every exchange runs beside four other live sessions.
    let mut desk_exchanges = Vec::new();
    let ids: Vec<&str> = content.scenarios.iter().map(|s| s.id()).collect();
    for round in 0..5u64 {
        let clock = Arc::new(FixedClock::new(1_795_521_600));
        for group in ids.chunks(5) {
            let mut desk: Vec<Session> = group
                .iter()
                .enumerate()
                .filter_map(|(i, id)| {
                    Session::simulated(&content, &scorer, id, round * 10 + i as u64, &clock)
                        .map(|(s, _)| s)
                })
                .collect();
            for _ in 0..30 {
                if desk.iter().all(Session::is_over) {
                    break;
                }
                for session in desk.iter_mut().filter(|s| !s.is_over()) {
                    let reply = session
                        .customer
                        .reference()
                        .unwrap_or_else(|| "亲，在的".into());
                    clock.advance_ms(2_000);
                    let t = Instant::now();
                    black_box(session.reply(&reply));
                    desk_exchanges.push(t.elapsed());
                }
            }
        }
    }
    let (median_desk, p99_desk) = spread(&mut desk_exchanges);
    println!(
        "one exchange, 5 chats open ({} replies)  median {}   p99 {}   target p99 < 5 ms",
        desk_exchanges.len(),
        fmt(median_desk),
        fmt(p99_desk)
    );

    // (3) Start-up: process start to the customer's opening line.
    let exe = env!("CARGO_BIN_EXE_kefu");
    let scenario = content.scenarios[0].id().to_string();
    let dir = std::env::temp_dir().join(format!("kefu-bench-{}", std::process::id()));
    let mut startup = Vec::new();
    let mut version = Vec::new();
    for _ in 0..15 {
        let t = Instant::now();
        let status = Command::new(exe)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .expect("kefu runs");
        assert!(status.success());
        version.push(t.elapsed());

        let t = Instant::now();
        let mut child = Command::new(exe)
            .args(["train", "--scenario", &scenario, "--seed", "1", "--save"])
            .arg(dir.join("bench.jsonl"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("kefu runs");
        let stdout = child.stdout.take().expect("piped");
        let mut lines = BufReader::new(stdout).lines();
        let mut seen = false;
        for line in lines.by_ref() {
            if line.map(|l| l.starts_with("顾客：")).unwrap_or(false) {
                seen = true;
                break;
            }
        }
        startup.push(t.elapsed());
        assert!(seen, "the trainer printed the customer's first line");
        drop(child.stdin.take());
        let _ = child.wait();
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!(
        "start to first customer line    median {}   (`kefu --version` baseline {})   target < 100 ms",
        fmt(median(startup)),
        fmt(median(version))
    );
}
