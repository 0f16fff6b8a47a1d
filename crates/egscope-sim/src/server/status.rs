//! The answers that are not objects: `Status` errors as kube-apiserver
//! writes them, and kube-aggregator's plain-text 503.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub(super) fn json_response(status: StatusCode, body: String) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

pub(super) fn status_value(
    code: u16,
    reason: &str,
    message: &str,
    details: Option<Value>,
) -> Value {
    let mut v = json!({
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    });
    if let Some(d) = details {
        v["details"] = d;
    }
    v
}

pub(super) fn status_response(
    code: u16,
    reason: &str,
    message: &str,
    details: Option<Value>,
) -> Response {
    json_response(
        StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        status_value(code, reason, message, details).to_string(),
    )
}

pub(super) fn reason_for(code: u16) -> &'static str {
    match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        409 => "Conflict",
        410 => "Expired",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        _ => "InternalError",
    }
}

pub(super) fn not_found(group: &str, resource: &str, name: &str) -> Response {
    let what = if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    };
    let message = if name.is_empty() {
        "the server could not find the requested resource".to_string()
    } else {
        format!("{what} \"{name}\" not found")
    };
    status_response(
        404,
        "NotFound",
        &message,
        Some(json!({"name": name, "group": group, "kind": resource})),
    )
}

/// What kube-aggregator answers for an APIService whose backend is down:
/// `proxyError(w, req, "service unavailable", http.StatusServiceUnavailable)`,
/// which is Go's `http.Error`: a plain-text body, no Status object and no
/// Retry-After (k8s.io/kube-aggregator/pkg/apiserver/handler_proxy.go,
/// `proxyHandler.ServeHTTP`). Clients make the Status themselves: client-go
/// turns a bare 503 into "the server is currently unable to handle the
/// request" (k8s.io/apimachinery/pkg/api/errors, `NewGenericServerResponse`).
pub(super) fn aggregator_error(code: u16) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    let text = if status == StatusCode::SERVICE_UNAVAILABLE {
        "service unavailable".to_string()
    } else {
        status.canonical_reason().unwrap_or("error").to_lowercase()
    };
    let mut r = (status, format!("{text}\n")).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r.headers_mut().insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    r
}

/// kube-apiserver's answer to a list whose continue token points at a
/// compacted revision: 410 with reason Expired and `continueExpired`
/// (k8s.io/apiserver/pkg/storage/etcd3/errors.go; the Status is
/// `errors.NewResourceExpired`).
pub(super) fn continue_expired() -> Response {
    status_response(
        410,
        "Expired",
        "The provided continue parameter is too old to display a consistent list result. \
         You can start a new list without the continue parameter.",
        None,
    )
}
