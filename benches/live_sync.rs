//! The live path at scale, against `kubectl` on the same simulator.
//!
//! Starts `egscope sim`'s `large` scenario in-process (1,000 Gateways,
//! 20,000 HTTPRoutes, 2,000 policies, 5,000 proxy pods) and measures:
//! - start → synced store through the watchers (in-process), against
//!   `kubectl get <every kind egscope reads> -A -o json` (skipped without
//!   kubectl): the floor of transfer and decode;
//! - peak RSS of `egscope snapshot` against the same cluster, against the
//!   bytes of kubectl's JSON lists;
//! - one scrape of 500 proxy pods at concurrency 16 (target: within one
//!   2 s scrape interval).
//!
//! Run: `cargo bench --bench live_sync`.

use std::process::Command;
use std::time::{Duration, Instant};

use egscope::model::Model;
use egscope::session::scrape::{Scraper, targets};
use egscope::sim::{LargeParams, Scenario, Sim, SimOptions};
use egscope::source::live::{self, ClusterTarget, Live};

const KINDS: &str = "namespaces,pods,services,configmaps,deployments.apps,daemonsets.apps,\
horizontalpodautoscalers.autoscaling,customresourcedefinitions.apiextensions.k8s.io,\
gatewayclasses.gateway.networking.k8s.io,gateways.gateway.networking.k8s.io,\
httproutes.gateway.networking.k8s.io,grpcroutes.gateway.networking.k8s.io,\
envoyproxies.gateway.envoyproxy.io,clienttrafficpolicies.gateway.envoyproxy.io,\
backendtrafficpolicies.gateway.envoyproxy.io,securitypolicies.gateway.envoyproxy.io";

fn child_peak_rss_kib() -> i64 {
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    ru.ru_maxrss
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sim = rt
        .block_on(Sim::start(
            Scenario::Large(LargeParams::default()),
            SimOptions::default(),
        ))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, sim.kubeconfig_yaml()).unwrap();
    let target = ClusterTarget {
        kubeconfig: Some(kc.clone()),
        connect_timeout: Duration::from_secs(10),
        ..ClusterTarget::default()
    };

    let t = Instant::now();
    let (store, conn) = rt.block_on(async {
        let conn = live::connect(&target).await.unwrap();
        let l = Live::start(conn.clone(), None).await;
        assert!(l.wait_synced(Duration::from_secs(300)).await.is_empty());
        (l.store(), conn)
    });
    let sync = t.elapsed();
    println!(
        "egscope watchers: synced {} objects in {:.2} s",
        store.len(),
        sync.as_secs_f64()
    );

    let kubectl = Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok();
    let mut json_bytes = 0usize;
    if kubectl {
        let t = Instant::now();
        let out = Command::new("kubectl")
            .args([
                "--kubeconfig",
                kc.to_str().unwrap(),
                "get",
                KINDS,
                "-A",
                "-o",
                "json",
                "--request-timeout=300s",
            ])
            .output()
            .unwrap();
        let k = t.elapsed();
        json_bytes = out.stdout.len();
        println!(
            "kubectl get -A -o json: {:.2} s, {:.1} MB; egscope/kubectl time ratio {:.2}",
            k.as_secs_f64(),
            json_bytes as f64 / 1e6,
            sync.as_secs_f64() / k.as_secs_f64()
        );
    } else {
        println!("kubectl not found: skipping the kubectl baseline");
    }

    let out = dir.path().join("snap.yaml");
    let t = Instant::now();
    let status = Command::new(env!("CARGO_BIN_EXE_egscope"))
        .args([
            "snapshot",
            "--kubeconfig",
            kc.to_str().unwrap(),
            "--sync-timeout",
            "300",
            "-o",
        ])
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success());
    let peak = child_peak_rss_kib() as f64 * 1024.0;
    println!(
        "egscope snapshot (process): {:.2} s, peak RSS {:.0} MB{}",
        t.elapsed().as_secs_f64(),
        peak / 1e6,
        if json_bytes > 0 {
            format!(", {:.2}x kubectl's JSON bytes", peak / json_bytes as f64)
        } else {
            String::new()
        }
    );

    let pods: Vec<_> = targets(&Model::build(&store))
        .into_iter()
        .take(500)
        .collect();
    let (first, second) = rt.block_on(async {
        let mut s = Scraper::new(conn.client.clone());
        s.concurrency = 16;
        let t = Instant::now();
        s.scrape_once(&pods, 0.0).await;
        let first = t.elapsed();
        sim.advance(Duration::from_secs(2));
        let t = Instant::now();
        let snap = s.scrape_once(&pods, 2.0).await;
        let ok = snap.pods.values().filter(|p| p.latest().is_some()).count();
        println!("scrape: {ok} of {} pods derived", pods.len());
        (first, t.elapsed())
    });
    println!(
        "scrape of {} pods at concurrency 16: {:.0} ms, then {:.0} ms ({:.0}% of a 2 s interval)",
        pods.len(),
        first.as_secs_f64() * 1e3,
        second.as_secs_f64() * 1e3,
        second.as_secs_f64() / 2.0 * 100.0
    );
}
