//! Sources turn a cluster or files into a store.

pub mod coverage;
pub mod discovery;
pub mod live;
pub mod logs;
pub mod snapshot;
