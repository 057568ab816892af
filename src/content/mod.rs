//! Training content: the catalog, personas, scenarios and rubrics, loaded from TOML and
//! validated, with every problem reported at its file, line and column.

pub mod catalog;
pub mod diagnostic;
pub mod persona;
pub mod phrases;
pub mod rubric;
pub mod scenario;
pub mod validate;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use serde::de::DeserializeOwned;

pub use catalog::{
    Care, Catalog, Fibre, Product, Promotion, PromotionKind, SeeThrough, Shop, SizeRow, Spec,
    Variant,
};
pub use diagnostic::{Diagnostic, SourceFile};
pub use persona::{Persona, PersonaKind};
pub use rubric::{Check, Dimension, Rubric, RubricFile};
pub use scenario::{Facts, Fit, Order, Outcome, Rule, Scenario, Turn};

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// Everything kefu trains and scores with.
#[derive(Debug, Clone)]
pub struct Content {
    pub files: Vec<SourceFile>,
    pub catalog: Catalog,
    pub personas: BTreeMap<PersonaKind, Persona>,
    pub scenarios: Vec<Scenario>,
    pub rubric: Rubric,
    /// The shop's quick phrases (快捷短语), from `scenarios/phrases.toml`.
    pub phrases: Vec<phrases::Phrase>,
}

impl Content {
    /// The content embedded in the binary.
    pub fn bundled() -> Result<Content, Vec<Diagnostic>> {
        Content::from_files(bundled_files())
    }

    /// Content from a folder holding `scenarios/` and `rubrics/`.
    pub fn from_dir(dir: &Path) -> Result<Content, Vec<Diagnostic>> {
        Content::from_files(read_dir_files(dir)?)
    }

    /// Content from a folder, or the bundled content when `dir` is `None`.
    pub fn load(dir: Option<&Path>) -> Result<Content, Vec<Diagnostic>> {
        match dir {
            Some(dir) => Content::from_dir(dir),
            None => Content::bundled(),
        }
    }

    /// Parses and validates a set of files named by their path relative to the content root.
    pub fn from_files(files: Vec<SourceFile>) -> Result<Content, Vec<Diagnostic>> {
        let mut problems = Vec::new();
        let mut catalog = None;
        let mut catalog_seen = false;
        let mut personas = BTreeMap::new();
        let mut scenarios = Vec::new();
        let mut rubric = Rubric::default();
        let mut quick = Vec::new();

        for (index, file) in files.iter().enumerate() {
            let path = file.rel.as_str();
            if path == phrases::PHRASES_PATH {
                match phrases::parse(file) {
                    Ok(p) => quick = p,
                    Err(found) => problems.extend(found),
                }
            } else if path == "scenarios/catalog.toml" {
                catalog_seen = true;
                if let Some(c) = parse::<Catalog>(file, &mut problems) {
                    catalog = Some(c);
                }
            } else if path.starts_with("scenarios/personas/") {
                if let Some(mut p) = parse::<Persona>(file, &mut problems) {
                    p.file = index;
                    match personas.entry(p.kind()) {
                        std::collections::btree_map::Entry::Occupied(_) => {
                            problems.push(file.diagnostic(
                                Some(p.id.span()),
                                format!("persona `{}` is defined twice", p.kind().id()),
                            ));
                        }
                        std::collections::btree_map::Entry::Vacant(slot) => {
                            slot.insert(p);
                        }
                    }
                }
            } else if path.starts_with("scenarios/") {
                if let Some(mut s) = parse::<Scenario>(file, &mut problems) {
                    s.file = index;
                    scenarios.push(s);
                }
            } else if path.starts_with("rubrics/") {
                if let Some(mut r) = parse::<RubricFile>(file, &mut problems) {
                    r.dimensions.iter_mut().for_each(|d| d.file = index);
                    r.checks.iter_mut().for_each(|c| c.file = index);
                    rubric.merge(r);
                }
            }
        }

        let Some(catalog) = catalog else {
            if catalog_seen {
                // Its parse error is already reported; checking the rest against no catalog
                // would only add noise.
                return Err(problems);
            }
            problems.push(Diagnostic::whole_file(
                "scenarios/catalog.toml",
                "the catalog is missing: every content folder needs scenarios/catalog.toml",
            ));
            return Err(problems);
        };
        let content = Content {
            files,
            catalog,
            personas,
            scenarios,
            rubric,
            phrases: quick,
        };
        problems.extend(validate::validate(&content));
        problems.extend(persona::validate(&content));
        if problems.is_empty() {
            Ok(content)
        } else {
            Err(problems)
        }
    }

    pub fn scenario(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id() == id)
    }

    pub fn persona(&self, kind: PersonaKind) -> Option<&Persona> {
        self.personas.get(&kind)
    }

    /// A diagnostic at a span of one of the content files.
    pub fn diagnostic(
        &self,
        file: usize,
        span: Option<std::ops::Range<usize>>,
        message: impl Into<String>,
    ) -> Diagnostic {
        match self.files.get(file) {
            Some(f) => f.diagnostic(span, message),
            None => Diagnostic::whole_file("<content>", message),
        }
    }

    /// The closest scenario id to a mistyped one, for "did you mean" hints.
    pub fn suggest_scenario(&self, wrong: &str) -> Option<&str> {
        suggest(wrong, self.scenarios.iter().map(|s| s.id()))
    }
}

/// The files embedded in the binary.
pub fn bundled_files() -> Vec<SourceFile> {
    bundled::BUNDLED
        .iter()
        .map(|(path, text)| SourceFile::new(*path, *text))
        .collect()
}

/// The candidate most like `wrong`, if any is close enough to be what was meant.
pub fn suggest<'a>(wrong: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (strsim::jaro_winkler(wrong, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

fn parse<T: DeserializeOwned>(file: &SourceFile, problems: &mut Vec<Diagnostic>) -> Option<T> {
    match toml::from_str::<T>(&file.text) {
        Ok(v) => Some(v),
        Err(e) => {
            problems.push(file.diagnostic(e.span(), e.message().trim().to_string()));
            None
        }
    }
}

fn read_dir_files(dir: &Path) -> Result<Vec<SourceFile>, Vec<Diagnostic>> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for sub in ["scenarios", "scenarios/personas", "rubrics"] {
        let folder = dir.join(sub);
        let entries = match fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) => {
                if sub != "scenarios/personas" {
                    problems.push(Diagnostic::whole_file(
                        folder.display().to_string(),
                        format!("cannot read the folder: {e}"),
                    ));
                }
                continue;
            }
        };
        let mut paths: Vec<_> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "toml"))
            .collect();
        paths.sort();
        for path in paths {
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let rel = format!("{sub}/{}", name.unwrap_or_default());
            match fs::read(&path) {
                Ok(bytes) => match String::from_utf8(bytes) {
                    Ok(text) => files.push(SourceFile::new(rel, text)),
                    Err(e) => problems.push(Diagnostic::whole_file(
                        path.display().to_string(),
                        format!(
                            "not valid UTF-8 (byte {}): save the file as UTF-8",
                            e.utf8_error().valid_up_to()
                        ),
                    )),
                },
                Err(e) => problems.push(Diagnostic::whole_file(
                    path.display().to_string(),
                    format!("cannot read the file: {e}"),
                )),
            }
        }
    }
    if problems.is_empty() {
        // Show paths as the user gave them, so that messages can be pasted into an editor.
        let prefix = dir.display().to_string();
        for f in &mut files {
            if prefix != "." {
                f.path = format!("{}/{}", prefix.trim_end_matches('/'), f.path);
            }
        }
        Ok(files)
    } else {
        Err(problems)
    }
}
