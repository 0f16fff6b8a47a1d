//! kubectl against the simulator (skipped when kubectl is not installed).

use std::time::Duration;

use egscope::sim::{Scenario, Sim, SimOptions};

fn kubectl_available() -> bool {
    std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success())
}

async fn kubectl(kubeconfig: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    let out = tokio::time::timeout(
        Duration::from_secs(15),
        tokio::process::Command::new("kubectl")
            .arg("--kubeconfig")
            .arg(kubeconfig)
            .args(args)
            .env("KUBECACHEDIR", kubeconfig.with_file_name("cache"))
            .env("HOME", kubeconfig.parent().unwrap())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("kubectl hung")
    .expect("kubectl runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_reads_the_simulator() {
    if !kubectl_available() {
        eprintln!("skipping: kubectl is not on PATH");
        return;
    }
    let sim = Sim::start(Scenario::Showcase, SimOptions::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, sim.kubeconfig_yaml()).unwrap();

    let (code, out, err) = kubectl(&kc, &["get", "gatewayclasses,gateways,httproutes", "-A"]).await;
    assert_eq!(code, 0, "{err}");
    for needle in [
        "gatewayclass.gateway.networking.k8s.io/platform",
        "gateway.gateway.networking.k8s.io/storefront",
        "httproute.gateway.networking.k8s.io/checkout",
        "NAMESPACE",
    ] {
        assert!(out.contains(needle), "no {needle} in\n{out}");
    }

    let (code, out, err) = kubectl(
        &kc,
        &[
            "get",
            "pods",
            "-A",
            "-l",
            "app.kubernetes.io/managed-by=envoy-gateway",
        ],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    assert_eq!(out.lines().count(), 9, "{out}");
    assert!(out.contains("envoy-platform-d294fcce-pzl4ncpbmp-dlwjz"));

    let (code, out, err) = kubectl(&kc, &["get", "gtw", "-n", "web", "-o", "json"]).await;
    assert_eq!(code, 0, "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list["items"][0]["metadata"]["name"], "storefront");

    let pod = "envoy-platform-d294fcce-pzl4ncpbmp-dlwjz";
    let raw = format!("/api/v1/namespaces/eg-platform/pods/{pod}:19001/proxy/stats/prometheus");
    let (code, out, err) = kubectl(&kc, &["get", "--raw", &raw]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("# TYPE envoy_http_downstream_rq_total counter"));
    assert!(out.contains("envoy_http_conn_manager_prefix=\"http-10080\""));

    let (code, _, err) = kubectl(&kc, &["get", "secrets", "-A"]).await;
    assert_ne!(code, 0);
    assert!(err.contains("secrets"), "{err}");

    let (code, _, err) = kubectl(&kc, &["delete", "gateway", "-n", "web", "storefront"]).await;
    assert_ne!(code, 0, "delete must fail");
    assert!(
        err.contains("MethodNotAllowed") || err.contains("not allowed"),
        "{err}"
    );

    // Watch: the initial objects, then the stream ends at the timeout.
    let (code, out, err) = kubectl(
        &kc,
        &["get", "gateways", "-A", "-w", "--request-timeout=2s"],
    )
    .await;
    assert_eq!(code, 0, "{err}");
    for gw in ["storefront", "catalog", "pay"] {
        assert!(out.contains(gw), "{out}");
    }

    // Only GET ever reached the server, apart from the refused delete.
    let methods: Vec<String> = sim.requests().into_iter().map(|r| r.method).collect();
    assert!(
        methods.iter().filter(|m| *m != "GET").count() <= 1,
        "{methods:?}"
    );
    sim.shutdown().await;
}
