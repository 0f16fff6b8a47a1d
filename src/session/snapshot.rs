//! One moment of a source, with everything derived from it: what the TUI
//! draws and the headless commands report. Built off the UI thread; every
//! part is shared (`Arc`), so a metrics update that changes no finding costs
//! pointer copies.

use std::collections::HashSet;
use std::sync::Arc;

use crate::audit::{self, AuditOptions, AuditResult, Finding, Gap, RuleId, Summary};
use crate::metrics::MetricsSnapshot;
use crate::model::Model;
use crate::store::Store;

/// The store, the model and the audit of it, and the latest metrics.
#[derive(Clone)]
pub struct Snapshot {
    pub store: Arc<Store>,
    pub model: Arc<Model>,
    pub audit: Audit,
    pub metrics: Option<Arc<MetricsSnapshot>>,
}

/// One audit in two parts: the rules a running cluster's workloads, clock
/// and metrics move ([`audit::inputs::moves_with_workloads`]), judged again
/// on every change, and the rest, judged once per configuration change. On
/// `large` the first part holds hundreds of findings and the second about
/// 100,000: a scaling fleet then re-judges, re-indexes and frees the small
/// part only. Together they are exactly what one `run_on_model` says
/// ([`Audit::merged`]).
#[derive(Debug, Clone)]
pub struct Audit {
    pub stable: Arc<AuditResult>,
    pub moving: Arc<AuditResult>,
}

impl Audit {
    fn split(mut all: AuditResult) -> Audit {
        let rules: HashSet<RuleId> = audit::RULES
            .iter()
            .map(|r| r.id)
            .filter(|&r| audit::inputs::moves_with_workloads(r))
            .collect();
        let moving = |r: RuleId| rules.contains(&r);
        let (m, findings): (Vec<Finding>, Vec<Finding>) =
            all.findings.into_iter().partition(|f| moving(f.rule));
        all.findings = findings;
        let (ms, skipped) = all.skipped.into_iter().partition(|s| moving(s.rule));
        all.skipped = skipped;
        let (mc, checks) = all.checks.into_iter().partition(|c| moving(c.rule));
        all.checks = checks;
        let part = AuditResult {
            findings: m,
            skipped: ms,
            checks: mc,
            objects: all.objects,
            coverage: all.coverage.clone(),
        };
        Audit {
            stable: Arc::new(all),
            moving: Arc::new(part),
        }
    }

    /// Both parts as one report-ordered result, as `run_on_model` gives it.
    pub fn merged(&self) -> AuditResult {
        let mut all = AuditResult::clone(&self.stable);
        all.findings.extend(self.moving.findings.iter().cloned());
        all.skipped.extend(self.moving.skipped.iter().cloned());
        all.checks.extend(self.moving.checks.iter().cloned());
        all.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        all.skipped.sort_by_key(|s| s.rule);
        all.checks.sort();
        all.objects = self.moving.objects;
        all
    }

    /// Every finding in report order: each part is, and merging two
    /// sorted runs is linear.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        use itertools::Itertools;
        self.stable
            .findings
            .iter()
            .merge_by(&self.moving.findings, |a, b| a.sort_key() <= b.sort_key())
    }

    pub fn len(&self) -> usize {
        self.stable.findings.len() + self.moving.findings.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every skipped rule (by rule within each part).
    pub fn skipped(&self) -> impl Iterator<Item = &audit::Skipped> {
        self.stable.skipped.iter().chain(&self.moving.skipped)
    }

    pub fn summary(&self) -> Summary {
        let (a, b) = (self.stable.summary(), self.moving.summary());
        Summary {
            error: a.error + b.error,
            warning: a.warning + b.warning,
            info: a.info + b.info,
            suppressed: a.suppressed + b.suppressed,
            objects: b.objects,
            incomplete: a.incomplete || b.incomplete,
            not_judged: a.not_judged + b.not_judged,
            partial: a.partial + b.partial,
        }
    }

    pub fn incomplete(&self) -> bool {
        self.stable.incomplete() || self.moving.incomplete()
    }

    /// Whether both parts are the same `Arc`s as `other`'s.
    pub fn same(&self, other: &Audit) -> bool {
        Arc::ptr_eq(&self.stable, &other.stable) && Arc::ptr_eq(&self.moving, &other.moving)
    }
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("objects", &self.store.len())
            .field("findings", &self.audit.len())
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
            audit: Audit::split(audit),
            metrics,
        }
    }

    /// New metrics change only what EG507 says: the model and the other
    /// rules' findings are kept, EG507 is judged again, and when its
    /// findings are the same the audit stays the same `Arc`s (so the faces
    /// can tell a metrics-only update by pointer).
    pub fn with_metrics(&self, opts: &AuditOptions, metrics: Arc<MetricsSnapshot>) -> Snapshot {
        let only: HashSet<RuleId> = [METRICS_RULE].into_iter().collect();
        self.rejudge(
            self.store.clone(),
            self.model.clone(),
            opts,
            Some(metrics),
            only,
        )
    }

    /// The snapshot of `store`, a later generation of this one's store
    /// (a live source's). When only [`crate::model::WORKLOAD_KINDS`] changed
    /// and the controllers are the same, the model keeps its configuration
    /// part and only the rules that read the changed kinds, or the clock,
    /// are judged again: on `large`, pods scaling every few seconds would
    /// otherwise rebuild 20,000 routes' model and 100,000 findings each
    /// time. Anything else is a full [`Snapshot::derive`]. Both give the
    /// same result (`tests/incremental_derive.rs`).
    pub fn next(
        &self,
        store: Arc<Store>,
        opts: &AuditOptions,
        metrics: Option<Arc<MetricsSnapshot>>,
    ) -> Snapshot {
        let Some(changed) = store.changed_kinds(&self.store) else {
            return Snapshot::derive(store, opts, metrics);
        };
        let Some(model) = self.model.with_workloads(&store, &changed) else {
            return Snapshot::derive(store, opts, metrics);
        };
        let rules: HashSet<RuleId> = audit::RULES
            .iter()
            .map(|r| r.id)
            .filter(|&r| audit::inputs::rejudged_after(r, &changed))
            .collect();
        self.rejudge(store, Arc::new(model), opts, metrics, rules)
    }

    /// Judges `rules` (all of the moving part) again on `store` and `model`
    /// and keeps every other rule's findings and skips. When the rules say
    /// what they said before on the same store, the audit stays the same
    /// `Arc`s.
    fn rejudge(
        &self,
        store: Arc<Store>,
        model: Arc<Model>,
        opts: &AuditOptions,
        metrics: Option<Arc<MetricsSnapshot>>,
        rules: HashSet<RuleId>,
    ) -> Snapshot {
        debug_assert!(
            rules
                .iter()
                .all(|r| audit::inputs::moves_with_workloads(*r))
        );
        let opts = AuditOptions {
            metrics: metrics.clone().or_else(|| opts.metrics.clone()),
            record_checks: false,
            ..opts.clone()
        };
        let enabled = audit::select_rules(&opts.rules).unwrap_or_default();
        let rules: HashSet<RuleId> = rules.intersection(&enabled).copied().collect();
        let fresh = audit::run_on_model(&store, &model, &opts, rules.clone());
        let same_store = Arc::ptr_eq(&store, &self.store);
        if same_store && self.says_the_same(&fresh, &rules) {
            return Snapshot {
                metrics,
                ..self.clone()
            };
        }
        let mut part = AuditResult::clone(&self.audit.moving);
        part.findings.retain(|f| !rules.contains(&f.rule));
        part.skipped.retain(|s| !rules.contains(&s.rule));
        part.checks.retain(|c| !rules.contains(&c.rule));
        part.findings.extend(fresh.findings);
        part.skipped.extend(fresh.skipped);
        part.checks.extend(fresh.checks);
        // The order `run_on_model` gives (its `finish`): findings in report
        // order, skips by rule.
        part.findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        part.skipped.sort_by_key(|s| s.rule);
        part.checks.sort();
        part.objects = fresh.objects;
        Snapshot {
            store,
            model,
            audit: Audit {
                stable: self.audit.stable.clone(),
                moving: Arc::new(part),
            },
            metrics,
        }
    }

    /// Whether `fresh`, a judgement of `rules` alone, says what this
    /// snapshot's audit says for them.
    fn says_the_same(&self, fresh: &AuditResult, rules: &HashSet<RuleId>) -> bool {
        let part = &self.audit.moving;
        let old: Vec<&Finding> = part
            .findings
            .iter()
            .filter(|f| rules.contains(&f.rule))
            .collect();
        let old_skips: Vec<_> = part
            .skipped
            .iter()
            .filter(|s| rules.contains(&s.rule))
            .collect();
        old.len() == fresh.findings.len()
            && old.iter().zip(&fresh.findings).all(|(a, b)| *a == b)
            && old_skips.len() == fresh.skipped.len()
            && old_skips.iter().zip(&fresh.skipped).all(|(a, b)| *a == b)
    }

    /// The kinds that could not be read in full (what makes the audit
    /// incomplete), as the audit's `coverage` lists them.
    pub fn coverage(&self) -> &[Gap] {
        &self.audit.stable.coverage
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
