//! EG1xx: deployment modes and tenancy (guide: Deployment Modes).

use crate::audit::RuleId;
use std::collections::{BTreeMap, BTreeSet};

use super::{Ctx, join_sorted};
use crate::model::ConflictReason;
use crate::store::Kind;

pub fn run(ctx: &mut Ctx) {
    eg101_shared_controller_name(ctx);
    eg102_unserved_class(ctx);
    eg103_class_not_accepted(ctx);
    eg104_watch_overlap(ctx);
    eg105_gateway_not_watched(ctx);
    eg106_controller_with_many_classes(ctx);
    eg110_merge_in_gateway_namespace_mode(ctx);
    eg111_infra_ref_on_merged_gateway(ctx);
    eg112_eg113_listener_conflicts(ctx);
    eg114_merging_single_gateway(ctx);
    eg115_missing_envoy_proxy(ctx);
}

fn eg101_shared_controller_name(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG101, &[Kind::Deployment]) {
        return;
    }
    let m = ctx.model;
    let mut by_name: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in m.controllers.iter().enumerate() {
        ctx.check(RuleId::EG101, &c.deployment, None);
        by_name
            .entry(c.config.controller_name.as_str())
            .or_default()
            .push(i);
    }
    for (name, group) in by_name.into_iter().filter(|(_, g)| g.len() > 1) {
        for &i in &group {
            let c = &m.controllers[i];
            let others = group
                .iter()
                .filter(|&&o| o != i)
                .map(|&o| m.controllers[o].deployment.obj_ref());
            ctx.finding(RuleId::EG101, &c.deployment)
                .path("data[envoy-gateway.yaml].gateway.controllerName")
                .message(format!(
                    "{} controllers share the controllerName {name}; each tenant needs its own",
                    group.len()
                ))
                .related(others)
                .emit(ctx);
        }
    }
}

fn eg102_unserved_class(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG102, &[Kind::GatewayClass, Kind::Deployment]) {
        return;
    }
    let m = ctx.model;
    if m.controllers.is_empty() {
        ctx.skip(
            RuleId::EG102,
            "no Envoy Gateway controller is visible in the source",
        );
        return;
    }
    for class in m.classes.iter() {
        // Classes of other Gateway API implementations are not ours to judge.
        if !class.eg_served {
            continue;
        }
        ctx.check(RuleId::EG102, &class.obj, None);
        if class.controllers.is_empty() {
            let known = join_sorted(
                m.controllers
                    .iter()
                    .map(|c| c.config.controller_name.as_str()),
            );
            ctx.finding(RuleId::EG102, &class.obj)
                .path("spec.controllerName")
                .message(format!(
                    "no controller in the source serves {}; controllers seen: {known}",
                    class.controller_name
                ))
                .emit(ctx);
        }
    }
}

fn eg103_class_not_accepted(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG103, &[Kind::GatewayClass]) {
        return;
    }
    for class in ctx.model.classes.iter() {
        if !class.eg_served {
            continue;
        }
        let Some(status) = class.obj.status() else {
            continue;
        };
        let conds = crate::model::value::array_at(status, &["conditions"]);
        let Some(acc) = crate::model::value::condition(conds, "Accepted") else {
            continue;
        };
        ctx.check(RuleId::EG103, &class.obj, None);
        if !acc.is_true() {
            ctx.finding(RuleId::EG103, &class.obj)
                .path("status.conditions[Accepted]")
                .message(format!("GatewayClass is not Accepted ({})", acc.describe()))
                .emit(ctx);
        }
    }
}

fn eg104_watch_overlap(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG104, &[Kind::Deployment]) {
        return;
    }
    let m = ctx.model;
    if m.controllers.len() < 2 {
        return;
    }
    let sets: Vec<Option<BTreeSet<String>>> = m
        .controllers
        .iter()
        .map(|c| c.watched_set(ctx.store))
        .collect();
    for (i, c) in m.controllers.iter().enumerate() {
        ctx.check(RuleId::EG104, &c.deployment, None);
        let mut overlaps = Vec::new();
        let mut shared: BTreeSet<String> = BTreeSet::new();
        let mut all_namespaces = false;
        for (j, other) in m.controllers.iter().enumerate() {
            if i == j {
                continue;
            }
            let overlap = match (&sets[i], &sets[j]) {
                (None, _) | (_, None) => {
                    all_namespaces = true;
                    true
                }
                (Some(a), Some(b)) => {
                    let common: Vec<&String> = a.intersection(b).collect();
                    shared.extend(common.iter().map(|s| s.to_string()));
                    !common.is_empty()
                }
            };
            if overlap {
                overlaps.push(other.deployment.obj_ref());
            }
        }
        if overlaps.is_empty() {
            continue;
        }
        let what = if all_namespaces {
            let who = if sets[i].is_none() {
                "it watches every namespace"
            } else {
                "another controller watches every namespace"
            };
            format!(
                "watched namespaces overlap with {} other controller(s): {who}",
                overlaps.len()
            )
        } else {
            format!(
                "watched namespaces overlap with {} other controller(s) on: {}",
                overlaps.len(),
                join_sorted(shared.iter().map(String::as_str))
            )
        };
        ctx.finding(RuleId::EG104, &c.deployment)
            .path("data[envoy-gateway.yaml].provider.kubernetes.watch")
            .message(what)
            .related(overlaps)
            .emit(ctx);
    }
}

fn eg105_gateway_not_watched(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG105, &[Kind::Gateway, Kind::Deployment]) {
        return;
    }
    let m = ctx.model;
    for gw in m.gateways.iter() {
        let Some(class) = m.class_of(gw) else {
            continue;
        };
        if class.controllers.is_empty() {
            continue;
        }
        ctx.check(RuleId::EG105, &gw.obj, None);
        let ns = gw.obj.namespace_or_empty();
        if !class
            .controllers
            .iter()
            .any(|&c| m.controllers[c].watches(ns, ctx.store))
        {
            let related = class
                .controllers
                .iter()
                .map(|&c| m.controllers[c].deployment.obj_ref());
            ctx.finding(RuleId::EG105, &gw.obj)
                .path("metadata.namespace")
                .message(format!(
                    "namespace {ns} is not watched by the controller of class {} ({})",
                    class.obj.name, class.controller_name
                ))
                .related(related)
                .emit(ctx);
        }
    }
}

fn eg106_controller_with_many_classes(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG106, &[Kind::Deployment, Kind::GatewayClass]) {
        return;
    }
    let m = ctx.model;
    for (i, c) in m.controllers.iter().enumerate() {
        ctx.check(RuleId::EG106, &c.deployment, None);
        let served: Vec<_> = m
            .classes
            .iter()
            .filter(|cl| cl.controllers.contains(&i))
            .collect();
        if served.len() > 1 {
            let names = join_sorted(served.iter().map(|cl| cl.obj.name.as_str()));
            ctx.finding(RuleId::EG106, &c.deployment)
                .message(format!("serves {} GatewayClasses: {names}", served.len()))
                .related(served.iter().map(|cl| cl.obj.obj_ref()))
                .emit(ctx);
        }
    }
}

fn eg110_merge_in_gateway_namespace_mode(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG110, &[Kind::EnvoyProxy]) {
        return;
    }
    let m = ctx.model;
    let mut seen = BTreeSet::new();
    for class in m.classes.iter() {
        let Some(ep) = &class.envoy_proxy else {
            continue;
        };
        let gns_controllers: Vec<_> = class
            .controllers
            .iter()
            .map(|&c| &m.controllers[c])
            .filter(|c| c.config.gateway_namespace_mode())
            .collect();
        if gns_controllers.is_empty() {
            continue;
        }
        ctx.check(RuleId::EG110, ep, None);
        if class.merges && seen.insert(ep.obj_ref()) {
            ctx.finding(RuleId::EG110, ep)
                .path("spec.mergeGateways")
                .message(format!(
                    "mergeGateways is on, but the controller of class {} deploys proxies in \
                     GatewayNamespace mode; Envoy Gateway rejects the combination",
                    class.obj.name
                ))
                .related(
                    gns_controllers
                        .iter()
                        .map(|c| c.deployment.obj_ref())
                        .chain([class.obj.obj_ref()]),
                )
                .emit(ctx);
        }
    }
}

fn eg111_infra_ref_on_merged_gateway(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG111, &[Kind::Gateway]) {
        return;
    }
    let m = ctx.model;
    for gw in m.gateways.iter() {
        let Some(class) = m.class_of(gw) else {
            continue;
        };
        if !class.merges {
            continue;
        }
        ctx.check(RuleId::EG111, &gw.obj, None);
        if gw.rejected_by_merge {
            ctx.finding(RuleId::EG111, &gw.obj)
                .path("spec.infrastructure.parametersRef")
                .message(format!(
                    "class {} merges gateways, so Envoy Gateway rejects a Gateway-level \
                     parametersRef (InvalidParameters) and builds no fleet for this Gateway",
                    class.obj.name
                ))
                .related([class.obj.obj_ref()])
                .emit(ctx);
        }
    }
}

fn eg112_eg113_listener_conflicts(ctx: &mut Ctx) {
    let run112 = ctx.require(RuleId::EG112, &[Kind::Gateway]);
    let run113 = ctx.require(RuleId::EG113, &[Kind::Gateway]);
    if !run112 && !run113 {
        return;
    }
    let m = ctx.model;
    for (_, gw) in m.eg_gateways() {
        let merges = m.class_of(gw).is_some_and(|c| c.merges) && !gw.rejected_by_merge;
        for l in &gw.listeners {
            // A ListenerSet's listener is judged, and found, on the
            // ListenerSet that declares it.
            let owner = &l.declared_by;
            if run113 {
                ctx.check(RuleId::EG113, owner, Some(&l.name));
            }
            if run112 && merges {
                ctx.check(RuleId::EG112, owner, Some(&l.name));
            }
            let Some(conflict) = &l.conflict else {
                continue;
            };
            let rule = if conflict.merged {
                RuleId::EG112
            } else {
                RuleId::EG113
            };
            if (rule == RuleId::EG112 && !run112) || (rule == RuleId::EG113 && !run113) {
                continue;
            }
            let with: Vec<String> = conflict
                .with
                .iter()
                .filter_map(|&(g, li)| {
                    let other = m.gateways.get(g)?.listeners.get(li)?;
                    Some(format!(
                        "{}{}/{} listener {}",
                        if other.from_listener_set() {
                            format!("{} ", other.declared_by.kind.name())
                        } else {
                            String::new()
                        },
                        other.declared_by.namespace_or_empty(),
                        other.declared_by.name,
                        other.name
                    ))
                })
                .collect();
            let what = match conflict.reason {
                ConflictReason::HostnameConflict => format!(
                    "{} port {} hostname {} is already taken",
                    l.protocol,
                    l.port,
                    l.hostname.as_deref().unwrap_or("(any)")
                ),
                ConflictReason::ProtocolConflict => {
                    format!(
                        "port {} carries incompatible protocols ({} here)",
                        l.port, l.protocol
                    )
                }
            };
            let with_text = if with.is_empty() {
                String::new()
            } else {
                format!(" (collides with {})", with.join(", "))
            };
            let scope = if conflict.merged {
                "merged listener conflict"
            } else {
                "listener conflict"
            };
            let on_gateway = if l.from_listener_set() {
                format!(
                    " on Gateway {}/{}",
                    gw.obj.namespace_or_empty(),
                    gw.obj.name
                )
            } else {
                String::new()
            };
            let mut related: Vec<_> = conflict
                .with
                .iter()
                .filter_map(|&(g, li)| m.gateways.get(g)?.listeners.get(li))
                .map(|o| o.declared_by.obj_ref())
                .filter(|r| *r != owner.obj_ref())
                .collect();
            related.sort();
            related.dedup();
            ctx.finding(rule, owner)
                .listener(&l.name)
                .path(format!("spec.listeners[{}]", l.index))
                .message(format!(
                    "{scope} {}{on_gateway}: {what}{with_text}",
                    conflict.reason.as_str()
                ))
                .related(related)
                .emit(ctx);
        }
    }
}

fn eg114_merging_single_gateway(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG114, &[Kind::GatewayClass, Kind::EnvoyProxy]) {
        return;
    }
    let m = ctx.model;
    for (ci, class) in m.classes.iter().enumerate() {
        if !class.merges || !class.eg_served {
            continue;
        }
        ctx.check(RuleId::EG114, &class.obj, None);
        let count = m
            .gateways
            .iter()
            .filter(|g| g.class == Some(ci) && !g.rejected_by_merge)
            .count();
        if count == 1 {
            ctx.finding(RuleId::EG114, &class.obj)
                .path("spec.parametersRef")
                .message("the class merges gateways but has a single Gateway")
                .related(class.envoy_proxy.iter().map(|e| e.obj_ref()))
                .emit(ctx);
        }
    }
}

fn eg115_missing_envoy_proxy(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG115, &[Kind::EnvoyProxy]) {
        return;
    }
    let m = ctx.model;
    for class in m.classes.iter() {
        let Some((ns, name)) = &class.params_ref else {
            continue;
        };
        if class.envoy_proxy.is_none() && !ctx.store.covers(Kind::EnvoyProxy, ns) {
            // Unread is not missing: a namespace-scoped reader cannot see it.
            let why = ctx.store.state(Kind::EnvoyProxy).describe(Kind::EnvoyProxy);
            ctx.skip_as(RuleId::EG115, why, super::SkipCategory::Partial);
            continue;
        }
        ctx.check(RuleId::EG115, &class.obj, None);
        if class.envoy_proxy.is_none() {
            ctx.finding(RuleId::EG115, &class.obj)
                .path("spec.parametersRef")
                .message(format!(
                    "parametersRef names EnvoyProxy {ns}/{name}, which does not exist"
                ))
                .emit(ctx);
        }
    }
    for gw in m.gateways.iter() {
        let Some(name) = &gw.params_ref else { continue };
        if gw.envoy_proxy.is_none()
            && !ctx
                .store
                .covers(Kind::EnvoyProxy, gw.obj.namespace_or_empty())
        {
            let why = ctx.store.state(Kind::EnvoyProxy).describe(Kind::EnvoyProxy);
            ctx.skip_as(RuleId::EG115, why, super::SkipCategory::Partial);
            continue;
        }
        ctx.check(RuleId::EG115, &gw.obj, None);
        if gw.envoy_proxy.is_none() {
            ctx.finding(RuleId::EG115, &gw.obj)
                .path("spec.infrastructure.parametersRef")
                .message(format!(
                    "infrastructure.parametersRef names EnvoyProxy {}/{name}, which does not exist",
                    gw.obj.namespace_or_empty()
                ))
                .emit(ctx);
        }
    }
}
