//! Tenants: each Envoy Gateway controller with its controllerName, the
//! namespaces it watches, the classes it serves and its own pods; then
//! classes no controller in the source serves.

use crate::model::Watch;
use crate::model::tenancy::PodState;
use crate::ui::data::{Data, Mark, key_of};
use crate::ui::widgets::table::{Row, RowKey};

pub const COLUMNS: [&str; 7] = [
    "CONTROLLER",
    "CONTROLLER NAME",
    "WATCHES",
    "CLASSES",
    "VERSION",
    "PODS",
    "DEPLOY",
];

/// The controller's pods at a glance, as `kubectl get pods` counts them:
/// pods whose containers are all ready, of all, and `↻` when a container
/// restarted (how often and which pod: the Detail), so the cell fits its
/// header in a tight table; `?` when pods could not be read there, so an
/// unread kind never shows as "no pods".
fn pods_cell(data: &Data, c: &crate::model::Controller) -> String {
    if !data.store.covers(crate::store::Kind::Pod, c.namespace()) {
        return "?".into();
    }
    let states: Vec<PodState> = c.pods.iter().map(|p| PodState::of(p)).collect();
    let ready = states
        .iter()
        .filter(|s| s.containers > 0 && s.ready == s.containers)
        .count();
    let restarted = states.iter().any(|s| s.restarts > 0);
    format!(
        "{ready}/{}{}",
        states.len(),
        if restarted { "↻" } else { "" }
    )
}

pub fn rows(data: &Data) -> (Vec<&'static str>, Vec<Row>) {
    let m = &data.model;
    let mut rows = Vec::new();
    for (i, c) in m.controllers.iter().enumerate() {
        let classes: Vec<&str> = m
            .classes
            .iter()
            .filter(|cl| cl.controllers.contains(&i))
            .map(|cl| cl.obj.name.as_str())
            .collect();
        let watches = match &c.config.watch {
            Watch::All => "all namespaces".to_string(),
            Watch::Namespaces(set) => set.iter().cloned().collect::<Vec<_>>().join(","),
            Watch::Selector(sel) => format!("selector {sel}"),
        };
        let mut mark = data.mark(&c.deployment.obj_ref());
        if let Some(cm) = &c.config_map {
            mark.merge(data.mark(&cm.obj_ref()));
        }
        rows.push(Row::new(
            vec![
                format!("{}/{}", c.namespace(), c.deployment.name),
                c.config.controller_name.clone(),
                watches,
                if classes.is_empty() {
                    "(none)".into()
                } else {
                    classes.join(",")
                },
                c.version.clone().unwrap_or_else(|| "-".into()),
                pods_cell(data, c),
                c.config
                    .deploy_type
                    .clone()
                    .unwrap_or_else(|| "ControllerNamespace".into()),
            ],
            RowKey::Controller(key_of(&c.deployment.obj_ref())),
            Some(c.namespace().to_string()),
            mark,
        ));
    }
    for cl in m.classes.iter() {
        if !cl.controllers.is_empty() {
            continue;
        }
        rows.push(Row::new(
            vec![
                "(no controller in source)".into(),
                cl.controller_name.clone(),
                "-".into(),
                cl.obj.name.clone(),
                "-".into(),
                "-".into(),
                "-".into(),
            ],
            RowKey::Class(cl.obj.name.clone()),
            None,
            Mark::default(),
        ));
    }
    (COLUMNS.to_vec(), rows)
}
