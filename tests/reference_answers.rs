//! For every bundled scenario, following its reference answers, each reference answer scores
//! higher than a deliberately poor reply to the same turn, on the overall and on every dimension
//! the turn brings up.

use kefu::content::Content;
use kefu::engine::{ConversationState, ReplyScore, Scorer, SessionScore, Situation};
use kefu::lang::Lang;
use kefu::session::Said;
use kefu::sim::Customer;
use std::sync::Arc;

const GENERIC_POOR: &[&str] = &["不知道", "自己看详情页", "嗯"];

/// A reply's overall and dimensions with the conversation-level checks (tone, farewell) judged
/// as if the conversation ended after it: a closing turn is judged on its farewell.
fn with_closing(
    scorer: &Scorer,
    state: &ConversationState,
    reply: &ReplyScore,
) -> (Option<f64>, Vec<Option<f64>>) {
    let mut session = SessionScore::new(scorer.dimensions.len());
    session.add(reply);
    session.add_closing(&scorer.finish(state));
    let scores = session.scores(&scorer.dimensions);
    (session.overall(&scorer.dimensions, &scores), scores)
}

#[test]
fn reference_answers_beat_poor_replies_on_every_turn() {
    let content = Arc::new(Content::bundled().expect("bundled content is valid"));
    let scorer = Scorer::new(&content, Lang::Zh).expect("bundled rubric compiles");
    let mut failures = Vec::new();
    for scenario in &content.scenarios {
        for seed in 0..3 {
            let mut customer =
                Customer::new(Arc::clone(&content), scenario.id(), seed).expect("scenario starts");
            let mut state = scorer.new_conversation();
            let opening = customer.opening();
            scorer.customer_message(&mut state, &opening);
            let mut turns = 0;
            while customer.ending.is_none() && turns < 30 {
                turns += 1;
                let reference = customer
                    .reference()
                    .expect("non-final turns have a reference");
                let facts = customer.facts.known();
                let situation = Situation {
                    product: Some(scenario.product_id()),
                    persona: Some(scenario.persona()),
                    tags: &scenario.tags,
                    facts: Some(facts),
                    order: scenario.order.as_ref(),
                };
                let mut poor_replies: Vec<String> =
                    GENERIC_POOR.iter().map(|s| s.to_string()).collect();
                poor_replies.extend(customer.poor_reply());
                let mut good_state = state.clone();
                let good = scorer.score_reply(&mut good_state, &situation, &reference, 8_000, None);
                let (good_overall, good_dims) = with_closing(&scorer, &good_state, &good);
                for poor in &poor_replies {
                    let mut bad_state = state.clone();
                    let bad = scorer.score_reply(&mut bad_state, &situation, poor, 8_000, None);
                    let (bad_overall, bad_dims) = with_closing(&scorer, &bad_state, &bad);
                    let where_ = format!(
                        "{} seed {seed} turn `{}`",
                        scenario.id(),
                        customer.turn_id()
                    );
                    if good_overall <= bad_overall {
                        failures.push(format!(
                            "{where_}: reference {:?} <= poor {:?} ({poor}) — reference: {reference}; fails: {:?}",
                            good_overall,
                            bad_overall,
                            good.failures().map(|c| c.message.clone()).collect::<Vec<_>>()
                        ));
                    }
                    for (i, (g, b)) in good_dims.iter().zip(&bad_dims).enumerate() {
                        if let (Some(g), Some(b)) = (g, b) {
                            if g < b {
                                failures.push(format!(
                                    "{where_}: dimension {} reference {g} < poor {b} ({poor})",
                                    scorer.dimensions[i].id
                                ));
                            }
                        }
                    }
                }
                let score = scorer.score_reply(&mut state, &situation, &reference, 8_000, None);
                if score.failures().count() > 0 {
                    failures.push(format!(
                        "{} seed {seed} turn `{}`: the reference answer fails checks: {:?} — {reference}",
                        scenario.id(),
                        customer.turn_id(),
                        score.failures().map(|c| format!("{}: {}", c.check, c.message)).collect::<Vec<_>>()
                    ));
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
            if let Some(ending) = &customer.ending {
                if !ending.outcome.is_success() {
                    failures.push(format!(
                        "{} seed {seed}: following the reference answers ends in {:?}",
                        scenario.id(),
                        ending.outcome
                    ));
                }
            } else {
                failures.push(format!(
                    "{} seed {seed}: reference path never ends",
                    scenario.id()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
