//! The HTTP side of the simulator: a read-only Kubernetes API server on
//! loopback (discovery, list, get, watch, pod proxy, PodMetrics), with
//! fault injection, RBAC enforcement and a request log.

use std::collections::VecDeque;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

use super::cluster::Cluster;
use super::faults::{Access, Fault, FaultKind, FaultPoint, Faults, Rbac, RequestShape};
use super::resources::{self, GatewayApiBundle, RESOURCES, ResourceDef};
use super::selector::{FieldSelector, LabelSelector};
use super::traffic::{MetricsError, Traffic};
use super::{COMPLIANT_YAML, DEMO_NOW, LargeParams, SHOWCASE_YAML};
use crate::error::SimError;

/// Which cluster the simulator serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    Showcase,
    Compliant,
    Large(LargeParams),
    /// Any objects (tests, benchmarks): served like a snapshot, with the
    /// generic traffic model.
    Objects(Vec<Value>),
}

/// How the simulator runs.
#[derive(Debug, Clone)]
pub struct SimOptions {
    /// Address to bind; `None` for 127.0.0.1 on an ephemeral port.
    pub listen: Option<SocketAddr>,
    /// Seed of the traffic model (the `large` scenario's objects use its own).
    pub seed: u64,
    pub faults: Vec<Fault>,
    pub rbac: Option<Rbac>,
    /// Append every request as a JSON line to this file.
    pub request_log: Option<PathBuf>,
    /// How often watches with `allowWatchBookmarks` get a BOOKMARK.
    pub bookmark_interval: Duration,
    /// Events kept per resource for watch resumes.
    pub event_cap: usize,
    /// Which Gateway API CRDs are installed: which kinds are served, at
    /// which versions.
    pub gateway_api: GatewayApiBundle,
    /// Make the CRD objects those of `gateway_api` (add the missing ones,
    /// align versions and bundle-version, drop those it lacks); `false`
    /// serves the scenario's CRD objects exactly as written.
    pub align_crds: bool,
    /// Requests kept in memory for [`SimHandle::requests`] (the oldest go
    /// first); the `request_log` file keeps every one.
    pub request_log_cap: usize,
    /// Serve streaming lists (`watch` with `sendInitialEvents=true`), as a
    /// server with the WatchList feature gate on; `false` refuses them with
    /// the 422 an older server answers, so clients' fallbacks can be tested.
    pub watch_list: bool,
}

/// Requests [`SimHandle::requests`] keeps by default.
pub const DEFAULT_REQUEST_LOG_CAP: usize = 100_000;

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: None,
            seed: 1,
            faults: Vec::new(),
            rbac: None,
            request_log: None,
            bookmark_interval: Duration::from_secs(10),
            event_cap: super::cluster::DEFAULT_EVENT_CAP,
            gateway_api: GatewayApiBundle::default(),
            align_crds: true,
            request_log_cap: DEFAULT_REQUEST_LOG_CAP,
            watch_list: true,
        }
    }
}

/// One request the simulator answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RequestRecord {
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The client's User-Agent, as an API server's audit log keeps it.
    #[serde(skip_serializing_if = "String::is_empty", rename = "userAgent")]
    pub user_agent: String,
}

struct World {
    cluster: Cluster,
    traffic: Traffic,
}

struct Shared {
    world: Mutex<World>,
    rv_tx: watch::Sender<u64>,
    faults: Mutex<Faults>,
    /// Bumped whenever the faults change, so open watches re-read them: a
    /// real API server going away ends the watches already open too.
    faults_gen: watch::Sender<u64>,
    rbac: Mutex<Option<Rbac>>,
    requests: Mutex<RequestLog>,
    log_file: Option<Mutex<std::fs::File>>,
    bookmark_interval: Duration,
    addr: SocketAddr,
    stopping: AtomicBool,
    bundle: GatewayApiBundle,
    watch_list: bool,
}

/// The newest requests, at most `cap` of them.
#[derive(Debug, Clone)]
pub struct RequestLog {
    records: VecDeque<RequestRecord>,
    cap: usize,
}

impl RequestLog {
    pub fn new(cap: usize) -> RequestLog {
        RequestLog {
            records: VecDeque::new(),
            cap: cap.max(1),
        }
    }

    pub fn push(&mut self, r: RequestRecord) {
        if self.records.len() >= self.cap {
            self.records.pop_front();
        }
        self.records.push_back(r);
    }

    pub fn to_vec(&self) -> Vec<RequestRecord> {
        self.records.iter().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    pub fn clear(&mut self) {
        self.records.clear();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The objects of a scenario, as the API server will serve them.
pub fn scenario_objects(scenario: &Scenario) -> Result<Vec<Value>, SimError> {
    let parse = |name: &str, text: &str| -> Result<Vec<Value>, SimError> {
        let docs: Vec<Value> = egscope_codec::parse_yaml_documents(text).map_err(|e| {
            SimError::new(format!(
                "the embedded {name} scenario is not valid YAML: {e}"
            ))
        })?;
        Ok(docs.into_iter().filter(Value::is_object).collect())
    };
    match scenario {
        Scenario::Showcase => parse("showcase", SHOWCASE_YAML),
        Scenario::Compliant => parse("compliant", COMPLIANT_YAML),
        Scenario::Large(p) => Ok(super::large::generate(p)),
        Scenario::Objects(objs) => Ok(objs.clone()),
    }
}

/// The simulated API server.
pub struct Sim;

impl Sim {
    /// Loads the scenario and serves it until [`SimHandle::shutdown`].
    pub async fn start(scenario: Scenario, opts: SimOptions) -> Result<SimHandle, SimError> {
        let mut objects = scenario_objects(&scenario)?;
        let start: jiff::Timestamp = DEMO_NOW.parse().expect("DEMO_NOW is a timestamp");
        let created = "2026-11-01T00:00:00Z";
        if opts.align_crds {
            resources::align_crds(&mut objects, opts.gateway_api, created);
        }
        let mut cluster = Cluster::new(objects, created, opts.gateway_api);
        cluster.set_event_cap(opts.event_cap);
        let seed = match &scenario {
            Scenario::Large(p) => p.seed ^ opts.seed,
            _ => opts.seed,
        };
        let traffic = Traffic::new(&cluster, seed, scenario == Scenario::Showcase, start);
        let listen = opts
            .listen
            .unwrap_or_else(|| SocketAddr::from(([127, 0, 0, 1], 0)));
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(|e| {
            SimError::new(format!(
                "cannot listen on {listen}: {e}. Pick another --listen address."
            ))
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| SimError::new(format!("cannot read the listening address: {e}")))?;
        let log_file = match &opts.request_log {
            Some(path) => Some(Mutex::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| {
                        SimError::new(format!(
                            "cannot open the request log {}: {e}",
                            path.display()
                        ))
                    })?,
            )),
            None => None,
        };
        let (rv_tx, _) = watch::channel(cluster.resource_version());
        let shared = Arc::new(Shared {
            world: Mutex::new(World { cluster, traffic }),
            rv_tx,
            faults: Mutex::new(Faults::new(opts.faults.clone())),
            faults_gen: watch::channel(0).0,
            rbac: Mutex::new(opts.rbac.clone()),
            requests: Mutex::new(RequestLog::new(opts.request_log_cap)),
            log_file,
            bookmark_interval: opts.bookmark_interval,
            addr,
            stopping: AtomicBool::new(false),
            bundle: opts.gateway_api,
            watch_list: opts.watch_list,
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(SimHandle {
            addr,
            shared,
            shutdown: Some(tx),
            task: Some(task),
        })
    }
}

/// A running simulator: its address, clock, faults and request log.
pub struct SimHandle {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl SimHandle {
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Advances the simulated clock (and the traffic model) by `d`.
    pub fn advance(&self, d: Duration) {
        let rv = {
            let mut w = lock(&self.shared.world);
            let World { cluster, traffic } = &mut *w;
            traffic.advance(d, cluster);
            cluster.resource_version()
        };
        self.shared.rv_tx.send_replace(rv);
    }

    /// Time elapsed on the simulated clock.
    pub fn elapsed(&self) -> Duration {
        lock(&self.shared.world).traffic.clock().elapsed
    }

    /// The simulated wall-clock time.
    pub fn now(&self) -> jiff::Timestamp {
        lock(&self.shared.world).traffic.now()
    }

    pub fn resource_version(&self) -> u64 {
        lock(&self.shared.world).cluster.resource_version()
    }

    pub fn set_faults(&self, faults: Vec<Fault>) {
        *lock(&self.shared.faults) = Faults::new(faults);
        self.shared.faults_gen.send_modify(|g| *g += 1);
    }

    pub fn add_fault(&self, fault: Fault) {
        lock(&self.shared.faults).push(fault);
        self.shared.faults_gen.send_modify(|g| *g += 1);
    }

    pub fn clear_faults(&self) {
        lock(&self.shared.faults).clear();
        self.shared.faults_gen.send_modify(|g| *g += 1);
    }

    pub fn set_rbac(&self, rbac: Option<Rbac>) {
        *lock(&self.shared.rbac) = rbac;
    }

    /// The requests answered so far, in order (the newest
    /// [`SimOptions::request_log_cap`] of them).
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.shared.requests).to_vec()
    }

    /// The Gateway API bundle this simulator serves.
    pub fn gateway_api(&self) -> GatewayApiBundle {
        self.shared.bundle
    }

    pub fn clear_requests(&self) {
        lock(&self.shared.requests).clear();
    }

    /// Every stored object, by `apiVersion/plural` (for determinism checks).
    pub fn dump(&self) -> Value {
        lock(&self.shared.world).cluster.dump()
    }

    /// Creates or replaces an object, as a controller in the cluster would
    /// (HTTP stays read-only); open watches see the change at whatever
    /// version they watch. Returns the new resourceVersion.
    pub fn apply(&self, mut obj: Value) -> Result<u64, String> {
        let (res, (ns, _)) = self.kind_of(&obj)?;
        if RESOURCES[res].namespaced {
            obj["metadata"]["namespace"] = json!(ns);
        }
        let rv = lock(&self.shared.world).cluster.upsert(res, obj);
        self.shared.rv_tx.send_replace(rv);
        Ok(rv)
    }

    /// Deletes the object `obj` names (apiVersion, kind, metadata);
    /// `Ok(None)` when there is none.
    pub fn delete(&self, obj: &Value) -> Result<Option<u64>, String> {
        let (res, (ns, name)) = self.kind_of(obj)?;
        let rv = lock(&self.shared.world).cluster.delete(res, &ns, &name);
        if let Some(rv) = rv {
            self.shared.rv_tx.send_replace(rv);
        }
        Ok(rv)
    }

    fn kind_of(&self, obj: &Value) -> Result<(usize, (String, String)), String> {
        let text = |p: &str| obj.pointer(p).and_then(Value::as_str).unwrap_or("");
        let (api_version, kind) = (text("/apiVersion"), text("/kind"));
        let res = resources::by_group_kind(crate::group_of(api_version), kind)
            .filter(|r| RESOURCES[*r].installed(self.shared.bundle))
            .ok_or_else(|| format!("{api_version} {kind} is not served"))?;
        let name = text("/metadata/name");
        if name.is_empty() {
            return Err("the object has no metadata.name".into());
        }
        let ns = if RESOURCES[res].namespaced {
            match text("/metadata/namespace") {
                "" => "default",
                ns => ns,
            }
        } else {
            ""
        };
        Ok((res, (ns.to_string(), name.to_string())))
    }

    /// The proxy pods the traffic model serves metrics for (namespace, name).
    pub fn proxy_pods(&self) -> Vec<(String, String)> {
        lock(&self.shared.world).traffic.proxy_pods()
    }

    /// The `/stats/prometheus` text of a proxy pod, as the pod proxy serves it.
    pub fn metrics_text(&self, ns: &str, pod: &str) -> Result<String, MetricsError> {
        lock(&self.shared.world).traffic.metrics_text(ns, pod)
    }

    /// A kubeconfig that points kubectl (or kube-rs) at this simulator.
    pub fn kubeconfig_yaml(&self) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: egscope-sim\n  cluster:\n    server: {}\n\
             contexts:\n- name: egscope-sim\n  context:\n    cluster: egscope-sim\n    user: egscope-sim\n    namespace: default\n\
             current-context: egscope-sim\nusers:\n- name: egscope-sim\n  user: {{}}\npreferences: {{}}\n",
            self.base_url()
        )
    }

    /// Stops serving and waits for the server task to end. Open watch
    /// streams are closed.
    pub async fn shutdown(mut self) {
        self.stop().await;
    }

    async fn stop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        // Wake watchers so that their streams notice the shutdown.
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared.rv_tx.send_modify(|_| {});
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.shared.rv_tx.send_modify(|_| {});
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}

// ---------------------------------------------------------------- responses

fn json_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

fn status_value(code: u16, reason: &str, message: &str, details: Option<Value>) -> Value {
    let mut v = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if let Some(d) = details {
        v["details"] = d;
    }
    v
}

fn status_response(code: u16, reason: &str, message: &str, details: Option<Value>) -> Response {
    json_response(
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        status_value(code, reason, message, details).to_string(),
    )
}

fn reason_for(code: u16) -> &'static str {
    match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        410 => "Expired",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "InternalError",
    }
}

fn not_found(group: &str, resource: &str, name: &str) -> Response {
    let what = if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    };
    let message = if name.is_empty() {
        "the server could not find the requested resource".to_string()
    } else {
        format!("{what} \"{name}\" not found")
    };
    status_response(
        404,
        "NotFound",
        &message,
        Some(json!({"name": name, "group": group, "kind": resource})),
    )
}

// ------------------------------------------------------------------ routing

#[derive(Debug)]
enum Target {
    Version,
    ApiVersions,
    ApiGroups,
    /// `/apis/GROUP`.
    Group {
        group: String,
    },
    GroupVersion {
        group: String,
        version: String,
    },
    Collection {
        res: usize,
        version: String,
        ns: Option<String>,
    },
    Object {
        res: usize,
        version: String,
        ns: Option<String>,
        name: String,
    },
    /// `pods/NAME/log`.
    Log {
        ns: String,
        pod: String,
    },
    Proxy {
        ns: String,
        /// The name segment as requested (`POD:PORT`), which RBAC sees.
        segment: String,
        pod: String,
        port: String,
        path: String,
    },
    /// A resource request for something not served (Secrets, a kind at a
    /// version its CRD does not serve, an unknown group): 404 after RBAC,
    /// as kube-apiserver authorizes before it routes.
    Unknown {
        group: String,
        resource: String,
        subresource: String,
        ns: Option<String>,
        name: Option<String>,
    },
    NotFound,
}

fn parse_target(bundle: GatewayApiBundle, path: &str) -> Target {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let segs: Vec<&str> = if segs == [""] { Vec::new() } else { segs };
    let (group, version, rest) = match segs.as_slice() {
        ["version"] => return Target::Version,
        ["api"] => return Target::ApiVersions,
        ["apis"] => return Target::ApiGroups,
        ["apis", g] => {
            return if resources::groups(bundle).iter().any(|(n, _)| n == g) {
                Target::Group {
                    group: g.to_string(),
                }
            } else {
                Target::NotFound
            };
        }
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Target::NotFound,
    };
    let gv_served = resources::served_version(bundle, group, version);
    if rest.is_empty() {
        return if gv_served {
            Target::GroupVersion {
                group: group.into(),
                version: version.into(),
            }
        } else {
            Target::NotFound
        };
    }
    let find = |plural: &str| resources::find_served(bundle, group, version, plural);
    let unknown =
        |plural: &str, ns: Option<&str>, name: Option<&str>, sub: &[&str]| Target::Unknown {
            group: group.to_string(),
            resource: plural.to_string(),
            subresource: sub.first().copied().unwrap_or("").to_string(),
            ns: ns.map(str::to_string),
            name: name.map(str::to_string),
        };
    let v = version.to_string();
    match rest {
        [plural] => match find(plural) {
            Some(res) => Target::Collection {
                res,
                version: v,
                ns: None,
            },
            None => unknown(plural, None, None, &[]),
        },
        [plural, name] => match find(plural) {
            Some(res) if !RESOURCES[res].namespaced => Target::Object {
                res,
                version: v,
                ns: None,
                name: name.to_string(),
            },
            Some(_) => Target::NotFound,
            None => unknown(plural, None, Some(name), &[]),
        },
        ["namespaces", ns, plural] => match find(plural) {
            Some(res) if RESOURCES[res].namespaced => Target::Collection {
                res,
                version: v,
                ns: Some(ns.to_string()),
            },
            Some(_) => Target::NotFound,
            None => unknown(plural, Some(ns), None, &[]),
        },
        ["namespaces", ns, plural, name] => match find(plural) {
            Some(res) if RESOURCES[res].namespaced => Target::Object {
                res,
                version: v,
                ns: Some(ns.to_string()),
                name: name.to_string(),
            },
            Some(_) => Target::NotFound,
            None => unknown(plural, Some(ns), Some(name), &[]),
        },
        ["namespaces", ns, "pods", name, "log"] if group.is_empty() && gv_served => Target::Log {
            ns: ns.to_string(),
            pod: name.to_string(),
        },
        ["namespaces", ns, "pods", name, "proxy", path @ ..] if group.is_empty() && gv_served => {
            let (pod, port) = name.split_once(':').unwrap_or((name, "80"));
            Target::Proxy {
                ns: ns.to_string(),
                segment: name.to_string(),
                pod: pod.to_string(),
                port: port.to_string(),
                path: path.join("/"),
            }
        }
        ["namespaces", ns, plural, name, sub, ..] if find(plural).is_none() => {
            unknown(plural, Some(ns), Some(name), &[sub])
        }
        _ => Target::NotFound,
    }
}

fn query_params(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

fn param<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

fn truthy(v: Option<&str>) -> bool {
    matches!(v, Some("1" | "true" | "True"))
}

/// The object a list or watch names with `fieldSelector=metadata.name=X`:
/// RequestInfo takes it as the request's name, so RBAC resourceNames and
/// 403 messages see it.
fn selected_name(q: &[(String, String)]) -> Option<String> {
    let sel = param(q, "fieldSelector")?;
    sel.split(',').find_map(|term| {
        let term = term.trim();
        term.strip_prefix("metadata.name==")
            .or(term.strip_prefix("metadata.name="))
            .map(str::to_string)
    })
}

async fn handle(State(s): State<Arc<Shared>>, req: Request) -> Response {
    let method = req.method().clone();
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let path_q = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "/".into());
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let resp = if method != Method::GET {
        status_response(
            405,
            "MethodNotAllowed",
            &format!("the simulator is read-only: {method} is not allowed"),
            None,
        )
    } else {
        route(&s, req.uri().path(), req.uri().query(), &accept).await
    };
    let record = RequestRecord {
        method: method.to_string(),
        path: path_q,
        status: resp.status().as_u16(),
        user_agent,
    };
    if let Some(file) = &s.log_file
        && let Ok(line) = serde_json::to_string(&record)
    {
        let mut f = lock(file);
        let _ = writeln!(f, "{line}");
        let _ = f.flush();
    }
    lock(&s.requests).push(record);
    resp
}

/// What kube-aggregator answers for an APIService whose backend is down:
/// `proxyError(w, req, "service unavailable", http.StatusServiceUnavailable)`,
/// which is Go's `http.Error`: a plain-text body, no Status object and no
/// Retry-After (k8s.io/kube-aggregator/pkg/apiserver/handler_proxy.go,
/// `proxyHandler.ServeHTTP`). Clients make the Status themselves: client-go
/// turns a bare 503 into "the server is currently unable to handle the
/// request" (k8s.io/apimachinery/pkg/api/errors, `NewGenericServerResponse`).
fn aggregator_error(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let text = if status == StatusCode::SERVICE_UNAVAILABLE {
        "service unavailable".to_string()
    } else {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    };
    let mut r = (status, format!("{text}\n")).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// Applies the delays among `faults` and answers the first status fault,
/// if any (an `apiservice:` one as kube-aggregator does).
async fn apply_faults(
    faults: &[(FaultKind, bool)],
    what: &str,
    details: Option<Value>,
) -> Option<Response> {
    for (f, _) in faults {
        if let FaultKind::Delay(d) = f {
            tokio::time::sleep(*d).await;
        }
    }
    faults.iter().find_map(|(f, aggregated)| match f {
        FaultKind::Status(code) if *aggregated => Some(aggregator_error(*code)),
        FaultKind::Status(code) => Some(status_response(
            *code,
            reason_for(*code),
            &format!("injected fault: {what} answers {code}"),
            details.clone(),
        )),
        _ => None,
    })
}

async fn route(s: &Arc<Shared>, path: &str, query: Option<&str>, accept: &str) -> Response {
    let q = query_params(query);
    let bundle = s.bundle;
    let target = parse_target(bundle, path);
    let watching = truthy(param(&q, "watch"));
    let list_verb = if watching { "watch" } else { "list" };
    let field_name = selected_name(&q);
    let field_name = field_name.as_deref().unwrap_or("");
    // The request as RBAC sees it.
    let access: Option<Access> = match &target {
        Target::Collection { res, ns, .. } => Some(Access {
            verb: list_verb,
            group: RESOURCES[*res].group,
            resource: RESOURCES[*res].plural,
            subresource: "",
            namespace: ns.as_deref().unwrap_or(""),
            name: field_name,
        }),
        Target::Object { res, ns, name, .. } => {
            let def = &RESOURCES[*res];
            Some(Access {
                verb: "get",
                group: def.group,
                resource: def.plural,
                subresource: "",
                // GET /api/v1/namespaces/NAME is inside namespace NAME
                // (requestinfo.go takes the segment after `namespaces/`).
                namespace: if def.kind == "Namespace" {
                    name.as_str()
                } else {
                    ns.as_deref().unwrap_or("")
                },
                name: name.as_str(),
            })
        }
        Target::Log { ns, pod } => Some(Access {
            verb: "get",
            group: "",
            resource: "pods",
            subresource: "log",
            namespace: ns.as_str(),
            name: pod.as_str(),
        }),
        Target::Proxy { ns, segment, .. } => Some(Access {
            verb: "get",
            group: "",
            resource: "pods",
            subresource: "proxy",
            namespace: ns.as_str(),
            name: segment.as_str(),
        }),
        Target::Unknown {
            group,
            resource,
            subresource,
            ns,
            name,
        } => Some(Access {
            verb: if name.is_some() { "get" } else { list_verb },
            group: group.as_str(),
            resource: resource.as_str(),
            subresource: subresource.as_str(),
            namespace: ns.as_deref().unwrap_or(""),
            name: name.as_deref().unwrap_or(field_name),
        }),
        _ => None,
    };
    if let Some(a) = &access {
        let denied = lock(&s.rbac)
            .as_ref()
            .and_then(|r| (!r.authorize(a)).then(|| r.forbidden(a)));
        if let Some(status) = denied {
            return json_response(StatusCode::FORBIDDEN, status.to_string());
        }
    }
    // Faults: discovery paths and resource requests.
    let point = match &target {
        Target::ApiGroups => Some(FaultPoint::Discovery {
            group: None,
            version: None,
        }),
        Target::Group { group } => Some(FaultPoint::Discovery {
            group: Some(group.as_str()),
            version: None,
        }),
        Target::GroupVersion { group, version } => Some(FaultPoint::Discovery {
            group: Some(group.as_str()),
            version: Some(version.as_str()),
        }),
        _ => None,
    };
    let combined = access.as_ref().map(|a| {
        if a.subresource.is_empty() {
            a.resource.to_string()
        } else {
            format!("{}/{}", a.resource, a.subresource)
        }
    });
    let point = point.or_else(|| {
        Some(FaultPoint::Resource {
            group: access.as_ref()?.group,
            resource: combined.as_deref()?,
        })
    });
    let send_initial = truthy(param(&q, "sendInitialEvents"));
    let shape = RequestShape {
        watch: watching,
        resume: !send_initial
            && param(&q, "resourceVersion").is_some_and(|v| !v.is_empty() && v != "0"),
        continued: param(&q, "continue").is_some_and(|c| !c.is_empty()),
    };
    let mut faults: Vec<FaultKind> = Vec::new();
    if let Some(point) = &point {
        let taken = lock(&s.faults).take_marked(point, shape);
        let (what, details) = match point {
            FaultPoint::Resource { group, resource } => (
                resource.to_string(),
                Some(json!({"group": group, "kind": resource})),
            ),
            FaultPoint::Discovery { .. } => (path.to_string(), None),
        };
        if let Some(r) = apply_faults(&taken, &what, details).await {
            return r;
        }
        faults = taken.into_iter().map(|(k, _)| k).collect();
    }
    match target {
        Target::Version => json_response(
            StatusCode::OK,
            json!({
                "major": "1", "minor": "32", "gitVersion": "v1.32.4-egscope-sim",
                "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
                "buildDate": "2026-11-01T00:00:00Z", "goVersion": "go1.23.8",
                "compiler": "gc", "platform": "linux/amd64"
            })
            .to_string(),
        ),
        Target::ApiVersions => json_response(
            StatusCode::OK,
            json!({"kind": "APIVersions", "versions": ["v1"],
                   "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": s.addr.to_string()}]})
            .to_string(),
        ),
        Target::ApiGroups => {
            let groups: Vec<Value> = resources::groups(bundle)
                .into_iter()
                .map(|(g, versions)| api_group(g, &versions))
                .collect();
            json_response(
                StatusCode::OK,
                json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}).to_string(),
            )
        }
        Target::Group { group } => {
            let versions = resources::group_versions(bundle, &group);
            let mut g = api_group(&group, &versions);
            g["kind"] = json!("APIGroup");
            g["apiVersion"] = json!("v1");
            json_response(StatusCode::OK, g.to_string())
        }
        Target::GroupVersion { group, version } => {
            let mut list: Vec<Value> = Vec::new();
            for r in RESOURCES
                .iter()
                .filter(|r| r.group == group && r.serves(bundle, &version))
            {
                let mut v = json!({
                    "name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
                    "kind": r.kind, "verbs": r.verbs(),
                });
                if !r.short_names.is_empty() {
                    v["shortNames"] = json!(r.short_names);
                }
                if !r.categories.is_empty() {
                    v["categories"] = json!(r.categories);
                }
                list.push(v);
                // CRDs with a status subresource list it
                // (customresource_discovery_controller.go).
                if r.status {
                    list.push(json!({
                        "name": format!("{}/status", r.plural), "singularName": "",
                        "namespaced": r.namespaced, "kind": r.kind, "verbs": ["get"],
                    }));
                }
            }
            let gv = if group.is_empty() {
                version.clone()
            } else {
                format!("{group}/{version}")
            };
            json_response(
                StatusCode::OK,
                json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list})
                    .to_string(),
            )
        }
        Target::Collection { res, version, ns } => {
            let label = match LabelSelector::parse(param(&q, "labelSelector").unwrap_or("")) {
                Ok(l) => l,
                Err(e) => return status_response(400, "BadRequest", &e, None),
            };
            let field = match FieldSelector::parse(param(&q, "fieldSelector").unwrap_or("")) {
                Ok(f) => f,
                Err(e) => return status_response(400, "BadRequest", &e, None),
            };
            let filter = Filter { ns, label, field };
            let table = accept.contains("as=Table");
            if let Some(refused) = invalid_list_options(&q, watching, s.watch_list) {
                return refused;
            }
            if watching {
                if !RESOURCES[res].stored {
                    return status_response(
                        405,
                        "MethodNotAllowed",
                        "the server does not allow this method on the requested resource",
                        None,
                    );
                }
                let watch_point = (RESOURCES[res].group, RESOURCES[res].plural, shape);
                return watch_response(s, res, version, filter, &q, table, &faults, watch_point);
            }
            if shape.continued && faults.contains(&FaultKind::ContinueExpired) {
                return continue_expired();
            }
            list_response(s, res, &version, &filter, &q, table)
        }
        Target::Object {
            res,
            version,
            ns,
            name,
        } => {
            let def = &RESOURCES[res];
            let obj = {
                let w = lock(&s.world);
                if def.stored {
                    w.cluster.get(res, ns.as_deref().unwrap_or(""), &name)
                } else {
                    w.cluster
                        .get(resources::pods(), ns.as_deref().unwrap_or(""), &name)
                        .map(|p| Arc::new(pod_metrics(&w, &p)))
                }
            };
            let obj = obj.map(|o| at_version(o, def, &version));
            match obj {
                Some(o) if accept.contains("as=Table") => {
                    let now = lock(&s.world).traffic.now();
                    json_response(
                        StatusCode::OK,
                        table_json(def, &[o], &now, include_object(&q), true, "").to_string(),
                    )
                }
                Some(o) => json_response(StatusCode::OK, o.to_string()),
                None => not_found(def.group, def.plural, &name),
            }
        }
        Target::Proxy {
            ns,
            pod,
            port,
            path,
            ..
        } => {
            let w = lock(&s.world);
            if w.cluster.get(resources::pods(), &ns, &pod).is_none() {
                return not_found("", "pods", &pod);
            }
            if port != "19001" || path != "stats/prometheus" {
                return (StatusCode::NOT_FOUND, "404 page not found\n").into_response();
            }
            match w.traffic.metrics_text(&ns, &pod) {
                Ok(text) => {
                    let mut r = (StatusCode::OK, text).into_response();
                    r.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
                    );
                    r
                }
                Err(MetricsError::NotFound) => {
                    (StatusCode::NOT_FOUND, "404 page not found\n").into_response()
                }
                Err(MetricsError::Disabled) => status_response(
                    503,
                    "ServiceUnavailable",
                    &format!(
                        "error trying to reach service: dial tcp {pod}:19001: connect: connection refused"
                    ),
                    None,
                ),
            }
        }
        Target::Log { ns, pod } => {
            let Some(p) = lock(&s.world).cluster.get(resources::pods(), &ns, &pod) else {
                return not_found("", "pods", &pod);
            };
            let tail = param(&q, "tailLines").and_then(|t| t.parse().ok());
            match super::logs::pod_log(
                &p,
                param(&q, "container"),
                truthy(param(&q, "previous")),
                tail,
                lock(&s.world).traffic.clock().elapsed,
            ) {
                Ok(text) => {
                    let mut r = (StatusCode::OK, text).into_response();
                    r.headers_mut().insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("text/plain"),
                    );
                    r
                }
                Err((code, message)) => status_response(code, reason_for(code), &message, None),
            }
        }
        Target::Unknown { .. } | Target::NotFound => status_response(
            404,
            "NotFound",
            "the server could not find the requested resource",
            None,
        ),
    }
}

/// An APIGroup (as `/apis` lists it and `/apis/GROUP` answers it): the
/// versions in priority order, the first preferred.
fn api_group(group: &str, versions: &[&str]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    let preferred = vs.first().cloned().unwrap_or(Value::Null);
    json!({"name": group, "versions": vs, "preferredVersion": preferred})
}

/// kube-apiserver's validation of `sendInitialEvents` and
/// `resourceVersionMatch` (k8s.io/apimachinery/pkg/apis/meta/internalversion/
/// validation/validation.go, `ValidateListOptions`/`validateWatchOptions`):
/// a 422 Invalid naming the first offending field. `watch_list`: whether the
/// WatchList feature gate is on.
fn invalid_list_options(
    q: &[(String, String)],
    watching: bool,
    watch_list: bool,
) -> Option<Response> {
    let send_initial = param(q, "sendInitialEvents").is_some();
    let matching = param(q, "resourceVersionMatch").unwrap_or("");
    let (field, detail) = if !watching {
        if !send_initial {
            return None;
        }
        (
            "sendInitialEvents",
            "sendInitialEvents is forbidden for list",
        )
    } else if send_initial && matching != "NotOlderThan" {
        (
            "resourceVersionMatch",
            "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
        )
    } else if send_initial && !watch_list {
        (
            "sendInitialEvents",
            "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
        )
    } else if !matching.is_empty() && !send_initial {
        (
            "resourceVersionMatch",
            "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
        )
    } else {
        return None;
    };
    let message = format!("ListOptions.meta.k8s.io \"\" is invalid: {field}: Forbidden: {detail}");
    let details = json!({"group": "meta.k8s.io", "kind": "ListOptions", "causes": [
        {"reason": "FieldValueForbidden", "message": format!("Forbidden: {detail}"), "field": field}
    ]});
    Some(status_response(422, "Invalid", &message, Some(details)))
}

/// kube-apiserver's answer to a list whose continue token points at a
/// compacted revision: 410 with reason Expired and `continueExpired`
/// (k8s.io/apiserver/pkg/storage/etcd3/errors.go; the Status is
/// `errors.NewResourceExpired`).
fn continue_expired() -> Response {
    status_response(
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. \
         You can start a new list without the continue parameter.",
        None,
    )
}

/// An object as served at `version`: the same object, its `apiVersion`
/// rewritten (CRD conversion strategy None changes nothing else).
fn at_version(obj: Arc<Value>, def: &ResourceDef, version: &str) -> Arc<Value> {
    let want = def.api_version(version);
    if obj.get("apiVersion").and_then(Value::as_str) == Some(want.as_str()) {
        return obj;
    }
    let mut o = (*obj).clone();
    o["apiVersion"] = json!(want);
    Arc::new(o)
}

struct Filter {
    ns: Option<String>,
    label: LabelSelector,
    field: FieldSelector,
}

impl Filter {
    fn matches(&self, obj: &Value) -> bool {
        if let Some(ns) = &self.ns
            && obj.pointer("/metadata/namespace").and_then(Value::as_str) != Some(ns.as_str())
        {
            return false;
        }
        self.label.matches(obj) && self.field.matches(obj)
    }
}

fn include_object(q: &[(String, String)]) -> &str {
    param(q, "includeObject").unwrap_or("Metadata")
}

fn pod_metrics(w: &World, pod: &Value) -> Value {
    let ns = pod
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    let name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let (cpu, mem) = w.traffic.pod_usage(ns, name);
    let now = w.traffic.now().to_string();
    let containers: Vec<Value> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| {
            // The first container does the work; sidecars idle.
            let (c_cpu, c_mem) = if i == 0 {
                (cpu, mem)
            } else {
                (1.0, 12.0 * 1048576.0)
            };
            json!({"name": c.get("name").cloned().unwrap_or(Value::Null),
                   "usage": {"cpu": format!("{}n", (c_cpu * 1e6).round() as u64),
                             "memory": format!("{}Ki", (c_mem / 1024.0).round() as u64)}})
        })
        .collect();
    json!({
        "kind": "PodMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {
            "name": name, "namespace": ns, "creationTimestamp": now,
            "labels": pod.pointer("/metadata/labels").cloned().unwrap_or(json!({})),
        },
        "timestamp": now,
        "window": "15s",
        "containers": containers,
    })
}

fn continue_token(ns: &str, name: &str) -> String {
    format!("{ns}\u{1}{name}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn parse_continue(token: &str) -> Option<(String, String)> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (ns, name) = text.split_once('\u{1}')?;
    Some((ns.to_string(), name.to_string()))
}

fn list_response(
    s: &Arc<Shared>,
    res: usize,
    version: &str,
    filter: &Filter,
    q: &[(String, String)],
    table: bool,
) -> Response {
    let def = &RESOURCES[res];
    let limit: usize = param(q, "limit").and_then(|l| l.parse().ok()).unwrap_or(0);
    let after = match param(q, "continue").filter(|c| !c.is_empty()) {
        Some(token) => match parse_continue(token) {
            Some(k) => Some(k),
            None => {
                return status_response(
                    400,
                    "BadRequest",
                    "continue key is not valid: the token is malformed",
                    None,
                );
            }
        },
        None => None,
    };
    let (items, rv, more, now) = {
        let w = lock(&s.world);
        let rv = w.cluster.resource_version();
        let src = if def.stored { res } else { resources::pods() };
        let mut items: Vec<Arc<Value>> = Vec::new();
        let mut more = 0usize;
        let mut last_key: Option<(String, String)> = None;
        for (key, obj) in w.cluster.list(src) {
            if let Some(a) = &after
                && key <= a
            {
                continue;
            }
            let obj = if def.stored {
                at_version(obj.clone(), def, version)
            } else {
                Arc::new(pod_metrics(&w, obj))
            };
            if !filter.matches(&obj) {
                continue;
            }
            if limit > 0 && items.len() >= limit {
                more += 1;
                continue;
            }
            last_key = Some(key.clone());
            items.push(obj);
        }
        let token = (more > 0)
            .then(|| last_key.map(|(ns, name)| (continue_token(&ns, &name), more)))
            .flatten();
        (items, rv, token, w.traffic.now())
    };
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if let Some((token, remaining)) = &more {
        meta["continue"] = json!(token);
        meta["remainingItemCount"] = json!(remaining);
    }
    if table {
        let mut t = table_json(def, &items, &now, include_object(q), true, "");
        t["metadata"] = meta;
        return json_response(StatusCode::OK, t.to_string());
    }
    // Written by hand: the large scenario's lists are tens of megabytes.
    let mut body = String::with_capacity(items.len() * 2048 + 256);
    body.push_str("{\"kind\":");
    body.push_str(&json!(format!("{}List", def.kind)).to_string());
    body.push_str(",\"apiVersion\":");
    body.push_str(&json!(def.api_version(version)).to_string());
    body.push_str(",\"metadata\":");
    body.push_str(&meta.to_string());
    body.push_str(",\"items\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&item.to_string());
    }
    body.push_str("]}");
    json_response(StatusCode::OK, body)
}

// -------------------------------------------------------------------- table

fn age(created: Option<&str>, now: &jiff::Timestamp) -> String {
    let Some(t) = created.and_then(|c| c.parse::<jiff::Timestamp>().ok()) else {
        return "<unknown>".into();
    };
    let secs = (now.as_second() - t.as_second()).max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 3 * 3600 => format!("{}m", s / 60),
        s if s < 48 * 3600 => format!("{}h", s / 3600),
        s if s < 365 * 86400 => format!("{}d", s / 86400),
        s => format!("{}y{}d", s / (365 * 86400), (s % (365 * 86400)) / 86400),
    }
}

fn condition_status(obj: &Value, ty: &str) -> String {
    obj.pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some(ty))
        })
        .and_then(|c| c.get("status").and_then(Value::as_str))
        .unwrap_or("Unknown")
        .to_string()
}

/// Extra columns per kind (kubectl-like), between NAME and AGE.
fn columns(def: &ResourceDef) -> Vec<&'static str> {
    match def.kind {
        "Pod" => vec!["Ready", "Status", "Restarts"],
        "Deployment" => vec!["Ready", "Up-to-date", "Available"],
        "Gateway" => vec!["Class", "Address", "Programmed"],
        "GatewayClass" => vec!["Controller", "Accepted"],
        "HTTPRoute" | "GRPCRoute" => vec!["Hostnames"],
        "HorizontalPodAutoscaler" => vec!["Reference", "MinPods", "MaxPods", "Replicas"],
        "Service" => vec!["Type", "Cluster-IP"],
        _ => vec![],
    }
}

fn cells(def: &ResourceDef, o: &Value) -> Vec<Value> {
    let t = |p: &str| o.pointer(p).cloned().unwrap_or(json!(""));
    let n = |p: &str| o.pointer(p).and_then(Value::as_u64).unwrap_or(0);
    match def.kind {
        "Pod" => {
            let cs = o
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let ready = cs
                .iter()
                .filter(|c| c.get("ready").and_then(Value::as_bool) == Some(true))
                .count();
            let restarts: u64 = cs
                .iter()
                .filter_map(|c| c.get("restartCount").and_then(Value::as_u64))
                .sum();
            vec![
                json!(format!("{ready}/{}", cs.len())),
                t("/status/phase"),
                json!(restarts),
            ]
        }
        "Deployment" => vec![
            json!(format!(
                "{}/{}",
                n("/status/readyReplicas"),
                n("/spec/replicas")
            )),
            json!(n("/status/updatedReplicas")),
            json!(n("/status/availableReplicas")),
        ],
        "Gateway" => vec![
            t("/spec/gatewayClassName"),
            t("/status/addresses/0/value"),
            json!(condition_status(o, "Programmed")),
        ],
        "GatewayClass" => vec![
            t("/spec/controllerName"),
            json!(condition_status(o, "Accepted")),
        ],
        "HTTPRoute" | "GRPCRoute" => {
            let hosts: Vec<String> = o
                .pointer("/spec/hostnames")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|h| h.as_str().map(str::to_string))
                .collect();
            vec![json!(hosts.join(","))]
        }
        "HorizontalPodAutoscaler" => vec![
            json!(format!(
                "{}/{}",
                o.pointer("/spec/scaleTargetRef/kind")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                o.pointer("/spec/scaleTargetRef/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            )),
            json!(n("/spec/minReplicas")),
            json!(n("/spec/maxReplicas")),
            json!(n("/status/currentReplicas")),
        ],
        "Service" => vec![t("/spec/type"), t("/spec/clusterIP")],
        _ => vec![],
    }
}

fn table_json(
    def: &ResourceDef,
    items: &[Arc<Value>],
    now: &jiff::Timestamp,
    include: &str,
    headers: bool,
    rv: &str,
) -> Value {
    let mut cols = vec![json!({"name": "Name", "type": "string", "format": "name",
                               "description": "Name must be unique within a namespace.", "priority": 0})];
    for c in columns(def) {
        cols.push(
            json!({"name": c, "type": "string", "format": "", "description": "", "priority": 0}),
        );
    }
    cols.push(json!({"name": "Age", "type": "string", "format": "",
                     "description": "CreationTimestamp is a timestamp representing the server time when this object was created.",
                     "priority": 0}));
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let mut row_cells = vec![o.pointer("/metadata/name").cloned().unwrap_or(json!(""))];
            row_cells.extend(cells(def, o));
            row_cells.push(json!(age(
                o.pointer("/metadata/creationTimestamp")
                    .and_then(Value::as_str),
                now
            )));
            let mut row = json!({"cells": row_cells});
            match include {
                "None" => {}
                "Object" => row["object"] = (**o).clone(),
                _ => {
                    row["object"] = json!({
                        "kind": "PartialObjectMetadata",
                        "apiVersion": "meta.k8s.io/v1",
                        "metadata": o.get("metadata").cloned().unwrap_or(json!({})),
                    })
                }
            }
            row
        })
        .collect();
    let mut t = json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": rv},
        "rows": rows,
    });
    if headers {
        t["columnDefinitions"] = json!(cols);
    } else {
        t["columnDefinitions"] = Value::Null;
    }
    t
}

// -------------------------------------------------------------------- watch

/// When a drop fault ends a watch, and whether it cuts the connection
/// (true) or ends the body as kube-apiserver ends a watch (false).
fn drop_after_of(faults: &[FaultKind]) -> Option<(Duration, bool)> {
    faults.iter().find_map(|f| match f {
        FaultKind::DropAfter(d) => Some((*d, false)),
        FaultKind::CutAfter(d) => Some((*d, true)),
        _ => None,
    })
}

/// The error that makes hyper abort the response: the connection closes
/// without the chunked encoding's terminating chunk.
fn cut() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        "injected fault: watch connection cut",
    )
}

/// Where an open watch re-reads the faults when they change.
type WatchPoint = (&'static str, &'static str, RequestShape);

#[allow(clippy::too_many_arguments)]
fn watch_response(
    s: &Arc<Shared>,
    res: usize,
    version: String,
    filter: Filter,
    q: &[(String, String)],
    table: bool,
    faults: &[FaultKind],
    (group, plural, shape): WatchPoint,
) -> Response {
    let def = RESOURCES[res];
    let api_version = def.api_version(&version);
    let rv_param = param(q, "resourceVersion")
        .filter(|v| !v.is_empty())
        .map(str::to_string);
    let bookmarks = truthy(param(q, "allowWatchBookmarks"));
    let send_initial = truthy(param(q, "sendInitialEvents"));
    let timeout = param(q, "timeoutSeconds")
        .and_then(|t| t.parse::<u64>().ok())
        .map(Duration::from_secs);
    let include = include_object(q).to_string();
    let (drop_events, cut_events) = faults
        .iter()
        .find_map(|f| match f {
            FaultKind::DropAfterEvents(n) => Some((Some(*n), false)),
            FaultKind::CutAfterEvents(n) => Some((Some(*n), true)),
            _ => None,
        })
        .unwrap_or((None, false));
    let drop_after = drop_after_of(faults);
    let gone_on_resume = faults.contains(&FaultKind::GoneOnResume);
    let resume_from: Option<u64> = match rv_param.as_deref() {
        None | Some("0") => None,
        Some(v) if send_initial => {
            let _ = v;
            None
        }
        Some(v) => match v.parse() {
            Ok(n) => Some(n),
            Err(_) => {
                return status_response(
                    400,
                    "BadRequest",
                    &format!("invalid resource version {v:?}"),
                    None,
                );
            }
        },
    };
    let shared = s.clone();
    let mut rv_rx = s.rv_tx.subscribe();
    let mut faults_rx = s.faults_gen.subscribe();
    faults_rx.mark_unchanged();
    let bookmark_interval = s.bookmark_interval;

    let served_as = api_version.clone();
    let encode = move |ty: &str, obj: &Value, first: &mut bool, now: &jiff::Timestamp| -> String {
        // Events carry the object as served at the watched version.
        let mut object = obj.clone();
        object["apiVersion"] = json!(served_as);
        if table {
            let rv = obj
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            object = table_json(&def, &[Arc::new(object)], now, &include, *first, &rv);
            *first = false;
        }
        let mut line = json!({"type": ty, "object": object}).to_string();
        line.push('\n');
        line
    };

    let stream = async_stream::stream! {
        let started = tokio::time::Instant::now();
        // The watch's own timeout ends it cleanly; a drop fault may cut it.
        let deadline = timeout.map(|d| started + d);
        let mut drop_at = drop_after.map(|(d, cut)| (started + d, cut));
        let mut first = true;
        let mut sent = 0usize;
        let mut next_bookmark = started + bookmark_interval;
        // Initial state or the resume point.
        let (mut last, initial, gone) = {
            let w = lock(&shared.world);
            let now = w.traffic.now();
            match resume_from {
                None => {
                    let rv = w.cluster.resource_version();
                    let objs: Vec<Arc<Value>> = w
                        .cluster
                        .list(res)
                        .map(|(_, o)| o.clone())
                        .filter(|o| filter.matches(o))
                        .collect();
                    let lines: Vec<String> = objs
                        .iter()
                        .map(|o| encode("ADDED", o, &mut first, &now))
                        .collect();
                    (rv, lines, None)
                }
                Some(from) if gone_on_resume => (from, Vec::new(), Some(from)),
                Some(from) => match w.cluster.events_since(res, from) {
                    Ok(_) => (from, Vec::new(), None),
                    Err(g) => (from, Vec::new(), Some(g.oldest)),
                },
            }
        };
        if let Some(oldest) = gone {
            let msg = format!("too old resource version: {last} ({oldest})");
            let st = status_value(410, "Expired", &msg, None);
            yield Ok::<String, std::io::Error>(format!("{}\n", json!({"type": "ERROR", "object": st})));
            return;
        }
        for line in initial {
            sent += 1;
            yield Ok(line);
            if drop_events.is_some_and(|n| sent >= n) {
                if cut_events {
                    // Let hyper flush what was written first: bytes sent before a
                    // cut reach the client.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    yield Err(cut());
                }
                return;
            }
        }
        if send_initial && bookmarks {
            let bm = json!({"kind": def.kind, "apiVersion": api_version,
                            "metadata": {"resourceVersion": last.to_string(),
                                         "annotations": {"k8s.io/initial-events-end": "true"}}});
            yield Ok(format!("{}\n", json!({"type": "BOOKMARK", "object": bm})));
        }
        loop {
            // Drain what happened since `last`.
            let (lines, synced, ended) = {
                let w = lock(&shared.world);
                let now = w.traffic.now();
                match w.cluster.events_since(res, last) {
                    Ok(evs) => {
                        let mut lines = Vec::new();
                        for e in evs {
                            if filter.matches(&e.object) {
                                lines.push(encode(e.kind.as_str(), &e.object, &mut first, &now));
                            }
                        }
                        (lines, w.cluster.resource_version(), false)
                    }
                    Err(_) => (Vec::new(), last, true),
                }
            };
            if ended {
                let st = status_value(410, "Expired", "too old resource version", None);
                yield Ok(format!("{}\n", json!({"type": "ERROR", "object": st})));
                return;
            }
            last = synced;
            for line in lines {
                sent += 1;
                yield Ok(line);
                if drop_events.is_some_and(|n| sent >= n) {
                    if cut_events {
                        // Let hyper flush what was written first: bytes sent before a
                        // cut reach the client.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        yield Err(cut());
                    }
                    return;
                }
            }
            if shared.stopping.load(Ordering::SeqCst) {
                return;
            }
            let now = tokio::time::Instant::now();
            if bookmarks && now >= next_bookmark {
                next_bookmark = now + bookmark_interval;
                let bm = json!({"kind": def.kind, "apiVersion": api_version,
                                "metadata": {"resourceVersion": last.to_string()}});
                yield Ok(format!("{}\n", json!({"type": "BOOKMARK", "object": bm})));
            }
            let wake = if bookmarks { Some(next_bookmark) } else { None };
            let until = [wake, deadline, drop_at.map(|(t, _)| t)].into_iter().flatten().min();
            // Ok(true): the faults changed; Ok(false): the store did.
            let woke = async {
                tokio::select! {
                    r = rv_rx.changed() => r.map(|_| false),
                    r = faults_rx.changed() => r.map(|_| true),
                }
            };
            let changed = match until {
                Some(t) => tokio::time::timeout_at(t, woke).await.ok(),
                None => Some(woke.await),
            };
            if matches!(changed, Some(Err(_))) || shared.stopping.load(Ordering::SeqCst) {
                return;
            }
            if matches!(changed, Some(Ok(true))) {
                let now_faults: Vec<FaultKind> = lock(&shared.faults).peek(
                    &FaultPoint::Resource {
                        group,
                        resource: plural,
                    },
                    shape,
                );
                if let Some((d, cut)) = drop_after_of(&now_faults) {
                    let end = tokio::time::Instant::now() + d;
                    if drop_at.is_none_or(|(old, _)| end < old) {
                        drop_at = Some((end, cut));
                    }
                }
            }
            let now = tokio::time::Instant::now();
            if let Some((at, cut_it)) = drop_at && now >= at {
                if cut_it {
                    // Let hyper flush what was written first: bytes sent before a
                    // cut reach the client.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    yield Err(cut());
                }
                return;
            }
            if deadline.is_some_and(|d| now >= d) {
                return;
            }
        }
    };
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        use GatewayApiBundle::{V1_4, V1_6};
        let t = |p: &str| parse_target(V1_4, p);
        assert!(matches!(
            t("/api/v1/pods"),
            Target::Collection { ns: None, .. }
        ));
        assert!(matches!(
            t("/api/v1/namespaces/default"),
            Target::Object { .. }
        ));
        assert!(matches!(
            t("/apis/gateway.networking.k8s.io/v1/namespaces/x/gateways/g"),
            Target::Object { .. }
        ));
        assert!(matches!(
            t("/apis/gateway.networking.k8s.io/v1beta1/namespaces/x/gateways/g"),
            Target::Object { version, .. } if version == "v1beta1"
        ));
        assert!(matches!(
            t("/api/v1/namespaces/x/pods/p:19001/proxy/stats/prometheus"),
            Target::Proxy { segment, .. } if segment == "p:19001"
        ));
        assert!(matches!(t("/api/v1/secrets"), Target::Unknown { .. }));
        assert!(matches!(
            t("/api/v1/namespaces/x/secrets/s"),
            Target::Unknown {
                ns: Some(_),
                name: Some(_),
                ..
            }
        ));
        // Authorized first, then 404, like any resource request.
        assert!(matches!(t("/apis/nope/v1/things"), Target::Unknown { .. }));
        assert!(matches!(t("/apis/nope/v1"), Target::NotFound));
        assert!(matches!(t("/apis/nope"), Target::NotFound));
        assert!(matches!(
            t("/apis/gateway.networking.k8s.io"),
            Target::Group { .. }
        ));
        // TCPRoute is only at v1alpha2 with v1.4, also at v1 with v1.6.
        assert!(matches!(
            t("/apis/gateway.networking.k8s.io/v1/tcproutes"),
            Target::Unknown { .. }
        ));
        assert!(matches!(
            t("/apis/gateway.networking.k8s.io/v1alpha2/tcproutes"),
            Target::Collection { .. }
        ));
        assert!(matches!(
            parse_target(V1_6, "/apis/gateway.networking.k8s.io/v1/tcproutes"),
            Target::Collection { .. }
        ));
        assert!(matches!(
            parse_target(
                V1_6,
                "/apis/gateway.networking.x-k8s.io/v1alpha1/xlistenersets"
            ),
            Target::Unknown { .. }
        ));
    }

    #[test]
    fn request_log_keeps_the_newest() {
        let mut log = RequestLog::new(3);
        for i in 0..5u16 {
            log.push(RequestRecord {
                method: "GET".into(),
                path: format!("/{i}"),
                status: 200 + i,
                user_agent: String::new(),
            });
        }
        let paths: Vec<String> = log.to_vec().into_iter().map(|r| r.path).collect();
        assert_eq!(paths, ["/2", "/3", "/4"]);
        assert_eq!(DEFAULT_REQUEST_LOG_CAP, 100_000);
    }

    #[test]
    fn continue_tokens_round_trip() {
        let t = continue_token("ns", "a-b");
        assert_eq!(parse_continue(&t), Some(("ns".into(), "a-b".into())));
        assert_eq!(parse_continue("zz"), None);
    }
}
