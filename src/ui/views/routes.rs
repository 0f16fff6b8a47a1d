//! Routes of every kind with their parents and acceptance.

use crate::value::Value;

use crate::model::value::{array_at, condition};
use crate::store::Kind;
use crate::ui::data::Data;
use crate::ui::widgets::table::{Row, RowKey};

pub const COLUMNS: [&str; 6] = [
    "NAMESPACE/NAME",
    "KIND",
    "HOSTNAMES",
    "PARENTS",
    "ACCEPTED",
    "RULES",
];

pub fn rows(
    data: &Data,
    kind: Option<Kind>,
    gateway: Option<&(String, String)>,
    listener: Option<&str>,
) -> (Vec<&'static str>, Vec<Row>) {
    let m = &data.model;
    let rows = m
        .routes
        .iter()
        .enumerate()
        .filter(|(_, r)| kind.is_none_or(|k| r.obj.kind == k))
        .filter(|(_, r)| {
            gateway.is_none_or(|(ns, n)| {
                r.parents.iter().any(|p| {
                    &p.namespace == ns
                        && &p.name == n
                        && listener.is_none_or(|l| p.listeners.iter().any(|x| x == l))
                })
            })
        })
        .map(|(i, r)| {
            let spec = r.obj.spec();
            let hosts: Vec<&str> = array_at(spec, &["hostnames"])
                .iter()
                .filter_map(Value::as_str)
                .collect();
            let parents: Vec<String> = r
                .parents
                .iter()
                .map(|p| match &p.section {
                    Some(s) => format!("{}/{}:{s}", p.namespace, p.name),
                    None => format!("{}/{}", p.namespace, p.name),
                })
                .collect();
            // Accepted across the parents in status.
            let status = r.obj.status().unwrap_or(&Value::Null);
            let mut accepted = Vec::new();
            for p in array_at(status, &["parents"]) {
                let conds = array_at(p, &["conditions"]);
                for t in ["Accepted", "ResolvedRefs"] {
                    if let Some(c) = condition(conds, t)
                        && !c.is_true()
                    {
                        accepted.push(format!("{t}={} ({})", c.status, c.reason));
                    }
                }
                if condition(conds, "Accepted").is_some_and(|c| c.is_true()) && accepted.is_empty()
                {
                    accepted.push("True".into());
                }
            }
            accepted.dedup();
            Row::new(
                vec![
                    super::ns_name(r.obj.namespace.as_deref(), &r.obj.name),
                    r.obj.kind.name().to_string(),
                    if hosts.is_empty() {
                        "*".into()
                    } else {
                        hosts.join(",")
                    },
                    parents.join(","),
                    if accepted.is_empty() {
                        "-".into()
                    } else {
                        accepted.join(", ")
                    },
                    r.rule_names.len().to_string(),
                ],
                RowKey::Route(i),
                r.obj.namespace.clone(),
                data.mark(&r.obj.obj_ref()),
            )
        })
        .collect();
    (COLUMNS.to_vec(), rows)
}
