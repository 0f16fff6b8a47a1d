//! The simulated cluster's state: objects by resource, a global
//! resourceVersion, and a bounded event log per resource for watches.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::resources::{GatewayApiBundle, RESOURCES, by_group_kind};
use crate::group_of;

/// Default number of events kept per resource for watch resumes.
pub const DEFAULT_EVENT_CAP: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventType {
    Added,
    Modified,
    Deleted,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
        }
    }
}

#[derive(Debug, Clone)]
pub struct WatchEvent {
    pub rv: u64,
    pub kind: EventType,
    pub object: Arc<Value>,
}

/// A watch resume from before the oldest kept event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gone {
    pub oldest: u64,
}

/// (namespace, or "" for cluster-scoped; name)
pub type ObjKey = (String, String);

#[derive(Debug, Clone)]
pub struct Cluster {
    rv: u64,
    objects: Vec<BTreeMap<ObjKey, Arc<Value>>>,
    events: Vec<VecDeque<WatchEvent>>,
    /// Events with rv <= floor are no longer kept for that resource.
    floor: Vec<u64>,
    event_cap: usize,
    bundle: GatewayApiBundle,
    /// The simulated time of the last [`Cluster::catch_up`].
    now: std::time::Duration,
    /// Spec changes the controllers have yet to observe: (resource, key,
    /// when the change was made).
    unobserved: Vec<(usize, ObjKey, std::time::Duration)>,
}

/// How long a controller that keeps up takes to observe a spec change
/// (simulated time): well under EG511's threshold, so the lag shows as
/// "waiting" and then clears, as on a healthy cluster.
pub const CATCH_UP: std::time::Duration = std::time::Duration::from_secs(4);

fn generation_of(obj: &Value) -> Option<i64> {
    obj.pointer("/metadata/generation").and_then(Value::as_i64)
}

/// Every `observedGeneration` a controller writes in a status: its own,
/// its conditions', and those of its parents (routes) and ancestors
/// (policies).
fn observed_generations(status: &mut Value) -> Vec<&mut Value> {
    let mut out = Vec::new();
    let Some(st) = status.as_object_mut() else {
        return out;
    };
    for (k, v) in st.iter_mut() {
        match (k.as_str(), v) {
            ("observedGeneration", v) => out.push(v),
            ("conditions", Value::Array(cs)) => out.extend(
                cs.iter_mut()
                    .filter_map(|c| c.get_mut("observedGeneration")),
            ),
            ("parents" | "ancestors", Value::Array(ps)) => {
                for p in ps {
                    if let Some(Value::Array(cs)) = p.get_mut("conditions") {
                        out.extend(
                            cs.iter_mut()
                                .filter_map(|c| c.get_mut("observedGeneration")),
                        );
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// Whether the controllers had observed `obj`'s generation: no status
/// counts as observed (nothing was claimed yet).
fn observed(obj: &Value) -> bool {
    let Some(g) = generation_of(obj) else {
        return true;
    };
    let mut status = obj.get("status").cloned().unwrap_or(Value::Null);
    let seen: Vec<i64> = observed_generations(&mut status)
        .into_iter()
        .filter_map(|v| v.as_i64())
        .collect();
    seen.iter().max().is_none_or(|m| *m >= g)
}

/// A deterministic UUID (v5-shaped) from a string.
pub fn uid_for(seed: &str) -> String {
    let d = Sha256::digest(seed.as_bytes());
    let h: String = d.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-5{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[16..20],
        &h[20..32]
    )
}

fn key_of(namespaced: bool, obj: &Value) -> ObjKey {
    let text = |p: &str| {
        obj.pointer(p)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let ns = if namespaced {
        text("/metadata/namespace")
    } else {
        String::new()
    };
    (ns, text("/metadata/name"))
}

impl Cluster {
    /// Loads objects; kinds that are not served with `bundle` (Secrets,
    /// unknown CRDs, XListenerSet with v1.6, ...) are dropped. Objects of a
    /// kind are kept at its storage version whatever version they were
    /// written at (the CRDs convert with strategy None), and get a
    /// resourceVersion, and a uid and creationTimestamp when they have none.
    pub fn new(objects: Vec<Value>, default_created: &str, bundle: GatewayApiBundle) -> Cluster {
        let mut c = Cluster {
            rv: 1000,
            objects: vec![BTreeMap::new(); RESOURCES.len()],
            events: vec![VecDeque::new(); RESOURCES.len()],
            floor: vec![0; RESOURCES.len()],
            event_cap: DEFAULT_EVENT_CAP,
            bundle,
            now: std::time::Duration::ZERO,
            unobserved: Vec::new(),
        };
        for mut obj in objects {
            let api_version = obj
                .get("apiVersion")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let kind = obj
                .get("kind")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let Some(res) = by_group_kind(group_of(&api_version), &kind) else {
                continue;
            };
            let def = &RESOURCES[res];
            let Some(storage) = def.storage_version(bundle) else {
                continue;
            };
            if !obj.get("metadata").is_some_and(Value::is_object) {
                continue;
            }
            obj["apiVersion"] = json!(def.api_version(storage));
            let meta = &mut obj["metadata"];
            if def.namespaced {
                if meta.get("namespace").and_then(Value::as_str).is_none() {
                    meta["namespace"] = json!("default");
                }
            } else if let Some(m) = meta.as_object_mut() {
                m.remove("namespace");
            }
            if meta
                .get("creationTimestamp")
                .and_then(Value::as_str)
                .is_none()
            {
                meta["creationTimestamp"] = json!(default_created);
            }
            if meta.get("uid").and_then(Value::as_str).is_none() {
                let (ns, name) = key_of(def.namespaced, &obj);
                obj["metadata"]["uid"] =
                    json!(uid_for(&format!("{}/{}/{ns}/{name}", def.group, def.kind)));
            }
            c.rv += 1;
            obj["metadata"]["resourceVersion"] = json!(c.rv.to_string());
            let key = key_of(def.namespaced, &obj);
            if key.1.is_empty() {
                continue;
            }
            c.objects[res].insert(key, Arc::new(obj));
        }
        let rv = c.rv;
        c.floor.iter_mut().for_each(|f| *f = rv);
        c
    }

    pub fn bundle(&self) -> GatewayApiBundle {
        self.bundle
    }

    pub fn set_event_cap(&mut self, cap: usize) {
        self.event_cap = cap.max(1);
    }

    /// The newest resourceVersion in the cluster.
    pub fn resource_version(&self) -> u64 {
        self.rv
    }

    /// Objects of a resource, ordered by namespace and name.
    pub fn list(&self, res: usize) -> impl Iterator<Item = (&ObjKey, &Arc<Value>)> {
        self.objects[res].iter()
    }

    pub fn count(&self, res: usize) -> usize {
        self.objects[res].len()
    }

    pub fn get(&self, res: usize, ns: &str, name: &str) -> Option<Arc<Value>> {
        let ns = if RESOURCES[res].namespaced { ns } else { "" };
        self.objects[res]
            .get(&(ns.to_string(), name.to_string()))
            .cloned()
    }

    fn push_event(&mut self, res: usize, kind: EventType, object: Arc<Value>) {
        let log = &mut self.events[res];
        log.push_back(WatchEvent {
            rv: self.rv,
            kind,
            object,
        });
        while log.len() > self.event_cap {
            if let Some(old) = log.pop_front() {
                self.floor[res] = old.rv;
            }
        }
    }

    /// Creates or replaces an object; returns its new resourceVersion.
    /// A replace that changes `spec` bumps `metadata.generation`, as
    /// kube-apiserver does for custom resources (apiextensions-apiserver
    /// pkg/registry/customresource/strategy.go, `PrepareForUpdate`) and the
    /// built-ins with a generation (e.g. pkg/registry/apps/deployment/
    /// strategy.go): the new generation is the old one, plus one when the
    /// spec differs, whatever the writer put there. Objects that never had
    /// a generation (the simulator's pods) are left without. A controller
    /// that had observed the old generation observes the new one
    /// [`CATCH_UP`] later; one already behind stays behind.
    pub fn upsert(&mut self, res: usize, mut obj: Value) -> u64 {
        let def = &RESOURCES[res];
        let old = self.objects[res]
            .get(&key_of(def.namespaced, &obj))
            .cloned();
        if let Some(old) = &old
            && let Some(g) = generation_of(old)
        {
            let changed = old.get("spec") != obj.get("spec");
            obj["metadata"]["generation"] = json!(g + i64::from(changed));
            if changed && observed(old) {
                let key = key_of(def.namespaced, &obj);
                self.unobserved.retain(|(r, k, _)| (*r, k) != (res, &key));
                self.unobserved.push((res, key, self.now));
            }
        }
        self.rv += 1;
        let storage = def.storage_version(self.bundle).unwrap_or("v1");
        obj["apiVersion"] = json!(def.api_version(storage));
        obj["kind"] = json!(def.kind);
        obj["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        if obj.pointer("/metadata/uid").is_none() {
            let (ns, name) = key_of(def.namespaced, &obj);
            obj["metadata"]["uid"] = json!(uid_for(&format!(
                "{}/{}/{ns}/{name}/{}",
                def.group, def.kind, self.rv
            )));
        }
        let key = key_of(def.namespaced, &obj);
        let obj = Arc::new(obj);
        let kind = match self.objects[res].insert(key, obj.clone()) {
            Some(_) => EventType::Modified,
            None => EventType::Added,
        };
        self.push_event(res, kind, obj);
        self.rv
    }

    /// The controllers observe the spec changes made at least [`CATCH_UP`]
    /// before `now` (simulated time): every observedGeneration in the
    /// object's status becomes its generation, a status-only write.
    pub fn catch_up(&mut self, now: std::time::Duration) {
        self.now = now;
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.unobserved)
            .into_iter()
            .partition(|(_, _, at)| *at + CATCH_UP <= now);
        self.unobserved = later;
        for (res, key, _) in due {
            let Some(cur) = self.objects[res].get(&key).cloned() else {
                continue;
            };
            let Some(g) = generation_of(&cur) else {
                continue;
            };
            let mut obj = (*cur).clone();
            let Some(status) = obj.get_mut("status") else {
                continue;
            };
            let fields = observed_generations(status);
            if fields.is_empty() {
                continue;
            }
            for f in fields {
                *f = json!(g);
            }
            self.upsert(res, obj);
        }
    }

    /// Deletes an object; the DELETED event carries its last state with a
    /// new resourceVersion.
    pub fn delete(&mut self, res: usize, ns: &str, name: &str) -> Option<u64> {
        let ns = if RESOURCES[res].namespaced { ns } else { "" };
        let old = self.objects[res].remove(&(ns.to_string(), name.to_string()))?;
        self.rv += 1;
        let mut last = (*old).clone();
        last["metadata"]["resourceVersion"] = json!(self.rv.to_string());
        self.push_event(res, EventType::Deleted, Arc::new(last));
        Some(self.rv)
    }

    /// Events of a resource after `rv`, or `Gone` when some were dropped.
    pub fn events_since(&self, res: usize, rv: u64) -> Result<Vec<WatchEvent>, Gone> {
        if rv < self.floor[res] {
            return Err(Gone {
                oldest: self.floor[res],
            });
        }
        Ok(self.events[res]
            .iter()
            .filter(|e| e.rv > rv)
            .cloned()
            .collect())
    }

    /// Every object of every stored resource (for determinism checks).
    pub fn dump(&self) -> Value {
        let mut out = serde_json::Map::new();
        for (i, def) in RESOURCES.iter().enumerate() {
            let Some(storage) = def.storage_version(self.bundle) else {
                continue;
            };
            if !def.stored || self.objects[i].is_empty() {
                continue;
            }
            let items: Vec<Value> = self.objects[i].values().map(|v| (**v).clone()).collect();
            out.insert(
                format!("{}/{}", def.api_version(storage), def.plural),
                json!(items),
            );
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::find;

    #[test]
    fn events_and_gone() {
        let gw = find("gateway.networking.k8s.io", "v1", "gateways").unwrap();
        let mut c = Cluster::new(
            vec![
                json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                "metadata": {"name": "a", "namespace": "x"}}),
                json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "x"}}),
            ],
            "2026-01-01T00:00:00Z",
            GatewayApiBundle::V1_4,
        );
        assert_eq!(c.count(gw), 1);
        let start = c.resource_version();
        c.set_event_cap(2);
        for i in 0..3 {
            c.upsert(
                gw,
                json!({"metadata": {"name": format!("g{i}"), "namespace": "x"}}),
            );
        }
        assert!(c.events_since(gw, start).is_err());
        let evs = c.events_since(gw, start + 1).unwrap();
        assert_eq!(evs.len(), 2);
        assert!(evs[0].rv < evs[1].rv);
        c.delete(gw, "x", "g0").unwrap();
        assert_eq!(c.count(gw), 3);
    }

    fn route(spec_weight: i64, generation: i64, observed: i64) -> Value {
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
               "metadata": {"name": "r", "namespace": "x", "generation": generation},
               "spec": {"rules": [{"backendRefs": [{"name": "s", "weight": spec_weight}]}]},
               "status": {"parents": [{"controllerName": "gateway.envoyproxy.io/gatewayclass-controller",
                   "conditions": [{"type": "Accepted", "status": "True", "observedGeneration": observed}]}]}})
    }

    fn gens(c: &Cluster, res: usize) -> (i64, i64) {
        let o = c.get(res, "x", "r").unwrap();
        (
            generation_of(&o).unwrap(),
            o.pointer("/status/parents/0/conditions/0/observedGeneration")
                .and_then(Value::as_i64)
                .unwrap(),
        )
    }

    #[test]
    fn a_spec_change_bumps_the_generation_and_the_controller_catches_up() {
        use std::time::Duration;
        let hr = find("gateway.networking.k8s.io", "v1", "httproutes").unwrap();
        let mut c = Cluster::new(
            vec![route(1, 2, 2)],
            "2026-01-01T00:00:00Z",
            GatewayApiBundle::V1_4,
        );
        c.catch_up(Duration::from_secs(10));
        // Status only: no new generation, whatever the writer claims.
        let mut same = route(1, 7, 2);
        same["status"]["parents"][0]["conditions"][0]["reason"] = json!("Accepted");
        c.upsert(hr, same);
        assert_eq!(gens(&c, hr), (2, 2));
        // A spec change: the next generation, not yet observed.
        c.upsert(hr, route(5, 2, 2));
        assert_eq!(gens(&c, hr), (3, 2));
        c.catch_up(Duration::from_secs(13));
        assert_eq!(gens(&c, hr), (3, 2), "not before CATCH_UP");
        let rv = c.resource_version();
        c.catch_up(Duration::from_secs(14));
        assert_eq!(gens(&c, hr), (3, 3), "observed {CATCH_UP:?} later");
        assert_eq!(
            c.resource_version(),
            rv + 1,
            "one status write, a watch event"
        );
        assert_eq!(gens(&c, hr), (3, 3));
        // A controller already behind stays behind.
        let mut c = Cluster::new(
            vec![route(1, 2, 1)],
            "2026-01-01T00:00:00Z",
            GatewayApiBundle::V1_4,
        );
        c.upsert(hr, route(9, 2, 1));
        c.catch_up(Duration::from_secs(100));
        assert_eq!(gens(&c, hr), (3, 1));
    }
}
