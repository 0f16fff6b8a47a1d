//! `egscope trace` on the real binary over the showcase (`--demo`): a
//! request that matches, one that fails at the listener, one that fails at
//! the route; the JSON contract; bad input.

use assert_cmd::Command;

fn trace(args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("egscope")
        .unwrap()
        .arg("trace")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_request_that_matches_names_listener_route_and_backend() {
    let (code, out, err) = trace(&["--demo", "https://pay.example.com/v1/charges"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("listener  https :443 HTTPS pay.example.com (Gateway payments/pay)"),
        "{out}"
    );
    assert!(
        out.contains("route     HTTPRoute payments/pay-api rule 0 match 0: PathPrefix /v1"),
        "{out}"
    );
    assert!(out.contains("Service payments/payments-api"), "{out}");
    assert!(out.contains("endpoints not read"), "{out}");
    assert!(
        out.contains("RESULT matched: HTTPRoute payments/pay-api rule 0"),
        "{out}"
    );
}

#[test]
fn a_request_on_a_port_without_listener_fails_at_the_listener() {
    let (code, out, _) = trace(&["--demo", "https://pay.example.com:8443/v1"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("RESULT no match at the listener step: no listener on :8443"),
        "{out}"
    );
}

#[test]
fn a_path_no_route_serves_fails_at_the_route() {
    let (code, out, _) = trace(&["--demo", "https://pay.example.com/api"]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "hostname matches listener https but no route of that listener matches GET /api"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "HTTPRoute payments/pay-api rule 0 (PathPrefix /v1): path /api is not PathPrefix /v1"
        ),
        "{out}"
    );
}

#[test]
fn json_follows_the_documented_schema() {
    let (code, out, _) = trace(&[
        "--demo",
        "--format",
        "json",
        "--gateway",
        "payments/pay",
        "https://pay.example.com/webhooks/x",
    ]);
    assert_eq!(code, 0, "{out}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["schema"], "egscope.trace/v1");
    assert_eq!(v["matched"], true);
    assert_eq!(v["step"], "matched");
    let f = &v["fleets"][0];
    assert_eq!(f["listener"]["name"], "https");
    assert_eq!(f["route"]["name"], "pay-webhooks");
    assert_eq!(
        f["route"]["cluster"],
        "httproute/payments/pay-webhooks/rule/0"
    );
    assert_eq!(
        f["route"]["backends"][0]["readyEndpoints"],
        serde_json::Value::Null
    );
    assert_eq!(
        f["route"]["statsNote"]
            .as_str()
            .map(|s| s.starts_with("no live metrics")),
        Some(true)
    );
    assert_eq!(
        v["fleets"].as_array().unwrap().len(),
        1,
        "--gateway keeps one fleet"
    );
}

#[test]
fn bad_input_exits_2_with_a_message() {
    for (args, want) in [
        (&["--demo", "pay.example.com/v1"][..], "no scheme"),
        (
            &["--demo", "-H", "nocolon", "https://pay.example.com/"][..],
            "not `name: value`",
        ),
        (
            &["--demo", "--gateway", "nope", "https://pay.example.com/"][..],
            "not NAMESPACE/NAME",
        ),
        (
            &["--demo", "--gateway", "a/b", "https://pay.example.com/"][..],
            "no such Gateway",
        ),
    ] {
        let (code, out, err) = trace(args);
        assert_eq!(code, 2, "{args:?}: {out}{err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
}
