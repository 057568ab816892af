//! Every bundled scenario played by three kinds of agent through the trainer's session API, on
//! an injected clock: one who gives the reference answers, one who is polite but never deals
//! with what was asked, and one who pastes the same all-purpose reply every time. Their
//! outcomes differ as a team lead would expect: the reference answers sell and resolve
//! complaints, the polite agent mostly loses the customer, the pasted reply resolves no
//! complaint and scores low.

use std::sync::Arc;

use kefu::content::{Content, Outcome, PersonaKind};
use kefu::engine::Scorer;
use kefu::lang::Lang;
use kefu::session::{FixedClock, Scorecard, Session};

const POLITE: &str = "亲，您好～感谢您的耐心，我们会尽力为您服务的哦😊";
const FIXED: &str =
    "亲，非常抱歉给您添麻烦了，L码刚好，129已经是活动价了，每件都有质检报告，今天内给您答复～";

#[derive(Clone, Copy, PartialEq)]
enum Agent {
    Reference,
    Polite,
    Fixed,
}

fn play(content: &Arc<Content>, scorer: &Arc<Scorer>, scenario: &str, agent: Agent) -> Scorecard {
    let clock = Arc::new(FixedClock::new(1_795_521_600));
    let (mut session, _) =
        Session::simulated(content, scorer, scenario, 1, &clock).expect("the scenario starts");
    let mut turns = 0;
    while !session.is_over() && turns < 30 {
        turns += 1;
        let reply = match agent {
            Agent::Reference => session
                .customer
                .reference()
                .expect("every open turn has a reference answer"),
            Agent::Polite => POLITE.to_string(),
            Agent::Fixed => FIXED.to_string(),
        };
        clock.advance_ms(8_000);
        session.reply(&reply);
    }
    session.finish()
}

/// Per scenario: its id, how it ended, and whether it is a complaint.
type Ended = Vec<(String, Option<Outcome>, bool)>;

fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

#[test]
fn three_kinds_of_agent_get_the_outcomes_a_lead_expects() {
    let content = Arc::new(Content::bundled().expect("bundled content is valid"));
    let scorer = Arc::new(Scorer::new(&content, Lang::Zh).expect("bundled rubric compiles"));
    let mut report = Vec::new();
    let mut overall = |agent: Agent| -> (Vec<f64>, Ended) {
        let mut scores = Vec::new();
        let mut outcomes = Vec::new();
        for s in &content.scenarios {
            let card = play(&content, &scorer, s.id(), agent);
            scores.push(card.overall.unwrap_or(0.0));
            let complaint = s.persona() == PersonaKind::BadReview;
            report.push(format!(
                "{:>9} {:<28} {:>5.1} {:?}",
                match agent {
                    Agent::Reference => "reference",
                    Agent::Polite => "polite",
                    Agent::Fixed => "fixed",
                },
                s.id(),
                card.overall.unwrap_or(0.0),
                card.outcome
            ));
            outcomes.push((s.id().to_string(), card.outcome, complaint));
        }
        (scores, outcomes)
    };
    let (reference, reference_outcomes) = overall(Agent::Reference);
    let (polite, polite_outcomes) = overall(Agent::Polite);
    let (fixed, fixed_outcomes) = overall(Agent::Fixed);
    let report = report.join("\n");

    // The reference answers sell and resolve complaints, everywhere, and score high.
    for (id, outcome, _) in &reference_outcomes {
        assert!(
            outcome.is_some_and(|o| o.is_success()),
            "{id}: reference answers ended {outcome:?}\n{report}"
        );
    }
    assert!(mean(&reference) >= 80.0, "{report}");
    // The polite non-answers mostly lose the customer and score far below.
    let polite_wins = polite_outcomes
        .iter()
        .filter(|(_, o, _)| o.is_some_and(|o| o.is_success()))
        .count();
    assert!(
        polite_wins * 5 <= polite_outcomes.len(),
        "{polite_wins} successes for the polite agent\n{report}"
    );
    assert!(mean(&polite) + 20.0 <= mean(&reference), "{report}");
    // The pasted reply resolves no complaint and scores low.
    for (id, outcome, complaint) in &fixed_outcomes {
        assert!(
            !(*complaint && outcome.is_some_and(|o| o.is_success())),
            "{id}: a pasted reply resolved a complaint\n{report}"
        );
    }
    assert!(mean(&fixed) < 60.0, "{report}");
    eprintln!("{report}");
    eprintln!(
        "mean overall: reference {:.1}, polite {:.1}, fixed {:.1}",
        mean(&reference),
        mean(&polite),
        mean(&fixed)
    );
}
