//! `egscope model --format json`: the derived topology as the public
//! contract `egscope.model/v1` (README, "egscope model"). Keys come out in
//! struct declaration order and every list in a fixed order, so two runs on
//! the same input give the same bytes (diffable in GitOps reviews). Extend,
//! never rename.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::model::fleet::ProxySource;
use crate::model::policy::{self, PolicyAncestor};
use crate::model::{Model, Watch};
use crate::store::{Kind, Object, SourceInfo, Store};

pub const SCHEMA: &str = "egscope.model/v1";

#[derive(Serialize)]
struct Doc<'a> {
    schema: &'static str,
    source: &'a SourceInfo,
    /// Kinds the source could not read (forbidden, unavailable, or read in
    /// some namespaces only): whatever depends on them is not known.
    unread: Vec<String>,
    tenants: Vec<Tenant>,
    #[serde(rename = "gatewayClasses")]
    gateway_classes: Vec<GatewayClass>,
    gateways: Vec<GatewayOut>,
    #[serde(rename = "listenerSets")]
    listener_sets: Vec<ListenerSetOut>,
    routes: Vec<RouteOut>,
    fleets: Vec<FleetOut>,
    policies: Vec<PolicyOut<'a>>,
}

#[derive(Serialize)]
struct Tenant {
    controller: NsName,
    #[serde(rename = "controllerName")]
    controller_name: String,
    /// `All`, `Namespaces` or `NamespaceSelector`.
    watch: &'static str,
    /// The namespaces watched, as far as the source shows them; `null` for all.
    #[serde(rename = "watchedNamespaces")]
    watched_namespaces: Option<Vec<String>>,
    version: Option<String>,
    /// The release whose behaviour egscope predicts for this controller.
    semantics: String,
    #[serde(rename = "semanticsAssumed")]
    semantics_assumed: bool,
    #[serde(rename = "gatewayClasses")]
    gateway_classes: Vec<String>,
    #[serde(rename = "configError", skip_serializing_if = "Option::is_none")]
    config_error: Option<String>,
}

#[derive(Serialize, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct NsName {
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<String>,
    name: String,
}

fn ns_name(o: &Object) -> NsName {
    NsName {
        namespace: o.namespace.clone(),
        name: o.name.clone(),
    }
}

fn label(o: &Object) -> String {
    format!("{}/{}", o.namespace_or_empty(), o.name)
}

#[derive(Serialize)]
struct GatewayClass {
    name: String,
    #[serde(rename = "controllerName")]
    controller_name: String,
    #[serde(rename = "envoyGateway")]
    envoy_gateway: bool,
    #[serde(rename = "envoyProxy")]
    envoy_proxy: Option<NsName>,
    #[serde(rename = "envoyProxyFound")]
    envoy_proxy_found: bool,
    #[serde(rename = "mergeGateways")]
    merge_gateways: bool,
    semantics: String,
}

#[derive(Serialize)]
struct GatewayOut {
    namespace: String,
    name: String,
    #[serde(rename = "gatewayClassName")]
    gateway_class_name: String,
    /// Whether Envoy Gateway translates it (and so its policies); `null`
    /// when its GatewayClass could not be read.
    accepted: Option<bool>,
    listeners: Vec<ListenerOut>,
}

#[derive(Serialize)]
struct ListenerSetOut {
    /// `ListenerSet` or `XListenerSet`.
    kind: &'static str,
    namespace: String,
    name: String,
    /// `spec.parentRef` as `namespace/name`.
    parent: String,
    /// `Attached`, `ParentNotFound`, `NotAllowed`, `ParentNotAccepted` or
    /// `KindNotRead`, with what it means.
    attachment: &'static str,
    message: String,
    /// Its `spec.listeners` names, attached or not.
    listeners: Vec<String>,
}

#[derive(Serialize)]
struct ListenerOut {
    name: String,
    port: i64,
    protocol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    hostname: Option<String>,
    /// Where the listener is declared (a ListenerSet, once the model reads them).
    #[serde(rename = "declaredBy")]
    declared_by: String,
    /// The predicted `Conflicted` listener condition.
    conflicted: Condition,
    #[serde(rename = "effectivePolicies")]
    effective: BTreeMap<&'static str, Effective>,
}

#[derive(Serialize)]
struct Condition {
    #[serde(rename = "type")]
    type_: &'static str,
    status: &'static str,
    reason: String,
    message: String,
}

/// The policies in force and which of them set each field.
#[derive(Serialize)]
struct Effective {
    /// Most specific first.
    policies: Vec<String>,
    /// The route policy's `mergeType` when it merges over the parent one.
    #[serde(rename = "mergeType", skip_serializing_if = "Option::is_none")]
    merge_type: Option<String>,
    /// Broader policies attached above that the more specific one
    /// replaces whole here.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    replaced: Vec<String>,
    /// Spec field path → the policy (`namespace/name`) whose value applies.
    fields: BTreeMap<String, String>,
}

#[derive(Serialize)]
struct RouteOut {
    kind: &'static str,
    namespace: String,
    name: String,
    parents: Vec<ParentOut>,
    #[serde(rename = "effectivePolicies")]
    effective: Vec<RouteEffective>,
}

#[derive(Serialize)]
struct ParentOut {
    namespace: String,
    name: String,
    #[serde(rename = "sectionName", skip_serializing_if = "Option::is_none")]
    section_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    port: Option<i64>,
    /// The Gateway is in the source.
    found: bool,
    /// Listeners the route attaches through.
    listeners: Vec<String>,
}

#[derive(Serialize)]
struct RouteEffective {
    gateway: String,
    listener: String,
    /// The ListenerSet (`namespace/name`) that declares the listener.
    #[serde(rename = "listenerSet", skip_serializing_if = "Option::is_none")]
    listener_set: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<String>,
    policies: BTreeMap<&'static str, Effective>,
}

#[derive(Serialize)]
struct FleetOut {
    key: String,
    #[serde(rename = "gatewayClass")]
    gateway_class: String,
    merged: bool,
    gateways: Vec<String>,
    /// `Gateway`, `GatewayClass`, `EnvoyGatewayDefault`, `BuiltIn` or `Missing`.
    #[serde(rename = "envoyProxySource")]
    envoy_proxy_source: &'static str,
    #[serde(rename = "envoyProxy")]
    envoy_proxy: Option<NsName>,
    deployment: Option<NsName>,
    #[serde(rename = "daemonSet")]
    daemon_set: Option<NsName>,
    service: Option<NsName>,
    hpa: Option<NsName>,
    pods: usize,
}

#[derive(Serialize)]
struct PolicyOut<'a> {
    kind: &'static str,
    namespace: String,
    name: String,
    targets: Vec<TargetOut>,
    /// Predicted `status.ancestors` (absent for kinds egscope does not predict).
    #[serde(skip_serializing_if = "Option::is_none")]
    ancestors: Option<&'a [PolicyAncestor]>,
    /// Targets whose outcome egscope cannot predict, and why.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    unjudged: &'a [String],
    /// Targets not in the source.
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    missing: &'a [String],
}

#[derive(Serialize)]
struct TargetOut {
    kind: &'static str,
    namespace: String,
    name: String,
    #[serde(rename = "sectionName", skip_serializing_if = "Option::is_none")]
    section_name: Option<String>,
    /// `Attached` or `Conflicted`.
    outcome: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    winner: Option<String>,
}

pub use crate::model::policy::spec_fields;

fn effective(m: &Model, set: &policy::EffectiveSet) -> Effective {
    let name = |p: usize| label(&m.policies[p].obj);
    Effective {
        policies: set.policies.iter().map(|&p| name(p)).collect(),
        merge_type: set.merge_type.clone(),
        replaced: set.replaced.iter().map(|&p| name(p)).collect(),
        fields: set
            .fields
            .iter()
            .map(|(f, &p)| (f.clone(), name(p)))
            .collect(),
    }
}

fn conflicted(l: &crate::model::Listener, m: &Model) -> Condition {
    match &l.conflict {
        Some(c) => {
            let with: Vec<String> = c
                .with
                .iter()
                .map(|(g, name)| format!("{}/{name}", label(&m.gateways[*g].obj)))
                .collect();
            let what = match c.reason {
                crate::model::ConflictReason::HostnameConflict => {
                    "shares protocol, port and hostname with another listener"
                }
                crate::model::ConflictReason::ProtocolConflict => {
                    "uses a protocol its port's other listeners cannot share"
                }
            };
            Condition {
                type_: "Conflicted",
                status: "True",
                reason: c.reason.as_str().to_string(),
                message: if with.is_empty() {
                    format!("The listener {what}")
                } else {
                    format!("The listener {what} ({})", with.join(", "))
                },
            }
        }
        None => Condition {
            type_: "Conflicted",
            status: "False",
            reason: "NoConflicts".into(),
            message: "No listener conflicts found".into(),
        },
    }
}

fn listener_sets_out(m: &Model) -> Vec<ListenerSetOut> {
    let mut out: Vec<ListenerSetOut> = m
        .listener_sets
        .iter()
        .map(|ls| ListenerSetOut {
            kind: ls.obj.kind.name(),
            namespace: ls.obj.namespace_or_empty().to_string(),
            name: ls.obj.name.clone(),
            parent: format!("{}/{}", ls.parent_namespace, ls.parent_name),
            attachment: match ls.attachment {
                crate::model::Attachment::Attached => "Attached",
                crate::model::Attachment::ParentNotFound => "ParentNotFound",
                crate::model::Attachment::NotAllowed => "NotAllowed",
                crate::model::Attachment::ParentNotAccepted => "ParentNotAccepted",
                crate::model::Attachment::KindNotRead(_) => "KindNotRead",
            },
            message: ls.attachment.message(ls),
            listeners: ls.listener_names.clone(),
        })
        .collect();
    out.sort_by(|a, b| (a.kind, &a.namespace, &a.name).cmp(&(b.kind, &b.namespace, &b.name)));
    out
}

fn proxy_source(p: &ProxySource) -> &'static str {
    match p {
        ProxySource::Gateway(_) => "Gateway",
        ProxySource::Class(_) => "GatewayClass",
        ProxySource::ControllerDefault(_) => "EnvoyGatewayDefault",
        ProxySource::BuiltIn => "BuiltIn",
        ProxySource::Missing => "Missing",
    }
}

fn doc<'a>(store: &'a Store, m: &'a Model) -> Doc<'a> {
    let mut tenants: Vec<Tenant> = m
        .controllers
        .iter()
        .enumerate()
        .map(|(ci, c)| {
            let sem = c.semantics();
            let mut classes: Vec<String> = m
                .classes
                .iter()
                .filter(|k| k.controllers.contains(&ci))
                .map(|k| k.obj.name.clone())
                .collect();
            classes.sort();
            Tenant {
                controller: ns_name(&c.deployment),
                controller_name: c.config.controller_name.clone(),
                watch: match c.config.watch {
                    Watch::All => "All",
                    Watch::Namespaces(_) => "Namespaces",
                    Watch::Selector(_) => "NamespaceSelector",
                },
                watched_namespaces: c.watched_set(store).map(|s| s.into_iter().collect()),
                version: c.version.clone(),
                semantics: sem.describe(),
                semantics_assumed: sem.assumed,
                gateway_classes: classes,
                config_error: c.config_error.clone(),
            }
        })
        .collect();
    tenants.sort_by(|a, b| a.controller.cmp(&b.controller));

    let mut gateway_classes: Vec<GatewayClass> = m
        .classes
        .iter()
        .map(|c| GatewayClass {
            name: c.obj.name.clone(),
            controller_name: c.controller_name.clone(),
            envoy_gateway: c.eg_served,
            envoy_proxy: c.params_ref.as_ref().map(|(ns, name)| NsName {
                namespace: Some(ns.clone()),
                name: name.clone(),
            }),
            envoy_proxy_found: c.envoy_proxy.is_some(),
            merge_gateways: c.merges,
            semantics: c.semantics.describe(),
        })
        .collect();
    gateway_classes.sort_by(|a, b| a.name.cmp(&b.name));

    let mut gateways: Vec<(usize, GatewayOut)> = m
        .gateways
        .iter()
        .enumerate()
        .map(|(gi, g)| {
            let listeners = g
                .listeners
                .iter()
                .enumerate()
                .map(|(li, l)| {
                    let mut effective_map = BTreeMap::new();
                    if let Some(e) = m.effective.of_listener(gi, li) {
                        effective_map.insert("ClientTrafficPolicy", effective(m, &e.client));
                    }
                    ListenerOut {
                        name: l.name.clone(),
                        port: l.port,
                        protocol: l.protocol.clone(),
                        hostname: l.hostname.clone(),
                        declared_by: format!(
                            "{}/{}",
                            l.declared_by.kind.name(),
                            label(&l.declared_by)
                        ),
                        conflicted: conflicted(l, m),
                        effective: effective_map,
                    }
                })
                .collect();
            (
                gi,
                GatewayOut {
                    namespace: g.obj.namespace_or_empty().to_string(),
                    name: g.obj.name.clone(),
                    gateway_class_name: g.class_name.clone(),
                    accepted: if g.class.is_none() && m.classes_unreadable {
                        None
                    } else {
                        Some(policy::gateway_accepted(g, &m.classes))
                    },
                    listeners,
                },
            )
        })
        .collect();
    gateways.sort_by(|a, b| (&a.1.namespace, &a.1.name).cmp(&(&b.1.namespace, &b.1.name)));

    let mut routes: Vec<RouteOut> = m
        .routes
        .iter()
        .enumerate()
        .map(|(ri, r)| {
            let parents = r
                .parents
                .iter()
                .map(|p| ParentOut {
                    namespace: p.namespace.clone(),
                    name: p.name.clone(),
                    section_name: p.section.clone(),
                    port: p.port,
                    found: p.gateway.is_some(),
                    listeners: p.listeners.clone(),
                })
                .collect();
            let eff = m
                .effective
                .of_route(ri)
                .map(|e| {
                    let l = &m.gateways[e.gateway].listeners[e.listener];
                    RouteEffective {
                        gateway: label(&m.gateways[e.gateway].obj),
                        listener: l.name.clone(),
                        listener_set: l.listener_set.map(|ls| label(&m.listener_sets[ls].obj)),
                        rule: e.rule.clone(),
                        policies: e
                            .sets
                            .iter()
                            .map(|s| (s.kind.name(), effective(m, s)))
                            .collect(),
                    }
                })
                .collect();
            RouteOut {
                kind: r.obj.kind.name(),
                namespace: r.obj.namespace_or_empty().to_string(),
                name: r.obj.name.clone(),
                parents,
                effective: eff,
            }
        })
        .collect();
    routes.sort_by(|a, b| (a.kind, &a.namespace, &a.name).cmp(&(b.kind, &b.namespace, &b.name)));

    let mut fleets: Vec<FleetOut> = m
        .fleets
        .iter()
        .map(|f| {
            let mut gws: Vec<String> = f
                .gateways
                .iter()
                .map(|&g| label(&m.gateways[g].obj))
                .collect();
            gws.sort();
            FleetOut {
                key: f.key.clone(),
                gateway_class: m.classes[f.class].obj.name.clone(),
                merged: f.merged,
                gateways: gws,
                envoy_proxy_source: proxy_source(&f.proxy),
                envoy_proxy: f.proxy.object().map(|o| ns_name(o)),
                deployment: f.deployment.as_deref().map(ns_name),
                daemon_set: f.daemonset.as_deref().map(ns_name),
                service: f.service.as_deref().map(ns_name),
                hpa: f.hpa.as_deref().map(ns_name),
                pods: f.pods.len(),
            }
        })
        .collect();
    fleets.sort_by(|a, b| a.key.cmp(&b.key));

    let mut policies: Vec<PolicyOut> = m
        .policies
        .iter()
        .map(|p| {
            let targets = p
                .targets
                .iter()
                .zip(&p.outcomes)
                .map(|(t, o)| {
                    let obj = t.obj.object(m);
                    let (outcome, winner) = match o {
                        policy::Outcome::Attached => ("Attached", None),
                        policy::Outcome::Conflicted { winner } => {
                            ("Conflicted", Some(label(&m.policies[*winner].obj)))
                        }
                    };
                    TargetOut {
                        kind: obj.kind.name(),
                        namespace: obj.namespace_or_empty().to_string(),
                        name: obj.name.clone(),
                        section_name: t.section.clone(),
                        outcome,
                        winner,
                    }
                })
                .collect();
            PolicyOut {
                kind: p.kind().name(),
                namespace: p.obj.namespace_or_empty().to_string(),
                name: p.obj.name.clone(),
                targets,
                ancestors: (p.kind() != Kind::EnvoyPatchPolicy).then_some(p.ancestors.as_slice()),
                unjudged: &p.unjudged,
                missing: &p.unresolved,
            }
        })
        .collect();
    policies.sort_by(|a, b| (a.kind, &a.namespace, &a.name).cmp(&(b.kind, &b.namespace, &b.name)));

    Doc {
        schema: SCHEMA,
        source: &store.source,
        unread: unread(store),
        tenants,
        gateway_classes,
        gateways: gateways.into_iter().map(|(_, g)| g).collect(),
        listener_sets: listener_sets_out(m),
        routes,
        fleets,
        policies,
    }
}

/// What the source could not read, one line per kind (PodMetrics, which
/// the model does not use, left out).
pub fn unread(store: &Store) -> Vec<String> {
    store
        .states()
        .filter(|(k, st)| *k != Kind::PodMetrics && st.unreadable())
        .map(|(k, st)| st.describe(k))
        .collect()
}

/// Writes the model of `store` as pretty JSON with a trailing newline.
pub fn write(store: &Store, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let m = Model::build(store);
    serde_json::to_writer_pretty(&mut *out, &doc(store, &m))?;
    out.write_all(b"\n")
}

/// The model as a string (tests).
pub fn render(store: &Store) -> String {
    let mut buf = Vec::new();
    write(store, &mut buf).expect("writing to memory");
    String::from_utf8(buf).expect("JSON is UTF-8")
}
