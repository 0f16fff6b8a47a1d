//! The audit: the rule catalogue plus one check per rule over the model.

pub mod catalog;
pub mod finding;

pub use catalog::{Area, RULES, RuleMeta};
pub use finding::{AuditResult, Check, Finding, Severity, Skipped, Summary, Suppression};
