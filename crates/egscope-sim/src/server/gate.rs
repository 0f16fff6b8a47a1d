//! What stands before every handler: RBAC (the request as an authorizer
//! sees it, kube-apiserver's RequestInfo) and the injected faults (delays,
//! statuses) at the request's discovery path or resource.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

use super::status::{aggregator_error, json_response, reason_for, status_response};
use super::target::{Target, param, selected_name, truthy};
use super::{Shared, lock};
use crate::faults::{Access, FaultKind, FaultPoint, RequestShape};
use crate::resources::RESOURCES;

/// How the request reads to the fault matcher: a watch or a list, resumed
/// or fresh, a continued page or the first.
pub(super) fn shape(q: &[(String, String)]) -> RequestShape {
    let send_initial = truthy(param(q, "sendInitialEvents"));
    RequestShape {
        watch: truthy(param(q, "watch")),
        resume: !send_initial
            && param(q, "resourceVersion").is_some_and(|v| !v.is_empty() && v != "0"),
        continued: param(q, "continue").is_some_and(|c| !c.is_empty()),
    }
}

/// Checks RBAC, then takes and applies the faults at the request's point.
/// `Err`: the answer instead of the handler's (403, an injected status);
/// `Ok`: the faults the handler acts on itself.
pub(super) async fn admit(
    s: &Arc<Shared>,
    target: &Target,
    q: &[(String, String)],
    path: &str,
    shape: RequestShape,
) -> Result<Vec<FaultKind>, Response> {
    let list_verb = if shape.watch { "watch" } else { "list" };
    let field_name = selected_name(q);
    let field_name = field_name.as_deref().unwrap_or("");
    let access = access_of(target, list_verb, field_name);
    if let Some(a) = &access {
        let denied = lock(&s.rbac)
            .as_ref()
            .and_then(|r| (!r.authorize(a)).then(|| r.forbidden(a)));
        if let Some(status) = denied {
            return Err(json_response(StatusCode::FORBIDDEN, status.to_string()));
        }
    }
    let combined = access.as_ref().map(|a| {
        if a.subresource.is_empty() {
            a.resource.to_string()
        } else {
            format!("{}/{}", a.resource, a.subresource)
        }
    });
    let Some(point) = fault_point(target, access.as_ref(), combined.as_deref()) else {
        return Ok(Vec::new());
    };
    let taken = lock(&s.faults).take_marked(&point, shape);
    let (what, details) = match point {
        FaultPoint::Resource { group, resource } => (
            resource.to_string(),
            Some(json!({"group": group, "kind": resource})),
        ),
        FaultPoint::Discovery { .. } => (path.to_string(), None),
    };
    if let Some(r) = apply_faults(&taken, &what, details).await {
        return Err(r);
    }
    Ok(taken.into_iter().map(|(k, _)| k).collect())
}

/// The request as RBAC sees it; `None` for the non-resource paths
/// (discovery, `/version`), which kube-apiserver grants every
/// authenticated user (the `system:discovery` ClusterRole).
fn access_of<'a>(
    target: &'a Target,
    list_verb: &'static str,
    field_name: &'a str,
) -> Option<Access<'a>> {
    match target {
        Target::Collection { res, ns, .. } => Some(Access {
            verb: list_verb,
            group: RESOURCES[*res].group,
            resource: RESOURCES[*res].plural,
            subresource: "",
            namespace: ns.as_deref().unwrap_or(""),
            name: field_name,
        }),
        Target::Object { res, ns, name, .. } => {
            let def = &RESOURCES[*res];
            Some(Access {
                verb: "get",
                group: def.group,
                resource: def.plural,
                subresource: "",
                // GET /api/v1/namespaces/NAME is inside namespace NAME
                // (requestinfo.go takes the segment after `namespaces/`).
                namespace: if def.kind == "Namespace" {
                    name.as_str()
                } else {
                    ns.as_deref().unwrap_or("")
                },
                name: name.as_str(),
            })
        }
        Target::Log { ns, pod } => Some(Access {
            verb: "get",
            group: "",
            resource: "pods",
            subresource: "log",
            namespace: ns.as_str(),
            name: pod.as_str(),
        }),
        Target::Proxy { ns, segment, .. } => Some(Access {
            verb: "get",
            group: "",
            resource: "pods",
            subresource: "proxy",
            namespace: ns.as_str(),
            name: segment.as_str(),
        }),
        Target::Unknown {
            group,
            resource,
            subresource,
            ns,
            name,
        } => Some(Access {
            verb: if name.is_some() { "get" } else { list_verb },
            group: group.as_str(),
            resource: resource.as_str(),
            subresource: subresource.as_str(),
            namespace: ns.as_deref().unwrap_or(""),
            name: name.as_deref().unwrap_or(field_name),
        }),
        _ => None,
    }
}

/// Where faults may strike the request: its discovery path, else its
/// resource (`pods/log` for a subresource, as `combined` spells it).
fn fault_point<'a>(
    target: &'a Target,
    access: Option<&Access<'a>>,
    combined: Option<&'a str>,
) -> Option<FaultPoint<'a>> {
    let discovery = match target {
        Target::ApiGroups => Some(FaultPoint::Discovery {
            group: None,
            version: None,
        }),
        Target::Group { group } => Some(FaultPoint::Discovery {
            group: Some(group.as_str()),
            version: None,
        }),
        Target::GroupVersion { group, version } => Some(FaultPoint::Discovery {
            group: Some(group.as_str()),
            version: Some(version.as_str()),
        }),
        _ => None,
    };
    discovery.or_else(|| {
        Some(FaultPoint::Resource {
            group: access?.group,
            resource: combined?,
        })
    })
}

/// Applies the delays among `faults` and answers the first status fault,
/// if any (an `apiservice:` one as kube-aggregator does).
async fn apply_faults(
    faults: &[(FaultKind, bool)],
    what: &str,
    details: Option<Value>,
) -> Option<Response> {
    for (f, _) in faults {
        if let FaultKind::Delay(d) = f {
            tokio::time::sleep(*d).await;
        }
    }
    faults.iter().find_map(|(f, aggregated)| match f {
        FaultKind::Status(code) if *aggregated => Some(aggregator_error(*code)),
        FaultKind::Status(code) => Some(status_response(
            *code,
            reason_for(*code),
            &format!("injected fault: {what} answers {code}"),
            details.clone(),
        )),
        _ => None,
    })
}
