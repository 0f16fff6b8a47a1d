//! What a source could read, written into and read back from egscope's own
//! snapshots, so that `audit --snapshot` of `egscope snapshot` judges the
//! cluster exactly as the live audit did: a kind listed and found empty
//! stays "listed" (its rules run), a forbidden kind stays forbidden (its
//! rules are not judged), and the audit's "now" is the moment of the
//! snapshot.
//!
//! The record lives in annotations of the `kind: List` document, where
//! kubectl and every other reader of Lists ignore it.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::store::{Kind, KindState, Store};

pub const COVERAGE_ANNOTATION: &str = "snapshot.egscope.io/coverage";
pub const TAKEN_AT_ANNOTATION: &str = "snapshot.egscope.io/taken-at";
pub const NAMESPACE_ANNOTATION: &str = "snapshot.egscope.io/namespace";

fn kind_of_key(key: &str) -> Option<Kind> {
    Kind::ALL.into_iter().find(|k| k.qualified() == key)
}

/// The annotations that record `store`'s coverage, taken at `taken_at`.
pub fn annotations(store: &Store, taken_at: jiff::Timestamp) -> BTreeMap<String, String> {
    let mut kinds = serde_json::Map::new();
    for (kind, state) in store.states() {
        if kind == Kind::PodMetrics {
            continue;
        }
        let mut entry = json!({"state": state.label()});
        match state {
            KindState::Forbidden(why) | KindState::Unavailable(why) => {
                entry["reason"] = json!(why);
            }
            KindState::Partial { namespaces, reason } => {
                entry["namespaces"] = json!(namespaces);
                entry["reason"] = json!(reason);
            }
            _ => {}
        }
        kinds.insert(kind.qualified(), entry);
    }
    let mut out = BTreeMap::new();
    out.insert(
        COVERAGE_ANNOTATION.to_string(),
        Value::Object(kinds).to_string(),
    );
    out.insert(TAKEN_AT_ANNOTATION.to_string(), taken_at.to_string());
    if let Some(ns) = &store.source.namespace {
        out.insert(NAMESPACE_ANNOTATION.to_string(), ns.clone());
    }
    out
}

/// Applies a recorded coverage to a store being loaded. Unknown kinds and
/// states are ignored (a newer egscope may record more).
pub fn apply(annotations: &dyn Fn(&str) -> Option<String>, store: &mut Store) {
    if let Some(text) = annotations(COVERAGE_ANNOTATION)
        && let Ok(Value::Object(kinds)) = serde_json::from_str::<Value>(&text)
    {
        for (key, entry) in kinds {
            let Some(kind) = kind_of_key(&key) else {
                continue;
            };
            let reason = entry
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let state = match entry.get("state").and_then(Value::as_str) {
                Some("listed") => KindState::Present,
                Some("forbidden") => KindState::Forbidden(reason),
                Some("not-installed") => KindState::NotInstalled,
                Some("unavailable") => KindState::Unavailable(reason),
                Some("partial") => KindState::Partial {
                    namespaces: entry
                        .get("namespaces")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_string)
                                .collect()
                        })
                        .unwrap_or_default(),
                    reason,
                },
                _ => continue,
            };
            // Objects loaded before the record keep the kind present.
            if !(store.present(kind) && state == KindState::Present) {
                store.set_state(kind, state);
            }
        }
    }
    if let Some(t) = annotations(TAKEN_AT_ANNOTATION).and_then(|t| t.parse().ok()) {
        store.taken_at = Some(t);
    }
    if let Some(ns) = annotations(NAMESPACE_ANNOTATION).filter(|n| !n.is_empty()) {
        store.source.namespace = Some(ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{SourceInfo, SourceKind};

    fn empty() -> Store {
        Store::new(SourceInfo {
            kind: SourceKind::Cluster,
            context: None,
            paths: Vec::new(),
            namespace: Some("apps".into()),
        })
    }

    #[test]
    fn coverage_round_trips() {
        let mut store = empty();
        store.set_state(Kind::Gateway, KindState::Present);
        store.set_state(
            Kind::Deployment,
            KindState::Forbidden("403: deployments.apps is forbidden".into()),
        );
        store.set_state(Kind::TcpRoute, KindState::NotInstalled);
        store.set_state(
            Kind::Pod,
            KindState::Partial {
                namespaces: vec!["apps".into()],
                reason: "cluster-wide list refused".into(),
            },
        );
        store.set_state(Kind::Service, KindState::Unavailable("500: boom".into()));
        let at: jiff::Timestamp = "2026-11-30T12:00:00Z".parse().unwrap();
        let ann = annotations(&store, at);
        let mut back = Store::new(SourceInfo {
            kind: SourceKind::Snapshot,
            context: None,
            paths: Vec::new(),
            namespace: None,
        });
        apply(&|k| ann.get(k).cloned(), &mut back);
        for kind in [
            Kind::Gateway,
            Kind::Deployment,
            Kind::TcpRoute,
            Kind::Pod,
            Kind::Service,
        ] {
            assert_eq!(back.state(kind), store.state(kind), "{kind:?}");
        }
        assert_eq!(back.taken_at, Some(at));
        assert_eq!(back.source.namespace.as_deref(), Some("apps"));
        assert_eq!(back.state(Kind::Namespace), KindState::Absent);
    }

    #[test]
    fn forbidden_events_stay_forbidden_in_a_snapshot() {
        let mut store = empty();
        store.set_state(
            Kind::Event,
            KindState::Forbidden("403: events.events.k8s.io is forbidden".into()),
        );
        let ann = annotations(&store, "2026-11-30T12:00:00Z".parse().unwrap());
        assert!(ann[COVERAGE_ANNOTATION].contains("\"Event.events.k8s.io\""));
        let mut back = empty();
        apply(&|k| ann.get(k).cloned(), &mut back);
        assert_eq!(back.state(Kind::Event), store.state(Kind::Event));
    }

    #[test]
    fn unknown_kinds_and_states_are_ignored() {
        let mut store = empty();
        let text = r#"{"Frobnicator.example.com":{"state":"listed"},"Pod":{"state":"sideways"}}"#;
        apply(
            &|k| (k == COVERAGE_ANNOTATION).then(|| text.to_string()),
            &mut store,
        );
        assert_eq!(store.state(Kind::Pod), KindState::Absent);
    }
}
