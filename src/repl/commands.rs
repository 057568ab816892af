//! The trainer's slash commands: one table from which parsing, `/help` and tab completion come.

use rustyline::completion::{Completer, Pair};
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use crate::lang::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Hint,
    Quick,
    Last,
    Facts,
    Restart,
    Quit,
    Help,
}

/// (name, command, Chinese help, English help)
pub const COMMANDS: &[(&str, Command, &str, &str)] = &[
    (
        "/hint",
        Command::Hint,
        "看参考话术（每次扣5分）",
        "show the reference answer (costs 5 points)",
    ),
    (
        "/q",
        Command::Quick,
        "列出快捷短语（输入 ;短语名 按Tab展开，可改后再发）",
        "list the quick phrases (type ;key and Tab to expand, edit, then send)",
    ),
    (
        "/last",
        Command::Last,
        "再看一遍顾客刚才说的话",
        "show the customer's last message again",
    ),
    (
        "/facts",
        Command::Facts,
        "再看一遍店铺、商品和订单信息",
        "show the shop, item and order info again",
    ),
    (
        "/restart",
        Command::Restart,
        "重新开始本场景",
        "start this scenario again",
    ),
    (
        "/quit",
        Command::Quit,
        "结束练习并看成绩单",
        "end the session and show the scorecard",
    ),
    ("/help", Command::Help, "查看命令", "list the commands"),
];

impl Command {
    /// `None`: not a command (a reply). `Some(None)`: starts with `/` but is unknown.
    pub fn parse(line: &str) -> Option<Option<Command>> {
        let word = line.trim();
        if !word.starts_with('/') && !word.starts_with('／') {
            return None;
        }
        let word = word.replacen('／', "/", 1);
        let name = word.split_whitespace().next().unwrap_or("");
        Some(
            COMMANDS
                .iter()
                .find(|(n, ..)| n.eq_ignore_ascii_case(name))
                .map(|(_, c, ..)| *c),
        )
    }
}

pub fn help(lang: Lang) -> String {
    let mut s = String::new();
    for (name, _, zh, en) in COMMANDS {
        let text = match lang {
            Lang::Zh => zh,
            Lang::En => en,
        };
        s.push_str(&format!("  {name:<9} {text}\n"));
    }
    s.push_str(match lang {
        Lang::Zh => "  Ctrl-C 清空当前行，Ctrl-D 结束练习\n",
        Lang::En => "  Ctrl-C clears the line, Ctrl-D ends the session\n",
    });
    s
}

/// rustyline helper: completes slash commands, and `;key` into the quick phrase's text.
#[derive(Debug, Default)]
pub struct CommandHelper {
    /// (key, text) of every quick phrase.
    pub phrases: Vec<(String, String)>,
}

impl CommandHelper {
    /// The candidates for what is typed before the cursor.
    fn candidates(&self, head: &str) -> Vec<Pair> {
        if head.contains(char::is_whitespace) {
            return Vec::new();
        }
        if let Some(key) = head.strip_prefix(';').or_else(|| head.strip_prefix('；')) {
            return self
                .phrases
                .iter()
                .filter(|(k, _)| k.starts_with(key))
                .map(|(k, text)| Pair {
                    display: format!(";{k} {text}"),
                    replacement: text.clone(),
                })
                .collect();
        }
        if !head.starts_with('/') {
            return Vec::new();
        }
        COMMANDS
            .iter()
            .map(|(n, ..)| *n)
            .filter(|n| n.starts_with(head))
            .map(|n| Pair {
                display: n.to_string(),
                replacement: n.to_string(),
            })
            .collect()
    }
}

impl Completer for CommandHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let head = line.get(..pos).unwrap_or(line);
        let found = self.candidates(head);
        if found.is_empty() {
            return Ok((pos, found));
        }
        Ok((0, found))
    }
}

/// A reply typed as `;key` or `;key more words` (scripted input, or Enter before Tab): the quick
/// phrase's text, with the words after the key appended. `None` when the line names no phrase.
pub fn expand_quick(line: &str, phrases: &[(String, String)]) -> Option<String> {
    let rest = line.strip_prefix(';').or_else(|| line.strip_prefix('；'))?;
    let (key, more) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let (_, text) = phrases.iter().find(|(k, _)| k == key)?;
    let more = more.trim();
    Some(if more.is_empty() {
        text.clone()
    } else {
        format!("{text}{more}")
    })
}

impl Hinter for CommandHelper {
    type Hint = String;
}
impl Highlighter for CommandHelper {}
impl Validator for CommandHelper {}
impl Helper for CommandHelper {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands_and_replies() {
        assert_eq!(Command::parse("/hint"), Some(Some(Command::Hint)));
        assert_eq!(Command::parse(" ／quit "), Some(Some(Command::Quit)));
        assert_eq!(Command::parse("/nope"), Some(None));
        assert_eq!(Command::parse("亲，在的"), None);
    }

    fn helper() -> CommandHelper {
        CommandHelper {
            phrases: vec![
                ("hi".into(), "亲，在的呢～".into()),
                ("ship".into(), "16点前付款当天发～".into()),
                ("size".into(), "方便说下身高体重吗？".into()),
            ],
        }
    }

    #[test]
    fn tab_completes_a_key_into_its_text_and_commands_by_name() {
        let h = helper();
        let hi = h.candidates(";h");
        assert_eq!(hi.len(), 1);
        assert_eq!(hi[0].replacement, "亲，在的呢～");
        assert_eq!(h.candidates(";s").len(), 2);
        assert!(
            h.candidates("；hi").len() == 1,
            "a full-width semicolon works too"
        );
        assert!(h.candidates(";hi there").is_empty());
        assert_eq!(h.candidates("/la")[0].replacement, "/last");
        assert!(h.candidates("亲").is_empty());
    }

    #[test]
    fn a_typed_key_expands_with_the_words_after_it() {
        let p = helper().phrases;
        assert_eq!(expand_quick(";hi", &p).as_deref(), Some("亲，在的呢～"));
        assert_eq!(
            expand_quick(";ship 今天就能发", &p).as_deref(),
            Some("16点前付款当天发～今天就能发")
        );
        assert_eq!(expand_quick(";nope", &p), None);
        assert_eq!(expand_quick("亲", &p), None);
    }
}
