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

/// `egscope sim` as a process: prints its address, writes the kubeconfig,
/// enforces `--rbac` and `--fault`, logs requests.
#[test]
fn egscope_sim_binary() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    let log = dir.path().join("requests.jsonl");
    let rbac = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/rbac.yaml");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_egscope"))
        .args(["sim", "--scenario", "compliant", "--rbac", rbac])
        .args(["--fault", "gateways=500", "--kubeconfig-out"])
        .arg(&kc)
        .arg("--request-log")
        .arg(&log)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in {first:?}"))
        .to_string();
    assert!(std::fs::read_to_string(&kc).unwrap().contains(&url));
    let addr = url.trim_start_matches("http://").to_string();
    let get = |path: &str| -> String {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    };
    assert!(get("/api/v1/namespaces").starts_with("HTTP/1.1 200"));
    assert!(get("/api/v1/secrets").starts_with("HTTP/1.1 403"));
    assert!(get("/apis/gateway.networking.k8s.io/v1/gateways").starts_with("HTTP/1.1 500"));
    let _ = child.kill();
    let _ = child.wait();
    let lines = std::fs::read_to_string(&log).unwrap();
    assert_eq!(lines.lines().count(), 3, "{lines}");
    assert!(lines.contains("\"status\":403"));
}

/// The showcase plus objects of the kinds only served below the Gateway
/// API group's preferred version (v1.4 bundle), and a tenant namespace.
fn with_tenant_objects() -> Vec<serde_json::Value> {
    let mut objs = egscope::sim::scenario_objects(&Scenario::Showcase).unwrap();
    let meta = |name: &str| serde_json::json!({"name": name, "namespace": "apps"});
    objs.extend([
        serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "apps"}}),
        serde_json::json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta("api-0"),
                           "spec": {"containers": [{"name": "api", "image": "api:1"}]},
                           "status": {"phase": "Running"}}),
        serde_json::json!({"apiVersion": "gateway.networking.k8s.io/v1alpha2", "kind": "TCPRoute",
                           "metadata": meta("db"), "spec": {}}),
        serde_json::json!({"apiVersion": "gateway.networking.k8s.io/v1beta1", "kind": "ReferenceGrant",
                           "metadata": meta("from-web"), "spec": {}}),
    ]);
    objs
}

async fn kubeconfig_for(
    sim: &egscope::sim::SimHandle,
    dir: &tempfile::TempDir,
) -> std::path::PathBuf {
    let kc = dir.path().join("kubeconfig");
    std::fs::write(&kc, sim.kubeconfig_yaml()).unwrap();
    kc
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_finds_kinds_below_the_preferred_version() {
    if !kubectl_available() {
        eprintln!("skipping: kubectl is not on PATH");
        return;
    }
    // The v1.4 bundle, where these kinds sit below the preferred version
    // (the default is v1.6, which serves them at v1).
    let sim = Sim::start(
        Scenario::Objects(with_tenant_objects()),
        SimOptions {
            gateway_api: egscope::sim::GatewayApiBundle::V1_4,
            ..SimOptions::default()
        },
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig_for(&sim, &dir).await;
    let (code, out, err) = kubectl(&kc, &["get", "tcproutes", "-A"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("apps") && out.contains("db"), "{out}");
    let (code, out, err) = kubectl(&kc, &["get", "referencegrants", "-A", "-o", "json"]).await;
    assert_eq!(code, 0, "{err}");
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list["items"][0]["metadata"]["name"], "from-web");
    assert_eq!(
        list["items"][0]["apiVersion"],
        "gateway.networking.k8s.io/v1beta1"
    );
    sim.shutdown().await;

    for bundle in egscope::sim::GatewayApiBundle::ALL {
        let opts = SimOptions {
            gateway_api: bundle,
            ..SimOptions::default()
        };
        let sim = Sim::start(Scenario::Showcase, opts).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let kc = kubeconfig_for(&sim, &dir).await;
        let (code, out, err) = kubectl(&kc, &["api-resources", "--no-headers"]).await;
        assert_eq!(code, 0, "{err}");
        // KIND is the last column.
        let kinds: Vec<&str> = out
            .lines()
            .filter_map(|l| l.split_whitespace().last())
            .collect();
        for def in egscope::sim::resources::RESOURCES
            .iter()
            .filter(|r| r.installed(bundle))
        {
            assert!(
                kinds.contains(&def.kind),
                "{bundle:?}: {} missing from\n{out}",
                def.kind
            );
        }
        let (code, out, err) = kubectl(
            &kc,
            &["api-resources", "--api-group", "gateway.networking.k8s.io"],
        )
        .await;
        assert_eq!(code, 0, "{err}");
        let tcp = out
            .lines()
            .find(|l| l.starts_with("tcproutes"))
            .unwrap_or("");
        let want = match bundle {
            egscope::sim::GatewayApiBundle::V1_4 => "gateway.networking.k8s.io/v1alpha2",
            egscope::sim::GatewayApiBundle::V1_6 => "gateway.networking.k8s.io/v1 ",
        };
        assert!(tcp.contains(want), "{bundle:?}: {tcp:?} in\n{out}");
        sim.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kubectl_under_a_rolebinding_and_a_down_metrics_api() {
    if !kubectl_available() {
        eprintln!("skipping: kubectl is not on PATH");
        return;
    }
    let rbac = egscope::sim::Rbac::from_yaml(include_str!("../assets/rbac.yaml"))
        .unwrap()
        .in_namespaces(["apps"]);
    let opts = SimOptions {
        rbac: Some(rbac),
        faults: vec!["apiservice:metrics.k8s.io=503".parse().unwrap()],
        ..SimOptions::default()
    };
    let sim = Sim::start(Scenario::Objects(with_tenant_objects()), opts)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kc = kubeconfig_for(&sim, &dir).await;
    let (code, out, err) = kubectl(&kc, &["get", "pods", "-n", "apps"]).await;
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("api-0"), "{out}");
    let (code, _, err) = kubectl(&kc, &["get", "pods", "-A"]).await;
    assert_ne!(code, 0);
    // What kubectl prints against a real kube-apiserver, word for word.
    assert!(
        err.contains(
            "Error from server (Forbidden): pods is forbidden: User \"system:serviceaccount:egscope:egscope\" cannot list resource \"pods\" in API group \"\" at the cluster scope"
        ),
        "{err}"
    );
    let (code, _, err) = kubectl(&kc, &["get", "gatewayclasses"]).await;
    assert_ne!(code, 0);
    assert!(
        err.contains("Error from server (Forbidden): gatewayclasses.gateway.networking.k8s.io is forbidden: User \"system:serviceaccount:egscope:egscope\" cannot list resource \"gatewayclasses\" in API group \"gateway.networking.k8s.io\" at the cluster scope"),
        "{err}"
    );
    let (code, _, err) = kubectl(&kc, &["get", "tcproutes", "-n", "apps"]).await;
    assert_eq!(code, 0, "{err}");
    // metrics-server down: kubectl top fails at once with client-go's text.
    let (code, _, err) = kubectl(&kc, &["top", "pods", "-n", "apps"]).await;
    assert_ne!(code, 0);
    assert!(
        err.contains("the server is currently unable to handle the request"),
        "{err}"
    );
    sim.shutdown().await;
}

/// `egscope sim` serves Gateway API v1.6.1 by default (the demo clusters run
/// Envoy Gateway v1.9.0), and v1.4.1 with `--gateway-api v1.4`: each bundle's
/// CRDs with its bundle-version, ListenerSet only with v1.6.
#[test]
fn egscope_sim_serves_either_bundle_default_v1_6() {
    use std::io::{BufRead, BufReader, Read, Write};
    for (flag, bundle, listenersets) in [
        (None, "v1.6.1", true),
        (Some("v1.6"), "v1.6.1", true),
        (Some("v1.4"), "v1.4.1", false),
    ] {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_egscope"));
        cmd.args(["sim", "--scenario", "showcase"]);
        if let Some(f) = flag {
            cmd.args(["--gateway-api", f]);
        }
        let mut child = cmd.stdout(std::process::Stdio::piped()).spawn().unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(first.contains(&format!("Gateway API {bundle}")), "{first}");
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in {first:?}"))
            .to_string();
        let addr = url.trim_start_matches("http://").to_string();
        let get = |path: &str| -> String {
            let mut s = std::net::TcpStream::connect(&addr).unwrap();
            write!(
                s,
                "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
            )
            .unwrap();
            let mut out = String::new();
            s.read_to_string(&mut out).unwrap();
            out
        };
        let crd = get(
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/gateways.gateway.networking.k8s.io",
        );
        assert!(
            crd.starts_with("HTTP/1.1 200") && crd.contains(bundle),
            "{flag:?}: {crd}"
        );
        let ls = get("/apis/gateway.networking.k8s.io/v1/namespaces/payments/listenersets");
        let xls = get("/apis/gateway.networking.x-k8s.io/v1alpha1/xlistenersets");
        if listenersets {
            assert!(ls.starts_with("HTTP/1.1 200"), "{flag:?}: {ls}");
            assert!(ls.contains("partners"), "{ls}");
            assert!(xls.starts_with("HTTP/1.1 404"), "{flag:?}: {xls}");
        } else {
            assert!(ls.starts_with("HTTP/1.1 404"), "{flag:?}: {ls}");
            assert!(xls.starts_with("HTTP/1.1 200"), "{flag:?}: {xls}");
        }
        let _ = child.kill();
        let _ = child.wait();
    }
}
