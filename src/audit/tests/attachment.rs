//! Route attachment through listeners (`allowedRoutes.kinds`, protocol
//! kinds) and fleets whose EnvoyProxy is missing (issue 12, bugs 16-17).

use crate::audit::RuleId;
use serde_json::json;

use super::fixtures::*;
use crate::model::Model;

/// The listeners `route` attaches through on `apps/edge`.
fn attached(objs: &[serde_json::Value], kind: &str, route: &str) -> Vec<String> {
    let m = Model::build(&store(objs));
    let r = m
        .routes
        .iter()
        .find(|r| r.obj.kind.name() == kind && r.obj.name == route)
        .unwrap_or_else(|| panic!("no {kind} {route}"));
    r.parents.iter().flat_map(|p| p.listeners.clone()).collect()
}

fn with_kinds(mut l: serde_json::Value, kinds: &[&str]) -> serde_json::Value {
    let kinds: Vec<_> = kinds.iter().map(|k| json!({"kind": k})).collect();
    l["allowedRoutes"] = json!({"kinds": kinds});
    l
}

fn edge_with(objs: &mut [serde_json::Value], listeners: serde_json::Value) {
    edit(objs, "Gateway", "edge")["spec"]["listeners"] = listeners;
}

#[test]
fn http_route_never_attaches_through_a_grpc_only_listener() {
    let mut objs = baseline();
    edge_with(
        &mut objs,
        json!([
            with_kinds(
                listener("grpc", "HTTP", 80, Some("grpc.example.com")),
                &["GRPCRoute"]
            ),
            listener("web", "HTTP", 8080, None),
        ]),
    );
    objs.push(route("GRPCRoute", APPS, "rpc", json!([{"name": "edge"}])));
    assert_eq!(attached(&objs, "HTTPRoute", "shop"), ["web"]);
    assert_eq!(attached(&objs, "GRPCRoute", "rpc"), ["grpc", "web"]);
}

#[test]
fn listed_kinds_the_protocol_cannot_carry_admit_nothing() {
    let mut objs = baseline();
    edge_with(
        &mut objs,
        json!([with_kinds(
            listener("http", "HTTP", 80, None),
            &["TCPRoute"]
        )]),
    );
    objs.push(route("TCPRoute", APPS, "tcp", json!([{"name": "edge"}])));
    assert!(attached(&objs, "HTTPRoute", "shop").is_empty());
    assert!(attached(&objs, "TCPRoute", "tcp").is_empty());
    // A kind of another group is not Gateway API's.
    let mut l = listener("http", "HTTP", 80, None);
    l["allowedRoutes"] = json!({"kinds": [{"group": "example.com", "kind": "HTTPRoute"}]});
    edge_with(&mut objs, json!([l]));
    assert!(attached(&objs, "HTTPRoute", "shop").is_empty());
}

#[test]
fn protocol_default_kinds_follow_envoy_gateway() {
    let mut objs = baseline();
    let tls = |name: &str, port: i64, mode: &str| {
        let mut l = listener(name, "TLS", port, None);
        l["tls"] = json!({"mode": mode, "certificateRefs": [{"name": "cert"}]});
        l
    };
    edge_with(
        &mut objs,
        json!([
            tls("passthrough", 443, "Passthrough"),
            tls("terminate", 8443, "Terminate"),
            listener("tcp", "TCP", 9000, None),
            listener("udp", "UDP", 5353, None),
            listener("http", "HTTP", 80, None),
        ]),
    );
    for kind in ["TLSRoute", "TCPRoute", "UDPRoute", "GRPCRoute"] {
        objs.push(route(kind, APPS, "r", json!([{"name": "edge"}])));
    }
    assert_eq!(
        attached(&objs, "TLSRoute", "r"),
        ["passthrough", "terminate"]
    );
    assert_eq!(attached(&objs, "TCPRoute", "r"), ["terminate", "tcp"]);
    assert_eq!(attached(&objs, "UDPRoute", "r"), ["udp"]);
    assert_eq!(attached(&objs, "GRPCRoute", "r"), ["http"]);
    assert_eq!(attached(&objs, "HTTPRoute", "shop"), ["http"]);
}

/// An HTTPRoute naming a GRPC-only listener does not inherit that
/// listener's BackendTrafficPolicy.
#[test]
fn http_route_does_not_inherit_policies_of_a_grpc_only_listener() {
    let mut objs = baseline();
    remove(&mut objs, "BackendTrafficPolicy", "backend");
    edge_with(
        &mut objs,
        json!([
            with_kinds(listener("grpc", "HTTP", 80, None), &["GRPCRoute"]),
            listener("web", "HTTP", 8080, None),
        ]),
    );
    objs.push(btp(
        APPS,
        "grpc-backend",
        T0,
        json!([target("Gateway", "edge", Some("grpc"))]),
        good_btp_spec(),
    ));
    edit(&mut objs, "HTTPRoute", "shop")["spec"]["parentRefs"] =
        json!([{"name": "edge", "sectionName": "grpc"}]);
    let r = audit(&objs);
    let f = one(&r, RuleId::EG203, "HTTPRoute", "shop");
    has_words(f, &["no BackendTrafficPolicy applies"]);
    assert!(f.related.iter().all(|p| p.name != "grpc-backend"), "{f:?}");
    // The GRPCRoute through the same listener does inherit it.
    objs.push(route(
        "GRPCRoute",
        APPS,
        "rpc",
        json!([{"name": "edge", "sectionName": "grpc"}]),
    ));
    let r = audit(&objs);
    assert!(
        r.findings
            .iter()
            .all(|f| !(f.object.name == "rpc" && f.rule.as_str().starts_with("EG2"))),
        "{:#?}",
        r.findings
    );
}

/// A fleet whose EnvoyProxy is missing gets EG115 and no EG2xx/EG3xx
/// finding: Envoy Gateway rejects the class, so no listener is programmed.
#[test]
fn missing_envoy_proxy_gets_eg115_and_nothing_else() {
    let mut objs = baseline();
    remove(&mut objs, "ClientTrafficPolicy", "client");
    remove(&mut objs, "BackendTrafficPolicy", "backend");
    // Another EnvoyProxy keeps the kind present (EG115 is judged).
    objs.push(envoy_proxy(CTRL_NS, "unrelated", good_proxy_spec()));
    // Policy kinds stay present (the listener and route rules are judged
    // elsewhere) through a policy on another Gateway.
    objs.push(ctp(
        APPS,
        "other-client",
        T0,
        json!([target("Gateway", "other", None)]),
        good_ctp_spec(),
    ));
    objs.push(btp(
        APPS,
        "other-backend",
        T0,
        json!([target("Gateway", "other", None)]),
        good_btp_spec(),
    ));
    remove(&mut objs, "EnvoyProxy", "proxy-config");
    let r = audit(&objs);
    one(&r, RuleId::EG115, "GatewayClass", "eg");
    let others: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule.as_str().starts_with("EG2") || f.rule.as_str().starts_with("EG3"))
        .collect();
    assert!(others.is_empty(), "{others:#?}");
    // With the EnvoyProxy back, the same Gateway gets its listener rules.
    let mut back = objs.clone();
    back.push(envoy_proxy(CTRL_NS, "proxy-config", good_proxy_spec()));
    let r = audit(&back);
    none(&r, RuleId::EG115);
    on_listener(&r, RuleId::EG201, "edge", "http");
    one(&r, RuleId::EG203, "HTTPRoute", "shop");
}
