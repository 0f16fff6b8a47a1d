//! EG4xx: operations.

use crate::audit::RuleId;
use serde_json::{Value, json};

use super::fixtures::*;

fn set_controller_image(objs: &mut [Value], image: &str) {
    edit(objs, "Deployment", "envoy-gateway")["spec"]["template"]["spec"]["containers"][0]["image"] =
        json!(image);
}

fn set_envoy_image(objs: &mut [Value], image: &str) {
    let name = edge_proxy_name();
    edit(objs, "Deployment", &name)["spec"]["template"]["spec"]["containers"][0]["image"] =
        json!(image);
    edit(objs, "Pod", &format!("{name}-abc"))["spec"]["containers"][0]["image"] = json!(image);
}

fn gateway_namespace_mode(objs: &mut [Value]) {
    edit(objs, "ConfigMap", "envoy-gateway-config")["data"]["envoy-gateway.yaml"] = json!(
        json!({"provider": {"kubernetes": {"deploy": {"type": "GatewayNamespace"}}}}).to_string()
    );
}

#[test]
fn eg401_unpinned_controller_images() {
    for (image, words) in [
        ("docker.io/envoyproxy/gateway:latest", "not pinned"),
        ("docker.io/envoyproxy/gateway", "no tag"),
        (
            "docker.io/envoyproxy/gateway-dev:5b2c1a0",
            "development image",
        ),
    ] {
        let mut objs = baseline();
        set_controller_image(&mut objs, image);
        let r = audit(&objs);
        let f = one(&r, RuleId::EG401, "Deployment", "envoy-gateway");
        has_words(f, &[words]);
        assert_eq!(f.object.namespace.as_deref(), Some(CTRL_NS));
    }
}

#[test]
fn eg401_pinned_images_are_quiet() {
    for image in [
        CTRL_IMAGE,
        "docker.io/envoyproxy/gateway-dev@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
    ] {
        let mut objs = baseline();
        set_controller_image(&mut objs, image);
        none(&audit(&objs), RuleId::EG401);
    }
}

#[test]
fn eg402_helm_chart_label() {
    let mut objs = baseline();
    edit(&mut objs, "Deployment", "envoy-gateway")["metadata"]["labels"] =
        json!({"control-plane": "envoy-gateway"});
    has_words(
        one(&audit(&objs), RuleId::EG402, "Deployment", "envoy-gateway"),
        &["helm.sh/chart"],
    );
    // The development chart's version is not a pinned release.
    edit(&mut objs, "Deployment", "envoy-gateway")["metadata"]["labels"]["helm.sh/chart"] =
        json!("gateway-helm-v0.0.0-latest");
    has_words(
        one(&audit(&objs), RuleId::EG402, "Deployment", "envoy-gateway"),
        &["gateway-helm-v0.0.0-latest"],
    );
    edit(&mut objs, "Deployment", "envoy-gateway")["metadata"]["labels"]["helm.sh/chart"] =
        json!("gateway-helm-1.7.5");
    none(&audit(&objs), RuleId::EG402);
}

#[test]
fn eg403_proxy_and_crd_skew() {
    let mut objs = baseline();
    set_envoy_image(&mut objs, "docker.io/envoyproxy/envoy:distroless-v1.36.2");
    objs.push(crd("httproutes.gateway.networking.k8s.io", "v1.3.0"));
    let r = audit(&objs);
    let f = one(&r, RuleId::EG403, "Deployment", "envoy-gateway");
    has_words(f, &["v1.7.5", "v1.36.2", "1.37.x", "v1.3.0", "v1.4.x"]);
    assert!(
        f.related
            .iter()
            .any(|o| o.kind == "CustomResourceDefinition")
    );
    assert!(f.related.iter().any(|o| o.kind == "Pod"));
}

#[test]
fn eg403_version_from_label_when_the_tag_says_latest() {
    let mut objs = baseline();
    set_controller_image(&mut objs, "docker.io/envoyproxy/gateway:latest");
    edit(&mut objs, "Deployment", "envoy-gateway")["metadata"]["labels"]["app.kubernetes.io/version"] =
        json!("v1.7.5");
    objs.push(crd("httproutes.gateway.networking.k8s.io", "v1.2.1"));
    has_words(
        one(&audit(&objs), RuleId::EG403, "Deployment", "envoy-gateway"),
        &["v1.2.1"],
    );
}

#[test]
fn eg403_matching_versions_are_quiet() {
    none(&audit(&baseline()), RuleId::EG403);
}

#[test]
fn eg404_not_managed_by_gitops() {
    let mut objs = baseline();
    edit(&mut objs, "Gateway", "edge")["metadata"]["annotations"] = json!({});
    edit(&mut objs, "HTTPRoute", "shop")["metadata"]["annotations"] =
        json!({"kubectl.kubernetes.io/last-applied-configuration": "{}"});
    let r = audit(&objs);
    has_words(
        one(&r, RuleId::EG404, "Gateway", "edge"),
        &["Argo CD", "Flux"],
    );
    has_words(
        one(&r, RuleId::EG404, "HTTPRoute", "shop"),
        &["applied by hand"],
    );
    assert_eq!(findings_of(&r, RuleId::EG404).len(), 2);
}

#[test]
fn eg404_tracking_labels_count() {
    for (key, value) in [
        ("app.kubernetes.io/instance", "edge"),
        ("argocd.argoproj.io/instance", "edge"),
        ("kustomize.toolkit.fluxcd.io/name", "apps"),
        ("helm.toolkit.fluxcd.io/name", "apps"),
    ] {
        let mut objs = baseline();
        let gw = edit(&mut objs, "Gateway", "edge");
        gw["metadata"]["annotations"] = json!({});
        gw["metadata"]["labels"] = json!({key: value});
        none(&audit(&objs), RuleId::EG404);
    }
}

#[test]
fn eg404_covers_classes_proxies_and_policies() {
    let mut objs = baseline();
    for (kind, name) in [
        ("GatewayClass", "eg"),
        ("EnvoyProxy", "proxy-config"),
        ("ClientTrafficPolicy", "client"),
    ] {
        edit(&mut objs, kind, name)["metadata"]["annotations"] = json!({});
    }
    let r = audit(&objs);
    assert_eq!(
        one(&r, RuleId::EG404, "GatewayClass", "eg")
            .object
            .namespace,
        None
    );
    one(&r, RuleId::EG404, "EnvoyProxy", "proxy-config");
    one(&r, RuleId::EG404, "ClientTrafficPolicy", "client");
}

// ---- EG405 ----

#[test]
fn eg405_xds_bypass_needs_gateway_namespace_mode() {
    let mut objs = baseline();
    set_controller_image(&mut objs, "docker.io/envoyproxy/gateway:v1.7.3");
    none(&audit(&objs), RuleId::EG405);
    gateway_namespace_mode(&mut objs);
    let r = audit(&objs);
    let f = one(&r, RuleId::EG405, "Deployment", "envoy-gateway");
    has_words(
        f,
        &["GHSA-22xc-xg2r-9j7v", "v1.7.4", "release-notes/v1.7.4.yaml"],
    );
    assert_eq!(f.related[0].name, "envoy-gateway-config");
    // v1.8.0 is affected, v1.7.4 and v1.8.1 are fixed.
    set_controller_image(&mut objs, "docker.io/envoyproxy/gateway:v1.8.0");
    has_words(
        one(&audit(&objs), RuleId::EG405, "Deployment", "envoy-gateway"),
        &["GHSA-22xc-xg2r-9j7v", "v1.8.1"],
    );
    for fixed in ["v1.7.4", "v1.8.1"] {
        set_controller_image(&mut objs, &format!("docker.io/envoyproxy/gateway:{fixed}"));
        none(&audit(&objs), RuleId::EG405);
    }
}

fn lua_policy() -> Value {
    policy(
        "EnvoyExtensionPolicy",
        APPS,
        "lua",
        T0,
        json!([target("Gateway", "edge", None)]),
        json!({"lua": [{"type": "Inline", "inline": "function envoy_on_request(h) end"}]}),
    )
}

#[test]
fn eg405_lua_advisories() {
    let mut objs = baseline();
    set_controller_image(&mut objs, "docker.io/envoyproxy/gateway:v1.6.1");
    // v1.6.1 is exposed to the gRPC-Go advisory whatever the cluster holds,
    // but not to the Lua ones without Lua.
    let r = audit(&objs);
    let f = one(&r, RuleId::EG405, "Deployment", "envoy-gateway");
    has_words(f, &["CVE-2026-33186"]);
    assert!(!f.message.contains("CVE-2026-22771") && !f.message.contains("GHSA-wcrf"));
    objs.push(lua_policy());
    let r = audit(&objs);
    let f = one(&r, RuleId::EG405, "Deployment", "envoy-gateway");
    has_words(f, &["CVE-2026-22771", "GHSA-wcrf-9vrr-854f"]);
    assert_eq!(f.related[0].name, "lua");
    set_controller_image(&mut objs, "docker.io/envoyproxy/gateway:v1.6.2");
    let f = audit(&objs);
    let f = one(&f, RuleId::EG405, "Deployment", "envoy-gateway");
    has_words(f, &["GHSA-wcrf-9vrr-854f"]);
    assert!(!f.message.contains("CVE-2026-22771"));
    set_controller_image(&mut objs, "docker.io/envoyproxy/gateway:v1.7.4");
    none(&audit(&objs), RuleId::EG405);
}

#[test]
fn eg405_security_policy_on_tcp_route_without_authorization() {
    let mut objs = baseline();
    set_controller_image(&mut objs, "docker.io/envoyproxy/gateway:v1.7.3");
    objs.push(route("TCPRoute", APPS, "db", json!([{"name": "edge"}])));
    let mut sp = policy(
        "SecurityPolicy",
        APPS,
        "db-sec",
        T0,
        json!([target("TCPRoute", "db", None)]),
        json!({}),
    );
    objs.push(sp.clone());
    let r = audit(&objs);
    let f = one(&r, RuleId::EG405, "Deployment", "envoy-gateway");
    has_words(f, &["GHSA-m2v6-2jmh-4c68"]);
    assert_eq!(f.related[0].name, "db-sec");
    remove(&mut objs, "SecurityPolicy", "db-sec");
    sp["spec"]["authorization"] = json!({"defaultAction": "Deny"});
    objs.push(sp);
    none(&audit(&objs), RuleId::EG405);
}

#[test]
fn eg405_envoy_advisory_on_the_fleet() {
    let mut objs = baseline();
    set_envoy_image(&mut objs, "docker.io/envoyproxy/envoy:distroless-v1.37.2");
    let r = audit(&objs);
    let f = one(&r, RuleId::EG405, "Gateway", "edge");
    has_words(
        f,
        &["CVE-2026-47774", "GHSA-22m2-hvr2-xqc8", "v1.37.2", "1.37.3"],
    );
    assert_eq!(f.related[0].kind, "Pod");
    set_envoy_image(&mut objs, "docker.io/envoyproxy/envoy:distroless-v1.37.3");
    none(&audit(&objs), RuleId::EG405);
}

#[test]
fn eg405_skipped_when_no_version_is_known() {
    let mut objs = baseline();
    set_controller_image(&mut objs, "docker.io/envoyproxy/gateway:latest");
    gateway_namespace_mode(&mut objs);
    let name = edge_proxy_name();
    remove(&mut objs, "Deployment", &name);
    remove(&mut objs, "Pod", &format!("{name}-abc"));
    let r = audit(&objs);
    let why = skipped(&r, RuleId::EG405);
    assert!(why.contains("version"), "{why}");
}

// ---- EG406 ----

fn audit_at(objs: &[Value], now: &str) -> crate::audit::AuditResult {
    let o = crate::audit::AuditOptions {
        now: Some(now.parse().unwrap()),
        ..opts()
    };
    crate::audit::run(&store(objs), &o).expect("audit runs")
}

#[test]
fn eg406_release_past_end_of_life() {
    let objs = baseline();
    // v1.7 ended on 2026-08-05; in December v1.9 is the oldest supported.
    let r = audit_at(&objs, "2026-12-01T00:00:00Z");
    let f = one(&r, RuleId::EG406, "Deployment", "envoy-gateway");
    has_words(f, &["v1.7.5", "2026-08-05", "v1.9", "2027-02-14"]);
    // In September v1.8 still is.
    let r = audit_at(&objs, "2026-09-01T00:00:00Z");
    has_words(
        one(&r, RuleId::EG406, "Deployment", "envoy-gateway"),
        &["v1.8"],
    );
}

#[test]
fn eg406_supported_release_is_quiet() {
    let mut objs = baseline();
    none(&audit_at(&objs, "2026-08-05T12:00:00Z"), RuleId::EG406);
    set_controller_image(&mut objs, "docker.io/envoyproxy/gateway:v1.9.0");
    none(&audit_at(&objs, "2026-12-01T00:00:00Z"), RuleId::EG406);
}

#[test]
fn eg406_unknown_or_newer_versions_are_skipped() {
    let mut objs = baseline();
    set_controller_image(&mut objs, "docker.io/envoyproxy/gateway:v1.10.0");
    let r = audit_at(&objs, "2026-12-01T00:00:00Z");
    assert!(skipped(&r, RuleId::EG406).contains("newer than the table"));
    set_controller_image(&mut objs, "docker.io/envoyproxy/gateway:latest");
    let r = audit_at(&objs, "2026-12-01T00:00:00Z");
    assert!(findings_of(&r, RuleId::EG406).is_empty());
    assert!(is_skipped(&r, RuleId::EG406));
    // Older than every matrix row: past its end of life.
    set_controller_image(&mut objs, "docker.io/envoyproxy/gateway:v0.1.0");
    let r = audit_at(&objs, "2026-12-01T00:00:00Z");
    has_words(
        one(&r, RuleId::EG406, "Deployment", "envoy-gateway"),
        &["older than every release"],
    );
}
