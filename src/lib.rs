//! egscope: a read-only inspector and production-guide auditor for Envoy
//! Gateway clusters. Imports run one way, down the layers the README's
//! Layout section draws (codec → store → source | metrics | model → audit →
//! session → report | ui → cmd); tests/layering.rs keeps it so.

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
pub mod session;
pub mod sim;
pub mod source;
pub mod store;
pub mod ui;
pub mod units;
pub mod vocab;
