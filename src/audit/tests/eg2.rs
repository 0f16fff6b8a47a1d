//! EG2xx: performance tuning, with the policy resolution it depends on.

use crate::audit::RuleId;
use serde_json::{Value, json};

use super::fixtures::*;
use crate::model::Outcome;
use crate::model::tenancy::DEFAULT_CONTROLLER_NAME;

fn gw_target() -> Value {
    json!([target("Gateway", "edge", None)])
}

fn set_ctp(objs: &mut [Value], spec: Value) {
    let p = edit(objs, "ClientTrafficPolicy", "client");
    p["spec"] = json!({"targetRefs": gw_target()});
    patch(&mut p["spec"], spec);
}

fn set_btp(objs: &mut [Value], spec: Value) {
    let p = edit(objs, "BackendTrafficPolicy", "backend");
    p["spec"] = json!({"targetRefs": gw_target()});
    patch(&mut p["spec"], spec);
}

fn without(mut spec: Value, p: Value) -> Value {
    patch(&mut spec, p);
    spec
}

// ---- EG201 / EG202 ----

#[test]
fn eg201_missing_request_received_timeout_on_every_http_listener() {
    let mut objs = baseline();
    set_ctp(
        &mut objs,
        without(
            good_ctp_spec(),
            json!({"timeout": {"http": {"requestReceivedTimeout": null}}}),
        ),
    );
    let r = audit(&objs);
    for l in ["http", "https"] {
        let f = on_listener(&r, RuleId::EG201, "edge", l);
        has_words(f, &["requestReceivedTimeout", "apps/client"]);
        assert_eq!(f.related[0].name, "client");
    }
    none(&r, RuleId::EG202);
}

#[test]
fn eg201_eg202_no_policy_at_all_for_a_gateway() {
    let mut objs = baseline();
    objs.push(gateway(
        APPS,
        "bare",
        "eg",
        json!([listener("web", "HTTP", 80, None)]),
    ));
    let r = audit(&objs);
    has_words(
        on_listener(&r, RuleId::EG201, "bare", "web"),
        &["no ClientTrafficPolicy", "requestReceivedTimeout"],
    );
    has_words(
        on_listener(&r, RuleId::EG202, "bare", "web"),
        &["idleTimeout", "1h"],
    );
    assert_eq!(findings_of(&r, RuleId::EG201).len(), 1, "edge stays clean");
}

#[test]
fn eg201_eg202_present_durations_are_quiet() {
    let r = audit(&baseline());
    none(&r, RuleId::EG201);
    none(&r, RuleId::EG202);
}

#[test]
fn eg201_not_for_tcp_or_tls_listeners() {
    let mut objs = baseline();
    set_ctp(&mut objs, json!({"connection": {"bufferLimit": "32Ki"}}));
    edit(&mut objs, "Gateway", "edge")["spec"]["listeners"] = json!([
        listener("tcp", "TCP", 9000, None),
        listener("tls", "TLS", 8443, Some("db.example.com")),
    ]);
    let r = audit(&objs);
    for rule in [RuleId::EG201, RuleId::EG202, RuleId::EG205] {
        assert!(findings_of(&r, rule).is_empty(), "{rule}");
    }
}

#[test]
fn eg202_missing_idle_timeout() {
    let mut objs = baseline();
    set_ctp(
        &mut objs,
        without(
            good_ctp_spec(),
            json!({"timeout": {"http": {"idleTimeout": null}}}),
        ),
    );
    let r = audit(&objs);
    has_words(
        on_listener(&r, RuleId::EG202, "edge", "http"),
        &["idleTimeout"],
    );
    on_listener(&r, RuleId::EG202, "edge", "https");
    none(&r, RuleId::EG201);
}

#[test]
fn ctp_rules_skipped_without_any_client_traffic_policy() {
    let mut objs = baseline();
    remove_kind(&mut objs, "ClientTrafficPolicy");
    let r = audit(&objs);
    for rule in [RuleId::EG201, RuleId::EG202, RuleId::EG205, RuleId::EG206] {
        let why = skipped(&r, rule);
        assert!(why.contains("ClientTrafficPolicy"), "{why}");
    }
}

#[test]
fn section_name_beats_gateway_wide_for_that_listener_only() {
    let mut objs = baseline();
    // The listener policy lacks idleTimeout; the Gateway-wide one has it.
    objs.push(with_ts(
        ctp(
            APPS,
            "https-only",
            T1,
            json!([target("Gateway", "edge", Some("https"))]),
            without(
                good_ctp_spec(),
                json!({"timeout": {"http": {"idleTimeout": null}}}),
            ),
        ),
        T1,
    ));
    let r = audit(&objs);
    let f = on_listener(&r, RuleId::EG202, "edge", "https");
    has_words(f, &["apps/https-only"]);
    assert_eq!(
        findings_of(&r, RuleId::EG202).len(),
        1,
        "http keeps the Gateway-wide CTP"
    );
    // And the other way round: a good listener policy under a bad Gateway one.
    let mut objs = baseline();
    set_ctp(&mut objs, json!({}));
    objs.push(ctp(
        APPS,
        "https-only",
        T1,
        json!([target("Gateway", "edge", Some("https"))]),
        good_ctp_spec(),
    ));
    let r = audit(&objs);
    on_listener(&r, RuleId::EG201, "edge", "http");
    assert_eq!(findings_of(&r, RuleId::EG201).len(), 1);
}

#[test]
fn oldest_policy_wins_and_the_younger_is_conflicted() {
    let bad =
        json!({"http2": {"maxConcurrentStreams": 100}, "connection": {"bufferLimit": "32Ki"}});
    // Younger bad policy: the older good one stays effective.
    let mut objs = baseline();
    objs.push(ctp(APPS, "aaa-younger", T1, gw_target(), bad.clone()));
    let r = audit(&objs);
    none(&r, RuleId::EG201);
    let s = store(&objs);
    let m = crate::model::Model::build(&s);
    let younger = m
        .policies
        .iter()
        .find(|p| p.obj.name == "aaa-younger")
        .unwrap();
    assert!(younger.conflicted());
    assert!(matches!(younger.outcomes[0], Outcome::Conflicted { .. }));
    let older = m.policies.iter().find(|p| p.obj.name == "client").unwrap();
    assert_eq!(older.outcomes, vec![Outcome::Attached]);
    // Older bad policy: it wins.
    let mut objs = baseline();
    objs.push(ctp(
        APPS,
        "zzz-older",
        "2025-06-01T00:00:00Z",
        gw_target(),
        bad.clone(),
    ));
    let r = audit(&objs);
    has_words(
        on_listener(&r, RuleId::EG201, "edge", "http"),
        &["apps/zzz-older"],
    );
    // Same age: namespace/name decides ("aaa" before "client").
    let mut objs = baseline();
    objs.push(ctp(APPS, "aaa", T0, gw_target(), bad));
    let r = audit(&objs);
    has_words(
        on_listener(&r, RuleId::EG201, "edge", "http"),
        &["apps/aaa"],
    );
}

#[test]
fn target_selectors_match_gateways_in_the_policy_namespace() {
    let mut objs = baseline();
    remove(&mut objs, "ClientTrafficPolicy", "client");
    // Gateways labelled tier=edge in apps and in other: only apps' is targeted.
    edit(&mut objs, "Gateway", "edge")["metadata"]["labels"] = json!({"tier": "edge"});
    objs.push(namespace("other", json!({})));
    let mut other = gateway(
        "other",
        "far",
        "eg",
        json!([listener("web", "HTTP", 80, None)]),
    );
    other["metadata"]["labels"] = json!({"tier": "edge"});
    objs.push(other);
    let mut p = ctp(APPS, "by-label", T0, json!([]), good_ctp_spec());
    p["spec"] = without(
        p["spec"].clone(),
        json!({"targetRefs": null,
        "targetSelectors": [{"group": "gateway.networking.k8s.io", "kind": "Gateway",
                             "matchLabels": {"tier": "edge"}}]}),
    );
    objs.push(p);
    let r = audit(&objs);
    let f = findings_of(&r, RuleId::EG201);
    assert!(f.iter().all(|x| x.object.name == "far"), "{f:#?}");
    on_listener(&r, RuleId::EG201, "far", "web");
    // A selector that matches nothing leaves edge without a policy.
    edit(&mut objs, "Gateway", "edge")["metadata"]["labels"] = json!({"tier": "inner"});
    let r = audit(&objs);
    on_listener(&r, RuleId::EG201, "edge", "http");
}

#[test]
fn a_target_named_twice_does_not_conflict_the_policy_with_itself() {
    let mut objs = baseline();
    edit(&mut objs, "Gateway", "edge")["metadata"]["labels"] = json!({"tier": "edge"});
    objs.push(gateway(
        APPS,
        "other",
        "eg",
        json!([listener("web", "HTTP", 8080, None)]),
    ));
    let p = edit(&mut objs, "ClientTrafficPolicy", "client");
    p["spec"]["targetRefs"] = json!([
        target("Gateway", "edge", None),
        target("Gateway", "other", None)
    ]);
    p["spec"]["targetSelectors"] = json!([{"kind": "Gateway", "matchLabels": {"tier": "edge"}}]);
    let r = audit(&objs);
    none(&r, RuleId::EG201);
    let s = store(&objs);
    let m = crate::model::Model::build(&s);
    let p = m.policies.iter().find(|p| p.obj.name == "client").unwrap();
    assert_eq!(p.targets.len(), 2);
    assert!(!p.conflicted());
}

#[test]
fn deprecated_target_ref_still_attaches() {
    let mut objs = baseline();
    let p = edit(&mut objs, "ClientTrafficPolicy", "client");
    patch(
        &mut p["spec"],
        json!({"targetRefs": null, "targetRef": target("Gateway", "edge", None)}),
    );
    let r = audit(&objs);
    none(&r, RuleId::EG201);
    let s = store(&objs);
    let m = crate::model::Model::build(&s);
    let p = m.policies.iter().find(|p| p.obj.name == "client").unwrap();
    assert!(p.uses_deprecated_target_ref);
    assert_eq!(p.targets.len(), 1);
}

#[test]
fn gateways_of_other_implementations_are_not_audited() {
    let mut objs = baseline();
    objs.push(gateway_class("istio", "istio.io/gateway-controller"));
    objs.push(gateway(
        APPS,
        "mesh",
        "istio",
        json!([listener("web", "HTTP", 80, None)]),
    ));
    objs.push(http_route(APPS, "mesh-route", "mesh"));
    let r = audit(&objs);
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
}

// ---- EG203 / EG204 / EG211 and the BTP resolution ----

#[test]
fn eg203_missing_request_timeout() {
    let mut objs = baseline();
    set_btp(
        &mut objs,
        without(
            good_btp_spec(),
            json!({"timeout": {"http": {"requestTimeout": null}}}),
        ),
    );
    let r = audit(&objs);
    let f = one(&r, RuleId::EG203, "HTTPRoute", "shop");
    assert_eq!(f.object.namespace.as_deref(), Some(APPS));
    assert_eq!(f.listener, None);
    has_words(f, &["requestTimeout", "apps/backend"]);
    none(&r, RuleId::EG204);
}

#[test]
fn eg203_only_for_http_routes() {
    let mut objs = baseline();
    set_btp(
        &mut objs,
        without(good_btp_spec(), json!({"timeout": {"http": null}})),
    );
    edit(&mut objs, "Gateway", "edge")["spec"]["listeners"] =
        json!([listener("tcp", "TCP", 9000, None)]);
    remove(&mut objs, "HTTPRoute", "shop");
    objs.push(route("TCPRoute", APPS, "db", json!([{"name": "edge"}])));
    let r = audit(&objs);
    none(&r, RuleId::EG203);
    // connectionIdleTimeout is an HTTP setting: a TCPRoute needs connectTimeout only.
    none(&r, RuleId::EG204);
}

#[test]
fn eg204_lists_what_is_missing() {
    let mut objs = baseline();
    set_btp(
        &mut objs,
        without(
            good_btp_spec(),
            json!({"timeout": {"tcp": null, "http": {"connectionIdleTimeout": null}}}),
        ),
    );
    objs.push(route("TCPRoute", APPS, "db", json!([{"name": "edge"}])));
    edit(&mut objs, "Gateway", "edge")["spec"]["listeners"]
        .as_array_mut()
        .unwrap()
        .push(listener("tcp", "TCP", 9000, None));
    let r = audit(&objs);
    let f = one(&r, RuleId::EG204, "HTTPRoute", "shop");
    has_words(
        f,
        &[
            "timeout.tcp.connectTimeout",
            "timeout.http.connectionIdleTimeout",
        ],
    );
    let t = one(&r, RuleId::EG204, "TCPRoute", "db");
    has_words(t, &["timeout.tcp.connectTimeout"]);
    assert!(!t.message.contains("connectionIdleTimeout"));
    none(&r, RuleId::EG203);
}

#[test]
fn eg211_tcp_keepalive_absent_fires_and_empty_counts_as_set() {
    let mut objs = baseline();
    set_btp(
        &mut objs,
        without(good_btp_spec(), json!({"tcpKeepalive": null})),
    );
    let r = audit(&objs);
    has_words(
        one(&r, RuleId::EG211, "HTTPRoute", "shop"),
        &["tcpKeepalive"],
    );
    // The baseline sets `tcpKeepalive: {}`.
    assert_eq!(
        edit(&mut baseline(), "BackendTrafficPolicy", "backend")["spec"]["tcpKeepalive"],
        json!({})
    );
    none(&audit(&baseline()), RuleId::EG211);
}

#[test]
fn btp_rules_skipped_without_any_backend_traffic_policy() {
    let mut objs = baseline();
    remove_kind(&mut objs, "BackendTrafficPolicy");
    let r = audit(&objs);
    for rule in [RuleId::EG203, RuleId::EG204, RuleId::EG207, RuleId::EG211] {
        let why = skipped(&r, rule);
        assert!(why.contains("BackendTrafficPolicy"), "{why}");
    }
}

#[test]
fn route_btp_with_merge_type_merges_over_the_gateway_btp() {
    let mut objs = baseline();
    // The Gateway BTP has everything but keep-alive; the route BTP only that.
    set_btp(
        &mut objs,
        without(good_btp_spec(), json!({"tcpKeepalive": null})),
    );
    objs.push(btp(
        APPS,
        "shop-merge",
        T1,
        json!([target("HTTPRoute", "shop", None)]),
        json!({"mergeType": "StrategicMerge", "tcpKeepalive": {"probes": 3}}),
    ));
    let r = audit(&objs);
    for rule in [RuleId::EG203, RuleId::EG204, RuleId::EG207, RuleId::EG211] {
        none(&r, rule);
    }
    let s = store(&objs);
    let m = crate::model::Model::build(&s);
    let gw = m.policies.iter().find(|p| p.obj.name == "backend").unwrap();
    assert!(gw.merged_into);
    assert!(!gw.overridden);
}

#[test]
fn route_btp_without_merge_type_replaces_the_gateway_btp() {
    let mut objs = baseline();
    objs.push(btp(
        APPS,
        "shop-only",
        T1,
        json!([target("HTTPRoute", "shop", None)]),
        json!({"timeout": {"http": {"requestTimeout": "5s"}}}),
    ));
    let r = audit(&objs);
    none(&r, RuleId::EG203);
    has_words(
        one(&r, RuleId::EG204, "HTTPRoute", "shop"),
        &["apps/shop-only", "connectTimeout", "connectionIdleTimeout"],
    );
    one(&r, RuleId::EG207, "HTTPRoute", "shop");
    one(&r, RuleId::EG211, "HTTPRoute", "shop");
    let s = store(&objs);
    let m = crate::model::Model::build(&s);
    let gw = m.policies.iter().find(|p| p.obj.name == "backend").unwrap();
    assert!(gw.overridden);
}

#[test]
fn route_rule_btp_beats_route_btp() {
    let mut objs = baseline();
    edit(&mut objs, "HTTPRoute", "shop")["spec"]["rules"] =
        json!([{"name": "api", "backendRefs": [{"name": "svc", "port": 80}]}]);
    objs.push(btp(
        APPS,
        "route-wide",
        T0,
        json!([target("HTTPRoute", "shop", None)]),
        json!({}),
    ));
    objs.push(btp(
        APPS,
        "rule-api",
        T1,
        json!([target("HTTPRoute", "shop", Some("api"))]),
        good_btp_spec(),
    ));
    let r = audit(&objs);
    for rule in [RuleId::EG203, RuleId::EG204, RuleId::EG207, RuleId::EG211] {
        none(&r, rule);
    }
}

#[test]
fn listener_btp_beats_gateway_btp() {
    let mut objs = baseline();
    objs.push(btp(
        APPS,
        "http-listener",
        T1,
        json!([target("Gateway", "edge", Some("http"))]),
        without(good_btp_spec(), json!({"tcpKeepalive": null})),
    ));
    // shop attaches through both listeners; behind "http" keep-alive is off.
    let r = audit(&objs);
    has_words(
        one(&r, RuleId::EG211, "HTTPRoute", "shop"),
        &["tcpKeepalive"],
    );
}

// ---- EG205 ----

#[test]
fn eg205_max_concurrent_streams() {
    let mut objs = baseline();
    set_ctp(
        &mut objs,
        without(
            good_ctp_spec(),
            json!({"http2": {"maxConcurrentStreams": 200}}),
        ),
    );
    let r = audit(&objs);
    has_words(
        on_listener(&r, RuleId::EG205, "edge", "http"),
        &["200", "above 100"],
    );
    set_ctp(&mut objs, without(good_ctp_spec(), json!({"http2": null})));
    let r = audit(&objs);
    has_words(
        on_listener(&r, RuleId::EG205, "edge", "https"),
        &["maxConcurrentStreams"],
    );
    set_ctp(
        &mut objs,
        without(
            good_ctp_spec(),
            json!({"http2": {"maxConcurrentStreams": 50}}),
        ),
    );
    none(&audit(&objs), RuleId::EG205);
}

// ---- EG206 / EG207: quantities ----

#[test]
fn eg206_buffer_limit_quantities() {
    for (limit, fires) in [
        (json!("32Ki"), false),
        (json!("32768"), false),
        (json!(32768), false),
        (json!("16Ki"), false),
        (json!("1Mi"), true),
        (json!(32769), true),
    ] {
        let mut objs = baseline();
        set_ctp(
            &mut objs,
            without(
                good_ctp_spec(),
                json!({"connection": {"bufferLimit": limit.clone()}}),
            ),
        );
        let r = audit(&objs);
        if fires {
            let f = on_listener(&r, RuleId::EG206, "edge", "http");
            has_words(f, &["above 32Ki"]);
        } else {
            none(&r, RuleId::EG206);
        }
    }
}

#[test]
fn eg206_unset_on_every_listener_but_udp() {
    let mut objs = baseline();
    set_ctp(
        &mut objs,
        without(good_ctp_spec(), json!({"connection": null})),
    );
    edit(&mut objs, "Gateway", "edge")["spec"]["listeners"]
        .as_array_mut()
        .unwrap()
        .extend([
            listener("tcp", "TCP", 9000, None),
            listener("udp", "UDP", 5353, None),
        ]);
    let r = audit(&objs);
    for l in ["http", "https", "tcp"] {
        has_words(on_listener(&r, RuleId::EG206, "edge", l), &["bufferLimit"]);
    }
    assert_eq!(findings_of(&r, RuleId::EG206).len(), 3);
}

#[test]
fn eg206_eg207_satisfied_by_the_envoy_proxy_bootstrap() {
    let mut objs = baseline();
    set_ctp(
        &mut objs,
        without(good_ctp_spec(), json!({"connection": null})),
    );
    set_btp(
        &mut objs,
        without(good_btp_spec(), json!({"connection": null})),
    );
    one(&audit(&objs), RuleId::EG207, "HTTPRoute", "shop");
    edit(&mut objs, "EnvoyProxy", "proxy-config")["spec"]["bootstrap"] = json!({
        "type": "Merge",
        "value": "static_resources:\n  listeners:\n  - per_connection_buffer_limit_bytes: 32768\n  clusters:\n  - per_connection_buffer_limit_bytes: 32768\n"
    });
    let r = audit(&objs);
    none(&r, RuleId::EG206);
    none(&r, RuleId::EG207);
}

#[test]
fn eg206_eg207_bootstrap_counts_only_for_its_resource() {
    // Written as JSON (valid YAML) so that it parses.
    let mut objs = baseline();
    set_ctp(
        &mut objs,
        without(good_ctp_spec(), json!({"connection": null})),
    );
    set_btp(
        &mut objs,
        without(good_btp_spec(), json!({"connection": null})),
    );
    edit(&mut objs, "EnvoyProxy", "proxy-config")["spec"]["bootstrap"] = json!({
        "type": "Merge",
        "value": json!({"static_resources": {"clusters": [
            {"name": "x", "per_connection_buffer_limit_bytes": 32768}]}}).to_string()
    });
    let r = audit(&objs);
    none(&r, RuleId::EG207);
    on_listener(&r, RuleId::EG206, "edge", "http");
    edit(&mut objs, "EnvoyProxy", "proxy-config")["spec"]["bootstrap"]["value"] = json!(
        json!({"static_resources": {"listeners": [
            {"name": "x", "per_connection_buffer_limit_bytes": "32768"}]}})
        .to_string()
    );
    let r = audit(&objs);
    none(&r, RuleId::EG206);
    one(&r, RuleId::EG207, "HTTPRoute", "shop");
}

#[test]
fn eg206_satisfied_by_an_envoy_patch_policy() {
    let mut objs = baseline();
    set_ctp(
        &mut objs,
        without(good_ctp_spec(), json!({"connection": null})),
    );
    let mut epp = policy(
        "EnvoyPatchPolicy",
        APPS,
        "buffers",
        T0,
        json!([]),
        json!({}),
    );
    epp["spec"] = json!({"targetRef": target("Gateway", "edge", None), "type": "JSONPatch",
        "jsonPatches": [{"type": "type.googleapis.com/envoy.config.listener.v3.Listener",
            "name": "apps/edge/http",
            "operation": {"op": "add", "path": "/per_connection_buffer_limit_bytes", "value": 16384}}]});
    objs.push(epp.clone());
    none(&audit(&objs), RuleId::EG206);
    // A patch above the cap does not count.
    epp["spec"]["jsonPatches"][0]["operation"]["value"] = json!(1048576);
    remove(&mut objs, "EnvoyPatchPolicy", "buffers");
    objs.push(epp);
    on_listener(&audit(&objs), RuleId::EG206, "edge", "http");
}

#[test]
fn eg207_cluster_buffer_limit() {
    for (limit, fires) in [
        (json!("32Ki"), false),
        (json!("32768"), false),
        (json!(32768), false),
        (json!("1Mi"), true),
    ] {
        let mut objs = baseline();
        set_btp(
            &mut objs,
            without(
                good_btp_spec(),
                json!({"connection": {"bufferLimit": limit}}),
            ),
        );
        let r = audit(&objs);
        if fires {
            has_words(
                one(&r, RuleId::EG207, "HTTPRoute", "shop"),
                &["1Mi", "above 32Ki"],
            );
        } else {
            none(&r, RuleId::EG207);
        }
    }
}

// ---- EG208 ----

#[test]
fn eg208_envoy_proxy_without_limits() {
    let mut objs = baseline();
    edit(&mut objs, "EnvoyProxy", "proxy-config")["spec"]["provider"]["kubernetes"]["envoyDeployment"]
        ["container"]["resources"] = json!({"requests": {"cpu": "100m", "memory": "512Mi"}});
    // A second Gateway of the class: the EnvoyProxy serves two fleets.
    objs.push(gateway(
        APPS,
        "second",
        "eg",
        json!([listener("web", "HTTP", 8080, None)]),
    ));
    let r = audit(&objs);
    let f = one(&r, RuleId::EG208, "EnvoyProxy", "proxy-config");
    has_words(f, &["limits.cpu", "limits.memory"]);
    assert!(!f.message.contains("requests.cpu"));
    assert_eq!(
        findings_of(&r, RuleId::EG208).len(),
        1,
        "one finding per object"
    );
}

#[test]
fn eg208_no_envoy_proxy_lands_on_the_gateway() {
    let mut objs = baseline();
    remove(&mut objs, "EnvoyProxy", "proxy-config");
    edit(&mut objs, "GatewayClass", "eg")["spec"]
        .as_object_mut()
        .unwrap()
        .remove("parametersRef");
    let r = audit(&objs);
    let f = one(&r, RuleId::EG208, "Gateway", "edge");
    has_words(f, &["defaults", "requests.cpu", "limits.memory"]);
}

#[test]
fn eg208_live_envoy_container_without_resources() {
    let mut objs = baseline();
    let name = edge_proxy_name();
    edit(&mut objs, "Deployment", &name)["spec"]["template"]["spec"]["containers"][0]
        .as_object_mut()
        .unwrap()
        .remove("resources");
    let r = audit(&objs);
    let f = one(&r, RuleId::EG208, "EnvoyProxy", "proxy-config");
    has_words(f, &["envoy container", &name]);
}

#[test]
fn eg208_daemonset_resources_count() {
    let mut objs = baseline();
    let ep = edit(&mut objs, "EnvoyProxy", "proxy-config");
    let k = &mut ep["spec"]["provider"]["kubernetes"];
    k["envoyDaemonSet"] = k["envoyDeployment"].clone();
    k.as_object_mut().unwrap().remove("envoyDeployment");
    none(&audit(&objs), RuleId::EG208);
}

#[test]
fn eg208_complete_resources_are_quiet() {
    none(&audit(&baseline()), RuleId::EG208);
}

// ---- EG209 / EG210 ----

fn without_envoy_hpa(objs: &mut [Value]) {
    edit(objs, "EnvoyProxy", "proxy-config")["spec"]["provider"]["kubernetes"]
        .as_object_mut()
        .unwrap()
        .remove("envoyHpa");
}

#[test]
fn eg209_fleet_without_hpa() {
    let mut objs = baseline();
    without_envoy_hpa(&mut objs);
    remove_kind(&mut objs, "HorizontalPodAutoscaler");
    let r = audit(&objs);
    let f = one(&r, RuleId::EG209, "Gateway", "edge");
    has_words(f, &["apps/edge", "envoyHpa"]);
}

#[test]
fn eg209_live_hpa_or_envoy_hpa_is_enough() {
    let mut objs = baseline();
    without_envoy_hpa(&mut objs);
    none(&audit(&objs), RuleId::EG209);
    let mut objs = baseline();
    remove_kind(&mut objs, "HorizontalPodAutoscaler");
    none(&audit(&objs), RuleId::EG209);
}

#[test]
fn eg209_merged_fleet_lands_on_the_class() {
    let mut objs = baseline();
    without_envoy_hpa(&mut objs);
    remove_kind(&mut objs, "HorizontalPodAutoscaler");
    edit(&mut objs, "EnvoyProxy", "proxy-config")["spec"]["mergeGateways"] = json!(true);
    let r = audit(&objs);
    let f = one(&r, RuleId::EG209, "GatewayClass", "eg");
    assert_eq!(f.object.namespace, None);
    assert_eq!(findings_of(&r, RuleId::EG209).len(), 1);
}

#[test]
fn eg210_envoy_hpa_metrics() {
    let set_metrics = |objs: &mut [Value], metrics: Value| {
        edit(objs, "EnvoyProxy", "proxy-config")["spec"]["provider"]["kubernetes"]["envoyHpa"]["metrics"] =
            metrics;
    };
    let mut objs = baseline();
    set_metrics(&mut objs, json!([]));
    let r = audit(&objs);
    has_words(
        one(&r, RuleId::EG210, "EnvoyProxy", "proxy-config"),
        &["80%"],
    );
    set_metrics(&mut objs, json!([cpu_metric(80)]));
    let r = audit(&objs);
    has_words(
        one(&r, RuleId::EG210, "EnvoyProxy", "proxy-config"),
        &["80%", "60-70"],
    );
    set_metrics(
        &mut objs,
        json!([{"type": "Resource", "resource": {"name": "memory",
            "target": {"type": "Utilization", "averageUtilization": 65}}}]),
    );
    let r = audit(&objs);
    has_words(
        one(&r, RuleId::EG210, "EnvoyProxy", "proxy-config"),
        &["CPU"],
    );
    for ok in [60, 65, 70] {
        set_metrics(&mut objs, json!([cpu_metric(ok)]));
        none(&audit(&objs), RuleId::EG210);
    }
}

#[test]
fn eg210_live_hpa() {
    let mut objs = baseline();
    let name = edge_proxy_name();
    edit(&mut objs, "HorizontalPodAutoscaler", &name)["spec"]["metrics"] = json!([cpu_metric(75)]);
    let r = audit(&objs);
    let f = one(&r, RuleId::EG210, "HorizontalPodAutoscaler", &name);
    has_words(f, &["75%"]);
    assert_eq!(findings_of(&r, RuleId::EG210).len(), 1);
}

#[test]
fn eg2_classes_served_by_a_named_tenant_controller_are_audited() {
    // A class named under gateway.envoyproxy.io/ counts as Envoy Gateway's.
    let mut objs = baseline();
    edit(&mut objs, "GatewayClass", "eg")["spec"]["controllerName"] =
        json!("gateway.envoyproxy.io/tenant-x");
    set_ctp(&mut objs, json!({}));
    let r = audit(&objs);
    on_listener(&r, RuleId::EG201, "edge", "http");
    assert_ne!(DEFAULT_CONTROLLER_NAME, "gateway.envoyproxy.io/tenant-x");
}

// ---- route rules behind ListenerSet listeners ----

/// The baseline on Envoy Gateway v1.9 with ListenerSet `apps/extra` (HTTP
/// `api` on 8080) attached to `apps/edge`, HTTPRoute `apps/via-ls`
/// attached through it, and a BackendTrafficPolicy `ls-backend` targeting
/// the ListenerSet (`section`: one of its listeners) with `spec`.
fn behind_listener_set(section: Option<&str>, spec: Value) -> Vec<Value> {
    let mut objs = baseline();
    edit(&mut objs, "Deployment", "envoy-gateway")["spec"]["template"]["spec"]["containers"][0]["image"] =
        json!("docker.io/envoyproxy/gateway:v1.9.0");
    edit(&mut objs, "Gateway", "edge")["spec"]["allowedListeners"] =
        json!({"namespaces": {"from": "Same"}});
    objs.push(json!({"apiVersion": GW, "kind": "ListenerSet",
        "metadata": {"name": "extra", "namespace": APPS, "creationTimestamp": T1},
        "spec": {"parentRef": {"name": "edge"},
                 "listeners": [listener("api", "HTTP", 8080, None)]}}));
    objs.push(route(
        "HTTPRoute",
        APPS,
        "via-ls",
        json!([{"group": "gateway.networking.k8s.io", "kind": "ListenerSet", "name": "extra"}]),
    ));
    objs.push(btp(
        APPS,
        "ls-backend",
        T1,
        json!([target("ListenerSet", "extra", section)]),
        spec,
    ));
    objs
}

#[test]
fn route_rules_read_the_listener_set_policy_the_model_resolved() {
    // A ListenerSet-wide BTP without tcpKeepalive replaces the Gateway's
    // whole for the route behind it (Envoy Gateway v1.9.0
    // backendtrafficpolicy.go: ListenerSet > Gateway), so EG211 fires on
    // that route, naming it, and not on the Gateway's own route.
    let spec = without(good_btp_spec(), json!({"tcpKeepalive": null}));
    let r = audit(&behind_listener_set(None, spec.clone()));
    let f = one(&r, RuleId::EG211, "HTTPRoute", "via-ls");
    has_words(f, &["apps/ls-backend", "tcpKeepalive"]);
    assert!(f.related.iter().any(|o| o.name == "ls-backend"));
    assert_eq!(
        findings_of(&r, RuleId::EG211).len(),
        1,
        "apps/shop keeps the Gateway's"
    );
    // The same on one ListenerSet listener (sectionName).
    let r = audit(&behind_listener_set(Some("api"), spec));
    has_words(
        one(&r, RuleId::EG211, "HTTPRoute", "via-ls"),
        &["apps/ls-backend"],
    );
    // And the other way round: a complete ListenerSet policy covers the
    // route although the Gateway-wide one lacks a field.
    let mut objs = behind_listener_set(None, good_btp_spec());
    set_btp(
        &mut objs,
        without(good_btp_spec(), json!({"tcpKeepalive": null})),
    );
    let r = audit(&objs);
    let on: Vec<&str> = findings_of(&r, RuleId::EG211)
        .iter()
        .map(|f| f.object.name.as_str())
        .collect();
    assert_eq!(on, ["shop"]);
}
