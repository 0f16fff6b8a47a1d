//! What the audit produces: findings, skipped rules and the objects each rule
//! looked at (JUnit reports one test case per rule and object).

use serde::Serialize;

use std::sync::Arc;

use super::catalog::RuleId;
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
    pub rule: RuleId,
    pub severity: Severity,
    /// Shared by every finding on the object (and `related` by every
    /// finding that names it): a large cluster has many findings per route,
    /// and the references were most of their memory (issue 14).
    pub object: Arc<ObjectRef>,
    pub listener: Option<String>,
    pub path: Option<String>,
    pub message: String,
    pub related: Vec<Arc<ObjectRef>>,
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

/// Why a rule did not run (or ran on part of the cluster). Only the first
/// leaves an audit complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipCategory {
    /// The source has nothing the rule judges: the kind is not installed,
    /// no metrics were asked for, a snapshot holds none of the kind.
    NotApplicable,
    /// The rule ran on what could be read, which is not all of it (kinds
    /// read only in some namespaces): it may have missed findings.
    Partial,
    /// egscope could not read what the rule needs (403, 5xx, timeout,
    /// discovery failure): the rule was not judged.
    NotJudged,
}

impl SkipCategory {
    /// Whether the audit is incomplete because of it.
    pub fn incomplete(self) -> bool {
        !matches!(self, SkipCategory::NotApplicable)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub rule: RuleId,
    pub reason: String,
    pub category: SkipCategory,
}

/// One (rule, object) pair a rule examined, passed or not.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Check {
    pub rule: RuleId,
    pub object: ObjectRef,
    pub listener: Option<String>,
}

/// A kind the source could not read in full: why rules were not judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// `Kind.group` (`Deployment.apps`).
    pub kind: String,
    /// `forbidden`, `unavailable` or `partial`.
    pub state: &'static str,
    pub reason: String,
    /// For `partial`: the namespaces that were read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditResult {
    pub findings: Vec<Finding>,
    pub skipped: Vec<Skipped>,
    pub checks: Vec<Check>,
    /// Objects in the source (decoded or not).
    pub objects: usize,
    /// Kinds that could not be read in full.
    pub coverage: Vec<Gap>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
    pub suppressed: usize,
    pub objects: usize,
    /// Some rule could not be judged, or was judged on part of the cluster:
    /// a clean result is then not a clean cluster.
    pub incomplete: bool,
    /// Rules not judged at all.
    #[serde(rename = "notJudged")]
    pub not_judged: usize,
    /// Rules judged on part of the cluster only.
    pub partial: usize,
}

impl AuditResult {
    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            objects: self.objects,
            ..Summary::default()
        };
        for k in &self.skipped {
            match k.category {
                SkipCategory::NotApplicable => {}
                SkipCategory::NotJudged => s.not_judged += 1,
                SkipCategory::Partial => s.partial += 1,
            }
        }
        s.incomplete = self.incomplete();
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

    /// Whether some rule could not be judged on everything it needs.
    pub fn incomplete(&self) -> bool {
        self.skipped.iter().any(|s| s.category.incomplete())
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
