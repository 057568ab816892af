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

/// Placeholders a customer line may use for what the agent's last reply said, filled from the
/// engine's reading of it (`engine::Heard`): the money knocked off, the size recommended, the
/// time promised, the add-on named, and the customer's own last question. A line whose slot
/// the reply left empty is not picked.
pub const REPLY_PLACEHOLDERS: &[&str] =
    &["offered", "size_said", "time_said", "add_on_said", "asked"];

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
    validate_specs(content, file, problems);
}

/// The spec values validation points at, read again from the catalog's source with their spans.
///
/// The public types keep plain values, since the engine reads them on every reply; these
/// mirrors keep only what a message needs a place for, and ignore every other field.
mod located {
    use serde::Deserialize;
    use toml::Spanned;

    #[derive(Deserialize)]
    pub struct Catalog {
        #[serde(default)]
        pub shop: Shop,
        #[serde(default)]
        pub coupons: Vec<Coupon>,
        #[serde(default)]
        pub products: Vec<Product>,
    }

    #[derive(Default, Deserialize)]
    pub struct Shop {
        #[serde(default)]
        pub delivery_days: Option<Spanned<[u32; 2]>>,
        #[serde(default)]
        pub same_day_cutoff: Option<Spanned<u32>>,
        #[serde(default)]
        pub courier: Option<Spanned<String>>,
    }

    #[derive(Deserialize)]
    pub struct Coupon {
        pub name: Spanned<String>,
        #[serde(default)]
        pub threshold: Option<Spanned<u32>>,
        pub value: Spanned<u32>,
    }

    #[derive(Deserialize)]
    pub struct Product {
        #[serde(default)]
        pub spec: Spec,
    }

    #[derive(Default, Deserialize)]
    pub struct Spec {
        #[serde(default)]
        pub fibres: Option<Spanned<Vec<Spanned<Fibre>>>>,
        #[serde(default)]
        pub out_of_stock: Vec<Spanned<Variant>>,
    }

    #[derive(Deserialize)]
    pub struct Fibre {
        pub fibre: Spanned<String>,
        pub percent: Spanned<f32>,
    }

    #[derive(Deserialize)]
    pub struct Variant {
        #[serde(default)]
        pub color: Option<Spanned<String>>,
        #[serde(default)]
        pub size: Option<Spanned<String>>,
    }
}

/// Fibre percentages, sold-out variants, the shop's shipping fields and its coupons.
fn validate_specs(content: &Content, file: usize, problems: &mut Vec<Diagnostic>) {
    let Some(source) = content.files.get(file) else {
        return;
    };
    let located = match toml::from_str::<located::Catalog>(&source.text) {
        Ok(located) => located,
        Err(e) => {
            // The catalog parsed as a whole, so this is a bug in the mirror; say so rather
            // than skip the checks in silence.
            problems.push(content.diagnostic(
                file,
                e.span(),
                format!("cannot locate the spec values: {}", e.message().trim()),
            ));
            return;
        }
    };
    let at = |span, message: String| content.diagnostic(file, Some(span), message);

    if let Some(days) = &located.shop.delivery_days {
        let [min, max] = *days.get_ref();
        if min > max {
            problems.push(at(
                days.span(),
                format!("delivery_days [{min}, {max}] runs backwards: write [min, max]"),
            ));
        }
    }

    if let Some(hour) = &located.shop.same_day_cutoff {
        let h = *hour.get_ref();
        if !(1..=23).contains(&h) {
            problems.push(at(
                hour.span(),
                format!(
                    "same_day_cutoff {h} is not an hour of the day: write 1 to 23 (16 for 16点前付款当天发)"
                ),
            ));
        }
    }
    if let Some(courier) = &located.shop.courier {
        if let Some(message) = courier_problem(courier.get_ref()) {
            problems.push(at(courier.span(), message));
        }
    }
    check_coupons(content, &located.coupons, &at, problems);

    for (product, spec) in content
        .catalog
        .products
        .iter()
        .zip(located.products.iter().map(|p| &p.spec))
    {
        if let Some(fibres) = &spec.fibres {
            check_fibres(product, fibres, &at, problems);
        }
        for variant in &spec.out_of_stock {
            check_sold_out_variant(product, variant, &at, problems);
        }
    }
}

/// Couriers Chinese shops ship with, as their tracking pages name them.
pub const COURIERS: &[&str] = &[
    "中通快递",
    "圆通速递",
    "申通快递",
    "韵达快递",
    "顺丰速运",
    "极兔速递",
    "邮政快递包裹",
    "EMS",
    "京东物流",
    "德邦快递",
    "百世快递",
];

/// Why `name` is not a courier's name, if it is not: one of [`COURIERS`] or its short form
/// (中通, 顺丰), or any name ending as courier names do (…快递, …速运, …物流), so that a
/// regional courier is not refused.
fn courier_problem(name: &str) -> Option<String> {
    let name = name.trim();
    const ENDINGS: &[&str] = &["快递", "速递", "速运", "物流", "快运", "EMS", "包裹"];
    let short = |full: &&str| {
        let stem = ENDINGS
            .iter()
            .find_map(|e| full.strip_suffix(e))
            .unwrap_or(full);
        !stem.is_empty() && name == stem
    };
    if name.is_empty() {
        return Some(
            "courier is empty: name the courier (中通快递, 顺丰速运 …) or leave the field out"
                .into(),
        );
    }
    if COURIERS.contains(&name)
        || COURIERS.iter().any(short)
        || ENDINGS.iter().any(|e| name.ends_with(e))
    {
        return None;
    }
    Some(format!(
        "courier `{name}` is not a courier's name: write it as its tracking page does ({}){}",
        COURIERS[..5].join(", "),
        did_you_mean(name, COURIERS.iter().copied())
    ))
}

/// Each coupon: a unique id, a name, some money off, and less off than the order it needs.
fn check_coupons(
    content: &Content,
    located: &[located::Coupon],
    at: &impl Fn(std::ops::Range<usize>, String) -> Diagnostic,
    problems: &mut Vec<Diagnostic>,
) {
    let mut seen = HashSet::new();
    for (coupon, place) in content.catalog.coupons.iter().zip(located) {
        if !seen.insert(coupon.id()) {
            problems.push(at(
                coupon.id.span(),
                format!("coupon `{}` is defined twice", coupon.id()),
            ));
        }
        if coupon.name.trim().is_empty() {
            problems.push(at(
                place.name.span(),
                "a coupon needs the name the buyer sees (店铺券, 新客券 …)".into(),
            ));
        }
        let value = coupon.value;
        if value == 0 {
            problems.push(at(
                place.value.span(),
                "a coupon's value must be at least 1 yuan".into(),
            ));
        } else if coupon.threshold > 0 && value >= coupon.threshold {
            let span = place
                .threshold
                .as_ref()
                .map_or(place.value.span(), |t| t.span());
            problems.push(at(
                span,
                format!(
                    "coupon `{}` takes {value} yuan off an order of {}: a coupon's value must be less than its threshold",
                    coupon.id(),
                    coupon.threshold
                ),
            ));
        }
    }
}

fn check_fibres(
    product: &super::Product,
    fibres: &Spanned<Vec<Spanned<located::Fibre>>>,
    at: &impl Fn(std::ops::Range<usize>, String) -> Diagnostic,
    problems: &mut Vec<Diagnostic>,
) {
    let mut all_in_range = true;
    for fibre in fibres.get_ref() {
        let fibre = fibre.get_ref();
        let name = fibre.fibre.get_ref();
        if name.trim().is_empty() {
            problems.push(at(
                fibre.fibre.span(),
                "a fibre needs a name (棉, 聚酯纤维, 羊毛 …)".into(),
            ));
        }
        let percent = *fibre.percent.get_ref();
        if !(0.0..=100.0).contains(&percent) {
            all_in_range = false;
            problems.push(at(
                fibre.percent.span(),
                format!("{name} at {percent}%: a percentage must be between 0 and 100"),
            ));
        }
    }
    // One wrong percentage would also throw the sum off: report it once.
    if all_in_range && !fibres.get_ref().is_empty() {
        let sum: f32 = fibres
            .get_ref()
            .iter()
            .map(|f| *f.get_ref().percent.get_ref())
            .sum();
        if (sum - 100.0).abs() > 1.0 {
            problems.push(at(
                fibres.span(),
                format!(
                    "the fibres of `{}` add up to {sum}%, not 100%",
                    product.id()
                ),
            ));
        }
    }
}

fn check_sold_out_variant(
    product: &super::Product,
    variant: &Spanned<located::Variant>,
    at: &impl Fn(std::ops::Range<usize>, String) -> Diagnostic,
    problems: &mut Vec<Diagnostic>,
) {
    let inner = variant.get_ref();
    if inner.color.is_none() && inner.size.is_none() {
        problems.push(at(
            variant.span(),
            "an out_of_stock variant needs a color, a size or both".into(),
        ));
    }
    check_variant(
        product,
        "out_of_stock",
        inner.color.as_ref(),
        inner.size.as_ref(),
        at,
        problems,
    );
}

/// A colour and a size named for `product` (by `what`: out_of_stock, an order item) must be
/// the product's own, written as its catalog entry writes them.
fn check_variant(
    product: &super::Product,
    what: &str,
    color: Option<&Spanned<String>>,
    size: Option<&Spanned<String>>,
    at: &impl Fn(std::ops::Range<usize>, String) -> Diagnostic,
    problems: &mut Vec<Diagnostic>,
) {
    let id = product.id();
    if let Some(color) = color {
        let color_name = color.get_ref();
        if product.colors.is_empty() {
            problems.push(at(
                color.span(),
                format!("`{id}` lists no colors, so {what} cannot name one"),
            ));
        } else if !product.colors.contains(color_name) {
            problems.push(at(
                color.span(),
                format!(
                    "`{id}` has no color `{color_name}` (its colors: {}){}",
                    product.colors.join(", "),
                    did_you_mean(color_name, product.colors.iter().map(String::as_str))
                ),
            ));
        }
    }
    if let Some(size) = size {
        let size_name = size.get_ref();
        if !product.is_sized() {
            problems.push(at(
                size.span(),
                format!("`{id}` has no size chart, so {what} cannot name a size"),
            ));
        } else if product.size_index(size_name).is_none() {
            let chart: Vec<&str> = product.sizes.iter().map(|r| r.name()).collect();
            let hint = match crate::engine::extract::canonical_size(size_name) {
                Some(standard) if chart.contains(&standard.as_str()) => {
                    format!(" (write it `{standard}`, as the chart does)")
                }
                _ => String::new(),
            };
            problems.push(at(
                size.span(),
                format!(
                    "`{id}` has no size `{size_name}` in its chart ({}){hint}",
                    chart.join(", ")
                ),
            ));
        }
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
        // An unknown topic has no bit and matches nothing: it would silently never hold, and an
        // asks_any of unknown topics only would not restrict the check at all.
        let when = &check.when;
        let fields: [(&str, &[Spanned<String>]); 4] = [
            ("when.asks_any", &when.asks_any),
            (
                "when.asks_none",
                when.asks_none.as_deref().unwrap_or_default(),
            ),
            ("when.unless_raised", &when.unless_raised),
            ("when.raised_any", &when.raised_any),
        ];
        for (field, topics) in fields {
            for topic in topics {
                check_topic(content, check.file, field, topic, problems);
            }
        }
    }
}

fn check_topic(
    content: &Content,
    file: usize,
    field: &str,
    topic: &Spanned<String>,
    problems: &mut Vec<Diagnostic>,
) {
    if !content.rubric.topics.contains_key(topic.get_ref()) {
        problems.push(content.diagnostic(
            file,
            Some(topic.span()),
            format!(
                "unknown topic `{}` in {field}{}",
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
    if let Some(order) = &scenario.order {
        check_order(content, order, &at, problems);
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
        let takes_up = |line: &String| {
            REPLY_PLACEHOLDERS
                .iter()
                .any(|p| line.contains(&format!("{{{p}}}")))
        };
        if !turn.say.is_empty() && turn.say.iter().all(takes_up) {
            problems.push(at(
                turn.id.span(),
                format!(
                    "turn `{}`: every line takes up something from the reply ({{offered}}, {{size_said}}…); add one that does not, for replies that leave it out",
                    turn.id()
                ),
            ));
        }
        for topic in &turn.asks {
            check_topic(content, file, "asks", topic, problems);
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

/// An order's number, its items (products, colours and sizes of the catalog) and its tracking
/// events (times that parse and do not run backwards).
fn check_order(
    content: &Content,
    order: &super::Order,
    at: &impl Fn(std::ops::Range<usize>, String) -> Diagnostic,
    problems: &mut Vec<Diagnostic>,
) {
    for (field, value) in [("number", &order.number), ("tracking", &order.tracking)] {
        if let Some(v) = value {
            let text = v.get_ref();
            let ok = (6..=30).contains(&text.len())
                && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
            if !ok {
                problems.push(at(
                    v.span(),
                    format!(
                        "order {field} `{text}` is not written as an order card writes one: 6 to 30 digits, letters or dashes"
                    ),
                ));
            }
        }
    }
    for item in &order.items {
        let id = item.product.get_ref();
        let Some(product) = content.catalog.product(id) else {
            problems.push(at(
                item.product.span(),
                format!(
                    "unknown product `{id}` in the order{}",
                    did_you_mean(id, content.catalog.products.iter().map(|p| p.id()))
                ),
            ));
            continue;
        };
        check_variant(
            product,
            "an order item",
            item.color.as_ref(),
            item.size.as_ref(),
            at,
            problems,
        );
        if *item.quantity.get_ref() == 0 {
            problems.push(at(
                item.quantity.span(),
                "an order item's quantity must be at least 1".into(),
            ));
        }
    }
    let mut previous: Option<(u32, u32)> = None;
    for event in &order.logistics {
        let Some(time) = logistics_time(event.time.get_ref()) else {
            problems.push(at(
                event.time.span(),
                format!(
                    "logistics time `{}` is not `MM-DD HH:MM` (12-03 18:20)",
                    event.time.get_ref()
                ),
            ));
            continue;
        };
        if event.text.trim().is_empty() {
            problems.push(at(
                event.time.span(),
                "a logistics event needs its text (【杭州转运中心】已发出)".into(),
            ));
        }
        // A parcel sent in late December may arrive in January.
        if let Some(before) = previous {
            let new_year = before.0 >= 1201 && time.0 < 200;
            if time < before && !new_year {
                problems.push(at(
                    event.time.span(),
                    format!(
                        "logistics events run backwards: `{}` comes before the event above it; list them oldest first",
                        event.time.get_ref()
                    ),
                ));
            }
        }
        previous = Some(time);
    }
}

/// `MM-DD HH:MM` as (month × 100 + day, hour × 100 + minute), when it is a real time.
fn logistics_time(text: &str) -> Option<(u32, u32)> {
    let (date, clock) = text.trim().split_once(' ')?;
    let (month, day) = date.split_once('-')?;
    let (hour, minute) = clock.trim().split_once(':')?;
    let number = |s: &str| {
        (s.len() == 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let (month, day, hour, minute) = (number(month)?, number(day)?, number(hour)?, number(minute)?);
    let ok = (1..=12).contains(&month) && (1..=31).contains(&day) && hour < 24 && minute < 60;
    ok.then_some((month * 100 + day, hour * 100 + minute))
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
        let known = PLACEHOLDERS.contains(&name) || REPLY_PLACEHOLDERS.contains(&name);
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
                    did_you_mean(name, PLACEHOLDERS.iter().chain(REPLY_PLACEHOLDERS).copied())
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

#[cfg(test)]
mod tests {
    use super::super::{Content, SeeThrough, SourceFile};

    const RUBRIC: &str = include_str!("../../tests/fixtures/minimal/rubrics/default.toml");

    /// A shop with one unsized product and, last, a sized one, so that a test can append
    /// `[products.spec]` to the T-shirt: its header is line 29, its first field line 30.
    const CATALOG: &str = r#"[shop]
name = "测试小店"
free_shipping_threshold = 99
max_discount = 5
price_protection_days = 15

[[products]]
id = "socks"
name = "纯棉袜"
category = "accessory"
price = 20

[[products]]
id = "tee"
name = "纯棉T恤"
category = "top"
price = 79
material = "100%纯棉"
colors = ["白色", "黑色"]

[[products.sizes]]
size = "M"
height = [160, 170]

[[products.sizes]]
size = "L"
height = [168, 178]

"#;

    fn load_with(catalog: &str, rubric: &str) -> Result<Content, Vec<String>> {
        Content::from_files(vec![
            SourceFile::new("scenarios/catalog.toml", catalog),
            SourceFile::new("rubrics/default.toml", rubric),
        ])
        .map_err(|problems| problems.iter().map(|d| d.to_string()).collect())
    }

    fn load(catalog: &str) -> Result<Content, Vec<String>> {
        load_with(catalog, RUBRIC)
    }

    /// The `path:line:col: error: message` line of every problem.
    fn first_lines(loaded: Result<Content, Vec<String>>) -> Vec<String> {
        match loaded {
            Ok(_) => Vec::new(),
            Err(problems) => problems
                .iter()
                .map(|p| p.lines().next().unwrap_or("").to_string())
                .collect(),
        }
    }

    /// The `path:line:col: error: message` line of every problem in a catalog.
    fn headers(catalog: &str) -> Vec<String> {
        first_lines(load(catalog))
    }

    /// The problem lines of the minimal rubric with one check appended whose `when` table is
    /// `when`, and the line that table is on.
    fn rubric_headers(when: &str) -> (usize, Vec<String>) {
        let rubric = format!(
            "{RUBRIC}\n[[checks]]\nid = \"extra\"\ndimension = \"clarity\"\nkind = \"hedging\"\nwhen = {when}\n"
        );
        let line = rubric.lines().count();
        (line, first_lines(load_with(CATALOG, &rubric)))
    }

    fn with_tee_spec(spec: &str) -> String {
        format!("{CATALOG}[products.spec]\n{spec}")
    }

    #[test]
    fn a_catalog_without_any_spec_still_loads() {
        let content = load(CATALOG).expect("the catalog loads");
        let tee = content.catalog.product("tee").expect("tee");
        assert_eq!(tee.spec, Default::default());
        let shop = &content.catalog.shop;
        assert_eq!(shop.ships_within_hours, None);
        assert_eq!(shop.delivery_days, None);
        assert_eq!(shop.invoice, None);
    }

    #[test]
    fn a_full_spec_and_the_shop_fields_are_read() {
        let catalog = with_tee_spec(
            "fabric = \"针织\"\n\
             fibres = [{ fibre = \"棉\", percent = 95 }, { fibre = \"氨纶\", percent = 5.0 }]\n\
             lining = false\n\
             see_through = \"slight\"\n\
             care = { machine_wash = true, tumble_dry = false, max_water_c = 30 }\n\
             stretch = true\n\
             out_of_stock = [{ color = \"黑色\", size = \"L\" }, { size = \"M\" }]\n",
        )
        .replace(
            "price_protection_days = 15\n",
            "price_protection_days = 15\nships_within_hours = 48\ndelivery_days = [2, 5]\ninvoice = true\n",
        );
        let content = load(&catalog).expect("the catalog loads");
        let spec = &content.catalog.product("tee").expect("tee").spec;
        assert_eq!(spec.fabric.as_deref(), Some("针织"));
        let fibres: Vec<(&str, f32)> = spec
            .fibres
            .iter()
            .map(|f| (f.fibre.as_str(), f.percent))
            .collect();
        assert_eq!(fibres, [("棉", 95.0), ("氨纶", 5.0)]);
        assert_eq!(spec.lining, Some(false));
        assert_eq!(spec.see_through, Some(SeeThrough::Slight));
        assert_eq!(spec.care.machine_wash, Some(true));
        assert_eq!(spec.care.hand_wash, None);
        assert_eq!(spec.care.tumble_dry, Some(false));
        assert_eq!(spec.care.dry_clean_only, None);
        assert_eq!(spec.care.max_water_c, Some(30));
        assert_eq!(spec.stretch, Some(true));
        let sold_out: Vec<(Option<&str>, Option<&str>)> = spec
            .out_of_stock
            .iter()
            .map(|v| (v.color.as_deref(), v.size.as_deref()))
            .collect();
        assert_eq!(sold_out, [(Some("黑色"), Some("L")), (None, Some("M"))]);
        let shop = &content.catalog.shop;
        assert_eq!(shop.ships_within_hours, Some(48));
        assert_eq!(shop.delivery_days, Some([2, 5]));
        assert_eq!(shop.invoice, Some(true));
        // The spec of a product that gives none stays empty.
        let socks = content.catalog.product("socks").expect("socks");
        assert_eq!(socks.spec, Default::default());
    }

    #[test]
    fn an_unknown_spec_field_is_refused_at_its_place() {
        assert_eq!(
            headers(&with_tee_spec("fabirc = \"针织\"\n")),
            [
                "scenarios/catalog.toml:30:1: error: unknown field `fabirc`, expected one of `fabric`, `fibres`, `lining`, `see_through`, `care`, `stretch`, `out_of_stock`"
            ]
        );
        assert_eq!(
            headers(&with_tee_spec("see_through = \"a-little\"\n")),
            [
                "scenarios/catalog.toml:30:15: error: unknown variant `a-little`, expected one of `no`, `slight`, `yes`"
            ]
        );
    }

    #[test]
    fn fibres_must_add_up_to_100_within_one_point() {
        assert_eq!(
            headers(&with_tee_spec(
                "fibres = [{ fibre = \"棉\", percent = 90 }, { fibre = \"氨纶\", percent = 5 }]\n"
            )),
            ["scenarios/catalog.toml:30:10: error: the fibres of `tee` add up to 95%, not 100%"]
        );
        // Rounded label figures are fine.
        for fibres in [
            "fibres = [{ fibre = \"棉\", percent = 33.3 }, { fibre = \"粘纤\", percent = 33.3 }, { fibre = \"锦纶\", percent = 33.3 }]\n",
            "fibres = [{ fibre = \"棉\", percent = 95.5 }, { fibre = \"氨纶\", percent = 5.5 }]\n",
            "fibres = []\n",
        ] {
            assert_eq!(headers(&with_tee_spec(fibres)), [] as [&str; 0], "{fibres}");
        }
    }

    #[test]
    fn a_percentage_outside_0_to_100_is_reported_once() {
        // Not again as a sum that is off: that is the same mistake.
        assert_eq!(
            headers(&with_tee_spec(
                "fibres = [{ fibre = \"棉\", percent = 120 }, { fibre = \"氨纶\", percent = -20 }]\n"
            )),
            [
                "scenarios/catalog.toml:30:36: error: 棉 at 120%: a percentage must be between 0 and 100",
                "scenarios/catalog.toml:30:69: error: 氨纶 at -20%: a percentage must be between 0 and 100",
            ]
        );
    }

    #[test]
    fn a_fibre_needs_a_name() {
        assert_eq!(
            headers(&with_tee_spec(
                "fibres = [{ fibre = \" \", percent = 100 }]\n"
            )),
            ["scenarios/catalog.toml:30:21: error: a fibre needs a name (棉, 聚酯纤维, 羊毛 …)"]
        );
    }

    #[test]
    fn a_sold_out_color_must_be_one_of_the_products_colors() {
        assert_eq!(
            headers(&with_tee_spec("out_of_stock = [{ color = \"黑\" }]\n")),
            [
                "scenarios/catalog.toml:30:27: error: `tee` has no color `黑` (its colors: 白色, 黑色) (did you mean `黑色`?)"
            ]
        );
        let socks = CATALOG.replace(
            "price = 20\n",
            "price = 20\n[products.spec]\nout_of_stock = [{ color = \"白色\" }]\n",
        );
        assert_eq!(
            headers(&socks),
            [
                "scenarios/catalog.toml:13:27: error: `socks` lists no colors, so out_of_stock cannot name one"
            ]
        );
    }

    #[test]
    fn a_sold_out_size_must_be_one_of_the_chart_sizes() {
        assert_eq!(
            headers(&with_tee_spec(
                "out_of_stock = [{ color = \"白色\", size = \"XL\" }]\n"
            )),
            ["scenarios/catalog.toml:30:40: error: `tee` has no size `XL` in its chart (M, L)"]
        );
        assert_eq!(
            headers(&with_tee_spec("out_of_stock = [{ size = \"m码\" }]\n")),
            [
                "scenarios/catalog.toml:30:26: error: `tee` has no size `m码` in its chart (M, L) (write it `M`, as the chart does)"
            ]
        );
        let socks = CATALOG.replace(
            "price = 20\n",
            "price = 20\n[products.spec]\nout_of_stock = [{ size = \"M\" }]\n",
        );
        assert_eq!(
            headers(&socks),
            [
                "scenarios/catalog.toml:13:26: error: `socks` has no size chart, so out_of_stock cannot name a size"
            ]
        );
    }

    #[test]
    fn a_sold_out_variant_names_a_color_or_a_size() {
        assert_eq!(
            headers(&with_tee_spec("out_of_stock = [{}]\n")),
            [
                "scenarios/catalog.toml:30:17: error: an out_of_stock variant needs a color, a size or both"
            ]
        );
    }

    #[test]
    fn delivery_days_run_from_min_to_max() {
        let backwards = CATALOG.replace(
            "price_protection_days = 15\n",
            "price_protection_days = 15\ndelivery_days = [5, 2]\n",
        );
        assert_eq!(
            headers(&backwards),
            [
                "scenarios/catalog.toml:6:17: error: delivery_days [5, 2] runs backwards: write [min, max]"
            ]
        );
        let one_day = CATALOG.replace(
            "price_protection_days = 15\n",
            "price_protection_days = 15\ndelivery_days = [3, 3]\n",
        );
        assert_eq!(headers(&one_day), [] as [&str; 0]);
    }

    #[test]
    fn every_topic_condition_of_a_check_names_known_topics() {
        for field in ["asks_any", "asks_none", "unless_raised", "raised_any"] {
            let when = format!("{{ {field} = [\"size\", \"sise\"] }}");
            let (line, problems) = rubric_headers(&when);
            // `when = { field = ["size", ` comes before the unknown topic.
            let col = "when = { ".len() + field.len() + " = [\"size\", ".len() + 1;
            assert_eq!(
                problems,
                [format!(
                    "rubrics/default.toml:{line}:{col}: error: unknown topic `sise` in when.{field} (did you mean `size`?)"
                )],
                "{field}"
            );
        }
        let known = "{ asks_any = [\"size\"], asks_none = [\"price\"], unless_raised = [\"closing\"], raised_any = [\"price\"] }";
        assert_eq!(rubric_headers(known).1, [] as [&str; 0]);
    }

    /// Every spec problem of a catalog at once, each rendered at its place with carets under
    /// the CJK value.
    #[test]
    fn every_spec_problem_is_reported_at_once() {
        let catalog = with_tee_spec(
            "fibres = [{ fibre = \"棉\", percent = 90 }]\nout_of_stock = [{ color = \"红色\" }]\n",
        )
        .replace(
            "price_protection_days = 15\n",
            "price_protection_days = 15\ndelivery_days = [5, 2]\n",
        );
        let problems = load(&catalog).expect_err("the catalog is refused");
        assert_eq!(problems.len(), 3, "{problems:#?}");
        assert_eq!(
            problems[2],
            "scenarios/catalog.toml:32:27: error: `tee` has no color `红色` (its colors: 白色, 黑色)\n   |\n32 | out_of_stock = [{ color = \"红色\" }]\n   |                           ^^^^^^"
        );
    }

    #[test]
    fn the_shipping_fields_and_coupons_are_read() {
        let catalog = CATALOG.replace(
            "price_protection_days = 15\n",
            "price_protection_days = 15\nsame_day_cutoff = 16\ncourier = \"圆通速递\"\n",
        ) + "[[coupons]]\nid = \"c1\"\nname = \"店铺券\"\nthreshold = 150\nvalue = 10\nnote = \"商品页领取\"\n\n[[coupons]]\nid = \"c2\"\nname = \"新客券\"\nvalue = 3\n";
        let content = load(&catalog).expect("the catalog loads");
        let shop = &content.catalog.shop;
        assert_eq!(shop.same_day_cutoff, Some(16));
        assert_eq!(shop.courier.as_deref(), Some("圆通速递"));
        let coupons = &content.catalog.coupons;
        assert_eq!(coupons.len(), 2);
        assert_eq!((coupons[0].threshold, coupons[0].value), (150, 10));
        assert_eq!((coupons[1].threshold, coupons[1].note.as_str()), (0, ""));
        let plain = load(CATALOG).expect("the catalog loads");
        assert_eq!(plain.catalog.shop.courier, None);
        assert!(plain.catalog.coupons.is_empty());
    }

    #[test]
    fn a_courier_is_named_as_couriers_are() {
        let with = |courier: &str| {
            headers(&CATALOG.replace(
                "price_protection_days = 15\n",
                &format!("price_protection_days = 15\ncourier = \"{courier}\"\n"),
            ))
        };
        for good in ["中通快递", "中通", "顺丰", "EMS", "安能快运", "京东物流"] {
            assert_eq!(with(good), [] as [&str; 0], "{good}");
        }
        assert_eq!(
            with("中通块递"),
            [
                "scenarios/catalog.toml:6:11: error: courier `中通块递` is not a courier's name: write it as its tracking page does (中通快递, 圆通速递, 申通快递, 韵达快递, 顺丰速运) (did you mean `中通快递`?)"
            ]
        );
        assert_eq!(
            with(" "),
            [
                "scenarios/catalog.toml:6:11: error: courier is empty: name the courier (中通快递, 顺丰速运 …) or leave the field out"
            ]
        );
    }

    #[test]
    fn the_same_day_cutoff_is_an_hour() {
        let at = |hour: &str| {
            headers(&CATALOG.replace(
                "price_protection_days = 15\n",
                &format!("price_protection_days = 15\nsame_day_cutoff = {hour}\n"),
            ))
        };
        assert_eq!(at("23"), [] as [&str; 0]);
        assert_eq!(
            at("24"),
            [
                "scenarios/catalog.toml:6:19: error: same_day_cutoff 24 is not an hour of the day: write 1 to 23 (16 for 16点前付款当天发)"
            ]
        );
    }

    #[test]
    fn coupons_are_checked_each_at_its_place() {
        let catalog = format!(
            "{CATALOG}[[coupons]]\nid = \"c1\"\nname = \"店铺券\"\nthreshold = 10\nvalue = 10\n\n[[coupons]]\nid = \"c1\"\nname = \"\"\nvalue = 0\n\n[[coupons]]\nid = \"c3\"\nname = \"券\"\nvalue = 3\nlimit = 1\n"
        );
        assert_eq!(
            headers(&catalog),
            [
                "scenarios/catalog.toml:44:1: error: unknown field `limit`, expected one of `id`, `name`, `threshold`, `value`, `note`"
            ]
        );
        let catalog = catalog.replace("limit = 1\n", "");
        assert_eq!(
            headers(&catalog),
            [
                "scenarios/catalog.toml:32:13: error: coupon `c1` takes 10 yuan off an order of 10: a coupon's value must be less than its threshold",
                "scenarios/catalog.toml:36:6: error: coupon `c1` is defined twice",
                "scenarios/catalog.toml:37:8: error: a coupon needs the name the buyer sees (店铺券, 新客券 …)",
                "scenarios/catalog.toml:38:9: error: a coupon's value must be at least 1 yuan",
            ]
        );
    }

    /// The bundled content with one more scenario, of after-sales, whose `[order]` is `order`.
    fn with_order(order: &str) -> Vec<String> {
        let mut files = crate::content::bundled_files();
        files.push(SourceFile::new(
            "scenarios/order-test.toml",
            format!(
                "id = \"order-test\"\ntitle = \"测试\"\npersona = \"bad-review\"\nproduct = \"men-tee\"\n\n[order]\nstatus = \"已签收\"\npaid = 89\n{order}\n[[turns]]\nid = \"complain\"\nsay = [\"颜色发错了\"]\nreference = \"亲，抱歉，马上给您补发\"\nfallback = \"end\"\n\n[[turns]]\nid = \"end\"\nsay = [\"好\"]\noutcome = \"resolved\"\n"
            ),
        ));
        match Content::from_files(files) {
            Ok(_) => Vec::new(),
            Err(problems) => problems
                .iter()
                .map(|p| p.to_string().lines().next().unwrap_or("").to_string())
                .collect(),
        }
    }

    #[test]
    fn an_order_with_number_items_and_logistics_loads() {
        let order = "number = \"3860311652287403958\"\nitems = [{ product = \"men-tee\", color = \"白色\", size = \"L\", quantity = 2 }, { product = \"socks-3\" }]\ntracking = \"73518728841065\"\nlogistics = [\n  { time = \"12-31 22:30\", text = \"【杭州转运中心】已发出\" },\n  { time = \"01-02 12:16\", text = \"【合肥市】已签收\" },\n]\n";
        assert_eq!(with_order(order), [] as [&str; 0]);
        let mut files = crate::content::bundled_files();
        files.retain(|f| f.rel != "scenarios/wrong-item.toml");
        let content = Content::from_files(files).expect("loads");
        assert!(content.scenarios.iter().all(|s| s.id() != "wrong-item"));
    }

    #[test]
    fn every_order_problem_is_reported_at_its_place() {
        let order = "number = \"12 34\"\nitems = [{ product = \"men-te\" }, { product = \"men-tee\", color = \"红色\", size = \"XXL\", quantity = 0 }]\nlogistics = [\n  { time = \"12-02 08:55\", text = \"【合肥市】派件中\" },\n  { time = \"12-01 22:30\", text = \"已发出\" },\n  { time = \"12-1 8:00\", text = \"已揽收\" },\n  { time = \"12-03 09:00\", text = \" \" },\n]\n";
        assert_eq!(
            with_order(order),
            [
                "scenarios/order-test.toml:9:10: error: order number `12 34` is not written as an order card writes one: 6 to 30 digits, letters or dashes",
                "scenarios/order-test.toml:10:22: error: unknown product `men-te` in the order (did you mean `men-tee`?)",
                "scenarios/order-test.toml:10:65: error: `men-tee` has no color `红色` (its colors: 白色, 黑色, 藏青, 灰绿)",
                "scenarios/order-test.toml:10:78: error: `men-tee` has no size `XXL` in its chart (S, M, L, XL, 2XL, 3XL) (write it `2XL`, as the chart does)",
                "scenarios/order-test.toml:10:96: error: an order item's quantity must be at least 1",
                "scenarios/order-test.toml:13:12: error: logistics events run backwards: `12-01 22:30` comes before the event above it; list them oldest first",
                "scenarios/order-test.toml:14:12: error: logistics time `12-1 8:00` is not `MM-DD HH:MM` (12-03 18:20)",
                "scenarios/order-test.toml:15:12: error: a logistics event needs its text (【杭州转运中心】已发出)",
            ]
        );
    }

    #[test]
    fn an_unknown_order_field_is_refused_at_its_place() {
        let problems = with_order("items = [{ product = \"men-tee\", colour = \"白色\" }]\n");
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].starts_with("scenarios/order-test.toml:9:")
                && problems[0].contains("unknown field `colour`"),
            "{}",
            problems[0]
        );
        let problems = with_order("courier = \"中通快递\"\n");
        assert!(
            problems[0]
                .starts_with("scenarios/order-test.toml:9:1: error: unknown field `courier`"),
            "{}",
            problems[0]
        );
    }
}
