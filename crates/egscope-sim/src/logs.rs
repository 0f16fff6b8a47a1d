//! `GET .../pods/NAME/log` for the simulator: a deterministic log per
//! container, a previous log for a container that restarted, and the
//! errors kube-apiserver gives (k8s.io/kubernetes/pkg/registry/core/pod/strategy.go,
//! `LogLocation`: a container must be named when the pod has several, and
//! `previous` needs a terminated container).

use serde_json::Value;

/// Why a log request fails: (HTTP code, message).
pub type LogError = (u16, String);

fn containers(pod: &Value) -> Vec<&str> {
    pod.pointer("/spec/containers")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|c| c.get("name").and_then(Value::as_str))
                .collect()
        })
        .unwrap_or_default()
}

fn restarts(pod: &Value, container: &str) -> i64 {
    pod.pointer("/status/containerStatuses")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(container))
        .and_then(|c| c.get("restartCount").and_then(Value::as_i64))
        .unwrap_or(0)
}

/// The log text of a container (`tail`: the last lines only) after
/// `elapsed` of simulated time: a running Envoy writes one more access-log
/// line per [`LINE_EVERY`], so a client that follows sees the log grow.
pub fn pod_log(
    pod: &Value,
    container: Option<&str>,
    previous: bool,
    tail: Option<usize>,
    elapsed: std::time::Duration,
) -> Result<String, LogError> {
    let name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let all = containers(pod);
    let container = match container {
        Some(c) if all.contains(&c) => c,
        Some(c) => {
            return Err((400, format!("container {c} is not valid for pod {name}")));
        }
        None if all.len() == 1 => all[0],
        None => {
            return Err((
                400,
                format!(
                    "a container name must be specified for pod {name}, choose one of: [{}]",
                    all.join(" ")
                ),
            ));
        }
    };
    if previous && restarts(pod, container) == 0 {
        return Err((
            400,
            format!("previous terminated container \"{container}\" in pod \"{name}\" not found"),
        ));
    }
    let grown = (elapsed.as_secs() / LINE_EVERY.as_secs()) as usize;
    let ns = pod
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    let lines = lines(name, ns, container, previous, grown);
    let skip = tail.map_or(0, |t| lines.len().saturating_sub(t));
    Ok(lines[skip..].iter().map(|l| format!("{l}\n")).collect())
}

/// A proxy writes one access-log line per this much simulated time.
pub const LINE_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

/// The `i`-th access-log line: every fourth one the payments 503
/// (`UH`: no healthy upstream) of the showcase's incident.
fn access_line(i: usize) -> String {
    let (code, flags, host, path) = if i % 4 == 3 {
        (503, "UH", "pay.example.com", "/v1/charges")
    } else {
        (200, "-", "shop.example.com", "/catalog")
    };
    let (m, s) = (59 + i / 60, i % 60);
    let (h, m) = (9 + m / 60, m % 60);
    format!(
        "{{\"start_time\":\"2026-11-26T{h:02}:{m:02}:{s:02}.000Z\",\"method\":\"GET\",\"x-envoy-origin-path\":\"{path}\",\
         \"protocol\":\"HTTP/1.1\",\"response_code\":{code},\"response_flags\":\"{flags}\",\
         \":authority\":\"{host}\",\"upstream_host\":\"-\",\"duration\":{}}}",
        3 + i
    )
}

/// The `i`-th line of a running controller's steady state: the provider
/// reconciles, the runners pass the result on, the status updater writes.
/// Envoy Gateway logs through zap's console encoder with the development
/// config (envoyproxy/gateway internal/logging/log.go, `initZapLogger`):
/// time, capital level, logger name, caller, message, then the fields as
/// JSON, tab-separated. The runner names and callers follow real lines
/// (internal/provider/kubernetes/controller.go "reconciling gateways",
/// internal/gatewayapi/runner/runner.go "received an update",
/// internal/provider/kubernetes/status_updater.go "received a status update").
fn controller_line(i: usize, namespace: &str) -> String {
    let (m, s) = (59 + (i * 2) / 60, (i * 2) % 60);
    let (h, m) = (9 + m / 60, m % 60);
    let ts = format!("2026-11-26T{h:02}:{m:02}:{s:02}.{:03}Z", (i * 37) % 1000);
    let (logger, caller, msg, fields) = match i % 4 {
        0 => (
            "provider",
            "kubernetes/controller.go:309",
            "reconciling gateways",
            "{\"runner\": \"provider\"}".to_string(),
        ),
        1 => (
            "gateway-api",
            "runner/runner.go:140",
            "received an update",
            format!(
                "{{\"runner\": \"gateway-api\", \"key\": \"gateway.envoyproxy.io/{namespace}\"}}"
            ),
        ),
        2 => (
            "xds",
            "runner/runner.go:269",
            "received an update",
            "{\"runner\": \"xds\"}".to_string(),
        ),
        _ => (
            "provider",
            "kubernetes/status_updater.go:143",
            "received a status update",
            "{\"runner\": \"provider\", \"kind\": \"Gateway\"}".to_string(),
        ),
    };
    format!("{ts}\tINFO\t{logger}\t{caller}\t{msg}\t{fields}")
}

/// A controller's log: its start, a few rounds of reconciling, an error
/// whose message quotes a user's object (zap's console encoder prints the
/// message as it is, go.uber.org/zap zapcore/console_encoder.go
/// `EncodeEntry`, so a hostile hostname keeps its escapes), then one
/// line per [`LINE_EVERY`] as it keeps reconciling.
fn controller_lines(pod: &str, namespace: &str, grown: usize) -> Vec<String> {
    let mut out = vec![
        format!("2026-11-26T08:58:11.204Z\tINFO\tcmd/server.go:48\tstarting envoy gateway\t{{\"pod\": \"{pod}\"}}"),
        "2026-11-26T08:58:11.390Z\tINFO\tprovider\tkubernetes/kubernetes.go:118\twatching for changes\t{\"runner\": \"provider\"}".to_string(),
        "2026-11-26T08:58:12.011Z\tINFO\tinfrastructure\trunner/runner.go:75\tstarted\t{\"runner\": \"infrastructure\"}".to_string(),
    ];
    out.extend((0..12).map(|i| controller_line(i, namespace)));
    out.push(
        "2026-11-26T09:59:30.512Z\tERROR\tgateway-api\tgatewayapi/route.go:1214\tinvalid hostname \"\u{1b}]8;;https://evil.example\u{7}pay.example.com\u{1b}]8;;\u{7}\u{1b}[2J\"\t{\"runner\": \"gateway-api\"}"
            .to_string(),
    );
    out.extend((12..12 + grown).map(|i| controller_line(i, namespace)));
    out
}

/// Envoy access-log lines (Envoy Gateway's default JSON format) for a
/// proxy, zap console lines for a controller (`envoy-gateway`), and the
/// crash for a previous container. One line carries terminal escapes, as
/// a hostile request header or hostname would, so clients must neutralise
/// them.
fn lines(pod: &str, ns: &str, container: &str, previous: bool, grown: usize) -> Vec<String> {
    if previous && container == "envoy-gateway" {
        // What the payments controller died of before its restart.
        return vec![
            format!("2026-11-09T14:03:42.118Z\tINFO\tcmd/server.go:48\tstarting envoy gateway\t{{\"pod\": \"{pod}\"}}"),
            "2026-11-26T08:58:08.930Z\tERROR\tprovider\tkubernetes/kubernetes.go:201\tfailed to renew lease\t{\"runner\": \"provider\", \"error\": \"context deadline exceeded\"}".to_string(),
            "2026-11-26T08:58:09.002Z\tERROR\tcmd/server.go:87\tleader election lost\t{\"exit\": 1}".to_string(),
        ];
    }
    if container == "envoy-gateway" {
        return controller_lines(pod, ns, grown);
    }
    if previous {
        return vec![
            format!("[2026-11-26 09:41:02.114][1][info][main] starting main dispatch loop ({pod})"),
            "[2026-11-26 09:52:40.981][1][critical][backtrace] Caught Aborted, suspect faulting address 0x0".to_string(),
            "[2026-11-26 09:52:40.981][1][critical][backtrace] Backtrace (use tools/stack_decode.py to get line numbers):".to_string(),
        ];
    }
    if container == "envoy" {
        let mut out = vec![format!(
            "[2026-11-26 09:53:01.002][1][info][main] starting main dispatch loop ({pod})"
        )];
        out.extend((0..20).map(access_line));
        out.push(
            "{\"method\":\"GET\",\"x-envoy-origin-path\":\"/\",\"user-agent\":\"\u{1b}]52;c;aGFjaw==\u{7}\u{1b}[2J\",\"response_code\":404}"
                .to_string(),
        );
        for i in 20..20 + grown {
            out.push(access_line(i));
        }
        return out;
    }
    // Any other container (shutdown-manager): a few quiet lines.
    (0..10)
        .map(|i| {
            format!(
                "2026-11-26T09:5{i}:00.000Z\tINFO\tshutdown-manager\tcmd/envoy/shutdown_manager.go:60\tready\t{{\"pod\": \"{pod}\", \"container\": \"{container}\"}}"
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::time::Duration;

    fn pod(containers: &[&str], restarts: i64) -> Value {
        json!({"metadata": {"name": "p"},
               "spec": {"containers": containers.iter().map(|c| json!({"name": c})).collect::<Vec<_>>()},
               "status": {"containerStatuses": [{"name": containers[0], "restartCount": restarts}]}})
    }

    #[test]
    fn containers_previous_and_tail() {
        let two = pod(&["envoy", "shutdown-manager"], 0);
        let e = pod_log(&two, None, false, None, Duration::ZERO).unwrap_err();
        assert_eq!(e.0, 400);
        assert!(
            e.1.contains("choose one of: [envoy shutdown-manager]"),
            "{}",
            e.1
        );
        assert!(
            pod_log(&two, Some("envoy"), true, None, Duration::ZERO)
                .unwrap_err()
                .1
                .contains("previous terminated")
        );
        let text = pod_log(&two, Some("envoy"), false, Some(3), Duration::ZERO).unwrap();
        assert_eq!(text.lines().count(), 3);
        let restarted = pod(&["envoy"], 2);
        assert!(
            pod_log(&restarted, None, true, None, Duration::ZERO)
                .unwrap()
                .contains("Caught Aborted")
        );
    }

    #[test]
    fn a_controller_logs_zap_console_lines_and_its_crash() {
        let c = json!({"metadata": {"name": "envoy-gateway-abc-x", "namespace": "eg-payments"},
                       "spec": {"containers": [{"name": "envoy-gateway"}]},
                       "status": {"containerStatuses": [{"name": "envoy-gateway", "restartCount": 1}]}});
        let at = |secs| pod_log(&c, None, false, None, Duration::from_secs(secs)).unwrap();
        let t0 = at(0);
        for line in t0.lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            assert!(
                fields.len() >= 5,
                "time, level, [logger,] caller, msg: {line}"
            );
            assert!(["INFO", "ERROR"].contains(&fields[1]), "{line}");
        }
        assert!(t0.contains("reconciling gateways"));
        assert!(t0.contains("gateway.envoyproxy.io/eg-payments"));
        assert!(t0.contains('\u{1b}'), "one hostile line to neutralise");
        let t10 = at(10);
        assert_eq!(t10.lines().count(), t0.lines().count() + 5);
        assert!(t10.starts_with(&t0));
        let prev = pod_log(&c, Some("envoy-gateway"), true, None, Duration::ZERO).unwrap();
        assert!(prev.contains("leader election lost"), "{prev}");
        assert!(!prev.contains("Caught Aborted"), "a controller is no Envoy");
    }

    #[test]
    fn a_running_envoy_log_grows_with_the_clock() {
        let one = pod(&["envoy"], 0);
        let at = |secs| pod_log(&one, None, false, None, Duration::from_secs(secs)).unwrap();
        let (t0, t10) = (at(0), at(10));
        assert_eq!(t10.lines().count(), t0.lines().count() + 5);
        assert!(t10.starts_with(&t0), "old lines stay, new ones follow");
        assert!(t10.lines().last().unwrap().contains("09:59:24.000Z"));
        // A previous container's log is what it was when it crashed.
        let r = pod(&["envoy"], 1);
        let p = |secs| pod_log(&r, None, true, None, Duration::from_secs(secs)).unwrap();
        assert_eq!(p(0), p(100));
    }
}
