//! Secret hygiene: credentials from a kubeconfig never reach a message or a
//! log, a snapshot never holds a Secret or a token, and egscope never asks
//! the API server for Secrets.

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use egscope::sim::{Scenario, Sim, SimOptions};
use egscope::source::snapshot;
use egscope::store::Kind;

const TOKEN: &str = "egscope-fake-token-123";
/// The inner text of the fake client key, and its base64 forms.
const KEY_TEXT: &str = "egscope-fake-client-key-456";

fn b64(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, &b| (n << 8) | b as u32) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(A[(n >> (18 - 6 * i)) as usize & 63] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

fn key_pem() -> String {
    format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        b64(KEY_TEXT.as_bytes())
    )
}

/// Every form in which the fake credentials could leak.
fn secrets() -> Vec<String> {
    let pem = key_pem();
    vec![
        TOKEN.to_string(),
        KEY_TEXT.to_string(),
        b64(KEY_TEXT.as_bytes()),
        b64(pem.as_bytes()),
        b64(TOKEN.as_bytes()),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for s in secrets() {
        assert!(!text.contains(&s), "{what} contains {s:?}:\n{text}");
    }
}

fn kubeconfig(server: &str, user: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n\
         contexts:\n- name: c\n  context:\n    cluster: c\n    user: u\n\
         current-context: c\nusers:\n- name: u\n  user:\n{user}"
    )
}

/// A loopback port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn egscope(state: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_egscope"));
    c.env("XDG_STATE_HOME", state)
        .env("HOME", state)
        .env_remove("KUBECONFIG")
        .env_remove("EGSCOPE_LOG")
        .timeout(Duration::from_secs(60));
    c
}

fn read_logs(state: &Path) -> String {
    std::fs::read_to_string(state.join("egscope/egscope.log")).unwrap_or_default()
}

#[test]
fn kubeconfig_credentials_never_reach_messages_or_logs() {
    let port = closed_port();
    let server = format!("https://127.0.0.1:{port}");
    let users = [
        // Reaches the connection attempt: the token is loaded and would be sent.
        format!("    token: {TOKEN}\n"),
        // A client key (unparseable, as a typo or a truncated paste is): the
        // error about it must not quote it.
        format!(
            "    client-certificate-data: {}\n    client-key-data: {}\n",
            b64(b"-----BEGIN CERTIFICATE-----\nZmFrZQ==\n-----END CERTIFICATE-----\n"),
            b64(key_pem().as_bytes())
        ),
        // Both at once.
        format!(
            "    token: {TOKEN}\n    client-key-data: {}\n",
            b64(key_pem().as_bytes())
        ),
    ];
    for (i, user) in users.iter().enumerate() {
        let dir = tempfile::tempdir().unwrap();
        let kc = dir.path().join("kubeconfig");
        std::fs::write(&kc, kubeconfig(&server, user)).unwrap();
        for args in [
            vec!["audit", "--log-level", "debug", "--sync-timeout", "5"],
            vec!["snapshot", "--log-level", "trace", "--sync-timeout", "5"],
        ] {
            let out = egscope(dir.path())
                .args(&args)
                .arg("--kubeconfig")
                .arg(&kc)
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(2), "user {i} {args:?}: {stderr}");
            assert!(
                stderr.starts_with("egscope: "),
                "a message, no panic: {stderr}"
            );
            assert_clean(&format!("user {i} {args:?} stdout"), &stdout);
            assert_clean(&format!("user {i} {args:?} stderr"), &stderr);
        }
        let log = read_logs(dir.path());
        assert!(
            log.contains("reading the cluster"),
            "--log-level makes the headless commands log to the state dir: {log:?}"
        );
        assert!(
            log.contains("DEBUG") || log.contains("TRACE") || i > 0,
            "{log}"
        );
        assert_clean(&format!("user {i} log"), &log);
    }
}

#[test]
fn headless_commands_log_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    let server = format!("https://127.0.0.1:{}", closed_port());
    std::fs::write(&kc, kubeconfig(&server, &format!("    token: {TOKEN}\n"))).unwrap();
    egscope(dir.path())
        .args(["audit", "--sync-timeout", "5", "--kubeconfig"])
        .arg(&kc)
        .assert()
        .code(2);
    assert!(!dir.path().join("egscope/egscope.log").exists());
}

/// The simulator serves the showcase (whose source has Secrets, which it
/// never serves); the binary reads it with a kubeconfig that carries a token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn snapshot_audit_and_scrape_never_touch_secrets_or_leak_the_token() {
    let sim = Sim::start(Scenario::Showcase, SimOptions::default())
        .await
        .expect("sim starts");
    let dir = tempfile::tempdir().unwrap();
    let kc = dir.path().join("kubeconfig");
    let with_token = sim
        .kubeconfig_yaml()
        .replace("  user: {}\n", &format!("  user:\n    token: {TOKEN}\n"));
    assert!(with_token.contains(TOKEN), "{with_token}");
    std::fs::write(&kc, with_token).unwrap();
    let state = dir.path().to_path_buf();
    let kc2 = kc.clone();

    let (snap, audit) = tokio::task::spawn_blocking(move || {
        let snap = egscope(&state)
            .args(["snapshot", "--log-level", "debug", "--kubeconfig"])
            .arg(&kc2)
            .output()
            .unwrap();
        // An audit that also scrapes every proxy twice (EG507).
        let audit = egscope(&state)
            .args([
                "audit",
                "--log-level",
                "debug",
                "--format",
                "json",
                "--fail-on",
                "never",
                "--metrics-window",
                "1",
                "--kubeconfig",
            ])
            .arg(&kc2)
            .output()
            .unwrap();
        (snap, audit)
    })
    .await
    .unwrap();

    let yaml = String::from_utf8(snap.stdout).unwrap();
    assert!(
        snap.status.success(),
        "{}",
        String::from_utf8_lossy(&snap.stderr)
    );
    assert_clean("snapshot", &yaml);
    // `kind: Secret` appears in certificateRefs; no item may be one.
    let list = egscope::codec::parse_yaml_value(&yaml).unwrap();
    let items = list["items"].as_array().expect("a YAML List");
    assert!(items.len() > 20);
    let kinds: Vec<&str> = items.iter().filter_map(|i| i["kind"].as_str()).collect();
    assert_eq!(kinds.len(), items.len());
    assert!(!kinds.contains(&"Secret"), "{kinds:?}");
    let store = snapshot::load_text("snapshot.yaml", &yaml).unwrap();
    assert_eq!(store.ignored, 0, "nothing egscope skips, so no Secret");
    assert!(store.of(Kind::Gateway).len() >= 3);

    let report = String::from_utf8(audit.stdout).unwrap();
    assert!(
        audit.status.success(),
        "{}",
        String::from_utf8_lossy(&audit.stderr)
    );
    assert_clean("audit report", &report);
    assert_clean("audit stderr", &String::from_utf8_lossy(&audit.stderr));
    assert_clean("log", &read_logs(dir.path()));

    let reqs = sim.requests();
    assert!(
        reqs.iter().any(|r| r.path.contains("/proxy/")),
        "the audit scraped the proxies: {reqs:?}"
    );
    let secret_reqs: Vec<_> = reqs.iter().filter(|r| r.path.contains("secrets")).collect();
    assert!(secret_reqs.is_empty(), "{secret_reqs:?}");
    sim.shutdown().await;
}

/// Cloud providers' kubeconfigs get their token from an exec plugin: kube's
/// own support runs it, and its token stays out of every output too.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_plugin_credentials_work_and_stay_secret() {
    use std::os::unix::fs::PermissionsExt;
    let sim = Sim::start(Scenario::Showcase, SimOptions::default())
        .await
        .expect("sim starts");
    let dir = tempfile::tempdir().unwrap();
    let calls = dir.path().join("plugin-calls");
    let plugin = dir.path().join("fake-cloud-auth");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\necho called >> '{}'\nprintf '%s' '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{TOKEN}\"}}}}'\n",
            calls.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let kc = dir.path().join("kubeconfig");
    let exec_user = format!(
        "  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: {}\n      interactiveMode: Never\n",
        plugin.display()
    );
    std::fs::write(
        &kc,
        sim.kubeconfig_yaml().replace("  user: {}\n", &exec_user),
    )
    .unwrap();
    let state = dir.path().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        egscope(&state)
            .args(["audit", "--log-level", "trace", "--fail-on", "never"])
            .arg("--kubeconfig")
            .arg(&kc)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        std::fs::read_to_string(&calls).is_ok_and(|c| c.contains("called")),
        "kube ran the exec plugin"
    );
    assert_clean("stdout", &String::from_utf8_lossy(&out.stdout));
    assert_clean("stderr", &stderr);
    assert_clean("log", &read_logs(dir.path()));
    sim.shutdown().await;
}
