//! Finding the proxy fleets of a cluster and setting up their traffic: the
//! Envoy Gateway proxy workloads, their pods, the Gateways they serve (HCM
//! prefixes from the listeners, one upstream cluster per route rule with
//! backends), their HPA, and whether their EnvoyProxy turns Prometheus off.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::{
    Burst, CPU_M_PER_RPS, Counters, Fleet, HISTORY_SECS, Hpa, IDLE_CPU_M, PodInfo, PodsBySelector,
    SimClock, Traffic, hash_unit, label_map, parse_time, text,
};
use crate::SplitMix64;
use crate::cluster::Cluster;
use crate::resources::find;
use egscope_codec::units::quantity_of;

fn res(group: &str, version: &str, plural: &str) -> usize {
    find(group, version, plural).expect("served resource")
}

/// The cluster's objects indexed once (the large scenario has many).
struct Index<'a> {
    cluster: &'a Cluster,
    pods_by_ns: BTreeMap<&'a str, Vec<&'a Value>>,
    /// Upstream cluster names (`httproute/NS/NAME/rule/I`) per Gateway.
    routes_by_gw: BTreeMap<(String, String), Vec<String>>,
    /// HPAs by the Deployment they scale: (namespace, Deployment) → (HPA
    /// name, HPA).
    hpas: HashMap<(&'a str, &'a str), (&'a str, &'a Value)>,
    /// Pods by the values of a selector's keys, built once per key set:
    /// every fleet of a cluster shares it.
    by_selector: HashMap<Vec<String>, PodsBySelector<'a>>,
}

impl<'a> Index<'a> {
    fn new(cluster: &'a Cluster) -> Index<'a> {
        let mut pods_by_ns: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
        for ((ns, _), p) in cluster.list(res("", "v1", "pods")) {
            pods_by_ns.entry(ns.as_str()).or_default().push(p);
        }
        let mut hpas = HashMap::new();
        for ((hns, hname), h) in cluster.list(res("autoscaling", "v2", "horizontalpodautoscalers"))
        {
            if text(h, "/spec/scaleTargetRef/kind") == "Deployment" {
                hpas.insert(
                    (hns.as_str(), text(h, "/spec/scaleTargetRef/name")),
                    (hname.as_str(), &**h),
                );
            }
        }
        Index {
            cluster,
            pods_by_ns,
            routes_by_gw: routes_by_gateway(cluster),
            hpas,
            by_selector: HashMap::new(),
        }
    }

    /// The pods in `ns` that `selector` matches, oldest first.
    fn pods(&mut self, ns: &str, selector: &[(String, String)]) -> Vec<&'a Value> {
        let keys: Vec<String> = selector.iter().map(|(k, _)| k.clone()).collect();
        let values: Vec<String> = selector.iter().map(|(_, v)| v.clone()).collect();
        let pods_by_ns = &self.pods_by_ns;
        let by_values = self.by_selector.entry(keys.clone()).or_insert_with(|| {
            let mut idx: PodsBySelector<'_> = HashMap::new();
            for (pns, list) in pods_by_ns {
                for p in list {
                    let labels = p.pointer("/metadata/labels");
                    let vals: Option<Vec<String>> = keys
                        .iter()
                        .map(|k| labels?.get(k)?.as_str().map(str::to_string))
                        .collect();
                    if let Some(vals) = vals {
                        idx.entry((pns.to_string(), vals)).or_default().push(p);
                    }
                }
            }
            idx
        });
        let mut pods: Vec<&Value> = if selector.is_empty() {
            Vec::new()
        } else {
            by_values
                .get(&(ns.to_string(), values))
                .cloned()
                .unwrap_or_default()
        };
        pods.sort_by(|a, b| {
            (
                text(a, "/metadata/creationTimestamp"),
                text(a, "/metadata/name"),
            )
                .cmp(&(
                    text(b, "/metadata/creationTimestamp"),
                    text(b, "/metadata/name"),
                ))
        });
        pods
    }

    /// The fleet of a workload, when it is an Envoy Gateway proxy. Draws
    /// from `rng` in a fixed order (load, amplitude, period, phase), so a
    /// seed gives the same fleets.
    fn fleet(
        &mut self,
        (wres, plural): (usize, &str),
        (ns, name): (&str, &str),
        w: &Value,
        rng: &mut SplitMix64,
    ) -> Option<Fleet> {
        let labels = label_map(w.pointer("/metadata/labels"));
        let has = |k: &str, v: &str| labels.iter().any(|(a, b)| a == k && b == v);
        if !has("app.kubernetes.io/managed-by", "envoy-gateway")
            || !has("app.kubernetes.io/component", "proxy")
        {
            return None;
        }
        let selector = label_map(w.pointer("/spec/selector/matchLabels"));
        let pods = self.pods(ns, &selector);
        let gateways = gateways_of(self.cluster, &labels);
        let served = Served::of(self, &gateways);
        let hpa = self
            .hpas
            .get(&(ns, name))
            .filter(|_| plural == "deployments")
            .map(|(hname, h)| hpa_of(hname, h));
        let template = pods.first().map(|p| (*p).clone());
        let cpu_request_m = envoy_cpu_request_m(template.as_ref());
        let replicas = pods.len().max(1) as f64;
        // Per-pod load around half the HPA target (or 40 % of the request).
        let target = hpa.as_ref().map_or(60.0, |h| h.target) / 100.0;
        let per_pod_cpu = cpu_request_m * target * (0.55 + 0.3 * (rng.below(100) as f64 / 100.0));
        let base_rps = replicas * ((per_pod_cpu - IDLE_CPU_M).max(10.0) / CPU_M_PER_RPS);
        Some(Fleet {
            ns: ns.to_string(),
            name: name.to_string(),
            workload_res: wres,
            selector,
            pods: pods
                .iter()
                .map(|p| text(p, "/metadata/name").to_string())
                .collect(),
            template,
            hpa,
            prometheus: served.prometheus,
            acc: Counters::sized(served.prefixes.len(), served.clusters.len()),
            prefixes: served.prefixes,
            clusters: served.clusters,
            base_rps,
            amplitude: 0.15 + 0.2 * (rng.below(100) as f64 / 100.0),
            period: 300.0 + rng.below(900) as f64,
            phase: rng.below(628) as f64 / 100.0,
            burst: None,
            cpu_request_m,
            rps: base_rps,
            below_since: None,
        })
    }
}

/// Per Gateway, the upstream clusters of the HTTPRoute and GRPCRoute rules
/// attached to it.
fn routes_by_gateway(cluster: &Cluster) -> BTreeMap<(String, String), Vec<String>> {
    let route_res = [
        (
            "httproute",
            res("gateway.networking.k8s.io", "v1", "httproutes"),
        ),
        (
            "grpcroute",
            res("gateway.networking.k8s.io", "v1", "grpcroutes"),
        ),
    ];
    let mut routes_by_gw: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (prefix, rr) in route_res {
        for ((ns, name), r) in cluster.list(rr) {
            // A rule without backendRefs (a redirect) gets no cluster:
            // Envoy Gateway answers it in the route itself.
            let rules: Vec<usize> = match r.pointer("/spec/rules").and_then(Value::as_array) {
                Some(a) if !a.is_empty() => (0..a.len())
                    .filter(|&i| {
                        a[i].get("backendRefs")
                            .and_then(Value::as_array)
                            .is_some_and(|b| !b.is_empty())
                    })
                    .collect(),
                _ => vec![0],
            };
            for parent in r
                .pointer("/spec/parentRefs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let kind = parent
                    .get("kind")
                    .and_then(Value::as_str)
                    .unwrap_or("Gateway");
                if kind != "Gateway" {
                    continue;
                }
                let pns = parent
                    .get("namespace")
                    .and_then(Value::as_str)
                    .unwrap_or(ns);
                let entry = routes_by_gw
                    .entry((pns.to_string(), text(parent, "/name").to_string()))
                    .or_default();
                for &i in &rules {
                    let c = format!("{prefix}/{ns}/{name}/rule/{i}");
                    if !entry.contains(&c) {
                        entry.push(c);
                    }
                }
            }
        }
    }
    routes_by_gw
}

/// The Gateways a proxy workload serves: its class's (merged Gateways) or
/// its one Gateway, by the owning labels Envoy Gateway sets.
fn gateways_of(cluster: &Cluster, labels: &[(String, String)]) -> Vec<Arc<Value>> {
    let gw_res = res("gateway.networking.k8s.io", "v1", "gateways");
    let get_label = |k: &str| labels.iter().find(|(a, _)| a == k).map(|(_, b)| b.clone());
    if let Some(class) = get_label("gateway.envoyproxy.io/owning-gatewayclass") {
        cluster
            .list(gw_res)
            .filter(|(_, g)| text(g, "/spec/gatewayClassName") == class)
            .map(|(_, g)| g.clone())
            .collect()
    } else {
        let gns = get_label("gateway.envoyproxy.io/owning-gateway-namespace").unwrap_or_default();
        let gname = get_label("gateway.envoyproxy.io/owning-gateway-name").unwrap_or_default();
        cluster.get(gw_res, &gns, &gname).into_iter().collect()
    }
}

/// What a fleet's Gateways make it serve.
struct Served {
    /// HCM stat prefixes (`http-10080`), one per HTTP(S) listener port.
    prefixes: Vec<String>,
    /// (cluster name, weight, base latency ms); the weights sum to 1.
    clusters: Vec<(String, f64, f64)>,
    /// False when an EnvoyProxy of one of the Gateways disables it.
    prometheus: bool,
}

impl Served {
    fn of(idx: &Index<'_>, gateways: &[Arc<Value>]) -> Served {
        let mut prefixes = Vec::new();
        let mut clusters: Vec<(String, f64, f64)> = Vec::new();
        let mut prometheus = true;
        for g in gateways {
            for l in g
                .pointer("/spec/listeners")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let proto = text(l, "/protocol").to_ascii_lowercase();
                if proto != "http" && proto != "https" {
                    continue;
                }
                let port = l.get("port").and_then(Value::as_u64).unwrap_or(80);
                let port = if port < 1024 { port + 10000 } else { port };
                let p = format!("{proto}-{port}");
                if !prefixes.contains(&p) {
                    prefixes.push(p);
                }
            }
            let key = (
                text(g, "/metadata/namespace").to_string(),
                text(g, "/metadata/name").to_string(),
            );
            for c in idx.routes_by_gw.get(&key).into_iter().flatten() {
                if !clusters.iter().any(|(n, ..)| n == c) {
                    clusters.push((
                        c.clone(),
                        0.2 + hash_unit(c),
                        4.0 + 40.0 * hash_unit(&format!("{c}#lat")),
                    ));
                }
            }
            if envoy_proxy_of(idx.cluster, g, &key.0)
                .as_deref()
                .is_some_and(prometheus_off)
            {
                prometheus = false;
            }
        }
        let total_w: f64 = clusters.iter().map(|c| c.1).sum();
        for c in &mut clusters {
            c.1 /= total_w;
        }
        Served {
            prefixes,
            clusters,
            prometheus,
        }
    }
}

/// A Gateway's EnvoyProxy: its own (`infrastructure.parametersRef`), else
/// its class's.
fn envoy_proxy_of(cluster: &Cluster, g: &Value, gw_ns: &str) -> Option<Arc<Value>> {
    let ep_res = res("gateway.envoyproxy.io", "v1alpha1", "envoyproxies");
    let gc_res = res("gateway.networking.k8s.io", "v1", "gatewayclasses");
    let envoy_proxy = |ns: &str, name: &str| cluster.get(ep_res, ns, name);
    let gw_ep = (text(g, "/spec/infrastructure/parametersRef/kind") == "EnvoyProxy")
        .then(|| envoy_proxy(gw_ns, text(g, "/spec/infrastructure/parametersRef/name")))
        .flatten();
    gw_ep.or_else(|| {
        let class = cluster.get(gc_res, "", text(g, "/spec/gatewayClassName"))?;
        (text(&class, "/spec/parametersRef/kind") == "EnvoyProxy")
            .then(|| {
                envoy_proxy(
                    text(&class, "/spec/parametersRef/namespace"),
                    text(&class, "/spec/parametersRef/name"),
                )
            })
            .flatten()
    })
}

fn prometheus_off(ep: &Value) -> bool {
    ep.pointer("/spec/telemetry/metrics/prometheus/disable")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

fn hpa_of(name: &str, h: &Value) -> Hpa {
    Hpa {
        name: name.to_string(),
        min: h
            .pointer("/spec/minReplicas")
            .and_then(Value::as_u64)
            .unwrap_or(1) as usize,
        max: h
            .pointer("/spec/maxReplicas")
            .and_then(Value::as_u64)
            .unwrap_or(1) as usize,
        target: h
            .pointer("/spec/metrics")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .find_map(|m| {
                m.pointer("/resource/target/averageUtilization")
                    .and_then(Value::as_f64)
            })
            .unwrap_or(80.0),
    }
}

/// The envoy container's CPU request of a fleet's pod, in millicores
/// (500 when there is none).
fn envoy_cpu_request_m(template: Option<&Value>) -> f64 {
    template
        .and_then(|p| {
            p.pointer("/spec/containers")?
                .as_array()?
                .iter()
                .find(|c| text(c, "/name") == "envoy")?
                .pointer("/resources/requests/cpu")
                .and_then(quantity_of)
        })
        .map_or(500.0, |c| c * 1000.0)
}

/// The demo's incident: the platform fleet (the one with an HPA) rides a
/// wave that saturates its HPA at the crest; another fleet has a 5xx burst.
fn showcase_incident(fleets: &mut [Fleet]) {
    if let Some(f) = fleets.iter_mut().find(|f| f.hpa.is_some()) {
        let max = f.hpa.as_ref().map_or(1, |h| h.max) as f64;
        // At the crest each of `max` pods would run at 91 % of its request.
        let crest = max * (0.91 * f.cpu_request_m - IDLE_CPU_M) / CPU_M_PER_RPS;
        f.amplitude = 0.7;
        f.base_rps = crest / (1.0 + f.amplitude);
        f.period = 600.0;
        f.phase = 0.0;
    }
    if let Some(f) = fleets.iter_mut().find(|f| f.hpa.is_none()) {
        // The first HTTPRoute rule by name fails (on `payments/pay`:
        // `httproute/payments/pay-api/rule/0`), so the drill-down
        // from the fleet ends at one rule.
        let order = |i: usize| {
            let n = &f.clusters[i].0;
            (!n.starts_with("httproute/"), n.clone())
        };
        let cluster = (0..f.clusters.len()).min_by_key(|&i| order(i)).unwrap_or(0);
        f.burst = Some(Burst {
            start: 20,
            end: 320,
            period: 900,
            share: 0.12,
            cluster,
        });
    }
}

/// Starts every fleet at its current rate with the traffic already behind
/// its pods' counters, and records each pod (when it started, its share).
fn initial_pods(
    fleets: &mut [Fleet],
    cluster: &Cluster,
    start: jiff::Timestamp,
) -> BTreeMap<(String, String), PodInfo> {
    let pods_res = res("", "v1", "pods");
    let mut pods = BTreeMap::new();
    for (i, f) in fleets.iter_mut().enumerate() {
        f.rps = f.base_rps * f.load_factor(0.0);
        // The traffic behind the counters of the pods already running.
        let history_rps = f.base_rps;
        f.accumulate(history_rps, HISTORY_SECS, 1);
        for p in &f.pods {
            let obj = cluster.get(pods_res, &f.ns, p);
            let started = obj
                .as_deref()
                .and_then(|o| {
                    parse_time(text(o, "/status/startTime"))
                        .or_else(|| parse_time(text(o, "/metadata/creationTimestamp")))
                })
                .map_or(-HISTORY_SECS, |t| {
                    (t.as_second() - start.as_second()) as f64
                });
            pods.insert(
                (f.ns.clone(), p.clone()),
                PodInfo {
                    fleet: i,
                    base: None,
                    mult: 0.9 + 0.2 * hash_unit(p),
                    started,
                },
            );
        }
    }
    pods
}

impl Traffic {
    /// Discovers the proxy fleets of a cluster and sets up their traffic.
    /// `showcase` turns on the demo's incident: the HPA fleet saturates in
    /// waves and one other fleet has a 5xx burst.
    pub fn new(cluster: &Cluster, seed: u64, showcase: bool, start: jiff::Timestamp) -> Traffic {
        let mut rng = SplitMix64::new(seed ^ 0x0074_7261_6666_6963);
        let mut idx = Index::new(cluster);
        let mut fleets = Vec::new();
        for plural in ["deployments", "daemonsets"] {
            let wres = res("apps", "v1", plural);
            for ((ns, name), w) in cluster.list(wres) {
                if let Some(f) =
                    idx.fleet((wres, plural), (ns.as_str(), name.as_str()), w, &mut rng)
                {
                    fleets.push(f);
                }
            }
        }
        if showcase {
            showcase_incident(&mut fleets);
        }
        let pods = initial_pods(&mut fleets, cluster, start);
        Traffic {
            start,
            clock: SimClock::default(),
            pending: Duration::ZERO,
            ticks: 0,
            rng,
            fleets,
            pods,
        }
    }
}
