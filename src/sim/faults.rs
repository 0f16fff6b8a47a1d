//! Fault injection and RBAC enforcement for the simulated API server.

use std::str::FromStr;
use std::time::Duration;

use serde_json::Value;

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
    /// Answer every watch that resumes from a resourceVersion with 410 Gone.
    GoneOnResume,
}

/// A fault on one resource: `target` is a plural (`pods`), a
/// `group/plural` (`apps/deployments`), a subresource (`pods/proxy`) or `*`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub target: String,
    pub kind: FaultKind,
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

impl FromStr for Fault {
    type Err = String;

    /// `RESOURCE=ACTION` with ACTION one of `403`/`404`/`500`/any status,
    /// `delay:500ms`, `drop-events:N`, `drop-after:2s`, `gone-on-resume`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (target, action) = s
            .split_once('=')
            .ok_or_else(|| format!("fault {s:?} is not RESOURCE=ACTION"))?;
        let target = target.trim();
        if target.is_empty() {
            return Err(format!("fault {s:?} names no resource"));
        }
        let kind = if let Some(d) = action.strip_prefix("delay:") {
            FaultKind::Delay(parse_duration(d)?)
        } else if let Some(n) = action.strip_prefix("drop-events:") {
            FaultKind::DropAfterEvents(n.parse().map_err(|e| format!("bad count {n:?}: {e}"))?)
        } else if let Some(d) = action.strip_prefix("drop-after:") {
            FaultKind::DropAfter(parse_duration(d)?)
        } else if action == "gone-on-resume" {
            FaultKind::GoneOnResume
        } else {
            match action.parse::<u16>() {
                Ok(code) if (400..600).contains(&code) => FaultKind::Status(code),
                _ => {
                    return Err(format!(
                        "unknown fault action {action:?}: use a status (403, 404, 500), delay:500ms, \
                         drop-events:N, drop-after:2s or gone-on-resume"
                    ));
                }
            }
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

    /// Whether this fault applies to a request for `group`/`resource`
    /// (`resource` may carry a subresource: `pods/proxy`).
    pub fn applies(&self, group: &str, resource: &str) -> bool {
        let t = self.target.as_str();
        t == "*" || t == resource || t == format!("{group}/{resource}") || {
            // `pods` also covers `pods/proxy`.
            resource.split('/').next() == Some(t) && !resource.contains('/')
        }
    }
}

/// The faults in force.
#[derive(Debug, Clone, Default)]
pub struct Faults(pub Vec<Fault>);

impl Faults {
    pub fn matching<'a>(
        &'a self,
        group: &'a str,
        resource: &'a str,
    ) -> impl Iterator<Item = &'a FaultKind> + 'a {
        self.0
            .iter()
            .filter(move |f| f.applies(group, resource))
            .map(|f| &f.kind)
    }
}

/// One rule of a ClusterRole.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyRule {
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
}

/// The rules of the ClusterRole(s) the simulator enforces.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rbac {
    pub rules: Vec<PolicyRule>,
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
    /// Reads the rules of every ClusterRole (or Role) in a YAML file.
    pub fn from_yaml(text: &str) -> Result<Rbac, String> {
        let docs: Vec<Value> = crate::source::parse_yaml_documents(text)
            .map_err(|e| format!("not valid YAML: {e}"))?;
        let mut rules = Vec::new();
        let mut roles = 0;
        for doc in docs {
            let kind = doc.get("kind").and_then(Value::as_str).unwrap_or("");
            if kind != "ClusterRole" && kind != "Role" {
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
                });
            }
        }
        if roles == 0 {
            return Err("no ClusterRole in the file".into());
        }
        Ok(Rbac { rules })
    }

    /// Whether `verb` on `group`/`resource` (with `/subresource`) is allowed.
    pub fn allows(&self, group: &str, resource: &str, verb: &str) -> bool {
        self.rules.iter().any(|r| {
            let any = |list: &[String], want: &str| list.iter().any(|x| x == "*" || x == want);
            any(&r.api_groups, group) && any(&r.resources, resource) && any(&r.verbs, verb)
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
}
