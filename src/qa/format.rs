//! The transcript formats kefu reads and writes.

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// A header row, then one message per row.
    Csv,
    /// A plain chat log copied out of a chat workbench.
    Log,
    /// An Excel workbook (`.xlsx`, `.xls`, `.xlsb`, `.ods`): a sheet laid out as the CSV is.
    /// Read only.
    Excel,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "jsonl" | "json" | "ndjson" => Ok(Format::Jsonl),
            "csv" => Ok(Format::Csv),
            "log" | "txt" | "text" => Ok(Format::Log),
            "xlsx" | "xls" | "excel" => Ok(Format::Excel),
            other => Err(format!(
                "unknown format `{other}`: use jsonl, csv, log or xlsx"
            )),
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Jsonl => "jsonl",
            Format::Csv => "csv",
            Format::Log => "log",
            Format::Excel => "xlsx",
        })
    }
}
