//! The rule catalogue: one table that the audit, `egscope rules`, the
//! reports and the README's rule docs all read. IDs are a public contract:
//! never renumber, retire instead.

use serde::Serialize;

use super::finding::Severity;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Area {
    Input,
    Tenancy,
    Performance,
    Observability,
    Operations,
    Live,
}

impl Area {
    pub fn as_str(self) -> &'static str {
        match self {
            Area::Input => "input",
            Area::Tenancy => "tenancy",
            Area::Performance => "performance",
            Area::Observability => "observability",
            Area::Operations => "operations",
            Area::Live => "live",
        }
    }
}

/// A rule's ID. The compiler checks every ID the code names: a typo does
/// not build, and a `match` over the rules is exhaustive. Strings from users
/// (`--rules`, `ignore-EGnnn` annotations) become IDs through [`RuleId::parse`].
/// IDs are a public contract: never renumber, retire instead.
macro_rules! rule_ids {
    ($($id:ident),* $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum RuleId {
            $($id),*
        }

        impl RuleId {
            /// Every rule, in catalogue order ([`RULES`] has the same order).
            pub const ALL: &'static [RuleId] = &[$(RuleId::$id),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(RuleId::$id => stringify!($id)),*
                }
            }
        }
    };
}

rule_ids!(
    EG001, EG002, EG101, EG102, EG103, EG104, EG105, EG106, EG110, EG111, EG112, EG113, EG114,
    EG115, EG201, EG202, EG203, EG204, EG205, EG206, EG207, EG208, EG209, EG210, EG211, EG301,
    EG302, EG303, EG304, EG305, EG306, EG307, EG308, EG309, EG310, EG401, EG402, EG403, EG404,
    EG405, EG406, EG501, EG502, EG503, EG504, EG505, EG506, EG507, EG508, EG509, EG510, EG511
);

impl RuleId {
    /// The ID a user typed, exactly (`EG201`); `None` for an unknown one.
    pub fn parse(text: &str) -> Option<RuleId> {
        RuleId::ALL.iter().copied().find(|id| id.as_str() == text)
    }

    /// Its catalogue entry. Never fails: the test
    /// `the_catalogue_has_one_entry_per_id_in_order` keeps [`RULES`] in
    /// [`RuleId::ALL`]'s order.
    pub fn meta(self) -> &'static RuleMeta {
        &RULES[self as usize]
    }
}

// Reports sort and compare IDs as text (`EG1xx` before `EG2xx`); the
// catalogue is in that order too, but the text is the contract.
impl Ord for RuleId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.as_str().cmp(other.as_str())
    }
}

impl PartialOrd for RuleId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::fmt::Display for RuleId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RuleId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct RuleMeta {
    pub id: RuleId,
    pub severity: Severity,
    #[serde(skip)]
    pub area: Area,
    pub title: &'static str,
    /// Section of the production guide the rule comes from.
    pub guide: &'static str,
    pub rationale: &'static str,
    pub fix: &'static str,
    /// Needs live Envoy metrics: skipped on snapshots.
    #[serde(skip)]
    pub live_metrics: bool,
}

const DEPLOY: &str = "Deployment Modes";
const PERF: &str = "Performance Tuning";
const OBS: &str = "Observability";
const OPS: &str = "Operations";
const LIVE: &str = "Live state";
const INPUT: &str = "Input";

macro_rules! rule {
    ($id:ident, $sev:ident, $area:ident, $guide:expr, $title:literal, $why:literal, $fix:literal) => {
        RuleMeta {
            id: RuleId::$id,
            severity: Severity::$sev,
            area: Area::$area,
            title: $title,
            guide: $guide,
            rationale: $why,
            fix: $fix,
            live_metrics: false,
        }
    };
}

pub static RULES: &[RuleMeta] = &[
    rule!(
        EG001,
        Error,
        Input,
        INPUT,
        "Object could not be decoded",
        "An object that no view can read is invisible to every other rule; it is reported instead of silently dropped.",
        "Fix the object so that it has apiVersion, kind and metadata.name and fields of the types its CRD declares."
    ),
    rule!(
        EG002,
        Warning,
        Input,
        INPUT,
        "Suppression annotation without a reason",
        "A suppression must say why the guide does not apply, so that the next reader can judge it.",
        "Give the annotation audit.egscope.io/ignore-<ID> a non-empty value explaining the exception."
    ),
    rule!(
        EG101,
        Error,
        Tenancy,
        DEPLOY,
        "Two or more controllers share one controllerName",
        "Each controller must have a unique controller name; two controllers with one name fight over the same GatewayClasses.",
        "Install each tenant's controller with a distinct --set config.envoyGateway.gateway.controllerName=..."
    ),
    rule!(
        EG102,
        Error,
        Tenancy,
        DEPLOY,
        "GatewayClass names a controllerName that no controller serves",
        "A GatewayClass nobody serves leaves its Gateways unprogrammed.",
        "Set spec.controllerName to the controllerName of a running Envoy Gateway controller, or install that controller."
    ),
    rule!(
        EG103,
        Error,
        Tenancy,
        DEPLOY,
        "GatewayClass is not Accepted",
        "The controller rejected the class, so none of its Gateways get proxies.",
        "Read the Accepted condition's reason and message; usually the parametersRef names a missing or invalid EnvoyProxy."
    ),
    rule!(
        EG104,
        Error,
        Tenancy,
        DEPLOY,
        "Tenants' watched namespaces overlap",
        "Multi-tenant isolation needs each controller to watch its own namespaces; overlapping watches let two controllers reconcile one namespace.",
        "Give each controller provider.kubernetes.watch with disjoint namespaces (type Namespaces or NamespaceSelector)."
    ),
    rule!(
        EG105,
        Warning,
        Tenancy,
        DEPLOY,
        "Gateway lives in a namespace its class's controller does not watch",
        "The controller never sees the Gateway, so it is never programmed.",
        "Move the Gateway into a watched namespace or add its namespace to the controller's provider.kubernetes.watch."
    ),
    rule!(
        EG106,
        Info,
        Tenancy,
        DEPLOY,
        "A controller serves more than one GatewayClass",
        "The guide's single-tenant model is one GatewayClass per Envoy Gateway controller.",
        "Consolidate on one GatewayClass per controller, or run one controller per tenant."
    ),
    rule!(
        EG110,
        Error,
        Tenancy,
        DEPLOY,
        "mergeGateways together with GatewayNamespace deploy mode",
        "Envoy Gateway rejects merged gateways in Gateway Namespace mode.",
        "Turn off spec.mergeGateways on the EnvoyProxy or use the ControllerNamespace deploy mode."
    ),
    rule!(
        EG111,
        Error,
        Tenancy,
        DEPLOY,
        "Gateway sets infrastructure.parametersRef while its class merges gateways",
        "Envoy Gateway rejects per-Gateway parameters when the class merges gateways (InvalidParameters).",
        "Remove spec.infrastructure.parametersRef from the Gateway; configure the merged fleet through the GatewayClass EnvoyProxy."
    ),
    rule!(
        EG112,
        Error,
        Tenancy,
        DEPLOY,
        "Merged listener conflict",
        "Merged Gateways share one Envoy fleet: a (protocol, hostname, port) tuple may appear once, and one port carries one protocol family.",
        "Give the listener a distinct hostname or port, or move the Gateway to a class that does not merge."
    ),
    rule!(
        EG113,
        Error,
        Tenancy,
        DEPLOY,
        "Listener conflict inside one Gateway",
        "Envoy Gateway marks conflicting listeners Conflicted and does not program them.",
        "Give each listener on a port a distinct hostname and a compatible protocol, or use another port."
    ),
    rule!(
        EG114,
        Info,
        Tenancy,
        DEPLOY,
        "Class merges gateways but has one Gateway",
        "Merging only pays off with several Gateways; with one it adds nothing.",
        "Drop mergeGateways or add the Gateways it is meant to consolidate."
    ),
    rule!(
        EG115,
        Error,
        Tenancy,
        DEPLOY,
        "parametersRef points at an EnvoyProxy that does not exist",
        "A dangling parametersRef makes Envoy Gateway reject the GatewayClass or Gateway (InvalidParameters).",
        "Create the EnvoyProxy (GatewayClass refs default to namespace default; Gateway refs use the Gateway's namespace) or fix the reference."
    ),
    rule!(
        EG201,
        Warning,
        Performance,
        PERF,
        "HTTP listener without an explicit request-received timeout",
        "Never rely on Envoy defaults: the total time for a client to send a complete request must be bounded.",
        "Set spec.timeout.http.requestReceivedTimeout in a ClientTrafficPolicy targeting the Gateway or listener."
    ),
    rule!(
        EG202,
        Warning,
        Performance,
        PERF,
        "HTTP listener without an explicit idle timeout",
        "Idle client connections must be closed after an explicit time; Envoy Gateway's default of 1h is the default the guide forbids relying on.",
        "Set spec.timeout.http.idleTimeout in a ClientTrafficPolicy targeting the Gateway or listener."
    ),
    rule!(
        EG203,
        Warning,
        Performance,
        PERF,
        "Route without an explicit upstream request timeout",
        "Connection timeouts are set explicitly in BackendTrafficPolicy, never left to defaults.",
        "Set spec.timeout.http.requestTimeout in a BackendTrafficPolicy targeting the route or its Gateway."
    ),
    rule!(
        EG204,
        Warning,
        Performance,
        PERF,
        "Route without explicit backend connection timeouts",
        "Backend connect and connection-idle timeouts are set explicitly, never left to defaults.",
        "Set spec.timeout.tcp.connectTimeout (and, for HTTP routes, spec.timeout.http.connectionIdleTimeout) in a BackendTrafficPolicy."
    ),
    rule!(
        EG205,
        Warning,
        Performance,
        PERF,
        "HTTP/2 max concurrent streams not capped at 100",
        "Limit HTTP/2 concurrent streams to 100 so one connection cannot monopolise a proxy.",
        "Set spec.http2.maxConcurrentStreams to at most 100 in a ClientTrafficPolicy."
    ),
    rule!(
        EG206,
        Warning,
        Performance,
        PERF,
        "Listener buffer limit not capped at 32 KiB",
        "Listener buffers of 32 KiB cap memory under load.",
        "Set spec.connection.bufferLimit: 32Ki in a ClientTrafficPolicy, or per_connection_buffer_limit_bytes via EnvoyProxy bootstrap or EnvoyPatchPolicy."
    ),
    rule!(
        EG207,
        Warning,
        Performance,
        PERF,
        "Cluster buffer limit not capped at 32 KiB",
        "Cluster (upstream) buffers of 32 KiB cap memory under load.",
        "Set spec.connection.bufferLimit: 32Ki in a BackendTrafficPolicy, or per_connection_buffer_limit_bytes on the cluster via bootstrap or EnvoyPatchPolicy."
    ),
    rule!(
        EG208,
        Error,
        Performance,
        PERF,
        "Envoy container without CPU and memory requests and limits",
        "Always set CPU and memory requests and limits on Envoy proxy pods; Envoy's heap cap is derived from the memory limit.",
        "Set spec.provider.kubernetes.envoyDeployment.container.resources (requests and limits for cpu and memory) in the fleet's EnvoyProxy."
    ),
    rule!(
        EG209,
        Warning,
        Performance,
        PERF,
        "Proxy fleet without a HorizontalPodAutoscaler",
        "Scale the Envoy proxy Deployment horizontally with an HPA.",
        "Set spec.provider.kubernetes.envoyHpa in the fleet's EnvoyProxy."
    ),
    rule!(
        EG210,
        Warning,
        Performance,
        PERF,
        "HPA does not scale on CPU utilization between 60% and 70%",
        "Scale on CPU utilization with a 60-70% target; Envoy Gateway's default is 80%.",
        "Set envoyHpa.metrics to a Resource cpu metric with target.averageUtilization between 60 and 70."
    ),
    rule!(
        EG211,
        Warning,
        Performance,
        PERF,
        "Backend connections without TCP keep-alive",
        "TCP keep-alive on backend connections avoids resets through cloud load balancers.",
        "Set spec.tcpKeepalive (even {}) in a BackendTrafficPolicy for the route or its Gateway."
    ),
    rule!(
        EG301,
        Error,
        Observability,
        OBS,
        "Access logging disabled",
        "Access logs are configured via EnvoyProxy telemetry; disabling them blinds incident response.",
        "Remove spec.telemetry.accessLog.disable: true from the EnvoyProxy."
    ),
    rule!(
        EG302,
        Warning,
        Observability,
        OBS,
        "Access log not in JSON format",
        "Use structured JSON access logs for machine parsing.",
        "Set format.type: JSON with a json field map in every spec.telemetry.accessLog.settings[] entry."
    ),
    rule!(
        EG303,
        Warning,
        Observability,
        OBS,
        "JSON access log misses required fields",
        "Access logs must include at minimum method, path, response code, duration and upstream host.",
        "Add %REQ(:METHOD)%, %REQ(:PATH)%, %RESPONSE_CODE%, %DURATION% and %UPSTREAM_HOST% to format.json."
    ),
    rule!(
        EG304,
        Info,
        Observability,
        OBS,
        "Access log sink is neither File nor OpenTelemetry",
        "The guide's sinks are File (stdout or a path) or OpenTelemetry.",
        "Add a File or OpenTelemetry sink to the access log settings."
    ),
    rule!(
        EG305,
        Info,
        Observability,
        OBS,
        "Access logging not configured explicitly",
        "Configure access logging via EnvoyProxy spec.telemetry.accessLog instead of relying on the default.",
        "Add spec.telemetry.accessLog with a JSON format and a File or OpenTelemetry sink to the fleet's EnvoyProxy."
    ),
    rule!(
        EG306,
        Error,
        Observability,
        OBS,
        "Prometheus metrics disabled on the proxies",
        "Proxies expose Prometheus metrics on the admin port 19001; disabling it removes the key traffic metrics.",
        "Remove spec.telemetry.metrics.prometheus.disable: true from the EnvoyProxy."
    ),
    rule!(
        EG307,
        Warning,
        Observability,
        OBS,
        "Controller metrics disabled",
        "Enable Envoy Gateway controller metrics for control plane health.",
        "Remove telemetry.metrics.prometheus.disable: true from the EnvoyGateway config (ConfigMap envoy-gateway-config)."
    ),
    rule!(
        EG308,
        Warning,
        Observability,
        OBS,
        "Tracing not configured",
        "Configure distributed tracing via EnvoyProxy spec.telemetry.tracing.",
        "Add spec.telemetry.tracing with an OpenTelemetry provider to the fleet's EnvoyProxy."
    ),
    rule!(
        EG309,
        Warning,
        Observability,
        OBS,
        "Tracing sampling outside the profile's range",
        "Sample 1-10% of requests in production and 100% in staging.",
        "Set spec.telemetry.tracing.samplingRate (or samplingFraction) within the profile's range."
    ),
    rule!(
        EG310,
        Info,
        Observability,
        OBS,
        "Tracing provider is not OpenTelemetry",
        "Export traces to an OpenTelemetry collector, which also propagates W3C trace context.",
        "Set spec.telemetry.tracing.provider.type: OpenTelemetry."
    ),
    rule!(
        EG401,
        Error,
        Operations,
        OPS,
        "Controller version not pinned",
        "Always pin versions; never use latest.",
        "Install a released version (helm install --version vX.Y.Z) so the controller image has a fixed tag."
    ),
    rule!(
        EG402,
        Info,
        Operations,
        OPS,
        "Controller not installed by a Helm chart with a pinned version",
        "Install Envoy Gateway with the gateway-helm chart at a pinned version.",
        "Install with helm upgrade --install eg oci://docker.io/envoyproxy/gateway-helm --version vX.Y.Z."
    ),
    rule!(
        EG403,
        Warning,
        Operations,
        OPS,
        "Version skew between controller, proxies and CRDs",
        "Upgrade the controller first, then verify CRD compatibility; a skew means an upgrade was left half-done.",
        "Upgrade the CRDs and the proxies to the versions the controller release ships with."
    ),
    rule!(
        EG404,
        Info,
        Operations,
        OPS,
        "Resource not managed by GitOps",
        "Manage all Gateway API resources via GitOps (Argo CD, Flux) with manifests in version control.",
        "Apply the resource from a Git repository through Argo CD or Flux."
    ),
    rule!(
        EG405,
        Error,
        Operations,
        OPS,
        "Version with a known security advisory this cluster is exposed to",
        "A published advisory applies to this version and the cluster's configuration exposes it.",
        "Upgrade to the fixed version named in the finding."
    ),
    rule!(
        EG406,
        Warning,
        Operations,
        OPS,
        "Controller runs an Envoy Gateway release past its end of life",
        "Beyond the guide, like EG405: a release past its end of life in Envoy Gateway's compatibility matrix gets no more security fixes.",
        "Upgrade the controller (and then the CRDs and proxies) to a supported release; the finding names the oldest one."
    ),
    rule!(
        EG501,
        Error,
        Live,
        LIVE,
        "Gateway not Accepted or not Programmed",
        "The Gateway is not serving as configured.",
        "Read the condition's reason and message; check the GatewayClass, parametersRef and the proxy fleet."
    ),
    rule!(
        EG502,
        Error,
        Live,
        LIVE,
        "Listener not healthy",
        "A conflicted, unresolved or unprogrammed listener drops the traffic meant for it.",
        "Read the listener's conditions: resolve the conflict or the reference it names."
    ),
    rule!(
        EG503,
        Warning,
        Live,
        LIVE,
        "Route not accepted by a parent, or refs unresolved",
        "The route's traffic does not reach its backends.",
        "Read status.parents[].conditions: fix the parentRef, the backendRefs or the ReferenceGrant."
    ),
    rule!(
        EG504,
        Warning,
        Live,
        LIVE,
        "Policy not accepted",
        "A policy that is not accepted has no effect on traffic.",
        "Read status.ancestors[].conditions: resolve the conflict, the missing target or the invalid field."
    ),
    rule!(
        EG505,
        Warning,
        Live,
        LIVE,
        "Proxy pod not ready or restarting",
        "A proxy pod that is not ready or restarting reduces capacity and drops connections.",
        "Inspect the pod's events and the envoy container's logs (kubectl describe pod, kubectl logs --previous)."
    ),
    rule!(
        EG506,
        Warning,
        Live,
        LIVE,
        "Fleet HPA saturated or blind",
        "An HPA at its maximum or unable to compute metrics cannot absorb more load.",
        "Raise maxReplicas, fix the metrics pipeline (metrics-server) or add capacity."
    ),
    RuleMeta {
        live_metrics: true,
        ..rule!(
            EG507,
            Error,
            Live,
            LIVE,
            "Fleet serving 5xx above threshold",
            "A share of 5xx responses above the threshold over the last minute is an incident.",
            "Look at the upstream clusters with the highest 5xx counts and at the backends behind them."
        )
    },
    rule!(
        EG508,
        Warning,
        Live,
        LIVE,
        "Fleet Deployment below desired replicas",
        "Fewer available proxies than desired means less capacity than planned.",
        "Check the Deployment's pods for scheduling, image or readiness problems."
    ),
    rule!(
        EG509,
        Error,
        Live,
        LIVE,
        "Controller has no ready replica",
        "Without a ready controller no configuration change reaches the proxies.",
        "Check the controller Deployment's pods, events and logs."
    ),
    rule!(
        EG510,
        Error,
        Live,
        LIVE,
        "Route rule whose backends have no ready endpoint",
        "Envoy answers every request of the rule with 503 no_healthy_upstream.",
        "Check the backend Service's selector and its pods' readiness (`kubectl get endpointslices -l kubernetes.io/service-name=NAME`)."
    ),
    rule!(
        EG511,
        Warning,
        Live,
        LIVE,
        "The controller has not processed the latest change",
        "Until the controller observes the object's new generation, the proxies still run the previous configuration: the change is not in effect.",
        "Check the controller's logs and readiness (EG509) and its queue; a status that stays behind for minutes points at a controller that is stuck, crash-looping or rate-limited."
    ),
];

/// The metadata of a rule by the ID a user typed.
pub fn rule(id: &str) -> Option<&'static RuleMeta> {
    RuleId::parse(id).map(RuleId::meta)
}

/// The metadata of a rule the code names.
pub fn meta(id: RuleId) -> &'static RuleMeta {
    id.meta()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_has_one_entry_per_id_in_order() {
        assert_eq!(RULES.len(), RuleId::ALL.len());
        for (meta, id) in RULES.iter().zip(RuleId::ALL) {
            assert_eq!(meta.id, *id);
            assert_eq!(id.meta().id, *id);
        }
    }

    #[test]
    fn ids_parse_exactly_and_sort_as_text() {
        assert_eq!(RuleId::parse("EG507"), Some(RuleId::EG507));
        assert_eq!(RuleId::parse("eg507"), None);
        assert_eq!(RuleId::parse("EG999"), None);
        let mut sorted = RuleId::ALL.to_vec();
        sorted.sort();
        let text: Vec<&str> = sorted.iter().map(|id| id.as_str()).collect();
        let mut by_text = text.clone();
        by_text.sort();
        assert_eq!(text, by_text);
    }
}
