//! Cross-file checks of loaded content: references, reachability, dead ends, size-chart gaps.

use std::collections::{BTreeSet, HashMap, HashSet};

use toml::Spanned;

use super::{Content, Diagnostic, suggest};
use crate::engine::lexicon::MAX_TOPICS;
use crate::signal::Signal;

/// Placeholders a scenario line may use.
pub const PLACEHOLDERS: &[&str] = &[
    "height",
    "height_m",
    "weight_kg",
    "weight_jin",
    "child_height",
    "budget",
    "product",
    "price",
    "size",
    "shop",
    "free_shipping",
    "max_discount",
];

/// Dimensions that later features and reports rely on.
pub const REQUIRED_DIMENSIONS: &[&str] = &["speed", "clarity", "sizing", "upsell"];

pub fn validate(content: &Content) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    validate_catalog(content, &mut problems);
    validate_rubric(content, &mut problems);
    for scenario in &content.scenarios {
        validate_scenario(content, scenario, &mut problems);
    }
    problems
}

fn catalog_file(content: &Content) -> usize {
    content
        .files
        .iter()
        .position(|f| f.rel == "scenarios/catalog.toml")
        .unwrap_or(0)
}

/// The first rubric file, where a problem of the rubric as a whole is reported.
fn rubric_file(content: &Content) -> usize {
    content
        .files
        .iter()
        .position(|f| f.rel.starts_with("rubrics/"))
        .unwrap_or(0)
}

fn did_you_mean<'a>(wrong: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    match suggest(wrong, candidates) {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}

fn validate_catalog(content: &Content, problems: &mut Vec<Diagnostic>) {
    let file = catalog_file(content);
    let catalog = &content.catalog;
    let mut seen = HashSet::new();
    for product in &catalog.products {
        if !seen.insert(product.id()) {
            problems.push(content.diagnostic(
                file,
                Some(product.id.span()),
                format!("product `{}` is defined twice", product.id()),
            ));
        }
        for pair in &product.pairs_with {
            if catalog.product(pair.get_ref()).is_none() {
                problems.push(content.diagnostic(
                    file,
                    Some(pair.span()),
                    format!(
                        "unknown product `{}` in pairs_with{}",
                        pair.get_ref(),
                        did_you_mean(pair.get_ref(), catalog.products.iter().map(|p| p.id()))
                    ),
                ));
            }
        }
        for row in &product.sizes {
            if crate::engine::extract::canonical_size(row.name()).as_deref() != Some(row.name()) {
                problems.push(content.diagnostic(
                    file,
                    Some(row.size.span()),
                    format!(
                        "size `{}` is not written the standard way (S, M, L, XL, 2XL, 110, 160/84A…)",
                        row.name()
                    ),
                ));
            }
            for (what, range) in [
                ("height", Some(&row.height)),
                ("weight", row.weight.as_ref()),
            ] {
                if let Some(range) = range {
                    let [lo, hi] = *range.get_ref();
                    if lo > hi {
                        problems.push(content.diagnostic(
                            file,
                            Some(range.span()),
                            format!("{what} range [{lo}, {hi}] runs backwards"),
                        ));
                    }
                }
            }
        }
        check_chart_gaps(content, file, product, problems);
    }
    if catalog.products.is_empty() {
        problems.push(content.diagnostic(file, None, "the catalog has no products"));
    }
}

/// Neighbouring rows of a chart must meet or overlap, or some buyer gets no size.
fn check_chart_gaps(
    content: &Content,
    file: usize,
    product: &super::Product,
    problems: &mut Vec<Diagnostic>,
) {
    let gap = |a: [f32; 2], b: [f32; 2]| -> Option<(f32, f32)> {
        let (first, second) = if a[0] <= b[0] { (a, b) } else { (b, a) };
        // Whole-number charts: 155–160 then 161–165 leaves no buyer out.
        (second[0] > first[1] + 1.0).then_some((first[1], second[0]))
    };
    for pair in product.sizes.windows(2) {
        let (prev, next) = (&pair[0], &pair[1]);
        if let Some((a, b)) = gap(*prev.height.get_ref(), *next.height.get_ref()) {
            problems.push(content.diagnostic(
                file,
                Some(next.height.span()),
                format!(
                    "size chart gap: no size of `{}` fits a height between {a} and {b} cm ({} ends at {a}, {} starts at {b})",
                    product.id(),
                    prev.name(),
                    next.name()
                ),
            ));
        }
        if let (Some(pw), Some(nw)) = (&prev.weight, &next.weight) {
            if let Some((a, b)) = gap(*pw.get_ref(), *nw.get_ref()) {
                problems.push(content.diagnostic(
                    file,
                    Some(nw.span()),
                    format!(
                        "size chart gap: no size of `{}` fits a weight between {a} and {b} kg ({} ends at {a}, {} starts at {b})",
                        product.id(),
                        prev.name(),
                        next.name()
                    ),
                ));
            }
        }
    }
}

fn validate_rubric(content: &Content, problems: &mut Vec<Diagnostic>) {
    let rubric = &content.rubric;
    let mut dims = HashSet::new();
    for d in &rubric.dimensions {
        if !dims.insert(d.id()) {
            problems.push(content.diagnostic(
                d.file,
                Some(d.id.span()),
                format!("dimension `{}` is defined twice", d.id()),
            ));
        }
        if d.weight < 0.0 || !d.weight.is_finite() {
            problems.push(content.diagnostic(
                d.file,
                Some(d.id.span()),
                "a dimension's weight must be zero or more",
            ));
        }
    }
    for required in REQUIRED_DIMENSIONS {
        if !dims.contains(required) {
            problems.push(content.diagnostic(
                rubric_file(content),
                None,
                format!("the rubric has no `{required}` dimension (speed, clarity, sizing and upsell are required)"),
            ));
        }
    }
    if rubric.topics.len() > MAX_TOPICS {
        problems.push(content.diagnostic(
            rubric_file(content),
            None,
            format!(
                "the rubric defines {} topics, more than the {MAX_TOPICS} a rubric may have \
                 (merge some: a topic may list many words)",
                rubric.topics.len()
            ),
        ));
    }
    let mut ids = HashSet::new();
    for check in &rubric.checks {
        if !ids.insert(check.id()) {
            problems.push(content.diagnostic(
                check.file,
                Some(check.id.span()),
                format!("check `{}` is defined twice", check.id()),
            ));
        }
        if rubric.dimension(check.dimension.get_ref()).is_none() {
            problems.push(content.diagnostic(
                check.file,
                Some(check.dimension.span()),
                format!(
                    "unknown dimension `{}`{}",
                    check.dimension.get_ref(),
                    did_you_mean(
                        check.dimension.get_ref(),
                        rubric.dimensions.iter().map(|d| d.id())
                    )
                ),
            ));
        }
        let topics = check
            .when
            .asks_any
            .iter()
            .chain(check.when.asks_none.iter().flatten());
        for topic in topics {
            check_topic(content, check.file, topic, problems);
        }
    }
}

fn check_topic(
    content: &Content,
    file: usize,
    topic: &Spanned<String>,
    problems: &mut Vec<Diagnostic>,
) {
    if !content.rubric.topics.contains_key(topic.get_ref()) {
        problems.push(content.diagnostic(
            file,
            Some(topic.span()),
            format!(
                "unknown topic `{}`{}",
                topic.get_ref(),
                did_you_mean(
                    topic.get_ref(),
                    content.rubric.topics.keys().map(String::as_str)
                )
            ),
        ));
    }
}

fn validate_scenario(
    content: &Content,
    scenario: &super::Scenario,
    problems: &mut Vec<Diagnostic>,
) {
    let file = scenario.file;
    let at = |span, msg: String| content.diagnostic(file, Some(span), msg);
    if content
        .scenarios
        .iter()
        .filter(|s| s.id() == scenario.id())
        .count()
        > 1
    {
        problems.push(at(
            scenario.id.span(),
            format!(
                "scenario `{}` is defined in more than one file",
                scenario.id()
            ),
        ));
    }
    if content.persona(scenario.persona()).is_none() {
        problems.push(at(
            scenario.persona.span(),
            format!(
                "no persona file for `{}` (expected scenarios/personas/{}.toml)",
                scenario.persona().id(),
                scenario.persona().id()
            ),
        ));
    }
    let product = content.catalog.product(scenario.product_id());
    if product.is_none() {
        problems.push(at(
            scenario.product.span(),
            format!(
                "unknown product `{}`{}",
                scenario.product_id(),
                did_you_mean(
                    scenario.product_id(),
                    content.catalog.products.iter().map(|p| p.id())
                )
            ),
        ));
    }
    if scenario.facts.patience <= 0.0 {
        problems.push(content.diagnostic(file, None, "facts.patience must be more than 0 seconds"));
    }
    if let Some(product) = product {
        check_facts_fit_chart(content, scenario, product, problems);
    }

    if scenario.turns.is_empty() {
        problems.push(at(scenario.id.span(), "the scenario has no turns".into()));
        return;
    }
    let mut ids: HashMap<&str, &Spanned<String>> = HashMap::new();
    for turn in &scenario.turns {
        if ids.insert(turn.id(), &turn.id).is_some() {
            problems.push(at(
                turn.id.span(),
                format!("turn `{}` is defined twice", turn.id()),
            ));
        }
    }
    let turn_ids = || scenario.turns.iter().map(|t| t.id());
    for turn in &scenario.turns {
        if turn.say.is_empty() || turn.say.iter().any(|s| s.trim().is_empty()) {
            problems.push(at(
                turn.id.span(),
                format!(
                    "turn `{}` needs at least one non-empty line in `say`",
                    turn.id()
                ),
            ));
        }
        for line in turn.say.iter().chain(turn.reference.iter()) {
            check_placeholders(content, scenario, turn, line, product, problems);
        }
        for topic in &turn.asks {
            check_topic(content, file, topic, problems);
        }
        for target in turn.targets() {
            if scenario.turn(target.get_ref()).is_none() {
                problems.push(at(
                    target.span(),
                    format!(
                        "branch to missing turn `{}`{}",
                        target.get_ref(),
                        did_you_mean(target.get_ref(), turn_ids())
                    ),
                ));
            }
        }
        for rule in &turn.next {
            if rule.when.is_empty() {
                problems.push(at(
                    rule.goto.span(),
                    "a rule needs at least one signal in `when` (use `fallback` for the default)"
                        .into(),
                ));
            }
            for signal in &rule.when {
                let name = signal.get_ref().trim_start_matches('!');
                if Signal::parse(name).is_none() {
                    problems.push(at(
                        signal.span(),
                        format!(
                            "unknown signal `{name}`{}",
                            did_you_mean(name, Signal::ALL.iter().map(|s| s.name()))
                        ),
                    ));
                }
            }
        }
        if turn.is_final() {
            if !turn.next.is_empty() || turn.fallback.is_some() {
                problems.push(at(
                    turn.id.span(),
                    format!(
                        "turn `{}` has an outcome, so its rules and fallback never run",
                        turn.id()
                    ),
                ));
            }
        } else {
            if turn.fallback.is_none() {
                problems.push(at(
                    turn.id.span(),
                    format!(
                        "dead end: turn `{}` has no outcome and no fallback, so a reply that matches no rule leaves the customer with nothing to say",
                        turn.id()
                    ),
                ));
            }
            if turn
                .reference
                .as_deref()
                .is_none_or(|r| r.trim().is_empty())
            {
                problems.push(at(
                    turn.id.span(),
                    format!("turn `{}` needs a reference answer (参考话术)", turn.id()),
                ));
            }
        }
    }
    // Reachability from the opening turn.
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    let mut stack = vec![scenario.turns[0].id()];
    while let Some(id) = stack.pop() {
        if !reached.insert(id) {
            continue;
        }
        if let Some(turn) = scenario.turn(id) {
            stack.extend(turn.targets().map(|t| t.get_ref().as_str()));
        }
    }
    for turn in &scenario.turns {
        if !reached.contains(turn.id()) {
            problems.push(at(
                turn.id.span(),
                format!(
                    "turn `{}` is unreachable: no path from the opening turn leads to it",
                    turn.id()
                ),
            ));
        }
    }
}

fn check_facts_fit_chart(
    content: &Content,
    scenario: &super::Scenario,
    product: &super::Product,
    problems: &mut Vec<Diagnostic>,
) {
    if !product.is_sized() {
        return;
    }
    let facts = &scenario.facts;
    let height = facts.child_height.as_ref().or(facts.height.as_ref());
    let Some(height) = height else {
        return;
    };
    let (h_lo, h_hi) = height.get_ref().bounds();
    let weights = facts.weight.as_ref().map(|w| w.get_ref().bounds());
    let corners: Vec<(f32, Option<f32>)> = match weights {
        Some((w_lo, w_hi)) => vec![
            (h_lo, Some(w_lo)),
            (h_lo, Some(w_hi)),
            (h_hi, Some(w_lo)),
            (h_hi, Some(w_hi)),
        ],
        None => vec![(h_lo, None), (h_hi, None)],
    };
    for (h, w) in corners {
        if product.sizes_for(Some(h), w).is_empty() {
            let what = match w {
                Some(w) => format!("{h} cm, {w} kg"),
                None => format!("{h} cm"),
            };
            problems.push(content.diagnostic(
                scenario.file,
                Some(height.span()),
                format!(
                    "the size chart of `{}` has no size for a customer of {what}",
                    product.id()
                ),
            ));
            return;
        }
    }
}

fn check_placeholders(
    content: &Content,
    scenario: &super::Scenario,
    turn: &super::Turn,
    line: &str,
    product: Option<&super::Product>,
    problems: &mut Vec<Diagnostic>,
) {
    let mut rest = line;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else {
            break;
        };
        let name = &after[..end];
        let known = PLACEHOLDERS.contains(&name);
        let missing_fact = match name {
            "height" | "height_m" => {
                scenario.facts.height.is_none() && scenario.facts.child_height.is_none()
            }
            "weight_kg" | "weight_jin" => scenario.facts.weight.is_none(),
            "child_height" => scenario.facts.child_height.is_none(),
            "budget" => scenario.facts.budget.is_none(),
            "size" => {
                !product.is_some_and(|p| p.is_sized())
                    || (scenario.facts.height.is_none() && scenario.facts.child_height.is_none())
            }
            _ => false,
        };
        if !known {
            problems.push(content.diagnostic(
                scenario.file,
                Some(turn.id.span()),
                format!(
                    "turn `{}` uses an unknown placeholder `{{{name}}}`{}",
                    turn.id(),
                    did_you_mean(name, PLACEHOLDERS.iter().copied())
                ),
            ));
        } else if missing_fact {
            problems.push(content.diagnostic(
                scenario.file,
                Some(turn.id.span()),
                format!(
                    "turn `{}` uses `{{{name}}}` but the scenario's facts (or its product's size chart) do not give it",
                    turn.id()
                ),
            ));
        }
        rest = &after[end + 1..];
    }
}
