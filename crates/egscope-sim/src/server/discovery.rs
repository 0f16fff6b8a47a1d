//! Discovery: `/version`, `/api`, `/apis`, `/apis/GROUP` and the
//! APIResourceLists of `/api/v1` and `/apis/GROUP/VERSION`, as the bundle
//! of Gateway API CRDs being served defines them.

use std::net::SocketAddr;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::status::json_response;
use crate::resources::{self, GatewayApiBundle, RESOURCES};

pub(super) fn version() -> Response {
    json_response(
        StatusCode::OK,
        json!({
            "major": "1", "minor": "32", "gitVersion": "v1.32.4-egscope-sim",
            "gitCommit": "0000000000000000000000000000000000000000", "gitTreeState": "clean",
            "buildDate": "2026-11-01T00:00:00Z", "goVersion": "go1.23.8",
            "compiler": "gc", "platform": "linux/amd64"
        })
        .to_string(),
    )
}

pub(super) fn api_versions(addr: SocketAddr) -> Response {
    json_response(
        StatusCode::OK,
        json!({"kind": "APIVersions", "versions": ["v1"],
               "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": addr.to_string()}]})
        .to_string(),
    )
}

pub(super) fn api_groups(bundle: GatewayApiBundle) -> Response {
    let groups: Vec<Value> = resources::groups(bundle)
        .into_iter()
        .map(|(g, versions)| api_group(g, &versions))
        .collect();
    json_response(
        StatusCode::OK,
        json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}).to_string(),
    )
}

pub(super) fn group(bundle: GatewayApiBundle, group: &str) -> Response {
    let versions = resources::group_versions(bundle, group);
    let mut g = api_group(group, &versions);
    g["kind"] = json!("APIGroup");
    g["apiVersion"] = json!("v1");
    json_response(StatusCode::OK, g.to_string())
}

pub(super) fn group_version(bundle: GatewayApiBundle, group: &str, version: &str) -> Response {
    let mut list: Vec<Value> = Vec::new();
    for r in RESOURCES
        .iter()
        .filter(|r| r.group == group && r.serves(bundle, version))
    {
        let mut v = json!({
            "name": r.plural, "singularName": r.singular, "namespaced": r.namespaced,
            "kind": r.kind, "verbs": r.verbs(),
        });
        if !r.short_names.is_empty() {
            v["shortNames"] = json!(r.short_names);
        }
        if !r.categories.is_empty() {
            v["categories"] = json!(r.categories);
        }
        list.push(v);
        // CRDs with a status subresource list it
        // (customresource_discovery_controller.go).
        if r.status {
            list.push(json!({
                "name": format!("{}/status", r.plural), "singularName": "",
                "namespaced": r.namespaced, "kind": r.kind, "verbs": ["get"],
            }));
        }
    }
    let gv = if group.is_empty() {
        version.to_string()
    } else {
        format!("{group}/{version}")
    };
    json_response(
        StatusCode::OK,
        json!({"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv, "resources": list})
            .to_string(),
    )
}

/// An APIGroup (as `/apis` lists it and `/apis/GROUP` answers it): the
/// versions in priority order, the first preferred.
fn api_group(group: &str, versions: &[&str]) -> Value {
    let vs: Vec<Value> = versions
        .iter()
        .map(|v| json!({"groupVersion": format!("{group}/{v}"), "version": v}))
        .collect();
    let preferred = vs.first().cloned().unwrap_or(Value::Null);
    json!({"name": group, "versions": vs, "preferredVersion": preferred})
}
