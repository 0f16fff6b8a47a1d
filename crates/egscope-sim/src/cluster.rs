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
    pub fn upsert(&mut self, res: usize, mut obj: Value) -> u64 {
        let def = &RESOURCES[res];
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
}
