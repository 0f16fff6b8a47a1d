//! Scrapes every proxy pod's `:19001/stats/prometheus` through the API
//! server's pod proxy (a GET; no port-forward), with bounded concurrency and
//! a per-request timeout, so one slow or forbidden pod never blocks the
//! others. It lives in the session, not in `metrics`, because it picks
//! its pods from the model (`targets`).

use std::time::Duration;

use futures::StreamExt;
use kube::Client;

use crate::metrics::series::Recorder;
use crate::metrics::{self, MetricsSnapshot, ScrapeState, prom};
use crate::model::Model;
use crate::model::value::bool_at;

/// One proxy pod to scrape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The fleet's key (`namespace/name` of its Gateway or class).
    pub fleet: String,
    pub namespace: String,
    pub name: String,
    /// The fleet's EnvoyProxy disables Prometheus: there is no port 19001.
    pub metrics_disabled: bool,
}

/// The proxy pods of every fleet in the model.
pub fn targets(model: &Model) -> Vec<Target> {
    let mut out = Vec::new();
    for fleet in &model.fleets {
        let disabled = fleet
            .proxy_spec(&model.controllers)
            .and_then(|s| bool_at(s, &["telemetry", "metrics", "prometheus", "disable"]))
            .unwrap_or(false);
        for pod in &fleet.pods {
            out.push(Target {
                fleet: fleet.key.clone(),
                namespace: pod.namespace_or_empty().to_string(),
                name: pod.name.clone(),
                metrics_disabled: disabled,
            });
        }
    }
    out
}

/// The pod proxy path of a proxy's Prometheus endpoint.
pub fn stats_path(namespace: &str, pod: &str) -> String {
    format!("/api/v1/namespaces/{namespace}/pods/{pod}:19001/proxy/stats/prometheus")
}

/// How the pods of the latest round answered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub ok: usize,
    pub forbidden: usize,
    /// Prometheus disabled on the fleet (no port 19001).
    pub disabled: usize,
    /// Timeouts and other errors.
    pub failed: usize,
    /// Not answered before the round's deadline: their state is unchanged.
    pub unfinished: usize,
}

impl Round {
    pub fn total(&self) -> usize {
        self.ok + self.forbidden + self.disabled + self.failed + self.unfinished
    }

    fn count(&mut self, r: &Result<prom::Scrape, ScrapeState>) {
        match r {
            Ok(_) => self.ok += 1,
            Err(ScrapeState::Forbidden) => self.forbidden += 1,
            Err(ScrapeState::NoMetricsPort) => self.disabled += 1,
            Err(_) => self.failed += 1,
        }
    }
}

pub struct Scraper {
    client: Client,
    recorder: Recorder,
    snapshot: MetricsSnapshot,
    last_round: Round,
    pub concurrency: usize,
    pub timeout: Duration,
    /// A round ends by this deadline even when the API server is slow, so
    /// the caller can say so on time; `None` waits for every pod (the
    /// headless `audit --metrics-window`).
    pub round_deadline: Option<Duration>,
    /// Fleets on screen: their pods keep latency buckets per cluster and
    /// their route clusters a history ([`MetricsSnapshot::route_history`]).
    focus: std::collections::HashSet<String>,
}

async fn fetch(
    client: &Client,
    t: &Target,
    timeout: Duration,
) -> Result<prom::Scrape, ScrapeState> {
    if t.metrics_disabled {
        return Err(ScrapeState::NoMetricsPort);
    }
    let req = http::Request::get(stats_path(&t.namespace, &t.name))
        .body(Vec::new())
        .map_err(|e| ScrapeState::Failed(e.to_string()))?;
    match tokio::time::timeout(timeout, client.request_text(req)).await {
        Err(_) => Err(ScrapeState::Timeout),
        Ok(Err(kube::Error::Api(s))) if s.code == 403 => Err(ScrapeState::Forbidden),
        // Anything else, a 503 included (the pod not listening, the API
        // server's proxy failing), is what the server said, never a guess.
        // The client does not retry (`connect` turns kube's retries off), so
        // one scrape is one request.
        Ok(Err(e)) => Err(ScrapeState::Failed(crate::error::one_line(&e))),
        Ok(Ok(text)) => prom::parse_only(&text, metrics::series::wanted)
            .map_err(|e| ScrapeState::Failed(e.to_string())),
    }
}

impl Scraper {
    pub fn new(client: Client) -> Self {
        Scraper {
            client,
            recorder: Recorder::new(),
            snapshot: MetricsSnapshot::default(),
            last_round: Round::default(),
            concurrency: 16,
            timeout: Duration::from_millis(1500),
            round_deadline: None,
            focus: Default::default(),
        }
    }

    /// The fleets on screen (keys). Fleets leaving it drop their route
    /// history; the cheap latest sums of every fleet stay.
    pub fn set_focus(&mut self, fleets: &[String]) {
        self.focus = fleets.iter().cloned().collect();
        let focus = &self.focus;
        self.snapshot
            .route_history
            .retain(|(fleet, _), _| focus.contains(fleet));
    }

    /// Scrapes every target once and records the results at `now` (seconds
    /// on the caller's clock); pods no longer targeted are forgotten.
    pub async fn scrape_once(&mut self, targets: &[Target], now: f64) -> &MetricsSnapshot {
        self.scrape_once_keeping(targets, targets, now).await
    }

    async fn scrape_batch(
        &mut self,
        targets: &[Target],
        now: f64,
    ) -> std::collections::BTreeSet<String> {
        let client = self.client.clone();
        let timeout = self.timeout;
        let answers = futures::stream::iter(targets.iter().cloned())
            .map(|t| {
                let client = client.clone();
                async move {
                    let r = fetch(&client, &t, timeout).await;
                    (t, r)
                }
            })
            .buffer_unordered(self.concurrency.max(1));
        let results: Vec<(Target, Result<prom::Scrape, ScrapeState>)> = match self.round_deadline {
            Some(d) => answers.take_until(tokio::time::sleep(d)).collect().await,
            None => answers.collect().await,
        };
        let mut round = Round {
            unfinished: targets.len() - results.len(),
            ..Round::default()
        };
        let mut touched: std::collections::BTreeSet<String> = Default::default();
        for (t, r) in results {
            round.count(&r);
            let full = self.focus.contains(&t.fleet);
            if self
                .recorder
                .record_with(&mut self.snapshot, (t.namespace, t.name), r, now, full)
                .is_some()
            {
                touched.insert(t.fleet);
            }
        }
        self.last_round = round;
        touched
    }

    /// Re-sums the route clusters of the fleets whose pods gave a new
    /// interval, and forgets fleets no longer targeted. Only touched fleets:
    /// on `large` a round scrapes about 250 of 5,000 pods, and re-summing
    /// all 200,000 pod clusters every round would cost more than the scrape.
    fn sum_routes(&mut self, touched: &std::collections::BTreeSet<String>, all: &[Target]) {
        let mut fleets: std::collections::HashMap<&str, Vec<&Target>> = Default::default();
        for t in all {
            fleets.entry(t.fleet.as_str()).or_default().push(t);
        }
        self.snapshot
            .routes
            .retain(|f, _| fleets.contains_key(f.as_str()));
        self.snapshot
            .route_history
            .retain(|(f, _), _| fleets.contains_key(f.as_str()));
        for fleet in touched {
            let mut by_cluster: std::collections::BTreeMap<
                std::sync::Arc<str>,
                Vec<&metrics::ClusterSample>,
            > = Default::default();
            for t in fleets.get(fleet.as_str()).into_iter().flatten() {
                let Some(s) = self
                    .snapshot
                    .pods
                    .get(&(t.namespace.clone(), t.name.clone()))
                else {
                    continue;
                };
                for c in &s.clusters {
                    by_cluster.entry(c.cluster.clone()).or_default().push(c);
                }
            }
            let sums: metrics::FleetRoutes = by_cluster
                .into_iter()
                .map(|(name, samples)| (name, metrics::series::cluster_rollup(samples)))
                .collect();
            if self.focus.contains(fleet) {
                for (name, p) in &sums {
                    let h = self
                        .snapshot
                        .route_history
                        .entry((fleet.clone(), name.clone()))
                        .or_default();
                    if h.back().is_none_or(|last| last.at < p.at) {
                        if h.len() == metrics::HISTORY {
                            h.pop_front();
                        }
                        h.push_back(*p);
                    }
                }
            }
            self.snapshot
                .routes
                .insert(fleet.clone(), std::sync::Arc::new(sums));
        }
    }

    /// How the pods of the latest round answered.
    pub fn last_round(&self) -> Round {
        self.last_round
    }

    /// Scrapes `batch` (a turn of a larger fleet) and keeps the history of
    /// every pod still in `all`.
    pub async fn scrape_once_keeping(
        &mut self,
        batch: &[Target],
        all: &[Target],
        now: f64,
    ) -> &MetricsSnapshot {
        let keep: std::collections::HashSet<(String, String)> = all
            .iter()
            .map(|t| (t.namespace.clone(), t.name.clone()))
            .collect();
        self.recorder
            .retain(&mut self.snapshot, |k| keep.contains(k));
        let touched = self.scrape_batch(batch, now).await;
        self.sum_routes(&touched, all);
        &self.snapshot
    }

    pub fn snapshot(&self) -> &MetricsSnapshot {
        &self.snapshot
    }
}
