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
pub mod logs;
pub mod overview;
pub mod policies;
pub mod routes;
pub mod table;
pub mod tenants;

use crate::audit::RuleId;
use crate::store::{Kind, KindState, ObjectRef};

use std::sync::Arc;

use super::data::{Data, FindingId, ObjKey, Offender, key_of};
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
    let (mut columns, mut rows) = view_rows(data, view, fo, now);
    if !matches!(
        view,
        View::Findings | View::Changes | View::Coverage | View::Detail { .. }
    ) {
        add_time_columns(data, &mut columns, &mut rows, now);
    }
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

/// The change feed, newest first: when, what object, its generation
/// after the change, and what changed.
fn changes_rows(data: &Data, now: jiff::Timestamp) -> (Vec<&'static str>, Vec<Row>) {
    const COLUMNS: [&str; 5] = ["AGE", "KIND", "NAMESPACE/NAME", "GEN", "WHAT"];
    let Some(live) = &data.store.live else {
        return (COLUMNS.to_vec(), Vec::new());
    };
    let rows = live
        .changes
        .iter()
        .rev()
        .map(|c| {
            let secs = crate::clock::secs_between(c.at, now);
            Row::new(
                vec![
                    crate::clock::short(secs),
                    c.object.kind.clone(),
                    ns_name(c.object.namespace.as_deref(), &c.object.name),
                    c.generation
                        .map(|g| g.to_string())
                        .unwrap_or_else(|| "-".into()),
                    c.describe(),
                ],
                RowKey::Object(c.object.clone()),
                c.object.namespace.clone(),
                data.mark(&c.object),
            )
            .sort_by(0, secs as f64)
        })
        .collect();
    (COLUMNS.to_vec(), rows)
}

/// The objects the rows stand for, by identity: one pass over the kinds
/// the rows show (a lookup by name per row would scan the store per row).
fn row_objs<'a>(
    data: &'a Data,
    rows: &[Row],
) -> std::collections::HashMap<ObjKey, &'a std::sync::Arc<crate::store::Object>> {
    let mut kinds: Vec<Kind> = Vec::new();
    for r in rows {
        if let Some(o) = row_object(data, &r.key)
            && let Some(k) = Kind::ALL.into_iter().find(|k| k.name() == o.kind)
            && !kinds.contains(&k)
        {
            kinds.push(k);
        }
    }
    kinds
        .into_iter()
        .flat_map(|k| data.store.of(k).iter())
        .map(|o| (key_of(&o.obj_ref()), o))
        .collect()
}

/// Every table gets WARN (Warning events of the row's object, repeats
/// counted; for a fleet, of its workload, HPA and pods) and AGE (sorted by
/// seconds, not by its text), unless the view has its own AGE.
fn add_time_columns(
    data: &Data,
    columns: &mut Vec<&'static str>,
    rows: &mut [Row],
    now: jiff::Timestamp,
) {
    let has_age = columns.contains(&"AGE");
    let warn_col = columns.len();
    columns.push("WARN");
    if !has_age {
        columns.push("AGE");
    }
    let with_events = !data.events.is_empty();
    let objs = row_objs(data, rows);
    for row in rows.iter_mut() {
        let obj = row_object(data, &row.key).and_then(|r| objs.get(&key_of(&r)).copied());
        let warnings = match (&row.key, with_events) {
            (_, false) => 0,
            (RowKey::Fleet(key), true) => {
                data.model
                    .fleets
                    .iter()
                    .find(|f| &f.key == key)
                    .map_or(0, |f| {
                        [&f.deployment, &f.daemonset, &f.hpa]
                            .into_iter()
                            .flatten()
                            .chain(f.pods.iter())
                            .map(|o| data.warnings(o))
                            .sum()
                    })
            }
            (_, true) => obj.map_or(0, |o| data.warnings(o)),
        };
        row.cells.push(if warnings > 0 {
            warnings.to_string()
        } else {
            String::new()
        });
        set_sort_key(row, warn_col, warnings as f64);
        if !has_age {
            let ts = obj.and_then(|o| o.creation_timestamp.as_deref());
            row.cells.push(age(ts, now));
            if let Some(secs) = age_secs(ts, now) {
                set_sort_key(row, warn_col + 1, secs as f64);
            }
        }
    }
}

fn set_sort_key(row: &mut Row, col: usize, key: f64) {
    if row.sort_keys.len() <= col {
        row.sort_keys.resize(col + 1, None);
    }
    row.sort_keys[col] = Some(key);
}

/// What a view's rows were built from, by identity, for the views whose
/// rows read little: the Overview reads the offenders, the Events (its
/// WARN column) and the clock (AGE, to the minute). `None`: the view reads
/// the model or the metrics, and is built again with every snapshot.
/// The `Arc`s are held, not their addresses: a freed one's address can
/// come back for the next snapshot's.
#[derive(Clone)]
pub struct Inputs {
    offenders: Arc<Vec<Arc<Offender>>>,
    events: Arc<crate::model::events::Events>,
    minute: i64,
}

impl PartialEq for Inputs {
    fn eq(&self, other: &Inputs) -> bool {
        Arc::ptr_eq(&self.offenders, &other.offenders)
            && Arc::ptr_eq(&self.events, &other.events)
            && self.minute == other.minute
    }
}

impl std::fmt::Debug for Inputs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Inputs")
            .field("minute", &self.minute)
            .finish()
    }
}

pub fn inputs_of(data: &Data, view: &View, now: jiff::Timestamp) -> Option<Inputs> {
    match view {
        View::Overview => Some(Inputs {
            offenders: data.offenders().clone(),
            events: data.events.clone(),
            minute: now.as_second().div_euclid(60),
        }),
        _ => None,
    }
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
        View::Classes { controller } => classes::rows(data, controller.as_deref(), now),
        View::Gateways { class } => gateways::rows(data, class.as_deref(), now),
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
        View::FleetGateways { fleet } => fleets::gateway_rows(data, fleet),
        View::Pods { fleet } => fleets::pod_rows(data, fleet, now),
        View::Findings => findings::rows(data, fo, now),
        View::Coverage => coverage::rows(data),
        View::Changes => changes_rows(data, now),
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
        // A fleet's Gateway: its routes, worst 5xx first (the trail from a
        // fleet's burst to the route behind it).
        RowKey::Gateway(k) if matches!(view, View::FleetGateways { .. }) => Some(View::Routes {
            kind: None,
            gateway: Some((k.1.clone().unwrap_or_default(), k.2.clone())),
            listener: None,
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
        // A fleet opens its Gateways; its pods are `p` away.
        RowKey::Fleet(key) => Some(View::FleetGateways { fleet: key.clone() }),
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
pub fn policy_kind(rule: RuleId) -> Option<Kind> {
    match rule {
        RuleId::EG201 | RuleId::EG202 | RuleId::EG205 | RuleId::EG206 => {
            Some(Kind::ClientTrafficPolicy)
        }
        RuleId::EG203 | RuleId::EG204 | RuleId::EG207 | RuleId::EG211 => {
            Some(Kind::BackendTrafficPolicy)
        }
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
    // In report order: the first of the worst severity.
    data.findings_of(&obj)
        .filter(|f| listener.is_none() || f.listener == listener)
        .filter(|f| f.suppressed.is_none())
        .min_by_key(|f| f.severity)
        .map(FindingId::of)
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
        View::Gateways { .. } | View::Listeners { .. } | View::FleetGateways { .. } => {
            &[Kind::Gateway]
        }
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
    if *view == View::Changes && data.store.live.is_none() {
        return Some(
            "Changes: only a live source has a change feed; a snapshot is one moment".into(),
        );
    }
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
    match age_secs(ts, now) {
        Some(s) => crate::clock::short(s),
        None => "-".into(),
    }
}

/// A condition as a short cell: `True`, `False (Reason)`, or `-`.
pub fn cond(conditions: &[crate::codec::value::Value], kind: &str) -> String {
    match crate::model::value::condition(conditions, kind) {
        Some(c) if c.is_true() => "True".into(),
        Some(c) => format!("{} ({})", c.status, c.reason),
        None => "-".into(),
    }
}

/// Like [`cond`], with how long a condition that is not True has held
/// (`False (Invalid) 3m`, from its `lastTransitionTime`): how long the
/// trouble has lasted is the first question in an incident.
pub fn cond_since(
    conditions: &[crate::codec::value::Value],
    kind: &str,
    now: jiff::Timestamp,
) -> String {
    let cell = cond(conditions, kind);
    if cell == "True" || cell == "-" {
        return cell;
    }
    let since = conditions
        .iter()
        .find(|c| c.get("type").and_then(crate::codec::value::Value::as_str) == Some(kind))
        .and_then(|c| c.get("lastTransitionTime"))
        .and_then(crate::codec::value::Value::as_str);
    match age_secs(since, now) {
        Some(s) => format!("{cell} {}", crate::clock::short(s)),
        None => cell,
    }
}

pub fn ns_name(ns: Option<&str>, name: &str) -> String {
    match ns {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_string(),
    }
}
