//! One moment of a source, with everything derived from it: what the TUI
//! draws and the headless commands report. Built off the UI thread; every
//! part is shared (`Arc`), so a metrics update that changes no finding costs
//! pointer copies.

use std::sync::Arc;

use crate::audit::{self, AuditOptions, AuditResult, Finding, Gap, RuleId};
use crate::metrics::MetricsSnapshot;
use crate::model::Model;
use crate::store::Store;

/// The store, the model and the audit of it, and the latest metrics.
#[derive(Clone)]
pub struct Snapshot {
    pub store: Arc<Store>,
    pub model: Arc<Model>,
    pub audit: Arc<AuditResult>,
    pub metrics: Option<Arc<MetricsSnapshot>>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("objects", &self.store.len())
            .field("findings", &self.audit.findings.len())
            .finish()
    }
}

/// The one rule that reads scraped metrics: a new scrape re-judges it alone.
const METRICS_RULE: RuleId = RuleId::EG507;

impl Snapshot {
    /// The model and the audit of `store`. `metrics` (a live source's
    /// scrapes) let EG507 judge the fleets' 5xx share.
    pub fn derive(
        store: Arc<Store>,
        opts: &AuditOptions,
        metrics: Option<Arc<MetricsSnapshot>>,
    ) -> Snapshot {
        let model = Model::build(&store);
        let enabled = audit::select_rules(&opts.rules).unwrap_or_default();
        let opts = AuditOptions {
            metrics: metrics.clone().or_else(|| opts.metrics.clone()),
            record_checks: false,
            ..opts.clone()
        };
        let audit = audit::run_on_model(&store, &model, &opts, enabled);
        Snapshot {
            store,
            model: Arc::new(model),
            audit: Arc::new(audit),
            metrics,
        }
    }

    /// New metrics change only what EG507 says: the model and the other
    /// rules' findings are kept, EG507 is judged again, and when its
    /// findings are the same the audit stays the same `Arc` (so the faces
    /// can tell a metrics-only update by pointer).
    pub fn with_metrics(&self, opts: &AuditOptions, metrics: Arc<MetricsSnapshot>) -> Snapshot {
        let same_audit = || Snapshot {
            metrics: Some(metrics.clone()),
            ..self.clone()
        };
        let opts = AuditOptions {
            metrics: Some(metrics.clone()),
            record_checks: false,
            ..opts.clone()
        };
        let enabled = audit::select_rules(&opts.rules).unwrap_or_default();
        if !enabled.contains(&METRICS_RULE) {
            return same_audit();
        }
        let only: std::collections::HashSet<RuleId> = [METRICS_RULE].into_iter().collect();
        let fresh = audit::run_on_model(&self.store, &self.model, &opts, only);
        let old: Vec<&Finding> = self
            .audit
            .findings
            .iter()
            .filter(|f| f.rule == METRICS_RULE)
            .collect();
        let unchanged = old.len() == fresh.findings.len()
            && old.iter().zip(&fresh.findings).all(|(a, b)| *a == b)
            && self.audit.skipped.iter().any(|s| s.rule == METRICS_RULE)
                == fresh.skipped.iter().any(|s| s.rule == METRICS_RULE);
        if unchanged {
            return same_audit();
        }
        let mut audit = AuditResult::clone(&self.audit);
        audit.findings.retain(|f| f.rule != METRICS_RULE);
        audit.skipped.retain(|s| s.rule != METRICS_RULE);
        audit.checks.retain(|c| c.rule != METRICS_RULE);
        audit.findings.extend(fresh.findings);
        audit.skipped.extend(fresh.skipped);
        audit.checks.extend(fresh.checks);
        audit
            .findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        Snapshot {
            store: self.store.clone(),
            model: self.model.clone(),
            audit: Arc::new(audit),
            metrics: Some(metrics),
        }
    }

    /// The kinds that could not be read in full (what makes the audit
    /// incomplete), as the audit's `coverage` lists them.
    pub fn coverage(&self) -> &[Gap] {
        &self.audit.coverage
    }
}

/// What a face derives once per snapshot, off its thread: the TUI's
/// per-object marks and indexes. `prev` is the last one derived, so a
/// snapshot that shares its audit can share the indexes too.
pub trait Derive: Send + Sync + Sized + 'static {
    fn derive(snapshot: Snapshot, prev: Option<&Self>) -> Self;
}

/// The headless commands use the snapshot as it is.
impl Derive for Snapshot {
    fn derive(snapshot: Snapshot, _prev: Option<&Self>) -> Self {
        snapshot
    }
}
