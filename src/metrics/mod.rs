//! Live Envoy metrics: the Prometheus text each proxy serves on
//! `:19001/stats/prometheus`, scraped through the API server, turned into a
//! short history of derived series per pod and per fleet.
//!
//! These types are what the UI and the EG507 rule read; the parser, the
//! maths and the scraper live in the submodules.

pub mod prom;

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
    /// Requests counted over the interval (to weigh shares when summing).
    pub requests: f64,
    /// 5xx responses counted over the interval.
    pub responses_5xx: f64,
    /// Upstream latency quantiles in ms from `envoy_cluster_upstream_rq_time`
    /// bucket deltas; `None` without samples in the interval.
    pub p50_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    /// `envoy_http_downstream_cx_active` summed over listeners.
    pub active_connections: f64,
    /// `envoy_server_memory_allocated`.
    pub memory_bytes: Option<f64>,
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
}

impl Default for PodSeries {
    fn default() -> Self {
        PodSeries {
            state: ScrapeState::Pending,
            history: VecDeque::with_capacity(HISTORY),
        }
    }
}

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
/// of this go to the UI.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricsSnapshot {
    pub pods: BTreeMap<(String, String), PodSeries>,
}
