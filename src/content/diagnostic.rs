//! Problems found in content files, located by file, line and column and rendered with a caret.

use std::fmt;
use std::ops::Range;

/// One content file: a display path and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path shown in messages.
    pub path: String,
    /// The path relative to the content root, which says what the file holds.
    pub rel: String,
    pub text: String,
}

impl SourceFile {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let path = path.into();
        SourceFile {
            rel: path.clone(),
            path,
            text: text.into(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let mut line = 1;
        let mut line_start = 0;
        for (i, b) in self.text.as_bytes().iter().enumerate().take(offset) {
            if *b == b'\n' {
                line += 1;
                line_start = i + 1;
            }
        }
        let col = self
            .text
            .get(line_start..offset)
            .map_or(1, |s| s.chars().count() + 1);
        (line, col)
    }

    fn line_text(&self, line: usize) -> &str {
        self.text.lines().nth(line.saturating_sub(1)).unwrap_or("")
    }

    /// A diagnostic pointing at `span` in this file.
    pub fn diagnostic(&self, span: Option<Range<usize>>, message: impl Into<String>) -> Diagnostic {
        let message = message.into();
        match span {
            Some(span) => {
                let (line, col) = self.line_col(span.start);
                let source_line = self.line_text(line).to_string();
                let end = span.end.min(self.text.len()).max(span.start);
                let width = self
                    .text
                    .get(span.start..end)
                    .map_or(1, |s| s.lines().next().unwrap_or("").chars().count().max(1));
                Diagnostic {
                    path: self.path.clone(),
                    line,
                    col,
                    source_line,
                    width,
                    message,
                }
            }
            None => Diagnostic {
                path: self.path.clone(),
                line: 1,
                col: 1,
                source_line: self.line_text(1).to_string(),
                width: 1,
                message,
            },
        }
    }
}

/// A located problem in a content file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: String,
    pub line: usize,
    pub col: usize,
    pub source_line: String,
    pub width: usize,
    pub message: String,
}

impl Diagnostic {
    /// A problem that belongs to no particular place in a file (a missing file, say).
    pub fn whole_file(path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            path: path.into(),
            line: 0,
            col: 0,
            source_line: String::new(),
            width: 0,
            message: message.into(),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            return write!(f, "{}: error: {}", self.path, self.message);
        }
        writeln!(
            f,
            "{}:{}:{}: error: {}",
            self.path, self.line, self.col, self.message
        )?;
        let gutter = self.line.to_string().len();
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        // Wide (CJK) characters take two columns in a terminal; pad accordingly.
        let pad: usize = self
            .source_line
            .chars()
            .take(self.col.saturating_sub(1))
            .map(display_width)
            .sum();
        let carets: usize = self
            .source_line
            .chars()
            .skip(self.col.saturating_sub(1))
            .take(self.width)
            .map(display_width)
            .sum::<usize>()
            .max(1);
        write!(
            f,
            "{:gutter$} | {}{}",
            "",
            " ".repeat(pad),
            "^".repeat(carets)
        )
    }
}

/// Terminal columns taken by a character: two for CJK and full-width forms.
pub fn display_width(c: char) -> usize {
    let c = c as u32;
    let wide = (0x1100..=0x115F).contains(&c)
        || (0x2E80..=0xA4CF).contains(&c)
        || (0xAC00..=0xD7A3).contains(&c)
        || (0xF900..=0xFAFF).contains(&c)
        || (0xFE30..=0xFE4F).contains(&c)
        || (0xFF00..=0xFF60).contains(&c)
        || (0xFFE0..=0xFFE6).contains(&c)
        || (0x1F300..=0x1FAFF).contains(&c)
        || (0x20000..=0x3FFFD).contains(&c);
    if wide { 2 } else { 1 }
}

/// A string's width in terminal columns.
pub fn str_width(s: &str) -> usize {
    s.chars().map(display_width).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_and_caret_under_cjk_text() {
        let file = SourceFile::new("scenarios/a.toml", "id = \"a\"\nproduct = \"短袖T\"\n");
        let start = file.text.find("短袖").unwrap();
        let d = file.diagnostic(Some(start..start + "短袖".len()), "unknown product");
        assert_eq!((d.line, d.col), (2, 12));
        let text = d.to_string();
        assert_eq!(
            text,
            "scenarios/a.toml:2:12: error: unknown product\n  |\n2 | product = \"短袖T\"\n  |            ^^^^"
        );
    }
}
