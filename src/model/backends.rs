//! Backends of each route rule: the backendRefs (Service, Envoy Gateway
//! `Backend`, with weights), whether a cross-namespace ref is allowed by a
//! ReferenceGrant, the BackendTLSPolicy in force, and the ready / not ready
//! endpoints of each Service from its EndpointSlices. Computed once per
//! model; views, rules (EG510) and `egscope trace` read it.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::routes::Route;
use super::value::{array_at, at, bool_at, i64_at, str_at};
use crate::store::{
    ENVOY_GATEWAY_GROUP, GATEWAY_API_GROUP, Kind, KindState, Object, SourceKind, Store,
};

/// The label the EndpointSlice controller puts on every slice of a Service
/// (k8s.io/api/discovery/v1/well_known_labels.go, `LabelServiceName`).
pub use crate::store::backend_refs::{SERVICE_NAME_LABEL, referenced_services_of};

/// Endpoints of one Service, summed over its EndpointSlices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Endpoints {
    pub slices: usize,
    pub ready: usize,
    pub not_ready: usize,
}

/// What egscope knows about a backendRef's endpoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "camelCase")]
pub enum EndpointsState {
    /// The Service's EndpointSlices were read (none at all is `slices: 0`).
    Read(Endpoints),
    /// EndpointSlices could not be read in that namespace: the reason.
    Unknown { reason: String },
    /// Not a Service (an Envoy Gateway `Backend` or another kind): its
    /// endpoints are not counted.
    NotCounted,
}

/// One backendRef of a route rule.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BackendRef {
    /// `""` for the core group (Services).
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub port: Option<i64>,
    /// `weight` (Gateway API default 1); 0 takes no traffic.
    pub weight: i64,
    /// False when the ref crosses namespaces and no ReferenceGrant in the
    /// target namespace allows it (Envoy Gateway then drops it:
    /// ResolvedRefs=False, RefNotPermitted).
    pub permitted: bool,
    pub endpoints: EndpointsState,
    /// An Envoy Gateway `Backend` ref whose object is in the source.
    pub backend_found: bool,
    /// The BackendTLSPolicy that targets this Service (`namespace/name`).
    pub tls_policy: Option<String>,
    /// Why Envoy Gateway cannot send traffic to this ref at all, in its
    /// own reason words (`RefNotPermitted: …`, `BackendNotFound: …`);
    /// `None` when it can, or when the source cannot tell. The one answer
    /// the route Detail, EG510 and `egscope trace` give.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invalid: Option<String>,
}

impl BackendRef {
    pub fn is_service(&self) -> bool {
        self.group.is_empty() && self.kind == "Service"
    }

    pub fn is_eg_backend(&self) -> bool {
        self.group == ENVOY_GATEWAY_GROUP && self.kind == "Backend"
    }

    /// `Service ns/name:port`, as messages and the Detail pane print it.
    pub fn describe(&self) -> String {
        let port = self.port.map(|p| format!(":{p}")).unwrap_or_default();
        format!("{} {}/{}{port}", self.kind, self.namespace, self.name)
    }

    /// Ready endpoints, when they were counted.
    pub fn ready(&self) -> Option<usize> {
        match &self.endpoints {
            EndpointsState::Read(e) => Some(e.ready),
            _ => None,
        }
    }
}

/// The backends of one route, one list per rule (`spec.rules[i]`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct RouteBackends {
    pub rules: Vec<Vec<BackendRef>>,
}

/// Whether EndpointSlices were read in `namespace`, or why not.
fn slices_unreadable(store: &Store, namespace: &str) -> Option<String> {
    match store.state(Kind::EndpointSlice) {
        KindState::Present => None,
        KindState::Partial { namespaces, reason } => {
            (!namespaces.iter().any(|n| n == namespace)).then_some(reason)
        }
        KindState::Absent => Some("no EndpointSlice objects in the source".into()),
        KindState::NotInstalled => Some("EndpointSlice is not served".into()),
        s @ (KindState::Forbidden(_) | KindState::Unavailable(_)) => {
            Some(s.describe(Kind::EndpointSlice))
        }
    }
}

/// Ready and not ready endpoints per (namespace, Service). An endpoint
/// whose `conditions.ready` is unset counts as ready: "a nil value should
/// be interpreted as true" (k8s.io/api/discovery/v1/types.go,
/// `EndpointConditions.Ready`).
pub fn endpoints_by_service(store: &Store) -> HashMap<(&str, &str), Endpoints> {
    let mut out: HashMap<(&str, &str), Endpoints> = HashMap::new();
    for slice in store.of(Kind::EndpointSlice) {
        let Some(service) = slice.labels.get(SERVICE_NAME_LABEL) else {
            continue;
        };
        let e = out
            .entry((slice.namespace_or_empty(), service))
            .or_default();
        e.slices += 1;
        for ep in array_at(&slice.raw, &["endpoints"]) {
            if bool_at(ep, &["conditions", "ready"]).unwrap_or(true) {
                e.ready += 1;
            } else {
                e.not_ready += 1;
            }
        }
    }
    out
}

/// Whether a ReferenceGrant in `to_ns` lets a route of `route_kind` in
/// `from_ns` refer to `group`/`kind` `name` (Gateway API's ReferenceGrant:
/// `from` names group, kind and namespace; `to` group, kind and optionally
/// the name). `egscope trace` asks the same question.
pub(crate) fn grant_permits(
    store: &Store,
    route_kind: &str,
    from_ns: &str,
    to_ns: &str,
    group: &str,
    kind: &str,
    name: &str,
) -> bool {
    if from_ns == to_ns {
        return true;
    }
    store.of(Kind::ReferenceGrant).iter().any(|grant| {
        grant.namespace_or_empty() == to_ns
            && array_at(grant.spec(), &["from"]).iter().any(|f| {
                str_at(f, &["namespace"]) == Some(from_ns)
                    && str_at(f, &["group"]) == Some(GATEWAY_API_GROUP)
                    && str_at(f, &["kind"]) == Some(route_kind)
            })
            && array_at(grant.spec(), &["to"]).iter().any(|t| {
                str_at(t, &["group"]).unwrap_or("") == group
                    && str_at(t, &["kind"]) == Some(kind)
                    && str_at(t, &["name"]).is_none_or(|n| n.is_empty() || n == name)
            })
    })
}

/// BackendTLSPolicies by the (namespace, Service) they target
/// (`spec.targetRefs`, local to the policy's namespace).
fn tls_policies(store: &Store) -> HashMap<(&str, &str), &Arc<Object>> {
    let mut out = HashMap::new();
    for p in store.of(Kind::BackendTlsPolicy) {
        for t in array_at(p.spec(), &["targetRefs"]) {
            if str_at(t, &["group"]).unwrap_or("").is_empty()
                && str_at(t, &["kind"]) == Some("Service")
                && let Some(name) = str_at(t, &["name"])
            {
                out.entry((p.namespace_or_empty(), name)).or_insert(p);
            }
        }
    }
    out
}

/// Why a ref cannot carry traffic (see [`BackendRef::invalid`]). Envoy
/// Gateway sets ResolvedRefs=False with these reasons
/// (internal/gatewayapi/route.go, `validateBackendRef` and friends, in
/// envoyproxy/gateway): a cross-namespace ref without a ReferenceGrant is
/// `RefNotPermitted`, a Service or Backend that does not exist is
/// `BackendNotFound`. Absence is told only where the kind was read in that
/// namespace: a namespace egscope could not read proves nothing.
fn invalid_reason(
    store: &Store,
    known: &Known,
    permitted: bool,
    has_slices: bool,
    (group, kind): (&str, &str),
    ns: &str,
    name: &str,
) -> Option<String> {
    if !permitted {
        return Some(format!(
            "RefNotPermitted: {kind} {ns}/{name} is in another namespace and no ReferenceGrant allows it"
        ));
    }
    let (store_kind, set) = match (group, kind) {
        // A live cluster's Services are read by the proxy label only
        // (source/live.rs, `scopes_of`): a backend Service missing from
        // the store may well exist.
        ("", "Service") if store.source.kind == SourceKind::Cluster => return None,
        // Nor in a snapshot written by `egscope snapshot` (the same
        // Services); an EndpointSlice labelled with its name shows the
        // Service exists whatever the snapshot holds.
        ("", "Service") if has_slices => return None,
        ("", "Service") => (Kind::Service, &known.services),
        (ENVOY_GATEWAY_GROUP, "Backend") => (Kind::Backend, &known.backends),
        _ => return None,
    };
    (store.present(store_kind) && store.covers(store_kind, ns) && !set.contains(&(ns, name)))
        .then(|| format!("BackendNotFound: {kind} {ns}/{name} does not exist"))
}

/// The Services and Envoy Gateway Backends in the source, by (namespace,
/// name): one pass each, so 20,000 routes do not scan them per ref.
struct Known<'a> {
    services: std::collections::HashSet<(&'a str, &'a str)>,
    backends: std::collections::HashSet<(&'a str, &'a str)>,
}

impl<'a> Known<'a> {
    fn of(store: &'a Store) -> Known<'a> {
        let set = |k: Kind| {
            store
                .of(k)
                .iter()
                .map(|o| (o.namespace_or_empty(), o.name.as_str()))
                .collect()
        };
        Known {
            services: set(Kind::Service),
            backends: set(Kind::Backend),
        }
    }
}

/// The backends of every route, in the order of `routes`.
pub fn backends(store: &Store, routes: &[Route]) -> Vec<RouteBackends> {
    let endpoints = endpoints_by_service(store);
    let tls = tls_policies(store);
    let known = Known::of(store);
    let eg_backends = &known.backends;
    routes
        .iter()
        .map(|route| {
            let route_ns = route.obj.namespace_or_empty();
            let route_kind = route.obj.kind.name();
            let rules = array_at(route.obj.spec(), &["rules"])
                .iter()
                .map(|rule| {
                    array_at(rule, &["backendRefs"])
                        .iter()
                        .map(|r| {
                            let group = str_at(r, &["group"]).unwrap_or("").to_string();
                            let kind = str_at(r, &["kind"]).unwrap_or("Service").to_string();
                            let namespace = str_at(r, &["namespace"]).unwrap_or(route_ns);
                            let name = str_at(r, &["name"]).unwrap_or("").to_string();
                            let permitted = grant_permits(
                                store, route_kind, route_ns, namespace, &group, &kind, &name,
                            );
                            let service = group.is_empty() && kind == "Service";
                            let endpoints = if !service {
                                EndpointsState::NotCounted
                            } else {
                                match slices_unreadable(store, namespace) {
                                    Some(reason) => EndpointsState::Unknown { reason },
                                    None => EndpointsState::Read(
                                        endpoints
                                            .get(&(namespace, name.as_str()))
                                            .copied()
                                            .unwrap_or_default(),
                                    ),
                                }
                            };
                            let backend_found = group == ENVOY_GATEWAY_GROUP
                                && kind == "Backend"
                                && eg_backends.contains(&(namespace, name.as_str()));
                            let tls_policy = service
                                .then(|| tls.get(&(namespace, name.as_str())))
                                .flatten()
                                .map(|p| format!("{}/{}", p.namespace_or_empty(), p.name));
                            let invalid = invalid_reason(
                                store,
                                &known,
                                permitted,
                                matches!(&endpoints, EndpointsState::Read(e) if e.slices > 0),
                                (&group, &kind),
                                namespace,
                                &name,
                            );
                            BackendRef {
                                invalid,
                                port: i64_at(r, &["port"]),
                                // Gateway API: weight defaults to 1.
                                weight: at(r, &["weight"])
                                    .and_then(|_| i64_at(r, &["weight"]))
                                    .unwrap_or(1),
                                namespace: namespace.to_string(),
                                group,
                                kind,
                                name,
                                permitted,
                                endpoints,
                                backend_found,
                                tls_policy,
                            }
                        })
                        .collect()
                })
                .collect();
            RouteBackends { rules }
        })
        .collect()
}

/// The Services the routes reference, by namespace: what the live source
/// reads EndpointSlices for (never cluster-wide).
pub fn referenced_services(store: &Store) -> std::collections::BTreeMap<String, Vec<String>> {
    referenced_services_of(
        super::routes::ROUTE_KINDS
            .iter()
            .flat_map(|k| store.of(*k))
            .map(|o| &**o),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Model;
    use crate::store::{SourceInfo, SourceKind};
    use serde_json::json;

    fn store(objs: Vec<serde_json::Value>) -> Store {
        let mut s = Store::new(SourceInfo {
            kind: SourceKind::Cluster,
            context: None,
            paths: Vec::new(),
            namespace: None,
        });
        for k in Kind::ALL {
            s.set_state(k, KindState::Present);
        }
        for o in objs {
            match Object::from_value(o, None) {
                Ok(crate::store::ObjectOrOther::Object(o)) => s.insert(*o),
                _ => panic!("test object does not decode"),
            }
        }
        s
    }

    fn route(ns: &str, refs: serde_json::Value) -> serde_json::Value {
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
               "metadata": {"name": "r", "namespace": ns},
               "spec": {"rules": [{"backendRefs": refs}]}})
    }

    fn slice(ns: &str, svc: &str, ready: &[Option<bool>]) -> serde_json::Value {
        let eps: Vec<serde_json::Value> = ready
            .iter()
            .map(|r| match r {
                Some(b) => json!({"addresses": ["10.0.0.1"], "conditions": {"ready": b}}),
                None => json!({"addresses": ["10.0.0.1"]}),
            })
            .collect();
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
               "metadata": {"name": format!("{svc}-abc"), "namespace": ns,
                            "labels": {SERVICE_NAME_LABEL: svc}},
               "addressType": "IPv4", "endpoints": eps})
    }

    #[test]
    fn counts_ready_endpoints_per_service_and_defaults_weight() {
        let s = store(vec![
            route(
                "apps",
                json!([{"name": "a", "port": 80}, {"name": "b", "port": 80, "weight": 0}]),
            ),
            slice("apps", "a", &[Some(true), None, Some(false)]),
            slice("apps", "a", &[Some(false)]),
        ]);
        let m = Model::build(&s);
        let refs = &m.backends[0].rules[0];
        assert_eq!(refs[0].weight, 1);
        assert_eq!(refs[1].weight, 0);
        assert_eq!(
            refs[0].endpoints,
            EndpointsState::Read(Endpoints {
                slices: 2,
                ready: 2,
                not_ready: 2
            })
        );
        assert_eq!(
            refs[1].endpoints,
            EndpointsState::Read(Endpoints::default())
        );
    }

    #[test]
    fn cross_namespace_refs_need_a_grant() {
        let grant = json!({"apiVersion": "gateway.networking.k8s.io/v1beta1", "kind": "ReferenceGrant",
            "metadata": {"name": "g", "namespace": "db"},
            "spec": {"from": [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute", "namespace": "apps"}],
                     "to": [{"group": "", "kind": "Service", "name": "pg"}]}});
        let refs = json!([{"name": "pg", "namespace": "db"}, {"name": "other", "namespace": "db"}]);
        let m = Model::build(&store(vec![route("apps", refs.clone()), grant]));
        let r = &m.backends[0].rules[0];
        assert!(r[0].permitted);
        assert!(!r[1].permitted);
        let m = Model::build(&store(vec![route("apps", refs)]));
        assert!(!m.backends[0].rules[0][0].permitted);
    }

    #[test]
    fn backends_and_tls_policies_are_resolved() {
        let s = store(vec![
            route(
                "apps",
                json!([{"group": "gateway.envoyproxy.io", "kind": "Backend", "name": "ext"},
                       {"name": "secure", "port": 443}]),
            ),
            json!({"apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": "Backend",
                   "metadata": {"name": "ext", "namespace": "apps"}, "spec": {}}),
            json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "BackendTLSPolicy",
                   "metadata": {"name": "tls", "namespace": "apps"},
                   "spec": {"targetRefs": [{"group": "", "kind": "Service", "name": "secure"}]}}),
        ]);
        let m = Model::build(&s);
        let r = &m.backends[0].rules[0];
        assert!(r[0].is_eg_backend() && r[0].backend_found);
        assert_eq!(r[0].endpoints, EndpointsState::NotCounted);
        assert_eq!(r[1].tls_policy.as_deref(), Some("apps/tls"));
    }

    #[test]
    fn why_a_ref_is_unusable_is_told_once() {
        let refs = json!([{"name": "gone"}, {"name": "pg", "namespace": "db"},
                          {"group": "gateway.envoyproxy.io", "kind": "Backend", "name": "ext"},
                          {"name": "here"}]);
        let svc = json!({"apiVersion": "v1", "kind": "Service",
                         "metadata": {"name": "here", "namespace": "apps"}, "spec": {}});
        let mut s = store(vec![route("apps", refs), svc]);
        s.source.kind = SourceKind::Snapshot;
        let m = Model::build(&s);
        let why: Vec<Option<&str>> = m.backends[0].rules[0]
            .iter()
            .map(|b| b.invalid.as_deref())
            .collect();
        assert_eq!(
            why[0],
            Some("BackendNotFound: Service apps/gone does not exist")
        );
        assert!(why[1].is_some_and(|w| w.starts_with("RefNotPermitted: Service db/pg")));
        assert_eq!(
            why[2],
            Some("BackendNotFound: Backend apps/ext does not exist")
        );
        assert_eq!(why[3], None);
        // A live cluster's Services are read by the proxy label only: a
        // Service missing from the store proves nothing there.
        s.source.kind = SourceKind::Cluster;
        let m = Model::build(&s);
        assert_eq!(m.backends[0].rules[0][0].invalid, None);
        assert!(
            m.backends[0].rules[0][2].invalid.is_some(),
            "Backends are read whole"
        );
        // Where Services could not be read, nothing is claimed.
        s.source.kind = SourceKind::Snapshot;
        s.set_state(Kind::Service, KindState::Forbidden("403".into()));
        assert_eq!(Model::build(&s).backends[0].rules[0][0].invalid, None);
    }

    #[test]
    fn unreadable_slices_are_unknown_not_zero() {
        let mut s = store(vec![route("apps", json!([{"name": "a"}]))]);
        s.set_state(
            Kind::EndpointSlice,
            KindState::Forbidden("403: endpointslices is forbidden".into()),
        );
        let m = Model::build(&s);
        assert!(matches!(
            m.backends[0].rules[0][0].endpoints,
            EndpointsState::Unknown { .. }
        ));
        s.set_state(
            Kind::EndpointSlice,
            KindState::Partial {
                namespaces: vec!["other".into()],
                reason: "read per namespace".into(),
            },
        );
        let m = Model::build(&s);
        assert!(m.backends[0].rules[0][0].ready().is_none());
    }

    #[test]
    fn referenced_services_are_per_namespace_and_services_only() {
        let s = store(vec![route(
            "apps",
            json!([{"name": "a"}, {"name": "a"}, {"name": "x", "namespace": "db"},
                   {"group": "gateway.envoyproxy.io", "kind": "Backend", "name": "ext"}]),
        )]);
        let got = referenced_services(&s);
        assert_eq!(got.len(), 2);
        assert_eq!(got["apps"], vec!["a".to_string()]);
        assert_eq!(got["db"], vec!["x".to_string()]);
    }
}
