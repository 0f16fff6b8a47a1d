//! EG1xx: deployment modes and tenancy.

use crate::audit::RuleId;
use serde_json::json;

use super::fixtures::*;
use crate::model::tenancy::DEFAULT_CONTROLLER_NAME;

fn second_controller(objs: &mut Vec<serde_json::Value>, ns: &str, config: serde_json::Value) {
    objs.push(namespace(ns, json!({})));
    objs.push(controller(ns, "envoy-gateway", CTRL_IMAGE));
    objs.push(eg_config(ns, config));
}

// ---- EG101 ----

#[test]
fn eg101_two_controllers_share_the_default_name() {
    let mut objs = baseline();
    // The second tenant has no ConfigMap: the default name applies.
    objs.push(controller("tenant-b", "envoy-gateway", CTRL_IMAGE));
    let r = audit(&objs);
    let f = findings_of(&r, RuleId::EG101);
    assert_eq!(f.len(), 2, "{f:#?}");
    for x in &f {
        assert_eq!(x.object.kind, "Deployment");
        assert_eq!(x.object.name, "envoy-gateway");
        has_words(x, &["2 controllers", DEFAULT_CONTROLLER_NAME]);
        assert_eq!(x.related.len(), 1);
        assert_ne!(x.related[0].namespace, x.object.namespace);
    }
}

#[test]
fn eg101_distinct_names_are_quiet() {
    let mut objs = baseline();
    second_controller(
        &mut objs,
        "tenant-b",
        json!({"gateway": {"controllerName": "gateway.envoyproxy.io/tenant-b"},
               "provider": {"kubernetes": {"watch": {"type": "Namespaces", "namespaces": ["b"]}}}}),
    );
    let r = audit(&objs);
    none(&r, RuleId::EG101);
}

#[test]
fn eg101_proxy_deployments_are_not_controllers() {
    // The baseline's proxy Deployment runs envoyproxy/gateway in its
    // shutdown-manager sidecar; a second proxy fleet makes it two.
    let mut objs = baseline();
    let mut other = proxy_deployment(
        CTRL_NS,
        "envoy-apps-other-12345678",
        fleet_labels(APPS, "other"),
        ENVOY_IMAGE,
    );
    // Even a sidecar named like the controller container does not count.
    other["spec"]["template"]["spec"]["containers"][1]["name"] = json!("envoy-gateway");
    objs.push(other);
    let r = audit(&objs);
    none(&r, RuleId::EG101);
    let s = store(&objs);
    let m = crate::model::Model::build(&s);
    assert_eq!(m.controllers.len(), 1);
}

#[test]
fn eg101_controller_found_by_image_without_label() {
    let mut objs = baseline();
    let mut c = controller("tenant-b", "eg", "envoyproxy/gateway-dev:latest");
    c["metadata"]["labels"] = json!({});
    objs.push(c);
    let r = audit(&objs);
    assert_eq!(findings_of(&r, RuleId::EG101).len(), 2);
}

// ---- EG102 ----

#[test]
fn eg102_unserved_class_fires() {
    let mut objs = baseline();
    objs.push(gateway_class("orphan", "gateway.envoyproxy.io/nobody"));
    let r = audit(&objs);
    let f = one(&r, RuleId::EG102, "GatewayClass", "orphan");
    assert_eq!(f.object.namespace, None, "cluster-scoped");
    has_words(
        f,
        &["gateway.envoyproxy.io/nobody", DEFAULT_CONTROLLER_NAME],
    );
    // Classes of other implementations are not judged.
    assert_eq!(findings_of(&r, RuleId::EG102).len(), 1);
}

#[test]
fn eg102_other_implementations_are_quiet() {
    let mut objs = baseline();
    objs.push(gateway_class("istio", "istio.io/gateway-controller"));
    none(&audit(&objs), RuleId::EG102);
}

#[test]
fn eg102_skipped_without_any_controller() {
    let mut objs = baseline();
    remove(&mut objs, "Deployment", "envoy-gateway");
    objs.push(gateway_class("orphan", "gateway.envoyproxy.io/nobody"));
    let r = audit(&objs);
    let why = skipped(&r, RuleId::EG102);
    assert!(why.contains("controller"), "{why}");
}

// ---- EG103 ----

#[test]
fn eg103_class_not_accepted() {
    let mut objs = baseline();
    edit(&mut objs, "GatewayClass", "eg")["status"] = json!({"conditions": [
        {"type": "Accepted", "status": "False", "reason": "InvalidParameters",
         "message": "Invalid parametersRef"}]});
    let r = audit(&objs);
    let f = one(&r, RuleId::EG103, "GatewayClass", "eg");
    assert_eq!(f.object.namespace, None);
    has_words(f, &["InvalidParameters", "Invalid parametersRef"]);
}

#[test]
fn eg103_absent_status_is_quiet() {
    let mut objs = baseline();
    edit(&mut objs, "GatewayClass", "eg")
        .as_object_mut()
        .unwrap()
        .remove("status");
    none(&audit(&objs), RuleId::EG103);
}

// ---- EG104 ----

#[test]
fn eg104_controller_without_watch_overlaps_with_all() {
    let mut objs = baseline();
    second_controller(
        &mut objs,
        "tenant-b",
        json!({"gateway": {"controllerName": "gateway.envoyproxy.io/tenant-b"},
               "provider": {"kubernetes": {"watch": {"type": "Namespaces", "namespaces": ["b"]}}}}),
    );
    let r = audit(&objs);
    let f = findings_of(&r, RuleId::EG104);
    assert_eq!(f.len(), 2, "{f:#?}");
    assert!(f.iter().all(|x| x.object.kind == "Deployment"));
    let own = f
        .iter()
        .find(|x| x.object.namespace.as_deref() == Some(CTRL_NS))
        .unwrap();
    has_words(own, &["every namespace"]);
}

#[test]
fn eg104_disjoint_namespaces_are_quiet() {
    let mut objs = baseline();
    let cfg = edit(&mut objs, "ConfigMap", "envoy-gateway-config");
    cfg["data"]["envoy-gateway.yaml"] =
        json!(json!({
        "provider": {"kubernetes": {"watch": {"type": "Namespaces", "namespaces": ["apps"]}}}
    }).to_string());
    second_controller(
        &mut objs,
        "tenant-b",
        json!({"gateway": {"controllerName": "gateway.envoyproxy.io/tenant-b"},
               "provider": {"kubernetes": {"watch": {"type": "Namespaces", "namespaces": ["b"]}}}}),
    );
    none(&audit(&objs), RuleId::EG104);
}

#[test]
fn eg104_namespace_lists_overlap() {
    let mut objs = baseline();
    let cfg = edit(&mut objs, "ConfigMap", "envoy-gateway-config");
    cfg["data"]["envoy-gateway.yaml"] = json!(json!({
        "provider": {"kubernetes": {"watch": {"type": "Namespaces", "namespaces": ["apps", "shared"]}}}
    }).to_string());
    second_controller(
        &mut objs,
        "tenant-b",
        json!({"gateway": {"controllerName": "gateway.envoyproxy.io/tenant-b"},
               "provider": {"kubernetes": {"watch": {"type": "Namespaces", "namespaces": ["b", "shared"]}}}}),
    );
    let r = audit(&objs);
    let f = findings_of(&r, RuleId::EG104);
    assert_eq!(f.len(), 2);
    has_words(f[0], &["shared"]);
    assert!(!f[0].message.contains("apps"));
}

#[test]
fn eg104_namespace_selector_decided_on_namespaces() {
    let selector_cfg = |team: &str| {
        json!({"gateway": {"controllerName": format!("gateway.envoyproxy.io/{team}")},
            "provider": {"kubernetes": {"watch": {"type": "NamespaceSelector",
                "namespaceSelector": {"matchLabels": {"team": team}}}}}})
    };
    let mut objs = baseline();
    let cfg = edit(&mut objs, "ConfigMap", "envoy-gateway-config");
    cfg["data"]["envoy-gateway.yaml"] =
        json!(json!({
        "provider": {"kubernetes": {"watch": {"type": "Namespaces", "namespaces": ["apps"]}}}
    }).to_string());
    second_controller(&mut objs, "tenant-b", selector_cfg("b"));
    objs.push(namespace("b1", json!({"team": "b"})));
    // The selector matches b1 only: no overlap with "apps".
    none(&audit(&objs), RuleId::EG104);
    // Label "apps" as team b: now both watch it.
    edit(&mut objs, "Namespace", APPS)["metadata"]["labels"] = json!({"team": "b"});
    let r = audit(&objs);
    let f = findings_of(&r, RuleId::EG104);
    assert_eq!(f.len(), 2, "{f:#?}");
    has_words(f[0], &["apps"]);
}

#[test]
fn eg104_needs_two_controllers() {
    let r = audit(&baseline());
    none(&r, RuleId::EG104);
}

// ---- EG105 ----

#[test]
fn eg105_gateway_outside_watched_namespaces() {
    let mut objs = baseline();
    let cfg = edit(&mut objs, "ConfigMap", "envoy-gateway-config");
    cfg["data"]["envoy-gateway.yaml"] =
        json!(json!({
        "provider": {"kubernetes": {"watch": {"type": "Namespaces", "namespaces": ["other"]}}}
    }).to_string());
    let r = audit(&objs);
    let f = one(&r, RuleId::EG105, "Gateway", "edge");
    assert_eq!(f.object.namespace.as_deref(), Some(APPS));
    has_words(f, &["apps", "eg"]);
}

#[test]
fn eg105_watched_namespace_is_quiet() {
    let mut objs = baseline();
    let cfg = edit(&mut objs, "ConfigMap", "envoy-gateway-config");
    cfg["data"]["envoy-gateway.yaml"] = json!(
        json!({
            "provider": {"kubernetes": {"watch": {"type": "NamespaceSelector",
                "namespaceSelector": {"matchLabels": {"team": "apps"}}}}}
        })
        .to_string()
    );
    none(&audit(&objs), RuleId::EG105);
}

#[test]
fn eg105_selector_without_the_namespace_object_is_quiet() {
    // The source does not hold Namespace "apps": nothing shows it is not watched.
    let mut objs = baseline();
    remove(&mut objs, "Namespace", APPS);
    let cfg = edit(&mut objs, "ConfigMap", "envoy-gateway-config");
    cfg["data"]["envoy-gateway.yaml"] = json!(
        json!({
            "provider": {"kubernetes": {"watch": {"type": "NamespaceSelector",
                "namespaceSelector": {"matchLabels": {"team": "apps"}}}}}
        })
        .to_string()
    );
    none(&audit(&objs), RuleId::EG105);
}

// ---- EG106 ----

#[test]
fn eg106_controller_with_two_classes() {
    let mut objs = baseline();
    let mut c = gateway_class("eg-b", DEFAULT_CONTROLLER_NAME);
    // Not accepted: still counts.
    c["status"] = json!({"conditions": [{"type": "Accepted", "status": "False", "reason": "Foo"}]});
    objs.push(c);
    let r = audit(&objs);
    let f = one(&r, RuleId::EG106, "Deployment", "envoy-gateway");
    has_words(f, &["2 GatewayClasses", "eg, eg-b"]);
}

#[test]
fn eg106_one_class_is_quiet() {
    none(&audit(&baseline()), RuleId::EG106);
}

// ---- EG110 / EG111 / EG114 (merged gateways) ----

fn merged_cluster(gateway_ns_mode: bool) -> Vec<serde_json::Value> {
    let mut objs = baseline();
    let mut spec = good_proxy_spec();
    spec["mergeGateways"] = json!(true);
    edit(&mut objs, "EnvoyProxy", "proxy-config")["spec"] = spec;
    if gateway_ns_mode {
        let cfg = edit(&mut objs, "ConfigMap", "envoy-gateway-config");
        cfg["data"]["envoy-gateway.yaml"] = json!(
            json!({
                "provider": {"kubernetes": {"deploy": {"type": "GatewayNamespace"}}}
            })
            .to_string()
        );
    }
    objs
}

#[test]
fn eg110_merge_with_gateway_namespace_mode() {
    let r = audit(&merged_cluster(true));
    let f = one(&r, RuleId::EG110, "EnvoyProxy", "proxy-config");
    has_words(f, &["mergeGateways", "GatewayNamespace"]);
}

#[test]
fn eg110_merge_in_controller_namespace_mode_is_quiet() {
    let r = audit(&merged_cluster(false));
    none(&r, RuleId::EG110);
    let mut objs = baseline();
    let cfg = edit(&mut objs, "ConfigMap", "envoy-gateway-config");
    cfg["data"]["envoy-gateway.yaml"] = json!(
        json!({
            "provider": {"kubernetes": {"deploy": {"type": "GatewayNamespace"}}}
        })
        .to_string()
    );
    none(&audit(&objs), RuleId::EG110);
}

#[test]
fn eg111_infra_ref_on_merged_gateway() {
    let mut objs = merged_cluster(false);
    objs.push(envoy_proxy(APPS, "own", good_proxy_spec()));
    let mut g = gateway(
        APPS,
        "rogue",
        "eg",
        json!([listener("http", "HTTP", 8080, None)]),
    );
    g["spec"]["infrastructure"] = json!({"parametersRef":
        {"group": "gateway.envoyproxy.io", "kind": "EnvoyProxy", "name": "own"}});
    objs.push(g);
    let r = audit(&objs);
    let f = one(&r, RuleId::EG111, "Gateway", "rogue");
    has_words(f, &["merges", "parametersRef"]);
    // No fleet for it: the merged fleet holds edge only.
    let s = store(&objs);
    let m = crate::model::Model::build(&s);
    assert_eq!(m.fleets.len(), 1);
    assert_eq!(m.fleets[0].gateways.len(), 1);
    assert!(m.fleets[0].merged);
}

#[test]
fn eg111_infra_ref_without_merge_is_quiet() {
    let mut objs = baseline();
    objs.push(envoy_proxy(APPS, "own", good_proxy_spec()));
    edit(&mut objs, "Gateway", "edge")["spec"]["infrastructure"] = json!({"parametersRef":
        {"group": "gateway.envoyproxy.io", "kind": "EnvoyProxy", "name": "own"}});
    none(&audit(&objs), RuleId::EG111);
}

#[test]
fn eg114_merging_class_with_one_gateway() {
    let r = audit(&merged_cluster(false));
    let f = one(&r, RuleId::EG114, "GatewayClass", "eg");
    assert_eq!(f.object.namespace, None);
    has_words(f, &["single Gateway"]);
}

#[test]
fn eg114_two_gateways_or_no_merge_is_quiet() {
    none(&audit(&baseline()), RuleId::EG114);
    let mut objs = merged_cluster(false);
    objs.push(gateway(
        APPS,
        "second",
        "eg",
        json!([listener("http", "HTTP", 8080, None)]),
    ));
    none(&audit(&objs), RuleId::EG114);
}

// ---- EG112 ----

#[test]
fn eg112_later_duplicate_tuple_is_a_hostname_conflict() {
    let mut objs = merged_cluster(false);
    // Younger than edge: its duplicate of edge's "http" listener conflicts.
    objs.push(with_ts(
        gateway(
            APPS,
            "late",
            "eg",
            json!([
                listener("web", "HTTP", 80, None),
                listener("alt", "HTTP", 8080, None)
            ]),
        ),
        T1,
    ));
    let r = audit(&objs);
    let f = on_listener(&r, RuleId::EG112, "late", "web");
    has_words(f, &["HostnameConflict", "apps/edge listener http"]);
    assert_eq!(f.related.len(), 1);
    assert_eq!(f.related[0].name, "edge");
    assert_eq!(
        findings_of(&r, RuleId::EG112).len(),
        1,
        "the first stays clean"
    );
    none(&r, RuleId::EG113);
}

#[test]
fn eg112_oldest_first_by_timestamp_not_by_name() {
    let mut objs = merged_cluster(false);
    // "aaa" sorts first by name but is younger; edge keeps the listener.
    edit(&mut objs, "Gateway", "edge")["metadata"]["creationTimestamp"] = json!(T1);
    objs.push(with_ts(
        gateway(
            APPS,
            "aaa",
            "eg",
            json!([listener("web", "HTTP", 80, None)]),
        ),
        T2,
    ));
    let r = audit(&objs);
    on_listener(&r, RuleId::EG112, "aaa", "web");
    assert_eq!(findings_of(&r, RuleId::EG112).len(), 1);
}

#[test]
fn eg112_protocol_mix_across_gateways() {
    let mut objs = merged_cluster(false);
    objs.push(with_ts(
        gateway(
            APPS,
            "tcp",
            "eg",
            json!([
                listener("raw", "TCP", 80, None),
                listener("dns", "UDP", 80, None)
            ]),
        ),
        T1,
    ));
    let r = audit(&objs);
    let a = on_listener(&r, RuleId::EG112, "edge", "http");
    has_words(a, &["ProtocolConflict"]);
    let b = on_listener(&r, RuleId::EG112, "tcp", "raw");
    has_words(b, &["ProtocolConflict"]);
    assert_eq!(findings_of(&r, RuleId::EG112).len(), 2, "UDP coexists");
}

#[test]
fn eg112_https_and_tls_across_gateways_are_compatible() {
    let mut objs = merged_cluster(false);
    objs.push(with_ts(
        gateway(
            APPS,
            "tls",
            "eg",
            json!([listener("pass", "TLS", 443, Some("db.example.com"))]),
        ),
        T1,
    ));
    let r = audit(&objs);
    none(&r, RuleId::EG112);
}

#[test]
fn eg112_gateway_flagged_eg111_is_left_out() {
    let mut objs = merged_cluster(false);
    objs.push(envoy_proxy(APPS, "own", good_proxy_spec()));
    let mut g = with_ts(
        gateway(
            APPS,
            "rogue",
            "eg",
            json!([listener("http", "HTTP", 80, None)]),
        ),
        T1,
    );
    g["spec"]["infrastructure"] = json!({"parametersRef":
        {"group": "gateway.envoyproxy.io", "kind": "EnvoyProxy", "name": "own"}});
    objs.push(g);
    let r = audit(&objs);
    one(&r, RuleId::EG111, "Gateway", "rogue");
    none(&r, RuleId::EG112);
}

#[test]
fn eg112_not_for_classes_that_do_not_merge() {
    let mut objs = baseline();
    objs.push(with_ts(
        gateway(
            APPS,
            "late",
            "eg",
            json!([listener("web", "HTTP", 80, None)]),
        ),
        T1,
    ));
    none(&audit(&objs), RuleId::EG112);
}

// ---- EG113 ----

fn gw_listeners(listeners: serde_json::Value) -> crate::audit::AuditResult {
    let mut objs = baseline();
    edit(&mut objs, "Gateway", "edge")["spec"]["listeners"] = listeners;
    audit(&objs)
}

#[test]
fn eg113_https_and_tls_share_a_port() {
    let r = gw_listeners(json!([
        listener("https", "HTTPS", 443, Some("a.example.com")),
        listener("tls", "TLS", 443, Some("b.example.com")),
    ]));
    none(&r, RuleId::EG113);
}

#[test]
fn eg113_http_and_tcp_on_a_port_all_conflict() {
    let r = gw_listeners(json!([
        listener("http", "HTTP", 80, None),
        listener("tcp", "TCP", 80, None),
        listener("udp", "UDP", 80, None),
    ]));
    has_words(
        on_listener(&r, RuleId::EG113, "edge", "http"),
        &["ProtocolConflict"],
    );
    has_words(
        on_listener(&r, RuleId::EG113, "edge", "tcp"),
        &["ProtocolConflict"],
    );
    assert_eq!(findings_of(&r, RuleId::EG113).len(), 2);
}

#[test]
fn eg113_same_hostname_on_a_port_all_conflict() {
    let r = gw_listeners(json!([
        listener("a", "HTTP", 80, Some("x.example.com")),
        listener("b", "HTTP", 80, Some("x.example.com")),
        listener("c", "HTTP", 80, Some("y.example.com")),
        listener("d", "HTTP", 8080, None),
        listener("e", "HTTP", 8080, None),
    ]));
    for l in ["a", "b", "d", "e"] {
        has_words(
            on_listener(&r, RuleId::EG113, "edge", l),
            &["HostnameConflict"],
        );
    }
    assert_eq!(findings_of(&r, RuleId::EG113).len(), 4);
}

#[test]
fn eg113_second_tcp_listener_on_a_port() {
    let r = gw_listeners(json!([
        listener("a", "TCP", 9000, None),
        listener("b", "TCP", 9000, None),
        listener("c", "TCP", 9001, None),
    ]));
    has_words(
        on_listener(&r, RuleId::EG113, "edge", "b"),
        &["ProtocolConflict"],
    );
    assert_eq!(findings_of(&r, RuleId::EG113).len(), 1);
}

#[test]
fn eg113_listeners_invalid_in_status_are_left_out() {
    let mut objs = baseline();
    let gw = edit(&mut objs, "Gateway", "edge");
    gw["spec"]["listeners"] = json!([
        listener("a", "HTTP", 80, None),
        listener("b", "HTTP", 80, None),
    ]);
    gw["status"] = json!({"listeners": [{"name": "b", "conditions": [
        {"type": "ResolvedRefs", "status": "False", "reason": "InvalidCertificateRef"}]}]});
    none(&audit(&objs), RuleId::EG113);
}

// ---- EG115 ----

#[test]
fn eg115_class_ref_defaults_to_namespace_default() {
    let mut objs = baseline();
    // proxy-config exists in envoy-gateway-system, not in "default".
    let mut c = class_with_proxy("eg-b", "gateway.envoyproxy.io/b", CTRL_NS, "proxy-config");
    c["spec"]["parametersRef"]
        .as_object_mut()
        .unwrap()
        .remove("namespace");
    objs.push(c);
    let r = audit(&objs);
    let f = one(&r, RuleId::EG115, "GatewayClass", "eg-b");
    assert_eq!(f.object.namespace, None);
    has_words(f, &["default/proxy-config"]);
    // With an EnvoyProxy of that name in "default" it resolves.
    objs.push(envoy_proxy("default", "proxy-config", good_proxy_spec()));
    assert!(findings_of(&audit(&objs), RuleId::EG115).is_empty());
}

#[test]
fn eg115_gateway_ref_is_in_the_gateways_namespace() {
    let mut objs = baseline();
    // An EnvoyProxy "own" exists, but in another namespace.
    objs.push(envoy_proxy(CTRL_NS, "own", good_proxy_spec()));
    edit(&mut objs, "Gateway", "edge")["spec"]["infrastructure"] = json!({"parametersRef":
        {"group": "gateway.envoyproxy.io", "kind": "EnvoyProxy", "name": "own"}});
    let r = audit(&objs);
    let f = one(&r, RuleId::EG115, "Gateway", "edge");
    has_words(f, &["apps/own"]);
}

#[test]
fn eg115_existing_refs_are_quiet() {
    none(&audit(&baseline()), RuleId::EG115);
}

#[test]
fn eg115_skipped_without_any_envoy_proxy() {
    let mut objs = baseline();
    remove_kind(&mut objs, "EnvoyProxy");
    let r = audit(&objs);
    let why = skipped(&r, RuleId::EG115);
    assert!(why.contains("EnvoyProxy"), "{why}");
}

// ---- ListenerSets (EG112/EG113 and the listener rules) ----

const V19: &str = "docker.io/envoyproxy/gateway:v1.9.0";

fn listener_set(
    kind: &str,
    ns: &str,
    name: &str,
    parent: &str,
    listeners: serde_json::Value,
) -> serde_json::Value {
    let api = if kind == "ListenerSet" {
        GW
    } else {
        "gateway.networking.x-k8s.io/v1alpha1"
    };
    json!({"apiVersion": api, "kind": kind,
        "metadata": {"name": name, "namespace": ns, "creationTimestamp": T1},
        "spec": {"parentRef": {"name": parent}, "listeners": listeners}})
}

/// The baseline on `image`, its Gateway admitting ListenerSets `from`, and
/// a ListenerSet `extra` adding an HTTP listener on port 80 that the
/// Gateway's own `http` listener already holds.
fn with_listener_set(
    image: &str,
    kind: &str,
    from: Option<serde_json::Value>,
) -> Vec<serde_json::Value> {
    let mut objs = baseline();
    edit(&mut objs, "Deployment", "envoy-gateway")["spec"]["template"]["spec"]["containers"][0]["image"] =
        json!(image);
    if let Some(from) = from {
        edit(&mut objs, "Gateway", "edge")["spec"]["allowedListeners"] =
            json!({"namespaces": from});
    }
    objs.push(listener_set(
        kind,
        APPS,
        "extra",
        "edge",
        json!([
            listener("dup", "HTTP", 80, None),
            listener("api", "HTTP", 8080, None)
        ]),
    ));
    objs
}

fn on_listener_set<'a>(
    r: &'a crate::audit::AuditResult,
    rule: RuleId,
    kind: &str,
    listener: &str,
) -> Vec<&'a crate::audit::Finding> {
    findings_of(r, rule)
        .into_iter()
        .filter(|f| {
            f.object.kind == kind
                && f.object.name == "extra"
                && f.listener.as_deref() == Some(listener)
        })
        .collect()
}

#[test]
fn eg113_listener_set_loses_to_the_gateway_and_is_found_on_itself() {
    let objs = with_listener_set(V19, "ListenerSet", Some(json!({"from": "Same"})));
    let r = audit(&objs);
    let f = on_listener_set(&r, RuleId::EG113, "ListenerSet", "dup");
    assert_eq!(f.len(), 1, "{:#?}", findings_of(&r, RuleId::EG113));
    has_words(
        f[0],
        &[
            "HostnameConflict",
            "Gateway apps/edge",
            "apps/edge listener http",
        ],
    );
    assert_eq!(f[0].path.as_deref(), Some("spec.listeners[0]"));
    assert_eq!(f[0].related[0].kind, "Gateway");
    // v1.9: the Gateway's own listener wins and stays clean.
    assert_eq!(findings_of(&r, RuleId::EG113).len(), 1);
    assert!(on_listener_set(&r, RuleId::EG113, "ListenerSet", "api").is_empty());
}

#[test]
fn eg113_before_v1_8_2_every_listener_sharing_the_hostname_conflicts() {
    let objs = with_listener_set(
        "docker.io/envoyproxy/gateway:v1.7.5",
        "XListenerSet",
        Some(json!({"from": "All"})),
    );
    let r = audit(&objs);
    assert_eq!(
        on_listener_set(&r, RuleId::EG113, "XListenerSet", "dup").len(),
        1
    );
    has_words(
        on_listener(&r, RuleId::EG113, "edge", "http"),
        &["HostnameConflict"],
    );
}

#[test]
fn listener_set_not_admitted_is_kept_with_the_reason_and_not_judged() {
    // No allowedListeners: Envoy Gateway's default is None.
    let objs = with_listener_set(V19, "ListenerSet", None);
    let store = store(&objs);
    let m = crate::model::Model::build(&store);
    assert_eq!(m.listener_sets.len(), 1);
    let ls = &m.listener_sets[0];
    assert_eq!(ls.attachment, crate::model::Attachment::NotAllowed);
    assert!(
        ls.attachment
            .message(ls)
            .contains("not allowed by Gateway apps/edge")
    );
    assert_eq!(ls.listener_names, vec!["dup", "api"]);
    let r = audit(&objs);
    none(&r, RuleId::EG113);
    // A selector on the namespace's labels admits it (apps: team=apps).
    let objs = with_listener_set(
        V19,
        "ListenerSet",
        Some(json!({"from": "Selector", "selector": {"matchLabels": {"team": "apps"}}})),
    );
    let m = crate::model::Model::build(&super::fixtures::store(&objs));
    assert!(m.listener_sets[0].attached());
    let objs = with_listener_set(
        V19,
        "ListenerSet",
        Some(json!({"from": "Selector", "selector": {"matchLabels": {"team": "other"}}})),
    );
    let m = crate::model::Model::build(&super::fixtures::store(&objs));
    assert_eq!(
        m.listener_sets[0].attachment,
        crate::model::Attachment::NotAllowed
    );
}

#[test]
fn listener_set_of_a_missing_parent_or_the_other_kind_stays_visible() {
    let mut objs = with_listener_set(V19, "ListenerSet", Some(json!({"from": "All"})));
    edit(&mut objs, "ListenerSet", "extra")["spec"]["parentRef"]["name"] = json!("gone");
    let m = crate::model::Model::build(&store(&objs));
    assert_eq!(
        m.listener_sets[0].attachment,
        crate::model::Attachment::ParentNotFound
    );
    assert!(
        m.listener_sets[0]
            .attachment
            .message(&m.listener_sets[0])
            .contains("apps/gone")
    );
    // Envoy Gateway v1.9 reads ListenerSet, not XListenerSet.
    let objs = with_listener_set(V19, "XListenerSet", Some(json!({"from": "All"})));
    let m = crate::model::Model::build(&store(&objs));
    assert!(matches!(
        &m.listener_sets[0].attachment,
        crate::model::Attachment::KindNotRead(why) if why.contains("reads ListenerSet")
    ));
    none(&audit(&objs), RuleId::EG113);
}

#[test]
fn listener_rules_judge_listener_set_listeners_on_the_listener_set() {
    let mut objs = with_listener_set(V19, "ListenerSet", Some(json!({"from": "Same"})));
    // A policy on the Gateway's own listener leaves the ListenerSet's bare.
    edit(&mut objs, "ClientTrafficPolicy", "client")["spec"]["targetRefs"] =
        json!([target("Gateway", "edge", Some("http"))]);
    let r = audit(&objs);
    assert_eq!(
        on_listener_set(&r, RuleId::EG201, "ListenerSet", "api").len(),
        1
    );
    // A Gateway sectionName that only a ListenerSet listener carries is
    // translated onto that listener (Envoy Gateway v1.9.0
    // clienttrafficpolicy.go: the first of `gateway.listeners` by that name).
    edit(&mut objs, "ClientTrafficPolicy", "client")["spec"]["targetRefs"] =
        json!([target("Gateway", "edge", Some("api"))]);
    let r = audit(&objs);
    assert!(on_listener_set(&r, RuleId::EG201, "ListenerSet", "api").is_empty());
    // With the Gateway-wide policy back, the ListenerSet's listeners get it.
    let objs = with_listener_set(V19, "ListenerSet", Some(json!({"from": "Same"})));
    let r = audit(&objs);
    assert!(on_listener_set(&r, RuleId::EG201, "ListenerSet", "api").is_empty());
}

#[test]
fn routes_attach_through_the_listener_set_they_name() {
    let mut objs = with_listener_set(V19, "ListenerSet", Some(json!({"from": "Same"})));
    objs.push(route(
        "HTTPRoute",
        APPS,
        "via-ls",
        json!([{"group": "gateway.networking.k8s.io", "kind": "ListenerSet", "name": "extra"}]),
    ));
    objs.push(route(
        "HTTPRoute",
        APPS,
        "via-ls-section",
        json!([{"group": "gateway.networking.k8s.io", "kind": "ListenerSet", "name": "extra",
                "sectionName": "api"}]),
    ));
    let m = crate::model::Model::build(&store(&objs));
    let edge = m
        .gateways
        .iter()
        .position(|g| g.obj.name == "edge")
        .unwrap();
    let parent = |name: &str| {
        m.routes
            .iter()
            .find(|r| r.obj.name == name)
            .map(|r| r.parents[0].clone())
            .unwrap()
    };
    let p = parent("via-ls");
    assert_eq!((p.gateway, p.listener_set), (Some(edge), Some(0)));
    assert_eq!(p.listeners, vec!["dup", "api"]);
    assert!(
        p.listener_indices
            .iter()
            .all(|&i| m.gateways[edge].listeners[i].listener_set == Some(0))
    );
    assert_eq!(parent("via-ls-section").listeners, vec!["api"]);
    // A parentRef to the Gateway reaches only the Gateway's own listeners.
    let shop = parent("shop");
    assert!(
        shop.listener_indices
            .iter()
            .all(|&i| m.gateways[edge].listeners[i].listener_set.is_none())
    );
}
