//! egscope: a read-only inspector and production-guide auditor for Envoy
//! Gateway clusters. Imports run one way, down the layers the README's
//! Layout section draws (codec → store → source | metrics | model → audit →
//! session → report | ui → cmd); tests/layering.rs keeps it so.

pub mod audit;
pub mod cli;
pub mod clock;
pub mod cmd;
pub mod demo;
pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod metrics;
pub mod model;
pub mod report;
pub mod sanitize;
pub mod session;
pub mod source;
pub mod store;
pub mod ui;
pub mod vocab;

// The crates under egscope keep their old module paths (`crate::codec::…`,
// `crate::sim::…`, `crate::units::…`, `crate::json_value!`).
pub use egscope_codec as codec;
pub use egscope_codec::json_value;
pub use egscope_codec::units;
pub use egscope_sim as sim;
