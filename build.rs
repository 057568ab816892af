//! Embeds the bundled content (`scenarios/`, `rubrics/`) and the labelled corpus (`corpus/`) in
//! the binary, so that adding a content or corpus file needs no code change.

use std::fs;
use std::path::Path;

fn collect(dir: &Path, root: &Path, out: &mut Vec<String>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            collect(&path, root, out);
        } else if path.extension().is_some_and(|e| e == "toml") {
            if let Ok(rel) = path.strip_prefix(root) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
}

/// Rust source for a static list of (path, text) of every `*.toml` under `dirs`.
fn bundle(name: &str, dirs: &[&str], root: &Path) -> String {
    let mut files = Vec::new();
    for dir in dirs {
        println!("cargo:rerun-if-changed={dir}");
        collect(&root.join(dir), root, &mut files);
    }
    let mut code = format!("pub static {name}: &[(&str, &str)] = &[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={file}");
        code.push_str(&format!(
            "    ({file:?}, include_str!(concat!(env!(\"CARGO_MANIFEST_DIR\"), \"/\", {file:?}))),\n"
        ));
    }
    code.push_str("];\n");
    code
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let out = Path::new(&out);
    // Two files: the corpus is not content, and the content loader never sees it.
    let content = bundle("BUNDLED", &["scenarios", "rubrics"], root);
    fs::write(out.join("bundled.rs"), content).expect("OUT_DIR is writable");
    let corpus = bundle("BUNDLED_CORPUS", &["corpus"], root);
    fs::write(out.join("corpus.rs"), corpus).expect("OUT_DIR is writable");
}
