//! `egscope trace` output: text for people (every line neutralised by
//! `sanitize`) and JSON (`egscope.trace/v1`, documented in the README).

use serde::Serialize;

use crate::metrics::{ClusterPoint, MetricsSnapshot};
use crate::model::Model;
use crate::model::trace::{Backend, Entry, FleetTrace, Hit, Trace};
use crate::store::{SourceInfo, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum TraceFormat {
    #[default]
    Text,
    Json,
}

/// Live stats of the matched rule's cluster, or why there are none.
pub enum Stats<'a> {
    Metrics(&'a MetricsSnapshot),
    None(String),
}

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    source: &'a SourceInfo,
    request: RequestJ<'a>,
    matched: bool,
    step: &'static str,
    reason: String,
    unread: Vec<String>,
    fleets: Vec<FleetJ>,
}

#[derive(Serialize)]
struct RequestJ<'a> {
    scheme: &'static str,
    method: &'a str,
    host: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    sni: Option<&'a str>,
    port: u16,
    path: &'a str,
    query: &'a [(String, String)],
    headers: &'a [(String, String)],
}

#[derive(Serialize)]
struct FleetJ {
    fleet: String,
    gateways: Vec<String>,
    step: &'static str,
    reason: String,
    listener: Option<ListenerJ>,
    hostname: Option<String>,
    route: Option<RouteJ>,
    misses: Vec<EntryJ>,
}

#[derive(Serialize)]
struct ListenerJ {
    gateway: String,
    name: String,
    port: i64,
    protocol: String,
    hostname: Option<String>,
    #[serde(rename = "declaredBy")]
    declared_by: String,
    why: Option<String>,
}

#[derive(Serialize)]
struct EntryJ {
    kind: String,
    namespace: String,
    name: String,
    rule: usize,
    #[serde(rename = "match")]
    match_index: usize,
    matches: String,
    why: String,
}

#[derive(Serialize)]
struct RouteJ {
    kind: String,
    namespace: String,
    name: String,
    rule: usize,
    #[serde(rename = "ruleName")]
    rule_name: Option<String>,
    #[serde(rename = "match")]
    match_index: usize,
    matches: String,
    hostname: String,
    /// `ResolvedRefs=False` for this parent: reason and message.
    unresolved: Option<String>,
    filters: Vec<String>,
    policies: Vec<PolicyJ>,
    backends: Vec<BackendJ>,
    cluster: String,
    stats: Option<StatsJ>,
    #[serde(rename = "statsNote")]
    stats_note: Option<String>,
    shadowed: Vec<EntryJ>,
}

#[derive(Serialize)]
struct PolicyJ {
    kind: &'static str,
    namespace: String,
    name: String,
    target: String,
}

#[derive(Serialize)]
struct BackendJ {
    group: String,
    kind: String,
    namespace: String,
    name: String,
    port: Option<i64>,
    weight: i64,
    /// weight / sum of weights, 0..=1.
    share: f64,
    invalid: Option<String>,
    /// Ready endpoints; `null` while egscope does not read EndpointSlices.
    #[serde(rename = "readyEndpoints")]
    ready_endpoints: Option<u64>,
    #[serde(rename = "endpointsNote")]
    endpoints_note: &'static str,
}

#[derive(Serialize)]
struct StatsJ {
    rps: f64,
    #[serde(rename = "share2xx")]
    share_2xx: Option<f64>,
    #[serde(rename = "share4xx")]
    share_4xx: Option<f64>,
    #[serde(rename = "share5xx")]
    share_5xx: Option<f64>,
    #[serde(rename = "p50Ms")]
    p50_ms: Option<f64>,
    #[serde(rename = "p99Ms")]
    p99_ms: Option<f64>,
    active: f64,
    #[serde(rename = "connectFail")]
    connect_fail: f64,
    timeouts: f64,
    #[serde(rename = "pendingOverflow")]
    pending_overflow: f64,
}

const ENDPOINTS_NOTE: &str = "endpoints not read";

fn label(o: &crate::store::Object) -> String {
    match &o.namespace {
        Some(ns) => format!("{ns}/{}", o.name),
        None => o.name.clone(),
    }
}

fn entry_j(m: &Model, e: &Entry, why: &str) -> EntryJ {
    let o = &m.routes[e.route].obj;
    EntryJ {
        kind: o.kind.name().to_string(),
        namespace: o.namespace_or_empty().to_string(),
        name: o.name.clone(),
        rule: e.rule,
        match_index: e.match_index,
        matches: e.m.describe(),
        why: why.to_string(),
    }
}

fn shares(backends: &[Backend]) -> Vec<f64> {
    let total: i64 = backends
        .iter()
        .filter(|b| b.invalid.is_none())
        .map(|b| b.weight.max(0))
        .sum();
    backends
        .iter()
        .map(|b| {
            if total > 0 && b.invalid.is_none() {
                b.weight.max(0) as f64 / total as f64
            } else {
                0.0
            }
        })
        .collect()
}

fn stats_of<'a>(stats: &'a Stats, fleet: &str, cluster: &str) -> Result<&'a ClusterPoint, String> {
    match stats {
        Stats::None(why) => Err(why.clone()),
        Stats::Metrics(s) => s
            .route_cluster(fleet, cluster)
            .ok_or_else(|| format!("no traffic seen on cluster {cluster} in the window")),
    }
}

fn route_j(m: &Model, f: &FleetTrace, h: &Hit, stats: &Stats) -> RouteJ {
    let o = &m.routes[h.entry.route].obj;
    let sh = shares(&h.backends);
    let st = stats_of(stats, &f.fleet, &h.cluster);
    RouteJ {
        kind: o.kind.name().to_string(),
        namespace: o.namespace_or_empty().to_string(),
        name: o.name.clone(),
        rule: h.entry.rule,
        rule_name: m.routes[h.entry.route]
            .rule_names
            .get(h.entry.rule)
            .cloned()
            .flatten(),
        match_index: h.entry.match_index,
        matches: h.entry.m.describe(),
        hostname: h.entry.hostname.clone(),
        unresolved: h.unresolved.clone(),
        filters: h.filters.clone(),
        policies: h
            .policies
            .iter()
            .map(|(k, p, t)| PolicyJ {
                kind: k.name(),
                namespace: m.policies[*p].obj.namespace_or_empty().to_string(),
                name: m.policies[*p].obj.name.clone(),
                target: t.clone(),
            })
            .collect(),
        backends: h
            .backends
            .iter()
            .zip(sh)
            .map(|(b, share)| BackendJ {
                group: b.group.clone(),
                kind: b.kind.clone(),
                namespace: b.namespace.clone(),
                name: b.name.clone(),
                port: b.port,
                weight: b.weight,
                share,
                invalid: b.invalid.clone(),
                ready_endpoints: None,
                endpoints_note: ENDPOINTS_NOTE,
            })
            .collect(),
        cluster: h.cluster.clone(),
        stats: st.as_ref().ok().map(|p| StatsJ {
            rps: p.rps,
            share_2xx: p.share_2xx(),
            share_4xx: p.share_4xx(),
            share_5xx: p.share_5xx(),
            p50_ms: p.p50_ms,
            p99_ms: p.p99_ms,
            active: p.active,
            connect_fail: p.connect_fail,
            timeouts: p.timeouts,
            pending_overflow: p.pending_overflow,
        }),
        stats_note: st.err(),
        shadowed: h
            .shadowed
            .iter()
            .map(|(e, why)| entry_j(m, e, why))
            .collect(),
    }
}

fn fleet_j(m: &Model, f: &FleetTrace, stats: &Stats) -> FleetJ {
    FleetJ {
        fleet: f.fleet.clone(),
        gateways: f
            .gateways
            .iter()
            .map(|&g| label(&m.gateways[g].obj))
            .collect(),
        step: f.step.as_str(),
        reason: f.reason.clone(),
        listener: f.listener.map(|(g, li)| {
            let l = &m.gateways[g].listeners[li];
            ListenerJ {
                gateway: label(&m.gateways[g].obj),
                name: l.name.clone(),
                port: l.port,
                protocol: l.protocol.clone(),
                hostname: l.hostname.clone(),
                declared_by: format!("{}/{}", l.declared_by.kind.name(), label(&l.declared_by)),
                why: f.listener_why.clone(),
            }
        }),
        hostname: f.hostname.clone(),
        route: f.hit.as_ref().map(|h| route_j(m, f, h, stats)),
        misses: f.misses.iter().map(|(e, why)| entry_j(m, e, why)).collect(),
    }
}

fn summary(t: &Trace) -> (&'static str, String) {
    match t.best() {
        None => (
            "gateway",
            "no Gateway in the source serves the request".to_string(),
        ),
        Some(f) => (f.step.as_str(), f.reason.clone()),
    }
}

/// The JSON document (`egscope.trace/v1`).
pub fn json(store: &Store, m: &Model, t: &Trace, stats: &Stats) -> String {
    let (step, reason) = summary(t);
    let r = &t.request;
    let doc = Doc {
        schema: "egscope.trace/v1",
        source: &store.source,
        request: RequestJ {
            scheme: r.scheme.as_str(),
            method: &r.method,
            host: &r.host,
            sni: r.sni.as_deref(),
            port: r.port,
            path: &r.path,
            query: &r.query,
            headers: &r.headers,
        },
        matched: t.matched(),
        step,
        reason,
        unread: crate::model::trace::unread(store),
        fleets: t.fleets.iter().map(|f| fleet_j(m, f, stats)).collect(),
    };
    let mut s = serde_json::to_string_pretty(&doc).expect("the trace serialises");
    s.push('\n');
    s
}

fn pct(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| format!("{:.1} %", v * 100.0))
}

fn ms(x: Option<f64>) -> String {
    x.map_or("-".to_string(), |v| format!("{v:.0} ms"))
}

/// The text report. Every line goes through `sanitize::escape`: names,
/// hostnames, header values and condition messages come from the input.
pub fn text(store: &Store, m: &Model, t: &Trace, stats: &Stats) -> String {
    let r = &t.request;
    let mut lines: Vec<String> = Vec::new();
    let unread = crate::model::trace::unread(store);
    if !unread.is_empty() {
        lines.push(format!(
            "INCOMPLETE: the source could not read what the trace depends on: {}",
            unread.join("; ")
        ));
    }
    let q = if r.query.is_empty() {
        String::new()
    } else {
        let parts: Vec<String> = r.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("?{}", parts.join("&"))
    };
    lines.push(format!(
        "TRACE {} {}://{}:{}{}{q}",
        r.method,
        r.scheme.as_str(),
        r.sni.as_deref().unwrap_or(&r.host),
        r.port,
        r.path
    ));
    let mut req = vec![format!("Host {}", r.host)];
    if let Some(s) = &r.sni {
        req.insert(0, format!("SNI {s}"));
    }
    req.extend(r.headers.iter().map(|(k, v)| format!("{k}: {v}")));
    lines.push(format!("  request   {}", req.join(" · ")));
    match t.best() {
        None => lines.push("  gateway   no Gateway in the source".to_string()),
        Some(f) => fleet_text(&mut lines, m, f, stats),
    }
    let (step, reason) = summary(t);
    lines.push(if t.matched() {
        let h = t.best().and_then(|f| f.hit.as_ref()).expect("matched");
        format!(
            "RESULT matched: {} {} rule {}",
            m.routes[h.entry.route].obj.kind.name(),
            label(&m.routes[h.entry.route].obj),
            h.entry.rule
        )
    } else {
        format!("RESULT no match at the {step} step: {reason}")
    });
    let others: Vec<&FleetTrace> = t.fleets.iter().skip(1).collect();
    if !others.is_empty() {
        lines.push("other fleets:".to_string());
        for f in others {
            lines.push(format!(
                "  {}: {}",
                f.fleet,
                if f.matched() {
                    "also matches (the address the host resolves to decides)".to_string()
                } else {
                    format!("{} step: {}", f.step.as_str(), f.reason)
                }
            ));
        }
    }
    let mut out = String::new();
    for l in lines {
        out.push_str(&crate::sanitize::escape(&l));
        out.push('\n');
    }
    out
}

fn fleet_text(lines: &mut Vec<String>, m: &Model, f: &FleetTrace, stats: &Stats) {
    let gws: Vec<String> = f
        .gateways
        .iter()
        .map(|&g| label(&m.gateways[g].obj))
        .collect();
    lines.push(format!(
        "  fleet     {} (Gateway {})",
        f.fleet,
        gws.join(", ")
    ));
    match f.listener {
        Some((g, li)) => {
            let l = &m.gateways[g].listeners[li];
            lines.push(format!(
                "  listener  {} :{} {} {} ({} {}){}",
                l.name,
                l.port,
                l.protocol,
                l.hostname.as_deref().unwrap_or("*"),
                l.declared_by.kind.name(),
                label(&l.declared_by),
                f.listener_why
                    .as_deref()
                    .map(|w| format!(": {w}"))
                    .unwrap_or_default()
            ));
        }
        None => lines.push(format!("  listener  none: {}", f.reason)),
    }
    if f.listener.is_none() {
        return;
    }
    match &f.hostname {
        Some(h) => lines.push(format!("  vhost     {h}")),
        None => {
            lines.push(format!("  vhost     none: {}", f.reason));
            return;
        }
    }
    let Some(h) = &f.hit else {
        lines.push(format!("  route     none: {}", f.reason));
        for (e, why) in f.misses.iter().take(8) {
            let o = &m.routes[e.route].obj;
            lines.push(format!(
                "            {} {} rule {} ({}): {why}",
                o.kind.name(),
                label(o),
                e.rule,
                e.m.describe()
            ));
        }
        if f.misses.len() > 8 {
            lines.push(format!("            … and {} more", f.misses.len() - 8));
        }
        return;
    };
    let o = &m.routes[h.entry.route].obj;
    lines.push(format!(
        "  route     {} {} rule {} match {}: {}",
        o.kind.name(),
        label(o),
        h.entry.rule,
        h.entry.match_index,
        h.entry.m.describe()
    ));
    for (e, why) in h.shadowed.iter().take(5) {
        let so = &m.routes[e.route].obj;
        lines.push(format!(
            "            beats {} {} rule {} ({}): {why}",
            so.kind.name(),
            label(so),
            e.rule,
            e.m.describe()
        ));
    }
    if let Some(u) = &h.unresolved {
        lines.push(format!("            ResolvedRefs False: {u}"));
    }
    lines.push(format!(
        "  filters   {}",
        if h.filters.is_empty() {
            "none".to_string()
        } else {
            h.filters.join(" · ")
        }
    ));
    if h.policies.is_empty() {
        lines.push("  policies  none".to_string());
    }
    for (i, (k, p, target)) in h.policies.iter().enumerate() {
        lines.push(format!(
            "  {}{} {} ({target})",
            if i == 0 { "policies  " } else { "          " },
            k.name(),
            label(&m.policies[*p].obj)
        ));
    }
    if h.backends.is_empty() {
        lines.push("  backends  none (the rule answers itself)".to_string());
    }
    for (i, (b, share)) in h.backends.iter().zip(shares(&h.backends)).enumerate() {
        lines.push(format!(
            "  {}{} {}/{}{} weight {} ({:.0} %) · {}{}",
            if i == 0 { "backends  " } else { "          " },
            b.kind,
            b.namespace,
            b.name,
            b.port.map(|p| format!(":{p}")).unwrap_or_default(),
            b.weight,
            share * 100.0,
            ENDPOINTS_NOTE,
            b.invalid
                .as_deref()
                .map(|w| format!(" · {w}"))
                .unwrap_or_default()
        ));
    }
    match stats_of(stats, &f.fleet, &h.cluster) {
        Ok(p) => lines.push(format!(
            "  stats     {}: {:.1} rps · 5xx {} · 4xx {} · p50 {} · p99 {} · active {:.0} · connect failures {:.0} · timeouts {:.0} · pending overflow {:.0}",
            h.cluster,
            p.rps,
            pct(p.share_5xx()),
            pct(p.share_4xx()),
            ms(p.p50_ms),
            ms(p.p99_ms),
            p.active,
            p.connect_fail,
            p.timeouts,
            p.pending_overflow
        )),
        Err(why) => lines.push(format!("  stats     {}: {why}", h.cluster)),
    }
}
