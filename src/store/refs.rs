//! What routes reference, read from their specs alone: the route kinds and
//! the Services their rules send to. Here, below the model, so that the
//! live source can scope its EndpointSlice feeds without using the model.

use crate::codec::value::Value;

use super::{Kind, Object};

/// Every route kind Envoy Gateway reconciles.
pub const ROUTE_KINDS: [Kind; 5] = [
    Kind::HttpRoute,
    Kind::GrpcRoute,
    Kind::TlsRoute,
    Kind::TcpRoute,
    Kind::UdpRoute,
];

/// The label the EndpointSlice controller puts on every slice of a Service
/// (k8s.io/api/discovery/v1/well_known_labels.go, `LabelServiceName`).
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn array_of<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v.get(key).and_then(Value::as_array).unwrap_or(&[])
}

/// The Services (by namespace, sorted, once each) that the rules of these
/// routes reference as backends.
pub fn referenced_services_of<'a>(
    routes: impl Iterator<Item = &'a Object>,
) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut out: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for route in routes {
        let route_ns = route.namespace_or_empty();
        for rule in array_of(route.spec(), "rules") {
            for r in array_of(rule, "backendRefs") {
                let group = str_of(r, "group").unwrap_or("");
                let kind = str_of(r, "kind").unwrap_or("Service");
                let Some(name) = str_of(r, "name").filter(|n| !n.is_empty()) else {
                    continue;
                };
                if group.is_empty() && kind == "Service" {
                    let ns = str_of(r, "namespace").unwrap_or(route_ns);
                    out.entry(ns.to_string())
                        .or_default()
                        .push(name.to_string());
                }
            }
        }
    }
    for names in out.values_mut() {
        names.sort();
        names.dedup();
    }
    out
}
