//! The model: pure functions from a store to the topology views and rules read.
