//! Policies with their resolved targets, and the effective policy per
//! listener (ClientTrafficPolicy) and per route (BackendTrafficPolicy), as
//! Envoy Gateway resolves them from the specs: more specific beats broader,
//! and among equals the oldest wins while the others are conflicted. The
//! same pass predicts the `status.ancestors` Envoy Gateway writes on each
//! ClientTrafficPolicy, BackendTrafficPolicy, SecurityPolicy and
//! EnvoyExtensionPolicy (`egscope model`), following Envoy Gateway v1.9's
//! translator (internal/gatewayapi/*policy.go) with the older releases'
//! differences keyed on the controller's version (`Semantics`).

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use crate::codec::value::Value;

use super::listeners::{Gateway, ListenerSet};
use super::routes::Route;
use super::tenancy::{Class, Semantics};
use super::value::{array_at, at, selector_matches, str_at};
use crate::store::{GATEWAY_API_GROUP, Kind, Object, Store};

pub const POLICY_KINDS: [Kind; 5] = [
    Kind::ClientTrafficPolicy,
    Kind::BackendTrafficPolicy,
    Kind::SecurityPolicy,
    Kind::EnvoyExtensionPolicy,
    Kind::EnvoyPatchPolicy,
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetObj {
    Gateway(usize),
    Route(usize),
    /// Index into `Model::listener_sets` (Envoy Gateway v1.9+).
    ListenerSet(usize),
}

impl TargetObj {
    /// The targeted object.
    pub fn object<'a>(&self, m: &'a super::Model) -> &'a Arc<Object> {
        match *self {
            TargetObj::Gateway(g) => &m.gateways[g].obj,
            TargetObj::Route(r) => &m.routes[r].obj,
            TargetObj::ListenerSet(ls) => &m.listener_sets[ls].obj,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub obj: TargetObj,
    pub section: Option<String>,
}

/// How a policy fared on one target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Attached,
    /// Another, older policy at the same level took the target.
    Conflicted {
        winner: usize,
    },
}

/// Gateway API's `PolicyAncestorStatus.ancestorRef` (a ParentReference).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct AncestorRef {
    pub group: String,
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    pub name: String,
    #[serde(rename = "sectionName", skip_serializing_if = "Option::is_none")]
    pub section_name: Option<String>,
}

/// One condition of a predicted ancestor status (a metav1.Condition without
/// the times and generations, which depend on the cluster, not the specs).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyCondition {
    #[serde(rename = "type")]
    pub type_: String,
    /// `True` or `False`.
    pub status: &'static str,
    pub reason: String,
    pub message: String,
}

/// A predicted `status.ancestors[]` entry, in exactly the shape of Gateway
/// API's PolicyAncestorStatus.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PolicyAncestor {
    #[serde(rename = "ancestorRef")]
    pub ancestor_ref: AncestorRef,
    #[serde(rename = "controllerName")]
    pub controller_name: String,
    pub conditions: Vec<PolicyCondition>,
}

impl PolicyAncestor {
    pub fn condition(&self, type_: &str) -> Option<&PolicyCondition> {
        self.conditions.iter().find(|c| c.type_ == type_)
    }
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub obj: Arc<Object>,
    pub targets: Vec<Target>,
    /// Parallel to `targets`.
    pub outcomes: Vec<Outcome>,
    /// Target names that are not in the source (`kind/name`).
    pub unresolved: Vec<String>,
    /// A more specific policy takes over part of what this one targets.
    pub overridden: bool,
    /// A more specific policy with `mergeType` merges over this one.
    pub merged_into: bool,
    pub uses_deprecated_target_ref: bool,
    /// The `status.ancestors` Envoy Gateway would write for this policy.
    pub ancestors: Vec<PolicyAncestor>,
    /// Targets whose outcome egscope cannot predict, with the reason: what
    /// could not be judged is said, never passed.
    pub unjudged: Vec<String>,
}

impl Policy {
    pub fn kind(&self) -> Kind {
        self.obj.kind
    }

    pub fn merge_type(&self) -> Option<&str> {
        str_at(self.obj.spec(), &["mergeType"])
    }

    pub fn conflicted(&self) -> bool {
        self.outcomes
            .iter()
            .any(|o| matches!(o, Outcome::Conflicted { .. }))
    }

    fn new(obj: &Arc<Object>) -> Policy {
        Policy {
            obj: obj.clone(),
            targets: Vec::new(),
            outcomes: Vec::new(),
            unresolved: Vec::new(),
            overridden: false,
            merged_into: false,
            uses_deprecated_target_ref: at(obj.spec(), &["targetRef"]).is_some(),
            ancestors: Vec::new(),
            unjudged: Vec::new(),
        }
    }

    fn record(&mut self, target: Target, outcome: Outcome) {
        if !self.targets.contains(&target) {
            self.targets.push(target);
            self.outcomes.push(outcome);
        }
    }

    fn unjudged(&mut self, why: String) {
        if !self.unjudged.contains(&why) {
            self.unjudged.push(why);
        }
    }

    /// `SetConditionForPolicyAncestor` (Envoy Gateway
    /// internal/gatewayapi/status/policy.go): a condition of a type the
    /// ancestor already has replaces it in place, a new type is appended,
    /// a new ancestor is appended.
    fn set(
        &mut self,
        ancestor: &AncestorRef,
        controller: &str,
        type_: &str,
        status: bool,
        reason: &str,
        message: String,
    ) {
        let cond = PolicyCondition {
            type_: type_.to_string(),
            status: if status { "True" } else { "False" },
            reason: reason.to_string(),
            message,
        };
        match self
            .ancestors
            .iter_mut()
            .find(|a| a.controller_name == controller && &a.ancestor_ref == ancestor)
        {
            Some(a) => match a.conditions.iter_mut().find(|c| c.type_ == type_) {
                Some(c) => *c = cond,
                None => a.conditions.push(cond),
            },
            None => {
                self.ancestors.push(PolicyAncestor {
                    ancestor_ref: ancestor.clone(),
                    controller_name: controller.to_string(),
                    conditions: vec![cond],
                });
                self.bound_ancestors();
            }
        }
    }

    /// `boundPolicyAncestors` (status/policy.go): past 17 ancestors the
    /// lowest-ranked one is dropped as each new one comes in, so one that
    /// gains a condition later comes back carrying that condition only.
    fn bound_ancestors(&mut self) {
        const SOFT_CAP: usize = 17;
        if self.ancestors.len() <= SOFT_CAP {
            return;
        }
        let mut worst = 0;
        for i in 1..self.ancestors.len() {
            if ancestor_less(&self.ancestors[worst], &self.ancestors[i]) {
                worst = i;
            }
        }
        self.ancestors.remove(worst);
    }

    /// `SetAcceptedForPolicyAncestor`: Accepted=True unless the ancestor
    /// already has an Accepted condition.
    fn accept(&mut self, ancestor: &AncestorRef, controller: &str) {
        let has = self.ancestors.iter().any(|a| {
            a.controller_name == controller
                && &a.ancestor_ref == ancestor
                && a.condition("Accepted").is_some()
        });
        if !has {
            self.set(
                ancestor,
                controller,
                "Accepted",
                true,
                "Accepted",
                "Policy has been accepted.".into(),
            );
        }
    }

    /// The `DeprecatedField` warning of each policy kind's
    /// `deprecatedFieldsUsedIn*` (Envoy Gateway internal/gatewayapi/*policy.go).
    fn warn_deprecated(&mut self, ancestor: &AncestorRef, controller: &str) {
        let spec = self.obj.spec();
        let mut fields: Vec<(&str, &str)> = Vec::new();
        if at(spec, &["targetRef"]).is_some() {
            fields.push(("spec.targetRef", "spec.targetRefs"));
        }
        match self.obj.kind {
            Kind::ClientTrafficPolicy => {
                if at(spec, &["enableProxyProtocol"]).is_some() {
                    fields.push(("spec.enableProxyProtocol", "spec.proxyProtocol"));
                }
                if at(spec, &["headers", "preserveXRequestID"]).is_some() {
                    fields.push(("spec.headers.preserveXRequestID", "spec.headers.requestID"));
                }
                if super::value::bool_at(spec, &["tls", "clientValidation", "optional"])
                    == Some(true)
                {
                    fields.push((
                        "spec.tls.clientValidation.optional",
                        "spec.tls.clientValidation.mode",
                    ));
                }
            }
            Kind::BackendTrafficPolicy if !array_at(spec, &["compression"]).is_empty() => {
                fields.push(("spec.compression", "spec.compressor"));
            }
            Kind::SecurityPolicy => {
                for proto in ["grpc", "http"] {
                    if at(spec, &["extAuth", proto, "backendRef"]).is_some() {
                        let (old, new) = match proto {
                            "grpc" => (
                                "spec.extAuth.grpc.backendRef",
                                "spec.extAuth.grpc.backendRefs",
                            ),
                            _ => (
                                "spec.extAuth.http.backendRef",
                                "spec.extAuth.http.backendRefs",
                            ),
                        };
                        fields.push((old, new));
                    }
                }
            }
            _ => {}
        }
        if fields.is_empty() {
            return;
        }
        fields.sort();
        let message = fields
            .iter()
            .map(|(old, new)| format!("{old} is deprecated, use {new} instead"))
            .collect::<Vec<_>>()
            .join("; ");
        self.set(
            ancestor,
            controller,
            "Warning",
            true,
            "DeprecatedField",
            message,
        );
    }
}

/// Sort key for "oldest wins": creationTimestamp, then namespace/name. A
/// missing timestamp sorts first, as Envoy Gateway's zero time does.
pub fn age_key(obj: &Object) -> (&str, &str, &str) {
    (
        obj.creation_timestamp.as_deref().unwrap_or(""),
        obj.namespace_or_empty(),
        &obj.name,
    )
}

/// A target reference as Envoy Gateway's `policyTargetReferenceWithSectionName`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ref {
    group: String,
    kind: String,
    namespace: String,
    name: String,
    section: Option<String>,
}

/// `GetTargetRefs` + `resolvePolicyTargetsFromReferences`: the deprecated
/// `targetRef`, when set, stands alone; plain refs are always in the
/// policy's namespace.
fn plain_refs(obj: &Object) -> Vec<Ref> {
    let spec = obj.spec();
    let refs: Vec<&Value> = match at(spec, &["targetRef"]) {
        Some(r) => vec![r],
        None => array_at(spec, &["targetRefs"]).iter().collect(),
    };
    refs.into_iter()
        .filter(|r| r.as_object().is_some_and(|o| !o.is_empty()))
        .map(|r| Ref {
            group: str_at(r, &["group"]).unwrap_or("").to_string(),
            kind: str_at(r, &["kind"]).unwrap_or("").to_string(),
            namespace: obj.namespace_or_empty().to_string(),
            name: str_at(r, &["name"]).unwrap_or("").to_string(),
            section: str_at(r, &["sectionName"]).map(str::to_string),
        })
        .collect()
}

/// What a selector may match: an object's identity, labels and age.
struct Candidate<'a> {
    group: &'a str,
    kind: &'a str,
    obj: &'a Object,
}

/// Scopes of Envoy Gateway's `policyScopeGraph` (internal/gatewayapi/helpers.go,
/// v1.9.0); route rules never become a child scope there (a route policy
/// learns of rule policies from the rule claims), so they have none here.
/// ListenerSets are indices into `Model::listener_sets`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Scope {
    Gateway(usize),
    GatewayListener(usize, String),
    ListenerSet(usize),
    ListenerSetListener(usize, String),
    Route(usize),
}

/// Which child scopes displace (or merge over) policies of their parents.
#[derive(Default)]
struct ScopeGraph {
    children: HashMap<Scope, BTreeSet<Scope>>,
    containment: HashMap<Scope, BTreeSet<Scope>>,
}

impl ScopeGraph {
    fn add(&mut self, parent: Scope, child: Scope) {
        let contained = match &parent {
            Scope::GatewayListener(g, _) => Some(Scope::Gateway(*g)),
            Scope::ListenerSetListener(ls, _) => Some(Scope::ListenerSet(*ls)),
            _ => None,
        };
        if let Some(whole) = contained {
            self.containment
                .entry(whole)
                .or_default()
                .insert(parent.clone());
        }
        self.children.entry(parent).or_default().insert(child);
    }

    /// `RegisterListenerSet`: the ListenerSet is structurally inside its
    /// parent Gateway (a traversal edge, not a policy relationship).
    fn register_listener_set(&mut self, ls: usize, g: usize) {
        self.containment
            .entry(Scope::Gateway(g))
            .or_default()
            .insert(Scope::ListenerSet(ls));
    }

    fn direct(&self, parent: &Scope) -> BTreeSet<Scope> {
        self.children.get(parent).cloned().unwrap_or_default()
    }

    /// `GetWithDescendants`: a whole Gateway or ListenerSet also sees what
    /// attaches beneath it (a Gateway through a ListenerSet inside it one
    /// level deeper); a listener also sees routes attached to the whole
    /// Gateway or ListenerSet.
    fn with_descendants(&self, parent: &Scope) -> BTreeSet<Scope> {
        let mut out = self.direct(parent);
        match parent {
            Scope::Gateway(_) | Scope::ListenerSet(_) | Scope::Route(_) => {
                for desc in self.containment.get(parent).into_iter().flatten() {
                    out.extend(self.direct(desc));
                    if matches!(desc, Scope::ListenerSet(_)) {
                        for sub in self.containment.get(desc).into_iter().flatten() {
                            out.extend(self.direct(sub));
                        }
                    }
                }
            }
            Scope::GatewayListener(g, _) => out.extend(
                self.direct(&Scope::Gateway(*g))
                    .into_iter()
                    .filter(|s| matches!(s, Scope::Route(_))),
            ),
            Scope::ListenerSetListener(ls, _) => out.extend(
                self.direct(&Scope::ListenerSet(*ls))
                    .into_iter()
                    .filter(|s| matches!(s, Scope::Route(_))),
            ),
        }
        out
    }
}

/// Go's `%v` of a string slice: `[a b c]`.
fn go_list(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

/// One translator run: the accepted Gateways of one GatewayClass, the routes
/// that attach to them, and the behaviour of the release that serves them.
/// Envoy Gateway translates each GatewayClass on its own, so conflicts are
/// judged per run.
struct Run<'a> {
    store: &'a Store,
    gateways: &'a [Gateway],
    listener_sets: &'a [ListenerSet],
    routes: &'a [Route],
    controller: &'a str,
    semantics: &'a Semantics,
    /// Accepted Gateways of the class, in age order.
    gws: Vec<usize>,
    gw_by_key: HashMap<(&'a str, &'a str), usize>,
    /// Routes with a parent among `gws`, with those parents' indices.
    route_by_key: HashMap<(&'a str, &'a str, &'a str), usize>,
    relevant_routes: Vec<usize>,
    /// ListenerSets policies may target (v1.9+: `ListenerSet`, not the
    /// older `XListenerSet`), by (namespace, name), and in age order.
    ls_by_key: HashMap<(&'a str, &'a str), usize>,
    targetable_ls: Vec<usize>,
}

const GATEWAY_POLICY_GROUP: &str = "gateway.envoyproxy.io";

impl<'a> Run<'a> {
    fn gateway(&self, namespace: &str, name: &str) -> Option<usize> {
        self.gw_by_key.get(&(namespace, name)).copied()
    }

    /// A targetable ListenerSet by the ref's namespace and name, with its
    /// parent Gateway when this run translates it.
    fn listener_set(&self, namespace: &str, name: &str) -> Option<(usize, Option<usize>)> {
        let ls = *self.ls_by_key.get(&(namespace, name))?;
        let l = &self.listener_sets[ls];
        let gw = self.gateway(&l.parent_namespace, &l.parent_name);
        Some((ls, gw))
    }

    /// `getAncestorRefForListenerSetPolicy` (helpers.go, v1.9.0).
    fn ls_ref(&self, ls: usize, section: Option<&str>) -> AncestorRef {
        let obj = &self.listener_sets[ls].obj;
        AncestorRef {
            group: GATEWAY_API_GROUP.into(),
            kind: "ListenerSet".into(),
            namespace: Some(obj.namespace_or_empty().to_string()),
            name: obj.name.clone(),
            section_name: section.map(str::to_string),
        }
    }

    /// Whether the listener set of listener `l` of Gateway `g` is `ls`.
    fn listener_in(&self, g: usize, li: usize, ls: Option<usize>) -> bool {
        self.gateways[g].listeners[li].listener_set == ls
    }

    fn gw_ref(&self, g: usize, section: Option<&str>) -> AncestorRef {
        let obj = &self.gateways[g].obj;
        AncestorRef {
            group: GATEWAY_API_GROUP.into(),
            kind: "Gateway".into(),
            namespace: Some(obj.namespace_or_empty().to_string()),
            name: obj.name.clone(),
            section_name: section.map(str::to_string),
        }
    }

    /// The parents of a route that this run manages (`GetManagedParentReferences`).
    fn managed_parents(&self, r: usize) -> impl Iterator<Item = &'a super::routes::RouteParent> {
        let gws = &self.gws;
        self.routes[r]
            .parents
            .iter()
            .filter(move |p| p.gateway.is_some_and(|g| gws.contains(&g)))
    }

    /// Whether a ReferenceGrant lets `policy` reach `target` in another
    /// namespace (`isCrossNamespaceReferencePermitted`, helpers.go).
    fn cross_namespace_permitted(&self, policy: &Object, target: &Candidate) -> bool {
        let from_ns = policy.namespace_or_empty();
        let to_ns = target.obj.namespace_or_empty();
        if from_ns == to_ns {
            return true;
        }
        self.store.of(Kind::ReferenceGrant).iter().any(|grant| {
            grant.namespace_or_empty() == to_ns
                && array_at(grant.spec(), &["from"]).iter().any(|f| {
                    str_at(f, &["namespace"]) == Some(from_ns)
                        && str_at(f, &["group"]) == Some(GATEWAY_POLICY_GROUP)
                        && str_at(f, &["kind"]) == Some(policy.kind.name())
                })
                && array_at(grant.spec(), &["to"]).iter().any(|t| {
                    str_at(t, &["group"]) == Some(target.group)
                        && str_at(t, &["kind"]) == Some(target.kind)
                        && str_at(t, &["name"]).is_none_or(|n| n.is_empty() || n == target.obj.name)
                })
        })
    }

    /// `targetNamespaceMatches`: without `namespaces`, the policy's own
    /// namespace; with it (v1.8+), Same, All or a namespace label selector.
    fn selector_namespace_matches(&self, sel: &Value, policy_ns: &str, target_ns: &str) -> bool {
        let namespaces =
            at(sel, &["namespaces"]).filter(|_| self.semantics.cross_namespace_policies());
        let Some(namespaces) = namespaces else {
            return target_ns == policy_ns;
        };
        match str_at(namespaces, &["from"]).unwrap_or("") {
            "" | "Same" => target_ns == policy_ns,
            "All" => true,
            "Selector" => {
                let Some(ns) = self
                    .store
                    .of(Kind::Namespace)
                    .iter()
                    .find(|n| n.name == target_ns)
                else {
                    return false;
                };
                match at(namespaces, &["selector"]) {
                    Some(s) => selector_matches(s, &ns.labels),
                    None => false,
                }
            }
            _ => false,
        }
    }

    /// `resolvePolicyTargets`: selector matches among `candidates` (oldest
    /// first), then the plain refs not already among them.
    fn resolve(&self, policy: &Object, candidates: &[Candidate]) -> Vec<Ref> {
        self.resolve_in(policy, &[candidates])
    }

    /// `resolvePolicyTargetsForGatewayAndListenerSet` (helpers.go, v1.9.0):
    /// selector matches per group of candidates (Gateways, then
    /// ListenerSets), sorted together by age, then the plain refs.
    fn resolve_in(&self, policy: &Object, groups: &[&[Candidate]]) -> Vec<Ref> {
        let policy_ns = policy.namespace_or_empty();
        let mut found: Vec<(&str, Ref)> = Vec::new();
        for candidates in groups {
            for sel in array_at(policy.spec(), &["targetSelectors"]) {
                let kind = str_at(sel, &["kind"]).unwrap_or("");
                let group = str_at(sel, &["group"]).unwrap_or(GATEWAY_API_GROUP);
                for c in candidates.iter() {
                    if c.kind != kind || c.group != group {
                        continue;
                    }
                    let target_ns = c.obj.namespace_or_empty();
                    if !self.selector_namespace_matches(sel, policy_ns, target_ns)
                        || !selector_matches(sel, &c.obj.labels)
                        || !self.cross_namespace_permitted(policy, c)
                    {
                        continue;
                    }
                    let r = Ref {
                        group: c.group.to_string(),
                        kind: c.kind.to_string(),
                        namespace: target_ns.to_string(),
                        name: c.obj.name.clone(),
                        section: None,
                    };
                    if !found.iter().any(|(_, f)| f == &r) {
                        found.push((c.obj.creation_timestamp.as_deref().unwrap_or(""), r));
                    }
                }
            }
        }
        found.sort_by(|a, b| a.0.cmp(b.0));
        let mut out: Vec<Ref> = found.into_iter().map(|(_, r)| r).collect();
        for r in plain_refs(policy) {
            if !out.contains(&r) {
                out.push(r);
            }
        }
        out
    }

    fn ls_candidates(&self) -> Vec<Candidate<'a>> {
        self.targetable_ls
            .iter()
            .map(|&ls| Candidate {
                group: GATEWAY_API_GROUP,
                kind: "ListenerSet",
                obj: &self.listener_sets[ls].obj,
            })
            .collect()
    }

    fn gateway_candidates(&self) -> Vec<Candidate<'a>> {
        self.gws
            .iter()
            .map(|&g| Candidate {
                group: GATEWAY_API_GROUP,
                kind: "Gateway",
                obj: &self.gateways[g].obj,
            })
            .collect()
    }

    fn route_candidates(&self) -> Vec<Candidate<'a>> {
        self.relevant_routes
            .iter()
            .map(|&r| Candidate {
                group: GATEWAY_API_GROUP,
                kind: self.routes[r].obj.kind.name(),
                obj: &self.routes[r].obj,
            })
            .collect()
    }

    /// ClientTrafficPolicies (`ProcessClientTrafficPolicies`, Envoy Gateway
    /// internal/gatewayapi/clienttrafficpolicy.go, v1.9.0): policies with a
    /// sectionName first (a Gateway listener, or from v1.9 a ListenerSet
    /// listener), then ListenerSet-wide ones, then Gateway-wide ones; the
    /// first to claim a listener or a whole Gateway / ListenerSet wins, a
    /// wider policy is Overridden on the listeners narrower ones already
    /// claimed and is applied to the others.
    fn client_traffic(&self, policies: &mut [Policy], idxs: &[usize], att: &mut Attachments) {
        let k = Kind::ClientTrafficPolicy;
        let ctl = self.controller;
        let v19 = self.semantics.at_least(1, 9);
        // Per Gateway: claimed section keys (a Gateway listener's name, or
        // `ns/ls/name` for a ListenerSet listener from v1.9) and scopes
        // (`entire`, or `listenerset/ns/name`).
        let mut sections: HashMap<usize, BTreeSet<String>> = HashMap::new();
        let mut scopes: HashMap<usize, HashSet<String>> = HashMap::new();
        let ls_prefix = |ls: usize| {
            let o = &self.listener_sets[ls].obj;
            format!("{}/{}/", o.namespace_or_empty(), o.name)
        };
        // The key under which a listener counts as claimed.
        let key_of = |g: usize, li: usize| {
            let l = &self.gateways[g].listeners[li];
            match l.listener_set {
                Some(ls) if v19 => format!("{}{}", ls_prefix(ls), l.name),
                _ => l.name.clone(),
            }
        };
        for &pi in idxs {
            for r in plain_refs(&policies[pi].obj) {
                let Some(section) = r.section.clone() else {
                    continue;
                };
                let is_ls = r.kind == "ListenerSet";
                if is_ls && !v19 {
                    // Before v1.9 a ListenerSet is no target (release-notes/
                    // v1.9.0-rc.1.yaml adds it); Envoy Gateway writes nothing.
                    continue;
                }
                let (g, ls) = if is_ls {
                    match self.listener_set(&r.namespace, &r.name) {
                        Some((ls, Some(g))) => (g, Some(ls)),
                        _ => continue,
                    }
                } else {
                    match self.gateway(&r.namespace, &r.name) {
                        Some(g) => (g, None),
                        None => continue,
                    }
                };
                let aref = match ls {
                    Some(ls) => self.ls_ref(ls, Some(&section)),
                    None => self.gw_ref(g, Some(&section)),
                };
                let exists = match ls {
                    Some(ls) => self.listener_sets[ls].listener_names.contains(&section),
                    // Every listener of the Gateway, its ListenerSets' too
                    // (`validateGatewayListenerSectionName` over
                    // `gateway.listeners`).
                    None => self.gateways[g].listeners.iter().any(|l| l.name == section),
                };
                if !exists {
                    let message = match ls {
                        Some(_) => format!(
                            "ListenerSet {}/{} does not have a listener named {section:?}",
                            r.namespace, r.name
                        ),
                        None => format!(
                            "No section name {section} found for Gateway {}/{}",
                            r.namespace, r.name
                        ),
                    };
                    policies[pi].set(&aref, ctl, "Accepted", false, "TargetNotFound", message);
                    continue;
                }
                let target = Target {
                    obj: match ls {
                        Some(ls) => TargetObj::ListenerSet(ls),
                        None => TargetObj::Gateway(g),
                    },
                    section: Some(section.clone()),
                };
                let key = match ls {
                    Some(ls) => format!("{}{section}", ls_prefix(ls)),
                    None => section.clone(),
                };
                if sections.get(&g).is_some_and(|s| s.contains(&key)) {
                    policies[pi].set(
                        &aref,
                        ctl,
                        "Accepted",
                        false,
                        "Conflicted",
                        format!(
                            "Unable to target section of {}, another ClientTrafficPolicy has already attached to it",
                            r.name
                        ),
                    );
                    if let Some(&winner) = att.winners.get(&(k, target.clone())) {
                        policies[pi].record(target, Outcome::Conflicted { winner });
                    }
                    continue;
                }
                sections.entry(g).or_default().insert(key);
                // The first listener of that name (of the ListenerSet, when
                // it is the target) takes the policy.
                let li = (0..self.gateways[g].listeners.len()).find(|&li| {
                    (ls.is_none() || self.listener_in(g, li, ls))
                        && self.gateways[g].listeners[li].name == section
                });
                if let Some(li) = li {
                    att.listener_ctp.insert((g, li), pi);
                }
                att.winners.insert((k, target.clone()), pi);
                policies[pi].record(target, Outcome::Attached);
                policies[pi].accept(&aref, ctl);
                policies[pi].warn_deprecated(&aref, ctl);
            }
        }
        let gw_candidates = self.gateway_candidates();
        let ls_candidates = if v19 {
            self.ls_candidates()
        } else {
            Vec::new()
        };
        let resolved: Vec<Vec<Ref>> = idxs
            .iter()
            .map(|&pi| self.resolve_in(&policies[pi].obj, &[&gw_candidates, &ls_candidates]))
            .collect();
        for pass in ["ListenerSet", "Gateway"] {
            for (n, &pi) in idxs.iter().enumerate() {
                for r in &resolved[n] {
                    if r.section.is_some() {
                        continue;
                    }
                    let is_ls = r.kind == "ListenerSet";
                    if v19 && r.kind != pass {
                        continue;
                    }
                    if !v19 && (is_ls || pass == "ListenerSet") {
                        continue;
                    }
                    let (g, ls) = if is_ls {
                        match self.listener_set(&r.namespace, &r.name) {
                            Some((ls, Some(g))) => (g, Some(ls)),
                            _ => continue,
                        }
                    } else {
                        match self.gateway(&r.namespace, &r.name) {
                            Some(g) => (g, None),
                            None => continue,
                        }
                    };
                    let (aref, target, scope_key) = match ls {
                        Some(ls) => (
                            self.ls_ref(ls, None),
                            Target {
                                obj: TargetObj::ListenerSet(ls),
                                section: None,
                            },
                            format!("listenerset/{}", ls_prefix(ls).trim_end_matches('/')),
                        ),
                        None => (
                            self.gw_ref(g, None),
                            Target {
                                obj: TargetObj::Gateway(g),
                                section: None,
                            },
                            "entire".to_string(),
                        ),
                    };
                    if scopes.get(&g).is_some_and(|s| s.contains(&scope_key)) {
                        let what = if ls.is_some() {
                            "ListenerSet"
                        } else {
                            "Gateway"
                        };
                        policies[pi].set(
                            &aref,
                            ctl,
                            "Accepted",
                            false,
                            "Conflicted",
                            format!(
                                "Unable to target {what} {}, another ClientTrafficPolicy has already attached to it",
                                r.name
                            ),
                        );
                        if let Some(&winner) = att.winners.get(&(k, target.clone())) {
                            policies[pi].record(target, Outcome::Conflicted { winner });
                        }
                        continue;
                    }
                    let claimed = sections.get(&g).cloned().unwrap_or_default();
                    let mut overriding: Vec<String> = match ls {
                        Some(ls) => {
                            let prefix = ls_prefix(ls);
                            claimed
                                .iter()
                                .filter_map(|c| c.strip_prefix(&prefix).map(str::to_string))
                                .collect()
                        }
                        // ListenerSet keys are shown by their listener name
                        // alone, so a name may repeat.
                        None => claimed
                            .iter()
                            .map(|c| c.rsplit('/').next().unwrap_or(c).to_string())
                            .collect(),
                    };
                    overriding.sort();
                    if !overriding.is_empty() {
                        policies[pi].overridden = true;
                        policies[pi].set(
                            &aref,
                            ctl,
                            "Overridden",
                            true,
                            "Overridden",
                            format!(
                                "There are existing ClientTrafficPolicies that are overriding these sections {}",
                                go_list(&overriding)
                            ),
                        );
                    }
                    scopes.entry(g).or_default().insert(scope_key);
                    for li in 0..self.gateways[g].listeners.len() {
                        if ls.is_some() && !self.listener_in(g, li, ls) {
                            continue;
                        }
                        let key = key_of(g, li);
                        if claimed.contains(&key) {
                            continue;
                        }
                        att.listener_ctp.insert((g, li), pi);
                        if ls.is_some() {
                            sections.entry(g).or_default().insert(key);
                        }
                    }
                    att.winners.insert((k, target.clone()), pi);
                    policies[pi].record(target, Outcome::Attached);
                    policies[pi].accept(&aref, ctl);
                    policies[pi].warn_deprecated(&aref, ctl);
                }
            }
        }
    }

    /// BackendTrafficPolicies, SecurityPolicies and EnvoyExtensionPolicies,
    /// which Envoy Gateway v1.9 resolves alike (`Process*Policies` in
    /// backendtrafficpolicy.go, securitypolicy.go, envoyextensionpolicy.go):
    /// route rules, then routes, then Gateway listeners, then Gateways; the
    /// first policy per target wins; a route policy with `mergeType` merges
    /// over the closest parent policy; broader policies are Overridden (or
    /// Merged) by the narrower ones beneath them.
    fn route_level(
        &self,
        kind: Kind,
        policies: &mut [Policy],
        idxs: &[usize],
        att: &mut Attachments,
    ) {
        let merge_enabled = match kind {
            Kind::SecurityPolicy => self.semantics.security_policy_merge(),
            Kind::EnvoyExtensionPolicy => self.semantics.extension_policy_merge(),
            _ => true,
        };
        let gw_candidates = self.gateway_candidates();
        let route_candidates = self.route_candidates();
        // The first policy per Gateway (listener): what a merging route
        // policy merges over (`buildGatewayPolicyMap`).
        let mut parent_policy: HashMap<(usize, Option<String>), usize> = HashMap::new();
        for &pi in idxs {
            for r in self.resolve(&policies[pi].obj, &gw_candidates) {
                if r.kind != "Gateway" {
                    continue;
                }
                let Some(g) = self.gateway(&r.namespace, &r.name) else {
                    continue;
                };
                if r.section
                    .as_deref()
                    .is_some_and(|s| self.gateways[g].listener(s).is_none())
                {
                    continue;
                }
                parent_policy.entry((g, r.section.clone())).or_insert(pi);
            }
        }
        // The same for ListenerSets (`buildListenerSet*PolicyMap`, v1.9).
        let v19 = self.semantics.at_least(1, 9);
        let ls_candidates = if v19 {
            self.ls_candidates()
        } else {
            Vec::new()
        };
        let mut ls_policy: HashMap<(usize, Option<String>), usize> = HashMap::new();
        for &pi in idxs {
            for r in self.resolve(&policies[pi].obj, &ls_candidates) {
                if r.kind != "ListenerSet" || !v19 {
                    continue;
                }
                let Some((ls, _)) = self.listener_set(&r.namespace, &r.name) else {
                    continue;
                };
                if r.section
                    .as_ref()
                    .is_some_and(|s| !self.listener_sets[ls].listener_names.contains(s))
                {
                    continue;
                }
                ls_policy.entry((ls, r.section.clone())).or_insert(pi);
            }
        }
        let mut st = RouteLevelState {
            kind,
            merge_enabled,
            v19,
            parent_policy,
            ls_policy,
            ls_whole: HashSet::new(),
            ls_listeners: HashSet::new(),
            gateways: HashSet::new(),
            listeners: HashSet::new(),
            routes: HashSet::new(),
            rules: HashMap::new(),
            overrides: ScopeGraph::default(),
            merged: ScopeGraph::default(),
        };
        for &pi in idxs {
            for r in plain_refs(&policies[pi].obj) {
                if r.kind != "Gateway" && r.section.is_some() {
                    self.for_route(&mut st, policies, pi, &r, att);
                }
            }
        }
        for &pi in idxs {
            for r in self.resolve(&policies[pi].obj, &route_candidates) {
                if r.kind != "Gateway" && r.section.is_none() {
                    self.for_route(&mut st, policies, pi, &r, att);
                }
            }
        }
        // ListenerSet listeners, then whole ListenerSets (v1.9), when the
        // source holds any ListenerSet.
        if v19 && !self.targetable_ls.is_empty() {
            for &pi in idxs {
                for r in plain_refs(&policies[pi].obj) {
                    if r.kind == "ListenerSet" && r.section.is_some() {
                        self.for_listener_set(&mut st, policies, pi, &r, att);
                    }
                }
            }
            for &pi in idxs {
                for r in self.resolve(&policies[pi].obj, &ls_candidates) {
                    if r.kind == "ListenerSet" && r.section.is_none() {
                        self.for_listener_set(&mut st, policies, pi, &r, att);
                    }
                }
            }
        }
        for &pi in idxs {
            for r in plain_refs(&policies[pi].obj) {
                if r.kind == "Gateway" && r.section.is_some() {
                    self.for_gateway(&mut st, policies, pi, &r, att);
                }
            }
        }
        for &pi in idxs {
            for r in self.resolve(&policies[pi].obj, &gw_candidates) {
                if r.kind == "Gateway" && r.section.is_none() {
                    self.for_gateway(&mut st, policies, pi, &r, att);
                }
            }
        }
    }

    fn for_route(
        &self,
        st: &mut RouteLevelState,
        policies: &mut [Policy],
        pi: usize,
        r: &Ref,
        att: &mut Attachments,
    ) {
        let k = st.kind;
        let ctl = self.controller;
        // A ListenerSet is no route: Envoy Gateway's route lookup misses it.
        let Some(&ri) =
            self.route_by_key
                .get(&(r.kind.as_str(), r.namespace.as_str(), r.name.as_str()))
        else {
            return;
        };
        let route = &self.routes[ri];
        let target = Target {
            obj: TargetObj::Route(ri),
            section: r.section.clone(),
        };
        let mut error: Option<(&str, String)> = None;
        match &r.section {
            Some(rule) if !route.rule_names.iter().any(|n| n.as_deref() == Some(rule)) => {
                error = Some((
                    "TargetNotFound",
                    format!(
                        "No section name {rule} found for {} {}/{}",
                        r.kind, r.namespace, r.name
                    ),
                ));
            }
            Some(rule) => {
                if st.rules.get(&ri).is_some_and(|s| s.contains(rule)) {
                    error = Some((
                        "Conflicted",
                        format!(
                            "Unable to target RouteRule {}/{rule}, another {} has already attached to it",
                            r.name,
                            k.name()
                        ),
                    ));
                } else {
                    st.rules.entry(ri).or_default().insert(rule.clone());
                }
            }
            None => {
                if st.routes.contains(&ri) {
                    error = Some((
                        "Conflicted",
                        format!(
                            "Unable to target {} {}, another {} has already attached to it",
                            r.kind,
                            r.name,
                            k.name()
                        ),
                    ));
                } else {
                    st.routes.insert(ri);
                }
            }
        }
        let mut arefs = Vec::new();
        for p in self.managed_parents(ri) {
            let g = p.gateway.unwrap_or_default();
            // From v1.9 a route attached through a ListenerSet is recorded
            // under the ListenerSet and reports status against it.
            let via_ls = p
                .listener_set
                .filter(|&ls| st.v19 && self.targetable_ls.contains(&ls));
            let (parent, aref) = match (via_ls, &p.section) {
                (Some(ls), Some(s)) => {
                    st.overrides.register_listener_set(ls, g);
                    (
                        Scope::ListenerSetListener(ls, s.clone()),
                        self.ls_ref(ls, Some(s)),
                    )
                }
                (Some(ls), None) => {
                    st.overrides.register_listener_set(ls, g);
                    (Scope::ListenerSet(ls), self.ls_ref(ls, None))
                }
                (None, Some(s)) => (
                    Scope::GatewayListener(g, s.clone()),
                    self.gw_ref(g, Some(s)),
                ),
                (None, None) => (Scope::Gateway(g), self.gw_ref(g, None)),
            };
            st.overrides.add(parent, Scope::Route(ri));
            if !arefs.contains(&aref) {
                arefs.push(aref);
            }
        }
        if let Some((reason, message)) = error {
            for a in &arefs {
                policies[pi].set(a, ctl, "Accepted", false, reason, message.clone());
            }
            if reason == "Conflicted" {
                let winner = att.winners[&(k, target.clone())];
                policies[pi].record(target, Outcome::Conflicted { winner });
            }
            return;
        }
        att.winners.insert((k, target.clone()), pi);
        policies[pi].record(target, Outcome::Attached);
        let tcp_security = k == Kind::SecurityPolicy && route.obj.kind == Kind::TcpRoute;
        if tcp_security && let Some(why) = tcp_security_error(&[policies[pi].obj.spec()]) {
            let message = format!("Invalid SecurityPolicy for TCP route: {why}");
            for a in &arefs {
                policies[pi].set(a, ctl, "Accepted", false, "Invalid", message.clone());
            }
            return;
        }
        if st.merge_enabled && policies[pi].merge_type().is_some() {
            for p in self.managed_parents(ri) {
                let g = p.gateway.unwrap_or_default();
                for &li in &p.listener_indices {
                    let l = &self.gateways[g].listeners[li].name;
                    let ls = self.gateways[g].listeners[li]
                        .listener_set
                        .filter(|ls| st.v19 && self.targetable_ls.contains(ls));
                    // The closest parent policy: a ListenerSet listener
                    // looks at its own, its ListenerSet's, then the whole
                    // Gateway's, never a Gateway listener's (a sibling).
                    let found = match ls {
                        Some(ls) => st
                            .ls_policy
                            .get(&(ls, Some(l.clone())))
                            .map(|&pp| (pp, Scope::ListenerSetListener(ls, l.clone())))
                            .or_else(|| {
                                st.ls_policy
                                    .get(&(ls, None))
                                    .map(|&pp| (pp, Scope::ListenerSet(ls)))
                            }),
                        None => st
                            .parent_policy
                            .get(&(g, Some(l.clone())))
                            .map(|&pp| (pp, Scope::GatewayListener(g, l.clone()))),
                    }
                    .or_else(|| {
                        st.parent_policy
                            .get(&(g, None))
                            .map(|&pp| (pp, Scope::Gateway(g)))
                    });
                    let Some((pp, scope)) = found else { continue };
                    let aref = match ls {
                        Some(ls) => self.ls_ref(ls, Some(l)),
                        None => self.gw_ref(g, Some(l)),
                    };
                    // The merged policy is validated again; on a TCPRoute
                    // the parent's HTTP-only features make it invalid, and
                    // nothing is merged.
                    if tcp_security
                        && let Some(why) =
                            tcp_security_error(&[policies[pi].obj.spec(), policies[pp].obj.spec()])
                    {
                        let message = capitalize(&why);
                        policies[pi].set(&aref, ctl, "Accepted", false, "Invalid", message);
                        continue;
                    }
                    st.merged.add(scope, Scope::Route(ri));
                    let parent = &policies[pp].obj;
                    let message = format!(
                        "Merged with policy {}/{}",
                        parent.namespace_or_empty(),
                        parent.name
                    );
                    policies[pi].set(&aref, ctl, "Merged", true, "Merged", message);
                }
            }
        }
        for a in &arefs {
            policies[pi].accept(a, ctl);
        }
        for a in &arefs {
            policies[pi].warn_deprecated(a, ctl);
        }
        if r.section.is_none() {
            let rules: Vec<String> = st
                .rules
                .get(&ri)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default();
            if !rules.is_empty() {
                policies[pi].overridden = true;
                let word = match k {
                    Kind::BackendTrafficPolicy => "backendTrafficPolicy",
                    Kind::SecurityPolicy => "securityPolicies",
                    _ => "envoyExtensionPolicies",
                };
                let message = format!(
                    "This policy is being overridden by other {word} for these route rules: {}",
                    go_list(&rules)
                );
                for a in &arefs {
                    policies[pi].set(a, ctl, "Overridden", true, "Overridden", message.clone());
                }
            }
        }
    }

    /// `process*PolicyForListenerSet` (backendtrafficpolicy.go,
    /// securitypolicy.go, envoyextensionpolicy.go, v1.9.0): a policy on a
    /// ListenerSet (listener) reports against the ListenerSet; the first per
    /// target wins; it is Overridden (or Merged) by the narrower scopes
    /// beneath it.
    fn for_listener_set(
        &self,
        st: &mut RouteLevelState,
        policies: &mut [Policy],
        pi: usize,
        r: &Ref,
        att: &mut Attachments,
    ) {
        let k = st.kind;
        let ctl = self.controller;
        // Not a ListenerSet of the source, or its parent is not translated
        // in this run: no status.
        let Some((ls, Some(g))) = self.listener_set(&r.namespace, &r.name) else {
            return;
        };
        let aref = self.ls_ref(ls, r.section.as_deref());
        let target = Target {
            obj: TargetObj::ListenerSet(ls),
            section: r.section.clone(),
        };
        let conflict = match &r.section {
            Some(s) => {
                if !self.listener_sets[ls].listener_names.contains(s) {
                    let message = format!(
                        "No section name {s} found for ListenerSet {}/{}",
                        r.namespace, r.name
                    );
                    policies[pi].set(&aref, ctl, "Accepted", false, "TargetNotFound", message);
                    return;
                }
                (!st.ls_listeners.insert((ls, s.clone()))).then(|| {
                    format!(
                        "Unable to target Listener {}/{s}, another {} has already attached to it",
                        r.name,
                        k.name()
                    )
                })
            }
            None => (!st.ls_whole.insert(ls)).then(|| {
                format!(
                    "Unable to target ListenerSet {}, another {} has already attached to it",
                    r.name,
                    k.name()
                )
            }),
        };
        if let Some(message) = conflict {
            policies[pi].set(&aref, ctl, "Accepted", false, "Conflicted", message);
            if let Some(&winner) = att.winners.get(&(k, target.clone())) {
                policies[pi].record(target, Outcome::Conflicted { winner });
            }
            return;
        }
        let own = match &r.section {
            Some(s) => {
                st.overrides.register_listener_set(ls, g);
                st.overrides.add(
                    Scope::ListenerSet(ls),
                    Scope::ListenerSetListener(ls, s.clone()),
                );
                Scope::ListenerSetListener(ls, s.clone())
            }
            None => {
                st.overrides.add(Scope::Gateway(g), Scope::ListenerSet(ls));
                Scope::ListenerSet(ls)
            }
        };
        att.winners.insert((k, target.clone()), pi);
        policies[pi].record(target, Outcome::Attached);
        policies[pi].accept(&aref, ctl);
        self.merged_and_overridden(st, &mut policies[pi], &own, &aref);
        policies[pi].warn_deprecated(&aref, ctl);
    }

    fn for_gateway(
        &self,
        st: &mut RouteLevelState,
        policies: &mut [Policy],
        pi: usize,
        r: &Ref,
        att: &mut Attachments,
    ) {
        let k = st.kind;
        let ctl = self.controller;
        let Some(g) = self.gateway(&r.namespace, &r.name) else {
            return;
        };
        let aref = self.gw_ref(g, r.section.as_deref());
        let target = Target {
            obj: TargetObj::Gateway(g),
            section: r.section.clone(),
        };
        let conflict = match &r.section {
            Some(s) => {
                if self.gateways[g].listener(s).is_none() {
                    let message = format!(
                        "No section name {s} found for Gateway {}/{}",
                        r.namespace, r.name
                    );
                    policies[pi].set(&aref, ctl, "Accepted", false, "TargetNotFound", message);
                    return;
                }
                (!st.listeners.insert((g, s.clone()))).then(|| {
                    format!(
                        "Unable to target Listener {}/{}/{s}, another {} has already attached to it",
                        r.namespace,
                        r.name,
                        k.name()
                    )
                })
            }
            None => (!st.gateways.insert(g)).then(|| {
                format!(
                    "Unable to target Gateway {}, another {} has already attached to it",
                    r.name,
                    k.name()
                )
            }),
        };
        if let Some(message) = conflict {
            policies[pi].set(&aref, ctl, "Accepted", false, "Conflicted", message);
            let winner = att.winners[&(k, target.clone())];
            policies[pi].record(target, Outcome::Conflicted { winner });
            return;
        }
        att.winners.insert((k, target.clone()), pi);
        policies[pi].record(target, Outcome::Attached);
        let own = match &r.section {
            Some(s) => {
                st.overrides
                    .add(Scope::Gateway(g), Scope::GatewayListener(g, s.clone()));
                Scope::GatewayListener(g, s.clone())
            }
            None => Scope::Gateway(g),
        };
        policies[pi].accept(&aref, ctl);
        policies[pi].warn_deprecated(&aref, ctl);
        self.merged_and_overridden(st, &mut policies[pi], &own, &aref);
    }

    /// The Merged and Overridden conditions of a policy attached at `own`:
    /// which more specific policies merge over it, and which replace it
    /// (the rest of its scope's descendants), as Envoy Gateway words them.
    fn merged_and_overridden(
        &self,
        st: &RouteLevelState,
        policy: &mut Policy,
        own: &Scope,
        aref: &AncestorRef,
    ) {
        let ctl = self.controller;
        let merged = st.merged.direct(own);
        let overridden: BTreeSet<Scope> = st
            .overrides
            .with_descendants(own)
            .difference(&merged)
            .cloned()
            .collect();
        let plural = plural_of(st.kind);
        if !merged.is_empty() {
            policy.merged_into = true;
            let message = format!(
                "This policy is being merged by other {plural} for {}",
                self.format_scopes(&merged)
            );
            policy.set(aref, ctl, "Merged", true, "Merged", message);
        }
        if !overridden.is_empty() {
            policy.overridden = true;
            let message = format!(
                "This policy is being overridden by other {plural} for {}",
                self.format_scopes(&overridden)
            );
            policy.set(aref, ctl, "Overridden", true, "Overridden", message);
        }
    }

    /// `formatPolicyScopes` (helpers.go): entries grouped by kind, sorted.
    fn format_scopes(&self, scopes: &BTreeSet<Scope>) -> String {
        let nn = |o: &Object| format!("{}/{}", o.namespace_or_empty(), o.name);
        let mut listeners = Vec::new();
        let mut sets = Vec::new();
        let mut set_listeners = Vec::new();
        let mut routes = Vec::new();
        for s in scopes {
            match s {
                Scope::GatewayListener(g, l) => {
                    listeners.push(format!("{}/{l}", nn(&self.gateways[*g].obj)))
                }
                Scope::ListenerSet(ls) => sets.push(nn(&self.listener_sets[*ls].obj)),
                Scope::ListenerSetListener(ls, l) => {
                    set_listeners.push(format!("{}/{l}", nn(&self.listener_sets[*ls].obj)))
                }
                Scope::Route(r) => routes.push(nn(&self.routes[*r].obj)),
                Scope::Gateway(_) => {}
            }
        }
        let mut parts = Vec::new();
        for (label, mut list) in [
            ("these gateway listeners", listeners),
            ("these listenersets", sets),
            ("these listenerset listeners", set_listeners),
            ("these routes", routes),
        ] {
            if !list.is_empty() {
                list.sort();
                parts.push(format!("{label}: {}", go_list(&list)));
            }
        }
        parts.join(" and ")
    }
}

struct RouteLevelState {
    kind: Kind,
    merge_enabled: bool,
    /// Envoy Gateway v1.9+: ListenerSets are targets and route parents.
    v19: bool,
    parent_policy: HashMap<(usize, Option<String>), usize>,
    /// The first policy per ListenerSet (listener).
    ls_policy: HashMap<(usize, Option<String>), usize>,
    ls_whole: HashSet<usize>,
    ls_listeners: HashSet<(usize, String)>,
    gateways: HashSet<usize>,
    listeners: HashSet<(usize, String)>,
    routes: HashSet<usize>,
    rules: HashMap<usize, BTreeSet<String>>,
    overrides: ScopeGraph,
    merged: ScopeGraph,
}

/// The structural part of `validateSecurityPolicyForTCP`
/// (securitypolicy.go): a TCPRoute takes authorization only, without CEL,
/// JWT, header or GeoIP principals. `specs` are merged (any sets it).
fn tcp_security_error(specs: &[&Value]) -> Option<String> {
    let set = |path: &[&str]| specs.iter().any(|s| at(s, path).is_some());
    let http_only = [
        "cors",
        "csrf",
        "jwt",
        "oidc",
        "apiKeyAuth",
        "basicAuth",
        "extAuth",
    ];
    if http_only.iter().any(|f| set(&[f])) {
        return Some("only authorization is supported for TCP (routes/listeners)".into());
    }
    // The rules in force: the route policy's, else the parent's.
    let rules = specs
        .iter()
        .map(|s| array_at(s, &["authorization", "rules"]))
        .find(|r| !r.is_empty())
        .unwrap_or(&[]);
    for (i, rule) in rules.iter().enumerate() {
        if at(rule, &["cel"]).is_some() {
            return Some(format!("rule {i}: CEL not supported for TCP"));
        }
        if at(rule, &["principal", "jwt"]).is_some() {
            return Some(format!("rule {i}: JWT not supported for TCP"));
        }
        if !array_at(rule, &["principal", "headers"]).is_empty() {
            return Some(format!("rule {i}: headers not supported for TCP"));
        }
        if !array_at(rule, &["principal", "clientIPGeoLocations"]).is_empty() {
            return Some(format!(
                "rule {i}: clientIPGeoLocations not supported for TCP"
            ));
        }
    }
    None
}

/// How the Merged and Overridden messages name the policy kind.
fn plural_of(k: Kind) -> &'static str {
    match k {
        Kind::BackendTrafficPolicy => "backendTrafficPolicies",
        Kind::SecurityPolicy => "securityPolicies",
        _ => "envoyExtensionPolicies",
    }
}

/// `status.Error2ConditionMsg` starts the message with a capital.
fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Winners per target, per policy kind.
#[derive(Debug, Clone, Default)]
pub struct Attachments {
    /// (kind, target) → index into `Model::policies` of the winning policy.
    pub winners: HashMap<(Kind, Target), usize>,
    /// (gateway, index into its `listeners`) → the ClientTrafficPolicy
    /// Envoy Gateway translates onto that listener.
    pub listener_ctp: HashMap<(usize, usize), usize>,
}

impl Attachments {
    pub fn winner(&self, kind: Kind, obj: TargetObj, section: Option<&str>) -> Option<usize> {
        self.winners
            .get(&(
                kind,
                Target {
                    obj,
                    section: section.map(str::to_string),
                },
            ))
            .copied()
    }
}

/// Whether Envoy Gateway accepts the Gateway and so translates policies on
/// it: its class is served by Envoy Gateway, it names no EnvoyProxy that is
/// missing, and it does not set its own parametersRef under a merging class.
pub fn gateway_accepted(gw: &Gateway, classes: &[Class]) -> bool {
    gw.class.is_some_and(|c| classes[c].eg_served)
        && !gw.rejected_by_merge
        && !(gw.params_ref.is_some() && gw.envoy_proxy.is_none())
}

/// Resolves every policy the way Envoy Gateway does, and predicts the
/// ancestor statuses it would write (ClientTrafficPolicy, BackendTrafficPolicy,
/// SecurityPolicy, EnvoyExtensionPolicy; EnvoyPatchPolicies are listed
/// without a prediction). The one resolver the rules, the Policies view and
/// `egscope model` read.
pub fn policies(
    store: &Store,
    classes: &[Class],
    gateways: &[Gateway],
    listener_sets: &[ListenerSet],
    routes: &[Route],
) -> (Vec<Policy>, Attachments) {
    // Envoy Gateway's provider hands the translator each kind oldest first.
    let mut objs: Vec<&Arc<Object>> = POLICY_KINDS.iter().flat_map(|k| store.of(*k)).collect();
    objs.sort_by(|a, b| (a.kind, age_key(a)).cmp(&(b.kind, age_key(b))));
    let mut policies: Vec<Policy> = objs.into_iter().map(Policy::new).collect();
    let mut att = Attachments::default();
    let by_kind = |k: Kind| -> Vec<usize> {
        (0..policies.len())
            .filter(|&i| policies[i].obj.kind == k)
            .collect()
    };
    let idx: Vec<(Kind, Vec<usize>)> = STATUS_KINDS.iter().map(|&k| (k, by_kind(k))).collect();
    let mut class_order: Vec<Option<usize>> = (0..classes.len()).map(Some).collect();
    class_order.sort_by(|a, b| {
        let name = |c: &Option<usize>| c.map(|c| classes[c].obj.name.as_str());
        name(a).cmp(&name(b))
    });
    // GatewayClasses the source could not read: Gateways without a class
    // are resolved as Envoy Gateway's (so that the rules read their
    // policies, as they audit them), but no status is predicted for them.
    let classes_unreadable = store.state(Kind::GatewayClass).unreadable();
    if classes_unreadable {
        class_order.push(None);
    }
    let unknown_semantics = Semantics::default();
    for ci in class_order {
        let (controller, semantics) = match ci {
            Some(c) if classes[c].eg_served => {
                (classes[c].controller_name.as_str(), &classes[c].semantics)
            }
            Some(_) => continue,
            None => (UNKNOWN_CONTROLLER, &unknown_semantics),
        };
        let mut gws: Vec<usize> = (0..gateways.len())
            .filter(|&g| match ci {
                Some(_) => gateways[g].class == ci && gateway_accepted(&gateways[g], classes),
                None => gateways[g].class.is_none(),
            })
            .collect();
        if gws.is_empty() {
            continue;
        }
        gws.sort_by(|&a, &b| age_key(&gateways[a].obj).cmp(&age_key(&gateways[b].obj)));
        let gw_by_key = gws
            .iter()
            .map(|&g| {
                let o = &gateways[g].obj;
                ((o.namespace_or_empty(), o.name.as_str()), g)
            })
            .collect();
        let relevant_routes: Vec<usize> = (0..routes.len())
            .filter(|&r| {
                routes[r]
                    .parents
                    .iter()
                    .any(|p| p.gateway.is_some_and(|g| gws.contains(&g)))
            })
            .collect();
        let route_by_key = relevant_routes
            .iter()
            .map(|&r| {
                let o = &routes[r].obj;
                ((o.kind.name(), o.namespace_or_empty(), o.name.as_str()), r)
            })
            .collect();
        let mut targetable_ls: Vec<usize> = (0..listener_sets.len())
            .filter(|&ls| listener_sets[ls].obj.kind == Kind::ListenerSet)
            .collect();
        targetable_ls
            .sort_by(|&a, &b| age_key(&listener_sets[a].obj).cmp(&age_key(&listener_sets[b].obj)));
        let ls_by_key = targetable_ls
            .iter()
            .map(|&ls| {
                let o = &listener_sets[ls].obj;
                ((o.namespace_or_empty(), o.name.as_str()), ls)
            })
            .collect();
        let run = Run {
            store,
            gateways,
            listener_sets,
            ls_by_key,
            targetable_ls,
            routes,
            controller,
            semantics,
            gws,
            gw_by_key,
            route_by_key,
            relevant_routes,
        };
        for (kind, idxs) in &idx {
            match kind {
                Kind::ClientTrafficPolicy => run.client_traffic(&mut policies, idxs, &mut att),
                k => run.route_level(*k, &mut policies, idxs, &mut att),
            }
        }
    }
    let held = HeldTargets::new(gateways, listener_sets, routes);
    for p in &mut policies {
        let before = p.ancestors.len();
        p.ancestors
            .retain(|a| a.controller_name != UNKNOWN_CONTROLLER);
        if p.ancestors.len() < before {
            p.unjudged(
                "Gateways whose GatewayClass could not be read: their status is not predicted"
                    .into(),
            );
        }
        truncate_ancestors(p);
        p.unresolved = missing_targets(&p.obj, &held);
    }
    (policies, att)
}

/// The stand-in controller of Gateways whose class the source could not
/// read; their predicted statuses are dropped.
const UNKNOWN_CONTROLLER: &str = "";

/// The kinds whose ancestor statuses egscope predicts.
pub const STATUS_KINDS: [Kind; 4] = [
    Kind::ClientTrafficPolicy,
    Kind::BackendTrafficPolicy,
    Kind::SecurityPolicy,
    Kind::EnvoyExtensionPolicy,
];

/// The objects a policy's plain target ref can name, by (kind, namespace,
/// name): looked up once per ref instead of a scan of every route (2,000
/// policies over 20,000 routes made the scan most of a large model's time).
struct HeldTargets<'a>(std::collections::HashSet<(&'a str, &'a str, &'a str)>);

impl<'a> HeldTargets<'a> {
    fn new(gateways: &'a [Gateway], listener_sets: &'a [ListenerSet], routes: &'a [Route]) -> Self {
        let key = |o: &'a Object| (o.kind.name(), o.namespace_or_empty(), o.name.as_str());
        HeldTargets(
            gateways
                .iter()
                .map(|g| key(&g.obj))
                .chain(listener_sets.iter().map(|ls| key(&ls.obj)))
                .chain(routes.iter().map(|rt| key(&rt.obj)))
                .collect(),
        )
    }

    fn holds(&self, kind: &str, namespace: &str, name: &str) -> bool {
        self.0.contains(&(kind, namespace, name))
    }
}

/// Plain target refs naming an object the source does not hold.
fn missing_targets(obj: &Object, held: &HeldTargets<'_>) -> Vec<String> {
    plain_refs(obj)
        .into_iter()
        .filter(|r| !held.holds(&r.kind, &r.namespace, &r.name))
        .map(|r| format!("{}/{}", r.kind, r.name))
        .collect()
}

/// `lessPolicyAncestor` (status/policy.go): the not-accepted first, then
/// the overridden, then by namespace and name.
fn ancestor_less(a: &PolicyAncestor, b: &PolicyAncestor) -> bool {
    let rank = |a: &PolicyAncestor| {
        if a.condition("Accepted").is_some_and(|c| c.status == "False") {
            0
        } else if a
            .condition("Overridden")
            .is_some_and(|c| c.status == "True")
        {
            1
        } else {
            2
        }
    };
    (rank(a), &a.ancestor_ref.namespace, &a.ancestor_ref.name)
        < (rank(b), &b.ancestor_ref.namespace, &b.ancestor_ref.name)
}

/// `TruncatePolicyAncestors` (status/policy.go): past 16 ancestors, the 16
/// first in `ancestor_less` order stay; the 16th carries `Aggregated`.
fn truncate_ancestors(p: &mut Policy) {
    const MAX: usize = 16;
    if p.ancestors.len() <= MAX {
        return;
    }
    p.ancestors.sort_by(|a, b| {
        if ancestor_less(a, b) {
            std::cmp::Ordering::Less
        } else if ancestor_less(b, a) {
            std::cmp::Ordering::Greater
        } else {
            std::cmp::Ordering::Equal
        }
    });
    p.ancestors.truncate(MAX);
    let last = p.ancestors[MAX - 1].ancestor_ref.clone();
    let ctl = p.ancestors[MAX - 1].controller_name.clone();
    p.set(
        &last,
        &ctl,
        "Aggregated",
        true,
        "Aggregated",
        "Ancestors have been truncated because the number of policy ancestors exceeds 16.".into(),
    );
}

/// The effective ClientTrafficPolicy of listener `listener` (an index into
/// the Gateway's `listeners`, its ListenerSets' included), as Envoy Gateway
/// translates it onto that listener.
pub fn effective_ctp(att: &Attachments, gateway: usize, listener: usize) -> Option<usize> {
    att.listener_ctp.get(&(gateway, listener)).copied()
}

/// The BackendTrafficPolicies that decide a route rule's settings behind one
/// listener: the most specific first, then (when it sets `mergeType`) the
/// Gateway-level one it merges over.
pub fn effective_btp(
    att: &Attachments,
    policies: &[Policy],
    route: usize,
    rule_name: Option<&str>,
    gateway: Option<usize>,
    listener: Option<&str>,
) -> Vec<usize> {
    effective_route_chain(
        att,
        policies,
        Kind::BackendTrafficPolicy,
        true,
        route,
        rule_name,
        gateway,
        listener,
    )
}

/// Whether a route-level policy of `kind` with `mergeType` merges over its
/// parent on a controller of these semantics (BackendTrafficPolicy always,
/// SecurityPolicy from v1.8, EnvoyExtensionPolicy from v1.9).
pub fn merges(kind: Kind, semantics: &Semantics) -> bool {
    match kind {
        Kind::BackendTrafficPolicy => true,
        Kind::SecurityPolicy => semantics.security_policy_merge(),
        Kind::EnvoyExtensionPolicy => semantics.extension_policy_merge(),
        _ => false,
    }
}

/// The policies of `kind` that decide a route rule behind one listener:
/// route rule > route > listener > Gateway, and with `mergeType` (where the
/// release merges that kind) the closest parent policy beneath the route's.
#[allow(clippy::too_many_arguments)]
pub fn effective_route_chain(
    att: &Attachments,
    policies: &[Policy],
    kind: Kind,
    merge_enabled: bool,
    route: usize,
    rule_name: Option<&str>,
    gateway: Option<usize>,
    listener: Option<&str>,
) -> Vec<usize> {
    let k = kind;
    let route_level = rule_name
        .and_then(|n| att.winner(k, TargetObj::Route(route), Some(n)))
        .or_else(|| att.winner(k, TargetObj::Route(route), None));
    let gateway_level = gateway.and_then(|g| {
        listener
            .and_then(|l| att.winner(k, TargetObj::Gateway(g), Some(l)))
            .or_else(|| att.winner(k, TargetObj::Gateway(g), None))
    });
    match (route_level, gateway_level) {
        (Some(r), Some(g)) if merge_enabled && policies[r].merge_type().is_some() => vec![r, g],
        (Some(r), _) => vec![r],
        (None, Some(g)) => vec![g],
        (None, None) => vec![],
    }
}

/// Whether any of the policies sets the field (merged view).
pub fn any_sets(policies: &[Policy], chain: &[usize], path: &[&str]) -> bool {
    chain
        .iter()
        .any(|&i| super::value::is_set(policies[i].obj.spec(), path))
}

/// The value of the field in the merged view: the most specific wins.
pub fn first_value<'a>(
    policies: &'a [Policy],
    chain: &[usize],
    path: &[&str],
) -> Option<(&'a Value, usize)> {
    chain
        .iter()
        .find_map(|&i| at(policies[i].obj.spec(), path).map(|v| (v, i)))
}

/// The settings in force for one listener or one route behind one listener,
/// for one policy kind: which policies apply and which of them sets each
/// spec field, per the release's merge semantics (`merges`). The Detail
/// view, `egscope model` and `egscope trace` read this one computation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EffectiveSet {
    pub kind: Kind,
    /// Indices into `Model::policies`, most specific first: one policy, or
    /// a route policy with `mergeType` and the parent policy it merges over.
    pub policies: Vec<usize>,
    /// The route policy's `mergeType` when a merge happens.
    pub merge_type: Option<String>,
    /// Broader policies attached above that do not apply here: the more
    /// specific policy replaces them whole.
    pub replaced: Vec<usize>,
    /// Spec field path (dotted) → the policy whose value applies.
    pub fields: BTreeMap<String, usize>,
}

/// The ClientTrafficPolicy in force on one listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListenerEffective {
    pub gateway: usize,
    /// Index into the Gateway's `listeners` (its ListenerSets' included).
    pub listener: usize,
    pub client: EffectiveSet,
}

/// The BackendTrafficPolicy, SecurityPolicy and EnvoyExtensionPolicy in
/// force on a route (or one of its named rules) behind one listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteEffective {
    pub route: usize,
    pub gateway: usize,
    pub listener: usize,
    /// `None` for the route as a whole; a rule name when a policy targets
    /// that rule.
    pub rule: Option<String>,
    pub sets: Vec<EffectiveSet>,
}

/// Effective configuration of every listener and route, computed once per
/// model (`Model::effective`).
#[derive(Debug, Clone, Default)]
pub struct EffectiveConfig {
    pub listeners: Vec<ListenerEffective>,
    pub routes: Vec<RouteEffective>,
}

impl EffectiveConfig {
    pub fn of_listener(&self, gateway: usize, listener: usize) -> Option<&ListenerEffective> {
        self.listeners
            .iter()
            .find(|l| l.gateway == gateway && l.listener == listener)
    }

    /// The entries of one route. `routes` is built in route order
    /// (`effective_config`), so this is a binary search, not a scan: the
    /// EG2xx rules ask it once per route, 20,000 times on `large`.
    pub fn of_route(&self, route: usize) -> impl Iterator<Item = &RouteEffective> {
        let start = self.routes.partition_point(|r| r.route < route);
        self.routes[start..]
            .iter()
            .take_while(move |r| r.route == route)
    }
}

/// Spec fields of a policy as dotted paths: the leaves of its mappings
/// (a list, a scalar or an empty mapping is one field), the targeting and
/// merge fields left out.
pub fn spec_fields(spec: &Value) -> Vec<String> {
    fn walk(v: &Value, prefix: &str, out: &mut Vec<String>) {
        match v.as_object() {
            Some(map) if !map.is_empty() => {
                for (k, child) in map.iter() {
                    walk(child, &format!("{prefix}.{k}"), out);
                }
            }
            _ if !v.is_null() => out.push(prefix.to_string()),
            _ => {}
        }
    }
    let mut out = Vec::new();
    if let Some(map) = spec.as_object() {
        for (k, child) in map.iter() {
            if matches!(
                k,
                "targetRef" | "targetRefs" | "targetSelectors" | "mergeType"
            ) {
                continue;
            }
            walk(child, k, &mut out);
        }
    }
    out.sort();
    out
}

/// Which policy of a chain (most specific first) sets each field. The more
/// specific policy owns a field it sets, and a list as a whole (a JSON
/// merge replaces lists; egscope does not repeat a strategic merge's
/// per-element keys); a field it sets displaces the broader policy's
/// fields beneath or above it on the same path.
fn field_owners(policies: &[Policy], chain: &[usize]) -> BTreeMap<String, usize> {
    let mut fields: BTreeMap<String, usize> = BTreeMap::new();
    for &pi in chain.iter().rev() {
        for f in spec_fields(policies[pi].obj.spec()) {
            fields.retain(|k, _| {
                !(k.starts_with(&format!("{f}.")) || f.starts_with(&format!("{k}.")))
            });
            fields.insert(f, pi);
        }
    }
    fields
}

fn effective_set(
    policies: &[Policy],
    kind: Kind,
    chain: Vec<usize>,
    attached_above: &[Option<usize>],
) -> EffectiveSet {
    let merge_type = (chain.len() > 1)
        .then(|| policies[chain[0]].merge_type().map(str::to_string))
        .flatten();
    let mut replaced = Vec::new();
    for p in attached_above.iter().flatten() {
        if !chain.contains(p) && !replaced.contains(p) {
            replaced.push(*p);
        }
    }
    EffectiveSet {
        kind,
        fields: field_owners(policies, &chain),
        policies: chain,
        merge_type,
        replaced,
    }
}

/// The route-level chain behind one listener, ListenerSet listeners
/// included (Envoy Gateway v1.9, most specific first: route rule, route,
/// ListenerSet listener, ListenerSet, Gateway; or route rule, route, Gateway
/// listener, Gateway; a merging route policy merges over the closest of the
/// parents, `process*PolicyForRoute` in backendtrafficpolicy.go). Returns
/// the chain and every policy attached at those levels.
#[allow(clippy::too_many_arguments)]
fn route_chain_at(
    att: &Attachments,
    policies: &[Policy],
    gateways: &[Gateway],
    kind: Kind,
    merge_enabled: bool,
    route: usize,
    rule: Option<&str>,
    g: usize,
    li: usize,
) -> (Vec<usize>, Vec<Option<usize>>) {
    let l = &gateways[g].listeners[li];
    let w = |obj, section: Option<&str>| att.winner(kind, obj, section);
    let rule_level = rule.and_then(|n| w(TargetObj::Route(route), Some(n)));
    let route_level = w(TargetObj::Route(route), None);
    let mut parents = Vec::new();
    if let Some(ls) = l.listener_set {
        parents.push(w(TargetObj::ListenerSet(ls), Some(&l.name)));
        parents.push(w(TargetObj::ListenerSet(ls), None));
    } else {
        parents.push(w(TargetObj::Gateway(g), Some(&l.name)));
    }
    parents.push(w(TargetObj::Gateway(g), None));
    let closest = parents.iter().flatten().next().copied();
    let own = rule_level.or(route_level);
    let chain = match (own, closest) {
        (Some(r), Some(p)) if merge_enabled && policies[r].merge_type().is_some() => vec![r, p],
        (Some(r), _) => vec![r],
        (None, Some(p)) => vec![p],
        (None, None) => vec![],
    };
    let mut above = vec![route_level];
    above.extend(parents);
    (chain, above)
}

/// Computes the effective configuration of every listener (its
/// ClientTrafficPolicy) and of every route behind each listener it
/// attaches through (its BackendTrafficPolicy, SecurityPolicy and
/// EnvoyExtensionPolicy, with one entry more per rule a policy targets).
pub fn effective_config(
    classes: &[Class],
    gateways: &[Gateway],
    routes: &[Route],
    policies: &[Policy],
    att: &Attachments,
) -> EffectiveConfig {
    let mut out = EffectiveConfig::default();
    for (g, gw) in gateways.iter().enumerate() {
        for (li, l) in gw.listeners.iter().enumerate() {
            let Some(p) = effective_ctp(att, g, li) else {
                continue;
            };
            let k = Kind::ClientTrafficPolicy;
            let mut above = Vec::new();
            if let Some(ls) = l.listener_set {
                above.push(att.winner(k, TargetObj::ListenerSet(ls), Some(&l.name)));
                above.push(att.winner(k, TargetObj::ListenerSet(ls), None));
            } else {
                above.push(att.winner(k, TargetObj::Gateway(g), Some(&l.name)));
            }
            above.push(att.winner(k, TargetObj::Gateway(g), None));
            out.listeners.push(ListenerEffective {
                gateway: g,
                listener: li,
                client: effective_set(policies, k, vec![p], &above),
            });
        }
    }
    let kinds = &STATUS_KINDS[1..];
    for (ri, r) in routes.iter().enumerate() {
        let mut rules: Vec<Option<&str>> = vec![None];
        rules.extend(
            r.rule_names
                .iter()
                .flatten()
                .filter(|n| {
                    kinds
                        .iter()
                        .any(|&k| att.winner(k, TargetObj::Route(ri), Some(n)).is_some())
                })
                .map(|n| Some(n.as_str())),
        );
        for p in &r.parents {
            let Some(g) = p.gateway else { continue };
            let sem = gateways[g]
                .class
                .map(|c| classes[c].semantics.clone())
                .unwrap_or_default();
            for &li in &p.listener_indices {
                for rule in &rules {
                    let sets: Vec<EffectiveSet> = kinds
                        .iter()
                        .filter_map(|&k| {
                            let (chain, above) = route_chain_at(
                                att,
                                policies,
                                gateways,
                                k,
                                merges(k, &sem),
                                ri,
                                *rule,
                                g,
                                li,
                            );
                            (!chain.is_empty()).then(|| effective_set(policies, k, chain, &above))
                        })
                        .collect();
                    if !sets.is_empty() {
                        out.routes.push(RouteEffective {
                            route: ri,
                            gateway: g,
                            listener: li,
                            rule: rule.map(str::to_string),
                            sets,
                        });
                    }
                }
            }
        }
    }
    out
}
