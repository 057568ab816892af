//! kefu (客服): a trainer and quality checker for the chat agents of Chinese online shops.
//!
//! The library holds everything; the `kefu` binary is one thin front-end over it.
//! - [`content`]: catalog, personas, scenarios and rubrics, loaded and validated.
//! - [`engine`]: the pure scoring engine.
//! - [`sim`]: the simulated customer.
//! - [`session`]: a training session (clock, scoring, transcript, scorecard).
//! - [`transcript`]: the JSONL message format.
//! - [`repl`]: the interactive trainer.
//! - [`check`]: `kefu check`, content validation and auto-play.
//! - [`eval`]: the labelled corpus and `kefu eval`, kefu's verdicts against the labels.

pub mod check;
pub mod cli;
pub mod content;
pub mod engine;
pub mod eval;
pub mod lang;
pub mod qa;
pub mod render;
pub mod repl;
pub mod report;
pub mod session;
pub mod signal;
pub mod sim;
pub mod transcript;
