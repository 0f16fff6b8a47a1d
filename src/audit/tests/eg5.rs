//! EG5xx: live state. Status is judged only where present.

use crate::audit::RuleId;
use serde_json::{Value, json};

use super::fixtures::*;
use crate::model::tenancy::DEFAULT_CONTROLLER_NAME;

fn pod_name() -> String {
    format!("{}-abc", edge_proxy_name())
}

#[test]
fn eg501_gateway_not_accepted_or_programmed() {
    let mut objs = baseline();
    edit(&mut objs, "Gateway", "edge")["status"] = json!({"conditions": [
        {"type": "Accepted", "status": "True", "reason": "Accepted"},
        {"type": "Programmed", "status": "False", "reason": "AddressNotAssigned",
         "message": "No addresses have been assigned to the Gateway"}]});
    let r = audit(&objs);
    let f = one(&r, RuleId::EG501, "Gateway", "edge");
    has_words(f, &["Programmed", "AddressNotAssigned", "No addresses"]);
    assert!(!f.message.contains("not Accepted"));
    edit(&mut objs, "Gateway", "edge")["status"]["conditions"][1]["status"] = json!("True");
    none(&audit(&objs), RuleId::EG501);
}

#[test]
fn eg502_unhealthy_listeners() {
    let mut objs = baseline();
    edit(&mut objs, "Gateway", "edge")["status"] = json!({"listeners": [
        {"name": "http", "conditions": [
            {"type": "Conflicted", "status": "True", "reason": "HostnameConflict"},
            {"type": "Programmed", "status": "False", "reason": "Invalid"}]},
        {"name": "https", "conditions": [
            {"type": "ResolvedRefs", "status": "False", "reason": "InvalidCertificateRef",
             "message": "secret not found"}]}]});
    let r = audit(&objs);
    has_words(
        on_listener(&r, RuleId::EG502, "edge", "http"),
        &["Conflicted", "HostnameConflict", "Programmed"],
    );
    has_words(
        on_listener(&r, RuleId::EG502, "edge", "https"),
        &["InvalidCertificateRef", "secret not found"],
    );
    edit(&mut objs, "Gateway", "edge")["status"] = json!({"listeners": [
        {"name": "http", "conditions": [
            {"type": "Conflicted", "status": "False"}, {"type": "Programmed", "status": "True"},
            {"type": "ResolvedRefs", "status": "True"}]}]});
    none(&audit(&objs), RuleId::EG502);
}

#[test]
fn eg503_route_not_accepted_by_a_parent() {
    let mut objs = baseline();
    edit(&mut objs, "HTTPRoute", "shop")["status"] = json!({"parents": [
        {"parentRef": {"name": "edge", "sectionName": "https"}, "controllerName": DEFAULT_CONTROLLER_NAME,
         "conditions": [
            {"type": "Accepted", "status": "False", "reason": "NotAllowedByListeners"},
            {"type": "ResolvedRefs", "status": "False", "reason": "BackendNotFound",
             "message": "service apps/svc not found"}]},
        {"parentRef": {"name": "edge"}, "controllerName": "istio.io/gateway-controller",
         "conditions": [{"type": "Accepted", "status": "False", "reason": "Other"}]}]});
    let r = audit(&objs);
    let f = one(&r, RuleId::EG503, "HTTPRoute", "shop");
    has_words(
        f,
        &[
            "apps/edge",
            "https",
            "NotAllowedByListeners",
            "BackendNotFound",
        ],
    );
    assert_eq!(f.related[0].name, "edge");
    edit(&mut objs, "HTTPRoute", "shop")["status"] = json!({"parents": [
        {"parentRef": {"name": "edge"}, "controllerName": DEFAULT_CONTROLLER_NAME,
         "conditions": [{"type": "Accepted", "status": "True"}, {"type": "ResolvedRefs", "status": "True"}]}]});
    none(&audit(&objs), RuleId::EG503);
}

#[test]
fn eg504_policy_not_accepted() {
    let mut objs = baseline();
    edit(&mut objs, "ClientTrafficPolicy", "client")["status"] = json!({"ancestors": [
        {"ancestorRef": {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "edge", "namespace": APPS},
         "controllerName": DEFAULT_CONTROLLER_NAME,
         "conditions": [{"type": "Accepted", "status": "False", "reason": "Conflicted",
             "message": "Unable to target Gateway edge, another ClientTrafficPolicy has already attached to it"}]}]});
    let r = audit(&objs);
    let f = one(&r, RuleId::EG504, "ClientTrafficPolicy", "client");
    has_words(f, &["Gateway apps/edge", "Conflicted"]);
    edit(&mut objs, "ClientTrafficPolicy", "client")["status"]["ancestors"][0]["conditions"][0] =
        json!({"type": "Accepted", "status": "True", "reason": "Accepted"});
    none(&audit(&objs), RuleId::EG504);
}

fn set_pod_status(objs: &mut [Value], status: Value) {
    edit(objs, "Pod", &pod_name())["status"] = status;
}

#[test]
fn eg505_proxy_pod_not_ready_or_restarting() {
    let mut objs = baseline();
    set_pod_status(
        &mut objs,
        json!({"conditions": [{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}]}),
    );
    has_words(
        one(&audit(&objs), RuleId::EG505, "Pod", &pod_name()),
        &["not Ready", "ContainersNotReady", "apps/edge"],
    );
    set_pod_status(
        &mut objs,
        json!({"conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "envoy", "restartCount": 3,
                "lastState": {"terminated": {"finishedAt": "2026-06-01T11:55:00Z"}}}]}),
    );
    has_words(
        one(&audit(&objs), RuleId::EG505, "Pod", &pod_name()),
        &["restarted", "10 minutes"],
    );
    set_pod_status(
        &mut objs,
        json!({"containerStatuses": [{"name": "envoy", "restartCount": 7,
            "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}),
    );
    has_words(
        one(&audit(&objs), RuleId::EG505, "Pod", &pod_name()),
        &["CrashLoopBackOff"],
    );
    // A restart an hour ago is history.
    set_pod_status(
        &mut objs,
        json!({"conditions": [{"type": "Ready", "status": "True"}],
            "containerStatuses": [{"name": "envoy", "restartCount": 3,
                "lastState": {"terminated": {"finishedAt": "2026-06-01T11:00:00Z"}}}]}),
    );
    none(&audit(&objs), RuleId::EG505);
}

/// A real unschedulable pod: Pending, only `PodScheduled=False`, no Ready
/// condition (what the API server shows before a kubelet sees the pod).
#[test]
fn eg505_unschedulable_pending_pod_is_not_ready() {
    let mut objs = baseline();
    set_pod_status(
        &mut objs,
        json!({"phase": "Pending", "qosClass": "Burstable", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
             "lastTransitionTime": "2026-06-01T11:58:00Z",
             "message": "0/3 nodes are available: 3 Insufficient cpu."}]}),
    );
    let r = audit(&objs);
    let f = one(&r, RuleId::EG505, "Pod", &pod_name());
    has_words(
        f,
        &[
            "not scheduled",
            "Unschedulable",
            "0/3 nodes are available: 3 Insufficient cpu.",
        ],
    );
    // Pending without any condition is not ready either.
    set_pod_status(&mut objs, json!({"phase": "Pending"}));
    has_words(
        one(&audit(&objs), RuleId::EG505, "Pod", &pod_name()),
        &["Pending", "no Ready condition"],
    );
    // A Running pod status without conditions (a hand-made manifest) is
    // not judged.
    set_pod_status(&mut objs, json!({"phase": "Running"}));
    none(&audit(&objs), RuleId::EG505);
}

#[test]
fn eg506_hpa_saturated_or_blind() {
    let name = edge_proxy_name();
    let mut objs = baseline();
    edit(&mut objs, "HorizontalPodAutoscaler", &name)["status"]["currentReplicas"] = json!(5);
    has_words(
        one(
            &audit(&objs),
            RuleId::EG506,
            "HorizontalPodAutoscaler",
            &name,
        ),
        &["maximum of 5"],
    );
    let mut objs = baseline();
    edit(&mut objs, "HorizontalPodAutoscaler", &name)["status"]["conditions"] = json!([
        {"type": "ScalingActive", "status": "False", "reason": "FailedGetResourceMetric"}]);
    has_words(
        one(
            &audit(&objs),
            RuleId::EG506,
            "HorizontalPodAutoscaler",
            &name,
        ),
        &["FailedGetResourceMetric"],
    );
    let mut objs = baseline();
    edit(&mut objs, "HorizontalPodAutoscaler", &name)["status"]["conditions"] = json!([
        {"type": "ScalingLimited", "status": "True", "reason": "TooFewReplicas"}]);
    has_words(
        one(
            &audit(&objs),
            RuleId::EG506,
            "HorizontalPodAutoscaler",
            &name,
        ),
        &["limited", "TooFewReplicas"],
    );
    none(&audit(&baseline()), RuleId::EG506);
}

/// The Fleets view, the Overview and the tour call an HPA saturated
/// exactly when EG506 fires: all read `model::fleet::HpaStatus`. At its
/// maximum with the CPU under target is saturated (the guide's EG506), which
/// the views once did not say.
#[test]
fn eg506_and_the_views_agree_on_saturation() {
    let name = edge_proxy_name();
    let cases: [(&str, serde_json::Value); 5] = [
        ("below max", json!({})),
        ("at max, cpu under target", json!({"currentReplicas": 5})),
        (
            "blind",
            json!({"conditions": [{"type": "ScalingActive", "status": "False", "reason": "FailedGetResourceMetric"}]}),
        ),
        (
            "limited",
            json!({"conditions": [{"type": "ScalingLimited", "status": "True", "reason": "TooFewReplicas"}]}),
        ),
        (
            "at max and limited",
            json!({"currentReplicas": 5, "conditions": [
            {"type": "ScalingLimited", "status": "True", "reason": "TooManyReplicas"}]}),
        ),
    ];
    for (what, patch) in cases {
        let mut objs = baseline();
        let hpa = edit(&mut objs, "HorizontalPodAutoscaler", &name);
        for (k, v) in patch.as_object().unwrap() {
            hpa["status"][k] = v.clone();
        }
        let r = audit(&objs);
        let fired = !findings_of(&r, RuleId::EG506).is_empty();
        let store = store(&objs);
        let model = crate::model::Model::build(&store);
        let fleet = model
            .fleets
            .iter()
            .find(|f| f.hpa.as_ref().is_some_and(|h| h.name == name))
            .expect("the edge fleet has its HPA");
        let seen = fleet.hpa_status.as_ref().expect("read once in the model");
        assert_eq!(seen.saturated(), fired, "{what}");
        assert_eq!(fired, what != "below max", "{what}");
    }
}

#[test]
fn eg507_always_skipped_on_snapshots() {
    let why = skipped(&audit(&baseline()), RuleId::EG507);
    assert!(why.contains("metrics"), "{why}");
}

#[test]
fn eg508_fleet_deployment_below_desired() {
    let name = edge_proxy_name();
    let mut objs = baseline();
    edit(&mut objs, "Deployment", &name)["status"]["availableReplicas"] = json!(1);
    has_words(
        one(&audit(&objs), RuleId::EG508, "Deployment", &name),
        &["1 of 2", "apps/edge"],
    );
    none(&audit(&baseline()), RuleId::EG508);
}

#[test]
fn eg509_controller_without_ready_replica() {
    let mut objs = baseline();
    edit(&mut objs, "Deployment", "envoy-gateway")["status"] =
        json!({"replicas": 1, "unavailableReplicas": 1});
    let r = audit(&objs);
    let f = one(&r, RuleId::EG509, "Deployment", "envoy-gateway");
    has_words(f, &["no ready replica"]);
    none(&audit(&baseline()), RuleId::EG509);
}

#[test]
fn manifests_without_status_never_fire_status_rules() {
    let mut objs = baseline();
    // Strip every status, and make the spec side as bad as it gets for
    // status rules (controller would have no ready replica, HPA at max).
    for o in objs.iter_mut() {
        if let Some(m) = o.as_object_mut() {
            m.remove("status");
        }
    }
    edit(&mut objs, "HorizontalPodAutoscaler", &edge_proxy_name())["spec"]["maxReplicas"] =
        json!(0);
    let r = audit(&objs);
    for rule in [
        RuleId::EG103,
        RuleId::EG501,
        RuleId::EG502,
        RuleId::EG503,
        RuleId::EG504,
        RuleId::EG505,
        RuleId::EG506,
        RuleId::EG508,
        RuleId::EG509,
        RuleId::EG511,
    ] {
        assert!(
            findings_of(&r, rule).is_empty(),
            "{rule}: {:#?}",
            r.findings
        );
    }
}

fn endpoint_slice(ns: &str, service: &str, ready: &[bool]) -> Value {
    let endpoints: Vec<Value> = ready
        .iter()
        .enumerate()
        .map(|(i, r)| json!({"addresses": [format!("10.1.0.{i}")], "conditions": {"ready": r}}))
        .collect();
    json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": format!("{service}-x1"), "namespace": ns,
                     "labels": {"kubernetes.io/service-name": service}},
        "addressType": "IPv4", "endpoints": endpoints,
        "ports": [{"name": "http", "port": 80, "protocol": "TCP"}]})
}

#[test]
fn eg510_rule_without_ready_endpoints() {
    let mut objs = baseline();
    remove_kind(&mut objs, "EndpointSlice");
    objs.push(endpoint_slice(APPS, "svc", &[false, false]));
    let r = audit(&objs);
    let f = one(&r, RuleId::EG510, "HTTPRoute", "shop");
    assert_eq!(f.path.as_deref(), Some("spec.rules[0].backendRefs"));
    has_words(f, &["rule 0", "Service apps/svc:80", "0 ready of 2", "503"]);
    assert!(
        f.related
            .iter()
            .any(|x| x.kind == "Service" && x.name == "svc")
    );

    // One ready endpoint is enough.
    let mut objs = baseline();
    remove_kind(&mut objs, "EndpointSlice");
    objs.push(endpoint_slice(APPS, "svc", &[false, true]));
    let r = audit(&objs);
    none(&r, RuleId::EG510);
    assert!(
        !is_skipped(&r, RuleId::EG510),
        "{}",
        skipped(&r, RuleId::EG510)
    );
}

#[test]
fn eg510_service_without_any_slice_fires() {
    let mut objs = baseline();
    remove_kind(&mut objs, "EndpointSlice");
    // Slices were read (another Service has one), none names `svc`.
    objs.push(endpoint_slice(APPS, "other", &[true]));
    let f = audit(&objs);
    has_words(
        one(&f, RuleId::EG510, "HTTPRoute", "shop"),
        &["no EndpointSlice", "does not exist"],
    );
}

#[test]
fn eg510_weights_and_envoy_gateway_backends() {
    let mut objs = baseline();
    remove_kind(&mut objs, "EndpointSlice");
    objs.push(endpoint_slice(APPS, "svc", &[false]));
    // A weight-0 ref takes no traffic: the healthy one decides.
    objs.push(endpoint_slice(APPS, "healthy", &[true]));
    edit(&mut objs, "HTTPRoute", "shop")["spec"]["rules"][0]["backendRefs"] = json!([
        {"name": "svc", "port": 80, "weight": 0}, {"name": "healthy", "port": 80}]);
    none(&audit(&objs), RuleId::EG510);
    // Only weight-0 refs that are not ready, plus an unready weighted one: fires.
    edit(&mut objs, "HTTPRoute", "shop")["spec"]["rules"][0]["backendRefs"] = json!([
        {"name": "healthy", "port": 80, "weight": 0}, {"name": "svc", "port": 80, "weight": 3}]);
    has_words(
        one(&audit(&objs), RuleId::EG510, "HTTPRoute", "shop"),
        &["apps/svc"],
    );
    // An Envoy Gateway Backend is not judged, and neither is its rule.
    edit(&mut objs, "HTTPRoute", "shop")["spec"]["rules"][0]["backendRefs"] = json!([
        {"group": "gateway.envoyproxy.io", "kind": "Backend", "name": "ext"},
        {"name": "svc", "port": 80}]);
    none(&audit(&objs), RuleId::EG510);
}

#[test]
fn eg510_not_judged_when_endpoint_slices_are_unreadable() {
    let mut objs = baseline();
    remove_kind(&mut objs, "EndpointSlice");
    objs.push(endpoint_slice(APPS, "svc", &[false]));
    let mut s = store(&objs);
    s.set_state(
        crate::store::Kind::EndpointSlice,
        crate::store::KindState::Forbidden(
            "403: endpointslices.discovery.k8s.io is forbidden".into(),
        ),
    );
    let r = audit_store(&s);
    assert!(skipped(&r, RuleId::EG510).contains("forbidden"));
    let s = r.skipped.iter().find(|s| s.rule == RuleId::EG510).unwrap();
    assert_eq!(s.category, crate::audit::SkipCategory::NotJudged);
    // A snapshot without any EndpointSlice: not applicable, never clean.
    let mut objs = baseline();
    remove_kind(&mut objs, "EndpointSlice");
    let r = audit(&objs);
    assert!(skipped(&r, RuleId::EG510).contains("no EndpointSlice objects"));
}

/// A generation lag on the Gateway, the route (in its Envoy Gateway parent
/// status) and a policy (in its ancestor status).
fn lagging(objs: &mut [Value]) {
    let gw = edit(objs, "Gateway", "edge");
    gw["metadata"]["generation"] = json!(3);
    gw["status"] = json!({"conditions": [
        {"type": "Accepted", "status": "True", "observedGeneration": 2},
        {"type": "Programmed", "status": "True", "observedGeneration": 2}]});
    let rt = edit(objs, "HTTPRoute", "shop");
    rt["metadata"]["generation"] = json!(5);
    rt["status"] = json!({"parents": [
        {"parentRef": {"name": "edge"}, "controllerName": DEFAULT_CONTROLLER_NAME,
         "conditions": [{"type": "Accepted", "status": "True", "observedGeneration": 4}]},
        // Another controller's parent status says nothing of Envoy Gateway's.
        {"parentRef": {"name": "other"}, "controllerName": "example.com/other",
         "conditions": [{"type": "Accepted", "status": "True", "observedGeneration": 5}]}]});
}

#[test]
fn eg511_fires_at_once_in_a_snapshot_on_gateways_and_routes() {
    let mut objs = baseline();
    lagging(&mut objs);
    let r = audit(&objs);
    let f = one(&r, RuleId::EG511, "Gateway", "edge");
    has_words(f, &["generation is 3", "generation 2"]);
    assert_eq!(
        f.path.as_deref(),
        Some("status.conditions[].observedGeneration")
    );
    let f = one(&r, RuleId::EG511, "HTTPRoute", "shop");
    has_words(f, &["generation is 5", "generation 4"]);
    // Caught up: quiet. No observedGeneration at all: nothing to judge.
    edit(&mut objs, "Gateway", "edge")["metadata"]["generation"] = json!(2);
    edit(&mut objs, "HTTPRoute", "shop")["status"]["parents"][0]["conditions"][0]["observedGeneration"] =
        json!(5);
    none(&audit(&objs), RuleId::EG511);
    none(&audit(&baseline()), RuleId::EG511);
}

#[test]
fn eg511_ignores_parents_of_other_controllers_and_classes_it_does_not_serve() {
    let mut objs = baseline();
    lagging(&mut objs);
    // Only the foreign parent is behind: Envoy Gateway's has caught up.
    let rt = edit(&mut objs, "HTTPRoute", "shop");
    rt["status"]["parents"][0]["conditions"][0]["observedGeneration"] = json!(5);
    rt["status"]["parents"][1]["conditions"][0]["observedGeneration"] = json!(1);
    // A Gateway of a class no Envoy Gateway controller serves.
    edit(&mut objs, "Gateway", "edge")["spec"]["gatewayClassName"] = json!("someone-else");
    objs.push(gateway_class("someone-else", "example.com/other"));
    none(&audit(&objs), RuleId::EG511);
}

/// Live, the lag must have lasted 60 s by the session clock: at 59 s no
/// finding, at 60 s one that says for how long.
#[test]
fn eg511_live_waits_for_the_threshold() {
    let mut objs = baseline();
    lagging(&mut objs);
    let seen: jiff::Timestamp = NOW.parse().unwrap();
    let at = |secs: i64| {
        let mut s = store(&objs);
        s.source.kind = crate::store::SourceKind::Cluster;
        let mut fresh = crate::store::Store::new(s.source.clone());
        for o in s.all() {
            let mut o = (**o).clone();
            o.generation_since = Some(seen);
            fresh.insert(o);
        }
        for (k, st) in s.states() {
            fresh.set_state(k, st.clone());
        }
        fresh.live = Some(crate::store::LiveInfo {
            observed_at: seen + jiff::SignedDuration::from_secs(secs),
            changes: Default::default(),
            recheck_at: None,
        });
        audit_store(&fresh)
    };
    let early = at(59);
    assert!(
        skipped(&early, RuleId::EG511).contains("HTTPRoute/apps/shop"),
        "a lag not yet long enough is said: {}",
        skipped(&early, RuleId::EG511)
    );
    assert!(!early.incomplete(), "a fresh lag is normal, not a gap");
    let r = at(60);
    assert!(!is_skipped(&r, RuleId::EG511));
    has_words(
        one(&r, RuleId::EG511, "Gateway", "edge"),
        &["for 60s or more of this session"],
    );
    has_words(
        one(&r, RuleId::EG511, "HTTPRoute", "shop"),
        &["for 60s or more of this session"],
    );
}
