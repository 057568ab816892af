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
use crate::session::{FixedClock, Said, Session};
use crate::sim::Customer;
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
    problems.extend(reference_problems(content, scorer));
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

/// Seeds of the customers played along the reference answers: each samples its own facts
/// and phrasing, so a reference that fails only for some buyers is found.
pub const REFERENCE_SEEDS: u64 = 3;
/// Replies after which a reference path counts as never ending.
const REFERENCE_LIMIT: usize = 30;

/// Plays every scenario along its reference answers (参考话术), as a trainee who always answers
/// with the reference would, and reports each reference that fails a check of its turn
/// (bargaining authority included), at the reference in its file; and a reference path that
/// does not end well. A reference is what a trainee is taught to say: it must pass.
pub fn reference_problems(content: &Arc<Content>, scorer: &Scorer) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for scenario in &content.scenarios {
        let places = reference_places(content, scenario);
        // One problem per turn and check, whichever seeds find it.
        let mut found: Vec<(String, String)> = Vec::new();
        let mut ending_problem = None;
        for seed in 0..REFERENCE_SEEDS {
            let played = catch_unwind(AssertUnwindSafe(|| {
                play_references(content, scorer, scenario, seed)
            }));
            let Ok(path) = played else {
                // Auto-play reports a scenario that crashes.
                break;
            };
            for (turn, check, message) in path.failures {
                if found.iter().any(|(t, c)| *t == turn && *c == check) {
                    continue;
                }
                let span = places
                    .iter()
                    .find(|(id, _)| *id == turn)
                    .map(|(_, span)| span.clone())
                    .or_else(|| scenario.turn(&turn).map(|t| t.id.span()));
                problems.push(content.diagnostic(
                    scenario.file,
                    span,
                    format!(
                        "turn `{turn}`: the reference answer fails `{check}` ({message}); a reference must pass every check of its turn (seed {seed})"
                    ),
                ));
                found.push((turn, check));
            }
            if ending_problem.is_none() {
                ending_problem = path.ending_problem.map(|m| format!("{m} (seed {seed})"));
            }
        }
        if let Some(message) = ending_problem {
            problems.push(content.diagnostic(scenario.file, Some(scenario.id.span()), message));
        }
    }
    problems
}

/// What playing along the references found: (turn, check, message) for each failed check, and
/// why the path did not end well, if it did not.
struct ReferencePath {
    failures: Vec<(String, String, String)>,
    ending_problem: Option<String>,
}

fn play_references(
    content: &Arc<Content>,
    scorer: &Scorer,
    scenario: &crate::content::Scenario,
    seed: u64,
) -> ReferencePath {
    let mut path = ReferencePath {
        failures: Vec::new(),
        ending_problem: None,
    };
    let Some(mut customer) = Customer::new(Arc::clone(content), scenario.id(), seed) else {
        path.ending_problem = Some("the scenario cannot start".into());
        return path;
    };
    let mut state = scorer.new_conversation();
    let opening = customer.opening();
    scorer.customer_message(&mut state, &opening);
    for _ in 0..REFERENCE_LIMIT {
        if customer.ending.is_some() {
            break;
        }
        let Some(reference) = customer.reference() else {
            // Validation reports a turn without a reference.
            return path;
        };
        let situation = Situation {
            product: Some(scenario.product_id()),
            persona: Some(scenario.persona()),
            tags: &scenario.tags,
            facts: Some(customer.facts.known()),
            order: scenario.order.as_ref(),
        };
        let score = scorer.score_reply(&mut state, &situation, &reference, 8_000, None);
        let turn = customer.turn_id().to_string();
        for c in score.failures().filter(|c| !c.review) {
            path.failures
                .push((turn.clone(), c.check.to_string(), c.message.clone()));
        }
        let reaction = customer.react(&Said {
            text: &reference,
            score: &score,
            latency_s: 8.0,
        });
        for line in &reaction.lines {
            scorer.customer_message(&mut state, line);
        }
    }
    path.ending_problem = match &customer.ending {
        Some(ending) if ending.outcome.is_success() => None,
        Some(ending) => Some(format!(
            "following the reference answers ends in `{}` at turn `{}`: the references should lead to a sale or a resolved complaint",
            ending.outcome.id(),
            customer.turn_id()
        )),
        None => Some(format!(
            "following the reference answers never ends: still going after {REFERENCE_LIMIT} replies"
        )),
    };
    path
}

/// Where each turn's `reference` is in the scenario's file, read again from its source with
/// spans (the loaded [`crate::content::Turn`] keeps the plain text).
fn reference_places(
    content: &Content,
    scenario: &crate::content::Scenario,
) -> Vec<(String, std::ops::Range<usize>)> {
    #[derive(serde::Deserialize)]
    struct File {
        #[serde(default)]
        turns: Vec<Turn>,
    }
    #[derive(serde::Deserialize)]
    struct Turn {
        id: String,
        #[serde(default)]
        reference: Option<toml::Spanned<String>>,
    }
    let Some(source) = content.files.get(scenario.file) else {
        return Vec::new();
    };
    toml::from_str::<File>(&source.text)
        .map(|file| {
            file.turns
                .into_iter()
                .filter_map(|t| t.reference.map(|r| (t.id, r.span())))
                .collect()
        })
        .unwrap_or_default()
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
    let (mut session, _) = Session::simulated(content, scorer, scenario.id(), seed, &clock)
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

    /// The bundled content with one more scenario: a bargainer whose reference answer
    /// knocks 20 yuan off, four times the agent's authority (max_discount = 5).
    const OVER_AUTHORITY: &str = r#"id = "over-authority"
title = "参考话术越权让价"
persona = "bargainer"
product = "jeans-women"

[[turns]]
id = "ask-discount"
say = ["这条牛仔裤能便宜点吗？"]
asks = ["discount"]
reference = "亲，看您诚心要，我直接给您便宜20元，拍下我来改价😊"
fallback = "bought"

[[turns]]
id = "bought"
say = ["好，拍了。"]
outcome = "bought"
order_value = 139
"#;

    /// The bundled content with `text` as one more scenario file, `scenarios/{id}.toml`.
    fn with_scenario(id: &str, text: &str) -> (Arc<Content>, Scorer) {
        let mut files = crate::content::bundled_files();
        files.push(crate::content::SourceFile::new(
            format!("scenarios/{id}.toml"),
            text,
        ));
        let content = Arc::new(Content::from_files(files).expect("the scenario loads"));
        let scorer = Scorer::new(&content, Lang::Zh).expect("rubric compiles");
        (content, scorer)
    }

    #[test]
    fn a_reference_beyond_the_agents_authority_is_reported_at_the_reference() {
        let (content, scorer) = with_scenario("over-authority", OVER_AUTHORITY);
        let found: Vec<String> = reference_problems(&content, &scorer)
            .iter()
            .map(|d| d.to_string())
            .collect();
        assert_eq!(found.len(), 1, "{found:#?}");
        let first = found[0].lines().next().unwrap_or("");
        assert_eq!(
            first,
            "scenarios/over-authority.toml:10:13: error: turn `ask-discount`: the reference answer fails `bargain-handling` (让了20元，超出权限（最多5元）); a reference must pass every check of its turn (seed 0)"
        );
        // The whole check reports it too.
        let all = problems(&content, &Arc::new(scorer));
        assert!(
            all.iter().any(|d| d
                .to_string()
                .starts_with("scenarios/over-authority.toml:10:13")),
            "{all:#?}"
        );
    }

    #[test]
    fn a_reference_path_that_loses_the_sale_is_reported_at_the_scenario() {
        let lost = r#"id = "lost-sale"
title = "参考话术守住了价格，顾客还是走了"
persona = "bargainer"
product = "jeans-women"

[[turns]]
id = "ask-discount"
say = ["这条牛仔裤能便宜点吗？"]
asks = ["discount"]
reference = "亲，这条是棉92%的中厚牛仔布，159已经是活动价了，穿着显腿长😊"
fallback = "left"

[[turns]]
id = "left"
say = ["那算了。"]
outcome = "left"
"#;
        let (content, scorer) = with_scenario("lost-sale", lost);
        let found: Vec<String> = reference_problems(&content, &scorer)
            .iter()
            .map(|d| d.to_string().lines().next().unwrap_or("").to_string())
            .collect();
        assert_eq!(
            found,
            [
                "scenarios/lost-sale.toml:1:6: error: following the reference answers ends in `left` at turn `left`: the references should lead to a sale or a resolved complaint (seed 0)"
            ]
        );
    }

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
