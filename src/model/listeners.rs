//! Gateways, their listeners, and listener conflicts decided the way Envoy
//! Gateway decides them (`validateConflicted*Listeners` in its
//! `internal/gatewayapi/validate.go`): inside one Gateway (EG113) and across
//! the Gateways of a merging class (EG112).

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use crate::value::Value;

use super::value::{array_at, at, condition, i64_at, str_at};
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
/// the listeners (gateway index, listener name) it collides with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub reason: ConflictReason,
    pub merged: bool,
    pub with: Vec<(usize, String)>,
}

#[derive(Debug, Clone)]
pub struct Listener {
    pub name: String,
    pub port: i64,
    pub protocol: String,
    pub hostname: Option<String>,
    /// Index of the listener in `spec.listeners`.
    pub index: usize,
    /// Envoy Gateway rejects it for its own reasons, as far as the source
    /// shows (status Accepted=False or ResolvedRefs=False, or an HTTPS/TLS
    /// listener without `tls`): left out of conflict checks.
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

    /// The listener's status entry, if the Gateway has one.
    pub fn status<'a>(&self, gateway: &'a Object) -> Option<&'a Value> {
        gateway.status().and_then(|s| {
            array_at(s, &["listeners"])
                .iter()
                .find(|l| str_at(l, &["name"]) == Some(self.name.as_str()))
        })
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
    pub fn admits_route_kind(&self, gateway: &Object, route_kind: &str) -> bool {
        let spec = array_at(gateway.spec(), &["listeners"]).get(self.index);
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
    pub fn listener(&self, name: &str) -> Option<&Listener> {
        self.listeners.iter().find(|l| l.name == name)
    }

    pub fn conditions(&self) -> &[Value] {
        self.obj
            .status()
            .map(|s| array_at(s, &["conditions"]))
            .unwrap_or(&[])
    }
}

pub fn read_listeners(gw: &Object) -> Vec<Listener> {
    let mut out: Vec<Listener> = array_at(gw.spec(), &["listeners"])
        .iter()
        .enumerate()
        .map(|(index, l)| Listener {
            name: str_at(l, &["name"]).unwrap_or("").to_string(),
            port: i64_at(l, &["port"]).unwrap_or(0),
            protocol: str_at(l, &["protocol"]).unwrap_or("").to_string(),
            hostname: str_at(l, &["hostname"]).map(str::to_string),
            index,
            invalid_in_status: false,
            conflict: None,
        })
        .collect();
    let specs = array_at(gw.spec(), &["listeners"]);
    for l in &mut out {
        // Envoy Gateway rejects an HTTPS or TLS listener without `tls`
        // ("Listener must have TLS set") before it looks for conflicts.
        let needs_tls = matches!(l.protocol.as_str(), "HTTPS" | "TLS");
        if needs_tls && specs.get(l.index).and_then(|s| at(s, &["tls"])).is_none() {
            l.invalid_in_status = true;
        }
        if let Some(st) = l.status(gw) {
            let conds = array_at(st, &["conditions"]);
            let accepted_false = condition(conds, "Accepted").is_some_and(|c| c.is_false());
            let refs_false = condition(conds, "ResolvedRefs").is_some_and(|c| c.is_false());
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

/// HTTPS and TLS share a port happily; everything else is its own family.
fn protocol_family(protocol: &str) -> &str {
    match protocol {
        "HTTPS" | "TLS" => "HTTPS/TLS",
        other => other,
    }
}

fn is_layer7(protocol: &str) -> bool {
    matches!(protocol, "HTTP" | "HTTPS" | "TLS")
}

/// Conflicts inside one Gateway (EG113), listener by listener.
pub fn gateway_conflicts(listeners: &[Listener]) -> Vec<Option<ConflictReason>> {
    let mut result = vec![None; listeners.len()];
    let mut by_port: BTreeMap<i64, Vec<usize>> = BTreeMap::new();
    for (i, l) in listeners.iter().enumerate() {
        if !l.invalid_in_status {
            by_port.entry(l.port).or_default().push(i);
        }
    }
    for idx in by_port.values() {
        let families: HashSet<&str> = idx
            .iter()
            .map(|&i| &listeners[i])
            .filter(|l| !l.is_udp())
            .map(|l| protocol_family(&l.protocol))
            .collect();
        if families.len() > 1 {
            for &i in idx {
                if !listeners[i].is_udp() {
                    result[i] = Some(ConflictReason::ProtocolConflict);
                }
            }
        }
        let mut hostnames: HashMap<&str, usize> = HashMap::new();
        for &i in idx {
            if is_layer7(&listeners[i].protocol) {
                *hostnames
                    .entry(listeners[i].hostname.as_deref().unwrap_or(""))
                    .or_default() += 1;
            }
        }
        for &i in idx {
            let l = &listeners[i];
            if is_layer7(&l.protocol) && hostnames[l.hostname.as_deref().unwrap_or("")] > 1 {
                result[i] = Some(ConflictReason::HostnameConflict);
            }
        }
        for proto in ["TCP", "UDP"] {
            for &i in idx
                .iter()
                .filter(|&&i| listeners[i].protocol == proto)
                .skip(1)
            {
                result[i] = Some(ConflictReason::ProtocolConflict);
            }
        }
    }
    result
}

/// Conflicts across the Gateways of one merging class (EG112). `gateways`
/// are (gateway index, listeners), already ordered oldest first and without
/// Gateways Envoy Gateway rejects. Returns (gateway, listener index) →
/// conflict; conflicts that the per-Gateway check already finds are left
/// to EG113 by the caller.
/// Listeners (gateway, listener index) on one port, by protocol family.
type PortFamilies<'a> = HashMap<&'a str, Vec<(usize, usize)>>;

pub fn merged_conflicts(gateways: &[(usize, &[Listener])]) -> HashMap<(usize, usize), Conflict> {
    let mut out: HashMap<(usize, usize), Conflict> = HashMap::new();
    // Protocol families used per port by each Gateway.
    let mut port_families: BTreeMap<i64, PortFamilies> = BTreeMap::new();
    let mut seen: HashMap<(&str, &str, i64), (usize, usize)> = HashMap::new();
    for &(g, listeners) in gateways {
        for (li, l) in listeners.iter().enumerate() {
            if l.invalid_in_status {
                continue;
            }
            let key = (
                l.protocol.as_str(),
                l.hostname.as_deref().unwrap_or(""),
                l.port,
            );
            if let Some(&(first_g, first_l)) = seen.get(&key) {
                out.insert(
                    (g, li),
                    Conflict {
                        reason: ConflictReason::HostnameConflict,
                        merged: true,
                        with: vec![(first_g, gateways_listener_name(gateways, first_g, first_l))],
                    },
                );
            } else {
                seen.insert(key, (g, li));
            }
            if !l.is_udp() {
                port_families
                    .entry(l.port)
                    .or_default()
                    .entry(protocol_family(&l.protocol))
                    .or_default()
                    .push((g, li));
            }
        }
    }
    for families in port_families.values() {
        if families.len() < 2 {
            continue;
        }
        let owners: HashSet<usize> = families.values().flatten().map(|&(g, _)| g).collect();
        if owners.len() < 2 {
            // One Gateway mixing protocols is EG113's business.
            continue;
        }
        let all: Vec<(usize, usize)> = families.values().flatten().copied().collect();
        for &(g, li) in &all {
            let with = all
                .iter()
                .filter(|&&(og, _)| og != g)
                .map(|&(og, ol)| (og, gateways_listener_name(gateways, og, ol)))
                .collect();
            out.insert(
                (g, li),
                Conflict {
                    reason: ConflictReason::ProtocolConflict,
                    merged: true,
                    with,
                },
            );
        }
    }
    out
}

fn gateways_listener_name(gateways: &[(usize, &[Listener])], g: usize, li: usize) -> String {
    gateways
        .iter()
        .find(|(gi, _)| *gi == g)
        .and_then(|(_, ls)| ls.get(li))
        .map(|l| l.name.clone())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn l(name: &str, port: i64, protocol: &str, host: Option<&str>) -> Listener {
        Listener {
            name: name.into(),
            port,
            protocol: protocol.into(),
            hostname: host.map(str::to_string),
            index: 0,
            invalid_in_status: false,
            conflict: None,
        }
    }

    #[test]
    fn https_and_tls_share_a_port_but_http_does_not() {
        let ls = [
            l("a", 443, "HTTPS", Some("a.example")),
            l("b", 443, "TLS", Some("b.example")),
        ];
        assert_eq!(gateway_conflicts(&ls), vec![None, None]);
        let ls = [
            l("a", 80, "HTTP", None),
            l("b", 80, "TCP", None),
            l("u", 80, "UDP", None),
        ];
        let r = gateway_conflicts(&ls);
        assert_eq!(r[0], Some(ConflictReason::ProtocolConflict));
        assert_eq!(r[1], Some(ConflictReason::ProtocolConflict));
        assert_eq!(r[2], None, "UDP coexists with anything");
    }

    #[test]
    fn shared_hostnames_conflict_all_of_them() {
        let ls = [
            l("a", 80, "HTTP", Some("x.example")),
            l("b", 80, "HTTP", Some("x.example")),
            l("c", 80, "HTTP", Some("y.example")),
            l("d", 8080, "HTTP", None),
            l("e", 8080, "HTTP", None),
        ];
        let r = gateway_conflicts(&ls);
        let host = Some(ConflictReason::HostnameConflict);
        assert_eq!(r, vec![host, host, None, host, host]);
    }

    #[test]
    fn second_tcp_listener_on_a_port_conflicts() {
        let ls = [
            l("a", 9000, "TCP", None),
            l("b", 9000, "TCP", None),
            l("c", 9001, "TCP", None),
        ];
        let r = gateway_conflicts(&ls);
        assert_eq!(r, vec![None, Some(ConflictReason::ProtocolConflict), None]);
    }

    #[test]
    fn invalid_listeners_are_left_out() {
        let mut b = l("b", 80, "HTTP", None);
        b.invalid_in_status = true;
        let ls = [l("a", 80, "HTTP", None), b];
        assert_eq!(gateway_conflicts(&ls), vec![None, None]);
    }

    #[test]
    fn merged_duplicate_tuple_conflicts_the_later_one_only() {
        let g0 = [l("http", 80, "HTTP", Some("a.example"))];
        let g1 = [
            l("http", 80, "HTTP", Some("a.example")),
            l("other", 80, "HTTP", Some("b.example")),
        ];
        let r = merged_conflicts(&[(0, &g0), (1, &g1)]);
        assert_eq!(r.len(), 1);
        let c = &r[&(1, 0)];
        assert_eq!(c.reason, ConflictReason::HostnameConflict);
        assert_eq!(c.with, vec![(0, "http".to_string())]);
    }

    #[test]
    fn merged_protocol_mix_conflicts_every_non_udp_listener() {
        let g0 = [l("http", 8080, "HTTP", None)];
        let g1 = [l("tcp", 8080, "TCP", None), l("udp", 8080, "UDP", None)];
        let r = merged_conflicts(&[(0, &g0), (1, &g1)]);
        assert_eq!(r[&(0, 0)].reason, ConflictReason::ProtocolConflict);
        assert_eq!(r[&(1, 0)].reason, ConflictReason::ProtocolConflict);
        assert!(!r.contains_key(&(1, 1)));
    }
}
