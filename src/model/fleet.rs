//! Envoy proxy fleets: the proxies serving one Gateway, or one GatewayClass
//! when its EnvoyProxy merges gateways; found by Envoy Gateway's labels and
//! names, with the effective EnvoyProxy that shapes them.

use std::collections::HashMap;
use std::sync::Arc;

use crate::codec::value::Value;
use sha2::{Digest, Sha256};

use super::listeners::Gateway;
use super::tenancy::{Class, Controller};
use super::value::{at, str_at};
use crate::store::{Kind, Object, ObjectRef, Store};

pub use crate::vocab::{
    LABEL_MANAGED_BY, LABEL_OWNING_CLASS, LABEL_OWNING_GATEWAY_NAME, LABEL_OWNING_GATEWAY_NAMESPACE,
};

/// Where a fleet's EnvoyProxy comes from; the most specific replaces the
/// others whole (no field merge).
#[derive(Debug, Clone)]
pub enum ProxySource {
    Gateway(Arc<Object>),
    Class(Arc<Object>),
    /// `envoyProxy` in the controller's EnvoyGateway config.
    ControllerDefault(usize),
    /// No EnvoyProxy anywhere: Envoy Gateway's built-in defaults.
    BuiltIn,
    /// A parametersRef names an EnvoyProxy the source does not hold (EG115):
    /// what configures the fleet is unknown.
    Missing,
}

impl ProxySource {
    pub fn object(&self) -> Option<&Arc<Object>> {
        match self {
            ProxySource::Gateway(o) | ProxySource::Class(o) => Some(o),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Fleet {
    /// Envoy Gateway's infra key: `ns/name` of the Gateway, or the class name.
    pub key: String,
    pub class: usize,
    /// Indices into `Model::gateways`.
    pub gateways: Vec<usize>,
    pub merged: bool,
    pub proxy: ProxySource,
    /// The Gateway, or the GatewayClass for a merged fleet.
    pub owner: ObjectRef,
    pub deployment: Option<Arc<Object>>,
    pub daemonset: Option<Arc<Object>>,
    pub service: Option<Arc<Object>>,
    pub hpa: Option<Arc<Object>>,
    /// What [`Fleet::hpa`] states, read once for the views and EG506.
    pub hpa_status: Option<HpaStatus>,
    pub pods: Vec<Arc<Object>>,
    /// The EnvoyProxy spec the fleet really gets, merged per its controller's
    /// release (`tenancy::effective_envoy_proxy`); `None` when none applies
    /// or a referenced one is missing.
    pub effective_proxy: Option<Value>,
    /// The effective EnvoyProxy's `spec.bootstrap`, parsed once here
    /// rather than per Gateway and rule.
    pub bootstrap: Option<super::patch::Bootstrap>,
}

impl Fleet {
    /// The effective EnvoyProxy spec, if one applies.
    pub fn proxy_spec<'a>(&'a self, _controllers: &'a [Controller]) -> Option<&'a Value> {
        match &self.proxy {
            ProxySource::Missing => None,
            _ => self.effective_proxy.as_ref(),
        }
    }

    /// The Deployment or DaemonSet running the proxies.
    pub fn workload(&self) -> Option<&Arc<Object>> {
        self.deployment.as_ref().or(self.daemonset.as_ref())
    }
}

/// `envoy-<key, "/"→"-", cut to 48>-<8 hex of sha256(key)>`, Envoy
/// Gateway's `GetHashedName` for ControllerNamespace mode.
pub fn hashed_name(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let flat = key.replace('/', "-");
    let cut: String = flat.chars().take(48).collect();
    format!("envoy-{}-{}", cut.trim_end_matches('-'), hex)
}

/// Proxy workloads, pods, Services and HPAs indexed by owning labels.
struct InfraIndex {
    by_gateway: HashMap<(String, String), Vec<Arc<Object>>>,
    by_class: HashMap<String, Vec<Arc<Object>>>,
    by_name: HashMap<(Kind, String, String), Arc<Object>>,
    hpas: HashMap<(String, String), Arc<Object>>,
}

impl InfraIndex {
    fn new(store: &Store) -> Self {
        let mut idx = InfraIndex {
            by_gateway: HashMap::new(),
            by_class: HashMap::new(),
            by_name: HashMap::new(),
            hpas: HashMap::new(),
        };
        for kind in [Kind::Deployment, Kind::DaemonSet, Kind::Service, Kind::Pod] {
            for o in store.of(kind) {
                idx.by_name.insert(
                    (kind, o.namespace_or_empty().to_string(), o.name.clone()),
                    o.clone(),
                );
                if o.labels.get(LABEL_MANAGED_BY) != Some("envoy-gateway") {
                    continue;
                }
                if let Some(class) = o.labels.get(LABEL_OWNING_CLASS) {
                    idx.by_class
                        .entry(class.to_string())
                        .or_default()
                        .push(o.clone());
                } else if let (Some(ns), Some(name)) = (
                    o.labels.get(LABEL_OWNING_GATEWAY_NAMESPACE),
                    o.labels.get(LABEL_OWNING_GATEWAY_NAME),
                ) {
                    idx.by_gateway
                        .entry((ns.to_string(), name.to_string()))
                        .or_default()
                        .push(o.clone());
                }
            }
        }
        for h in store.of(Kind::HorizontalPodAutoscaler) {
            let target = at(h.spec(), &["scaleTargetRef"]);
            if target.and_then(|t| str_at(t, &["kind"])) == Some("Deployment")
                && let Some(name) = target.and_then(|t| str_at(t, &["name"]))
            {
                idx.hpas.insert(
                    (h.namespace_or_empty().to_string(), name.to_string()),
                    h.clone(),
                );
            }
        }
        idx
    }
}

/// Custom workload name from the EnvoyProxy (`envoyDeployment.name` etc.).
fn custom_name(spec: Option<&Value>, field: &str) -> Option<String> {
    spec.and_then(|s| str_at(s, &["provider", "kubernetes", field, "name"]))
        .map(str::to_string)
}

pub fn fleets(
    store: &Store,
    controllers: &[Controller],
    classes: &[Class],
    gateways: &[Gateway],
) -> Vec<Fleet> {
    let idx = InfraIndex::new(store);
    let mut out = Vec::new();
    for (ci, class) in classes.iter().enumerate() {
        if !class.eg_served {
            continue;
        }
        let default_proxy = class
            .controllers
            .iter()
            .copied()
            .find(|&c| controllers[c].config.envoy_proxy.is_some());
        let default_spec = default_proxy.and_then(|c| controllers[c].config.envoy_proxy.as_ref());
        let class_proxy = || match (&class.envoy_proxy, default_proxy) {
            (Some(ep), _) => ProxySource::Class(ep.clone()),
            (None, _) if class.params_ref.is_some() => ProxySource::Missing,
            (None, Some(c)) => ProxySource::ControllerDefault(c),
            (None, None) => ProxySource::BuiltIn,
        };
        let members: Vec<usize> = gateways
            .iter()
            .enumerate()
            .filter(|(_, g)| g.class == Some(ci) && !g.rejected_by_merge)
            .map(|(i, _)| i)
            .collect();
        let controller = class.controllers.first().map(|&c| &controllers[c]);
        let gateway_ns_mode = controller.is_some_and(|c| c.config.gateway_namespace_mode());
        if class.merges {
            if members.is_empty() {
                continue;
            }
            let key = class.obj.name.clone();
            let labelled = idx.by_class.get(&key).map(Vec::as_slice).unwrap_or(&[]);
            let effective_proxy = super::tenancy::effective_envoy_proxy(
                &class.semantics,
                default_spec,
                class.envoy_proxy.as_ref().map(|o| o.spec()),
                None,
            );
            let mut fleet = Fleet {
                effective_proxy,
                key: key.clone(),
                class: ci,
                gateways: members,
                merged: true,
                proxy: class_proxy(),
                owner: class.obj.obj_ref(),
                deployment: None,
                daemonset: None,
                service: None,
                hpa: None,
                hpa_status: None,
                pods: Vec::new(),
                bootstrap: None,
            };
            let ns = controller.map(|c| c.namespace().to_string());
            attach_infra(
                &mut fleet,
                &idx,
                labelled,
                ns.as_deref(),
                &hashed_name(&key),
                controllers,
            );
            fleet.bootstrap = read_bootstrap(&fleet);
            out.push(fleet);
        } else {
            for g in members {
                let gw = &gateways[g];
                let proxy = match (&gw.envoy_proxy, &gw.params_ref) {
                    (Some(ep), _) => ProxySource::Gateway(ep.clone()),
                    (None, Some(_)) => ProxySource::Missing,
                    (None, None) => class_proxy(),
                };
                let gw_ns = gw.obj.namespace_or_empty().to_string();
                let key = format!("{}/{}", gw_ns, gw.obj.name);
                let labelled = idx
                    .by_gateway
                    .get(&(gw_ns.clone(), gw.obj.name.clone()))
                    .map(Vec::as_slice)
                    .unwrap_or(&[]);
                let (ns, name) = if gateway_ns_mode {
                    (Some(gw_ns.clone()), gw.obj.name.clone())
                } else {
                    (
                        controller.map(|c| c.namespace().to_string()),
                        hashed_name(&key),
                    )
                };
                let effective_proxy = super::tenancy::effective_envoy_proxy(
                    &class.semantics,
                    default_spec,
                    class.envoy_proxy.as_ref().map(|o| o.spec()),
                    gw.envoy_proxy.as_ref().map(|o| o.spec()),
                );
                let mut fleet = Fleet {
                    effective_proxy,
                    key,
                    class: ci,
                    gateways: vec![g],
                    merged: false,
                    proxy,
                    owner: gw.obj.obj_ref(),
                    deployment: None,
                    daemonset: None,
                    service: None,
                    hpa: None,
                    hpa_status: None,
                    pods: Vec::new(),
                    bootstrap: None,
                };
                attach_infra(
                    &mut fleet,
                    &idx,
                    labelled,
                    ns.as_deref(),
                    &name,
                    controllers,
                );
                fleet.bootstrap = read_bootstrap(&fleet);
                out.push(fleet);
            }
        }
    }
    out
}

fn read_bootstrap(fleet: &Fleet) -> Option<super::patch::Bootstrap> {
    let spec = fleet.proxy_spec(&[])?;
    super::patch::Bootstrap::read(at(spec, &["bootstrap"])?)
}

/// Finds the fleet's workload, Service, pods and HPA: by owning labels
/// first, then by the name Envoy Gateway would give them.
fn attach_infra(
    fleet: &mut Fleet,
    idx: &InfraIndex,
    labelled: &[Arc<Object>],
    infra_ns: Option<&str>,
    default_name: &str,
    controllers: &[Controller],
) {
    let spec = fleet.proxy_spec(controllers).cloned();
    let by_kind = |kind: Kind| labelled.iter().find(|o| o.kind == kind).cloned();
    let by_name = |kind: Kind, field: &str| {
        let name = custom_name(spec.as_ref(), field).unwrap_or_else(|| default_name.to_string());
        infra_ns.and_then(|ns| idx.by_name.get(&(kind, ns.to_string(), name)).cloned())
    };
    fleet.deployment =
        by_kind(Kind::Deployment).or_else(|| by_name(Kind::Deployment, "envoyDeployment"));
    fleet.daemonset =
        by_kind(Kind::DaemonSet).or_else(|| by_name(Kind::DaemonSet, "envoyDaemonSet"));
    fleet.service = by_kind(Kind::Service).or_else(|| by_name(Kind::Service, "envoyService"));
    fleet.pods = labelled
        .iter()
        .filter(|o| o.kind == Kind::Pod)
        .cloned()
        .collect();
    fleet.pods.sort_by(|a, b| a.name.cmp(&b.name));
    if let Some(d) = &fleet.deployment {
        fleet.hpa = idx
            .hpas
            .get(&(d.namespace_or_empty().to_string(), d.name.clone()))
            .cloned();
        fleet.hpa_status = fleet.hpa.as_deref().map(HpaStatus::read);
    }
}

/// A fleet's HPA as the object states it: the one reading of "saturated"
/// that the Fleets and Overview views, the tour and EG506 share.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HpaStatus {
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub current: Option<i64>,
    pub desired: Option<i64>,
    pub cpu_target: Option<i64>,
    pub cpu_current: Option<i64>,
    /// ScalingLimited=True (e.g. TooManyReplicas): its reason.
    pub limited: Option<String>,
    /// ScalingLimited=True, as `reason: message`.
    pub limited_text: Option<String>,
    /// ScalingActive=False (the HPA cannot read its metrics), as
    /// `reason: message`.
    pub inactive: Option<String>,
    /// A manifest has no status, and says nothing about saturation.
    pub has_status: bool,
}

impl HpaStatus {
    pub fn read(hpa: &Object) -> HpaStatus {
        use super::value::{condition, i64_at};
        let spec = hpa.spec();
        let status = hpa.status();
        let st = status.unwrap_or(&Value::Null);
        let cpu = |list: &[Value], path: &[&str]| {
            list.iter()
                .find(|m| str_at(m, &["resource", "name"]) == Some("cpu"))
                .and_then(|m| i64_at(m, path))
        };
        let conds = super::value::array_at(st, &["conditions"]);
        let limited = condition(conds, "ScalingLimited").filter(|c| c.is_true());
        HpaStatus {
            min: i64_at(spec, &["minReplicas"]).or(Some(1)),
            max: i64_at(spec, &["maxReplicas"]),
            current: i64_at(st, &["currentReplicas"]),
            desired: i64_at(st, &["desiredReplicas"]),
            cpu_target: cpu(
                super::value::array_at(spec, &["metrics"]),
                &["resource", "target", "averageUtilization"],
            ),
            cpu_current: cpu(
                super::value::array_at(st, &["currentMetrics"]),
                &["resource", "current", "averageUtilization"],
            ),
            limited: limited.as_ref().map(|c| c.reason.to_string()),
            limited_text: limited.as_ref().map(|c| c.describe()),
            inactive: condition(conds, "ScalingActive")
                .filter(|c| c.is_false())
                .map(|c| c.describe()),
            has_status: status.is_some(),
        }
    }

    /// `currentReplicas` ≥ `maxReplicas`.
    pub fn at_max(&self) -> bool {
        matches!((self.current, self.max), (Some(c), Some(m)) if c >= m)
    }

    /// Saturated or blind, as ../shared/guide/rules.md defines EG506: at
    /// its maximum, or `ScalingActive=False`, or `ScalingLimited=True`.
    /// Whether the CPU is over target does not matter: an HPA pinned at
    /// its maximum has no headroom for the next burst either way.
    pub fn saturated(&self) -> bool {
        !self.problems().is_empty()
    }

    /// What makes it saturated, in words (EG506's message); empty when it
    /// is not, or when the object has no status.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if !self.has_status {
            return problems;
        }
        if let (true, Some(max)) = (self.at_max(), self.max) {
            problems.push(format!("at its maximum of {max} replicas"));
        }
        if let Some(c) = &self.inactive {
            problems.push(format!("cannot scale ({c})"));
        }
        // At the maximum already says why scaling is limited.
        if let (Some(c), false) = (&self.limited_text, self.at_max()) {
            problems.push(format!("scaling is limited ({c})"));
        }
        problems
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_match_envoy_gateway() {
        assert_eq!(hashed_name("default/eg"), "envoy-default-eg-e41e7b31");
        assert_eq!(hashed_name("merged-eg"), "envoy-merged-eg-668ac7ae");
        assert_eq!(hashed_name("default/eg-2"), "envoy-default-eg-2-7e515b2f");
    }

    #[test]
    fn long_keys_are_cut_to_48_and_trimmed() {
        let key = format!("{}/x", "a".repeat(47));
        let name = hashed_name(&key);
        assert!(
            name.starts_with(&format!("envoy-{}-", "a".repeat(47))),
            "{name}"
        );
        assert!(!name.contains("--"));
    }
}
