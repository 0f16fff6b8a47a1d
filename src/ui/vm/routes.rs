//! Routes of every kind with their parents and acceptance.

use std::collections::HashMap;

use crate::codec::value::Value;
use crate::metrics::ClusterPoint;
use crate::model::routes::Route;

use crate::model::value::{array_at, condition};
use crate::store::Kind;
use crate::ui::data::{Data, key_of};
use crate::ui::widgets::table::{Row, RowKey};

pub const COLUMNS: [&str; 9] = [
    "NAMESPACE/NAME",
    "KIND",
    "HOSTNAMES",
    "PARENTS",
    "ACCEPTED",
    "RULES",
    "RPS",
    "5XX",
    "P99",
];

/// Fleet key of each Gateway, by (namespace, name).
pub fn fleet_of_gateway(data: &Data) -> HashMap<(&str, &str), &str> {
    let m = &data.model;
    let mut out = HashMap::new();
    for f in &m.fleets {
        for &g in f.gateways.iter() {
            if let Some(gw) = m.gateways.get(g) {
                out.insert(
                    (gw.obj.namespace_or_empty(), gw.obj.name.as_str()),
                    f.key.as_str(),
                );
            }
        }
    }
    out
}

/// The fleets serving a route (by its parents), for a route's Detail;
/// empty for any other object.
pub fn fleets_of_route(data: &Data, obj: &crate::store::ObjectRef) -> Vec<String> {
    let fleets = fleet_of_gateway(data);
    let Some(r) = data.model.routes.iter().find(|r| {
        r.obj.kind.name() == obj.kind && r.obj.name == obj.name && r.obj.namespace == obj.namespace
    }) else {
        return Vec::new();
    };
    let mut out: Vec<String> = r
        .parents
        .iter()
        .filter_map(|p| fleets.get(&(p.namespace.as_str(), p.name.as_str())))
        .map(|f| f.to_string())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The route's clusters in each fleet serving it: (fleet key, rule, the
/// fleet's sum), by fleet then rule. Envoy Gateway names a cluster after the
/// route rule only, so in a merged fleet a route attached to several of its
/// Gateways has one cluster for all of them: its traffic is split by fleet
/// (per Gateway where each fleet has one Gateway), not by Gateway inside a
/// merged fleet. The listener prefix would tell the port, but the per-route
/// series carry no listener label.
pub fn route_traffic<'a>(
    data: &'a Data,
    fleets: &HashMap<(&str, &str), &'a str>,
    route: &Route,
) -> Vec<(&'a str, i32, ClusterPoint)> {
    let Some(metrics) = data.metrics.as_deref() else {
        return Vec::new();
    };
    let kind = route.obj.kind.name().to_ascii_lowercase();
    let ns = route.obj.namespace_or_empty();
    let mut keys: Vec<&str> = route
        .parents
        .iter()
        .filter_map(|p| {
            fleets
                .get(&(p.namespace.as_str(), p.name.as_str()))
                .copied()
        })
        .collect();
    keys.sort_unstable();
    keys.dedup();
    let mut out = Vec::new();
    for key in keys {
        let mut rules: Vec<(&str, i32, ClusterPoint)> = metrics
            .route_clusters(key, &kind, ns, &route.obj.name)
            .map(|(r, p)| (key, r.rule, *p))
            .collect();
        rules.sort_by_key(|r| r.1);
        out.extend(rules);
    }
    out
}

/// One route's rules summed: counts and rates add, p99 is the worst rule's.
pub fn route_sum<'a>(points: impl IntoIterator<Item = &'a ClusterPoint>) -> Option<ClusterPoint> {
    let mut out: Option<ClusterPoint> = None;
    for p in points {
        let o = out.get_or_insert_with(ClusterPoint::default);
        o.add_counts(p);
        o.p99_ms = match (o.p99_ms, p.p99_ms) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }
    out
}

/// RPS, 5XX share and P99 cells; `-` where nothing was measured (no
/// metrics, no cluster, no response), never a zero that was not seen.
pub fn traffic_cells(p: Option<&ClusterPoint>) -> [String; 3] {
    match p {
        None => ["-".into(), "-".into(), "-".into()],
        Some(p) => [
            super::fleets::fmt_rps(p.rps),
            p.share_5xx()
                .map(super::fleets::fmt_share)
                .unwrap_or_else(|| "-".into()),
            super::fleets::fmt_ms(p.p99_ms),
        ],
    }
}

pub fn rows(
    data: &Data,
    kind: Option<Kind>,
    gateway: Option<&(String, String)>,
    listener: Option<&str>,
) -> (Vec<&'static str>, Vec<Row>) {
    let m = &data.model;
    let fleets = fleet_of_gateway(data);
    let rows = m
        .routes
        .iter()
        .enumerate()
        .filter(|(_, r)| kind.is_none_or(|k| r.obj.kind == k))
        .filter(|(_, r)| {
            gateway.is_none_or(|(ns, n)| {
                r.parents.iter().any(|p| {
                    &p.namespace == ns
                        && &p.name == n
                        && listener.is_none_or(|l| p.listeners.iter().any(|x| x == l))
                })
            })
        })
        .map(|(_, r)| {
            let spec = r.obj.spec();
            let hosts: Vec<&str> = array_at(spec, &["hostnames"])
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let parents: Vec<String> = r
                .parents
                .iter()
                .map(|p| match &p.section {
                    Some(s) => format!("{}/{}:{s}", p.namespace, p.name),
                    None => format!("{}/{}", p.namespace, p.name),
                })
                .collect();
            // Accepted across the parents in status.
            let status = r.obj.status().unwrap_or(&Value::Null);
            let mut accepted = Vec::new();
            for p in array_at(status, &["parents"]) {
                let conds = array_at(p, &["conditions"]);
                for t in ["Accepted", "ResolvedRefs"] {
                    if let Some(c) = condition(conds, t)
                        && !c.is_true()
                    {
                        accepted.push(format!("{t}={} ({})", c.status, c.reason));
                    }
                }
                if condition(conds, "Accepted").is_some_and(|c| c.is_true()) && accepted.is_empty()
                {
                    accepted.push("True".into());
                }
            }
            accepted.dedup();
            let mut traffic = route_traffic(data, &fleets, r);
            // Behind one Gateway, the traffic its own fleet carried: a
            // route attached to Gateways of several fleets is split by them.
            if let Some(f) = gateway.and_then(|(ns, n)| fleets.get(&(ns.as_str(), n.as_str()))) {
                traffic.retain(|t| t.0 == *f);
            }
            let sum = route_sum(traffic.iter().map(|t| &t.2));
            let share = sum.as_ref().and_then(ClusterPoint::share_5xx);
            let [rps, fivexx, p99] = traffic_cells(sum.as_ref());
            let row = Row::new(
                vec![
                    super::ns_name(r.obj.namespace.as_deref(), &r.obj.name),
                    r.obj.kind.name().to_string(),
                    if hosts.is_empty() {
                        "*".into()
                    } else {
                        hosts.join(",")
                    },
                    parents.join(","),
                    if accepted.is_empty() {
                        "-".into()
                    } else {
                        accepted.join(", ")
                    },
                    r.rule_names.len().to_string(),
                    rps,
                    fivexx,
                    p99,
                ],
                RowKey::Route(key_of(&r.obj.obj_ref())),
                r.obj.namespace.clone(),
                data.mark(&r.obj.obj_ref()),
            );
            (share, row)
        })
        .collect::<Vec<_>>();
    // A Gateway's routes (the drill-down from a fleet or Gateway) come worst
    // 5xx share first, so the route behind a burst is the first row; routes
    // without measured traffic keep their order after them.
    let mut rows = rows;
    if gateway.is_some() {
        worst_5xx_first(&mut rows);
    }
    (COLUMNS.to_vec(), rows.into_iter().map(|(_, r)| r).collect())
}

/// Rows with a measured 5xx share first, worst first; the others keep
/// their order after them.
pub fn worst_5xx_first(rows: &mut [(Option<f64>, Row)]) {
    rows.sort_by(|a, b| match (a.0, b.0) {
        (Some(x), Some(y)) => y.total_cmp(&x),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
}

/// One route's traffic in one fleet, its rules summed; `None` when that
/// fleet has no cluster of the route (or no metrics were scraped).
pub fn route_traffic_in(data: &Data, fleet: &str, route: &Route) -> Option<ClusterPoint> {
    let metrics = data.metrics.as_deref()?;
    let kind = route.obj.kind.name().to_ascii_lowercase();
    let points: Vec<ClusterPoint> = metrics
        .route_clusters(
            fleet,
            &kind,
            route.obj.namespace_or_empty(),
            &route.obj.name,
        )
        .map(|(_, p)| *p)
        .collect();
    route_sum(points.iter())
}
