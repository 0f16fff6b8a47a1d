//! The `large` scale scenario: a cluster with many Gateways, routes,
//! policies and proxy pods, generated deterministically from a seed.
//!
//! The objects look like what `kubectl get -o json` returns from a real
//! Envoy Gateway v1.7.5 cluster (one controller in `envoy-gateway-system`,
//! one proxy fleet per Gateway, full pod specs and statuses), so that byte
//! sizes and parse times measured on it are realistic.

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::SplitMix64;

/// Sizes of the generated cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LargeParams {
    pub gateways: usize,
    pub routes: usize,
    /// ClientTrafficPolicies and BackendTrafficPolicies together.
    pub policies: usize,
    /// Proxy pods, spread over the Gateways' fleets.
    pub pods: usize,
    pub seed: u64,
}

impl LargeParams {
    /// `quarters`/4 of the default sizes (1 = a quarter, 4 = the full
    /// `large` scenario), same seed: the scale steps the benchmarks use.
    pub fn scaled(quarters: usize) -> LargeParams {
        let full = LargeParams::default();
        LargeParams {
            gateways: full.gateways * quarters / 4,
            routes: full.routes * quarters / 4,
            policies: full.policies * quarters / 4,
            pods: full.pods * quarters / 4,
            seed: full.seed,
        }
    }
}

impl Default for LargeParams {
    fn default() -> Self {
        Self {
            gateways: 1_000,
            routes: 20_000,
            policies: 2_000,
            pods: 5_000,
            seed: 0x0065_6773_636f_7065, // "egscope"
        }
    }
}

const NOW: i64 = 1_795_687_200; // 2026-11-26T10:00:00Z, the demo's fixed "now"
const SYS_NS: &str = "envoy-gateway-system";
const CONTROLLER: &str = "gateway.envoyproxy.io/gatewayclass-controller";
const EG_IMAGE: &str = "docker.io/envoyproxy/gateway:v1.7.5";
const ENVOY_IMAGE: &str = "docker.io/envoyproxy/envoy:distroless-v1.37.5";
const GW_GROUP: &str = "gateway.networking.k8s.io";
/// Backend Services per namespace that the routes share, each with one
/// EndpointSlice of ready endpoints: few enough that the slices stay a small
/// part of the scenario's objects (100 namespaces: 4,000 slices).
const SERVICES_PER_NAMESPACE: usize = 40;
const EG_GROUP: &str = "gateway.envoyproxy.io";

/// (GatewayClass, EnvoyProxy, fleets get an HPA)
const CLASSES: [(&str, &str, bool); 3] = [
    ("eg-public", "public-proxy", true),
    ("eg-internal", "internal-proxy", false),
    ("eg-partner", "partner-proxy", true),
];

/// Generates the objects of the `large` scenario. The same parameters give
/// the same objects, byte for byte.
pub fn generate(p: &LargeParams) -> Vec<Value> {
    let mut g = Gen {
        rng: SplitMix64::new(p.seed),
        rv: 100_000,
    };
    let mut out = Vec::with_capacity(p.gateways * 4 + p.routes + p.policies + p.pods + 64);
    let n_ns = (p.gateways / 10).max(1);
    let ns_name = |i: usize| format!("team-{:03}", i % n_ns);

    out.push(g.namespace(SYS_NS, 400));
    for i in 0..n_ns {
        out.push(g.namespace(&ns_name(i), 390 - (i as i64 % 200)));
    }
    for (plural, kind, group, scope) in [
        ("gatewayclasses", "GatewayClass", GW_GROUP, "Cluster"),
        ("gateways", "Gateway", GW_GROUP, "Namespaced"),
        ("httproutes", "HTTPRoute", GW_GROUP, "Namespaced"),
        ("envoyproxies", "EnvoyProxy", EG_GROUP, "Namespaced"),
        (
            "clienttrafficpolicies",
            "ClientTrafficPolicy",
            EG_GROUP,
            "Namespaced",
        ),
        (
            "backendtrafficpolicies",
            "BackendTrafficPolicy",
            EG_GROUP,
            "Namespaced",
        ),
    ] {
        out.push(g.crd(plural, kind, group, scope));
    }
    out.extend(g.controller());
    for (class, proxy, hpa) in CLASSES {
        out.push(g.envoy_proxy(proxy, hpa));
        out.push(g.gateway_class(class, proxy));
    }

    // Gateways and the routes attached to each (routes are dealt round-robin).
    let mut attached = vec![0usize; p.gateways];
    if p.gateways > 0 {
        for j in 0..p.routes {
            attached[j % p.gateways] += 1;
        }
    }
    let gateways: Vec<GatewayInfo> = (0..p.gateways)
        .map(|i| GatewayInfo {
            ns: ns_name(i),
            name: format!("gw-{i:04}"),
            class: CLASSES[i % CLASSES.len()].0,
            hpa: CLASSES[i % CLASSES.len()].2,
            listeners: if i % 3 == 0 { 3 } else { 2 },
            age: 300 - (i as i64 % 250),
        })
        .collect();
    for (i, gw) in gateways.iter().enumerate() {
        out.push(g.gateway(gw, i, attached[i]));
    }
    // Routes need a Gateway to attach to; without Gateways there are none.
    for j in 0..p.routes {
        if p.gateways == 0 {
            break;
        }
        out.push(g.http_route(&gateways[j % p.gateways], j));
    }
    for k in 0..p.policies {
        if p.gateways == 0 {
            break;
        }
        let gw = &gateways[(k / 2) % p.gateways];
        if k % 2 == 0 {
            out.push(g.client_policy(gw, k, p.gateways));
        } else {
            let route = (p.routes > 0).then(|| (k / 2) % p.routes);
            let route_gw = route.map(|j| &gateways[j % p.gateways]);
            out.push(g.backend_policy(route_gw.unwrap_or(gw), k, route));
        }
    }

    // Fleets: one per Gateway, pods dealt as evenly as possible.
    for (i, gw) in gateways.iter().enumerate() {
        // Only reached with at least one Gateway.
        let replicas = p.pods / p.gateways + usize::from(i < p.pods % p.gateways);
        out.extend(g.fleet(gw, replicas));
    }
    // The routes' backend Services, ready (one slice each).
    if p.routes > 0 && p.gateways > 0 {
        for i in 0..n_ns.min(p.gateways) {
            for k in 0..SERVICES_PER_NAMESPACE {
                out.push(g.endpoint_slice(&ns_name(i), &format!("svc-{k:04}")));
            }
        }
    }
    // Last, so that its draws leave every other object as a seed made it.
    out.push(g.controller_pod());
    out
}

/// A `kind: List` document, pretty printed like `kubectl get -o json`.
pub fn to_list_json(objs: &[Value]) -> String {
    let list = json!({
        "apiVersion": "v1",
        "items": objs,
        "kind": "List",
        "metadata": {"resourceVersion": ""},
    });
    let mut s = serde_json::to_string_pretty(&list).expect("JSON values always serialize");
    s.push('\n');
    s
}

struct GatewayInfo {
    ns: String,
    name: String,
    class: &'static str,
    hpa: bool,
    listeners: usize,
    /// Days before NOW the Gateway was created.
    age: i64,
}

impl GatewayInfo {
    fn key(&self) -> String {
        format!("{}/{}", self.ns, self.name)
    }
    fn host(&self) -> String {
        format!("{}.{}.example.com", self.name, self.ns)
    }
    fn listener_names(&self) -> &'static [&'static str] {
        &["http", "https", "grpc"][..self.listeners]
    }
}

struct Gen {
    rng: SplitMix64,
    rv: u64,
}

/// `envoy-` + key with "/"→"-" cut to 48 chars + `-` + 8 hex of sha256(key)
/// (Envoy Gateway's `GetHashedName`, ControllerNamespace mode).
pub fn fleet_name(key: &str) -> String {
    let digest = Sha256::digest(key.as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    let mut base: String = key.replace('/', "-").chars().take(48).collect();
    while base.ends_with('-') {
        base.pop();
    }
    format!("envoy-{base}-{hex}")
}

fn timestamp(secs_before_now: i64) -> String {
    jiff::Timestamp::from_second(NOW - secs_before_now)
        .expect("demo times are in range")
        .to_string()
}

fn days(d: i64) -> i64 {
    d * 86_400
}

fn app_labels(gw: &GatewayInfo) -> Value {
    json!({
        "app.kubernetes.io/component": "proxy",
        "app.kubernetes.io/managed-by": "envoy-gateway",
        "app.kubernetes.io/name": "envoy",
        "gateway.envoyproxy.io/owning-gateway-name": gw.name,
        "gateway.envoyproxy.io/owning-gateway-namespace": gw.ns,
    })
}

fn condition(kind: &str, status: bool, reason: &str, message: &str, at: &str) -> Value {
    json!({
        "lastTransitionTime": at,
        "message": message,
        "observedGeneration": 1,
        "reason": reason,
        "status": if status { "True" } else { "False" },
        "type": kind,
    })
}

fn argo(app: &str, group: &str, kind: &str, ns: &str, name: &str) -> Value {
    json!({ "argocd.argoproj.io/tracking-id": format!("{app}:{group}/{kind}:{ns}/{name}") })
}

const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";

impl Gen {
    fn resource_version(&mut self) -> String {
        self.rv += 1 + self.rng.below(40);
        self.rv.to_string()
    }

    fn uid(&mut self) -> String {
        let a = self.rng.next_u64();
        let b = self.rng.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | ((b >> 48) & 0x3fff),
            b & 0xffff_ffff_ffff
        )
    }

    fn suffix(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| ALPHABET[self.rng.below(ALPHABET.len() as u64) as usize] as char)
            .collect()
    }

    fn meta(&mut self, name: &str, ns: Option<&str>, created: &str) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("creationTimestamp".into(), json!(created));
        m.insert("name".into(), json!(name));
        if let Some(ns) = ns {
            m.insert("namespace".into(), json!(ns));
        }
        let rv = self.resource_version();
        m.insert("resourceVersion".into(), json!(rv));
        let uid = self.uid();
        m.insert("uid".into(), json!(uid));
        m
    }

    fn namespace(&mut self, name: &str, age_days: i64) -> Value {
        let mut m = self.meta(name, None, &timestamp(days(age_days)));
        m.insert(
            "labels".into(),
            json!({ "kubernetes.io/metadata.name": name }),
        );
        m.insert(
            "annotations".into(),
            argo("platform", "", "Namespace", "", name),
        );
        json!({
            "apiVersion": "v1", "kind": "Namespace", "metadata": m,
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"},
        })
    }

    fn crd(&mut self, plural: &str, kind: &str, group: &str, scope: &str) -> Value {
        let name = format!("{plural}.{group}");
        let created = timestamp(days(401));
        let mut m = self.meta(&name, None, &created);
        m.insert("generation".into(), json!(1));
        m.insert(
            "annotations".into(),
            if group == GW_GROUP {
                json!({
                    "gateway.networking.k8s.io/bundle-version": "v1.4.1",
                    "gateway.networking.k8s.io/channel": "experimental",
                })
            } else {
                json!({ "controller-gen.kubebuilder.io/version": "v0.18.0" })
            },
        );
        let version = if group == GW_GROUP { "v1" } else { "v1alpha1" };
        let names = json!({
            "kind": kind, "listKind": format!("{kind}List"), "plural": plural,
            "singular": kind.to_lowercase(),
        });
        json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition", "metadata": m,
            "spec": {
                "group": group, "names": names, "scope": scope,
                "versions": [{"name": version, "served": true, "storage": true,
                              "subresources": {"status": {}},
                              "schema": {"openAPIV3Schema": {"type": "object",
                                         "x-kubernetes-preserve-unknown-fields": true}}}],
            },
            "status": {
                "acceptedNames": names, "storedVersions": [version],
                "conditions": [
                    {"lastTransitionTime": created, "message": "no conflicts found",
                     "reason": "NoConflicts", "status": "True", "type": "NamesAccepted"},
                    {"lastTransitionTime": created, "message": "the initial names have been accepted",
                     "reason": "InitialNamesAccepted", "status": "True", "type": "Established"},
                ],
            },
        })
    }

    fn controller(&mut self) -> Vec<Value> {
        let created = timestamp(days(400));
        let labels = json!({
            "app.kubernetes.io/instance": "eg", "app.kubernetes.io/managed-by": "Helm",
            "app.kubernetes.io/name": "gateway-helm", "app.kubernetes.io/version": "v1.7.5",
            "control-plane": "envoy-gateway", "helm.sh/chart": "gateway-helm-v1.7.5",
        });
        let selector = json!({
            "app.kubernetes.io/instance": "eg", "app.kubernetes.io/name": "gateway-helm",
            "control-plane": "envoy-gateway",
        });
        let config = format!(
            "apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\nextensionApis: {{}}\n\
             gateway:\n  controllerName: {CONTROLLER}\nlogging:\n  level:\n    default: info\n\
             provider:\n  kubernetes:\n    rateLimitDeployment:\n      container:\n        \
             image: docker.io/envoyproxy/ratelimit:f2fb1577\n    shutdownManager:\n      \
             image: {EG_IMAGE}\n  type: Kubernetes\n"
        );
        let mut cm = self.meta("envoy-gateway-config", Some(SYS_NS), &created);
        cm.insert("labels".into(), labels.clone());
        let mut dep = self.meta("envoy-gateway", Some(SYS_NS), &created);
        dep.insert("labels".into(), labels.clone());
        dep.insert("generation".into(), json!(5));
        dep.insert(
            "annotations".into(),
            json!({"deployment.kubernetes.io/revision": "5", "meta.helm.sh/release-name": "eg",
                   "meta.helm.sh/release-namespace": SYS_NS}),
        );
        let mut svc = self.meta("envoy-gateway", Some(SYS_NS), &created);
        svc.insert("labels".into(), labels);
        vec![
            json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": cm,
                   "data": {"envoy-gateway.yaml": config}}),
            json!({
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": dep,
                "spec": {
                    "replicas": 1, "selector": {"matchLabels": selector},
                    "template": {
                        "metadata": {"annotations": {"prometheus.io/port": "19001",
                                                     "prometheus.io/scrape": "true"},
                                     "labels": selector},
                        "spec": {
                            "containers": [{
                                "name": "envoy-gateway", "image": EG_IMAGE,
                                "imagePullPolicy": "IfNotPresent",
                                "args": ["server", "--config-path=/config/envoy-gateway.yaml"],
                                "ports": [
                                    {"containerPort": 18000, "name": "grpc", "protocol": "TCP"},
                                    {"containerPort": 18001, "name": "ratelimit", "protocol": "TCP"},
                                    {"containerPort": 18002, "name": "wasm", "protocol": "TCP"},
                                    {"containerPort": 19001, "name": "metrics", "protocol": "TCP"},
                                    {"containerPort": 9443, "name": "webhook", "protocol": "TCP"},
                                ],
                                "resources": {"limits": {"memory": "2Gi"},
                                              "requests": {"cpu": "1", "memory": "1Gi"}},
                                "volumeMounts": [
                                    {"mountPath": "/config", "name": "envoy-gateway-config", "readOnly": true},
                                    {"mountPath": "/certs", "name": "certs", "readOnly": true},
                                ],
                            }],
                            "serviceAccountName": "envoy-gateway",
                            "volumes": [
                                {"configMap": {"defaultMode": 420, "name": "envoy-gateway-config"},
                                 "name": "envoy-gateway-config"},
                                {"name": "certs", "secret": {"defaultMode": 420, "secretName": "envoy-gateway"}},
                            ],
                        },
                    },
                },
                "status": {"availableReplicas": 1, "observedGeneration": 5, "readyReplicas": 1,
                           "replicas": 1, "updatedReplicas": 1},
            }),
            json!({
                "apiVersion": "v1", "kind": "Service", "metadata": svc,
                "spec": {"type": "ClusterIP", "clusterIP": "10.96.12.40", "selector": selector,
                         "ports": [{"name": "grpc", "port": 18000, "protocol": "TCP", "targetPort": 18000},
                                   {"name": "metrics", "port": 19001, "protocol": "TCP", "targetPort": 19001}]},
                "status": {"loadBalancer": {}},
            }),
        ]
    }

    /// The controller's one pod, with the labels of the chart's pod
    /// template (the Deployment's selector and `pod-template-hash`), so
    /// that `l` on the tenant reads its log.
    fn controller_pod(&mut self) -> Value {
        let created = timestamp(days(30));
        let hash = self.suffix(10);
        let name = format!("envoy-gateway-{hash}-{}", self.suffix(5));
        let mut m = self.meta(&name, Some(SYS_NS), &created);
        m.insert(
            "generateName".into(),
            json!(format!("envoy-gateway-{hash}-")),
        );
        m.insert(
            "labels".into(),
            json!({"app.kubernetes.io/instance": "eg", "app.kubernetes.io/name": "gateway-helm",
                   "control-plane": "envoy-gateway", "pod-template-hash": hash}),
        );
        let rs_uid = self.uid();
        m.insert(
            "ownerReferences".into(),
            json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("envoy-gateway-{hash}"),
                    "uid": rs_uid, "blockOwnerDeletion": true, "controller": true}]),
        );
        json!({
            "apiVersion": "v1", "kind": "Pod", "metadata": m,
            "spec": {
                "containers": [{"name": "envoy-gateway", "image": EG_IMAGE,
                                "args": ["server", "--config-path=/config/envoy-gateway.yaml"]}],
                "serviceAccountName": "envoy-gateway",
                "nodeName": "ip-10-0-0-10.eu-west-1.compute.internal",
            },
            "status": {
                "phase": "Running", "startTime": created,
                "conditions": [{"lastProbeTime": null, "lastTransitionTime": created,
                                "status": "True", "type": "Ready"}],
                "containerStatuses": [{"name": "envoy-gateway", "image": EG_IMAGE, "ready": true,
                                       "started": true, "restartCount": 0, "lastState": {},
                                       "state": {"running": {"startedAt": created}}}],
            },
        })
    }

    fn envoy_proxy(&mut self, name: &str, hpa: bool) -> Value {
        let mut m = self.meta(name, Some(SYS_NS), &timestamp(days(399)));
        m.insert("generation".into(), json!(2));
        m.insert(
            "annotations".into(),
            argo("platform", EG_GROUP, "EnvoyProxy", SYS_NS, name),
        );
        let mut kubernetes = json!({
            "envoyDeployment": {"container": {"resources": {
                "requests": {"cpu": "500m", "memory": "512Mi"},
                "limits": {"cpu": "1", "memory": "1Gi"}}}},
            "envoyService": {"type": "LoadBalancer", "externalTrafficPolicy": "Local"},
        });
        if hpa {
            kubernetes["envoyHpa"] = json!({"minReplicas": 2, "maxReplicas": 10, "metrics": [
                {"type": "Resource", "resource": {"name": "cpu",
                 "target": {"type": "Utilization", "averageUtilization": 65}}}]});
        }
        json!({
            "apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": "EnvoyProxy", "metadata": m,
            "spec": {
                "provider": {"type": "Kubernetes", "kubernetes": kubernetes},
                "telemetry": {
                    "accessLog": {"settings": [{"format": {"type": "JSON", "json": {
                        "start_time": "%START_TIME%", "method": "%REQ(:METHOD)%",
                        "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%", "response_code": "%RESPONSE_CODE%",
                        "duration": "%DURATION%", "upstream_host": "%UPSTREAM_HOST%"}},
                        "sinks": [{"type": "File", "file": {"path": "/dev/stdout"}}]}]},
                    "tracing": {"samplingRate": 5, "provider": {"type": "OpenTelemetry",
                        "backendRefs": [{"name": "otel-collector", "namespace": "observability", "port": 4317}]}},
                    "metrics": {"prometheus": {"disable": false}},
                },
            },
        })
    }

    fn gateway_class(&mut self, name: &str, proxy: &str) -> Value {
        let created = timestamp(days(399));
        let mut m = self.meta(name, None, &created);
        m.insert("generation".into(), json!(1));
        m.insert(
            "annotations".into(),
            argo("platform", GW_GROUP, "GatewayClass", "", name),
        );
        json!({
            "apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "metadata": m,
            "spec": {"controllerName": CONTROLLER, "parametersRef": {
                "group": EG_GROUP, "kind": "EnvoyProxy", "name": proxy, "namespace": SYS_NS}},
            "status": {"conditions": [condition("Accepted", true, "Accepted", "Valid GatewayClass", &created)]},
        })
    }

    fn gateway(&mut self, gw: &GatewayInfo, index: usize, routes: usize) -> Value {
        let created = timestamp(days(gw.age) + self.rng.below(86_400) as i64);
        let mut m = self.meta(&gw.name, Some(&gw.ns), &created);
        m.insert("generation".into(), json!(1));
        m.insert(
            "annotations".into(),
            argo(&gw.ns, GW_GROUP, "Gateway", &gw.ns, &gw.name),
        );
        let host = gw.host();
        let mut listeners = vec![
            json!({"name": "http", "protocol": "HTTP", "port": 80, "hostname": host,
                   "allowedRoutes": {"namespaces": {"from": "Same"}}}),
            json!({"name": "https", "protocol": "HTTPS", "port": 443, "hostname": host,
                   "allowedRoutes": {"namespaces": {"from": "Same"}},
                   "tls": {"mode": "Terminate", "certificateRefs": [
                       {"group": "", "kind": "Secret", "name": format!("{}-tls", gw.name)}]}}),
        ];
        if gw.listeners == 3 {
            listeners.push(json!({"name": "grpc", "protocol": "HTTPS", "port": 8443, "hostname": host,
                   "allowedRoutes": {"namespaces": {"from": "Same"}, "kinds": [{"group": GW_GROUP, "kind": "GRPCRoute"}]},
                   "tls": {"mode": "Terminate", "certificateRefs": [
                       {"group": "", "kind": "Secret", "name": format!("{}-tls", gw.name)}]}}));
        }
        let at = timestamp(days(gw.age) - 60);
        let ip = format!("198.18.{}.{}", index / 250, index % 250 + 1);
        let listener_status: Vec<Value> = gw
            .listener_names()
            .iter()
            .map(|l| {
                let kinds = if *l == "grpc" {
                    json!([{"group": GW_GROUP, "kind": "GRPCRoute"}])
                } else {
                    json!([{"group": GW_GROUP, "kind": "HTTPRoute"}, {"group": GW_GROUP, "kind": "GRPCRoute"}])
                };
                let attached = match *l {
                    "grpc" => 0,
                    "http" => routes - routes / 4,
                    _ => routes,
                };
                json!({"name": l, "attachedRoutes": attached, "supportedKinds": kinds, "conditions": [
                    condition("Programmed", true, "Programmed", "Sending translated listener configuration to the data plane", &at),
                    condition("Accepted", true, "Accepted", "Listener has been successfully translated", &at),
                    condition("ResolvedRefs", true, "ResolvedRefs", "Listener references have been resolved", &at),
                ]})
            })
            .collect();
        json!({
            "apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": m,
            "spec": {"gatewayClassName": gw.class, "listeners": listeners},
            "status": {
                "addresses": [{"type": "IPAddress", "value": ip}],
                "conditions": [
                    condition("Accepted", true, "Accepted", "The Gateway has been scheduled by Envoy Gateway", &at),
                    condition("Programmed", true, "Programmed", "Address assigned to the Gateway, 2/2 envoy replicas available", &at),
                ],
                "listeners": listener_status,
            },
        })
    }

    fn endpoint_slice(&mut self, ns: &str, service: &str) -> Value {
        let name = format!("{service}-{}", self.suffix(5));
        let mut m = self.meta(&name, Some(ns), &timestamp(days(30)));
        m.insert(
            "labels".into(),
            json!({"kubernetes.io/service-name": service,
                   "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io"}),
        );
        let endpoints: Vec<Value> = (0..2)
            .map(|i| {
                json!({"addresses": [format!("10.{}.{}.{}", 100 + self.rng.below(50), self.rng.below(250), 10 + i)],
                       "conditions": {"ready": true, "serving": true, "terminating": false}})
            })
            .collect();
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": m,
               "addressType": "IPv4", "endpoints": endpoints,
               "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]})
    }

    fn http_route(&mut self, gw: &GatewayInfo, j: usize) -> Value {
        let name = format!("route-{j:05}");
        let created =
            timestamp(days(gw.age - 1) - self.rng.below(days(gw.age - 2).max(1) as u64) as i64);
        let mut m = self.meta(&name, Some(&gw.ns), &created);
        m.insert("generation".into(), json!(1 + self.rng.below(4)));
        m.insert(
            "annotations".into(),
            argo(&gw.ns, GW_GROUP, "HTTPRoute", &gw.ns, &name),
        );
        let mut parent = json!({"group": GW_GROUP, "kind": "Gateway", "name": gw.name});
        if j.is_multiple_of(4) {
            parent["sectionName"] = json!("https");
        }
        let n_rules = 1 + self.rng.below(3) as usize;
        let rules: Vec<Value> = (0..n_rules)
            .map(|r| {
                let path = if r == 0 {
                    format!("/api/v{}/{}", 1 + j % 3, name)
                } else {
                    format!("/{}/{}", ["static", "admin", "health", "search"][r % 4], name)
                };
                let mut rule = json!({
                    "matches": [{"path": {"type": "PathPrefix", "value": path}}],
                    "backendRefs": [{"group": "", "kind": "Service",
                                     "name": format!("svc-{:04}", (j * 7 + r) % SERVICES_PER_NAMESPACE),
                                     "port": 8080, "weight": 1}],
                });
                if self.rng.chance(20) {
                    rule["filters"] = json!([{"type": "RequestHeaderModifier", "requestHeaderModifier": {
                        "set": [{"name": "x-route", "value": name}]}}]);
                }
                rule
            })
            .collect();
        let at = created.clone();
        let resolved = if self.rng.chance(2) {
            condition(
                "ResolvedRefs",
                false,
                "BackendNotFound",
                &format!(
                    "Failed to process route rule 0 backendRef 0: service {}/svc-{:04} not found.",
                    gw.ns,
                    (j * 7) % SERVICES_PER_NAMESPACE
                ),
                &at,
            )
        } else {
            condition(
                "ResolvedRefs",
                true,
                "ResolvedRefs",
                "Resolved all the Object references for the Route",
                &at,
            )
        };
        let mut parent_ref = parent.clone();
        parent_ref["namespace"] = json!(gw.ns);
        json!({
            "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": m,
            "spec": {"parentRefs": [parent], "hostnames": [gw.host()], "rules": rules},
            "status": {"parents": [{
                "parentRef": parent_ref, "controllerName": CONTROLLER,
                "conditions": [condition("Accepted", true, "Accepted", "Route is accepted", &at), resolved],
            }]},
        })
    }

    fn policy_meta(
        &mut self,
        gw: &GatewayInfo,
        kind: &str,
        name: &str,
    ) -> (Map<String, Value>, String) {
        let created = timestamp(days(gw.age - 1) - self.rng.below(86_400 * 30) as i64);
        let mut m = self.meta(name, Some(&gw.ns), &created);
        m.insert("generation".into(), json!(1));
        m.insert(
            "annotations".into(),
            argo(&gw.ns, EG_GROUP, kind, &gw.ns, name),
        );
        (m, created)
    }

    fn client_policy(&mut self, gw: &GatewayInfo, k: usize, gateways: usize) -> Value {
        let name = format!("ctp-{k:05}");
        let (m, at) = self.policy_meta(gw, "ClientTrafficPolicy", &name);
        let mut target = json!({"group": GW_GROUP, "kind": "Gateway", "name": gw.name});
        let mut ancestor =
            json!({"group": GW_GROUP, "kind": "Gateway", "name": gw.name, "namespace": gw.ns});
        if (k / 2) / gateways.max(1) % 2 == 1 {
            target["sectionName"] = json!("https");
            ancestor["sectionName"] = json!("https");
        }
        let mut spec = json!({
            "targetRefs": [target],
            "timeout": {"http": {"requestReceivedTimeout": "10s", "idleTimeout": "5m"}},
            "http2": {"maxConcurrentStreams": 100},
            "connection": {"bufferLimit": "32Ki"},
        });
        if self.rng.chance(15) {
            spec["connection"]["bufferLimit"] = json!("1Mi");
        }
        if self.rng.chance(10) {
            spec["timeout"]["http"]
                .as_object_mut()
                .expect("object")
                .remove("idleTimeout");
        }
        json!({
            "apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": "ClientTrafficPolicy", "metadata": m,
            "spec": spec,
            "status": {"ancestors": [{"ancestorRef": ancestor, "controllerName": CONTROLLER,
                "conditions": [condition("Accepted", true, "Accepted", "Policy has been accepted.", &at)]}]},
        })
    }

    fn backend_policy(&mut self, gw: &GatewayInfo, k: usize, route: Option<usize>) -> Value {
        let name = format!("btp-{k:05}");
        let (m, at) = self.policy_meta(gw, "BackendTrafficPolicy", &name);
        let target = match route {
            Some(j) => {
                json!({"group": GW_GROUP, "kind": "HTTPRoute", "name": format!("route-{j:05}")})
            }
            None => json!({"group": GW_GROUP, "kind": "Gateway", "name": gw.name}),
        };
        let mut spec = json!({
            "targetRefs": [target],
            "timeout": {"http": {"requestTimeout": "15s", "connectionIdleTimeout": "60s"},
                        "tcp": {"connectTimeout": "2s"}},
            "tcpKeepalive": {},
            "connection": {"bufferLimit": "32768"},
        });
        if route.is_some() && self.rng.chance(30) {
            spec["mergeType"] = json!("StrategicMerge");
        }
        if self.rng.chance(25) {
            spec["retry"] =
                json!({"numRetries": 2, "retryOn": {"triggers": ["connect-failure", "reset"]}});
        }
        if self.rng.chance(20) {
            spec.as_object_mut().expect("object").remove("tcpKeepalive");
        }
        json!({
            "apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": "BackendTrafficPolicy", "metadata": m,
            "spec": spec,
            "status": {"ancestors": [{
                "ancestorRef": {"group": GW_GROUP, "kind": "Gateway", "name": gw.name, "namespace": gw.ns},
                "controllerName": CONTROLLER,
                "conditions": [condition("Accepted", true, "Accepted", "Policy has been accepted.", &at)]}]},
        })
    }

    fn fleet(&mut self, gw: &GatewayInfo, replicas: usize) -> Vec<Value> {
        let key = gw.key();
        let name = fleet_name(&key);
        let labels = app_labels(gw);
        let created = timestamp(days(gw.age));
        let rollout_age = self.rng.below(days(gw.age.min(20)) as u64) as i64;
        let rollout = timestamp(rollout_age);
        let owner = json!([{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
                            "name": gw.class, "uid": self.uid(),
                            "blockOwnerDeletion": true, "controller": true}]);
        let mut ports: Vec<(String, u16)> = vec![("http-80".into(), 80), ("https-443".into(), 443)];
        if gw.listeners == 3 {
            ports.push(("https-8443".into(), 8443));
        }
        let template_spec = proxy_pod_spec(&name, &key, &ports);
        let template_annotations = json!({"prometheus.io/path": "/stats/prometheus",
                                          "prometheus.io/port": "19001", "prometheus.io/scrape": "true"});
        let rs_hash = self.suffix(10);
        let mut out = Vec::with_capacity(replicas + 3);

        // Pods first, to know how many are ready.
        let mut pods = Vec::with_capacity(replicas);
        let mut ready_count = 0;
        for i in 0..replicas {
            let pod_name = format!("{name}-{rs_hash}-{}", self.suffix(5));
            let start_age = if self.rng.chance(80) {
                rollout_age
            } else {
                self.rng.below(rollout_age.max(1) as u64) as i64
            };
            let start = timestamp(start_age);
            let ready = !self.rng.chance(2);
            let restarts = if !ready || self.rng.chance(3) {
                1 + self.rng.below(6)
            } else {
                0
            };
            if ready {
                ready_count += 1;
            }
            let mut m = self.meta(&pod_name, Some(SYS_NS), &start);
            m.insert("generateName".into(), json!(format!("{name}-{rs_hash}-")));
            let mut pod_labels = labels.clone();
            pod_labels["pod-template-hash"] = json!(rs_hash);
            m.insert("labels".into(), pod_labels);
            let mut ann = template_annotations.clone();
            ann["topology.kubernetes.io/zone"] =
                json!(["eu-west-1a", "eu-west-1b", "eu-west-1c"][i % 3]);
            m.insert("annotations".into(), ann);
            let rs_uid = self.uid();
            m.insert(
                "ownerReferences".into(),
                json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": format!("{name}-{rs_hash}"),
                        "uid": rs_uid, "blockOwnerDeletion": true, "controller": true}]),
            );
            let node = self.rng.below(300);
            let mut spec = template_spec.clone();
            spec["nodeName"] = json!(format!(
                "ip-10-0-{}-{}.eu-west-1.compute.internal",
                node / 100,
                node % 100 + 10
            ));
            spec["priority"] = json!(0);
            spec["enableServiceLinks"] = json!(true);
            spec["preemptionPolicy"] = json!("PreemptLowerPriority");
            spec["tolerations"] = json!([
                {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
                {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists", "tolerationSeconds": 300},
            ]);
            let pod_ip = format!(
                "10.{}.{}.{}",
                100 + self.rng.below(20),
                self.rng.below(256),
                1 + self.rng.below(254)
            );
            let host_ip = format!("10.0.{}.{}", node / 100, node % 100 + 10);
            let (last_state, envoy_started) = if restarts > 0 {
                let finished = if ready {
                    start_age / 2
                } else {
                    60 + self.rng.below(500) as i64
                };
                let state = json!({"terminated": {
                    "containerID": format!("containerd://{:016x}{:016x}", self.rng.next_u64(), self.rng.next_u64()),
                    "exitCode": 137, "reason": "OOMKilled",
                    "startedAt": timestamp((finished + 3600).min(start_age)),
                    "finishedAt": timestamp(finished)}});
                (state, timestamp((finished - 8).max(0)))
            } else {
                (json!({}), start.clone())
            };
            let cid = |rng: &mut SplitMix64| {
                format!(
                    "containerd://{:016x}{:016x}{:016x}{:016x}",
                    rng.next_u64(),
                    rng.next_u64(),
                    rng.next_u64(),
                    rng.next_u64()
                )
            };
            let ready_s = if ready { "True" } else { "False" };
            let mut ready_cond = json!({"lastProbeTime": null, "lastTransitionTime": start, "status": ready_s, "type": "Ready"});
            let mut cready_cond = json!({"lastProbeTime": null, "lastTransitionTime": start,
                                         "status": ready_s, "type": "ContainersReady"});
            if !ready {
                for c in [&mut ready_cond, &mut cready_cond] {
                    c["reason"] = json!("ContainersNotReady");
                    c["message"] = json!("containers with unready status: [envoy]");
                }
            }
            let envoy_cid = cid(&mut self.rng);
            let sm_cid = cid(&mut self.rng);
            pods.push(json!({
                "apiVersion": "v1", "kind": "Pod", "metadata": m, "spec": spec,
                "status": {
                    "phase": "Running", "qosClass": "Burstable",
                    "hostIP": host_ip, "hostIPs": [{"ip": host_ip}],
                    "podIP": pod_ip, "podIPs": [{"ip": pod_ip}], "startTime": start,
                    "conditions": [
                        {"lastProbeTime": null, "lastTransitionTime": start, "status": "True", "type": "PodReadyToStartContainers"},
                        {"lastProbeTime": null, "lastTransitionTime": start, "status": "True", "type": "Initialized"},
                        ready_cond, cready_cond,
                        {"lastProbeTime": null, "lastTransitionTime": start, "status": "True", "type": "PodScheduled"},
                    ],
                    "containerStatuses": [
                        {"name": "envoy", "image": ENVOY_IMAGE,
                         "imageID": "docker.io/envoyproxy/envoy@sha256:7d5b0b5a4cbb7a0d1e7ba3f0c1e3c2a9f54a1f6d2c8e0b5a3f4d6c7b8a9e0f1d",
                         "containerID": envoy_cid, "ready": ready, "started": true,
                         "restartCount": restarts, "lastState": last_state,
                         "state": {"running": {"startedAt": envoy_started}}},
                        {"name": "shutdown-manager", "image": EG_IMAGE,
                         "imageID": "docker.io/envoyproxy/gateway@sha256:3b1c9e0d7f2a4b6c8d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e",
                         "containerID": sm_cid, "ready": true, "started": true,
                         "restartCount": 0, "lastState": {}, "state": {"running": {"startedAt": start}}},
                    ],
                },
            }));
        }

        let mut dm = self.meta(&name, Some(SYS_NS), &created);
        dm.insert("labels".into(), labels.clone());
        dm.insert("generation".into(), json!(4));
        dm.insert(
            "annotations".into(),
            json!({"deployment.kubernetes.io/revision": "4"}),
        );
        dm.insert("ownerReferences".into(), owner.clone());
        let mut status = json!({
            "observedGeneration": 4, "replicas": replicas, "updatedReplicas": replicas,
            "readyReplicas": ready_count, "availableReplicas": ready_count,
            "conditions": [
                {"lastTransitionTime": rollout, "lastUpdateTime": rollout, "message": "Deployment has minimum availability.",
                 "reason": "MinimumReplicasAvailable", "status": "True", "type": "Available"},
                {"lastTransitionTime": rollout, "lastUpdateTime": rollout,
                 "message": format!("ReplicaSet \"{name}-{rs_hash}\" has successfully progressed."),
                 "reason": "NewReplicaSetAvailable", "status": "True", "type": "Progressing"},
            ],
        });
        if ready_count < replicas {
            status["unavailableReplicas"] = json!(replicas - ready_count);
        }
        out.push(json!({
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": dm,
            "spec": {
                "replicas": replicas, "progressDeadlineSeconds": 600, "revisionHistoryLimit": 10,
                "selector": {"matchLabels": labels},
                "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                "template": {"metadata": {"annotations": template_annotations, "labels": labels},
                             "spec": template_spec},
            },
            "status": status,
        }));

        let mut sm = self.meta(&name, Some(SYS_NS), &created);
        sm.insert("labels".into(), labels.clone());
        sm.insert("ownerReferences".into(), owner.clone());
        let cluster_ip = format!("10.96.{}.{}", self.rng.below(256), 1 + self.rng.below(254));
        let svc_ports: Vec<Value> = ports
            .iter()
            .map(|(n, p)| {
                json!({"name": n, "port": p, "protocol": "TCP",
                       "targetPort": if *p < 1024 { p + 10000 } else { *p },
                       "nodePort": 30000 + self.rng.below(2768)})
            })
            .collect();
        out.push(json!({
            "apiVersion": "v1", "kind": "Service", "metadata": sm,
            "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Local", "clusterIP": cluster_ip,
                     "clusterIPs": [cluster_ip], "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                     "ports": svc_ports, "selector": labels, "sessionAffinity": "None"},
            "status": {"loadBalancer": {"ingress": [{"ip": format!("198.18.{}.{}", self.rng.below(256), 1 + self.rng.below(254)), "ipMode": "VIP"}]}},
        }));

        if gw.hpa {
            let mut hm = self.meta(&name, Some(SYS_NS), &created);
            hm.insert("labels".into(), labels);
            hm.insert("ownerReferences".into(), owner);
            let cpu = 30 + self.rng.below(60);
            let saturated = replicas >= 10;
            out.push(json!({
                "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": hm,
                "spec": {"minReplicas": 2, "maxReplicas": 10,
                         "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                      "target": {"type": "Utilization", "averageUtilization": 65}}}],
                         "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}},
                "status": {
                    "currentReplicas": replicas, "desiredReplicas": replicas, "lastScaleTime": rollout,
                    "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu",
                        "current": {"averageUtilization": cpu, "averageValue": format!("{}m", cpu * 5)}}}],
                    "conditions": [
                        {"lastTransitionTime": rollout, "message": "recommended size matches current size",
                         "reason": "ReadyForNewScale", "status": "True", "type": "AbleToScale"},
                        {"lastTransitionTime": created, "message": "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
                         "reason": "ValidMetricFound", "status": "True", "type": "ScalingActive"},
                        if saturated {
                            json!({"lastTransitionTime": rollout, "message": "the desired replica count is more than the maximum replica count",
                                   "reason": "TooManyReplicas", "status": "True", "type": "ScalingLimited"})
                        } else {
                            json!({"lastTransitionTime": rollout, "message": "the desired count is within the acceptable range",
                                   "reason": "DesiredWithinRange", "status": "False", "type": "ScalingLimited"})
                        },
                    ],
                },
            }));
        }
        out.extend(pods);
        out
    }
}

/// The proxy pod spec Envoy Gateway renders (ControllerNamespace mode).
fn proxy_pod_spec(name: &str, key: &str, listener_ports: &[(String, u16)]) -> Value {
    let security = json!({
        "allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "privileged": false,
        "runAsGroup": 65532, "runAsNonRoot": true, "runAsUser": 65532,
        "seccompProfile": {"type": "RuntimeDefault"},
    });
    let env = json!([
        {"name": "ENVOY_POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
        {"name": "ENVOY_POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
        {"name": "ENVOY_SERVICE_ZONE", "valueFrom": {"fieldRef": {"apiVersion": "v1",
            "fieldPath": "metadata.annotations['topology.kubernetes.io/zone']"}}},
    ]);
    let probe = |path: &str, port: u16, period: u32, failure: u32| {
        json!({"httpGet": {"path": path, "port": port, "scheme": "HTTP"}, "periodSeconds": period,
               "failureThreshold": failure, "successThreshold": 1, "timeoutSeconds": 1})
    };
    let mut ports: Vec<Value> = listener_ports
        .iter()
        .map(|(n, p)| {
            json!({"containerPort": if *p < 1024 { p + 10000 } else { *p }, "name": n, "protocol": "TCP"})
        })
        .collect();
    ports.push(json!({"containerPort": 19001, "name": "metrics", "protocol": "TCP"}));
    ports.push(json!({"containerPort": 19003, "name": "readiness", "protocol": "TCP"}));
    json!({
        "automountServiceAccountToken": false,
        "containers": [
            {
                "name": "envoy", "image": ENVOY_IMAGE, "imagePullPolicy": "IfNotPresent",
                "command": ["envoy"],
                "args": ["--service-cluster", key, "--service-node", "$(ENVOY_POD_NAME)",
                         "--config-yaml", bootstrap(key), "--log-level", "warn", "--cpuset-threads",
                         "--drain-strategy", "immediate", "--drain-time-s", "60"],
                "env": env,
                "lifecycle": {"preStop": {"httpGet": {"path": "/shutdown/ready", "port": 19002, "scheme": "HTTP"}}},
                "livenessProbe": probe("/ready", 19003, 10, 3),
                "readinessProbe": probe("/ready", 19003, 5, 1),
                "startupProbe": probe("/ready", 19003, 10, 30),
                "ports": ports,
                "resources": {"requests": {"cpu": "500m", "memory": "512Mi"},
                              "limits": {"cpu": "1", "memory": "1Gi"}},
                "securityContext": security,
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
                "volumeMounts": [{"mountPath": "/certs", "name": "certs", "readOnly": true},
                                 {"mountPath": "/sds", "name": "sds"}],
            },
            {
                "name": "shutdown-manager", "image": EG_IMAGE, "imagePullPolicy": "IfNotPresent",
                "command": ["envoy-gateway"], "args": ["envoy", "shutdown-manager"], "env": env,
                "lifecycle": {"preStop": {"exec": {"command": ["envoy-gateway", "envoy", "shutdown"]}}},
                "livenessProbe": probe("/healthz", 19002, 10, 3),
                "readinessProbe": probe("/healthz", 19002, 10, 3),
                "startupProbe": probe("/healthz", 19002, 10, 30),
                "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}},
                "securityContext": security,
                "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
            },
        ],
        "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "schedulerName": "default-scheduler",
        "securityContext": {}, "serviceAccount": name, "serviceAccountName": name,
        "terminationGracePeriodSeconds": 360,
        "volumes": [
            {"name": "certs", "secret": {"defaultMode": 420, "secretName": "envoy"}},
            {"name": "sds", "configMap": {"defaultMode": 420, "name": name, "optional": false, "items": [
                {"key": "xds-trusted-ca.json", "path": "xds-trusted-ca.json"},
                {"key": "xds-certificate.json", "path": "xds-certificate.json"}]}},
        ],
    })
}

/// The Envoy bootstrap passed as `--config-yaml` (shortened from what
/// Envoy Gateway renders, same shape and size class).
fn bootstrap(key: &str) -> String {
    let cluster = key.replace('/', "-");
    format!(
        r#"admin:
  access_log:
  - name: envoy.access_loggers.file
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
      path: /dev/null
  address:
    socket_address:
      address: 127.0.0.1
      port_value: 19000
cluster_manager:
  local_cluster_name: {cluster}
node:
  locality:
    zone: $(ENVOY_SERVICE_ZONE)
stats_config:
  use_all_default_tags: true
dynamic_resources:
  ads_config:
    api_type: DELTA_GRPC
    transport_api_version: V3
    grpc_services:
    - envoy_grpc:
        cluster_name: xds_cluster
    set_node_on_first_message_only: true
  lds_config:
    ads: {{}}
    initial_fetch_timeout: 0s
    resource_api_version: V3
  cds_config:
    ads: {{}}
    initial_fetch_timeout: 0s
    resource_api_version: V3
static_resources:
  listeners:
  - name: envoy-gateway-proxy-stats-0.0.0.0-19001
    address:
      socket_address:
        address: '0.0.0.0'
        port_value: 19001
        protocol: TCP
    bypass_overload_manager: true
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: eg-stats-http
          normalize_path: true
          route_config:
            name: local_route
            virtual_hosts:
            - name: prometheus_stats
              domains: ["*"]
              routes:
              - match:
                  path: /stats/prometheus
                route:
                  cluster: prometheus_stats
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: prometheus_stats
    connect_timeout: 0.250s
    type: STATIC
    load_assignment:
      cluster_name: prometheus_stats
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address:
                address: 127.0.0.1
                port_value: 19000
  - name: xds_cluster
    connect_timeout: 10s
    type: STRICT_DNS
    load_assignment:
      cluster_name: xds_cluster
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address:
                address: envoy-gateway.{SYS_NS}.svc.cluster.local.
                port_value: 18000
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
        common_tls_context:
          tls_certificate_sds_secret_configs:
          - name: xds_certificate
            sds_config:
              path_config_source:
                path: /sds/xds-certificate.json
              resource_api_version: V3
          validation_context_sds_secret_config:
            name: xds_trusted_ca
            sds_config:
              path_config_source:
                path: /sds/xds-trusted-ca.json
              resource_api_version: V3
overload_manager:
  refresh_interval: 0.25s
  resource_monitors:
  - name: envoy.resource_monitors.global_downstream_max_connections
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
      max_active_downstream_connections: 50000
"#
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn small() -> LargeParams {
        LargeParams {
            gateways: 12,
            routes: 90,
            policies: 30,
            pods: 40,
            seed: 42,
        }
    }

    fn count(objs: &[Value], kind: &str) -> usize {
        objs.iter().filter(|o| o["kind"] == kind).count()
    }

    #[test]
    fn counts_match_the_parameters() {
        let p = small();
        let objs = generate(&p);
        assert_eq!(count(&objs, "Gateway"), p.gateways);
        assert_eq!(count(&objs, "HTTPRoute"), p.routes);
        assert_eq!(
            count(&objs, "ClientTrafficPolicy") + count(&objs, "BackendTrafficPolicy"),
            p.policies
        );
        assert_eq!(count(&objs, "Pod"), p.pods + 1); // + the controller's
        // The controller's pod carries its Deployment's selector, in its
        // namespace, and no proxy label.
        let ctl = objs
            .iter()
            .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == "envoy-gateway")
            .unwrap();
        let selected: Vec<&Value> = objs
            .iter()
            .filter(|o| o["kind"] == "Pod" && o["metadata"]["namespace"] == SYS_NS)
            .filter(|o| {
                let sel = ctl["spec"]["selector"]["matchLabels"].as_object().unwrap();
                sel.iter()
                    .all(|(k, v)| o["metadata"]["labels"].get(k) == Some(v))
            })
            .collect();
        assert_eq!(selected.len(), 1);
        assert!(
            selected[0]["metadata"]["labels"]
                .get("app.kubernetes.io/managed-by")
                .is_none()
        );
        assert_eq!(
            selected[0]["spec"]["containers"][0]["name"],
            "envoy-gateway"
        );
        assert_eq!(count(&objs, "Deployment"), p.gateways + 1); // + the controller
        assert_eq!(count(&objs, "GatewayClass"), CLASSES.len());
        assert_eq!(count(&objs, "ConfigMap"), 1);
        // Fleets of the HPA classes (eg-public, eg-partner) have one.
        assert_eq!(count(&objs, "HorizontalPodAutoscaler"), 8);
        let replicas: u64 = objs
            .iter()
            .filter(|o| o["kind"] == "Deployment" && o["metadata"]["namespace"] == SYS_NS)
            .filter(|o| o["metadata"]["name"] != "envoy-gateway")
            .map(|o| o["spec"]["replicas"].as_u64().unwrap())
            .sum();
        assert_eq!(replicas as usize, p.pods);
        for o in &objs {
            assert!(o["apiVersion"].is_string() && o["kind"].is_string());
            assert!(o["metadata"]["name"].is_string(), "{o}");
            let created = o["metadata"]["creationTimestamp"].as_str().unwrap();
            assert!(created < "2026-11-26T10:00:00Z", "{created}");
        }
    }

    #[test]
    fn deterministic_for_a_seed() {
        let a = to_list_json(&generate(&small()));
        let b = to_list_json(&generate(&small()));
        assert_eq!(a, b);
        let c = to_list_json(&generate(&LargeParams {
            seed: 43,
            ..small()
        }));
        assert_ne!(a, c);
        let list: Value = serde_json::from_str(&a).unwrap();
        assert_eq!(list["kind"], "List");
        assert!(a.starts_with("{\n  \"apiVersion\": \"v1\",\n  \"items\": ["));
    }

    #[test]
    fn fleet_names_follow_envoy_gateway() {
        assert_eq!(fleet_name("default/eg"), "envoy-default-eg-e41e7b31");
        assert_eq!(fleet_name("merged-eg"), "envoy-merged-eg-668ac7ae");
        assert_eq!(fleet_name("default/eg-2"), "envoy-default-eg-2-7e515b2f");
        assert_eq!(fleet_name("payments/pay"), "envoy-payments-pay-3c51c2b4");
    }

    #[test]
    fn now_is_the_demo_now() {
        assert_eq!(timestamp(0), crate::DEMO_NOW);
    }

    #[test]
    fn empty_parameters_do_not_panic() {
        let objs = generate(&LargeParams {
            gateways: 0,
            routes: 5,
            policies: 3,
            pods: 7,
            seed: 1,
        });
        assert_eq!(count(&objs, "Gateway"), 0);
    }
}
