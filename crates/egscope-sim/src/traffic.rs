//! The traffic and autoscaling model: request-rate waves per proxy fleet, a
//! 5xx burst (showcase), HPAs following load (and saturating), pods coming
//! and going. Time is a steppable clock ([`Traffic::advance`]); everything is
//! derived from the seed, so the same steps give the same objects and
//! metrics.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::time::Duration;

use serde_json::{Value, json};

use super::SplitMix64;
use super::cluster::Cluster;
use super::resources::find;
use egscope_codec::units::quantity_of;

/// Envoy's default histogram buckets (ms), without `+Inf`.
pub const BUCKETS: [f64; 19] = [
    0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0, 30000.0,
    60000.0, 300000.0, 600000.0, 1800000.0, 3600000.0,
];

/// The model steps in ticks of this length.
pub const TICK: Duration = Duration::from_secs(1);
/// How often the HPA controller re-evaluates (sim time, seconds).
const HPA_PERIOD: u64 = 15;
/// How long a lower recommendation must hold before scaling down.
const SCALE_DOWN_DELAY: u64 = 60;
/// Seconds of traffic already behind the counters of the initial pods.
const HISTORY_SECS: f64 = 6.0 * 3600.0;
/// CPU (millicores) per pod at rest, and per request per second.
const IDLE_CPU_M: f64 = 20.0;
const CPU_M_PER_RPS: f64 = 0.5;

/// A steppable simulation clock: seconds elapsed since the scenario's "now".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SimClock {
    pub elapsed: Duration,
}

impl SimClock {
    /// Wall-clock time in the simulated world (`start` + elapsed).
    pub fn timestamp(&self, start: jiff::Timestamp) -> jiff::Timestamp {
        start
            .checked_add(jiff::SignedDuration::from_secs(
                self.elapsed.as_secs() as i64
            ))
            .unwrap_or(start)
    }
}

#[derive(Debug, Clone, Default)]
struct Hist {
    buckets: [f64; 19],
    sum: f64,
    count: f64,
}

impl Hist {
    fn add(&mut self, n: f64, mean_ms: f64) {
        for (b, le) in self.buckets.iter_mut().zip(BUCKETS) {
            *b += n * (1.0 - (-le / mean_ms).exp());
        }
        self.sum += n * mean_ms;
        self.count += n;
    }

    fn minus(&self, base: &Hist, mult: f64) -> Hist {
        let mut out = Hist::default();
        for i in 0..BUCKETS.len() {
            out.buckets[i] = ((self.buckets[i] - base.buckets[i]) * mult).max(0.0);
        }
        out.sum = ((self.sum - base.sum) * mult).max(0.0);
        out.count = ((self.count - base.count) * mult).max(0.0);
        out
    }
}

/// Counters as one pod of a fleet sees them (cumulative).
#[derive(Debug, Clone, Default)]
struct Counters {
    /// Per HCM prefix: requests by class 1xx..5xx.
    down_xx: Vec<[f64; 5]>,
    down_cx: Vec<f64>,
    down_time: Vec<Hist>,
    /// Per upstream cluster.
    up_xx: Vec<[f64; 5]>,
    up_time: Vec<Hist>,
    /// Per upstream cluster: connect failures, timeouts, pending overflows.
    up_fail: Vec<[f64; 3]>,
}

impl Counters {
    fn sized(prefixes: usize, clusters: usize) -> Counters {
        Counters {
            down_xx: vec![[0.0; 5]; prefixes],
            down_cx: vec![0.0; prefixes],
            down_time: vec![Hist::default(); prefixes],
            up_xx: vec![[0.0; 5]; clusters],
            up_time: vec![Hist::default(); clusters],
            up_fail: vec![[0.0; 3]; clusters],
        }
    }
}

#[derive(Debug, Clone)]
struct Hpa {
    name: String,
    min: usize,
    max: usize,
    target: f64,
}

#[derive(Debug, Clone)]
struct Burst {
    start: u64,
    end: u64,
    period: u64,
    /// The fleet's 5xx share while the burst lasts, all of it on one rule.
    share: f64,
    /// Index into the fleet's clusters of the rule that fails.
    cluster: usize,
}

#[derive(Debug, Clone)]
struct Fleet {
    ns: String,
    name: String,
    /// Index of Deployments or DaemonSets in RESOURCES.
    workload_res: usize,
    selector: Vec<(String, String)>,
    pods: Vec<String>,
    template: Option<Value>,
    hpa: Option<Hpa>,
    prometheus: bool,
    prefixes: Vec<String>,
    /// (cluster name, weight, base latency ms)
    clusters: Vec<(String, f64, f64)>,
    base_rps: f64,
    amplitude: f64,
    period: f64,
    phase: f64,
    burst: Option<Burst>,
    acc: Counters,
    cpu_request_m: f64,
    /// Current total requests per second over the fleet.
    rps: f64,
    below_since: Option<u64>,
}

impl Fleet {
    fn replicas(&self) -> usize {
        self.pods.len().max(1)
    }

    fn rps_per_pod(&self) -> f64 {
        self.rps / self.replicas() as f64
    }

    fn cpu_per_pod_m(&self) -> f64 {
        IDLE_CPU_M + CPU_M_PER_RPS * self.rps_per_pod()
    }

    fn burst_active(&self, t: u64) -> bool {
        self.burst
            .as_ref()
            .is_some_and(|b| (b.start..b.end).contains(&(t % b.period)))
    }

    fn load_factor(&self, t: f64) -> f64 {
        1.0 + self.amplitude * (std::f64::consts::TAU * t / self.period + self.phase).cos()
    }

    /// The 5xx share of each cluster now: a small background everywhere,
    /// and during a burst its rule fails enough to make the fleet's share
    /// the burst's (capped at 95 %).
    fn cluster_5xx(&self, burst: bool) -> Vec<f64> {
        let mut out = vec![0.002; self.clusters.len()];
        if let (true, Some(b)) = (burst, &self.burst)
            && let Some(w) = self.clusters.get(b.cluster).map(|c| c.1)
        {
            out[b.cluster] = (b.share / w.max(1e-9)).min(0.95);
        }
        out
    }

    fn accumulate(&mut self, total_rps: f64, dt: f64, t: u64) {
        let per_pod = total_rps / self.replicas() as f64 * dt;
        let burst = self.burst_active(t);
        let up5 = self.cluster_5xx(burst);
        // Downstream sees what its upstreams answered.
        let share5 = if self.clusters.is_empty() {
            0.002
        } else {
            self.clusters.iter().zip(&up5).map(|(c, s)| c.1 * s).sum()
        };
        let shares = |s5: f64| [0.0, 1.0 - 0.035 - s5, 0.01, 0.025, s5];
        let util = self.cpu_per_pod_m() / self.cpu_request_m;
        let lat_mult = (1.0 + (util - 0.7).max(0.0) * 3.0) * if burst { 2.5 } else { 1.0 };
        let np = self.prefixes.len().max(1) as f64;
        let avg_lat = if self.clusters.is_empty() {
            5.0
        } else {
            self.clusters.iter().map(|c| c.1 * c.2).sum::<f64>()
        };
        for p in 0..self.prefixes.len() {
            let n = per_pod / np;
            for (k, s) in shares(share5).iter().enumerate() {
                self.acc.down_xx[p][k] += n * s;
            }
            self.acc.down_cx[p] += n / 8.0;
            self.acc.down_time[p].add(n, (avg_lat + 1.0) * lat_mult);
        }
        for (c, &s5) in up5.iter().enumerate() {
            let (_, w, lat) = self.clusters[c];
            let n = per_pod * w;
            for (k, s) in shares(s5).iter().enumerate() {
                self.acc.up_xx[c][k] += n * s;
            }
            // Of the 5xx: a third failed to connect, a tenth timed out,
            // and a failing rule also overflows its pending queue.
            let fivexx = n * s5;
            self.acc.up_fail[c][0] += fivexx / 3.0;
            self.acc.up_fail[c][1] += fivexx / 10.0;
            if s5 > 0.01 {
                self.acc.up_fail[c][2] += fivexx / 20.0;
            }
            self.acc.up_time[c].add(n, lat * lat_mult);
        }
    }

    /// Requests in flight on a cluster (Little's law: rate × latency).
    fn cluster_active(&self, c: usize, rps_pod: f64, t: u64) -> f64 {
        let (_, w, lat) = self.clusters[c];
        let mult = if self.burst_active(t) { 2.5 } else { 1.0 };
        rps_pod * w * lat * mult / 1000.0
    }
}

#[derive(Debug, Clone)]
struct PodInfo {
    fleet: usize,
    /// Fleet counters when the pod started (None: it saw all of them).
    base: Option<Box<Counters>>,
    mult: f64,
    /// Start time in sim seconds (negative: before the scenario's start).
    started: f64,
}

/// Pods by (namespace, values of a selector's keys).
type PodsBySelector<'a> = HashMap<(String, Vec<String>), Vec<&'a Value>>;

/// Why a pod has no metrics endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsError {
    /// Not an Envoy proxy pod, or unknown.
    NotFound,
    /// The fleet's EnvoyProxy disables Prometheus: the port is closed.
    Disabled,
}

/// The traffic and autoscaling model.
#[derive(Debug, Clone)]
pub struct Traffic {
    start: jiff::Timestamp,
    clock: SimClock,
    /// Time not yet stepped (less than a tick).
    pending: Duration,
    ticks: u64,
    rng: SplitMix64,
    fleets: Vec<Fleet>,
    pods: BTreeMap<(String, String), PodInfo>,
}

fn label_map(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or("").to_string()))
                .collect()
        })
        .unwrap_or_default()
}

fn text<'a>(v: &'a Value, ptr: &str) -> &'a str {
    v.pointer(ptr).and_then(Value::as_str).unwrap_or("")
}

fn hash_unit(s: &str) -> f64 {
    let mut r = SplitMix64::new(s.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    }));
    (r.next_u64() % 10_000) as f64 / 10_000.0
}

fn parse_time(s: &str) -> Option<jiff::Timestamp> {
    s.parse().ok()
}

impl Traffic {
    /// Discovers the proxy fleets of a cluster and sets up their traffic.
    /// `showcase` turns on the demo's incident: the HPA fleet saturates in
    /// waves and one other fleet has a 5xx burst.
    pub fn new(cluster: &Cluster, seed: u64, showcase: bool, start: jiff::Timestamp) -> Traffic {
        let mut rng = SplitMix64::new(seed ^ 0x0074_7261_6666_6963);
        let res = |g: &str, v: &str, p: &str| find(g, v, p).expect("served resource");
        let pods_res = res("", "v1", "pods");
        let hpa_res = res("autoscaling", "v2", "horizontalpodautoscalers");
        let gw_res = res("gateway.networking.k8s.io", "v1", "gateways");
        let gc_res = res("gateway.networking.k8s.io", "v1", "gatewayclasses");
        let ep_res = res("gateway.envoyproxy.io", "v1alpha1", "envoyproxies");
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

        // Index pods and routes once (the large scenario has many).
        let mut pods_by_ns: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
        for ((ns, _), p) in cluster.list(pods_res) {
            pods_by_ns.entry(ns.as_str()).or_default().push(p);
        }
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
        let envoy_proxy = |ns: &str, name: &str| cluster.get(ep_res, ns, name);
        let prometheus_off = |ep: &Value| {
            ep.pointer("/spec/telemetry/metrics/prometheus/disable")
                .and_then(Value::as_bool)
                .unwrap_or(false)
        };

        let mut hpas: HashMap<(&str, &str), (&str, &Value)> = HashMap::new();
        for ((hns, hname), h) in cluster.list(hpa_res) {
            if text(h, "/spec/scaleTargetRef/kind") == "Deployment" {
                hpas.insert(
                    (hns.as_str(), text(h, "/spec/scaleTargetRef/name")),
                    (hname.as_str(), &**h),
                );
            }
        }
        let mut pod_index: HashMap<Vec<String>, PodsBySelector<'_>> = HashMap::new();
        let mut fleets = Vec::new();
        for (plural, _) in [("deployments", 0), ("daemonsets", 1)] {
            let wres = res("apps", "v1", plural);
            for ((ns, name), w) in cluster.list(wres) {
                let labels = label_map(w.pointer("/metadata/labels"));
                let has = |k: &str, v: &str| labels.iter().any(|(a, b)| a == k && b == v);
                if !has("app.kubernetes.io/managed-by", "envoy-gateway")
                    || !has("app.kubernetes.io/component", "proxy")
                {
                    continue;
                }
                let selector = label_map(w.pointer("/spec/selector/matchLabels"));
                let keys: Vec<String> = selector.iter().map(|(k, _)| k.clone()).collect();
                let values: Vec<String> = selector.iter().map(|(_, v)| v.clone()).collect();
                // Pods indexed by the values of this selector's keys (built
                // once per key set: every fleet of a cluster shares it).
                let by_values = pod_index.entry(keys.clone()).or_insert_with(|| {
                    let mut idx: PodsBySelector<'_> = HashMap::new();
                    for (pns, list) in &pods_by_ns {
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
                        .get(&(ns.clone(), values))
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
                let get_label =
                    |k: &str| labels.iter().find(|(a, _)| a == k).map(|(_, b)| b.clone());
                // Gateways served by the fleet.
                let gateways: Vec<std::sync::Arc<Value>> =
                    if let Some(class) = get_label("gateway.envoyproxy.io/owning-gatewayclass") {
                        cluster
                            .list(gw_res)
                            .filter(|(_, g)| text(g, "/spec/gatewayClassName") == class)
                            .map(|(_, g)| g.clone())
                            .collect()
                    } else {
                        let gns = get_label("gateway.envoyproxy.io/owning-gateway-namespace")
                            .unwrap_or_default();
                        let gname = get_label("gateway.envoyproxy.io/owning-gateway-name")
                            .unwrap_or_default();
                        cluster.get(gw_res, &gns, &gname).into_iter().collect()
                    };
                let mut prefixes = Vec::new();
                let mut clusters: Vec<(String, f64, f64)> = Vec::new();
                let mut prometheus = true;
                for g in &gateways {
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
                    for c in routes_by_gw.get(&key).into_iter().flatten() {
                        if !clusters.iter().any(|(n, ..)| n == c) {
                            clusters.push((
                                c.clone(),
                                0.2 + hash_unit(c),
                                4.0 + 40.0 * hash_unit(&format!("{c}#lat")),
                            ));
                        }
                    }
                    // EnvoyProxy: the Gateway's own, else the class's.
                    let gw_ep = (text(g, "/spec/infrastructure/parametersRef/kind")
                        == "EnvoyProxy")
                        .then(|| {
                            envoy_proxy(&key.0, text(g, "/spec/infrastructure/parametersRef/name"))
                        })
                        .flatten();
                    let ep = gw_ep.or_else(|| {
                        let class = cluster.get(gc_res, "", text(g, "/spec/gatewayClassName"))?;
                        (text(&class, "/spec/parametersRef/kind") == "EnvoyProxy")
                            .then(|| {
                                envoy_proxy(
                                    text(&class, "/spec/parametersRef/namespace"),
                                    text(&class, "/spec/parametersRef/name"),
                                )
                            })
                            .flatten()
                    });
                    if ep.as_deref().is_some_and(prometheus_off) {
                        prometheus = false;
                    }
                }
                let total_w: f64 = clusters.iter().map(|c| c.1).sum();
                for c in &mut clusters {
                    c.1 /= total_w;
                }
                let hpa = hpas
                    .get(&(ns.as_str(), name.as_str()))
                    .filter(|_| plural == "deployments")
                    .map(|(hname, h)| Hpa {
                        name: hname.to_string(),
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
                    });
                let template = pods.first().map(|p| (*p).clone());
                let cpu_request_m = template
                    .as_ref()
                    .and_then(|p| {
                        p.pointer("/spec/containers")?
                            .as_array()?
                            .iter()
                            .find(|c| text(c, "/name") == "envoy")?
                            .pointer("/resources/requests/cpu")
                            .and_then(quantity_of)
                    })
                    .map_or(500.0, |c| c * 1000.0);
                let replicas = pods.len().max(1) as f64;
                // Per-pod load around half the HPA target (or 40 % of the request).
                let target = hpa.as_ref().map_or(60.0, |h| h.target) / 100.0;
                let per_pod_cpu =
                    cpu_request_m * target * (0.55 + 0.3 * (rng.below(100) as f64 / 100.0));
                let base_rps = replicas * ((per_pod_cpu - IDLE_CPU_M).max(10.0) / CPU_M_PER_RPS);
                let fleet = Fleet {
                    ns: ns.clone(),
                    name: name.clone(),
                    workload_res: wres,
                    selector,
                    pods: pods
                        .iter()
                        .map(|p| text(p, "/metadata/name").to_string())
                        .collect(),
                    template,
                    hpa,
                    prometheus,
                    acc: Counters::sized(prefixes.len(), clusters.len()),
                    prefixes,
                    clusters,
                    base_rps,
                    amplitude: 0.15 + 0.2 * (rng.below(100) as f64 / 100.0),
                    period: 300.0 + rng.below(900) as f64,
                    phase: rng.below(628) as f64 / 100.0,
                    burst: None,
                    cpu_request_m,
                    rps: base_rps,
                    below_since: None,
                };
                fleets.push(fleet);
            }
        }

        if showcase {
            // The platform fleet (the one with an HPA) rides a wave that
            // saturates its HPA at the crest; another fleet has a 5xx burst.
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

    pub fn clock(&self) -> SimClock {
        self.clock
    }

    /// The simulated wall-clock time.
    pub fn now(&self) -> jiff::Timestamp {
        self.clock.timestamp(self.start)
    }

    /// Advances the model, writing scaling changes into the cluster (which
    /// turns them into watch events).
    pub fn advance(&mut self, d: Duration, cluster: &mut Cluster) {
        self.pending += d;
        while self.pending >= TICK {
            self.pending -= TICK;
            self.tick(cluster);
        }
    }

    fn tick(&mut self, cluster: &mut Cluster) {
        self.ticks += 1;
        self.clock.elapsed += TICK;
        cluster.catch_up(self.clock.elapsed);
        let t = self.clock.elapsed.as_secs();
        for i in 0..self.fleets.len() {
            let noise = 0.97 + 0.06 * (self.rng.below(1000) as f64 / 1000.0);
            let f = &mut self.fleets[i];
            f.rps = f.base_rps * f.load_factor(t as f64) * noise;
            let rps = f.rps;
            f.accumulate(rps, TICK.as_secs_f64(), t);
            if t.is_multiple_of(HPA_PERIOD) && f.hpa.is_some() {
                self.autoscale(i, cluster);
            }
        }
    }

    fn autoscale(&mut self, i: usize, cluster: &mut Cluster) {
        let t = self.clock.elapsed.as_secs();
        let now = self.now().to_string();
        let f = &mut self.fleets[i];
        let Some(hpa) = f.hpa.clone() else { return };
        let replicas = f.pods.len();
        let util = f.cpu_per_pod_m() / f.cpu_request_m * 100.0;
        let ratio = util / hpa.target;
        let raw = if (ratio - 1.0).abs() <= 0.1 {
            replicas
        } else {
            (replicas as f64 * ratio - 1e-9).ceil().max(1.0) as usize
        };
        let desired = raw.clamp(hpa.min, hpa.max);
        let mut target_replicas = replicas;
        if desired > replicas {
            target_replicas = desired;
            f.below_since = None;
        } else if desired < replicas {
            let since = *f.below_since.get_or_insert(t);
            if t - since >= SCALE_DOWN_DELAY {
                target_replicas = desired;
                f.below_since = None;
            }
        } else {
            f.below_since = None;
        }
        let scaled = target_replicas != replicas;
        let pods_res = find("", "v1", "pods").expect("pods");
        while self.fleets[i].pods.len() < target_replicas {
            self.add_pod(i, cluster, &now);
        }
        while self.fleets[i].pods.len() > target_replicas {
            let f = &mut self.fleets[i];
            if let Some(name) = f.pods.pop() {
                cluster.delete(pods_res, &f.ns, &name);
                self.pods.remove(&(f.ns.clone(), name));
            }
        }
        let f = &self.fleets[i];
        let hpa_res = find("autoscaling", "v2", "horizontalpodautoscalers").expect("hpa");
        if let Some(old) = cluster.get(hpa_res, &f.ns, &hpa.name) {
            let mut obj = (*old).clone();
            let cpu = f.cpu_per_pod_m();
            let limited = raw > hpa.max || raw < hpa.min;
            let (reason, message) = if raw > hpa.max {
                (
                    "TooManyReplicas",
                    "the desired replica count is more than the maximum replica count",
                )
            } else if raw < hpa.min {
                (
                    "TooFewReplicas",
                    "the desired replica count is less than the minimum replica count",
                )
            } else {
                (
                    "DesiredWithinRange",
                    "the desired count is within the acceptable range",
                )
            };
            let old_cond = |ty: &str| {
                old.pointer("/status/conditions")
                    .and_then(Value::as_array)
                    .and_then(|cs| cs.iter().find(|c| text(c, "/type") == ty))
                    .cloned()
            };
            let cond = |ty: &str, status: bool, reason: &str, message: &str| {
                let status = if status { "True" } else { "False" };
                let since = old_cond(ty)
                    .filter(|c| text(c, "/status") == status)
                    .map(|c| text(&c, "/lastTransitionTime").to_string())
                    .unwrap_or_else(|| now.clone());
                json!({"lastTransitionTime": since, "message": message, "reason": reason,
                       "status": status, "type": ty})
            };
            let able = if desired == target_replicas {
                cond(
                    "AbleToScale",
                    true,
                    "ReadyForNewScale",
                    "recommended size matches current size",
                )
            } else {
                cond(
                    "AbleToScale",
                    true,
                    "ScaleDownStabilized",
                    "recent recommendations were higher than current one, applying the highest recent recommendation",
                )
            };
            let status = json!({
                "conditions": [
                    able,
                    cond("ScalingActive", true, "ValidMetricFound",
                         "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"),
                    cond("ScalingLimited", limited, reason, message),
                ],
                "currentMetrics": [{"resource": {"current": {
                    "averageUtilization": util.round() as u64,
                    "averageValue": format!("{}m", cpu.round() as u64)}, "name": "cpu"}, "type": "Resource"}],
                "currentReplicas": target_replicas,
                "desiredReplicas": desired,
                "lastScaleTime": if scaled { json!(now) } else { old.pointer("/status/lastScaleTime").cloned().unwrap_or(Value::Null) },
            });
            if old.get("status") != Some(&status) {
                obj["status"] = status;
                cluster.upsert(hpa_res, obj);
            }
        }
        if scaled && let Some(w) = cluster.get(f.workload_res, &f.ns, &f.name) {
            let mut obj = (*w).clone();
            obj["spec"]["replicas"] = json!(target_replicas);
            for k in [
                "replicas",
                "readyReplicas",
                "availableReplicas",
                "updatedReplicas",
            ] {
                obj["status"][k] = json!(target_replicas);
            }
            cluster.upsert(f.workload_res, obj);
        }
    }

    fn add_pod(&mut self, i: usize, cluster: &mut Cluster, now: &str) {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        let pods_res = find("", "v1", "pods").expect("pods");
        let started = self.clock.elapsed.as_secs_f64();
        let suffix: String = (0..5)
            .map(|_| ALPHABET[self.rng.below(ALPHABET.len() as u64) as usize] as char)
            .collect();
        let ip = format!("10.244.{}.{}", self.rng.below(8), 2 + self.rng.below(250));
        let f = &mut self.fleets[i];
        let Some(template) = f.template.clone() else {
            return;
        };
        let generate = template
            .pointer("/metadata/generateName")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| {
                let name = text(&template, "/metadata/name");
                match name.rsplit_once('-') {
                    Some((head, _)) => format!("{head}-"),
                    None => format!("{name}-"),
                }
            });
        let name = format!("{generate}{suffix}");
        let mut pod = template;
        if let Some(m) = pod["metadata"].as_object_mut() {
            m.remove("uid");
            m.remove("resourceVersion");
        }
        pod["metadata"]["name"] = json!(name);
        pod["metadata"]["creationTimestamp"] = json!(now);
        if pod.get("status").is_some_and(Value::is_object) {
            pod["status"]["startTime"] = json!(now);
            pod["status"]["podIP"] = json!(ip);
            pod["status"]["podIPs"] = json!([{"ip": ip}]);
            pod["status"]["phase"] = json!("Running");
            if let Some(cs) = pod["status"]["conditions"].as_array_mut() {
                for c in cs {
                    c["lastTransitionTime"] = json!(now);
                    c["status"] = json!("True");
                }
            }
            if let Some(cs) = pod["status"]["containerStatuses"].as_array_mut() {
                for c in cs {
                    c["restartCount"] = json!(0);
                    c["ready"] = json!(true);
                    c["started"] = json!(true);
                    c["state"] = json!({"running": {"startedAt": now}});
                    if let Some(m) = c.as_object_mut() {
                        m.remove("lastState");
                    }
                }
            }
        }
        f.pods.push(name.clone());
        let base = Some(Box::new(f.acc.clone()));
        cluster.upsert(pods_res, pod);
        self.pods.insert(
            (f.ns.clone(), name.clone()),
            PodInfo {
                fleet: i,
                base,
                mult: 0.9 + 0.2 * hash_unit(&name),
                started,
            },
        );
    }

    /// Total request rate of the fleet serving a proxy pod.
    pub fn fleet_rps(&self, ns: &str, pod: &str) -> Option<f64> {
        let info = self.pods.get(&(ns.to_string(), pod.to_string()))?;
        Some(self.fleets[info.fleet].rps)
    }

    /// CPU (millicores) and memory (bytes) of a pod, for PodMetrics.
    /// Pods outside the proxy fleets idle at small fixed values.
    pub fn pod_usage(&self, ns: &str, pod: &str) -> (f64, f64) {
        match self.pods.get(&(ns.to_string(), pod.to_string())) {
            Some(info) => {
                let f = &self.fleets[info.fleet];
                let cpu = f.cpu_per_pod_m() * info.mult;
                let mem = 64.0 * 1048576.0
                    + f.clusters.len() as f64 * 256.0 * 1024.0
                    + f.rps_per_pod() * 40.0 * 1024.0;
                (cpu, mem)
            }
            None => (
                8.0 + 10.0 * hash_unit(pod),
                (48.0 + 64.0 * hash_unit(&format!("{pod}#m"))) * 1048576.0,
            ),
        }
    }

    /// The Envoy `/stats/prometheus` text of a proxy pod.
    pub fn metrics_text(&self, ns: &str, pod: &str) -> Result<String, MetricsError> {
        let info = self
            .pods
            .get(&(ns.to_string(), pod.to_string()))
            .ok_or(MetricsError::NotFound)?;
        let f = &self.fleets[info.fleet];
        if !f.prometheus {
            return Err(MetricsError::Disabled);
        }
        let zero = Counters::sized(f.prefixes.len(), f.clusters.len());
        let base = info.base.as_deref().unwrap_or(&zero);
        let m = info.mult;
        let int = |v: f64| (v.max(0.0) * m).floor() as u64;
        let mut out = String::with_capacity(4096);
        let clusters: Vec<&str> = f.clusters.iter().map(|c| c.0.as_str()).collect();
        let classes = ["1", "2", "3", "4", "5"];

        let _ = writeln!(out, "# TYPE envoy_cluster_upstream_rq_total counter");
        for (c, name) in clusters.iter().enumerate() {
            let total: f64 = (0..5).map(|k| f.acc.up_xx[c][k] - base.up_xx[c][k]).sum();
            let _ = writeln!(
                out,
                "envoy_cluster_upstream_rq_total{{envoy_cluster_name=\"{name}\"}} {}",
                int(total)
            );
        }
        let _ = writeln!(out, "# TYPE envoy_cluster_upstream_rq_xx counter");
        for (c, name) in clusters.iter().enumerate() {
            for (k, class) in classes.iter().enumerate().skip(1) {
                let _ = writeln!(
                    out,
                    "envoy_cluster_upstream_rq_xx{{envoy_response_code_class=\"{class}\",envoy_cluster_name=\"{name}\"}} {}",
                    int(f.acc.up_xx[c][k] - base.up_xx[c][k])
                );
            }
        }
        for (metric, i) in [
            ("envoy_cluster_upstream_cx_connect_fail", 0),
            ("envoy_cluster_upstream_rq_timeout", 1),
            ("envoy_cluster_upstream_rq_pending_overflow", 2),
        ] {
            let _ = writeln!(out, "# TYPE {metric} counter");
            for (c, name) in clusters.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{metric}{{envoy_cluster_name=\"{name}\"}} {}",
                    int(f.acc.up_fail[c][i] - base.up_fail[c][i])
                );
            }
        }
        let t = self.clock.elapsed.as_secs();
        let _ = writeln!(out, "# TYPE envoy_cluster_upstream_rq_active gauge");
        for (c, name) in clusters.iter().enumerate() {
            let _ = writeln!(
                out,
                "envoy_cluster_upstream_rq_active{{envoy_cluster_name=\"{name}\"}} {}",
                (f.cluster_active(c, f.rps_per_pod() * m, t)).round() as u64
            );
        }
        let _ = writeln!(out, "# TYPE envoy_http_downstream_cx_total counter");
        for (p, prefix) in f.prefixes.iter().enumerate() {
            let _ = writeln!(
                out,
                "envoy_http_downstream_cx_total{{envoy_http_conn_manager_prefix=\"{prefix}\"}} {}",
                int(f.acc.down_cx[p] - base.down_cx[p])
            );
        }
        let _ = writeln!(out, "# TYPE envoy_http_downstream_rq_total counter");
        for (p, prefix) in f.prefixes.iter().enumerate() {
            let total: f64 = (0..5)
                .map(|k| f.acc.down_xx[p][k] - base.down_xx[p][k])
                .sum();
            let _ = writeln!(
                out,
                "envoy_http_downstream_rq_total{{envoy_http_conn_manager_prefix=\"{prefix}\"}} {}",
                int(total)
            );
        }
        let _ = writeln!(out, "# TYPE envoy_http_downstream_rq_xx counter");
        for (p, prefix) in f.prefixes.iter().enumerate() {
            for (k, class) in classes.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "envoy_http_downstream_rq_xx{{envoy_response_code_class=\"{class}\",envoy_http_conn_manager_prefix=\"{prefix}\"}} {}",
                    int(f.acc.down_xx[p][k] - base.down_xx[p][k])
                );
            }
        }
        let rps_pod = f.rps_per_pod() * m;
        let np = f.prefixes.len().max(1) as f64;
        let _ = writeln!(out, "# TYPE envoy_http_downstream_cx_active gauge");
        for prefix in &f.prefixes {
            let _ = writeln!(
                out,
                "envoy_http_downstream_cx_active{{envoy_http_conn_manager_prefix=\"{prefix}\"}} {}",
                (rps_pod / np * 0.08).round() as u64
            );
        }
        let _ = writeln!(out, "# TYPE envoy_http_downstream_rq_active gauge");
        for prefix in &f.prefixes {
            let _ = writeln!(
                out,
                "envoy_http_downstream_rq_active{{envoy_http_conn_manager_prefix=\"{prefix}\"}} {}",
                (rps_pod / np * 0.02).round() as u64
            );
        }
        let uptime = (self.clock.elapsed.as_secs_f64() - info.started).max(0.0) as u64;
        let (_, mem) = self.pod_usage(ns, pod);
        let _ = writeln!(out, "# TYPE envoy_server_concurrency gauge");
        let _ = writeln!(out, "envoy_server_concurrency{{}} 2");
        let _ = writeln!(out, "# TYPE envoy_server_live gauge");
        let _ = writeln!(out, "envoy_server_live{{}} 1");
        let _ = writeln!(out, "# TYPE envoy_server_memory_allocated gauge");
        let _ = writeln!(
            out,
            "envoy_server_memory_allocated{{}} {}",
            (mem * 0.8) as u64
        );
        let _ = writeln!(out, "# TYPE envoy_server_memory_heap_size gauge");
        let _ = writeln!(out, "envoy_server_memory_heap_size{{}} {}", mem as u64);
        let _ = writeln!(out, "# TYPE envoy_server_uptime gauge");
        let _ = writeln!(out, "envoy_server_uptime{{}} {uptime}");

        let hist = |out: &mut String, metric: &str, label: &str, value: &str, h: &Hist| {
            for (i, le) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "{metric}_bucket{{{label}=\"{value}\",le=\"{le}\"}} {}",
                    h.buckets[i].floor() as u64
                );
            }
            let count = h.count.floor() as u64;
            let _ = writeln!(
                out,
                "{metric}_bucket{{{label}=\"{value}\",le=\"+Inf\"}} {count}"
            );
            let _ = writeln!(out, "{metric}_sum{{{label}=\"{value}\"}} {:.3}", h.sum);
            let _ = writeln!(out, "{metric}_count{{{label}=\"{value}\"}} {count}");
        };
        let _ = writeln!(out, "# TYPE envoy_cluster_upstream_rq_time histogram");
        for (c, name) in clusters.iter().enumerate() {
            let h = f.acc.up_time[c].minus(&base.up_time[c], m);
            hist(
                &mut out,
                "envoy_cluster_upstream_rq_time",
                "envoy_cluster_name",
                name,
                &h,
            );
        }
        let _ = writeln!(out, "# TYPE envoy_http_downstream_rq_time histogram");
        for (p, prefix) in f.prefixes.iter().enumerate() {
            let h = f.acc.down_time[p].minus(&base.down_time[p], m);
            hist(
                &mut out,
                "envoy_http_downstream_rq_time",
                "envoy_http_conn_manager_prefix",
                prefix,
                &h,
            );
        }
        Ok(out)
    }

    /// Names of the proxy pods per fleet (namespace, pod), for tests.
    pub fn proxy_pods(&self) -> Vec<(String, String)> {
        self.pods.keys().cloned().collect()
    }

    /// Whether a fleet's pods match a selector the fleet was built from.
    pub fn fleet_selector(&self, ns: &str, pod: &str) -> Option<&[(String, String)]> {
        let info = self.pods.get(&(ns.to_string(), pod.to_string()))?;
        Some(&self.fleets[info.fleet].selector)
    }
}
