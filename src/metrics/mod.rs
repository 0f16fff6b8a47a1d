//! Live Envoy metrics: the Prometheus text each proxy serves on
//! `:19001/stats/prometheus`, scraped through the API server, turned into a
//! short history of derived series per pod and per fleet.
//!
//! These types are what the UI and the EG507 rule read; the parser and the
//! maths live in the submodules, the scraper (which picks its pods from the
//! model) in the session layer.

pub mod prom;
pub mod series;

pub use crate::units::{PodUsage, UsageMap};
use std::collections::{BTreeMap, VecDeque};

/// How many derived points a pod keeps (one per scrape interval).
pub const HISTORY: usize = 120;

/// What one interval between two scrapes of a pod shows.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Derived {
    /// Seconds on the metrics clock at the end of the interval.
    pub at: f64,
    /// Downstream requests per second (`envoy_http_downstream_rq_total`).
    pub rps: f64,
    /// Shares (0..=1) of responses by class over the interval
    /// (`envoy_http_downstream_rq_xx`); 0 when no request completed.
    pub share_2xx: f64,
    pub share_4xx: f64,
    pub share_5xx: f64,
    /// Requests counted over the interval (`envoy_http_downstream_rq_total`).
    pub requests: f64,
    /// Responses counted over the interval (Σ of `envoy_http_downstream_rq_xx`
    /// over classes), the denominator of the shares and their weight when
    /// summing pods. Equals `requests` but for requests still in flight.
    pub responses: f64,
    /// 5xx responses counted over the interval.
    pub responses_5xx: f64,
    /// Upstream latency quantiles in ms from `envoy_cluster_upstream_rq_time`
    /// bucket deltas; `None` without samples in the interval.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// The bucket deltas the quantiles came from, when the proxy uses Envoy's
    /// default bounds ([`ENVOY_BUCKET_BOUNDS`]); the fleet rollup merges these
    /// to get fleet quantiles instead of taking the worst pod's.
    pub latency: Option<LatencyBuckets>,
    /// `envoy_http_downstream_cx_active` summed over listeners.
    pub active_connections: f64,
    /// `envoy_server_memory_allocated`.
    pub memory_bytes: Option<f64>,
}

/// Envoy's default histogram bucket upper bounds (ms), before `+Inf`
/// (`reference/envoy-gateway.md` §7.1).
pub const ENVOY_BUCKET_BOUNDS: [f64; 19] = [
    0.5, 1.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0, 500.0, 1000.0, 2500.0, 5000.0, 10000.0, 30000.0,
    60000.0, 300000.0, 600000.0, 1800000.0, 3600000.0,
];

/// Cumulative counts of one interval's latency histogram over
/// [`ENVOY_BUCKET_BOUNDS`] then `+Inf` (index 19). Fixed-size so that
/// [`Derived`] stays `Copy`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LatencyBuckets {
    pub cumulative: [f64; 20],
}

impl LatencyBuckets {
    /// Observations in the interval (the `+Inf` bucket).
    pub fn count(&self) -> f64 {
        self.cumulative[19]
    }

    /// Adds another histogram's counts (same bounds, so sums stay cumulative).
    pub fn merge(&mut self, other: &LatencyBuckets) {
        for (a, b) in self.cumulative.iter_mut().zip(other.cumulative.iter()) {
            *a += b;
        }
    }

    /// `histogram_quantile(q, ...)` over these buckets, in ms.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        let buckets: Vec<(f64, f64)> = ENVOY_BUCKET_BOUNDS
            .iter()
            .copied()
            .chain(std::iter::once(f64::INFINITY))
            .zip(self.cumulative.iter().copied())
            .collect();
        series::histogram_quantile(q, &buckets)
    }
}

/// Why a pod has no fresh numbers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScrapeState {
    /// Not scraped yet.
    Pending,
    Ok,
    /// The API server said 403 to pods/proxy.
    Forbidden,
    Timeout,
    /// Prometheus is disabled on the fleet, so there is no port 19001.
    NoMetricsPort,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct PodSeries {
    pub state: ScrapeState,
    pub history: VecDeque<Derived>,
    /// The latest interval of each route cluster of the pod, sorted by
    /// name. Only the latest: a full history per cluster and pod would cost
    /// the `large` scenario (40,000 clusters × 5 pods) hundreds of MB; the
    /// fleets on screen keep theirs in [`MetricsSnapshot::route_history`].
    pub clusters: Vec<ClusterSample>,
}

impl Default for PodSeries {
    fn default() -> Self {
        PodSeries {
            state: ScrapeState::Pending,
            history: VecDeque::with_capacity(HISTORY),
            clusters: Vec::new(),
        }
    }
}

/// The route rule an upstream cluster serves. Envoy Gateway names route
/// clusters `<kind>/<namespace>/<name>/rule/<n>` (the EnvoyProxy
/// `telemetry.metrics.clusterStatName` default, `reference/envoy-gateway.md`
/// §2.3); TCP, TLS and UDP routes have one cluster per route, numbered
/// `rule/-1` (corpus `envoy-gateway-v1.9.0/internal/cmd/egctl/testdata/
/// translate/out/default-resources.all.yaml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RouteRuleRef<'a> {
    /// `httproute`, `grpcroute`, `tcproute`, `tlsroute` or `udproute`.
    pub kind: &'a str,
    pub namespace: &'a str,
    pub name: &'a str,
    /// The rule index, `-1` for a whole L4 route.
    pub rule: i32,
}

/// Reads an Envoy Gateway route cluster name; `None` for Envoy Gateway's own
/// clusters (`prometheus_stats`, `xds_cluster`), for longer names (route,
/// match and backend names share the prefix: `httproute/ns/n/rule/0/backend/0`)
/// and for names a custom `clusterStatName` made, which cannot be read back.
pub fn parse_cluster(name: &str) -> Option<RouteRuleRef<'_>> {
    let mut it = name.split('/');
    let kind = it.next()?;
    if !matches!(
        kind,
        "httproute" | "grpcroute" | "tcproute" | "tlsroute" | "udproute"
    ) {
        return None;
    }
    let namespace = it.next().filter(|s| !s.is_empty())?;
    let route = it.next().filter(|s| !s.is_empty())?;
    if it.next()? != "rule" {
        return None;
    }
    let n = it.next()?;
    // `i32::from_str` takes a leading `+`, which Envoy Gateway never writes.
    if n.starts_with('+') || it.next().is_some() {
        return None;
    }
    let rule = n.parse::<i32>().ok().filter(|r| *r >= -1)?;
    Some(RouteRuleRef {
        kind,
        namespace,
        name: route,
        rule,
    })
}

/// What one interval shows for one route cluster: of one pod, or summed
/// over a fleet's pods ([`series::cluster_rollup`]).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClusterPoint {
    /// Seconds on the metrics clock at the end of the (newest) interval.
    pub at: f64,
    /// Responses per second.
    pub rps: f64,
    /// Responses by class over the interval (`envoy_cluster_upstream_rq_xx`).
    /// Not `upstream_rq_total`: a request Envoy answers itself after a
    /// failed connect is counted in `upstream_rq_xx` (class 5) but never in
    /// `upstream_rq_total` (real scrape `stats-t1.prom`, rule/1: 29 5xx, 0
    /// total).
    pub responses: f64,
    pub responses_2xx: f64,
    pub responses_4xx: f64,
    pub responses_5xx: f64,
    /// `envoy_cluster_upstream_rq_time` quantiles (ms) over the interval.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// `envoy_cluster_upstream_rq_active` at the end of the interval.
    pub active: f64,
    /// Increases of `envoy_cluster_upstream_cx_connect_fail`,
    /// `envoy_cluster_upstream_rq_timeout` and
    /// `envoy_cluster_upstream_rq_pending_overflow`.
    pub connect_fail: f64,
    pub timeouts: f64,
    pub pending_overflow: f64,
}

impl ClusterPoint {
    /// Adds another point's counts, rates and gauges (`at` becomes the
    /// newer); quantiles do not add, and each caller combines them its way.
    pub fn add_counts(&mut self, p: &ClusterPoint) {
        self.at = self.at.max(p.at);
        self.rps += p.rps;
        self.responses += p.responses;
        self.responses_2xx += p.responses_2xx;
        self.responses_4xx += p.responses_4xx;
        self.responses_5xx += p.responses_5xx;
        self.active += p.active;
        self.connect_fail += p.connect_fail;
        self.timeouts += p.timeouts;
        self.pending_overflow += p.pending_overflow;
    }

    fn share(&self, n: f64) -> Option<f64> {
        (self.responses > 0.0).then(|| n / self.responses)
    }
    /// Shares (0..=1) of the responses; `None` without a response.
    pub fn share_2xx(&self) -> Option<f64> {
        self.share(self.responses_2xx)
    }
    pub fn share_4xx(&self) -> Option<f64> {
        self.share(self.responses_4xx)
    }
    pub fn share_5xx(&self) -> Option<f64> {
        self.share(self.responses_5xx)
    }
}

/// One route cluster's latest interval on one pod.
#[derive(Debug, Clone, PartialEq)]
pub struct ClusterSample {
    pub cluster: std::sync::Arc<str>,
    pub point: ClusterPoint,
    /// The interval's buckets, kept only for pods of fleets on screen (so
    /// their route quantiles are exact over the fleet); elsewhere the worst
    /// pod's quantiles stand in.
    pub latency: Option<Box<LatencyBuckets>>,
}

/// A fleet's route clusters summed over its pods' latest intervals, sorted
/// by cluster name.
pub type FleetRoutes = Vec<(std::sync::Arc<str>, ClusterPoint)>;

impl PodSeries {
    pub fn latest(&self) -> Option<&Derived> {
        self.history.back()
    }

    pub fn push(&mut self, d: Derived) {
        if self.history.len() == HISTORY {
            self.history.pop_front();
        }
        self.history.push_back(d);
    }
}

/// Every pod's series, keyed by (namespace, pod name). Immutable snapshots
/// of this go to the UI. Each pod's series is shared (copy on write): a
/// round scrapes a few hundred of thousands of pods, and the snapshot sent
/// after it copies only those.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsSnapshot {
    pub pods: BTreeMap<(String, String), std::sync::Arc<PodSeries>>,
    /// CPU and memory per pod from `metrics.k8s.io`, when it is served.
    pub usage: std::sync::Arc<UsageMap>,
    /// Per fleet key: its route clusters over its pods' latest intervals.
    /// Fleets are re-summed only when one of their pods was scraped.
    pub routes: BTreeMap<String, std::sync::Arc<FleetRoutes>>,
    /// Per (fleet key, cluster): the last [`HISTORY`] fleet sums, kept only
    /// for the fleets on screen (`session::scrape::Scraper::set_focus`).
    pub route_history: BTreeMap<(String, std::sync::Arc<str>), VecDeque<ClusterPoint>>,
}

impl MetricsSnapshot {
    /// The fleet's sum for one cluster name.
    pub fn route_cluster(&self, fleet: &str, cluster: &str) -> Option<&ClusterPoint> {
        let routes = self.routes.get(fleet)?;
        let i = routes.binary_search_by(|(n, _)| (**n).cmp(cluster)).ok()?;
        Some(&routes[i].1)
    }

    /// Every cluster of one route in one fleet (`kind` as in cluster names,
    /// `httproute`), in rule order as names sort (`rule/-1`, `rule/0`, …,
    /// `rule/10` after `rule/1`: callers sort by the parsed rule).
    pub fn route_clusters<'a>(
        &'a self,
        fleet: &str,
        kind: &str,
        namespace: &str,
        name: &str,
    ) -> impl Iterator<Item = (RouteRuleRef<'a>, &'a ClusterPoint)> + 'a {
        let prefix = format!("{kind}/{namespace}/{name}/rule/");
        let routes = self.routes.get(fleet).map(|r| r.as_slice()).unwrap_or(&[]);
        let start = routes.partition_point(|(n, _)| **n < *prefix.as_str());
        routes[start..]
            .iter()
            .take_while(move |(n, _)| n.starts_with(prefix.as_str()))
            .filter_map(|(n, p)| Some((parse_cluster(n)?, p)))
    }
}
