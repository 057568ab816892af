//! Chat messages and the JSONL transcript format shared by training sessions and QA scoring.
//!
//! One JSON object per line: `conversation`, `ts`, `role`, `text`, optional `agent` and
//! `product`; agent lines of a training session add `latency_ms` and `scores`; a session ends with
//! a `system` line whose `event` is `session_end`.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Customer,
    Agent,
    System,
    /// The shop's automatic replies (店小蜜, 京小智, 自动回复): shown in QA reports, never scored
    /// as the agent's, and left out of the human-response KPIs.
    Robot,
}

/// One transcript line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Message {
    pub conversation: String,
    pub ts: String,
    pub role: Option<Role>,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub agent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub product: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub latency_ms: Option<u64>,
    /// The key of the quick phrase (快捷短语) a training reply was sent from.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub quick_phrase: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub scores: Option<BTreeMap<String, Option<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub event: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub overall: Option<f64>,
    /// The difficulty a training session was played at (`session_end` only).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub level: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub dimensions: Option<BTreeMap<String, Option<f64>>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub outcome: Option<OutcomeRecord>,
}

/// How a training session ended, as saved in the transcript.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutcomeRecord {
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub order_value: Option<f64>,
    pub mood: f64,
}

/// Appends messages to a JSONL file, one line at a time, flushed at once, so that killing the
/// process never loses a finished turn.
#[derive(Debug)]
pub struct TranscriptWriter {
    path: PathBuf,
    file: File,
}

impl TranscriptWriter {
    pub fn open(path: &Path) -> io::Result<TranscriptWriter> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(TranscriptWriter {
            path: path.to_path_buf(),
            file,
        })
    }

    /// A new file in `dir` named `{stem}.jsonl`, or `{stem}-2.jsonl` and so on when that name
    /// is taken: every session gets a file of its own, never one shared by accident.
    pub fn create_new_in(dir: &Path, stem: &str) -> io::Result<TranscriptWriter> {
        std::fs::create_dir_all(dir)?;
        for n in 1..1000u32 {
            let name = if n == 1 {
                format!("{stem}.jsonl")
            } else {
                format!("{stem}-{n}.jsonl")
            };
            let path = dir.join(name);
            match OpenOptions::new().write(true).create_new(true).open(&path) {
                Ok(file) => return Ok(TranscriptWriter { path, file }),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            format!("{stem}.jsonl and 998 more names are taken"),
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&mut self, message: &Message) -> io::Result<()> {
        let mut line = serde_json::to_string(message).map_err(io::Error::other)?;
        line.push('\n');
        // One write call per line: a line is either wholly in the file or not at all.
        self.file.write_all(line.as_bytes())?;
        self.file.flush()?;
        match self.file.sync_data() {
            // A file that cannot be synced (/dev/null, a pipe) took the line all the same.
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => Ok(()),
            other => other,
        }
    }
}

/// Where `kefu train` keeps transcripts by default (`~/.local/share/kefu/sessions` on Linux).
pub fn default_session_dir() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join("kefu").join("sessions"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_one_json_object_per_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a").join("s.jsonl");
        let mut w = TranscriptWriter::open(&path).unwrap();
        let msg = Message {
            conversation: "c1".into(),
            ts: "2026-11-24 10:00:00".into(),
            role: Some(Role::Customer),
            text: "在吗\n亲".into(),
            ..Message::default()
        };
        w.append(&msg).unwrap();
        w.append(&msg).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        let back: Message = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(back, msg);
        assert!(!lines[0].contains("latency_ms"));
    }
}
