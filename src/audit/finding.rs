//! What the audit produces: findings, skipped rules and the objects each rule
//! looked at (JUnit reports one test case per rule and object).

use serde::Serialize;

use crate::store::{Location, ObjectRef};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    // Declared worst first so that sorting puts errors on top.
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// Higher is worse.
    pub fn rank(self) -> u8 {
        match self {
            Severity::Error => 3,
            Severity::Warning => 2,
            Severity::Info => 1,
        }
    }
}

impl std::fmt::Display for Severity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Suppression {
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub object: ObjectRef,
    pub listener: Option<String>,
    pub path: Option<String>,
    pub message: String,
    pub related: Vec<ObjectRef>,
    pub location: Option<Location>,
    pub suppressed: Option<Suppression>,
}

impl Finding {
    /// The order reports use: severity, rule, namespace, name, listener.
    pub fn sort_key(&self) -> impl Ord + '_ {
        (
            self.severity,
            self.rule,
            self.object.namespace.as_deref().unwrap_or(""),
            &self.object.name,
            self.listener.as_deref().unwrap_or(""),
            &self.object.kind,
            &self.message,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub rule: &'static str,
    pub reason: String,
}

/// One (rule, object) pair a rule examined, passed or not.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Check {
    pub rule: &'static str,
    pub object: ObjectRef,
    pub listener: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditResult {
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    pub checks: Vec<Check>,
    /// Objects in the source (decoded or not).
    pub objects: usize,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub suppressed: usize,
    pub objects: usize,
}

impl AuditResult {
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            objects: self.objects,
            ..Summary::default()
        };
        for f in &self.findings {
            if f.suppressed.is_some() {
                s.suppressed += 1;
                continue;
            }
            match f.severity {
                Severity::Error => s.error += 1,
                Severity::Warning => s.warning += 1,
                Severity::Info => s.info += 1,
            }
        }
        s
    }

    /// The worst unsuppressed severity, if any finding counts.
    pub fn worst(&self) -> Option<Severity> {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_none())
            .map(|f| f.severity)
            .min()
    }
}
