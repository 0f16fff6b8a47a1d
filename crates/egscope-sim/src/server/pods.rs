//! The pod subresources the simulator serves: the Envoy admin's
//! `stats/prometheus` through the pod proxy, container logs, and the
//! PodMetrics of `metrics.k8s.io` for each pod.

use std::sync::Arc;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::status::{not_found, reason_for, status_response};
use super::target::{param, truthy};
use super::{Shared, World, lock};
use crate::resources;
use crate::traffic::MetricsError;

/// `GET pods/POD:PORT/proxy/PATH`: only the Envoy admin port's Prometheus
/// page is there; anything else is the proxy's 404.
pub(super) fn proxy(s: &Arc<Shared>, ns: &str, pod: &str, port: &str, path: &str) -> Response {
    let w = lock(&s.world);
    if w.cluster.get(resources::pods(), ns, pod).is_none() {
        return not_found("", "pods", pod);
    }
    if port != "19001" || path != "stats/prometheus" {
        return (StatusCode::NOT_FOUND, "404 page not found\n").into_response();
    }
    match w.traffic.metrics_text(ns, pod) {
        Ok(text) => {
            let mut r = (StatusCode::OK, text).into_response();
            r.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            r
        }
        Err(MetricsError::NotFound) => {
            (StatusCode::NOT_FOUND, "404 page not found\n").into_response()
        }
        Err(MetricsError::Disabled) => status_response(
            503,
            "ServiceUnavailable",
            &format!(
                "error trying to reach service: dial tcp {pod}:19001: connect: connection refused"
            ),
            None,
        ),
    }
}

/// `GET pods/NAME/log` with `container`, `previous` and `tailLines`.
pub(super) fn log(s: &Arc<Shared>, ns: &str, pod: &str, q: &[(String, String)]) -> Response {
    let Some(p) = lock(&s.world).cluster.get(resources::pods(), ns, pod) else {
        return not_found("", "pods", pod);
    };
    let tail = param(q, "tailLines").and_then(|t| t.parse().ok());
    match crate::logs::pod_log(
        &p,
        param(q, "container"),
        truthy(param(q, "previous")),
        tail,
        lock(&s.world).traffic.clock().elapsed,
    ) {
        Ok(text) => {
            let mut r = (StatusCode::OK, text).into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
            r
        }
        Err((code, message)) => status_response(code, reason_for(code), &message, None),
    }
}

/// A pod's PodMetrics (`metrics.k8s.io/v1beta1`) from the traffic model's
/// usage: the first container does the work, sidecars idle.
pub(super) fn pod_metrics(w: &World, pod: &Value) -> Value {
    let ns = pod
        .pointer("/metadata/namespace")
        .and_then(Value::as_str)
        .unwrap_or("");
    let name = pod
        .pointer("/metadata/name")
        .and_then(Value::as_str)
        .unwrap_or("");
    let (cpu, mem) = w.traffic.pod_usage(ns, name);
    let now = w.traffic.now().to_string();
    let containers: Vec<Value> = pod
        .pointer("/spec/containers")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .map(|(i, c)| {
            // The first container does the work; sidecars idle.
            let (c_cpu, c_mem) = if i == 0 {
                (cpu, mem)
            } else {
                (1.0, 12.0 * 1048576.0)
            };
            json!({"name": c.get("name").cloned().unwrap_or(Value::Null),
                   "usage": {"cpu": format!("{}n", (c_cpu * 1e6).round() as u64),
                             "memory": format!("{}Ki", (c_mem / 1024.0).round() as u64)}})
        })
        .collect();
    json!({
        "kind": "PodMetrics",
        "apiVersion": "metrics.k8s.io/v1beta1",
        "metadata": {
            "name": name, "namespace": ns, "creationTimestamp": now,
            "labels": pod.pointer("/metadata/labels").cloned().unwrap_or(json!({})),
        },
        "timestamp": now,
        "window": "15s",
        "containers": containers,
    })
}
