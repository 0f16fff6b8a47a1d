//! EG5xx: live state, the guide's goals seen in the running system. These
//! rules judge status only where the source has it: a manifest without
//! `status` is never a finding.

use super::Ctx;
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
}

fn conditions(obj: &Object) -> &[crate::value::Value] {
    obj.status()
        .map(|s| array_at(s, &["conditions"]))
        .unwrap_or(&[])
}

fn eg501_gateway_conditions(ctx: &mut Ctx) {
    if !ctx.require("EG501", &[Kind::Gateway]) {
        return;
    }
    for (_, gw) in ctx.model.eg_gateways() {
        let conds = conditions(&gw.obj);
        if conds.is_empty() {
            continue;
        }
        ctx.check("EG501", &gw.obj, None);
        let mut problems = Vec::new();
        for kind in ["Accepted", "Programmed"] {
            if let Some(c) = condition(conds, kind)
                && !c.is_true()
            {
                problems.push(format!("not {kind} ({})", c.describe()));
            }
        }
        if !problems.is_empty() {
            ctx.finding("EG501", &gw.obj)
                .path("status.conditions")
                .message(format!("Gateway is {}", problems.join("; ")))
                .emit(ctx);
        }
    }
}

fn eg502_listener_health(ctx: &mut Ctx) {
    if !ctx.require("EG502", &[Kind::Gateway]) {
        return;
    }
    for (_, gw) in ctx.model.eg_gateways() {
        for l in &gw.listeners {
            let Some(st) = l.status(&gw.obj) else {
                continue;
            };
            let conds = array_at(st, &["conditions"]);
            if conds.is_empty() {
                continue;
            }
            ctx.check("EG502", &gw.obj, Some(&l.name));
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
                ctx.finding("EG502", &gw.obj)
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
    if !ctx.enabled("EG503") {
        return;
    }
    for route in &ctx.model.routes {
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
            ctx.check("EG503", &route.obj, None);
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
                ctx.finding("EG503", &route.obj)
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
    if !ctx.enabled("EG504") {
        return;
    }
    for policy in &ctx.model.policies {
        let Some(status) = policy.obj.status() else {
            continue;
        };
        for anc in array_at(status, &["ancestors"]) {
            let conds = array_at(anc, &["conditions"]);
            if conds.is_empty() {
                continue;
            }
            ctx.check("EG504", &policy.obj, None);
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
            ctx.finding("EG504", &policy.obj)
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
    if !ctx.require("EG505", &[Kind::Pod]) {
        return;
    }
    let m = ctx.model;
    for fleet in &m.fleets {
        for pod in &fleet.pods {
            if pod.status().is_none() {
                continue;
            }
            ctx.check("EG505", pod, None);
            if let Some(p) = pod_problem(pod, ctx.now) {
                ctx.finding("EG505", pod)
                    .path("status")
                    .message(format!("proxy pod of fleet {}: {p}", fleet.key))
                    .emit(ctx);
            }
        }
    }
}

fn eg506_hpa_saturated(ctx: &mut Ctx) {
    if !ctx.require("EG506", &[Kind::HorizontalPodAutoscaler]) {
        return;
    }
    let m = ctx.model;
    for fleet in &m.fleets {
        let Some(hpa) = &fleet.hpa else { continue };
        let Some(status) = hpa.status() else { continue };
        ctx.check("EG506", hpa, None);
        let mut problems = Vec::new();
        let current = i64_at(status, &["currentReplicas"]);
        let max = i64_at(hpa.spec(), &["maxReplicas"]);
        if let (Some(c), Some(mx)) = (current, max)
            && c >= mx
        {
            problems.push(format!("at its maximum of {mx} replicas"));
        }
        let conds = array_at(status, &["conditions"]);
        if let Some(c) = condition(conds, "ScalingActive").filter(|c| c.is_false()) {
            problems.push(format!("cannot scale ({})", c.describe()));
        }
        if let Some(c) = condition(conds, "ScalingLimited").filter(|c| c.is_true())
            && problems.iter().all(|p| !p.starts_with("at its maximum"))
        {
            problems.push(format!("scaling is limited ({})", c.describe()));
        }
        if !problems.is_empty() {
            ctx.finding("EG506", hpa)
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

/// How far back EG507 looks.
const FIVEXX_WINDOW_SECS: f64 = 60.0;

fn eg507_fleet_5xx(ctx: &mut Ctx) {
    if !ctx.enabled("EG507") {
        return;
    }
    let Some(metrics) = ctx.opts.metrics.clone() else {
        let reason = match ctx.store.source.kind {
            crate::store::SourceKind::Snapshot => "no live metrics in a snapshot",
            _ => {
                "no live metrics were collected (audit --metrics-window SECS, or the TUI, scrapes them)"
            }
        };
        ctx.skip("EG507", reason);
        return;
    };
    let m = ctx.model;
    let threshold = ctx.opts.fivexx_threshold;
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
            continue;
        };
        let owner = super::eg2_performance::fleet_owner(m, fleet);
        ctx.check("EG507", owner, None);
        if share > threshold {
            ctx.finding("EG507", owner)
                .message(format!(
                    "fleet {} served {:.1}% 5xx over the last minute (threshold {:.1}%)",
                    fleet.key,
                    share * 100.0,
                    threshold * 100.0
                ))
                .related(fleet.deployment.iter().map(|d| d.obj_ref()))
                .emit(ctx);
        }
    }
}

fn eg508_fleet_replicas(ctx: &mut Ctx) {
    if !ctx.require("EG508", &[Kind::Deployment]) {
        return;
    }
    let m = ctx.model;
    for fleet in &m.fleets {
        let Some(d) = &fleet.deployment else { continue };
        let Some(status) = d.status() else { continue };
        ctx.check("EG508", d, None);
        let desired = i64_at(d.spec(), &["replicas"]).unwrap_or(1);
        let available = i64_at(status, &["availableReplicas"]).unwrap_or(0);
        if available < desired {
            ctx.finding("EG508", d)
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
    if !ctx.require("EG509", &[Kind::Deployment]) {
        return;
    }
    for c in &ctx.model.controllers {
        let Some(status) = c.deployment.status() else {
            continue;
        };
        ctx.check("EG509", &c.deployment, None);
        if i64_at(status, &["readyReplicas"]).unwrap_or(0) == 0 {
            ctx.finding("EG509", &c.deployment)
                .path("status.readyReplicas")
                .message(format!(
                    "controller {} has no ready replica",
                    c.config.controller_name
                ))
                .emit(ctx);
        }
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
