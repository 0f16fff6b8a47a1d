//! EG3xx: observability, and the fleet's effective EnvoyProxy.

use crate::audit::RuleId;
use serde_json::{Value, json};

use super::fixtures::*;
use crate::audit::Profile;
use crate::model::tenancy::DEFAULT_CONTROLLER_NAME;

fn telemetry(objs: &mut [Value]) -> &mut Value {
    &mut edit(objs, "EnvoyProxy", "proxy-config")["spec"]["telemetry"]
}

/// The baseline with this tracing, on a v1.9 controller (the release whose
/// `samplingFraction` is a ratio).
fn tracing_cluster(tracing: Value) -> Vec<Value> {
    let mut objs = on_version(baseline(), "v1.9.0");
    telemetry(&mut objs)["tracing"] = tracing;
    objs
}

/// The objects with the controller running Envoy Gateway `version`.
fn on_version(mut objs: Vec<Value>, version: &str) -> Vec<Value> {
    edit(&mut objs, "Deployment", "envoy-gateway")["spec"]["template"]["spec"]["containers"][0]["image"] =
        json!(format!("docker.io/envoyproxy/gateway:{version}"));
    objs
}

#[test]
fn eg301_access_log_disabled() {
    let mut objs = baseline();
    telemetry(&mut objs)["accessLog"]["disable"] = json!(true);
    let r = audit(&objs);
    let f = one(&r, RuleId::EG301, "EnvoyProxy", "proxy-config");
    assert_eq!(f.object.namespace.as_deref(), Some(CTRL_NS));
    has_words(f, &["disabled"]);
    none(&audit(&baseline()), RuleId::EG301);
}

#[test]
fn eg302_text_access_log() {
    let mut objs = baseline();
    let settings = &mut telemetry(&mut objs)["accessLog"]["settings"];
    settings.as_array_mut().unwrap().push(json!({
        "format": {"type": "Text", "text": "[%START_TIME%] %REQ(:METHOD)%\n"},
        "sinks": [{"type": "File", "file": {"path": "/dev/stdout"}}]}));
    let r = audit(&objs);
    let f = one(&r, RuleId::EG302, "EnvoyProxy", "proxy-config");
    has_words(f, &["1", "Text"]);
    assert_eq!(
        f.path.as_deref(),
        Some("spec.telemetry.accessLog.settings[1].format")
    );
    // `text` without `json` and without a type is Text too.
    let mut objs = baseline();
    telemetry(&mut objs)["accessLog"]["settings"][0]["format"] = json!({"text": "%DURATION%\n"});
    one(&audit(&objs), RuleId::EG302, "EnvoyProxy", "proxy-config");
    none(&audit(&baseline()), RuleId::EG302);
}

#[test]
fn eg303_json_access_log_missing_fields() {
    let mut objs = baseline();
    telemetry(&mut objs)["accessLog"]["settings"][0]["format"]["json"] = json!({
        "method": "%REQ(:METHOD)%", "path": "%REQ(:PATH)%", "code": "%RESPONSE_CODE%"});
    let r = audit(&objs);
    let f = one(&r, RuleId::EG303, "EnvoyProxy", "proxy-config");
    has_words(f, &["duration", "upstream host"]);
    assert!(!f.message.contains("method"), "{}", f.message);
    none(&audit(&baseline()), RuleId::EG303);
}

#[test]
fn eg304_sink_neither_file_nor_otel() {
    let mut objs = baseline();
    telemetry(&mut objs)["accessLog"]["settings"][0]["sinks"] = json!([
        {"type": "ALS", "als": {"type": "HTTP", "backendRefs": [{"name": "als", "port": 9000}]}}]);
    let r = audit(&objs);
    has_words(
        one(&r, RuleId::EG304, "EnvoyProxy", "proxy-config"),
        &["ALS"],
    );
    telemetry(&mut objs)["accessLog"]["settings"][0]["sinks"] =
        json!([{"type": "OpenTelemetry", "openTelemetry": {"host": "otel", "port": 4317}}]);
    none(&audit(&objs), RuleId::EG304);
}

#[test]
fn eg305_access_log_not_configured() {
    let mut objs = baseline();
    telemetry(&mut objs)
        .as_object_mut()
        .unwrap()
        .remove("accessLog");
    let r = audit(&objs);
    let f = one(&r, RuleId::EG305, "Gateway", "edge");
    has_words(f, &["apps/edge", "default"]);
    assert_eq!(f.related[0].name, "proxy-config");
    none(&audit(&baseline()), RuleId::EG305);
}

#[test]
fn eg306_prometheus_disabled() {
    let mut objs = baseline();
    telemetry(&mut objs)["metrics"] = json!({"prometheus": {"disable": true}});
    let r = audit(&objs);
    has_words(
        one(&r, RuleId::EG306, "EnvoyProxy", "proxy-config"),
        &["Prometheus"],
    );
    telemetry(&mut objs)["metrics"] = json!({"prometheus": {"disable": false}});
    none(&audit(&objs), RuleId::EG306);
}

#[test]
fn eg307_controller_metrics_disabled() {
    let mut objs = baseline();
    edit(&mut objs, "ConfigMap", "envoy-gateway-config")["data"]["envoy-gateway.yaml"] =
        json!(json!({"telemetry": {"metrics": {"prometheus": {"disable": true}}}}).to_string());
    let r = audit(&objs);
    let f = one(&r, RuleId::EG307, "Deployment", "envoy-gateway");
    has_words(f, &["Prometheus", "disabled"]);
    assert_eq!(f.related[0].name, "envoy-gateway-config");
    none(&audit(&baseline()), RuleId::EG307);
}

#[test]
fn eg308_tracing_not_configured() {
    let mut objs = baseline();
    telemetry(&mut objs)
        .as_object_mut()
        .unwrap()
        .remove("tracing");
    let r = audit(&objs);
    has_words(
        one(&r, RuleId::EG308, "Gateway", "edge"),
        &["apps/edge", "tracing"],
    );
    none(&audit(&baseline()), RuleId::EG308);
}

#[test]
fn fleet_gateway_envoy_proxy_replaces_the_class_one_whole() {
    // The class EnvoyProxy traces; the Gateway's own EnvoyProxy does not.
    let mut objs = baseline();
    let mut own = good_proxy_spec();
    own["telemetry"].as_object_mut().unwrap().remove("tracing");
    objs.push(envoy_proxy(APPS, "edge-proxy", own));
    edit(&mut objs, "Gateway", "edge")["spec"]["infrastructure"] = json!({"parametersRef":
        {"group": "gateway.envoyproxy.io", "kind": "EnvoyProxy", "name": "edge-proxy"}});
    objs.push(gateway(
        APPS,
        "plain",
        "eg",
        json!([listener("web", "HTTP", 8080, None)]),
    ));
    let r = audit(&objs);
    let f = one(&r, RuleId::EG308, "Gateway", "edge");
    assert_eq!(f.related[0].name, "edge-proxy");
    assert_eq!(
        findings_of(&r, RuleId::EG308).len(),
        1,
        "plain keeps the class EnvoyProxy"
    );
}

#[test]
fn fleet_falls_back_to_the_controller_default_envoy_proxy() {
    let mut objs = baseline();
    edit(&mut objs, "GatewayClass", "eg")["spec"]
        .as_object_mut()
        .unwrap()
        .remove("parametersRef");
    remove(&mut objs, "EnvoyProxy", "proxy-config");
    // Without a default: EG308 on the Gateway.
    one(&audit(&objs), RuleId::EG308, "Gateway", "edge");
    // The controller default traces: quiet.
    edit(&mut objs, "ConfigMap", "envoy-gateway-config")["data"]["envoy-gateway.yaml"] = json!(
        json!({"gateway": {"controllerName": DEFAULT_CONTROLLER_NAME},
               "envoyProxy": good_proxy_spec()})
        .to_string()
    );
    let r = audit(&objs);
    none(&r, RuleId::EG308);
    // ...and a class EnvoyProxy without tracing replaces the default whole.
    let mut plain = good_proxy_spec();
    plain["telemetry"]
        .as_object_mut()
        .unwrap()
        .remove("tracing");
    objs.push(envoy_proxy(CTRL_NS, "class-proxy", plain));
    edit(&mut objs, "GatewayClass", "eg")["spec"]["parametersRef"] = json!(
        {"group": "gateway.envoyproxy.io", "kind": "EnvoyProxy", "name": "class-proxy", "namespace": CTRL_NS});
    let r = audit(&objs);
    let f = one(&r, RuleId::EG308, "Gateway", "edge");
    assert_eq!(f.related[0].name, "class-proxy");
}

#[test]
fn eg309_production_wants_1_to_10_percent() {
    for (tracing, fires) in [
        (json!({"samplingRate": 5}), false),
        (json!({"samplingRate": 1}), false),
        (json!({"samplingRate": 10}), false),
        (json!({"samplingRate": 50}), true),
        (json!({}), true),
        (
            json!({"samplingFraction": {"numerator": 1, "denominator": 100}}),
            false,
        ),
        (
            json!({"samplingFraction": {"numerator": 1, "denominator": 1000}}),
            true,
        ),
        (json!({"samplingFraction": {"numerator": 5}}), false),
    ] {
        let mut t = tracing.clone();
        t["provider"] =
            json!({"type": "OpenTelemetry", "backendRefs": [{"name": "otel", "port": 4317}]});
        let r = audit(&tracing_cluster(t));
        if fires {
            let f = one(&r, RuleId::EG309, "EnvoyProxy", "proxy-config");
            has_words(f, &["production", "1-10%"]);
        } else {
            none(&r, RuleId::EG309);
        }
    }
}

#[test]
fn eg309_staging_wants_100_percent() {
    let otel = json!({"type": "OpenTelemetry", "backendRefs": [{"name": "otel", "port": 4317}]});
    let r = audit_profile(
        &tracing_cluster(json!({"samplingRate": 5, "provider": otel})),
        Profile::Staging,
    );
    has_words(
        one(&r, RuleId::EG309, "EnvoyProxy", "proxy-config"),
        &["5%", "staging", "100%"],
    );
    let r = audit_profile(
        &tracing_cluster(json!({"provider": otel})),
        Profile::Staging,
    );
    none(&r, RuleId::EG309);
    let r = audit_profile(
        &tracing_cluster(
            json!({"samplingFraction": {"numerator": 1, "denominator": 1}, "provider": otel}),
        ),
        Profile::Staging,
    );
    none(&r, RuleId::EG309);
}

#[test]
fn eg310_tracing_provider_not_opentelemetry() {
    let r = audit(&tracing_cluster(json!({"samplingRate": 5,
        "provider": {"type": "Zipkin", "backendRefs": [{"name": "zipkin", "port": 9411}]}})));
    has_words(
        one(&r, RuleId::EG310, "EnvoyProxy", "proxy-config"),
        &["Zipkin"],
    );
    none(&audit(&baseline()), RuleId::EG310);
}

#[test]
fn eg3_one_finding_per_envoy_proxy_serving_two_fleets() {
    let mut objs = baseline();
    telemetry(&mut objs)["accessLog"]["disable"] = json!(true);
    objs.push(gateway(
        APPS,
        "second",
        "eg",
        json!([listener("web", "HTTP", 8080, None)]),
    ));
    let r = audit(&objs);
    assert_eq!(findings_of(&r, RuleId::EG301).len(), 1);
}

#[test]
fn eg309_sampling_fraction_is_a_ratio_from_v1_8_and_a_percentage_before() {
    let otel = json!({"type": "OpenTelemetry", "backendRefs": [{"name": "otel", "port": 4317}]});
    let tracing =
        json!({"samplingFraction": {"numerator": 5, "denominator": 100}, "provider": otel});
    // v1.9 and v1.8: 5/100 is 5 %, inside production's 1-10 %.
    none(&audit(&tracing_cluster(tracing.clone())), RuleId::EG309);
    let mut objs = tracing_cluster(tracing.clone());
    objs = on_version(objs, "v1.8.1");
    none(&audit(&objs), RuleId::EG309);
    // v1.7: Envoy Gateway wrote 5/100 into Envoy's percentage: 0.05 %.
    let objs = on_version(tracing_cluster(tracing), "v1.7.5");
    has_words(
        one(&audit(&objs), RuleId::EG309, "EnvoyProxy", "proxy-config"),
        &["0.05%", "before v1.8", "v1.7"],
    );
}

#[test]
fn eg309_says_client_forced_sampling_per_release() {
    let otel = json!({"type": "OpenTelemetry", "backendRefs": [{"name": "otel", "port": 4317}]});
    let tracing = json!({"samplingRate": 50, "provider": otel});
    let r = audit(&tracing_cluster(tracing.clone()));
    has_words(
        one(&r, RuleId::EG309, "EnvoyProxy", "proxy-config"),
        &["x-client-trace-id", "sampled at 0%", "v1.9"],
    );
    let r = audit(&on_version(tracing_cluster(tracing.clone()), "v1.8.3"));
    has_words(
        one(&r, RuleId::EG309, "EnvoyProxy", "proxy-config"),
        &["sampled at 100%", "v1.8"],
    );
    // Without a controller version the newest semantics apply, and it says so.
    let mut objs = tracing_cluster(tracing);
    edit(&mut objs, "Deployment", "envoy-gateway")["spec"]["template"]["spec"]["containers"][0]["image"] =
        json!("docker.io/envoyproxy/gateway:latest");
    edit(&mut objs, "Deployment", "envoy-gateway")["metadata"]["labels"] =
        json!({"control-plane": "envoy-gateway"});
    let r = audit(&objs);
    has_words(
        one(&r, RuleId::EG309, "EnvoyProxy", "proxy-config"),
        &["assumed", "v1.9"],
    );
}

#[test]
fn default_envoy_proxy_merges_under_the_class_one_from_v1_8() {
    // The controller's default EnvoyProxy carries the tracing; the class's
    // EnvoyProxy merges over it (StrategicMerge) without tracing of its own.
    let setup = |version: &str| {
        let mut objs = on_version(baseline(), version);
        let otel =
            json!({"type": "OpenTelemetry", "backendRefs": [{"name": "otel", "port": 4317}]});
        remove(&mut objs, "ConfigMap", "envoy-gateway-config");
        objs.push(eg_config(
            CTRL_NS,
            json!({"gateway": {"controllerName": DEFAULT_CONTROLLER_NAME},
                   "envoyProxy": {"telemetry": {"tracing": {"samplingRate": 5, "provider": otel}}}}),
        ));
        let ep = edit(&mut objs, "EnvoyProxy", "proxy-config");
        ep["spec"]["telemetry"]
            .as_object_mut()
            .unwrap()
            .remove("tracing");
        ep["spec"]["mergeType"] = json!("StrategicMerge");
        objs
    };
    none(&audit(&setup("v1.8.0")), RuleId::EG308);
    // v1.7: the class's EnvoyProxy replaces the default whole: no tracing.
    let r = audit(&setup("v1.7.5"));
    assert_eq!(findings_of(&r, RuleId::EG308).len(), 1, "{:#?}", r.findings);
}
