//! The kinds the simulated API server serves, each at the versions the real
//! CRDs (or built-in APIs) serve, and discovery computed from them the way
//! kube-apiserver computes it.
//!
//! One [`ResourceDef`] per group and kind: an object is stored once and
//! served at every version its CRD serves (conversion strategy `None`, as
//! every Gateway API and Envoy Gateway CRD declares), so a kind's table
//! index is also its storage slot in the cluster.

use std::cmp::Reverse;

use serde_json::{Value, json};

/// Which Gateway API CRD bundle the simulated cluster has installed: the
/// one shipped with Envoy Gateway v1.7.5 (Gateway API v1.4.1) or with
/// v1.9.0 (Gateway API v1.6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum GatewayApiBundle {
    /// Gateway API v1.4.1 (Envoy Gateway v1.7.5's CRDs).
    #[value(name = "v1.4")]
    V1_4,
    /// Gateway API v1.6.1 (Envoy Gateway v1.9.0's CRDs), what the demo
    /// cluster runs.
    #[default]
    #[value(name = "v1.6")]
    V1_6,
}

impl GatewayApiBundle {
    pub const ALL: [GatewayApiBundle; 2] = [GatewayApiBundle::V1_4, GatewayApiBundle::V1_6];

    /// The `gateway.networking.k8s.io/bundle-version` annotation of its CRDs.
    pub fn bundle_version(self) -> &'static str {
        match self {
            GatewayApiBundle::V1_4 => "v1.4.1",
            GatewayApiBundle::V1_6 => "v1.6.1",
        }
    }

    /// The Envoy Gateway release that ships this bundle.
    pub fn envoy_gateway(self) -> &'static str {
        match self {
            GatewayApiBundle::V1_4 => "v1.7.5",
            GatewayApiBundle::V1_6 => "v1.9.0",
        }
    }

    /// Where the bundle's CRDs live in `../shared/corpus` (the source of
    /// the version tables below): the Gateway API bundle file and the
    /// folder of Envoy Gateway's own CRDs.
    pub fn corpus_files(self) -> (&'static str, &'static str) {
        match self {
            GatewayApiBundle::V1_4 => (
                "envoy-gateway-v1.7.5/charts/gateway-helm/crds/gatewayapi-crds.yaml",
                "envoy-gateway-v1.7.5/charts/gateway-helm/crds/generated",
            ),
            GatewayApiBundle::V1_6 => (
                "envoy-gateway-v1.9.0/charts/gateway-helm/charts/crds/crds/gatewayapi-crds.yaml",
                "envoy-gateway-v1.9.0/charts/gateway-helm/charts/crds/crds/generated",
            ),
        }
    }

    /// The `controller-gen.kubebuilder.io/version` annotation of Envoy
    /// Gateway's CRDs in that release (from the files of [`Self::corpus_files`]).
    fn controller_gen(self) -> &'static str {
        match self {
            GatewayApiBundle::V1_4 => "v0.18.0",
            GatewayApiBundle::V1_6 => "v0.20.1",
        }
    }
}

/// One version of a kind, as a CRD's `spec.versions` entry says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CrdVersion {
    pub name: &'static str,
    pub served: bool,
    pub storage: bool,
}

const fn ver(name: &'static str, storage: bool) -> CrdVersion {
    CrdVersion {
        name,
        served: true,
        storage,
    }
}

/// One kind the server knows, with the versions it is served at under
/// each bundle (empty: not installed with that bundle).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceDef {
    pub group: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    /// Stored in the cluster and watchable (false for computed PodMetrics).
    pub stored: bool,
    /// Defined by a CustomResourceDefinition (so it has a CRD object).
    pub crd: bool,
    /// The CRD has a status subresource (discovery lists `PLURAL/status`).
    pub status: bool,
    pub v1_4: &'static [CrdVersion],
    pub v1_6: &'static [CrdVersion],
}

impl ResourceDef {
    pub fn versions(&self, bundle: GatewayApiBundle) -> &'static [CrdVersion] {
        match bundle {
            GatewayApiBundle::V1_4 => self.v1_4,
            GatewayApiBundle::V1_6 => self.v1_6,
        }
    }

    /// Whether the kind is installed at all with this bundle.
    pub fn installed(&self, bundle: GatewayApiBundle) -> bool {
        self.versions(bundle).iter().any(|v| v.served)
    }

    pub fn serves(&self, bundle: GatewayApiBundle, version: &str) -> bool {
        self.versions(bundle)
            .iter()
            .any(|v| v.served && v.name == version)
    }

    /// The version objects are stored (and so loaded) at.
    pub fn storage_version(&self, bundle: GatewayApiBundle) -> Option<&'static str> {
        self.versions(bundle)
            .iter()
            .find(|v| v.storage)
            .map(|v| v.name)
    }

    pub fn api_version(&self, version: &str) -> String {
        if self.group.is_empty() {
            version.to_string()
        } else {
            format!("{}/{version}", self.group)
        }
    }

    pub fn verbs(&self) -> &'static [&'static str] {
        if self.stored {
            &["get", "list", "watch"]
        } else {
            &["get", "list"]
        }
    }
}

pub const GW: &str = "gateway.networking.k8s.io";
pub const GWX: &str = "gateway.networking.x-k8s.io";
pub const EG: &str = "gateway.envoyproxy.io";

const V1: &[CrdVersion] = &[ver("v1", true)];
const V2: &[CrdVersion] = &[ver("v2", true)];
const V1BETA1: &[CrdVersion] = &[ver("v1beta1", true)];
const V1ALPHA1: &[CrdVersion] = &[ver("v1alpha1", true)];
const NONE: &[CrdVersion] = &[];
// The version lists below are the `spec.versions` (name, served, storage)
// of each CRD in the two bundles, in file order:
// v1.4: ../shared/corpus/envoy-gateway-v1.7.5/charts/gateway-helm/crds/gatewayapi-crds.yaml
// v1.6: ../shared/corpus/envoy-gateway-v1.9.0/charts/gateway-helm/charts/crds/crds/gatewayapi-crds.yaml
// Envoy Gateway's own CRDs (`generated/gateway.envoyproxy.io_*.yaml` next
// to those files) are v1alpha1 only in both releases.
// `every_bundle_matches_the_corpus` checks them against those files.
const V1_V1BETA1: &[CrdVersion] = &[ver("v1", true), ver("v1beta1", false)];
const V1_V1ALPHA3: &[CrdVersion] = &[ver("v1", true), ver("v1alpha3", false)];
const V1_V1BETA1_STORED: &[CrdVersion] = &[ver("v1", false), ver("v1beta1", true)];
const V1ALPHA2: &[CrdVersion] = &[ver("v1alpha2", true)];
const V1_V1ALPHA2: &[CrdVersion] = &[ver("v1", true), ver("v1alpha2", false)];
const V1ALPHA2_V1ALPHA3: &[CrdVersion] = &[ver("v1alpha2", false), ver("v1alpha3", true)];
const V1_V1ALPHA2_V1ALPHA3: &[CrdVersion] = &[
    ver("v1", true),
    ver("v1alpha2", false),
    ver("v1alpha3", false),
];

#[allow(clippy::too_many_arguments)]
const fn kind(
    group: &'static str,
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    v1_4: &'static [CrdVersion],
    v1_6: &'static [CrdVersion],
) -> ResourceDef {
    let crd = matches!(group.as_bytes(), b"gateway.networking.k8s.io")
        || matches!(group.as_bytes(), b"gateway.networking.x-k8s.io")
        || matches!(group.as_bytes(), b"gateway.envoyproxy.io");
    let categories: &'static [&'static str] = if !crd {
        &[]
    } else if matches!(group.as_bytes(), b"gateway.envoyproxy.io") {
        &["envoy-gateway"]
    } else {
        &["gateway-api"]
    };
    ResourceDef {
        group,
        plural,
        singular,
        kind,
        namespaced,
        short_names,
        categories,
        stored: true,
        crd,
        // Every CRD of the bundles has one but ReferenceGrant and
        // HTTPRouteFilter (checked against the corpus).
        status: crd
            && !matches!(kind.as_bytes(), b"ReferenceGrant")
            && !matches!(kind.as_bytes(), b"HTTPRouteFilter"),
        v1_4,
        v1_6,
    }
}

const fn builtin(
    group: &'static str,
    versions: &'static [CrdVersion],
    plural: &'static str,
    singular: &'static str,
    k: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
) -> ResourceDef {
    kind(
        group,
        plural,
        singular,
        k,
        namespaced,
        short_names,
        versions,
        versions,
    )
}

const fn gw(
    plural: &'static str,
    singular: &'static str,
    k: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    v1_4: &'static [CrdVersion],
    v1_6: &'static [CrdVersion],
) -> ResourceDef {
    kind(GW, plural, singular, k, namespaced, short_names, v1_4, v1_6)
}

const fn gwx(
    plural: &'static str,
    singular: &'static str,
    k: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
    v1_4: &'static [CrdVersion],
    v1_6: &'static [CrdVersion],
) -> ResourceDef {
    kind(
        GWX,
        plural,
        singular,
        k,
        namespaced,
        short_names,
        v1_4,
        v1_6,
    )
}

const fn eg(
    plural: &'static str,
    singular: &'static str,
    k: &'static str,
    short_names: &'static [&'static str],
) -> ResourceDef {
    kind(
        EG,
        plural,
        singular,
        k,
        true,
        short_names,
        V1ALPHA1,
        V1ALPHA1,
    )
}

/// Every kind, in discovery order. Secrets are deliberately absent:
/// egscope never reads them.
pub const RESOURCES: &[ResourceDef] = &[
    builtin(
        "",
        V1,
        "namespaces",
        "namespace",
        "Namespace",
        false,
        &["ns"],
    ),
    builtin("", V1, "pods", "pod", "Pod", true, &["po"]),
    builtin("", V1, "services", "service", "Service", true, &["svc"]),
    builtin(
        "",
        V1,
        "configmaps",
        "configmap",
        "ConfigMap",
        true,
        &["cm"],
    ),
    builtin(
        "events.k8s.io",
        V1,
        "events",
        "event",
        "Event",
        true,
        &["ev"],
    ),
    builtin(
        "apps",
        V1,
        "deployments",
        "deployment",
        "Deployment",
        true,
        &["deploy"],
    ),
    builtin(
        "apps",
        V1,
        "daemonsets",
        "daemonset",
        "DaemonSet",
        true,
        &["ds"],
    ),
    // Only v2: autoscaling/v1 HPAs have another schema (a real server
    // converts between them), which the simulator does not model.
    builtin(
        "autoscaling",
        V2,
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
    ),
    // Backend endpoints: egscope reads them only for the Services routes
    // reference, by `kubernetes.io/service-name`.
    builtin(
        "discovery.k8s.io",
        V1,
        "endpointslices",
        "endpointslice",
        "EndpointSlice",
        true,
        &[],
    ),
    builtin(
        "apiextensions.k8s.io",
        V1,
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        false,
        &["crd", "crds"],
    ),
    gw(
        "gatewayclasses",
        "gatewayclass",
        "GatewayClass",
        false,
        &["gc"],
        V1_V1BETA1,
        V1_V1BETA1,
    ),
    gw(
        "gateways",
        "gateway",
        "Gateway",
        true,
        &["gtw"],
        V1_V1BETA1,
        V1_V1BETA1,
    ),
    gw(
        "httproutes",
        "httproute",
        "HTTPRoute",
        true,
        &[],
        V1_V1BETA1,
        V1_V1BETA1,
    ),
    gw("grpcroutes", "grpcroute", "GRPCRoute", true, &[], V1, V1),
    gw(
        "backendtlspolicies",
        "backendtlspolicy",
        "BackendTLSPolicy",
        true,
        &["btlspolicy"],
        V1_V1ALPHA3,
        V1_V1ALPHA3,
    ),
    gw(
        "referencegrants",
        "referencegrant",
        "ReferenceGrant",
        true,
        &["refgrant"],
        V1BETA1,
        V1_V1BETA1_STORED,
    ),
    gw(
        "tcproutes",
        "tcproute",
        "TCPRoute",
        true,
        &[],
        V1ALPHA2,
        V1_V1ALPHA2,
    ),
    gw(
        "udproutes",
        "udproute",
        "UDPRoute",
        true,
        &[],
        V1ALPHA2,
        V1_V1ALPHA2,
    ),
    gw(
        "tlsroutes",
        "tlsroute",
        "TLSRoute",
        true,
        &[],
        V1ALPHA2_V1ALPHA3,
        V1_V1ALPHA2_V1ALPHA3,
    ),
    gw(
        "listenersets",
        "listenerset",
        "ListenerSet",
        true,
        &["lset"],
        NONE,
        V1,
    ),
    gwx(
        "xlistenersets",
        "xlistenerset",
        "XListenerSet",
        true,
        &["lset"],
        V1ALPHA1,
        NONE,
    ),
    gwx(
        "xbackendtrafficpolicies",
        "xbackendtrafficpolicy",
        "XBackendTrafficPolicy",
        true,
        &["xbtrafficpolicy"],
        V1ALPHA1,
        V1ALPHA1,
    ),
    gwx(
        "xmeshes",
        "xmesh",
        "XMesh",
        false,
        &["mesh"],
        V1ALPHA1,
        V1ALPHA1,
    ),
    gwx(
        "xbackends",
        "xbackend",
        "XBackend",
        true,
        &["xbackend"],
        NONE,
        V1ALPHA1,
    ),
    eg("envoyproxies", "envoyproxy", "EnvoyProxy", &["eproxy"]),
    eg(
        "clienttrafficpolicies",
        "clienttrafficpolicy",
        "ClientTrafficPolicy",
        &["ctp"],
    ),
    eg(
        "backendtrafficpolicies",
        "backendtrafficpolicy",
        "BackendTrafficPolicy",
        &["btp"],
    ),
    eg(
        "securitypolicies",
        "securitypolicy",
        "SecurityPolicy",
        &["sp"],
    ),
    eg(
        "envoypatchpolicies",
        "envoypatchpolicy",
        "EnvoyPatchPolicy",
        &["epp"],
    ),
    // The only Envoy Gateway CRD without `categories: [envoy-gateway]`.
    ResourceDef {
        categories: &[],
        ..eg(
            "envoyextensionpolicies",
            "envoyextensionpolicy",
            "EnvoyExtensionPolicy",
            &["eep"],
        )
    },
    eg("backends", "backend", "Backend", &["be"]),
    eg(
        "httproutefilters",
        "httproutefilter",
        "HTTPRouteFilter",
        &["hrf"],
    ),
    ResourceDef {
        group: "metrics.k8s.io",
        plural: "pods",
        singular: "",
        kind: "PodMetrics",
        namespaced: true,
        short_names: &[],
        categories: &[],
        stored: false,
        crd: false,
        status: false,
        v1_4: V1BETA1,
        v1_6: V1BETA1,
    },
];

/// Index of the PodMetrics resource in [`RESOURCES`].
pub fn pod_metrics() -> usize {
    find("metrics.k8s.io", "v1beta1", "pods").expect("PodMetrics is served")
}

/// Index of the core Pods resource in [`RESOURCES`].
pub fn pods() -> usize {
    find("", "v1", "pods").expect("pods are served")
}

/// The kind served as `group/version/plural` with some bundle.
pub fn find(group: &str, version: &str, plural: &str) -> Option<usize> {
    RESOURCES.iter().position(|r| {
        r.group == group
            && r.plural == plural
            && GatewayApiBundle::ALL.iter().any(|b| r.serves(*b, version))
    })
}

/// The kind served as `group/version/plural` with this bundle.
pub fn find_served(
    bundle: GatewayApiBundle,
    group: &str,
    version: &str,
    plural: &str,
) -> Option<usize> {
    RESOURCES
        .iter()
        .position(|r| r.group == group && r.plural == plural && r.serves(bundle, version))
}

/// The stored kind of a group, whatever version an object says.
pub fn by_group_kind(group: &str, kind: &str) -> Option<usize> {
    RESOURCES
        .iter()
        .position(|r| r.stored && r.group == group && r.kind == kind)
}

/// A group's place in `/apis`: kube-aggregator orders APIServices by
/// `groupPriorityMinimum`, highest first, then by name
/// (k8s.io/kube-aggregator/pkg/apis/apiregistration/v1/helper/helpers.go,
/// `SortedByGroupAndVersion`). The built-in priorities are kube-apiserver's
/// (pkg/controlplane/apiserver/aggregator.go: apps 17800, events.k8s.io 17750,
/// autoscaling 17500, apiextensions.k8s.io 16700, discovery.k8s.io 16200); CRD
/// groups are registered at 1000
/// (pkg/controlplane/controller/crdregistration); metrics-server's
/// APIService asks for 100.
fn group_priority(group: &str) -> u32 {
    match group {
        "apps" => 17800,
        "events.k8s.io" => 17750,
        "autoscaling" => 17500,
        "apiextensions.k8s.io" => 16700,
        "discovery.k8s.io" => 16200,
        "metrics.k8s.io" => 100,
        _ => 1000,
    }
}

/// Every version a group serves, most preferred first: apiextensions
/// collects the versions of all CRDs in the group and sorts them by
/// kube-aware version priority
/// (k8s.io/apiextensions-apiserver/pkg/apiserver/customresource_discovery_controller.go,
/// `sortGroupDiscoveryByKubeAwareVersion`, then `PreferredVersion:
/// apiVersionsForDiscovery[0]`). `kube::core::Version::priority` is the
/// same order (GA > beta > alpha, higher numbers first).
pub fn group_versions(bundle: GatewayApiBundle, group: &str) -> Vec<&'static str> {
    let mut versions: Vec<&'static str> = Vec::new();
    for r in RESOURCES.iter().filter(|r| r.group == group) {
        for v in r.versions(bundle).iter().filter(|v| v.served) {
            if !versions.contains(&v.name) {
                versions.push(v.name);
            }
        }
    }
    versions.sort_by_cached_key(|v| Reverse(kube::core::Version::parse(v).priority()));
    versions
}

/// Groups (without the core group) in `/apis` order, each with its
/// versions, preferred first.
pub fn groups(bundle: GatewayApiBundle) -> Vec<(&'static str, Vec<&'static str>)> {
    let mut names: Vec<&'static str> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        if r.installed(bundle) && !names.contains(&r.group) {
            names.push(r.group);
        }
    }
    names.sort_by_key(|g| (Reverse(group_priority(g)), *g));
    names
        .into_iter()
        .map(|g| (g, group_versions(bundle, g)))
        .collect()
}

/// Whether a group/version is served at all.
pub fn served_version(bundle: GatewayApiBundle, group: &str, version: &str) -> bool {
    RESOURCES
        .iter()
        .any(|r| r.group == group && r.serves(bundle, version))
}

/// The groups whose CRDs come with the bundles: their CRD objects follow
/// the chosen bundle.
fn bundle_group(group: &str) -> bool {
    matches!(group, GW | GWX | EG)
}

/// `spec.versions` of a kind's CRD, reusing the schema (and other fields)
/// of a version entry the scenario wrote, if any.
fn crd_versions(def: &ResourceDef, bundle: GatewayApiBundle, template: Option<&Value>) -> Value {
    let base = template.cloned().unwrap_or_else(|| {
        let mut v = json!({
            "schema": {"openAPIV3Schema": {"type": "object",
                                           "x-kubernetes-preserve-unknown-fields": true}},
        });
        if def.status {
            v["subresources"] = json!({"status": {}});
        }
        v
    });
    Value::Array(
        def.versions(bundle)
            .iter()
            .map(|v| {
                let mut e = base.clone();
                e["name"] = json!(v.name);
                e["served"] = json!(v.served);
                e["storage"] = json!(v.storage);
                e
            })
            .collect(),
    )
}

/// The CustomResourceDefinition object of a kind as the bundle installs it.
pub fn crd_object(def: &ResourceDef, bundle: GatewayApiBundle, created: &str) -> Value {
    let mut names = json!({
        "kind": def.kind, "listKind": format!("{}List", def.kind),
        "plural": def.plural, "singular": def.singular,
    });
    if !def.short_names.is_empty() {
        names["shortNames"] = json!(def.short_names);
    }
    if !def.categories.is_empty() {
        names["categories"] = json!(def.categories);
    }
    let annotations = if def.group == EG {
        json!({"controller-gen.kubebuilder.io/version": bundle.controller_gen()})
    } else {
        json!({
            "gateway.networking.k8s.io/bundle-version": bundle.bundle_version(),
            "gateway.networking.k8s.io/channel": "experimental",
        })
    };
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": format!("{}.{}", def.plural, def.group),
            "annotations": annotations,
            "creationTimestamp": created,
            "generation": 1,
        },
        "spec": {
            "group": def.group,
            "names": names.clone(),
            "scope": if def.namespaced { "Namespaced" } else { "Cluster" },
            "versions": crd_versions(def, bundle, None),
            "conversion": {"strategy": "None"},
        },
        "status": {
            "acceptedNames": names,
            "storedVersions": def.storage_version(bundle).into_iter().collect::<Vec<_>>(),
            "conditions": [
                {"lastTransitionTime": created, "message": "no conflicts found",
                 "reason": "NoConflicts", "status": "True", "type": "NamesAccepted"},
                {"lastTransitionTime": created, "message": "the initial names have been accepted",
                 "reason": "InitialNamesAccepted", "status": "True", "type": "Established"},
            ],
        },
    })
}

/// Makes a scenario's CRD objects those of the bundle: CRDs of the bundle's
/// groups (Gateway API, its experimental x-k8s.io group, Envoy Gateway)
/// that the bundle does not have are dropped; those it has keep what the
/// scenario wrote (uid, timestamps, labels, schema) but get the bundle's
/// versions and, for Gateway API, its bundle-version annotation; the
/// missing ones are added. CRDs of other groups are left alone.
pub fn align_crds(objects: &mut Vec<Value>, bundle: GatewayApiBundle, created: &str) {
    let is_crd = |o: &Value| {
        o.get("kind").and_then(Value::as_str) == Some("CustomResourceDefinition")
            && o.get("apiVersion")
                .and_then(Value::as_str)
                .is_some_and(|a| a.starts_with("apiextensions.k8s.io/"))
    };
    let def_of = |o: &Value| {
        let group = o.pointer("/spec/group").and_then(Value::as_str)?;
        let kind = o.pointer("/spec/names/kind").and_then(Value::as_str)?;
        RESOURCES
            .iter()
            .find(|r| r.crd && r.group == group && r.kind == kind)
    };
    let mut seen: Vec<&'static str> = Vec::new();
    objects.retain_mut(|o| {
        if !is_crd(o) {
            return true;
        }
        let group = o
            .pointer("/spec/group")
            .and_then(Value::as_str)
            .unwrap_or("");
        if !bundle_group(group) {
            return true;
        }
        let Some(def) = def_of(o) else {
            // A kind of these groups the simulator does not know.
            return false;
        };
        if !def.installed(bundle) {
            return false;
        }
        seen.push(def.kind);
        let template = o
            .pointer("/spec/versions")
            .and_then(Value::as_array)
            .and_then(|vs| {
                vs.iter()
                    .find(|v| v.get("storage") == Some(&json!(true)))
                    .or(vs.first())
            })
            .cloned();
        o["spec"]["versions"] = crd_versions(def, bundle, template.as_ref());
        if o.get("status").is_some_and(Value::is_object) {
            o["status"]["storedVersions"] =
                json!(def.storage_version(bundle).into_iter().collect::<Vec<_>>());
        }
        if def.group != EG {
            if !o
                .pointer("/metadata/annotations")
                .is_some_and(Value::is_object)
            {
                o["metadata"]["annotations"] = json!({});
            }
            o["metadata"]["annotations"]["gateway.networking.k8s.io/bundle-version"] =
                json!(bundle.bundle_version());
        }
        true
    });
    for def in RESOURCES.iter().filter(|r| r.crd && r.installed(bundle)) {
        if !seen.contains(&def.kind) {
            objects.push(crd_object(def, bundle, created));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(vs: &[&str]) -> Vec<String> {
        vs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn preferred_versions_follow_kube_priority() {
        use GatewayApiBundle::*;
        assert_eq!(
            group_versions(V1_4, GW),
            ["v1", "v1beta1", "v1alpha3", "v1alpha2"]
        );
        assert_eq!(
            group_versions(V1_6, GW),
            ["v1", "v1beta1", "v1alpha3", "v1alpha2"]
        );
        assert_eq!(group_versions(V1_4, GWX), ["v1alpha1"]);
        assert_eq!(group_versions(V1_4, EG), ["v1alpha1"]);
        assert_eq!(group_versions(V1_4, "autoscaling"), ["v2"]);
        // TCPRoute is served only below the group's preferred version with
        // v1.4, and at it with v1.6.
        let tcp = &RESOURCES[find(GW, "v1alpha2", "tcproutes").unwrap()];
        assert!(!tcp.serves(V1_4, "v1") && tcp.serves(V1_4, "v1alpha2"));
        assert!(tcp.serves(V1_6, "v1") && tcp.serves(V1_6, "v1alpha2"));
        assert_eq!(find_served(V1_4, GW, "v1", "tcproutes"), None);
        assert_eq!(find_served(V1_6, GWX, "v1alpha1", "xlistenersets"), None);
        assert!(find_served(V1_6, GW, "v1", "listenersets").is_some());
        assert_eq!(find_served(V1_4, GW, "v1", "listenersets"), None);
        let groups: Vec<&str> = groups(V1_4).into_iter().map(|(g, _)| g).collect();
        assert_eq!(
            groups,
            [
                "apps",
                "events.k8s.io",
                "autoscaling",
                "apiextensions.k8s.io",
                "discovery.k8s.io",
                EG,
                GW,
                GWX,
                "metrics.k8s.io"
            ]
        );
    }

    #[test]
    fn crds_follow_the_bundle() {
        let created = "2026-01-01T00:00:00Z";
        let scenario_crd = json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "tcproutes.gateway.networking.k8s.io", "uid": "u-1",
                         "annotations": {"gateway.networking.k8s.io/bundle-version": "v1.4.1",
                                         "argocd.argoproj.io/tracking-id": "x"}},
            "spec": {"group": GW, "names": {"kind": "TCPRoute", "plural": "tcproutes"},
                     "scope": "Namespaced",
                     "versions": [{"name": "v1alpha2", "served": true, "storage": true,
                                   "schema": {"openAPIV3Schema": {"type": "object", "description": "mine"}}}]},
            "status": {"storedVersions": ["v1alpha2"]},
        });
        let other = json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "virtualservices.networking.istio.io"},
            "spec": {"group": "networking.istio.io", "names": {"kind": "VirtualService"}},
        });
        let xls = json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "xlistenersets.gateway.networking.x-k8s.io"},
            "spec": {"group": GWX, "names": {"kind": "XListenerSet"}},
        });
        let mut objs = vec![scenario_crd.clone(), other.clone(), xls.clone()];
        align_crds(&mut objs, GatewayApiBundle::V1_4, created);
        // Unchanged with the bundle it was written for, bar the template.
        assert_eq!(objs[0]["metadata"], scenario_crd["metadata"]);
        assert_eq!(objs[0]["spec"]["versions"][0]["name"], "v1alpha2");
        assert_eq!(objs[1], other);
        assert_eq!(objs[2]["metadata"]["name"], xls["metadata"]["name"]);
        let crds: Vec<&Value> = objs.iter().collect();
        let n_1_4 = RESOURCES
            .iter()
            .filter(|r| r.crd && r.installed(GatewayApiBundle::V1_4))
            .count();
        assert_eq!(crds.len(), n_1_4 + 1, "every bundle CRD once, plus Istio's");

        let mut objs = vec![scenario_crd.clone(), other.clone(), xls];
        align_crds(&mut objs, GatewayApiBundle::V1_6, created);
        let tcp = &objs[0];
        assert_eq!(tcp["metadata"]["uid"], "u-1");
        assert_eq!(
            tcp["metadata"]["annotations"]["gateway.networking.k8s.io/bundle-version"],
            "v1.6.1"
        );
        assert_eq!(
            tcp["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"],
            "x"
        );
        let versions: Vec<(String, bool)> = tcp["spec"]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["name"].as_str().unwrap().to_string(),
                    v["storage"] == true,
                )
            })
            .collect();
        assert_eq!(
            versions,
            [("v1".to_string(), true), ("v1alpha2".to_string(), false)]
        );
        assert_eq!(
            tcp["spec"]["versions"][1]["schema"]["openAPIV3Schema"]["description"],
            "mine"
        );
        assert_eq!(tcp["status"]["storedVersions"], json!(["v1"]));
        assert!(
            !objs
                .iter()
                .any(|o| o["metadata"]["name"] == "xlistenersets.gateway.networking.x-k8s.io"),
            "v1.6 has no XListenerSet"
        );
        let ls = objs
            .iter()
            .find(|o| o["metadata"]["name"] == "listenersets.gateway.networking.k8s.io")
            .expect("v1.6 adds ListenerSet");
        assert_eq!(ls["spec"]["names"]["shortNames"], json!(["lset"]));
        assert_eq!(ls["spec"]["conversion"]["strategy"], "None");
    }

    /// The version table against the CRD files of both releases: every CRD
    /// there is in the table with the same names, scope and versions, and
    /// the table has no CRD kind that the bundle does not define.
    #[test]
    fn every_bundle_matches_the_corpus() {
        // `../shared/corpus` from the repository root, two folders above
        // this crate.
        let corpus =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
        if !corpus.is_dir() {
            eprintln!(
                "skipping: {} is absent (the corpus is not part of the repository)",
                corpus.display()
            );
            return;
        }
        for bundle in GatewayApiBundle::ALL {
            let (gwapi, generated) = bundle.corpus_files();
            let mut texts = vec![std::fs::read_to_string(corpus.join(gwapi)).unwrap()];
            for entry in std::fs::read_dir(corpus.join(generated)).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "yaml") {
                    texts.push(std::fs::read_to_string(path).unwrap());
                }
            }
            let mut kinds_in_corpus = Vec::new();
            for text in texts {
                for crd in egscope_codec::parse_yaml_documents(&text).unwrap() {
                    if crd.get("kind").and_then(Value::as_str) != Some("CustomResourceDefinition") {
                        continue;
                    }
                    let s = |p: &str| crd.pointer(p).and_then(Value::as_str).unwrap_or("");
                    let strings = |p: &str| -> Vec<String> {
                        crd.pointer(p)
                            .and_then(Value::as_array)
                            .map(|a| {
                                a.iter()
                                    .filter_map(|x| x.as_str().map(str::to_string))
                                    .collect()
                            })
                            .unwrap_or_default()
                    };
                    let (group, kind) = (s("/spec/group"), s("/spec/names/kind"));
                    let what = format!("{bundle:?} {group}/{kind}");
                    let def = RESOURCES
                        .iter()
                        .find(|r| r.crd && r.group == group && r.kind == kind)
                        .unwrap_or_else(|| panic!("{what} is not in the table"));
                    assert_eq!(def.plural, s("/spec/names/plural"), "{what}");
                    assert_eq!(def.singular, s("/spec/names/singular"), "{what}");
                    assert_eq!(def.namespaced, s("/spec/scope") == "Namespaced", "{what}");
                    assert_eq!(
                        names(def.short_names),
                        strings("/spec/names/shortNames"),
                        "{what}"
                    );
                    assert_eq!(
                        names(def.categories),
                        strings("/spec/names/categories"),
                        "{what}"
                    );
                    let versions: Vec<(String, bool, bool)> = crd
                        .pointer("/spec/versions")
                        .and_then(Value::as_array)
                        .unwrap()
                        .iter()
                        .map(|v| {
                            (
                                v["name"].as_str().unwrap().to_string(),
                                v["served"] == true,
                                v["storage"] == true,
                            )
                        })
                        .collect();
                    let table: Vec<(String, bool, bool)> = def
                        .versions(bundle)
                        .iter()
                        .map(|v| (v.name.to_string(), v.served, v.storage))
                        .collect();
                    assert_eq!(table, versions, "{what}");
                    let status = crd
                        .pointer("/spec/versions/0/subresources/status")
                        .is_some();
                    assert_eq!(def.status, status, "{what}: status subresource");
                    let annotations = crd.pointer("/metadata/annotations").unwrap();
                    if group == EG {
                        assert_eq!(
                            annotations["controller-gen.kubebuilder.io/version"],
                            bundle.controller_gen(),
                            "{what}"
                        );
                    } else {
                        assert_eq!(
                            annotations["gateway.networking.k8s.io/bundle-version"],
                            bundle.bundle_version(),
                            "{what}"
                        );
                    }
                    kinds_in_corpus.push(kind.to_string());
                }
            }
            for def in RESOURCES.iter().filter(|r| r.crd && r.installed(bundle)) {
                assert!(
                    kinds_in_corpus.iter().any(|k| k == def.kind),
                    "{bundle:?}: {} is in the table but not in the corpus",
                    def.kind
                );
            }
        }
    }
}
