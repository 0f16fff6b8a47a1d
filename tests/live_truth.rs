//! The live path never reports clean when it did not look: each test is one
//! way a real cluster fails (issue 9), against the simulator behaving like a
//! real API server.

use std::time::{Duration, Instant};

use egscope::audit::{self, AuditOptions, SkipCategory};
use egscope::metrics::ScrapeState;
use egscope::metrics::scrape::{Scraper, targets};
use egscope::model::Model;
use egscope::sim::faults::{Fault, FaultKind};
use egscope::sim::{Scenario, Sim, SimHandle, SimOptions};
use egscope::source::live::{self, ClusterTarget, FeedState, Live};
use egscope::source::snapshot;
use egscope::store::{Kind, KindState};

async fn start(
    scenario: Scenario,
    opts: SimOptions,
) -> (SimHandle, tempfile::NamedTempFile, ClusterTarget) {
    let sim = Sim::start(scenario, opts).await.expect("sim starts");
    let kc = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(kc.path(), sim.kubeconfig_yaml()).unwrap();
    let target = ClusterTarget {
        kubeconfig: Some(kc.path().to_path_buf()),
        connect_timeout: Duration::from_secs(5),
        ..ClusterTarget::default()
    };
    (sim, kc, target)
}

fn fault(target: &str, kind: FaultKind) -> Fault {
    Fault {
        target: target.into(),
        kind,
    }
}

fn at_demo_now() -> AuditOptions {
    AuditOptions {
        now: Some(egscope::demo::demo_now()),
        ..AuditOptions::default()
    }
}

fn skipped(r: &audit::AuditResult, rule: &str) -> Option<(SkipCategory, String)> {
    r.skipped
        .iter()
        .find(|s| s.rule == rule)
        .map(|s| (s.category, s.reason.clone()))
}

/// Item 7: a kind whose list keeps failing. The sync ends in seconds, not
/// at the timeout; the kind is named with the server's answer; the rules
/// that need it are not judged and the audit is incomplete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kind_that_keeps_failing_is_named_and_makes_the_audit_incomplete() {
    let opts = SimOptions {
        faults: vec![fault("gateways", FaultKind::Status(500))],
        ..SimOptions::default()
    };
    let (sim, _kc, target) = start(Scenario::Showcase, opts).await;
    let conn = live::connect(&target).await.unwrap();
    let l = Live::start(conn, None).await;
    let t = Instant::now();
    let late = l.wait_synced(Duration::from_secs(30)).await;
    assert!(late.is_empty(), "{late:?}");
    assert!(
        t.elapsed() < Duration::from_secs(10),
        "took {:?}",
        t.elapsed()
    );
    let FeedState::Unavailable(why) = &l.feeds()[&Kind::Gateway] else {
        panic!("{:?}", l.feeds()[&Kind::Gateway]);
    };
    assert!(why.starts_with("500: injected fault"), "{why}");
    assert!(
        !why.contains("ErrorResponse"),
        "one line, no debug dump: {why}"
    );
    let store = l.store();
    let r = audit::run(&store, &at_demo_now()).unwrap();
    assert!(r.incomplete());
    for rule in ["EG201", "EG112", "EG501"] {
        let (cat, reason) = skipped(&r, rule).unwrap_or_else(|| panic!("{rule} not skipped"));
        assert_eq!(cat, SkipCategory::NotJudged, "{rule}");
        assert!(
            reason.contains("Gateway could not be read: 500"),
            "{reason}"
        );
    }
    assert!(
        !r.findings.iter().any(|f| f.rule == "EG201"),
        "no finding from a rule that could not see its Gateways"
    );
    assert_eq!(r.coverage[0].kind, "Gateway.gateway.networking.k8s.io");
    // Rules that need no Gateway were still judged.
    assert!(skipped(&r, "EG401").is_none());
    assert!(skipped(&r, "EG103").is_none());
    assert!(r.findings.iter().any(|f| f.object.kind == "HTTPRoute"));
    drop(l);
    sim.shutdown().await;
}

/// Item 8: CRDs forbidden is not a pass of EG403; pods/proxy forbidden with
/// metrics asked for is not a pass of EG507. Both say why in one line.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_crds_and_pod_proxy_are_not_judged() {
    let opts = SimOptions {
        faults: vec![fault("customresourcedefinitions", FaultKind::Status(403))],
        ..SimOptions::default()
    };
    let (sim, _kc, target) = start(Scenario::Showcase, opts).await;
    let conn = live::connect(&target).await.unwrap();
    let l = Live::start(conn.clone(), None).await;
    assert!(l.wait_synced(Duration::from_secs(20)).await.is_empty());
    let store = l.store();
    let model = Model::build(&store);
    sim.add_fault(fault("pods/proxy", FaultKind::Status(403)));
    let mut scraper = Scraper::new(conn.client.clone());
    let pods = targets(&model);
    scraper.scrape_once(&pods, 0.0).await;
    let snap = scraper.scrape_once(&pods, 10.0).await.clone();
    assert!(
        snap.pods
            .values()
            .all(|s| s.state == ScrapeState::Forbidden)
    );
    let opts = AuditOptions {
        metrics: Some(std::sync::Arc::new(snap)),
        ..at_demo_now()
    };
    let r = audit::run(&store, &opts).unwrap();
    let (cat, reason) = skipped(&r, "EG403").expect("EG403 skipped");
    assert_eq!(cat, SkipCategory::NotJudged);
    assert!(
        reason.starts_with("CustomResourceDefinition is forbidden: 403: "),
        "{reason}"
    );
    assert!(reason.len() < 300, "one line: {reason}");
    let (cat, reason) = skipped(&r, "EG507").expect("EG507 skipped");
    assert_eq!(cat, SkipCategory::NotJudged);
    assert!(reason.contains("pods/proxy forbidden"), "{reason}");
    assert!(r.incomplete());
    assert!(!r.findings.iter().any(|f| f.rule == "EG507"));
    drop(l);
    sim.shutdown().await;
}

/// Item 5: `-n apps` limits what is reported, not what resolves: the
/// compliant cluster audited for one namespace is clean and complete (no
/// EG115 for an EnvoyProxy in the controller namespace), and a namespace's
/// findings are exactly the cluster's findings in that namespace.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_namespace_flag_reports_its_namespace_and_resolves_everywhere() {
    let (sim, _kc, target) = start(Scenario::Compliant, SimOptions::default()).await;
    let conn = live::connect(&target).await.unwrap();
    let l = Live::start(conn, Some("apps".into())).await;
    assert!(l.wait_synced(Duration::from_secs(20)).await.is_empty());
    let r = audit::run(&l.store(), &at_demo_now()).unwrap();
    assert!(r.findings.is_empty(), "{:?}", r.findings);
    assert!(!r.incomplete(), "{:?}", r.skipped);
    drop(l);
    sim.shutdown().await;

    let (sim, _kc, target) = start(Scenario::Showcase, SimOptions::default()).await;
    let conn = live::connect(&target).await.unwrap();
    let all = Live::start(conn.clone(), None).await;
    assert!(all.wait_synced(Duration::from_secs(20)).await.is_empty());
    let one = Live::start(conn, Some("shop".into())).await;
    assert!(one.wait_synced(Duration::from_secs(20)).await.is_empty());
    let everything = audit::run(&all.store(), &at_demo_now()).unwrap();
    let scoped = audit::run(&one.store(), &at_demo_now()).unwrap();
    let in_shop: Vec<_> = everything
        .findings
        .iter()
        .filter(|f| f.object.namespace.as_deref().is_none_or(|n| n == "shop"))
        .collect();
    assert!(!scoped.findings.is_empty());
    assert_eq!(scoped.findings.iter().collect::<Vec<_>>(), in_shop);
    drop((all, one));
    sim.shutdown().await;
}

/// Item 9: a watch that drops is resumed from its resourceVersion; the
/// kind is listed once, not once per drop, and stays live.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_watches_resume_without_relisting() {
    let (sim, _kc, target) = start(Scenario::Showcase, SimOptions::default()).await;
    let conn = live::connect(&target).await.unwrap();
    let l = Live::start(conn, None).await;
    assert!(l.wait_synced(Duration::from_secs(20)).await.is_empty());
    sim.add_fault(fault(
        "gateways",
        FaultKind::DropAfter(Duration::from_millis(300)),
    ));
    let lists = || {
        sim.requests()
            .iter()
            .filter(|r| r.path.contains("/gateways") && !r.path.contains("watch=true"))
            .count()
    };
    let watches = || {
        sim.requests()
            .iter()
            .filter(|r| r.path.contains("/gateways?") && r.path.contains("watch=true"))
            .count()
    };
    let (lists_before, watches_before) = (lists(), watches());
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(lists(), lists_before, "no relist after dropped watches");
    assert!(watches() >= watches_before + 2, "the watch was resumed");
    // Resumed from where it was, never from scratch.
    assert!(
        sim.requests()
            .iter()
            .filter(|r| r.path.contains("/gateways?") && r.path.contains("watch=true"))
            .all(|r| r.path.contains("resourceVersion=") && !r.path.contains("resourceVersion=&"))
    );
    assert_eq!(l.feeds()[&Kind::Gateway], FeedState::Live);
    // A 410 on resume is the one reason to list again.
    sim.clear_faults();
    sim.add_fault(fault("gateways", FaultKind::GoneOnResume));
    sim.add_fault(fault(
        "gateways",
        FaultKind::DropAfter(Duration::from_millis(300)),
    ));
    let relisted = lists_before;
    let deadline = Instant::now() + Duration::from_secs(10);
    while lists() == relisted {
        assert!(Instant::now() < deadline, "410 never led to a list");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(l);
    sim.shutdown().await;
}

/// Item 10: a 503 from the pod proxy is one request per pod per round (no
/// retries) and says what the server said; it is never "no metrics port".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scrapes_are_not_retried_and_say_what_the_server_said() {
    let (sim, _kc, target) = start(Scenario::Showcase, SimOptions::default()).await;
    let conn = live::connect(&target).await.unwrap();
    let l = Live::start(conn.clone(), None).await;
    assert!(l.wait_synced(Duration::from_secs(20)).await.is_empty());
    let pods = targets(&Model::build(&l.store()));
    sim.add_fault(fault("pods/proxy", FaultKind::Status(503)));
    sim.clear_requests();
    let mut scraper = Scraper::new(conn.client.clone());
    let snap = scraper.scrape_once(&pods, 0.0).await.clone();
    let proxied = sim
        .requests()
        .iter()
        .filter(|r| r.path.contains("/proxy/"))
        .count();
    let scraped = pods.iter().filter(|p| !p.metrics_disabled).count();
    assert_eq!(proxied, scraped, "one request per pod, no retries");
    for s in snap.pods.values() {
        match &s.state {
            ScrapeState::Failed(why) => assert!(why.starts_with("503: injected fault"), "{why}"),
            ScrapeState::NoMetricsPort => {}
            other => panic!("{other:?}"),
        }
    }
    drop(l);
    sim.shutdown().await;
}

/// Item 6: a snapshot of a cluster with a forbidden kind records it, and
/// its audit equals the live one, finding for finding, skip for skip.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_snapshot_of_a_degraded_cluster_audits_like_the_cluster() {
    let opts = SimOptions {
        faults: vec![
            fault("horizontalpodautoscalers", FaultKind::Status(403)),
            fault("tcproutes", FaultKind::Status(404)),
        ],
        ..SimOptions::default()
    };
    let (sim, _kc, target) = start(Scenario::Showcase, opts).await;
    let conn = live::connect(&target).await.unwrap();
    let l = Live::start(conn, None).await;
    assert!(l.wait_synced(Duration::from_secs(20)).await.is_empty());
    let store = l.store();
    let live_r = audit::run(&store, &at_demo_now()).unwrap();
    assert!(live_r.incomplete());
    let yaml = live::snapshot_yaml(&store, egscope::demo::demo_now()).unwrap();
    let back = snapshot::load_text("backup.yaml", &yaml).unwrap();
    assert!(matches!(
        back.state(Kind::HorizontalPodAutoscaler),
        KindState::Forbidden(_)
    ));
    let snap_r = audit::run(&back, &AuditOptions::default()).unwrap();
    assert_eq!(live_r.findings, {
        let mut f = snap_r.findings.clone();
        for x in &mut f {
            x.location = None;
        }
        f
    });
    let key = |r: &audit::AuditResult| -> Vec<(String, SkipCategory)> {
        r.skipped
            .iter()
            .map(|s| (s.rule.to_string(), s.category))
            .collect()
    };
    assert_eq!(key(&live_r), key(&snap_r));
    assert_eq!(live_r.coverage, snap_r.coverage);
    drop(l);
    sim.shutdown().await;
}

/// The binary against a degraded cluster: an incomplete audit exits 3 with
/// the report printed and the reason on stderr; `--allow-incomplete`
/// accepts it; `egscope snapshot` records the gap and exits 3 too, and the
/// audit of that snapshot is just as incomplete.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incomplete_audits_and_snapshots_exit_3() {
    let opts = SimOptions {
        faults: vec![fault("deployments", FaultKind::Status(403))],
        ..SimOptions::default()
    };
    let (sim, kc, _target) = start(Scenario::Compliant, opts).await;
    let kc = kc.path().to_path_buf();
    let dir = tempfile::tempdir().unwrap();
    let backup = dir.path().join("backup.yaml");
    let backup2 = backup.clone();
    let outputs = tokio::task::spawn_blocking(move || {
        let run = |args: &[&str]| {
            let mut c = assert_cmd::Command::cargo_bin("egscope").unwrap();
            c.arg("--kubeconfig").arg(&kc).args(args);
            c.env("NO_COLOR", "1").output().unwrap()
        };
        vec![
            run(&["audit", "--fail-on", "never", "--format", "json"]),
            run(&["audit", "--fail-on", "never", "--allow-incomplete"]),
            run(&["snapshot", "-o", backup2.to_str().unwrap()]),
            run(&[
                "audit",
                "--snapshot",
                backup2.to_str().unwrap(),
                "--fail-on",
                "never",
            ]),
        ]
    })
    .await
    .unwrap();
    let text = |o: &std::process::Output| {
        (
            String::from_utf8_lossy(&o.stdout).to_string(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let (json, err) = text(&outputs[0]);
    assert_eq!(outputs[0].status.code(), Some(3), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(doc["summary"]["incomplete"], true);
    let gaps: Vec<&str> = doc["coverage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["kind"].as_str().unwrap())
        .collect();
    assert!(gaps.contains(&"Deployment.apps"), "{gaps:?}");
    assert!(err.contains("the audit is incomplete"), "{err}");
    assert!(!err.contains("panicked"));

    let (out, _) = text(&outputs[1]);
    assert_eq!(outputs[1].status.code(), Some(0), "{out}");
    assert!(out.contains("INCOMPLETE:"), "{out}");

    let (_, err) = text(&outputs[2]);
    assert_eq!(outputs[2].status.code(), Some(3), "{err}");
    assert!(err.contains("Deployment is forbidden"), "{err}");
    let yaml = std::fs::read_to_string(&backup).unwrap();
    assert!(yaml.contains("snapshot.egscope.io/coverage"));

    let (out, _) = text(&outputs[3]);
    assert_eq!(outputs[3].status.code(), Some(3), "{out}");
    assert!(out.contains("Deployment.apps forbidden"), "{out}");
    sim.shutdown().await;
}
