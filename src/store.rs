//! The store: every object a source produced, by kind, with where it came from.
//!
//! Sources (snapshot files today, live watchers later) fill a `Store`; the
//! model reads it and never touches the network. Objects are kept as JSON
//! values so that views of any API version can be decoded from them and so
//! the detail pane can show the object as it was.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use compact_str::CompactString;
use serde::Serialize;

use crate::codec::value::Value;

pub mod backend_refs;
pub mod changes;
pub mod events;

/// Where an object was read from (snapshot input only).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub file: Arc<str>,
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// Identity of an object as reports print it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    #[serde(skip_serializing_if = "String::is_empty")]
    pub api_version: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
}

impl ObjectRef {
    pub fn new(api_version: &str, kind: &str, namespace: Option<&str>, name: &str) -> Self {
        ObjectRef {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
            namespace: namespace.map(str::to_string),
            name: name.to_string(),
        }
    }

    /// `kind/namespace/name` (or `kind/name` when cluster-scoped).
    pub fn display_path(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{}/{}", self.kind, ns, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }

    /// The reference without apiVersion, as `related` entries print it.
    pub fn without_version(&self) -> ObjectRef {
        ObjectRef {
            api_version: String::new(),
            ..self.clone()
        }
    }
}

impl fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display_path())
    }
}

/// The API group of an `apiVersion` (`""` for the core group).
pub fn group_of(api_version: &str) -> &str {
    match api_version.rsplit_once('/') {
        Some((group, _)) => group,
        None => "",
    }
}

/// Kinds egscope reads, keyed by group and kind so that, say, Istio's
/// `networking.istio.io` Gateway is never taken for a Gateway API one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Namespace,
    Pod,
    Service,
    ConfigMap,
    Deployment,
    DaemonSet,
    HorizontalPodAutoscaler,
    CustomResourceDefinition,
    GatewayClass,
    Gateway,
    HttpRoute,
    GrpcRoute,
    TlsRoute,
    TcpRoute,
    UdpRoute,
    ReferenceGrant,
    BackendTlsPolicy,
    XListenerSet,
    ListenerSet,
    EnvoyProxy,
    ClientTrafficPolicy,
    BackendTrafficPolicy,
    SecurityPolicy,
    EnvoyPatchPolicy,
    EnvoyExtensionPolicy,
    Backend,
    HttpRouteFilter,
    PodMetrics,
    /// events.k8s.io/v1, read only in the namespaces of the objects egscope
    /// shows (see `source::live`), never cluster-wide.
    Event,
    /// discovery.k8s.io/v1, read only for the Services routes reference.
    EndpointSlice,
}

pub const GATEWAY_API_GROUP: &str = "gateway.networking.k8s.io";
pub const GATEWAY_API_X_GROUP: &str = "gateway.networking.x-k8s.io";
pub const ENVOY_GATEWAY_GROUP: &str = "gateway.envoyproxy.io";

impl Kind {
    pub const ALL: [Kind; 30] = [
        Kind::Namespace,
        Kind::Pod,
        Kind::Service,
        Kind::ConfigMap,
        Kind::Deployment,
        Kind::DaemonSet,
        Kind::HorizontalPodAutoscaler,
        Kind::CustomResourceDefinition,
        Kind::GatewayClass,
        Kind::Gateway,
        Kind::HttpRoute,
        Kind::GrpcRoute,
        Kind::TlsRoute,
        Kind::TcpRoute,
        Kind::UdpRoute,
        Kind::ReferenceGrant,
        Kind::BackendTlsPolicy,
        Kind::XListenerSet,
        Kind::ListenerSet,
        Kind::EnvoyProxy,
        Kind::ClientTrafficPolicy,
        Kind::BackendTrafficPolicy,
        Kind::SecurityPolicy,
        Kind::EnvoyPatchPolicy,
        Kind::EnvoyExtensionPolicy,
        Kind::Backend,
        Kind::HttpRouteFilter,
        Kind::PodMetrics,
        Kind::Event,
        Kind::EndpointSlice,
    ];

    /// (group, kind name) as the API server spells them.
    pub fn group_kind(self) -> (&'static str, &'static str) {
        use Kind::*;
        match self {
            Namespace => ("", "Namespace"),
            Pod => ("", "Pod"),
            Service => ("", "Service"),
            ConfigMap => ("", "ConfigMap"),
            Deployment => ("apps", "Deployment"),
            DaemonSet => ("apps", "DaemonSet"),
            HorizontalPodAutoscaler => ("autoscaling", "HorizontalPodAutoscaler"),
            CustomResourceDefinition => ("apiextensions.k8s.io", "CustomResourceDefinition"),
            GatewayClass => (GATEWAY_API_GROUP, "GatewayClass"),
            Gateway => (GATEWAY_API_GROUP, "Gateway"),
            HttpRoute => (GATEWAY_API_GROUP, "HTTPRoute"),
            GrpcRoute => (GATEWAY_API_GROUP, "GRPCRoute"),
            TlsRoute => (GATEWAY_API_GROUP, "TLSRoute"),
            TcpRoute => (GATEWAY_API_GROUP, "TCPRoute"),
            UdpRoute => (GATEWAY_API_GROUP, "UDPRoute"),
            ReferenceGrant => (GATEWAY_API_GROUP, "ReferenceGrant"),
            BackendTlsPolicy => (GATEWAY_API_GROUP, "BackendTLSPolicy"),
            XListenerSet => (GATEWAY_API_X_GROUP, "XListenerSet"),
            // Gateway API v1.5+ (standard channel), read by Envoy Gateway v1.8+.
            ListenerSet => (GATEWAY_API_GROUP, "ListenerSet"),
            EnvoyProxy => (ENVOY_GATEWAY_GROUP, "EnvoyProxy"),
            ClientTrafficPolicy => (ENVOY_GATEWAY_GROUP, "ClientTrafficPolicy"),
            BackendTrafficPolicy => (ENVOY_GATEWAY_GROUP, "BackendTrafficPolicy"),
            SecurityPolicy => (ENVOY_GATEWAY_GROUP, "SecurityPolicy"),
            EnvoyPatchPolicy => (ENVOY_GATEWAY_GROUP, "EnvoyPatchPolicy"),
            EnvoyExtensionPolicy => (ENVOY_GATEWAY_GROUP, "EnvoyExtensionPolicy"),
            Backend => (ENVOY_GATEWAY_GROUP, "Backend"),
            HttpRouteFilter => (ENVOY_GATEWAY_GROUP, "HTTPRouteFilter"),
            PodMetrics => ("metrics.k8s.io", "PodMetrics"),
            Event => ("events.k8s.io", "Event"),
            EndpointSlice => ("discovery.k8s.io", "EndpointSlice"),
        }
    }

    pub fn name(self) -> &'static str {
        self.group_kind().1
    }

    /// Cluster-scoped kinds have no namespace.
    pub fn cluster_scoped(self) -> bool {
        matches!(
            self,
            Kind::Namespace | Kind::CustomResourceDefinition | Kind::GatewayClass
        )
    }

    /// The kind of an object with this apiVersion and kind, if egscope reads it.
    pub fn from_api(api_version: &str, kind: &str) -> Option<Kind> {
        let group = group_of(api_version);
        // `kubectl get events -o yaml` writes core v1 Events: the same
        // objects as events.k8s.io/v1 serves, under older field names
        // (`model::events` reads both).
        if group.is_empty() && kind == "Event" {
            return Some(Kind::Event);
        }
        Kind::ALL.into_iter().find(|k| {
            let (g, n) = k.group_kind();
            n == kind && g == group
        })
    }
}

/// One object as read from a source.
#[derive(Debug, Clone)]
pub struct Object {
    pub kind: Kind,
    pub api_version: String,
    pub namespace: Option<String>,
    pub name: String,
    pub labels: StrMap,
    pub annotations: StrMap,
    /// RFC 3339 as the API server writes it; `None` for manifests.
    pub creation_timestamp: Option<String>,
    pub raw: Value,
    pub location: Option<Location>,
    /// Live only: when this session first saw the object at its current
    /// `metadata.generation` (session clock). EG511 measures a
    /// controller's lag from it.
    pub generation_since: Option<jiff::Timestamp>,
}

impl Object {
    pub fn obj_ref(&self) -> ObjectRef {
        ObjectRef {
            api_version: self.api_version.clone(),
            kind: self.kind.name().to_string(),
            namespace: self.namespace.clone(),
            name: self.name.clone(),
        }
    }

    pub fn spec(&self) -> &Value {
        self.raw.get("spec").unwrap_or(&Value::Null)
    }

    pub fn status(&self) -> Option<&Value> {
        self.raw.get("status").filter(|s| !s.is_null())
    }

    pub fn namespace_or_empty(&self) -> &str {
        self.namespace.as_deref().unwrap_or("")
    }

    /// Decodes `raw` from the metadata every Kubernetes object carries.
    /// Fails (with the reason) when the object has no kind, apiVersion or
    /// name, or when its metadata has the wrong shape.
    pub fn from_value(
        raw: impl Into<Value>,
        location: Option<Location>,
    ) -> Result<ObjectOrOther, Box<Undecodable>> {
        let raw: Value = raw.into();
        let text = |key: &str| raw.get(key).and_then(Value::as_str).map(str::to_string);
        let api_version = text("apiVersion");
        let kind_name = text("kind");
        let meta = raw.get("metadata");
        let name = meta
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .map(str::to_string);
        let partial = || PartialRef {
            api_version: api_version.clone().unwrap_or_default(),
            kind: kind_name.clone().unwrap_or_default(),
            namespace: meta
                .and_then(|m| m.get("namespace"))
                .and_then(Value::as_str)
                .map(str::to_string),
            name: name.clone().unwrap_or_default(),
        };
        let fail = |reason: String| {
            Box::new(Undecodable {
                reason,
                object: partial(),
                location: location.clone(),
            })
        };
        let (Some(api_version), Some(kind_name)) = (api_version.clone(), kind_name.clone()) else {
            return Err(fail("no apiVersion or kind".into()));
        };
        let Some(kind) = Kind::from_api(&api_version, &kind_name) else {
            return Ok(ObjectOrOther::Other);
        };
        let Some(meta) = meta.filter(|m| m.is_object()) else {
            return Err(fail("metadata is missing or not a mapping".into()));
        };
        let Some(name) = name.clone().filter(|n| !n.is_empty()) else {
            return Err(fail("metadata.name is missing or not a string".into()));
        };
        let labels =
            string_map(meta.get("labels")).map_err(|e| fail(format!("metadata.labels {e}")))?;
        let annotations = string_map(meta.get("annotations"))
            .map_err(|e| fail(format!("metadata.annotations {e}")))?;
        let namespace = match meta.get("namespace") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) => Some(s.to_string()),
            Some(_) => return Err(fail("metadata.namespace is not a string".into())),
        };
        // Cluster-scoped kinds never carry a namespace, whatever a file says.
        let namespace = if kind.cluster_scoped() {
            None
        } else {
            namespace
        };
        let creation_timestamp = meta
            .get("creationTimestamp")
            .and_then(Value::as_str)
            .map(str::to_string);
        Ok(ObjectOrOther::Object(Box::new(Object {
            kind,
            api_version,
            namespace,
            name,
            labels,
            annotations,
            creation_timestamp,
            raw,
            location,
            generation_since: None,
        })))
    }
}

/// The outcome of decoding a well-formed object: one egscope reads, or one
/// of a kind it has no use for (kept out of the store, never an error).
#[derive(Debug)]
pub enum ObjectOrOther {
    Object(Box<Object>),
    Other,
}

fn string_map(v: Option<&Value>) -> Result<StrMap, String> {
    let mut out = Vec::new();
    match v {
        None | Some(Value::Null) => {}
        Some(Value::Object(map)) => {
            for (k, v) in map {
                let s = match v {
                    Value::String(s) => s.clone(),
                    Value::Null => CompactString::default(),
                    // Unquoted numbers and booleans in hand-written YAML; the
                    // API server would have rejected them but files carry them.
                    Value::Bool(_) | Value::Number(_) => v.to_string().into(),
                    _ => return Err(format!("key {k:?} is not a string")),
                };
                out.push((CompactString::from(k), s));
            }
        }
        Some(_) => return Err("is not a mapping".into()),
    }
    Ok(StrMap::from_entries(out))
}

/// Labels or annotations: sorted by key, in one allocation (a `BTreeMap`
/// of `String`s costs a 600-byte node and two allocations per entry). No
/// crate: a map that never changes after decoding is a sorted boxed slice
/// and std's `binary_search_by`, a few lines against another dependency.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrMap(Box<[(CompactString, CompactString)]>);

impl StrMap {
    /// Sorts `entries` by key; of a repeated key the last value wins.
    fn from_entries(mut entries: Vec<(CompactString, CompactString)>) -> StrMap {
        // Stable: repeated keys stay in input order, the last is kept.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(CompactString, CompactString)> = Vec::with_capacity(entries.len());
        for (k, v) in entries {
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 = v,
                _ => out.push((k, v)),
            }
        }
        StrMap(out.into_boxed_slice())
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        let i = self.0.binary_search_by(|(k, _)| k.as_str().cmp(key)).ok()?;
        Some(&self.0[i].1)
    }

    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<'a> IntoIterator for &'a StrMap {
    type Item = (&'a str, &'a str);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (CompactString, CompactString)>,
        fn(&'a (CompactString, CompactString)) -> (&'a str, &'a str),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

impl<K: Into<CompactString>, V: Into<CompactString>> FromIterator<(K, V)> for StrMap {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> StrMap {
        StrMap::from_entries(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl From<BTreeMap<String, String>> for StrMap {
    fn from(m: BTreeMap<String, String>) -> StrMap {
        m.into_iter().collect()
    }
}

/// What is known of an object that could not be decoded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PartialRef {
    pub api_version: String,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
}

/// An object no view could read: becomes an EG001 finding and stays visible.
#[derive(Debug, Clone)]
pub struct Undecodable {
    pub reason: String,
    pub object: PartialRef,
    pub location: Option<Location>,
}

/// How a kind fared in the source. The audit runs a rule only on kinds it
/// could read, and says which rules it could not judge and why: a kind that
/// is `Forbidden`, `Unavailable` or `Partial` makes the audit incomplete,
/// while `NotInstalled` (and `Absent` in a snapshot) only make rules not
/// applicable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KindState {
    /// Listed (live, or recorded as listed in an egscope snapshot) or at
    /// least one object seen (any snapshot).
    Present,
    /// Snapshot without any object of the kind and no record of a list.
    Absent,
    /// The API server answered 403; the reason is one line a person can act on.
    Forbidden(String),
    NotInstalled,
    /// The server failed to answer (5xx, timeout, discovery failure) and
    /// nothing has been read yet.
    Unavailable(String),
    /// The cluster-wide list was refused, and the kind was read only in
    /// these namespaces.
    Partial {
        namespaces: Vec<String>,
        reason: String,
    },
}

impl KindState {
    /// Whether rules may read the kind's objects (all of them or some).
    pub fn readable(&self) -> bool {
        matches!(self, KindState::Present | KindState::Partial { .. })
    }

    /// Whether the kind exists but egscope could not read all of it: the
    /// rules that need it cannot be judged completely.
    pub fn unreadable(&self) -> bool {
        matches!(
            self,
            KindState::Forbidden(_) | KindState::Unavailable(_) | KindState::Partial { .. }
        )
    }

    /// One line for reports: `"Deployment is forbidden: ..."`.
    pub fn describe(&self, kind: Kind) -> String {
        let name = kind.name();
        match self {
            KindState::Present => format!("{name} was read"),
            KindState::Absent => format!("no {name} objects in the source"),
            KindState::Forbidden(why) => format!("{name} is forbidden: {why}"),
            KindState::NotInstalled => format!("{name} is not installed"),
            KindState::Unavailable(why) => format!("{name} could not be read: {why}"),
            KindState::Partial { namespaces, reason } => format!(
                "{name} was read only in namespace{} {} ({reason})",
                if namespaces.len() == 1 { "" } else { "s" },
                namespaces.join(", ")
            ),
        }
    }

    /// The short word reports and snapshots record.
    pub fn label(&self) -> &'static str {
        match self {
            KindState::Present => "listed",
            KindState::Absent => "absent",
            KindState::Forbidden(_) => "forbidden",
            KindState::NotInstalled => "not-installed",
            KindState::Unavailable(_) => "unavailable",
            KindState::Partial { .. } => "partial",
        }
    }
}

/// What kind of source filled the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Cluster,
    Snapshot,
    Demo,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceInfo {
    pub kind: SourceKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<String>,
    pub paths: Vec<String>,
    /// `-n NAMESPACE`: findings are reported for this namespace (and for
    /// cluster-scoped objects) only; references resolve everywhere readable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Objects by kind plus what the source could not read.
#[derive(Debug, Clone)]
pub struct Store {
    pub source: SourceInfo,
    objects: BTreeMap<Kind, Vec<Arc<Object>>>,
    states: BTreeMap<Kind, KindState>,
    pub undecodable: Vec<Undecodable>,
    /// Objects of kinds egscope does not read (counted, not kept).
    pub ignored: usize,
    /// When an egscope snapshot was taken: its audit is judged at that
    /// moment, so it equals the live audit it was taken from.
    pub taken_at: Option<jiff::Timestamp>,
    /// What a live session adds; `None` for files.
    pub live: Option<LiveInfo>,
}

/// A live store's time and recent history.
#[derive(Debug, Clone)]
pub struct LiveInfo {
    /// The session clock when the store was taken.
    pub observed_at: jiff::Timestamp,
    /// The watchers' recent changes (`:changes`).
    pub changes: Arc<changes::ChangeLog>,
    /// When a controller lag seen now reaches EG511's threshold: the
    /// audit must run again then even if nothing else changes.
    pub recheck_at: Option<jiff::Timestamp>,
}

impl Store {
    pub fn new(source: SourceInfo) -> Self {
        Store {
            source,
            objects: BTreeMap::new(),
            states: BTreeMap::new(),
            undecodable: Vec::new(),
            ignored: 0,
            taken_at: None,
            live: None,
        }
    }

    /// A read kind stays `Partial` when its objects arrive; anything else
    /// that holds objects is present.
    fn mark_present(&mut self, kind: Kind) {
        let state = self.states.entry(kind).or_insert(KindState::Present);
        if !matches!(state, KindState::Partial { .. }) {
            *state = KindState::Present;
        }
    }

    pub fn insert(&mut self, obj: Object) {
        self.mark_present(obj.kind);
        self.objects
            .entry(obj.kind)
            .or_default()
            .push(Arc::new(obj));
    }

    /// Adds an object another store already holds (live snapshots share
    /// objects between generations).
    pub fn insert_arc(&mut self, obj: Arc<Object>) {
        self.mark_present(obj.kind);
        self.objects.entry(obj.kind).or_default().push(obj);
    }

    pub fn set_state(&mut self, kind: Kind, state: KindState) {
        self.states.insert(kind, state);
    }

    pub fn state(&self, kind: Kind) -> KindState {
        self.states.get(&kind).cloned().unwrap_or(KindState::Absent)
    }

    pub fn present(&self, kind: Kind) -> bool {
        self.state(kind) == KindState::Present
    }

    /// Every kind whose state was set or seen, with its state.
    pub fn states(&self) -> impl Iterator<Item = (Kind, &KindState)> {
        self.states.iter().map(|(k, s)| (*k, s))
    }

    /// Whether an object of `kind` in `namespace` would be in the store if it
    /// existed: false where the kind could not be read there. Rules that
    /// report a missing object ask this first, so that an unreadable
    /// namespace never reads as "does not exist".
    pub fn covers(&self, kind: Kind, namespace: &str) -> bool {
        match self.state(kind) {
            KindState::Present | KindState::Absent | KindState::NotInstalled => true,
            KindState::Partial { namespaces, .. } => namespaces.iter().any(|n| n == namespace),
            KindState::Forbidden(_) | KindState::Unavailable(_) => false,
        }
    }

    pub fn of(&self, kind: Kind) -> &[Arc<Object>] {
        self.objects.get(&kind).map(Vec::as_slice).unwrap_or(&[])
    }

    pub fn len(&self) -> usize {
        self.objects.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0 && self.undecodable.is_empty()
    }

    pub fn all(&self) -> impl Iterator<Item = &Arc<Object>> {
        self.objects.values().flatten()
    }

    /// The kinds whose objects differ from `prev`'s, compared by identity
    /// (a live store shares its unchanged objects between generations, so
    /// this is a pointer walk, not a deep compare); `None` when anything
    /// else differs: the source, a kind's state (what coverage says), or
    /// the undecodable objects.
    pub fn changed_kinds(&self, prev: &Store) -> Option<std::collections::BTreeSet<Kind>> {
        if self.states != prev.states
            || self.source != prev.source
            || self.taken_at != prev.taken_at
            || self.ignored != prev.ignored
            || self.undecodable.len() != prev.undecodable.len()
        {
            return None;
        }
        let kinds: std::collections::BTreeSet<Kind> = self
            .objects
            .keys()
            .chain(prev.objects.keys())
            .copied()
            .collect();
        Some(
            kinds
                .into_iter()
                .filter(|k| {
                    let (a, b) = (self.of(*k), prev.of(*k));
                    a.len() != b.len() || a.iter().zip(b).any(|(x, y)| !Arc::ptr_eq(x, y))
                })
                .collect(),
        )
    }
}

impl Kind {
    /// `Kind.group` (`HTTPRoute.gateway.networking.k8s.io`, `Pod` for the
    /// core group), as kubectl spells a resource with its group: the key
    /// reports and snapshots record a kind's coverage under.
    pub fn qualified(self) -> String {
        match self.group_kind() {
            ("", name) => name.to_string(),
            (group, name) => format!("{name}.{group}"),
        }
    }
}
