//! Gateways, their listeners (their own and those ListenerSets add), and
//! listener conflicts decided the way Envoy Gateway decides them
//! (`validateConflicted*Listeners` in its `internal/gatewayapi/validate.go`):
//! inside one Gateway (EG113) and across the Gateways of a merging class
//! (EG112), with the precedence of each release line (see
//! [`ConflictSemantics`]).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::codec::value::Value;

use super::value::{array_at, at, condition, i64_at, str_at};
use super::version::Version;
use crate::store::Object;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConflictReason {
    HostnameConflict,
    ProtocolConflict,
}

impl ConflictReason {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictReason::HostnameConflict => "HostnameConflict",
            ConflictReason::ProtocolConflict => "ProtocolConflict",
        }
    }
}

/// A listener conflict: its reason, whether only the merge causes it, and
/// the listeners (gateway index, index into that Gateway's `listeners`) it
/// collides with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub reason: ConflictReason,
    pub merged: bool,
    pub with: Vec<(usize, usize)>,
}

#[derive(Debug, Clone)]
pub struct Listener {
    pub name: String,
    pub port: i64,
    pub protocol: String,
    pub hostname: Option<String>,
    /// Index of the listener in the declaring object's `spec.listeners`.
    pub index: usize,
    /// The object that declares it: the Gateway, or the ListenerSet /
    /// XListenerSet that adds it. Findings on the listener land here.
    pub declared_by: Arc<Object>,
    /// Index into `Model::listener_sets` when a ListenerSet declares it.
    pub listener_set: Option<usize>,
    /// Envoy Gateway rejects it for its own reasons, as far as the source
    /// shows (status Accepted=False or ResolvedRefs=False, an HTTPS/TLS
    /// listener without `tls`, an unsupported protocol): left out of
    /// conflict checks.
    pub invalid_in_status: bool,
    pub conflict: Option<Conflict>,
}

impl Listener {
    pub fn is_http(&self) -> bool {
        matches!(self.protocol.as_str(), "HTTP" | "HTTPS")
    }

    pub fn is_udp(&self) -> bool {
        self.protocol == "UDP"
    }

    pub fn from_listener_set(&self) -> bool {
        self.listener_set.is_some()
    }

    /// The listener's status entry in its declaring object, if any.
    pub fn status(&self) -> Option<&Value> {
        self.declared_by.status().and_then(|s| {
            array_at(s, &["listeners"])
                .iter()
                .find(|l| str_at(l, &["name"]) == Some(self.name.as_str()))
        })
    }

    /// Its entry in the declaring object's `spec.listeners`.
    pub fn spec(&self) -> &Value {
        array_at(self.declared_by.spec(), &["listeners"])
            .get(self.index)
            .unwrap_or(&Value::Null)
    }

    /// Where it comes from, as views print it: `Gateway` or
    /// `ListenerSet NS/NAME`.
    pub fn origin(&self) -> String {
        match self.listener_set {
            None => "Gateway".to_string(),
            Some(_) => format!(
                "{} {}/{}",
                self.declared_by.kind.name(),
                self.declared_by.namespace_or_empty(),
                self.declared_by.name
            ),
        }
    }

    /// Whether a route of `route_kind` may attach through this listener of
    /// `gateway`, as Envoy Gateway decides it (v1.7.5 and v1.9.0,
    /// `internal/gatewayapi/listener.go` `allowedRouteKindsForProtocol` and
    /// `validate.go` `validateAllowedRoutes`; a route attaches only through
    /// a listener whose supported kinds hold its kind, `contexts.go`
    /// `AllowsKind`): the protocol's kinds when `allowedRoutes.kinds` is
    /// unset or empty; otherwise the listed kinds (group
    /// `gateway.networking.k8s.io`, the default) that the protocol
    /// supports. A listed kind the protocol cannot carry is dropped
    /// (Envoy Gateway sets `ResolvedRefs=False InvalidRouteKinds`).
    pub fn admits_route_kind(&self, route_kind: &str) -> bool {
        // The declaring object's entry: the Gateway's or a ListenerSet's.
        let spec = Some(self.spec()).filter(|v| !v.is_null());
        let tls_mode = spec.and_then(|s| str_at(s, &["tls", "mode"]));
        if !protocol_route_kinds(&self.protocol, tls_mode).contains(&route_kind) {
            return false;
        }
        let listed = spec
            .map(|s| array_at(s, &["allowedRoutes", "kinds"]))
            .unwrap_or(&[]);
        listed.is_empty()
            || listed.iter().any(|k| {
                str_at(k, &["group"]).unwrap_or(crate::store::GATEWAY_API_GROUP)
                    == crate::store::GATEWAY_API_GROUP
                    && str_at(k, &["kind"]) == Some(route_kind)
            })
    }
}

/// The route kinds a listener protocol carries in Envoy Gateway
/// (`allowedRouteKindsForProtocol`, `internal/gatewayapi/listener.go`,
/// identical in v1.7.5 and v1.9.0): HTTP and HTTPS carry HTTPRoute and
/// GRPCRoute; TLS in Passthrough mode TLSRoute only, in Terminate mode (the
/// default) TCPRoute and TLSRoute (Gateway API's own default for TLS is
/// TLSRoute; Envoy Gateway also terminates TLS for TCPRoutes); TCP carries
/// TCPRoute; UDP carries UDPRoute; any other protocol nothing.
pub fn protocol_route_kinds(protocol: &str, tls_mode: Option<&str>) -> &'static [&'static str] {
    match protocol {
        "HTTP" | "HTTPS" => &["HTTPRoute", "GRPCRoute"],
        "TLS" if tls_mode == Some("Passthrough") => &["TLSRoute"],
        "TLS" => &["TCPRoute", "TLSRoute"],
        "TCP" => &["TCPRoute"],
        "UDP" => &["UDPRoute"],
        _ => &[],
    }
}

/// A Gateway as the model sees it.
#[derive(Debug, Clone)]
pub struct Gateway {
    pub obj: Arc<Object>,
    pub class_name: String,
    /// Index into `Model::classes`.
    pub class: Option<usize>,
    /// Its own listeners, then those of the ListenerSets attached to it in
    /// Envoy Gateway's order (oldest ListenerSet first).
    pub listeners: Vec<Listener>,
    /// `spec.infrastructure.parametersRef` naming an EnvoyProxy (in the
    /// Gateway's namespace).
    pub params_ref: Option<String>,
    pub envoy_proxy: Option<Arc<Object>>,
    /// Its class merges gateways and it sets its own parametersRef: Envoy
    /// Gateway rejects it (EG111), so it has no fleet.
    pub rejected_by_merge: bool,
}

impl Gateway {
    /// Its own listener of that name (a ListenerSet's listeners are reached
    /// through the ListenerSet: names may repeat across them).
    pub fn listener(&self, name: &str) -> Option<&Listener> {
        self.listeners
            .iter()
            .find(|l| l.listener_set.is_none() && l.name == name)
    }

    /// The listener `name` that `listener_set` (None: the Gateway) declares.
    pub fn listener_of(&self, listener_set: Option<usize>, name: &str) -> Option<&Listener> {
        self.listeners
            .iter()
            .find(|l| l.listener_set == listener_set && l.name == name)
    }

    pub fn conditions(&self) -> &[Value] {
        self.obj
            .status()
            .map(|s| array_at(s, &["conditions"]))
            .unwrap_or(&[])
    }
}

/// The listeners `obj` (a Gateway or a ListenerSet) declares.
pub fn read_listeners(obj: &Arc<Object>, listener_set: Option<usize>) -> Vec<Listener> {
    let specs = array_at(obj.spec(), &["listeners"]);
    let mut out: Vec<Listener> = specs
        .iter()
        .enumerate()
        .map(|(index, l)| Listener {
            name: str_at(l, &["name"]).unwrap_or("").to_string(),
            port: i64_at(l, &["port"]).unwrap_or(0),
            protocol: str_at(l, &["protocol"]).unwrap_or("").to_string(),
            hostname: str_at(l, &["hostname"]).map(str::to_string),
            index,
            declared_by: obj.clone(),
            listener_set,
            invalid_in_status: false,
            conflict: None,
        })
        .collect();
    for l in &mut out {
        // Envoy Gateway rejects an HTTPS or TLS listener without `tls`
        // ("Listener must have TLS set") and a protocol it does not serve
        // (`isSupportedListenerProtocol`) before it looks for conflicts.
        let needs_tls = matches!(l.protocol.as_str(), "HTTPS" | "TLS");
        if needs_tls && specs.get(l.index).and_then(|s| at(s, &["tls"])).is_none() {
            l.invalid_in_status = true;
        }
        if !matches!(
            l.protocol.as_str(),
            "HTTP" | "HTTPS" | "TLS" | "TCP" | "UDP"
        ) {
            l.invalid_in_status = true;
        }
        if let Some(st) = l.status() {
            let conds = array_at(st, &["conditions"]);
            let accepted_false = condition(conds, "Accepted").is_some_and(|c| {
                // A ListenerSet listener that lost a conflict also reads
                // Accepted=False with the conflict as reason; that is the
                // conflict itself, not a validation failure.
                c.is_false() && !matches!(c.reason, "HostnameConflict" | "ProtocolConflict")
            });
            let refs_false = condition(conds, "ResolvedRefs")
                .is_some_and(|c| c.is_false() && c.reason != "PartiallyInvalidCertificateRef");
            l.invalid_in_status |= accepted_false || refs_false;
        }
    }
    out
}

pub fn params_ref_name(gw: &Object) -> Option<String> {
    at(gw.spec(), &["infrastructure", "parametersRef"])
        .filter(|r| str_at(r, &["kind"]) == Some("EnvoyProxy"))
        .and_then(|r| str_at(r, &["name"]))
        .map(str::to_string)
}

/// Which release line's precedence Envoy Gateway applies to listener
/// conflicts. The checks changed twice (`internal/gatewayapi/validate.go`
/// in envoyproxy/gateway at v1.7.5, v1.8.2 and v1.9.0):
/// - `Legacy` (up to v1.8.1): every listener sharing a hostname on a port
///   conflicts, and the layer-7 check marks every HTTP/HTTPS/TLS listener
///   of a port that mixes protocol families, ListenerSet listeners
///   included; in the protocol check one Gateway-owned *listener* picks the
///   winning protocol.
/// - `V1_8_2` (v1.8.2, v1.8.3): hostname conflicts get a winner (a single
///   Gateway listener beats ListenerSet listeners, else the first
///   ListenerSet listener), the rest as `Legacy`.
/// - `V1_9` (v1.9.0 on, and an unknown or newer controller): the protocol
///   check's winner is the one protocol Gateway-owned listeners agree on, a
///   ListenerSet that mixes protocols on a port loses all of them, the
///   layer-7 protocol marking is gone, and protocol losers are left out of
///   the hostname check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ConflictSemantics {
    Legacy,
    V1_8_2,
    V1_9,
}

impl ConflictSemantics {
    pub fn for_version(v: Option<Version>) -> ConflictSemantics {
        match v {
            Some(v) if v < Version::new(1, 8, 2) => ConflictSemantics::Legacy,
            Some(v) if v < Version::new(1, 9, 0) => ConflictSemantics::V1_8_2,
            _ => ConflictSemantics::V1_9,
        }
    }

    fn hostname_winners(self) -> bool {
        self >= ConflictSemantics::V1_8_2
    }

    fn layer7_protocol_marking(self) -> bool {
        self < ConflictSemantics::V1_9
    }
}

/// HTTPS and TLS share a port happily; everything else is its own family
/// (`getProtocolForListener`).
fn protocol_family(protocol: &str) -> &str {
    match protocol {
        "HTTPS" | "TLS" => "HTTPS/TLS",
        other => other,
    }
}

/// A listener's place: (position of its Gateway in the input, index into
/// that Gateway's listeners).
type Pos = (usize, usize);

/// What the checks have written on one listener so far. Envoy Gateway
/// writes conditions in turn and a later `Conflicted` replaces an earlier
/// one (`MergeConditions`), so the last reason written is the one it shows.
#[derive(Default, Clone)]
struct Mark {
    reason: Option<ConflictReason>,
    with: Vec<Pos>,
    /// A per-Gateway check marked it (EG113); otherwise only the merge did.
    inside_gateway: bool,
    /// `protocolConflicted` (v1.9): a protocol loser.
    protocol_loser: bool,
}

struct Run<'a> {
    gateways: &'a [(usize, &'a [Listener])],
    marks: Vec<Vec<Mark>>,
    sem: ConflictSemantics,
}

impl<'a> Run<'a> {
    fn l(&self, (g, li): Pos) -> &'a Listener {
        &self.gateways[g].1[li]
    }

    fn mark(&mut self, p: Pos, reason: ConflictReason, group: &[Pos], inside: bool) {
        let with = group.iter().copied().filter(|&o| o != p).collect();
        let m = &mut self.marks[p.0][p.1];
        m.reason = Some(reason);
        m.with = with;
        m.inside_gateway |= inside;
        // `setConflictedConditions` flags protocol losers from v1.8.2 on,
        // but only v1.9's hostname check reads the flag.
        if reason == ConflictReason::ProtocolConflict {
            m.protocol_loser = true;
        }
    }

    fn valid(&self, p: Pos) -> bool {
        !self.l(p).invalid_in_status
    }

    /// `validateConflictedProtocolsListeners`' `validateByPort` over
    /// `listeners` (one Gateway's, or every member's when merging).
    fn protocols(&mut self, listeners: &[Pos], inside: bool) {
        let mut by_port: BTreeMap<i64, Vec<Pos>> = BTreeMap::new();
        for &p in listeners {
            if self.valid(p) {
                by_port.entry(self.l(p).port).or_default().push(p);
            }
        }
        for on_port in by_port.values() {
            let non_udp: Vec<Pos> = on_port
                .iter()
                .copied()
                .filter(|&p| !self.l(p).is_udp())
                .collect();
            let families: HashSet<&str> = non_udp
                .iter()
                .map(|&p| protocol_family(&self.l(p).protocol))
                .collect();
            if families.len() <= 1 {
                continue;
            }
            let gw_owned: Vec<Pos> = non_udp
                .iter()
                .copied()
                .filter(|&p| !self.l(p).from_listener_set())
                .collect();
            let gw_families: HashSet<&str> = gw_owned
                .iter()
                .map(|&p| protocol_family(&self.l(p).protocol))
                .collect();
            let no_winner = match self.sem {
                ConflictSemantics::V1_9 => gw_families.len() > 1,
                _ => gw_owned.len() > 1,
            };
            if no_winner {
                for &p in &non_udp {
                    self.mark(p, ConflictReason::ProtocolConflict, &non_udp, inside);
                }
                continue;
            }
            // ListenerSets that use more than one protocol family here.
            let mut ls_families: HashMap<usize, HashSet<&str>> = HashMap::new();
            for &p in &non_udp {
                if let Some(ls) = self.l(p).listener_set {
                    ls_families
                        .entry(ls)
                        .or_default()
                        .insert(protocol_family(&self.l(p).protocol));
                }
            }
            let mut winner: Option<&str> = gw_owned
                .first()
                .map(|&p| protocol_family(&self.l(p).protocol));
            for &p in &non_udp {
                let l = self.l(p);
                let family = protocol_family(&l.protocol);
                if self.sem == ConflictSemantics::V1_9
                    && gw_owned.is_empty()
                    && l.listener_set
                        .is_some_and(|ls| ls_families.get(&ls).is_some_and(|f| f.len() > 1))
                {
                    self.mark(p, ConflictReason::ProtocolConflict, &non_udp, inside);
                    continue;
                }
                match winner {
                    Some(w) if w != family => {
                        self.mark(p, ConflictReason::ProtocolConflict, &non_udp, inside)
                    }
                    Some(_) => {}
                    None => winner = Some(family),
                }
            }
        }
    }

    /// `validateConflictedHostnameListeners` (v1.9; `…Layer7Listeners`
    /// before) on one Gateway.
    fn hostnames(&mut self, g: usize) {
        let mut by_port: BTreeMap<i64, Vec<Pos>> = BTreeMap::new();
        for li in 0..self.gateways[g].1.len() {
            let p = (g, li);
            let l = self.l(p);
            if l.protocol == "UDP" || l.protocol == "TCP" || !self.valid(p) {
                continue;
            }
            if self.sem == ConflictSemantics::V1_9 && self.marks[g][li].protocol_loser {
                continue;
            }
            by_port.entry(l.port).or_default().push(p);
        }
        for on_port in by_port.values() {
            let gws = self.gateways;
            let host = |p: Pos| gws[p.0].1[p.1].hostname.as_deref().unwrap_or("");
            let mut groups: HashMap<&str, Vec<Pos>> = HashMap::new();
            for &p in on_port {
                groups.entry(host(p)).or_default().push(p);
            }
            let families: HashSet<&str> = on_port
                .iter()
                .map(|&p| protocol_family(&self.l(p).protocol))
                .collect();
            let mut winners: HashMap<&str, Pos> = HashMap::new();
            if self.sem.hostname_winners() {
                for (&h, group) in groups.iter().filter(|(_, g)| g.len() > 1) {
                    let gw_count = group
                        .iter()
                        .filter(|&&p| !self.l(p).from_listener_set())
                        .count();
                    if gw_count > 1 {
                        continue;
                    }
                    let mut per_ls: HashMap<usize, usize> = HashMap::new();
                    for &p in group {
                        if let Some(ls) = self.l(p).listener_set {
                            *per_ls.entry(ls).or_default() += 1;
                        }
                    }
                    let same_ls_dup = per_ls.values().any(|&n| n > 1);
                    for &p in group {
                        let from_ls = self.l(p).from_listener_set();
                        if same_ls_dup && from_ls {
                            continue;
                        }
                        match winners.get(h) {
                            None => {
                                winners.insert(h, p);
                            }
                            Some(&w) if self.l(w).from_listener_set() && !from_ls => {
                                winners.insert(h, p);
                            }
                            Some(_) => {}
                        }
                    }
                }
            }
            for &p in on_port {
                if self.sem.layer7_protocol_marking() && families.len() > 1 {
                    self.mark(p, ConflictReason::ProtocolConflict, on_port, true);
                }
                let group = &groups[host(p)];
                if group.len() > 1 && winners.get(host(p)) != Some(&p) {
                    self.mark(p, ConflictReason::HostnameConflict, group, true);
                }
            }
        }
    }

    /// `validateConflictedLayer4Listeners`: of several TCP (or UDP)
    /// listeners on a port of one Gateway, all but the first conflict.
    fn layer4(&mut self, g: usize, protocol: &str) {
        let mut by_port: BTreeMap<i64, Vec<Pos>> = BTreeMap::new();
        for li in 0..self.gateways[g].1.len() {
            let p = (g, li);
            if self.valid(p) && self.l(p).protocol == protocol {
                by_port.entry(self.l(p).port).or_default().push(p);
            }
        }
        for on_port in by_port.values() {
            for &p in &on_port[1..] {
                self.mark(p, ConflictReason::ProtocolConflict, &on_port[..1], true);
            }
        }
    }

    /// `validateConflictedMergedListeners`: a (protocol, hostname, port)
    /// taken by an earlier listener of the merged set.
    fn merged_tuples(&mut self) {
        let mut seen: HashMap<(&str, &str, i64), Pos> = HashMap::new();
        for g in 0..self.gateways.len() {
            for li in 0..self.gateways[g].1.len() {
                let p = (g, li);
                if !self.valid(p) {
                    continue;
                }
                let l = self.l(p);
                let key = (
                    l.protocol.as_str(),
                    l.hostname.as_deref().unwrap_or(""),
                    l.port,
                );
                match seen.get(&key) {
                    Some(&first) => self.mark(p, ConflictReason::HostnameConflict, &[first], false),
                    None => {
                        seen.insert(key, p);
                    }
                }
            }
        }
    }
}

/// Listener conflicts among `gateways` (gateway index, its listeners: own
/// ones first, then its ListenerSets'), in Envoy Gateway's order of checks
/// (`ProcessListeners`): protocols per Gateway, then over the merged set
/// when `merging`; hostnames, TCP, UDP per Gateway; then the merged tuple
/// check. For a merging class pass its accepted Gateways oldest first.
/// Returns (gateway index, listener index) → conflict.
pub fn conflicts(
    gateways: &[(usize, &[Listener])],
    merging: bool,
    sem: ConflictSemantics,
) -> HashMap<(usize, usize), Conflict> {
    let mut run = Run {
        gateways,
        marks: gateways
            .iter()
            .map(|(_, ls)| vec![Mark::default(); ls.len()])
            .collect(),
        sem,
    };
    let all: Vec<Pos> = (0..gateways.len())
        .flat_map(|g| (0..gateways[g].1.len()).map(move |li| (g, li)))
        .collect();
    for g in 0..gateways.len() {
        let own: Vec<Pos> = all.iter().copied().filter(|p| p.0 == g).collect();
        run.protocols(&own, true);
    }
    if merging {
        run.protocols(&all, false);
    }
    for g in 0..gateways.len() {
        run.hostnames(g);
        run.layer4(g, "TCP");
        run.layer4(g, "UDP");
    }
    if merging {
        run.merged_tuples();
    }
    let mut out = HashMap::new();
    for (g, marks) in run.marks.into_iter().enumerate() {
        for (li, m) in marks.into_iter().enumerate() {
            if let Some(reason) = m.reason {
                out.insert(
                    (gateways[g].0, li),
                    Conflict {
                        reason,
                        merged: !m.inside_gateway,
                        with: m
                            .with
                            .iter()
                            .map(|&(og, ol)| (gateways[og].0, ol))
                            .collect(),
                    },
                );
            }
        }
    }
    out
}

/// Why a ListenerSet's listeners are (not) part of its parent Gateway, as
/// Envoy Gateway decides it (`processListenerSet` in its
/// `internal/gatewayapi/listenerset.go`, v1.9.0; `processXListenerSet` in
/// `xlistenerset.go` before v1.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attachment {
    /// Its listeners join the parent Gateway's.
    Attached,
    /// `spec.parentRef` names no Gateway in the source; Envoy Gateway
    /// ignores it and writes no status.
    ParentNotFound,
    /// The parent's `spec.allowedListeners` does not admit its namespace
    /// (`NotAllowed`; the default `from` is `None`).
    NotAllowed,
    /// The parent Gateway is not accepted (`ParentNotAccepted`).
    ParentNotAccepted,
    /// The controller serving the parent reads the other kind: ListenerSet
    /// from v1.8 on, XListenerSet before.
    KindNotRead(String),
}

impl Attachment {
    /// The condition reason Envoy Gateway writes, or what egscope says
    /// where it writes none.
    pub fn reason(&self) -> &str {
        match self {
            Attachment::Attached => "Attached",
            Attachment::ParentNotFound => "ParentNotFound",
            Attachment::NotAllowed => "NotAllowed",
            Attachment::ParentNotAccepted => "ParentNotAccepted",
            Attachment::KindNotRead(_) => "KindNotRead",
        }
    }

    pub fn message(&self, ls: &ListenerSet) -> String {
        let parent = format!("{}/{}", ls.parent_namespace, ls.parent_name);
        match self {
            Attachment::Attached => format!("attached to Gateway {parent}"),
            Attachment::ParentNotFound => format!(
                "parent Gateway {parent} is not in the source; Envoy Gateway ignores the {}",
                ls.obj.kind.name()
            ),
            Attachment::NotAllowed => format!(
                "{} attachment from namespace {} not allowed by Gateway {parent} (spec.allowedListeners)",
                ls.obj.kind.name(),
                ls.obj.namespace_or_empty()
            ),
            Attachment::ParentNotAccepted => format!("parent Gateway {parent} not accepted"),
            Attachment::KindNotRead(why) => why.clone(),
        }
    }
}

/// A ListenerSet (gateway.networking.k8s.io/v1) or XListenerSet
/// (gateway.networking.x-k8s.io/v1alpha1) with its parent. Policies that
/// target it find its listeners through `gateway` and `listeners`.
#[derive(Debug, Clone)]
pub struct ListenerSet {
    pub obj: Arc<Object>,
    /// `spec.parentRef` (namespace defaults to the ListenerSet's).
    pub parent_namespace: String,
    pub parent_name: String,
    /// Index into `Model::gateways` of the parent, when it is in the source.
    pub gateway: Option<usize>,
    pub attachment: Attachment,
    /// Indices into the parent Gateway's `listeners` of the listeners it
    /// adds (empty unless attached).
    pub listeners: Vec<usize>,
    /// The names in its `spec.listeners`, attached or not.
    pub listener_names: Vec<String>,
}

impl ListenerSet {
    pub fn attached(&self) -> bool {
        self.attachment == Attachment::Attached
    }
}

/// Whether `gateway`'s `spec.allowedListeners` admits a ListenerSet from
/// `ls_namespace` (`isListenerSetAllowed` in Envoy Gateway's
/// `listenerset.go`): no `from` means None; `Selector` matches the
/// namespace's labels. `ns_labels` is `None` when the source lacks the
/// Namespace object: Envoy Gateway would refuse, but a snapshot without
/// Namespaces cannot tell, so the ListenerSet counts as admitted and its
/// listeners are judged (as routes are in the same case).
pub fn listener_set_allowed(
    gateway: &Object,
    ls_namespace: &str,
    ns_labels: Option<&crate::store::StrMap>,
) -> bool {
    let Some(ns) = at(gateway.spec(), &["allowedListeners", "namespaces"]) else {
        return false;
    };
    match str_at(ns, &["from"]) {
        Some("All") => true,
        Some("Same") => gateway.namespace_or_empty() == ls_namespace,
        Some("Selector") => match (ns.get("selector").filter(|s| !s.is_null()), ns_labels) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(sel), Some(labels)) => super::value::selector_matches(sel, labels),
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ObjectOrOther;
    use serde_json::json;

    fn owner(kind: &str, name: &str) -> Arc<Object> {
        let api = if kind == "Gateway" || kind == "ListenerSet" {
            "gateway.networking.k8s.io/v1"
        } else {
            "gateway.networking.x-k8s.io/v1alpha1"
        };
        let v = json!({"apiVersion": api, "kind": kind,
            "metadata": {"name": name, "namespace": "ns"}});
        match Object::from_value(v, None) {
            Ok(ObjectOrOther::Object(o)) => Arc::new(*o),
            _ => unreachable!("a well-formed object"),
        }
    }

    fn l(name: &str, port: i64, protocol: &str, host: Option<&str>) -> Listener {
        Listener {
            name: name.into(),
            port,
            protocol: protocol.into(),
            hostname: host.map(str::to_string),
            index: 0,
            declared_by: owner("Gateway", "gw"),
            listener_set: None,
            invalid_in_status: false,
            conflict: None,
        }
    }

    /// A listener that ListenerSet number `ls` declares.
    fn set(set: usize, name: &str, port: i64, protocol: &str, host: Option<&str>) -> Listener {
        Listener {
            declared_by: owner("ListenerSet", &format!("ls{set}")),
            listener_set: Some(set),
            ..l(name, port, protocol, host)
        }
    }

    /// Reasons per listener of one Gateway on its own.
    fn alone(list: &[Listener], sem: ConflictSemantics) -> Vec<Option<ConflictReason>> {
        let found = conflicts(&[(0, list)], false, sem);
        (0..list.len())
            .map(|i| found.get(&(0, i)).map(|c| c.reason))
            .collect()
    }

    const ALL: [ConflictSemantics; 3] = [
        ConflictSemantics::Legacy,
        ConflictSemantics::V1_8_2,
        ConflictSemantics::V1_9,
    ];
    const HOST: Option<ConflictReason> = Some(ConflictReason::HostnameConflict);
    const PROTO: Option<ConflictReason> = Some(ConflictReason::ProtocolConflict);

    #[test]
    fn semantics_follow_the_release_line() {
        let v = |a, b, c| Some(Version::new(a, b, c));
        assert_eq!(
            ConflictSemantics::for_version(v(1, 7, 5)),
            ConflictSemantics::Legacy
        );
        assert_eq!(
            ConflictSemantics::for_version(v(1, 8, 1)),
            ConflictSemantics::Legacy
        );
        assert_eq!(
            ConflictSemantics::for_version(v(1, 8, 2)),
            ConflictSemantics::V1_8_2
        );
        assert_eq!(
            ConflictSemantics::for_version(v(1, 9, 0)),
            ConflictSemantics::V1_9
        );
        assert_eq!(
            ConflictSemantics::for_version(v(1, 10, 0)),
            ConflictSemantics::V1_9
        );
        assert_eq!(
            ConflictSemantics::for_version(None),
            ConflictSemantics::V1_9
        );
    }

    #[test]
    fn https_and_tls_share_a_port_but_http_does_not() {
        for sem in ALL {
            let list = [
                l("a", 443, "HTTPS", Some("a.example")),
                l("b", 443, "TLS", Some("b.example")),
            ];
            assert_eq!(alone(&list, sem), vec![None, None]);
            let list = [
                l("a", 80, "HTTP", None),
                l("b", 80, "TCP", None),
                l("u", 80, "UDP", None),
            ];
            assert_eq!(
                alone(&list, sem),
                vec![PROTO, PROTO, None],
                "{sem:?}: UDP coexists"
            );
        }
    }

    #[test]
    fn shared_hostnames_conflict_all_of_them() {
        for sem in ALL {
            let list = [
                l("a", 80, "HTTP", Some("x.example")),
                l("b", 80, "HTTP", Some("x.example")),
                l("c", 80, "HTTP", Some("y.example")),
                l("d", 8080, "HTTP", None),
                l("e", 8080, "HTTP", None),
            ];
            assert_eq!(alone(&list, sem), vec![HOST, HOST, None, HOST, HOST]);
        }
    }

    #[test]
    fn second_tcp_listener_on_a_port_conflicts() {
        let list = [
            l("a", 9000, "TCP", None),
            l("b", 9000, "TCP", None),
            l("c", 9001, "TCP", None),
        ];
        assert_eq!(
            alone(&list, ConflictSemantics::V1_9),
            vec![None, PROTO, None]
        );
    }

    #[test]
    fn invalid_listeners_are_left_out() {
        let mut b = l("b", 80, "HTTP", None);
        b.invalid_in_status = true;
        let list = [l("a", 80, "HTTP", None), b];
        assert_eq!(alone(&list, ConflictSemantics::V1_9), vec![None, None]);
    }

    #[test]
    fn a_protocol_and_hostname_clash_reads_as_the_release_writes_it() {
        // HTTP and HTTPS on one port with one hostname: before v1.9 the
        // hostname check runs over the protocol losers and has the last word.
        let list = [
            l("a", 8443, "HTTP", Some("x.example")),
            l("b", 8443, "HTTPS", Some("x.example")),
        ];
        assert_eq!(alone(&list, ConflictSemantics::Legacy), vec![HOST, HOST]);
        assert_eq!(alone(&list, ConflictSemantics::V1_9), vec![PROTO, PROTO]);
    }

    #[test]
    fn the_gateway_listener_wins_a_hostname_clash_from_v1_8_2() {
        let list = [
            l("gw", 80, "HTTP", Some("x.example")),
            set(0, "a", 80, "HTTP", Some("x.example")),
            set(1, "b", 80, "HTTP", Some("x.example")),
        ];
        assert_eq!(
            alone(&list, ConflictSemantics::Legacy),
            vec![HOST, HOST, HOST]
        );
        assert_eq!(
            alone(&list, ConflictSemantics::V1_8_2),
            vec![None, HOST, HOST]
        );
        assert_eq!(
            alone(&list, ConflictSemantics::V1_9),
            vec![None, HOST, HOST]
        );
        // Without a Gateway listener the first ListenerSet listener wins,
        // unless one ListenerSet repeats the hostname itself: then no
        // ListenerSet listener wins, only a Gateway listener can.
        let ls2 = [set(0, "a", 80, "HTTP", None), set(1, "b", 80, "HTTP", None)];
        assert_eq!(alone(&ls2, ConflictSemantics::V1_9), vec![None, HOST]);
        let ls3 = [
            set(0, "a", 80, "HTTP", None),
            set(0, "b", 80, "HTTP", None),
            set(1, "c", 80, "HTTP", None),
        ];
        assert_eq!(alone(&ls3, ConflictSemantics::V1_9), vec![HOST, HOST, HOST]);
        let ls4 = [
            set(0, "a", 80, "HTTP", None),
            set(0, "b", 80, "HTTP", None),
            l("gw", 80, "HTTP", None),
        ];
        assert_eq!(alone(&ls4, ConflictSemantics::V1_9), vec![HOST, HOST, None]);
    }

    #[test]
    fn gateway_protocol_wins_over_listener_set_protocols() {
        let list = [
            l("gw", 80, "HTTP", None),
            l("gw2", 80, "HTTP", Some("b.example")),
            set(0, "tcp", 80, "TCP", None),
        ];
        // v1.9: the Gateway's listeners agree on HTTP, only the TCP one
        // loses; before, two Gateway listeners meant no winner at all.
        assert_eq!(
            alone(&list, ConflictSemantics::V1_9),
            vec![None, None, PROTO]
        );
        assert_eq!(
            alone(&list, ConflictSemantics::Legacy),
            vec![PROTO, PROTO, PROTO]
        );
        // A ListenerSet mixing protocols on a port with no Gateway listener
        // loses both (v1.9); before, its first listener won.
        let mixed = [
            set(0, "h", 81, "HTTP", None),
            set(0, "t", 81, "TCP", None),
            set(1, "h2", 81, "HTTP", Some("c.example")),
        ];
        assert_eq!(
            alone(&mixed, ConflictSemantics::V1_9),
            vec![PROTO, PROTO, None]
        );
        assert_eq!(
            alone(&mixed, ConflictSemantics::Legacy),
            vec![None, PROTO, None]
        );
    }

    #[test]
    fn merged_duplicate_tuple_conflicts_the_later_one_only() {
        let g0 = [l("http", 80, "HTTP", Some("a.example"))];
        let g1 = [
            l("http", 80, "HTTP", Some("a.example")),
            l("other", 80, "HTTP", Some("b.example")),
        ];
        let r = conflicts(&[(0, &g0), (1, &g1)], true, ConflictSemantics::V1_9);
        assert_eq!(r.len(), 1);
        let c = &r[&(1, 0)];
        assert_eq!(c.reason, ConflictReason::HostnameConflict);
        assert!(c.merged);
        assert_eq!(c.with, vec![(0, 0)]);
    }

    #[test]
    fn merged_protocol_mix_conflicts_every_non_udp_listener() {
        let g0 = [l("http", 8080, "HTTP", None)];
        let g1 = [l("tcp", 8080, "TCP", None), l("udp", 8080, "UDP", None)];
        let r = conflicts(&[(0, &g0), (1, &g1)], true, ConflictSemantics::V1_9);
        assert_eq!(r[&(0, 0)].reason, ConflictReason::ProtocolConflict);
        assert_eq!(r[&(1, 0)].reason, ConflictReason::ProtocolConflict);
        assert!(r[&(0, 0)].merged);
        assert!(!r.contains_key(&(1, 1)));
        // Not merging: no conflict across Gateways.
        assert!(conflicts(&[(0, &g0), (1, &g1)], false, ConflictSemantics::V1_9).is_empty());
    }
}
