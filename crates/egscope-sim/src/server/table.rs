//! `meta.k8s.io/v1` Tables, as kubectl asks for them (`Accept: ...;as=Table`):
//! NAME, a few kind-specific columns, AGE.

use std::sync::Arc;

use serde_json::{Value, json};

use crate::resources::ResourceDef;

fn age(created: Option<&str>, now: &jiff::Timestamp) -> String {
    let Some(t) = created.and_then(|c| c.parse::<jiff::Timestamp>().ok()) else {
        return "<unknown>".into();
    };
    let secs = (now.as_second() - t.as_second()).max(0);
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 3 * 3600 => format!("{}m", s / 60),
        s if s < 48 * 3600 => format!("{}h", s / 3600),
        s if s < 365 * 86400 => format!("{}d", s / 86400),
        s => format!("{}y{}d", s / (365 * 86400), (s % (365 * 86400)) / 86400),
    }
}

fn condition_status(obj: &Value, ty: &str) -> String {
    obj.pointer("/status/conditions")
        .and_then(Value::as_array)
        .and_then(|cs| {
            cs.iter()
                .find(|c| c.get("type").and_then(Value::as_str) == Some(ty))
        })
        .and_then(|c| c.get("status").and_then(Value::as_str))
        .unwrap_or("Unknown")
        .to_string()
}

/// Extra columns per kind (kubectl-like), between NAME and AGE.
fn columns(def: &ResourceDef) -> Vec<&'static str> {
    match def.kind {
        "Pod" => vec!["Ready", "Status", "Restarts"],
        "Deployment" => vec!["Ready", "Up-to-date", "Available"],
        "Gateway" => vec!["Class", "Address", "Programmed"],
        "GatewayClass" => vec!["Controller", "Accepted"],
        "HTTPRoute" | "GRPCRoute" => vec!["Hostnames"],
        "HorizontalPodAutoscaler" => vec!["Reference", "MinPods", "MaxPods", "Replicas"],
        "Service" => vec!["Type", "Cluster-IP"],
        _ => vec![],
    }
}

fn cells(def: &ResourceDef, o: &Value) -> Vec<Value> {
    let t = |p: &str| o.pointer(p).cloned().unwrap_or(json!(""));
    let n = |p: &str| o.pointer(p).and_then(Value::as_u64).unwrap_or(0);
    match def.kind {
        "Pod" => {
            let cs = o
                .pointer("/status/containerStatuses")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let ready = cs
                .iter()
                .filter(|c| c.get("ready").and_then(Value::as_bool) == Some(true))
                .count();
            let restarts: u64 = cs
                .iter()
                .filter_map(|c| c.get("restartCount").and_then(Value::as_u64))
                .sum();
            vec![
                json!(format!("{ready}/{}", cs.len())),
                t("/status/phase"),
                json!(restarts),
            ]
        }
        "Deployment" => vec![
            json!(format!(
                "{}/{}",
                n("/status/readyReplicas"),
                n("/spec/replicas")
            )),
            json!(n("/status/updatedReplicas")),
            json!(n("/status/availableReplicas")),
        ],
        "Gateway" => vec![
            t("/spec/gatewayClassName"),
            t("/status/addresses/0/value"),
            json!(condition_status(o, "Programmed")),
        ],
        "GatewayClass" => vec![
            t("/spec/controllerName"),
            json!(condition_status(o, "Accepted")),
        ],
        "HTTPRoute" | "GRPCRoute" => {
            let hosts: Vec<String> = o
                .pointer("/spec/hostnames")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|h| h.as_str().map(str::to_string))
                .collect();
            vec![json!(hosts.join(","))]
        }
        "HorizontalPodAutoscaler" => vec![
            json!(format!(
                "{}/{}",
                o.pointer("/spec/scaleTargetRef/kind")
                    .and_then(Value::as_str)
                    .unwrap_or(""),
                o.pointer("/spec/scaleTargetRef/name")
                    .and_then(Value::as_str)
                    .unwrap_or("")
            )),
            json!(n("/spec/minReplicas")),
            json!(n("/spec/maxReplicas")),
            json!(n("/status/currentReplicas")),
        ],
        "Service" => vec![t("/spec/type"), t("/spec/clusterIP")],
        _ => vec![],
    }
}

pub(super) fn table_json(
    def: &ResourceDef,
    items: &[Arc<Value>],
    now: &jiff::Timestamp,
    include: &str,
    headers: bool,
    rv: &str,
) -> Value {
    let mut cols = vec![json!({"name": "Name", "type": "string", "format": "name",
                               "description": "Name must be unique within a namespace.", "priority": 0})];
    for c in columns(def) {
        cols.push(
            json!({"name": c, "type": "string", "format": "", "description": "", "priority": 0}),
        );
    }
    cols.push(json!({"name": "Age", "type": "string", "format": "",
                     "description": "CreationTimestamp is a timestamp representing the server time when this object was created.",
                     "priority": 0}));
    let rows: Vec<Value> = items
        .iter()
        .map(|o| {
            let mut row_cells = vec![o.pointer("/metadata/name").cloned().unwrap_or(json!(""))];
            row_cells.extend(cells(def, o));
            row_cells.push(json!(age(
                o.pointer("/metadata/creationTimestamp")
                    .and_then(Value::as_str),
                now
            )));
            let mut row = json!({"cells": row_cells});
            match include {
                "None" => {}
                "Object" => row["object"] = (**o).clone(),
                _ => {
                    row["object"] = json!({
                        "kind": "PartialObjectMetadata",
                        "apiVersion": "meta.k8s.io/v1",
                        "metadata": o.get("metadata").cloned().unwrap_or(json!({})),
                    })
                }
            }
            row
        })
        .collect();
    let mut t = json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": {"resourceVersion": rv},
        "rows": rows,
    });
    if headers {
        t["columnDefinitions"] = json!(cols);
    } else {
        t["columnDefinitions"] = Value::Null;
    }
    t
}
