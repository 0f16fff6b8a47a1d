//! Listeners: every listener with its owning Gateway and where it comes
//! from (the Gateway or a ListenerSet), grouped by class so that a merging
//! class shows the merged listener set; conflicts marked.

use crate::ui::data::{Data, Mark, key_of};
use crate::ui::widgets::table::{Row, RowKey};

pub const COLUMNS: [&str; 9] = [
    "CLASS", "GATEWAY", "FROM", "LISTENER", "PORT", "PROTOCOL", "HOSTNAME", "ROUTES", "CONFLICT",
];

pub fn rows(
    data: &Data,
    class: Option<&str>,
    gateway: Option<&(String, String)>,
) -> (Vec<&'static str>, Vec<Row>) {
    let m = &data.model;
    let mut items = Vec::new();
    for (gi, g) in m.gateways.iter().enumerate() {
        if class.is_some_and(|c| g.class_name != c) {
            continue;
        }
        if gateway.is_some_and(|(ns, n)| g.obj.namespace_or_empty() != ns || &g.obj.name != n) {
            continue;
        }
        let merges = m.class_of(g).is_some_and(|c| c.merges);
        for (li, l) in g.listeners.iter().enumerate() {
            items.push((g.class_name.clone(), merges, l.port, gi, li));
        }
    }
    // A merged set reads best sorted by port inside its class.
    items.sort_by(|a, b| (&a.0, a.2, a.3, a.4).cmp(&(&b.0, b.2, b.3, b.4)));
    let rows = items
        .into_iter()
        .map(|(class, merges, _, gi, li)| {
            let g = &m.gateways[gi];
            let l = &g.listeners[li];
            let conflict = match &l.conflict {
                None => "-".to_string(),
                Some(c) => {
                    let with: Vec<String> = c
                        .with
                        .iter()
                        .filter_map(|&(o, ol)| {
                            let other = m.gateways.get(o)?.listeners.get(ol)?;
                            let owner = &other.declared_by;
                            Some(format!(
                                "{}/{}:{}",
                                owner.namespace_or_empty(),
                                owner.name,
                                other.name
                            ))
                        })
                        .collect();
                    format!(
                        "✗ {}{}{}",
                        c.reason.as_str(),
                        if c.merged { " (merged)" } else { "" },
                        if with.is_empty() {
                            String::new()
                        } else {
                            format!(" with {}", with.join(", "))
                        }
                    )
                }
            };
            let routes = m
                .routes
                .iter()
                .filter(|r| {
                    r.parents
                        .iter()
                        .any(|p| p.gateway == Some(gi) && p.listener_indices.contains(&li))
                })
                .count();
            let mut mark = data
                .listener_marks
                .get(&(key_of(&l.declared_by.obj_ref()), l.name.clone()))
                .copied()
                .unwrap_or_default();
            if l.conflict.is_some() && mark.worst.is_none() {
                mark.merge(Mark {
                    worst: Some(crate::audit::Severity::Error),
                    suppressed: false,
                    count: 0,
                });
            }
            Row::new(
                vec![
                    if merges {
                        format!("{class} (merged)")
                    } else {
                        class
                    },
                    super::ns_name(g.obj.namespace.as_deref(), &g.obj.name),
                    l.origin(),
                    l.name.clone(),
                    l.port.to_string(),
                    l.protocol.clone(),
                    l.hostname.clone().unwrap_or_else(|| "*".into()),
                    routes.to_string(),
                    conflict,
                ],
                RowKey::Listener(gi, li),
                g.obj.namespace.clone(),
                mark,
            )
        })
        .collect();
    (COLUMNS.to_vec(), rows)
}
