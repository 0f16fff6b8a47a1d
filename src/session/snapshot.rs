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

/// Which part of the audit a rule's findings live in. A live session
/// judges some rules again without a configuration change, and each of
/// them moves at its own pace: EG507 with every scrape, EG511's "for 3m
/// now" with the clock, the workload rules when pods and HPAs move. Each
/// part keeps its own indexes (`ui::data`), so a change re-indexes and
/// frees only the part it touched: on `large` the stable part holds about
/// 100,000 findings, the others hundreds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// Judged once per configuration change.
    Stable,
    /// Workloads and the clock ([`audit::inputs::moves_with_workloads`]).
    Workloads,
    /// EG511, whose message names how long a lag has lasted.
    Lag,
    /// EG507, the one rule that reads scraped metrics.
    Metrics,
}

impl Part {
    pub const ALL: [Part; 4] = [Part::Stable, Part::Workloads, Part::Lag, Part::Metrics];

    pub fn of(rule: RuleId) -> Part {
        match rule {
            RuleId::EG507 => Part::Metrics,
            RuleId::EG511 => Part::Lag,
            r if audit::inputs::moves_with_workloads(r) => Part::Workloads,
            _ => Part::Stable,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// One part's result, with its counts computed once (the status line and
/// the Overview read them every frame).
#[derive(Debug, Clone)]
pub struct PartResult {
    pub result: AuditResult,
    pub summary: Summary,
}

impl PartResult {
    fn new(result: AuditResult) -> Arc<PartResult> {
        let summary = result.summary();
        Arc::new(PartResult { result, summary })
    }

    /// The same findings, skips and checks (the object count is the
    /// audit's, not a part's).
    fn says_the_same(&self, other: &AuditResult) -> bool {
        let a = &self.result;
        a.findings == other.findings && a.skipped == other.skipped && a.checks == other.checks
    }
}

/// One audit in [`Part`]s. Together they are exactly what one
/// `run_on_model` says ([`Audit::merged`]).
#[derive(Debug, Clone)]
pub struct Audit {
    parts: [Arc<PartResult>; 4],
    objects: usize,
}

impl Audit {
    fn split(all: AuditResult) -> Audit {
        let mut parts: [AuditResult; 4] = Default::default();
        for p in &mut parts {
            p.coverage = all.coverage.clone();
            p.objects = all.objects;
        }
        for f in all.findings {
            parts[Part::of(f.rule).index()].findings.push(f);
        }
        for s in all.skipped {
            parts[Part::of(s.rule).index()].skipped.push(s);
        }
        for c in all.checks {
            parts[Part::of(c.rule).index()].checks.push(c);
        }
        Audit {
            parts: parts.map(PartResult::new),
            objects: all.objects,
        }
    }

    /// One part of the audit.
    pub fn part(&self, p: Part) -> &Arc<PartResult> {
        &self.parts[p.index()]
    }

    /// Every part, in [`Part::ALL`] order.
    pub fn parts(&self) -> impl Iterator<Item = (Part, &Arc<PartResult>)> {
        Part::ALL.into_iter().zip(&self.parts)
    }

    /// All parts as one report-ordered result, as `run_on_model` gives it.
    pub fn merged(&self) -> AuditResult {
        let mut all = AuditResult {
            objects: self.objects,
            coverage: self.coverage().to_vec(),
            ..AuditResult::default()
        };
        for p in &self.parts {
            all.findings.extend(p.result.findings.iter().cloned());
            all.skipped.extend(p.result.skipped.iter().cloned());
            all.checks.extend(p.result.checks.iter().cloned());
        }
        all.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        all.skipped.sort_by_key(|s| s.rule);
        all.checks.sort();
        all
    }

    /// Every finding in report order: each part is, and merging sorted
    /// runs is linear.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        use itertools::Itertools;
        self.parts
            .iter()
            .map(|p| p.result.findings.iter())
            .kmerge_by(|a, b| a.sort_key() < b.sort_key())
    }

    pub fn len(&self) -> usize {
        self.parts.iter().map(|p| p.result.findings.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Every skipped rule (by rule within each part).
    pub fn skipped(&self) -> impl Iterator<Item = &audit::Skipped> {
        self.parts.iter().flat_map(|p| &p.result.skipped)
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            objects: self.objects,
            ..Summary::default()
        };
        for p in &self.parts {
            let b = &p.summary;
            s.error += b.error;
            s.warning += b.warning;
            s.info += b.info;
            s.suppressed += b.suppressed;
            s.incomplete |= b.incomplete;
            s.not_judged += b.not_judged;
            s.partial += b.partial;
        }
        s
    }

    pub fn incomplete(&self) -> bool {
        self.parts.iter().any(|p| p.summary.incomplete)
    }

    /// Whether every part is the same `Arc` as `other`'s.
    pub fn same(&self, other: &Audit) -> bool {
        self.parts
            .iter()
            .zip(&other.parts)
            .all(|(a, b)| Arc::ptr_eq(a, b))
            && self.objects == other.objects
    }

    /// The kinds that could not be read in full, as the audit's
    /// `coverage` lists them (every part carries the same).
    pub fn coverage(&self) -> &[Gap] {
        &self.parts[0].result.coverage
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

    /// Judges `rules` (none of them [`Part::Stable`]) again on `store` and
    /// `model` and keeps every other rule's findings and skips. A part
    /// whose rules say what they said before stays the same `Arc`, even on
    /// a new store: a pod that restarted changes the Workloads part at
    /// most.
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
        // Each part the judged rules live in is replaced by its kept
        // findings and the fresh ones, unless that says what it said: then
        // it stays the same `Arc`, and so do its indexes.
        let mut fresh = Audit::split(fresh);
        for p in Part::ALL {
            let i = p.index();
            let old = &self.audit.parts[i];
            if !rules.iter().any(|&r| Part::of(r) == p) {
                fresh.parts[i] = old.clone();
                continue;
            }
            let judged = |r: RuleId| rules.contains(&r);
            let new = &fresh.parts[i].result;
            let mut part = AuditResult {
                findings: kept_and_new(&old.result.findings, &new.findings, |f| judged(f.rule)),
                skipped: kept_and_new(&old.result.skipped, &new.skipped, |s| judged(s.rule)),
                checks: kept_and_new(&old.result.checks, &new.checks, |c| judged(c.rule)),
                objects: new.objects,
                coverage: new.coverage.clone(),
            };
            // The order `run_on_model` gives (its `finish`): findings in
            // report order, skips by rule.
            part.findings
                .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
            part.skipped.sort_by_key(|s| s.rule);
            part.checks.sort();
            if old.says_the_same(&part) {
                fresh.parts[i] = old.clone();
            } else {
                fresh.parts[i] = PartResult::new(part);
            }
        }
        Snapshot {
            store,
            model,
            audit: fresh,
            metrics,
        }
    }

    /// The kinds that could not be read in full (what makes the audit
    /// incomplete), as the audit's `coverage` lists them.
    pub fn coverage(&self) -> &[Gap] {
        self.audit.coverage()
    }
}

/// `old` without what `rejudged` says was judged again, then `new`.
fn kept_and_new<T: Clone>(old: &[T], new: &[T], rejudged: impl Fn(&T) -> bool) -> Vec<T> {
    old.iter()
        .filter(|x| !rejudged(x))
        .chain(new)
        .cloned()
        .collect()
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
