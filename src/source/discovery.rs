//! Discovery: which version of each kind the API server serves, decided per
//! resource, with retries where a real cluster fails transiently.
//!
//! kube-rs's `discovery::group` looks for a kind only in the group's
//! preferred version, so TCPRoute (served only at v1alpha2 next to a `v1`
//! Gateway API) reads as not installed, and one 500 on any version of a
//! group hides the whole group. Here every served version of a group is
//! listed, each kind takes the group's preferred version when it is served
//! there and otherwise its most stable served version, the order kubectl's
//! RESTMapper uses (k8s.io/client-go/restmapper/discovery.go,
//! `NewDiscoveryRESTMapper`: the preferred version first, then the others in
//! the server's order, which the server sorts by kube-aware priority,
//! k8s.io/apimachinery/pkg/version/helpers.go `CompareKubeAwareVersionStrings`;
//! kube-rs's `Version::priority` implements the same ordering). Only a 404,
//! or a group that discovery does not list, means "not installed".

use std::collections::BTreeMap;
use std::time::Duration;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{APIGroup, APIResourceList};
use kube::Client;
use kube::core::Version;
use kube::discovery::ApiResource;

use crate::store::Kind;

/// How one kind was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Found {
    Served {
        resource: ApiResource,
        namespaced: bool,
        watchable: bool,
    },
    NotInstalled,
    Forbidden(String),
    /// Discovery kept failing (5xx, timeout): nothing can be said.
    Unavailable(String),
}

/// Retries for the groups egscope needs: a transient 500 must not hide a
/// group for the session.
#[derive(Debug, Clone, Copy)]
pub struct Retry {
    pub attempts: u32,
    pub first_delay: Duration,
    /// Per request: an API server that hangs counts as failing.
    pub timeout: Duration,
}

impl Retry {
    /// Gateway API, Envoy Gateway and the built-in groups.
    pub const REQUIRED: Retry = Retry {
        attempts: 4,
        first_delay: Duration::from_millis(250),
        timeout: Duration::from_secs(5),
    };
    /// Aggregated APIs that egscope can do without (metrics.k8s.io): one
    /// short try, as `kubectl top` does, so a metrics-server that is down
    /// never delays anything else.
    pub const OPTIONAL: Retry = Retry {
        attempts: 1,
        first_delay: Duration::ZERO,
        timeout: Duration::from_secs(3),
    };
}

/// Groups served by aggregated APIs egscope can work without.
pub fn optional_group(group: &str) -> bool {
    group == "metrics.k8s.io"
}

/// A failed discovery request, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Failure {
    NotFound,
    Forbidden(String),
    Other(String),
}

fn classify(e: &kube::Error) -> Failure {
    match e {
        kube::Error::Api(s) if s.code == 404 => Failure::NotFound,
        kube::Error::Api(s) if s.code == 403 => Failure::Forbidden(crate::error::one_line(e)),
        _ => Failure::Other(crate::error::one_line(e)),
    }
}

/// Runs `call` up to `retry.attempts` times while it fails with anything but
/// a 403 or 404, doubling the delay between tries.
async fn with_retry<T, F, Fut>(retry: Retry, what: &str, mut call: F) -> Result<T, Failure>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, kube::Error>>,
{
    let mut delay = retry.first_delay;
    let mut last = Failure::Other(format!("{what}: no attempt made"));
    for attempt in 0..retry.attempts.max(1) {
        if attempt > 0 {
            tokio::time::sleep(delay).await;
            delay *= 2;
        }
        match tokio::time::timeout(retry.timeout, call()).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => match classify(&e) {
                f @ (Failure::NotFound | Failure::Forbidden(_)) => return Err(f),
                Failure::Other(why) => last = Failure::Other(format!("{what}: {why}")),
            },
            Err(_) => {
                last = Failure::Other(format!(
                    "{what}: no answer within {}s",
                    retry.timeout.as_secs()
                ))
            }
        }
    }
    Err(last)
}

/// The list of API groups (`GET /apis`), retried. `Err` is one line.
pub async fn api_groups(client: &Client) -> Result<Vec<APIGroup>, String> {
    match with_retry(Retry::REQUIRED, "discovery (GET /apis)", || {
        client.list_api_groups()
    })
    .await
    {
        Ok(list) => Ok(list.groups),
        Err(Failure::NotFound) => Ok(Vec::new()),
        Err(Failure::Forbidden(why) | Failure::Other(why)) => Err(why),
    }
}

/// Picks the version of `kind` from what each version serves: the
/// preferred version when it serves the kind, else the most stable one.
pub fn choose_version<'a>(
    kind: &str,
    preferred: Option<&str>,
    lists: &'a [(String, APIResourceList)],
) -> Option<(
    &'a str,
    &'a k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResource,
)> {
    let serving: Vec<(
        &str,
        &k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResource,
    )> = lists
        .iter()
        .filter_map(|(version, list)| {
            list.resources
                .iter()
                // Subresources (`pods/proxy`) share the kind of their parent.
                .find(|r| r.kind == kind && !r.name.contains('/'))
                .map(|r| (version.as_str(), r))
        })
        .collect();
    if let Some(p) = preferred
        && let Some(hit) = serving.iter().find(|(v, _)| *v == p)
    {
        return Some(*hit);
    }
    serving
        .into_iter()
        .max_by_key(|(v, _)| Version::parse(v).priority())
}

/// Discovers the kinds of one group: every served version is listed
/// (concurrently), and each kind is decided on its own.
pub async fn group(
    client: &Client,
    group: &str,
    entry: Option<&APIGroup>,
    kinds: &[Kind],
    retry: Retry,
) -> BTreeMap<Kind, Found> {
    let (versions, preferred): (Vec<String>, Option<String>) = if group.is_empty() {
        // The core group: /api lists its versions, in practice only v1.
        (vec!["v1".to_string()], Some("v1".to_string()))
    } else {
        match entry {
            Some(g) => (
                g.versions.iter().map(|v| v.version.clone()).collect(),
                g.preferred_version.as_ref().map(|p| p.version.clone()),
            ),
            None => {
                return kinds.iter().map(|k| (*k, Found::NotInstalled)).collect();
            }
        }
    };
    let fetches = versions.iter().map(|v| {
        let gv = if group.is_empty() {
            v.clone()
        } else {
            format!("{group}/{v}")
        };
        async move {
            let what = format!(
                "discovery of {}",
                if group.is_empty() {
                    format!("/api/{v}")
                } else {
                    format!("/apis/{gv}")
                }
            );
            let r = with_retry(retry, &what, || async {
                if group.is_empty() {
                    client.list_core_api_resources(v).await
                } else {
                    client.list_api_group_resources(&gv).await
                }
            })
            .await;
            (v.clone(), r)
        }
    });
    let answers = futures::future::join_all(fetches).await;
    let mut lists: Vec<(String, APIResourceList)> = Vec::new();
    let mut failures: Vec<Failure> = Vec::new();
    for (v, r) in answers {
        match r {
            Ok(list) => lists.push((v, list)),
            // A version that vanished between the two requests serves nothing.
            Err(Failure::NotFound) => {}
            Err(f) => failures.push(f),
        }
    }
    kinds
        .iter()
        .map(|&kind| {
            let found = match choose_version(kind.name(), preferred.as_deref(), &lists) {
                Some((version, r)) => {
                    let gv = if group.is_empty() {
                        version.to_string()
                    } else {
                        format!("{group}/{version}")
                    };
                    let resource = ApiResource {
                        group: group.to_string(),
                        version: version.to_string(),
                        api_version: gv,
                        kind: r.kind.clone(),
                        plural: r.name.clone(),
                    };
                    Found::Served {
                        resource,
                        namespaced: r.namespaced,
                        watchable: r.verbs.iter().any(|v| v == "watch"),
                    }
                }
                // A kind that no answering version serves is unknown while
                // another version failed: it may be served there.
                None => match failures.first() {
                    Some(Failure::Forbidden(why)) => Found::Forbidden(why.clone()),
                    Some(Failure::Other(why)) => Found::Unavailable(why.clone()),
                    Some(Failure::NotFound) | None => Found::NotInstalled,
                },
            };
            (kind, found)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResource;

    fn list(kinds: &[&str]) -> APIResourceList {
        APIResourceList {
            group_version: String::new(),
            resources: kinds
                .iter()
                .map(|k| APIResource {
                    kind: k.to_string(),
                    name: format!("{}s", k.to_lowercase()),
                    namespaced: true,
                    verbs: vec!["get".into(), "list".into(), "watch".into()],
                    ..APIResource::default()
                })
                .collect(),
        }
    }

    #[test]
    fn a_kind_outside_the_preferred_version_takes_its_most_stable_version() {
        // Gateway API v1.4.1's CRDs: the group prefers v1, TCPRoute is served
        // only at v1alpha2, TLSRoute at v1alpha2 and v1alpha3.
        let lists = vec![
            ("v1".to_string(), list(&["Gateway", "HTTPRoute"])),
            ("v1beta1".to_string(), list(&["Gateway", "ReferenceGrant"])),
            ("v1alpha2".to_string(), list(&["TCPRoute", "TLSRoute"])),
            ("v1alpha3".to_string(), list(&["TLSRoute"])),
        ];
        let pick = |k| choose_version(k, Some("v1"), &lists).map(|(v, _)| v);
        assert_eq!(pick("Gateway"), Some("v1"));
        assert_eq!(pick("ReferenceGrant"), Some("v1beta1"));
        assert_eq!(pick("TCPRoute"), Some("v1alpha2"));
        assert_eq!(pick("TLSRoute"), Some("v1alpha3"));
        assert_eq!(pick("UDPRoute"), None);
    }

    #[test]
    fn the_preferred_version_wins_even_over_a_more_stable_one() {
        let lists = vec![
            ("v1".to_string(), list(&["Thing"])),
            ("v1beta1".to_string(), list(&["Thing"])),
        ];
        assert_eq!(
            choose_version("Thing", Some("v1beta1"), &lists).map(|(v, _)| v),
            Some("v1beta1")
        );
        assert_eq!(
            choose_version("Thing", None, &lists).map(|(v, _)| v),
            Some("v1")
        );
    }

    #[test]
    fn subresources_do_not_stand_for_their_kind() {
        let mut l = list(&[]);
        l.resources.push(APIResource {
            kind: "Pod".into(),
            name: "pods/proxy".into(),
            ..APIResource::default()
        });
        assert!(choose_version("Pod", Some("v1"), &[("v1".into(), l)]).is_none());
    }
}
