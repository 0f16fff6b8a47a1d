//! EG5xx: live state, the guide's goals seen in the running system. These
//! rules judge status only where the source has it: a manifest without
//! `status` is never a finding.

use super::Ctx;
use crate::audit::RuleId;
use crate::model::tenancy::DEFAULT_CONTROLLER_NAME;
use crate::model::value::{array_at, at, condition, i64_at, str_at};
use crate::store::{Kind, Object};

/// How far back a container restart still counts as "restarting".
const RESTART_WINDOW_SECS: i64 = 600;

pub fn run(ctx: &mut Ctx) {
    eg501_gateway_conditions(ctx);
    eg502_listener_health(ctx);
    eg503_route_status(ctx);
    eg504_policy_status(ctx);
    eg505_proxy_pods(ctx);
    eg506_hpa_saturated(ctx);
    eg507_fleet_5xx(ctx);
    eg508_fleet_replicas(ctx);
    eg509_controller_ready(ctx);
    eg510_backends_without_endpoints(ctx);
    eg511_generation_lag(ctx);
}

fn conditions(obj: &Object) -> &[crate::codec::value::Value] {
    obj.status()
        .map(|s| array_at(s, &["conditions"]))
        .unwrap_or(&[])
}

fn eg501_gateway_conditions(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG501, &[Kind::Gateway]) {
        return;
    }
    for (_, gw) in ctx.model.eg_gateways() {
        let conds = conditions(&gw.obj);
        if conds.is_empty() {
            continue;
        }
        ctx.check(RuleId::EG501, &gw.obj, None);
        let mut problems = Vec::new();
        for kind in ["Accepted", "Programmed"] {
            if let Some(c) = condition(conds, kind)
                && !c.is_true()
            {
                problems.push(format!("not {kind} ({})", c.describe()));
            }
        }
        if !problems.is_empty() {
            ctx.finding(RuleId::EG501, &gw.obj)
                .path("status.conditions")
                .message(format!("Gateway is {}", problems.join("; ")))
                .emit(ctx);
        }
    }
}

fn eg502_listener_health(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG502, &[Kind::Gateway]) {
        return;
    }
    for (_, gw) in ctx.model.eg_gateways() {
        for l in &gw.listeners {
            let Some(st) = l.status() else {
                continue;
            };
            let conds = array_at(st, &["conditions"]);
            if conds.is_empty() {
                continue;
            }
            // Found on the object that declares the listener (a
            // ListenerSet's listener status lives in the ListenerSet).
            ctx.check(RuleId::EG502, &l.declared_by, Some(&l.name));
            let mut problems = Vec::new();
            if let Some(c) = condition(conds, "Conflicted").filter(|c| c.is_true()) {
                problems.push(format!("Conflicted ({})", c.describe()));
            }
            if let Some(c) = condition(conds, "ResolvedRefs").filter(|c| c.is_false()) {
                problems.push(format!("refs not resolved ({})", c.describe()));
            }
            if let Some(c) = condition(conds, "Programmed").filter(|c| c.is_false()) {
                problems.push(format!("not Programmed ({})", c.describe()));
            }
            if !problems.is_empty() {
                ctx.finding(RuleId::EG502, &l.declared_by)
                    .listener(&l.name)
                    .path(format!("status.listeners[{}].conditions", l.name))
                    .message(format!("listener is {}", problems.join("; ")))
                    .emit(ctx);
            }
        }
    }
}

fn eg_controller_name(ctx: &Ctx, name: &str) -> bool {
    name == DEFAULT_CONTROLLER_NAME
        || name.starts_with("gateway.envoyproxy.io/")
        || ctx
            .model
            .controllers
            .iter()
            .any(|c| c.config.controller_name == name)
        || ctx
            .model
            .classes
            .iter()
            .any(|c| c.eg_served && c.controller_name == name)
}

fn eg503_route_status(ctx: &mut Ctx) {
    if !ctx.enabled(RuleId::EG503) {
        return;
    }
    for route in ctx.model.routes.iter() {
        let Some(status) = route.obj.status() else {
            continue;
        };
        for parent in array_at(status, &["parents"]) {
            let controller = str_at(parent, &["controllerName"]).unwrap_or("");
            if !controller.is_empty() && !eg_controller_name(ctx, controller) {
                continue;
            }
            let conds = array_at(parent, &["conditions"]);
            if conds.is_empty() {
                continue;
            }
            ctx.check(RuleId::EG503, &route.obj, None);
            let pref = at(parent, &["parentRef"]).cloned().unwrap_or_default();
            let pname = str_at(&pref, &["name"]).unwrap_or("?");
            let pns = str_at(&pref, &["namespace"]).unwrap_or(route.obj.namespace_or_empty());
            let section = str_at(&pref, &["sectionName"])
                .map(|s| format!(" listener {s}"))
                .unwrap_or_default();
            let mut problems = Vec::new();
            if let Some(c) = condition(conds, "Accepted").filter(|c| c.is_false()) {
                problems.push(format!("not Accepted ({})", c.describe()));
            }
            if let Some(c) = condition(conds, "ResolvedRefs").filter(|c| c.is_false()) {
                problems.push(format!("refs not resolved ({})", c.describe()));
            }
            if !problems.is_empty() {
                let related = ctx
                    .model
                    .gateways
                    .iter()
                    .find(|g| g.obj.name == pname && g.obj.namespace_or_empty() == pns)
                    .map(|g| g.obj.obj_ref());
                ctx.finding(RuleId::EG503, &route.obj)
                    .path("status.parents[].conditions")
                    .message(format!(
                        "parent Gateway {pns}/{pname}{section}: {}",
                        problems.join("; ")
                    ))
                    .related(related)
                    .emit(ctx);
            }
        }
    }
}

fn eg504_policy_status(ctx: &mut Ctx) {
    if !ctx.enabled(RuleId::EG504) {
        return;
    }
    for policy in ctx.model.policies.iter() {
        let Some(status) = policy.obj.status() else {
            continue;
        };
        for anc in array_at(status, &["ancestors"]) {
            let conds = array_at(anc, &["conditions"]);
            if conds.is_empty() {
                continue;
            }
            ctx.check(RuleId::EG504, &policy.obj, None);
            let Some(c) = condition(conds, "Accepted").filter(|c| c.is_false()) else {
                continue;
            };
            let r = at(anc, &["ancestorRef"]).cloned().unwrap_or_default();
            let name = str_at(&r, &["name"]).unwrap_or("?");
            let ns = str_at(&r, &["namespace"]).unwrap_or(policy.obj.namespace_or_empty());
            let kind = str_at(&r, &["kind"]).unwrap_or("Gateway");
            let section = str_at(&r, &["sectionName"])
                .map(|s| format!(" section {s}"))
                .unwrap_or_default();
            ctx.finding(RuleId::EG504, &policy.obj)
                .path("status.ancestors[].conditions")
                .message(format!(
                    "not accepted for {kind} {ns}/{name}{section} ({})",
                    c.describe()
                ))
                .emit(ctx);
        }
    }
}

/// Why a pod counts as unhealthy, if it does.
fn pod_problem(pod: &Object, now: Option<jiff::Timestamp>) -> Option<String> {
    let status = pod.status()?;
    let mut problems = Vec::new();
    let conditions = array_at(status, &["conditions"]);
    match condition(conditions, "Ready") {
        Some(ready) if !ready.is_true() => {
            problems.push(format!("not Ready ({})", ready.describe()));
        }
        Some(_) => {}
        // A pod the scheduler cannot place has only `PodScheduled=False`
        // (reason Unschedulable): the kubelet never saw it, so it has no
        // Ready condition at all, and it is not ready.
        None => match condition(conditions, "PodScheduled").filter(|c| c.is_false()) {
            Some(sched) => problems.push(format!("not scheduled ({})", sched.describe())),
            // Without conditions, a Pending or Failed phase still says it
            // serves nothing; a Running pod without conditions (a hand-made
            // manifest) is not judged.
            None => {
                if let Some(phase @ ("Pending" | "Failed" | "Unknown")) = str_at(status, &["phase"])
                {
                    problems.push(format!("not Ready (phase {phase}, no Ready condition)"))
                }
            }
        },
    }
    for cs in array_at(status, &["containerStatuses"]) {
        let name = str_at(cs, &["name"]).unwrap_or("?");
        if str_at(cs, &["state", "waiting", "reason"]) == Some("CrashLoopBackOff") {
            problems.push(format!("container {name} is in CrashLoopBackOff"));
            continue;
        }
        let restarts = i64_at(cs, &["restartCount"]).unwrap_or(0);
        let finished = str_at(cs, &["lastState", "terminated", "finishedAt"])
            .and_then(|t| t.parse::<jiff::Timestamp>().ok());
        if restarts > 0
            && let (Some(f), Some(now)) = (finished, now)
            && now.as_second() - f.as_second() <= RESTART_WINDOW_SECS
        {
            problems.push(format!(
                "container {name} restarted in the last 10 minutes ({restarts} restarts)"
            ));
        }
    }
    (!problems.is_empty()).then(|| problems.join("; "))
}

fn eg505_proxy_pods(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG505, &[Kind::Pod]) {
        return;
    }
    let m = ctx.model;
    for fleet in &m.fleets {
        for pod in &fleet.pods {
            if pod.status().is_none() {
                continue;
            }
            ctx.check(RuleId::EG505, pod, None);
            if let Some(p) = pod_problem(pod, ctx.now) {
                ctx.finding(RuleId::EG505, pod)
                    .path("status")
                    .message(format!("proxy pod of fleet {}: {p}", fleet.key))
                    .emit(ctx);
            }
        }
    }
}

fn eg506_hpa_saturated(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG506, &[Kind::HorizontalPodAutoscaler]) {
        return;
    }
    let m = ctx.model;
    for fleet in &m.fleets {
        let (Some(hpa), Some(state)) = (&fleet.hpa, &fleet.hpa_status) else {
            continue;
        };
        if !state.has_status {
            continue;
        }
        ctx.check(RuleId::EG506, hpa, None);
        let problems = state.problems();
        if !problems.is_empty() {
            ctx.finding(RuleId::EG506, hpa)
                .path("status")
                .message(format!(
                    "HPA of fleet {} is {}",
                    fleet.key,
                    problems.join("; ")
                ))
                .emit(ctx);
        }
    }
}

/// Why a fleet's pods gave no numbers, from what the scrapes said.
fn why_unscraped(series: &[&crate::metrics::PodSeries]) -> String {
    use crate::metrics::ScrapeState;
    let mut why: Vec<String> = series
        .iter()
        .map(|s| match &s.state {
            ScrapeState::Forbidden => "pods/proxy forbidden".to_string(),
            ScrapeState::Timeout => "scrape timed out".to_string(),
            ScrapeState::NoMetricsPort => "Prometheus disabled".to_string(),
            ScrapeState::Failed(e) => e.clone(),
            ScrapeState::Pending => "not scraped".to_string(),
            ScrapeState::Ok => "too few samples in the window".to_string(),
        })
        .collect();
    why.sort();
    why.dedup();
    if why.is_empty() {
        "not scraped".to_string()
    } else {
        why.join("; ")
    }
}

/// How far back EG507 looks.
const FIVEXX_WINDOW_SECS: f64 = 60.0;

fn eg507_fleet_5xx(ctx: &mut Ctx) {
    if !ctx.enabled(RuleId::EG507) {
        return;
    }
    let Some(metrics) = ctx.opts.metrics.clone() else {
        let reason = match ctx.store.source.kind {
            crate::store::SourceKind::Snapshot => "no live metrics in a snapshot",
            _ => {
                "no live metrics were collected (audit --metrics-window SECS, or the TUI, scrapes them)"
            }
        };
        ctx.skip(RuleId::EG507, reason);
        return;
    };
    let m = ctx.model;
    let threshold = ctx.opts.fivexx_threshold;
    // Fleets with pods whose numbers could not be read, with why: EG507
    // never passes a fleet it could not see.
    let mut unseen: Vec<String> = Vec::new();
    let mut judged = 0usize;
    for fleet in &m.fleets {
        let series: Vec<&crate::metrics::PodSeries> = fleet
            .pods
            .iter()
            .filter_map(|p| {
                metrics
                    .pods
                    .get(&(p.namespace_or_empty().to_string(), p.name.clone()))
                    .map(|s| &**s)
            })
            .collect();
        let Some(share) = crate::metrics::series::fivexx_share_over(&series, FIVEXX_WINDOW_SECS)
        else {
            if series.iter().any(|s| !s.history.is_empty()) {
                // Numbers, but no request in the window: nothing to flag.
                judged += 1;
                continue;
            }
            // No port to scrape is the fleet's own choice, which EG306 judges.
            let disabled = !series.is_empty()
                && series
                    .iter()
                    .all(|s| s.state == crate::metrics::ScrapeState::NoMetricsPort);
            if !fleet.pods.is_empty() && !disabled {
                unseen.push(format!("{} ({})", fleet.key, why_unscraped(&series)));
            }
            continue;
        };
        judged += 1;
        let owner = super::eg2_performance::fleet_owner(m, fleet);
        ctx.check(RuleId::EG507, owner, None);
        if share > threshold {
            ctx.finding(RuleId::EG507, owner)
                .message(format!(
                    "fleet {} served {:.1}% 5xx over the last minute (threshold {:.1}%){}",
                    fleet.key,
                    share * 100.0,
                    threshold * 100.0,
                    worst_routes(&metrics, &fleet.key)
                ))
                .related(fleet.deployment.iter().map(|d| d.obj_ref()))
                .emit(ctx);
        }
    }
    if !unseen.is_empty() {
        let category = if judged == 0 {
            super::SkipCategory::NotJudged
        } else {
            super::SkipCategory::Partial
        };
        ctx.skip_as(
            RuleId::EG507,
            format!("no traffic numbers for fleet {}", unseen.join(", ")),
            category,
        );
    }
}

/// How many route rules EG507 names.
const WORST_ROUTES: usize = 3;

/// The route rules with the most 5xx in the fleet's pods' latest intervals
/// (per-cluster history is kept only for fleets on screen, so not the
/// minute the share covers), as `; most 5xx: HTTPRoute ns/name rule 0 (41
/// of 120, 34.2%), …`; empty when no rule answered a 5xx or the names are
/// not Envoy Gateway's (a custom `clusterStatName`).
fn worst_routes(metrics: &crate::metrics::MetricsSnapshot, fleet: &str) -> String {
    let Some(routes) = metrics.routes.get(fleet) else {
        return String::new();
    };
    let mut worst: Vec<(
        crate::metrics::RouteRuleRef<'_>,
        &crate::metrics::ClusterPoint,
    )> = routes
        .iter()
        .filter(|(_, p)| p.responses_5xx >= 1.0)
        .filter_map(|(n, p)| Some((crate::metrics::parse_cluster(n)?, p)))
        .collect();
    if worst.is_empty() {
        return String::new();
    }
    worst.sort_by(|a, b| {
        b.1.responses_5xx
            .total_cmp(&a.1.responses_5xx)
            .then_with(|| a.0.cmp(&b.0))
    });
    let named: Vec<String> = worst
        .iter()
        .take(WORST_ROUTES)
        .map(|(r, p)| {
            let kind = match r.kind {
                "httproute" => "HTTPRoute",
                "grpcroute" => "GRPCRoute",
                "tcproute" => "TCPRoute",
                "tlsroute" => "TLSRoute",
                _ => "UDPRoute",
            };
            let rule = if r.rule < 0 {
                String::new()
            } else {
                format!(" rule {}", r.rule)
            };
            format!(
                "{kind} {}/{}{rule} ({:.0} of {:.0}, {:.1}%)",
                r.namespace,
                r.name,
                p.responses_5xx,
                p.responses,
                p.share_5xx().unwrap_or(0.0) * 100.0
            )
        })
        .collect();
    format!("; most 5xx: {}", named.join(", "))
}

fn eg508_fleet_replicas(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG508, &[Kind::Deployment]) {
        return;
    }
    let m = ctx.model;
    for fleet in &m.fleets {
        let Some(d) = &fleet.deployment else { continue };
        let Some(status) = d.status() else { continue };
        ctx.check(RuleId::EG508, d, None);
        let desired = i64_at(d.spec(), &["replicas"]).unwrap_or(1);
        let available = i64_at(status, &["availableReplicas"]).unwrap_or(0);
        if available < desired {
            ctx.finding(RuleId::EG508, d)
                .path("status.availableReplicas")
                .message(format!(
                    "{available} of {desired} desired proxy replicas available (fleet {})",
                    fleet.key
                ))
                .emit(ctx);
        }
    }
}

fn eg509_controller_ready(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG509, &[Kind::Deployment]) {
        return;
    }
    for c in &ctx.model.controllers {
        let Some(status) = c.deployment.status() else {
            continue;
        };
        ctx.check(RuleId::EG509, &c.deployment, None);
        if i64_at(status, &["readyReplicas"]).unwrap_or(0) == 0 {
            ctx.finding(RuleId::EG509, &c.deployment)
                .path("status.readyReplicas")
                .message(format!(
                    "controller {} has no ready replica",
                    c.config.controller_name
                ))
                .emit(ctx);
        }
    }
}

/// EG510: a rule whose every weighted Service backendRef has no ready
/// endpoint (or no EndpointSlice at all: the Service does not exist or
/// selects no pod). Envoy then answers 503 `no_healthy_upstream`. A rule
/// that also sends traffic to an Envoy Gateway `Backend` (or another kind)
/// is not judged: those endpoints are not counted, and they may serve it.
/// Refs that no ReferenceGrant permits are EG503's (RefNotPermitted).
fn eg510_backends_without_endpoints(ctx: &mut Ctx) {
    use crate::model::backends::EndpointsState;
    if !ctx.require(RuleId::EG510, &[Kind::EndpointSlice]) {
        return;
    }
    let eg: std::collections::HashSet<usize> = ctx.model.eg_gateways().map(|(i, _)| i).collect();
    for (r, route) in ctx.model.routes.iter().enumerate() {
        if !route
            .parents
            .iter()
            .any(|p| p.gateway.is_some_and(|g| eg.contains(&g)))
        {
            continue;
        }
        let Some(backends) = ctx.model.backends.get(r) else {
            continue;
        };
        for (i, refs) in backends.rules.iter().enumerate() {
            let weighted: Vec<_> = refs
                .iter()
                .filter(|b| b.weight > 0 && b.permitted)
                .collect();
            if weighted.is_empty() || weighted.iter().any(|b| !b.is_service()) {
                continue;
            }
            // A namespace whose slices could not be read: not judged here.
            if let Some(reason) = weighted.iter().find_map(|b| match &b.endpoints {
                EndpointsState::Unknown { reason } => Some(reason.clone()),
                _ => None,
            }) {
                ctx.skip_as(RuleId::EG510, reason, crate::audit::SkipCategory::Partial);
                continue;
            }
            ctx.check(RuleId::EG510, &route.obj, None);
            if weighted.iter().any(|b| b.ready().unwrap_or(0) > 0) {
                continue;
            }
            let what: Vec<String> = weighted
                .iter()
                .map(|b| match &b.endpoints {
                    EndpointsState::Read(e) if e.slices == 0 => format!(
                        "{} has no EndpointSlice (the Service does not exist or selects no pod)",
                        b.describe()
                    ),
                    EndpointsState::Read(e) => {
                        format!("{} has 0 ready of {} endpoints", b.describe(), e.not_ready)
                    }
                    _ => b.describe(),
                })
                .collect();
            let rule = match route.rule_names.get(i).cloned().flatten() {
                Some(n) => format!("rule {i} ({n})"),
                None => format!("rule {i}"),
            };
            let related: Vec<crate::store::ObjectRef> = weighted
                .iter()
                .map(|b| crate::store::ObjectRef::new("", "Service", Some(&b.namespace), &b.name))
                .collect();
            ctx.finding(RuleId::EG510, &route.obj)
                .path(format!("spec.rules[{i}].backendRefs"))
                .message(format!(
                    "{rule}: no ready endpoint, Envoy answers 503 no_healthy_upstream: {}",
                    what.join("; ")
                ))
                .related(related)
                .emit(ctx);
        }
    }
}

/// EG511: the controller has not processed the object's latest spec. In a
/// snapshot the lag is reported at once; live, once this session has seen
/// it last [`LAG_THRESHOLD_SECS`] by its own clock (the store's
/// `observed_at` against when the generation was first seen), so a
/// controller that is merely a few seconds behind is no finding.
fn eg511_generation_lag(ctx: &mut Ctx) {
    use crate::store::changes::{LAG_THRESHOLD_SECS, generation_lag};
    if !ctx.enabled(RuleId::EG511) {
        return;
    }
    let live_at = ctx.store.live.as_ref().map(|l| l.observed_at);
    let m = ctx.model;
    let eg_gateways: std::collections::HashSet<usize> = m.eg_gateways().map(|(i, _)| i).collect();
    let mut subjects: Vec<(&Object, &'static str)> = Vec::new();
    for i in &eg_gateways {
        subjects.push((&m.gateways[*i].obj, "status.conditions"));
    }
    for ls in m.listener_sets.iter() {
        if ls.gateway.is_some_and(|g| eg_gateways.contains(&g)) {
            subjects.push((&ls.obj, "status.conditions"));
        }
    }
    for r in m.routes.iter() {
        subjects.push((&r.obj, "status.parents[].conditions"));
    }
    for p in m.policies.iter() {
        subjects.push((&p.obj, "status.ancestors[].conditions"));
    }
    // Lags this session has not yet seen for the threshold are no finding
    // by the rule's definition, but a one-shot live audit must not let
    // them pass unsaid: they are named among the skipped rules. Not as
    // incomplete: a controller a few seconds behind a fresh `kubectl
    // apply` is normal, and must not turn every CI audit into exit 3.
    let mut waiting = Vec::new();
    for (obj, path) in subjects {
        // A route's or policy's own `status.conditions` are not written by
        // a Gateway controller: only its parent/ancestor statuses count.
        let own = path == "status.conditions";
        let lag = generation_lag(obj, own, |c| eg_controller_name(ctx, c));
        if obj.status().is_some() {
            ctx.check(RuleId::EG511, obj, None);
        }
        let Some((generation, observed)) = lag else {
            continue;
        };
        let lasted = match (live_at, obj.generation_since) {
            (Some(now), Some(since)) => {
                let secs = crate::clock::secs_between(since, now);
                if secs < LAG_THRESHOLD_SECS {
                    waiting.push(obj.obj_ref().without_version().display_path());
                    continue;
                }
                // Not how long: a message that moved with the clock would
                // change every finding's identity-bound text each second
                // (15,000 of them on `large`, re-indexed on every
                // rebuild). The TUI's SINCE says when it crossed the wait.
                format!(", for {LAG_THRESHOLD_SECS}s or more of this session")
            }
            // Live without a first-seen time cannot say how long: wait.
            (Some(_), None) => {
                waiting.push(obj.obj_ref().without_version().display_path());
                continue;
            }
            (None, _) => String::new(),
        };
        ctx.finding(RuleId::EG511, obj)
            .path(format!("{path}[].observedGeneration"))
            .message(format!(
                "metadata.generation is {generation} but the controller's status reflects \
                 generation {observed} at most{lasted}: the latest change has not been processed"
            ))
            .emit(ctx);
    }
    if !waiting.is_empty() {
        let more = waiting.len().saturating_sub(3);
        waiting.truncate(3);
        ctx.skip_as(
            RuleId::EG511,
            format!(
                "{}{} lag{} behind the controller for less than {LAG_THRESHOLD_SECS}s of this \
                 session (judged once they last that long)",
                waiting.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                },
                if waiting.len() + more == 1 { "s" } else { "" },
            ),
            super::SkipCategory::NotApplicable,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pod(status: serde_json::Value) -> Object {
        let raw = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "n"}, "status": status});
        match Object::from_value(raw, None).unwrap() {
            crate::store::ObjectOrOther::Object(o) => *o,
            _ => unreachable!(),
        }
    }

    #[test]
    fn restarts_count_only_inside_the_window() {
        let now: jiff::Timestamp = "2026-11-26T10:00:00Z".parse().unwrap();
        let recent = pod(
            json!({"containerStatuses": [{"name": "envoy", "restartCount": 2,
            "lastState": {"terminated": {"finishedAt": "2026-11-26T09:55:00Z"}}}]}),
        );
        assert!(
            pod_problem(&recent, Some(now))
                .unwrap()
                .contains("restarted")
        );
        let old = pod(
            json!({"containerStatuses": [{"name": "envoy", "restartCount": 2,
            "lastState": {"terminated": {"finishedAt": "2026-11-26T09:00:00Z"}}}]}),
        );
        assert_eq!(pod_problem(&old, Some(now)), None);
        let crash = pod(
            json!({"containerStatuses": [{"name": "envoy", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}),
        );
        assert!(
            pod_problem(&crash, Some(now))
                .unwrap()
                .contains("CrashLoopBackOff")
        );
        let unready = pod(
            json!({"conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}]}),
        );
        assert!(
            pod_problem(&unready, Some(now))
                .unwrap()
                .contains("not Ready")
        );
    }
}
