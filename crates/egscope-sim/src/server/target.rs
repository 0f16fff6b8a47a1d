//! Routing: a request path as the Kubernetes API names it (discovery, a
//! collection, an object, a pod's log or proxy), resolved against the
//! resources the served bundle has, and the query parameters.

use crate::resources::{self, GatewayApiBundle, RESOURCES};

#[derive(Debug)]
pub(super) enum Target {
    Version,
    ApiVersions,
    ApiGroups,
    /// `/apis/GROUP`.
    Group {
        group: String,
    },
    GroupVersion {
        group: String,
        version: String,
    },
    Collection {
        res: usize,
        version: String,
        ns: Option<String>,
    },
    Object {
        res: usize,
        version: String,
        ns: Option<String>,
        name: String,
    },
    /// `pods/NAME/log`.
    Log {
        ns: String,
        pod: String,
    },
    Proxy {
        ns: String,
        /// The name segment as requested (`POD:PORT`), which RBAC sees.
        segment: String,
        pod: String,
        port: String,
        path: String,
    },
    /// A resource request for something not served (Secrets, a kind at a
    /// version its CRD does not serve, an unknown group): 404 after RBAC,
    /// as kube-apiserver authorizes before it routes.
    Unknown {
        group: String,
        resource: String,
        subresource: String,
        ns: Option<String>,
        name: Option<String>,
    },
    NotFound,
}

pub(super) fn parse_target(bundle: GatewayApiBundle, path: &str) -> Target {
    let segs: Vec<&str> = path.trim_matches('/').split('/').collect();
    let segs: Vec<&str> = if segs == [""] { Vec::new() } else { segs };
    let (group, version, rest) = match segs.as_slice() {
        ["version"] => return Target::Version,
        ["api"] => return Target::ApiVersions,
        ["apis"] => return Target::ApiGroups,
        ["apis", g] => {
            return if resources::groups(bundle).iter().any(|(n, _)| n == g) {
                Target::Group {
                    group: g.to_string(),
                }
            } else {
                Target::NotFound
            };
        }
        ["api", v, rest @ ..] => ("", *v, rest),
        ["apis", g, v, rest @ ..] => (*g, *v, rest),
        _ => return Target::NotFound,
    };
    let gv_served = resources::served_version(bundle, group, version);
    if rest.is_empty() {
        return if gv_served {
            Target::GroupVersion {
                group: group.into(),
                version: version.into(),
            }
        } else {
            Target::NotFound
        };
    }
    let find = |plural: &str| resources::find_served(bundle, group, version, plural);
    let unknown =
        |plural: &str, ns: Option<&str>, name: Option<&str>, sub: &[&str]| Target::Unknown {
            group: group.to_string(),
            resource: plural.to_string(),
            subresource: sub.first().copied().unwrap_or("").to_string(),
            ns: ns.map(str::to_string),
            name: name.map(str::to_string),
        };
    let v = version.to_string();
    match rest {
        [plural] => match find(plural) {
            Some(res) => Target::Collection {
                res,
                version: v,
                ns: None,
            },
            None => unknown(plural, None, None, &[]),
        },
        [plural, name] => match find(plural) {
            Some(res) if !RESOURCES[res].namespaced => Target::Object {
                res,
                version: v,
                ns: None,
                name: name.to_string(),
            },
            Some(_) => Target::NotFound,
            None => unknown(plural, None, Some(name), &[]),
        },
        ["namespaces", ns, plural] => match find(plural) {
            Some(res) if RESOURCES[res].namespaced => Target::Collection {
                res,
                version: v,
                ns: Some(ns.to_string()),
            },
            Some(_) => Target::NotFound,
            None => unknown(plural, Some(ns), None, &[]),
        },
        ["namespaces", ns, plural, name] => match find(plural) {
            Some(res) if RESOURCES[res].namespaced => Target::Object {
                res,
                version: v,
                ns: Some(ns.to_string()),
                name: name.to_string(),
            },
            Some(_) => Target::NotFound,
            None => unknown(plural, Some(ns), Some(name), &[]),
        },
        ["namespaces", ns, "pods", name, "log"] if group.is_empty() && gv_served => Target::Log {
            ns: ns.to_string(),
            pod: name.to_string(),
        },
        ["namespaces", ns, "pods", name, "proxy", path @ ..] if group.is_empty() && gv_served => {
            let (pod, port) = name.split_once(':').unwrap_or((name, "80"));
            Target::Proxy {
                ns: ns.to_string(),
                segment: name.to_string(),
                pod: pod.to_string(),
                port: port.to_string(),
                path: path.join("/"),
            }
        }
        ["namespaces", ns, plural, name, sub, ..] if find(plural).is_none() => {
            unknown(plural, Some(ns), Some(name), &[sub])
        }
        _ => Target::NotFound,
    }
}

pub(super) fn query_params(query: Option<&str>) -> Vec<(String, String)> {
    form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .into_owned()
        .collect()
}

pub(super) fn param<'a>(q: &'a [(String, String)], key: &str) -> Option<&'a str> {
    q.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

pub(super) fn truthy(v: Option<&str>) -> bool {
    matches!(v, Some("1" | "true" | "True"))
}

/// The object a list or watch names with `fieldSelector=metadata.name=X`:
/// RequestInfo takes it as the request's name, so RBAC resourceNames and
/// 403 messages see it.
pub(super) fn selected_name(q: &[(String, String)]) -> Option<String> {
    let sel = param(q, "fieldSelector")?;
    sel.split(',').find_map(|term| {
        let term = term.trim();
        term.strip_prefix("metadata.name==")
            .or(term.strip_prefix("metadata.name="))
            .map(str::to_string)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        use GatewayApiBundle::{V1_4, V1_6};
        let t = |p: &str| parse_target(V1_4, p);
        assert!(matches!(
            t("/api/v1/pods"),
            Target::Collection { ns: None, .. }
        ));
        assert!(matches!(
            t("/api/v1/namespaces/default"),
            Target::Object { .. }
        ));
        assert!(matches!(
            t("/apis/gateway.networking.k8s.io/v1/namespaces/x/gateways/g"),
            Target::Object { .. }
        ));
        assert!(matches!(
            t("/apis/gateway.networking.k8s.io/v1beta1/namespaces/x/gateways/g"),
            Target::Object { version, .. } if version == "v1beta1"
        ));
        assert!(matches!(
            t("/api/v1/namespaces/x/pods/p:19001/proxy/stats/prometheus"),
            Target::Proxy { segment, .. } if segment == "p:19001"
        ));
        assert!(matches!(t("/api/v1/secrets"), Target::Unknown { .. }));
        assert!(matches!(
            t("/api/v1/namespaces/x/secrets/s"),
            Target::Unknown {
                ns: Some(_),
                name: Some(_),
                ..
            }
        ));
        // Authorized first, then 404, like any resource request.
        assert!(matches!(t("/apis/nope/v1/things"), Target::Unknown { .. }));
        assert!(matches!(t("/apis/nope/v1"), Target::NotFound));
        assert!(matches!(t("/apis/nope"), Target::NotFound));
        assert!(matches!(
            t("/apis/gateway.networking.k8s.io"),
            Target::Group { .. }
        ));
        // TCPRoute is only at v1alpha2 with v1.4, also at v1 with v1.6.
        assert!(matches!(
            t("/apis/gateway.networking.k8s.io/v1/tcproutes"),
            Target::Unknown { .. }
        ));
        assert!(matches!(
            t("/apis/gateway.networking.k8s.io/v1alpha2/tcproutes"),
            Target::Collection { .. }
        ));
        assert!(matches!(
            parse_target(V1_6, "/apis/gateway.networking.k8s.io/v1/tcproutes"),
            Target::Collection { .. }
        ));
        assert!(matches!(
            parse_target(
                V1_6,
                "/apis/gateway.networking.x-k8s.io/v1alpha1/xlistenersets"
            ),
            Target::Unknown { .. }
        ));
    }
}
