//! Tenants: each Envoy Gateway controller with its controllerName, the
//! namespaces it watches and the classes it serves; then classes no
//! controller in the source serves.

use crate::model::Watch;
use crate::ui::data::{Data, Mark, key_of};
use crate::ui::widgets::table::{Row, RowKey};

pub const COLUMNS: [&str; 6] = [
    "CONTROLLER",
    "CONTROLLER NAME",
    "WATCHES",
    "CLASSES",
    "VERSION",
    "DEPLOY",
];

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
            ],
            RowKey::Class(cl.obj.name.clone()),
            None,
            Mark::default(),
        ));
    }
    (COLUMNS.to_vec(), rows)
}
