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
    /// The body ended with an error (a connection cut mid-body) rather
    /// than with the chunked encoding's last chunk.
    broken: bool,
}

impl Watch {
    async fn open(sim: &SimHandle, path: &str) -> Watch {
        let resp = send(sim, "GET", path, "application/json").await;
        assert_eq!(resp.status(), 200, "{path}");
        Watch {
            body: resp.into_body(),
            buf: Vec::new(),
            done: false,
            broken: false,
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
                Ok(None) => self.done = true,
                Ok(Some(Err(_))) => {
                    self.done = true;
                    self.broken = true;
                }
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
    let eg = eg["resources"].as_array().unwrap();
    let kinds = eg
        .iter()
        .filter(|r| !r["name"].as_str().unwrap().contains('/'));
    assert_eq!(kinds.count(), 8);
    // Status subresources are listed as a real server lists them; the
    // HTTPRouteFilter CRD has none.
    assert!(eg.iter().any(|r| r["name"] == "envoyproxies/status"));
    assert!(!eg.iter().any(|r| r["name"] == "httproutefilters/status"));
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
        2, // the two controllers' pods (app.kubernetes.io/name=gateway-helm)
    );
    assert_eq!(get_text(&sim, &sel("a in b")).await.0, 400);

    // Field selectors.
    let by_ns = ok_json(
        &sim,
        "/api/v1/pods?fieldSelector=metadata.namespace%3Deg-payments",
    )
    .await;
    assert_eq!(n(&by_ns), 3, "two proxies and the controller");
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
    // Six proxy pods of platform, two of payments, one controller pod each.
    let all = names(&ok_json(&sim, "/api/v1/pods").await);
    assert_eq!(all.len(), 10);
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
    assert_eq!(pages, 4);
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
    assert_eq!(names(&list).len(), 7, "six proxies and the controller");
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
    assert_eq!(initial.len(), 7, "the proxies and the controller");
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
    // The bundle the simulator serves by default (Gateway API v1.6.1, as
    // Envoy Gateway v1.9 ships): ListenerSet, not XListenerSet.
    let bundle = SimOptions::default().gateway_api;
    let mut allowed = 0;
    for r in RESOURCES.iter().filter(|r| r.installed(bundle)) {
        // The role covers what egscope reads: every kind but the
        // experimental XBackendTrafficPolicy, XMesh and (v1.6) XBackend.
        let covered = !matches!(r.kind, "XBackendTrafficPolicy" | "XMesh" | "XBackend");
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
    // Ended as kube-apiserver ends a watch (its timeout, a shutdown): the
    // body is complete, with the last chunk, never cut mid-event.
    assert!(!w.broken, "the watch body was cut");

    sim.set_faults(vec!["*=drop-after:200ms".parse().unwrap()]);
    let rv = sim.resource_version();
    let t = Instant::now();
    let mut w = Watch::open(&sim, &format!("{gw}?watch=1&resourceVersion={rv}")).await;
    let evs = w.drain(Duration::from_secs(2)).await;
    assert!(evs.is_empty());
    assert!(w.done && t.elapsed() < Duration::from_secs(2));
    assert!(!w.broken, "the watch body was cut");

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
    assert_eq!(t["rows"].as_array().unwrap().len(), 10);
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

// ------------------------------------------------- real API server behaviour

const GW: &str = "gateway.networking.k8s.io";

async fn with_bundle(bundle: GatewayApiBundle, scenario: Scenario) -> SimHandle {
    let opts = SimOptions {
        gateway_api: bundle,
        ..SimOptions::default()
    };
    Sim::start(scenario, opts).await.unwrap()
}

fn resource_names(list: &Value) -> Vec<String> {
    list["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .filter(|n| !n.contains('/'))
        .collect()
}

/// (group, kind, plural) -> versions served, from a bundle's CRD file.
fn corpus_versions(bundle: GatewayApiBundle) -> Option<Vec<(String, String, Vec<String>)>> {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    if !corpus.is_dir() {
        eprintln!("skipping the corpus check: {} is absent", corpus.display());
        return None;
    }
    let text = std::fs::read_to_string(corpus.join(bundle.corpus_files().0)).unwrap();
    let mut out = Vec::new();
    for crd in egscope::codec::parse_yaml_documents(&text).unwrap() {
        if crd["kind"] != "CustomResourceDefinition" {
            continue;
        }
        let versions = crd["spec"]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|v| v["served"] == true)
            .map(|v| v["name"].as_str().unwrap().to_string())
            .collect();
        out.push((
            crd["spec"]["group"].as_str().unwrap().to_string(),
            crd["spec"]["names"]["plural"].as_str().unwrap().to_string(),
            versions,
        ));
    }
    Some(out)
}

#[tokio::test]
async fn each_bundle_serves_its_kinds_at_their_versions() {
    for bundle in GatewayApiBundle::ALL {
        let sim = with_bundle(bundle, Scenario::Showcase).await;
        let apis = ok_json(&sim, "/apis").await;
        let group = |name: &str| {
            apis["groups"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["name"] == name)
                .cloned()
        };
        let gw = group(GW).unwrap();
        let versions: Vec<&str> = gw["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_str().unwrap())
            .collect();
        // apiextensions' order: kube-aware priority, the first preferred.
        assert_eq!(
            versions,
            ["v1", "v1beta1", "v1alpha3", "v1alpha2"],
            "{bundle:?}"
        );
        assert_eq!(
            gw["preferredVersion"]["groupVersion"],
            "gateway.networking.k8s.io/v1"
        );
        let one = ok_json(&sim, "/apis/gateway.networking.k8s.io").await;
        assert_eq!(one["kind"], "APIGroup");
        assert_eq!(one["versions"], gw["versions"]);
        assert_eq!(one["preferredVersion"], gw["preferredVersion"]);
        assert_eq!(
            group("metrics.k8s.io").unwrap()["preferredVersion"]["version"],
            "v1beta1"
        );
        assert_eq!(
            group("autoscaling").unwrap()["preferredVersion"]["version"],
            "v2"
        );

        let v1 = resource_names(&ok_json(&sim, "/apis/gateway.networking.k8s.io/v1").await);
        let v1alpha2 =
            resource_names(&ok_json(&sim, "/apis/gateway.networking.k8s.io/v1alpha2").await);
        let v1beta1 =
            resource_names(&ok_json(&sim, "/apis/gateway.networking.k8s.io/v1beta1").await);
        let x = resource_names(&ok_json(&sim, "/apis/gateway.networking.x-k8s.io/v1alpha1").await);
        match bundle {
            GatewayApiBundle::V1_4 => {
                assert!(!v1.contains(&"tcproutes".to_string()), "{v1:?}");
                assert!(!v1.contains(&"referencegrants".to_string()));
                assert!(!v1.contains(&"listenersets".to_string()));
                assert_eq!(v1alpha2, ["tcproutes", "udproutes", "tlsroutes"]);
                assert!(v1beta1.contains(&"referencegrants".to_string()));
                assert_eq!(x, ["xlistenersets", "xbackendtrafficpolicies", "xmeshes"]);
            }
            GatewayApiBundle::V1_6 => {
                for k in [
                    "tcproutes",
                    "udproutes",
                    "tlsroutes",
                    "referencegrants",
                    "listenersets",
                ] {
                    assert!(v1.contains(&k.to_string()), "{k} not in {v1:?}");
                }
                assert_eq!(v1alpha2, ["tcproutes", "udproutes", "tlsroutes"]);
                assert_eq!(x, ["xbackendtrafficpolicies", "xmeshes", "xbackends"]);
            }
        }
        // Every CRD of the bundle file, at exactly its served versions.
        if let Some(crds) = corpus_versions(bundle) {
            for (group, plural, served) in crds {
                let all = ok_json(&sim, &format!("/apis/{group}")).await;
                for v in all["versions"].as_array().unwrap() {
                    let v = v["version"].as_str().unwrap();
                    let listed =
                        resource_names(&ok_json(&sim, &format!("/apis/{group}/{v}")).await)
                            .contains(&plural);
                    assert_eq!(
                        listed,
                        served.iter().any(|s| s == v),
                        "{bundle:?} {group}/{v} {plural}"
                    );
                }
                for v in served {
                    let path = format!("/apis/{group}/{v}/{plural}");
                    assert_eq!(get_text(&sim, &path).await.0, 200, "{bundle:?} {path}");
                }
            }
        }
        sim.shutdown().await;
    }
}

fn route_objects() -> Vec<Value> {
    let obj = |api: &str, kind: &str, name: &str| {
        serde_json::json!({"apiVersion": api, "kind": kind,
                           "metadata": {"name": name, "namespace": "apps"}, "spec": {}})
    };
    vec![
        obj("gateway.networking.k8s.io/v1alpha2", "TCPRoute", "tcp"),
        obj("gateway.networking.k8s.io/v1alpha2", "TLSRoute", "tls"),
        obj(
            "gateway.networking.k8s.io/v1beta1",
            "ReferenceGrant",
            "grant",
        ),
        obj("gateway.networking.k8s.io/v1beta1", "Gateway", "edge"),
        obj(
            "gateway.networking.x-k8s.io/v1alpha1",
            "XListenerSet",
            "extra",
        ),
    ]
}

#[tokio::test]
async fn objects_are_served_at_every_version_with_their_api_version() {
    let sim = with_bundle(GatewayApiBundle::V1_4, Scenario::Objects(route_objects())).await;
    // Written at v1beta1, stored at v1, served at both.
    for v in ["v1", "v1beta1"] {
        let list = ok_json(&sim, &format!("/apis/{GW}/{v}/gateways")).await;
        assert_eq!(list["apiVersion"], format!("{GW}/{v}"));
        assert_eq!(list["items"][0]["apiVersion"], format!("{GW}/{v}"));
        let one = ok_json(
            &sim,
            &format!("/apis/{GW}/{v}/namespaces/apps/gateways/edge"),
        )
        .await;
        assert_eq!(one["apiVersion"], format!("{GW}/{v}"));
        assert_eq!(one["metadata"]["name"], "edge");
    }
    // TLSRoute is stored at v1alpha3 and served at v1alpha2 too.
    for v in ["v1alpha2", "v1alpha3"] {
        let list = ok_json(&sim, &format!("/apis/{GW}/{v}/tlsroutes")).await;
        assert_eq!(names(&list), ["tls"]);
        assert_eq!(list["items"][0]["apiVersion"], format!("{GW}/{v}"));
    }
    assert_eq!(
        names(&ok_json(&sim, &format!("/apis/{GW}/v1alpha2/tcproutes")).await),
        ["tcp"]
    );
    let grants = ok_json(&sim, &format!("/apis/{GW}/v1beta1/referencegrants")).await;
    assert_eq!(names(&grants), ["grant"]);
    // Not at versions the v1.4 CRDs do not serve: a real server's 404.
    for path in [
        format!("/apis/{GW}/v1/tcproutes"),
        format!("/apis/{GW}/v1/referencegrants"),
        format!("/apis/{GW}/v1/namespaces/apps/tcproutes/tcp"),
    ] {
        let (status, body) = get_json(&sim, &path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["reason"], "NotFound");
        assert_eq!(
            body["message"],
            "the server could not find the requested resource"
        );
    }
    assert_eq!(
        names(
            &ok_json(
                &sim,
                "/apis/gateway.networking.x-k8s.io/v1alpha1/xlistenersets"
            )
            .await
        ),
        ["extra"]
    );

    // A watch at v1beta1 sees a change made to the stored object, at v1beta1.
    let rv = sim.resource_version();
    let mut w = Watch::open(
        &sim,
        &format!("/apis/{GW}/v1beta1/namespaces/apps/gateways?watch=1&resourceVersion={rv}"),
    )
    .await;
    let mut edge = ok_json(
        &sim,
        &format!("/apis/{GW}/v1/namespaces/apps/gateways/edge"),
    )
    .await;
    edge["spec"]["gatewayClassName"] = serde_json::json!("platform");
    sim.apply(edge).unwrap();
    let ev = w.next(Duration::from_secs(2)).await.expect("an event");
    assert_eq!(ev["type"], "MODIFIED");
    assert_eq!(ev["object"]["apiVersion"], format!("{GW}/v1beta1"));
    assert_eq!(ev["object"]["spec"]["gatewayClassName"], "platform");
    // ... and a fresh watch at v1alpha2 starts with ADDED at v1alpha2.
    let mut w = Watch::open(&sim, &format!("/apis/{GW}/v1alpha2/tcproutes?watch=1")).await;
    let ev = w.next(Duration::from_secs(2)).await.expect("an event");
    assert_eq!(ev["type"], "ADDED");
    assert_eq!(ev["object"]["apiVersion"], format!("{GW}/v1alpha2"));
    sim.shutdown().await;

    // With v1.6 the same objects are served at v1 as well; XListenerSet is
    // gone (the group/version is still served, for XBackend).
    let sim = with_bundle(GatewayApiBundle::V1_6, Scenario::Objects(route_objects())).await;
    for v in ["v1", "v1alpha2"] {
        let list = ok_json(&sim, &format!("/apis/{GW}/{v}/tcproutes")).await;
        assert_eq!(names(&list), ["tcp"]);
        assert_eq!(list["items"][0]["apiVersion"], format!("{GW}/{v}"));
    }
    let grants = ok_json(&sim, &format!("/apis/{GW}/v1/referencegrants")).await;
    assert_eq!(grants["items"][0]["apiVersion"], format!("{GW}/v1"));
    let (status, body) = get_json(
        &sim,
        "/apis/gateway.networking.x-k8s.io/v1alpha1/xlistenersets",
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        body["message"],
        "the server could not find the requested resource"
    );
    assert!(
        sim.apply(route_objects().pop().unwrap()).is_err(),
        "not served"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn gone_on_resume_at_every_version() {
    let sim = with_bundle(GatewayApiBundle::V1_6, Scenario::Objects(route_objects())).await;
    sim.add_fault("tcproutes=gone-on-resume".parse().unwrap());
    let rv = sim.resource_version();
    for v in ["v1", "v1alpha2"] {
        let mut w = Watch::open(
            &sim,
            &format!("/apis/{GW}/{v}/tcproutes?watch=1&resourceVersion={rv}"),
        )
        .await;
        let ev = w.next(Duration::from_secs(1)).await.unwrap();
        assert_eq!(ev["type"], "ERROR", "{v}");
        assert_eq!(ev["object"]["code"], 410);
        assert_eq!(ev["object"]["reason"], "Expired");
        assert!(w.next(Duration::from_millis(200)).await.is_none());
        assert!(!w.broken);
        // A fresh watch (no resourceVersion) is not a resume.
        let mut w = Watch::open(&sim, &format!("/apis/{GW}/{v}/tcproutes?watch=1")).await;
        assert_eq!(
            w.next(Duration::from_secs(1)).await.unwrap()["type"],
            "ADDED"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn crd_objects_follow_the_bundle() {
    for bundle in GatewayApiBundle::ALL {
        let sim = with_bundle(bundle, Scenario::Showcase).await;
        let crds = ok_json(
            &sim,
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
        )
        .await;
        let items = crds["items"].as_array().unwrap();
        let mut names: Vec<String> = items
            .iter()
            .map(|c| c["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        let mut want: Vec<String> = RESOURCES
            .iter()
            .filter(|r| r.crd && r.installed(bundle))
            .map(|r| format!("{}.{}", r.plural, r.group))
            .collect();
        want.sort();
        assert_eq!(names, want, "{bundle:?}");
        let crd = |name: &str| {
            items
                .iter()
                .find(|c| c["metadata"]["name"] == name)
                .unwrap()
                .clone()
        };
        for c in items.iter().filter(|c| c["spec"]["group"] == GW) {
            assert_eq!(
                c["metadata"]["annotations"]["gateway.networking.k8s.io/bundle-version"],
                bundle.bundle_version()
            );
        }
        let tcp = crd("tcproutes.gateway.networking.k8s.io");
        let versions: Vec<(&str, bool, bool)> = tcp["spec"]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| {
                (
                    v["name"].as_str().unwrap(),
                    v["served"] == true,
                    v["storage"] == true,
                )
            })
            .collect();
        match bundle {
            GatewayApiBundle::V1_4 => assert_eq!(versions, [("v1alpha2", true, true)]),
            GatewayApiBundle::V1_6 => {
                assert_eq!(versions, [("v1", true, true), ("v1alpha2", true, false)])
            }
        }
        // The showcase's own CRD object is kept (uid, Argo CD annotation).
        let gc = crd("gatewayclasses.gateway.networking.k8s.io");
        assert_eq!(
            gc["metadata"]["uid"],
            "eb8eda88-5a7c-58c8-abe7-4be317a4f8ec"
        );
        assert!(
            gc["metadata"]["annotations"]["argocd.argoproj.io/tracking-id"]
                .as_str()
                .is_some()
        );
        sim.shutdown().await;
    }
    // Without alignment, the scenario's CRDs exactly.
    let opts = SimOptions {
        align_crds: false,
        ..SimOptions::default()
    };
    let sim = Sim::start(Scenario::Showcase, opts).await.unwrap();
    let crds = ok_json(
        &sim,
        "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
    )
    .await;
    // The v1.9 showcase's eight CRDs and its ListenerSet CRD.
    assert_eq!(crds["items"].as_array().unwrap().len(), 9);
    sim.shutdown().await;
}

const USER: &str = "system:serviceaccount:egscope:egscope";

#[tokio::test]
async fn namespace_scoped_rbac_answers_like_kube_apiserver() {
    let rbac = Rbac::from_yaml(RBAC_YAML)
        .unwrap()
        .in_namespaces(["eg-platform"]);
    let opts = SimOptions {
        rbac: Some(rbac),
        ..SimOptions::default()
    };
    let sim = Sim::start(Scenario::Showcase, opts).await.unwrap();
    let forbidden = |body: &Value, message: &str, group: &str, kind: &str| {
        assert_eq!(body["kind"], "Status");
        assert_eq!(body["reason"], "Forbidden");
        assert_eq!(body["code"], 403);
        assert_eq!(body["message"], message);
        assert_eq!(body["details"]["kind"], kind);
        if group.is_empty() {
            assert!(body["details"].get("group").is_none(), "{body}");
        } else {
            assert_eq!(body["details"]["group"], group);
        }
    };
    let (status, body) = get_json(&sim, &format!("/apis/{GW}/v1/gateways")).await;
    assert_eq!(status, 403);
    forbidden(
        &body,
        &format!(
            "gateways.gateway.networking.k8s.io is forbidden: User \"{USER}\" cannot list resource \"gateways\" in API group \"gateway.networking.k8s.io\" at the cluster scope"
        ),
        GW,
        "gateways",
    );
    let (status, body) = get_json(&sim, "/api/v1/pods?watch=1").await;
    assert_eq!(status, 403);
    forbidden(
        &body,
        &format!(
            "pods is forbidden: User \"{USER}\" cannot watch resource \"pods\" in API group \"\" at the cluster scope"
        ),
        "",
        "pods",
    );
    // Inside the bound namespace: list, get, watch.
    let pods = ok_json(&sim, "/api/v1/namespaces/eg-platform/pods").await;
    assert_eq!(names(&pods).len(), 7);
    let (_, pod) = sim
        .proxy_pods()
        .into_iter()
        .find(|(ns, _)| ns == "eg-platform")
        .unwrap();
    ok_json(&sim, &format!("/api/v1/namespaces/eg-platform/pods/{pod}")).await;
    let mut w = Watch::open(&sim, "/api/v1/namespaces/eg-platform/pods?watch=1").await;
    assert_eq!(
        w.next(Duration::from_secs(1)).await.unwrap()["type"],
        "ADDED"
    );
    let proxy = format!("/api/v1/namespaces/eg-platform/pods/{pod}:19001/proxy/stats/prometheus");
    assert_eq!(get_text(&sim, &proxy).await.0, 200);
    // Another namespace: named in the message.
    let (status, body) = get_json(
        &sim,
        &format!("/apis/{GW}/v1/namespaces/web/gateways/storefront"),
    )
    .await;
    assert_eq!(status, 403);
    forbidden(
        &body,
        &format!(
            "gateways.gateway.networking.k8s.io \"storefront\" is forbidden: User \"{USER}\" cannot get resource \"gateways\" in API group \"gateway.networking.k8s.io\" in the namespace \"web\""
        ),
        GW,
        "gateways",
    );
    assert_eq!(body["details"]["name"], "storefront");
    let (status, body) = get_json(
        &sim,
        "/api/v1/namespaces/web/pods/x:19001/proxy/stats/prometheus",
    )
    .await;
    assert_eq!(status, 403);
    forbidden(
        &body,
        &format!(
            "pods \"x:19001\" is forbidden: User \"{USER}\" cannot get resource \"pods/proxy\" in API group \"\" in the namespace \"web\""
        ),
        "",
        "pods",
    );
    // Cluster-scoped kinds are never inside a namespace.
    for (path, group, plural) in [
        (
            format!("/apis/{GW}/v1/gatewayclasses"),
            GW,
            "gatewayclasses",
        ),
        ("/api/v1/namespaces".to_string(), "", "namespaces"),
        (
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions".to_string(),
            "apiextensions.k8s.io",
            "customresourcedefinitions",
        ),
    ] {
        let (status, body) = get_json(&sim, &path).await;
        assert_eq!(status, 403, "{path}");
        let what = if group.is_empty() {
            plural.to_string()
        } else {
            format!("{plural}.{group}")
        };
        forbidden(
            &body,
            &format!(
                "{what} is forbidden: User \"{USER}\" cannot list resource \"{plural}\" in API group \"{group}\" at the cluster scope"
            ),
            group,
            plural,
        );
    }
    // ... except that GET of the bound namespace itself is inside it.
    ok_json(&sim, "/api/v1/namespaces/eg-platform").await;
    assert_eq!(get_text(&sim, "/api/v1/namespaces/web").await.0, 403);
    // Discovery stays open; the user name is settable.
    assert_eq!(get_text(&sim, "/apis").await.0, 200);
    sim.set_rbac(Some(
        Rbac::from_yaml(RBAC_YAML)
            .unwrap()
            .in_namespaces(["web"])
            .with_user("sre@example.com"),
    ));
    let (_, body) = get_json(
        &sim,
        &format!("/apis/{GW}/v1/namespaces/envoy-gateway-system/gateways"),
    )
    .await;
    assert_eq!(
        body["message"],
        "gateways.gateway.networking.k8s.io is forbidden: User \"sre@example.com\" cannot list resource \"gateways\" in API group \"gateway.networking.k8s.io\" in the namespace \"envoy-gateway-system\""
    );
    assert_eq!(
        names(&ok_json(&sim, &format!("/apis/{GW}/v1/namespaces/web/gateways")).await),
        ["storefront"]
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn discovery_faults_hit_their_path_and_times_limits_them() {
    let sim = showcase().await;
    let gv = format!("/apis/{GW}/v1");
    sim.set_faults(vec![
        format!("discovery:{GW}/v1=500,times=1").parse().unwrap(),
    ]);
    assert_eq!(get_text(&sim, "/apis").await.0, 200);
    assert_eq!(get_text(&sim, &format!("/apis/{GW}")).await.0, 200);
    assert_eq!(get_text(&sim, &format!("/apis/{GW}/v1beta1")).await.0, 200);
    let (status, body) = get_json(&sim, &gv).await;
    assert_eq!(status, 500);
    assert_eq!(body["kind"], "Status");
    assert_eq!(body["reason"], "InternalError");
    // One-shot: the next request is answered.
    assert_eq!(ok_json(&sim, &gv).await["groupVersion"], format!("{GW}/v1"));
    // Resources under the group/version are not discovery.
    assert_eq!(get_text(&sim, &format!("{gv}/gateways")).await.0, 200);

    sim.set_faults(vec![
        "discovery=503,times=2".parse().unwrap(),
        "discovery:apps=404".parse().unwrap(),
        "discovery:v1=500".parse().unwrap(),
    ]);
    assert_eq!(get_text(&sim, "/apis").await.0, 503);
    assert_eq!(get_text(&sim, "/apis").await.0, 503);
    assert_eq!(get_text(&sim, "/apis").await.0, 200);
    assert_eq!(get_text(&sim, "/apis/apps").await.0, 404);
    assert_eq!(get_text(&sim, "/apis/apps/v1").await.0, 200);
    assert_eq!(get_text(&sim, "/api/v1").await.0, 500);
    assert_eq!(get_text(&sim, "/api").await.0, 200);
    assert_eq!(get_text(&sim, "/api/v1/pods").await.0, 200);
    // Resource faults with a count.
    sim.set_faults(vec!["gateways=500,times=2".parse().unwrap()]);
    let statuses: Vec<u16> = statuses(&sim, &format!("{gv}/gateways"), 3).await;
    assert_eq!(statuses, [500, 500, 200]);
    sim.shutdown().await;
}

async fn statuses(sim: &SimHandle, path: &str, n: usize) -> Vec<u16> {
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(get_text(sim, path).await.0);
    }
    out
}

#[tokio::test]
async fn a_down_aggregated_api_answers_like_kube_aggregator() {
    let opts = SimOptions {
        faults: vec!["apiservice:metrics.k8s.io=503".parse().unwrap()],
        ..SimOptions::default()
    };
    let sim = Sim::start(Scenario::Showcase, opts).await.unwrap();
    // The aggregator keeps listing the registered APIService.
    let apis = ok_json(&sim, "/apis").await;
    assert!(
        apis["groups"]
            .as_array()
            .unwrap()
            .iter()
            .any(|g| g["name"] == "metrics.k8s.io")
    );
    let group = ok_json(&sim, "/apis/metrics.k8s.io").await;
    assert_eq!(group["preferredVersion"]["version"], "v1beta1");
    for path in [
        "/apis/metrics.k8s.io/v1beta1",
        "/apis/metrics.k8s.io/v1beta1/pods",
        "/apis/metrics.k8s.io/v1beta1/namespaces/eg-platform/pods",
    ] {
        let resp = send(&sim, "GET", path, "application/json").await;
        assert_eq!(resp.status(), 503, "{path}");
        assert_eq!(
            resp.headers()["content-type"],
            "text/plain; charset=utf-8",
            "{path}"
        );
        assert!(resp.headers().get("retry-after").is_none());
        let body = resp.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"service unavailable\n");
    }
    // Nothing else is touched.
    assert_eq!(get_text(&sim, "/api/v1/pods").await.0, 200);
    assert_eq!(get_text(&sim, &format!("/apis/{GW}/v1")).await.0, 200);
    sim.clear_faults();
    assert_eq!(
        get_text(&sim, "/apis/metrics.k8s.io/v1beta1/pods").await.0,
        200
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn continue_expired_answers_410_to_continued_lists_only() {
    let sim = showcase().await;
    sim.set_faults(vec!["pods=continue-expired".parse().unwrap()]);
    assert_eq!(names(&ok_json(&sim, "/api/v1/pods").await).len(), 10);
    let first = ok_json(&sim, "/api/v1/pods?limit=3").await;
    assert_eq!(names(&first).len(), 3);
    let token = first["metadata"]["continue"].as_str().unwrap().to_string();
    let (status, body) = get_json(&sim, &format!("/api/v1/pods?limit=3&continue={token}")).await;
    assert_eq!(status, 410);
    assert_eq!(body["reason"], "Expired");
    assert_eq!(body["code"], 410);
    assert_eq!(
        body["message"],
        "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."
    );
    // Other kinds page on; with times=1 the second try goes through.
    let svc = ok_json(&sim, "/api/v1/services?limit=1").await;
    let t = svc["metadata"]["continue"].as_str().unwrap();
    assert_eq!(
        get_text(&sim, &format!("/api/v1/services?limit=1&continue={t}"))
            .await
            .0,
        200
    );
    sim.set_faults(vec!["pods=continue-expired,times=1".parse().unwrap()]);
    let path = format!("/api/v1/pods?limit=3&continue={token}");
    assert_eq!(get_text(&sim, &path).await.0, 410);
    assert_eq!(names(&ok_json(&sim, &path).await).len(), 3);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_request_log_keeps_the_newest_in_memory_and_all_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("requests.jsonl");
    let opts = SimOptions {
        request_log: Some(file.clone()),
        request_log_cap: 4,
        ..SimOptions::default()
    };
    let sim = Sim::start(Scenario::Showcase, opts).await.unwrap();
    for i in 0..7 {
        get_text(&sim, &format!("/api/v1/namespaces/n{i}")).await;
    }
    let paths: Vec<String> = sim.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        [
            "/api/v1/namespaces/n3",
            "/api/v1/namespaces/n4",
            "/api/v1/namespaces/n5",
            "/api/v1/namespaces/n6"
        ]
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap().lines().count(), 7);
    sim.shutdown().await;
}

#[tokio::test]
async fn cut_watches_end_without_the_last_chunk() {
    let sim = showcase().await;
    let gw = format!("/apis/{GW}/v1/gateways");
    sim.set_faults(vec!["gateways=cut-events:2".parse().unwrap()]);
    let mut w = Watch::open(&sim, &format!("{gw}?watch=1")).await;
    let evs = w.drain(Duration::from_secs(1)).await;
    assert_eq!(evs.len(), 2);
    assert!(w.done && w.broken, "the connection was not cut");

    sim.set_faults(vec!["gateways=cut-after:200ms".parse().unwrap()]);
    let rv = sim.resource_version();
    let t = Instant::now();
    let mut w = Watch::open(&sim, &format!("{gw}?watch=1&resourceVersion={rv}")).await;
    assert!(w.drain(Duration::from_secs(2)).await.is_empty());
    assert!(w.done && w.broken && t.elapsed() < Duration::from_secs(2));

    // A watch's own timeoutSeconds still ends it cleanly.
    sim.clear_faults();
    let mut w = Watch::open(
        &sim,
        &format!("{gw}?watch=1&timeoutSeconds=1&resourceVersion={rv}"),
    )
    .await;
    assert!(w.drain(Duration::from_secs(3)).await.is_empty());
    assert!(w.done && !w.broken);
    sim.shutdown().await;
}
