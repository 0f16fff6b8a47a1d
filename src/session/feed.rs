//! The live feed: turns the watchers' store changes and the scraper's
//! samples into derived snapshots for a face. Runs as a task of the one
//! runtime, deriving on the blocking pool, so the UI thread never waits on
//! the network or a rebuild; the face only receives finished snapshots.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc::UnboundedSender;

use super::scrape::{Round, Scraper, Target, targets};
use super::status::{Feed, Freshness, SourceStatus};
use super::{Derive, Snapshot, Update};
use crate::audit::AuditOptions;
use crate::metrics::MetricsSnapshot;
use crate::source::live::{FeedState, Live};

/// How often every proxy pod is scraped.
pub const SCRAPE_INTERVAL: Duration = Duration::from_secs(2);
/// How often the status line's list progress is refreshed while kinds
/// are still listing.
const PROGRESS_EVERY: Duration = Duration::from_millis(250);
/// Store changes closer together than this are sent as one update: a
/// scaling fleet changes many pods at once.
const DEBOUNCE: Duration = Duration::from_millis(250);

/// The status line's view of the live feeds.
pub fn live_status(source: &str, live: &Live, metrics: Freshness) -> SourceStatus {
    live_status_with(source, live, metrics, false)
}

/// Like [`live_status`]; `switchable` says whether `:ctx` may switch.
pub fn live_status_with(
    source: &str,
    live: &Live,
    metrics: Freshness,
    switchable: bool,
) -> SourceStatus {
    let feeds = live.feeds();
    let progress = live.progress();
    let mut listing = Vec::new();
    let mut stale: Option<Duration> = None;
    let mut syncing = false;
    let mut out = Vec::new();
    for (kind, state) in &feeds {
        match state {
            FeedState::Stale { since, .. } => {
                let d = since.elapsed();
                stale = Some(stale.map_or(d, |s: Duration| s.max(d)));
            }
            FeedState::Syncing => {
                syncing = true;
                // A kind listing now says how far it got, so a slow
                // cluster shows movement instead of a blank.
                if let Some(&(read, total)) = progress.get(kind) {
                    listing.push(Feed {
                        name: kind.name().to_string(),
                        freshness: Freshness::Listing { read, total },
                    });
                }
            }
            FeedState::Forbidden(_) => out.push(Feed {
                name: kind.name().to_string(),
                freshness: Freshness::Forbidden,
            }),
            FeedState::Unavailable(_) => out.push(Feed {
                name: kind.name().to_string(),
                freshness: Freshness::Unavailable,
            }),
            FeedState::Live | FeedState::NotInstalled => {}
        }
    }
    let objects = match (stale, syncing) {
        (Some(d), _) => Freshness::Stale(d),
        (None, true) => Freshness::Syncing,
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
    all.extend(listing);
    all.extend(live.partial_kinds().into_iter().map(|k| Feed {
        name: k.name().to_string(),
        freshness: Freshness::Partial,
    }));
    SourceStatus {
        source: source.to_string(),
        can_switch_context: switchable,
        contexts: Vec::new(),
        feeds: all,
    }
}

/// Whether the scrapes went well enough to call metrics live. Judged on
/// the latest round only: the snapshot also keeps earlier rounds' pods,
/// whose old state says nothing about the API server now.
fn metrics_freshness(round: &Round, last_ok: Option<Instant>) -> Freshness {
    if round.total() == round.disabled {
        return Freshness::None;
    }
    if round.forbidden > 0 && round.ok + round.failed + round.unfinished == 0 {
        return Freshness::Forbidden;
    }
    match last_ok {
        Some(t) if t.elapsed() < SCRAPE_INTERVAL * 3 => Freshness::Live,
        Some(t) => Freshness::Stale(t.elapsed()),
        None => Freshness::Stale(Duration::ZERO),
    }
}

/// At most this many pods are scraped per interval; a larger fleet is
/// scraped in turns (every pod of 5,000 about every 50 s), so an idle TUI
/// on a huge cluster stays cheap. The scraper itself does 500 pods well
/// within one interval (`cargo bench --bench live_sync`).
pub const SCRAPE_BUDGET: usize = 200;
/// A rebuild of model and audit at most this often: a scaling fleet
/// changes many pods in a row.
const MIN_REBUILD: Duration = Duration::from_secs(1);

/// A live cluster is judged at the wall clock (the demo passes its own
/// fixed clock), never by walking the store for its newest timestamp.
fn judged_now(opts: &AuditOptions) -> AuditOptions {
    AuditOptions {
        now: Some(opts.now.unwrap_or_else(jiff::Timestamp::now)),
        ..opts.clone()
    }
}

/// Pods of fleets off screen scraped per round when the cluster has more
/// than [`SCRAPE_BUDGET`] proxy pods: 5,000 pods take about 200 s.
pub const BACKGROUND_BUDGET: usize = 50;

/// The pods to scrape this round. A small cluster: all of them. A large
/// one: the pods of the fleets on screen (`watched`, up to `budget`), then
/// the next `background` of the others in turn, so what the user looks at
/// is always fresh and the rest (EG507 included) is still covered.
fn this_round(
    pods: &[Target],
    watched: &[String],
    round: usize,
    budget: usize,
    background: usize,
) -> Vec<Target> {
    if pods.len() <= budget {
        return pods.to_vec();
    }
    // References first: only the pods of this round are cloned.
    let (on_screen, rest): (Vec<&Target>, Vec<&Target>) =
        pods.iter().partition(|t| watched.contains(&t.fleet));
    let mut batch: Vec<Target> = on_screen.into_iter().take(budget).cloned().collect();
    if !rest.is_empty() {
        let start = (round * background) % rest.len();
        batch.extend(
            rest.iter()
                .cycle()
                .skip(start)
                .take(background.min(rest.len()))
                .map(|t| (*t).clone()),
        );
    }
    batch
}

/// Sends derived snapshots (model, audit, metrics) and status changes to
/// the face until it goes away. `tick` is called before each scrape (the
/// demo steps its simulator).
#[allow(clippy::too_many_arguments)]
pub async fn run<D: Derive>(
    live: Arc<Live>,
    source: String,
    opts: AuditOptions,
    switchable: bool,
    tx: UnboundedSender<Update<D>>,
    focus: tokio::sync::watch::Receiver<Vec<String>>,
    mut tick: impl FnMut() + Send,
) {
    let mut changes = live.subscribe();
    let mut scraper = Scraper::new(live.connection().client.clone());
    scraper.round_deadline = Some(SCRAPE_INTERVAL);
    let started = Instant::now();
    let mut interval = tokio::time::interval(SCRAPE_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut snap: Option<Snapshot> = None;
    let mut view: Option<Arc<D>> = None;
    let mut pods: Vec<Target> = Vec::new();
    let mut last_ok: Option<Instant> = None;
    let mut metrics_state = Freshness::None;
    let mut last_build: Option<Instant> = None;
    let mut round = 0usize;
    let mut dirty = true;
    let mut last_status: Option<SourceStatus> = None;
    loop {
        let status = live_status_with(&source, &live, metrics_state.clone(), switchable);
        let syncing = status
            .feeds
            .iter()
            .any(|f| matches!(f.freshness, Freshness::Syncing | Freshness::Listing { .. }));
        if last_status.as_ref() != Some(&status) {
            last_status = Some(status.clone());
            if tx.send(Update::Status(status)).is_err() {
                return;
            }
        }
        if dirty {
            if let Some(t) = last_build
                && t.elapsed() < MIN_REBUILD
            {
                tokio::time::sleep(MIN_REBUILD - t.elapsed()).await;
            }
            changes.borrow_and_update();
            let store = Arc::new(live.store());
            let metrics = snap.as_ref().and_then(|d| d.metrics.clone());
            let o = judged_now(&opts);
            let prev = view.clone();
            let last = snap.clone();
            let Ok((built, derived)) = tokio::task::spawn_blocking(move || {
                let s = match last {
                    Some(last) => last.next(store, &o, metrics),
                    None => Snapshot::derive(store, &o, metrics),
                };
                let d = D::derive(s.clone(), prev.as_deref());
                (s, d)
            })
            .await
            else {
                return;
            };
            pods = targets(&built.model);
            snap = Some(built);
            let derived = Arc::new(derived);
            view = Some(derived.clone());
            last_build = Some(Instant::now());
            dirty = false;
            if tx.send(Update::Data(derived)).is_err() {
                return;
            }
        }
        tokio::select! {
            changed = changes.changed() => {
                if changed.is_err() {
                    return;
                }
                tokio::time::sleep(DEBOUNCE).await;
                dirty = true;
            }
            _ = interval.tick() => {
                tick();
                // A controller lag reaches EG511's threshold with nothing
                // else changing: judge again then.
                if let Some(at) = snap
                    .as_ref()
                    .and_then(|d| d.store.live.as_ref())
                    .and_then(|l| l.recheck_at)
                    && live.clock().now() >= at
                {
                    dirty = true;
                }
                if pods.is_empty() {
                    metrics_state = Freshness::None;
                } else {
                    let watched = focus.borrow().clone();
                    scraper.set_focus(&watched);
                    let batch = this_round(&pods, &watched, round, SCRAPE_BUDGET, BACKGROUND_BUDGET);
                    round += 1;
                    let scraped = scraper.scrape_once_keeping(&batch, &pods, started.elapsed().as_secs_f64()).await;
                    let m = Arc::new(MetricsSnapshot {
                        usage: live.pod_usage(),
                        ..scraped.clone()
                    });
                    let answered = scraper.last_round();
                    if answered.ok > 0 {
                        last_ok = Some(Instant::now());
                    }
                    metrics_state = metrics_freshness(&answered, last_ok);
                    if let Some(s) = snap.clone() {
                        let o = judged_now(&opts);
                        let prev = view.clone();
                        let Ok((next, derived)) = tokio::task::spawn_blocking(move || {
                            let n = s.with_metrics(&o, m);
                            let d = D::derive(n.clone(), prev.as_deref());
                            (n, d)
                        })
                        .await
                        else {
                            return;
                        };
                        snap = Some(next);
                        let derived = Arc::new(derived);
                        view = Some(derived.clone());
                        if tx.send(Update::Data(derived)).is_err() {
                            return;
                        }
                    }
                }
            }
            // The lists' progress moves without a store change.
            _ = tokio::time::sleep(PROGRESS_EVERY), if syncing => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pods(fleets: usize, per: usize) -> Vec<Target> {
        (0..fleets)
            .flat_map(|f| {
                (0..per).map(move |p| Target {
                    fleet: format!("ns/f{f}"),
                    namespace: "eg".into(),
                    name: format!("f{f}-p{p}"),
                    metrics_disabled: false,
                })
            })
            .collect()
    }

    #[test]
    fn a_small_cluster_is_scraped_whole_every_round() {
        let all = pods(3, 2);
        assert_eq!(this_round(&all, &[], 7, 10, 2), all);
    }

    #[test]
    fn fleets_on_screen_every_round_the_rest_in_turns() {
        let all = pods(10, 5); // 50 pods, budget 20
        let watched = vec!["ns/f3".to_string()];
        let mut seen = std::collections::BTreeSet::new();
        for round in 0..9 {
            let batch = this_round(&all, &watched, round, 20, 6);
            assert_eq!(batch.len(), 5 + 6);
            assert!(batch[..5].iter().all(|t| t.fleet == "ns/f3"));
            seen.extend(batch.into_iter().map(|t| t.name));
        }
        assert_eq!(seen.len(), 50, "every pod is reached in turn");
        // More watched pods than the budget: capped, the turn goes on.
        let many: Vec<String> = (0..10).map(|f| format!("ns/f{f}")).collect();
        assert_eq!(this_round(&all, &many, 0, 20, 6).len(), 20);
    }

    fn ago(d: Duration) -> Option<Instant> {
        Instant::now().checked_sub(d)
    }

    #[test]
    fn a_round_without_answers_turns_stale_once_the_last_success_is_old() {
        // Every pod of the round timed out or is still pending at the
        // deadline; earlier rounds answered.
        let round = Round {
            failed: 5,
            unfinished: 195,
            ..Round::default()
        };
        assert!(matches!(
            metrics_freshness(&round, ago(SCRAPE_INTERVAL * 4)),
            Freshness::Stale(_)
        ));
        assert_eq!(
            metrics_freshness(&round, Some(Instant::now())),
            Freshness::Live
        );
        assert_eq!(
            metrics_freshness(&round, None),
            Freshness::Stale(Duration::ZERO)
        );
    }

    #[test]
    fn forbidden_and_disabled_rounds_say_so() {
        let forbidden = Round {
            forbidden: 200,
            ..Round::default()
        };
        assert_eq!(
            metrics_freshness(&forbidden, Some(Instant::now())),
            Freshness::Forbidden
        );
        let disabled = Round {
            disabled: 3,
            ..Round::default()
        };
        assert_eq!(metrics_freshness(&disabled, None), Freshness::None);
        assert_eq!(metrics_freshness(&Round::default(), None), Freshness::None);
        let mixed = Round {
            forbidden: 2,
            ok: 1,
            ..Round::default()
        };
        assert_eq!(
            metrics_freshness(&mixed, Some(Instant::now())),
            Freshness::Live
        );
    }
}
