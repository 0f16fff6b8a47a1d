//! What the views read, derived once per store (or metrics) update: the
//! model, the audit, and per-object marks. Never rebuilt per frame.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use crate::audit::{AuditOptions, AuditResult, Finding, Severity};
use crate::metrics::{Derived, MetricsSnapshot};
use crate::model::{Fleet, Model};
use crate::session::{Derive, Snapshot};
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
    pub rule: String,
    pub object: ObjKey,
    pub listener: Option<String>,
    pub path: Option<String>,
}

impl FindingId {
    pub fn of(f: &Finding) -> FindingId {
        FindingId {
            rule: f.rule.to_string(),
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
    pub audit: Arc<AuditResult>,
    pub metrics: Option<Arc<MetricsSnapshot>>,
    /// Findings (indices into `audit.findings`) per object.
    pub by_object: Arc<HashMap<ObjKey, Vec<usize>>>,
    /// Marks per object, and per (object, listener) for listener findings.
    pub marks: Arc<HashMap<ObjKey, Mark>>,
    pub listener_marks: Arc<HashMap<(ObjKey, String), Mark>>,
    pub namespaces: Arc<Vec<String>>,
    /// Index into `audit.findings` by identity (the first of equals).
    pub finding_ids: Arc<HashMap<FindingId, usize>>,
    /// Events by the object they regard.
    pub events: Arc<crate::model::events::Events>,
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
            .field("findings", &self.audit.findings.len())
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

    /// The indexes of a snapshot; those of `prev` when it has the same
    /// store, model and audit (a scrape that changed no finding).
    pub fn from_snapshot(s: Snapshot, prev: Option<&Data>) -> Data {
        if let Some(p) = prev
            && Arc::ptr_eq(&p.audit, &s.audit)
            && Arc::ptr_eq(&p.model, &s.model)
            && Arc::ptr_eq(&p.store, &s.store)
        {
            return Data {
                metrics: s.metrics,
                ..p.clone()
            };
        }
        Data::from_parts(s.store, s.model, s.audit, s.metrics)
    }

    fn from_parts(
        store: Arc<Store>,
        model: Arc<Model>,
        audit: Arc<AuditResult>,
        metrics: Option<Arc<MetricsSnapshot>>,
    ) -> Data {
        let mut by_object: HashMap<ObjKey, Vec<usize>> = HashMap::new();
        let mut marks: HashMap<ObjKey, Mark> = HashMap::new();
        let mut listener_marks: HashMap<(ObjKey, String), Mark> = HashMap::new();
        let mut finding_ids: HashMap<FindingId, usize> = HashMap::new();
        for (i, f) in audit.findings.iter().enumerate() {
            finding_ids.entry(FindingId::of(f)).or_insert(i);
            let k = key_of(&f.object);
            by_object.entry(k.clone()).or_default().push(i);
            marks.entry(k.clone()).or_default().add(f);
            if let Some(l) = &f.listener {
                listener_marks.entry((k, l.clone())).or_default().add(f);
            }
        }
        let namespaces: BTreeSet<String> = store
            .all()
            .filter(|o| o.kind != crate::store::Kind::Event)
            .filter_map(|o| o.namespace.clone())
            .collect();
        let events = Arc::new(crate::model::events::Events::build(&store));
        Data {
            store,
            model,
            audit,
            metrics,
            by_object: Arc::new(by_object),
            marks: Arc::new(marks),
            listener_marks: Arc::new(listener_marks),
            namespaces: Arc::new(namespaces.into_iter().collect()),
            finding_ids: Arc::new(finding_ids),
            events,
        }
    }

    /// The finding with this identity in the current audit.
    pub fn finding(&self, id: &FindingId) -> Option<&Finding> {
        self.finding_ids.get(id).map(|&i| &self.audit.findings[i])
    }

    pub fn mark(&self, r: &ObjectRef) -> Mark {
        self.marks.get(&key_of(r)).copied().unwrap_or_default()
    }

    /// Warning events (repeats counted) regarding an object.
    pub fn warnings(&self, o: &crate::store::Object) -> i64 {
        self.events
            .warnings(o.kind.name(), o.namespace_or_empty(), &o.name)
    }

    pub fn findings_of(&self, r: &ObjectRef) -> impl Iterator<Item = (usize, &Finding)> {
        self.by_object
            .get(&key_of(r))
            .into_iter()
            .flatten()
            .map(|&i| (i, &self.audit.findings[i]))
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
