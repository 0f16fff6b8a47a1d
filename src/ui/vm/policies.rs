//! Policies: kind, targets, how each fared (effective, conflicted,
//! overridden, merged), and their status.

use crate::codec::value::Value;

use crate::model::value::{array_at, condition};
use crate::model::{Outcome, TargetObj};
use crate::store::Kind;
use crate::ui::data::{Data, key_of};
use crate::ui::widgets::table::{Row, RowKey};

pub const COLUMNS: [&str; 5] = ["NAMESPACE/NAME", "KIND", "TARGETS", "STATE", "ACCEPTED"];

pub fn rows(data: &Data, kind: Option<Kind>) -> (Vec<&'static str>, Vec<Row>) {
    let m = &data.model;
    let rows = m
        .policies
        .iter()
        .filter(|p| kind.is_none_or(|k| p.kind() == k))
        .map(|p| {
            let mut targets: Vec<String> = p
                .targets
                .iter()
                .map(|t| {
                    let base = match t.obj {
                        TargetObj::Gateway(g) => format!("Gateway/{}", m.gateways[g].obj.name),
                        TargetObj::Route(r) => {
                            format!("{}/{}", m.routes[r].obj.kind.name(), m.routes[r].obj.name)
                        }
                        TargetObj::ListenerSet(ls) => {
                            format!("ListenerSet/{}", m.listener_sets[ls].obj.name)
                        }
                    };
                    match &t.section {
                        Some(s) => format!("{base}:{s}"),
                        None => base,
                    }
                })
                .collect();
            targets.extend(p.unresolved.iter().map(|u| format!("{u} (missing)")));
            let mut state = Vec::new();
            for o in &p.outcomes {
                if let Outcome::Conflicted { winner } = o {
                    state.push(format!(
                        "conflicted (loses to {})",
                        m.policies[*winner].obj.name
                    ));
                }
            }
            if p.overridden {
                state.push("overridden".into());
            }
            if p.merged_into {
                state.push("merged".into());
            }
            if !p.unresolved.is_empty() {
                state.push("target missing".into());
            }
            if state.is_empty() {
                state.push(if p.targets.is_empty() {
                    "no target".into()
                } else {
                    "effective".into()
                });
            }
            let status = p.obj.status().unwrap_or(&Value::Null);
            let mut accepted: Vec<String> = array_at(status, &["ancestors"])
                .iter()
                .filter_map(|a| condition(array_at(a, &["conditions"]), "Accepted"))
                .map(|c| {
                    if c.is_true() {
                        "True".to_string()
                    } else {
                        format!("{} ({})", c.status, c.reason)
                    }
                })
                .collect();
            accepted.dedup();
            Row::new(
                vec![
                    super::ns_name(p.obj.namespace.as_deref(), &p.obj.name),
                    p.kind().name().to_string(),
                    if targets.is_empty() {
                        "-".into()
                    } else {
                        targets.join(",")
                    },
                    state.join(", "),
                    if accepted.is_empty() {
                        "-".into()
                    } else {
                        accepted.join(",")
                    },
                ],
                RowKey::Policy(key_of(&p.obj.obj_ref())),
                p.obj.namespace.clone(),
                data.mark(&p.obj.obj_ref()),
            )
        })
        .collect();
    (COLUMNS.to_vec(), rows)
}
