//! The policy statuses the model predicts (`egscope model`), and the
//! release-dependent resolution (cross-namespace attachment, SecurityPolicy
//! and EnvoyExtensionPolicy `mergeType`).

use crate::audit::RuleId;
use serde_json::{Value, json};

use super::fixtures::*;
use crate::model::Model;
use crate::model::policy::{Policy, PolicyAncestor};

fn on_version(mut objs: Vec<Value>, version: &str) -> Vec<Value> {
    edit(&mut objs, "Deployment", "envoy-gateway")["spec"]["template"]["spec"]["containers"][0]["image"] =
        json!(format!("docker.io/envoyproxy/gateway:{version}"));
    objs
}

fn with_policy<T>(objs: &[Value], kind: &str, name: &str, f: impl FnOnce(&Policy) -> T) -> T {
    let s = store(objs);
    let m = Model::build(&s);
    let p = m
        .policies
        .iter()
        .find(|p| p.obj.kind.name() == kind && p.obj.name == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"));
    f(p)
}

/// (type, status, reason) of every condition of the one ancestor.
fn conditions(p: &Policy) -> Vec<(String, &'static str, String)> {
    assert_eq!(p.ancestors.len(), 1, "{:#?}", p.ancestors);
    one_ancestor(&p.ancestors[0])
}

fn one_ancestor(a: &PolicyAncestor) -> Vec<(String, &'static str, String)> {
    a.conditions
        .iter()
        .map(|c| (c.type_.clone(), c.status, c.reason.clone()))
        .collect()
}

fn cond(t: &str, s: &'static str, r: &str) -> (String, &'static str, String) {
    (t.to_string(), s, r.to_string())
}

#[test]
fn conflicted_and_target_not_found_as_envoy_gateway_writes_them() {
    let mut objs = baseline();
    objs.push(ctp(
        APPS,
        "younger",
        T1,
        json!([target("Gateway", "edge", None)]),
        json!({}),
    ));
    objs.push(ctp(
        APPS,
        "nowhere",
        T1,
        json!([target("Gateway", "edge", Some("no-such-listener"))]),
        json!({}),
    ));
    with_policy(&objs, "ClientTrafficPolicy", "younger", |p| {
        assert_eq!(conditions(p), vec![cond("Accepted", "False", "Conflicted")]);
        let a = &p.ancestors[0];
        assert_eq!(a.ancestor_ref.kind, "Gateway");
        assert_eq!(a.ancestor_ref.namespace.as_deref(), Some(APPS));
        assert_eq!(a.ancestor_ref.section_name, None);
        assert_eq!(
            a.controller_name,
            "gateway.envoyproxy.io/gatewayclass-controller"
        );
        assert_eq!(
            a.conditions[0].message,
            "Unable to target Gateway edge, another ClientTrafficPolicy has already attached to it"
        );
    });
    with_policy(&objs, "ClientTrafficPolicy", "nowhere", |p| {
        assert_eq!(
            conditions(p),
            vec![cond("Accepted", "False", "TargetNotFound")]
        );
        assert_eq!(
            p.ancestors[0].conditions[0].message,
            "No section name no-such-listener found for Gateway apps/edge"
        );
    });
    with_policy(&objs, "ClientTrafficPolicy", "client", |p| {
        assert_eq!(conditions(p), vec![cond("Accepted", "True", "Accepted")]);
    });
}

#[test]
fn a_policy_on_a_gateway_of_another_implementation_gets_no_status() {
    let mut objs = baseline();
    objs.push(gateway_class("istio", "istio.io/gateway-controller"));
    objs.push(gateway(
        APPS,
        "mesh",
        "istio",
        json!([listener("web", "HTTP", 80, None)]),
    ));
    objs.push(ctp(
        APPS,
        "mesh",
        T1,
        json!([target("Gateway", "mesh", None)]),
        json!({}),
    ));
    with_policy(&objs, "ClientTrafficPolicy", "mesh", |p| {
        assert!(p.ancestors.is_empty(), "{:#?}", p.ancestors);
    });
}

/// The baseline on `version` with a ListenerSet `extra` (listener
/// `extra-http` on 8080) admitted by Gateway `edge`, a ClientTrafficPolicy
/// on that listener and a BackendTrafficPolicy on the whole ListenerSet.
fn with_listener_set_policies(version: &str) -> Vec<Value> {
    let mut objs = on_version(baseline(), version);
    edit(&mut objs, "Gateway", "edge")["spec"]["allowedListeners"] =
        json!({"namespaces": {"from": "Same"}});
    objs.push(
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "ListenerSet",
        "metadata": {"name": "extra", "namespace": APPS, "creationTimestamp": T1},
        "spec": {"parentRef": {"name": "edge"},
                 "listeners": [listener("extra-http", "HTTP", 8080, None)]}}),
    );
    objs.push(ctp(
        APPS,
        "on-ls-listener",
        T1,
        json!([target("ListenerSet", "extra", Some("extra-http"))]),
        json!({}),
    ));
    objs.push(btp(
        APPS,
        "on-ls",
        T1,
        json!([target("ListenerSet", "extra", None)]),
        json!({}),
    ));
    objs
}

#[test]
fn policies_on_a_listener_set_report_against_it_from_v1_9() {
    let objs = with_listener_set_policies("v1.9.0");
    with_policy(&objs, "ClientTrafficPolicy", "on-ls-listener", |p| {
        let a = &p.ancestors[0].ancestor_ref;
        assert_eq!(
            (a.kind.as_str(), a.name.as_str(), a.section_name.as_deref()),
            ("ListenerSet", "extra", Some("extra-http"))
        );
        assert_eq!(
            conditions(p),
            vec![("Accepted".into(), "True", "Accepted".into())]
        );
        assert!(p.unjudged.is_empty(), "{:?}", p.unjudged);
    });
    // The Gateway-wide policy yields the ListenerSet listener.
    with_policy(&objs, "ClientTrafficPolicy", "client", |p| {
        let o = p.ancestors[0].condition("Overridden").expect("Overridden");
        assert_eq!(
            o.message,
            "There are existing ClientTrafficPolicies that are overriding these sections [extra-http]"
        );
    });
    with_policy(&objs, "BackendTrafficPolicy", "backend", |p| {
        let o = p.ancestors[0].condition("Overridden").expect("Overridden");
        assert_eq!(
            o.message,
            "This policy is being overridden by other backendTrafficPolicies for these listenersets: [apps/extra]"
        );
    });
    let m = Model::build(&store(&objs));
    let gi = m
        .gateways
        .iter()
        .position(|g| g.obj.name == "edge")
        .unwrap();
    let li = m.gateways[gi]
        .listeners
        .iter()
        .position(|l| l.name == "extra-http")
        .unwrap();
    let ctp = crate::model::policy::effective_ctp(&m.attachments, gi, li).unwrap();
    assert_eq!(m.policies[ctp].obj.name, "on-ls-listener");
}

#[test]
fn listener_sets_are_no_policy_target_before_v1_9() {
    let objs = with_listener_set_policies("v1.8.2");
    with_policy(&objs, "ClientTrafficPolicy", "on-ls-listener", |p| {
        assert!(p.ancestors.is_empty(), "{:#?}", p.ancestors);
    });
    with_policy(&objs, "BackendTrafficPolicy", "on-ls", |p| {
        assert!(p.ancestors.is_empty(), "{:#?}", p.ancestors);
    });
    // The Gateway-wide policy covers the ListenerSet listener instead.
    let m = Model::build(&store(&objs));
    let gi = m
        .gateways
        .iter()
        .position(|g| g.obj.name == "edge")
        .unwrap();
    let li = m.gateways[gi]
        .listeners
        .iter()
        .position(|l| l.name == "extra-http")
        .unwrap();
    let ctp = crate::model::policy::effective_ctp(&m.attachments, gi, li).unwrap();
    assert_eq!(m.policies[ctp].obj.name, "client");
}

/// A ClientTrafficPolicy in `platform` selecting Gateways labelled
/// `tier: edge` in every namespace.
fn cross_namespace(grant: bool, version: &str) -> Vec<Value> {
    let mut objs = on_version(baseline(), version);
    remove(&mut objs, "ClientTrafficPolicy", "client");
    objs.push(namespace("platform", json!({})));
    edit(&mut objs, "Gateway", "edge")["metadata"]["labels"] = json!({"tier": "edge"});
    let mut p = ctp("platform", "shared", T0, json!([]), good_ctp_spec());
    p["spec"]["targetRefs"] = Value::Null;
    p["spec"]["targetSelectors"] = json!([{"group": "gateway.networking.k8s.io", "kind": "Gateway",
        "namespaces": {"from": "All"}, "matchLabels": {"tier": "edge"}}]);
    objs.push(p);
    if grant {
        objs.push(json!({"apiVersion": "gateway.networking.k8s.io/v1beta1", "kind": "ReferenceGrant",
            "metadata": {"name": "platform-policies", "namespace": APPS},
            "spec": {"from": [{"group": "gateway.envoyproxy.io", "kind": "ClientTrafficPolicy", "namespace": "platform"}],
                     "to": [{"group": "gateway.networking.k8s.io", "kind": "Gateway"}]}}));
    }
    objs
}

#[test]
fn cross_namespace_selectors_attach_from_v1_8_with_a_reference_grant() {
    let objs = cross_namespace(true, "v1.8.0");
    with_policy(&objs, "ClientTrafficPolicy", "shared", |p| {
        assert_eq!(conditions(p), vec![cond("Accepted", "True", "Accepted")]);
        assert_eq!(p.ancestors[0].ancestor_ref.name, "edge");
    });
    // The listener rules read the same resolution.
    none(&audit(&objs), RuleId::EG201);
    // Without the grant, or before v1.8, the policy reaches nothing.
    for objs in [
        cross_namespace(false, "v1.9.0"),
        cross_namespace(true, "v1.7.5"),
    ] {
        with_policy(&objs, "ClientTrafficPolicy", "shared", |p| {
            assert!(p.ancestors.is_empty(), "{:#?}", p.ancestors);
            assert!(p.targets.is_empty());
        });
        let r = audit(&objs);
        let f = findings_of(&r, RuleId::EG201);
        assert!(!f.is_empty() && f.iter().all(|x| x.object.name == "edge"));
    }
}

/// A Gateway-wide policy of `kind` and a route one with `mergeType`.
fn merging(kind: &str, version: &str) -> Vec<Value> {
    let mut objs = on_version(baseline(), version);
    remove(&mut objs, "BackendTrafficPolicy", "backend");
    objs.push(policy(
        kind,
        APPS,
        "gw",
        T0,
        json!([target("Gateway", "edge", None)]),
        json!({}),
    ));
    objs.push(policy(
        kind,
        APPS,
        "route",
        T1,
        json!([target("HTTPRoute", "shop", None)]),
        json!({"mergeType": "StrategicMerge"}),
    ));
    objs
}

#[test]
fn security_policy_merge_type_merges_from_v1_8_and_overrides_before() {
    let objs = merging("SecurityPolicy", "v1.8.0");
    with_policy(&objs, "SecurityPolicy", "gw", |p| {
        assert!(p.merged_into && !p.overridden);
        assert!(conditions(p).contains(&cond("Merged", "True", "Merged")));
        let msg = &p.ancestors[0].condition("Merged").unwrap().message;
        assert_eq!(
            msg,
            "This policy is being merged by other securityPolicies for these routes: [apps/shop]"
        );
    });
    with_policy(&objs, "SecurityPolicy", "route", |p| {
        let merged = p
            .ancestors
            .iter()
            .find_map(|a| a.condition("Merged"))
            .unwrap();
        assert_eq!(merged.message, "Merged with policy apps/gw");
    });
    let objs = merging("SecurityPolicy", "v1.7.5");
    with_policy(&objs, "SecurityPolicy", "gw", |p| {
        assert!(p.overridden && !p.merged_into);
        assert!(conditions(p).contains(&cond("Overridden", "True", "Overridden")));
    });
    with_policy(&objs, "SecurityPolicy", "route", |p| {
        assert!(p.ancestors.iter().all(|a| a.condition("Merged").is_none()));
    });
}

#[test]
fn envoy_extension_policy_merge_type_merges_from_v1_9() {
    let merged = |version: &str| {
        with_policy(
            &merging("EnvoyExtensionPolicy", version),
            "EnvoyExtensionPolicy",
            "gw",
            |p| p.merged_into,
        )
    };
    assert!(merged("v1.9.0"));
    assert!(!merged("v1.8.3"));
    // BackendTrafficPolicy has merged on every release egscope knows.
    assert!(with_policy(
        &merging("BackendTrafficPolicy", "v1.7.5"),
        "BackendTrafficPolicy",
        "gw",
        |p| p.merged_into
    ));
}

#[test]
fn route_rule_policy_overrides_the_route_policy_in_its_status() {
    let mut objs = baseline();
    edit(&mut objs, "HTTPRoute", "shop")["spec"]["rules"] =
        json!([{"name": "api", "backendRefs": [{"name": "svc", "port": 80}]}]);
    objs.push(btp(
        APPS,
        "whole",
        T0,
        json!([target("HTTPRoute", "shop", None)]),
        json!({}),
    ));
    objs.push(btp(
        APPS,
        "api",
        T1,
        json!([target("HTTPRoute", "shop", Some("api"))]),
        json!({}),
    ));
    with_policy(&objs, "BackendTrafficPolicy", "whole", |p| {
        let o = p.ancestors[0].condition("Overridden").unwrap();
        assert_eq!(
            o.message,
            "This policy is being overridden by other backendTrafficPolicy for these route rules: [api]"
        );
    });
}
