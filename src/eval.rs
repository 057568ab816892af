//! The labelled corpus (`corpus/*.toml`, see docs/labelled-corpus.md): short exchanges labelled
//! with the verdict each check should give, loaded with every problem located, and run through
//! the engine to count how often kefu agrees (`kefu eval`, and a summary in `kefu check`).

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use toml::Spanned;
use toml::de::{DeTable, DeValue, ValueDeserializer};

use crate::content::diagnostic::str_width;
use crate::content::{Content, Diagnostic, SourceFile, suggest};
use crate::engine::{CheckResult, Scorer, Turn};
use crate::lang::Lang;
use crate::tr;

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/corpus.rs"));
}

/// Seconds between the customer's message and the reply when an item does not say.
pub const DEFAULT_LATENCY_S: f64 = 5.0;

pub use crate::engine::BUBBLE_JOINER;

/// The prefixes of `context` lines.
const CUSTOMER_PREFIX: &str = "顾客：";
const AGENT_PREFIX: &str = "客服：";

// ------------------------------------------------------------------------------------ items

/// The verdict a label asks of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Label {
    /// The check should judge the reply and pass it.
    Pass,
    /// The check should fail the reply (a finding).
    Fail,
    /// The check must not apply.
    Na,
}

impl Label {
    pub fn parse(s: &str) -> Option<Label> {
        match s {
            "pass" => Some(Label::Pass),
            "fail" => Some(Label::Fail),
            "na" => Some(Label::Na),
            _ => None,
        }
    }

    /// The word used in corpus files.
    pub fn id(self) -> &'static str {
        match self {
            Label::Pass => "pass",
            Label::Fail => "fail",
            Label::Na => "na",
        }
    }

    fn name(self, lang: Lang) -> &'static str {
        match lang {
            Lang::En => self.id(),
            Lang::Zh => match self {
                Label::Pass => "通过",
                Label::Fail => "不通过",
                Label::Na => "不适用",
            },
        }
    }
}

/// Who wrote a `context` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Speaker {
    Customer,
    Agent,
}

/// One labelled exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Index of its file in [`Corpus::files`].
    pub file: usize,
    /// The line of its `reply`, where disagreements point.
    pub line: usize,
    pub product: Option<String>,
    /// Earlier messages, oldest first.
    pub context: Vec<(Speaker, String)>,
    /// The customer's latest message, or several sent in a row.
    pub customer: Vec<String>,
    /// The reply judged: one message, or bubbles sent in a row.
    pub reply: Vec<String>,
    pub latency_s: f64,
    /// Check id and label, in file order.
    pub labels: Vec<(String, Label)>,
    pub tags: Vec<String>,
    pub why: Option<String>,
}

impl Item {
    /// The conversation before the reply, as [`Scorer::judge`] takes it: the context, then the
    /// customer's latest message(s).
    pub fn turns(&self) -> Vec<Turn<'_>> {
        let context = self.context.iter().map(|(speaker, text)| match speaker {
            Speaker::Customer => Turn::Customer(text),
            Speaker::Agent => Turn::Agent(text),
        });
        let customer = self.customer.iter().map(|text| Turn::Customer(text));
        context.chain(customer).collect()
    }

    /// The reply as one message: bubbles joined with [`BUBBLE_JOINER`].
    pub fn reply_text(&self) -> String {
        self.reply.join(BUBBLE_JOINER)
    }

    pub fn latency_ms(&self) -> u64 {
        (self.latency_s * 1000.0) as u64
    }
}

/// A loaded, valid corpus.
#[derive(Debug, Clone, Default)]
pub struct Corpus {
    pub files: Vec<SourceFile>,
    /// Every item of every file, in file order.
    pub items: Vec<Item>,
    /// The rubric's check ids, in rubric order: what labels were checked against, and the
    /// order results are listed in.
    pub checks: Vec<String>,
}

impl Corpus {
    /// Parses corpus files and checks them against the rubric's checks and the catalog's
    /// products of `content`. Every problem of every file comes back, located.
    pub fn load(files: Vec<SourceFile>, content: &Content) -> Result<Corpus, Vec<Diagnostic>> {
        let checks: Vec<String> = content
            .rubric
            .checks
            .iter()
            .map(|c| c.id().to_string())
            .collect();
        let products: Vec<&str> = content.catalog.products.iter().map(|p| p.id()).collect();
        let known = Known {
            checks: &checks,
            products: &products,
        };
        let mut items = Vec::new();
        let mut problems = Vec::new();
        for (index, file) in files.iter().enumerate() {
            let first_problem = problems.len();
            let mut reader = FileReader {
                file,
                index,
                known: &known,
                problems: &mut problems,
            };
            items.extend(reader.items());
            // In file order, as an editor goes through them.
            problems[first_problem..].sort_by_key(|d| (d.line, d.col));
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(Corpus {
            files,
            items,
            checks,
        })
    }
}

/// The corpus files embedded in the binary.
pub fn bundled_files() -> Vec<SourceFile> {
    bundled::BUNDLED_CORPUS
        .iter()
        .map(|(path, text)| SourceFile::new(*path, *text))
        .collect()
}

/// The corpus that goes with a content folder: the bundled one for the bundled content,
/// `DIR/corpus` for a folder that has one, and none otherwise.
pub fn content_corpus(
    content_dir: Option<&Path>,
) -> Option<Result<Vec<SourceFile>, Vec<Diagnostic>>> {
    match content_dir {
        None => Some(Ok(bundled_files())),
        Some(dir) => {
            let corpus = dir.join("corpus");
            corpus.is_dir().then(|| read_dir(&corpus))
        }
    }
}

/// Every `*.toml` under `dir` (at any depth, in path order), or the one file `dir` names.
/// Paths are shown as the user gave them.
pub fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, Vec<Diagnostic>> {
    let mut paths = Vec::new();
    let mut problems = Vec::new();
    if dir.is_file() {
        paths.push(dir.to_path_buf());
    } else {
        collect_toml(dir, &mut paths, &mut problems);
    }
    let mut files = Vec::new();
    for path in paths {
        let shown = path
            .strip_prefix(".")
            .unwrap_or(&path)
            .display()
            .to_string();
        match fs::read(&path) {
            Ok(bytes) => match String::from_utf8(bytes) {
                Ok(text) => files.push(SourceFile::new(shown, text)),
                Err(e) => problems.push(Diagnostic::whole_file(
                    shown,
                    format!(
                        "not valid UTF-8 (byte {}): save the file as UTF-8",
                        e.utf8_error().valid_up_to()
                    ),
                )),
            },
            Err(e) => problems.push(Diagnostic::whole_file(
                shown,
                format!("cannot read the file: {e}"),
            )),
        }
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(problems)
    }
}

fn collect_toml(dir: &Path, paths: &mut Vec<std::path::PathBuf>, problems: &mut Vec<Diagnostic>) {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.push(Diagnostic::whole_file(
                dir.display().to_string(),
                format!("cannot read the folder: {e}"),
            ));
            return;
        }
    };
    let mut found: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    found.sort();
    for path in found {
        if path.is_dir() {
            collect_toml(&path, paths, problems);
        } else if path.extension().is_some_and(|x| x == "toml") {
            paths.push(path);
        }
    }
}

/// What items are checked against.
struct Known<'a> {
    checks: &'a [String],
    products: &'a [&'a str],
}

/// An item as written, before its values are checked.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ItemToml {
    #[serde(default)]
    product: Option<Spanned<String>>,
    #[serde(default)]
    context: Vec<Spanned<String>>,
    customer: Spanned<Messages>,
    reply: Spanned<Messages>,
    #[serde(default)]
    latency_s: Option<Spanned<f64>>,
    #[serde(default)]
    labels: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    why: Option<String>,
}

/// One message, or a list of messages sent in a row.
struct Messages(Vec<String>);

impl<'de> Deserialize<'de> for Messages {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MessagesVisitor;
        impl<'de> Visitor<'de> for MessagesVisitor {
            type Value = Messages;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a message or a list of messages")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Messages, E> {
                Ok(Messages(vec![s.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Messages, A::Error> {
                let mut messages = Vec::new();
                while let Some(m) = seq.next_element::<String>()? {
                    messages.push(m);
                }
                Ok(Messages(messages))
            }
        }
        deserializer.deserialize_any(MessagesVisitor)
    }
}

/// Reads the items of one file, adding its problems to `problems`.
struct FileReader<'a> {
    file: &'a SourceFile,
    index: usize,
    known: &'a Known<'a>,
    problems: &'a mut Vec<Diagnostic>,
}

impl FileReader<'_> {
    fn problem(&mut self, span: std::ops::Range<usize>, message: impl Into<String>) {
        self.problems
            .push(self.file.diagnostic(Some(span), message));
    }

    fn toml_problem(&mut self, e: &toml::de::Error) {
        let message = e.message().trim().to_string();
        self.problems.push(self.file.diagnostic(e.span(), message));
    }

    /// The file's valid items; each invalid one adds its problems instead.
    fn items(&mut self) -> Vec<Item> {
        let root = match DeTable::parse(&self.file.text) {
            Ok(root) => root,
            Err(e) => {
                self.toml_problem(&e);
                return Vec::new();
            }
        };
        let mut items = Vec::new();
        for (key, value) in root.into_inner() {
            if key.get_ref() != "items" {
                let message = format!(
                    "unknown key `{}`: a corpus file holds only [[items]]",
                    key.get_ref()
                );
                self.problem(key.span(), message);
                continue;
            }
            let span = value.span();
            let DeValue::Array(entries) = value.into_inner() else {
                self.problem(
                    span,
                    "`items` is a list of tables: write each item under [[items]]",
                );
                continue;
            };
            for entry in entries {
                if !entry.get_ref().is_table() {
                    self.problem(entry.span(), "an item is a table: write it under [[items]]");
                    continue;
                }
                let span = entry.span();
                match ItemToml::deserialize(ValueDeserializer::from(entry)) {
                    Ok(raw) => items.extend(self.item(raw, span)),
                    Err(e) => self.toml_problem(&e),
                }
            }
        }
        items
    }

    /// Checks an item's values; `None` when it has problems (all of them reported).
    fn item(&mut self, raw: ItemToml, span: std::ops::Range<usize>) -> Option<Item> {
        let before = self.problems.len();
        if let Some(product) = &raw.product {
            let id = product.get_ref();
            if !self.known.products.contains(&id.as_str()) {
                let hint = did_you_mean(suggest(id, self.known.products.iter().copied()));
                self.problem(product.span(), format!("unknown product `{id}`{hint}"));
            }
        }
        let mut context = Vec::new();
        for line in &raw.context {
            match context_line(line.get_ref()) {
                Ok((speaker, text)) => context.push((speaker, text.to_string())),
                Err(message) => self.problem(line.span(), message),
            }
        }
        self.check_messages(&raw.customer, "the customer's message");
        self.check_messages(&raw.reply, "the reply");
        let latency_s = match &raw.latency_s {
            Some(l) if !(l.get_ref().is_finite() && *l.get_ref() >= 0.0) => {
                self.problem(l.span(), "`latency_s` is a number of seconds, 0 or more");
                DEFAULT_LATENCY_S
            }
            Some(l) => *l.get_ref(),
            None => DEFAULT_LATENCY_S,
        };
        let labels = self.labels(&raw.labels, span);
        if self.problems.len() > before {
            return None;
        }
        let line = self.file.line_col(raw.reply.span().start).0;
        Some(Item {
            file: self.index,
            line,
            product: raw.product.map(Spanned::into_inner),
            context,
            customer: raw.customer.into_inner().0,
            reply: raw.reply.into_inner().0,
            latency_s,
            labels,
            tags: raw.tags,
            why: raw.why,
        })
    }

    /// Reports an empty message list, or an empty message in it (`what` names them).
    fn check_messages(&mut self, messages: &Spanned<Messages>, what: &str) {
        let list = &messages.get_ref().0;
        let blank = |m: &String| m.trim().is_empty();
        let message = if list.iter().all(blank) {
            format!("{what} is empty")
        } else if let Some(i) = list.iter().position(blank) {
            format!("{what}: message {} of {} is empty", i + 1, list.len())
        } else {
            return;
        };
        self.problem(messages.span(), message);
    }

    fn labels(
        &mut self,
        written: &BTreeMap<Spanned<String>, Spanned<String>>,
        item_span: std::ops::Range<usize>,
    ) -> Vec<(String, Label)> {
        if written.is_empty() {
            self.problem(
                item_span,
                "the item labels no check: add `labels = { check-id = \"pass\" }`",
            );
        }
        let mut in_file_order: Vec<_> = written.iter().collect();
        in_file_order.sort_by_key(|(check, _)| check.span().start);
        let mut labels = Vec::new();
        for (check, value) in in_file_order {
            let id = check.get_ref();
            if !self.known.checks.iter().any(|c| c == id) {
                let hint = did_you_mean(suggest(id, self.known.checks.iter().map(String::as_str)));
                self.problem(check.span(), format!("unknown check `{id}`{hint}"));
            }
            match Label::parse(value.get_ref()) {
                Some(label) => labels.push((id.clone(), label)),
                None => self.problem(
                    value.span(),
                    format!(
                        "`{}` is not a label: use \"pass\", \"fail\" or \"na\"",
                        value.get_ref()
                    ),
                ),
            }
        }
        labels
    }
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion.map_or_else(String::new, |s| format!(" (did you mean `{s}`?)"))
}

/// Splits a `context` line into its speaker and text, or says what is wrong with it.
fn context_line(line: &str) -> Result<(Speaker, &str), String> {
    for (prefix, speaker) in [
        (CUSTOMER_PREFIX, Speaker::Customer),
        (AGENT_PREFIX, Speaker::Agent),
    ] {
        if let Some(text) = line.strip_prefix(prefix) {
            if text.trim().is_empty() {
                return Err(format!("the context line has no text after `{prefix}`"));
            }
            return Ok((speaker, text));
        }
    }
    let half_width = ["顾客:", "客服:"].iter().any(|p| line.starts_with(p));
    let hint = if half_width {
        " (with the full-width colon ：)"
    } else {
        ""
    };
    Err(format!(
        "a context line starts with `{CUSTOMER_PREFIX}` or `{AGENT_PREFIX}`{hint}"
    ))
}

// -------------------------------------------------------------------------------- measuring

/// How one check's verdicts compare with the labels. A label `fail` is a positive; kefu
/// predicts a positive when the check applied and failed the reply.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Labels counted (pass, fail and na).
    pub labelled: usize,
    /// Labelled fail, failed by kefu.
    pub true_pos: usize,
    /// Labelled pass or na, failed by kefu.
    pub false_pos: usize,
    /// Labelled fail, passed or not judged by kefu.
    pub false_neg: usize,
    /// Labelled pass or na, passed or not judged by kefu.
    pub true_neg: usize,
    /// Labelled na but the check applied, or labelled pass or fail but it did not.
    pub scope_errors: usize,
}

impl Counts {
    /// Counts one label against kefu's verdict: `Some(passed)` when the check applied, `None`
    /// when it did not. Returns whether they disagree (in verdict or in scope).
    pub fn record(&mut self, label: Label, verdict: Option<bool>) -> bool {
        let positive = label == Label::Fail;
        let predicted = verdict == Some(false);
        let count = match (positive, predicted) {
            (true, true) => &mut self.true_pos,
            (false, true) => &mut self.false_pos,
            (true, false) => &mut self.false_neg,
            (false, false) => &mut self.true_neg,
        };
        *count += 1;
        self.labelled += 1;
        let scope_error = (label == Label::Na) == verdict.is_some();
        if scope_error {
            self.scope_errors += 1;
        }
        positive != predicted || scope_error
    }

    /// Of the replies kefu failed, the share labelled fail (1 when it failed none).
    pub fn precision(&self) -> f64 {
        ratio(self.true_pos, self.true_pos + self.false_pos)
    }

    /// Of the replies labelled fail, the share kefu failed (1 when none is labelled fail).
    pub fn recall(&self) -> f64 {
        ratio(self.true_pos, self.true_pos + self.false_neg)
    }

    fn add(&mut self, other: &Counts) {
        self.labelled += other.labelled;
        self.true_pos += other.true_pos;
        self.false_pos += other.false_pos;
        self.false_neg += other.false_neg;
        self.true_neg += other.true_neg;
        self.scope_errors += other.scope_errors;
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// What kefu said about one check, when it applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub passed: bool,
    pub score: f64,
    pub message: String,
}

impl From<&CheckResult> for Verdict {
    fn from(r: &CheckResult) -> Self {
        Verdict {
            passed: r.passed,
            score: r.score,
            message: r.message.clone(),
        }
    }
}

/// An item on which kefu and a label disagree, in verdict or in scope.
#[derive(Debug, Clone, PartialEq)]
pub struct Disagreement {
    pub path: String,
    /// The line of the item's `reply`.
    pub line: usize,
    pub check: String,
    pub label: Label,
    /// kefu's verdict, or `None` when the check did not apply.
    pub kefu: Option<Verdict>,
}

impl Disagreement {
    /// `check `id`: labelled fail, kefu passed (score 100: …)`, in the UI language.
    pub fn describe(&self, lang: Lang) -> String {
        let label = self.label.name(lang);
        let kefu = match &self.kefu {
            Some(v) => {
                let verdict = match (v.passed, lang) {
                    (true, Lang::Zh) => "判为通过",
                    (false, Lang::Zh) => "判为不通过",
                    (true, Lang::En) => "passed",
                    (false, Lang::En) => "failed",
                };
                tr!(
                    lang,
                    "{}（得分{:.0}：{}）",
                    "{} (score {:.0}: {})",
                    verdict,
                    v.score,
                    v.message
                )
            }
            None => tr!(lang, "未判定（该项未适用）", "did not apply it"),
        };
        tr!(
            lang,
            "检查项`{}`：标注为{}，kefu{}",
            "check `{}`: labelled {}, kefu {}",
            self.check,
            label,
            kefu
        )
    }
}

/// The corpus measured: per check, in total, and every disagreement.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    pub items: usize,
    /// Every check labelled at least once, in rubric order.
    pub checks: Vec<(String, Counts)>,
    pub total: Counts,
    /// In corpus order.
    pub disagreements: Vec<Disagreement>,
}

/// Runs every item through the engine and compares each labelled check's verdict with its
/// label. `scorer` must list passed checks too (as [`Scorer::new`] makes it), or every pass
/// would look like a check that did not apply.
pub fn evaluate(corpus: &Corpus, scorer: &Scorer) -> Evaluation {
    let mut checks: Vec<(String, Counts)> = corpus
        .checks
        .iter()
        .map(|c| (c.clone(), Counts::default()))
        .collect();
    let mut disagreements = Vec::new();
    for item in &corpus.items {
        let results = scorer.judge(
            item.product.as_deref(),
            &item.turns(),
            &item.reply_text(),
            item.latency_ms(),
        );
        for (check, label) in &item.labels {
            let result = results.iter().find(|r| &*r.check == check);
            let index = match checks.iter().position(|(c, _)| c == check) {
                Some(i) => i,
                None => {
                    checks.push((check.clone(), Counts::default()));
                    checks.len() - 1
                }
            };
            if checks[index].1.record(*label, result.map(|r| r.passed)) {
                disagreements.push(Disagreement {
                    path: corpus
                        .files
                        .get(item.file)
                        .map_or_else(|| "<corpus>".to_string(), |f| f.path.clone()),
                    line: item.line,
                    check: check.clone(),
                    label: *label,
                    kefu: result.map(Verdict::from),
                });
            }
        }
    }
    checks.retain(|(_, counts)| counts.labelled > 0);
    let mut total = Counts::default();
    for (_, counts) in &checks {
        total.add(counts);
    }
    Evaluation {
        items: corpus.items.len(),
        checks,
        total,
        disagreements,
    }
}

// -------------------------------------------------------------------------------- reporting

/// One line with the totals: items, labels, the four counts, precision, recall and scope.
pub fn totals_line(evaluation: &Evaluation, lang: Lang) -> String {
    let t = &evaluation.total;
    tr!(
        lang,
        "标注语料：{}条、{}个标注；TP {}、FP {}、FN {}、TN {}；精确率 {:.2}、召回率 {:.2}；适用范围不符 {}",
        "labelled corpus: {} items, {} labels; tp {}, fp {}, fn {}, tn {}; precision {:.2}, recall {:.2}; scope errors {}",
        evaluation.items,
        t.labelled,
        t.true_pos,
        t.false_pos,
        t.false_neg,
        t.true_neg,
        t.precision(),
        t.recall(),
        t.scope_errors
    )
}

/// The table per check with a total row, then every disagreement at `path:line`.
pub fn write_text(
    evaluation: &Evaluation,
    lang: Lang,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let headers: [&str; 9] = match lang {
        Lang::Zh => [
            "检查项",
            "标注",
            "TP",
            "FP",
            "FN",
            "TN",
            "精确率",
            "召回率",
            "范围不符",
        ],
        Lang::En => [
            "check",
            "labelled",
            "tp",
            "fp",
            "fn",
            "tn",
            "precision",
            "recall",
            "scope errors",
        ],
    };
    let total_name = tr!(lang, "合计", "total");
    let mut rows: Vec<[String; 9]> = evaluation
        .checks
        .iter()
        .map(|(check, counts)| table_row(check, counts))
        .collect();
    rows.push(table_row(&total_name, &evaluation.total));
    let mut widths = headers.map(str_width);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(str_width(cell));
        }
    }
    write_row(&headers.map(String::from), &widths, out)?;
    for row in &rows {
        write_row(row, &widths, out)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", totals_line(evaluation, lang))?;
    if !evaluation.disagreements.is_empty() {
        writeln!(out)?;
        for d in &evaluation.disagreements {
            writeln!(out, "{}:{}: {}", d.path, d.line, d.describe(lang))?;
        }
    }
    Ok(())
}

fn table_row(name: &str, c: &Counts) -> [String; 9] {
    [
        name.to_string(),
        c.labelled.to_string(),
        c.true_pos.to_string(),
        c.false_pos.to_string(),
        c.false_neg.to_string(),
        c.true_neg.to_string(),
        format!("{:.2}", c.precision()),
        format!("{:.2}", c.recall()),
        c.scope_errors.to_string(),
    ]
}

/// The first cell left-aligned, the numbers right-aligned, by terminal width.
fn write_row(
    cells: &[String; 9],
    widths: &[usize; 9],
    out: &mut impl Write,
) -> std::io::Result<()> {
    let mut line = String::new();
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        let pad = " ".repeat(width.saturating_sub(str_width(cell)));
        if i == 0 {
            line.push_str(cell);
            line.push_str(&pad);
        } else {
            line.push_str("  ");
            line.push_str(&pad);
            line.push_str(cell);
        }
    }
    writeln!(out, "{}", line.trim_end())
}

/// A row of `kefu eval --json`.
#[derive(Serialize)]
struct JsonRow<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    check: Option<&'a str>,
    labelled: usize,
    tp: usize,
    fp: usize,
    #[serde(rename = "fn")]
    fn_: usize,
    tn: usize,
    precision: f64,
    recall: f64,
    scope_errors: usize,
}

impl<'a> JsonRow<'a> {
    fn new(check: Option<&'a str>, c: &Counts) -> Self {
        JsonRow {
            check,
            labelled: c.labelled,
            tp: c.true_pos,
            fp: c.false_pos,
            fn_: c.false_neg,
            tn: c.true_neg,
            precision: c.precision(),
            recall: c.recall(),
            scope_errors: c.scope_errors,
        }
    }
}

/// `{"checks": [{"check", "labelled", "tp", "fp", "fn", "tn", "precision", "recall",
/// "scope_errors"}], "total": {…the same but "check"}}`.
pub fn write_json(evaluation: &Evaluation, out: &mut impl Write) -> anyhow::Result<()> {
    #[derive(Serialize)]
    struct Report<'a> {
        checks: Vec<JsonRow<'a>>,
        total: JsonRow<'a>,
    }
    let report = Report {
        checks: evaluation
            .checks
            .iter()
            .map(|(check, counts)| JsonRow::new(Some(check), counts))
            .collect(),
        total: JsonRow::new(None, &evaluation.total),
    };
    writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
    Ok(())
}

/// Runs `kefu eval [DIR] [--json]`: the corpus in `dir`, else the one with the content (see
/// [`content_corpus`]), else the bundled one, judged with the content of `content_dir`.
/// Problems go to `err` as `kefu check` prints them, and exit 1.
pub fn run(
    dir: Option<&Path>,
    content_dir: Option<&Path>,
    json: bool,
    lang: Lang,
    out: &mut impl Write,
    err: &mut impl Write,
) -> anyhow::Result<ExitCode> {
    let content = match Content::load(content_dir) {
        Ok(c) => c,
        Err(problems) => return crate::check::report(&problems, lang, err),
    };
    let scorer = match Scorer::new(&content, lang) {
        Ok(s) => s,
        Err(problems) => return crate::check::report(&problems, lang, err),
    };
    let files = match dir {
        Some(dir) => read_dir(dir),
        None => content_corpus(content_dir).unwrap_or_else(|| Ok(bundled_files())),
    };
    let corpus = match files.and_then(|files| Corpus::load(files, &content)) {
        Ok(corpus) => corpus,
        Err(problems) => return crate::check::report(&problems, lang, err),
    };
    let evaluation = evaluate(&corpus, &scorer);
    if json {
        write_json(&evaluation, out)?;
    } else {
        write_text(&evaluation, lang, out)?;
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> Content {
        Content::bundled().expect("bundled content is valid")
    }

    fn load(text: &str) -> Result<Corpus, Vec<Diagnostic>> {
        Corpus::load(vec![SourceFile::new("corpus/t.toml", text)], &content())
    }

    /// The first line of each problem, as printed.
    fn headers(problems: &[Diagnostic]) -> Vec<String> {
        problems
            .iter()
            .map(|p| p.to_string().lines().next().unwrap_or("").to_string())
            .collect()
    }

    #[test]
    fn customer_and_reply_are_a_string_or_a_list() {
        let corpus = load(
            r#"
[[items]]
product = "men-tee"
context = ["顾客：在吗", "客服：亲，在的呢～"]
customer = ["我175 130斤", "穿L行吗"]
reply = ["亲，按您175、130斤", "拿L码刚好哦～"]
latency_s = 8
labels = { size-advice = "pass", no-insults = "pass", absolute-claims = "na" }
tags = ["bubbles"]
why = "inside L on the chart"

[[items]]
customer = "在吗"
reply = "亲，在的呢，请问有什么可以帮您～"
labels = { no-insults = "pass" }
"#,
        )
        .expect("a valid corpus");
        let [first, second] = &corpus.items[..] else {
            panic!("two items: {:?}", corpus.items);
        };
        assert_eq!(first.line, 6);
        assert_eq!(first.product.as_deref(), Some("men-tee"));
        assert_eq!(
            first.context,
            vec![
                (Speaker::Customer, "在吗".to_string()),
                (Speaker::Agent, "亲，在的呢～".to_string())
            ]
        );
        assert_eq!(
            first.turns(),
            vec![
                Turn::Customer("在吗"),
                Turn::Agent("亲，在的呢～"),
                Turn::Customer("我175 130斤"),
                Turn::Customer("穿L行吗"),
            ]
        );
        assert_eq!(first.reply_text(), "亲，按您175、130斤 拿L码刚好哦～");
        assert_eq!(first.latency_ms(), 8000);
        assert_eq!(
            first.labels,
            vec![
                ("size-advice".to_string(), Label::Pass),
                ("no-insults".to_string(), Label::Pass),
                ("absolute-claims".to_string(), Label::Na),
            ]
        );
        assert_eq!(first.tags, ["bubbles"]);
        assert_eq!(first.why.as_deref(), Some("inside L on the chart"));

        assert_eq!(second.line, 14);
        assert_eq!(second.product, None);
        assert_eq!(second.customer, ["在吗"]);
        assert_eq!(second.reply, ["亲，在的呢，请问有什么可以帮您～"]);
        assert_eq!(second.latency_s, DEFAULT_LATENCY_S);
    }

    #[test]
    fn every_problem_is_reported_at_its_line_and_column() {
        let problems = load(
            r#"
[[items]]
product = "men-teee"
context = ["顾客:在吗", "在的", "客服："]
customer = "我175 130斤 穿L行吗"
reply = ""
latency_s = -1
labels = { size-advise = "pass", no-insults = "ok" }

[[items]]
customer = []
reply = ["亲～", " "]
labels = {}

[[items]]
customer = "在吗"
reply = "在的"
labels = { no-insults = "pass" }
colour = "red"

[[items]]
customer = 5
reply = "在的"

[other]
"#,
        )
        .expect_err("a broken corpus");
        assert_eq!(
            headers(&problems),
            [
                "corpus/t.toml:3:11: error: unknown product `men-teee` (did you mean `men-tee`?)",
                "corpus/t.toml:4:12: error: a context line starts with `顾客：` or `客服：` (with the full-width colon ：)",
                "corpus/t.toml:4:21: error: a context line starts with `顾客：` or `客服：`",
                "corpus/t.toml:4:27: error: the context line has no text after `客服：`",
                "corpus/t.toml:6:9: error: the reply is empty",
                "corpus/t.toml:7:13: error: `latency_s` is a number of seconds, 0 or more",
                "corpus/t.toml:8:12: error: unknown check `size-advise` (did you mean `size-advice`?)",
                "corpus/t.toml:8:47: error: `ok` is not a label: use \"pass\", \"fail\" or \"na\"",
                "corpus/t.toml:10:1: error: the item labels no check: add `labels = { check-id = \"pass\" }`",
                "corpus/t.toml:11:12: error: the customer's message is empty",
                "corpus/t.toml:12:9: error: the reply: message 2 of 2 is empty",
                "corpus/t.toml:19:1: error: unknown field `colour`, expected one of `product`, `context`, `customer`, `reply`, `latency_s`, `labels`, `tags`, `why`",
                "corpus/t.toml:22:12: error: invalid type: integer `5`, expected a message or a list of messages",
                "corpus/t.toml:25:2: error: unknown key `other`: a corpus file holds only [[items]]",
            ]
        );
    }

    #[test]
    fn bad_toml_is_reported_and_other_files_still_read() {
        let files = vec![
            SourceFile::new("corpus/a.toml", "[[items]]\nreply = \"在的\n"),
            SourceFile::new(
                "corpus/b.toml",
                "[[items]]\ncustomer = \"在吗\"\nreply = \"在的\"\nlabels = { no-insult = \"pass\" }\n",
            ),
        ];
        let problems = Corpus::load(files, &content()).expect_err("two broken files");
        let headers = headers(&problems);
        assert_eq!(headers.len(), 2, "{headers:?}");
        assert!(headers[0].starts_with("corpus/a.toml:2:"), "{headers:?}");
        assert_eq!(
            headers[1],
            "corpus/b.toml:4:12: error: unknown check `no-insult` (did you mean `no-insults`?)"
        );
    }

    #[test]
    fn an_empty_file_has_no_items() {
        let corpus = load("# nothing labelled yet\n").expect("valid");
        assert!(corpus.items.is_empty());
    }

    #[test]
    fn the_content_loader_ignores_the_corpus() {
        let mut files = crate::content::bundled_files();
        assert!(files.iter().all(|f| !f.rel.starts_with("corpus/")));
        files.push(SourceFile::new("corpus/x.toml", "not = [valid"));
        assert!(Content::from_files(files).is_ok());
    }

    #[test]
    fn the_bundled_corpus_is_corpus_files_only() {
        for file in bundled_files() {
            assert!(file.path.starts_with("corpus/"), "{}", file.path);
            assert!(file.path.ends_with(".toml"), "{}", file.path);
        }
    }

    #[test]
    fn counts_follow_label_and_verdict() {
        use Label::{Fail, Na, Pass};
        // (label, verdict: Some(passed) or None when not applied) → (tp, fp, fn, tn, scope
        // error, disagreement)
        let cases = [
            (Fail, Some(false), [1, 0, 0, 0], false, false),
            (Fail, Some(true), [0, 0, 1, 0], false, true),
            (Fail, None, [0, 0, 1, 0], true, true),
            (Pass, Some(true), [0, 0, 0, 1], false, false),
            (Pass, Some(false), [0, 1, 0, 0], false, true),
            (Pass, None, [0, 0, 0, 1], true, true),
            (Na, None, [0, 0, 0, 1], false, false),
            (Na, Some(true), [0, 0, 0, 1], true, true),
            (Na, Some(false), [0, 1, 0, 0], true, true),
        ];
        for (label, verdict, [tp, fp, fneg, tn], scope, disagrees) in cases {
            let mut c = Counts::default();
            let got = c.record(label, verdict);
            let case = format!("{label:?} {verdict:?}");
            assert_eq!(got, disagrees, "{case}");
            assert_eq!(
                (c.true_pos, c.false_pos, c.false_neg, c.true_neg),
                (tp, fp, fneg, tn),
                "{case}"
            );
            assert_eq!(c.scope_errors, usize::from(scope), "{case}");
            assert_eq!(c.labelled, 1, "{case}");
        }
    }

    #[test]
    fn precision_and_recall() {
        let counts = |tp, fp, fneg| Counts {
            true_pos: tp,
            false_pos: fp,
            false_neg: fneg,
            ..Counts::default()
        };
        // (tp, fp, fn) → (precision, recall)
        let cases = [
            ((0, 0, 0), (1.0, 1.0)),
            ((3, 1, 0), (0.75, 1.0)),
            ((1, 0, 3), (1.0, 0.25)),
            ((0, 2, 0), (0.0, 1.0)),
            ((0, 0, 2), (1.0, 0.0)),
            ((2, 2, 2), (0.5, 0.5)),
        ];
        for ((tp, fp, fneg), (precision, recall)) in cases {
            let c = counts(tp, fp, fneg);
            assert_eq!(c.precision(), precision, "tp {tp} fp {fp} fn {fneg}");
            assert_eq!(c.recall(), recall, "tp {tp} fp {fp} fn {fneg}");
        }
    }

    #[test]
    fn evaluation_counts_per_check_and_in_total() {
        let content = content();
        let scorer = Scorer::new(&content, Lang::En).expect("rubric compiles");
        let corpus = Corpus::load(
            vec![SourceFile::new(
                "corpus/t.toml",
                r#"
[[items]]
customer = "能便宜点吗"
reply = "买不起就别买"
labels = { no-insults = "fail" }

[[items]]
customer = "能便宜点吗"
reply = "亲，已经是活动价了哦～"
labels = { no-insults = "fail", size-advice = "na" }
"#,
            )],
            &content,
        )
        .expect("valid");
        let evaluation = evaluate(&corpus, &scorer);
        assert_eq!(evaluation.items, 2);
        let checks: Vec<&str> = evaluation.checks.iter().map(|(c, _)| c.as_str()).collect();
        // Rubric order, not label order.
        assert_eq!(checks, ["size-advice", "no-insults"]);
        let insults = evaluation.checks[1].1;
        assert_eq!((insults.true_pos, insults.false_neg), (1, 1));
        assert_eq!(evaluation.total.labelled, 3);
        assert_eq!(evaluation.total.true_neg, 1);
        let [d] = &evaluation.disagreements[..] else {
            panic!("one disagreement: {:?}", evaluation.disagreements);
        };
        assert_eq!(
            (d.path.as_str(), d.line, d.check.as_str()),
            ("corpus/t.toml", 9, "no-insults")
        );
        assert!(
            d.describe(Lang::En)
                .starts_with("check `no-insults`: labelled fail, kefu passed (score 100: "),
            "{}",
            d.describe(Lang::En)
        );
    }

    #[test]
    fn disagreements_read_in_both_languages() {
        let d = Disagreement {
            path: "corpus/a.toml".into(),
            line: 3,
            check: "size-advice".into(),
            label: Label::Fail,
            kefu: Some(Verdict {
                passed: true,
                score: 100.0,
                message: "recommends L".into(),
            }),
        };
        assert_eq!(
            d.describe(Lang::En),
            "check `size-advice`: labelled fail, kefu passed (score 100: recommends L)"
        );
        assert_eq!(
            d.describe(Lang::Zh),
            "检查项`size-advice`：标注为不通过，kefu判为通过（得分100：recommends L）"
        );
        let d = Disagreement {
            label: Label::Pass,
            kefu: None,
            ..d
        };
        assert_eq!(
            d.describe(Lang::En),
            "check `size-advice`: labelled pass, kefu did not apply it"
        );
        assert_eq!(
            d.describe(Lang::Zh),
            "检查项`size-advice`：标注为通过，kefu未判定（该项未适用）"
        );
    }
}
