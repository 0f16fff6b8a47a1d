//! Kubernetes Events (events.k8s.io/v1) by the object they regard, as
//! `kubectl describe` lists them under "Events:": oldest first, with type,
//! reason, age (and repeat count), reporter and note.
//!
//! Which time an event sorts by follows kubectl
//! (k8s.io/kubectl/pkg/util/event/sorted_event_list.go, `eventTime`): the
//! series' last observation, else the last timestamp, else the event time.
//! Events written through the core v1 API appear in events.k8s.io/v1 with
//! those fields as `deprecatedLastTimestamp`/`deprecatedFirstTimestamp`/
//! `deprecatedCount`/`deprecatedSource` (the API server's conversion,
//! k8s.io/kubernetes pkg/apis/events/v1/conversion.go), so both are read.

use std::collections::HashMap;
use std::sync::Arc;

use crate::model::value::{i64_at, str_at};
use crate::store::{Kind, Object, Store};

/// (kind, namespace, name) of the object an Event regards.
pub type Regarding = (String, String, String);

#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub regarding: Regarding,
    /// `Normal` or `Warning` (anything else is shown as written).
    pub kind: String,
    pub reason: String,
    pub note: String,
    /// Who reported it (`kubelet`, `gateway.envoyproxy.io/gatewayclass-controller`).
    pub from: String,
    pub count: i64,
    pub first: Option<jiff::Timestamp>,
    pub last: Option<jiff::Timestamp>,
}

impl Event {
    pub fn read(obj: &Object) -> Option<Event> {
        let v = &obj.raw;
        let regarding = v.get("regarding").or_else(|| v.get("involvedObject"))?;
        let kind = str_at(regarding, &["kind"])?.to_string();
        let name = str_at(regarding, &["name"])?.to_string();
        let ns = str_at(regarding, &["namespace"]).unwrap_or("").to_string();
        let time = |paths: &[&[&str]]| {
            paths
                .iter()
                .filter_map(|p| str_at(v, p))
                .find_map(|s| s.parse::<jiff::Timestamp>().ok())
        };
        let last = crate::store::events::last_seen(obj);
        let first = time(&[
            &["deprecatedFirstTimestamp"],
            &["firstTimestamp"],
            &["eventTime"],
        ])
        .or(last);
        let count = i64_at(v, &["series", "count"])
            .or_else(|| i64_at(v, &["deprecatedCount"]))
            .or_else(|| i64_at(v, &["count"]))
            .unwrap_or(1)
            .max(1);
        let from = str_at(v, &["reportingController"])
            .filter(|s| !s.is_empty())
            .or_else(|| str_at(v, &["deprecatedSource", "component"]))
            .or_else(|| str_at(v, &["source", "component"]))
            .unwrap_or("")
            .to_string();
        Some(Event {
            regarding: (kind, ns, name),
            kind: str_at(v, &["type"]).unwrap_or("Normal").to_string(),
            reason: str_at(v, &["reason"]).unwrap_or("").to_string(),
            note: str_at(v, &["note"])
                .or_else(|| str_at(v, &["message"]))
                .unwrap_or("")
                .to_string(),
            from,
            count,
            first,
            last,
        })
    }

    pub fn is_warning(&self) -> bool {
        self.kind == "Warning"
    }

    /// kubectl's AGE cell: `3m`, or `3m (x5 over 10m)` for a repeated event.
    pub fn age(&self, now: jiff::Timestamp) -> String {
        let Some(last) = self.last else {
            return "<unknown>".into();
        };
        let age = crate::clock::short(crate::clock::secs_between(last, now));
        match self.first {
            Some(first) if self.count > 1 => format!(
                "{age} (x{} over {})",
                self.count,
                crate::clock::short(crate::clock::secs_between(first, now))
            ),
            _ => age,
        }
    }
}

/// Every readable Event of the store by the object it regards, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Events {
    by_object: HashMap<Regarding, Vec<Arc<Event>>>,
}

impl Events {
    pub fn build(store: &Store) -> Events {
        let mut by_object: HashMap<Regarding, Vec<Arc<Event>>> = HashMap::new();
        for o in store.of(Kind::Event) {
            if let Some(e) = Event::read(o) {
                by_object
                    .entry(e.regarding.clone())
                    .or_default()
                    .push(Arc::new(e));
            }
        }
        for list in by_object.values_mut() {
            list.sort_by_key(|e| e.last);
        }
        Events { by_object }
    }

    /// The Events regarding `kind`/`namespace`/`name`, oldest first.
    pub fn of(&self, kind: &str, namespace: &str, name: &str) -> &[Arc<Event>] {
        self.by_object
            .get(&(kind.to_string(), namespace.to_string(), name.to_string()))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    /// How many Warning events (counting repeats) regard the object.
    pub fn warnings(&self, kind: &str, namespace: &str, name: &str) -> i64 {
        self.of(kind, namespace, name)
            .iter()
            .filter(|e| e.is_warning())
            .map(|e| e.count)
            .sum()
    }

    pub fn is_empty(&self) -> bool {
        self.by_object.is_empty()
    }
}

/// The last termination of a pod's containers, the newest: (container,
/// reason, exit code, finishedAt). `OOMKilled` one glance away.
pub fn last_termination(pod: &Object) -> Option<(String, String, i64, Option<jiff::Timestamp>)> {
    let status = pod.status()?;
    crate::model::value::array_at(status, &["containerStatuses"])
        .iter()
        .filter_map(|cs| {
            let t = cs.get("lastState")?.get("terminated")?;
            Some((
                str_at(cs, &["name"]).unwrap_or("?").to_string(),
                str_at(t, &["reason"]).unwrap_or("Terminated").to_string(),
                i64_at(t, &["exitCode"]).unwrap_or(0),
                str_at(t, &["finishedAt"]).and_then(|s| s.parse().ok()),
            ))
        })
        .max_by_key(|(_, _, _, at)| *at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{ObjectOrOther, SourceInfo, SourceKind};

    fn obj(v: crate::codec::value::Value) -> Object {
        match Object::from_value(v, None) {
            Ok(ObjectOrOther::Object(o)) => *o,
            other => panic!("decodes: {other:?}"),
        }
    }

    fn store(objs: Vec<Object>) -> Store {
        let mut s = Store::new(SourceInfo {
            kind: SourceKind::Cluster,
            context: None,
            paths: vec![],
            namespace: None,
        });
        for o in objs {
            s.insert(o);
        }
        s
    }

    fn t(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn events_regard_their_object_oldest_first_with_kubectl_ages() {
        let s = store(vec![
            obj(crate::json_value!({
                "apiVersion": "events.k8s.io/v1", "kind": "Event",
                "metadata": {"name": "p.2", "namespace": "eg"},
                "regarding": {"kind": "Pod", "namespace": "eg", "name": "p"},
                "type": "Warning", "reason": "BackOff", "note": "Back-off restarting",
                "reportingController": "kubelet",
                "eventTime": "2026-11-26T09:50:00.000000Z",
                "series": {"count": 5, "lastObservedTime": "2026-11-26T09:58:00.000000Z"},
            })),
            // A core v1 event as events.k8s.io/v1 serves it.
            obj(crate::json_value!({
                "apiVersion": "events.k8s.io/v1", "kind": "Event",
                "metadata": {"name": "p.1", "namespace": "eg"},
                "regarding": {"kind": "Pod", "namespace": "eg", "name": "p"},
                "type": "Normal", "reason": "Pulled", "note": "image present",
                "deprecatedSource": {"component": "kubelet"},
                "deprecatedFirstTimestamp": "2026-11-26T09:40:00Z",
                "deprecatedLastTimestamp": "2026-11-26T09:40:00Z",
                "deprecatedCount": 1,
            })),
        ]);
        let ev = Events::build(&s);
        let list = ev.of("Pod", "eg", "p");
        let now = t("2026-11-26T10:00:00Z");
        assert_eq!(
            list.iter().map(|e| e.reason.as_str()).collect::<Vec<_>>(),
            ["Pulled", "BackOff"]
        );
        assert_eq!(list[0].from, "kubelet");
        assert_eq!(list[0].age(now), "20m");
        assert_eq!(list[1].age(now), "2m (x5 over 10m)");
        assert_eq!(ev.warnings("Pod", "eg", "p"), 5);
        assert_eq!(ev.warnings("Pod", "eg", "other"), 0);
    }

    #[test]
    fn the_newest_termination_names_oom_killed() {
        let pod = obj(crate::json_value!({
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "eg"},
            "status": {"containerStatuses": [
                {"name": "shutdown-manager", "lastState": {"terminated": {"reason": "Completed", "exitCode": 0, "finishedAt": "2026-11-26T08:00:00Z"}}},
                {"name": "envoy", "lastState": {"terminated": {"reason": "OOMKilled", "exitCode": 137, "finishedAt": "2026-11-26T09:57:00Z"}}},
            ]},
        }));
        let (c, reason, code, at) = last_termination(&pod).unwrap();
        assert_eq!(
            (c.as_str(), reason.as_str(), code),
            ("envoy", "OOMKilled", 137)
        );
        assert_eq!(at, Some(t("2026-11-26T09:57:00Z")));
    }
}
