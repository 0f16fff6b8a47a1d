//! Tenants: Envoy Gateway controllers (with the controllerName and the
//! namespaces they watch, from the `envoy-gateway-config` ConfigMap) and the
//! GatewayClasses they serve.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::codec::value::Value;

use super::value::{array_at, at, bool_at, str_at};
use crate::store::{Kind, Object, Store};

use crate::vocab::is_gateway_image;
pub use crate::vocab::{
    CONFIG_KEY, CONFIG_MAP_NAME, DEFAULT_CONTROLLER_NAME, image_has_digest, image_repository,
    image_tag,
};

/// Which namespaces a controller watches.
#[derive(Debug, Clone, PartialEq)]
pub enum Watch {
    All,
    Namespaces(BTreeSet<String>),
    /// A LabelSelector over Namespace labels.
    Selector(Value),
}

/// The fields egscope reads from the EnvoyGateway config file.
#[derive(Debug, Clone, PartialEq)]
pub struct EgConfig {
    pub controller_name: String,
    pub watch: Watch,
    /// `provider.kubernetes.deploy.type`, e.g. `GatewayNamespace`.
    pub deploy_type: Option<String>,
    pub metrics_disabled: bool,
    /// `envoyProxy`: the default EnvoyProxy spec for every fleet (v1.7+).
    pub envoy_proxy: Option<Value>,
}

impl Default for EgConfig {
    fn default() -> Self {
        EgConfig {
            controller_name: DEFAULT_CONTROLLER_NAME.to_string(),
            watch: Watch::All,
            deploy_type: None,
            metrics_disabled: false,
            envoy_proxy: None,
        }
    }
}

impl EgConfig {
    /// Reads the config from its parsed YAML. Tolerant: unknown fields and
    /// values of the wrong type read as unset.
    pub fn from_value(v: &Value) -> EgConfig {
        let mut cfg = EgConfig::default();
        if let Some(name) = str_at(v, &["gateway", "controllerName"]).filter(|s| !s.is_empty()) {
            cfg.controller_name = name.to_string();
        }
        let watch = at(v, &["provider", "kubernetes", "watch"]);
        cfg.watch = match watch {
            None => Watch::All,
            Some(w) => match str_at(w, &["type"]) {
                Some("NamespaceSelector") => match at(w, &["namespaceSelector"]) {
                    Some(sel) => Watch::Selector(sel.clone()),
                    None => Watch::All,
                },
                _ => {
                    let names: BTreeSet<String> = array_at(w, &["namespaces"])
                        .iter()
                        .filter_map(Value::as_str)
                        .map(str::to_string)
                        .collect();
                    if names.is_empty() {
                        Watch::All
                    } else {
                        Watch::Namespaces(names)
                    }
                }
            },
        };
        cfg.deploy_type =
            str_at(v, &["provider", "kubernetes", "deploy", "type"]).map(str::to_string);
        cfg.metrics_disabled =
            bool_at(v, &["telemetry", "metrics", "prometheus", "disable"]).unwrap_or(false);
        cfg.envoy_proxy = at(v, &["envoyProxy"]).cloned();
        cfg
    }

    pub fn gateway_namespace_mode(&self) -> bool {
        self.deploy_type.as_deref() == Some("GatewayNamespace")
    }
}

/// An Envoy Gateway minor release (`major`, `minor`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Minor(pub u32, pub u32);

impl std::fmt::Display for Minor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "v{}.{}", self.0, self.1)
    }
}

/// The newest Envoy Gateway release whose semantics egscope knows; an
/// unknown or newer controller is judged as this one.
pub const NEWEST_KNOWN: Minor = Minor(1, 9);

/// Which Envoy Gateway release's behaviour the model follows for one
/// controller: the version the source shows, or the newest known one when
/// it shows none (or a newer one), which `assumed` then says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Semantics {
    pub minor: Minor,
    /// The version string the source shows, if any.
    pub shown: Option<String>,
    /// The source shows no version egscope knows: `minor` is assumed.
    pub assumed: bool,
}

impl Default for Semantics {
    fn default() -> Self {
        Semantics::of(None)
    }
}

impl Semantics {
    /// From a controller version such as `v1.8.2`, `1.9.0-rc.1` or `v1.7`.
    pub fn of(version: Option<&str>) -> Semantics {
        let parsed = version.and_then(parse_minor);
        let (minor, assumed) = match parsed {
            Some(m) if m <= NEWEST_KNOWN => (m, false),
            _ => (NEWEST_KNOWN, true),
        };
        Semantics {
            minor,
            shown: version.map(str::to_string),
            assumed,
        }
    }

    pub fn at_least(&self, major: u32, minor: u32) -> bool {
        self.minor >= Minor(major, minor)
    }

    /// How the model says which semantics it used: `v1.8` or
    /// `v1.9 (assumed: version unknown)`.
    pub fn describe(&self) -> String {
        match (&self.shown, self.assumed) {
            (_, false) => self.minor.to_string(),
            (None, true) => format!("{} (assumed: controller version unknown)", self.minor),
            (Some(v), true) => format!(
                "{} (assumed: {v} is not a release egscope knows)",
                self.minor
            ),
        }
    }

    /// Cross-namespace policy attachment through `targetSelectors[].namespaces`
    /// and ReferenceGrants (release-notes/v1.8.0.yaml: "Added support for
    /// cross-namespace policy attachment").
    pub fn cross_namespace_policies(&self) -> bool {
        self.at_least(1, 8)
    }

    /// SecurityPolicy `mergeType` (release-notes/v1.8.0.yaml).
    pub fn security_policy_merge(&self) -> bool {
        self.at_least(1, 8)
    }

    /// EnvoyExtensionPolicy `mergeType` (release-notes/v1.9.0.yaml).
    pub fn extension_policy_merge(&self) -> bool {
        self.at_least(1, 9)
    }

    /// `samplingFraction` is a fraction of 100 % from v1.8 on; before, Envoy
    /// Gateway wrote numerator/denominator straight into Envoy's percentage
    /// field, so the real rate was 100x smaller (release-notes/v1.8.0.yaml,
    /// "Existing samplingFraction configurations will now sample 100x more").
    pub fn sampling_fraction_is_ratio(&self) -> bool {
        self.at_least(1, 8)
    }

    /// Client-forced tracing (`x-client-trace-id`) is sampled at 0 % unless
    /// `clientSamplingFraction` is set, from v1.9 on (release-notes/v1.9.0.yaml).
    pub fn client_sampling_defaults_to_zero(&self) -> bool {
        self.at_least(1, 9)
    }

    /// `envoyProxy` in the EnvoyGateway config is a default that GatewayClass
    /// and Gateway EnvoyProxies merge over per their `mergeType`
    /// (release-notes/v1.8.0.yaml). Before, the most specific replaced it.
    pub fn envoy_proxy_defaults_merge(&self) -> bool {
        self.at_least(1, 8)
    }
}

fn parse_minor(version: &str) -> Option<Minor> {
    let v = version.trim().trim_start_matches('v');
    let mut parts = v.split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some(Minor(major, minor))
}

/// An Envoy Gateway controller (one tenant).
#[derive(Debug, Clone)]
pub struct Controller {
    pub deployment: Arc<Object>,
    pub config: EgConfig,
    /// The ConfigMap the config came from, when present.
    pub config_map: Option<Arc<Object>>,
    /// Why the config could not be read, when it could not.
    pub config_error: Option<String>,
    /// Image of the `envoy-gateway` container.
    pub image: Option<String>,
    /// Version from the image tag, else `app.kubernetes.io/version`.
    pub version: Option<String>,
    /// The controller's own pods (its Deployment's selector, in its
    /// namespace), by name; never a proxy pod, which is a fleet's.
    pub pods: Vec<Arc<Object>>,
}

impl Controller {
    /// The Envoy Gateway release whose behaviour this controller shows.
    pub fn semantics(&self) -> Semantics {
        Semantics::of(self.version.as_deref())
    }

    pub fn namespace(&self) -> &str {
        self.deployment.namespace_or_empty()
    }

    /// The pod whose log `l` opens: the first running one, else the first.
    pub fn log_pod(&self) -> Option<&Arc<Object>> {
        self.pods
            .iter()
            .find(|p| PodState::of(p).phase == "Running")
            .or(self.pods.first())
    }

    /// Whether this controller watches `ns`, deciding selectors on the
    /// Namespace objects in the source. A selector over a namespace the
    /// source does not hold cannot be decided: it counts as watched, so
    /// that a snapshot without Namespace objects raises no EG105.
    pub fn watches(&self, ns: &str, store: &Store) -> bool {
        match &self.config.watch {
            Watch::All => true,
            Watch::Namespaces(names) => names.contains(ns),
            Watch::Selector(sel) => store
                .of(Kind::Namespace)
                .iter()
                .find(|n| n.name == ns)
                .is_none_or(|n| super::value::selector_matches(sel, &n.labels)),
        }
    }

    /// The namespaces in the source this controller watches (for overlap
    /// checks); `None` means "all namespaces".
    pub fn watched_set(&self, store: &Store) -> Option<BTreeSet<String>> {
        match &self.config.watch {
            Watch::All => None,
            Watch::Namespaces(names) => Some(names.clone()),
            Watch::Selector(sel) => Some(
                store
                    .of(Kind::Namespace)
                    .iter()
                    .filter(|n| super::value::selector_matches(sel, &n.labels))
                    .map(|n| n.name.clone())
                    .collect(),
            ),
        }
    }
}

/// The containers of a Deployment/DaemonSet pod template.
pub fn template_containers(obj: &Object) -> &[Value] {
    crate::vocab::template_containers(&obj.raw)
}

/// The Deployment is an Envoy Gateway controller ([`crate::vocab::is_controller`]).
pub fn is_controller(obj: &Object) -> bool {
    crate::vocab::is_controller(|k| obj.labels.get(k), &obj.raw)
}

/// The image of the controller container.
pub fn controller_image(obj: &Object) -> Option<String> {
    let containers = template_containers(obj);
    containers
        .iter()
        .find(|c| str_at(c, &["name"]) == Some("envoy-gateway"))
        .or_else(|| {
            containers
                .iter()
                .find(|c| str_at(c, &["image"]).is_some_and(is_gateway_image))
        })
        .or(containers.first())
        .and_then(|c| str_at(c, &["image"]))
        .map(str::to_string)
}

/// A pod at a glance, as `kubectl get pods` shows it: phase, ready
/// containers of all, restarts summed over containers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PodState {
    pub phase: String,
    pub ready: usize,
    pub containers: usize,
    pub restarts: i64,
}

impl PodState {
    pub fn of(pod: &Object) -> PodState {
        let status = pod.status();
        let cs = status
            .map(|s| array_at(s, &["containerStatuses"]))
            .unwrap_or(&[]);
        PodState {
            phase: status
                .and_then(|s| str_at(s, &["phase"]))
                .unwrap_or("Unknown")
                .to_string(),
            ready: cs
                .iter()
                .filter(|c| bool_at(c, &["ready"]) == Some(true))
                .count(),
            // A pod that has no status yet still has its spec's containers.
            containers: cs.len().max(array_at(pod.spec(), &["containers"]).len()),
            restarts: cs
                .iter()
                .filter_map(|c| super::value::i64_at(c, &["restartCount"]))
                .sum(),
        }
    }

    /// `1/1 Running`, `0/1 Running ↻4`: ready containers, phase, restarts
    /// when there were any (short: the Detail's side list is narrow).
    pub fn describe(&self) -> String {
        let mut s = format!("{}/{} {}", self.ready, self.containers, self.phase);
        if self.restarts > 0 {
            s.push_str(&format!(" ↻{}", self.restarts));
        }
        s
    }
}

/// Pods of the Deployment `d`: in its namespace, matched by its
/// `spec.selector`. An empty selector matches nothing here, although a
/// LabelSelector without terms selects everything: apps/v1 refuses a
/// Deployment with one (kubernetes/kubernetes pkg/apis/apps/validation/validation.go,
/// `ValidateDeploymentSpec`: "empty selector is invalid for deployment"),
/// so a source that shows one is damaged and must not adopt every pod. A
/// proxy pod (Envoy Gateway's `managed-by` label) is a fleet's, never a
/// controller's, whatever the selector says.
fn pods_of(d: &Object, by_namespace: &BTreeMap<&str, Vec<&Arc<Object>>>) -> Vec<Arc<Object>> {
    let Some(selector) = at(d.spec(), &["selector"]) else {
        return Vec::new();
    };
    let terms = selector
        .get("matchLabels")
        .and_then(Value::as_object)
        .is_some_and(|m| !m.is_empty())
        || !array_at(selector, &["matchExpressions"]).is_empty();
    if !terms {
        return Vec::new();
    }
    let mut pods: Vec<Arc<Object>> = by_namespace
        .get(d.namespace_or_empty())
        .into_iter()
        .flatten()
        .filter(|p| p.labels.get(crate::vocab::LABEL_MANAGED_BY) != Some("envoy-gateway"))
        .filter(|p| super::value::selector_matches(selector, &p.labels))
        .map(|p| Arc::clone(p))
        .collect();
    pods.sort_by(|a, b| a.name.cmp(&b.name));
    pods
}

/// Finds controllers and reads their config.
pub fn controllers(store: &Store) -> Vec<Controller> {
    let deployments: Vec<&Arc<Object>> = store
        .of(Kind::Deployment)
        .iter()
        .filter(|d| is_controller(d))
        .collect();
    // Pods by namespace once: a large cluster's thousands of proxy pods
    // are then not walked once per controller.
    let mut by_namespace: BTreeMap<&str, Vec<&Arc<Object>>> = BTreeMap::new();
    if !deployments.is_empty() {
        for p in store.of(Kind::Pod) {
            by_namespace
                .entry(p.namespace_or_empty())
                .or_default()
                .push(p);
        }
    }
    deployments
        .into_iter()
        .map(|d| {
            let config_map = store
                .of(Kind::ConfigMap)
                .iter()
                .find(|c| c.name == CONFIG_MAP_NAME && c.namespace == d.namespace)
                .cloned();
            let (config, config_error) = match &config_map {
                None => (EgConfig::default(), None),
                Some(cm) => match str_at(&cm.raw, &["data", CONFIG_KEY]) {
                    None => (
                        EgConfig::default(),
                        Some(format!("ConfigMap has no key {CONFIG_KEY}")),
                    ),
                    Some(text) => match crate::codec::parse_yaml_value(text) {
                        Ok(v) => (EgConfig::from_value(&v), None),
                        Err(e) => (EgConfig::default(), Some(e)),
                    },
                },
            };
            let image = controller_image(d);
            let version = image
                .as_deref()
                .and_then(image_tag)
                .filter(|t| *t != "latest")
                .map(str::to_string)
                .or_else(|| {
                    d.labels
                        .get("app.kubernetes.io/version")
                        .map(str::to_string)
                });
            Controller {
                pods: pods_of(d, &by_namespace),
                deployment: d.clone(),
                config,
                config_map,
                config_error,
                image,
                version,
            }
        })
        .collect()
}

/// A GatewayClass and how it relates to the tenants.
#[derive(Debug, Clone)]
pub struct Class {
    pub obj: Arc<Object>,
    pub controller_name: String,
    /// Served by an Envoy Gateway controller (seen in the source, the default
    /// name, or any name under `gateway.envoyproxy.io/`).
    pub eg_served: bool,
    /// Indices into `Model::controllers` with this controllerName.
    pub controllers: Vec<usize>,
    /// `spec.parametersRef` to an EnvoyProxy: (namespace, name).
    pub params_ref: Option<(String, String)>,
    /// The EnvoyProxy the ref resolves to.
    pub envoy_proxy: Option<Arc<Object>>,
    /// The class EnvoyProxy sets `mergeGateways: true`.
    pub merges: bool,
    /// The behaviour of the release its (first) controller runs.
    pub semantics: Semantics,
}

pub fn classes(store: &Store, controllers: &[Controller]) -> Vec<Class> {
    store
        .of(Kind::GatewayClass)
        .iter()
        .map(|gc| {
            let controller_name = str_at(gc.spec(), &["controllerName"])
                .unwrap_or("")
                .to_string();
            let served_by: Vec<usize> = controllers
                .iter()
                .enumerate()
                .filter(|(_, c)| c.config.controller_name == controller_name)
                .map(|(i, _)| i)
                .collect();
            let eg_served = !served_by.is_empty()
                || controller_name == DEFAULT_CONTROLLER_NAME
                || controller_name.starts_with("gateway.envoyproxy.io/");
            let params_ref = at(gc.spec(), &["parametersRef"])
                .filter(|r| str_at(r, &["kind"]) == Some("EnvoyProxy"))
                .map(|r| {
                    (
                        str_at(r, &["namespace"]).unwrap_or("default").to_string(),
                        str_at(r, &["name"]).unwrap_or("").to_string(),
                    )
                });
            let envoy_proxy = params_ref
                .as_ref()
                .and_then(|(ns, name)| find_envoy_proxy(store, ns, name));
            let merges = envoy_proxy
                .as_ref()
                .and_then(|ep| bool_at(ep.spec(), &["mergeGateways"]))
                .unwrap_or(false);
            let semantics = served_by
                .first()
                .map(|&c| controllers[c].semantics())
                .unwrap_or_default();
            Class {
                semantics,
                obj: gc.clone(),
                controller_name,
                eg_served,
                controllers: served_by,
                params_ref,
                envoy_proxy,
                merges,
            }
        })
        .collect()
}

/// The EnvoyProxy spec a fleet really gets from the controller's default
/// (`envoyProxy` in the EnvoyGateway config), its GatewayClass's and its
/// Gateway's EnvoyProxy. Before v1.8 the most specific replaces the others
/// whole (v1.7.5 internal/gatewayapi/contexts.go, `attachEnvoyProxy`); from
/// v1.8 the Gateway's merges over the class's by the Gateway's `mergeType`,
/// and that result over the default by the class's (else the Gateway's)
/// `mergeType`, `Replace` when neither sets one (v1.9.0
/// internal/gatewayapi/envoyproxy_merge.go, `MergeEnvoyProxyConfigs`).
pub fn effective_envoy_proxy(
    semantics: &Semantics,
    default: Option<&Value>,
    class: Option<&Value>,
    gateway: Option<&Value>,
) -> Option<Value> {
    if !semantics.envoy_proxy_defaults_merge() {
        return gateway.or(class).or(default).cloned();
    }
    let merge_type = |specs: &[Option<&Value>]| {
        specs
            .iter()
            .flatten()
            .find_map(|s| str_at(s, &["mergeType"]))
            .unwrap_or("Replace")
            .to_string()
    };
    let step1 = merge_proxy(class, gateway, &merge_type(&[gateway]));
    merge_proxy(default, step1.as_ref(), &merge_type(&[class, gateway]))
}

fn merge_proxy(base: Option<&Value>, over: Option<&Value>, merge_type: &str) -> Option<Value> {
    match (base, over) {
        (b, None) => b.cloned(),
        (None, Some(o)) => Some(o.clone()),
        (Some(_), Some(o)) if merge_type == "Replace" => Some(o.clone()),
        (Some(b), Some(o)) => Some(merge_patch(b, o)),
    }
}

/// RFC 7386 JSON merge patch over egscope's own value type (the crates
/// that implement it work on serde_json's). `StrategicMerge` reads the same
/// way here: Envoy Gateway's EnvoyProxy lists carry no patch merge keys, so
/// a strategic merge replaces them whole as a JSON merge does.
pub fn merge_patch(base: &Value, patch: &Value) -> Value {
    let Some(patch_map) = patch.as_object() else {
        return patch.clone();
    };
    let mut out = match base.as_object() {
        Some(_) => base.clone(),
        None => crate::json_value!({}),
    };
    if let Some(map) = out.as_object_mut() {
        for (k, v) in patch_map.iter() {
            if v.is_null() {
                map.remove(k);
            } else {
                let merged = match map.get(k) {
                    Some(existing) => merge_patch(existing, v),
                    None => merge_patch(&Value::Null, v),
                };
                map.insert(k, merged);
            }
        }
    }
    out
}

pub fn find_envoy_proxy(store: &Store, ns: &str, name: &str) -> Option<Arc<Object>> {
    store
        .of(Kind::EnvoyProxy)
        .iter()
        .find(|e| e.name == name && e.namespace_or_empty() == ns)
        .cloned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_parts() {
        assert_eq!(
            image_tag("docker.io/envoyproxy/gateway:v1.7.5"),
            Some("v1.7.5")
        );
        assert_eq!(image_tag("envoyproxy/gateway"), None);
        assert_eq!(image_tag("localhost:5000/envoyproxy/gateway"), None);
        assert_eq!(
            image_tag("localhost:5000/envoyproxy/gateway:v1@sha256:abc"),
            Some("v1")
        );
        assert_eq!(
            image_repository("localhost:5000/envoyproxy/gateway:v1"),
            "localhost:5000/envoyproxy/gateway"
        );
        assert!(image_has_digest("envoyproxy/gateway-dev@sha256:abcd"));
    }

    #[test]
    fn semantics_follow_the_version_and_assume_the_newest_otherwise() {
        assert_eq!(Semantics::of(Some("v1.8.2")).minor, Minor(1, 8));
        assert!(!Semantics::of(Some("v1.8.2")).assumed);
        assert_eq!(Semantics::of(Some("1.7.5")).minor, Minor(1, 7));
        let unknown = Semantics::of(None);
        assert_eq!(unknown.minor, NEWEST_KNOWN);
        assert!(unknown.assumed);
        assert!(unknown.describe().contains("assumed"));
        let newer = Semantics::of(Some("v1.10.0"));
        assert_eq!(newer.minor, NEWEST_KNOWN);
        assert!(newer.describe().contains("v1.10.0"));
        assert!(Semantics::of(Some("v1.8.0")).security_policy_merge());
        assert!(!Semantics::of(Some("v1.7.5")).security_policy_merge());
        assert!(!Semantics::of(Some("v1.8.3")).extension_policy_merge());
    }

    #[test]
    fn default_envoy_proxy_merges_from_v1_8_and_is_replaced_before() {
        let default = crate::json_value!({"telemetry": {"tracing": {"samplingRate": 5}},
            "provider": {"type": "Kubernetes"}});
        let class = crate::json_value!({"mergeType": "StrategicMerge",
            "telemetry": {"accessLog": {"disable": false}}});
        let v18 = Semantics::of(Some("v1.8.0"));
        let got = effective_envoy_proxy(&v18, Some(&default), Some(&class), None).unwrap();
        assert_eq!(
            at(&got, &["telemetry", "tracing", "samplingRate"]).and_then(Value::as_i64),
            Some(5),
            "{got}"
        );
        assert!(at(&got, &["telemetry", "accessLog"]).is_some());
        let v17 = Semantics::of(Some("v1.7.5"));
        let got = effective_envoy_proxy(&v17, Some(&default), Some(&class), None).unwrap();
        assert!(at(&got, &["telemetry", "tracing"]).is_none(), "{got}");
        // Replace (no mergeType) still replaces on v1.8.
        let plain = crate::json_value!({"telemetry": {"accessLog": {}}});
        let got = effective_envoy_proxy(&v18, Some(&default), Some(&plain), None).unwrap();
        assert!(at(&got, &["telemetry", "tracing"]).is_none(), "{got}");
        // The Gateway's JSONMerge over the class, then the class's type over the default.
        let gw = crate::json_value!({"mergeType": "JSONMerge", "telemetry": {"accessLog": null}});
        let got = effective_envoy_proxy(&v18, Some(&default), Some(&class), Some(&gw)).unwrap();
        assert!(at(&got, &["telemetry", "accessLog"]).is_none(), "{got}");
        assert!(at(&got, &["telemetry", "tracing"]).is_some(), "{got}");
    }

    #[test]
    fn a_controller_owns_its_selected_pods_in_its_namespace_and_no_proxy() {
        let text = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: envoy-gateway, namespace: eg, labels: {control-plane: envoy-gateway}}
spec:
  selector: {matchLabels: {control-plane: envoy-gateway, app.kubernetes.io/instance: eg}}
  template: {spec: {containers: [{name: envoy-gateway, image: docker.io/envoyproxy/gateway:v1.9.0}]}}
---
apiVersion: v1
kind: Pod
metadata: {name: b-ctl, namespace: eg, labels: {control-plane: envoy-gateway, app.kubernetes.io/instance: eg}}
spec: {containers: [{name: envoy-gateway}]}
status: {phase: Pending}
---
apiVersion: v1
kind: Pod
metadata: {name: a-ctl, namespace: eg, labels: {control-plane: envoy-gateway, app.kubernetes.io/instance: eg}}
spec: {containers: [{name: envoy-gateway}]}
status: {phase: Running, containerStatuses: [{name: envoy-gateway, ready: true, restartCount: 2}]}
---
apiVersion: v1
kind: Pod
metadata: {name: other-release, namespace: eg, labels: {control-plane: envoy-gateway, app.kubernetes.io/instance: eg2}}
---
apiVersion: v1
kind: Pod
metadata: {name: elsewhere, namespace: eg-2, labels: {control-plane: envoy-gateway, app.kubernetes.io/instance: eg}}
---
apiVersion: v1
kind: Pod
metadata:
  name: proxy
  namespace: eg
  labels: {control-plane: envoy-gateway, app.kubernetes.io/instance: eg, app.kubernetes.io/managed-by: envoy-gateway}
"#;
        // Built by hand: the model sits below the snapshot source.
        let mut store = Store::new(crate::store::SourceInfo {
            kind: crate::store::SourceKind::Snapshot,
            context: None,
            paths: vec![],
            namespace: None,
        });
        for doc in text.split("\n---\n") {
            let v = crate::codec::parse_yaml_value(doc).unwrap();
            match Object::from_value(v, None) {
                Ok(crate::store::ObjectOrOther::Object(o)) => store.insert(*o),
                other => panic!("decodes: {other:?}"),
            }
        }
        let c = &controllers(&store)[0];
        let names: Vec<&str> = c.pods.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["a-ctl", "b-ctl"]);
        // The running one, although another sorts first among all.
        assert_eq!(c.log_pod().map(|p| p.name.as_str()), Some("a-ctl"));
        let s = PodState::of(&c.pods[0]);
        assert_eq!(
            (s.phase.as_str(), s.ready, s.containers, s.restarts),
            ("Running", 1, 1, 2)
        );
        assert_eq!(s.describe(), "1/1 Running ↻2");
        // No status yet: its spec's containers, none ready, phase unknown.
        assert_eq!(PodState::of(&c.pods[1]).describe(), "0/1 Pending");
    }

    #[test]
    fn config_reads_watch_and_name() {
        let v = crate::json_value!({
            "gateway": {"controllerName": "gateway.envoyproxy.io/a"},
            "provider": {"kubernetes": {"watch": {"type": "Namespaces", "namespaces": ["x", "y"]},
                         "deploy": {"type": "GatewayNamespace"}}},
            "telemetry": {"metrics": {"prometheus": {"disable": true}}}
        });
        let c = EgConfig::from_value(&v);
        assert_eq!(c.controller_name, "gateway.envoyproxy.io/a");
        assert_eq!(
            c.watch,
            Watch::Namespaces(["x".to_string(), "y".to_string()].into())
        );
        assert!(c.gateway_namespace_mode());
        assert!(c.metrics_disabled);
        let d = EgConfig::from_value(&crate::json_value!({"gateway": 3}));
        assert_eq!(d, EgConfig::default());
    }
}
