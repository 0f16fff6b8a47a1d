//! Fleets: the proxies of each Gateway (or merged class) with workload,
//! pods, HPA state and live traffic; Enter shows the pods.

use crate::codec::value::Value;

use crate::metrics::PodUsage;
use crate::model::value::{array_at, i64_at, str_at};
use crate::store::Object;
use crate::ui::data::{Data, key_of};
use crate::ui::vm::table::{Row, RowKey};
use crate::ui::widgets::sparkline::sparkline;

pub const COLUMNS: [&str; 10] = [
    "FLEET",
    "CLASS",
    "WORKLOAD",
    "PODS",
    "HPA min/cur/des/max",
    "CPU/TARGET",
    "RPS",
    "5XX",
    "P99",
    "RPS TREND",
];

pub const POD_COLUMNS: [&str; 11] = [
    "POD",
    "READY",
    "STATUS",
    "RESTARTS",
    "AGE",
    "CPU",
    "MEM",
    "RPS",
    "5XX",
    "P99",
    "RPS TREND",
];

/// The AGE column of the Pods view (sorted by seconds, not by its text).
const AGE_COL: usize = 4;

/// RESTARTS sorts by the count, not by its "4 (OOMKilled 3m)" text.
const RESTARTS_COL: usize = 3;

/// HPA numbers as the HPA object states them: the model's reading, so
/// that SATURATED here is EG506's finding.
pub use crate::model::fleet::HpaStatus as Hpa;

pub(crate) fn opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".into())
}

pub fn pods_ready(pods: &[std::sync::Arc<Object>]) -> (usize, usize) {
    let ready = pods.iter().filter(|p| pod_ready(p)).count();
    (ready, pods.len())
}

fn pod_ready(p: &Object) -> bool {
    let status = p.status().unwrap_or(&Value::Null);
    crate::model::value::condition(array_at(status, &["conditions"]), "Ready")
        .is_some_and(|c| c.is_true())
}

pub(crate) fn fmt_rps(v: f64) -> String {
    if v >= 1000.0 {
        format!("{:.1}k", v / 1000.0)
    } else {
        format!("{v:.1}")
    }
}

pub(crate) fn fmt_share(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

pub(crate) fn fmt_ms(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.0}ms")).unwrap_or_else(|| "-".into())
}

pub fn rows(data: &Data) -> (Vec<&'static str>, Vec<Row>) {
    let m = &data.model;
    let rows = m
        .fleets
        .iter()
        .map(|f| {
            let class = &m.classes[f.class];
            let workload = match (&f.deployment, &f.daemonset) {
                (Some(d), _) => format!("Deployment {}", d.name),
                (None, Some(d)) => format!("DaemonSet {}", d.name),
                _ => "(not found)".into(),
            };
            let (ready, total) = pods_ready(&f.pods);
            let (hpa, cpu) = match &f.hpa {
                Some(h) => {
                    let h = Hpa::read(h);
                    let sat = if h.saturated() { " SATURATED" } else { "" };
                    (
                        format!(
                            "{}/{}/{}/{}{sat}",
                            opt(h.min),
                            opt(h.current),
                            opt(h.desired),
                            opt(h.max)
                        ),
                        match (h.cpu_current, h.cpu_target) {
                            (Some(c), Some(t)) => format!("{c}%/{t}%"),
                            (None, Some(t)) => format!("?/{t}%"),
                            _ => "-".into(),
                        },
                    )
                }
                None => ("no HPA".into(), "-".into()),
            };
            let traffic = data.fleet_traffic(f);
            let (rps, fivexx, p99, trend) = match &traffic {
                Some(t) => (
                    fmt_rps(t.rps),
                    fmt_share(t.share_5xx),
                    fmt_ms(t.p99_ms),
                    sparkline(&t.rps_history, 16),
                ),
                None => ("-".into(), "-".into(), "-".into(), "no metrics".into()),
            };
            let mut mark = data.mark(&f.owner);
            for o in [&f.deployment, &f.daemonset, &f.hpa, &f.service]
                .into_iter()
                .flatten()
            {
                mark.merge(data.mark(&o.obj_ref()));
            }
            if let Some(ep) = f.proxy.object() {
                mark.merge(data.mark(&ep.obj_ref()));
            }
            Row::new(
                vec![
                    if f.merged {
                        format!("{} (merged)", f.key)
                    } else {
                        f.key.clone()
                    },
                    class.obj.name.clone(),
                    workload,
                    format!("{ready}/{total}"),
                    hpa,
                    cpu,
                    rps,
                    fivexx,
                    p99,
                    trend,
                ],
                RowKey::Fleet(f.key.clone()),
                f.workload().and_then(|w| w.namespace.clone()),
                mark,
            )
        })
        .collect();
    (COLUMNS.to_vec(), rows)
}

pub fn pod_rows(data: &Data, fleet: &str, now: jiff::Timestamp) -> (Vec<&'static str>, Vec<Row>) {
    let m = &data.model;
    let Some(f) = m.fleets.iter().find(|f| f.key == fleet) else {
        return (POD_COLUMNS.to_vec(), Vec::new());
    };
    let rows = f
        .pods
        .iter()
        .map(|p| {
            let status = p.status().unwrap_or(&Value::Null);
            let cs = array_at(status, &["containerStatuses"]);
            let ready = cs
                .iter()
                .filter(|c| c.get("ready").and_then(Value::as_bool) == Some(true))
                .count();
            let restarts: i64 = cs.iter().filter_map(|c| i64_at(c, &["restartCount"])).sum();
            // The last termination one glance away: an OOMKilled envoy
            // shows here, not only deep in the pod's YAML.
            let restarts_cell = match crate::model::events::last_termination(p) {
                Some((_, reason, _, at)) if restarts > 0 => {
                    let ago = at
                        .map(|t| crate::clock::short(crate::clock::secs_between(t, now)))
                        .unwrap_or_else(|| "?".into());
                    format!("{restarts} ({reason} {ago})")
                }
                _ => restarts.to_string(),
            };
            let phase = str_at(status, &["phase"]).unwrap_or("-").to_string();
            let series = data.pod_series(p.namespace_or_empty(), &p.name);
            let last = series.and_then(|s| s.latest());
            let usage = data.pod_usage(p.namespace_or_empty(), &p.name);
            let cpu = usage
                .and_then(|u| u.cpu_cores)
                .map(|c| format!("{:.0}m", c * 1000.0))
                .unwrap_or_else(|| "-".into());
            let (mem, rps, fivexx, p99, trend) = match (series, last) {
                (Some(s), Some(d)) => {
                    let hist: Vec<f64> = s.history.iter().map(|d| d.rps).collect();
                    (
                        mem_text(usage, d.memory_bytes),
                        fmt_rps(d.rps),
                        fmt_share(d.share_5xx),
                        fmt_ms(d.p99_ms),
                        sparkline(&hist, 16),
                    )
                }
                (Some(s), None) => (
                    mem_text(usage, None),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    format!("{:?}", s.state).to_lowercase(),
                ),
                _ => (
                    mem_text(usage, None),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "no metrics".into(),
                ),
            };
            let row = Row::new(
                vec![
                    p.name.clone(),
                    format!("{ready}/{}", cs.len()),
                    phase,
                    restarts_cell,
                    super::age(p.creation_timestamp.as_deref(), now),
                    cpu,
                    mem,
                    rps,
                    fivexx,
                    p99,
                    trend,
                ],
                RowKey::Pod(f.key.clone(), key_of(&p.obj_ref())),
                p.namespace.clone(),
                data.mark(&p.obj_ref()),
            );
            let row = row.sort_by(RESTARTS_COL, restarts as f64);
            match super::age_secs(p.creation_timestamp.as_deref(), now) {
                Some(s) => row.sort_by(AGE_COL, s as f64),
                None => row,
            }
        })
        .collect();
    (POD_COLUMNS.to_vec(), rows)
}

/// A pod's memory: what `kubectl top` says when metrics.k8s.io is served,
/// else what Envoy says it allocated.
fn mem_text(usage: Option<&PodUsage>, envoy_bytes: Option<f64>) -> String {
    usage
        .and_then(|u| u.memory_bytes)
        .or(envoy_bytes)
        .map(|b| format!("{:.0}Mi", b / 1048576.0))
        .unwrap_or_else(|| "-".into())
}

pub const GATEWAY_COLUMNS: [&str; 7] = [
    "NAMESPACE/NAME",
    "LISTENERS",
    "ROUTES",
    "RPS",
    "5XX",
    "P99",
    "WORST 5XX ROUTE",
];

/// A fleet's Gateways (Enter on a fleet), each with the traffic of the
/// routes attached to it in this fleet, worst 5xx share first. Envoy
/// Gateway names a cluster after the route rule, not the Gateway, so in a
/// merged fleet a route attached to two of its Gateways has one cluster
/// for both: its traffic counts in both rows, and ROUTES says how many such
/// routes a Gateway has ("3 (1 shared)"), never splitting what was not
/// measured apart.
pub fn gateway_rows(data: &Data, fleet: &str) -> (Vec<&'static str>, Vec<Row>) {
    use super::routes::{route_sum, traffic_cells};
    let m = &data.model;
    let Some(f) = m.fleets.iter().find(|f| f.key == fleet) else {
        return (GATEWAY_COLUMNS.to_vec(), Vec::new());
    };
    let mut rows: Vec<(Option<f64>, Row)> = f
        .gateways
        .iter()
        .filter_map(|&gi| Some((gi, m.gateways.get(gi)?)))
        .map(|(gi, g)| {
            let mut routes = 0;
            let mut shared = 0;
            let mut points = Vec::new();
            let mut worst: Option<(f64, String)> = None;
            for r in m
                .routes
                .iter()
                .filter(|r| r.parents.iter().any(|p| p.gateway == Some(gi)))
            {
                routes += 1;
                if r.parents.iter().any(|p| {
                    p.gateway
                        .is_some_and(|other| other != gi && f.gateways.contains(&other))
                }) {
                    shared += 1;
                }
                let Some(sum) = super::routes::route_traffic_in(data, &f.key, r) else {
                    continue;
                };
                if let Some(s) = sum.share_5xx()
                    && s > 0.0
                    && worst.as_ref().is_none_or(|(w, _)| s > *w)
                {
                    worst = Some((
                        s,
                        format!(
                            "{} {}",
                            super::ns_name(r.obj.namespace.as_deref(), &r.obj.name),
                            fmt_share(s)
                        ),
                    ));
                }
                points.push(sum);
            }
            let sum = route_sum(points.iter());
            let share = sum.as_ref().and_then(|p| p.share_5xx());
            let [rps, fivexx, p99] = traffic_cells(sum.as_ref());
            let routes_cell = if shared > 0 {
                format!("{routes} ({shared} shared)")
            } else {
                routes.to_string()
            };
            let row = Row::new(
                vec![
                    super::ns_name(g.obj.namespace.as_deref(), &g.obj.name),
                    g.listeners.len().to_string(),
                    routes_cell,
                    rps,
                    fivexx,
                    p99,
                    match (&worst, data.metrics.is_some()) {
                        (Some((_, w)), _) => w.clone(),
                        (None, true) => "none".into(),
                        (None, false) => "-".into(),
                    },
                ],
                RowKey::Gateway(key_of(&g.obj.obj_ref())),
                g.obj.namespace.clone(),
                data.mark(&g.obj.obj_ref()),
            );
            (share, row)
        })
        .collect();
    super::routes::worst_5xx_first(&mut rows);
    (
        GATEWAY_COLUMNS.to_vec(),
        rows.into_iter().map(|(_, r)| r).collect(),
    )
}
