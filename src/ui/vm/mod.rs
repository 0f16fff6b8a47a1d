//! The view-model: for every view, its columns and rows, what Enter on a
//! row opens, and the object a row stands for. Built from [`Data`] and the
//! plain state only; `update` and the views both read it, it reads
//! neither.

pub mod classes;
pub mod coverage;
pub mod detail;
pub mod findings;
pub mod fleets;
pub mod gateways;
pub mod listeners;
pub mod overview;
pub mod policies;
pub mod routes;
pub mod table;
pub mod tenants;

use crate::store::{Kind, KindState, ObjectRef};

use super::data::{Data, FindingId, ObjKey, key_of};
use super::state::{FindingsOpts, View};
use super::widgets::safe;
use table::{Row, RowKey};

/// The columns whose numbers come from scrapes (Envoy stats,
/// metrics.k8s.io): marked with [`STALE_MARK`] while the metrics feed is
/// stale, so a frozen number never reads as a current one.
pub const METRIC_COLUMNS: &[&str] = &["RPS", "5XX", "P99", "CPU", "MEM", "RPS TREND"];

/// Prefixes a number that is no longer current (the banner explains it).
pub const STALE_MARK: char = '~';

/// Columns and rows of a table view; `stale_metrics` marks the scraped
/// numbers as old.
pub fn rows(
    data: &Data,
    view: &View,
    fo: &FindingsOpts,
    now: jiff::Timestamp,
    stale_metrics: bool,
) -> (Vec<&'static str>, Vec<Row>) {
    let (columns, mut rows) = view_rows(data, view, fo, now);
    if stale_metrics {
        let cols: Vec<usize> = columns
            .iter()
            .enumerate()
            .filter(|(_, c)| METRIC_COLUMNS.contains(c))
            .map(|(i, _)| i)
            .collect();
        for r in &mut rows {
            for &c in &cols {
                if let Some(cell) = r.cells.get_mut(c)
                    && !matches!(cell.as_str(), "" | "-" | "no metrics")
                {
                    cell.insert(0, STALE_MARK);
                }
            }
        }
    }
    (columns, rows)
}

fn view_rows(
    data: &Data,
    view: &View,
    fo: &FindingsOpts,
    now: jiff::Timestamp,
) -> (Vec<&'static str>, Vec<Row>) {
    match view {
        View::Overview => overview::rows(data),
        View::Tenants => tenants::rows(data),
        View::Classes { controller } => classes::rows(data, controller.as_deref()),
        View::Gateways { class } => gateways::rows(data, class.as_deref()),
        View::Listeners { class, gateway } => {
            listeners::rows(data, class.as_deref(), gateway.as_ref())
        }
        View::Routes {
            kind,
            gateway,
            listener,
        } => routes::rows(data, *kind, gateway.as_ref(), listener.as_deref()),
        View::Policies { kind } => policies::rows(data, *kind),
        View::Fleets => fleets::rows(data),
        View::Pods { fleet } => fleets::pod_rows(data, fleet, now),
        View::Findings => findings::rows(data, fo),
        View::Coverage => coverage::rows(data),
        View::Detail { .. } => (Vec::new(), Vec::new()),
    }
}

/// The reference an identity stands for (no apiVersion: the store looks
/// objects up by kind, namespace and name).
pub fn obj_of(k: &ObjKey) -> ObjectRef {
    ObjectRef::new("", &k.0, k.1.as_deref(), &k.2)
}

/// What Enter on a row opens.
pub fn drill(data: &Data, view: &View, key: &RowKey) -> Option<View> {
    let m = &data.model;
    let same = |o: &crate::store::Object, k: &ObjKey| key_of(&o.obj_ref()) == *k;
    match key {
        RowKey::Controller(k) => Some(View::Classes {
            controller: Some(
                m.controllers
                    .iter()
                    .find(|c| same(&c.deployment, k))?
                    .config
                    .controller_name
                    .clone(),
            ),
        }),
        RowKey::Class(name) => Some(View::Gateways {
            class: Some(name.clone()),
        }),
        RowKey::Gateway(k) => Some(View::Listeners {
            class: None,
            gateway: Some((k.1.clone().unwrap_or_default(), k.2.clone())),
        }),
        RowKey::Listener(g, _, l) => Some(View::Routes {
            kind: None,
            gateway: Some((g.1.clone().unwrap_or_default(), g.2.clone())),
            listener: Some(l.clone()),
        }),
        RowKey::Fleet(key) => Some(View::Pods { fleet: key.clone() }),
        RowKey::Finding(id) => {
            let f = data.finding(id)?;
            Some(View::Detail {
                obj: finding_target(data, f),
                finding: Some(id.clone()),
            })
        }
        RowKey::None => None,
        other => {
            let _ = view;
            Some(View::Detail {
                finding: row_finding(data, other),
                obj: row_object(data, other)?,
            })
        }
    }
}

/// The rules judged on a traffic policy's field, and the policy kind that
/// carries it: their finding is reported on the Gateway or route, but its
/// `path` is a field of that policy (`audit/eg2_performance.rs`).
pub fn policy_kind(rule: &str) -> Option<Kind> {
    match rule {
        "EG201" | "EG202" | "EG205" | "EG206" => Some(Kind::ClientTrafficPolicy),
        "EG203" | "EG204" | "EG207" | "EG211" => Some(Kind::BackendTrafficPolicy),
        _ => None,
    }
}

/// The object a finding's Detail opens: for a policy-based finding, the
/// effective policy its message names (the first of its related objects
/// of that kind), where its field lives; else the finding's own object.
pub fn finding_target(_data: &Data, f: &crate::audit::Finding) -> ObjectRef {
    if let Some(kind) = policy_kind(f.rule)
        && let Some(p) = f.related.iter().find(|r| r.kind == kind.name())
    {
        return p.without_version();
    }
    f.object.without_version()
}

/// The finding a row's detail highlights first: the listener's own for a
/// listener row, else the object's worst unsuppressed one.
pub fn row_finding(data: &Data, key: &RowKey) -> Option<FindingId> {
    if let RowKey::Finding(id) = key {
        return Some(id.clone());
    }
    let obj = row_object(data, key)?;
    let listener = match key {
        RowKey::Listener(_, _, l) => Some(l.clone()),
        _ => None,
    };
    data.findings_of(&obj)
        .filter(|(_, f)| listener.is_none() || f.listener == listener)
        .filter(|(_, f)| f.suppressed.is_none())
        .min_by_key(|(i, f)| (f.severity, *i))
        .map(|(_, f)| FindingId::of(f))
}

/// The object a row stands for (`y`, `c`, `n`).
pub fn row_object(data: &Data, key: &RowKey) -> Option<ObjectRef> {
    let m = &data.model;
    Some(match key {
        RowKey::Controller(k)
        | RowKey::Gateway(k)
        | RowKey::Route(k)
        | RowKey::Policy(k)
        | RowKey::Pod(_, k) => obj_of(k),
        RowKey::Class(name) => ObjectRef::new("", "GatewayClass", None, name),
        // A ListenerSet's listener opens the ListenerSet that declares it.
        RowKey::Listener(_, declared_by, _) => obj_of(declared_by),
        RowKey::Fleet(key) => {
            let f = m.fleets.iter().find(|f| &f.key == key)?;
            match f.workload() {
                Some(w) => w.obj_ref().without_version(),
                None => f.owner.without_version(),
            }
        }
        RowKey::Finding(id) => obj_of(&id.object),
        RowKey::Object(o) => o.without_version(),
        RowKey::None => return None,
    })
}

/// The kinds whose absence a view explains instead of showing an empty table.
fn view_kinds(view: &View) -> &'static [Kind] {
    match view {
        View::Tenants => &[Kind::Deployment],
        View::Classes { .. } => &[Kind::GatewayClass],
        View::Gateways { .. } | View::Listeners { .. } => &[Kind::Gateway],
        View::Routes { .. } => &[Kind::HttpRoute, Kind::GrpcRoute],
        View::Policies { .. } => &[Kind::ClientTrafficPolicy, Kind::BackendTrafficPolicy],
        View::Fleets | View::Pods { .. } => &[Kind::Deployment, Kind::Pod],
        _ => &[],
    }
}

/// The resource name `kubectl` and RBAC rules use (`gatewayclasses`).
pub fn plural(kind: Kind) -> String {
    let n = kind.name().to_ascii_lowercase();
    if let Some(stem) = n.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'o', 'u'])
    {
        format!("{stem}ies")
    } else if n.ends_with('s') {
        format!("{n}es")
    } else {
        format!("{n}s")
    }
}

/// "Gateways: forbidden by RBAC (list gateways.gateway.networking.k8s.io)"
/// when the view's kinds could not be read.
pub fn placeholder(data: &Data, view: &View) -> Option<String> {
    let kinds = view_kinds(view);
    let mut msgs = Vec::new();
    for k in kinds {
        let (group, _) = k.group_kind();
        let resource = if group.is_empty() {
            plural(*k)
        } else {
            format!("{}.{group}", plural(*k))
        };
        match data.store.state(*k) {
            KindState::Forbidden(why) => {
                let why = if why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", safe::text(&why))
                };
                msgs.push(format!(
                    "{}s: forbidden by RBAC (list {resource}){why}",
                    k.name()
                ))
            }
            KindState::NotInstalled => msgs.push(format!(
                "{}s: not installed in this cluster (no CRD {resource})",
                k.name()
            )),
            KindState::Unavailable(why) => msgs.push(format!(
                "{}s: could not be read (list {resource}): {why}",
                k.name()
            )),
            _ => return None,
        }
    }
    (!msgs.is_empty()).then(|| msgs.join("\n"))
}

/// Seconds since an RFC 3339 timestamp (0 for one in the future): the
/// sort key of an AGE column.
pub fn age_secs(ts: Option<&str>, now: jiff::Timestamp) -> Option<i64> {
    let t = ts?.parse::<jiff::Timestamp>().ok()?;
    Some((now.as_second() - t.as_second()).max(0))
}

/// `3d`, `5h`, `12m`, `40s` since an RFC 3339 timestamp.
pub fn age(ts: Option<&str>, now: jiff::Timestamp) -> String {
    let Some(s) = age_secs(ts, now) else {
        return "-".into();
    };
    match s {
        0..120 => format!("{s}s"),
        120..7200 => format!("{}m", s / 60),
        7200..172800 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}

/// A condition as a short cell: `True`, `False (Reason)`, or `-`.
pub fn cond(conditions: &[crate::value::Value], kind: &str) -> String {
    match crate::model::value::condition(conditions, kind) {
        Some(c) if c.is_true() => "True".into(),
        Some(c) => format!("{} ({})", c.status, c.reason),
        None => "-".into(),
    }
}

pub fn ns_name(ns: Option<&str>, name: &str) -> String {
    match ns {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_string(),
    }
}
