//! The HTTP side of the simulator: a read-only Kubernetes API server on
//! loopback (discovery, list, get, watch, pod proxy, PodMetrics), with
//! fault injection, RBAC enforcement and a request log.
//!
//! By concern: [`target`] routes a path, [`gate`] applies RBAC and the
//! injected faults, [`discovery`], [`list`] (list and get), [`watches`] and
//! [`pods`] (proxy, log, PodMetrics) answer, [`table`] writes kubectl's
//! Tables, [`status`] the errors, [`request_log`] keeps the newest requests.

mod discovery;
mod gate;
mod list;
mod pods;
mod request_log;
mod status;
mod table;
mod target;
mod watches;

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, header};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::sync::{oneshot, watch};
use tokio::task::JoinHandle;

pub use self::request_log::{DEFAULT_REQUEST_LOG_CAP, RequestLog, RequestRecord};
use self::status::status_response;
use self::target::{Target, parse_target, query_params};
use super::cluster::Cluster;
use super::faults::{Fault, FaultKind, Faults, Rbac, RequestShape};
use super::resources::{self, GatewayApiBundle, RESOURCES};
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

/// Answers an admitted GET: RBAC and injected faults first ([`gate`]), as
/// kube-apiserver authorizes before it routes, then the handler of the
/// target's concern.
async fn route(s: &Arc<Shared>, path: &str, query: Option<&str>, accept: &str) -> Response {
    let q = query_params(query);
    let target = parse_target(s.bundle, path);
    let shape = gate::shape(&q);
    let faults = match gate::admit(s, &target, &q, path, shape).await {
        Ok(faults) => faults,
        Err(refused) => return refused,
    };
    let call = Call {
        q: &q,
        table: accept.contains("as=Table"),
        shape,
        faults: &faults,
    };
    match target {
        Target::Version => discovery::version(),
        Target::ApiVersions => discovery::api_versions(s.addr),
        Target::ApiGroups => discovery::api_groups(s.bundle),
        Target::Group { group } => discovery::group(s.bundle, &group),
        Target::GroupVersion { group, version } => {
            discovery::group_version(s.bundle, &group, &version)
        }
        Target::Collection { res, version, ns } => list::collection(s, res, version, ns, &call),
        Target::Object {
            res,
            version,
            ns,
            name,
        } => list::object(s, res, &version, ns.as_deref().unwrap_or(""), &name, &call),
        Target::Proxy {
            ns,
            pod,
            port,
            path,
            ..
        } => pods::proxy(s, &ns, &pod, &port, &path),
        Target::Log { ns, pod } => pods::log(s, &ns, &pod, &q),
        Target::Unknown { .. } | Target::NotFound => status_response(
            404,
            "NotFound",
            "the server could not find the requested resource",
            None,
        ),
    }
}

/// What the handlers read of an admitted request.
struct Call<'a> {
    q: &'a [(String, String)],
    /// `Accept: ...;as=Table` (kubectl get): a `meta.k8s.io/v1` Table.
    table: bool,
    shape: RequestShape,
    /// The injected faults this request took, for the handlers that act
    /// on them (expired continue tokens, watch drops and cuts).
    faults: &'a [FaultKind],
}
