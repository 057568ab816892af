//! One all-purpose reply pasted into every turn of every bundled scenario must not pass: it
//! apologises, names a size, holds a price, cites a test report and promises a time, and
//! answers nothing that was asked. Held below 60 on average, and no complaint is resolved.

use kefu::content::{Content, PersonaKind};
use kefu::engine::{Scorer, SessionScore, Situation};
use kefu::lang::Lang;
use kefu::sim::Customer;

const FIXED: &str =
    "亲，非常抱歉给您添麻烦了，L码刚好，129已经是活动价了，每件都有质检报告，今天内给您答复～";

#[test]
fn one_fixed_reply_passes_no_scenario() {
    let content = Content::bundled().expect("bundled content is valid");
    let scorer = Scorer::new(&content, Lang::Zh).expect("bundled rubric compiles");
    let mut overalls = Vec::new();
    let mut resolved = Vec::new();
    let mut lines = Vec::new();
    for scenario in &content.scenarios {
        let mut customer = Customer::new(&content, scenario, 0).expect("scenario starts");
        let mut state = scorer.new_conversation();
        let mut session = SessionScore::new(scorer.dimensions.len());
        scorer.customer_message(&mut state, &customer.opening());
        let mut turns = 0;
        while customer.ending.is_none() && turns < 30 {
            turns += 1;
            let situation = Situation {
                product: Some(scenario.product_id()),
                persona: Some(scenario.persona()),
                tags: &scenario.tags,
                facts: Some(customer.facts.known()),
                order: scenario.order.as_ref(),
            };
            let score = scorer.score_reply(&mut state, &situation, FIXED, 8_000, None);
            session.add(&score);
            let reaction = customer.react(&score, 8.0);
            for line in &reaction.lines {
                scorer.customer_message(&mut state, line);
            }
        }
        session.add_closing(&scorer.finish(&state));
        let overall = session
            .overall(&scorer.dimensions, &session.scores(&scorer.dimensions))
            .unwrap_or(0.0);
        let outcome = customer.ending.map(|e| e.outcome);
        lines.push(format!("{}: {overall} {outcome:?}", scenario.id()));
        overalls.push(overall);
        if scenario.persona() == PersonaKind::BadReview && outcome.is_some_and(|o| o.is_success()) {
            resolved.push(scenario.id().to_string());
        }
    }
    let mean = overalls.iter().sum::<f64>() / overalls.len() as f64;
    eprintln!(
        "fixed reply: mean overall {mean:.1} over {} scenarios",
        overalls.len()
    );
    assert!(mean < 60.0, "mean {mean:.1}:\n{}", lines.join("\n"));
    assert!(
        resolved.is_empty(),
        "resolved by a fixed reply: {resolved:?}"
    );
}
