//! A live session judges a workload change (pods, proxy Deployments, HPAs,
//! Services, EndpointSlices, Events) incrementally (`Snapshot::next`): the
//! model keeps its configuration part and only the rules that read the
//! changed kinds, or the clock, run again. These tests hold it to the full
//! `Snapshot::derive` of the same store, finding for finding and skip for
//! skip, over every workload object of the showcase changed one way or
//! another, and over changes that must fall back to a full derive.

use std::sync::Arc;

use egscope::audit::AuditOptions;
use egscope::session::Snapshot;
use egscope::store::{Kind, Object, ObjectOrOther, Store};
use serde_json::{Value, json};

fn opts() -> AuditOptions {
    AuditOptions {
        now: Some(egscope::demo::demo_now()),
        ..AuditOptions::default()
    }
}

/// `store` with every object passed through `f` (`None` drops it), the
/// states, source and live info kept: unchanged objects stay the same
/// `Arc`, as in a live store's next generation.
fn with(store: &Store, f: impl Fn(&Arc<Object>) -> Option<Arc<Object>>) -> Store {
    let mut out = Store::new(store.source.clone());
    for o in store.all() {
        if let Some(o) = f(o) {
            out.insert_arc(o);
        }
    }
    for (k, s) in store.states() {
        out.set_state(k, s.clone());
    }
    out.undecodable = store.undecodable.clone();
    out.ignored = store.ignored;
    out.taken_at = store.taken_at;
    out.live = store.live.clone();
    out
}

/// A copy of `o` with its JSON changed by `edit`.
fn edited(o: &Object, edit: impl Fn(&mut Value)) -> Arc<Object> {
    let mut v: Value = o.raw.clone().into();
    edit(&mut v);
    match Object::from_value(v, o.location.clone()) {
        Ok(ObjectOrOther::Object(mut obj)) => {
            obj.generation_since = o.generation_since;
            Arc::new(*obj)
        }
        _ => panic!("{} {} no longer decodes", o.kind.name(), o.name),
    }
}

/// What the two paths must agree on.
fn verdict(s: &Snapshot) -> (Vec<String>, Vec<String>, usize) {
    let audit = s.audit.merged();
    (
        audit.findings.iter().map(|f| format!("{f:?}")).collect(),
        audit.skipped.iter().map(|s| format!("{s:?}")).collect(),
        audit.objects,
    )
}

fn assert_agree(label: &str, prev: &Snapshot, next: Store) {
    let next = Arc::new(next);
    let incremental = prev.next(next.clone(), &opts(), None);
    let full = Snapshot::derive(next, &opts(), None);
    let (a, b) = (verdict(&incremental), verdict(&full));
    if a != b {
        let only_inc: Vec<_> = a.0.iter().filter(|f| !b.0.contains(f)).collect();
        let only_full: Vec<_> = b.0.iter().filter(|f| !a.0.contains(f)).collect();
        panic!(
            "{label}: the incremental audit differs from the full one\n\
             only incremental: {only_inc:#?}\nonly full: {only_full:#?}\n\
             skips: {:#?} vs {:#?}",
            a.1, b.1
        );
    }
}

/// One way a running cluster changes an object, named.
type Edit = (&'static str, fn(&mut Value));

/// The ways a running cluster changes one workload object.
fn workload_edits(kind: Kind) -> Vec<Edit> {
    match kind {
        Kind::Pod => vec![
            ("crash-looping", |v| {
                v["status"]["phase"] = json!("Running");
                v["status"]["containerStatuses"] = json!([{
                    "name": "envoy", "ready": false, "restartCount": 9,
                    "state": {"waiting": {"reason": "CrashLoopBackOff"}},
                    "lastState": {"terminated": {"reason": "OOMKilled",
                        "finishedAt": "2026-05-01T11:58:00Z"}}
                }]);
            }),
            ("pending", |v| {
                v["status"] = json!({"phase": "Pending"});
            }),
            ("relabelled away", |v| {
                v["metadata"]["labels"] = json!({"app": "other"});
            }),
        ],
        Kind::Deployment => vec![
            ("scaled to zero", |v| {
                v["spec"]["replicas"] = json!(0);
                v["status"] = json!({"replicas": 0, "readyReplicas": 0});
            }),
            ("rolling out", |v| {
                v["spec"]["replicas"] = json!(7);
                v["status"] = json!({"replicas": 7, "readyReplicas": 2, "updatedReplicas": 3});
            }),
        ],
        Kind::HorizontalPodAutoscaler => vec![
            ("saturated", |v| {
                let max = v["spec"]["maxReplicas"].clone();
                v["status"]["currentReplicas"] = max.clone();
                v["status"]["desiredReplicas"] = max;
            }),
            ("idle", |v| {
                v["status"]["currentReplicas"] = json!(1);
                v["status"]["desiredReplicas"] = json!(1);
            }),
        ],
        Kind::EndpointSlice => vec![("no ready endpoint", |v| {
            if let Some(eps) = v["endpoints"].as_array_mut() {
                for e in eps {
                    e["conditions"] = json!({"ready": false});
                }
            }
        })],
        Kind::Service => vec![("new port", |v| {
            v["spec"]["ports"] = json!([{"name": "http", "port": 8080}]);
        })],
        Kind::Event => vec![("seen again", |v| {
            v["deprecatedCount"] = json!(42);
        })],
        _ => Vec::new(),
    }
}

#[test]
fn every_workload_change_of_the_showcase_is_judged_as_a_full_derive_would() {
    let store = egscope::demo::showcase_store().unwrap();
    let prev = Snapshot::derive(Arc::new(store), &opts(), None);
    let mut tried = 0;
    for target in prev.store.all() {
        for (how, edit) in workload_edits(target.kind) {
            let next = with(&prev.store, |o| {
                Some(if Arc::ptr_eq(o, target) {
                    edited(o, edit)
                } else {
                    o.clone()
                })
            });
            let label = format!("{} {} {how}", target.kind.name(), target.name);
            assert_agree(&label, &prev, next);
            tried += 1;
        }
        // Gone (a pod deleted by a scale-down, an HPA removed).
        if egscope::model::WORKLOAD_KINDS.contains(&target.kind) {
            let next = with(&prev.store, |o| {
                (!Arc::ptr_eq(o, target)).then(|| o.clone())
            });
            let label = format!("{} {} deleted", target.kind.name(), target.name);
            assert_agree(&label, &prev, next);
            tried += 1;
        }
    }
    assert!(
        tried > 40,
        "only {tried} changes tried: the showcase lost its workloads?"
    );
}

/// The showcase's first proxy pod.
fn proxy_pod(store: &Store) -> Arc<Object> {
    store
        .of(Kind::Pod)
        .iter()
        .find(|p| p.labels.contains_key("app.kubernetes.io/managed-by"))
        .expect("the showcase has proxy pods")
        .clone()
}

/// `store` with `target`'s JSON changed by `edit`, everything else kept.
fn with_edited(store: &Store, target: &Arc<Object>, edit: impl Fn(&mut Value)) -> Store {
    with(store, |o| {
        Some(if Arc::ptr_eq(o, target) {
            edited(o, &edit)
        } else {
            o.clone()
        })
    })
}

#[test]
fn a_workload_change_rebuilds_only_the_workload_part_of_the_model() {
    let store = egscope::demo::showcase_store().unwrap();
    let prev = Snapshot::derive(Arc::new(store), &opts(), None);
    let pod = proxy_pod(&prev.store);
    let next = with_edited(&prev.store, &pod, |v| {
        v["status"] = json!({"phase": "Pending"})
    });
    let inc = prev.next(Arc::new(next), &opts(), None);
    // The configuration part is shared, not rebuilt.
    assert!(Arc::ptr_eq(&inc.model.routes, &prev.model.routes));
    assert!(Arc::ptr_eq(&inc.model.policies, &prev.model.policies));
    assert!(Arc::ptr_eq(&inc.model.effective, &prev.model.effective));
    // The fleets are: the pod is no longer ready there.
    let ready = |s: &Snapshot| {
        s.model
            .fleets
            .iter()
            .flat_map(|f| &f.pods)
            .filter(|p| p.name == pod.name)
            .map(|p| p.raw["status"]["phase"].as_str().map(str::to_string))
            .collect::<Vec<_>>()
    };
    assert_ne!(
        ready(&inc),
        ready(&prev),
        "the fleet still holds the old pod"
    );
}

/// Each part of the audit stays the same `Arc` (and so keeps its
/// indexes) unless its rules say something new, even on a new store: a
/// pod that gains a label changes no part, one that goes Pending changes
/// the Workloads part only.
#[test]
fn a_pod_change_replaces_only_the_parts_whose_findings_moved() {
    use egscope::session::Part;
    let store = egscope::demo::showcase_store().unwrap();
    let prev = Snapshot::derive(Arc::new(store), &opts(), None);
    let pod = proxy_pod(&prev.store);
    let change = |edit: &dyn Fn(&mut Value)| {
        let next = with_edited(&prev.store, &pod, edit);
        prev.next(Arc::new(next), &opts(), None)
    };
    let kept = |s: &Snapshot| -> Vec<Part> {
        Part::ALL
            .into_iter()
            .filter(|&p| Arc::ptr_eq(s.audit.part(p), prev.audit.part(p)))
            .collect()
    };
    let labelled = change(&|v| v["metadata"]["labels"]["egscope.test/seen"] = json!("yes"));
    assert!(!Arc::ptr_eq(&labelled.store, &prev.store));
    assert_eq!(kept(&labelled), Part::ALL, "a label moved a part");
    assert!(labelled.audit.same(&prev.audit));
    let pending = change(&|v| {
        v["status"] = json!({"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
             "lastTransitionTime": "2020-01-01T00:00:00Z"}]})
    });
    assert_eq!(
        kept(&pending),
        [Part::Stable, Part::Lag, Part::Metrics],
        "a pending pod is EG505's, in the Workloads part alone"
    );
    assert_agree("pending", &prev, (*pending.store).clone());
}

#[test]
fn a_configuration_or_controller_change_falls_back_to_a_full_derive() {
    let store = egscope::demo::showcase_store().unwrap();
    let prev = Snapshot::derive(Arc::new(store), &opts(), None);
    // A route's spec: configuration.
    let route = prev.store.of(Kind::HttpRoute)[0].clone();
    let next = with(&prev.store, |o| {
        Some(if Arc::ptr_eq(o, &route) {
            edited(o, |v| {
                v["spec"]["hostnames"] = json!(["changed.example.com"])
            })
        } else {
            o.clone()
        })
    });
    let inc = prev.next(Arc::new(next.clone()), &opts(), None);
    assert!(!Arc::ptr_eq(&inc.model.routes, &prev.model.routes));
    assert_agree("HTTPRoute hostnames", &prev, next);
    // A controller's Deployment: its image decides the semantics of every
    // class it serves.
    let controller = prev.model.controllers[0].deployment.clone();
    let next = with(&prev.store, |o| {
        Some(if Arc::ptr_eq(o, &controller) {
            edited(o, |v| {
                v["spec"]["template"]["spec"]["containers"][0]["image"] =
                    json!("docker.io/envoyproxy/gateway:v1.5.0")
            })
        } else {
            o.clone()
        })
    });
    let inc = prev.next(Arc::new(next.clone()), &opts(), None);
    assert!(!Arc::ptr_eq(&inc.model.routes, &prev.model.routes));
    assert_agree("controller image", &prev, next);
}
