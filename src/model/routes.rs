//! Routes (HTTP, GRPC, TLS, TCP, UDP) with the Gateways and listeners they
//! attach to.

use std::collections::HashMap;
use std::sync::Arc;

use crate::codec::value::Value;

use super::listeners::{Gateway, Listener, ListenerSet};
use super::value::{array_at, i64_at, selector_matches, str_at};
use crate::store::{Kind, Object, Store};

pub use crate::store::refs::ROUTE_KINDS;

#[derive(Debug, Clone)]
pub struct RouteParent {
    pub namespace: String,
    pub name: String,
    pub section: Option<String>,
    pub port: Option<i64>,
    /// Index into `Model::gateways`, when the Gateway is in the source.
    pub gateway: Option<usize>,
    /// Listeners of that Gateway the route attaches through.
    pub listeners: Vec<String>,
    /// The same listeners as indices into the Gateway's `listeners` (names
    /// repeat across a Gateway and its ListenerSets).
    pub listener_indices: Vec<usize>,
    /// Index into `Model::listener_sets` when the parentRef names a
    /// ListenerSet or XListenerSet; `gateway` is then its parent.
    pub listener_set: Option<usize>,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub obj: Arc<Object>,
    pub parents: Vec<RouteParent>,
    /// `spec.rules[].name` (Gateway API 1.2+), `None` for unnamed rules.
    pub rule_names: Vec<Option<String>>,
}

impl Route {
    pub fn is_http(&self) -> bool {
        matches!(self.obj.kind, Kind::HttpRoute | Kind::GrpcRoute)
    }
}

/// Gateways by (namespace, name) for lookups.
pub type GatewayIndex = HashMap<(String, String), usize>;

pub fn routes(
    store: &Store,
    gateways: &[Gateway],
    index: &GatewayIndex,
    listener_sets: &[ListenerSet],
) -> Vec<Route> {
    let mut out = Vec::new();
    for kind in ROUTE_KINDS {
        for obj in store.of(kind) {
            let route_ns = obj.namespace_or_empty();
            let parents = array_at(obj.spec(), &["parentRefs"])
                .iter()
                .filter_map(|p| {
                    let kind = str_at(p, &["kind"]).unwrap_or("Gateway");
                    let group = str_at(p, &["group"]).unwrap_or(crate::store::GATEWAY_API_GROUP);
                    let target = match (group, kind) {
                        (crate::store::GATEWAY_API_GROUP, "Gateway") => None,
                        (crate::store::GATEWAY_API_GROUP, "ListenerSet") => Some(Kind::ListenerSet),
                        (crate::store::GATEWAY_API_X_GROUP, "XListenerSet") => {
                            Some(Kind::XListenerSet)
                        }
                        _ => return None,
                    };
                    Some((p, target))
                })
                .map(|(p, target)| {
                    let namespace = str_at(p, &["namespace"]).unwrap_or(route_ns).to_string();
                    let name = str_at(p, &["name"]).unwrap_or("").to_string();
                    let section = str_at(p, &["sectionName"]).map(str::to_string);
                    let port = i64_at(p, &["port"]);
                    // A parentRef to a ListenerSet reaches only that
                    // ListenerSet's listeners, one to a Gateway only the
                    // Gateway's own (`GetReferencedListeners` in Envoy
                    // Gateway's `internal/gatewayapi/helpers.go`, v1.9.0).
                    let (gateway, listener_set) = match target {
                        None => (index.get(&(namespace.clone(), name.clone())).copied(), None),
                        Some(kind) => {
                            let ls = listener_sets.iter().position(|ls| {
                                ls.obj.kind == kind
                                    && ls.obj.namespace_or_empty() == namespace
                                    && ls.obj.name == name
                            });
                            let gw = ls
                                .filter(|&i| listener_sets[i].attached())
                                .and_then(|i| listener_sets[i].gateway);
                            (gw, ls)
                        }
                    };
                    let listener_indices = gateway
                        .map(|g| {
                            attached_listeners(
                                store,
                                &gateways[g],
                                listener_set,
                                obj,
                                section.as_deref(),
                                port,
                            )
                        })
                        .unwrap_or_default();
                    let listeners = listener_indices
                        .iter()
                        .map(|&i| {
                            gateways[gateway.unwrap_or_default()].listeners[i]
                                .name
                                .clone()
                        })
                        .collect();
                    RouteParent {
                        namespace,
                        name,
                        section,
                        port,
                        gateway,
                        listeners,
                        listener_indices,
                        listener_set,
                    }
                })
                .collect();
            let rule_names = array_at(obj.spec(), &["rules"])
                .iter()
                .map(|r| str_at(r, &["name"]).map(str::to_string))
                .collect();
            out.push(Route {
                obj: obj.clone(),
                parents,
                rule_names,
            });
        }
    }
    out
}

/// The listeners (indices into the Gateway's) a route can attach through:
/// those `listener_set` declares (None: the Gateway's own), the named
/// section (and port), a listener that admits the route's kind (its
/// protocol's kinds, narrowed by `allowedRoutes.kinds`), and
/// `allowedRoutes.namespaces` (default `Same`: the declaring object's
/// namespace).
fn attached_listeners(
    store: &Store,
    gw: &Gateway,
    listener_set: Option<usize>,
    route: &Object,
    section: Option<&str>,
    port: Option<i64>,
) -> Vec<usize> {
    let kind = route.kind.name();
    gw.listeners
        .iter()
        .enumerate()
        .filter(|(_, l)| l.listener_set == listener_set)
        .filter(|(_, l)| section.is_none_or(|s| s == l.name))
        .filter(|(_, l)| port.is_none_or(|p| p == l.port))
        .filter(|(_, l)| l.admits_route_kind(kind))
        .filter(|(_, l)| namespace_allowed(store, l, route.namespace_or_empty()))
        .map(|(i, _)| i)
        .collect()
}

fn namespace_allowed(store: &Store, l: &Listener, route_ns: &str) -> bool {
    let ns = super::value::at(l.spec(), &["allowedRoutes", "namespaces"]);
    match ns.and_then(|n| str_at(n, &["from"])).unwrap_or("Same") {
        "All" => true,
        "Same" => route_ns == l.declared_by.namespace_or_empty(),
        "Selector" => {
            let sel = ns.and_then(|n| n.get("selector")).unwrap_or(&Value::Null);
            match store
                .of(Kind::Namespace)
                .iter()
                .find(|n| n.name == route_ns)
            {
                Some(n) => selector_matches(sel, &n.labels),
                // Without the Namespace object the source cannot tell: assume
                // the route attaches, as its author meant.
                None => true,
            }
        }
        _ => false,
    }
}
