//! QA scoring of real chat transcripts (`kefu score`): reading exports, grouping messages into
//! conversations, scoring them with the training engine, and the per-agent report.

pub mod format;
pub mod record;

pub use format::Format;
pub use record::{BadLine, Loc, Record, parse_role};
