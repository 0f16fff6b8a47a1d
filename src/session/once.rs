//! A cluster read once, for the headless commands (`audit`, `snapshot`,
//! `model`, `trace`): list everything through the watchers, optionally
//! scrape the proxies twice, and hand back the store (and metrics) the
//! commands derive their [`Snapshot`](super::Snapshot) from.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use crate::error::UserError;
use crate::metrics::MetricsSnapshot;
use crate::source::live::{ClusterTarget, Live, connect};
use crate::store::{Kind, Store};

/// `--sync-timeout` beyond a day is no use and would overflow a deadline.
pub const MAX_SYNC_SECS: u64 = 86_400;

/// How often the progress line on stderr is redrawn.
const PROGRESS_EVERY: Duration = Duration::from_millis(200);

/// What a one-shot read returns.
pub struct Read {
    pub store: Store,
    /// With a metrics window: two scrapes that far apart.
    pub metrics: Option<MetricsSnapshot>,
}

/// Lists the cluster once and returns when every kind has synced (or is
/// forbidden, not installed or unavailable), or after `sync`. With
/// `window > 0` it also scrapes every proxy pod twice that far apart.
/// While the lists arrive, a progress line goes to stderr when stderr is a
/// terminal; never to stdout, which carries the report, and never into a
/// pipe or a log file.
pub fn read_cluster(
    rt: &tokio::runtime::Runtime,
    target: &ClusterTarget,
    sync: Duration,
    window: Duration,
) -> Result<Read, UserError> {
    let progress = std::io::stderr().is_terminal();
    rt.block_on(async {
        let conn = connect(target).await?;
        let live = Live::start(conn.clone(), target.namespace.clone()).await;
        let sync = sync.min(Duration::from_secs(MAX_SYNC_SECS));
        let late = if std::env::var_os("EGSCOPE_TIMINGS").is_some() {
            timed_sync(&live, sync).await
        } else if progress {
            let wait = live.wait_synced(sync);
            tokio::pin!(wait);
            let mut every = tokio::time::interval(PROGRESS_EVERY);
            let mut shown = false;
            let late = loop {
                tokio::select! {
                    late = &mut wait => break late,
                    _ = every.tick() => {
                        if let Some(line) = progress_line(&live) {
                            eprint_progress(Some(&line));
                            shown = true;
                        }
                    }
                }
            };
            if shown {
                eprint_progress(None);
            }
            late
        } else {
            live.wait_synced(sync).await
        };
        if !late.is_empty() {
            let names: Vec<&str> = late.iter().map(|k| k.name()).collect();
            tracing::warn!(kinds = ?names, "kinds did not finish their first list");
        }
        let store = live.store();
        if window.is_zero() {
            return Ok(Read {
                store,
                metrics: None,
            });
        }
        let targets = super::scrape::targets(&crate::model::Model::build(&store));
        let mut scraper = super::scrape::Scraper::new(conn.client);
        // A round is bounded in time across all pods, so pods that hang
        // never starve the others of their turn.
        scraper.round_deadline = Some(Duration::from_secs(10));
        let t0 = std::time::Instant::now();
        scraper.scrape_once(&targets, 0.0).await;
        tokio::time::sleep(window).await;
        let snapshot = scraper
            .scrape_once(&targets, t0.elapsed().as_secs_f64())
            .await
            .clone();
        Ok(Read {
            store: live.store(),
            metrics: Some(snapshot),
        })
    })
}

/// Waits like [`Live::wait_synced`] and prints, for the performance
/// procedure in the README (`EGSCOPE_TIMINGS`), when each kind's first
/// list was in (or the kind settled otherwise), on stderr.
async fn timed_sync(live: &Live, sync: Duration) -> Vec<Kind> {
    use crate::source::live::FeedState;
    let t0 = std::time::Instant::now();
    let mut rx = live.subscribe();
    let wait = live.wait_synced(sync);
    tokio::pin!(wait);
    let mut done = std::collections::BTreeSet::new();
    let report = |done: &mut std::collections::BTreeSet<Kind>| {
        for (k, s) in live.feeds() {
            if !matches!(s, FeedState::Syncing) && done.insert(k) {
                eprintln!("egscope: {} {} at {:?}", k.name(), s.label(), t0.elapsed());
            }
        }
    };
    loop {
        tokio::select! {
            late = &mut wait => {
                report(&mut done);
                break late;
            }
            changed = rx.changed() => {
                if changed.is_err() {
                    break wait.await;
                }
                report(&mut done);
            }
        }
    }
}

/// `listing: HTTPRoute 12,500 / 20,000 · Pod 800 read · 14 of 31 kinds
/// done`, or `None` before anything moved.
fn progress_line(live: &Live) -> Option<String> {
    use crate::source::live::FeedState;
    let feeds = live.feeds();
    let progress = live.progress();
    let waiting: Vec<Kind> = feeds
        .iter()
        .filter(|(k, s)| **k != Kind::PodMetrics && matches!(s, FeedState::Syncing))
        .map(|(k, _)| *k)
        .collect();
    if waiting.is_empty() {
        return None;
    }
    let counted = feeds.len().saturating_sub(1);
    let mut parts: Vec<String> = waiting
        .iter()
        .filter_map(|k| {
            let &(read, total) = progress.get(k)?;
            Some(format!(
                "{} {}",
                k.name(),
                super::Freshness::Listing { read, total }.label()
            ))
        })
        .collect();
    // Kinds with no count yet (nothing answered, or a short streaming
    // list) are named, so a slow kind is visible before its first page.
    let uncounted: Vec<&str> = waiting
        .iter()
        .filter(|k| !progress.contains_key(k))
        .map(|k| k.name())
        .collect();
    if !uncounted.is_empty() {
        let more = uncounted.len().saturating_sub(3);
        parts.push(format!(
            "waiting for {}{}",
            uncounted[..uncounted.len().min(3)].join(", "),
            if more > 0 {
                format!(" +{more}")
            } else {
                String::new()
            }
        ));
    }
    parts.push(format!(
        "{} of {counted} kinds listed",
        counted - waiting.len()
    ));
    Some(format!("egscope: listing {}", parts.join(" · ")))
}

/// Redraws the one progress line in place (`None` clears it). Errors are
/// ignored: progress is a courtesy, never a reason to fail the command.
fn eprint_progress(line: Option<&str>) {
    use crossterm::{cursor::MoveToColumn, queue, terminal};
    let mut err = std::io::stderr().lock();
    let width = terminal::size().map(|(w, _)| w as usize).unwrap_or(80);
    let _ = queue!(
        err,
        MoveToColumn(0),
        terminal::Clear(terminal::ClearType::CurrentLine)
    );
    if let Some(line) = line {
        // One line only: a wrapped line could not be cleared in place.
        let shown: String = line.chars().take(width.saturating_sub(1)).collect();
        let _ = err.write_all(shown.as_bytes());
    }
    let _ = err.flush();
}
