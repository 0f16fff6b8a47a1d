//! The simulated API server, over real HTTP on loopback.

use std::time::{Duration, Instant};

use egscope::sim::resources::{GatewayApiBundle, RESOURCES};
use egscope::sim::{
    Fault, FaultKind, LargeParams, MetricsError, Rbac, Scenario, Sim, SimHandle, SimOptions,
    scenario_objects,
};
use http_body_util::{BodyExt, Empty};
use hyper::body::{Bytes, Incoming};
use hyper_util::rt::TokioIo;
use serde_json::Value;

const RBAC_YAML: &str = include_str!("../assets/rbac.yaml");
const MANAGED: &str = "app.kubernetes.io%2Fmanaged-by%3Denvoy-gateway";

async fn send(
    sim: &SimHandle,
    method: &str,
    path: &str,
    accept: &str,
) -> hyper::Response<Incoming> {
    let stream = tokio::net::TcpStream::connect(sim.addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let req = hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", sim.addr.to_string())
        .header("accept", accept)
        .body(Empty::<Bytes>::new())
        .unwrap();
    sender.send_request(req).await.unwrap()
}

async fn get_text(sim: &SimHandle, path: &str) -> (u16, String) {
    let resp = send(sim, "GET", path, "application/json").await;
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

async fn get_json(sim: &SimHandle, path: &str) -> (u16, Value) {
    let (status, text) = get_text(sim, path).await;
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"));
    (status, v)
}

async fn ok_json(sim: &SimHandle, path: &str) -> Value {
    let (status, v) = get_json(sim, path).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

fn names(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap().to_string())
        .collect()
}

/// A watch stream read line by line.
struct Watch {
    body: Incoming,
    buf: Vec<u8>,
    done: bool,
}

impl Watch {
    async fn open(sim: &SimHandle, path: &str) -> Watch {
        let resp = send(sim, "GET", path, "application/json").await;
        assert_eq!(resp.status(), 200, "{path}");
        Watch {
            body: resp.into_body(),
            buf: Vec::new(),
            done: false,
        }
    }

    /// The next event, or None when the stream ended or nothing came in time.
    async fn next(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let Some(pos) = self.buf.iter().position(|b| *b == b'\n') {
                let line: Vec<u8> = self.buf.drain(..=pos).collect();
                return Some(serde_json::from_slice(&line).unwrap());
            }
            if self.done {
                return None;
            }
            match tokio::time::timeout_at(deadline, self.body.frame()).await {
                Err(_) => return None,
                Ok(None) | Ok(Some(Err(_))) => self.done = true,
                Ok(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        self.buf.extend_from_slice(&data);
                    }
                }
            }
        }
    }

    /// Events until `wait` passes without one (or the stream ends).
    async fn drain(&mut self, wait: Duration) -> Vec<Value> {
        let mut out = Vec::new();
        while let Some(e) = self.next(wait).await {
            out.push(e);
        }
        out
    }
}

fn rv_of(ev: &Value) -> u64 {
    ev["object"]["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

async fn showcase() -> SimHandle {
    Sim::start(Scenario::Showcase, SimOptions::default())
        .await
        .unwrap()
}

#[tokio::test]
async fn discovery() {
    let sim = showcase().await;
    let v = ok_json(&sim, "/version").await;
    assert_eq!(v["major"], "1");
    let api = ok_json(&sim, "/api").await;
    assert_eq!(api["versions"][0], "v1");
    let core = ok_json(&sim, "/api/v1").await;
    assert_eq!(core["groupVersion"], "v1");
    let pods = core["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "pods")
        .unwrap();
    assert_eq!(pods["shortNames"][0], "po");
    assert_eq!(pods["namespaced"], true);
    assert!(
        !core["resources"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "secrets")
    );
    let apis = ok_json(&sim, "/apis").await;
    let gw = apis["groups"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "gateway.networking.k8s.io")
        .unwrap();
    assert_eq!(gw["preferredVersion"]["version"], "v1");
    assert!(gw["versions"].as_array().unwrap().len() >= 3);
    let gwv1 = ok_json(&sim, "/apis/gateway.networking.k8s.io/v1").await;
    let gateways = gwv1["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "gateways")
        .unwrap();
    assert_eq!(gateways["kind"], "Gateway");
    assert_eq!(gateways["shortNames"][0], "gtw");
    assert_eq!(
        gateways["verbs"],
        serde_json::json!(["get", "list", "watch"])
    );
    let eg = ok_json(&sim, "/apis/gateway.envoyproxy.io/v1alpha1").await;
    assert_eq!(eg["resources"].as_array().unwrap().len(), 8);
    assert_eq!(get_text(&sim, "/openapi/v2").await.0, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn list_get_and_selectors() {
    let sim = showcase().await;
    let list = ok_json(&sim, "/apis/gateway.networking.k8s.io/v1/gateways").await;
    assert_eq!(list["kind"], "GatewayList");
    assert_eq!(list["apiVersion"], "gateway.networking.k8s.io/v1");
    let rv: u64 = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(rv > 0);
    assert_eq!(names(&list), ["pay", "catalog", "storefront"]);
    for item in list["items"].as_array().unwrap() {
        assert!(item["metadata"]["uid"].is_string());
        assert!(item["metadata"]["resourceVersion"].is_string());
    }
    let ns = ok_json(
        &sim,
        "/apis/gateway.networking.k8s.io/v1/namespaces/web/httproutes",
    )
    .await;
    assert_eq!(names(&ns), ["checkout", "static-assets", "storefront-home"]);
    let one = ok_json(
        &sim,
        "/apis/gateway.networking.k8s.io/v1/namespaces/web/gateways/storefront",
    )
    .await;
    assert_eq!(one["kind"], "Gateway");
    let gc = ok_json(
        &sim,
        "/apis/gateway.networking.k8s.io/v1/gatewayclasses/platform",
    )
    .await;
    assert_eq!(gc["kind"], "GatewayClass");
    let ns_obj = ok_json(&sim, "/api/v1/namespaces/web").await;
    assert_eq!(ns_obj["kind"], "Namespace");
    let (status, missing) = get_json(
        &sim,
        "/apis/gateway.networking.k8s.io/v1/namespaces/web/gateways/nope",
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(missing["kind"], "Status");
    assert_eq!(missing["reason"], "NotFound");

    // Label selectors: equality and set-based.
    let proxies = ok_json(&sim, &format!("/api/v1/pods?labelSelector={MANAGED}")).await;
    assert_eq!(proxies["items"].as_array().unwrap().len(), 8);
    let sel = |s: &str| {
        format!(
            "/api/v1/pods?labelSelector={}",
            form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>()
        )
    };
    let n = |v: &Value| v["items"].as_array().unwrap().len();
    assert_eq!(
        n(&ok_json(
            &sim,
            &sel("gateway.envoyproxy.io/owning-gatewayclass in (platform)")
        )
        .await),
        6
    );
    assert_eq!(
        n(&ok_json(
            &sim,
            &sel("app.kubernetes.io/managed-by==envoy-gateway,gateway.envoyproxy.io/owning-gatewayclass notin (platform)")
        )
        .await),
        2
    );
    assert_eq!(
        n(&ok_json(
            &sim,
            &sel("app.kubernetes.io/name=envoy,!gateway.envoyproxy.io/owning-gatewayclass")
        )
        .await),
        2
    );
    assert_eq!(
        n(&ok_json(&sim, &sel("gateway.envoyproxy.io/owning-gateway-name")).await),
        2
    );
    assert_eq!(
        n(&ok_json(&sim, &sel("app.kubernetes.io/name!=envoy")).await),
        0
    );
    assert_eq!(get_text(&sim, &sel("a in b")).await.0, 400);

    // Field selectors.
    let by_ns = ok_json(
        &sim,
        "/api/v1/pods?fieldSelector=metadata.namespace%3Deg-payments",
    )
    .await;
    assert_eq!(n(&by_ns), 2);
    let first = names(&by_ns)[0].clone();
    let by_name = ok_json(
        &sim,
        &format!("/api/v1/namespaces/eg-payments/pods?fieldSelector=metadata.name%3D{first}"),
    )
    .await;
    assert_eq!(names(&by_name), [first]);
    assert_eq!(
        get_text(&sim, "/api/v1/pods?fieldSelector=spec.nodeName%3Dx")
            .await
            .0,
        400
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn pagination() {
    let sim = showcase().await;
    let all = names(&ok_json(&sim, "/api/v1/pods").await);
    assert_eq!(all.len(), 8);
    let mut seen = Vec::new();
    let mut path = "/api/v1/pods?limit=3".to_string();
    let mut pages = 0;
    loop {
        let page = ok_json(&sim, &path).await;
        pages += 1;
        let got = names(&page);
        assert!(got.len() <= 3);
        seen.extend(got);
        match page["metadata"]["continue"].as_str() {
            Some(token) => {
                assert!(page["metadata"]["remainingItemCount"].as_u64().unwrap() > 0);
                path = format!("/api/v1/pods?limit=3&continue={token}");
            }
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, all);
    assert_eq!(
        get_text(&sim, "/api/v1/pods?limit=3&continue=zz").await.0,
        400
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn watch_follows_the_hpa_and_resumes() {
    let sim = showcase().await;
    let list = ok_json(&sim, "/api/v1/namespaces/eg-platform/pods").await;
    let rv0 = list["metadata"]["resourceVersion"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(names(&list).len(), 6);
    let mut watch = Watch::open(
        &sim,
        &format!("/api/v1/namespaces/eg-platform/pods?watch=1&resourceVersion={rv0}"),
    )
    .await;
    // Nothing happened yet.
    assert!(watch.next(Duration::from_millis(50)).await.is_none());

    // The wave ebbs: the HPA scales the platform fleet down.
    sim.advance(Duration::from_secs(330));
    let down = watch.drain(Duration::from_millis(200)).await;
    assert!(!down.is_empty(), "no events after the wave ebbed");
    assert!(down.iter().all(|e| e["type"] == "DELETED"), "{down:?}");
    let hpa = ok_json(
        &sim,
        "/apis/autoscaling/v2/namespaces/eg-platform/horizontalpodautoscalers/envoy-platform-d294fcce",
    )
    .await;
    let current = hpa["status"]["currentReplicas"].as_u64().unwrap();
    assert!(current < 6, "{}", hpa["status"]);
    assert_eq!(6 - current as usize, down.len());

    // The next crest: back to the maximum, and the HPA is limited.
    sim.advance(Duration::from_secs(300));
    let up = watch.drain(Duration::from_millis(200)).await;
    assert!(up.iter().any(|e| e["type"] == "ADDED"), "{up:?}");
    let hpa = ok_json(
        &sim,
        "/apis/autoscaling/v2/namespaces/eg-platform/horizontalpodautoscalers/envoy-platform-d294fcce",
    )
    .await;
    assert_eq!(hpa["status"]["currentReplicas"], 6);
    let limited = hpa["status"]["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["type"] == "ScalingLimited")
        .unwrap();
    assert_eq!(limited["status"], "True");
    assert_eq!(limited["reason"], "TooManyReplicas");

    let events: Vec<Value> = down.iter().chain(&up).cloned().collect();
    let rvs: Vec<u64> = events.iter().map(rv_of).collect();
    assert!(rvs.windows(2).all(|w| w[0] < w[1]), "{rvs:?}");
    let added = &up.iter().find(|e| e["type"] == "ADDED").unwrap()["object"];
    assert_eq!(
        added["metadata"]["labels"]["gateway.envoyproxy.io/owning-gatewayclass"],
        "platform"
    );
    let created = added["metadata"]["creationTimestamp"].as_str().unwrap();
    assert!(created > egscope::sim::DEMO_NOW, "{created}");

    // Resume from the middle: the later events are replayed.
    let mid = rvs[rvs.len() / 2];
    let mut resumed = Watch::open(
        &sim,
        &format!("/api/v1/namespaces/eg-platform/pods?watch=true&resourceVersion={mid}"),
    )
    .await;
    let replay = resumed.drain(Duration::from_millis(150)).await;
    let replay_rvs: Vec<u64> = replay.iter().map(rv_of).collect();
    let want: Vec<u64> = rvs.iter().copied().filter(|r| *r > mid).collect();
    assert_eq!(replay_rvs, want);

    // A watch without a resourceVersion starts with the current objects.
    let mut fresh = Watch::open(&sim, "/api/v1/namespaces/eg-platform/pods?watch=1").await;
    let initial = fresh.drain(Duration::from_millis(100)).await;
    assert_eq!(initial.len(), 6);
    assert!(initial.iter().all(|e| e["type"] == "ADDED"));
    sim.shutdown().await;
}

#[tokio::test]
async fn too_old_resource_version_is_gone() {
    let opts = SimOptions {
        event_cap: 2,
        ..SimOptions::default()
    };
    let sim = Sim::start(Scenario::Showcase, opts).await.unwrap();
    let rv0 = sim.resource_version();
    sim.advance(Duration::from_secs(660));
    let mut w = Watch::open(&sim, &format!("/api/v1/pods?watch=1&resourceVersion={rv0}")).await;
    let ev = w.next(Duration::from_secs(1)).await.unwrap();
    assert_eq!(ev["type"], "ERROR");
    assert_eq!(ev["object"]["code"], 410);
    assert_eq!(ev["object"]["reason"], "Expired");
    assert!(w.next(Duration::from_millis(200)).await.is_none());

    // The fault does the same for any resume, even a fresh one.
    sim.add_fault(Fault::new("gateways", FaultKind::GoneOnResume));
    let rv = sim.resource_version();
    let mut w = Watch::open(
        &sim,
        &format!("/apis/gateway.networking.k8s.io/v1/gateways?watch=1&resourceVersion={rv}"),
    )
    .await;
    let ev = w.next(Duration::from_secs(1)).await.unwrap();
    assert_eq!(ev["object"]["code"], 410);
    sim.shutdown().await;
}

#[tokio::test]
async fn bookmarks() {
    let opts = SimOptions {
        bookmark_interval: Duration::from_millis(50),
        ..SimOptions::default()
    };
    let sim = Sim::start(Scenario::Showcase, opts).await.unwrap();
    let rv = sim.resource_version();
    let mut w = Watch::open(
        &sim,
        &format!(
            "/apis/gateway.networking.k8s.io/v1/gateways?watch=1&allowWatchBookmarks=true&resourceVersion={rv}"
        ),
    )
    .await;
    let ev = w.next(Duration::from_secs(2)).await.unwrap();
    assert_eq!(ev["type"], "BOOKMARK");
    assert_eq!(ev["object"]["kind"], "Gateway");
    assert!(rv_of(&ev) >= rv);

    // Streaming list: the initial objects, then a bookmark that ends them.
    let mut w = Watch::open(
        &sim,
        "/apis/gateway.networking.k8s.io/v1/gateways?watch=1&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan",
    )
    .await;
    let mut types = Vec::new();
    for _ in 0..4 {
        types.push(w.next(Duration::from_secs(1)).await.unwrap());
    }
    assert!(types[..3].iter().all(|e| e["type"] == "ADDED"));
    assert_eq!(types[3]["type"], "BOOKMARK");
    assert_eq!(
        types[3]["object"]["metadata"]["annotations"]["k8s.io/initial-events-end"],
        "true"
    );
    // timeoutSeconds ends the stream.
    let mut w = Watch::open(
        &sim,
        &format!("/apis/gateway.networking.k8s.io/v1/gateways?watch=1&timeoutSeconds=1&resourceVersion={rv}"),
    )
    .await;
    let started = Instant::now();
    let _ = w.drain(Duration::from_secs(3)).await;
    assert!(w.done && started.elapsed() < Duration::from_secs(3));
    sim.shutdown().await;
}

#[tokio::test]
async fn read_only_and_no_secrets() {
    let sim = showcase().await;
    for method in ["POST", "PUT", "PATCH", "DELETE"] {
        let resp = send(
            &sim,
            method,
            "/apis/gateway.networking.k8s.io/v1/namespaces/web/gateways/storefront",
            "application/json",
        )
        .await;
        assert_eq!(resp.status(), 405, "{method}");
    }
    assert_eq!(get_text(&sim, "/api/v1/secrets").await.0, 404);
    assert_eq!(
        get_text(&sim, "/api/v1/namespaces/eg-platform/secrets/envoy")
            .await
            .0,
        404
    );
    let log = sim.requests();
    assert_eq!(log.len(), 6);
    assert_eq!(log[0].method, "POST");
    assert_eq!(log[0].status, 405);
    assert_eq!(log[4].path, "/api/v1/secrets");
    assert_eq!(log[4].status, 404);
    sim.shutdown().await;
}

#[tokio::test]
async fn rbac_with_the_shipped_role() {
    let rbac = Rbac::from_yaml(RBAC_YAML).unwrap();
    let opts = SimOptions {
        rbac: Some(rbac),
        ..SimOptions::default()
    };
    let sim = Sim::start(Scenario::Showcase, opts).await.unwrap();
    let bundle = GatewayApiBundle::V1_4;
    let mut allowed = 0;
    for r in RESOURCES.iter().filter(|r| r.installed(bundle)) {
        // The role covers what egscope reads: every kind but the
        // experimental XBackendTrafficPolicy and XMesh.
        let covered = !matches!(r.kind, "XBackendTrafficPolicy" | "XMesh");
        for v in r.versions(bundle) {
            let base = if r.group.is_empty() {
                format!("/api/{}", v.name)
            } else {
                format!("/apis/{}/{}", r.group, v.name)
            };
            let path = format!("{base}/{}", r.plural);
            let want = if covered { 200 } else { 403 };
            assert_eq!(get_text(&sim, &path).await.0, want, "{path}");
            allowed += usize::from(covered);
            if r.stored && covered {
                let resp = send(
                    &sim,
                    "GET",
                    &format!("{path}?watch=1&timeoutSeconds=1"),
                    "application/json",
                )
                .await;
                assert_eq!(resp.status(), 200, "watch {path}");
            }
        }
    }
    assert!(allowed > 30, "{allowed} kind versions");
    let (ns, pod) = sim.proxy_pods()[0].clone();
    assert_eq!(
        get_text(
            &sim,
            &format!("/api/v1/namespaces/{ns}/pods/{pod}:19001/proxy/stats/prometheus")
        )
        .await
        .0,
        200
    );
    let (status, body) = get_json(&sim, "/api/v1/namespaces/eg-platform/secrets").await;
    assert_eq!(status, 403);
    assert_eq!(body["reason"], "Forbidden");
    assert_eq!(get_text(&sim, "/api/v1/secrets/x").await.0, 403);
    // A narrower role: pods only, no proxy.
    sim.set_rbac(Some(
        Rbac::from_yaml(
            "kind: ClusterRole\nrules:\n- apiGroups: [\"\"]\n  resources: [pods]\n  verbs: [list]\n",
        )
        .unwrap(),
    ));
    assert_eq!(get_text(&sim, "/api/v1/pods").await.0, 200);
    assert_eq!(
        get_text(&sim, "/apis/gateway.networking.k8s.io/v1/gateways")
            .await
            .0,
        403
    );
    assert_eq!(
        get_text(
            &sim,
            &format!("/api/v1/namespaces/{ns}/pods/{pod}:19001/proxy/stats/prometheus")
        )
        .await
        .0,
        403
    );
    // Discovery stays open.
    assert_eq!(get_text(&sim, "/apis").await.0, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn faults() {
    let sim = showcase().await;
    let gw = "/apis/gateway.networking.k8s.io/v1/gateways";
    for code in [403u16, 404, 500] {
        sim.set_faults(vec![format!("gateways={code}").parse().unwrap()]);
        let (status, body) = get_json(&sim, gw).await;
        assert_eq!(status, code);
        assert_eq!(body["kind"], "Status");
        assert_eq!(body["code"], code);
        // Other kinds are untouched.
        assert_eq!(
            get_text(&sim, "/apis/gateway.networking.k8s.io/v1/httproutes")
                .await
                .0,
            200
        );
    }
    sim.set_faults(vec!["apps/deployments=delay:300ms".parse().unwrap()]);
    let t = Instant::now();
    assert_eq!(get_text(&sim, "/apis/apps/v1/deployments").await.0, 200);
    assert!(t.elapsed() >= Duration::from_millis(300));

    sim.set_faults(vec!["gateways=drop-events:2".parse().unwrap()]);
    let mut w = Watch::open(&sim, &format!("{gw}?watch=1")).await;
    let evs = w.drain(Duration::from_secs(1)).await;
    assert_eq!(evs.len(), 2);
    assert!(w.done, "the stream was not closed");

    sim.set_faults(vec!["*=drop-after:200ms".parse().unwrap()]);
    let rv = sim.resource_version();
    let t = Instant::now();
    let mut w = Watch::open(&sim, &format!("{gw}?watch=1&resourceVersion={rv}")).await;
    let evs = w.drain(Duration::from_secs(2)).await;
    assert!(evs.is_empty());
    assert!(w.done && t.elapsed() < Duration::from_secs(2));

    sim.set_faults(vec!["pods/proxy=500".parse().unwrap()]);
    let (ns, pod) = sim.proxy_pods()[0].clone();
    assert_eq!(
        get_text(
            &sim,
            &format!("/api/v1/namespaces/{ns}/pods/{pod}:19001/proxy/stats/prometheus")
        )
        .await
        .0,
        500
    );
    assert_eq!(get_text(&sim, "/api/v1/pods").await.0, 200);
    sim.clear_faults();
    assert_eq!(get_text(&sim, gw).await.0, 200);
    sim.shutdown().await;
}

/// Parses Prometheus text into (series with labels, value), checking every
/// line's shape and that each series has a `# TYPE` before it.
fn parse_prom(text: &str) -> Vec<(String, f64)> {
    let mut out = Vec::new();
    let mut typed = std::collections::HashSet::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut parts = rest.split(' ');
            let name = parts.next().unwrap();
            let ty = parts.next().unwrap();
            assert!(["counter", "gauge", "histogram"].contains(&ty), "{line}");
            typed.insert(name.to_string());
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("{line}"));
        let (name, labels) = series.split_once('{').unwrap_or_else(|| panic!("{line}"));
        assert!(labels.ends_with('}'), "{line}");
        let family = name
            .strip_suffix("_bucket")
            .or_else(|| name.strip_suffix("_sum"))
            .or_else(|| name.strip_suffix("_count"))
            .filter(|f| typed.contains(*f))
            .unwrap_or(name);
        assert!(typed.contains(family), "no # TYPE for {line}");
        let v: f64 = value.parse().unwrap_or_else(|_| panic!("{line}"));
        out.push((series.to_string(), v));
    }
    out
}

fn value(samples: &[(String, f64)], series: &str) -> f64 {
    samples
        .iter()
        .find(|(s, _)| s == series)
        .unwrap_or_else(|| panic!("no {series}"))
        .1
}

fn sum_of(samples: &[(String, f64)], name_and_label: &str) -> f64 {
    samples
        .iter()
        .filter(|(s, _)| s.starts_with(name_and_label))
        .map(|(_, v)| v)
        .sum()
}

#[tokio::test]
async fn pod_proxy_metrics() {
    let sim = showcase().await;
    let platform_pod = "envoy-platform-d294fcce-pzl4ncpbmp-dlwjz";
    let path =
        format!("/api/v1/namespaces/eg-platform/pods/{platform_pod}:19001/proxy/stats/prometheus");
    let (status, t0) = get_text(&sim, &path).await;
    assert_eq!(status, 200);
    let s0 = parse_prom(&t0);
    assert!(t0.contains("envoy_server_live{} 1\n"));
    assert!(t0.contains("envoy_cluster_name=\"httproute/web/checkout/rule/0\""));
    let total = "envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=\"http-10080\"}";
    let before = value(&s0, total);
    let uptime0 = value(&s0, "envoy_server_uptime{}");
    sim.advance(Duration::from_secs(60));
    let (_, t1) = get_text(&sim, &path).await;
    let s1 = parse_prom(&t1);
    assert!(value(&s1, total) > before);
    assert_eq!(value(&s1, "envoy_server_uptime{}") - uptime0, 60.0);
    // Histograms: cumulative buckets, +Inf equals _count.
    let cluster = "envoy_cluster_name=\"httproute/web/checkout/rule/0\"";
    let buckets: Vec<f64> = s1
        .iter()
        .filter(|(s, _)| {
            s.starts_with(&format!("envoy_cluster_upstream_rq_time_bucket{{{cluster}"))
        })
        .map(|(_, v)| *v)
        .collect();
    assert_eq!(buckets.len(), 20);
    assert!(buckets.windows(2).all(|w| w[0] <= w[1]));
    assert_eq!(
        *buckets.last().unwrap(),
        value(
            &s1,
            &format!("envoy_cluster_upstream_rq_time_count{{{cluster}}}")
        )
    );
    // Every counter is monotone between the scrapes.
    for (series, v) in &s0 {
        if series.contains("_total") || series.contains("_xx") || series.contains("_bucket") {
            assert!(value(&s1, series) >= *v, "{series} went down");
        }
    }

    // The 5xx burst on the payments fleet.
    let pay_pod = "envoy-payments-pay-3c51c2b4-dfqpksd489-bv44k";
    let pay = format!("/api/v1/namespaces/eg-payments/pods/{pay_pod}:19001/proxy/stats/prometheus");
    let a = parse_prom(&get_text(&sim, &pay).await.1);
    sim.advance(Duration::from_secs(120));
    let b = parse_prom(&get_text(&sim, &pay).await.1);
    let xx = "envoy_http_downstream_rq_xx{envoy_response_code_class=";
    let d5 = sum_of(&b, &format!("{xx}\"5\"")) - sum_of(&a, &format!("{xx}\"5\""));
    let dall = sum_of(&b, xx) - sum_of(&a, xx);
    assert!(dall > 0.0);
    assert!(d5 / dall > 0.05, "5xx share {}", d5 / dall);
    // The platform fleet stays healthy.
    let c = parse_prom(&get_text(&sim, &path).await.1);
    let p5 = sum_of(&c, &format!("{xx}\"5\"")) - sum_of(&s1, &format!("{xx}\"5\""));
    let pall = sum_of(&c, xx) - sum_of(&s1, xx);
    assert!(p5 / pall < 0.01, "platform 5xx share {}", p5 / pall);

    // Unknown pods, other ports and paths.
    assert_eq!(
        get_text(
            &sim,
            "/api/v1/namespaces/eg-platform/pods/nope:19001/proxy/stats/prometheus"
        )
        .await
        .0,
        404
    );
    assert_eq!(
        get_text(
            &sim,
            &format!("/api/v1/namespaces/eg-platform/pods/{platform_pod}:19000/proxy/stats")
        )
        .await
        .0,
        404
    );
    // PodMetrics from the same model.
    let pm = ok_json(
        &sim,
        "/apis/metrics.k8s.io/v1beta1/namespaces/eg-platform/pods",
    )
    .await;
    assert_eq!(pm["kind"], "PodMetricsList");
    let first = &pm["items"][0];
    assert_eq!(first["kind"], "PodMetrics");
    assert!(
        first["containers"][0]["usage"]["cpu"]
            .as_str()
            .unwrap()
            .ends_with('n')
    );
    let one = ok_json(
        &sim,
        &format!("/apis/metrics.k8s.io/v1beta1/namespaces/eg-platform/pods/{platform_pod}"),
    )
    .await;
    assert_eq!(one["metadata"]["name"], platform_pod);
    let (status, _) = get_text(&sim, "/apis/metrics.k8s.io/v1beta1/pods?watch=1").await;
    assert_eq!(status, 405);
    sim.shutdown().await;
}

#[tokio::test]
async fn prometheus_disabled_and_non_proxy_pods() {
    let mut objects = scenario_objects(&Scenario::Showcase).unwrap();
    for o in &mut objects {
        if o["kind"] == "EnvoyProxy" && o["metadata"]["name"] == "payments-proxy" {
            o["spec"]["telemetry"]["metrics"]["prometheus"]["disable"] = true.into();
        }
    }
    objects.push(serde_json::json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "web", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "web"}]},
    }));
    let sim = Sim::start(Scenario::Objects(objects), SimOptions::default())
        .await
        .unwrap();
    let pay_pod = "envoy-payments-pay-3c51c2b4-dfqpksd489-bv44k";
    assert_eq!(
        sim.metrics_text("eg-payments", pay_pod),
        Err(MetricsError::Disabled)
    );
    let (status, body) = get_json(
        &sim,
        &format!("/api/v1/namespaces/eg-payments/pods/{pay_pod}:19001/proxy/stats/prometheus"),
    )
    .await;
    assert_eq!(status, 503);
    assert_eq!(body["reason"], "ServiceUnavailable");
    assert_eq!(
        get_text(
            &sim,
            "/api/v1/namespaces/web/pods/web-1:19001/proxy/stats/prometheus"
        )
        .await
        .0,
        404
    );
    let platform = "envoy-platform-d294fcce-pzl4ncpbmp-dlwjz";
    assert!(sim.metrics_text("eg-platform", platform).is_ok());
    sim.shutdown().await;
}

#[tokio::test]
async fn deterministic_for_a_seed() {
    async fn run(seed: u64) -> (Value, String) {
        let opts = SimOptions {
            seed,
            ..SimOptions::default()
        };
        let sim = Sim::start(Scenario::Showcase, opts).await.unwrap();
        for _ in 0..4 {
            sim.advance(Duration::from_secs(170));
        }
        let pods = sim.proxy_pods();
        let (ns, pod) = pods.last().unwrap();
        let text = sim.metrics_text(ns, pod).unwrap();
        let dump = sim.dump();
        sim.shutdown().await;
        (dump, text)
    }
    let a = run(7).await;
    let b = run(7).await;
    assert_eq!(
        serde_json::to_string(&a.0).unwrap(),
        serde_json::to_string(&b.0).unwrap()
    );
    assert_eq!(a.1, b.1);
    let c = run(8).await;
    assert_ne!(a.1, c.1);
}

#[tokio::test]
async fn large_scenario() {
    let params = LargeParams {
        gateways: 12,
        routes: 60,
        policies: 10,
        pods: 30,
        seed: 3,
    };
    let sim = Sim::start(Scenario::Large(params), SimOptions::default())
        .await
        .unwrap();
    let gws = ok_json(&sim, "/apis/gateway.networking.k8s.io/v1/gateways").await;
    assert_eq!(gws["items"].as_array().unwrap().len(), 12);
    let routes = ok_json(
        &sim,
        "/apis/gateway.networking.k8s.io/v1/httproutes?limit=25",
    )
    .await;
    assert_eq!(routes["items"].as_array().unwrap().len(), 25);
    assert_eq!(routes["metadata"]["remainingItemCount"], 35);
    let pods = ok_json(&sim, &format!("/api/v1/pods?labelSelector={MANAGED}")).await;
    assert_eq!(pods["items"].as_array().unwrap().len(), 30);
    let (ns, pod) = sim.proxy_pods()[0].clone();
    let (status, text) = get_text(
        &sim,
        &format!("/api/v1/namespaces/{ns}/pods/{pod}:19001/proxy/stats/prometheus"),
    )
    .await;
    assert_eq!(status, 200);
    parse_prom(&text);
    sim.advance(Duration::from_secs(120));
    sim.shutdown().await;
}

#[tokio::test]
async fn table_output() {
    let sim = showcase().await;
    let resp = send(
        &sim,
        "GET",
        "/api/v1/pods",
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
    )
    .await;
    assert_eq!(resp.status(), 200);
    let t: Value =
        serde_json::from_slice(&resp.into_body().collect().await.unwrap().to_bytes()).unwrap();
    assert_eq!(t["kind"], "Table");
    let cols: Vec<&str> = t["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(cols, ["Name", "Ready", "Status", "Restarts", "Age"]);
    assert_eq!(t["rows"].as_array().unwrap().len(), 8);
    assert_eq!(t["rows"][0]["object"]["kind"], "PartialObjectMetadata");
    sim.shutdown().await;
}

#[tokio::test]
async fn request_log_file_and_kubeconfig() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("requests.jsonl");
    let opts = SimOptions {
        request_log: Some(log.clone()),
        ..SimOptions::default()
    };
    let sim = Sim::start(Scenario::Compliant, opts).await.unwrap();
    get_text(&sim, "/api/v1/namespaces?limit=1").await;
    send(&sim, "DELETE", "/api/v1/namespaces/x", "application/json").await;
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines[0],
        serde_json::json!({"method": "GET", "path": "/api/v1/namespaces?limit=1", "status": 200})
    );
    assert_eq!(lines[1]["status"], 405);
    let kc = sim.kubeconfig_yaml();
    assert!(kc.contains(&format!("server: {}", sim.base_url())));
    assert!(kc.contains("current-context: egscope-sim"));
    sim.shutdown().await;
}
