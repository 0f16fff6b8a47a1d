//! `egscope trace`: which listener, route rule, policies and backends one
//! HTTP request meets, decided over the model the way Envoy Gateway
//! programs Envoy and Envoy picks:
//!
//! 1. the Envoy fleet (one per Gateway, or one per merging GatewayClass);
//! 2. the listener: its port, then for HTTPS the SNI (Envoy's filter chain
//!    match: exact server name, then the longest `*.` wildcard, then a
//!    listener without hostname); conflicted, invalid and unaccepted
//!    listeners are not programmed;
//! 3. the virtual host: every (route, rule, match) attached through the
//!    listener(s) becomes one entry per hostname of the route intersected
//!    with the listener's (`computeHosts`, `internal/gatewayapi/helpers.go`,
//!    v1.9.0); Envoy picks the most specific domain (exact, then longest
//!    wildcard suffix, then `*`) and never falls back to another;
//! 4. the route: the first entry of that virtual host that matches, in
//!    Envoy Gateway's order (`XdsIRRoutes.Less` and `sortXdsIRMap` in
//!    `internal/gatewayapi/sort.go`, v1.9.0: Exact > RegularExpression >
//!    PathPrefix, longer path, more header matches (a method match is a
//!    `:method` header), more exact ones, more query matches, more exact
//!    ones; ties keep the translator's order: HTTPRoutes before GRPCRoutes,
//!    oldest first, then namespace/name, rules and matches in order).
//!
//! Pure functions over the model; rendering lives in `report::trace_*`.

use super::Model;
use super::listeners::Listener;
use super::policy;
use super::value::{array_at, at, condition, str_at};
use crate::codec::value::Value;
use crate::store::{Kind, Object, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheme {
    Http,
    Https,
}

impl Scheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Scheme::Http => "http",
            Scheme::Https => "https",
        }
    }
}

/// The request to trace, as curl would send it: the URL's host is the SNI
/// and the `Host` header unless `-H 'Host: ...'` overrides the latter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub scheme: Scheme,
    /// The `Host` header (lower case, without port).
    pub host: String,
    /// The TLS server name (https only).
    pub sni: Option<String>,
    pub port: u16,
    /// The path without the query.
    pub path: String,
    /// Decoded query parameters in order.
    pub query: Vec<(String, String)>,
    pub method: String,
    /// Header names in lower case, values as given.
    pub headers: Vec<(String, String)>,
}

fn is_token(s: &str) -> bool {
    // RFC 9110 `token`: what a header name or a method may hold.
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl Request {
    /// Reads `URL`, `--method` and `-H 'name: value'` flags; the error says
    /// what is wrong with the input.
    pub fn parse(url: &str, method: Option<&str>, headers: &[String]) -> Result<Request, String> {
        // `pay.example.com/v1` is no URI at all to `http::Uri`: say what is
        // missing rather than "invalid format".
        if !url.contains("://") {
            return Err(format!(
                "`{url}` has no scheme; give http://HOST/PATH or https://HOST/PATH"
            ));
        }
        let uri: http::Uri = url.parse().map_err(|e| {
            format!("`{url}` is not a URL ({e}); give one like https://shop.example.com/cart")
        })?;
        let scheme = match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
            Some("http") => Scheme::Http,
            Some("https") => Scheme::Https,
            Some(other) => {
                return Err(format!(
                    "`{url}`: scheme {other} is not traced; use http:// or https://"
                ));
            }
            None => {
                return Err(format!(
                    "`{url}` has no scheme; give http://HOST/PATH or https://HOST/PATH"
                ));
            }
        };
        let authority = uri
            .authority()
            .ok_or_else(|| format!("`{url}` has no host"))?;
        if authority.as_str().contains('@') {
            return Err(format!(
                "`{url}`: credentials in the URL are not traced (and not needed)"
            ));
        }
        let url_host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        if url_host.is_empty() {
            return Err(format!("`{url}` has no host"));
        }
        let port = match authority.port_u16() {
            Some(0) => return Err(format!("`{url}`: port 0 is not a port")),
            Some(p) => p,
            None if authority.as_str().ends_with(':') => {
                return Err(format!("`{url}`: empty port"));
            }
            None => match scheme {
                Scheme::Http => 80,
                Scheme::Https => 443,
            },
        };
        let path = match uri.path() {
            "" => "/".to_string(),
            p => p.to_string(),
        };
        let query = uri
            .query()
            .map(|q| {
                form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        let method = method.unwrap_or("GET").to_string();
        if !is_token(&method) {
            return Err(format!("--method `{method}` is not an HTTP method"));
        }
        let mut host = url_host.clone();
        let mut hs = Vec::new();
        for h in headers {
            let (name, value) = h.split_once(':').ok_or_else(|| {
                format!("-H `{h}` is not `name: value`; give e.g. -H 'x-tenant: blue'")
            })?;
            let name = name.trim().to_ascii_lowercase();
            if !is_token(&name) {
                return Err(format!("-H `{h}`: `{name}` is not a header name"));
            }
            let value = value.trim().to_string();
            if name == "host" {
                // The port in a Host header is ignored, as Envoy Gateway's
                // route configurations set `ignore_port_in_host_matching`
                // (`internal/xds/translator/translator.go`).
                host = strip_port(&value).to_ascii_lowercase();
                continue;
            }
            hs.push((name, value));
        }
        Ok(Request {
            scheme,
            sni: (scheme == Scheme::Https).then_some(url_host),
            host,
            port,
            path,
            query,
            method,
            headers: hs,
        })
    }

    /// All values of a header joined by `,`, as Envoy's header matcher
    /// reads a repeated header (`HeaderUtility::getAllOfHeaderAsString`).
    fn header(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        match name.as_str() {
            ":method" => return Some(self.method.clone()),
            ":path" => return Some(self.path.clone()),
            ":authority" => return Some(self.host.clone()),
            _ => {}
        }
        let vals: Vec<&str> = self
            .headers
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!vals.is_empty()).then(|| vals.join(","))
    }

    /// Envoy's query parameter matcher reads the first value.
    fn query_param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host
            .split_once(']')
            .map(|(h, _)| h.trim_start_matches('['))
            .unwrap_or(host);
    }
    match host.rsplit_once(':') {
        Some((h, p)) if p.bytes().all(|b| b.is_ascii_digit()) => h,
        _ => host,
    }
}

// ---------------------------------------------------------------------------
// Matches

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathMatch {
    Exact(String),
    Prefix(String),
    Regex(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StrMatch {
    Exact(String),
    Regex(String),
    /// gRPC method-only matches (`:path` suffix).
    Suffix(String),
}

impl StrMatch {
    fn is_exact(&self) -> bool {
        matches!(self, StrMatch::Exact(_))
    }

    fn matches(&self, v: &str) -> bool {
        match self {
            StrMatch::Exact(e) => e == v,
            StrMatch::Regex(r) => full_match(r, v),
            StrMatch::Suffix(s) => v.ends_with(s.as_str()),
        }
    }

    fn describe(&self) -> String {
        match self {
            StrMatch::Exact(e) => format!("= {e}"),
            StrMatch::Regex(r) => format!("~ {r}"),
            StrMatch::Suffix(s) => format!("ends with {s}"),
        }
    }
}

/// Envoy's `safe_regex` matches the whole value (RE2; the `regex` crate
/// has the same linear-time, backreference-free dialect for what routes
/// use). An invalid expression matches nothing: Envoy Gateway rejects the
/// route (`UnsupportedValue`).
fn full_match(re: &str, v: &str) -> bool {
    regex::Regex::new(&format!("^(?:{re})$")).is_ok_and(|r| r.is_match(v))
}

/// One match of a route rule, as Envoy Gateway's IR holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Match {
    pub path: Option<PathMatch>,
    /// Header matches; an HTTPRoute method match is the `:method` header
    /// here, as in Envoy Gateway's IR (`route.go`, `processHTTPRouteRule`).
    pub headers: Vec<(String, StrMatch)>,
    pub query: Vec<(String, StrMatch)>,
}

/// The key Envoy Gateway sorts routes by, highest first.
pub type Precedence = [usize; 6];

impl Match {
    /// `XdsIRRoutes.Less` as a key: path type rank (Exact 2, regex 1,
    /// prefix or none 0; a missing path and a gRPC suffix match are
    /// neutral in Envoy Gateway's first step and have no characters, which
    /// orders them as a `/` prefix), path characters (`/` counts 0), header
    /// matches, exact header matches, query matches, exact query matches.
    pub fn precedence(&self) -> Precedence {
        let (rank, count) = match &self.path {
            Some(PathMatch::Exact(p)) => (2, p.len()),
            Some(PathMatch::Regex(p)) => (1, p.len()),
            Some(PathMatch::Prefix(p)) if p == "/" => (0, 0),
            Some(PathMatch::Prefix(p)) => (0, p.len()),
            None => (0, 0),
        };
        let exact = |v: &[(String, StrMatch)]| v.iter().filter(|(_, m)| m.is_exact()).count();
        [
            rank,
            count,
            self.headers.len(),
            exact(&self.headers),
            self.query.len(),
            exact(&self.query),
        ]
    }

    /// Why the request does not match, or `None` when it does.
    pub fn mismatch(&self, req: &Request) -> Option<String> {
        if let Some(p) = &self.path
            && !path_matches(p, &req.path)
        {
            return Some(format!("path {} is not {}", req.path, describe_path(p)));
        }
        for (name, m) in &self.headers {
            match req.header(name) {
                Some(v) if m.matches(&v) => {}
                Some(v) if name == ":method" => {
                    return Some(format!("method {v} is not {}", m.describe()));
                }
                Some(v) => return Some(format!("header {name}: {v} is not {}", m.describe())),
                None => return Some(format!("no header {name} ({})", m.describe())),
            }
        }
        for (name, m) in &self.query {
            match req.query_param(name) {
                Some(v) if m.matches(v) => {}
                Some(v) => return Some(format!("query {name}={v} is not {}", m.describe())),
                None => return Some(format!("no query parameter {name} ({})", m.describe())),
            }
        }
        None
    }

    /// `PathPrefix /v1 · method POST · header x-a = b`.
    pub fn describe(&self) -> String {
        let mut parts = vec![match &self.path {
            Some(p) => describe_path(p),
            None => "any path".to_string(),
        }];
        for (n, m) in &self.headers {
            match (n.as_str(), m) {
                (":method", StrMatch::Exact(v)) => parts.push(format!("method {v}")),
                (":path", m) => parts.push(format!("path {}", m.describe())),
                _ => parts.push(format!("header {n} {}", m.describe())),
            }
        }
        for (n, m) in &self.query {
            parts.push(format!("query {n} {}", m.describe()));
        }
        parts.join(" · ")
    }
}

fn describe_path(p: &PathMatch) -> String {
    match p {
        PathMatch::Exact(v) => format!("Exact {v}"),
        PathMatch::Prefix(v) => format!("PathPrefix {v}"),
        PathMatch::Regex(v) => format!("RegularExpression {v}"),
    }
}

/// Envoy Gateway programs a prefix other than `/` as Envoy's
/// `path_separated_prefix` with the trailing `/` trimmed
/// (`buildPathMatch`, `internal/xds/translator/route.go`): `/v1` matches
/// `/v1` and `/v1/x`, not `/v10`.
fn path_matches(p: &PathMatch, path: &str) -> bool {
    match p {
        PathMatch::Exact(v) => path == v,
        PathMatch::Regex(r) => full_match(r, path),
        PathMatch::Prefix(v) if v == "/" || v.is_empty() => path.starts_with('/'),
        PathMatch::Prefix(v) => {
            let v = v.trim_end_matches('/');
            path == v
                || path
                    .strip_prefix(v)
                    .is_some_and(|rest| rest.starts_with('/'))
        }
    }
}

/// A string as YAML may hold it (`value: 1234` is a number).
fn scalar(v: &Value, key: &str) -> Option<String> {
    let x = at(v, &[key])?;
    x.as_str()
        .map(str::to_string)
        .or_else(|| x.as_i64().map(|n| n.to_string()))
        .or_else(|| x.as_f64().map(|n| n.to_string()))
        .or_else(|| x.as_bool().map(|b| b.to_string()))
}

fn str_matches(list: &[Value]) -> Vec<(String, StrMatch)> {
    list.iter()
        .filter_map(|h| {
            let name = str_at(h, &["name"])?.to_string();
            let value = scalar(h, "value").unwrap_or_default();
            let m = match str_at(h, &["type"]) {
                Some("RegularExpression") => StrMatch::Regex(value),
                Some("Exact") | None => StrMatch::Exact(value),
                _ => return None,
            };
            Some((name, m))
        })
        .collect()
}

/// The matches of one HTTPRoute rule (`processHTTPRouteRule`); a rule
/// without matches is one match of any path.
pub fn http_rule_matches(rule: &Value) -> Vec<Match> {
    let ms = array_at(rule, &["matches"]);
    if ms.is_empty() {
        return vec![Match::default()];
    }
    ms.iter()
        .map(|m| {
            let path = at(m, &["path"]).map(|p| {
                let v = scalar(p, "value").unwrap_or_else(|| "/".to_string());
                match str_at(p, &["type"]).unwrap_or("PathPrefix") {
                    "Exact" => PathMatch::Exact(v),
                    "RegularExpression" => PathMatch::Regex(v),
                    _ => PathMatch::Prefix(v),
                }
            });
            let mut headers = str_matches(array_at(m, &["headers"]));
            if let Some(method) = str_at(m, &["method"]) {
                headers.push((":method".to_string(), StrMatch::Exact(method.to_string())));
            }
            Match {
                path,
                headers,
                query: str_matches(array_at(m, &["queryParams"])),
            }
        })
        .collect()
}

/// The matches of one GRPCRoute rule (`processGRPCRouteRule` and
/// `processGRPCRouteMethod*`, `internal/gatewayapi/route.go`, v1.9.0).
pub fn grpc_rule_matches(rule: &Value) -> Vec<Match> {
    const SERVICE: &str = r"(?i)\.?[a-z_][a-z_0-9]*(\.[a-z_][a-z_0-9]*)*";
    const METHOD: &str = "[A-Za-z_][A-Za-z_0-9]*";
    let ms = array_at(rule, &["matches"]);
    if ms.is_empty() {
        return vec![Match::default()];
    }
    ms.iter()
        .map(|m| {
            let mut out = Match {
                headers: str_matches(array_at(m, &["headers"])),
                ..Match::default()
            };
            if let Some(meth) = at(m, &["method"]) {
                let service = str_at(meth, &["service"]);
                let method = str_at(meth, &["method"]);
                let regex = str_at(meth, &["type"]) == Some("RegularExpression");
                match (regex, service, method) {
                    (false, Some(s), Some(m)) => {
                        out.path = Some(PathMatch::Exact(format!("/{s}/{m}")))
                    }
                    (false, None, Some(m)) => out
                        .headers
                        .push((":path".to_string(), StrMatch::Suffix(format!("/{m}")))),
                    (false, Some(s), None) => out.path = Some(PathMatch::Prefix(format!("/{s}"))),
                    (true, Some(s), Some(m)) => {
                        out.path = Some(PathMatch::Regex(format!("/{s}/{m}")))
                    }
                    (true, None, Some(m)) => {
                        out.path = Some(PathMatch::Regex(format!("/{SERVICE}/{m}")))
                    }
                    (true, Some(s), None) => {
                        out.path = Some(PathMatch::Regex(format!("/{s}/{METHOD}")))
                    }
                    (_, None, None) => {}
                }
            }
            out
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Hostnames

/// Envoy's domain match: `*` anything, `*.x` / `*x` any host with that
/// suffix and at least one more character, else equal (case-insensitive).
pub fn domain_matches(domain: &str, host: &str) -> bool {
    if domain == "*" {
        return true;
    }
    match domain.strip_prefix('*') {
        Some(suffix) => host.len() > suffix.len() && host.ends_with(&suffix.to_ascii_lowercase()),
        None => domain.eq_ignore_ascii_case(host),
    }
}

/// How specific a matching domain is, for Envoy's pick among several
/// (`RouteMatcher::findVirtualHost`: exact, then the longest wildcard
/// suffix, then `*`).
pub fn domain_specificity(domain: &str) -> (u8, usize) {
    if domain == "*" {
        (0, 0)
    } else if domain.starts_with('*') {
        (1, domain.len())
    } else {
        (2, domain.len())
    }
}

/// `wildcardHostnameMatchesHostname` (`internal/gatewayapi/helpers.go`).
fn wildcard_covers(wildcard: &str, hostname: &str) -> bool {
    let suffix = wildcard.trim_start_matches('*');
    if !hostname.starts_with('*') {
        return hostname.ends_with(suffix) && hostname.len() > suffix.len();
    }
    let h = hostname.trim_start_matches('*');
    h.ends_with(suffix) && {
        let rest = &h[..h.len() - suffix.len()];
        !rest.is_empty() && rest.starts_with('.')
    }
}

/// `computeHosts`: the virtual host domains a route gets behind a listener
/// (sorted, as Envoy Gateway's `sets.List` returns them), without the
/// hostnames other listeners of the Gateway on the same port declare.
pub fn compute_hosts(
    route_hostnames: &[String],
    listener: Option<&str>,
    others_on_port: &[&str],
) -> Vec<String> {
    let l = listener.unwrap_or("");
    if route_hostnames.is_empty() {
        return vec![if l.is_empty() { "*" } else { l }.to_string()];
    }
    let mut set = std::collections::BTreeSet::new();
    for r in route_hostnames {
        let r = r.as_str();
        if l.is_empty() || l == r {
            set.insert(r.to_string());
        } else if l.starts_with('*') && r.starts_with('*') {
            if wildcard_covers(r, l) {
                set.insert(l.to_string());
            }
            if wildcard_covers(l, r) {
                set.insert(r.to_string());
            }
        } else if l.starts_with('*') {
            if wildcard_covers(l, r) {
                set.insert(r.to_string());
            }
        } else if r.starts_with('*') && wildcard_covers(r, l) {
            set.insert(l.to_string());
        }
    }
    for o in others_on_port {
        set.remove(*o);
    }
    set.into_iter().collect()
}

/// SNI filter chain match: the most specific listener hostname (exact, then
/// the longest `*.` suffix), else a listener without one.
fn sni_specificity(listener_host: Option<&str>, sni: &str) -> Option<(u8, usize)> {
    match listener_host {
        None => Some((0, 0)),
        Some(h) if h.starts_with('*') => domain_matches(h, sni).then_some((1, h.len())),
        Some(h) => h.eq_ignore_ascii_case(sni).then_some((2, h.len())),
    }
}

// ---------------------------------------------------------------------------
// The trace

/// Where a trace stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Gateway,
    Listener,
    Hostname,
    Route,
    Backend,
    Matched,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Gateway => "gateway",
            Step::Listener => "listener",
            Step::Hostname => "hostname",
            Step::Route => "route",
            Step::Backend => "backend",
            Step::Matched => "matched",
        }
    }
}

/// A (route, rule, match) behind a listener, for one virtual host.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Index into `Model::routes`.
    pub route: usize,
    pub rule: usize,
    pub match_index: usize,
    pub m: Match,
    /// The virtual host domain.
    pub hostname: String,
    /// (gateway index, listener index in that Gateway).
    pub listener: (usize, usize),
    /// The route's status for this parent says Envoy Gateway rejected it:
    /// `Accepted=False` with this reason.
    pub rejected: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Backend {
    pub group: String,
    pub kind: String,
    pub namespace: String,
    pub name: String,
    pub port: Option<i64>,
    pub weight: i64,
    /// Why Envoy Gateway cannot send traffic there (`RefNotPermitted`,
    /// `BackendNotFound`), when the source shows it.
    pub invalid: Option<String>,
    /// Ready endpoints as the model counted them (`Model::backends`, the
    /// same fact EG510 and the route Detail read).
    pub endpoints: Option<crate::model::backends::EndpointsState>,
}

impl Backend {
    fn of(r: &crate::model::backends::BackendRef) -> Backend {
        Backend {
            group: r.group.clone(),
            kind: r.kind.clone(),
            namespace: r.namespace.clone(),
            name: r.name.clone(),
            port: r.port,
            weight: r.weight,
            invalid: r.invalid.clone(),
            endpoints: Some(r.endpoints.clone()),
        }
    }
}

/// The matched route rule and what it implies.
#[derive(Debug, Clone)]
pub struct Hit {
    pub entry: Entry,
    /// Matching entries of lower precedence, best first, with why they lose.
    pub shadowed: Vec<(Entry, String)>,
    pub filters: Vec<String>,
    pub backends: Vec<Backend>,
    /// The route's `ResolvedRefs=False` condition for this parent.
    pub unresolved: Option<String>,
    /// (policy kind, index into `Model::policies`, what it targets).
    pub policies: Vec<(Kind, usize, String)>,
    /// The upstream cluster's stat name, `httproute/NS/NAME/rule/N`.
    pub cluster: String,
}

/// One Envoy fleet's answer to the request.
#[derive(Debug, Clone)]
pub struct FleetTrace {
    /// The fleet key (`ns/name` of the Gateway, or the merging class).
    pub fleet: String,
    /// Indices into `Model::gateways`.
    pub gateways: Vec<usize>,
    /// (gateway, listener) that accepted the request.
    pub listener: Option<(usize, usize)>,
    /// How the listener was chosen.
    pub listener_why: Option<String>,
    /// The virtual host domain Envoy picks.
    pub hostname: Option<String>,
    pub hit: Option<Hit>,
    /// The entries of the chosen virtual host that do not match, with why.
    pub misses: Vec<(Entry, String)>,
    /// How far the request got.
    pub step: Step,
    /// Why it stopped there (empty when matched).
    pub reason: String,
}

impl FleetTrace {
    pub fn matched(&self) -> bool {
        self.step == Step::Matched
    }
}

#[derive(Debug, Clone)]
pub struct Trace {
    pub request: Request,
    /// Fleets examined, the furthest-reaching first.
    pub fleets: Vec<FleetTrace>,
}

impl Trace {
    /// The fleet that answers: the first that matched, else the one that
    /// got furthest.
    pub fn best(&self) -> Option<&FleetTrace> {
        self.fleets.first()
    }

    pub fn matched(&self) -> bool {
        self.best().is_some_and(FleetTrace::matched)
    }
}

fn label(o: &Object) -> String {
    match &o.namespace {
        Some(ns) => format!("{ns}/{}", o.name),
        None => o.name.clone(),
    }
}

/// The translator's route order: HTTPRoutes, then GRPCRoutes, each oldest
/// first, then namespace/name (`Resources.Sort`, `resource/resource.go`;
/// `Translate` processes HTTPRoutes before GRPCRoutes).
fn route_order(m: &Model, r: usize) -> (u8, (&str, &str, &str)) {
    let o = &m.routes[r].obj;
    (
        if o.kind == Kind::HttpRoute { 0 } else { 1 },
        policy::age_key(o),
    )
}

/// The route's status entry for one parent (a Gateway, or the ListenerSet
/// it names), and its condition of `type`.
fn parent_condition(
    route: &Object,
    parent_kind: &str,
    parent_ns: &str,
    parent_name: &str,
    section: Option<&str>,
    type_: &str,
) -> Option<(String, String, String)> {
    let status = route.status()?;
    array_at(status, &["parents"])
        .iter()
        .filter(|p| {
            let r = at(p, &["parentRef"]).unwrap_or(&Value::Null);
            str_at(r, &["kind"]).unwrap_or("Gateway") == parent_kind
                && str_at(r, &["name"]) == Some(parent_name)
                && str_at(r, &["namespace"]).unwrap_or(route.namespace_or_empty()) == parent_ns
                && (str_at(r, &["sectionName"]).is_none() || str_at(r, &["sectionName"]) == section)
        })
        .find_map(|p| {
            condition(array_at(p, &["conditions"]), type_).map(|c| {
                (
                    c.status.to_string(),
                    c.reason.to_string(),
                    c.message.to_string(),
                )
            })
        })
}

/// Whether Envoy Gateway programs the listener.
fn programmed(l: &Listener) -> Result<(), String> {
    if let Some(c) = &l.conflict {
        return Err(format!("{} (not programmed)", c.reason.as_str()));
    }
    if l.invalid_in_status {
        return Err("not accepted (Accepted or ResolvedRefs False)".to_string());
    }
    Ok(())
}

fn listener_label(m: &Model, (g, li): (usize, usize)) -> String {
    let l = &m.gateways[g].listeners[li];
    let host = l.hostname.as_deref().unwrap_or("*");
    let from = match l.listener_set {
        Some(_) => format!(
            " of {} {}",
            l.declared_by.kind.name(),
            label(&l.declared_by)
        ),
        None => format!(" of {}", label(&m.gateways[g].obj)),
    };
    format!("{} ({} {host}){from}", l.name, l.protocol)
}

/// Traces `req` through every Envoy fleet of the model, or only the one
/// serving `gateway` (`NS/NAME`). `Err` when that Gateway is not in the
/// source (a usage error).
pub fn trace(m: &Model, req: &Request, gateway: Option<(&str, &str)>) -> Result<Trace, String> {
    let mut groups: Vec<(String, Vec<usize>)> = m
        .fleets
        .iter()
        .map(|f| (f.key.clone(), f.gateways.clone()))
        .collect();
    for (g, gw) in m.gateways.iter().enumerate() {
        if !groups.iter().any(|(_, gs)| gs.contains(&g)) {
            groups.push((label(&gw.obj), vec![g]));
        }
    }
    if let Some((ns, name)) = gateway {
        let g = m
            .gateways
            .iter()
            .position(|gw| gw.obj.namespace_or_empty() == ns && gw.obj.name == name)
            .ok_or_else(|| {
                let known: Vec<String> = m.gateways.iter().map(|g| label(&g.obj)).collect();
                format!(
                    "--gateway {ns}/{name}: no such Gateway in the source (Gateways: {})",
                    if known.is_empty() {
                        "none".to_string()
                    } else {
                        known.join(", ")
                    }
                )
            })?;
        groups.retain(|(_, gs)| gs.contains(&g));
    }
    let mut fleets: Vec<FleetTrace> = groups
        .into_iter()
        .map(|(key, gs)| trace_fleet(m, req, key, gs))
        .collect();
    // Stable: among equals, the fleets' own order.
    fleets.sort_by_key(|f| std::cmp::Reverse(f.step));
    Ok(Trace {
        request: req.clone(),
        fleets,
    })
}

fn trace_fleet(m: &Model, req: &Request, fleet: String, gateways: Vec<usize>) -> FleetTrace {
    let mut t = FleetTrace {
        fleet,
        gateways: gateways.clone(),
        listener: None,
        listener_why: None,
        hostname: None,
        hit: None,
        misses: Vec::new(),
        step: Step::Gateway,
        reason: String::new(),
    };
    let accepted: Vec<usize> = gateways
        .iter()
        .copied()
        .filter(|&g| policy::gateway_accepted(&m.gateways[g], &m.classes) || m.classes_unreadable)
        .collect();
    if accepted.is_empty() {
        let names: Vec<String> = gateways
            .iter()
            .map(|&g| label(&m.gateways[g].obj))
            .collect();
        t.reason = format!(
            "Gateway {} is not programmed by Envoy Gateway (class not served by an Envoy Gateway controller, \
             a missing EnvoyProxy, or its own parametersRef under a merging class)",
            names.join(", ")
        );
        return t;
    }
    t.step = Step::Listener;
    // Every listener of the fleet on the request's port.
    let on_port: Vec<(usize, usize)> = accepted
        .iter()
        .flat_map(|&g| {
            m.gateways[g]
                .listeners
                .iter()
                .enumerate()
                .filter(|(_, l)| l.port == i64::from(req.port))
                .map(move |(li, _)| (g, li))
        })
        .collect();
    if on_port.is_empty() {
        let mut ports: Vec<String> = accepted
            .iter()
            .flat_map(|&g| m.gateways[g].listeners.iter())
            .map(|l| format!(":{} {} ({})", l.port, l.name, label(&l.declared_by)))
            .collect();
        ports.dedup();
        t.reason = format!(
            "no listener on :{} (listeners: {})",
            req.port,
            if ports.is_empty() {
                "none".to_string()
            } else {
                ports.join(", ")
            }
        );
        return t;
    }
    let want = match req.scheme {
        Scheme::Http => "HTTP",
        Scheme::Https => "HTTPS",
    };
    let mut down = Vec::new();
    let live: Vec<(usize, usize)> = on_port
        .iter()
        .copied()
        .filter(|&(g, li)| {
            let l = &m.gateways[g].listeners[li];
            if l.protocol != want {
                down.push(format!(
                    "{} is {}, the request is {}",
                    listener_label(m, (g, li)),
                    l.protocol,
                    req.scheme.as_str()
                ));
                return false;
            }
            match programmed(l) {
                Ok(()) => true,
                Err(why) => {
                    down.push(format!("{}: {why}", listener_label(m, (g, li))));
                    false
                }
            }
        })
        .collect();
    if live.is_empty() {
        t.reason = format!(
            "no {want} listener on :{} accepts it: {}",
            req.port,
            down.join("; ")
        );
        return t;
    }
    // The listeners whose routes share the route configuration Envoy reads:
    // plain HTTP listeners of a port share one (virtual hosts decide), an
    // HTTPS listener is its own filter chain chosen by SNI.
    let chain: Vec<(usize, usize)> = match req.scheme {
        Scheme::Http => live.clone(),
        Scheme::Https => {
            let sni = req.sni.as_deref().unwrap_or("");
            let best = live
                .iter()
                .filter_map(|&p| {
                    let l = &m.gateways[p.0].listeners[p.1];
                    sni_specificity(l.hostname.as_deref(), sni).map(|s| (s, p))
                })
                .max_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
            match best {
                None => {
                    let ls: Vec<String> = live.iter().map(|&p| listener_label(m, p)).collect();
                    t.reason = format!(
                        "no listener on :{} accepts SNI {sni} (listeners: {})",
                        req.port,
                        ls.join(", ")
                    );
                    return t;
                }
                Some((_, p)) => {
                    let l = &m.gateways[p.0].listeners[p.1];
                    t.listener = Some(p);
                    t.listener_why = Some(match l.hostname.as_deref() {
                        None => format!("SNI {sni}: the listener has no hostname"),
                        Some(h) if h.starts_with('*') => format!("SNI {sni} matches wildcard {h}"),
                        Some(h) => format!("SNI {sni} matches hostname {h}"),
                    });
                    vec![p]
                }
            }
        }
    };
    t.step = Step::Hostname;
    // Every (route, rule, match) × virtual host behind those listeners.
    let mut entries: Vec<(Entry, usize)> = Vec::new();
    let mut order: Vec<usize> = (0..m.routes.len())
        .filter(|&r| m.routes[r].is_http())
        .collect();
    order.sort_by(|&a, &b| route_order(m, a).cmp(&route_order(m, b)));
    for &(g, li) in &chain {
        let gw = &m.gateways[g];
        let l = &gw.listeners[li];
        let others: Vec<&str> = gw
            .listeners
            .iter()
            .enumerate()
            .filter(|&(i, o)| i != li && o.port == l.port)
            // A listener in conflict is not programmed, so it claims no
            // hostname (Envoy Gateway's computeHosts skips listeners that
            // are not ready): a ListenerSet listener that lost its hostname
            // to the Gateway's own must not take it from that listener.
            .filter(|(_, o)| o.conflict.is_none())
            .filter_map(|(_, o)| o.hostname.as_deref())
            .collect();
        for (pos, &r) in order.iter().enumerate() {
            let route = &m.routes[r];
            if !route.obj.kind.name().ends_with("Route")
                || !l.admits_route_kind(route.obj.kind.name())
            {
                continue;
            }
            for p in &route.parents {
                if p.gateway != Some(g) || !p.listener_indices.contains(&li) {
                    continue;
                }
                let (pk, pns, pname) = match p.listener_set {
                    Some(ls) => {
                        let o = &m.listener_sets[ls].obj;
                        (o.kind.name(), o.namespace_or_empty(), o.name.as_str())
                    }
                    None => ("Gateway", p.namespace.as_str(), p.name.as_str()),
                };
                let rejected =
                    parent_condition(&route.obj, pk, pns, pname, Some(&l.name), "Accepted")
                        .filter(|(s, _, _)| s == "False")
                        .map(|(_, reason, msg)| {
                            if msg.is_empty() {
                                reason
                            } else {
                                format!("{reason}: {msg}")
                            }
                        });
                let hostnames: Vec<String> = array_at(route.obj.spec(), &["hostnames"])
                    .iter()
                    .filter_map(|h| h.as_str().map(str::to_ascii_lowercase))
                    .collect();
                let hosts = compute_hosts(&hostnames, l.hostname.as_deref(), &others);
                let rules = array_at(route.obj.spec(), &["rules"]);
                for host in hosts {
                    for (ri, rule) in rules.iter().enumerate() {
                        let ms = if route.obj.kind == Kind::GrpcRoute {
                            grpc_rule_matches(rule)
                        } else {
                            http_rule_matches(rule)
                        };
                        for (mi, mm) in ms.into_iter().enumerate() {
                            entries.push((
                                Entry {
                                    route: r,
                                    rule: ri,
                                    match_index: mi,
                                    m: mm,
                                    hostname: host.clone(),
                                    listener: (g, li),
                                    rejected: rejected.clone(),
                                },
                                pos,
                            ));
                        }
                    }
                }
                // One parentRef is enough: a second one to the same
                // listener adds the same routes again.
                break;
            }
        }
    }
    // Envoy picks the virtual host first, among all of the route
    // configuration's domains, and never falls back to another.
    let vhost = entries
        .iter()
        .filter(|(e, _)| e.rejected.is_none() && domain_matches(&e.hostname, &req.host))
        .map(|(e, _)| {
            (
                domain_specificity(&e.hostname),
                e.hostname.clone(),
                e.listener,
            )
        })
        .max_by(|a, b| a.0.cmp(&b.0));
    let Some((_, host, vlistener)) = vhost else {
        let rejected: Vec<String> = entries
            .iter()
            .filter(|(e, _)| e.rejected.is_some() && domain_matches(&e.hostname, &req.host))
            .map(|(e, _)| {
                format!(
                    "{} {} is rejected: {}",
                    m.routes[e.route].obj.kind.name(),
                    label(&m.routes[e.route].obj),
                    e.rejected.as_deref().unwrap_or("")
                )
            })
            .collect();
        let hosts_on_chain: Vec<String> = chain.iter().map(|&p| listener_label(m, p)).collect();
        let listener_accepts: Vec<String> = chain
            .iter()
            .filter(|&&(g, li)| {
                m.gateways[g].listeners[li]
                    .hostname
                    .as_deref()
                    .is_none_or(|h| domain_matches(h, &req.host))
            })
            .map(|&p| m.gateways[p.0].listeners[p.1].name.clone())
            .collect();
        t.reason = if !rejected.is_empty() {
            t.step = Step::Route;
            format!("route rejected: {}", rejected.join("; "))
        } else if listener_accepts.is_empty() {
            t.step = Step::Listener;
            format!(
                "no listener on :{} accepts host {} (listeners: {})",
                req.port,
                req.host,
                hosts_on_chain.join(", ")
            )
        } else {
            let routes_seen: std::collections::BTreeSet<String> =
                entries.iter().map(|(e, _)| e.hostname.clone()).collect();
            format!(
                "host {} matches listener {} but no route attached to it has that hostname{}",
                req.host,
                listener_accepts.join(", "),
                if routes_seen.is_empty() {
                    " (no route attaches to it)".to_string()
                } else {
                    format!(
                        " (route hostnames: {})",
                        routes_seen.into_iter().collect::<Vec<_>>().join(", ")
                    )
                }
            )
        };
        return t;
    };
    t.listener.get_or_insert(vlistener);
    if t.listener_why.is_none() {
        let l = &m.gateways[vlistener.0].listeners[vlistener.1];
        t.listener_why = Some(match l.hostname.as_deref() {
            None => format!("port {}: the listener has no hostname", req.port),
            Some(h) => format!("host {} matches hostname {h}", req.host),
        });
    }
    t.hostname = Some(host.clone());
    t.step = Step::Route;
    let mut vhost_entries: Vec<&(Entry, usize)> =
        entries.iter().filter(|(e, _)| e.hostname == host).collect();
    // Stable, highest precedence first; ties keep the translator's order.
    vhost_entries.sort_by(|a, b| {
        b.0.m
            .precedence()
            .cmp(&a.0.m.precedence())
            .then(a.1.cmp(&b.1))
    });
    let mut winner: Option<Entry> = None;
    let mut shadowed = Vec::new();
    let mut rejected_matches = Vec::new();
    for (e, _) in &vhost_entries {
        match e.m.mismatch(req) {
            Some(why) => t.misses.push((e.clone(), why)),
            None if e.rejected.is_some() => rejected_matches.push(e.clone()),
            None => match &winner {
                None => winner = Some(e.clone()),
                Some(w) => shadowed.push((e.clone(), why_loses(m, w, e))),
            },
        }
    }
    let Some(w) = winner else {
        let l = &m.gateways[vlistener.0].listeners[vlistener.1];
        t.reason = match rejected_matches.first() {
            Some(e) => format!(
                "route rejected: {} {} would match but Envoy Gateway rejected it ({})",
                m.routes[e.route].obj.kind.name(),
                label(&m.routes[e.route].obj),
                e.rejected.as_deref().unwrap_or("")
            ),
            None => format!(
                "hostname matches listener {} but no route of that listener matches {} {}",
                l.name, req.method, req.path
            ),
        };
        return t;
    };
    let route = &m.routes[w.route];
    let rule = array_at(route.obj.spec(), &["rules"])
        .get(w.rule)
        .unwrap_or(&Value::Null);
    let (g, li) = w.listener;
    let l = &m.gateways[g].listeners[li];
    let p = route
        .parents
        .iter()
        .find(|p| p.gateway == Some(g) && p.listener_indices.contains(&li));
    let unresolved = p.and_then(|p| {
        let (pk, pns, pname) = match p.listener_set {
            Some(ls) => {
                let o = &m.listener_sets[ls].obj;
                (o.kind.name(), o.namespace_or_empty(), o.name.as_str())
            }
            None => ("Gateway", p.namespace.as_str(), p.name.as_str()),
        };
        parent_condition(&route.obj, pk, pns, pname, Some(&l.name), "ResolvedRefs")
            .filter(|(s, _, _)| s == "False")
            .map(|(_, reason, msg)| {
                if msg.is_empty() {
                    reason
                } else {
                    format!("{reason}: {msg}")
                }
            })
    });
    // The route's status, where the source has one, is what Envoy Gateway
    // decided; egscope's own checks stand in only for a manifest without.
    let has_status = route
        .obj
        .status()
        .is_some_and(|st| !array_at(st, &["parents"]).is_empty());
    // The model's backend fact (`Model::backends`): the same refs,
    // weights, endpoints and "why unusable" as EG510 and the Detail pane.
    let mut backends: Vec<Backend> = m
        .backends
        .get(w.route)
        .and_then(|b| b.rules.get(w.rule))
        .map(|refs| refs.iter().map(Backend::of).collect())
        .unwrap_or_default();
    if has_status {
        let this_rule = format!("rule {}", w.rule);
        let applies = unresolved
            .as_deref()
            .is_some_and(|u| u.contains(&this_rule) || !u.contains("rule "));
        for b in &mut backends {
            b.invalid = if applies { unresolved.clone() } else { None };
        }
    }
    let hit = Hit {
        policies: policies_for(m, w.route, w.rule, g, l),
        filters: filters(rule),
        cluster: format!(
            "{}/{}/{}/rule/{}",
            route.obj.kind.name().to_ascii_lowercase(),
            route.obj.namespace_or_empty(),
            route.obj.name,
            w.rule
        ),
        backends,
        unresolved,
        shadowed,
        entry: w,
    };
    let has_refs = !array_at(rule, &["backendRefs"]).is_empty();
    let all_invalid = has_refs && hit.backends.iter().all(|b| b.invalid.is_some());
    if all_invalid {
        t.step = Step::Backend;
        let why: Vec<String> = hit
            .backends
            .iter()
            .filter_map(|b| b.invalid.clone())
            .collect();
        t.reason = format!(
            "route rejected: {} (Envoy answers 500)",
            hit.unresolved.clone().unwrap_or_else(|| why.join("; "))
        );
    } else {
        t.step = Step::Matched;
    }
    t.hit = Some(hit);
    t
}

/// Why `loser` (which also matches) comes after `winner`.
fn why_loses(m: &Model, winner: &Entry, loser: &Entry) -> String {
    let (a, b) = (winner.m.precedence(), loser.m.precedence());
    const WHAT: [&str; 6] = [
        "path match type (Exact > RegularExpression > PathPrefix)",
        "longer path",
        "more header matches",
        "more exact header matches",
        "more query parameter matches",
        "more exact query parameter matches",
    ];
    if let Some(i) = (0..6).find(|&i| a[i] != b[i]) {
        return format!("{} ({} > {})", WHAT[i], a[i], b[i]);
    }
    let (ra, rb) = (&m.routes[winner.route].obj, &m.routes[loser.route].obj);
    if winner.route == loser.route {
        return "same precedence: earlier rule or match of the route".to_string();
    }
    if ra.kind != rb.kind {
        return "same precedence: HTTPRoutes come before GRPCRoutes".to_string();
    }
    if ra.creation_timestamp != rb.creation_timestamp {
        return "same precedence: older route (creationTimestamp)".to_string();
    }
    "same precedence and age: namespace/name order".to_string()
}

/// The rule's filters, one line each.
fn filters(rule: &Value) -> Vec<String> {
    array_at(rule, &["filters"])
        .iter()
        .map(|f| {
            let t = str_at(f, &["type"]).unwrap_or("?");
            let detail = match t {
                "RequestRedirect" => {
                    let r = at(f, &["requestRedirect"]).unwrap_or(&Value::Null);
                    let mut d = Vec::new();
                    for k in ["scheme", "hostname", "port", "statusCode"] {
                        if let Some(v) = scalar(r, k) {
                            d.push(format!("{k} {v}"));
                        }
                    }
                    d.join(", ")
                }
                "URLRewrite" => {
                    let r = at(f, &["urlRewrite"]).unwrap_or(&Value::Null);
                    let mut d = Vec::new();
                    if let Some(h) = str_at(r, &["hostname"]) {
                        d.push(format!("hostname {h}"));
                    }
                    if let Some(p) = at(r, &["path"]) {
                        let v = str_at(p, &["replaceFullPath"])
                            .or_else(|| str_at(p, &["replacePrefixMatch"]))
                            .unwrap_or("");
                        d.push(format!("path {} {v}", str_at(p, &["type"]).unwrap_or("")));
                    }
                    d.join(", ")
                }
                "RequestMirror" => str_at(f, &["requestMirror", "backendRef", "name"])
                    .map(|n| format!("to {n}"))
                    .unwrap_or_default(),
                "ExtensionRef" => format!(
                    "{} {}",
                    str_at(f, &["extensionRef", "kind"]).unwrap_or(""),
                    str_at(f, &["extensionRef", "name"]).unwrap_or("")
                ),
                "RequestHeaderModifier" | "ResponseHeaderModifier" => {
                    let key = if t == "RequestHeaderModifier" {
                        "requestHeaderModifier"
                    } else {
                        "responseHeaderModifier"
                    };
                    ["set", "add", "remove"]
                        .iter()
                        .filter_map(|op| {
                            let n = array_at(f, &[key, op]).len();
                            (n > 0).then(|| format!("{op} {n}"))
                        })
                        .collect::<Vec<_>>()
                        .join(", ")
                }
                _ => String::new(),
            };
            if detail.is_empty() {
                t.to_string()
            } else {
                format!("{t} ({detail})")
            }
        })
        .collect()
}

/// The policies in force for a route rule behind a listener: the
/// listener's ClientTrafficPolicy and the route's BackendTrafficPolicy,
/// SecurityPolicy and EnvoyExtensionPolicy chains (the model's resolver,
/// `policy::effective_*`), most specific first.
fn policies_for(
    m: &Model,
    route: usize,
    rule: usize,
    g: usize,
    l: &Listener,
) -> Vec<(Kind, usize, String)> {
    let mut out = Vec::new();
    let target = |p: usize| -> String {
        let pol = &m.policies[p];
        pol.targets
            .iter()
            .find(|t| match t.obj {
                policy::TargetObj::Route(r) => r == route,
                policy::TargetObj::Gateway(gi) => gi == g,
                policy::TargetObj::ListenerSet(ls) => l.listener_set == Some(ls),
            })
            .map(|t| {
                let what = match t.obj {
                    policy::TargetObj::Route(_) => "route",
                    policy::TargetObj::Gateway(_) => "gateway",
                    policy::TargetObj::ListenerSet(_) => "listenerset",
                };
                match &t.section {
                    Some(s) => format!("{what} section {s}"),
                    None => what.to_string(),
                }
            })
            .unwrap_or_default()
    };
    // The listener's index in its Gateway's merged set (ListenerSets' listeners
    // included), which is how the resolver keys a listener's ClientTrafficPolicy.
    let li = m.gateways[g]
        .listeners
        .iter()
        .position(|x| std::ptr::eq(x, l));
    if let Some(li) = li
        && let Some(p) = policy::effective_ctp(&m.attachments, g, li)
    {
        out.push((Kind::ClientTrafficPolicy, p, target(p)));
    }
    // The route's chains behind this listener, as the model resolved them
    // (`Model::effective`): the entry of this rule when a policy targets the
    // rule by sectionName, else the route-wide one.
    let rule_name = m.routes[route]
        .rule_names
        .get(rule)
        .and_then(|n| n.as_deref());
    if let Some(li) = li {
        let here: Vec<_> = m
            .effective
            .of_route(route)
            .filter(|e| e.gateway == g && e.listener == li)
            .collect();
        let entry = here
            .iter()
            .find(|e| e.rule.is_some() && e.rule.as_deref() == rule_name)
            .or_else(|| here.iter().find(|e| e.rule.is_none()));
        if let Some(e) = entry {
            for set in &e.sets {
                out.extend(set.policies.iter().map(|&p| (set.kind, p, target(p))));
            }
        }
    }
    out
}

/// Kinds whose loss makes a trace incomplete: a route, listener or policy
/// egscope could not read may be the one Envoy picks.
pub const TRACE_KINDS: [Kind; 13] = [
    Kind::GatewayClass,
    Kind::Gateway,
    Kind::ListenerSet,
    Kind::XListenerSet,
    Kind::HttpRoute,
    Kind::GrpcRoute,
    Kind::ReferenceGrant,
    Kind::Service,
    Kind::Backend,
    Kind::ClientTrafficPolicy,
    Kind::BackendTrafficPolicy,
    Kind::SecurityPolicy,
    Kind::EnvoyExtensionPolicy,
];

/// What the source could not read that a trace depends on.
pub fn unread(store: &Store) -> Vec<String> {
    TRACE_KINDS
        .iter()
        .filter_map(|&k| {
            let st = store.state(k);
            st.unreadable().then(|| st.describe(k))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GW: &str = r#"
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: edge, namespace: apps}
spec:
  gatewayClassName: eg
  listeners:
  - {name: http, port: 80, protocol: HTTP, hostname: "*.example.com", allowedRoutes: {namespaces: {from: All}}}
  - {name: exact, port: 80, protocol: HTTP, hostname: "api.example.com", allowedRoutes: {namespaces: {from: All}}}
  - name: https
    port: 443
    protocol: HTTPS
    hostname: "*.example.com"
    tls: {certificateRefs: [{name: c}]}
    allowedRoutes: {namespaces: {from: All}}
"#;

    fn route(name: &str, created: &str, section: &str, hosts: &str, rules: &str) -> String {
        format!(
            "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {{name: {name}, namespace: apps, creationTimestamp: \"{created}\"}}\nspec:\n  parentRefs: [{{name: edge, sectionName: {section}}}]\n  hostnames: {hosts}\n  rules:\n{rules}"
        )
    }

    fn run(routes: &[String], url: &str, method: &str, headers: &[&str]) -> Trace {
        let text = format!("{GW}{}", routes.concat());
        let store = crate::source::snapshot::load_text("t.yaml", &text).expect("loads");
        let m = Model::build(&store);
        let hs: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        let req = Request::parse(url, Some(method), &hs).expect("request");
        trace(&m, &req, None).expect("trace")
    }

    fn winner(t: &Trace) -> Option<(String, usize)> {
        let h = t.best()?.hit.as_ref()?;
        Some((h.cluster.clone(), h.entry.rule))
    }

    const T1: &str = "2026-01-01T00:00:00Z";
    const T2: &str = "2026-01-02T00:00:00Z";

    #[test]
    fn exact_path_beats_a_longer_prefix_and_prefix_respects_segments() {
        let r = [
            route(
                "pre",
                T1,
                "http",
                "[a.example.com]",
                "  - matches: [{path: {type: PathPrefix, value: /shop/cart/items}}]\n  - matches: [{path: {type: PathPrefix, value: /shop}}]\n",
            ),
            route(
                "ex",
                T2,
                "http",
                "[a.example.com]",
                "  - matches: [{path: {type: Exact, value: /shop/cart/items}}]\n",
            ),
        ];
        let t = run(&r, "http://a.example.com/shop/cart/items", "GET", &[]);
        assert_eq!(winner(&t).unwrap().0, "httproute/apps/ex/rule/0");
        let t = run(&r, "http://a.example.com/shop/cart/items/1", "GET", &[]);
        assert_eq!(winner(&t).unwrap().0, "httproute/apps/pre/rule/0");
        let t = run(&r, "http://a.example.com/shopping", "GET", &[]);
        assert!(!t.matched(), "/shop must not match /shopping");
        assert_eq!(t.best().unwrap().step, Step::Route);
        assert!(
            t.best()
                .unwrap()
                .reason
                .contains("no route of that listener matches GET /shopping")
        );
    }

    #[test]
    fn headers_and_method_count_then_age_breaks_ties() {
        let r = [
            route(
                "plain",
                T1,
                "http",
                "[a.example.com]",
                "  - matches: [{path: {type: PathPrefix, value: /api}}]\n",
            ),
            route(
                "hdr",
                T2,
                "http",
                "[a.example.com]",
                "  - matches: [{path: {type: PathPrefix, value: /api}, headers: [{name: x-tenant, value: blue}]}]\n",
            ),
            route(
                "meth",
                T2,
                "http",
                "[a.example.com]",
                "  - matches: [{path: {type: PathPrefix, value: /api}, method: POST, headers: [{name: x-tenant, value: blue}]}]\n",
            ),
            route(
                "twin",
                T2,
                "http",
                "[a.example.com]",
                "  - matches: [{path: {type: PathPrefix, value: /api}}]\n",
            ),
        ];
        let t = run(&r, "http://a.example.com/api/x", "GET", &[]);
        // `plain` and `twin` are equal; the older one wins.
        assert_eq!(winner(&t).unwrap().0, "httproute/apps/plain/rule/0");
        let shadow = &t.best().unwrap().hit.as_ref().unwrap().shadowed;
        assert!(
            shadow.iter().any(|(_, why)| why.contains("older route")),
            "{shadow:?}"
        );
        let t = run(&r, "http://a.example.com/api/x", "GET", &["X-Tenant: blue"]);
        assert_eq!(winner(&t).unwrap().0, "httproute/apps/hdr/rule/0");
        let t = run(
            &r,
            "http://a.example.com/api/x",
            "POST",
            &["x-tenant: blue"],
        );
        assert_eq!(winner(&t).unwrap().0, "httproute/apps/meth/rule/0");
    }

    #[test]
    fn query_matches_count_and_regex_ranks_between_exact_and_prefix() {
        let r = [
            route(
                "q",
                T1,
                "http",
                "[a.example.com]",
                "  - matches: [{path: {type: PathPrefix, value: /}, queryParams: [{name: id, value: 1234}]}]\n",
            ),
            route(
                "re",
                T2,
                "http",
                "[a.example.com]",
                "  - matches: [{path: {type: RegularExpression, value: \"/r/[0-9]+\"}}]\n",
            ),
            route(
                "p",
                T2,
                "http",
                "[a.example.com]",
                "  - matches: [{path: {type: PathPrefix, value: /r/12345678}}]\n",
            ),
        ];
        let t = run(&r, "http://a.example.com/x?id=1234", "GET", &[]);
        assert_eq!(winner(&t).unwrap().0, "httproute/apps/q/rule/0");
        let t = run(&r, "http://a.example.com/x?id=9", "GET", &[]);
        assert!(!t.matched());
        let t = run(&r, "http://a.example.com/r/12345678", "GET", &[]);
        assert_eq!(winner(&t).unwrap().0, "httproute/apps/re/rule/0");
    }

    #[test]
    fn exact_hostname_beats_wildcard_listener_and_no_listener_on_port() {
        let r = [
            route(
                "wild",
                T1,
                "http",
                "[]",
                "  - matches: [{path: {type: PathPrefix, value: /}}]\n",
            ),
            route(
                "api",
                T2,
                "exact",
                "[]",
                "  - matches: [{path: {type: PathPrefix, value: /}}]\n",
            ),
        ];
        let t = run(&r, "http://api.example.com/", "GET", &[]);
        assert_eq!(winner(&t).unwrap().0, "httproute/apps/api/rule/0");
        assert_eq!(
            t.best().unwrap().hostname.as_deref(),
            Some("api.example.com")
        );
        let t = run(&r, "http://www.example.com/", "GET", &[]);
        assert_eq!(winner(&t).unwrap().0, "httproute/apps/wild/rule/0");
        let t = run(&r, "http://www.other.org/", "GET", &[]);
        assert_eq!(t.best().unwrap().step, Step::Listener);
        assert!(
            t.best()
                .unwrap()
                .reason
                .contains("accepts host www.other.org"),
            "{}",
            t.best().unwrap().reason
        );
        let t = run(&r, "http://api.example.com:8443/", "GET", &[]);
        assert!(t.best().unwrap().reason.starts_with("no listener on :8443"));
        let t = run(&r, "https://api.example.com/", "GET", &[]);
        // The HTTPS listener has no route attached.
        assert_eq!(t.best().unwrap().step, Step::Hostname);
        assert!(
            t.best().unwrap().reason.contains("no route attaches"),
            "{}",
            t.best().unwrap().reason
        );
    }

    #[test]
    fn compute_hosts_follows_envoy_gateway() {
        assert_eq!(compute_hosts(&[], Some("a.com"), &[]), vec!["a.com"]);
        assert_eq!(compute_hosts(&[], None, &[]), vec!["*"]);
        let r = vec![
            "*.com".to_string(),
            "x.example.com".to_string(),
            "b.org".to_string(),
        ];
        assert_eq!(
            compute_hosts(&r, Some("*.example.com"), &[]),
            vec!["*.example.com", "x.example.com"]
        );
        assert!(
            compute_hosts(&r, Some("*.example.com"), &["x.example.com"])
                .iter()
                .all(|h| h != "x.example.com")
        );
        assert!(domain_matches("*.example.com", "a.b.example.com"));
        assert!(!domain_matches("*.example.com", "example.com"));
    }

    #[test]
    fn bad_requests_are_explained() {
        for (url, m, h, want) in [
            ("ftp://a/", "GET", "", "scheme ftp"),
            ("/just/a/path", "GET", "", "no scheme"),
            ("http://a/", "G ET", "", "not an HTTP method"),
            ("http://a/", "GET", "novalue", "not `name: value`"),
            ("http://a:0/", "GET", "", "port 0"),
        ] {
            let hs: Vec<String> = if h.is_empty() {
                vec![]
            } else {
                vec![h.to_string()]
            };
            let e = Request::parse(url, Some(m), &hs).unwrap_err();
            assert!(e.contains(want), "{url}: {e}");
        }
        let r = Request::parse(
            "https://A.example.com:8443/p?q=a%20b",
            None,
            &["Host: b.example.com:1".into()],
        )
        .unwrap();
        assert_eq!(
            (r.sni.as_deref(), r.host.as_str(), r.port),
            (Some("a.example.com"), "b.example.com", 8443)
        );
        assert_eq!(r.query, vec![("q".to_string(), "a b".to_string())]);
    }
}
