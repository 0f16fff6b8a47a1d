//! The model: pure functions from a store to the topology the views and the
//! rules read (tenants, classes, Gateways with listeners and conflicts,
//! fleets, routes, policies with their effective attachment).

pub mod fleet;
pub mod listeners;
pub mod policy;
pub mod routes;
pub mod tenancy;
pub mod value;

use std::collections::HashMap;

pub use fleet::{Fleet, ProxySource};
pub use listeners::{Conflict, ConflictReason, Gateway, Listener};
pub use policy::{Attachments, Outcome, Policy, Target, TargetObj};
pub use routes::{Route, RouteParent};
pub use tenancy::{Class, Controller, EgConfig, Semantics, Watch};

use crate::store::{Kind, Store};

#[derive(Debug, Clone)]
pub struct Model {
    pub controllers: Vec<Controller>,
    pub classes: Vec<Class>,
    pub gateways: Vec<Gateway>,
    pub routes: Vec<Route>,
    pub policies: Vec<Policy>,
    pub attachments: Attachments,
    pub fleets: Vec<Fleet>,
    /// GatewayClasses could not be read (a user bound to one namespace
    /// cannot list cluster-scoped kinds): a Gateway whose class is unknown
    /// is then taken for Envoy Gateway's, and the rules that rely on it are
    /// marked partial by the audit.
    pub classes_unreadable: bool,
}

impl Model {
    pub fn build(store: &Store) -> Model {
        let controllers = tenancy::controllers(store);
        let classes = tenancy::classes(store, &controllers);
        let mut gateways = gateways(store, &classes);
        mark_conflicts(&mut gateways, &classes);
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
        let routes = routes::routes(store, &gateways, &gw_index);
        let (policies, attachments) =
            policy::policies(store, &classes, &gateways, &gw_index, &routes);
        let fleets = fleet::fleets(store, &controllers, &classes, &gateways);
        Model {
            controllers,
            classes,
            gateways,
            routes,
            policies,
            attachments,
            fleets,
            classes_unreadable: store.state(Kind::GatewayClass).unreadable(),
        }
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
                listeners: listeners::read_listeners(obj),
                params_ref,
                envoy_proxy,
                rejected_by_merge,
            }
        })
        .collect()
}

/// Decides EG113 conflicts per Gateway and EG112 conflicts per merging class.
fn mark_conflicts(gateways: &mut [Gateway], classes: &[Class]) {
    for g in gateways.iter_mut() {
        let reasons = listeners::gateway_conflicts(&g.listeners);
        for (l, reason) in g.listeners.iter_mut().zip(reasons) {
            l.conflict = reason.map(|reason| Conflict {
                reason,
                merged: false,
                with: Vec::new(),
            });
        }
    }
    for (ci, class) in classes.iter().enumerate() {
        if !class.merges {
            continue;
        }
        let mut members: Vec<usize> = (0..gateways.len())
            .filter(|&i| gateways[i].class == Some(ci) && !gateways[i].rejected_by_merge)
            .collect();
        members.sort_by(|&a, &b| {
            policy::age_key(&gateways[a].obj).cmp(&policy::age_key(&gateways[b].obj))
        });
        let found = {
            let input: Vec<(usize, &[Listener])> = members
                .iter()
                .map(|&i| (i, gateways[i].listeners.as_slice()))
                .collect();
            listeners::merged_conflicts(&input)
        };
        for ((g, li), conflict) in found {
            let l = &mut gateways[g].listeners[li];
            // A conflict inside the Gateway itself is EG113's finding.
            if l.conflict.is_none() {
                l.conflict = Some(conflict);
            }
        }
    }
}
