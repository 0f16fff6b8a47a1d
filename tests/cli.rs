//! The binary as users run it: exit codes, messages, formats, bad input.

use std::path::PathBuf;

use assert_cmd::Command;
use predicates::prelude::*;

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn egscope() -> Command {
    let mut c = Command::cargo_bin("egscope").unwrap();
    c.env_remove("NO_COLOR")
        .timeout(std::time::Duration::from_secs(30));
    c
}

/// A user mistake must never look like a crash.
fn no_crash() -> impl Predicate<str> {
    predicate::str::contains("panicked")
        .not()
        .and(predicate::str::contains("RUST_BACKTRACE").not())
}

#[test]
fn errors_exit_1_and_fail_on_never_exits_0() {
    egscope()
        .args(["audit", "--snapshot", &fixture("errors.yaml")])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("EG401"))
        .stdout(predicate::str::contains("1 error"));
    egscope()
        .args([
            "audit",
            "--fail-on",
            "never",
            "--snapshot",
            &fixture("errors.yaml"),
        ])
        .assert()
        .code(0);
}

#[test]
fn warnings_only_pass_by_default_and_fail_on_warning() {
    egscope()
        .args(["audit", "--snapshot", &fixture("warnings.yaml")])
        .assert()
        .code(0);
    egscope()
        .args([
            "audit",
            "--fail-on",
            "warning",
            "--snapshot",
            &fixture("warnings.yaml"),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("EG206"));
}

#[test]
fn piped_text_has_no_colour() {
    egscope()
        .args(["audit", "--snapshot", &fixture("errors.yaml")])
        .assert()
        .stdout(predicate::str::contains("\x1b[").not());
}

#[test]
fn json_report_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("report.json");
    egscope()
        .args([
            "audit",
            "--format",
            "json",
            "--fail-on",
            "never",
            "--snapshot",
            &fixture("warnings.yaml"),
            "--output",
        ])
        .arg(&out)
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(v["schema"], "egscope.audit/v1");
    assert_eq!(v["source"]["kind"], "snapshot");
    let findings = v["findings"].as_array().unwrap();
    let eg206 = findings
        .iter()
        .find(|f| f["rule"] == "EG206")
        .expect("EG206");
    assert_eq!(eg206["listener"], "http");
    assert_eq!(eg206["object"]["name"], "edge");
    assert!(eg206["location"]["line"].as_u64().unwrap() > 1);
    let suppressed = findings
        .iter()
        .find(|f| f["rule"] == "EG209")
        .expect("EG209 kept");
    assert_eq!(
        suppressed["suppressed"]["reason"],
        "load is flat, 3 fixed replicas"
    );
    assert!(
        v["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["rule"] == "EG507")
    );
}

#[test]
fn sarif_and_junit_render() {
    let out = egscope()
        .args([
            "audit",
            "--format",
            "sarif",
            "--snapshot",
            &fixture("errors.yaml"),
        ])
        .output()
        .unwrap();
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let out = egscope()
        .args([
            "audit",
            "--format",
            "junit",
            "--snapshot",
            &fixture("errors.yaml"),
        ])
        .output()
        .unwrap();
    let xml = String::from_utf8(out.stdout).unwrap();
    assert!(xml.starts_with("<?xml"));
    assert!(xml.contains("<failure"));
}

#[test]
fn snapshot_from_stdin() {
    egscope()
        .args(["audit", "--snapshot", "-"])
        .write_stdin(std::fs::read(fixture("errors.yaml")).unwrap())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("EG401"));
}

#[test]
fn rule_globs_select_and_reject() {
    egscope()
        .args([
            "audit",
            "--rules",
            "EG2*",
            "--snapshot",
            &fixture("errors.yaml"),
        ])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("EG401").not())
        .stdout(predicate::str::contains("EG201"));
    egscope()
        .args([
            "audit",
            "--rules",
            "EG9*",
            "--snapshot",
            &fixture("errors.yaml"),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("matches no rule"))
        .stderr(no_crash());
}

#[test]
fn missing_path_is_exit_2() {
    egscope()
        .args(["audit", "--snapshot", "/nonexistent/cluster.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/nonexistent/cluster.yaml"))
        .stderr(no_crash());
}

#[test]
fn empty_directory_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("notes.txt"), "not yaml").unwrap();
    egscope()
        .args(["audit", "--snapshot"])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("no")
                .and(predicate::str::contains(dir.path().to_str().unwrap())),
        )
        .stderr(no_crash());
}

#[test]
fn yaml_syntax_error_names_file_line_column() {
    egscope()
        .args(["audit", "--snapshot", &fixture("syntax-error.yaml")])
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"syntax-error\.yaml:\d+:\d+").unwrap())
        .stderr(no_crash());
}

#[test]
fn binary_file_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("blob.yaml");
    std::fs::write(&p, [0u8, 159, 146, 150, 0, 1, 2, 255]).unwrap();
    egscope()
        .args(["audit", "--snapshot"])
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a text file"))
        .stderr(no_crash());
}

#[test]
fn deep_nesting_is_exit_2_quickly() {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [
        (
            "deep.yaml",
            format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        ),
        (
            "deep.json",
            format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000)),
        ),
        (
            "deep-map.yaml",
            (0..10_000)
                .map(|i| format!("{}a:\n", " ".repeat(i)))
                .collect(),
        ),
    ] {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        egscope()
            .args(["audit", "--snapshot"])
            .arg(&p)
            .timeout(std::time::Duration::from_secs(10))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("nest").or(predicate::str::contains("recursion")))
            .stderr(no_crash());
    }
}

#[test]
fn large_file_without_objects_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("big.yaml");
    // 50 MB of one long comment-free scalar document.
    let text = format!("blob: \"{}\"\n", "x".repeat(50 * 1024 * 1024));
    std::fs::write(&p, text).unwrap();
    egscope()
        .args(["audit", "--snapshot"])
        .arg(&p)
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no Kubernetes objects"))
        .stderr(no_crash());
}

#[test]
fn rules_command_in_every_format() {
    egscope()
        .args(["rules"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("EG509"));
    let out = egscope()
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v.as_array().unwrap().len(), egscope::audit::RULES.len());
    egscope()
        .args(["rules", "--format", "markdown"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("| ID |"));
}

#[test]
fn bad_flags_are_exit_2() {
    egscope()
        .args(["audit", "--format", "pdf", "--snapshot", "x"])
        .assert()
        .code(2)
        .stderr(no_crash());
    egscope().args(["frobnicate"]).assert().code(2);
}

#[test]
fn unwritable_output_is_exit_2() {
    egscope()
        .args([
            "audit",
            "--snapshot",
            &fixture("errors.yaml"),
            "--output",
            "/nonexistent/dir/r.json",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot write"))
        .stderr(no_crash());
}

#[test]
fn demo_prints_the_showcase_audit() {
    egscope()
        .args(["demo"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("EG112"))
        .stdout(predicate::str::contains("shop/catalog"));
}

fn json_of(args: &[&str]) -> serde_json::Value {
    let out = egscope().args(args).output().unwrap();
    assert!(
        out.status.code().is_some_and(|c| c <= 1),
        "{args:?}: {:?} {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A flag before the subcommand takes effect there, or is exit 2: never
/// silently ignored.
#[test]
fn global_flags_before_the_subcommand_take_effect_or_are_rejected() {
    let snap = fixture("errors.yaml");
    let v = json_of(&[
        "--profile",
        "staging",
        "audit",
        "--format",
        "json",
        "--snapshot",
        &snap,
    ]);
    assert_eq!(v["profile"], "staging");
    let eq = format!("--snapshot={snap}");
    let v = json_of(&[&eq, "audit", "--format", "json"]);
    assert_eq!(v["source"]["kind"], "snapshot");
    assert!(v["findings"].as_array().is_some_and(|f| !f.is_empty()));
    // Without `=`, `--snapshot` takes the words after it as paths: the
    // subcommand becomes a missing file, exit 2, never a silent default.
    egscope()
        .args(["--snapshot", &snap, "audit"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("audit"))
        .stderr(no_crash());
    for args in [
        vec![
            "--profile",
            "staging",
            "audit",
            "--profile",
            "production",
            "--snapshot",
            &snap,
        ],
        vec!["--profile", "staging", "rules"],
        vec![&eq, "rules"],
        vec![&eq, "audit", "--snapshot", &snap],
        vec!["--theme", "light", "audit", "--snapshot", &snap],
        vec!["--context", "prod", "rules"],
        vec!["demo", "--kubeconfig", "/tmp/x", "--format", "json"],
    ] {
        egscope()
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("error:"))
            .stderr(no_crash());
    }
}

/// Every bad flag value is exit 2 with a message, never a silent default
/// or a panic.
#[test]
fn bad_flag_values_are_exit_2_with_a_message() {
    let snap = fixture("errors.yaml");
    egscope()
        .args(["--log-level", "debgu", "audit", "--snapshot", &snap])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("debgu"))
        .stderr(predicate::str::contains("trace"))
        .stderr(no_crash());
    egscope()
        .args(["audit", "--log-level", "DEBUG", "--snapshot", &snap])
        .assert()
        .code(1);
    for args in [
        vec!["audit", "--sync-timeout", "18446744073709551615"],
        vec!["--sync-timeout", "18446744073709551615", "audit"],
        vec!["snapshot", "--sync-timeout", "86401"],
        vec!["audit", "--metrics-window", "99999999999"],
        vec!["audit", "--profile", "prod", "--snapshot", &snap],
        vec!["demo", "--scenario", "nope"],
    ] {
        egscope()
            .args(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("error: invalid value"))
            .stderr(no_crash());
    }
}

/// `demo --scenario X --format json` audits scenario X.
#[test]
fn demo_format_audits_the_chosen_scenario() {
    let showcase = json_of(&["demo", "--format", "json"]);
    let compliant = json_of(&["demo", "--scenario", "compliant", "--format", "json"]);
    assert_eq!(showcase["source"]["kind"], "demo");
    assert!(!showcase["findings"].as_array().unwrap().is_empty());
    assert_eq!(
        compliant["summary"]["error"], 0,
        "{:#}",
        compliant["findings"]
    );
    assert_ne!(showcase["summary"], compliant["summary"]);
}

/// A small cluster for `egscope model`: one v1.8 controller, two
/// ClientTrafficPolicies on one Gateway (the younger is conflicted), a
/// listener policy under a Gateway one (Overridden), and a route
/// BackendTrafficPolicy with mergeType over a Gateway one (Merged).
const MODEL_CLUSTER: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: envoy-gateway, namespace: envoy-gateway-system, labels: {control-plane: envoy-gateway}}
spec: {template: {spec: {containers: [{name: envoy-gateway, image: "docker.io/envoyproxy/gateway:v1.8.2"}]}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: apps}
spec:
  gatewayClassName: eg
  listeners:
  - {name: http, port: 80, protocol: HTTP}
  - {name: other, port: 80, protocol: HTTP}
  - {name: admin, port: 8080, protocol: HTTP, hostname: admin.example}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: shop, namespace: apps}
spec:
  parentRefs: [{name: edge, sectionName: admin}]
  rules: [{backendRefs: [{name: shop, port: 80}]}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: old, namespace: apps, creationTimestamp: "2025-01-01T00:00:00Z"}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
  timeout: {http: {idleTimeout: 30s}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: young, namespace: apps, creationTimestamp: "2025-02-01T00:00:00Z"}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: ClientTrafficPolicy
metadata: {name: admin-only, namespace: apps, creationTimestamp: "2025-03-01T00:00:00Z"}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge, sectionName: admin}]
  connection: {bufferLimit: 32Ki}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: gw, namespace: apps, creationTimestamp: "2025-01-01T00:00:00Z"}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: Gateway, name: edge}]
  timeout: {http: {requestTimeout: 10s}}
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: BackendTrafficPolicy
metadata: {name: shop, namespace: apps, creationTimestamp: "2025-01-02T00:00:00Z"}
spec:
  targetRefs: [{group: gateway.networking.k8s.io, kind: HTTPRoute, name: shop}]
  mergeType: StrategicMerge
  tcpKeepalive: {}
"#;

fn model_json(args: &[&str], stdin: Option<&str>) -> serde_json::Value {
    let mut cmd = egscope();
    cmd.args(args);
    if let Some(s) = stdin {
        cmd.write_stdin(s);
    }
    let out = cmd.assert().code(0).get_output().stdout.clone();
    serde_json::from_slice(&out).expect("egscope model prints JSON")
}

fn policy<'a>(doc: &'a serde_json::Value, kind: &str, name: &str) -> &'a serde_json::Value {
    doc["policies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["kind"] == kind && p["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {doc:#}"))
}

fn condition<'a>(ancestor: &'a serde_json::Value, type_: &str) -> Option<&'a serde_json::Value> {
    ancestor["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == type_)
}

#[test]
fn model_predicts_policy_ancestors_as_envoy_gateway_writes_them() {
    let doc = model_json(
        &["model", "--snapshot", "-", "--format", "json"],
        Some(MODEL_CLUSTER),
    );
    assert_eq!(doc["schema"], "egscope.model/v1");
    assert_eq!(
        doc["tenants"][0]["controllerName"],
        "gateway.envoyproxy.io/gatewayclass-controller"
    );
    assert_eq!(doc["tenants"][0]["semantics"], "v1.8");
    assert_eq!(doc["tenants"][0]["version"], "v1.8.2");
    // The younger Gateway-wide CTP is conflicted, in PolicyAncestorStatus' shape.
    let young = &policy(&doc, "ClientTrafficPolicy", "young")["ancestors"][0];
    assert_eq!(
        young["ancestorRef"],
        serde_json::json!({"group": "gateway.networking.k8s.io", "kind": "Gateway",
                           "namespace": "apps", "name": "edge"})
    );
    assert_eq!(
        young["controllerName"],
        "gateway.envoyproxy.io/gatewayclass-controller"
    );
    let accepted = condition(young, "Accepted").unwrap();
    assert_eq!(accepted["status"], "False");
    assert_eq!(accepted["reason"], "Conflicted");
    // The older one is accepted and overridden on `admin` by the listener policy.
    let old = &policy(&doc, "ClientTrafficPolicy", "old")["ancestors"][0];
    assert_eq!(condition(old, "Accepted").unwrap()["status"], "True");
    let over = condition(old, "Overridden").unwrap();
    assert_eq!(over["status"], "True");
    assert!(
        over["message"].as_str().unwrap().contains("[admin]"),
        "{over}"
    );
    let admin = &policy(&doc, "ClientTrafficPolicy", "admin-only")["ancestors"][0];
    assert_eq!(admin["ancestorRef"]["sectionName"], "admin");
    // The route BTP merges over the Gateway one: Merged on both sides.
    let shop = &policy(&doc, "BackendTrafficPolicy", "shop")["ancestors"][0];
    assert_eq!(
        condition(shop, "Merged").unwrap()["message"],
        "Merged with policy apps/gw"
    );
    let gw = &policy(&doc, "BackendTrafficPolicy", "gw")["ancestors"][0];
    assert!(
        condition(gw, "Merged").unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("apps/shop")
    );
    // Listener conflicts and the effective policy per listener and route.
    let edge = &doc["gateways"][0];
    let listeners = edge["listeners"].as_array().unwrap();
    let http = listeners.iter().find(|l| l["name"] == "http").unwrap();
    assert_eq!(http["conflicted"]["status"], "True");
    assert_eq!(http["conflicted"]["reason"], "HostnameConflict");
    let admin_l = listeners.iter().find(|l| l["name"] == "admin").unwrap();
    assert_eq!(admin_l["conflicted"]["reason"], "NoConflicts");
    let ctp = &admin_l["effectivePolicies"]["ClientTrafficPolicy"];
    assert_eq!(ctp["policies"], serde_json::json!(["apps/admin-only"]));
    assert_eq!(ctp["fields"]["connection.bufferLimit"], "apps/admin-only");
    let route = &doc["routes"][0];
    let btp = &route["effectivePolicies"][0]["policies"]["BackendTrafficPolicy"];
    assert_eq!(btp["policies"], serde_json::json!(["apps/shop", "apps/gw"]));
    assert_eq!(btp["fields"]["tcpKeepalive"], "apps/shop");
    assert_eq!(btp["fields"]["timeout.http.requestTimeout"], "apps/gw");
}

#[test]
fn model_output_is_deterministic_and_can_go_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("cluster.yaml");
    std::fs::write(&input, MODEL_CLUSTER).unwrap();
    let input = input.display().to_string();
    let first = egscope()
        .args(["model", "--snapshot", &input])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let out = dir.path().join("model.json");
    egscope()
        .args([
            "model",
            "--snapshot",
            &input,
            "-o",
            &out.display().to_string(),
        ])
        .assert()
        .code(0)
        .stdout(predicate::str::is_empty());
    assert_eq!(std::fs::read(&out).unwrap(), first);
}

#[test]
fn model_bad_input_is_exit_2() {
    egscope()
        .args(["model", "--snapshot", "/nonexistent/egscope-model.yaml"])
        .assert()
        .code(2)
        .stderr(no_crash());
    egscope()
        .args(["model", "--snapshot", &fixture("syntax-error.yaml")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("syntax-error.yaml"))
        .stderr(no_crash());
    egscope()
        .args([
            "model",
            "--snapshot",
            &fixture("errors.yaml"),
            "--format",
            "yaml",
        ])
        .assert()
        .code(2)
        .stderr(no_crash());
}

/// `egscope sim` on loopback with `extra` arguments; killed when dropped.
struct SimProcess {
    child: std::process::Child,
    kubeconfig: PathBuf,
    _dir: tempfile::TempDir,
}

impl SimProcess {
    fn start(extra: &[&str]) -> SimProcess {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("egscope"))
            .args(["sim", "--listen", "127.0.0.1:0", "--kubeconfig-out"])
            .arg(&kubeconfig)
            .args(extra)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while !kubeconfig.exists() && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        SimProcess {
            child,
            kubeconfig,
            _dir: dir,
        }
    }

    fn kubeconfig(&self) -> String {
        self.kubeconfig.display().to_string()
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn model_reads_a_live_cluster_like_audit() {
    let sim = SimProcess::start(&[]);
    let out = egscope()
        .args(["model", "--kubeconfig", &sim.kubeconfig()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let live: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(live["schema"], "egscope.model/v1");
    assert_eq!(live["source"]["kind"], "cluster");
    assert_eq!(live["unread"], serde_json::json!([]));
    let names = |doc: &serde_json::Value| -> Vec<String> {
        doc["policies"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{}/{}/{}", p["kind"], p["namespace"], p["name"]))
            .collect()
    };
    let snapshot = model_json(
        &[
            "model",
            "--snapshot",
            &format!("{}/assets/demo/showcase.yaml", env!("CARGO_MANIFEST_DIR")),
        ],
        None,
    );
    assert_eq!(names(&live), names(&snapshot));
    assert!(
        live["policies"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["ancestors"].as_array().is_some_and(|a| !a.is_empty())),
        "{live:#}"
    );
}

#[test]
fn model_of_a_cluster_it_could_not_read_whole_is_exit_3() {
    let sim = SimProcess::start(&["--fault", "clienttrafficpolicies=403"]);
    let out = egscope()
        .args(["model", "--kubeconfig", &sim.kubeconfig()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let unread = doc["unread"].as_array().unwrap();
    assert!(
        unread
            .iter()
            .any(|u| u.as_str().unwrap().contains("ClientTrafficPolicy")),
        "{unread:?}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("incomplete"));
    egscope()
        .args([
            "model",
            "--kubeconfig",
            &sim.kubeconfig(),
            "--allow-incomplete",
        ])
        .assert()
        .code(0);
}
