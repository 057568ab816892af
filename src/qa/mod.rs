//! QA scoring of real chat transcripts (`kefu score`): reading exports, grouping messages into
//! conversations, scoring them with the training engine, and the per-agent report.

pub mod aggregate;
pub mod cli;
pub mod format;
pub mod r#gen;
pub mod group;
pub mod input;
pub mod kpi;
pub mod problem;
pub mod record;
pub mod run;
pub mod score;

pub use format::Format;
pub use problem::Problem;
pub use record::{BadLine, Loc, Record, parse_role};
