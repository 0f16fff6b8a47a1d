//! Sources turn a cluster or files into a store.

mod json;
mod lines;
pub mod snapshot;
mod yaml;
