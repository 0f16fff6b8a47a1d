//! The traffic and autoscaling model: request-rate waves per proxy fleet, a
//! 5xx burst (showcase), HPAs following load (and saturating), pods coming
//! and going. Time is a steppable clock ([`Traffic::advance`]); everything is
//! derived from the seed, so the same steps give the same objects and
//! metrics.
//!
//! By concern: this module holds the model's state and its clock step;
//! [`discover`] finds the fleets of a cluster, [`autoscale`] is the HPA
//! controller, [`prometheus`] writes each proxy pod's Envoy stats.

mod autoscale;
mod discover;
mod prometheus;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use serde_json::Value;

use super::SplitMix64;
use super::cluster::Cluster;

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
