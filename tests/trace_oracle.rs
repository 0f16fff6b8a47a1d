//! Oracle for `egscope trace`: Envoy Gateway's translator test data
//! (`../shared/corpus/envoy-gateway-v1.9.0/internal/gatewayapi/testdata/*.out.yaml`)
//! lists in `xdsIR` every HTTP listener's routes in the order Envoy Gateway
//! programs them. For each route there, the test derives a request that
//! route's matches accept, works out which route Envoy would pick from
//! that order (the most specific virtual host, then the first route of it
//! that matches), and asserts egscope's trace picks the same rule.
//!
//! Skips with a message when the corpus is absent.

use std::path::Path;

use egscope::model::Model;
use egscope::model::trace::{Request, trace};
use egscope::source::snapshot;
use egscope::store::{Kind, Object, ObjectOrOther, Store};
use serde_json::{Value as J, json};

/// The translator's inputs imply a GatewayClass and a controller of the
/// release; the harness supplies both, as `tests/corpus_oracle.rs` does.
fn harness(store: Store) -> Store {
    let mut out = Store::new(store.source.clone());
    let mut n = 0;
    for obj in store.all() {
        let mut o = Object::clone(obj);
        // The translator's tests take routes in file order (no provider
        // sort): stamp them so that "oldest first" means file order.
        if o.creation_timestamp.is_none() && matches!(o.kind, Kind::HttpRoute | Kind::GrpcRoute) {
            o.creation_timestamp = Some(format!(
                "2020-01-01T{:02}:{:02}:{:02}Z",
                n / 3600,
                n / 60 % 60,
                n % 60
            ));
            n += 1;
        }
        out.insert(o);
    }
    for extra in [
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
               "metadata": {"name": "envoy-gateway-class"},
               "spec": {"controllerName": "gateway.envoyproxy.io/gatewayclass-controller"}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"name": "envoy-gateway", "namespace": "envoy-gateway-system",
                            "labels": {"control-plane": "envoy-gateway"}},
               "spec": {"template": {"spec": {"containers": [
                   {"name": "envoy-gateway", "image": "docker.io/envoyproxy/gateway:v1.9.0"}]}}}}),
    ] {
        if let Ok(ObjectOrOther::Object(o)) = Object::from_value(extra, None)
            && !out.of(o.kind).iter().any(|x| x.name == o.name)
        {
            out.insert(*o);
        }
    }
    out
}

fn s<'a>(v: &'a J, k: &str) -> Option<&'a str> {
    v.get(k).and_then(J::as_str)
}

fn full(re: &str, v: &str) -> bool {
    regex::Regex::new(&format!("^(?:{re})$")).is_ok_and(|r| r.is_match(v))
}

/// Envoy's reading of one IR string match.
fn ir_str(m: &J, v: Option<&str>) -> bool {
    let Some(v) = v else { return false };
    if let Some(e) = s(m, "exact") {
        return e == v;
    }
    if let Some(r) = s(m, "safeRegex") {
        return full(r, v);
    }
    if let Some(x) = s(m, "suffix") {
        return v.ends_with(x);
    }
    if let Some(x) = s(m, "prefix") {
        return v.starts_with(x);
    }
    false
}

struct Req {
    host: String,
    path: String,
    method: String,
    headers: Vec<(String, String)>,
    query: Vec<(String, String)>,
}

fn ir_matches(route: &J, r: &Req) -> bool {
    if let Some(p) = route.get("pathMatch") {
        let ok = if let Some(e) = s(p, "exact") {
            r.path == e
        } else if let Some(re) = s(p, "safeRegex") {
            full(re, &r.path)
        } else if let Some(pre) = s(p, "prefix") {
            let pre = pre.trim_end_matches('/');
            pre.is_empty() || r.path == pre || r.path.starts_with(&format!("{pre}/"))
        } else {
            false
        };
        if !ok {
            return false;
        }
    }
    for h in route
        .get("headerMatches")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        let name = s(h, "name").unwrap_or("").to_ascii_lowercase();
        let v = match name.as_str() {
            ":method" => Some(r.method.clone()),
            ":path" => Some(r.path.clone()),
            _ => r
                .headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone()),
        };
        if !ir_str(h, v.as_deref()) {
            return false;
        }
    }
    for q in route
        .get("queryParamMatches")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        let name = s(q, "name").unwrap_or("");
        let v = r
            .query
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str());
        if !ir_str(q, v) {
            return false;
        }
    }
    true
}

/// A request `route` accepts, or `None` when no plain one can be written
/// (a regex, cookie or non-exact match).
fn derive(route: &J) -> Option<Req> {
    let hostname = s(route, "hostname")?;
    let host = match hostname {
        "*" => "trace-oracle.test".to_string(),
        h if h.starts_with("*.") => format!("trace-oracle{}", &h[1..]),
        h => h.to_string(),
    };
    if route.get("cookieMatches").is_some() {
        return None;
    }
    let mut r = Req {
        host,
        path: "/".into(),
        method: "GET".into(),
        headers: vec![],
        query: vec![],
    };
    if let Some(p) = route.get("pathMatch") {
        r.path = s(p, "exact").or_else(|| s(p, "prefix"))?.to_string();
        if r.path.is_empty() {
            r.path = "/".into();
        }
    }
    for h in route
        .get("headerMatches")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        let name = s(h, "name")?.to_ascii_lowercase();
        let v = s(h, "exact")?.to_string();
        match name.as_str() {
            ":method" => r.method = v,
            n if n.starts_with(':') || n == "host" => return None,
            _ => r.headers.push((name, v)),
        }
    }
    for q in route
        .get("queryParamMatches")
        .and_then(J::as_array)
        .into_iter()
        .flatten()
    {
        r.query
            .push((s(q, "name")?.to_string(), s(q, "exact")?.to_string()));
    }
    Some(r)
}

fn specificity(d: &str, host: &str) -> Option<(u8, usize)> {
    if d == "*" {
        Some((0, 0))
    } else if let Some(suffix) = d.strip_prefix('*') {
        (host.len() > suffix.len() && host.ends_with(suffix)).then_some((1, d.len()))
    } else {
        (d == host).then_some((2, d.len()))
    }
}

/// `kind/ns/name/rule/N/match/M` of an IR route name (`-1` matches are 0).
fn rule_key(name: &str) -> Option<String> {
    let p: Vec<&str> = name.split('/').collect();
    if p.len() < 7 || p[3] != "rule" || p[5] != "match" {
        return None;
    }
    let m = if p[6] == "-1" { "0" } else { p[6] };
    Some(format!(
        "{}/{}/{}/rule/{}/match/{m}",
        p[0], p[1], p[2], p[4]
    ))
}

fn yaml_to_json(path: &Path) -> Option<J> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_saphyr::from_str::<J>(&text).ok()
}

#[test]
fn trace_picks_the_route_envoy_gateway_orders_first() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/corpus/envoy-gateway-v1.9.0/internal/gatewayapi/testdata");
    if !dir.is_dir() {
        eprintln!(
            "skipping: {} is absent (a fresh clone has no ../shared)",
            dir.display()
        );
        return;
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".out.yaml"))
        .collect();
    files.sort();
    let (mut agree, mut compared, mut files_used) = (0usize, 0usize, 0usize);
    let mut disagreements = Vec::new();
    for path in files {
        let Some(doc) = yaml_to_json(&path) else {
            continue;
        };
        let Some(xds) = doc.get("xdsIR").and_then(J::as_object) else {
            continue;
        };
        let Ok(store) = snapshot::load(&[path.display().to_string()], &mut std::io::empty()) else {
            continue;
        };
        let store = harness(store);
        let model = Model::build(&store);
        let mut used = false;
        for ir in xds.values() {
            let listeners: Vec<&J> = ir
                .get("http")
                .and_then(J::as_array)
                .into_iter()
                .flatten()
                .collect();
            for l in &listeners {
                let meta = l.get("metadata").cloned().unwrap_or(J::Null);
                if s(&meta, "kind") != Some("Gateway") {
                    continue;
                }
                let (Some(ns), Some(gw)) = (s(&meta, "namespace"), s(&meta, "name")) else {
                    continue;
                };
                let Some(port) = l.get("externalPort").and_then(J::as_u64) else {
                    continue;
                };
                let tls = l.get("tls").is_some();
                let routes: Vec<&J> = l
                    .get("routes")
                    .and_then(J::as_array)
                    .into_iter()
                    .flatten()
                    .collect();
                for route in &routes {
                    let Some(req) = derive(route) else { continue };
                    // Envoy's pick: the most specific domain over the route
                    // configuration (every plain HTTP listener of the port;
                    // an HTTPS listener alone), then the first route of it.
                    let scope: Vec<&J> = if tls {
                        vec![*l]
                    } else {
                        listeners
                            .iter()
                            .copied()
                            .filter(|o| {
                                o.get("tls").is_none()
                                    && o.get("externalPort").and_then(J::as_u64) == Some(port)
                            })
                            .collect()
                    };
                    let vhost = scope
                        .iter()
                        .flat_map(|o| o.get("routes").and_then(J::as_array).into_iter().flatten())
                        .filter_map(|r| {
                            s(r, "hostname")
                                .and_then(|h| specificity(h, &req.host).map(|sp| (sp, h)))
                        })
                        .max_by(|a, b| a.0.cmp(&b.0))
                        .map(|(_, h)| h.to_string());
                    let expected = scope
                        .iter()
                        .find_map(|o| {
                            o.get("routes")
                                .and_then(J::as_array)
                                .into_iter()
                                .flatten()
                                .find(|r| {
                                    s(r, "hostname") == vhost.as_deref() && ir_matches(r, &req)
                                })
                        })
                        .and_then(|r| s(r, "name"))
                        .and_then(rule_key);
                    let Some(expected) = expected else { continue };
                    let url = format!(
                        "{}://{}:{port}{}{}",
                        if tls { "https" } else { "http" },
                        req.host,
                        req.path,
                        if req.query.is_empty() {
                            String::new()
                        } else {
                            let q: Vec<String> = req
                                .query
                                .iter()
                                .map(|(k, v)| {
                                    form_urlencoded::Serializer::new(String::new())
                                        .append_pair(k, v)
                                        .finish()
                                })
                                .collect();
                            format!("?{}", q.join("&"))
                        }
                    );
                    let headers: Vec<String> = req
                        .headers
                        .iter()
                        .map(|(k, v)| format!("{k}: {v}"))
                        .collect();
                    let Ok(request) = Request::parse(&url, Some(&req.method), &headers) else {
                        continue;
                    };
                    used = true;
                    compared += 1;
                    let got = trace(&model, &request, Some((ns, gw))).ok().and_then(|t| {
                        let h = t.best()?.hit.as_ref()?;
                        Some(format!("{}/match/{}", h.cluster, h.entry.match_index))
                    });
                    if got.as_deref() == Some(expected.as_str()) {
                        agree += 1;
                    } else {
                        disagreements.push(format!(
                            "{}: {} {url}: Envoy Gateway {expected}, egscope {got:?}",
                            path.file_name().unwrap().to_string_lossy(),
                            req.method
                        ));
                    }
                }
            }
        }
        files_used += used as usize;
    }
    eprintln!("trace oracle (v1.9.0): {agree} of {compared} requests agree, in {files_used} files");
    for d in disagreements.iter().take(40) {
        eprintln!("  {d}");
    }
    assert!(compared >= 500, "too few cases derived: {compared}");
    // The floor is the agreement measured when the trace landed (1063 of
    // 1105): the rest are EnvoyProxy `preserveRouteOrder` (Envoy Gateway
    // keeps the user's order; egscope sorts) and routes with invalid
    // filters, which Envoy Gateway still programs with a direct response
    // while the trace calls them not programmed. Raise it as those land.
    assert!(agree >= 1063, "{agree} of {compared} agree (floor 1063)");
}
