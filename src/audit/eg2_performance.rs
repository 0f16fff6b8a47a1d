//! EG2xx: performance tuning (guide: Performance Tuning).

use crate::audit::RuleId;
use std::collections::BTreeSet;
use std::sync::Arc;

use crate::codec::value::Value;

use super::Ctx;
use crate::model::policy::{any_sets, effective_btp, effective_ctp, first_value};
use crate::model::value::{array_at, at, str_at};
use crate::model::{Bootstrap, Fleet, Model, ProxySource};
use crate::store::{Kind, Object, ObjectRef};
use crate::units::{BUFFER_CAP_BYTES, quantity_of};

pub fn run(ctx: &mut Ctx) {
    listener_rules(ctx);
    route_rules(ctx);
    eg208_resources(ctx);
    eg209_hpa(ctx);
    eg210_hpa_target(ctx);
}

/// The object a fleet-level finding lands on: the Gateway, or the
/// GatewayClass of a merged fleet.
pub fn fleet_owner<'m>(m: &'m Model, fleet: &Fleet) -> &'m Arc<Object> {
    if fleet.merged {
        &m.classes[fleet.class].obj
    } else {
        &m.gateways[fleet.gateways[0]].obj
    }
}

/// The Gateway's fleet names an EnvoyProxy the source does not hold
/// (EG115): Envoy Gateway rejects the GatewayClass or Gateway
/// (InvalidParameters) and programs none of its listeners, so the listener
/// and route rules do not judge it. The fleet gets EG115 and nothing else.
fn proxy_missing(m: &Model, gateway: usize) -> bool {
    m.fleet_of(gateway)
        .is_some_and(|f| matches!(f.proxy, ProxySource::Missing))
}

fn policy_name(m: &Model, i: usize) -> String {
    let o = &m.policies[i].obj;
    format!("{}/{}", o.namespace_or_empty(), o.name)
}

fn listener_rules(ctx: &mut Ctx) {
    let r201 = ctx.require(RuleId::EG201, &[Kind::Gateway, Kind::ClientTrafficPolicy]);
    let r202 = ctx.require(RuleId::EG202, &[Kind::Gateway, Kind::ClientTrafficPolicy]);
    let r205 = ctx.require(RuleId::EG205, &[Kind::Gateway, Kind::ClientTrafficPolicy]);
    let r206 = ctx.require(RuleId::EG206, &[Kind::Gateway, Kind::ClientTrafficPolicy]);
    if !(r201 || r202 || r205 || r206) {
        return;
    }
    let m = ctx.model;
    for (gi, gw) in m.eg_gateways() {
        if proxy_missing(m, gi) {
            continue;
        }
        let fleet_caps_listener = buffer_capped_elsewhere(ctx, gi, "Listener");
        for (li, l) in gw.listeners.iter().enumerate() {
            // A ListenerSet's listener is judged and found on the
            // ListenerSet; policy resolution says which policy Envoy
            // Gateway translates onto it (ListenerSet targets from v1.9).
            let owner = &l.declared_by;
            let ctp = effective_ctp(&m.attachments, gi, li);
            let chain: Vec<usize> = ctp.into_iter().collect();
            let source = match ctp {
                Some(p) => format!("the effective ClientTrafficPolicy {}", policy_name(m, p)),
                None => "no ClientTrafficPolicy applies and".to_string(),
            };
            let related: Vec<ObjectRef> =
                chain.iter().map(|&p| m.policies[p].obj.obj_ref()).collect();
            let lacks = |path: &[&str]| !any_sets(&m.policies, &chain, path);
            if l.is_http() {
                if r201 {
                    ctx.check(RuleId::EG201, owner, Some(&l.name));
                    if lacks(&["timeout", "http", "requestReceivedTimeout"]) {
                        ctx.finding(RuleId::EG201, owner)
                            .listener(&l.name)
                            .path("spec.timeout.http.requestReceivedTimeout")
                            .message(format!(
                                "{source} sets no timeout.http.requestReceivedTimeout"
                            ))
                            .related(related.clone())
                            .emit(ctx);
                    }
                }
                if r202 {
                    ctx.check(RuleId::EG202, owner, Some(&l.name));
                    if lacks(&["timeout", "http", "idleTimeout"]) {
                        ctx.finding(RuleId::EG202, owner)
                            .listener(&l.name)
                            .path("spec.timeout.http.idleTimeout")
                            .message(format!(
                                "{source} sets no timeout.http.idleTimeout (Envoy Gateway's default is 1h)"
                            ))
                            .related(related.clone())
                            .emit(ctx);
                    }
                }
                if r205 {
                    ctx.check(RuleId::EG205, owner, Some(&l.name));
                    let v = first_value(&m.policies, &chain, &["http2", "maxConcurrentStreams"]);
                    let problem = match v.map(|(v, _)| v) {
                        None => Some("sets no http2.maxConcurrentStreams".to_string()),
                        Some(v) => match v
                            .as_f64()
                            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
                        {
                            Some(n) if n <= 100.0 => None,
                            Some(n) => {
                                Some(format!("sets http2.maxConcurrentStreams to {n}, above 100"))
                            }
                            None => Some(format!(
                                "sets http2.maxConcurrentStreams to {v}, not a number"
                            )),
                        },
                    };
                    if let Some(p) = problem {
                        ctx.finding(RuleId::EG205, owner)
                            .listener(&l.name)
                            .path("spec.http2.maxConcurrentStreams")
                            .message(format!("{source} {p}"))
                            .related(related.clone())
                            .emit(ctx);
                    }
                }
            }
            if r206 && !l.is_udp() {
                ctx.check(RuleId::EG206, owner, Some(&l.name));
                if fleet_caps_listener {
                    continue;
                }
                let v = first_value(&m.policies, &chain, &["connection", "bufferLimit"]);
                if let Some(p) = buffer_problem(v.map(|(v, _)| v)) {
                    ctx.finding(RuleId::EG206, owner)
                        .listener(&l.name)
                        .path("spec.connection.bufferLimit")
                        .message(format!("{source} {p}"))
                        .related(related.clone())
                        .emit(ctx);
                }
            }
        }
    }
}

/// `None` when the buffer limit is set and at most 32 KiB.
fn buffer_problem(v: Option<&Value>) -> Option<String> {
    match v {
        None => Some("sets no connection.bufferLimit (cap it at 32Ki)".into()),
        Some(v) => match quantity_of(v) {
            Some(q) if q <= BUFFER_CAP_BYTES => None,
            Some(_) => Some(format!(
                "sets connection.bufferLimit to {}, above 32Ki",
                show(v)
            )),
            None => Some(format!(
                "sets connection.bufferLimit to {}, not a quantity",
                show(v)
            )),
        },
    }
}

fn show(v: &Value) -> String {
    match v {
        Value::String(s) => s.to_string(),
        other => other.to_string(),
    }
}

/// The guide's alternatives to a policy buffer limit: the fleet's EnvoyProxy
/// bootstrap, or an EnvoyPatchPolicy on the Gateway (or its merged class),
/// setting `per_connection_buffer_limit_bytes` ≤ 32768 on `resource`
/// (`Listener` or `Cluster`) resources. Both are read from the model: the
/// bootstrap parsed once per fleet, the patch targets resolved once.
fn buffer_capped_elsewhere(ctx: &Ctx, gateway: usize, resource: &str) -> bool {
    let m = ctx.model;
    if let Some(bootstrap) = m.fleet_of(gateway).and_then(|f| f.bootstrap.as_ref())
        && bootstrap_caps_buffer(bootstrap, resource)
    {
        return true;
    }
    m.patches_of(gateway).any(|epp| {
        epp.json_patches().iter().any(|p| {
            str_at(p, &["type"]).is_some_and(|t| t.ends_with(&format!(".{resource}")))
                && patch_caps_buffer(p)
        })
    })
}

/// An EnvoyProxy bootstrap (`value` YAML or `jsonPatches`) that caps the
/// buffer of `resource` (`Listener` or `Cluster`): the field must sit under
/// `listeners` or `clusters` respectively. When the YAML cannot be parsed,
/// any mention of the field counts.
fn bootstrap_caps_buffer(bootstrap: &Bootstrap, resource: &str) -> bool {
    let section = if resource == "Listener" {
        "listeners"
    } else {
        "clusters"
    };
    let patches = match bootstrap {
        Bootstrap::Parsed(v) => return under_key_caps(v, section, false),
        Bootstrap::Unparsed(text) => return text_caps_buffer(text),
        Bootstrap::JsonPatches(p) => p,
    };
    patches.iter().any(|p| {
        let path = str_at(p, &["path"])
            .or_else(|| str_at(p, &["operation", "path"]))
            .unwrap_or("");
        path.contains(&format!("/{section}")) && {
            let value = at(p, &["value"]).or_else(|| at(p, &["operation", "value"]));
            if path.ends_with("/per_connection_buffer_limit_bytes") {
                value.and_then(Value::as_u64).is_some_and(|n| n <= 32768)
            } else {
                value.is_some_and(|v| text_caps_buffer(&v.to_string()))
            }
        }
    })
}

/// Whether `per_connection_buffer_limit_bytes` ≤ 32768 appears somewhere
/// below a key named `section`.
fn under_key_caps(v: &Value, section: &str, inside: bool) -> bool {
    match v {
        Value::Object(map) => map.iter().any(|(k, x)| {
            if inside && k == "per_connection_buffer_limit_bytes" {
                return x
                    .as_u64()
                    .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
                    .is_some_and(|n| n <= 32768);
            }
            under_key_caps(x, section, inside || k == section)
        }),
        Value::Array(items) => items.iter().any(|x| under_key_caps(x, section, inside)),
        _ => false,
    }
}

/// A JSON patch that sets `per_connection_buffer_limit_bytes` ≤ 32768:
/// either its `path` ends in the field and `value` is the number, or the
/// field appears inside the `value` it adds.
fn patch_caps_buffer(p: &Value) -> bool {
    let op = at(p, &["operation"]).unwrap_or(&Value::Null);
    let value = at(op, &["value"]);
    let path_is_field = str_at(op, &["path"])
        .is_some_and(|path| path.ends_with("/per_connection_buffer_limit_bytes"));
    if path_is_field {
        return value
            .and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            })
            .is_some_and(|n| n <= 32768);
    }
    value.is_some_and(|v| text_caps_buffer(&v.to_string()))
}

/// Finds `per_connection_buffer_limit_bytes` with a value ≤ 32768 in a
/// JSON-serialised patch or bootstrap (the YAML string stays inside it).
fn text_caps_buffer(text: &str) -> bool {
    const KEY: &str = "per_connection_buffer_limit_bytes";
    let mut rest = text;
    while let Some(pos) = rest.find(KEY) {
        rest = &rest[pos + KEY.len()..];
        let digits: String = rest
            .chars()
            .skip_while(|c| !c.is_ascii_digit() && !c.is_alphabetic())
            .take_while(|c| c.is_ascii_digit())
            .collect();
        if let Ok(n) = digits.parse::<u64>()
            && n <= 32768
        {
            return true;
        }
    }
    false
}

/// The BackendTrafficPolicies in force on one rule of route `ri` behind
/// listener `li` of Gateway `g`, most specific first, from the model's one
/// resolution: the rule's own entry when a policy targets the rule, else the
/// route's.
fn route_btp(m: &Model, ri: usize, g: usize, li: usize, rule: Option<&str>) -> Vec<usize> {
    let at_listener = || {
        m.effective
            .of_route(ri)
            .filter(move |e| e.gateway == g && e.listener == li)
    };
    let entry = rule
        .and_then(|n| at_listener().find(|e| e.rule.as_deref() == Some(n)))
        .or_else(|| at_listener().find(|e| e.rule.is_none()));
    entry
        .and_then(|e| e.sets.iter().find(|s| s.kind == Kind::BackendTrafficPolicy))
        .map(|s| s.policies.clone())
        .unwrap_or_default()
}

fn route_rules(ctx: &mut Ctx) {
    let r203 = ctx.require(RuleId::EG203, &[Kind::BackendTrafficPolicy]);
    let r204 = ctx.require(RuleId::EG204, &[Kind::BackendTrafficPolicy]);
    let r207 = ctx.require(RuleId::EG207, &[Kind::BackendTrafficPolicy]);
    let r211 = ctx.require(RuleId::EG211, &[Kind::BackendTrafficPolicy]);
    if !(r203 || r204 || r207 || r211) {
        return;
    }
    let m = ctx.model;
    for (ri, route) in m.routes.iter().enumerate() {
        if route.obj.kind == Kind::UdpRoute {
            continue;
        }
        // Every (parent Gateway, listener, rule) the route is served by,
        // with the BackendTrafficPolicies the model resolved for it
        // (`Model::effective`): ListenerSet listener and ListenerSet
        // policies count there, as Envoy Gateway v1.9 translates them.
        let mut chains: Vec<(usize, Vec<usize>)> = Vec::new();
        for parent in &route.parents {
            let Some(g) = parent.gateway else { continue };
            if !m.class_of(&m.gateways[g]).is_some_and(|c| c.eg_served) || proxy_missing(m, g) {
                continue;
            }
            if parent.listener_indices.is_empty() {
                // A parent none of whose listeners the route attaches to is
                // still judged on the Gateway-wide policy, as before the
                // model resolved listeners.
                chains.push((
                    g,
                    effective_btp(&m.attachments, &m.policies, ri, None, Some(g), None),
                ));
                continue;
            }
            let rules: Vec<Option<&str>> = if route.rule_names.is_empty() {
                vec![None]
            } else {
                route.rule_names.iter().map(|n| n.as_deref()).collect()
            };
            for &li in &parent.listener_indices {
                for rule in &rules {
                    chains.push((g, route_btp(m, ri, g, li, *rule)));
                }
            }
        }
        if chains.is_empty() {
            continue;
        }
        let related: BTreeSet<ObjectRef> = chains
            .iter()
            .flat_map(|(_, c)| c.iter().map(|&p| m.policies[p].obj.obj_ref()))
            .collect();
        let missing = |path: &[&str]| chains.iter().any(|(_, c)| !any_sets(&m.policies, c, path));
        let none_apply = chains.iter().all(|(_, c)| c.is_empty());
        let lead = if none_apply {
            "no BackendTrafficPolicy applies to the route".to_string()
        } else {
            let names: Vec<String> = related
                .iter()
                .map(|r| format!("{}/{}", r.namespace.as_deref().unwrap_or(""), r.name))
                .collect();
            format!("the effective BackendTrafficPolicy ({})", names.join(", "))
        };
        let obj = &route.obj;
        if r203 && route.is_http() {
            ctx.check(RuleId::EG203, obj, None);
            if missing(&["timeout", "http", "requestTimeout"]) {
                ctx.finding(RuleId::EG203, obj)
                    .path("spec.timeout.http.requestTimeout")
                    .message(format!("{lead}: no timeout.http.requestTimeout"))
                    .related(related.iter().cloned())
                    .emit(ctx);
            }
        }
        if r204 {
            ctx.check(RuleId::EG204, obj, None);
            let mut lacking = Vec::new();
            if missing(&["timeout", "tcp", "connectTimeout"]) {
                lacking.push("timeout.tcp.connectTimeout");
            }
            if route.is_http() && missing(&["timeout", "http", "connectionIdleTimeout"]) {
                lacking.push("timeout.http.connectionIdleTimeout");
            }
            if !lacking.is_empty() {
                ctx.finding(RuleId::EG204, obj)
                    .path(format!("spec.{}", lacking[0]))
                    .message(format!("{lead}: missing {}", lacking.join(" and ")))
                    .related(related.iter().cloned())
                    .emit(ctx);
            }
        }
        if r207 {
            ctx.check(RuleId::EG207, obj, None);
            let capped_elsewhere = chains
                .iter()
                .all(|(g, _)| buffer_capped_elsewhere(ctx, *g, "Cluster"));
            let problem = chains.iter().find_map(|(_, c)| {
                buffer_problem(
                    first_value(&m.policies, c, &["connection", "bufferLimit"]).map(|(v, _)| v),
                )
            });
            if let (Some(p), false) = (problem, capped_elsewhere) {
                ctx.finding(RuleId::EG207, obj)
                    .path("spec.connection.bufferLimit")
                    .message(format!("{lead}: {p}"))
                    .related(related.iter().cloned())
                    .emit(ctx);
            }
        }
        if r211 {
            ctx.check(RuleId::EG211, obj, None);
            if missing(&["tcpKeepalive"]) {
                ctx.finding(RuleId::EG211, obj)
                    .path("spec.tcpKeepalive")
                    .message(format!("{lead}: no tcpKeepalive"))
                    .related(related.iter().cloned())
                    .emit(ctx);
            }
        }
    }
}

/// The object an EnvoyProxy-content finding lands on, with the spec read:
/// the EnvoyProxy itself, or the fleet's owner when the controller default
/// or Envoy Gateway's built-ins apply. `None` when the EnvoyProxy is missing.
pub fn proxy_target<'m>(
    m: &'m Model,
    fleet: &'m Fleet,
) -> Option<(&'m Arc<Object>, Option<&'m Value>)> {
    match &fleet.proxy {
        // The spec the fleet really gets: from v1.8 the EnvoyGateway
        // config's default merges under it (tenancy::effective_envoy_proxy).
        ProxySource::Gateway(o) | ProxySource::Class(o) => {
            Some((o, fleet.proxy_spec(&m.controllers)))
        }
        ProxySource::ControllerDefault(_) | ProxySource::BuiltIn => {
            Some((fleet_owner(m, fleet), fleet.proxy_spec(&m.controllers)))
        }
        ProxySource::Missing => None,
    }
}

fn eg208_resources(ctx: &mut Ctx) {
    if !ctx.enabled(RuleId::EG208) {
        return;
    }
    let m = ctx.model;
    let mut problems: Vec<(Arc<Object>, Vec<String>, Vec<ObjectRef>)> = Vec::new();
    for fleet in &m.fleets {
        let Some((target, spec)) = proxy_target(m, fleet) else {
            continue;
        };
        let mut issues = Vec::new();
        let workload_field = if spec
            .is_some_and(|s| at(s, &["provider", "kubernetes", "envoyDaemonSet"]).is_some())
        {
            "envoyDaemonSet"
        } else {
            "envoyDeployment"
        };
        let resources = spec.and_then(|s| {
            at(
                s,
                &[
                    "provider",
                    "kubernetes",
                    workload_field,
                    "container",
                    "resources",
                ],
            )
        });
        let missing = missing_resources(resources);
        if !missing.is_empty() {
            issues.push(format!(
                "{}.container.resources lacks {}",
                workload_field,
                missing.join(", ")
            ));
        }
        let mut related = Vec::new();
        if let Some(w) = fleet.workload() {
            let envoy = crate::model::tenancy::template_containers(w)
                .iter()
                .find(|c| str_at(c, &["name"]) == Some("envoy"));
            if let Some(c) = envoy {
                let live_missing = missing_resources(at(c, &["resources"]));
                if !live_missing.is_empty() {
                    issues.push(format!(
                        "the envoy container of {} {} lacks {}",
                        w.kind.name(),
                        w.name,
                        live_missing.join(", ")
                    ));
                    related.push(w.obj_ref());
                }
            }
        }
        match problems.iter_mut().find(|(o, _, _)| Arc::ptr_eq(o, target)) {
            Some((_, all, rel)) => {
                for i in issues {
                    if !all.contains(&i) {
                        all.push(i);
                    }
                }
                rel.extend(related);
            }
            None => problems.push((target.clone(), issues, related)),
        }
    }
    for (obj, issues, related) in problems {
        ctx.check(RuleId::EG208, &obj, None);
        if issues.is_empty() {
            continue;
        }
        let path = if obj.kind == Kind::EnvoyProxy {
            "spec.provider.kubernetes.envoyDeployment.container.resources"
        } else {
            "spec.parametersRef"
        };
        let lead = if obj.kind == Kind::EnvoyProxy {
            String::new()
        } else {
            "no EnvoyProxy sets resources, Envoy Gateway's defaults (100m/512Mi requests, no limits) apply; ".into()
        };
        ctx.finding(RuleId::EG208, &obj)
            .path(path)
            .message(format!("{lead}{}", issues.join("; ")))
            .related(related)
            .emit(ctx);
    }
}

/// Which of requests/limits × cpu/memory a `resources` block lacks.
fn missing_resources(resources: Option<&Value>) -> Vec<&'static str> {
    let mut out = Vec::new();
    for (section, name, label) in [
        ("requests", "cpu", "requests.cpu"),
        ("requests", "memory", "requests.memory"),
        ("limits", "cpu", "limits.cpu"),
        ("limits", "memory", "limits.memory"),
    ] {
        if resources.and_then(|r| at(r, &[section, name])).is_none() {
            out.push(label);
        }
    }
    out
}

fn is_daemonset_fleet(fleet: &Fleet, spec: Option<&Value>) -> bool {
    fleet.daemonset.is_some()
        || spec.is_some_and(|s| at(s, &["provider", "kubernetes", "envoyDaemonSet"]).is_some())
}

fn eg209_hpa(ctx: &mut Ctx) {
    if !ctx.enabled(RuleId::EG209) {
        return;
    }
    let m = ctx.model;
    for fleet in &m.fleets {
        let spec = fleet.proxy_spec(&m.controllers);
        if matches!(fleet.proxy, ProxySource::Missing) && fleet.hpa.is_none() {
            continue;
        }
        // A DaemonSet scales with the nodes; an HPA cannot target it.
        if is_daemonset_fleet(fleet, spec) {
            continue;
        }
        let owner = fleet_owner(m, fleet);
        ctx.check(RuleId::EG209, owner, None);
        let declared =
            spec.is_some_and(|s| at(s, &["provider", "kubernetes", "envoyHpa"]).is_some());
        if declared || fleet.hpa.is_some() {
            continue;
        }
        let related: Vec<ObjectRef> = fleet
            .proxy
            .object()
            .map(|o| o.obj_ref())
            .into_iter()
            .chain(fleet.deployment.iter().map(|d| d.obj_ref()))
            .collect();
        ctx.finding(RuleId::EG209, owner)
            .path("spec.provider.kubernetes.envoyHpa")
            .message(format!(
                "the proxy fleet {} has no HorizontalPodAutoscaler: its EnvoyProxy sets no envoyHpa{}",
                fleet.key,
                if ctx.store.present(Kind::HorizontalPodAutoscaler) { " and no HPA targets its Deployment" } else { "" }
            ))
            .related(related)
            .emit(ctx);
    }
}

/// Why HPA metrics miss the 60-70% CPU target, if they do.
fn hpa_metrics_problem(metrics: &[Value], v1_target: Option<i64>) -> Option<String> {
    if let Some(t) = v1_target {
        return (!(60..=70).contains(&t))
            .then(|| format!("targets {t}% CPU utilization, outside 60-70%"));
    }
    let cpu = metrics.iter().find(|mtr| {
        str_at(mtr, &["type"]) == Some("Resource")
            && str_at(mtr, &["resource", "name"]) == Some("cpu")
    });
    let Some(cpu) = cpu else {
        return Some("does not scale on CPU utilization".into());
    };
    match at(cpu, &["resource", "target", "averageUtilization"]).and_then(Value::as_i64) {
        Some(u) if (60..=70).contains(&u) => None,
        Some(u) => Some(format!("targets {u}% CPU utilization, outside 60-70%")),
        None => Some("scales on CPU without an averageUtilization target".into()),
    }
}

fn eg210_hpa_target(ctx: &mut Ctx) {
    if !ctx.enabled(RuleId::EG210) {
        return;
    }
    let m = ctx.model;
    let mut seen: BTreeSet<ObjectRef> = BTreeSet::new();
    let mut out = Vec::new();
    for fleet in &m.fleets {
        if let Some((target, Some(spec))) = proxy_target(m, fleet)
            && let Some(hpa) = at(spec, &["provider", "kubernetes", "envoyHpa"])
            && seen.insert(target.obj_ref())
        {
            let metrics = array_at(hpa, &["metrics"]);
            let problem = if metrics.is_empty() {
                Some(
                    "envoyHpa sets no metrics, so Envoy Gateway's default of 80% CPU applies"
                        .to_string(),
                )
            } else {
                hpa_metrics_problem(metrics, None).map(|p| format!("envoyHpa {p}"))
            };
            out.push((
                target.clone(),
                "spec.provider.kubernetes.envoyHpa.metrics",
                problem,
            ));
        }
        if let Some(hpa) = &fleet.hpa
            && seen.insert(hpa.obj_ref())
        {
            let metrics = array_at(hpa.spec(), &["metrics"]);
            let v1 = at(hpa.spec(), &["targetCPUUtilizationPercentage"]).and_then(Value::as_i64);
            let problem = if metrics.is_empty() && v1.is_none() {
                Some(
                    "the HPA sets no metrics, so Kubernetes' default of 80% CPU applies"
                        .to_string(),
                )
            } else {
                hpa_metrics_problem(metrics, v1).map(|p| format!("the HPA {p}"))
            };
            out.push((hpa.clone(), "spec.metrics", problem));
        }
    }
    for (obj, path, problem) in out {
        ctx.check(RuleId::EG210, &obj, None);
        if let Some(p) = problem {
            ctx.finding(RuleId::EG210, &obj)
                .path(path)
                .message(p)
                .emit(ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_limits_parse_quantities() {
        assert!(buffer_problem(Some(&Value::from("32Ki"))).is_none());
        assert!(buffer_problem(Some(&Value::from("32768"))).is_none());
        assert!(buffer_problem(Some(&Value::from(32768))).is_none());
        assert!(
            buffer_problem(Some(&Value::from("1Mi")))
                .unwrap()
                .contains("above 32Ki")
        );
        assert!(
            buffer_problem(Some(&Value::from("lots")))
                .unwrap()
                .contains("not a quantity")
        );
        assert!(buffer_problem(None).is_some());
    }

    #[test]
    fn patch_text_caps_buffer() {
        assert!(text_caps_buffer(
            r#"{"value":"per_connection_buffer_limit_bytes: 32768"}"#
        ));
        assert!(text_caps_buffer(
            r#"{"per_connection_buffer_limit_bytes":16384}"#
        ));
        assert!(!text_caps_buffer(
            r#"{"per_connection_buffer_limit_bytes":1048576}"#
        ));
        assert!(!text_caps_buffer("nothing here"));
    }

    #[test]
    fn hpa_metrics() {
        let cpu = |u: i64| crate::json_value!({"type": "Resource", "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": u}}});
        assert!(hpa_metrics_problem(&[cpu(65)], None).is_none());
        assert!(hpa_metrics_problem(&[cpu(60)], None).is_none());
        assert!(hpa_metrics_problem(&[cpu(80)], None).is_some());
        let mem = crate::json_value!({"type": "Resource", "resource": {"name": "memory"}});
        assert!(
            hpa_metrics_problem(&[mem], None)
                .unwrap()
                .contains("does not scale on CPU")
        );
        assert!(hpa_metrics_problem(&[], Some(65)).is_none());
    }
}
