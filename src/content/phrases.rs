//! Quick phrases (快捷短语): the canned replies every agent workbench keeps, each under a short
//! key. The shop's set is `scenarios/phrases.toml` in the content folder; a trainee may keep
//! their own in the data directory (`~/.local/share/kefu/phrases.toml` on Linux), whose keys
//! win over the shop's.

use serde::Deserialize;
use toml::Spanned;

use super::diagnostic::{Diagnostic, SourceFile};

/// Where the content folder keeps its quick phrases.
pub const PHRASES_PATH: &str = "scenarios/phrases.toml";

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhraseFile {
    #[serde(default)]
    pub phrases: Vec<Phrase>,
}

/// One quick phrase.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phrase {
    /// What the agent types to call it up: letters and digits, such as `hi` or `size1`.
    pub key: Spanned<String>,
    pub text: String,
    /// A word or two on when to use it, shown by `/q`.
    #[serde(default)]
    pub note: String,
}

impl Phrase {
    pub fn key(&self) -> &str {
        self.key.get_ref()
    }
}

/// The problems of a phrase file: a key that is not letters and digits, a key used twice, an
/// empty text; each at its place.
pub fn problems(file: &SourceFile, phrases: &[Phrase]) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for (i, p) in phrases.iter().enumerate() {
        let key = p.key();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            problems.push(file.diagnostic(
                Some(p.key.span()),
                format!("a quick-phrase key is letters, digits and `-`, such as `hi`: not `{key}`"),
            ));
        }
        if phrases[..i].iter().any(|q| q.key() == key) {
            problems.push(file.diagnostic(
                Some(p.key.span()),
                format!("the quick-phrase key `{key}` is used twice"),
            ));
        }
        if p.text.trim().is_empty() {
            problems.push(file.diagnostic(
                Some(p.key.span()),
                format!("the quick phrase `{key}` has no text"),
            ));
        }
    }
    problems
}

/// Parses a phrase file, with every problem located.
pub fn parse(file: &SourceFile) -> Result<Vec<Phrase>, Vec<Diagnostic>> {
    let parsed: PhraseFile = toml::from_str(&file.text)
        .map_err(|e| vec![file.diagnostic(e.span(), e.message().trim().to_string())])?;
    let problems = problems(file, &parsed.phrases);
    if problems.is_empty() {
        Ok(parsed.phrases)
    } else {
        Err(problems)
    }
}

/// The shop's phrases with the trainee's own laid over them (same key: the trainee's wins).
pub fn merge(shop: &[Phrase], own: Vec<Phrase>) -> Vec<Phrase> {
    let mut all: Vec<Phrase> = shop
        .iter()
        .filter(|p| !own.iter().any(|o| o.key() == p.key()))
        .cloned()
        .collect();
    all.extend(own);
    all
}

/// The quick phrase a reply was sent from: the phrase whose text the reply is, or begins with
/// or ends with (a phrase with a few words of the agent's own added), as long as the phrase is
/// most of the reply.
pub fn used_in<'p>(phrases: &'p [Phrase], reply: &str) -> Option<&'p Phrase> {
    let reply = reply.trim();
    let reply_chars = reply.chars().count();
    phrases
        .iter()
        .filter(|p| {
            let text = p.text.trim();
            reply == text
                || ((reply.starts_with(text) || reply.ends_with(text))
                    && text.chars().count() * 2 >= reply_chars)
        })
        .max_by_key(|p| p.text.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("scenarios/phrases.toml", text)
    }

    #[test]
    fn parses_and_finds_the_phrase_a_reply_came_from() {
        let f = file(
            "[[phrases]]\nkey = \"hi\"\ntext = \"亲，在的呢～请问有什么可以帮您？\"\n\n[[phrases]]\nkey = \"bye\"\ntext = \"感谢您的支持，祝您生活愉快～\"\nnote = \"道别\"\n",
        );
        let phrases = parse(&f).expect("parses");
        assert_eq!(phrases.len(), 2);
        assert_eq!(
            used_in(&phrases, "亲，在的呢～请问有什么可以帮您？").map(Phrase::key),
            Some("hi")
        );
        assert_eq!(
            used_in(&phrases, "好的，感谢您的支持，祝您生活愉快～").map(Phrase::key),
            Some("bye")
        );
        assert!(used_in(&phrases, "亲，L码合适").is_none());
    }

    #[test]
    fn bad_keys_twice_used_keys_and_empty_texts_are_located() {
        let f = file(
            "[[phrases]]\nkey = \"h i\"\ntext = \"a\"\n\n[[phrases]]\nkey = \"x\"\ntext = \"b\"\n\n[[phrases]]\nkey = \"x\"\ntext = \" \"\n",
        );
        let problems = parse(&f).expect_err("problems");
        let text: Vec<String> = problems.iter().map(|d| d.to_string()).collect();
        assert_eq!(problems.len(), 3, "{text:?}");
        assert!(
            text[0].starts_with("scenarios/phrases.toml:2:7"),
            "{}",
            text[0]
        );
        assert!(text[1].contains("used twice"), "{}", text[1]);
        assert!(text[2].contains("has no text"), "{}", text[2]);
    }

    #[test]
    fn the_trainees_own_phrases_win() {
        let shop = parse(&file("[[phrases]]\nkey = \"hi\"\ntext = \"您好\"\n")).unwrap();
        let own = parse(&file("[[phrases]]\nkey = \"hi\"\ntext = \"亲～\"\n")).unwrap();
        let all = merge(&shop, own);
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].text, "亲～");
    }
}
