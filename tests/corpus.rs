//! The bundled labelled corpus (`corpus/*.toml`) holds kefu's verdicts to account: a rubric or
//! engine change that loses precision or recall on it fails here. `kefu eval` prints the table.

use kefu::content::Content;
use kefu::engine::Scorer;
use kefu::eval::{Corpus, bundled_files, evaluate};
use kefu::lang::Lang;

#[test]
fn the_labelled_corpus_holds_precision_and_recall() {
    let content = Content::bundled().expect("bundled content is valid");
    let scorer = Scorer::new(&content, Lang::Zh).expect("bundled rubric compiles");
    let corpus = Corpus::load(bundled_files(), &content).expect("the bundled corpus loads");
    assert!(corpus.items.len() >= 600, "{} items", corpus.items.len());
    let hard = corpus
        .items
        .iter()
        .filter(|i| i.tags.iter().any(|t| t == "hard-negative"))
        .count();
    assert!(hard >= 250, "{hard} hard negatives");
    let evaluation = evaluate(&corpus, &scorer);
    let total = &evaluation.total;
    let misses: Vec<String> = evaluation
        .disagreements
        .iter()
        .filter(|d| d.kefu.is_some())
        .map(|d| d.describe(Lang::En))
        .collect();
    eprintln!(
        "corpus: precision {:.3}, recall {:.3} over {} labels",
        total.precision(),
        total.recall(),
        total.labelled
    );
    assert!(
        total.precision() >= 0.95 && total.recall() >= 0.90,
        "precision {:.3}, recall {:.3}; disagreements:\n{}",
        total.precision(),
        total.recall(),
        misses.join("\n")
    );
}
