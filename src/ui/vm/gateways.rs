//! Gateways: class, listeners, addresses, conditions, attached routes.

use crate::codec::value::Value;

use crate::model::value::{array_at, str_at};
use crate::ui::data::{Data, key_of};
use crate::ui::widgets::table::{Row, RowKey};

use super::cond_since;

pub const COLUMNS: [&str; 8] = [
    "NAMESPACE/NAME",
    "CLASS",
    "LISTENERS",
    "ADDRESSES",
    "ACCEPTED",
    "PROGRAMMED",
    "ROUTES",
    "FLEET",
];

pub fn rows(
    data: &Data,
    class: Option<&str>,
    now: jiff::Timestamp,
) -> (Vec<&'static str>, Vec<Row>) {
    let m = &data.model;
    let rows = m
        .gateways
        .iter()
        .enumerate()
        .filter(|(_, g)| class.is_none_or(|c| g.class_name == c))
        .map(|(i, g)| {
            let status = g.obj.status().unwrap_or(&Value::Null);
            let addresses: Vec<&str> = array_at(status, &["addresses"])
                .iter()
                .filter_map(|a| str_at(a, &["value"]))
                .collect();
            let routes = m
                .routes
                .iter()
                .filter(|r| r.parents.iter().any(|p| p.gateway == Some(i)))
                .count();
            let conflicts = g.listeners.iter().filter(|l| l.conflict.is_some()).count();
            // ListenerSets' listeners count in, and say where they come from.
            let own = g
                .listeners
                .iter()
                .filter(|l| !l.from_listener_set())
                .count();
            let sets: std::collections::BTreeSet<usize> =
                g.listeners.iter().filter_map(|l| l.listener_set).collect();
            let mut listeners = g.listeners.len().to_string();
            if !sets.is_empty() {
                listeners = format!(
                    "{listeners} ({own} own, {} from {} ListenerSet{})",
                    g.listeners.len() - own,
                    sets.len(),
                    if sets.len() == 1 { "" } else { "s" }
                );
            }
            if conflicts > 0 {
                listeners = format!("{listeners} ({conflicts} ✗)");
            }
            let fleet = m
                .fleet_of(i)
                .map(|f| {
                    if f.merged {
                        format!("{} (merged)", f.key)
                    } else {
                        f.key.clone()
                    }
                })
                .unwrap_or_else(|| "-".into());
            Row::new(
                vec![
                    super::ns_name(g.obj.namespace.as_deref(), &g.obj.name),
                    g.class_name.clone(),
                    listeners,
                    if addresses.is_empty() {
                        "-".into()
                    } else {
                        addresses.join(",")
                    },
                    cond_since(g.conditions(), "Accepted", now),
                    cond_since(g.conditions(), "Programmed", now),
                    routes.to_string(),
                    fleet,
                ],
                RowKey::Gateway(key_of(&g.obj.obj_ref())),
                g.obj.namespace.clone(),
                data.mark(&g.obj.obj_ref()),
            )
        })
        .collect();
    (COLUMNS.to_vec(), rows)
}
