//! Tenants: each Envoy Gateway controller with its controllerName, the
//! namespaces it watches, the classes it serves and its own pods; then
//! classes no controller in the source serves.

use crate::model::Watch;
use crate::model::tenancy::PodState;
use crate::ui::data::{Data, Mark, key_of};
use crate::ui::widgets::table::{Row, RowKey};

pub const COLUMNS: [&str; 8] = [
    "CONTROLLER",
    "CONTROLLER NAME",
    "WATCHES",
    "CLASSES",
    "VERSION",
    "PODS",
    "RESTARTS",
    "DEPLOY",
];

/// The controller's pods at a glance, as `kubectl get pods` counts them:
/// pods whose containers are all ready, of all, and restarts summed; `?`
/// for both when pods could not be read there, so an unread kind never
/// shows as "no pods".
fn pod_cells(data: &Data, c: &crate::model::Controller) -> [String; 2] {
    if !data.store.covers(crate::store::Kind::Pod, c.namespace()) {
        return ["?".into(), "?".into()];
    }
    let states: Vec<PodState> = c.pods.iter().map(|p| PodState::of(p)).collect();
    let ready = states
        .iter()
        .filter(|s| s.containers > 0 && s.ready == s.containers)
        .count();
    let restarts: i64 = states.iter().map(|s| s.restarts).sum();
    [format!("{ready}/{}", states.len()), restarts.to_string()]
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
        let [pods, restarts] = pod_cells(data, c);
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
                pods,
                restarts,
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
                "-".into(),
            ],
            RowKey::Class(cl.obj.name.clone()),
            None,
            Mark::default(),
        ));
    }
    (COLUMNS.to_vec(), rows)
}
