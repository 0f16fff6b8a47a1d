//! `:` commands: aliases (k9s-style), completion and execution.

use crate::store::Kind;

use super::state::{App, View};

/// One command: its name, aliases, and what it does.
pub struct Command {
    pub name: &'static str,
    pub aliases: &'static [&'static str],
    pub help: &'static str,
}

pub static COMMANDS: &[Command] = &[
    Command {
        name: "overview",
        aliases: &["ov", "home"],
        help: "health at a glance",
    },
    Command {
        name: "tenants",
        aliases: &["tn", "controllers"],
        help: "controllers, controllerNames, watched namespaces, classes",
    },
    Command {
        name: "gatewayclasses",
        aliases: &["gc", "classes"],
        help: "GatewayClasses",
    },
    Command {
        name: "gateways",
        aliases: &["gw"],
        help: "Gateways",
    },
    Command {
        name: "listeners",
        aliases: &["ls"],
        help: "merged listener sets, conflicts marked",
    },
    Command {
        name: "routes",
        aliases: &["rt"],
        help: "every route kind",
    },
    Command {
        name: "httproutes",
        aliases: &["hr"],
        help: "HTTPRoutes",
    },
    Command {
        name: "grpcroutes",
        aliases: &["gr"],
        help: "GRPCRoutes",
    },
    Command {
        name: "policies",
        aliases: &["pol"],
        help: "every policy kind",
    },
    Command {
        name: "clienttrafficpolicies",
        aliases: &["ctp"],
        help: "ClientTrafficPolicies",
    },
    Command {
        name: "backendtrafficpolicies",
        aliases: &["btp"],
        help: "BackendTrafficPolicies",
    },
    Command {
        name: "securitypolicies",
        aliases: &["sp"],
        help: "SecurityPolicies",
    },
    Command {
        name: "fleets",
        aliases: &["fleet", "ep", "envoyproxies"],
        help: "proxy fleets and the EnvoyProxy that shapes each",
    },
    Command {
        name: "findings",
        aliases: &["fi", "audit"],
        help: "audit findings with guide text and fix",
    },
    Command {
        name: "coverage",
        aliases: &["cov", "skipped"],
        help: "kinds that could not be read, rules skipped or not judged",
    },
    Command {
        name: "changes",
        aliases: &["ch", "history"],
        help: "recent changes the watchers saw: spec fields, arrivals, departures",
    },
    Command {
        name: "ns",
        aliases: &["namespace"],
        help: "ns NAME: only that namespace; ns all: every namespace",
    },
    Command {
        name: "ctx",
        aliases: &["context"],
        help: "ctx NAME: switch kube context (live source only)",
    },
    Command {
        name: "help",
        aliases: &["h"],
        help: "keys and commands",
    },
    Command {
        name: "quit",
        aliases: &["q", "q!"],
        help: "quit",
    },
];

fn find(word: &str) -> Option<&'static Command> {
    COMMANDS
        .iter()
        .find(|c| c.name == word || c.aliases.contains(&word))
}

fn view_for(name: &str) -> Option<View> {
    Some(match name {
        "overview" => View::Overview,
        "tenants" => View::Tenants,
        "gatewayclasses" => View::Classes { controller: None },
        "gateways" => View::Gateways { class: None },
        "listeners" => View::Listeners {
            class: None,
            gateway: None,
        },
        "routes" | "httproutes" | "grpcroutes" => View::Routes {
            kind: match name {
                "httproutes" => Some(Kind::HttpRoute),
                "grpcroutes" => Some(Kind::GrpcRoute),
                _ => None,
            },
            gateway: None,
            listener: None,
        },
        "policies" => View::Policies { kind: None },
        "clienttrafficpolicies" => View::Policies {
            kind: Some(Kind::ClientTrafficPolicy),
        },
        "backendtrafficpolicies" => View::Policies {
            kind: Some(Kind::BackendTrafficPolicy),
        },
        "securitypolicies" => View::Policies {
            kind: Some(Kind::SecurityPolicy),
        },
        "fleets" => View::Fleets,
        "findings" => View::Findings,
        "coverage" => View::Coverage,
        "changes" => View::Changes,
        _ => return None,
    })
}

/// What a command line asks for; `update` (in `app`) carries it out, so
/// this module reads the state but never changes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Parsed {
    Nothing,
    Quit,
    Help,
    /// `ns NAME` / `ns all`.
    Namespace(Option<String>),
    /// `ctx` (the picker) or `ctx NAME`.
    Context(Option<String>),
    /// A view, and the filter its argument asks for (`:hr web`).
    Goto(Box<View>, Option<String>),
    Unknown(String),
}

/// Parses a command line (without the colon).
pub fn parse(line: &str) -> Parsed {
    let line = line.trim();
    if line.is_empty() {
        return Parsed::Nothing;
    }
    let (word, arg) = match line.split_once(char::is_whitespace) {
        Some((w, a)) => (w, a.trim()),
        None => (line, ""),
    };
    let Some(cmd) = find(word) else {
        return Parsed::Unknown(word.to_string());
    };
    let arg = (!arg.is_empty()).then(|| arg.to_string());
    match cmd.name {
        "quit" => Parsed::Quit,
        "help" => Parsed::Help,
        "ns" => Parsed::Namespace(arg.filter(|a| !matches!(a.as_str(), "all" | "-A"))),
        "ctx" => Parsed::Context(arg),
        name => match view_for(name) {
            Some(v) => Parsed::Goto(Box::new(v), arg),
            None => Parsed::Unknown(word.to_string()),
        },
    }
}

/// Every word a command may start with.
fn words() -> impl Iterator<Item = &'static str> {
    COMMANDS
        .iter()
        .flat_map(|c| std::iter::once(c.name).chain(c.aliases.iter().copied()))
}

/// Tab completion: the input extended to the longest common prefix of the
/// candidates, and the candidates (shown when there is more than one).
/// Completes command names, namespace names after `ns ` and the
/// kubeconfig's context names after `ctx `.
pub fn complete(app: &App, input: &str) -> (String, Vec<String>) {
    let (head, partial, candidates): (String, &str, Vec<String>) =
        match input.split_once(char::is_whitespace) {
            Some((w, rest)) if find(w).is_some_and(|c| matches!(c.name, "ns" | "ctx")) => {
                let names: Vec<String> = if find(w).is_some_and(|c| c.name == "ctx") {
                    app.status.contexts.clone()
                } else {
                    let mut names: Vec<String> = app
                        .data
                        .as_ref()
                        .map(|d| d.namespaces.to_vec())
                        .unwrap_or_default();
                    names.insert(0, "all".into());
                    names
                };
                let rest = rest.trim_start();
                (
                    format!("{w} "),
                    rest,
                    names.into_iter().filter(|n| n.starts_with(rest)).collect(),
                )
            }
            Some(_) => return (input.to_string(), Vec::new()),
            None => {
                let mut c: Vec<String> = words()
                    .filter(|w| w.starts_with(input))
                    .map(str::to_string)
                    .collect();
                c.sort();
                c.dedup();
                (String::new(), input, c)
            }
        };
    match candidates.len() {
        0 => (input.to_string(), Vec::new()),
        1 => {
            let only = &candidates[0];
            // A complete command that takes an argument gets its space.
            let space =
                if head.is_empty() && matches!(find(only).map(|c| c.name), Some("ns" | "ctx")) {
                    " "
                } else {
                    ""
                };
            (format!("{head}{only}{space}"), Vec::new())
        }
        _ => {
            let lcp = longest_common_prefix(&candidates);
            let lcp = if lcp.len() < partial.len() {
                partial.to_string()
            } else {
                lcp
            };
            (format!("{head}{lcp}"), candidates)
        }
    }
}

fn longest_common_prefix(words: &[String]) -> String {
    let first = &words[0];
    let mut end = first.len();
    for w in &words[1..] {
        end = end.min(
            first
                .char_indices()
                .zip(w.chars())
                .take_while(|((_, a), b)| a == b)
                .last()
                .map(|((i, a), _)| i + a.len_utf8())
                .unwrap_or(0),
        );
    }
    first[..end].to_string()
}

/// What `c` copies: `namespace/name` (or `name` when cluster-scoped), in
/// its visible form: a name with a control or invisible character copies
/// as shown on screen (`\u200b`), never as the raw character.
pub fn copy_name(obj: &crate::store::ObjectRef) -> String {
    let text = match &obj.namespace {
        Some(ns) if !ns.is_empty() => format!("{ns}/{}", obj.name),
        _ => obj.name.clone(),
    };
    crate::sanitize::escape(&text).into_owned()
}

/// What `C` copies: a `kubectl get` command for the object, with the
/// resource fully qualified (`gateways.gateway.networking.k8s.io`: other
/// CRDs, Istio's for one, also define a `Gateway`) and each word
/// shell-quoted when it is not a plain Kubernetes name.
pub fn copy_kubectl(obj: &crate::store::ObjectRef) -> String {
    let resource = match Kind::ALL.into_iter().find(|k| k.name() == obj.kind) {
        Some(k) => {
            let (group, _) = k.group_kind();
            let plural = super::vm::plural(k);
            if group.is_empty() {
                plural
            } else {
                format!("{plural}.{group}")
            }
        }
        None => obj.kind.to_ascii_lowercase(),
    };
    let mut cmd = format!("kubectl get {}", shell_word(&resource));
    if let Some(ns) = obj.namespace.as_deref().filter(|n| !n.is_empty()) {
        cmd.push_str(" -n ");
        cmd.push_str(&shell_word(ns));
    }
    cmd.push(' ');
    cmd.push_str(&shell_word(&obj.name));
    cmd
}

/// A word as a POSIX shell reads it back: left alone when it only holds
/// the characters of Kubernetes names, else neutralised and single-quoted
/// (a quote inside becomes `'\''`). Hand-written: the rule is three lines,
/// and the shell-quoting crates quote differently per shell.
fn shell_word(w: &str) -> String {
    let visible = crate::sanitize::escape(w);
    if !visible.is_empty()
        && visible
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '/' | ':'))
    {
        return visible.into_owned();
    }
    format!("'{}'", visible.replace('\'', "'\\''"))
}

#[cfg(test)]
mod copy_tests {
    use super::*;
    use crate::store::ObjectRef;

    #[test]
    fn copy_forms_are_visible_and_ready() {
        let r = ObjectRef::new("", "HTTPRoute", Some("shop"), "web");
        assert_eq!(copy_name(&r), "shop/web");
        assert_eq!(
            copy_kubectl(&r),
            "kubectl get httproutes.gateway.networking.k8s.io -n shop web"
        );
        let c = ObjectRef::new("", "GatewayClass", None, "eg");
        assert_eq!(copy_name(&c), "eg");
        assert_eq!(
            copy_kubectl(&c),
            "kubectl get gatewayclasses.gateway.networking.k8s.io eg"
        );
        let p = ObjectRef::new("", "Pod", Some("envoy-gateway-system"), "envoy-1");
        assert_eq!(
            copy_kubectl(&p),
            "kubectl get pods -n envoy-gateway-system envoy-1"
        );
    }

    #[test]
    fn copy_never_carries_raw_controls() {
        let r = ObjectRef::new(
            "",
            "HTTPRoute",
            Some("shop"),
            "w\u{200b}eb\x1b]52;c;eA==\x07",
        );
        let name = copy_name(&r);
        assert_eq!(name, "shop/w\\u200beb\\x1b]52;c;eA==\\x07");
        let cmd = copy_kubectl(&r);
        assert_eq!(
            cmd,
            "kubectl get httproutes.gateway.networking.k8s.io -n shop 'w\\u200beb\\x1b]52;c;eA==\\x07'"
        );
        assert!(crate::sanitize::is_clean(&cmd));
        let q = ObjectRef::new("", "HTTPRoute", Some("a'b"), "x");
        assert_eq!(
            copy_kubectl(&q),
            "kubectl get httproutes.gateway.networking.k8s.io -n 'a'\\''b' x"
        );
    }
}
