//! egscope: a read-only inspector and production-guide auditor for Envoy
//! Gateway clusters. Data flows one way: sources → store → model → audit →
//! reports (and, later, the TUI views).

pub mod audit;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod codec;
pub mod demo;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod metrics;
pub mod model;
pub mod report;
pub mod sanitize;
pub mod sim;
pub mod source;
pub mod store;
pub mod ui;
pub mod units;
pub mod vocab;
