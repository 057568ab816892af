//! The trainer's slash commands: one table from which parsing, `/help` and tab completion come.

use rustyline::completion::Completer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::{Context, Helper};

use crate::lang::Lang;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Hint,
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

/// rustyline helper: completes slash commands.
#[derive(Debug, Default)]
pub struct CommandHelper;

impl Completer for CommandHelper {
    type Candidate = String;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<String>)> {
        let head = line.get(..pos).unwrap_or(line);
        if !head.starts_with('/') || head.contains(char::is_whitespace) {
            return Ok((pos, Vec::new()));
        }
        let matches = COMMANDS
            .iter()
            .map(|(n, ..)| *n)
            .filter(|n| n.starts_with(head))
            .map(String::from)
            .collect();
        Ok((0, matches))
    }
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
}
