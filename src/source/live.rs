//! The live source: one kube-rs watcher per kind, discovery-driven versions,
//! reconnect with backoff, and a per-kind feed state. Everything it sends is
//! a GET (list and watch); there is no other request in this module.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures::StreamExt;
use kube::api::{Api, DynamicObject};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::{self, ApiResource, Scope};
use kube::runtime::watcher::{self, Event};
use kube::{Client, Config};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::error::UserError;
use crate::metrics::{PodUsage, UsageMap};
use crate::model::tenancy::{CONFIG_MAP_NAME, is_controller};
use crate::store::{Kind, KindState, Object, ObjectOrOther, SourceInfo, SourceKind, Store};
use crate::value::{self, Keys};

/// Label every proxy workload, pod and Service carries: the live source
/// lists only those, not every pod of the cluster.
const PROXY_SELECTOR: &str = "app.kubernetes.io/managed-by=envoy-gateway";
/// A feed's shared mapping keys are dropped past this many (see `to_object`).
const MAX_FEED_KEYS: usize = 1 << 16;

/// How to reach a cluster (the cluster flags of every command).
#[derive(Debug, Clone, Default)]
pub struct ClusterTarget {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    /// `None`: all namespaces.
    pub namespace: Option<String>,
    /// How long to wait for the API server to answer at all.
    pub connect_timeout: Duration,
}

/// A client and the context it came from.
#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    pub context: String,
}

fn kubeconfig_error(what: &str, e: impl std::fmt::Display) -> UserError {
    UserError::new(format!(
        "cannot use {what}: {e}. Check the file and the context (`kubectl config get-contexts`), \
         or pass --kubeconfig PATH and --context NAME."
    ))
}

/// Builds a client from a kubeconfig (or the in-cluster config) and checks
/// that the API server answers.
pub async fn connect(target: &ClusterTarget) -> Result<Connection, UserError> {
    let options = KubeConfigOptions {
        context: target.context.clone(),
        ..KubeConfigOptions::default()
    };
    let (mut config, context) = match &target.kubeconfig {
        Some(path) => {
            let kc = Kubeconfig::read_from(path)
                .map_err(|e| kubeconfig_error(&format!("kubeconfig {}", path.display()), e))?;
            let context = target
                .context
                .clone()
                .or(kc.current_context.clone())
                .unwrap_or_default();
            let config = Config::from_custom_kubeconfig(kc, &options)
                .await
                .map_err(|e| kubeconfig_error(&format!("kubeconfig {}", path.display()), e))?;
            (config, context)
        }
        None if target.context.is_some() => {
            let config = Config::from_kubeconfig(&options)
                .await
                .map_err(|e| kubeconfig_error("the kubeconfig", e))?;
            (config, target.context.clone().unwrap_or_default())
        }
        None => {
            let config = Config::infer()
                .await
                .map_err(|e| kubeconfig_error("the kubeconfig", e))?;
            let context = Kubeconfig::read()
                .ok()
                .and_then(|k| k.current_context)
                .unwrap_or_else(|| "in-cluster".to_string());
            (config, context)
        }
    };
    let timeout = if target.connect_timeout.is_zero() {
        Duration::from_secs(10)
    } else {
        target.connect_timeout
    };
    config.connect_timeout = Some(timeout);
    config.read_timeout = Some(Duration::from_secs(300));
    let url = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(|e| kubeconfig_error("the kubeconfig", e))?;
    match tokio::time::timeout(timeout, client.apiserver_version()).await {
        Ok(Ok(_)) => Ok(Connection { client, context }),
        Ok(Err(e)) => Err(UserError::new(format!(
            "cannot reach the API server at {url} (context {context}): {}. Check that the cluster \
             is up and that your credentials are valid (`kubectl version`).",
            describe_kube_error(&e)
        ))),
        Err(_) => Err(UserError::new(format!(
            "the API server at {url} (context {context}) did not answer within {}s. Check the \
             network path to the cluster or pass another --context.",
            timeout.as_secs()
        ))),
    }
}

/// One line about a kube error, never with credentials in it.
pub fn describe_kube_error(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} {} ({})", s.code, s.reason, s.message),
        other => other.to_string(),
    }
}

/// How one kind's feed is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedState {
    Syncing,
    Live,
    /// The watch broke and is reconnecting; the objects are from `since`.
    Stale {
        since: Instant,
        error: String,
    },
    Forbidden(String),
    NotInstalled,
}

impl FeedState {
    /// Short text for the status line ("live", "stale 12s", "forbidden").
    pub fn label(&self) -> String {
        match self {
            FeedState::Syncing => "syncing".into(),
            FeedState::Live => "live".into(),
            FeedState::Stale { since, .. } => format!("stale {}s", since.elapsed().as_secs()),
            FeedState::Forbidden(_) => "forbidden".into(),
            FeedState::NotInstalled => "not installed".into(),
        }
    }

    fn synced(&self) -> bool {
        !matches!(self, FeedState::Syncing)
    }
}

type Key = (String, String);

#[derive(Default)]
struct Shared {
    objects: HashMap<Kind, BTreeMap<Key, Arc<Object>>>,
    feeds: BTreeMap<Kind, FeedState>,
    /// ConfigMap watchers already running, by namespace.
    config_namespaces: BTreeSet<String>,
    /// Proxy pods' CPU and memory from `metrics.k8s.io`: metrics, not
    /// objects, so a poll never costs a model rebuild.
    usage: Arc<UsageMap>,
}

/// A cluster kept in memory by watchers.
pub struct Live {
    shared: Arc<Mutex<Shared>>,
    changed: watch::Sender<u64>,
    source: SourceInfo,
    tasks: Mutex<Vec<JoinHandle<()>>>,
    conn: Connection,
    namespace: Option<String>,
}

fn lock(m: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// The groups egscope reads, with the kinds in each.
fn groups() -> BTreeMap<&'static str, Vec<Kind>> {
    let mut out: BTreeMap<&str, Vec<Kind>> = BTreeMap::new();
    for k in Kind::ALL {
        out.entry(k.group_kind().0).or_default().push(k);
    }
    out
}

/// Turns a watched object into a store object: its type comes from
/// discovery (list items carry none) and managedFields are dropped. Its
/// keys are shared with the other objects of the feed through `keys`.
fn to_object(mut o: DynamicObject, ar: &ApiResource, keys: &mut Keys) -> Option<Object> {
    o.types = Some(kube::api::TypeMeta {
        api_version: ar.api_version.clone(),
        kind: ar.kind.clone(),
    });
    o.metadata.managed_fields = None;
    let v = serde_json::to_value(&o).ok()?;
    // Keys of objects long gone would stay: start afresh now and then.
    if keys.len() > MAX_FEED_KEYS {
        *keys = Keys::new();
    }
    match Object::from_value(value::from_json(v, keys), None) {
        Ok(ObjectOrOther::Object(obj)) => Some(*obj),
        _ => None,
    }
}

fn key_of(o: &DynamicObject) -> Key {
    (
        o.metadata.namespace.clone().unwrap_or_default(),
        o.metadata.name.clone().unwrap_or_default(),
    )
}

fn status_code(e: &watcher::Error) -> Option<u16> {
    let inner = match e {
        watcher::Error::InitialListFailed(e)
        | watcher::Error::WatchStartFailed(e)
        | watcher::Error::WatchFailed(e) => e,
        watcher::Error::WatchError(s) => return Some(s.code),
        watcher::Error::NoResourceVersion => return None,
    };
    match inner {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
    }
}

impl Live {
    /// Discovers the kinds, starts one watcher per kind and returns at once;
    /// `wait_synced` waits for the first complete lists.
    pub async fn start(conn: Connection, namespace: Option<String>) -> Live {
        let (changed, _) = watch::channel(0);
        let live = Live {
            shared: Arc::new(Mutex::new(Shared::default())),
            changed,
            source: SourceInfo {
                kind: SourceKind::Cluster,
                context: Some(conn.context.clone()),
                paths: Vec::new(),
            },
            tasks: Mutex::new(Vec::new()),
            conn,
            namespace,
        };
        for (group, kinds) in groups() {
            let found = discovery::group(&live.conn.client, group).await;
            for kind in kinds {
                let state = match &found {
                    Ok(g) => match g.recommended_kind(kind.name()) {
                        Some((ar, caps)) => {
                            if kind == Kind::PodMetrics {
                                live.spawn_metrics_poll(ar);
                                continue;
                            }
                            if kind == Kind::ConfigMap {
                                // Started per controller namespace below.
                                lock(&live.shared).feeds.insert(kind, FeedState::Syncing);
                                live.remember_config_resource(ar);
                                continue;
                            }
                            live.spawn_feed(kind, ar, caps.scope, None);
                            FeedState::Syncing
                        }
                        None => FeedState::NotInstalled,
                    },
                    Err(kube::Error::Api(s)) if s.code == 403 => {
                        FeedState::Forbidden(format!("discovery of {group}: {}", s.message))
                    }
                    Err(_) => FeedState::NotInstalled,
                };
                lock(&live.shared).feeds.entry(kind).or_insert(state);
            }
        }
        live.notify();
        live
    }

    fn remember_config_resource(&self, ar: ApiResource) {
        let shared = self.shared.clone();
        let client = self.conn.client.clone();
        let tx = self.changed.clone();
        let mut rx = self.changed.subscribe();
        // Watches ConfigMaps only in namespaces where a controller runs,
        // named envoy-gateway-config: egscope never lists ConfigMaps
        // cluster-wide.
        let task = tokio::spawn(async move {
            let mut spawned: Vec<JoinHandle<()>> = Vec::new();
            loop {
                let (deployments_synced, namespaces) = {
                    let s = lock(&shared);
                    let synced = s
                        .feeds
                        .get(&Kind::Deployment)
                        .is_some_and(FeedState::synced);
                    let ns: BTreeSet<String> = s
                        .objects
                        .get(&Kind::Deployment)
                        .map(|m| {
                            m.values()
                                .filter(|d| is_controller(d))
                                .map(|d| d.namespace_or_empty().to_string())
                                .collect()
                        })
                        .unwrap_or_default();
                    (synced, ns)
                };
                if deployments_synced {
                    let mut s = lock(&shared);
                    if namespaces.is_empty()
                        && matches!(s.feeds.get(&Kind::ConfigMap), Some(FeedState::Syncing))
                    {
                        s.feeds.insert(Kind::ConfigMap, FeedState::Live);
                        drop(s);
                        tx.send_modify(|g| *g += 1);
                    } else {
                        let new: Vec<String> = namespaces
                            .difference(&s.config_namespaces)
                            .cloned()
                            .collect();
                        for ns in new {
                            s.config_namespaces.insert(ns.clone());
                            let api: Api<DynamicObject> =
                                Api::namespaced_with(client.clone(), &ns, &ar);
                            let cfg = watcher::Config::default()
                                .fields(&format!("metadata.name={CONFIG_MAP_NAME}"));
                            spawned.push(tokio::spawn(run_feed(
                                Kind::ConfigMap,
                                api,
                                cfg,
                                ar.clone(),
                                shared.clone(),
                                tx.clone(),
                            )));
                        }
                    }
                }
                if rx.changed().await.is_err() {
                    break;
                }
            }
            for t in spawned {
                t.abort();
            }
        });
        self.tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(task);
    }

    /// `metrics.k8s.io` serves list but no watch: poll the proxy pods'
    /// usage every 15 s. A failure leaves the last numbers and never counts
    /// toward the sync.
    fn spawn_metrics_poll(&self, ar: ApiResource) {
        let api: Api<DynamicObject> = match &self.namespace {
            Some(ns) => Api::namespaced_with(self.conn.client.clone(), ns, &ar),
            None => Api::all_with(self.conn.client.clone(), &ar),
        };
        let shared = self.shared.clone();
        let task = tokio::spawn(async move {
            let lp = kube::api::ListParams::default().labels(PROXY_SELECTOR);
            loop {
                if let Ok(list) = api.list(&lp).await {
                    let usage: UsageMap = list
                        .items
                        .iter()
                        .filter_map(|o| {
                            let key = (o.metadata.namespace.clone()?, o.metadata.name.clone()?);
                            Some((key, PodUsage::from_pod_metrics(&o.data)))
                        })
                        .collect();
                    // metrics-server refreshes every 15 s or so; readers
                    // compare the Arc to see whether anything changed.
                    let mut s = lock(&shared);
                    if *s.usage != usage {
                        s.usage = Arc::new(usage);
                    }
                }
                tokio::time::sleep(Duration::from_secs(15)).await;
            }
        });
        self.tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(task);
    }

    fn spawn_feed(&self, kind: Kind, ar: ApiResource, scope: Scope, fields: Option<String>) {
        let client = self.conn.client.clone();
        let api: Api<DynamicObject> = match (&self.namespace, scope) {
            (Some(ns), Scope::Namespaced) if !matches!(kind, Kind::Deployment) => {
                Api::namespaced_with(client, ns, &ar)
            }
            _ => Api::all_with(client, &ar),
        };
        let mut cfg = watcher::Config::default();
        if matches!(kind, Kind::Pod | Kind::Service | Kind::DaemonSet) {
            cfg = cfg.labels(PROXY_SELECTOR);
        }
        if let Some(f) = fields {
            cfg = cfg.fields(&f);
        }
        let task = tokio::spawn(run_feed(
            kind,
            api,
            cfg,
            ar,
            self.shared.clone(),
            self.changed.clone(),
        ));
        self.tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(task);
    }

    fn notify(&self) {
        self.changed.send_modify(|g| *g += 1);
    }

    /// A receiver that changes whenever an object or a feed state does.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Every feed's state.
    pub fn feeds(&self) -> BTreeMap<Kind, FeedState> {
        lock(&self.shared).feeds.clone()
    }

    /// An immutable snapshot of everything the watchers hold.
    /// The proxy pods' latest CPU and memory (empty without metrics.k8s.io).
    pub fn pod_usage(&self) -> Arc<UsageMap> {
        lock(&self.shared).usage.clone()
    }

    pub fn store(&self) -> Store {
        let s = lock(&self.shared);
        let mut store = Store::new(self.source.clone());
        for (kind, state) in &s.feeds {
            let ks = match state {
                FeedState::Forbidden(why) => KindState::Forbidden(why.clone()),
                FeedState::NotInstalled => KindState::NotInstalled,
                FeedState::Syncing => KindState::Absent,
                FeedState::Live | FeedState::Stale { .. } => KindState::Present,
            };
            store.set_state(*kind, ks);
        }
        for (kind, objs) in &s.objects {
            for o in objs.values() {
                store.insert_arc(o.clone());
            }
            // Inserting marks the kind present; an empty list is present too.
            if matches!(
                s.feeds.get(kind),
                Some(FeedState::Live | FeedState::Stale { .. })
            ) {
                store.set_state(*kind, KindState::Present);
            }
        }
        store
    }

    /// Waits until every feed has its first complete list (or is forbidden
    /// or not installed); on timeout, says which kinds did not sync.
    pub async fn wait_synced(&self, timeout: Duration) -> Result<(), UserError> {
        let mut rx = self.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let pending: Vec<&'static str> = self
                .feeds()
                .iter()
                .filter(|(_, s)| !s.synced())
                .map(|(k, _)| k.name())
                .collect();
            if pending.is_empty() {
                return Ok(());
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                _ => {
                    return Err(UserError::new(format!(
                        "these kinds did not sync within {}s: {}. The API server may be slow or \
                         the watches failing; raise --sync-timeout or check `kubectl get` on them.",
                        timeout.as_secs(),
                        pending.join(", ")
                    )));
                }
            }
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        for t in self
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            t.abort();
        }
    }
}

/// What a watcher event means for the feed's loop.
enum Flow {
    Continue,
    /// A transient error: start over with a fresh list after a backoff.
    Restart,
    /// Forbidden or not installed: this kind's feed ends.
    Stop,
}

/// Feeds one kind into the shared state until the watch is forbidden or the
/// kind disappears. A transient error marks the feed stale and starts a
/// fresh watcher (list, then watch) after kube's default backoff, rather
/// than letting kube-rs resume the watch silently: a resumed watch says
/// nothing when it succeeds, so "stale" could never turn back to "live"
/// on a quiet kind.
async fn run_feed(
    kind: Kind,
    api: Api<DynamicObject>,
    cfg: watcher::Config,
    ar: ApiResource,
    shared: Arc<Mutex<Shared>>,
    tx: watch::Sender<u64>,
) {
    let mut backoff = watcher::DefaultBackoff::default();
    let mut keys = Keys::new();
    loop {
        let mut stream = watcher::watcher(api.clone(), cfg.clone()).boxed();
        let mut buffer: Option<BTreeMap<Key, Arc<Object>>> = None;
        let mut flow = Flow::Restart;
        while let Some(ev) = stream.next().await {
            if matches!(ev, Ok(Event::InitDone)) {
                backoff = watcher::DefaultBackoff::default();
            }
            let quiet = matches!(ev, Ok(Event::InitApply(_)));
            flow = apply_event(kind, ev, &ar, &mut buffer, &mut keys, &mut lock(&shared));
            if !quiet {
                tx.send_modify(|g| *g += 1);
            }
            if !matches!(flow, Flow::Continue) {
                break;
            }
        }
        match flow {
            Flow::Stop => return,
            Flow::Continue | Flow::Restart => {
                let delay = backoff.next().unwrap_or(Duration::from_secs(30));
                tokio::time::sleep(delay).await;
            }
        }
    }
}

/// Applies one watcher event to the shared store and feed states.
fn apply_event(
    kind: Kind,
    ev: Result<Event<DynamicObject>, watcher::Error>,
    ar: &ApiResource,
    buffer: &mut Option<BTreeMap<Key, Arc<Object>>>,
    keys: &mut Keys,
    s: &mut Shared,
) -> Flow {
    match ev {
        Ok(Event::Init) => *buffer = Some(BTreeMap::new()),
        Ok(Event::InitApply(o)) => {
            let k = key_of(&o);
            if let (Some(b), Some(obj)) = (buffer.as_mut(), to_object(o, ar, keys)) {
                b.insert(k, Arc::new(obj));
            }
        }
        Ok(Event::InitDone) => {
            let fresh = buffer.take().unwrap_or_default();
            let objs = s.objects.entry(kind).or_default();
            if kind == Kind::ConfigMap {
                // Several namespaced watchers share the kind: replace
                // only this watcher's namespace.
                let namespaces: BTreeSet<String> = fresh.keys().map(|(ns, _)| ns.clone()).collect();
                objs.retain(|(ns, _), _| !namespaces.contains(ns));
                objs.extend(fresh);
            } else {
                *objs = fresh;
            }
            s.feeds.insert(kind, FeedState::Live);
        }
        Ok(Event::Apply(o)) => {
            let k = key_of(&o);
            if let Some(obj) = to_object(o, ar, keys) {
                s.objects.entry(kind).or_default().insert(k, Arc::new(obj));
            }
            s.feeds.insert(kind, FeedState::Live);
        }
        Ok(Event::Delete(o)) => {
            let k = key_of(&o);
            s.objects.entry(kind).or_default().remove(&k);
        }
        Err(e) => return feed_error(kind, &e, s),
    }
    Flow::Continue
}

fn feed_error(kind: Kind, e: &watcher::Error, s: &mut Shared) -> Flow {
    match status_code(e) {
        Some(403) => {
            s.feeds.insert(kind, FeedState::Forbidden(e.to_string()));
            Flow::Stop
        }
        Some(404) => {
            s.feeds.insert(kind, FeedState::NotInstalled);
            Flow::Stop
        }
        _ => {
            let since = match s.feeds.get(&kind) {
                Some(FeedState::Stale { since, .. }) => *since,
                _ => Instant::now(),
            };
            if !matches!(s.feeds.get(&kind), Some(FeedState::Syncing)) {
                s.feeds.insert(
                    kind,
                    FeedState::Stale {
                        since,
                        error: e.to_string(),
                    },
                );
            }
            Flow::Restart
        }
    }
}

/// Writes the live store as a `kind: List` YAML document that `--snapshot`
/// reads back: the "back up CRD instances before upgrading" step. Items are
/// written one at a time, so the output is the only copy made.
pub fn snapshot_yaml(store: &Store) -> Result<String, UserError> {
    let mut out = String::from("apiVersion: v1\nkind: List\nitems:\n");
    for o in store.all().filter(|o| o.kind != Kind::PodMetrics) {
        let mut item = o.raw.clone();
        if let Some(meta) = item.get_mut("metadata").and_then(|m| m.as_object_mut()) {
            meta.remove("managedFields");
        }
        let text = serde_saphyr::to_string(&item)
            .map_err(|e| UserError::new(format!("cannot write the snapshot as YAML: {e}")))?;
        for (i, line) in text.lines().enumerate() {
            out.push_str(if i == 0 { "- " } else { "  " });
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}
