//! GatewayClasses: controller, whether Envoy Gateway serves it, merging,
//! its EnvoyProxy, Gateways and acceptance.

use crate::ui::data::Data;
use crate::ui::widgets::table::{Row, RowKey};

pub const COLUMNS: [&str; 7] = [
    "NAME",
    "CONTROLLER NAME",
    "EG",
    "MERGED",
    "ENVOYPROXY",
    "GATEWAYS",
    "ACCEPTED",
];

pub fn rows(
    data: &Data,
    controller: Option<&str>,
    now: jiff::Timestamp,
) -> (Vec<&'static str>, Vec<Row>) {
    let m = &data.model;
    let rows = m
        .classes
        .iter()
        .enumerate()
        .filter(|(_, c)| controller.is_none_or(|n| c.controller_name == n))
        .map(|(i, c)| {
            let gateways = m.gateways.iter().filter(|g| g.class == Some(i)).count();
            let conditions = crate::model::value::array_at(
                c.obj.status().unwrap_or(&crate::codec::value::Value::Null),
                &["conditions"],
            );
            Row::new(
                vec![
                    c.obj.name.clone(),
                    c.controller_name.clone(),
                    if c.eg_served { "yes" } else { "no" }.into(),
                    if c.merges { "merged" } else { "-" }.into(),
                    c.params_ref
                        .as_ref()
                        .map(|(ns, n)| format!("{ns}/{n}"))
                        .unwrap_or_else(|| "-".into()),
                    gateways.to_string(),
                    super::cond_since(conditions, "Accepted", now),
                ],
                RowKey::Class(c.obj.name.clone()),
                None,
                data.mark(&c.obj.obj_ref()),
            )
        })
        .collect();
    (COLUMNS.to_vec(), rows)
}
