//! Oracle tests on Envoy Gateway's own translator test data: the listener
//! conflicts (EG112/EG113) and the policy resolution egscope derives must
//! agree with the statuses Envoy Gateway computed in `*.out.yaml`.
//!
//! Reads `../shared/corpus` when it exists; skips with a message otherwise.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use egscope::model::Model;
use egscope::model::value::{array_at, condition, str_at};
use egscope::source::snapshot;
use egscope::store::{Kind, Object, ObjectOrOther, Store};
use serde_json::json;

fn testdata() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/envoy-gateway-v1.7.5/internal/gatewayapi/testdata");
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipping: {} is absent (a fresh clone has no ../shared)",
            dir.display()
        );
        None
    }
}

fn load(path: &Path) -> Option<Store> {
    snapshot::load(&[path.display().to_string()], &mut std::io::empty()).ok()
}

/// The translator's inputs imply a GatewayClass `envoy-gateway-class` that
/// `envoyProxyForGatewayClass` is attached to; the harness supplies it.
fn with_implied_class(mut store: Store) -> Store {
    let ep = store.of(Kind::EnvoyProxy).first().cloned();
    let mut spec = json!({"controllerName": "gateway.envoyproxy.io/gatewayclass-controller"});
    if let Some(ep) = ep {
        spec["parametersRef"] = json!({
            "group": "gateway.envoyproxy.io", "kind": "EnvoyProxy",
            "name": ep.name, "namespace": ep.namespace_or_empty(),
        });
    }
    let class = json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
        "metadata": {"name": "envoy-gateway-class"}, "spec": spec,
    });
    if store
        .of(Kind::GatewayClass)
        .iter()
        .all(|c| c.name != "envoy-gateway-class")
        && let Ok(ObjectOrOther::Object(o)) = Object::from_value(class, None)
    {
        store.insert(*o);
    }
    store
}

/// Envoy Gateway's provider sorts policies oldest first; its translator
/// tests skip the provider and take the file order as the age order. Stamp
/// policies without a creationTimestamp in file order so that "oldest wins"
/// means the same thing here.
fn with_file_order_ages(store: Store) -> Store {
    map_objects(&store, |i, o| {
        if o.creation_timestamp.is_none()
            && matches!(
                o.kind,
                Kind::ClientTrafficPolicy | Kind::BackendTrafficPolicy
            )
        {
            o.creation_timestamp = Some(format!("2020-01-01T00:{:02}:{:02}Z", i / 60 % 60, i % 60));
        }
    })
}

/// A copy of the store with every object passed through `edit` (with its
/// position in file order).
fn map_objects(store: &Store, mut edit: impl FnMut(usize, &mut Object)) -> Store {
    let mut out = Store::new(store.source.clone());
    for (i, obj) in store.all().enumerate() {
        let mut o = Object::clone(obj);
        edit(i, &mut o);
        out.insert(o);
    }
    out
}

/// Listener statuses that depend on what egscope never reads (Secrets) or
/// on validation it does not repeat: in a live cluster the Gateway's status
/// shows them, so the harness lends the input the out file's listener
/// Accepted/ResolvedRefs conditions, as `kubectl get` would show them.
fn with_listener_status(store: Store, expected: &Store) -> Store {
    map_objects(&store, |_, o| {
        if o.kind == Kind::Gateway
            && let Some(done) = expected
                .of(Kind::Gateway)
                .iter()
                .find(|g| g.name == o.name && g.namespace == o.namespace)
            && let Some(listeners) = done.status().and_then(|s| s.get("listeners"))
        {
            let kept: Vec<serde_json::Value> = listeners
                .as_array()
                .into_iter()
                .flatten()
                .map(|l| {
                    let conds: Vec<egscope::value::Value> = array_at(l, &["conditions"])
                        .iter()
                        .filter(|c| {
                            matches!(
                                str_at(c, &["type"]),
                                Some("Accepted") | Some("ResolvedRefs")
                            )
                        })
                        .cloned()
                        .collect();
                    json!({"name": l.get("name"), "conditions": conds})
                })
                .collect();
            if let Some(raw) = o.raw.as_object_mut() {
                raw.insert("status", json!({"listeners": kept}).into());
            }
        }
    })
}

fn pairs() -> Vec<(PathBuf, PathBuf)> {
    let Some(dir) = testdata() else {
        return Vec::new();
    };
    let mut out: Vec<(PathBuf, PathBuf)> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".in.yaml"))
        .filter_map(|input| {
            let out = PathBuf::from(input.to_string_lossy().replace(".in.yaml", ".out.yaml"));
            out.exists().then_some((input, out))
        })
        .collect();
    out.sort();
    out
}

/// XListenerSets add listeners to Gateways; egscope does not merge them in
/// yet, so their files are left out of the listener comparison.
fn uses_listener_sets(store_text: &str) -> bool {
    store_text.contains("xListenerSets:")
}

#[derive(Default)]
struct Tally {
    agree: usize,
    total: usize,
    disagreements: Vec<String>,
}

impl Tally {
    /// Prints every disagreement, then fails if there was any.
    fn assert_all_agree(&self) {
        for d in &self.disagreements {
            eprintln!("  {d}");
        }
        assert!(
            self.disagreements.is_empty(),
            "{} disagreements",
            self.disagreements.len()
        );
    }

    fn record(&mut self, ok: bool, what: impl FnOnce() -> String) {
        self.total += 1;
        if ok {
            self.agree += 1;
        } else {
            self.disagreements.push(what());
        }
    }
}

#[test]
fn listener_conflicts_agree_with_envoy_gateway() {
    let mut tally = Tally::default();
    let mut files = 0;
    for (input, output) in pairs() {
        let text = std::fs::read_to_string(&input).unwrap();
        if uses_listener_sets(&text) {
            continue;
        }
        let (Some(store), Some(expected)) = (load(&input), load(&output)) else {
            continue;
        };
        let store = with_listener_status(with_implied_class(store), &expected);
        let model = Model::build(&store);
        files += 1;
        for gw_out in expected.of(Kind::Gateway) {
            let Some(gw) = model
                .gateways
                .iter()
                .find(|g| g.obj.name == gw_out.name && g.obj.namespace == gw_out.namespace)
            else {
                continue;
            };
            let Some(status) = gw_out.status() else {
                continue;
            };
            for ls in array_at(status, &["listeners"]) {
                let name = str_at(ls, &["name"]).unwrap_or("");
                let conds = array_at(ls, &["conditions"]);
                let want = condition(conds, "Conflicted")
                    .filter(|c| c.is_true())
                    .map(|c| c.reason.to_string());
                let got = gw
                    .listener(name)
                    .and_then(|l| l.conflict.as_ref())
                    .map(|c| c.reason.as_str().to_string());
                tally.record(want == got, || {
                    format!(
                        "{}: {}/{} listener {name}: Envoy Gateway {want:?}, egscope {got:?}",
                        input.file_name().unwrap().to_string_lossy(),
                        gw_out.namespace_or_empty(),
                        gw_out.name
                    )
                });
            }
        }
    }
    if files == 0 {
        return;
    }
    eprintln!(
        "listener conflicts: {} of {} listeners agree across {files} input files",
        tally.agree, tally.total
    );
    tally.assert_all_agree();
}

#[test]
fn policy_resolution_agrees_with_envoy_gateway() {
    let mut tally = Tally::default();
    let mut by_kind: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (input, output) in pairs() {
        let (Some(store), Some(expected)) = (load(&input), load(&output)) else {
            continue;
        };
        let model = Model::build(&with_file_order_ages(with_implied_class(store)));
        for kind in [Kind::ClientTrafficPolicy, Kind::BackendTrafficPolicy] {
            for p_out in expected.of(kind) {
                let Some(status) = p_out.status() else {
                    continue;
                };
                let Some(p) = model.policies.iter().find(|p| {
                    p.obj.kind == kind
                        && p.obj.name == p_out.name
                        && p.obj.namespace == p_out.namespace
                }) else {
                    continue;
                };
                let ancestors = array_at(status, &["ancestors"]);
                let want_conflicted = ancestors.iter().any(|a| {
                    condition(array_at(a, &["conditions"]), "Accepted")
                        .is_some_and(|c| c.is_false() && c.reason == "Conflicted")
                });
                let want_overridden = ancestors.iter().any(|a| {
                    condition(array_at(a, &["conditions"]), "Overridden")
                        .is_some_and(|c| c.is_true())
                });
                let got = (p.conflicted(), p.overridden);
                let ok = got == (want_conflicted, want_overridden);
                let e = by_kind.entry(kind.name()).or_default();
                e.1 += 1;
                if ok {
                    e.0 += 1;
                }
                tally.record(ok, || {
                    format!(
                        "{}: {} {}/{}: Envoy Gateway (conflicted, overridden) = {:?}, egscope {:?}",
                        input.file_name().unwrap().to_string_lossy(),
                        kind.name(),
                        p_out.namespace_or_empty(),
                        p_out.name,
                        (want_conflicted, want_overridden),
                        got
                    )
                });
            }
        }
    }
    if tally.total == 0 {
        return;
    }
    eprintln!(
        "policy resolution: {} of {} policies agree ({by_kind:?})",
        tally.agree, tally.total
    );
    tally.assert_all_agree();
}
