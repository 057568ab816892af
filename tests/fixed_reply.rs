//! One all-purpose reply pasted into every turn of every bundled scenario must not pass: it
//! apologises, names a size, holds a price, cites a test report and promises a time, and
//! answers nothing that was asked. Held below 60 on average, and no complaint is resolved.
//! Played through the same session API as the trainer, on an injected clock.

use std::sync::Arc;

use kefu::content::{Content, PersonaKind};
use kefu::engine::Scorer;
use kefu::lang::Lang;
use kefu::session::{FixedClock, Session};

const FIXED: &str =
    "亲，非常抱歉给您添麻烦了，L码刚好，129已经是活动价了，每件都有质检报告，今天内给您答复～";

#[test]
fn one_fixed_reply_passes_no_scenario() {
    let content = Arc::new(Content::bundled().expect("bundled content is valid"));
    let scorer = Arc::new(Scorer::new(&content, Lang::Zh).expect("bundled rubric compiles"));
    let mut overalls = Vec::new();
    let mut resolved = Vec::new();
    let mut lines = Vec::new();
    for scenario in &content.scenarios {
        let clock = Arc::new(FixedClock::new(1_795_521_600));
        let (mut session, _) = Session::simulated(&content, &scorer, scenario.id(), 0, &clock)
            .expect("scenario starts");
        let mut turns = 0;
        while !session.is_over() && turns < 30 {
            turns += 1;
            clock.advance_ms(8_000);
            session.reply(FIXED);
        }
        let card = session.finish();
        let overall = card.overall.unwrap_or(0.0);
        lines.push(format!("{}: {overall} {:?}", scenario.id(), card.outcome));
        overalls.push(overall);
        if scenario.persona() == PersonaKind::BadReview
            && card.outcome.is_some_and(|o| o.is_success())
        {
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
