//! Which Services the routes of a store send traffic to: the live source
//! reads EndpointSlices only for those (by `kubernetes.io/service-name`),
//! and the model's backend fact counts their endpoints, so both decide
//! "referenced" the same way.

use std::collections::BTreeMap;

use super::{Kind, Object};
use crate::codec::value::Value;

/// The label an EndpointSlice carries naming its Service
/// (k8s.io/api/discovery/v1 `LabelServiceName`).
pub const SERVICE_NAME_LABEL: &str = "kubernetes.io/service-name";

/// Every route kind, whose `spec.rules[].backendRefs` name backends.
pub const ROUTE_KINDS: [Kind; 5] = [
    Kind::HttpRoute,
    Kind::GrpcRoute,
    Kind::TlsRoute,
    Kind::TcpRoute,
    Kind::UdpRoute,
];

/// The Services the given routes reference, by namespace (sorted, without
/// repeats); `model::backends::referenced_services` applies it to a store.
pub fn referenced_services_of<'a>(
    routes: impl Iterator<Item = &'a Object>,
) -> BTreeMap<String, Vec<String>> {
    let text = |v: &'a Value, k: &str| v.get(k).and_then(Value::as_str);
    let list = |v: &'a Value, k: &str| v.get(k).and_then(Value::as_array).unwrap_or(&[]);
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for route in routes {
        let route_ns = route.namespace_or_empty();
        for rule in list(route.spec(), "rules") {
            for r in list(rule, "backendRefs") {
                let group = text(r, "group").unwrap_or("");
                let kind = text(r, "kind").unwrap_or("Service");
                let Some(name) = text(r, "name").filter(|n| !n.is_empty()) else {
                    continue;
                };
                if group.is_empty() && kind == "Service" {
                    let ns = text(r, "namespace").unwrap_or(route_ns);
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
