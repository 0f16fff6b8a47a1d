//! List and get: paging with continue tokens, label and field selectors,
//! objects served at the version asked for, Tables for kubectl, and the
//! list options kube-apiserver refuses.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::pods::pod_metrics;
use super::status::{continue_expired, json_response, not_found, status_response};
use super::table::table_json;
use super::target::param;
use super::watches::watch_response;
use super::{Call, Shared, lock};
use crate::faults::FaultKind;
use crate::resources::{self, RESOURCES, ResourceDef};
use crate::selector::{FieldSelector, LabelSelector};

/// A collection: a watch when `watch=1`, else a (paged) list.
pub(super) fn collection(
    s: &Arc<Shared>,
    res: usize,
    version: String,
    ns: Option<String>,
    call: &Call<'_>,
) -> Response {
    let q = call.q;
    let label = match LabelSelector::parse(param(q, "labelSelector").unwrap_or("")) {
        Ok(l) => l,
        Err(e) => return status_response(400, "BadRequest", &e, None),
    };
    let field = match FieldSelector::parse(param(q, "fieldSelector").unwrap_or("")) {
        Ok(f) => f,
        Err(e) => return status_response(400, "BadRequest", &e, None),
    };
    let filter = Filter { ns, label, field };
    if let Some(refused) = invalid_list_options(q, call.shape.watch, s.watch_list) {
        return refused;
    }
    if call.shape.watch {
        if !RESOURCES[res].stored {
            return status_response(
                405,
                "MethodNotAllowed",
                "the server does not allow this method on the requested resource",
                None,
            );
        }
        return watch_response(s, res, version, filter, call);
    }
    if call.shape.continued && call.faults.contains(&FaultKind::ContinueExpired) {
        return continue_expired();
    }
    list_response(s, res, &version, &filter, q, call.table)
}

/// One object (PodMetrics are made from their pod).
pub(super) fn object(
    s: &Arc<Shared>,
    res: usize,
    version: &str,
    ns: &str,
    name: &str,
    call: &Call<'_>,
) -> Response {
    let def = &RESOURCES[res];
    let obj = {
        let w = lock(&s.world);
        if def.stored {
            w.cluster.get(res, ns, name)
        } else {
            w.cluster
                .get(resources::pods(), ns, name)
                .map(|p| Arc::new(pod_metrics(&w, &p)))
        }
    };
    let obj = obj.map(|o| at_version(o, def, version));
    match obj {
        Some(o) if call.table => {
            let now = lock(&s.world).traffic.now();
            json_response(
                StatusCode::OK,
                table_json(def, &[o], &now, include_object(call.q), true, "").to_string(),
            )
        }
        Some(o) => json_response(StatusCode::OK, o.to_string()),
        None => not_found(def.group, def.plural, name),
    }
}

/// kube-apiserver's validation of `sendInitialEvents` and
/// `resourceVersionMatch` (k8s.io/apimachinery/pkg/apis/meta/internalversion/
/// validation/validation.go, `ValidateListOptions`/`validateWatchOptions`):
/// a 422 Invalid naming the first offending field. `watch_list`: whether the
/// WatchList feature gate is on.
fn invalid_list_options(
    q: &[(String, String)],
    watching: bool,
    watch_list: bool,
) -> Option<Response> {
    let send_initial = param(q, "sendInitialEvents").is_some();
    let matching = param(q, "resourceVersionMatch").unwrap_or("");
    let (field, detail) = if !watching {
        if !send_initial {
            return None;
        }
        (
            "sendInitialEvents",
            "sendInitialEvents is forbidden for list",
        )
    } else if send_initial && matching != "NotOlderThan" {
        (
            "resourceVersionMatch",
            "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan",
        )
    } else if send_initial && !watch_list {
        (
            "sendInitialEvents",
            "sendInitialEvents is forbidden for watch unless the WatchList feature gate is enabled",
        )
    } else if !matching.is_empty() && !send_initial {
        (
            "resourceVersionMatch",
            "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided",
        )
    } else {
        return None;
    };
    let message = format!("ListOptions.meta.k8s.io \"\" is invalid: {field}: Forbidden: {detail}");
    let details = json!({"group": "meta.k8s.io", "kind": "ListOptions", "causes": [
        {"reason": "FieldValueForbidden", "message": format!("Forbidden: {detail}"), "field": field}
    ]});
    Some(status_response(422, "Invalid", &message, Some(details)))
}

/// An object as served at `version`: the same object, its `apiVersion`
/// rewritten (CRD conversion strategy None changes nothing else).
fn at_version(obj: Arc<Value>, def: &ResourceDef, version: &str) -> Arc<Value> {
    let want = def.api_version(version);
    if obj.get("apiVersion").and_then(Value::as_str) == Some(want.as_str()) {
        return obj;
    }
    let mut o = (*obj).clone();
    o["apiVersion"] = json!(want);
    Arc::new(o)
}

pub(super) struct Filter {
    ns: Option<String>,
    label: LabelSelector,
    field: FieldSelector,
}

impl Filter {
    pub(super) fn matches(&self, obj: &Value) -> bool {
        if let Some(ns) = &self.ns
            && obj.pointer("/metadata/namespace").and_then(Value::as_str) != Some(ns.as_str())
        {
            return false;
        }
        self.label.matches(obj) && self.field.matches(obj)
    }
}

pub(super) fn include_object(q: &[(String, String)]) -> &str {
    param(q, "includeObject").unwrap_or("Metadata")
}

fn continue_token(ns: &str, name: &str) -> String {
    format!("{ns}\u{1}{name}")
        .bytes()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn parse_continue(token: &str) -> Option<(String, String)> {
    if !token.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..token.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(token.get(i..i + 2)?, 16).ok())
        .collect();
    let text = String::from_utf8(bytes?).ok()?;
    let (ns, name) = text.split_once('\u{1}')?;
    Some((ns.to_string(), name.to_string()))
}

fn list_response(
    s: &Arc<Shared>,
    res: usize,
    version: &str,
    filter: &Filter,
    q: &[(String, String)],
    table: bool,
) -> Response {
    let def = &RESOURCES[res];
    let limit: usize = param(q, "limit").and_then(|l| l.parse().ok()).unwrap_or(0);
    let after = match param(q, "continue").filter(|c| !c.is_empty()) {
        Some(token) => match parse_continue(token) {
            Some(k) => Some(k),
            None => {
                return status_response(
                    400,
                    "BadRequest",
                    "continue key is not valid: the token is malformed",
                    None,
                );
            }
        },
        None => None,
    };
    let (items, rv, more, now) = {
        let w = lock(&s.world);
        let rv = w.cluster.resource_version();
        let src = if def.stored { res } else { resources::pods() };
        let mut items: Vec<Arc<Value>> = Vec::new();
        let mut more = 0usize;
        let mut last_key: Option<(String, String)> = None;
        for (key, obj) in w.cluster.list(src) {
            if let Some(a) = &after
                && key <= a
            {
                continue;
            }
            let obj = if def.stored {
                at_version(obj.clone(), def, version)
            } else {
                Arc::new(pod_metrics(&w, obj))
            };
            if !filter.matches(&obj) {
                continue;
            }
            if limit > 0 && items.len() >= limit {
                more += 1;
                continue;
            }
            last_key = Some(key.clone());
            items.push(obj);
        }
        let token = (more > 0)
            .then(|| last_key.map(|(ns, name)| (continue_token(&ns, &name), more)))
            .flatten();
        (items, rv, token, w.traffic.now())
    };
    let mut meta = json!({"resourceVersion": rv.to_string()});
    if let Some((token, remaining)) = &more {
        meta["continue"] = json!(token);
        meta["remainingItemCount"] = json!(remaining);
    }
    if table {
        let mut t = table_json(def, &items, &now, include_object(q), true, "");
        t["metadata"] = meta;
        return json_response(StatusCode::OK, t.to_string());
    }
    // Written by hand: the large scenario's lists are tens of megabytes.
    let mut body = String::with_capacity(items.len() * 2048 + 256);
    body.push_str("{\"kind\":");
    body.push_str(&json!(format!("{}List", def.kind)).to_string());
    body.push_str(",\"apiVersion\":");
    body.push_str(&json!(def.api_version(version)).to_string());
    body.push_str(",\"metadata\":");
    body.push_str(&meta.to_string());
    body.push_str(",\"items\":[");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(&item.to_string());
    }
    body.push_str("]}");
    json_response(StatusCode::OK, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn continue_tokens_round_trip() {
        let t = continue_token("ns", "a-b");
        assert_eq!(parse_continue(&t), Some(("ns".into(), "a-b".into())));
        assert_eq!(parse_continue("zz"), None);
    }
}
