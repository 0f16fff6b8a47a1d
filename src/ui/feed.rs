//! The live feed: turns the watchers' store changes and the metrics
//! scraper's samples into UI actions. Runs on its own runtime, so the UI
//! thread never waits on the network; the UI only receives finished
//! snapshots.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::action::Action;
use super::status::{Feed, Freshness, SourceStatus};
use crate::metrics::ScrapeState;
use crate::metrics::scrape::{Scraper, targets};
use crate::model::Model;
use crate::source::live::{FeedState, Live};
use crate::store::Kind;

/// How often every proxy pod is scraped.
pub const SCRAPE_INTERVAL: Duration = Duration::from_secs(2);
/// Store changes closer together than this are sent as one update: a
/// scaling fleet changes many pods at once.
const DEBOUNCE: Duration = Duration::from_millis(250);

/// The status line's view of the live feeds.
pub fn live_status(source: &str, live: &Live, metrics: Freshness) -> SourceStatus {
    let feeds = live.feeds();
    let mut stale: Option<Duration> = None;
    let mut syncing = false;
    let mut out = Vec::new();
    for (kind, state) in &feeds {
        match state {
            FeedState::Stale { since, .. } => {
                let d = since.elapsed();
                stale = Some(stale.map_or(d, |s: Duration| s.max(d)));
            }
            FeedState::Syncing => syncing = true,
            FeedState::Forbidden(_) => out.push(Feed {
                name: kind.name().to_string(),
                freshness: Freshness::Forbidden,
            }),
            FeedState::Live | FeedState::NotInstalled => {}
        }
    }
    let objects = match (stale, syncing) {
        (Some(d), _) => Freshness::Stale(d),
        (None, true) => Freshness::Stale(Duration::ZERO),
        (None, false) => Freshness::Live,
    };
    let mut all = vec![
        Feed {
            name: "objects".into(),
            freshness: objects,
        },
        Feed {
            name: "metrics".into(),
            freshness: metrics,
        },
    ];
    all.extend(out);
    SourceStatus {
        source: source.to_string(),
        can_switch_context: false,
        feeds: all,
    }
}

/// Whether the scrape went well enough to call metrics live.
fn metrics_freshness(
    snapshot: &crate::metrics::MetricsSnapshot,
    last_ok: Option<Instant>,
) -> Freshness {
    if snapshot.pods.is_empty() {
        return Freshness::None;
    }
    if snapshot
        .pods
        .values()
        .all(|p| p.state == ScrapeState::Forbidden)
    {
        return Freshness::Forbidden;
    }
    match last_ok {
        Some(t) if t.elapsed() < SCRAPE_INTERVAL * 3 => Freshness::Live,
        Some(t) => Freshness::Stale(t.elapsed()),
        None => Freshness::Stale(Duration::ZERO),
    }
}

/// Forwards store snapshots and metrics to the UI until it goes away.
/// `tick` is called before each scrape (the demo steps its simulator).
pub async fn run(
    live: Arc<Live>,
    source: String,
    tx: UnboundedSender<Action>,
    mut tick: impl FnMut() + Send,
) {
    let mut changes = live.subscribe();
    let mut scraper = Scraper::new(live.connection().client.clone());
    let started = Instant::now();
    let mut interval = tokio::time::interval(SCRAPE_INTERVAL);
    let mut store = Arc::new(live.store());
    let mut pods = targets(&Model::build(&store));
    let mut last_ok: Option<Instant> = None;
    let mut metrics_state = Freshness::None;
    loop {
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    return;
                }
                tokio::time::sleep(DEBOUNCE).await;
                changes.borrow_and_update();
                store = Arc::new(live.store());
                pods = targets(&Model::build(&store));
                if tx.send(Action::StoreUpdated(store.clone())).is_err() {
                    return;
                }
            }
            _ = interval.tick() => {
                tick();
                if pods.is_empty() && store.present(Kind::Pod) {
                    metrics_state = Freshness::None;
                } else {
                    let snap = scraper.scrape_once(&pods, started.elapsed().as_secs_f64()).await;
                    if snap.pods.values().any(|p| p.state == ScrapeState::Ok) {
                        last_ok = Some(Instant::now());
                    }
                    metrics_state = metrics_freshness(snap, last_ok);
                    if tx.send(Action::MetricsUpdated(Arc::new(snap.clone()))).is_err() {
                        return;
                    }
                }
            }
        }
        if tx
            .send(Action::SourceStatus(live_status(
                &source,
                &live,
                metrics_state.clone(),
            )))
            .is_err()
        {
            return;
        }
    }
}
