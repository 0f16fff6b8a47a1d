//! Events, the change feed and EG511 through the live path, against the
//! simulator on loopback, with a session clock the test steps (no wall
//! clock decides anything here).

mod common;

use egscope::audit::RuleId;
use std::time::Duration;

use egscope::audit;
use egscope::clock::Clock;
use egscope::model::events::Events;
use egscope::sim::faults::FaultKind;
use egscope::sim::{Scenario, SimOptions};
use egscope::source::live::{self, FeedState, Live};
use egscope::store::changes::What;
use egscope::store::{Kind, KindState};

const OOM_POD: &str = "envoy-platform-d294fcce-pzl4ncpbmp-rnvz7";

async fn synced(target: &live::ClusterTarget, clock: Clock) -> Live {
    let conn = live::connect(target).await.expect("connects");
    let l = Live::start_with_clock(conn, None, clock).await;
    assert_eq!(
        l.wait_synced(Duration::from_secs(20)).await,
        vec![],
        "syncs"
    );
    l
}

async fn eventually(within: Duration, ready: impl Fn() -> bool, why: impl Fn() -> String) {
    let deadline = tokio::time::Instant::now() + within;
    while !ready() {
        assert!(tokio::time::Instant::now() < deadline, "{}", why());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_are_read_per_namespace_and_reach_their_pod() {
    let (sim, _kc, target) = common::start(Scenario::Showcase, SimOptions::default()).await;
    let l = synced(&target, Clock::manual(egscope::demo::demo_now())).await;
    let store = l.store();
    assert_eq!(store.state(Kind::Event), KindState::Present);
    let events = Events::build(&store);
    let list = events.of("Pod", "eg-platform", OOM_POD);
    let reasons: Vec<&str> = list.iter().map(|e| e.reason.as_str()).collect();
    assert_eq!(reasons, ["BackOff", "Started", "Unhealthy"], "oldest first");
    assert_eq!(events.warnings("Pod", "eg-platform", OOM_POD), 3 + 27);
    let requests = sim.requests();
    let event_paths: Vec<&str> = requests
        .iter()
        .map(|r| r.path.as_str())
        .filter(|p| p.split('?').next().unwrap_or("").ends_with("/events"))
        .collect();
    assert!(!event_paths.is_empty());
    for p in &event_paths {
        assert!(
            p.starts_with("/apis/events.k8s.io/v1/namespaces/"),
            "Events are never read cluster-wide: {p}"
        );
    }
    assert!(requests.iter().all(|r| r.method == "GET"));
    drop(l);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_events_degrade_with_the_reason_and_block_nothing() {
    let (sim, _kc, target) = common::start(Scenario::Showcase, SimOptions::default()).await;
    sim.add_fault(common::fault(
        "events.k8s.io/events",
        FaultKind::Status(403),
    ));
    let l = synced(&target, Clock::manual(egscope::demo::demo_now())).await;
    assert!(matches!(l.feeds()[&Kind::Event], FeedState::Forbidden(_)));
    let store = l.store();
    assert!(
        matches!(store.state(Kind::Event), KindState::Forbidden(ref why) if why.contains("403"))
    );
    assert_eq!(store.state(Kind::Pod), KindState::Present);
    drop(l);
    sim.shutdown().await;
}

/// The showcase's `web/checkout` route is a generation ahead of what its
/// controller observed: live, EG511 waits until the session clock says the
/// lag has lasted 60 s, and the store says when to judge again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eg511_fires_live_once_the_lag_lasted_a_minute_by_the_session_clock() {
    let (sim, _kc, target) = common::start(Scenario::Showcase, SimOptions::default()).await;
    let clock = Clock::manual(egscope::demo::demo_now());
    let l = synced(&target, clock.clone()).await;
    let opts = common::at_demo_now();
    let lagging = |r: &egscope::audit::AuditResult| {
        r.findings
            .iter()
            .any(|f| f.rule == RuleId::EG511 && f.object.name == "checkout")
    };
    let store = l.store();
    let due = store.live.as_ref().and_then(|x| x.recheck_at);
    assert_eq!(
        due,
        Some(egscope::demo::demo_now() + jiff::SignedDuration::from_secs(60))
    );
    assert!(!lagging(&audit::run(&store, &opts).unwrap()));
    clock.advance(Duration::from_secs(59));
    assert!(!lagging(&audit::run(&l.store(), &opts).unwrap()));
    clock.advance(Duration::from_secs(1));
    let store = l.store();
    assert_eq!(store.live.as_ref().and_then(|x| x.recheck_at), None);
    assert!(lagging(&audit::run(&store, &opts).unwrap()));
    // The same objects read as a snapshot report the lag at once.
    let snap = egscope::demo::showcase_store().unwrap();
    assert!(lagging(&audit::run(&snap, &opts).unwrap()));
    drop(l);
    sim.shutdown().await;
}

/// A spec change seen by a watch lands in the change ring with its fields
/// and the session time; the new generation restarts EG511's wait.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watched_spec_change_is_recorded_with_its_fields() {
    let (sim, _kc, target) = common::start(Scenario::Showcase, SimOptions::default()).await;
    let clock = Clock::manual(egscope::demo::demo_now());
    let l = synced(&target, clock.clone()).await;
    assert_eq!(
        l.store().live.unwrap().changes.len(),
        0,
        "lists are no change"
    );
    clock.advance(Duration::from_secs(90));
    let dump = sim.dump();
    let mut route = dump["gateway.networking.k8s.io/v1/httproutes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == "HTTPRoute" && o["metadata"]["name"] == "checkout")
        .cloned()
        .expect("checkout is served");
    route["spec"]["rules"][0]["backendRefs"][0]["weight"] = serde_json::json!(5);
    route["metadata"]["generation"] = serde_json::json!(3);
    sim.apply(route).unwrap();
    eventually(
        Duration::from_secs(10),
        || l.store().live.unwrap().changes.len() == 1,
        || "the change never arrived".into(),
    )
    .await;
    let store = l.store();
    let live = store.live.as_ref().unwrap();
    let c = live.changes.iter().next().unwrap();
    assert_eq!(c.object.display_path(), "HTTPRoute/web/checkout");
    assert_eq!(c.generation, Some(3));
    assert_eq!(c.at, clock.now());
    assert_eq!(
        c.what,
        What::Modified {
            fields: vec!["spec.rules[0].backendRefs[0].weight".into()],
            more: 0
        }
    );
    // The new generation was first seen now: EG511 waits again.
    assert_eq!(
        live.recheck_at,
        Some(clock.now() + jiff::SignedDuration::from_secs(60))
    );
    drop(l);
    sim.shutdown().await;
}
