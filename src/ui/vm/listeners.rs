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
            let mut mark = data.listener_mark(&l.declared_by.obj_ref(), &l.name);
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
                RowKey::Listener(
                    key_of(&g.obj.obj_ref()),
                    key_of(&l.declared_by.obj_ref()),
                    l.name.clone(),
                ),
                g.obj.namespace.clone(),
                mark,
            )
        })
        .collect::<Vec<Row>>();
    let mut rows = rows;
    rows.extend(unattached(data, class, gateway));
    (COLUMNS.to_vec(), rows)
}

/// Listeners of ListenerSets that are not attached: shown with the reason,
/// never dropped (their parent may be missing or refuse them).
fn unattached(data: &Data, class: Option<&str>, gateway: Option<&(String, String)>) -> Vec<Row> {
    let m = &data.model;
    let mut out = Vec::new();
    for ls in m.listener_sets.iter().filter(|ls| !ls.attached()) {
        let parent = ls.gateway.map(|g| &m.gateways[g]);
        let class_name = parent.map_or("-".to_string(), |g| g.class_name.clone());
        if class.is_some_and(|c| class_name != c) {
            continue;
        }
        if gateway.is_some_and(|(ns, n)| &ls.parent_namespace != ns || &ls.parent_name != n) {
            continue;
        }
        let origin = format!(
            "{} {}/{}",
            ls.obj.kind.name(),
            ls.obj.namespace_or_empty(),
            ls.obj.name
        );
        for l in crate::model::value::array_at(ls.obj.spec(), &["listeners"]) {
            let text = |k: &str| crate::model::value::str_at(l, &[k]).map(str::to_string);
            out.push(Row::new(
                vec![
                    class_name.clone(),
                    format!("{}/{}", ls.parent_namespace, ls.parent_name),
                    origin.clone(),
                    text("name").unwrap_or_default(),
                    crate::model::value::i64_at(l, &["port"]).map_or("-".into(), |p| p.to_string()),
                    text("protocol").unwrap_or_default(),
                    text("hostname").unwrap_or_else(|| "*".into()),
                    "-".into(),
                    format!("not attached: {}", ls.attachment.message(ls)),
                ],
                RowKey::Object(ls.obj.obj_ref()),
                ls.obj.namespace.clone(),
                data.mark(&ls.obj.obj_ref()),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{Object, ObjectOrOther, SourceInfo, SourceKind, Store};
    use serde_json::json;

    const GW: &str = "gateway.networking.k8s.io/v1";

    #[test]
    fn listeners_say_where_they_come_from_and_unattached_sets_stay_visible() {
        let mut objs = vec![
            json!({"apiVersion": GW, "kind": "GatewayClass", "metadata": {"name": "eg"},
                "spec": {"controllerName": "gateway.envoyproxy.io/gatewayclass-controller"}}),
            json!({"apiVersion": GW, "kind": "Gateway",
                "metadata": {"name": "edge", "namespace": "apps"},
                "spec": {"gatewayClassName": "eg",
                    "allowedListeners": {"namespaces": {"from": "Same"}},
                    "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}]}}),
        ];
        for (name, parent) in [("extra", "edge"), ("orphan", "gone")] {
            objs.push(json!({"apiVersion": GW, "kind": "ListenerSet",
                "metadata": {"name": name, "namespace": "apps"},
                "spec": {"parentRef": {"name": parent}, "listeners": [
                    {"name": "api", "protocol": "HTTP", "port": 8080}]}}));
        }
        let mut store = Store::new(SourceInfo {
            kind: SourceKind::Snapshot,
            context: None,
            paths: Vec::new(),
            namespace: None,
        });
        for v in objs {
            if let Ok(ObjectOrOther::Object(o)) = Object::from_value(v, None) {
                store.insert(*o);
            }
        }
        let opts = crate::audit::AuditOptions::default();
        let data = Data::build(std::sync::Arc::new(store), &opts, None);
        let (_, rows) = rows(&data, None, None);
        let from: Vec<&str> = rows.iter().map(|r| r.cells[2].as_str()).collect();
        assert_eq!(
            from,
            vec![
                "Gateway",
                "ListenerSet apps/extra",
                "ListenerSet apps/orphan"
            ]
        );
        let orphan = &rows[2];
        assert!(orphan.cells[8].contains("not attached") && orphan.cells[8].contains("apps/gone"));
    }
}
