//! From scrapes to [`Derived`] points: per-pod deltas between two
//! consecutive scrapes, the fleet rollup, the windowed 5xx share EG507 reads,
//! and a [`Recorder`] that keeps each pod's previous scrape.
//!
//! What counts:
//! - Listeners: `envoy_http_*` series whose `envoy_http_conn_manager_prefix`
//!   is one of the Gateway's listeners (`http-10080`, `https-10443`, …).
//!   Excluded: Envoy's own `admin` and `async-client` managers and Envoy
//!   Gateway's internal `eg-*` listeners (`eg-stats-http` on 19001,
//!   `eg-ready-http` on 19003). The real scrapes show exactly `admin`,
//!   `async-client`, `eg-stats-http` and `http-10080`.
//! - Upstream latency: `envoy_cluster_upstream_rq_time` of route clusters
//!   only (`httproute/…`, `grpcroute/…`, `tcproute/…`, `tlsroute/…`,
//!   `udproute/…`), not `xds_cluster`, `prometheus_stats` and the like.
//!
//! Counter semantics follow Prometheus `rate`/`increase`: the delta of a
//! series is `current - previous`, or `current` when the counter went down
//! (a reset). A series absent from the previous scrape was created in the
//! interval and counts from 0. When `envoy_server_uptime` went down the whole
//! pod restarted and every delta is the current value, even for a counter
//! that happens to have climbed back above its old value.
//!
//! Histograms: bucket deltas per cluster and `le`, summed over route clusters
//! by `le` (like `sum by (le) (increase(..._bucket[..]))`), made monotonic,
//! then [`histogram_quantile`]. Envoy flushes histograms on its stats flush
//! interval (5 s), so a histogram can lag the counters by one flush.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use super::prom::Scrape;
use super::{
    ClusterPoint, ClusterSample, Derived, ENVOY_BUCKET_BOUNDS, LatencyBuckets, MetricsSnapshot,
    PodSeries, ScrapeState,
};

const RQ_TOTAL: &str = "envoy_http_downstream_rq_total";
const RQ_XX: &str = "envoy_http_downstream_rq_xx";
const CX_ACTIVE: &str = "envoy_http_downstream_cx_active";
const RQ_TIME_BUCKET: &str = "envoy_cluster_upstream_rq_time_bucket";
const MEMORY: &str = "envoy_server_memory_allocated";
const UPTIME: &str = "envoy_server_uptime";
// Per route cluster; names and labels as in the real scrapes
// (`reference/envoy-real/stats-t1.prom`).
const UP_RQ_XX: &str = "envoy_cluster_upstream_rq_xx";
const UP_RQ_ACTIVE: &str = "envoy_cluster_upstream_rq_active";
const UP_CX_CONNECT_FAIL: &str = "envoy_cluster_upstream_cx_connect_fail";
const UP_RQ_TIMEOUT: &str = "envoy_cluster_upstream_rq_timeout";
const UP_RQ_PENDING_OVERFLOW: &str = "envoy_cluster_upstream_rq_pending_overflow";

/// Whether [`PodCounters::from_scrape`] reads samples called `name`: the
/// scraper parses only these.
pub fn wanted(name: &str) -> bool {
    matches!(
        name,
        RQ_TOTAL
            | RQ_XX
            | CX_ACTIVE
            | RQ_TIME_BUCKET
            | MEMORY
            | UPTIME
            | UP_RQ_XX
            | UP_RQ_ACTIVE
            | UP_CX_CONNECT_FAIL
            | UP_RQ_TIMEOUT
            | UP_RQ_PENDING_OVERFLOW
    )
}
const PREFIX_LABEL: &str = "envoy_http_conn_manager_prefix";
const CLASS_LABEL: &str = "envoy_response_code_class";
const CLUSTER_LABEL: &str = "envoy_cluster_name";

/// Whether an `envoy_http_conn_manager_prefix` is one of the Gateway's
/// listeners rather than Envoy's admin/async client or Envoy Gateway's own
/// stats and readiness listeners.
pub fn is_gateway_prefix(prefix: &str) -> bool {
    !matches!(prefix, "admin" | "async-client") && !prefix.starts_with("eg-")
}

/// Whether an `envoy_cluster_name` is a cluster Envoy Gateway made for a
/// route rule ([`super::parse_cluster`]).
pub fn is_route_cluster(name: &str) -> bool {
    super::parse_cluster(name).is_some()
}

/// One route cluster's counters in one scrape.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClusterCounters {
    /// `envoy_cluster_upstream_rq_xx` by class 1..=5 (index 0 is 1xx).
    pub xx: [f64; 5],
    pub active: f64,
    pub connect_fail: f64,
    pub timeout: f64,
    pub pending_overflow: f64,
    /// `envoy_cluster_upstream_rq_time` as (`le`, cumulative count), sorted
    /// by `le`.
    pub rq_time: Vec<(f64, f64)>,
}

/// The numbers of one scrape the derivation reads, small enough to keep per
/// pod between scrapes (the [`Recorder`] keeps these, not whole scrapes).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PodCounters {
    pub uptime: Option<f64>,
    pub memory: Option<f64>,
    /// `envoy_http_downstream_cx_active` summed over Gateway listeners.
    pub active_connections: f64,
    /// Gateway listener prefix → `envoy_http_downstream_rq_total`.
    pub rq_total: BTreeMap<String, f64>,
    /// (prefix, class 1..=5) → `envoy_http_downstream_rq_xx`.
    pub rq_xx: BTreeMap<(String, u8), f64>,
    /// Route cluster → its counters. The name is shared with the
    /// [`ClusterSample`]s derived from it.
    pub clusters: BTreeMap<Arc<str>, ClusterCounters>,
}

impl PodCounters {
    /// The counters of a route cluster, created on first sight (a cluster
    /// has many lines: look it up before allocating its name).
    fn cluster(&mut self, name: &str) -> &mut ClusterCounters {
        if !self.clusters.contains_key(name) {
            self.clusters
                .insert(Arc::from(name), ClusterCounters::default());
        }
        self.clusters.get_mut(name).expect("inserted above")
    }

    pub fn from_scrape(scrape: &Scrape) -> PodCounters {
        let mut c = PodCounters::default();
        for s in &scrape.samples {
            // A NaN or infinite counter would poison every sum; skip it.
            if !s.value.is_finite() {
                continue;
            }
            let route_cluster = || s.label(CLUSTER_LABEL).filter(|n| is_route_cluster(n));
            match s.name.as_str() {
                RQ_TOTAL => {
                    if let Some(p) = s.label(PREFIX_LABEL).filter(|p| is_gateway_prefix(p)) {
                        *c.rq_total.entry(p.to_owned()).or_default() += s.value;
                    }
                }
                RQ_XX => {
                    let class = s.label(CLASS_LABEL).and_then(|k| k.parse::<u8>().ok());
                    if let (Some(p), Some(k @ 1..=5)) = (
                        s.label(PREFIX_LABEL).filter(|p| is_gateway_prefix(p)),
                        class,
                    ) {
                        *c.rq_xx.entry((p.to_owned(), k)).or_default() += s.value;
                    }
                }
                CX_ACTIVE if s.label(PREFIX_LABEL).is_some_and(is_gateway_prefix) => {
                    c.active_connections += s.value;
                }
                RQ_TIME_BUCKET => {
                    let le = s.label("le").and_then(|v| v.parse::<f64>().ok());
                    if let (Some(cl), Some(le)) = (route_cluster(), le)
                        && !le.is_nan()
                    {
                        c.cluster(cl).rq_time.push((le, s.value));
                    }
                }
                UP_RQ_XX => {
                    let class = s.label(CLASS_LABEL).and_then(|k| k.parse::<u8>().ok());
                    if let (Some(cl), Some(k @ 1..=5)) = (route_cluster(), class) {
                        c.cluster(cl).xx[usize::from(k - 1)] += s.value;
                    }
                }
                UP_RQ_ACTIVE | UP_CX_CONNECT_FAIL | UP_RQ_TIMEOUT | UP_RQ_PENDING_OVERFLOW => {
                    if let Some(cl) = route_cluster() {
                        let cc = c.cluster(cl);
                        let slot = match s.name.as_str() {
                            UP_RQ_ACTIVE => &mut cc.active,
                            UP_CX_CONNECT_FAIL => &mut cc.connect_fail,
                            UP_RQ_TIMEOUT => &mut cc.timeout,
                            _ => &mut cc.pending_overflow,
                        };
                        *slot += s.value;
                    }
                }
                MEMORY => {
                    c.memory.get_or_insert(s.value);
                }
                UPTIME => {
                    c.uptime.get_or_insert(s.value);
                }
                _ => {}
            }
        }
        for cc in c.clusters.values_mut() {
            cc.rq_time.sort_by(|a, b| a.0.total_cmp(&b.0));
            cc.rq_time.dedup_by(|later, first| later.0 == first.0);
        }
        c
    }
}

/// `increase` of one counter series.
fn delta(prev: Option<f64>, cur: f64, restarted: bool) -> f64 {
    match prev {
        Some(p) if !restarted && cur >= p => cur - p,
        _ => cur,
    }
}

/// Derives one interval from two consecutive scrapes of a pod, `seconds`
/// apart. `at` is left at 0 (the [`Recorder`] stamps its clock).
pub fn derive(prev: &Scrape, cur: &Scrape, seconds: f64) -> Derived {
    derive_counters(
        &PodCounters::from_scrape(prev),
        &PodCounters::from_scrape(cur),
        seconds,
    )
}

/// [`derive`] over already extracted counters.
pub fn derive_counters(prev: &PodCounters, cur: &PodCounters, seconds: f64) -> Derived {
    let restarted = matches!((prev.uptime, cur.uptime), (Some(p), Some(c)) if c < p);

    let requests: f64 = cur
        .rq_total
        .iter()
        .map(|(k, &v)| delta(prev.rq_total.get(k).copied(), v, restarted))
        .sum();
    let mut by_class = [0.0_f64; 6];
    for (k, &v) in &cur.rq_xx {
        by_class[usize::from(k.1)] += delta(prev.rq_xx.get(k).copied(), v, restarted);
    }
    let responses: f64 = by_class[1..].iter().sum();
    let share = |k: usize| {
        if responses > 0.0 {
            by_class[k] / responses
        } else {
            0.0
        }
    };

    // Σ over route clusters of per-(cluster, le) deltas, by le.
    let mut by_le: Vec<(f64, f64)> = Vec::new();
    for (cluster, cc) in &cur.clusters {
        let before = prev.clusters.get(cluster).map(|p| p.rq_time.as_slice());
        by_le.extend(bucket_deltas(before, &cc.rq_time, restarted));
    }
    by_le.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut merged: Vec<(f64, f64)> = Vec::with_capacity(by_le.len());
    for (le, v) in by_le {
        match merged.last_mut() {
            Some(last) if last.0 == le => last.1 += v,
            _ => merged.push((le, v)),
        }
    }
    let p50_ms = histogram_quantile(0.5, &merged);
    let p99_ms = histogram_quantile(0.99, &merged);

    Derived {
        at: 0.0,
        rps: if seconds > 0.0 && seconds.is_finite() {
            requests / seconds
        } else {
            0.0
        },
        share_2xx: share(2),
        share_4xx: share(4),
        share_5xx: share(5),
        requests,
        responses,
        responses_5xx: by_class[5],
        p50_ms,
        p99_ms,
        latency: default_buckets(&merged),
        active_connections: cur.active_connections,
        memory_bytes: cur.memory,
    }
}

/// Per-`le` increases of one cluster's buckets.
fn bucket_deltas<'a>(
    before: Option<&'a [(f64, f64)]>,
    buckets: &'a [(f64, f64)],
    restarted: bool,
) -> impl Iterator<Item = (f64, f64)> + 'a {
    buckets.iter().map(move |&(le, v)| {
        let p = before.and_then(|b| {
            b.binary_search_by(|x| x.0.total_cmp(&le))
                .ok()
                .map(|i| b[i].1)
        });
        (le, delta(p, v, restarted))
    })
}

/// Each route cluster's interval between two scrapes of a pod, `seconds`
/// apart, sorted by name; `keep_buckets` keeps the latency buckets (pods
/// of fleets on screen). `at` is left at 0 as in [`derive_counters`].
/// Gauges (`upstream_rq_active`) are the current value; the rest are
/// increases with the same reset rules as the listener counters.
pub fn derive_clusters(
    prev: &PodCounters,
    cur: &PodCounters,
    seconds: f64,
    keep_buckets: bool,
) -> Vec<ClusterSample> {
    let restarted = matches!((prev.uptime, cur.uptime), (Some(p), Some(c)) if c < p);
    let per_sec = |n: f64| {
        if seconds > 0.0 && seconds.is_finite() {
            n / seconds
        } else {
            0.0
        }
    };
    cur.clusters
        .iter()
        .map(|(name, cc)| {
            let before = prev.clusters.get(name);
            let d = |f: fn(&ClusterCounters) -> f64| delta(before.map(f), f(cc), restarted);
            let mut xx = [0.0; 5];
            for (k, slot) in xx.iter_mut().enumerate() {
                *slot = delta(before.map(|b| b.xx[k]), cc.xx[k], restarted);
            }
            let responses: f64 = xx.iter().sum();
            let buckets: Vec<(f64, f64)> =
                bucket_deltas(before.map(|b| b.rq_time.as_slice()), &cc.rq_time, restarted)
                    .collect();
            let point = ClusterPoint {
                at: 0.0,
                rps: per_sec(responses),
                responses,
                responses_2xx: xx[1],
                responses_4xx: xx[3],
                responses_5xx: xx[4],
                p50_ms: histogram_quantile(0.5, &buckets),
                p99_ms: histogram_quantile(0.99, &buckets),
                active: cc.active,
                connect_fail: d(|c| c.connect_fail),
                timeouts: d(|c| c.timeout),
                pending_overflow: d(|c| c.pending_overflow),
            };
            ClusterSample {
                cluster: name.clone(),
                point,
                latency: keep_buckets
                    .then(|| default_buckets(&buckets))
                    .flatten()
                    .map(Box::new),
            }
        })
        .collect()
}

/// Sums one cluster's samples from a fleet's pods into the fleet's point.
///
/// Counts, rates and gauges add up; `at` is the newest. The quantiles come
/// from the merged buckets when every sample with observations carries
/// them (exact, as for [`fleet_rollup`]), else the worst pod's stand in.
pub fn cluster_rollup<'a>(samples: impl IntoIterator<Item = &'a ClusterSample>) -> ClusterPoint {
    let mut out = ClusterPoint::default();
    let mut merged = LatencyBuckets::default();
    let mut all_buckets = true;
    let (mut worst50, mut worst99) = (None, None);
    for s in samples {
        let p = &s.point;
        out.add_counts(p);
        if p.p50_ms.is_some() || p.p99_ms.is_some() {
            match &s.latency {
                Some(b) => merged.merge(b),
                None => all_buckets = false,
            }
        }
        worst50 = max_opt(worst50, p.p50_ms);
        worst99 = max_opt(worst99, p.p99_ms);
    }
    if all_buckets && merged.count() > 0.0 {
        out.p50_ms = merged.quantile(0.5);
        out.p99_ms = merged.quantile(0.99);
    } else {
        out.p50_ms = worst50;
        out.p99_ms = worst99;
    }
    out
}

/// The buckets as [`LatencyBuckets`] when they are exactly Envoy's default
/// bounds plus `+Inf` and hold at least one observation.
fn default_buckets(buckets: &[(f64, f64)]) -> Option<LatencyBuckets> {
    if buckets.len() != 20
        || buckets[19].0 != f64::INFINITY
        || buckets
            .iter()
            .zip(ENVOY_BUCKET_BOUNDS)
            .any(|(b, d)| b.0 != d)
    {
        return None;
    }
    let mut out = LatencyBuckets::default();
    let mut running = 0.0_f64;
    for (slot, &(_, v)) in out.cumulative.iter_mut().zip(buckets) {
        running = running.max(v);
        *slot = running;
    }
    (out.count() > 0.0).then_some(out)
}

/// Prometheus `histogram_quantile(q, ...)` over cumulative buckets
/// `(upper bound, count)` sorted by bound, the last one `+Inf`.
///
/// As Prometheus does: counts are made monotonic; the rank is `q × total`;
/// the answer is interpolated linearly inside the first bucket whose count
/// reaches the rank, with 0 as the lower bound of the first bucket (unless
/// its upper bound is ≤ 0, then that bound); a rank that falls in the `+Inf`
/// bucket gives the largest finite bound. Unlike Prometheus, which answers
/// NaN/±Inf, this gives `None` for no observation, fewer than two buckets, no
/// `+Inf` bucket, or `q` outside `0..=1`.
pub fn histogram_quantile(q: f64, buckets: &[(f64, f64)]) -> Option<f64> {
    if !(0.0..=1.0).contains(&q) || buckets.len() < 2 {
        return None;
    }
    if buckets.last().map(|b| b.0) != Some(f64::INFINITY) {
        return None;
    }
    let mut cum: Vec<f64> = Vec::with_capacity(buckets.len());
    let mut running = 0.0_f64;
    for &(_, c) in buckets {
        if c.is_finite() {
            running = running.max(c);
        }
        cum.push(running);
    }
    let total = running;
    if total <= 0.0 {
        return None;
    }
    let rank = q * total;
    let finite = buckets.len() - 1;
    let Some(b) = (0..finite).find(|&i| cum[i] >= rank) else {
        return Some(buckets[finite - 1].0);
    };
    let upper = buckets[b].0;
    if b == 0 && upper <= 0.0 {
        return Some(upper);
    }
    let (lower, below) = if b == 0 {
        (0.0, 0.0)
    } else {
        (buckets[b - 1].0, cum[b - 1])
    };
    let count = cum[b] - below;
    if count <= 0.0 {
        return Some(lower);
    }
    Some(lower + (upper - lower) * ((rank - below) / count))
}

/// Sums pods' points of (about) the same instant into one fleet point.
///
/// Rates, counts, connections and memory add up; `at` is the newest. Shares
/// are weighted by each point's `responses` (by `requests` for a point
/// without responses, e.g. one built elsewhere). Quantiles: when every point
/// with latency samples carries its [`LatencyBuckets`], the buckets are
/// merged and the quantiles computed over the fleet (exact, as
/// `histogram_quantile` over `sum by (le)`); otherwise the worst pod's
/// p50/p99 stand in.
pub fn fleet_rollup(points: &[&Derived]) -> Derived {
    let mut out = Derived::default();
    let (mut w, mut w2, mut w4, mut w5) = (0.0, 0.0, 0.0, 0.0);
    let mut merged = LatencyBuckets::default();
    let mut all_buckets = true;
    let mut any_latency = false;
    let (mut worst50, mut worst99): (Option<f64>, Option<f64>) = (None, None);
    for d in points {
        out.at = out.at.max(d.at);
        out.rps += d.rps;
        out.requests += d.requests;
        out.responses += d.responses;
        out.responses_5xx += d.responses_5xx;
        out.active_connections += d.active_connections;
        if let Some(m) = d.memory_bytes {
            *out.memory_bytes.get_or_insert(0.0) += m;
        }
        let weight = if d.responses > 0.0 {
            d.responses
        } else {
            d.requests
        };
        w += weight;
        w2 += d.share_2xx * weight;
        w4 += d.share_4xx * weight;
        w5 += d.share_5xx * weight;
        if d.p50_ms.is_some() || d.p99_ms.is_some() || d.latency.is_some() {
            any_latency = true;
            match &d.latency {
                Some(b) => merged.merge(b),
                None => all_buckets = false,
            }
        }
        worst50 = max_opt(worst50, d.p50_ms);
        worst99 = max_opt(worst99, d.p99_ms);
    }
    if w > 0.0 {
        out.share_2xx = w2 / w;
        out.share_4xx = w4 / w;
        out.share_5xx = w5 / w;
    }
    if any_latency && all_buckets && merged.count() > 0.0 {
        out.p50_ms = merged.quantile(0.5);
        out.p99_ms = merged.quantile(0.99);
        out.latency = Some(merged);
    } else {
        out.p50_ms = worst50;
        out.p99_ms = worst99;
    }
    out
}

fn max_opt(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Σ 5xx / Σ requests over the points of `series` whose `at` lies within the
/// last `window_secs` before the newest point of any series (`at > newest -
/// window`: a point covers the interval ending at its `at`, so with 5 s
/// scrapes a 60 s window takes 12 points). `None` when no request was
/// counted in the window. EG507 reads it with 60 s.
pub fn fivexx_share_over(series: &[&PodSeries], window_secs: f64) -> Option<f64> {
    let newest = series
        .iter()
        .flat_map(|s| s.history.iter().map(|d| d.at))
        .fold(None, |m: Option<f64>, at| Some(m.map_or(at, |m| m.max(at))))?;
    let since = newest - window_secs;
    let (mut fivexx, mut requests) = (0.0, 0.0);
    for d in series.iter().flat_map(|s| s.history.iter()) {
        if d.at > since {
            fivexx += d.responses_5xx;
            requests += d.requests;
        }
    }
    (requests > 0.0).then(|| fivexx / requests)
}

/// Turns scrape results into history points, keeping each pod's previous
/// scrape. Knows nothing of HTTP or wall clocks: the caller passes the
/// scrape outcome and the time (seconds on any monotonic clock).
#[derive(Debug, Default)]
pub struct Recorder {
    last: HashMap<(String, String), (f64, PodCounters)>,
}

impl Recorder {
    pub fn new() -> Self {
        Recorder::default()
    }

    /// Records one scrape outcome of `pod` at time `now`.
    ///
    /// A scrape sets the pod's state to `Ok` and, when an earlier scrape of
    /// the pod is known and the clock moved forward, pushes the interval's
    /// [`Derived`] (stamped `at = now`) and returns it. The first scrape of a
    /// pod only sets the baseline. A failure sets the state and keeps the
    /// baseline, so the next success spans the gap (still a correct rate).
    pub fn record(
        &mut self,
        snapshot: &mut MetricsSnapshot,
        pod: (String, String),
        outcome: Result<Scrape, ScrapeState>,
        now: f64,
    ) -> Option<Derived> {
        self.record_with(snapshot, pod, outcome, now, false)
    }

    /// [`Recorder::record`], also keeping each route cluster's latency
    /// buckets when `keep_buckets` (a pod of a fleet on screen).
    pub fn record_with(
        &mut self,
        snapshot: &mut MetricsSnapshot,
        pod: (String, String),
        outcome: Result<Scrape, ScrapeState>,
        now: f64,
        keep_buckets: bool,
    ) -> Option<Derived> {
        match outcome {
            Ok(scrape) => {
                let cur = PodCounters::from_scrape(&scrape);
                let series = Arc::make_mut(snapshot.pods.entry(pod.clone()).or_default());
                series.state = ScrapeState::Ok;
                let point = match self.last.get(&pod) {
                    Some((then, prev)) if now > *then => {
                        let mut d = derive_counters(prev, &cur, now - then);
                        d.at = now;
                        series.push(d);
                        series.clusters = derive_clusters(prev, &cur, now - then, keep_buckets);
                        for c in &mut series.clusters {
                            c.point.at = now;
                        }
                        Some(d)
                    }
                    _ => None,
                };
                self.last.insert(pod, (now, cur));
                point
            }
            Err(state) => {
                Arc::make_mut(snapshot.pods.entry(pod).or_default()).state = state;
                None
            }
        }
    }

    /// Forgets pods for which `keep` is false, in the recorder and the
    /// snapshot (pods that went away).
    pub fn retain(
        &mut self,
        snapshot: &mut MetricsSnapshot,
        mut keep: impl FnMut(&(String, String)) -> bool,
    ) {
        self.last.retain(|k, _| keep(k));
        snapshot.pods.retain(|k, _| keep(k));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::prom::parse;

    const T0: &str = include_str!("../../tests/fixtures/envoy/stats-t0.prom");
    const T1: &str = include_str!("../../tests/fixtures/envoy/stats-t1.prom");

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn real() -> (Scrape, Scrape) {
        (parse(T0).unwrap(), parse(T1).unwrap())
    }

    #[test]
    fn parsing_only_the_wanted_samples_counts_the_same() {
        for text in [T0, T1] {
            let all = parse(text).unwrap();
            let some = crate::metrics::prom::parse_only(text, wanted).unwrap();
            assert!(some.samples.len() * 5 < all.samples.len());
            assert_eq!(some.skipped_lines, all.skipped_lines);
            assert_eq!(
                PodCounters::from_scrape(&some),
                PodCounters::from_scrape(&all)
            );
        }
    }

    #[test]
    fn prefixes_and_clusters() {
        for p in ["http-10080", "https-10443", "tcp-5000"] {
            assert!(is_gateway_prefix(p), "{p}");
        }
        for p in ["admin", "async-client", "eg-stats-http", "eg-ready-http"] {
            assert!(!is_gateway_prefix(p), "{p}");
        }
        assert!(is_route_cluster("httproute/default/backend/rule/0"));
        assert!(is_route_cluster("grpcroute/ns/g/rule/1"));
        assert!(!is_route_cluster("prometheus_stats"));
        assert!(!is_route_cluster("xds_cluster"));
    }

    #[test]
    fn real_t0_to_t1() {
        let (t0, t1) = real();
        let seconds = t1.value(UPTIME).unwrap() - t0.value(UPTIME).unwrap();
        assert_eq!(seconds, 5.0);
        let d = derive(&t0, &t1, seconds);
        // http-10080 only: rq_total 86 → 136, 2xx 60 → 90, 4xx 17 → 17,
        // 5xx 9 → 29 (admin and eg-stats-http also moved by 1, not counted).
        assert_eq!(d.requests, 50.0);
        assert_eq!(d.responses, 50.0);
        assert_eq!(d.responses_5xx, 20.0);
        assert_eq!(d.rps, 10.0);
        assert_eq!(d.share_2xx, 0.6);
        assert_eq!(d.share_4xx, 0.0);
        assert_eq!(d.share_5xx, 0.4);
        assert_eq!(d.active_connections, 0.0);
        assert_eq!(d.memory_bytes, Some(6_462_432.0));

        // Latency. The files differ from a naive reading of the README: the
        // t1 histogram holds the 72 upstream requests made *before* t0 (60
        // `/ok` + 12 `/ok/missing`; Envoy flushes histograms every 5 s, so at
        // t0 the count was still 0) — the 30 `/ok` of t0..t1 are in a later
        // flush; `/down` never reached an upstream. `prometheus_stats` (1
        // request) is not a route cluster and is left out.
        //
        // Δ buckets of httproute/default/backend/rule/0 (t0 all 0):
        //   le=0.5 → 71, le=1 → 72, every bound above and +Inf → 72.
        // p50: rank = 0.5 × 72 = 36 ≤ 71, so the first bucket [0, 0.5]:
        //   0 + (0.5 − 0) × 36/71 = 18/71 = 0.253521126760563…
        // p99: rank = 0.99 × 72 = 71.28 > 71, so the bucket (0.5, 1] holding
        //   72 − 71 = 1: 0.5 + (1 − 0.5) × (71.28 − 71)/1 = 0.64.
        assert!(close(d.p50_ms.unwrap(), 18.0 / 71.0), "{:?}", d.p50_ms);
        assert!(close(d.p99_ms.unwrap(), 0.64), "{:?}", d.p99_ms);
        let b = d.latency.unwrap();
        assert_eq!(b.count(), 72.0);
        assert_eq!(b.cumulative[0], 71.0);
    }

    #[test]
    fn first_interval_of_the_real_pod_from_nothing() {
        // Against an empty previous scrape every series is new: deltas are
        // the t0 totals (86 requests: 60 2xx, 17 4xx, 9 5xx).
        let (t0, _) = real();
        let d = derive(&Scrape::default(), &t0, 1.0);
        assert_eq!((d.requests, d.responses), (86.0, 86.0));
        assert!(close(d.share_5xx, 9.0 / 86.0));
        assert!(close(d.share_4xx, 17.0 / 86.0));
        assert_eq!(d.p50_ms, None, "t0 histograms are still empty");
        assert_eq!(d.latency, None);
    }

    #[test]
    fn counter_reset_counts_the_current_value() {
        let prev = parse(
            "envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=\"http-80\"} 1000\n\
             envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=\"http-81\"} 10\n\
             envoy_http_downstream_rq_xx{envoy_response_code_class=\"5\",envoy_http_conn_manager_prefix=\"http-80\"} 500\n\
             envoy_http_downstream_rq_xx{envoy_response_code_class=\"2\",envoy_http_conn_manager_prefix=\"http-81\"} 10\n",
        )
        .unwrap();
        // http-80 restarted (1000 → 7), http-81 went on (10 → 13).
        let cur = parse(
            "envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=\"http-80\"} 7\n\
             envoy_http_downstream_rq_total{envoy_http_conn_manager_prefix=\"http-81\"} 13\n\
             envoy_http_downstream_rq_xx{envoy_response_code_class=\"5\",envoy_http_conn_manager_prefix=\"http-80\"} 7\n\
             envoy_http_downstream_rq_xx{envoy_response_code_class=\"2\",envoy_http_conn_manager_prefix=\"http-81\"} 13\n",
        )
        .unwrap();
        let d = derive(&prev, &cur, 2.0);
        assert_eq!(d.requests, 10.0);
        assert_eq!(d.rps, 5.0);
        assert_eq!(d.responses_5xx, 7.0);
        assert_eq!(d.share_5xx, 0.7);
        assert_eq!(d.share_2xx, 0.3);
    }

    #[test]
    fn uptime_going_down_resets_every_counter() {
        let (t0, t1) = real();
        // t1 then t0: uptime 5 → 0, so the pod restarted and t0's totals
        // are the interval's counts, even where a counter did not go down.
        let d = derive(&t1, &t0, 5.0);
        assert_eq!(d.requests, 86.0);
        assert_eq!(d.responses_5xx, 9.0);
        assert_eq!(d.p50_ms, None);
        // The real t1 → t1 is an empty interval.
        let z = derive(&t1, &t1, 5.0);
        assert_eq!(
            (z.requests, z.rps, z.share_5xx, z.p99_ms),
            (0.0, 0.0, 0.0, None)
        );
    }

    fn bounds_with(counts: &[f64]) -> Vec<(f64, f64)> {
        ENVOY_BUCKET_BOUNDS
            .iter()
            .copied()
            .chain([f64::INFINITY])
            .zip(counts.iter().copied())
            .collect()
    }

    #[test]
    fn quantile_edge_cases() {
        // Empty, no observation, no +Inf, fewer than two buckets, bad q.
        assert_eq!(histogram_quantile(0.5, &[]), None);
        assert_eq!(histogram_quantile(0.5, &bounds_with(&[0.0; 20])), None);
        assert_eq!(histogram_quantile(0.5, &[(1.0, 1.0), (2.0, 2.0)]), None);
        assert_eq!(histogram_quantile(0.5, &[(f64::INFINITY, 3.0)]), None);
        assert_eq!(histogram_quantile(1.5, &bounds_with(&[1.0; 20])), None);
        assert_eq!(histogram_quantile(f64::NAN, &bounds_with(&[1.0; 20])), None);

        // All in +Inf: the largest finite bound.
        let mut inf = [0.0; 20];
        inf[19] = 10.0;
        assert_eq!(
            histogram_quantile(0.5, &bounds_with(&inf)),
            Some(3_600_000.0)
        );
        assert_eq!(
            histogram_quantile(0.99, &bounds_with(&inf)),
            Some(3_600_000.0)
        );

        // All in the first bucket [0, 0.5]: q × 0.5.
        let first = [4.0; 20];
        assert!(close(
            histogram_quantile(0.5, &bounds_with(&first)).unwrap(),
            0.25
        ));
        assert!(close(
            histogram_quantile(0.99, &bounds_with(&first)).unwrap(),
            0.495
        ));
        assert_eq!(histogram_quantile(1.0, &bounds_with(&first)), Some(0.5));
        assert_eq!(histogram_quantile(0.0, &bounds_with(&first)), Some(0.0));

        // Spread: 10 in (5, 10], 10 in (10, 25]; p50 rank 10 → top of
        // (5, 10] = 10; p75 rank 15 → 10 + 15 × 5/10 = 17.5.
        let mut spread = [20.0; 20];
        spread[..3].copy_from_slice(&[0.0, 0.0, 0.0]);
        spread[3] = 10.0;
        assert!(close(
            histogram_quantile(0.5, &bounds_with(&spread)).unwrap(),
            10.0
        ));
        assert!(close(
            histogram_quantile(0.75, &bounds_with(&spread)).unwrap(),
            17.5
        ));

        // Non-monotonic counts (a per-series reset) are flattened.
        assert!(close(
            histogram_quantile(0.5, &[(1.0, 4.0), (2.0, 2.0), (f64::INFINITY, 4.0)]).unwrap(),
            0.5
        ));
        // A first bound ≤ 0 answers that bound.
        assert_eq!(
            histogram_quantile(0.5, &[(-1.0, 5.0), (f64::INFINITY, 5.0)]),
            Some(-1.0)
        );
    }

    fn point(at: f64, requests: f64, fivexx: f64, p99: Option<f64>) -> Derived {
        Derived {
            at,
            rps: requests / 5.0,
            requests,
            responses: requests,
            responses_5xx: fivexx,
            share_5xx: if requests > 0.0 {
                fivexx / requests
            } else {
                0.0
            },
            share_2xx: if requests > 0.0 {
                1.0 - fivexx / requests
            } else {
                0.0
            },
            p50_ms: p99,
            p99_ms: p99,
            ..Derived::default()
        }
    }

    #[test]
    fn fleet_rollup_sums_and_weighs() {
        let (t0, t1) = real();
        let a = derive(&t0, &t1, 5.0);
        let mut b = point(5.0, 150.0, 0.0, None);
        b.active_connections = 3.0;
        b.memory_bytes = Some(1000.0);
        let f = fleet_rollup(&[&a, &b]);
        assert_eq!(f.requests, 200.0);
        assert_eq!(f.rps, 40.0);
        assert_eq!(f.responses_5xx, 20.0);
        assert!(close(f.share_5xx, 20.0 / 200.0));
        assert!(close(f.share_2xx, 180.0 / 200.0));
        assert_eq!(f.active_connections, 3.0);
        assert_eq!(f.memory_bytes, Some(6_462_432.0 + 1000.0));
        // Only `a` has latency: its buckets are the fleet's.
        assert_eq!(f.p99_ms, a.p99_ms);

        // Two copies of the real pod: merged buckets give the same quantiles.
        let two = fleet_rollup(&[&a, &a]);
        assert_eq!(two.latency.unwrap().count(), 144.0);
        assert!(close(two.p50_ms.unwrap(), 18.0 / 71.0));

        // Merging differs from the worst pod: 99 fast samples on one pod, 1
        // slow one on another → fleet p99 in the fast bucket.
        let fast = LatencyBuckets {
            cumulative: [99.0; 20],
        };
        let mut slow = LatencyBuckets::default();
        slow.cumulative[10..].fill(1.0); // one sample in (1000, 2500]
        let mut pf = point(5.0, 99.0, 0.0, fast.quantile(0.99));
        pf.latency = Some(fast);
        let mut ps = point(5.0, 1.0, 0.0, slow.quantile(0.99));
        ps.latency = Some(slow);
        let merged = fleet_rollup(&[&pf, &ps]);
        // rank 0.99 × 100 = 99 ≤ 99 in [0, 0.5]: 0.5 × 99/99 = 0.5.
        assert!(close(merged.p99_ms.unwrap(), 0.5));
        // Without buckets on one pod: the worst pod's p99.
        ps.latency = None;
        assert_eq!(fleet_rollup(&[&pf, &ps]).p99_ms, ps.p99_ms);

        assert_eq!(fleet_rollup(&[]), Derived::default());
    }

    #[test]
    fn fivexx_share_over_a_window() {
        let mut a = PodSeries::default();
        let mut b = PodSeries::default();
        // 5 s points; a: 100 requests each, 10 5xx from t=50 on.
        for i in 1..=20 {
            let t = i as f64 * 5.0;
            a.push(point(t, 100.0, if t >= 50.0 { 10.0 } else { 0.0 }, None));
        }
        b.push(point(100.0, 100.0, 30.0, None));
        // Last 60 s of the newest (t=100): points at 40 < t ≤ 100, i.e.
        // a: 45..=100 (12 points, 1200 requests; 11 of them with 10 5xx)
        // and b's one (100 requests, 30 5xx).
        let share = fivexx_share_over(&[&a, &b], 60.0).unwrap();
        assert!(close(share, (110.0 + 30.0) / 1300.0), "{share}");
        // The point at exactly newest − window (t=45 for 55 s) is out.
        let share55 = fivexx_share_over(&[&a], 55.0).unwrap();
        assert!(close(share55, 110.0 / 1100.0));

        assert_eq!(fivexx_share_over(&[], 60.0), None);
        assert_eq!(fivexx_share_over(&[&PodSeries::default()], 60.0), None);
        let mut idle = PodSeries::default();
        idle.push(point(5.0, 0.0, 0.0, None));
        assert_eq!(fivexx_share_over(&[&idle], 60.0), None);
    }

    #[test]
    fn recorder_steps_a_clock() {
        let (t0, t1) = real();
        let pod = || {
            (
                "envoy-gateway-system".to_owned(),
                "envoy-default-eg-abc".to_owned(),
            )
        };
        let mut rec = Recorder::new();
        let mut snap = MetricsSnapshot::default();

        assert_eq!(rec.record(&mut snap, pod(), Ok(t0.clone()), 100.0), None);
        assert_eq!(snap.pods[&pod()].state, ScrapeState::Ok);
        assert!(snap.pods[&pod()].history.is_empty());

        // A failure in between keeps the baseline; the next success spans
        // 100 → 110 (10 s: 50 requests → 5 rps).
        assert_eq!(
            rec.record(&mut snap, pod(), Err(ScrapeState::Timeout), 105.0),
            None
        );
        assert_eq!(snap.pods[&pod()].state, ScrapeState::Timeout);
        let d = rec.record(&mut snap, pod(), Ok(t1.clone()), 110.0).unwrap();
        assert_eq!((d.at, d.rps, d.share_5xx), (110.0, 5.0, 0.4));
        assert_eq!(snap.pods[&pod()].state, ScrapeState::Ok);
        assert_eq!(snap.pods[&pod()].latest(), Some(&d));

        // The clock not moving gives no point but a new baseline.
        assert_eq!(rec.record(&mut snap, pod(), Ok(t1.clone()), 110.0), None);
        let d = rec.record(&mut snap, pod(), Ok(t1), 115.0).unwrap();
        assert_eq!((d.requests, d.rps), (0.0, 0.0));
        assert_eq!(snap.pods[&pod()].history.len(), 2);

        let other = ("ns".to_owned(), "gone".to_owned());
        rec.record(&mut snap, other.clone(), Err(ScrapeState::Forbidden), 115.0);
        assert_eq!(snap.pods.len(), 2);
        rec.retain(&mut snap, |k| *k != other);
        assert_eq!(snap.pods.len(), 1);
        assert!(!rec.last.contains_key(&other));
    }

    #[test]
    fn cluster_names_of_the_real_scrapes() {
        let dir =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/envoy-real");
        if !dir.is_dir() {
            eprintln!("skipped: {} is absent", dir.display());
            return;
        }
        let mut names = std::collections::BTreeSet::new();
        for f in ["stats-t0.prom", "stats-t1.prom"] {
            let text = std::fs::read_to_string(dir.join(f)).unwrap();
            for s in parse(&text).unwrap().samples {
                if let Some(n) = s.label(CLUSTER_LABEL) {
                    names.insert(n.to_owned());
                }
            }
        }
        // The README of the scrapes: two route rules, and the stats
        // listener's own cluster.
        assert_eq!(names.len(), 3, "{names:?}");
        for n in &names {
            match crate::metrics::parse_cluster(n) {
                Some(r) => {
                    assert_eq!(
                        (r.kind, r.namespace, r.name),
                        ("httproute", "default", "backend")
                    );
                    assert_eq!(n, &format!("httproute/default/backend/rule/{}", r.rule));
                    assert!(r.rule == 0 || r.rule == 1, "{n}");
                }
                None => assert_eq!(n, "prometheus_stats"),
            }
        }
    }

    #[test]
    fn cluster_names_literal() {
        use crate::metrics::{RouteRuleRef, parse_cluster};
        assert_eq!(
            parse_cluster("grpcroute/ns/g/rule/12"),
            Some(RouteRuleRef {
                kind: "grpcroute",
                namespace: "ns",
                name: "g",
                rule: 12
            })
        );
        for l4 in ["tcproute", "tlsroute", "udproute"] {
            let n = format!("{l4}/default/r-1/rule/-1");
            assert_eq!(parse_cluster(&n).map(|r| (r.kind, r.rule)), Some((l4, -1)));
        }
        for bad in [
            "prometheus_stats",
            "xds_cluster",
            "httproute/default/backend",
            "httproute/default/backend/rule",
            "httproute/default/backend/rule/x",
            "httproute/default/backend/rule/+1",
            "httproute/default/backend/rule/-2",
            "httproute//backend/rule/0",
            "httproute/default/backend/rules/0",
            // Route and backend names share the cluster's prefix.
            "httproute/default/backend/rule/0/match/0/www_example_com",
            "httproute/default/backend/rule/0/backend/0",
            "serviceroute/default/backend/rule/0",
        ] {
            assert_eq!(parse_cluster(bad), None, "{bad}");
        }
    }

    #[test]
    fn real_clusters_t0_to_t1() {
        let (t0, t1) = real();
        let (c0, c1) = (PodCounters::from_scrape(&t0), PodCounters::from_scrape(&t1));
        let samples = derive_clusters(&c0, &c1, 5.0, true);
        let names: Vec<&str> = samples.iter().map(|s| &*s.cluster).collect();
        assert_eq!(
            names,
            [
                "httproute/default/backend/rule/0",
                "httproute/default/backend/rule/1"
            ],
            "prometheus_stats is not a route cluster"
        );
        // rule/0 (`/ok`): 2xx 60 → 90, 4xx 12 → 12 over 5 s.
        let ok = samples[0].point;
        assert_eq!(
            (
                ok.responses,
                ok.responses_2xx,
                ok.responses_4xx,
                ok.responses_5xx
            ),
            (30.0, 30.0, 0.0, 0.0)
        );
        assert_eq!(ok.rps, 6.0);
        assert_eq!(ok.share_5xx(), Some(0.0));
        assert_eq!(ok.share_2xx(), Some(1.0));
        // The same lagging histogram as `real_t0_to_t1`: 72 samples.
        assert!(close(ok.p50_ms.unwrap(), 18.0 / 71.0));
        assert!(close(ok.p99_ms.unwrap(), 0.64));
        assert_eq!(samples[0].latency.as_ref().unwrap().count(), 72.0);
        // rule/1 (`/down`): 5xx 9 → 29, every one a failed connect, and
        // never an upstream request (`upstream_rq_total` stays 0).
        let down = samples[1].point;
        assert_eq!(
            (down.responses, down.responses_5xx, down.connect_fail),
            (20.0, 20.0, 20.0)
        );
        assert_eq!(down.rps, 4.0);
        assert_eq!(down.share_5xx(), Some(1.0));
        assert_eq!((down.p50_ms, down.p99_ms), (None, None));
        assert_eq!(
            (down.timeouts, down.pending_overflow, down.active),
            (0.0, 0.0, 0.0)
        );
        assert!(samples[1].latency.is_none());
        // Without buckets kept, only the quantiles.
        let lean = derive_clusters(&c0, &c1, 5.0, false);
        assert!(lean[0].latency.is_none());
        assert_eq!(lean[0].point, ok);
    }

    #[test]
    fn cluster_rollup_sums_pods() {
        let (t0, t1) = real();
        let (c0, c1) = (PodCounters::from_scrape(&t0), PodCounters::from_scrape(&t1));
        let full = derive_clusters(&c0, &c1, 5.0, true);
        let lean = derive_clusters(&c0, &c1, 5.0, false);
        // Two pods with the real rule/0: counts add, merged buckets keep
        // the quantiles.
        let two = cluster_rollup([&full[0], &full[0]]);
        assert_eq!((two.responses, two.rps), (60.0, 12.0));
        assert!(close(two.p99_ms.unwrap(), 0.64));
        // A pod without buckets: the worst pod's quantile stands in.
        let mut slow = lean[0].clone();
        slow.point.p99_ms = Some(900.0);
        assert_eq!(cluster_rollup([&full[0], &slow]).p99_ms, Some(900.0));
        // rule/1 on two pods: 40 5xx of 40, 40 failed connects.
        let down = cluster_rollup([&full[1], &lean[1]]);
        assert_eq!((down.responses_5xx, down.connect_fail), (40.0, 40.0));
        assert_eq!(down.share_5xx(), Some(1.0));
        assert_eq!(cluster_rollup([]), ClusterPoint::default());
        assert_eq!(ClusterPoint::default().share_5xx(), None);
    }

    #[test]
    fn recorder_keeps_the_latest_clusters() {
        let (t0, t1) = real();
        let pod = ("ns".to_owned(), "p".to_owned());
        let mut rec = Recorder::new();
        let mut snap = MetricsSnapshot::default();
        rec.record_with(&mut snap, pod.clone(), Ok(t0), 10.0, true);
        assert!(snap.pods[&pod].clusters.is_empty());
        rec.record_with(&mut snap, pod.clone(), Ok(t1), 15.0, true);
        let c = &snap.pods[&pod].clusters;
        assert_eq!(c.len(), 2);
        assert_eq!((c[1].point.at, c[1].point.responses_5xx), (15.0, 20.0));
    }
}
