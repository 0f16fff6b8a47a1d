//! The change feed: what the watchers saw change, newest last, in a ring of
//! bounded size (`:changes`). Only spec changes, arrivals and departures are
//! kept: status moves every few seconds on a busy cluster (pods, HPAs) and
//! would push every real change out of the ring within a minute.

use std::collections::VecDeque;

use crate::codec::value::Value;
use crate::store::{Kind, Object, ObjectRef};

/// How many changes the ring keeps.
pub const CAPACITY: usize = 500;
/// Field paths recorded per change; the rest are counted.
const MAX_FIELDS: usize = 8;
/// How deep a diff descends before it names the whole subtree.
const MAX_DEPTH: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum What {
    Added,
    /// Spec fields that changed (`spec.rules[0].backendRefs[0].weight`), and
    /// how many more did beyond those named.
    Modified {
        fields: Vec<String>,
        more: usize,
    },
    Deleted,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub at: jiff::Timestamp,
    pub object: ObjectRef,
    /// `metadata.generation` after the change, when the kind has one.
    pub generation: Option<i64>,
    pub what: What,
}

impl Change {
    /// The WHAT cell: `added`, `deleted`, or the changed fields.
    pub fn describe(&self) -> String {
        match &self.what {
            What::Added => "added".into(),
            What::Deleted => "deleted".into(),
            What::Modified { fields, more } => {
                let mut s = fields.join(", ");
                if *more > 0 {
                    s.push_str(&format!(" (+{more})"));
                }
                s
            }
        }
    }
}

/// The ring itself; the live source owns one and hands out clones.
#[derive(Debug, Clone, Default)]
pub struct ChangeLog {
    entries: VecDeque<Change>,
}

impl ChangeLog {
    pub fn push(&mut self, c: Change) {
        if self.entries.len() == CAPACITY {
            self.entries.pop_front();
        }
        self.entries.push_back(c);
    }

    /// Oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Change> + ExactSizeIterator {
        self.entries.iter()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Kinds whose changes are not worth a line: Events are the change feed's
/// neighbours, not its subject, and PodMetrics are samples.
pub fn tracked(kind: Kind) -> bool {
    !matches!(kind, Kind::PodMetrics) && kind.name() != "Event"
}

/// The change from `old` to `new` (either may be absent), or `None` when
/// nothing the feed records changed (a status-only update).
pub fn between(old: Option<&Object>, new: Option<&Object>, at: jiff::Timestamp) -> Option<Change> {
    let obj = new.or(old)?;
    if !tracked(obj.kind) {
        return None;
    }
    let what = match (old, new) {
        (None, Some(_)) => What::Added,
        (Some(_), None) => What::Deleted,
        (Some(o), Some(n)) => {
            let mut fields = Vec::new();
            let mut total = 0;
            diff("spec", o.spec(), n.spec(), 0, &mut fields, &mut total);
            // ConfigMaps carry their content in `data`, not `spec`.
            let (od, nd) = (o.raw.get("data"), n.raw.get("data"));
            if od != nd {
                diff(
                    "data",
                    od.unwrap_or(&Value::Null),
                    nd.unwrap_or(&Value::Null),
                    0,
                    &mut fields,
                    &mut total,
                );
            }
            if total == 0 {
                return None;
            }
            What::Modified {
                more: total - fields.len(),
                fields,
            }
        }
        (None, None) => return None,
    };
    Some(Change {
        at,
        object: obj.obj_ref().without_version(),
        generation: generation(obj),
        what,
    })
}

/// How long a live lag must last before EG511 reports it (guide/rules.md).
pub const LAG_THRESHOLD_SECS: i64 = 60;

/// `metadata.generation` and the newest `observedGeneration` of the
/// status conditions a controller wrote, when the generation is ahead of
/// every one of them. With `own`, the object's own `status.conditions`
/// count as written by its controller (a Gateway's or ListenerSet's: the
/// caller decides that the object is an Envoy Gateway one); a route's
/// `status.parents[]` and a policy's `status.ancestors[]` count when
/// `ours` accepts their `controllerName`. Conditions without
/// `observedGeneration` (it is optional) say nothing.
pub fn generation_lag(obj: &Object, own: bool, ours: impl Fn(&str) -> bool) -> Option<(i64, i64)> {
    let generation = generation(obj)?;
    let status = obj.status()?;
    let observed = |conds: Option<&Value>| -> Vec<i64> {
        conds
            .and_then(Value::as_array)
            .unwrap_or(&[])
            .iter()
            .filter_map(|c| c.get("observedGeneration").and_then(Value::as_i64))
            .collect()
    };
    let mut seen = if own {
        observed(status.get("conditions"))
    } else {
        Vec::new()
    };
    for list in ["parents", "ancestors"] {
        for p in status.get(list).and_then(Value::as_array).unwrap_or(&[]) {
            let controller = p
                .get("controllerName")
                .and_then(Value::as_str)
                .unwrap_or("");
            if ours(controller) {
                seen.extend(observed(p.get("conditions")));
            }
        }
    }
    let newest = seen.into_iter().max()?;
    (generation > newest).then_some((generation, newest))
}

pub fn generation(obj: &Object) -> Option<i64> {
    obj.raw
        .get("metadata")
        .and_then(|m| m.get("generation"))
        .and_then(Value::as_i64)
}

/// Collects the paths where `a` and `b` differ, naming a subtree whole when
/// its shape changed (a list grew, a scalar became a map).
fn diff(path: &str, a: &Value, b: &Value, depth: usize, out: &mut Vec<String>, total: &mut usize) {
    if a == b {
        return;
    }
    let mut note = |p: String| {
        *total += 1;
        if out.len() < MAX_FIELDS {
            out.push(p);
        }
    };
    if depth >= MAX_DEPTH {
        note(path.to_string());
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x.iter() {
                let vb = y.get(k).unwrap_or(&Value::Null);
                diff(&format!("{path}.{k}"), va, vb, depth + 1, out, total);
            }
            for (k, vb) in y.iter() {
                if !x.contains_key(k) {
                    diff(
                        &format!("{path}.{k}"),
                        &Value::Null,
                        vb,
                        depth + 1,
                        out,
                        total,
                    );
                }
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (va, vb)) in x.iter().zip(y.iter()).enumerate() {
                diff(&format!("{path}[{i}]"), va, vb, depth + 1, out, total);
            }
        }
        _ => note(path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ObjectOrOther;

    fn route(generation: i64, spec: serde_json::Value, status: serde_json::Value) -> Object {
        let v = crate::json_value!({
            "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": "pay", "namespace": "payments", "generation": generation},
            "spec": spec, "status": status,
        });
        match Object::from_value(v, None) {
            Ok(ObjectOrOther::Object(o)) => *o,
            _ => panic!("decodes"),
        }
    }

    fn t(s: &str) -> jiff::Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn a_spec_change_names_the_fields_that_changed() {
        let spec = |w: i64, path: &str| {
            serde_json::json!({"rules": [{"backendRefs": [{"name": "pay", "weight": w}],
                "matches": [{"path": {"value": path}}]}]})
        };
        let old = route(1, spec(100, "/"), serde_json::json!({}));
        let new = route(2, spec(50, "/pay"), serde_json::json!({}));
        let c = between(Some(&old), Some(&new), t("2026-11-26T10:00:05Z")).unwrap();
        assert_eq!(c.generation, Some(2));
        assert_eq!(c.object.display_path(), "HTTPRoute/payments/pay");
        assert_eq!(
            c.describe(),
            "spec.rules[0].backendRefs[0].weight, spec.rules[0].matches[0].path.value"
        );
    }

    #[test]
    fn a_status_only_update_is_no_change() {
        let old = route(1, serde_json::json!({"a": 1}), serde_json::json!({"x": 1}));
        let new = route(1, serde_json::json!({"a": 1}), serde_json::json!({"x": 2}));
        assert!(between(Some(&old), Some(&new), t("2026-11-26T10:00:00Z")).is_none());
    }

    #[test]
    fn a_list_that_grew_is_named_whole_and_many_fields_are_counted() {
        let old = route(
            1,
            serde_json::json!({"hostnames": ["a"]}),
            serde_json::json!({}),
        );
        let new = route(
            2,
            serde_json::json!({"hostnames": ["a", "b"]}),
            serde_json::json!({}),
        );
        let c = between(Some(&old), Some(&new), t("2026-11-26T10:00:00Z")).unwrap();
        assert_eq!(c.describe(), "spec.hostnames");
        let many_old: serde_json::Map<String, serde_json::Value> =
            (0..12).map(|i| (format!("k{i:02}"), 0.into())).collect();
        let many_new: serde_json::Map<String, serde_json::Value> =
            (0..12).map(|i| (format!("k{i:02}"), 1.into())).collect();
        let old = route(1, many_old.into(), serde_json::json!({}));
        let new = route(2, many_new.into(), serde_json::json!({}));
        let c = between(Some(&old), Some(&new), t("2026-11-26T10:00:00Z")).unwrap();
        assert!(c.describe().ends_with("spec.k07 (+4)"), "{}", c.describe());
    }

    #[test]
    fn the_ring_keeps_the_newest() {
        let mut log = ChangeLog::default();
        let obj = route(1, serde_json::json!({}), serde_json::json!({}));
        for i in 0..(CAPACITY + 3) {
            let at = jiff::Timestamp::from_second(1_800_000_000 + i as i64).unwrap();
            log.push(between(None, Some(&obj), at).unwrap());
        }
        assert_eq!(log.len(), CAPACITY);
        assert_eq!(
            log.iter().next().unwrap().at.as_second(),
            1_800_000_003,
            "the three oldest left the ring"
        );
    }
}
