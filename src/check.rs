//! `kefu check`: validates a content folder, runs the rubric's labelled examples, checks that
//! scripted lines raise the topics they claim, and auto-plays every scenario.

use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{RngExt, SeedableRng};

use crate::content::rubric::Expect;
use crate::content::{Content, Diagnostic};
use crate::engine::{Scorer, Situation};
use crate::eval::{self, Corpus};
use crate::lang::Lang;
use crate::session::{Clock, FixedClock, Session, SessionOptions};
use crate::tr;

/// Seed for auto-play, fixed so that `kefu check` is repeatable.
pub const AUTOPLAY_SEED: u64 = 20261124;
/// Replies after which an auto-played scenario counts as never ending.
pub const AUTOPLAY_LIMIT: usize = 60;
/// Auto-play rounds per scenario, each with its own seed.
pub const AUTOPLAY_ROUNDS: u64 = 20;

/// Everything `kefu check` finds, in file order.
pub fn problems(content: &Arc<Content>, scorer: &Arc<Scorer>) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    problems.extend(topic_problems(content, scorer));
    problems.extend(example_problems(content, scorer));
    problems.extend(autoplay_problems(content, scorer));
    problems
}

/// Every `say` variant must raise the topics its turn declares in `asks`.
pub fn topic_problems(content: &Content, scorer: &Scorer) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for scenario in &content.scenarios {
        for turn in &scenario.turns {
            for topic in &turn.asks {
                for (i, line) in turn.say.iter().enumerate() {
                    if !scorer.topics_of(line).contains(&topic.get_ref().as_str()) {
                        problems.push(content.diagnostic(
                            scenario.file,
                            Some(topic.span()),
                            format!(
                                "turn `{}`: line {} (\"{}\") does not raise the topic `{}`; add one of its keywords or fix `asks`",
                                turn.id(),
                                i + 1,
                                line,
                                topic.get_ref()
                            ),
                        ));
                    }
                }
            }
        }
    }
    problems
}

/// Runs every labelled example of every check.
pub fn example_problems(content: &Content, scorer: &Scorer) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for check in &content.rubric.checks {
        for example in &check.examples {
            if let Some(p) = &example.product {
                if content.catalog.product(p).is_none() {
                    problems.push(content.diagnostic(
                        check.file,
                        Some(example.reply.span()),
                        format!("example of `{}` names unknown product `{p}`", check.id()),
                    ));
                    continue;
                }
            }
            let mut state = scorer.new_conversation();
            let situation = Situation {
                product: example.product.as_deref(),
                persona: example.persona,
                tags: &example.tags,
                facts: None,
                order: None,
            };
            for (i, earlier) in example.earlier.iter().enumerate() {
                scorer.customer_message(&mut state, earlier);
                let reply = example
                    .earlier_replies
                    .get(i)
                    .map_or("好的", String::as_str);
                scorer.score_reply(&mut state, &situation, reply, 3000, None);
            }
            while state.replies + 1 < example.reply_number {
                scorer.customer_message(&mut state, "在吗");
                scorer.score_reply(&mut state, &situation, "亲，在的", 3000, None);
            }
            if !example.customer.is_empty() {
                scorer.customer_message(&mut state, &example.customer);
            }
            let latency = (example.latency_s.max(0.0) * 1000.0) as u64;
            let mut score = scorer.score_reply(
                &mut state,
                &situation,
                example.reply.get_ref(),
                latency,
                None,
            );
            // Conversation-level checks are judged as if the chat ended after the reply.
            score.checks.extend(scorer.finish(&state).checks);
            let result = score.checks.iter().find(|c| &*c.check == check.id());
            let wanted = example.expect == Expect::Pass;
            let problem = match result {
                None => Some("the check did not apply to this example".to_string()),
                Some(r) if r.passed != wanted => Some(format!(
                    "expected to {} but it {} (score {:.0}: {})",
                    if wanted { "pass" } else { "fail" },
                    if r.passed { "passed" } else { "failed" },
                    r.score,
                    r.message
                )),
                Some(_) => None,
            };
            if let Some(p) = problem {
                problems.push(content.diagnostic(
                    check.file,
                    Some(example.reply.span()),
                    format!("example of check `{}`: {p}", check.id()),
                ));
            }
        }
    }
    problems
}

/// Plays every scenario with random replies and latencies; reports any that crash or never end.
pub fn autoplay_problems(content: &Arc<Content>, scorer: &Arc<Scorer>) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for scenario in &content.scenarios {
        for round in 0..AUTOPLAY_ROUNDS {
            let seed = AUTOPLAY_SEED + round;
            let played = catch_unwind(AssertUnwindSafe(|| {
                autoplay(content, scorer, scenario, seed)
            }));
            let message = match played {
                Ok(Ok(())) => continue,
                Ok(Err(m)) => m,
                Err(_) => format!("auto-play crashed (seed {seed})"),
            };
            problems.push(content.diagnostic(scenario.file, Some(scenario.id.span()), message));
            break;
        }
    }
    problems
}

const GENERIC_REPLIES: &[&str] = &[
    "亲，在的，请问有什么可以帮您？",
    "不知道",
    "自己看详情页",
    "好的",
    "亲，非常抱歉给您添麻烦了，我马上帮您核实处理，今天内给您答复",
    "这个价格已经很低了，不能再便宜了",
    "亲，给您便宜5元，再送一双袜子",
    "建议M码",
    "个人建议您看下尺码表哦",
    "谢谢亲，欢迎下次光临～",
];

fn autoplay(
    content: &Arc<Content>,
    scorer: &Arc<Scorer>,
    scenario: &crate::content::Scenario,
    seed: u64,
) -> Result<(), String> {
    let clock = Arc::new(FixedClock::new(1_795_521_600));
    let mut rng = StdRng::seed_from_u64(seed);
    let options = SessionOptions {
        seed,
        attempt: 1,
        ..SessionOptions::default()
    };
    let (mut session, _) = Session::start(
        Arc::clone(content),
        Arc::clone(scorer),
        scenario.id(),
        Arc::clone(&clock) as Arc<dyn Clock>,
        None,
        options,
    )
    .ok_or_else(|| "the scenario cannot start".to_string())?;
    for _ in 0..AUTOPLAY_LIMIT {
        if session.is_over() {
            return Ok(());
        }
        let mut pool: Vec<String> = GENERIC_REPLIES.iter().map(|s| s.to_string()).collect();
        pool.extend(session.customer.reference());
        pool.extend(session.customer.poor_reply());
        let reply = pool.choose(&mut rng).cloned().unwrap_or_default();
        clock.advance_ms(rng.random_range(1_000..45_000));
        session.reply(&reply);
    }
    if session.is_over() {
        Ok(())
    } else {
        Err(format!(
            "auto-play never ended: still going after {AUTOPLAY_LIMIT} replies (seed {seed}, stuck at turn `{}`); a loop in the script has no way out",
            session.customer.turn_id().unwrap_or("?")
        ))
    }
}

/// Runs `kefu check [DIR]`. The labelled corpus that goes with the content (see
/// [`eval::content_corpus`]) is run last: a file of it that does not load is a problem, but
/// items on which kefu disagrees with a label are only notices.
pub fn run(dir: Option<&Path>, lang: Lang, out: &mut impl Write) -> anyhow::Result<ExitCode> {
    let content = match Content::load(dir) {
        Ok(c) => c,
        Err(problems) => return report(&problems, lang, out),
    };
    let scorer = match Scorer::new(&content, lang) {
        Ok(s) => Arc::new(s),
        Err(problems) => return report(&problems, lang, out),
    };
    let content = Arc::new(content);
    let mut found = problems(&content, &scorer);
    let corpus = match eval::content_corpus(dir).map(|f| f.and_then(|f| Corpus::load(f, &content)))
    {
        Some(Ok(corpus)) => Some(corpus),
        Some(Err(problems)) => {
            found.extend(problems);
            None
        }
        None => None,
    };
    let code = if found.is_empty() {
        summary(&content, lang, out)?;
        ExitCode::SUCCESS
    } else {
        report(&found, lang, out)?
    };
    if let Some(corpus) = corpus.filter(|c| !c.items.is_empty()) {
        corpus_notices(&eval::evaluate(&corpus, &scorer), lang, out)?;
    }
    Ok(code)
}

fn summary(content: &Content, lang: Lang, out: &mut impl Write) -> std::io::Result<()> {
    let examples: usize = content.rubric.checks.iter().map(|c| c.examples.len()).sum();
    writeln!(
        out,
        "{}",
        tr!(
            lang,
            "✓ 内容检查通过：{}个商品、{}个顾客类型、{}个场景（每个自动演练{}次）、{}个评分维度、{}项检查、{}个示例",
            "✓ content is valid: {} products, {} personas, {} scenarios (each auto-played {} times), {} dimensions, {} checks, {} examples",
            content.catalog.products.len(),
            content.personas.len(),
            content.scenarios.len(),
            AUTOPLAY_ROUNDS,
            content.rubric.dimensions.len(),
            content.rubric.checks.len(),
            examples
        )
    )
}

/// Every item on which kefu and a label disagree, as a notice, then the corpus totals.
fn corpus_notices(
    evaluation: &eval::Evaluation,
    lang: Lang,
    out: &mut impl Write,
) -> std::io::Result<()> {
    writeln!(out)?;
    for d in &evaluation.disagreements {
        writeln!(out, "{}:{}: notice: {}", d.path, d.line, d.describe(lang))?;
    }
    writeln!(out, "{}", eval::totals_line(evaluation, lang))
}

/// Prints problems and the count line, and gives the exit status of a check that found them
/// (the one every command gives for content that does not load).
pub(crate) fn report(
    problems: &[Diagnostic],
    lang: Lang,
    out: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    for p in problems {
        writeln!(out, "{p}\n")?;
    }
    writeln!(
        out,
        "{}",
        tr!(
            lang,
            "✗ 发现{}处问题",
            "✗ {} problem(s) found",
            problems.len()
        )
    )?;
    Ok(ExitCode::from(crate::cli::EXIT_CONTENT))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_content_passes_every_check_and_example() {
        let content = Arc::new(Content::bundled().expect("bundled content is valid"));
        let scorer = Arc::new(Scorer::new(&content, Lang::Zh).expect("rubric compiles"));
        let found = problems(&content, &scorer);
        assert!(
            found.is_empty(),
            "{}",
            found
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("\n\n")
        );
    }

    #[test]
    fn bundled_content_meets_the_coverage_brief() {
        let content = Content::bundled().expect("bundled content is valid");
        assert!(content.scenarios.len() >= 16);
        assert!(content.catalog.products.len() >= 10);
        for persona in crate::content::PersonaKind::ALL {
            let n = content
                .scenarios
                .iter()
                .filter(|s| s.persona() == persona)
                .count();
            assert!(n >= 4, "{} has {n} scenarios", persona.id());
        }
        let tagged = |t: &str| {
            content
                .scenarios
                .iter()
                .any(|s| s.tags.iter().any(|x| x == t))
        };
        for tag in [
            "kids",
            "non-sized",
            "late-parcel",
            "wrong-item",
            "missing-item",
            "quality",
            "price-drop",
            "cod",
        ] {
            assert!(tagged(tag), "no scenario tagged {tag}");
        }
    }
}
