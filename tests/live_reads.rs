//! What the live source reads and how: only Envoy Gateway's objects where
//! they can be told apart (by label or by name), through streaming lists
//! where the server serves them and paged lists where it refuses them, and
//! the same audit either way.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use egscope::audit;
use egscope::sim::faults::FaultKind;
use egscope::sim::{Scenario, SimHandle, SimOptions};
use egscope::source::live::{self, ClusterTarget, FeedState, Live};
use egscope::source::snapshot;
use egscope::store::{Kind, Store};
use serde_json::json;

mod common;

async fn synced(target: &ClusterTarget) -> Live {
    let conn = live::connect(target).await.expect("connects");
    let l = Live::start(conn, None).await;
    assert_eq!(l.wait_synced(Duration::from_secs(30)).await, vec![]);
    l
}

fn finding_keys(store: &Store) -> Vec<String> {
    let r = audit::run(store, &common::at_demo_now()).unwrap();
    let mut v: Vec<String> = r
        .findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {:?} {}",
                f.rule,
                f.object.display_path(),
                f.listener,
                f.message
            )
        })
        .collect();
    v.sort();
    v
}

/// Objects of a busy cluster that are not Envoy Gateway's.
fn unrelated() -> Vec<serde_json::Value> {
    let template = json!({"metadata": {"labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}});
    vec![
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
               "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}}, "template": template}}),
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet",
               "metadata": {"name": "node-agent", "namespace": "kube-system", "labels": {"app": "agent"}},
               "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": template}}),
        json!({"apiVersion": "v1", "kind": "Pod",
               "metadata": {"name": "web-1", "namespace": "default", "labels": {"app": "web"}},
               "spec": {"containers": [{"name": "web", "image": "nginx:1.27"}]}}),
        json!({"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
               "metadata": {"name": "widgets.example.com"},
               "spec": {"group": "example.com", "scope": "Namespaced",
                        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                        "versions": [{"name": "v1", "served": true, "storage": true}]}}),
    ]
}

fn crd_names(objects: &serde_json::Value) -> BTreeSet<String> {
    // The dump maps `apiVersion/plural` to that resource's objects.
    objects
        .as_object()
        .into_iter()
        .flat_map(|m| m.values())
        .filter_map(|v| v.as_array())
        .flatten()
        .filter(|o| o["kind"] == "CustomResourceDefinition")
        .filter_map(|o| o["metadata"]["name"].as_str().map(str::to_string))
        .collect()
}

/// Streaming and paged runs each count a kind's lists their own way.
fn is_list(path: &str) -> bool {
    !path.contains("watch=true") || path.contains("sendInitialEvents")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_envoy_gateway_objects_are_read_and_the_audit_is_unchanged() {
    let (sim, _kc, target) = common::start(Scenario::Showcase, SimOptions::default()).await;
    for o in unrelated() {
        sim.apply(o).unwrap();
    }
    let l = synced(&target).await;
    let store = l.store();

    // What was left out.
    let names =
        |k: Kind| -> BTreeSet<String> { store.of(k).iter().map(|o| o.name.clone()).collect() };
    assert!(!names(Kind::Deployment).contains("web"));
    assert!(!names(Kind::DaemonSet).contains("node-agent"));
    assert!(!names(Kind::Pod).contains("web-1"));
    assert!(!names(Kind::CustomResourceDefinition).contains("widgets.example.com"));
    // What was kept: every CRD of the groups egscope reads that the server
    // has (a wrong plural would miss one), the controllers and the fleets.
    let dump = sim.dump();
    let wanted: BTreeSet<String> = crd_names(&dump)
        .into_iter()
        .filter(|n| {
            n.ends_with(".gateway.networking.k8s.io")
                || n.ends_with(".gateway.networking.x-k8s.io")
                || n.ends_with(".gateway.envoyproxy.io")
        })
        .collect();
    assert!(wanted.len() >= 10, "{wanted:?}");
    let read = names(Kind::CustomResourceDefinition);
    let of_kinds_read: BTreeSet<String> = wanted.intersection(&read).cloned().collect();
    assert_eq!(read, of_kinds_read, "only CRDs of the groups read");
    for name in [
        "httproutes.gateway.networking.k8s.io",
        "envoyproxies.gateway.envoyproxy.io",
        "gatewayclasses.gateway.networking.k8s.io",
        "backendtrafficpolicies.gateway.envoyproxy.io",
    ] {
        assert!(read.contains(name), "{name} read: {read:?}");
    }
    let model = egscope::model::Model::build(&store);
    assert!(!model.controllers.is_empty() && !model.fleets.is_empty());

    // Rules judge the same as on everything the server holds.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("everything.json");
    std::fs::write(&file, dump.to_string()).unwrap();
    let full = snapshot::load(
        &[file.to_string_lossy().into_owned()],
        &mut std::io::empty(),
    )
    .unwrap();
    assert!(full.of(Kind::Deployment).iter().any(|d| d.name == "web"));
    // EG511 (a generation lag) is judged on how long this session has seen
    // it in a live source, at once in a snapshot: not what is compared here.
    let no_lag = |v: Vec<String>| -> Vec<String> {
        v.into_iter().filter(|f| !f.starts_with("EG511 ")).collect()
    };
    assert_eq!(no_lag(finding_keys(&store)), no_lag(finding_keys(&full)));

    // The server was asked by label and by name, never for all of them.
    let reqs = sim.requests();
    for (what, needle) in [
        ("/deployments", "labelSelector="),
        ("/daemonsets", "labelSelector="),
        ("/pods?", "labelSelector="),
        ("/customresourcedefinitions", "fieldSelector=metadata.name"),
    ] {
        let hits: Vec<_> = reqs.iter().filter(|r| r.path.contains(what)).collect();
        assert!(!hits.is_empty(), "{what} was read");
        assert!(
            hits.iter().all(|r| r.path.contains(needle)),
            "{what}: {hits:?}"
        );
    }
    drop(l);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_lists_where_served_paged_lists_where_refused() {
    // A server with WatchList: every kind's first list is a streaming one.
    let (sim, _kc, target) = common::start(Scenario::Showcase, SimOptions::default()).await;
    let l = synced(&target).await;
    let streamed = l.store();
    let reqs = sim.requests();
    let routes: Vec<_> = reqs
        .iter()
        .filter(|r| r.path.contains("/httproutes"))
        .collect();
    assert!(
        routes
            .iter()
            .any(|r| r.path.contains("sendInitialEvents=true")
                && r.path.contains("resourceVersionMatch=NotOlderThan")
                && r.path.contains("allowWatchBookmarks=true")
                && r.status == 200),
        "{routes:?}"
    );
    assert!(
        reqs.iter()
            .all(|r| !r.path.contains("limit=") && r.status != 422),
        "no paged list, no refusal"
    );
    drop(l);
    sim.shutdown().await;

    // A server without: refused once per kind at most, then pages, and
    // never asked again when a kind lists anew.
    let opts = SimOptions {
        watch_list: false,
        ..SimOptions::default()
    };
    let (sim, _kc, target) = common::start(Scenario::Showcase, opts).await;
    let l = synced(&target).await;
    let paged = l.store();
    let reqs = sim.requests();
    let refused = reqs.iter().filter(|r| r.status == 422).count();
    assert!(refused >= 1, "the streaming list was tried");
    assert!(
        reqs.iter()
            .any(|r| r.path.contains("/httproutes?") && r.path.contains("limit="))
    );
    for k in Kind::ALL {
        assert_eq!(streamed.of(k).len(), paged.of(k).len(), "{k:?}");
    }
    assert_eq!(finding_keys(&streamed), finding_keys(&paged));

    // A 410 on resume lists Gateways again: in pages, without a new try.
    let lists = |sim: &SimHandle| {
        sim.requests()
            .iter()
            .filter(|r| r.path.contains("/gateways?") && is_list(&r.path))
            .count()
    };
    let before = lists(&sim);
    sim.add_fault(common::fault("gateways", FaultKind::GoneOnResume));
    sim.add_fault(common::fault(
        "gateways",
        FaultKind::DropAfter(Duration::from_millis(300)),
    ));
    let deadline = Instant::now() + Duration::from_secs(10);
    while lists(&sim) == before {
        assert!(Instant::now() < deadline, "410 never led to a list");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    sim.clear_faults();
    assert_eq!(
        sim.requests().iter().filter(|r| r.status == 422).count(),
        refused
    );
    assert_eq!(l.feeds()[&Kind::Gateway], FeedState::Live);
    drop(l);
    sim.shutdown().await;
}

/// Pods are read by two selectors, the proxies' and the controllers'
/// (`control-plane=envoy-gateway`), and never unselected: the controller
/// pods the log pane needs come in, a busy cluster's other pods do not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pods_are_read_by_the_proxy_and_the_controller_selectors_only() {
    let (sim, _kc, target) = common::start(Scenario::Showcase, SimOptions::default()).await;
    for o in unrelated() {
        sim.apply(o).unwrap();
    }
    let l = synced(&target).await;
    let store = l.store();
    let pods: BTreeSet<String> = store.of(Kind::Pod).iter().map(|p| p.name.clone()).collect();
    assert!(!pods.contains("web-1"));
    for controller_pod in [
        "envoy-gateway-q28lpkz78m-x7k2p",
        "envoy-gateway-m6524wflcd-b9tq4",
    ] {
        assert!(pods.contains(controller_pod), "{pods:?}");
    }
    let model = egscope::model::Model::build(&store);
    assert!(model.controllers.iter().all(|c| c.pods.len() == 1));

    let decoded = |p: &str| p.replace("%3D", "=").replace("%2F", "/");
    let pod_reads: Vec<String> = sim
        .requests()
        .iter()
        .filter(|r| r.path.contains("/pods?"))
        .map(|r| decoded(&r.path))
        .collect();
    assert!(
        pod_reads.iter().all(|p| p
            .contains("labelSelector=app.kubernetes.io/managed-by=envoy-gateway")
            || p.contains("labelSelector=control-plane=envoy-gateway")),
        "{pod_reads:?}"
    );
    for selector in [
        "labelSelector=app.kubernetes.io/managed-by=envoy-gateway",
        "labelSelector=control-plane=envoy-gateway",
    ] {
        assert!(
            pod_reads.iter().any(|p| p.contains(selector)),
            "{selector}: {pod_reads:?}"
        );
    }
    drop(l);
    sim.shutdown().await;
}
