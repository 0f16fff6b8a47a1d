//! The model: pure functions from a store to the topology the views and the
//! rules read (tenants, classes, Gateways with listeners and conflicts,
//! fleets, routes, policies with their effective attachment).

pub mod backends;
pub mod events;
pub mod fleet;
pub mod listeners;
pub mod patch;
pub mod policy;
pub mod routes;
pub mod tenancy;
pub mod trace;
pub mod value;
pub mod version;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

pub use fleet::{Fleet, ProxySource};
pub use listeners::{
    Attachment, Conflict, ConflictReason, ConflictSemantics, Gateway, Listener, ListenerSet,
};
pub use patch::{Bootstrap, PatchPolicy, PatchTarget};
pub use policy::{Attachments, Outcome, Policy, Target, TargetObj};
pub use routes::{Route, RouteParent};
pub use tenancy::{Class, Controller, EgConfig, Semantics, Watch};
pub use version::Version;

use crate::store::{Kind, Store};

/// The parts a running cluster does not touch are shared (`Arc`): a change
/// to workloads alone ([`Model::with_workloads`]) rebuilds the fleets, the
/// tenants and the backends' endpoints and keeps the rest.
#[derive(Debug, Clone)]
pub struct Model {
    pub controllers: Vec<Controller>,
    pub classes: Arc<Vec<Class>>,
    pub gateways: Arc<Vec<Gateway>>,
    /// ListenerSets and XListenerSets, oldest first, attached or not.
    pub listener_sets: Arc<Vec<ListenerSet>>,
    pub routes: Arc<Vec<Route>>,
    /// The backends of each route rule, in the order of `routes`.
    pub backends: Arc<Vec<backends::RouteBackends>>,
    pub policies: Arc<Vec<Policy>>,
    pub attachments: Arc<Attachments>,
    /// The effective configuration per listener and route (which policy
    /// sets each field), computed once from `policies`.
    pub effective: Arc<policy::EffectiveConfig>,
    pub fleets: Vec<Fleet>,
    /// Every EnvoyPatchPolicy with its target resolved (EG206/EG207 read
    /// which Gateways each one patches here).
    pub patch_policies: Arc<Vec<PatchPolicy>>,
    /// GatewayClasses could not be read (a user bound to one namespace
    /// cannot list cluster-scoped kinds): a Gateway whose class is unknown
    /// is then taken for Envoy Gateway's, and the rules that rely on it are
    /// marked partial by the audit.
    pub classes_unreadable: bool,
}

/// The kinds a running cluster changes all the time: scaling, rollouts,
/// restarts, Events and endpoints. They feed only the fleets, the
/// tenants' workloads and the backends' endpoints.
pub const WORKLOAD_KINDS: [Kind; 8] = [
    Kind::Pod,
    Kind::Deployment,
    Kind::DaemonSet,
    Kind::HorizontalPodAutoscaler,
    Kind::Service,
    Kind::EndpointSlice,
    Kind::Event,
    Kind::PodMetrics,
];

impl Model {
    pub fn build(store: &Store) -> Model {
        let controllers = tenancy::controllers(store);
        let classes = tenancy::classes(store, &controllers);
        let mut gateways = gateways(store, &classes);
        let gw_index: routes::GatewayIndex = gateways
            .iter()
            .enumerate()
            .map(|(i, g)| {
                (
                    (g.obj.namespace_or_empty().to_string(), g.obj.name.clone()),
                    i,
                )
            })
            .collect();
        let semantics: Vec<ConflictSemantics> = classes
            .iter()
            .map(|c| ConflictSemantics::for_version(class_version(c, &controllers)))
            .collect();
        let listener_sets =
            attach_listener_sets(store, &controllers, &classes, &mut gateways, &gw_index);
        mark_conflicts(&mut gateways, &classes, &semantics);
        let routes = routes::routes(store, &gateways, &gw_index, &listener_sets);
        let backends = backends::backends(store, &routes);
        let (policies, attachments) =
            policy::policies(store, &classes, &gateways, &listener_sets, &routes);
        let effective =
            policy::effective_config(&classes, &gateways, &routes, &policies, &attachments);
        let fleets = fleet::fleets(store, &controllers, &classes, &gateways);
        let patch_policies = patch::patch_policies(store, &gateways, &classes);
        Model {
            controllers,
            classes: Arc::new(classes),
            gateways: Arc::new(gateways),
            listener_sets: Arc::new(listener_sets),
            routes: Arc::new(routes),
            backends: Arc::new(backends),
            policies: Arc::new(policies),
            attachments: Arc::new(attachments),
            effective: Arc::new(effective),
            fleets,
            patch_policies: Arc::new(patch_policies),
            classes_unreadable: store.state(Kind::GatewayClass).unreadable(),
        }
    }

    /// The model of `store` when it differs from the one this model was
    /// built from only in [`WORKLOAD_KINDS`] (`changed`): the fleets and the
    /// tenants are built again, the backends when Services or
    /// EndpointSlices changed, and the rest is shared. `None` when a
    /// controller's Deployment or ConfigMap changed: the controllers decide
    /// which classes, Gateways and routes are Envoy Gateway's, so only a
    /// full [`Model::build`] is right then.
    pub fn with_workloads(&self, store: &Store, changed: &BTreeSet<Kind>) -> Option<Model> {
        if changed.iter().any(|k| !WORKLOAD_KINDS.contains(k)) {
            return None;
        }
        let controllers = tenancy::controllers(store);
        let same_controllers = controllers.len() == self.controllers.len()
            && controllers.iter().zip(&self.controllers).all(|(a, b)| {
                Arc::ptr_eq(&a.deployment, &b.deployment)
                    && match (&a.config_map, &b.config_map) {
                        (Some(x), Some(y)) => Arc::ptr_eq(x, y),
                        (None, None) => true,
                        _ => false,
                    }
            });
        if !same_controllers {
            return None;
        }
        let fleets = fleet::fleets(store, &controllers, &self.classes, &self.gateways);
        let backends = if changed.contains(&Kind::Service) || changed.contains(&Kind::EndpointSlice)
        {
            Arc::new(backends::backends(store, &self.routes))
        } else {
            self.backends.clone()
        };
        Some(Model {
            controllers,
            fleets,
            backends,
            ..self.clone()
        })
    }

    pub fn class_of(&self, gateway: &Gateway) -> Option<&Class> {
        gateway.class.map(|c| &self.classes[c])
    }

    /// Gateways whose class an Envoy Gateway controller serves: the ones the
    /// EG2xx/EG3xx rules audit.
    pub fn eg_gateways(&self) -> impl Iterator<Item = (usize, &Gateway)> {
        self.gateways
            .iter()
            .enumerate()
            .filter(|(_, g)| match self.class_of(g) {
                Some(c) => c.eg_served,
                None => self.classes_unreadable,
            })
    }

    /// The EnvoyPatchPolicies that patch Gateway `gateway` (directly or
    /// through its class).
    pub fn patches_of(&self, gateway: usize) -> impl Iterator<Item = &PatchPolicy> {
        self.patch_policies
            .iter()
            .filter(move |p| p.applies_to(&self.gateways, gateway))
    }

    /// The fleet a Gateway belongs to.
    pub fn fleet_of(&self, gateway: usize) -> Option<&Fleet> {
        self.fleets.iter().find(|f| f.gateways.contains(&gateway))
    }
}

fn gateways(store: &Store, classes: &[Class]) -> Vec<Gateway> {
    let class_index: HashMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.obj.name.as_str(), i))
        .collect();
    store
        .of(Kind::Gateway)
        .iter()
        .map(|obj| {
            let class_name = value::str_at(obj.spec(), &["gatewayClassName"])
                .unwrap_or("")
                .to_string();
            let class = class_index.get(class_name.as_str()).copied();
            let params_ref = listeners::params_ref_name(obj);
            let envoy_proxy = params_ref
                .as_deref()
                .and_then(|n| tenancy::find_envoy_proxy(store, obj.namespace_or_empty(), n));
            let has_infra_ref = value::is_set(obj.spec(), &["infrastructure", "parametersRef"]);
            let rejected_by_merge = has_infra_ref && class.is_some_and(|c| classes[c].merges);
            Gateway {
                obj: obj.clone(),
                class_name,
                class,
                listeners: listeners::read_listeners(obj, None),
                params_ref,
                envoy_proxy,
                rejected_by_merge,
            }
        })
        .collect()
}

/// The controller version that decides a class's semantics: the first of
/// its controllers whose version the source shows; `None` (newest
/// semantics) when none does.
pub fn class_version(class: &Class, controllers: &[Controller]) -> Option<Version> {
    class
        .controllers
        .iter()
        .find_map(|&i| controllers[i].version.as_deref().and_then(Version::parse))
}

/// Reads every ListenerSet and XListenerSet, oldest first (Envoy Gateway's
/// provider order, `Resources.Sort` in its `resource/resource.go`), and
/// appends the listeners of each attached one to its parent Gateway.
fn attach_listener_sets(
    store: &Store,
    controllers: &[Controller],
    classes: &[Class],
    gateways: &mut [Gateway],
    gw_index: &routes::GatewayIndex,
) -> Vec<ListenerSet> {
    let mut objs: Vec<&std::sync::Arc<crate::store::Object>> = store
        .of(Kind::ListenerSet)
        .iter()
        .chain(store.of(Kind::XListenerSet))
        .collect();
    objs.sort_by(|a, b| policy::age_key(a).cmp(&policy::age_key(b)));
    let mut out = Vec::with_capacity(objs.len());
    for obj in objs {
        let idx = out.len();
        let parent = value::at(obj.spec(), &["parentRef"]);
        let parent_kind = parent
            .and_then(|p| value::str_at(p, &["kind"]))
            .unwrap_or("Gateway");
        let parent_namespace = parent
            .and_then(|p| value::str_at(p, &["namespace"]))
            .unwrap_or(obj.namespace_or_empty())
            .to_string();
        let parent_name = parent
            .and_then(|p| value::str_at(p, &["name"]))
            .unwrap_or("")
            .to_string();
        let gateway = (parent_kind == "Gateway")
            .then(|| gw_index.get(&(parent_namespace.clone(), parent_name.clone())))
            .flatten()
            .copied();
        let listener_names = value::array_at(obj.spec(), &["listeners"])
            .iter()
            .map(|l| value::str_at(l, &["name"]).unwrap_or("").to_string())
            .collect();
        let attachment = match gateway {
            None => Attachment::ParentNotFound,
            Some(g) => judge_attachment(store, controllers, classes, &gateways[g], obj),
        };
        let mut listeners = Vec::new();
        if let (Some(g), Attachment::Attached) = (gateway, &attachment) {
            let gw = &mut gateways[g];
            for l in listeners::read_listeners(obj, Some(idx)) {
                listeners.push(gw.listeners.len());
                gw.listeners.push(l);
            }
        }
        out.push(ListenerSet {
            obj: obj.clone(),
            parent_namespace,
            parent_name,
            gateway,
            attachment,
            listeners,
            listener_names,
        });
    }
    out
}

fn judge_attachment(
    store: &Store,
    controllers: &[Controller],
    classes: &[Class],
    gw: &Gateway,
    ls: &crate::store::Object,
) -> Attachment {
    // Envoy Gateway v1.8 moved to Gateway API v1.5's ListenerSet (its
    // v1.8.0 release note: "unconditionally starts an informer for
    // ListenerSet"); v1.7 reads only XListenerSet. An unknown version reads
    // both here, so that neither kind's listeners go unjudged.
    if let Some(v) = gw
        .class
        .and_then(|c| class_version(&classes[c], controllers))
    {
        let reads_v1 = v >= Version::new(1, 8, 0);
        let is_v1 = ls.kind == Kind::ListenerSet;
        if reads_v1 != is_v1 {
            return Attachment::KindNotRead(format!(
                "Envoy Gateway {v} reads {}, not {}",
                if reads_v1 {
                    "ListenerSet"
                } else {
                    "XListenerSet"
                },
                ls.kind.name()
            ));
        }
    }
    let accepted_false =
        value::condition(gw.conditions(), "Accepted").is_some_and(|c| c.is_false());
    if accepted_false || gw.rejected_by_merge {
        return Attachment::ParentNotAccepted;
    }
    let ns = ls.namespace_or_empty();
    let labels = store
        .of(Kind::Namespace)
        .iter()
        .find(|n| n.name == ns)
        .map(|n| &n.labels);
    if listeners::listener_set_allowed(&gw.obj, ns, labels) {
        Attachment::Attached
    } else {
        Attachment::NotAllowed
    }
}

/// Decides EG113 conflicts per Gateway and EG112 conflicts per merging
/// class, over each Gateway's own and ListenerSet listeners, with the
/// semantics of the release serving the class.
fn mark_conflicts(gateways: &mut [Gateway], classes: &[Class], semantics: &[ConflictSemantics]) {
    let newest = ConflictSemantics::for_version(None);
    let mut groups: Vec<(Vec<usize>, bool, ConflictSemantics)> = Vec::new();
    for (ci, class) in classes.iter().enumerate() {
        let mut members: Vec<usize> = (0..gateways.len())
            .filter(|&i| gateways[i].class == Some(ci) && !gateways[i].rejected_by_merge)
            .collect();
        if class.merges {
            members.sort_by(|&a, &b| {
                policy::age_key(&gateways[a].obj).cmp(&policy::age_key(&gateways[b].obj))
            });
            groups.push((members, true, semantics[ci]));
        } else {
            groups.extend(members.into_iter().map(|g| (vec![g], false, semantics[ci])));
        }
    }
    // Gateways of no class in the source, and those rejected by a merging
    // class, are still judged on their own.
    for (g, gw) in gateways.iter().enumerate() {
        let merged_member = gw
            .class
            .is_some_and(|c| classes[c].merges && !gw.rejected_by_merge);
        let own_group = gw.class.is_none() || gw.rejected_by_merge;
        if own_group && !merged_member {
            let sem = gw.class.map_or(newest, |c| semantics[c]);
            groups.push((vec![g], false, sem));
        }
    }
    for (members, merging, sem) in groups {
        let found = {
            let input: Vec<(usize, &[Listener])> = members
                .iter()
                .map(|&i| (i, gateways[i].listeners.as_slice()))
                .collect();
            listeners::conflicts(&input, merging, sem)
        };
        for ((g, li), conflict) in found {
            gateways[g].listeners[li].conflict = Some(conflict);
        }
    }
}
