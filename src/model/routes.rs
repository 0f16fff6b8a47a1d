//! Routes (HTTP, GRPC, TLS, TCP, UDP) with the Gateways and listeners they
//! attach to.

use std::collections::HashMap;
use std::sync::Arc;

use crate::value::Value;

use super::listeners::Gateway;
use super::value::{array_at, i64_at, selector_matches, str_at};
use crate::store::{Kind, Object, Store};

pub const ROUTE_KINDS: [Kind; 5] = [
    Kind::HttpRoute,
    Kind::GrpcRoute,
    Kind::TlsRoute,
    Kind::TcpRoute,
    Kind::UdpRoute,
];

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

pub fn routes(store: &Store, gateways: &[Gateway], index: &GatewayIndex) -> Vec<Route> {
    let mut out = Vec::new();
    for kind in ROUTE_KINDS {
        for obj in store.of(kind) {
            let route_ns = obj.namespace_or_empty();
            let parents = array_at(obj.spec(), &["parentRefs"])
                .iter()
                .filter(|p| {
                    str_at(p, &["kind"]).unwrap_or("Gateway") == "Gateway"
                        && str_at(p, &["group"]).unwrap_or(crate::store::GATEWAY_API_GROUP)
                            == crate::store::GATEWAY_API_GROUP
                })
                .map(|p| {
                    let namespace = str_at(p, &["namespace"]).unwrap_or(route_ns).to_string();
                    let name = str_at(p, &["name"]).unwrap_or("").to_string();
                    let section = str_at(p, &["sectionName"]).map(str::to_string);
                    let port = i64_at(p, &["port"]);
                    let gateway = index.get(&(namespace.clone(), name.clone())).copied();
                    let listeners = gateway
                        .map(|g| {
                            attached_listeners(store, &gateways[g], obj, section.as_deref(), port)
                        })
                        .unwrap_or_default();
                    RouteParent {
                        namespace,
                        name,
                        section,
                        port,
                        gateway,
                        listeners,
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

/// The listeners a route can attach through: the named section (and port),
/// a listener that admits the route's kind (its protocol's kinds, narrowed
/// by `allowedRoutes.kinds`), and `allowedRoutes.namespaces` (default
/// `Same`).
fn attached_listeners(
    store: &Store,
    gw: &Gateway,
    route: &Object,
    section: Option<&str>,
    port: Option<i64>,
) -> Vec<String> {
    let kind = route.kind.name();
    gw.listeners
        .iter()
        .filter(|l| section.is_none_or(|s| s == l.name))
        .filter(|l| port.is_none_or(|p| p == l.port))
        .filter(|l| l.admits_route_kind(&gw.obj, kind))
        .filter(|l| namespace_allowed(store, &gw.obj, l.index, route.namespace_or_empty()))
        .map(|l| l.name.clone())
        .collect()
}

fn listener_spec(gw: &Object, index: usize) -> &Value {
    array_at(gw.spec(), &["listeners"])
        .get(index)
        .unwrap_or(&Value::Null)
}

fn namespace_allowed(store: &Store, gw: &Object, index: usize, route_ns: &str) -> bool {
    let ns = super::value::at(listener_spec(gw, index), &["allowedRoutes", "namespaces"]);
    match ns.and_then(|n| str_at(n, &["from"])).unwrap_or("Same") {
        "All" => true,
        "Same" => route_ns == gw.namespace_or_empty(),
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
