//! HPAs are read by scope: only in the namespaces of Envoy Gateway's
//! Deployments (an HPA scales only a workload in its own namespace), one
//! feed per namespace that follows the Deployments, and a namespace whose
//! HPAs could not be read is never reported as read.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use egscope::audit;
use egscope::model::Model;
use egscope::sim::{Scenario, SimHandle, SimOptions};
use egscope::source::live::{self, ClusterTarget, FeedState, Live};
use egscope::store::{Kind, KindState, Store};
use serde_json::{Value, json};

mod common;

async fn synced(target: &ClusterTarget) -> Live {
    let conn = live::connect(target).await.expect("connects");
    let l = Live::start(conn, None).await;
    assert_eq!(l.wait_synced(Duration::from_secs(30)).await, vec![]);
    l
}

fn hpa(ns: &str, name: &str, target: &str) -> Value {
    json!({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": name, "namespace": ns},
           "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": target},
                    "minReplicas": 2, "maxReplicas": 4,
                    "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": 65}}}]}})
}

fn deployment(ns: &str, name: &str, labels: Value) -> Value {
    let template = json!({"metadata": {"labels": labels.clone()},
        "spec": {"containers": [{"name": "envoy", "image": "docker.io/envoyproxy/envoy:distroless-v1.36.2"}]}});
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": {"name": name, "namespace": ns, "labels": labels.clone()},
           "spec": {"replicas": 2, "selector": {"matchLabels": labels}, "template": template}})
}

/// The namespaces HPAs were requested in; `None` stands for a
/// cluster-wide request.
fn hpa_request_namespaces(sim: &SimHandle) -> BTreeSet<Option<String>> {
    sim.requests()
        .iter()
        .filter(|r| r.path.contains("/horizontalpodautoscalers"))
        .map(|r| {
            r.path
                .split_once("/namespaces/")
                .and_then(|(_, rest)| rest.split('/').next())
                .map(str::to_string)
        })
        .collect()
}

fn hpa_keys(store: &Store) -> BTreeSet<(String, String)> {
    store
        .of(Kind::HorizontalPodAutoscaler)
        .iter()
        .map(|h| (h.namespace_or_empty().to_string(), h.name.clone()))
        .collect()
}

async fn eventually(within: Duration, mut ready: impl FnMut() -> bool, why: impl Fn() -> String) {
    let deadline = Instant::now() + within;
    while !ready() {
        assert!(Instant::now() < deadline, "{}", why());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hpas_are_read_only_where_envoy_gateway_deployments_are() {
    let (sim, _kc, target) = common::start(Scenario::Showcase, SimOptions::default()).await;
    // A busy cluster's own workload and its HPA: not Envoy Gateway's.
    sim.apply(deployment("default", "web", json!({"app": "web"})))
        .unwrap();
    sim.apply(hpa("default", "web", "web")).unwrap();
    let l = synced(&target).await;
    let store = l.store();

    // Only the namespaces of the controllers and the proxy fleets, each
    // on its own, never cluster-wide and never the unrelated one.
    let expected: BTreeSet<Option<String>> = store
        .of(Kind::Deployment)
        .iter()
        .map(|d| Some(d.namespace_or_empty().to_string()))
        .collect();
    assert_eq!(
        expected,
        BTreeSet::from([
            Some("eg-payments".to_string()),
            Some("eg-platform".to_string())
        ])
    );
    assert_eq!(hpa_request_namespaces(&sim), expected);
    assert!(!hpa_keys(&store).contains(&("default".into(), "web".into())));

    // The HPA on a proxy Deployment is still found, and the kind is
    // complete for what the rules ask.
    assert_eq!(l.feeds()[&Kind::HorizontalPodAutoscaler], FeedState::Live);
    assert_eq!(
        store.state(Kind::HorizontalPodAutoscaler),
        KindState::Present
    );
    let model = Model::build(&store);
    let fleet = model
        .fleets
        .iter()
        .find(|f| {
            f.deployment
                .as_ref()
                .is_some_and(|d| d.name == "envoy-platform-d294fcce")
        })
        .expect("the platform fleet");
    assert_eq!(
        fleet.hpa.as_ref().map(|h| h.name.as_str()),
        Some("envoy-platform-d294fcce")
    );
    let r = audit::run(&store, &common::at_demo_now()).unwrap();
    assert!(
        !r.findings
            .iter()
            .any(|f| f.rule == audit::RuleId::EG209 && f.message.contains("envoy-platform")),
        "the platform fleet has its HPA"
    );
    drop(l);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_proxy_namespace_starts_its_hpa_feed() {
    let (sim, _kc, target) = common::start(Scenario::Showcase, SimOptions::default()).await;
    let l = synced(&target).await;
    assert!(!hpa_request_namespaces(&sim).contains(&Some("edge".to_string())));

    // A proxy fleet appears in a namespace of its own, with its HPA.
    let labels = json!({"app.kubernetes.io/managed-by": "envoy-gateway",
                        "app.kubernetes.io/name": "envoy"});
    sim.apply(deployment("edge", "envoy-edge-0f1e2d3c", labels))
        .unwrap();
    sim.apply(hpa("edge", "envoy-edge-0f1e2d3c", "envoy-edge-0f1e2d3c"))
        .unwrap();
    let edge = ("edge".to_string(), "envoy-edge-0f1e2d3c".to_string());
    eventually(
        Duration::from_secs(15),
        || hpa_keys(&l.store()).contains(&edge),
        || format!("the edge HPA never arrived: {:?}", hpa_keys(&l.store())),
    )
    .await;
    let asked = hpa_request_namespaces(&sim);
    assert!(asked.contains(&Some("edge".to_string())), "{asked:?}");
    assert!(!asked.contains(&None), "never cluster-wide: {asked:?}");
    assert_eq!(
        l.store().state(Kind::HorizontalPodAutoscaler),
        KindState::Present
    );
    drop(l);
    sim.shutdown().await;
}

/// A namespace whose HPAs cannot be listed is left out and named: the kind
/// reads as partial, never as complete, and the audit is incomplete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_hpa_namespace_leaves_the_kind_partial() {
    let rbac_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/rbac.yaml")).unwrap();
    let role = egscope::sim::faults::Rbac::from_yaml(&rbac_text).unwrap();
    let (sim, _kc, target) = common::start(Scenario::Showcase, SimOptions::default()).await;
    let l = synced(&target).await;
    assert_eq!(
        l.store().state(Kind::HorizontalPodAutoscaler),
        KindState::Present
    );
    // From now on the role is bound only in the two Envoy Gateway
    // namespaces: the watches already open go on, a new namespace is
    // refused.
    sim.set_rbac(Some(role.in_namespaces(["eg-platform", "eg-payments"])));
    let labels = json!({"app.kubernetes.io/managed-by": "envoy-gateway",
                        "app.kubernetes.io/name": "envoy"});
    sim.apply(deployment("edge", "envoy-edge-0f1e2d3c", labels))
        .unwrap();
    sim.apply(hpa("edge", "envoy-edge-0f1e2d3c", "envoy-edge-0f1e2d3c"))
        .unwrap();
    eventually(
        Duration::from_secs(15),
        || {
            matches!(
                l.store().state(Kind::HorizontalPodAutoscaler),
                KindState::Partial { .. }
            )
        },
        || format!("HPAs: {:?}", l.store().state(Kind::HorizontalPodAutoscaler)),
    )
    .await;
    let store = l.store();
    let KindState::Partial { namespaces, reason } = store.state(Kind::HorizontalPodAutoscaler)
    else {
        unreachable!()
    };
    assert_eq!(namespaces, vec!["eg-payments", "eg-platform"]);
    assert!(reason.contains("edge"), "{reason}");
    assert!(!store.covers(Kind::HorizontalPodAutoscaler, "edge"));
    assert!(
        !hpa_keys(&store).iter().any(|(ns, _)| ns == "edge"),
        "nothing read where the list was refused"
    );
    let r = audit::run(&store, &common::at_demo_now()).unwrap();
    assert!(r.incomplete(), "never a clean audit on HPAs not read");
    drop(l);
    sim.shutdown().await;
}
