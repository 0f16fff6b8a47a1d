//! Fault injection and RBAC enforcement for the simulated API server.

use std::str::FromStr;
use std::time::Duration;

use serde_json::{Value, json};

/// What a fault does to the requests it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// Answer with this HTTP status (403, 404, 500, ...) and a Status body.
    Status(u16),
    /// Delay the response.
    Delay(Duration),
    /// End watch streams after this many events.
    DropAfterEvents(usize),
    /// End watch streams after this long (real time).
    DropAfter(Duration),
    /// Cut watch streams after this many events: the connection closes
    /// without the chunked body's last chunk, as when a load balancer or a
    /// crashing API server drops it.
    CutAfterEvents(usize),
    /// Cut watch streams after this long (real time).
    CutAfter(Duration),
    /// Answer every watch that resumes from a resourceVersion with 410 Gone.
    GoneOnResume,
    /// Answer every list that carries a `continue` token with 410 Expired,
    /// as kube-apiserver does once etcd has compacted the revision the
    /// token points at.
    ContinueExpired,
    /// The inner fault, for the first N requests it matches only; later
    /// ones are answered normally (`,times=N`).
    Times(u32, Box<FaultKind>),
}

impl FaultKind {
    /// The fault without its `times=N` limit.
    pub fn inner(&self) -> &FaultKind {
        match self {
            FaultKind::Times(_, k) => k.inner(),
            k => k,
        }
    }
}

/// A fault on the requests `target` names:
/// - a resource: a plural (`pods`), a `group/plural` (`apps/deployments`),
///   a subresource (`pods/proxy`) or `*` (every resource request);
/// - discovery: `discovery` (GET /apis), `discovery:GROUP` (/apis/GROUP),
///   `discovery:GROUP/VERSION` (/apis/GROUP/VERSION), `discovery:v1`
///   (/api/v1);
/// - `apiservice:GROUP`: an aggregated API whose backend is down: every
///   request under /apis/GROUP/VERSION, discovery included, while /apis and
///   /apis/GROUP still list the group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub target: String,
    pub kind: FaultKind,
}

/// What a request is, for matching faults against it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPoint<'a> {
    /// `/apis` (no group), `/apis/GROUP` (no version), `/apis/GROUP/VERSION`,
    /// `/api/v1` (group "").
    Discovery {
        group: Option<&'a str>,
        version: Option<&'a str>,
    },
    /// A resource request; `resource` may carry a subresource (`pods/proxy`).
    Resource { group: &'a str, resource: &'a str },
}

/// What kind of request it is, so that a fault only counts (and only
/// fires) where it can act: drops on watches, `gone-on-resume` on watches
/// from a resourceVersion, `continue-expired` on lists with a token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestShape {
    pub watch: bool,
    /// A watch from a resourceVersion (not a fresh start).
    pub resume: bool,
    /// A list with a `continue` token.
    pub continued: bool,
}

impl FaultKind {
    fn acts_on(&self, shape: RequestShape) -> bool {
        match self.inner() {
            FaultKind::Status(_) | FaultKind::Delay(_) => true,
            FaultKind::DropAfterEvents(_)
            | FaultKind::DropAfter(_)
            | FaultKind::CutAfterEvents(_)
            | FaultKind::CutAfter(_) => shape.watch,
            FaultKind::GoneOnResume => shape.watch && shape.resume,
            FaultKind::ContinueExpired => !shape.watch && shape.continued,
            FaultKind::Times(..) => unreachable!("inner() unwraps Times"),
        }
    }
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    if let Some(ms) = s.strip_suffix("ms") {
        return ms
            .parse::<u64>()
            .map(Duration::from_millis)
            .map_err(|e| format!("bad duration {s:?}: {e}"));
    }
    if let Some(secs) = s.strip_suffix('s') {
        return secs
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("bad duration {s:?}"));
    }
    Err(format!("bad duration {s:?}: use e.g. 500ms or 2s"))
}

const SYNTAX: &str = "use a status (403, 404, 500, 503), delay:500ms, drop-events:N, \
                      drop-after:2s, cut-events:N, cut-after:2s, gone-on-resume or \
                      continue-expired, optionally followed by ,times=N";

impl FromStr for Fault {
    type Err = String;

    /// `TARGET=ACTION[,times=N]` with ACTION one of `403`/`404`/`500`/any
    /// status, `delay:500ms`, `drop-events:N`, `drop-after:2s`,
    /// `gone-on-resume`, `continue-expired` (see [`Fault`] for TARGET).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (target, action) = s
            .split_once('=')
            .ok_or_else(|| format!("fault {s:?} is not TARGET=ACTION"))?;
        let target = target.trim();
        if target.is_empty() {
            return Err(format!("fault {s:?} names no resource"));
        }
        let (action, times) = match action.split_once(",times=") {
            Some((a, n)) => match n.parse::<u32>() {
                Ok(n) if n > 0 => (a, Some(n)),
                _ => return Err(format!("bad count in {s:?}: times=N needs N of 1 or more")),
            },
            None if action.contains(',') => {
                return Err(format!("fault {s:?}: only ,times=N may follow the action"));
            }
            None => (action, None),
        };
        let kind = if let Some(d) = action.strip_prefix("delay:") {
            FaultKind::Delay(parse_duration(d)?)
        } else if let Some(n) = action.strip_prefix("drop-events:") {
            FaultKind::DropAfterEvents(n.parse().map_err(|e| format!("bad count {n:?}: {e}"))?)
        } else if let Some(d) = action.strip_prefix("drop-after:") {
            FaultKind::DropAfter(parse_duration(d)?)
        } else if let Some(n) = action.strip_prefix("cut-events:") {
            FaultKind::CutAfterEvents(n.parse().map_err(|e| format!("bad count {n:?}: {e}"))?)
        } else if let Some(d) = action.strip_prefix("cut-after:") {
            FaultKind::CutAfter(parse_duration(d)?)
        } else if action == "gone-on-resume" {
            FaultKind::GoneOnResume
        } else if action == "continue-expired" {
            FaultKind::ContinueExpired
        } else {
            match action.parse::<u16>() {
                Ok(code) if (400..600).contains(&code) => FaultKind::Status(code),
                _ => return Err(format!("unknown fault action {action:?}: {SYNTAX}")),
            }
        };
        if let Some(rest) = target
            .strip_prefix("discovery:")
            .or(target.strip_prefix("apiservice:"))
            && (rest.is_empty() || rest.starts_with('/') || rest.ends_with('/'))
        {
            return Err(format!(
                "fault {s:?}: name a group (and version) after the colon"
            ));
        }
        let discovery = target == "discovery" || target.starts_with("discovery:");
        if discovery && !matches!(kind, FaultKind::Status(_) | FaultKind::Delay(_)) {
            return Err(format!(
                "fault {s:?}: discovery answers a status or a delay only"
            ));
        }
        let kind = match times {
            Some(n) => FaultKind::Times(n, Box::new(kind)),
            None => kind,
        };
        Ok(Fault {
            target: target.to_string(),
            kind,
        })
    }
}

impl Fault {
    pub fn new(target: &str, kind: FaultKind) -> Fault {
        Fault {
            target: target.to_string(),
            kind,
        }
    }

    /// The same fault for the first `n` matching requests only.
    pub fn times(self, n: u32) -> Fault {
        Fault {
            kind: FaultKind::Times(n, Box::new(self.kind)),
            ..self
        }
    }

    /// Whether this fault applies to a resource request for
    /// `group`/`resource` (`resource` may carry a subresource: `pods/proxy`).
    pub fn applies(&self, group: &str, resource: &str) -> bool {
        self.matches(&FaultPoint::Resource { group, resource })
    }

    /// The aggregated API group this fault takes down, if it is one.
    pub fn apiservice(&self) -> Option<&str> {
        self.target.strip_prefix("apiservice:")
    }

    pub fn matches(&self, point: &FaultPoint) -> bool {
        let t = self.target.as_str();
        if let Some(g) = self.apiservice() {
            return match point {
                FaultPoint::Discovery {
                    group: Some(group),
                    version: Some(_),
                } => *group == g,
                FaultPoint::Resource { group, .. } => *group == g,
                _ => false,
            };
        }
        if t == "discovery" || t.starts_with("discovery:") {
            let FaultPoint::Discovery { group, version } = *point else {
                return false;
            };
            return match t.strip_prefix("discovery:") {
                None => group.is_none(),
                Some("v1") => group == Some("") && version == Some("v1"),
                Some(rest) => match rest.split_once('/') {
                    Some((g, v)) => group == Some(g) && version == Some(v),
                    None => group == Some(rest) && version.is_none(),
                },
            };
        }
        let FaultPoint::Resource { group, resource } = *point else {
            return false;
        };
        t == "*" || t == resource || t == format!("{group}/{resource}")
    }
}

/// The faults in force, with how often each `times=N` fault has fired.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    faults: Vec<Fault>,
    fired: Vec<u32>,
}

impl Faults {
    pub fn new(faults: Vec<Fault>) -> Faults {
        let fired = vec![0; faults.len()];
        Faults { faults, fired }
    }

    pub fn push(&mut self, fault: Fault) {
        self.faults.push(fault);
        self.fired.push(0);
    }

    pub fn clear(&mut self) {
        self.faults.clear();
        self.fired.clear();
    }

    pub fn faults(&self) -> &[Fault] {
        &self.faults
    }

    /// The faults that apply to a request, counting it against each
    /// `times=N` fault it meets (a spent one no longer applies).
    pub fn take(&mut self, point: &FaultPoint, shape: RequestShape) -> Vec<FaultKind> {
        self.take_marked(point, shape)
            .into_iter()
            .map(|(k, _)| k)
            .collect()
    }

    /// Like [`Faults::take`], each fault marked with whether it is an
    /// `apiservice:` one (answered as kube-aggregator does).
    pub fn take_marked(
        &mut self,
        point: &FaultPoint,
        shape: RequestShape,
    ) -> Vec<(FaultKind, bool)> {
        let mut out = Vec::new();
        for (f, fired) in self.faults.iter().zip(self.fired.iter_mut()) {
            if !f.matches(point) || !f.kind.acts_on(shape) {
                continue;
            }
            if let FaultKind::Times(n, _) = &f.kind {
                if *fired >= *n {
                    continue;
                }
                *fired += 1;
            }
            out.push((f.kind.inner().clone(), f.apiservice().is_some()));
        }
        out
    }

    /// The faults that apply, without counting (an open watch re-reading
    /// the faults after they changed).
    pub fn peek(&self, point: &FaultPoint, shape: RequestShape) -> Vec<FaultKind> {
        self.faults
            .iter()
            .zip(&self.fired)
            .filter(|(f, fired)| {
                f.matches(point)
                    && f.kind.acts_on(shape)
                    && !matches!(&f.kind, FaultKind::Times(n, _) if **fired >= *n)
            })
            .map(|(f, _)| f.kind.inner().clone())
            .collect()
    }
}

/// The user the simulated API server authenticates every request as,
/// unless [`Rbac::user`] says otherwise.
pub const DEFAULT_USER: &str = "system:serviceaccount:egscope:egscope";

/// One rule of a ClusterRole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyRule {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
    /// Empty: every object; else only these names.
    pub resource_names: Vec<String>,
}

/// Where the rules are bound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RbacScope {
    /// By a ClusterRoleBinding: everywhere.
    #[default]
    Cluster,
    /// By a RoleBinding (to the ClusterRole) in each of these namespaces:
    /// only requests inside them, never cluster-wide lists or
    /// cluster-scoped kinds.
    Namespaces(Vec<String>),
}

/// The rules of the ClusterRole(s) the simulator enforces, where they are
/// bound, and the user they are bound to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rbac {
    pub rules: Vec<PolicyRule>,
    pub scope: RbacScope,
    /// The user name 403 messages name.
    pub user: String,
}

impl Default for Rbac {
    fn default() -> Self {
        Rbac {
            rules: Vec::new(),
            scope: RbacScope::Cluster,
            user: DEFAULT_USER.to_string(),
        }
    }
}

/// One request as the authorizer sees it: kube-apiserver's RequestInfo
/// (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access<'a> {
    pub verb: &'a str,
    pub group: &'a str,
    /// The resource without its subresource (`pods`).
    pub resource: &'a str,
    /// `proxy` for `pods/proxy`, "" for none.
    pub subresource: &'a str,
    /// "" for cluster-scoped kinds and cluster-wide lists. A GET of
    /// `/api/v1/namespaces/NAME` has namespace NAME: RequestInfo takes the
    /// segment after `namespaces/` as the namespace even there.
    pub namespace: &'a str,
    /// "" for lists, unless a `metadata.name=` field selector names one.
    pub name: &'a str,
}

impl Access<'_> {
    fn combined_resource(&self) -> String {
        if self.subresource.is_empty() {
            self.resource.to_string()
        } else {
            format!("{}/{}", self.resource, self.subresource)
        }
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

impl Rbac {
    /// Reads the rules of every ClusterRole (or Role) in a YAML file. They
    /// are bound cluster-wide, unless the file has RoleBindings and no
    /// ClusterRoleBinding: then only in the RoleBindings' namespaces. When
    /// the file's bindings name roles (`roleRef.name`), only those roles
    /// count: an optional role shipped next to the least-privilege one
    /// (assets/rbac.yaml's log reader) grants nothing until it is bound.
    pub fn from_yaml(text: &str) -> Result<Rbac, String> {
        let docs: Vec<Value> = egscope_codec::parse_yaml_documents(text)
            .map_err(|e| format!("not valid YAML: {e}"))?;
        let bound: Vec<&str> = docs
            .iter()
            .filter(|d| {
                matches!(
                    d.get("kind").and_then(Value::as_str),
                    Some("ClusterRoleBinding" | "RoleBinding")
                )
            })
            .filter_map(|d| d.pointer("/roleRef/name").and_then(Value::as_str))
            .collect();
        let mut rules = Vec::new();
        let mut roles = 0;
        let mut cluster_binding = false;
        let mut namespaces: Vec<String> = Vec::new();
        for doc in &docs {
            let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
            match kind {
                "ClusterRoleBinding" => cluster_binding = true,
                "RoleBinding" => {
                    let ns = doc
                        .pointer("/metadata/namespace")
                        .and_then(Value::as_str)
                        .unwrap_or("default")
                        .to_string();
                    if !namespaces.contains(&ns) {
                        namespaces.push(ns);
                    }
                }
                _ => {}
            }
            if kind != "ClusterRole" && kind != "Role" {
                continue;
            }
            let name = doc.pointer("/metadata/name").and_then(Value::as_str);
            if !bound.is_empty() && !name.is_some_and(|n| bound.contains(&n)) {
                continue;
            }
            roles += 1;
            for rule in doc
                .get("rules")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                rules.push(PolicyRule {
                    api_groups: strings(rule.get("apiGroups")),
                    resources: strings(rule.get("resources")),
                    verbs: strings(rule.get("verbs")),
                    resource_names: strings(rule.get("resourceNames")),
                });
            }
        }
        if roles == 0 {
            return Err("no ClusterRole in the file".into());
        }
        let scope = if namespaces.is_empty() || cluster_binding {
            RbacScope::Cluster
        } else {
            RbacScope::Namespaces(namespaces)
        };
        Ok(Rbac {
            rules,
            scope,
            ..Rbac::default()
        })
    }

    /// The same rules, bound by a RoleBinding in each of `namespaces` only.
    pub fn in_namespaces<I, S>(&self, namespaces: I) -> Rbac
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Rbac {
            scope: RbacScope::Namespaces(namespaces.into_iter().map(Into::into).collect()),
            ..self.clone()
        }
    }

    /// The same rules, bound to another user.
    pub fn with_user(&self, user: &str) -> Rbac {
        Rbac {
            user: user.to_string(),
            ..self.clone()
        }
    }

    /// Whether the rules allow `verb` on `group`/`resource` (with
    /// `/subresource`), wherever they are bound.
    pub fn allows(&self, group: &str, resource: &str, verb: &str) -> bool {
        let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
        self.rules_allow(&Access {
            verb,
            group,
            resource,
            subresource,
            namespace: "",
            name: "",
        })
    }

    /// RBAC's `RuleAllows` (k8s.io/kubernetes/plugin/pkg/auth/authorizer/rbac/rbac.go):
    /// verb, API group, resource (`*`, the combined `pods/proxy`, or
    /// `*/proxy`) and resourceNames must all match one rule.
    fn rules_allow(&self, a: &Access) -> bool {
        let combined = a.combined_resource();
        let any = |list: &[String], want: &str| list.iter().any(|x| x == "*" || x == want);
        self.rules.iter().any(|r| {
            any(&r.verbs, a.verb)
                && any(&r.api_groups, a.group)
                && r.resources.iter().any(|x| {
                    x == "*"
                        || *x == combined
                        || (!a.subresource.is_empty()
                            && x.strip_prefix("*/") == Some(a.subresource))
                })
                && (r.resource_names.is_empty() || r.resource_names.iter().any(|n| n == a.name))
        })
    }

    /// Whether the request is allowed where the rules are bound: a
    /// RoleBinding's rules apply only to requests inside its namespace.
    pub fn authorize(&self, a: &Access) -> bool {
        let bound = match &self.scope {
            RbacScope::Cluster => true,
            RbacScope::Namespaces(ns) => {
                !a.namespace.is_empty() && ns.iter().any(|n| n == a.namespace)
            }
        };
        bound && self.rules_allow(a)
    }

    /// The Status kube-apiserver answers a denied request with. The
    /// message is `responsewriters.Forbidden`'s
    /// (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go:
    /// `forbiddenMessage`, wrapped by `apierrors.NewForbidden` from
    /// k8s.io/apimachinery/pkg/api/errors/errors.go); RBAC gives no reason
    /// to append when it merely found no rule (plugin/pkg/auth/authorizer/rbac/rbac.go).
    /// Empty details are left out, as the JSON encoder's omitempty does.
    pub fn forbidden(&self, a: &Access) -> Value {
        let user = &self.user;
        let (verb, group, resource) = (a.verb, a.group, a.combined_resource());
        let why = if a.namespace.is_empty() {
            format!(
                "User {user:?} cannot {verb} resource {resource:?} in API group {group:?} at the cluster scope"
            )
        } else {
            format!(
                "User {user:?} cannot {verb} resource {resource:?} in API group {group:?} in the namespace {:?}",
                a.namespace
            )
        };
        let qualified = if group.is_empty() {
            a.resource.to_string()
        } else {
            format!("{}.{group}", a.resource)
        };
        let message = if a.name.is_empty() {
            format!("{qualified} is forbidden: {why}")
        } else {
            format!("{qualified} {:?} is forbidden: {why}", a.name)
        };
        let mut details = serde_json::Map::new();
        if !a.name.is_empty() {
            details.insert("name".into(), json!(a.name));
        }
        if !group.is_empty() {
            details.insert("group".into(), json!(group));
        }
        details.insert("kind".into(), json!(a.resource));
        json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": "Forbidden",
            "details": details,
            "code": 403,
        })
    }
}

/// Parses a `--fault` flag value for clap.
pub fn parse_fault(s: &str) -> Result<Fault, String> {
    s.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_faults() {
        assert_eq!(
            "pods=500".parse::<Fault>().unwrap().kind,
            FaultKind::Status(500)
        );
        assert_eq!(
            "gateways=delay:250ms".parse::<Fault>().unwrap().kind,
            FaultKind::Delay(Duration::from_millis(250))
        );
        assert_eq!(
            "*=drop-after:1.5s".parse::<Fault>().unwrap().kind,
            FaultKind::DropAfter(Duration::from_millis(1500))
        );
        assert!("pods=teapot".parse::<Fault>().is_err());
        let f: Fault = "pods=403".parse().unwrap();
        assert!(f.applies("", "pods"));
        assert!(!f.applies("", "pods/proxy"));
        assert!(!f.applies("", "services"));
    }

    #[test]
    fn rbac_rules() {
        let r = Rbac::from_yaml(
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: x\nrules:\n- apiGroups: [\"\"]\n  resources: [pods, pods/proxy]\n  verbs: [get]\n",
        )
        .unwrap();
        assert!(r.allows("", "pods", "get"));
        assert!(r.allows("", "pods/proxy", "get"));
        assert!(!r.allows("", "pods", "list"));
        assert!(!r.allows("", "secrets", "get"));
    }

    #[test]
    fn parses_new_fault_forms() {
        let f: Fault = "discovery:gateway.networking.k8s.io/v1=500,times=1"
            .parse()
            .unwrap();
        assert_eq!(
            f.kind,
            FaultKind::Times(1, Box::new(FaultKind::Status(500)))
        );
        let gv = FaultPoint::Discovery {
            group: Some("gateway.networking.k8s.io"),
            version: Some("v1"),
        };
        assert!(f.matches(&gv));
        assert!(!f.matches(&FaultPoint::Discovery {
            group: Some("gateway.networking.k8s.io"),
            version: None
        }));
        assert!(!f.applies("gateway.networking.k8s.io", "gateways"));
        let root: Fault = "discovery=503".parse().unwrap();
        assert!(root.matches(&FaultPoint::Discovery {
            group: None,
            version: None
        }));
        assert!(!root.matches(&gv));
        let core: Fault = "discovery:v1=500".parse().unwrap();
        assert!(core.matches(&FaultPoint::Discovery {
            group: Some(""),
            version: Some("v1")
        }));
        let group: Fault = "discovery:apps=delay:1s".parse().unwrap();
        assert!(group.matches(&FaultPoint::Discovery {
            group: Some("apps"),
            version: None
        }));
        // `*` is about resources, never discovery.
        let star: Fault = "*=500".parse().unwrap();
        assert!(!star.matches(&gv));

        let down: Fault = "apiservice:metrics.k8s.io=503".parse().unwrap();
        assert_eq!(down.apiservice(), Some("metrics.k8s.io"));
        assert!(down.matches(&FaultPoint::Discovery {
            group: Some("metrics.k8s.io"),
            version: Some("v1beta1")
        }));
        assert!(down.applies("metrics.k8s.io", "pods"));
        assert!(!down.applies("", "pods"));
        assert!(!down.matches(&FaultPoint::Discovery {
            group: Some("metrics.k8s.io"),
            version: None
        }));
        assert!(!down.matches(&FaultPoint::Discovery {
            group: None,
            version: None
        }));

        assert_eq!(
            "gateways=cut-after:250ms".parse::<Fault>().unwrap().kind,
            FaultKind::CutAfter(Duration::from_millis(250))
        );
        assert_eq!(
            "gateways=cut-events:3".parse::<Fault>().unwrap().kind,
            FaultKind::CutAfterEvents(3)
        );
        assert_eq!(
            "httproutes=continue-expired".parse::<Fault>().unwrap().kind,
            FaultKind::ContinueExpired
        );
        for bad in [
            "pods=500,times=0",
            "pods=500,times=x",
            "pods=500,twice",
            "discovery:=500",
            "apiservice:=503",
            "discovery=gone-on-resume",
            "discovery:apps=drop-events:2",
        ] {
            assert!(bad.parse::<Fault>().is_err(), "{bad} parsed");
        }
    }

    #[test]
    fn times_limits_a_fault() {
        let mut faults = Faults::new(vec![
            "pods=500,times=2".parse().unwrap(),
            "pods=delay:1ms".parse().unwrap(),
        ]);
        let pods = FaultPoint::Resource {
            group: "",
            resource: "pods",
        };
        let services = FaultPoint::Resource {
            group: "",
            resource: "services",
        };
        let list = RequestShape::default();
        assert!(
            faults.take(&services, list).is_empty(),
            "no match, no count"
        );
        let delay = FaultKind::Delay(Duration::from_millis(1));
        assert_eq!(
            faults.peek(&pods, list),
            [FaultKind::Status(500), delay.clone()]
        );
        assert_eq!(
            faults.take(&pods, list),
            [FaultKind::Status(500), delay.clone()]
        );
        assert_eq!(
            faults.take(&pods, list),
            [FaultKind::Status(500), delay.clone()]
        );
        assert_eq!(faults.take(&pods, list), std::slice::from_ref(&delay));
        assert_eq!(faults.peek(&pods, list), [delay]);

        // A fault counts only the requests it acts on.
        let mut faults = Faults::new(vec!["pods=continue-expired,times=1".parse().unwrap()]);
        assert!(faults.take(&pods, list).is_empty());
        let watch = RequestShape {
            watch: true,
            ..list
        };
        assert!(faults.take(&pods, watch).is_empty());
        let continued = RequestShape {
            continued: true,
            ..list
        };
        assert_eq!(faults.take(&pods, continued), [FaultKind::ContinueExpired]);
        assert!(faults.take(&pods, continued).is_empty(), "spent");
        let mut faults = Faults::new(vec!["pods=gone-on-resume".parse().unwrap()]);
        assert!(faults.take(&pods, watch).is_empty());
        let resume = RequestShape {
            resume: true,
            ..watch
        };
        assert_eq!(faults.take(&pods, resume), [FaultKind::GoneOnResume]);
    }

    const ROLE: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: r\nrules:\n- apiGroups: [\"\", gateway.networking.k8s.io]\n  resources: [pods, pods/proxy, namespaces, gateways, gatewayclasses]\n  verbs: [get, list, watch]\n- apiGroups: [\"\"]\n  resources: [configmaps]\n  resourceNames: [envoy-gateway-config]\n  verbs: [get]\n";

    fn access<'a>(verb: &'a str, group: &'a str, resource: &'a str, ns: &'a str) -> Access<'a> {
        Access {
            verb,
            group,
            resource,
            subresource: "",
            namespace: ns,
            name: "",
        }
    }

    /// The shipped file binds only the least-privilege role: pods/log (the
    /// optional log reader) is granted once its example binding is used.
    #[test]
    fn optional_log_role_grants_nothing_until_bound() {
        let shipped = include_str!("../../../assets/rbac.yaml");
        let r = Rbac::from_yaml(shipped).unwrap();
        assert!(r.allows("discovery.k8s.io", "endpointslices", "watch"));
        assert!(r.allows("", "pods/proxy", "get"));
        assert!(!r.allows("", "pods/log", "get"));
        let bound: String = shipped
            .lines()
            .skip_while(|l| !l.contains("name: egscope-log-reader"))
            .map(|l| l.strip_prefix("# ").unwrap_or(l))
            .map(|l| if l == "# ---" { "---" } else { l })
            .collect::<Vec<_>>()
            .join("\n");
        let with_logs = format!(
            "{}\n{}",
            shipped.split("name: egscope-log-reader").next().unwrap(),
            bound
        );
        let r = Rbac::from_yaml(&with_logs).unwrap();
        assert!(r.allows("", "pods/log", "get"));
        assert!(r.allows("", "pods", "list"), "the reader stays bound");
        assert!(!r.allows("", "pods/log", "list"));
    }

    #[test]
    fn bindings_choose_the_scope() {
        let cluster = Rbac::from_yaml(ROLE).unwrap();
        assert_eq!(cluster.scope, RbacScope::Cluster);
        assert_eq!(cluster.user, DEFAULT_USER);
        let rb = format!(
            "{ROLE}---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: b\n  namespace: apps\nroleRef:\n  kind: ClusterRole\n  name: r\n"
        );
        let scoped = Rbac::from_yaml(&rb).unwrap();
        assert_eq!(scoped.scope, RbacScope::Namespaces(vec!["apps".into()]));
        let both = format!("{rb}---\nkind: ClusterRoleBinding\nmetadata:\n  name: c\n");
        assert_eq!(Rbac::from_yaml(&both).unwrap().scope, RbacScope::Cluster);
        assert_eq!(cluster.in_namespaces(["apps"]), scoped);
    }

    #[test]
    fn namespace_scope_and_resource_names() {
        let r = Rbac::from_yaml(ROLE).unwrap().in_namespaces(["apps"]);
        let gw = "gateway.networking.k8s.io";
        assert!(r.authorize(&access("list", gw, "gateways", "apps")));
        assert!(r.authorize(&access("watch", "", "pods", "apps")));
        assert!(!r.authorize(&access("list", gw, "gateways", "")));
        assert!(!r.authorize(&access("list", gw, "gateways", "web")));
        assert!(!r.authorize(&access("list", gw, "gatewayclasses", "")));
        assert!(!r.authorize(&access("list", "", "namespaces", "")));
        // GET /api/v1/namespaces/apps is inside namespace apps.
        assert!(r.authorize(&Access {
            name: "apps",
            ..access("get", "", "namespaces", "apps")
        }));
        let proxy = Access {
            subresource: "proxy",
            name: "p:19001",
            ..access("get", "", "pods", "apps")
        };
        assert!(r.authorize(&proxy));
        assert!(!r.authorize(&Access {
            namespace: "web",
            ..proxy
        }));
        let cm = Access {
            name: "envoy-gateway-config",
            ..access("get", "", "configmaps", "apps")
        };
        assert!(r.authorize(&cm));
        assert!(!r.authorize(&Access {
            name: "other",
            ..cm
        }));
        assert!(!r.authorize(&Access {
            verb: "list",
            name: "",
            ..cm
        }));
        assert!(
            Rbac::from_yaml(ROLE)
                .unwrap()
                .authorize(&access("list", gw, "gateways", ""))
        );
    }

    #[test]
    fn forbidden_is_kube_apiservers_text() {
        let r = Rbac::from_yaml(ROLE).unwrap().with_user("sre@example.com");
        let gw = "gateway.networking.k8s.io";
        let st = r.forbidden(&access("list", gw, "gateways", ""));
        assert_eq!(
            st["message"],
            "gateways.gateway.networking.k8s.io is forbidden: User \"sre@example.com\" cannot list resource \"gateways\" in API group \"gateway.networking.k8s.io\" at the cluster scope"
        );
        assert_eq!(st["reason"], "Forbidden");
        assert_eq!(st["code"], 403);
        assert_eq!(st["details"], json!({"group": gw, "kind": "gateways"}));
        let st = r.forbidden(&access("watch", gw, "gateways", "envoy-gateway-system"));
        assert_eq!(
            st["message"],
            "gateways.gateway.networking.k8s.io is forbidden: User \"sre@example.com\" cannot watch resource \"gateways\" in API group \"gateway.networking.k8s.io\" in the namespace \"envoy-gateway-system\""
        );
        let st = r.forbidden(&Access {
            subresource: "proxy",
            name: "p:19001",
            ..access("get", "", "pods", "web")
        });
        assert_eq!(
            st["message"],
            "pods \"p:19001\" is forbidden: User \"sre@example.com\" cannot get resource \"pods/proxy\" in API group \"\" in the namespace \"web\""
        );
        assert_eq!(st["details"], json!({"name": "p:19001", "kind": "pods"}));
    }
}
