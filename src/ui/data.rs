//! What the views read, derived once per store (or metrics) update: the
//! model, the audit, and per-object marks. Never rebuilt per frame.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use crate::audit::{AuditOptions, AuditResult, Finding, RuleId, Severity};
use crate::metrics::{Derived, MetricsSnapshot};
use crate::model::{Fleet, Model};
use crate::session::{Audit, Derive, Part, Snapshot};
use crate::store::{ObjectRef, Store};

/// How a row is marked: its worst unsuppressed finding, or dimmed when all
/// its findings are suppressed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Mark {
    pub worst: Option<Severity>,
    pub suppressed: bool,
    pub count: usize,
}

impl Mark {
    pub fn add(&mut self, f: &Finding) {
        self.count += 1;
        if f.suppressed.is_some() {
            self.suppressed = self.worst.is_none();
            return;
        }
        self.suppressed = false;
        self.worst = Some(match self.worst {
            Some(w) => w.min(f.severity),
            None => f.severity,
        });
    }

    pub fn merge(&mut self, other: Mark) {
        self.count += other.count;
        if let Some(s) = other.worst {
            self.worst = Some(self.worst.map_or(s, |w| w.min(s)));
            self.suppressed = false;
        } else if other.suppressed && self.worst.is_none() {
            self.suppressed = true;
        }
    }
}

/// Object identity without apiVersion: (kind, namespace, name).
pub type ObjKey = (String, Option<String>, String);

pub fn key_of(r: &ObjectRef) -> ObjKey {
    (r.kind.clone(), r.namespace.clone(), r.name.clone())
}

/// A finding's identity across audits: (rule, object, listener, path).
/// Rows and the Detail pane hold this, never an index into the findings,
/// so a rebuild that adds a finding before it changes nothing on screen.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FindingId {
    pub rule: RuleId,
    pub object: ObjKey,
    pub listener: Option<String>,
    pub path: Option<String>,
}

impl FindingId {
    pub fn of(f: &Finding) -> FindingId {
        FindingId {
            rule: f.rule,
            object: key_of(&f.object),
            listener: f.listener.clone(),
            path: f.path.clone(),
        }
    }
}

/// Everything is shared (`Arc`), so a metrics update that changes no
/// finding costs a pointer copy.
#[derive(Clone)]
pub struct Data {
    pub store: Arc<Store>,
    pub model: Arc<Model>,
    /// The audit in its parts ([`Audit`]); each part has its own indexes,
    /// so a change to one leaves the 100,000-finding stable part's indexes
    /// as they are.
    pub audit: Audit,
    pub metrics: Option<Arc<MetricsSnapshot>>,
    indexes: [Arc<Index>; 4],
    /// Every object with findings, worst first: the Overview's rows; and
    /// those of the [`SLOW_PARTS`] alone, from which a change to another
    /// part rebuilds them.
    offenders: Arc<Vec<Arc<Offender>>>,
    slow_offenders: Arc<Vec<Arc<Offender>>>,
    pub namespaces: Arc<Vec<String>>,
    /// Events by the object they regard.
    pub events: Arc<crate::model::events::Events>,
}

/// An object with findings: its mark over every part and the rules that
/// found something, in the order they first did.
#[derive(Debug, Clone)]
pub struct Offender {
    pub object: ObjectRef,
    pub mark: Mark,
    pub rules: Vec<RuleId>,
    key: ObjKey,
}

/// The indexes of one part of the audit: findings (indices into the
/// part) per object and by identity, marks per object and per listener,
/// unsuppressed counts per area and severity, and when this session first
/// saw each finding.
#[derive(Default)]
struct Index {
    by_object: HashMap<ObjKey, Vec<usize>>,
    marks: HashMap<ObjKey, Mark>,
    listener_marks: HashMap<(ObjKey, String), Mark>,
    /// Each finding's position (the first of equals) and, live, when this
    /// session first saw it (its SINCE). One map: on `large` it holds
    /// 100,000 identities.
    finding_ids: HashMap<FindingId, (usize, Option<jiff::Timestamp>)>,
    /// By [`crate::ui::vm::coverage::AREAS`] order: [errors, warnings, infos].
    areas: [[usize; 3]; 6],
}

impl Index {
    /// `prev` is the same part's index of the previous `Data`: a finding it
    /// knew keeps its first-seen time; one that went away and came back is
    /// new again. Only live sources have a since: a snapshot's findings
    /// were all "seen" when it was opened.
    fn of(store: &Store, part: &AuditResult, prev: Option<&Index>) -> Index {
        let mut ix = Index::default();
        let seen_at = store.live.as_ref().map(|l| l.observed_at);
        for (i, f) in part.findings.iter().enumerate() {
            let id = FindingId::of(f);
            let since = seen_at.map(|at| {
                prev.and_then(|p| p.finding_ids.get(&id))
                    .and_then(|(_, t)| *t)
                    .unwrap_or(at)
            });
            ix.finding_ids.entry(id).or_insert((i, since));
            let k = key_of(&f.object);
            ix.marks.entry(k.clone()).or_default().add(f);
            if let Some(l) = &f.listener {
                ix.listener_marks
                    .entry((k.clone(), l.clone()))
                    .or_default()
                    .add(f);
            }
            ix.by_object.entry(k).or_default().push(i);
            if f.suppressed.is_none()
                && let Some(a) = crate::ui::vm::coverage::AREAS
                    .iter()
                    .position(|&a| a == f.rule.meta().area)
            {
                ix.areas[a][usize::from(3 - f.severity.rank())] += 1;
            }
        }
        ix
    }
}

/// Worst first, then most findings, then by identity: the Overview's order.
fn worse_first(a: &Offender, b: &Offender) -> std::cmp::Ordering {
    let rank = |m: &Mark| m.worst.map_or(0, |s| s.rank());
    rank(&b.mark)
        .cmp(&rank(&a.mark))
        .then(b.mark.count.cmp(&a.mark.count))
        .then(a.object.cmp(&b.object))
}

/// The objects with findings in `parts` (only those in `only`, when
/// given), merged over the parts, worst first.
fn offenders_of<'a>(
    parts: impl Iterator<Item = (&'a AuditResult, &'a Index)>,
    only: Option<&HashSet<&ObjKey>>,
) -> Vec<Arc<Offender>> {
    // Each object's rules with the worst severity each found there.
    type Found = Vec<(Severity, RuleId)>;
    let mut by: HashMap<&ObjKey, (Offender, Found)> = HashMap::new();
    for (part, ix) in parts {
        for (k, positions) in &ix.by_object {
            if only.is_some_and(|keys| !keys.contains(k)) {
                continue;
            }
            let e = by.entry(k).or_insert_with(|| {
                let first = &part.findings[positions[0]];
                let o = Offender {
                    object: first.object.without_version(),
                    mark: Mark::default(),
                    rules: Vec::new(),
                    key: k.clone(),
                };
                (o, Vec::new())
            });
            e.0.mark.merge(ix.marks[k]);
            for &i in positions {
                let f = &part.findings[i];
                match e.1.iter_mut().find(|(_, r)| *r == f.rule) {
                    Some(seen) => seen.0 = seen.0.min(f.severity),
                    None => e.1.push((f.severity, f.rule)),
                }
            }
        }
    }
    // Rules as report order meets them: by severity, then by rule.
    let mut items: Vec<Offender> = by
        .into_values()
        .map(|(mut o, mut rules)| {
            rules.sort();
            o.rules = rules.into_iter().map(|(_, r)| r).collect();
            o
        })
        .collect();
    items.sort_by(worse_first);
    items.into_iter().map(Arc::new).collect()
}

/// The parts that hold many findings and change seldom: the stable part
/// (100,000 findings on `large`) once per configuration change, the lag
/// part (15,000 there) when an object starts or stops lagging.
const SLOW_PARTS: [Part; 2] = [Part::Stable, Part::Lag];

/// Every object with findings in any part, worst first. `slow` is the
/// [`SLOW_PARTS`]' own list: only the few hundred objects the other parts
/// name are merged again, so a scaling fleet costs a merge of sorted runs,
/// not 100,000 findings.
fn offenders(data: &[(Part, &AuditResult, &Index)], slow: &[Arc<Offender>]) -> Vec<Arc<Offender>> {
    let moving: HashSet<&ObjKey> = data
        .iter()
        .filter(|(p, _, _)| !SLOW_PARTS.contains(p))
        .flat_map(|(_, _, ix)| ix.by_object.keys())
        .collect();
    let merged = offenders_of(data.iter().map(|(_, r, ix)| (*r, *ix)), Some(&moving));
    use itertools::Itertools;
    slow.iter()
        .filter(|o| !moving.contains(&o.key))
        .merge_by(&merged, |a, b| worse_first(a, b).is_le())
        .cloned()
        .collect()
}

/// The live session derives the indexes off the UI thread.
impl Derive for Data {
    fn derive(snapshot: Snapshot, prev: Option<&Self>) -> Self {
        Data::from_snapshot(snapshot, prev)
    }
}

impl std::fmt::Debug for Data {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Data")
            .field("objects", &self.store.len())
            .field("findings", &self.audit.len())
            .finish()
    }
}

impl Data {
    /// Model, audit and indexes of `store` (snapshot sources and tests;
    /// a live session derives them off the UI thread).
    pub fn build(
        store: Arc<Store>,
        opts: &AuditOptions,
        metrics: Option<Arc<MetricsSnapshot>>,
    ) -> Data {
        Data::from_snapshot(Snapshot::derive(store, opts, metrics), None)
    }

    /// New metrics change only what EG507 says (see
    /// [`Snapshot::with_metrics`]); the indexes are kept when the audit is.
    pub fn with_metrics(&self, opts: &AuditOptions, metrics: Arc<MetricsSnapshot>) -> Data {
        Data::from_snapshot(self.snapshot().with_metrics(opts, metrics), Some(self))
    }

    /// The session's view of the same moment.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            store: self.store.clone(),
            model: self.model.clone(),
            audit: self.audit.clone(),
            metrics: self.metrics.clone(),
        }
    }

    /// The indexes of a snapshot: each part's from `prev` when the part is
    /// the same `Arc` (a scrape that changed no finding keeps all of them;
    /// a scaling fleet keeps the stable one).
    pub fn from_snapshot(s: Snapshot, prev: Option<&Data>) -> Data {
        let indexes: [Arc<Index>; 4] = Part::ALL.map(|p| {
            let now = s.audit.part(p);
            match prev {
                Some(d) if Arc::ptr_eq(d.audit.part(p), now) => d.indexes[p as usize].clone(),
                _ => Arc::new(Index::of(
                    &s.store,
                    &now.result,
                    prev.map(|d| &*d.indexes[p as usize]),
                )),
            }
        });
        let same = |d: &Data, p: Part| Arc::ptr_eq(&d.indexes[p as usize], &indexes[p as usize]);
        let parts: Vec<(Part, &AuditResult, &Index)> = s
            .audit
            .parts()
            .zip(indexes.iter())
            .map(|((p, r), ix)| (p, &r.result, &**ix))
            .collect();
        let slow_offenders = match prev {
            Some(d) if SLOW_PARTS.iter().all(|&p| same(d, p)) => d.slow_offenders.clone(),
            _ => Arc::new(offenders_of(
                parts
                    .iter()
                    .filter(|(p, _, _)| SLOW_PARTS.contains(p))
                    .map(|(_, r, ix)| (*r, *ix)),
                None,
            )),
        };
        let offenders = match prev {
            Some(d) if Part::ALL.iter().all(|&p| same(d, p)) => d.offenders.clone(),
            _ => Arc::new(offenders(&parts, &slow_offenders)),
        };
        drop(parts);
        // Namespaces and Events follow the store: Events only when an
        // Event changed (the Overview is rebuilt when they do), namespaces
        // kept when they come out the same.
        let changed = prev.and_then(|p| s.store.changed_kinds(&p.store));
        let events = match (prev, &changed) {
            (Some(p), Some(kinds)) if !kinds.contains(&crate::store::Kind::Event) => {
                p.events.clone()
            }
            _ => Arc::new(crate::model::events::Events::build(&s.store)),
        };
        let namespaces = match (prev, &changed) {
            (Some(p), Some(kinds)) if kinds.is_empty() => p.namespaces.clone(),
            _ => {
                let namespaces: Vec<String> = s
                    .store
                    .all()
                    .filter(|o| o.kind != crate::store::Kind::Event)
                    .filter_map(|o| o.namespace.clone())
                    .collect::<BTreeSet<String>>()
                    .into_iter()
                    .collect();
                match prev {
                    Some(p) if *p.namespaces == namespaces => p.namespaces.clone(),
                    _ => Arc::new(namespaces),
                }
            }
        };
        Data {
            store: s.store,
            model: s.model,
            audit: s.audit,
            metrics: s.metrics,
            indexes,
            offenders,
            slow_offenders,
            namespaces,
            events,
        }
    }

    /// Every finding in report order.
    pub fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.audit.findings()
    }

    /// Every object with findings, worst first (see [`Offender`]).
    pub fn offenders(&self) -> &Arc<Vec<Arc<Offender>>> {
        &self.offenders
    }

    /// Unsuppressed findings per area, in [`crate::ui::vm::coverage::AREAS`]
    /// order: [errors, warnings, infos].
    pub fn area_counts(&self) -> [[usize; 3]; 6] {
        let mut out = [[0; 3]; 6];
        for ix in &self.indexes {
            for (o, c) in out.iter_mut().zip(&ix.areas) {
                for (x, y) in o.iter_mut().zip(c) {
                    *x += y;
                }
            }
        }
        out
    }

    /// The parts' indexes with the parts they index.
    fn indexed(&self) -> impl Iterator<Item = (&AuditResult, &Index)> {
        self.audit
            .parts()
            .map(|(_, p)| &p.result)
            .zip(self.indexes.iter().map(|ix| &**ix))
    }

    /// The finding with this identity in the current audit.
    pub fn finding(&self, id: &FindingId) -> Option<&Finding> {
        self.indexed()
            .find_map(|(part, ix)| ix.finding_ids.get(id).map(|&(i, _)| &part.findings[i]))
    }

    /// When this session first saw the finding (live sources).
    pub fn since(&self, id: &FindingId) -> Option<jiff::Timestamp> {
        self.indexes
            .iter()
            .find_map(|ix| ix.finding_ids.get(id).and_then(|(_, t)| *t))
    }

    pub fn mark(&self, r: &ObjectRef) -> Mark {
        let k = key_of(r);
        let mut m = Mark::default();
        for ix in &self.indexes {
            if let Some(x) = ix.marks.get(&k) {
                m.merge(*x);
            }
        }
        m
    }

    /// The mark of the findings on one listener declared by `owner`.
    pub fn listener_mark(&self, owner: &ObjectRef, listener: &str) -> Mark {
        let k = (key_of(owner), listener.to_string());
        let mut m = Mark::default();
        for ix in &self.indexes {
            if let Some(x) = ix.listener_marks.get(&k) {
                m.merge(*x);
            }
        }
        m
    }

    /// Warning events (repeats counted) regarding an object.
    pub fn warnings(&self, o: &crate::store::Object) -> i64 {
        self.events
            .warnings(o.kind.name(), o.namespace_or_empty(), &o.name)
    }

    /// An object's findings in report order.
    pub fn findings_of(&self, r: &ObjectRef) -> impl Iterator<Item = &Finding> {
        let k = key_of(r);
        let mut all: Vec<&Finding> = self
            .indexed()
            .flat_map(|(part, ix)| {
                ix.by_object
                    .get(&k)
                    .into_iter()
                    .flatten()
                    .map(|&i| &part.findings[i])
            })
            .collect();
        all.sort_by(|x, y| x.sort_key().cmp(&y.sort_key()));
        all.into_iter()
    }

    /// A pod's CPU and memory from metrics.k8s.io, when served.
    pub fn pod_usage(&self, ns: &str, name: &str) -> Option<&crate::metrics::PodUsage> {
        self.metrics
            .as_ref()?
            .usage
            .get(&(ns.to_string(), name.to_string()))
    }

    /// The latest derived sample and history of a pod, if metrics exist.
    pub fn pod_series(&self, ns: &str, name: &str) -> Option<&crate::metrics::PodSeries> {
        self.metrics
            .as_ref()?
            .pods
            .get(&(ns.to_string(), name.to_string()))
            .map(|s| &**s)
    }

    /// Traffic of a whole fleet: summed rps, weighted 5xx share, worst p99,
    /// and the summed rps history (aligned from the newest sample).
    pub fn fleet_traffic(&self, fleet: &Fleet) -> Option<FleetTraffic> {
        let metrics = self.metrics.as_ref()?;
        let mut t = FleetTraffic::default();
        let mut requests = 0.0;
        let mut fivexx = 0.0;
        let mut any = false;
        let mut responses: Vec<f64> = Vec::new();
        let mut fivexx_hist: Vec<f64> = Vec::new();
        for pod in &fleet.pods {
            let Some(series) = metrics
                .pods
                .get(&(pod.namespace_or_empty().to_string(), pod.name.clone()))
            else {
                continue;
            };
            let Some(last) = series.latest() else {
                continue;
            };
            any = true;
            t.rps += last.rps;
            requests += last.requests;
            fivexx += last.responses_5xx;
            t.p99_ms = max_opt(t.p99_ms, last.p99_ms);
            let hist: Vec<&Derived> = series.history.iter().collect();
            let n = hist.len();
            if t.rps_history.len() < n {
                let pad = n - t.rps_history.len();
                for v in [
                    &mut t.rps_history,
                    &mut responses,
                    &mut fivexx_hist,
                    &mut t.p99_history,
                ] {
                    let mut front = vec![0.0; pad];
                    front.append(v);
                    *v = front;
                }
            }
            let off = t.rps_history.len() - n;
            for (i, d) in hist.iter().enumerate() {
                t.rps_history[off + i] += d.rps;
                responses[off + i] += d.responses;
                fivexx_hist[off + i] += d.responses_5xx;
                if let Some(p) = d.p99_ms {
                    t.p99_history[off + i] = t.p99_history[off + i].max(p);
                }
            }
        }
        // Per interval: the fleet's 5xx share (weighted by responses, as
        // the latest share is) and its worst pod's p99.
        t.share_5xx_history = responses
            .iter()
            .zip(&fivexx_hist)
            .map(|(r, f)| if *r > 0.0 { f / r } else { 0.0 })
            .collect();
        if !any {
            return None;
        }
        t.share_5xx = if requests > 0.0 {
            fivexx / requests
        } else {
            0.0
        };
        Some(t)
    }
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct FleetTraffic {
    pub rps: f64,
    pub share_5xx: f64,
    pub p99_ms: Option<f64>,
    pub rps_history: Vec<f64>,
    /// Aligned with `rps_history`: the 5xx share and worst p99 (ms, 0
    /// without samples) of each interval.
    pub share_5xx_history: Vec<f64>,
    pub p99_history: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::PodSeries;

    /// The fleet's 5xx share per interval is weighted by each pod's
    /// responses, and p99 is the worst pod's; a pod with a shorter history
    /// aligns with the newest intervals.
    #[test]
    fn fleet_history_has_the_5xx_share_and_p99_per_interval() {
        let store = Arc::new(crate::demo::showcase_store().unwrap());
        let data = Data::build(store, &AuditOptions::default(), None);
        let model = data.model.clone();
        let fleet = model
            .fleets
            .iter()
            .find(|f| f.pods.len() >= 2)
            .expect("a fleet with two pods");
        let d = |responses: f64, fivexx: f64, p99: f64| Derived {
            rps: responses,
            responses,
            responses_5xx: fivexx,
            p99_ms: Some(p99),
            ..Derived::default()
        };
        let series = |h: Vec<Derived>| {
            Arc::new(PodSeries {
                history: h.into(),
                ..PodSeries::default()
            })
        };
        let key = |i: usize| {
            let p = &fleet.pods[i];
            (p.namespace_or_empty().to_string(), p.name.clone())
        };
        let mut m = MetricsSnapshot::default();
        m.pods.insert(
            key(0),
            series(vec![d(100.0, 0.0, 20.0), d(100.0, 10.0, 80.0)]),
        );
        m.pods.insert(key(1), series(vec![d(300.0, 30.0, 40.0)]));
        let data = Data {
            metrics: Some(Arc::new(m)),
            ..data
        };
        let t = data.fleet_traffic(fleet).unwrap();
        assert_eq!(t.rps_history, vec![100.0, 400.0]);
        assert_eq!(t.share_5xx_history, vec![0.0, 0.1]);
        assert_eq!(t.p99_history, vec![20.0, 80.0]);
    }
}
