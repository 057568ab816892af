//! Embeds the bundled content (`scenarios/`, `rubrics/`) and the labelled corpus (`corpus/`) in
//! the binary, so that adding a content or corpus file needs no code change; and makes the
//! table of traditional → simplified folds of `engine::text` from OpenCC's character table, so
//! that the binary carries the table and not OpenCC's dictionaries.

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

/// First and last code point of the CJK unified ideographs, the block whose traditional characters
/// fold (as in `engine::text`).
const CJK_FIRST: u32 = 0x4E00;
const CJK_LAST: u32 = 0x9FFF;

/// Folds that shop chat needs and OpenCC's character table does not make: OpenCC folds 帳 to 帐
/// (蚊帐), but customers write 帳號, 帳戶, 對帳 (账号, 账户, 对账); and it keeps 妳, the Taiwanese
/// "you" said to a woman, so that 妳好 would not match 你好. They win over OpenCC's table.
const FOLD_OVERRIDES: &[(char, char)] = &[('妳', '你'), ('帳', '账')];

/// The only character of `s`, if it has exactly one.
fn one_char(s: &str) -> Option<char> {
    let mut chars = s.chars();
    chars.next().filter(|_| chars.next().is_none())
}

/// The folds of `pairs` (traditional, simplified) and [`FOLD_OVERRIDES`] whose traditional side
/// is in the CJK block, by traditional code point. Chains (a → b, b → c) are followed to their
/// end, so that normalising twice changes nothing; identities are dropped.
fn fold_table(pairs: impl Iterator<Item = (char, char)>) -> Vec<(char, char)> {
    let mut map = std::collections::BTreeMap::new();
    for (t, s) in pairs.chain(FOLD_OVERRIDES.iter().copied()) {
        if (CJK_FIRST..=CJK_LAST).contains(&(t as u32)) {
            map.insert(t, s);
        }
    }
    let end_of = |mut s: char| {
        for _ in 0..8 {
            match map.get(&s) {
                Some(&next) if next != s => s = next,
                _ => break,
            }
        }
        s
    };
    let folds: Vec<(char, char)> = map
        .iter()
        .map(|(&t, &s)| (t, end_of(s)))
        .filter(|&(t, s)| t != s)
        .collect();
    for &(t, s) in &folds {
        assert!(
            map.get(&s).is_none_or(|&n| n == s),
            "{t} → {s} → …: a cycle, or a chain of more than 8"
        );
    }
    folds
}

/// Rust source for `engine::text`'s `TRAD_FOLD`: the character table of OpenCC
/// (`TSCharacters`, the default of each entry, as `opencc-fmmseg` ships it) with
/// [`FOLD_OVERRIDES`], one character for one, as a bitmap of the CJK block, the rank of each of
/// its 64-bit words and the simplified characters in the order of the traditional ones. Phrase
/// rules are left out, since normalisation keeps character positions; so are entries whose
/// simplified form is not one character, and traditional characters outside the block (rare
/// ones of extension A and beyond, which chat does not use).
fn trad_table() -> String {
    let dicts = opencc_fmmseg::DictionaryMaxlength::new()
        .unwrap_or_else(|e| panic!("opencc-fmmseg's dictionaries do not load: {e}"));
    let folds = fold_table(
        dicts
            .ts_characters
            .iter()
            .filter_map(|(key, value)| match key {
                &[t] => one_char(value).map(|s| (t, s)),
                _ => None,
            }),
    );
    let words = ((CJK_LAST - CJK_FIRST + 1) as usize).div_ceil(64);
    let mut bits = vec![0u64; words];
    for &(t, _) in &folds {
        let off = (t as u32 - CJK_FIRST) as usize;
        bits[off / 64] |= 1 << (off % 64);
    }
    let mut code = format!(
        "// Made by build.rs from OpenCC's TSCharacters (opencc-fmmseg) and FOLD_OVERRIDES: {} \
         folds.\n\n#[cfg(test)]\nconst FOLD_OVERRIDES: &[(char, char)] = &{FOLD_OVERRIDES:?};\n\n\
         static TRAD_FOLD: TradFold = TradFold {{\n    bits: [\n",
        folds.len()
    );
    for line in bits.chunks(4) {
        let line: Vec<String> = line.iter().map(|w| format!("0x{w:016x}")).collect();
        code.push_str(&format!("        {},\n", line.join(", ")));
    }
    code.push_str("    ],\n    rank: [\n");
    let mut below = 0u32;
    let rank: Vec<u32> = bits
        .iter()
        .map(|w| {
            let r = below;
            below += w.count_ones();
            r
        })
        .collect();
    assert!(below <= u32::from(u16::MAX));
    for line in rank.chunks(16) {
        let line: Vec<String> = line.iter().map(u32::to_string).collect();
        code.push_str(&format!("        {},\n", line.join(", ")));
    }
    code.push_str("    ],\n    simp: &[\n");
    for line in folds.chunks(16) {
        let line: Vec<String> = line.iter().map(|(_, s)| format!("{s:?}")).collect();
        code.push_str(&format!("        {},\n", line.join(", ")));
    }
    code.push_str("    ],\n};\n");
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
    // The table depends on build.rs and opencc-fmmseg alone, and cargo rebuilds and reruns the
    // script when either changes; a content change (the rerun-if-changed lines) remakes it too,
    // for some 0.4 s (the script's dependencies are not optimised).
    fs::write(out.join("trad_table.rs"), trad_table()).expect("OUT_DIR is writable");
}
