//! The live source: per-resource discovery, one list-then-watch feed per
//! kind, and a per-kind state that says truthfully what was read. Everything
//! it sends is a GET (list and watch); there is no other request here.
//!
//! The feeds follow client-go's reflector (k8s.io/client-go/tools/cache/reflector.go):
//! a paged list, then a watch from the list's resourceVersion that is
//! resumed from the last seen resourceVersion whenever it ends or breaks,
//! with a fresh list only on `410 Gone`. A cluster-wide list that is
//! refused (a user bound by RoleBindings) falls back to the namespaces the
//! user asked for, and the kind is then recorded as read only there.
//!
//! The first list of a kind is a streaming list where the server serves
//! them (a watch with `sendInitialEvents=true` answered from the watch
//! cache, ended by the `k8s.io/initial-events-end` bookmark), else paged
//! lists, as client-go's reflector falls back (reflector.go, `watchList`).
//! Bodies are parsed straight into the store's compact values, outside
//! any lock: one conversion per object.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::{BoxStream, SelectAll};
use http_body_util::BodyExt;
use kube::api::{Api, DynamicObject, ListParams, WatchParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::discovery::ApiResource;
use kube::runtime::watcher;
use kube::{Client, Config};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::discovery::{self, Found, Retry};
use crate::clock::Clock;
use crate::codec::value::{Keys, MapBuilder, Value};
use crate::error::UserError;
pub use crate::error::one_line;
use crate::store::changes::{self, ChangeLog};
use crate::store::events;
use crate::store::{ENVOY_GATEWAY_GROUP, GATEWAY_API_GROUP, GATEWAY_API_X_GROUP};
use crate::store::{Kind, KindState, Object, ObjectOrOther, SourceInfo, SourceKind, Store};
use crate::units::{PodUsage, UsageMap};
use crate::vocab::CONFIG_MAP_NAME;

/// Label every proxy workload, pod and Service carries: the live source
/// lists only those, not every pod of the cluster. Envoy Gateway sets it
/// on everything it creates for a proxy fleet
/// (envoyproxy/gateway internal/infrastructure/kubernetes/proxy/resource.go,
/// `EnvoyAppLabel`; its HPAs and PDBs take the same labels through
/// `envoyLabels`, resource_provider.go).
const PROXY_SELECTOR: &str = "app.kubernetes.io/managed-by=envoy-gateway";
/// Label of the controller Deployment in Envoy Gateway's Helm chart
/// (charts/gateway-helm/templates/envoy-gateway-deployment.yaml), which
/// egctl selects controllers by (internal/cmd/egctl/config_envoy_gateway.go).
const CONTROLLER_SELECTOR: &str = "control-plane=envoy-gateway";
/// The annotation on the bookmark that ends a streaming list's initial
/// events (k8s.io/apimachinery/pkg/apis/meta/v1, `InitialEventsAnnotationKey`).
const INITIAL_EVENTS_END: &str = "k8s.io/initial-events-end";
/// A streaming list that stays silent this long before its end bookmark
/// is taken for a server that ignored `sendInitialEvents` (one older than
/// WatchList, which watches from "any" version and never sends the
/// bookmark): the kind is listed in pages instead.
const INITIAL_EVENTS_SILENCE: Duration = Duration::from_secs(10);
/// A feed's shared mapping keys are dropped past this many (see `to_object`).
const MAX_FEED_KEYS: usize = 1 << 16;
/// A streaming list reports its progress every this many objects.
const STREAM_TALLY_EVERY: usize = 500;

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
    /// The context's namespace (`default` when it names none): where a
    /// user without cluster-wide list rights is read, as kubectl would.
    pub default_namespace: String,
}

/// What egscope says it is, as kubectl says `kubectl/VERSION (OS/ARCH)`
/// (k8s.io/client-go/rest/config.go, `DefaultKubernetesUserAgent`), so API
/// server audit logs and rate limits can tell it apart.
pub fn user_agent() -> String {
    format!(
        "egscope/{} ({}/{})",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::OS,
        std::env::consts::ARCH
    )
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
    // kube retries 429/503/504 up to 15 times with a backoff that reaches
    // minutes (kube-client's `RetryPolicy::server_retry`): an aggregated API
    // that is down (metrics-server) then stalls discovery for 5 minutes.
    // egscope retries where it makes sense itself (discovery, feeds) and
    // never retries a scrape.
    config.default_retry = false;
    if let Ok(ua) = http::HeaderValue::from_str(&user_agent()) {
        config.headers.push((http::header::USER_AGENT, ua));
    }
    let default_namespace = config.default_namespace.clone();
    let url = config.cluster_url.to_string();
    let client = Client::try_from(config).map_err(|e| kubeconfig_error("the kubeconfig", e))?;
    match tokio::time::timeout(timeout, client.apiserver_version()).await {
        Ok(Ok(_)) => Ok(Connection {
            client,
            context,
            default_namespace,
        }),
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

fn status_code(e: &kube::Error) -> Option<u16> {
    match e {
        kube::Error::Api(s) => Some(s.code),
        _ => None,
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
    /// Discovery or the first list kept failing (5xx, timeout): nothing was
    /// read. The feed keeps trying and turns live when the server answers.
    Unavailable(String),
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
            FeedState::Unavailable(_) => "unavailable".into(),
        }
    }

    fn synced(&self) -> bool {
        !matches!(self, FeedState::Syncing)
    }
}

type Key = (String, String);
/// One kind's objects by (namespace, name).
type Objects = BTreeMap<Key, Arc<Object>>;

/// Failed first lists after which a kind is reported unavailable instead
/// of syncing (with the backoff below, about 2.5 s): `audit` then prints
/// what it could read and names the kind, rather than waiting out the
/// whole sync timeout.
const FAILED_LISTS_UNTIL_UNAVAILABLE: u32 = 3;
/// Objects per list page when streaming lists are not served; the continue
/// token takes the rest. client-go's pager uses 500; a larger page costs a
/// few MB of text at a time and a fraction of the round trips.
const PAGE_SIZE: u32 = 2_000;
/// Watches end server-side before kube's 300 s read timeout and are
/// resumed from their last resourceVersion.
const WATCH_TIMEOUT_SECS: u32 = 290;
/// How often a group whose discovery failed is asked again.
const REDISCOVER_EVERY: Duration = Duration::from_secs(15);

#[derive(Default)]
struct Shared {
    objects: HashMap<Kind, BTreeMap<Key, Arc<Object>>>,
    feeds: BTreeMap<Kind, FeedState>,
    /// Kinds read only in some namespaces, with why the cluster-wide list
    /// was not possible.
    partial: BTreeMap<Kind, (Vec<String>, String)>,
    /// ConfigMap watchers already running, by namespace.
    config_namespaces: BTreeSet<String>,
    /// Those whose first list has not finished: ConfigMaps are synced only
    /// once every controller namespace's are in.
    config_pending: BTreeSet<String>,
    /// EndpointSlice feeds by namespace, with their label selector.
    slice_feeds: BTreeMap<String, (String, tokio::task::AbortHandle)>,
    /// Those whose first list has not finished.
    slice_pending: BTreeSet<String>,
    /// HPA feeds by namespace (those of Envoy Gateway's Deployments), those
    /// whose first list has not finished, and those refused, with why.
    hpa_namespaces: BTreeSet<String>,
    hpa_pending: BTreeSet<String>,
    hpa_refused: BTreeMap<String, String>,
    /// Proxy pods' CPU and memory from `metrics.k8s.io`: metrics, not
    /// objects, so a poll never costs a model rebuild.
    usage: Arc<UsageMap>,
    /// Event watchers already running, by namespace, and those whose first
    /// list is not in yet (as for ConfigMaps).
    event_namespaces: BTreeSet<String>,
    event_pending: BTreeSet<String>,
    /// What the watches saw change since the first lists.
    changes: Arc<ChangeLog>,
    /// First lists under way: objects read so far and the server's count
    /// (`remainingItemCount` plus what was read), per kind and scope URL.
    progress: HashMap<Kind, BTreeMap<String, (usize, Option<usize>)>>,
    /// Bumped whenever a kind's objects change: the feeds that follow other
    /// kinds (Events, ConfigMaps, EndpointSlices, HPAs) look again only when
    /// what they follow moved, not on every notification (during a large
    /// first sync that re-scan was a tenth of the CPU).
    versions: HashMap<Kind, u64>,
}

impl Shared {
    fn bump(&mut self, kind: Kind) {
        *self.versions.entry(kind).or_default() += 1;
    }

    /// What a feed that follows `kinds` looks at: each one's version and
    /// state. Unchanged since the last look: nothing to do.
    fn followed(&self, kinds: &[Kind]) -> Vec<(u64, Option<FeedState>)> {
        kinds
            .iter()
            .map(|k| {
                (
                    self.versions.get(k).copied().unwrap_or_default(),
                    self.feeds.get(k).cloned(),
                )
            })
            .collect()
    }

    /// The namespaces a feed of `kind` waits for before it is live.
    fn pending(&mut self, kind: Kind) -> Option<&mut BTreeSet<String>> {
        match kind {
            Kind::ConfigMap => Some(&mut self.config_pending),
            Kind::Event => Some(&mut self.event_pending),
            Kind::EndpointSlice => Some(&mut self.slice_pending),
            Kind::HorizontalPodAutoscaler => Some(&mut self.hpa_pending),
            _ => None,
        }
    }
}

/// What every feed task needs.
#[derive(Clone)]
struct Env {
    client: Client,
    shared: Arc<Mutex<Shared>>,
    tx: watch::Sender<u64>,
    /// Namespaces to read one by one when a cluster-wide list is refused.
    fallback: Vec<String>,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    /// Whether to try streaming lists: turned off for the whole server the
    /// first time it refuses one (the WatchList feature gate is server-wide).
    watch_list: Arc<AtomicBool>,
    /// The session clock: when changes and generations were first seen.
    clock: Clock,
}

impl Env {
    fn notify(&self) {
        self.tx.send_modify(|g| *g += 1);
    }

    /// How far one scope's first list got (see [`Live::progress`]).
    fn tally(&self, kind: Kind, scope: &str, read: usize, total: Option<usize>) {
        lock(&self.shared)
            .progress
            .entry(kind)
            .or_default()
            .insert(scope.to_string(), (read, total));
    }

    fn set_feed(&self, kind: Kind, state: FeedState) {
        lock(&self.shared).feeds.insert(kind, state);
        self.notify();
    }

    fn spawn(&self, fut: impl std::future::Future<Output = ()> + Send + 'static) {
        let task = tokio::spawn(fut);
        self.tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(task);
    }
}

/// A cluster kept in memory by watchers.
pub struct Live {
    env: Env,
    source: SourceInfo,
    conn: Connection,
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

/// Turns a listed or watched object (parsed straight from the response
/// into the store's value) into a store object: its type comes from
/// discovery (list items of built-in kinds carry none) and managedFields
/// are dropped.
fn to_object(raw: Value, ar: &ApiResource, keys: &mut Keys) -> Option<(Key, Object)> {
    let Value::Object(map) = raw else {
        return None;
    };
    // Keys of objects long gone would stay: start afresh now and then.
    if keys.len() > MAX_FEED_KEYS {
        *keys = Keys::new();
    }
    let mut b = MapBuilder::new();
    b.insert(
        keys.intern("apiVersion"),
        Value::String(ar.api_version.as_str().into()),
    );
    b.insert(keys.intern("kind"), Value::String(ar.kind.as_str().into()));
    for (k, mut v) in map {
        match &*k {
            "apiVersion" | "kind" => continue,
            "metadata" => {
                if let Some(m) = v.as_object_mut() {
                    m.remove("managedFields");
                }
            }
            _ => {}
        }
        b.insert(k, v);
    }
    let raw = Value::Object(b.finish());
    let key = key_of(&raw);
    match Object::from_value(raw, None) {
        Ok(ObjectOrOther::Object(obj)) => Some((key, *obj)),
        _ => None,
    }
}

fn key_of(o: &Value) -> Key {
    let meta = |k: &str| {
        o.get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    (meta("namespace"), meta("name"))
}

fn resource_version_of(o: &Value) -> Option<String> {
    o.get("metadata")?
        .get("resourceVersion")?
        .as_str()
        .map(str::to_string)
}

impl Live {
    /// Starts discovery and the feeds and returns at once: a TUI can draw
    /// while the kinds arrive, and nothing waits on an optional API.
    /// `wait_synced` waits for the first complete lists.
    pub async fn start(conn: Connection, namespace: Option<String>) -> Live {
        Live::start_with_clock(conn, namespace, Clock::wall()).await
    }

    /// Like [`Live::start`], timing what it sees by `clock` (the demo and
    /// the tests step theirs).
    pub async fn start_with_clock(
        conn: Connection,
        namespace: Option<String>,
        clock: Clock,
    ) -> Live {
        let (tx, _) = watch::channel(0);
        let fallback = vec![
            namespace
                .clone()
                .unwrap_or_else(|| conn.default_namespace.clone()),
        ];
        let env = Env {
            client: conn.client.clone(),
            shared: Arc::new(Mutex::new(Shared::default())),
            tx,
            fallback,
            tasks: Arc::new(Mutex::new(Vec::new())),
            watch_list: Arc::new(AtomicBool::new(true)),
            clock,
        };
        {
            let mut s = lock(&env.shared);
            for k in Kind::ALL {
                s.feeds.insert(k, FeedState::Syncing);
            }
        }
        let live = Live {
            source: SourceInfo {
                kind: SourceKind::Cluster,
                context: Some(conn.context.clone()),
                paths: Vec::new(),
                namespace,
            },
            env: env.clone(),
            conn,
        };
        env.spawn(discover_all(env.clone()));
        live.env.notify();
        live
    }

    /// A receiver that changes whenever an object or a feed state does.
    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.env.tx.subscribe()
    }

    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Every feed's state.
    pub fn feeds(&self) -> BTreeMap<Kind, FeedState> {
        lock(&self.env.shared).feeds.clone()
    }

    /// The kinds whose first list is under way: objects read so far, and
    /// the total when the server said (paged lists carry
    /// `remainingItemCount`; a streaming list does not, nor does a list
    /// with a selector). Summed over the kind's scopes.
    pub fn progress(&self) -> BTreeMap<Kind, (usize, Option<usize>)> {
        let s = lock(&self.env.shared);
        s.progress
            .iter()
            .filter(|(k, _)| s.feeds.get(k).is_some_and(|f| !f.synced()))
            .map(|(k, scopes)| {
                let read = scopes.values().map(|(r, _)| r).sum();
                let total = scopes.values().map(|(_, t)| *t).sum::<Option<usize>>();
                (*k, (read, total))
            })
            .collect()
    }

    /// Kinds read only in some namespaces.
    pub fn partial_kinds(&self) -> Vec<Kind> {
        lock(&self.env.shared).partial.keys().copied().collect()
    }

    /// The session clock this source times changes by.
    pub fn clock(&self) -> &Clock {
        &self.env.clock
    }

    /// The proxy pods' latest CPU and memory (empty without metrics.k8s.io).
    pub fn pod_usage(&self) -> Arc<UsageMap> {
        lock(&self.env.shared).usage.clone()
    }

    /// An immutable snapshot of everything the watchers hold, with what
    /// could not be read.
    pub fn store(&self) -> Store {
        let now = self.env.clock.now();
        let mut s = lock(&self.env.shared);
        // Events age out here rather than on every watch event.
        if let Some(evs) = s.objects.get_mut(&Kind::Event) {
            evs.retain(|_, e| {
                events::last_seen(e)
                    .is_none_or(|t| crate::clock::secs_between(t, now) <= events::TTL_SECS)
            });
        }
        let mut store = Store::new(self.source.clone());
        for (kind, state) in &s.feeds {
            let ks = match state {
                FeedState::Forbidden(why) => KindState::Forbidden(why.clone()),
                FeedState::NotInstalled => KindState::NotInstalled,
                FeedState::Unavailable(why) => KindState::Unavailable(why.clone()),
                // Still syncing when the store is taken: nothing read yet.
                FeedState::Syncing => {
                    KindState::Unavailable("its first list has not finished".into())
                }
                FeedState::Live | FeedState::Stale { .. } => match s.partial.get(kind) {
                    Some((namespaces, reason)) => KindState::Partial {
                        namespaces: namespaces.clone(),
                        reason: reason.clone(),
                    },
                    None => KindState::Present,
                },
            };
            store.set_state(*kind, ks);
        }
        let mut recheck_at: Option<jiff::Timestamp> = None;
        for objs in s.objects.values() {
            for o in objs.values() {
                if let Some(due) = lag_due(o, now) {
                    recheck_at = Some(recheck_at.map_or(due, |r| r.min(due)));
                }
                store.insert_arc(o.clone());
            }
        }
        store.live = Some(crate::store::LiveInfo {
            observed_at: now,
            changes: s.changes.clone(),
            recheck_at,
        });
        // PodMetrics are usage numbers, not objects the rules read.
        store.set_state(
            Kind::PodMetrics,
            match s.feeds.get(&Kind::PodMetrics) {
                Some(FeedState::Live) => KindState::Present,
                Some(FeedState::Forbidden(w)) => KindState::Forbidden(w.clone()),
                Some(FeedState::NotInstalled) | None => KindState::NotInstalled,
                Some(FeedState::Unavailable(w)) => KindState::Unavailable(w.clone()),
                Some(_) => KindState::Unavailable("not polled yet".into()),
            },
        );
        store
    }

    /// Waits until every feed has its first complete list, or is forbidden,
    /// not installed or unavailable. Kinds still syncing at the timeout are
    /// marked unavailable and returned, so the caller can report what it
    /// read and name what it could not. PodMetrics (an optional aggregated
    /// API) is never waited for.
    pub async fn wait_synced(&self, timeout: Duration) -> Vec<Kind> {
        let pending = self.wait_a_while(timeout).await;
        if !pending.is_empty() {
            let why = format!("no complete list within {}s", timeout.as_secs());
            let mut s = lock(&self.env.shared);
            for k in &pending {
                if s.feeds.get(k).is_some_and(|f| !f.synced()) {
                    s.feeds.insert(*k, FeedState::Unavailable(why.clone()));
                }
            }
            drop(s);
            self.env.notify();
        }
        pending
    }

    /// Waits up to `timeout` for the first lists and returns the kinds still
    /// syncing, leaving them syncing: the TUI opens after a moment and fills
    /// in as the kinds arrive.
    pub async fn wait_a_while(&self, timeout: Duration) -> Vec<Kind> {
        let mut rx = self.subscribe();
        let deadline = tokio::time::Instant::now()
            .checked_add(timeout)
            .unwrap_or_else(|| tokio::time::Instant::now() + Duration::from_secs(86_400 * 365));
        loop {
            let pending: Vec<Kind> = self
                .feeds()
                .iter()
                .filter(|(k, s)| **k != Kind::PodMetrics && !s.synced())
                .map(|(k, _)| *k)
                .collect();
            if pending.is_empty() {
                return pending;
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => continue,
                _ => return pending,
            }
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        for t in self
            .env
            .tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
        {
            t.abort();
        }
    }
}

/// Discovers every group egscope reads, each on its own so that a slow or
/// failing group never holds up the others, and starts each kind's feed as
/// soon as its version is known.
async fn discover_all(env: Env) {
    let groups_list = discovery::api_groups(&env.client).await;
    let entries: Vec<k8s_openapi::apimachinery::pkg::apis::meta::v1::APIGroup> = match &groups_list
    {
        Ok(g) => g.clone(),
        Err(_) => Vec::new(),
    };
    for (group, kinds) in groups() {
        let env = env.clone();
        let entry = entries.iter().find(|g| g.name == group).cloned();
        let listing_failed = groups_list.as_ref().err().cloned();
        env.clone().spawn(async move {
            if !group.is_empty()
                && let Some(why) = listing_failed
            {
                // Without the group list nothing can be said about the
                // group: unavailable, and asked again below.
                for k in &kinds {
                    env.set_feed(*k, FeedState::Unavailable(why.clone()));
                }
                rediscover(env, group, kinds).await;
                return;
            }
            discover_group(env, group, entry, kinds).await;
        });
    }
}

/// Asks discovery again until the group answers.
async fn rediscover(env: Env, group: &'static str, kinds: Vec<Kind>) {
    loop {
        tokio::time::sleep(REDISCOVER_EVERY).await;
        if let Ok(groups) = discovery::api_groups(&env.client).await {
            let entry = groups.into_iter().find(|g| g.name == group);
            discover_group(env, group, entry, kinds).await;
            return;
        }
    }
}

async fn discover_group(
    env: Env,
    group: &'static str,
    entry: Option<k8s_openapi::apimachinery::pkg::apis::meta::v1::APIGroup>,
    kinds: Vec<Kind>,
) {
    let retry = if discovery::optional_group(group) {
        Retry::OPTIONAL
    } else {
        Retry::REQUIRED
    };
    let mut pending = kinds;
    loop {
        let found = discovery::group(&env.client, group, entry.as_ref(), &pending, retry).await;
        let mut again = Vec::new();
        for (kind, f) in found {
            match f {
                Found::Served {
                    resource,
                    namespaced,
                    watchable,
                } => start_kind(&env, kind, resource, namespaced, watchable),
                Found::NotInstalled => env.set_feed(kind, FeedState::NotInstalled),
                Found::Forbidden(why) => env.set_feed(kind, FeedState::Forbidden(why)),
                Found::Unavailable(why) => {
                    env.set_feed(kind, FeedState::Unavailable(why));
                    again.push(kind);
                }
            }
        }
        if again.is_empty() {
            return;
        }
        // A group that failed (a 500, an aggregated API that is down) is
        // asked again in the background; it never blocks the other groups.
        pending = again;
        tokio::time::sleep(REDISCOVER_EVERY).await;
    }
}

/// When a controller lag this session saw begin less than EG511's
/// threshold ago reaches it. Any condition's `observedGeneration` counts
/// here (the rule itself knows which controllers are Envoy Gateway's): a
/// lag of another controller costs one audit more, never a missed one.
fn lag_due(o: &Object, now: jiff::Timestamp) -> Option<jiff::Timestamp> {
    let since = o.generation_since?;
    if crate::clock::secs_between(since, now) >= changes::LAG_THRESHOLD_SECS {
        return None;
    }
    changes::generation_lag(o, true, |_| true)?;
    since
        .checked_add(jiff::SignedDuration::from_secs(changes::LAG_THRESHOLD_SECS))
        .ok()
}

/// The kinds whose namespaces Events are read in: what the views show.
const EVENT_SUBJECTS: &[Kind] = &[
    Kind::Gateway,
    Kind::HttpRoute,
    Kind::GrpcRoute,
    Kind::TlsRoute,
    Kind::TcpRoute,
    Kind::UdpRoute,
    Kind::XListenerSet,
    Kind::ListenerSet,
    Kind::Pod,
    Kind::Deployment,
    Kind::DaemonSet,
    Kind::HorizontalPodAutoscaler,
    Kind::EnvoyProxy,
    Kind::ClientTrafficPolicy,
    Kind::BackendTrafficPolicy,
    Kind::SecurityPolicy,
    Kind::EnvoyExtensionPolicy,
    Kind::EnvoyPatchPolicy,
];

/// The distinct namespaces of a feed's objects: one seek per namespace
/// (the map is ordered by namespace), not one step per object, so 20,000
/// routes in 100 namespaces cost 100 lookups.
fn namespaces_of(objs: &Objects, out: &mut BTreeSet<String>) {
    use std::ops::Bound;
    let mut next = objs.keys().next().map(|(ns, _)| ns.clone());
    while let Some(ns) = next {
        let after = (format!("{ns}\u{0}"), String::new());
        next = objs
            .range((Bound::Included(after), Bound::Unbounded))
            .next()
            .map(|((n, _), _)| n.clone());
        if !ns.is_empty() {
            out.insert(ns);
        }
    }
}

/// Watches Events only in the namespaces of the objects egscope shows,
/// one feed per namespace as they appear: never cluster-wide, so a busy
/// cluster's Events elsewhere cost nothing. Live once every namespace's
/// first list is in (or at once when no namespace holds anything).
async fn event_feeds(env: Env, ar: ApiResource) {
    let mut rx = env.tx.subscribe();
    let mut seen = None;
    loop {
        let followed = lock(&env.shared).followed(EVENT_SUBJECTS);
        if seen.as_ref() == Some(&followed) {
            if rx.changed().await.is_err() {
                break;
            }
            continue;
        }
        seen = Some(followed);
        let (synced, namespaces) = {
            let s = lock(&env.shared);
            let synced = EVENT_SUBJECTS
                .iter()
                .all(|k| s.feeds.get(k).is_none_or(FeedState::synced));
            let mut ns = BTreeSet::new();
            for k in EVENT_SUBJECTS {
                if let Some(objs) = s.objects.get(k) {
                    namespaces_of(objs, &mut ns);
                }
            }
            (synced, ns)
        };
        {
            let mut s = lock(&env.shared);
            let new: Vec<String> = namespaces
                .difference(&s.event_namespaces)
                .cloned()
                .collect();
            if new.is_empty()
                && synced
                && s.event_namespaces.is_empty()
                && matches!(s.feeds.get(&Kind::Event), Some(FeedState::Syncing))
            {
                s.feeds.insert(Kind::Event, FeedState::Live);
                drop(s);
                env.notify();
            } else {
                for ns in new {
                    s.event_namespaces.insert(ns.clone());
                    s.event_pending.insert(ns.clone());
                    let spec = FeedSpec {
                        kind: Kind::Event,
                        ar: ar.clone(),
                        namespaced: true,
                        scopes: vec![Scope::ALL.in_namespace(&ns)],
                        fallback: Vec::new(),
                    };
                    env.spawn(run_feed(spec, env.clone()));
                }
            }
        }
        if rx.changed().await.is_err() {
            break;
        }
    }
}

/// Keeps a namespace's Events to the newest [`events::MAX_PER_NAMESPACE`].
fn cap_events(objs: &mut Objects, namespace: &str) {
    use std::ops::Bound;
    let lo = (namespace.to_string(), String::new());
    let hi = (format!("{namespace}\u{0}"), String::new());
    let range = (Bound::Included(lo), Bound::Excluded(hi));
    let n = objs.range(range.clone()).count();
    if n <= events::MAX_PER_NAMESPACE {
        return;
    }
    let mut by_time: Vec<(Option<jiff::Timestamp>, Key)> = objs
        .range(range)
        .map(|(k, o)| (events::last_seen(o), k.clone()))
        .collect();
    by_time.sort();
    for (_, k) in by_time.into_iter().take(n - events::MAX_PER_NAMESPACE) {
        objs.remove(&k);
    }
}

/// One request's worth of a feed: where, and which objects.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Scope {
    /// `None`: cluster-wide.
    namespace: Option<String>,
    /// Equality terms (`k=v,k2=v2`) or one set term (`k in (a,b)`): what
    /// `holds` can tell apart.
    labels: Option<String>,
    /// `metadata.name=NAME` only.
    fields: Option<String>,
}

impl Scope {
    const ALL: Scope = Scope {
        namespace: None,
        labels: None,
        fields: None,
    };

    fn labelled(labels: &str) -> Scope {
        Scope {
            labels: Some(labels.to_string()),
            ..Scope::ALL
        }
    }

    fn named(name: &str) -> Scope {
        Scope {
            fields: Some(format!("metadata.name={name}")),
            ..Scope::ALL
        }
    }

    fn in_namespace(&self, ns: &str) -> Scope {
        Scope {
            namespace: Some(ns.to_string()),
            ..self.clone()
        }
    }

    /// Whether an object read earlier came through this scope: a relist of
    /// the scope replaces those, and only those.
    fn holds(&self, key: &Key, obj: &Object) -> bool {
        let ns_ok = self.namespace.as_ref().is_none_or(|ns| key.0 == *ns);
        let labels_ok = self
            .labels
            .as_deref()
            .is_none_or(|sel| match sel.split_once(" in (") {
                Some((k, set)) => {
                    let set = set.trim_end_matches(')');
                    obj.labels
                        .get(k.trim())
                        .is_some_and(|v| set.split(',').any(|x| x.trim() == v))
                }
                None => sel.split(',').all(|term| {
                    term.split_once('=')
                        .is_some_and(|(k, v)| obj.labels.get(k) == Some(v))
                }),
            });
        let fields_ok = self.fields.as_ref().is_none_or(|f| {
            f.split(',').all(|term| {
                term.strip_prefix("metadata.name=")
                    .is_none_or(|name| key.1 == name)
            })
        });
        ns_ok && labels_ok && fields_ok
    }
}

/// The names of the CustomResourceDefinitions of the groups egscope reads
/// (`httproutes.gateway.networking.k8s.io`): CRDs are cluster-wide and
/// carry no label to select by, and a cluster may hold hundreds of others.
fn crd_names() -> Vec<String> {
    Kind::ALL
        .into_iter()
        .filter(|k| {
            let g = k.group_kind().0;
            g == GATEWAY_API_GROUP || g == GATEWAY_API_X_GROUP || g == ENVOY_GATEWAY_GROUP
        })
        .map(|k| format!("{}.{}", plural(k.name()), k.group_kind().0))
        .collect()
}

/// The resource name of a kind, as apiextensions defaults `spec.names.plural`
/// for these kinds (every one of the groups above follows English rules:
/// `EnvoyProxy` → `envoyproxies`, `GatewayClass` → `gatewayclasses`).
fn plural(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    if let Some(stem) = lower.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'i', 'o', 'u'])
    {
        return format!("{stem}ies");
    }
    if lower.ends_with('s') {
        return format!("{lower}es");
    }
    format!("{lower}s")
}

/// What a kind's feed reads. Envoy Gateway's objects are told apart where
/// they can be: proxy workloads and Services by `PROXY_SELECTOR`,
/// Deployments and pods by that or the controller's label, CRDs by name.
/// The rest is read in full: Gateway API and Envoy Gateway kinds are all
/// relevant. HPAs are read per namespace instead (see `hpa_feeds`).
fn scopes_of(kind: Kind) -> Vec<Scope> {
    match kind {
        Kind::Service | Kind::DaemonSet => vec![Scope::labelled(PROXY_SELECTOR)],
        // The controller's pods carry `control-plane: envoy-gateway` from the
        // chart's pod template, not the proxy label (the Deployment's own
        // `managed-by` is Helm): charts/gateway-helm/templates/envoy-gateway-deployment.yaml,
        // as rendered in test/helm/gateway-helm/default-config.out.yaml. The
        // log pane reads them; the model keeps them apart from fleets' pods.
        Kind::Pod | Kind::Deployment => vec![
            Scope::labelled(CONTROLLER_SELECTOR),
            Scope::labelled(PROXY_SELECTOR),
        ],
        Kind::CustomResourceDefinition => crd_names().iter().map(|n| Scope::named(n)).collect(),
        _ => vec![Scope::ALL],
    }
}

fn start_kind(env: &Env, kind: Kind, ar: ApiResource, namespaced: bool, watchable: bool) {
    match kind {
        Kind::PodMetrics => env.spawn(poll_pod_metrics(env.clone(), ar)),
        // Started per controller namespace once the Deployments are in.
        Kind::ConfigMap => env.spawn(config_maps(env.clone(), ar)),
        Kind::Event if watchable => env.spawn(event_feeds(env.clone(), ar)),
        // Started per namespace once the routes are in.
        Kind::EndpointSlice => env.spawn(endpoint_slices(env.clone(), ar)),
        // Started per namespace once the Deployments are in.
        Kind::HorizontalPodAutoscaler if watchable => env.spawn(hpa_feeds(env.clone(), ar)),
        _ if !watchable => env.set_feed(
            kind,
            FeedState::Unavailable(format!("{} cannot be watched", ar.plural)),
        ),
        _ => {
            let spec = FeedSpec {
                kind,
                ar,
                namespaced,
                scopes: scopes_of(kind),
                fallback: env.fallback.clone(),
            };
            env.spawn(run_feed(spec, env.clone()));
        }
    }
}

/// Watches ConfigMaps only in namespaces where a controller runs, and only
/// `envoy-gateway-config`: egscope never lists ConfigMaps cluster-wide.
async fn config_maps(env: Env, ar: ApiResource) {
    let mut rx = env.tx.subscribe();
    let mut seen = None;
    loop {
        let followed = lock(&env.shared).followed(&[Kind::Deployment]);
        if seen.as_ref() == Some(&followed) {
            if rx.changed().await.is_err() {
                break;
            }
            continue;
        }
        seen = Some(followed);
        let (deployments_synced, namespaces) = {
            let s = lock(&env.shared);
            let synced = s
                .feeds
                .get(&Kind::Deployment)
                .is_some_and(FeedState::synced);
            let ns: BTreeSet<String> = s
                .objects
                .get(&Kind::Deployment)
                .map(|m| {
                    m.values()
                        .filter(|d| crate::vocab::is_controller(|k| d.labels.get(k), &d.raw))
                        .map(|d| d.namespace_or_empty().to_string())
                        .collect()
                })
                .unwrap_or_default();
            (synced, ns)
        };
        if deployments_synced {
            let mut s = lock(&env.shared);
            let deployments = s.feeds.get(&Kind::Deployment).cloned();
            if namespaces.is_empty()
                && matches!(s.feeds.get(&Kind::ConfigMap), Some(FeedState::Syncing))
            {
                // No controller visible: nothing to read. When the
                // Deployments themselves could not be read, neither could
                // the ConfigMaps be found.
                let state = match deployments {
                    Some(FeedState::Forbidden(_) | FeedState::Unavailable(_)) => {
                        FeedState::Unavailable(
                            "the controller namespaces are unknown: Deployment could not be read"
                                .into(),
                        )
                    }
                    _ => FeedState::Live,
                };
                s.feeds.insert(Kind::ConfigMap, state);
                drop(s);
                env.notify();
            } else {
                let new: Vec<String> = namespaces
                    .difference(&s.config_namespaces)
                    .cloned()
                    .collect();
                for ns in new {
                    s.config_namespaces.insert(ns.clone());
                    s.config_pending.insert(ns.clone());
                    let spec = FeedSpec {
                        kind: Kind::ConfigMap,
                        ar: ar.clone(),
                        namespaced: true,
                        scopes: vec![Scope::named(CONFIG_MAP_NAME).in_namespace(&ns)],
                        fallback: Vec::new(),
                    };
                    env.spawn(run_feed(spec, env.clone()));
                }
            }
        }
        if rx.changed().await.is_err() {
            break;
        }
    }
}

/// Watches HPAs only in the namespaces of Envoy Gateway's Deployments (the
/// controllers' and the proxy fleets', which the Deployment feed selects),
/// one feed per namespace as they appear. An HPA scales only a workload in
/// its own namespace (`scaleTargetRef` is a CrossVersionObjectReference,
/// which has no namespace: k8s.io/api/autoscaling/v2/types.go), and the
/// server cannot select HPAs by target (their field selectors are
/// metadata.name and metadata.namespace only; an HPA a user made carries no
/// Envoy Gateway label), so these namespaces hold every HPA that can scale
/// a controller or a proxy fleet, and the cluster's other HPAs cost nothing.
async fn hpa_feeds(env: Env, ar: ApiResource) {
    let kind = Kind::HorizontalPodAutoscaler;
    let mut rx = env.tx.subscribe();
    let mut seen = None;
    loop {
        let followed = lock(&env.shared).followed(&[Kind::Deployment]);
        if seen.as_ref() == Some(&followed) {
            if rx.changed().await.is_err() {
                break;
            }
            continue;
        }
        seen = Some(followed);
        let (deployments, namespaces) = {
            let s = lock(&env.shared);
            let mut ns = BTreeSet::new();
            if let Some(objs) = s.objects.get(&Kind::Deployment) {
                namespaces_of(objs, &mut ns);
            }
            (s.feeds.get(&Kind::Deployment).cloned(), ns)
        };
        if deployments.as_ref().is_some_and(FeedState::synced) {
            let mut s = lock(&env.shared);
            let new: Vec<String> = namespaces.difference(&s.hpa_namespaces).cloned().collect();
            if new.is_empty()
                && s.hpa_namespaces.is_empty()
                && matches!(s.feeds.get(&kind), Some(FeedState::Syncing))
            {
                // No Envoy Gateway Deployment: no HPA can scale one. When
                // the Deployments could not be read, neither is it known
                // where their HPAs would be.
                let state = match deployments {
                    Some(FeedState::Forbidden(_) | FeedState::Unavailable(_)) => {
                        FeedState::Unavailable(
                            "the namespaces of Envoy Gateway's Deployments are unknown: \
                             Deployment could not be read"
                                .into(),
                        )
                    }
                    _ => hpa_coverage(&mut s),
                };
                s.feeds.insert(kind, state);
                drop(s);
                env.notify();
            } else if !new.is_empty() {
                for ns in new {
                    s.hpa_namespaces.insert(ns.clone());
                    s.hpa_pending.insert(ns.clone());
                    let spec = FeedSpec {
                        kind,
                        ar: ar.clone(),
                        namespaced: true,
                        scopes: vec![Scope::ALL.in_namespace(&ns)],
                        fallback: Vec::new(),
                    };
                    env.spawn(run_feed(spec, env.clone()));
                }
            }
        }
        if rx.changed().await.is_err() {
            break;
        }
    }
}

/// Records where HPAs were read as the kind's partial coverage, and returns
/// the kind's state once no namespace is pending: live (in full or in
/// part), or forbidden when every namespace refused. HPAs are read only
/// where Envoy Gateway's Deployments could be listed, so a Deployment kind
/// read in some namespaces leaves the HPAs read in those only.
fn hpa_coverage(s: &mut Shared) -> FeedState {
    let kind = Kind::HorizontalPodAutoscaler;
    let deployments = s.partial.get(&Kind::Deployment).cloned();
    let base: Vec<String> = match &deployments {
        Some((namespaces, _)) => namespaces.clone(),
        None => s.hpa_namespaces.iter().cloned().collect(),
    };
    let mut reasons: Vec<String> = deployments
        .iter()
        .map(|(_, why)| format!("read where Deployments could be: {why}"))
        .collect();
    reasons.extend(
        s.hpa_refused
            .iter()
            .map(|(ns, why)| format!("refused in {ns}: {why}")),
    );
    if reasons.is_empty() {
        s.partial.remove(&kind);
        return FeedState::Live;
    }
    let read: Vec<String> = base
        .into_iter()
        .filter(|ns| !s.hpa_refused.contains_key(ns))
        .collect();
    if read.is_empty() && !s.hpa_refused.is_empty() {
        s.partial.remove(&kind);
        return FeedState::Forbidden(reasons.join("; "));
    }
    s.partial.insert(kind, (read, reasons.join("; ")));
    FeedState::Live
}

/// One namespace of HPAs refused (its list or its watch): the kind is read
/// in the others, and reads as partial, never as complete.
fn refuse_hpa_namespace(env: &Env, ns: &str, why: String) {
    let kind = Kind::HorizontalPodAutoscaler;
    {
        let mut s = lock(&env.shared);
        s.hpa_pending.remove(ns);
        s.hpa_refused.insert(ns.to_string(), why);
        if let Some(objs) = s.objects.get_mut(&kind) {
            objs.retain(|(n, _), _| n != ns);
        }
        s.bump(kind);
        let state = hpa_coverage(&mut s);
        if s.hpa_pending.is_empty() || matches!(state, FeedState::Forbidden(_)) {
            s.feeds.insert(kind, state);
        }
    }
    env.notify();
}

/// Watches EndpointSlices only for the Services that routes reference: one
/// feed per namespace, selected by `kubernetes.io/service-name in (...)`,
/// never cluster-wide. A namespace's feed restarts (and relists) when the
/// set of Services referenced there changes.
async fn endpoint_slices(env: Env, ar: ApiResource) {
    use crate::store::backend_refs::{ROUTE_KINDS, SERVICE_NAME_LABEL, referenced_services_of};
    let mut rx = env.tx.subscribe();
    let mut seen = None;
    loop {
        let followed = lock(&env.shared).followed(&ROUTE_KINDS);
        if seen.as_ref() == Some(&followed) {
            if rx.changed().await.is_err() {
                break;
            }
            continue;
        }
        seen = Some(followed);
        let wanted = {
            let s = lock(&env.shared);
            let synced = ROUTE_KINDS
                .iter()
                .all(|k| s.feeds.get(k).is_some_and(FeedState::synced));
            synced.then(|| {
                referenced_services_of(
                    ROUTE_KINDS
                        .iter()
                        .filter_map(|k| s.objects.get(k))
                        .flat_map(|m| m.values())
                        .map(|o| &**o),
                )
            })
        };
        let looked = wanted.is_some();
        if let Some(wanted) = wanted {
            let mut s = lock(&env.shared);
            let mut changed = false;
            let gone: Vec<String> = s
                .slice_feeds
                .keys()
                .filter(|ns| !wanted.contains_key(*ns))
                .cloned()
                .collect();
            for ns in gone {
                if let Some((_, h)) = s.slice_feeds.remove(&ns) {
                    h.abort();
                }
                s.slice_pending.remove(&ns);
                if let Some(objs) = s.objects.get_mut(&Kind::EndpointSlice) {
                    objs.retain(|(n, _), _| *n != ns);
                }
                s.bump(Kind::EndpointSlice);
                changed = true;
            }
            for (ns, names) in &wanted {
                let selector = format!("{SERVICE_NAME_LABEL} in ({})", names.join(","));
                if s.slice_feeds
                    .get(ns)
                    .is_some_and(|(sel, _)| *sel == selector)
                {
                    continue;
                }
                if let Some((_, h)) = s.slice_feeds.remove(ns) {
                    h.abort();
                }
                s.slice_pending.insert(ns.clone());
                let spec = FeedSpec {
                    kind: Kind::EndpointSlice,
                    ar: ar.clone(),
                    namespaced: true,
                    scopes: vec![Scope::labelled(&selector).in_namespace(ns)],
                    fallback: Vec::new(),
                };
                let task = tokio::spawn(run_feed(spec, env.clone()));
                s.slice_feeds
                    .insert(ns.clone(), (selector, task.abort_handle()));
                env.tasks
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(task);
                changed = true;
            }
            if wanted.is_empty()
                && matches!(s.feeds.get(&Kind::EndpointSlice), Some(FeedState::Syncing))
            {
                s.feeds.insert(Kind::EndpointSlice, FeedState::Live);
                changed = true;
            }
            drop(s);
            if changed {
                env.notify();
            }
        }
        // Routes change in bursts: once they are in, look again at most
        // once a second. Never before: the first look must not wait.
        if looked {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        if rx.changed().await.is_err() {
            break;
        }
    }
}

/// `metrics.k8s.io` serves list but no watch: poll the proxy pods' usage
/// every 15 s, once each time (no retries: an aggregated API that is down
/// must cost nothing). A failure keeps the last numbers and says why.
async fn poll_pod_metrics(env: Env, ar: ApiResource) {
    let api: Api<DynamicObject> = Api::all_with(env.client.clone(), &ar);
    let lp = ListParams::default().labels(PROXY_SELECTOR);
    loop {
        let answer = tokio::time::timeout(Retry::OPTIONAL.timeout, api.list(&lp)).await;
        let state = match answer {
            Ok(Ok(list)) => {
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
                let mut s = lock(&env.shared);
                if *s.usage != usage {
                    s.usage = Arc::new(usage);
                }
                FeedState::Live
            }
            Ok(Err(e)) if status_code(&e) == Some(403) => FeedState::Forbidden(one_line(&e)),
            Ok(Err(e)) => FeedState::Unavailable(one_line(&e)),
            Err(_) => FeedState::Unavailable(format!(
                "no answer within {}s",
                Retry::OPTIONAL.timeout.as_secs()
            )),
        };
        let changed = lock(&env.shared).feeds.get(&Kind::PodMetrics) != Some(&state);
        if changed {
            env.set_feed(Kind::PodMetrics, state);
        }
        tokio::time::sleep(Duration::from_secs(15)).await;
    }
}

/// One kind's feed: what to read and where.
#[derive(Clone)]
struct FeedSpec {
    kind: Kind,
    ar: ApiResource,
    namespaced: bool,
    scopes: Vec<Scope>,
    /// Where to read when the cluster-wide list is refused.
    fallback: Vec<String>,
}

impl FeedSpec {
    fn url(&self, client: &Client, scope: &Scope) -> String {
        let api: Api<DynamicObject> = match &scope.namespace {
            Some(ns) => Api::namespaced_with(client.clone(), ns, &self.ar),
            None => Api::all_with(client.clone(), &self.ar),
        };
        api.resource_url().to_string()
    }
}

fn list_params(scope: &Scope) -> ListParams {
    let mut lp = ListParams::default();
    if let Some(l) = &scope.labels {
        lp = lp.labels(l);
    }
    if let Some(f) = &scope.fields {
        lp = lp.fields(f);
    }
    lp
}

fn watch_params(scope: &Scope) -> WatchParams {
    let mut wp = WatchParams::default().timeout(WATCH_TIMEOUT_SECS);
    if let Some(l) = &scope.labels {
        wp = wp.labels(l);
    }
    if let Some(f) = &scope.fields {
        wp = wp.fields(f);
    }
    wp
}

/// The error a refused request stands for: the server's Status when the
/// body is one, else the body's text with the HTTP status.
async fn status_error(status: http::StatusCode, body: kube::client::Body) -> kube::Error {
    let bytes = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let st = serde_json::from_slice::<kube::core::Status>(&bytes).unwrap_or_else(|_| {
        kube::core::Status::failure(
            &String::from_utf8_lossy(&bytes),
            status.canonical_reason().unwrap_or(""),
        )
        .with_code(status.as_u16())
    });
    kube::Error::Api(st.boxed())
}

/// Sends a GET; a non-2xx answer is the server's Status as an error.
async fn send(
    client: &Client,
    req: http::Request<Vec<u8>>,
) -> Result<kube::client::Body, kube::Error> {
    let res = client.send(req.map(kube::client::Body::from)).await?;
    let status = res.status();
    if !status.is_success() {
        return Err(status_error(status, res.into_body()).await);
    }
    Ok(res.into_body())
}

/// One list page, parsed straight into the store's value (no intermediate
/// `serde_json::Value`, no typed object).
/// One list page: its items, the continue token, the resourceVersion and
/// how many items the server says remain after it.
type Page = (Vec<Value>, Option<String>, String, Option<usize>);

async fn list_page(
    client: &Client,
    url: &str,
    lp: &ListParams,
    keys: &mut Keys,
) -> Result<Page, kube::Error> {
    let req = kube::core::Request::new(url)
        .list(lp)
        .map_err(kube::Error::BuildRequest)?;
    let body = send(client, req).await?;
    let bytes = body
        .collect()
        .await
        .map_err(|e| kube::Error::Service(e.into()))?
        .to_bytes();
    let text = std::str::from_utf8(&bytes).map_err(|e| kube::Error::Service(e.into()))?;
    let mut page = Value::from_json_str(text, keys).map_err(kube::Error::SerdeError)?;
    let items = match page.get_mut("items").map(std::mem::take) {
        Some(Value::Array(items)) => items.into_vec(),
        _ => Vec::new(),
    };
    let meta = |k: &str| {
        page.get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Value::as_str)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
    };
    // ListMeta.remainingItemCount (k8s.io/apimachinery/pkg/apis/meta/v1
    // types.go): set on paged lists without a selector, an estimate.
    let remaining = page
        .get("metadata")
        .and_then(|m| m.get("remainingItemCount"))
        .and_then(Value::as_u64)
        .map(|n| n as usize);
    Ok((
        items,
        meta("continue"),
        meta("resourceVersion").unwrap_or_default(),
        remaining,
    ))
}

/// Lists every page of one scope. A continue token that expired mid-way
/// (`410 Expired`) falls back to one full list, as client-go's pager does
/// (k8s.io/client-go/tools/pager/pager.go, `FullListIfExpired`).
async fn list_all(
    client: &Client,
    url: &str,
    base: &ListParams,
    ar: &ApiResource,
    keys: &mut Keys,
    tally: &(dyn Fn(usize, Option<usize>) + Send + Sync),
) -> Result<(Objects, String), kube::Error> {
    let mut items = Objects::new();
    let mut lp = base.clone().limit(PAGE_SIZE);
    loop {
        match list_page(client, url, &lp, keys).await {
            Ok((page, token, rv, remaining)) => {
                // Each page becomes store objects as it arrives, while the
                // server prepares the next.
                items.extend(objects_of(page, ar, keys));
                let total = match (&token, remaining) {
                    (None, _) => Some(items.len()),
                    (Some(_), r) => r.map(|r| r + items.len()),
                };
                tally(items.len(), total);
                match token {
                    Some(token) => lp = lp.continue_token(&token),
                    None => return Ok((items, rv)),
                }
            }
            Err(e) if status_code(&e) == Some(410) && lp.continue_token.is_some() => {
                tracing::info!(error = %one_line(&e), "continue token expired: listing in full");
                let (page, _, rv, _) = list_page(client, url, base, keys).await?;
                let items = objects_of(page, ar, keys).collect();
                return Ok((items, rv));
            }
            Err(e) => return Err(e),
        }
    }
}

/// Listed items as store objects by key (one conversion per object).
fn objects_of<'a>(
    items: Vec<Value>,
    ar: &'a ApiResource,
    keys: &'a mut Keys,
) -> impl Iterator<Item = (Key, Arc<Object>)> + 'a {
    items
        .into_iter()
        .filter_map(move |o| to_object(o, ar, keys))
        .map(|(k, o)| (k, Arc::new(o)))
}

/// Why a streaming list gave no list.
enum StreamFailure {
    /// The server does not serve streaming lists (400/422 on the request,
    /// or no end bookmark): list in pages from now on.
    Unsupported(String),
    /// Any other failure: answered like the same failure of a list.
    Failed(kube::Error),
}

/// A watch event, parsed into the store's value.
struct Event {
    kind: EventType,
    object: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum EventType {
    Added,
    Modified,
    Deleted,
    Bookmark,
    Error,
}

fn parse_event(line: &[u8], keys: &mut Keys) -> Option<Event> {
    let text = std::str::from_utf8(line).ok()?;
    let mut v = Value::from_json_str(text, keys).ok()?;
    let kind = match v.get("type")?.as_str()? {
        "ADDED" => EventType::Added,
        "MODIFIED" => EventType::Modified,
        "DELETED" => EventType::Deleted,
        "BOOKMARK" => EventType::Bookmark,
        "ERROR" => EventType::Error,
        _ => return None,
    };
    let object = std::mem::take(v.get_mut("object")?);
    Some(Event { kind, object })
}

/// The Status an ERROR event carries.
fn event_status(o: &Value) -> kube::core::Status {
    let text = |k: &str| o.get(k).and_then(Value::as_str).unwrap_or_default();
    kube::core::Status::failure(text("message"), text("reason"))
        .with_code(o.get("code").and_then(Value::as_u64).unwrap_or(500) as u16)
}

/// Splits a chunked watch body into lines as they complete.
fn take_lines(pending: &mut Vec<u8>) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(pos) = pending.iter().position(|b| *b == b'\n') {
        let line: Vec<u8> = pending.drain(..=pos).collect();
        if !line.iter().all(u8::is_ascii_whitespace) {
            out.push(line);
        }
    }
    out
}

/// A streaming list of one scope: a watch with `sendInitialEvents=true`
/// (`resourceVersionMatch=NotOlderThan`, `resourceVersion=0`: served from
/// the watch cache), read up to the bookmark annotated
/// `k8s.io/initial-events-end`, whose resourceVersion the watch resumes
/// from (KEP-3157; client-go reflector.go, `watchList`). The stream is then
/// closed: the ordinary watch that follows is the same request as after a
/// paged list.
async fn stream_list(
    client: &Client,
    url: &str,
    scope: &Scope,
    ar: &ApiResource,
    keys: &mut Keys,
    tally: &(dyn Fn(usize, Option<usize>) + Send + Sync),
) -> Result<(Objects, String), StreamFailure> {
    let mut wp = watch_params(scope);
    wp.bookmarks = true;
    wp.send_initial_events = true;
    let req = kube::core::Request::new(url)
        .watch(&wp, "0")
        .map_err(|e| StreamFailure::Failed(kube::Error::BuildRequest(e)))?;
    let mut body = match send(client, req).await {
        Ok(b) => b,
        // A server without WatchList: 422 Invalid ("sendInitialEvents is
        // forbidden for watch unless the WatchList feature gate is
        // enabled", apimachinery's internalversion/validation), or 400 from
        // one that rejects the parameters outright.
        Err(e) if matches!(status_code(&e), Some(400 | 422)) => {
            return Err(StreamFailure::Unsupported(one_line(&e)));
        }
        Err(e) => return Err(StreamFailure::Failed(e)),
    };
    let mut objects = Objects::new();
    let mut pending = Vec::new();
    loop {
        let frame = match tokio::time::timeout(INITIAL_EVENTS_SILENCE, body.frame()).await {
            Err(_) | Ok(None) => {
                return Err(StreamFailure::Unsupported(
                    "the streaming list ended without its initial-events-end bookmark".into(),
                ));
            }
            Ok(Some(Err(e))) => return Err(StreamFailure::Failed(kube::Error::Service(e.into()))),
            Ok(Some(Ok(frame))) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        pending.extend_from_slice(&data);
        for line in take_lines(&mut pending) {
            let Some(ev) = parse_event(&line, keys) else {
                // An object no view can read is skipped, as a list skips it.
                continue;
            };
            match ev.kind {
                EventType::Added | EventType::Modified => {
                    // A store object at once, while the rest is in transit.
                    if let Some((k, o)) = to_object(ev.object, ar, keys) {
                        objects.insert(k, Arc::new(o));
                    }
                    // No total in a stream; the count moves every so often.
                    if objects.len().is_multiple_of(STREAM_TALLY_EVERY) {
                        tally(objects.len(), None);
                    }
                }
                EventType::Deleted => {
                    objects.remove(&key_of(&ev.object));
                }
                EventType::Bookmark => {
                    let end = ev
                        .object
                        .get("metadata")
                        .and_then(|m| m.get("annotations"))
                        .and_then(|a| a.get(INITIAL_EVENTS_END))
                        .and_then(Value::as_str)
                        == Some("true");
                    if end {
                        let rv = resource_version_of(&ev.object).unwrap_or_default();
                        return Ok((objects, rv));
                    }
                }
                EventType::Error => {
                    let st = event_status(&ev.object);
                    return Err(StreamFailure::Failed(kube::Error::Api(st.boxed())));
                }
            }
        }
    }
}

/// The first list of one scope: streaming where the server serves it,
/// else in pages.
async fn list_scope(
    env: &Env,
    spec: &FeedSpec,
    scope: &Scope,
) -> Result<(Objects, String), kube::Error> {
    let url = spec.url(&env.client, scope);
    let mut keys = Keys::new();
    let kind = spec.kind;
    let tally = |read: usize, total: Option<usize>| env.tally(kind, &url, read, total);
    if env.watch_list.load(Ordering::Relaxed) {
        match stream_list(&env.client, &url, scope, &spec.ar, &mut keys, &tally).await {
            Ok(listed) => return Ok(listed),
            Err(StreamFailure::Unsupported(why)) => {
                tracing::info!(kind = spec.kind.name(), %why, "no streaming lists: listing in pages");
                env.watch_list.store(false, Ordering::Relaxed);
            }
            // Missing: a list would be too. A 403 falls through to the list,
            // whose own answer ("cannot list ...") names the right they need.
            Err(StreamFailure::Failed(e)) if status_code(&e) == Some(404) => {
                return Err(e);
            }
            Err(StreamFailure::Failed(e)) => {
                tracing::debug!(kind = spec.kind.name(), error = %one_line(&e), "streaming list failed: listing in pages");
            }
        }
    }
    list_all(
        &env.client,
        &url,
        &list_params(scope),
        &spec.ar,
        &mut keys,
        &tally,
    )
    .await
}

/// What one scope's watch stream says to its feed.
enum WatchMsg {
    /// The server accepted the watch: the feed is current again.
    Established,
    Event(Box<Event>),
    StartFailed(kube::Error),
    /// The connection broke mid-stream.
    Broken(kube::Error),
    /// The server ended the watch (its timeout): resume at once.
    Ended,
}

/// One scope's watch from `rv`, after `delay`, tagged with the scope's index.
///
/// The request is sent by hand rather than through `Api::watch`, which
/// hands back a stream even when the server refused the watch (the error
/// arrives as the stream's first item, indistinguishable in time from a
/// quiet kind's silence). The HTTP status tells at once whether the watch
/// is established, which is what turns a stale feed live again. Events are
/// parsed straight into the store's value.
fn watch_stream(
    index: usize,
    client: Client,
    url: String,
    wp: WatchParams,
    rv: String,
    delay: Duration,
) -> BoxStream<'static, (usize, WatchMsg)> {
    async_stream::stream! {
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        let req = match kube::core::Request::new(url).watch(&wp, &rv) {
            Ok(r) => r,
            Err(e) => {
                yield (index, WatchMsg::StartFailed(kube::Error::BuildRequest(e)));
                return;
            }
        };
        let mut body = match send(&client, req).await {
            Ok(b) => b,
            Err(e) => {
                yield (index, WatchMsg::StartFailed(e));
                return;
            }
        };
        yield (index, WatchMsg::Established);
        let mut keys = Keys::new();
        let mut pending: Vec<u8> = Vec::new();
        loop {
            match body.frame().await {
                None => break,
                Some(Err(e)) => {
                    yield (index, WatchMsg::Broken(kube::Error::Service(e.into())));
                    return;
                }
                Some(Ok(frame)) => {
                    let Ok(data) = frame.into_data() else { continue };
                    pending.extend_from_slice(&data);
                    if keys.len() > MAX_FEED_KEYS {
                        keys = Keys::new();
                    }
                    for line in take_lines(&mut pending) {
                        match parse_event(&line, &mut keys) {
                            Some(ev) => yield (index, WatchMsg::Event(Box::new(ev))),
                            // An object no view can read is skipped, as a
                            // list skips it; the watch goes on.
                            None => tracing::debug!("undecodable watch event"),
                        }
                    }
                }
            }
        }
        yield (index, WatchMsg::Ended);
    }
    .boxed()
}

/// How a list attempt ended.
enum ListOutcome {
    Listed(Vec<(Scope, Objects, String)>),
    /// Cluster-wide refused: read per namespace from now on.
    FallBack(String),
    Stop(FeedState),
    Failed(String),
}

/// Lists every scope of a feed, concurrently (a kind read by name, such as
/// the CRDs, has one scope per name).
async fn list_scopes(spec: &FeedSpec, env: &Env) -> ListOutcome {
    let answers =
        futures::future::join_all(spec.scopes.iter().map(|sc| list_scope(env, spec, sc))).await;
    let mut out = Vec::new();
    let mut refused = Vec::new();
    for (scope, answer) in spec.scopes.iter().zip(answers) {
        match answer {
            Ok((items, rv)) => out.push((scope.clone(), items, rv)),
            Err(e) => match status_code(&e) {
                Some(403)
                    if scope.namespace.is_none()
                        && spec.namespaced
                        && !spec.fallback.is_empty() =>
                {
                    return ListOutcome::FallBack(one_line(&e));
                }
                Some(403) if scope.namespace.is_some() && spec.scopes.len() > 1 => {
                    refused.push(one_line(&e))
                }
                Some(403) => return ListOutcome::Stop(FeedState::Forbidden(one_line(&e))),
                Some(404) => return ListOutcome::Stop(FeedState::NotInstalled),
                _ => return ListOutcome::Failed(one_line(&e)),
            },
        }
    }
    if out.is_empty() {
        return ListOutcome::Stop(FeedState::Forbidden(refused.join("; ")));
    }
    ListOutcome::Listed(out)
}

/// Feeds one kind into the shared state: list, then watch and resume;
/// relist only when the server says the resourceVersion is gone.
async fn run_feed(mut spec: FeedSpec, env: Env) {
    let kind = spec.kind;
    let mut keys = Keys::new();
    let mut backoff = watcher::DefaultBackoff::default();
    let mut failed_lists = 0u32;
    'relist: loop {
        let listed = match list_scopes(&spec, &env).await {
            ListOutcome::Listed(l) => l,
            ListOutcome::FallBack(why) => {
                let namespaces = spec.fallback.clone();
                tracing::info!(kind = kind.name(), %why, ?namespaces, "cluster-wide list refused: reading per namespace");
                spec.scopes = namespaces
                    .iter()
                    .flat_map(|ns| spec.scopes.iter().map(|sc| sc.in_namespace(ns)))
                    .collect();
                lock(&env.shared).partial.insert(
                    kind,
                    (namespaces, format!("cluster-wide list refused: {why}")),
                );
                continue 'relist;
            }
            ListOutcome::Stop(state) => {
                match (state, hpa_namespace(&spec)) {
                    (FeedState::Forbidden(why), Some(ns)) => refuse_hpa_namespace(&env, &ns, why),
                    (state, _) => env.set_feed(kind, state),
                }
                return;
            }
            ListOutcome::Failed(why) => {
                failed_lists += 1;
                let next = {
                    let s = lock(&env.shared);
                    match s.feeds.get(&kind) {
                        Some(FeedState::Live) => Some(FeedState::Stale {
                            since: Instant::now(),
                            error: why.clone(),
                        }),
                        Some(FeedState::Stale { since, .. }) => Some(FeedState::Stale {
                            since: *since,
                            error: why.clone(),
                        }),
                        _ if failed_lists >= FAILED_LISTS_UNTIL_UNAVAILABLE => {
                            Some(FeedState::Unavailable(why.clone()))
                        }
                        _ => None,
                    }
                };
                if let Some(state) = next {
                    env.set_feed(kind, state);
                }
                tokio::time::sleep(backoff.next().unwrap_or(Duration::from_secs(30))).await;
                continue 'relist;
            }
        };
        failed_lists = 0;
        lock(&env.shared).progress.remove(&kind);
        // Namespaces refused one by one drop out of the feed.
        spec.scopes = listed.iter().map(|(scope, _, _)| scope.clone()).collect();
        if spec.scopes.iter().all(|sc| sc.namespace.is_some())
            && let Some((namespaces, _)) = lock(&env.shared).partial.get_mut(&kind)
        {
            let read: BTreeSet<String> = spec
                .scopes
                .iter()
                .flat_map(|sc| sc.namespace.clone())
                .collect();
            *namespaces = read.into_iter().collect();
        }
        // The objects were decoded as they arrived, outside any lock:
        // readers never wait on a large list.
        let mut fresh: Vec<(Scope, Objects)> = Vec::new();
        let mut rvs = Vec::new();
        let listed_at = env.clock.now();
        for (scope, mut objs, rv) in listed {
            for o in objs.values_mut() {
                if let Some(o) = Arc::get_mut(o) {
                    o.generation_since = Some(listed_at);
                }
            }
            fresh.push((scope, objs));
            rvs.push(rv);
        }
        {
            let mut s = lock(&env.shared);
            let objs = s.objects.entry(kind).or_default();
            let mut listed_namespaces = Vec::new();
            for (scope, mut list) in fresh {
                // A relist keeps when each generation was first seen.
                carry_generation_since(objs, &mut list);
                if scope == Scope::ALL {
                    *objs = list;
                } else {
                    // Several scopes (namespaces, selectors, names) share
                    // the kind: replace only what this one holds.
                    objs.retain(|k, o| !scope.holds(k, o));
                    objs.extend(list);
                }
                listed_namespaces.extend(scope.namespace);
            }
            if kind == Kind::Event {
                for ns in &listed_namespaces {
                    cap_events(objs, ns);
                }
            }
            s.bump(kind);
            // Per-namespace feeds of one kind: the kind is live once every
            // namespace is listed, and for EndpointSlices one refused
            // namespace keeps it forbidden (an unread namespace must not read
            // as "no endpoints").
            let waiting = match s.pending(kind) {
                Some(pending) => {
                    for ns in &listed_namespaces {
                        pending.remove(ns);
                    }
                    !pending.is_empty()
                }
                None => false,
            } || (kind == Kind::EndpointSlice
                && matches!(s.feeds.get(&kind), Some(FeedState::Forbidden(_))));
            if !waiting {
                let state = if kind == Kind::HorizontalPodAutoscaler {
                    hpa_coverage(&mut s)
                } else {
                    FeedState::Live
                };
                s.feeds.insert(kind, state);
            }
        }
        env.notify();
        backoff = watcher::DefaultBackoff::default();

        let wps: Vec<WatchParams> = spec.scopes.iter().map(watch_params).collect();
        let urls: Vec<String> = spec
            .scopes
            .iter()
            .map(|sc| spec.url(&env.client, sc))
            .collect();
        let mut streams: SelectAll<BoxStream<'static, (usize, WatchMsg)>> = SelectAll::new();
        for (i, url) in urls.iter().enumerate() {
            streams.push(watch_stream(
                i,
                env.client.clone(),
                url.clone(),
                wps[i].clone(),
                rvs[i].clone(),
                Duration::ZERO,
            ));
        }
        // Back-to-back failures per scope, for the resume delay, and when
        // each scope's watch started: a server that ends watches at once
        // must not make a hot loop.
        let mut failures = vec![0u32; urls.len()];
        let mut started = vec![Instant::now(); urls.len()];
        while let Some((i, msg)) = streams.next().await {
            let short_lived = started[i].elapsed() < Duration::from_secs(1);
            let resume = |rv: &str, after: Duration| {
                let after = if short_lived {
                    after.max(Duration::from_secs(1))
                } else {
                    after
                };
                watch_stream(
                    i,
                    env.client.clone(),
                    urls[i].clone(),
                    wps[i].clone(),
                    rv.to_string(),
                    after,
                )
            };
            if !matches!(msg, WatchMsg::Event(_) | WatchMsg::Established) {
                started[i] = Instant::now();
            }
            match msg {
                WatchMsg::Established => {
                    failures[i] = 0;
                    let stale = matches!(
                        lock(&env.shared).feeds.get(&kind),
                        Some(FeedState::Stale { .. })
                    );
                    if stale {
                        env.set_feed(kind, FeedState::Live);
                    }
                }
                WatchMsg::Event(ev) => {
                    let Event { kind: ty, object } = *ev;
                    match ty {
                        EventType::Added | EventType::Modified => {
                            if let Some(rv) = resource_version_of(&object) {
                                rvs[i] = rv;
                            }
                            if let Some((k, mut obj)) = to_object(object, &spec.ar, &mut keys) {
                                let now = env.clock.now();
                                let mut s = lock(&env.shared);
                                let objs = s.objects.entry(kind).or_default();
                                let old = objs.get(&k).cloned();
                                obj.generation_since = match &old {
                                    Some(o)
                                        if changes::generation(o) == changes::generation(&obj) =>
                                    {
                                        o.generation_since
                                    }
                                    _ => Some(now),
                                };
                                let change = changes::between(old.as_deref(), Some(&obj), now);
                                let ns = k.0.clone();
                                objs.insert(k, Arc::new(obj));
                                if kind == Kind::Event {
                                    cap_events(objs, &ns);
                                }
                                if let Some(c) = change {
                                    Arc::make_mut(&mut s.changes).push(c);
                                }
                                s.bump(kind);
                                drop(s);
                                env.notify();
                            }
                        }
                        EventType::Deleted => {
                            if let Some(rv) = resource_version_of(&object) {
                                rvs[i] = rv;
                            }
                            let k = key_of(&object);
                            let now = env.clock.now();
                            let mut s = lock(&env.shared);
                            let old = s.objects.entry(kind).or_default().remove(&k);
                            if let Some(c) = old.and_then(|o| changes::between(Some(&o), None, now))
                            {
                                Arc::make_mut(&mut s.changes).push(c);
                            }
                            s.bump(kind);
                            drop(s);
                            env.notify();
                        }
                        EventType::Bookmark => {
                            if let Some(rv) = resource_version_of(&object) {
                                rvs[i] = rv;
                            }
                        }
                        EventType::Error => {
                            let status = event_status(&object);
                            if status.code == 410 {
                                tracing::info!(
                                    kind = kind.name(),
                                    "watch resourceVersion gone: relisting"
                                );
                                continue 'relist;
                            }
                            // The server ends the stream after an error event.
                            failures[i] += 1;
                            mark_stale(&env, kind, format!("{}: {}", status.code, status.message));
                            let delay = resume_delay(failures[i]);
                            streams.push(resume(&rvs[i], delay));
                        }
                    }
                }
                WatchMsg::StartFailed(e) => match status_code(&e) {
                    Some(410) => continue 'relist,
                    Some(403) => {
                        match hpa_namespace(&spec) {
                            Some(ns) => refuse_hpa_namespace(&env, &ns, one_line(&e)),
                            None => env.set_feed(kind, FeedState::Forbidden(one_line(&e))),
                        }
                        return;
                    }
                    Some(404) => {
                        env.set_feed(kind, FeedState::NotInstalled);
                        return;
                    }
                    _ => {
                        failures[i] += 1;
                        mark_stale(&env, kind, one_line(&e));
                        streams.push(resume(&rvs[i], resume_delay(failures[i])));
                    }
                },
                WatchMsg::Broken(e) => {
                    // A dropped connection: resume from where it was, at
                    // once the first time; no relist.
                    tracing::debug!(kind = kind.name(), error = %one_line(&e), "watch broke: resuming");
                    failures[i] += 1;
                    streams.push(resume(&rvs[i], resume_delay(failures[i].saturating_sub(1))));
                }
                WatchMsg::Ended => {
                    failures[i] = 0;
                    streams.push(resume(&rvs[i], Duration::ZERO));
                }
            }
        }
        // Every scope's stream ended without being resumed (cannot happen,
        // each branch above resumes or returns): list again.
    }
}

/// The namespace of a per-namespace HPA feed (see `hpa_feeds`).
fn hpa_namespace(spec: &FeedSpec) -> Option<String> {
    match spec.scopes.as_slice() {
        [
            Scope {
                namespace: Some(ns),
                ..
            },
        ] if spec.kind == Kind::HorizontalPodAutoscaler => Some(ns.clone()),
        _ => None,
    }
}

/// Gives the objects of a fresh list the first-seen time of the same
/// generation already held (a relist after `410 Gone` is no change).
fn carry_generation_since(held: &Objects, fresh: &mut Objects) {
    for (k, o) in fresh.iter_mut() {
        if let Some(old) = held.get(k)
            && changes::generation(old) == changes::generation(o)
            && let Some(o) = Arc::get_mut(o)
        {
            o.generation_since = old.generation_since;
        }
    }
}

/// kube's default backoff shape: 0.8 s doubling to 30 s, none the first time.
fn resume_delay(failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let ms = 800u64.saturating_mul(1u64 << (failures - 1).min(6));
    Duration::from_millis(ms.min(30_000))
}

fn mark_stale(env: &Env, kind: Kind, error: String) {
    let next = {
        let s = lock(&env.shared);
        match s.feeds.get(&kind) {
            Some(FeedState::Stale { since, .. }) => FeedState::Stale {
                since: *since,
                error,
            },
            _ => FeedState::Stale {
                since: Instant::now(),
                error,
            },
        }
    };
    env.set_feed(kind, next);
}

/// Writes the live store as a `kind: List` YAML document that `--snapshot`
/// reads back: the "back up CRD instances before upgrading" step. The List's
/// annotations record what was listed, forbidden or not installed and when
/// (see `coverage`), so that its audit equals the live one. Items are
/// written one at a time, so the output is the only copy made.
pub fn snapshot_yaml(store: &Store, taken_at: jiff::Timestamp) -> Result<String, UserError> {
    let yaml_err = |e: serde_saphyr::SerializeError| {
        UserError::new(format!("cannot write the snapshot as YAML: {e}"))
    };
    let annotations = super::coverage::annotations(store, taken_at);
    let meta = serde_json::json!({ "annotations": annotations });
    let mut out = String::from("apiVersion: v1\nkind: List\nmetadata:\n");
    for line in serde_saphyr::to_string(&meta).map_err(yaml_err)?.lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str("items:\n");
    for o in store.all().filter(|o| o.kind != Kind::PodMetrics) {
        let mut item = o.raw.clone();
        if let Some(meta) = item.get_mut("metadata").and_then(|m| m.as_object_mut()) {
            meta.remove("managedFields");
        }
        let text = serde_saphyr::to_string(&item).map_err(yaml_err)?;
        for (i, line) in text.lines().enumerate() {
            out.push_str(if i == 0 { "- " } else { "  " });
            out.push_str(line);
            out.push('\n');
        }
    }
    Ok(out)
}
