//! Sources turn a cluster or files into a store.

pub mod snapshot;
