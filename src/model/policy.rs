//! Policies with their resolved targets, and the effective policy per
//! listener (ClientTrafficPolicy) and per route (BackendTrafficPolicy), as
//! Envoy Gateway resolves them from the specs: more specific beats broader,
//! and among equals the oldest wins while the others are conflicted.

use std::collections::HashMap;
use std::sync::Arc;

use crate::value::Value;

use super::listeners::Gateway;
use super::routes::{GatewayIndex, Route};
use super::value::{array_at, at, selector_matches, str_at};
use crate::store::{GATEWAY_API_GROUP, Kind, Object, Store};

pub const POLICY_KINDS: [Kind; 5] = [
    Kind::ClientTrafficPolicy,
    Kind::BackendTrafficPolicy,
    Kind::SecurityPolicy,
    Kind::EnvoyExtensionPolicy,
    Kind::EnvoyPatchPolicy,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetObj {
    Gateway(usize),
    Route(usize),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub obj: TargetObj,
    pub section: Option<String>,
}

/// How a policy fared on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Attached,
    /// Another, older policy at the same level took the target.
    Conflicted {
        winner: usize,
    },
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub obj: Arc<Object>,
    pub targets: Vec<Target>,
    /// Parallel to `targets`.
    pub outcomes: Vec<Outcome>,
    /// Target names that are not in the source (`kind/name`).
    pub unresolved: Vec<String>,
    /// A more specific policy takes over part of what this one targets.
    pub overridden: bool,
    /// A more specific policy with `mergeType` merges over this one.
    pub merged_into: bool,
    pub uses_deprecated_target_ref: bool,
}

impl Policy {
    pub fn kind(&self) -> Kind {
        self.obj.kind
    }

    pub fn merge_type(&self) -> Option<&str> {
        str_at(self.obj.spec(), &["mergeType"])
    }

    pub fn conflicted(&self) -> bool {
        self.outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Conflicted { .. }))
    }
}

/// Sort key for "oldest wins": creationTimestamp, then namespace/name. A
/// missing timestamp sorts first, as Envoy Gateway's zero time does.
pub fn age_key(obj: &Object) -> (&str, &str, &str) {
    (
        obj.creation_timestamp.as_deref().unwrap_or(""),
        obj.namespace_or_empty(),
        &obj.name,
    )
}

fn raw_target_refs(spec: &Value) -> (Vec<&Value>, bool) {
    let mut refs: Vec<&Value> = array_at(spec, &["targetRefs"]).iter().collect();
    let deprecated = match at(spec, &["targetRef"]) {
        Some(r) => {
            refs.push(r);
            true
        }
        None => false,
    };
    (refs, deprecated)
}

/// Resolves a policy's targets: targetRefs, the deprecated targetRef, and
/// targetSelectors (label match in the policy's namespace).
fn resolve_targets(
    obj: &Object,
    gateways: &[Gateway],
    gw_index: &GatewayIndex,
    routes: &[Route],
    route_index: &HashMap<(Kind, &str, &str), usize>,
) -> (Vec<Target>, Vec<String>, bool) {
    let ns = obj.namespace_or_empty();
    let spec = obj.spec();
    let (refs, deprecated) = raw_target_refs(spec);
    let mut targets = Vec::new();
    let mut unresolved = Vec::new();
    for r in refs {
        let group = str_at(r, &["group"]).unwrap_or(GATEWAY_API_GROUP);
        let kind = str_at(r, &["kind"]).unwrap_or("");
        let name = str_at(r, &["name"]).unwrap_or("");
        let section = str_at(r, &["sectionName"]).map(str::to_string);
        if group != GATEWAY_API_GROUP {
            unresolved.push(format!("{kind}/{name}"));
            continue;
        }
        let found = if kind == "Gateway" {
            gw_index
                .get(&(ns.to_string(), name.to_string()))
                .map(|&g| TargetObj::Gateway(g))
        } else {
            Kind::from_api(&format!("{GATEWAY_API_GROUP}/v1"), kind)
                .and_then(|k| route_index.get(&(k, ns, name)))
                .map(|&r| TargetObj::Route(r))
        };
        match found {
            Some(t) => targets.push(Target { obj: t, section }),
            None => unresolved.push(format!("{kind}/{name}")),
        }
    }
    for sel in array_at(spec, &["targetSelectors"]) {
        let kind = str_at(sel, &["kind"]).unwrap_or("Gateway");
        if kind == "Gateway" {
            for (g, gw) in gateways.iter().enumerate() {
                if gw.obj.namespace_or_empty() == ns && selector_matches(sel, &gw.obj.labels) {
                    targets.push(Target {
                        obj: TargetObj::Gateway(g),
                        section: None,
                    });
                }
            }
        } else {
            for (ri, r) in routes.iter().enumerate() {
                if r.obj.kind.name() == kind
                    && r.obj.namespace_or_empty() == ns
                    && selector_matches(sel, &r.obj.labels)
                {
                    targets.push(Target {
                        obj: TargetObj::Route(ri),
                        section: None,
                    });
                }
            }
        }
    }
    // A target named twice (a ref and a selector) is one target: a policy
    // must never conflict with itself.
    let mut seen = std::collections::HashSet::new();
    targets.retain(|t| seen.insert(t.clone()));
    (targets, unresolved, deprecated)
}

/// Winners per target, per policy kind.
#[derive(Debug, Clone, Default)]
pub struct Attachments {
    /// (kind, target) → index into `Model::policies` of the winning policy.
    pub winners: HashMap<(Kind, Target), usize>,
}

impl Attachments {
    pub fn winner(&self, kind: Kind, obj: TargetObj, section: Option<&str>) -> Option<usize> {
        self.winners
            .get(&(
                kind,
                Target {
                    obj,
                    section: section.map(str::to_string),
                },
            ))
            .copied()
    }
}

pub fn policies(
    store: &Store,
    gateways: &[Gateway],
    gw_index: &GatewayIndex,
    routes: &[Route],
) -> (Vec<Policy>, Attachments) {
    let route_index: HashMap<(Kind, &str, &str), usize> = routes
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                (r.obj.kind, r.obj.namespace_or_empty(), r.obj.name.as_str()),
                i,
            )
        })
        .collect();
    let mut objs: Vec<&Arc<Object>> = POLICY_KINDS.iter().flat_map(|k| store.of(*k)).collect();
    objs.sort_by(|a, b| (a.kind, age_key(a)).cmp(&(b.kind, age_key(b))));
    let mut policies: Vec<Policy> = objs
        .into_iter()
        .map(|obj| {
            let (targets, unresolved, deprecated) =
                resolve_targets(obj, gateways, gw_index, routes, &route_index);
            Policy {
                obj: obj.clone(),
                outcomes: vec![Outcome::Attached; targets.len()],
                targets,
                unresolved,
                overridden: false,
                merged_into: false,
                uses_deprecated_target_ref: deprecated,
            }
        })
        .collect();
    let mut att = Attachments::default();
    // Policies are sorted oldest first, so the first to claim a target wins.
    for (pi, p) in policies.iter_mut().enumerate() {
        for (ti, t) in p.targets.iter().enumerate() {
            match att.winners.get(&(p.obj.kind, t.clone())) {
                Some(&winner) => p.outcomes[ti] = Outcome::Conflicted { winner },
                None => {
                    att.winners.insert((p.obj.kind, t.clone()), pi);
                }
            }
        }
    }
    mark_overrides(&mut policies, &att, gateways, routes);
    (policies, att)
}

/// Marks broader policies that a more specific one overrides (or merges
/// over, for BackendTrafficPolicies with `mergeType`).
fn mark_overrides(
    policies: &mut [Policy],
    att: &Attachments,
    gateways: &[Gateway],
    routes: &[Route],
) {
    let mut overridden = vec![false; policies.len()];
    let mut merged = vec![false; policies.len()];
    for ((kind, target), &pi) in &att.winners {
        match (target.obj, &target.section) {
            (TargetObj::Gateway(g), Some(section)) => {
                if gateways[g].listener(section).is_some()
                    && let Some(broad) = att.winner(*kind, TargetObj::Gateway(g), None)
                {
                    overridden[broad] = true;
                }
            }
            (TargetObj::Route(r), _) => {
                let specific_merges = policies[pi].merge_type().is_some();
                for parent in &routes[r].parents {
                    let Some(g) = parent.gateway else { continue };
                    if let Some(broad) = att.winner(*kind, TargetObj::Gateway(g), None) {
                        if specific_merges {
                            merged[broad] = true;
                        } else {
                            overridden[broad] = true;
                        }
                    }
                }
                if target.section.is_some()
                    && let Some(broad) = att.winner(*kind, TargetObj::Route(r), None)
                {
                    overridden[broad] = true;
                }
            }
            _ => {}
        }
    }
    for (i, p) in policies.iter_mut().enumerate() {
        p.overridden = overridden[i];
        p.merged_into = merged[i];
    }
}

/// The effective ClientTrafficPolicy of a listener.
pub fn effective_ctp(att: &Attachments, gateway: usize, listener: &str) -> Option<usize> {
    att.winner(
        Kind::ClientTrafficPolicy,
        TargetObj::Gateway(gateway),
        Some(listener),
    )
    .or_else(|| att.winner(Kind::ClientTrafficPolicy, TargetObj::Gateway(gateway), None))
}

/// The BackendTrafficPolicies that decide a route rule's settings behind one
/// listener: the most specific first, then (when it sets `mergeType`) the
/// Gateway-level one it merges over.
pub fn effective_btp(
    att: &Attachments,
    policies: &[Policy],
    route: usize,
    rule_name: Option<&str>,
    gateway: Option<usize>,
    listener: Option<&str>,
) -> Vec<usize> {
    let k = Kind::BackendTrafficPolicy;
    let route_level = rule_name
        .and_then(|n| att.winner(k, TargetObj::Route(route), Some(n)))
        .or_else(|| att.winner(k, TargetObj::Route(route), None));
    let gateway_level = gateway.and_then(|g| {
        listener
            .and_then(|l| att.winner(k, TargetObj::Gateway(g), Some(l)))
            .or_else(|| att.winner(k, TargetObj::Gateway(g), None))
    });
    match (route_level, gateway_level) {
        (Some(r), Some(g)) if policies[r].merge_type().is_some() => vec![r, g],
        (Some(r), _) => vec![r],
        (None, Some(g)) => vec![g],
        (None, None) => vec![],
    }
}

/// Whether any of the policies sets the field (merged view).
pub fn any_sets(policies: &[Policy], chain: &[usize], path: &[&str]) -> bool {
    chain
        .iter()
        .any(|&i| super::value::is_set(policies[i].obj.spec(), path))
}

/// The value of the field in the merged view: the most specific wins.
pub fn first_value<'a>(
    policies: &'a [Policy],
    chain: &[usize],
    path: &[&str],
) -> Option<(&'a Value, usize)> {
    chain
        .iter()
        .find_map(|&i| at(policies[i].obj.spec(), path).map(|v| (v, i)))
}
