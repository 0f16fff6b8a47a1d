//! The resources the simulated API server serves (discovery and routing).

/// One served resource, as an `APIResourceList` entry describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResourceDef {
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    /// Stored in the cluster and watchable (false for computed PodMetrics).
    pub stored: bool,
}

impl ResourceDef {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
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

const GW: &str = "gateway.networking.k8s.io";
const EG: &str = "gateway.envoyproxy.io";

const fn r(
    group: &'static str,
    version: &'static str,
    plural: &'static str,
    singular: &'static str,
    kind: &'static str,
    namespaced: bool,
    short_names: &'static [&'static str],
) -> ResourceDef {
    ResourceDef {
        group,
        version,
        plural,
        singular,
        kind,
        namespaced,
        short_names,
        stored: true,
    }
}

/// Every resource served, in discovery order. Secrets are deliberately
/// absent: egscope never reads them.
pub const RESOURCES: &[ResourceDef] = &[
    r(
        "",
        "v1",
        "namespaces",
        "namespace",
        "Namespace",
        false,
        &["ns"],
    ),
    r("", "v1", "pods", "pod", "Pod", true, &["po"]),
    r("", "v1", "services", "service", "Service", true, &["svc"]),
    r(
        "",
        "v1",
        "configmaps",
        "configmap",
        "ConfigMap",
        true,
        &["cm"],
    ),
    r(
        "apps",
        "v1",
        "deployments",
        "deployment",
        "Deployment",
        true,
        &["deploy"],
    ),
    r(
        "apps",
        "v1",
        "daemonsets",
        "daemonset",
        "DaemonSet",
        true,
        &["ds"],
    ),
    r(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "horizontalpodautoscaler",
        "HorizontalPodAutoscaler",
        true,
        &["hpa"],
    ),
    r(
        "apiextensions.k8s.io",
        "v1",
        "customresourcedefinitions",
        "customresourcedefinition",
        "CustomResourceDefinition",
        false,
        &["crd", "crds"],
    ),
    r(
        GW,
        "v1",
        "gatewayclasses",
        "gatewayclass",
        "GatewayClass",
        false,
        &["gc"],
    ),
    r(GW, "v1", "gateways", "gateway", "Gateway", true, &["gtw"]),
    r(GW, "v1", "httproutes", "httproute", "HTTPRoute", true, &[]),
    r(GW, "v1", "grpcroutes", "grpcroute", "GRPCRoute", true, &[]),
    r(
        GW,
        "v1",
        "backendtlspolicies",
        "backendtlspolicy",
        "BackendTLSPolicy",
        true,
        &["btlspolicy"],
    ),
    r(
        GW,
        "v1beta1",
        "referencegrants",
        "referencegrant",
        "ReferenceGrant",
        true,
        &["refgrant"],
    ),
    r(
        GW,
        "v1alpha2",
        "tcproutes",
        "tcproute",
        "TCPRoute",
        true,
        &[],
    ),
    r(
        GW,
        "v1alpha2",
        "udproutes",
        "udproute",
        "UDPRoute",
        true,
        &[],
    ),
    r(
        GW,
        "v1alpha3",
        "tlsroutes",
        "tlsroute",
        "TLSRoute",
        true,
        &[],
    ),
    r(
        EG,
        "v1alpha1",
        "envoyproxies",
        "envoyproxy",
        "EnvoyProxy",
        true,
        &["eproxy"],
    ),
    r(
        EG,
        "v1alpha1",
        "clienttrafficpolicies",
        "clienttrafficpolicy",
        "ClientTrafficPolicy",
        true,
        &["ctp"],
    ),
    r(
        EG,
        "v1alpha1",
        "backendtrafficpolicies",
        "backendtrafficpolicy",
        "BackendTrafficPolicy",
        true,
        &["btp"],
    ),
    r(
        EG,
        "v1alpha1",
        "securitypolicies",
        "securitypolicy",
        "SecurityPolicy",
        true,
        &["sp"],
    ),
    r(
        EG,
        "v1alpha1",
        "envoypatchpolicies",
        "envoypatchpolicy",
        "EnvoyPatchPolicy",
        true,
        &["epp"],
    ),
    r(
        EG,
        "v1alpha1",
        "envoyextensionpolicies",
        "envoyextensionpolicy",
        "EnvoyExtensionPolicy",
        true,
        &["eep"],
    ),
    r(
        EG,
        "v1alpha1",
        "backends",
        "backend",
        "Backend",
        true,
        &["be"],
    ),
    r(
        EG,
        "v1alpha1",
        "httproutefilters",
        "httproutefilter",
        "HTTPRouteFilter",
        true,
        &["hrf"],
    ),
    ResourceDef {
        group: "metrics.k8s.io",
        version: "v1beta1",
        plural: "pods",
        singular: "",
        kind: "PodMetrics",
        namespaced: true,
        short_names: &[],
        stored: false,
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

pub fn find(group: &str, version: &str, plural: &str) -> Option<usize> {
    RESOURCES
        .iter()
        .position(|r| r.group == group && r.version == version && r.plural == plural)
}

/// The stored resource of a kind in a group, whatever version an object says.
pub fn by_group_kind(group: &str, kind: &str) -> Option<usize> {
    RESOURCES
        .iter()
        .position(|r| r.stored && r.group == group && r.kind == kind)
}

/// Groups (without the core group) with their versions, preferred first.
pub fn groups() -> Vec<(&'static str, Vec<&'static str>)> {
    let mut out: Vec<(&'static str, Vec<&'static str>)> = Vec::new();
    for r in RESOURCES.iter().filter(|r| !r.group.is_empty()) {
        match out.iter_mut().find(|(g, _)| *g == r.group) {
            Some((_, versions)) => {
                if !versions.contains(&r.version) {
                    versions.push(r.version);
                }
            }
            None => out.push((r.group, vec![r.version])),
        }
    }
    out
}

/// Whether a group/version is served at all.
pub fn served_version(group: &str, version: &str) -> bool {
    RESOURCES
        .iter()
        .any(|r| r.group == group && r.version == version)
}
