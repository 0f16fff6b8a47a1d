//! Kubernetes quantities and Gateway API durations.
