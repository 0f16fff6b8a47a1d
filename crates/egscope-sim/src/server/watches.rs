//! Watches: the initial state (or the resume point), the events since,
//! bookmarks, the watch's own timeout, and the drop and cut faults that end
//! a stream early, re-read when the faults change while it is open.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum::body::Body;
use axum::http::{HeaderValue, header};
use axum::response::Response;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::list::{Filter, include_object};
use super::status::{status_response, status_value};
use super::table::table_json;
use super::target::{param, truthy};
use super::{Call, Shared, World, lock};
use crate::faults::{FaultKind, FaultPoint, RequestShape};
use crate::resources::{RESOURCES, ResourceDef};

/// When a drop fault ends a watch, and whether it cuts the connection
/// (true) or ends the body as kube-apiserver ends a watch (false).
fn drop_after_of(faults: &[FaultKind]) -> Option<(Duration, bool)> {
    faults.iter().find_map(|f| match f {
        FaultKind::DropAfter(d) => Some((*d, false)),
        FaultKind::CutAfter(d) => Some((*d, true)),
        _ => None,
    })
}

/// The error that makes hyper abort the response: the connection closes
/// without the chunked encoding's terminating chunk.
fn cut() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::ConnectionAborted,
        "injected fault: watch connection cut",
    )
}

/// Where an open watch re-reads the faults when they change.
type WatchPoint = (&'static str, &'static str, RequestShape);

/// The watch's query parameters and the faults it took, read once.
struct Plan {
    /// The resourceVersion to resume from; `None`: send the initial state.
    resume_from: Option<u64>,
    bookmarks: bool,
    send_initial: bool,
    timeout: Option<Duration>,
    /// End (or, with `cut_events`, cut) the stream after this many events.
    drop_events: Option<usize>,
    cut_events: bool,
    drop_after: Option<(Duration, bool)>,
    gone_on_resume: bool,
}

impl Plan {
    /// `Err`: why the resourceVersion is no number (a 400).
    fn read(q: &[(String, String)], faults: &[FaultKind]) -> Result<Plan, String> {
        let send_initial = truthy(param(q, "sendInitialEvents"));
        let (drop_events, cut_events) = faults
            .iter()
            .find_map(|f| match f {
                FaultKind::DropAfterEvents(n) => Some((Some(*n), false)),
                FaultKind::CutAfterEvents(n) => Some((Some(*n), true)),
                _ => None,
            })
            .unwrap_or((None, false));
        let resume_from = match param(q, "resourceVersion").filter(|v| !v.is_empty()) {
            None | Some("0") => None,
            // A watch list starts from the initial state whatever the version.
            Some(_) if send_initial => None,
            Some(v) => match v.parse() {
                Ok(n) => Some(n),
                Err(_) => return Err(format!("invalid resource version {v:?}")),
            },
        };
        Ok(Plan {
            resume_from,
            bookmarks: truthy(param(q, "allowWatchBookmarks")),
            send_initial,
            timeout: param(q, "timeoutSeconds")
                .and_then(|t| t.parse::<u64>().ok())
                .map(Duration::from_secs),
            drop_events,
            cut_events,
            drop_after: drop_after_of(faults),
            gone_on_resume: faults.contains(&FaultKind::GoneOnResume),
        })
    }
}

/// Writes watch events as lines: the object as served at the watched
/// version, or a one-row Table for kubectl (column definitions on the
/// first event only, as kube-apiserver sends them).
struct Encoder {
    def: ResourceDef,
    served_as: String,
    table: bool,
    include: String,
}

impl Encoder {
    fn line(&self, ty: &str, obj: &Value, first: &mut bool, now: &jiff::Timestamp) -> String {
        let mut object = obj.clone();
        object["apiVersion"] = json!(self.served_as);
        if self.table {
            let rv = obj
                .pointer("/metadata/resourceVersion")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            object = table_json(
                &self.def,
                &[Arc::new(object)],
                now,
                &self.include,
                *first,
                &rv,
            );
            *first = false;
        }
        let mut line = json!({"type": ty, "object": object}).to_string();
        line.push('\n');
        line
    }

    /// A BOOKMARK at `rv`; `initial_end`: the one that closes a watch
    /// list's initial events (`k8s.io/initial-events-end`).
    fn bookmark(&self, rv: u64, initial_end: bool) -> String {
        let mut metadata = json!({"resourceVersion": rv.to_string()});
        if initial_end {
            metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
        }
        let bm = json!({"kind": self.def.kind, "apiVersion": self.served_as, "metadata": metadata});
        format!("{}\n", json!({"type": "BOOKMARK", "object": bm}))
    }
}

/// Where the stream starts: the version it is at, the ADDED lines of the
/// initial state, and, when the resume point is gone, the oldest version
/// still kept.
fn start(
    w: &World,
    res: usize,
    filter: &Filter,
    plan: &Plan,
    enc: &Encoder,
    first: &mut bool,
) -> (u64, Vec<String>, Option<u64>) {
    let now = w.traffic.now();
    match plan.resume_from {
        None => {
            let rv = w.cluster.resource_version();
            let lines: Vec<String> = w
                .cluster
                .list(res)
                .map(|(_, o)| o.clone())
                .filter(|o| filter.matches(o))
                .map(|o| enc.line("ADDED", &o, first, &now))
                .collect();
            (rv, lines, None)
        }
        Some(from) if plan.gone_on_resume => (from, Vec::new(), Some(from)),
        Some(from) => match w.cluster.events_since(res, from) {
            Ok(_) => (from, Vec::new(), None),
            Err(g) => (from, Vec::new(), Some(g.oldest)),
        },
    }
}

/// The lines for what happened since `last` and the version they reach;
/// `None` when `last` is no longer kept.
fn drain(
    w: &World,
    res: usize,
    last: u64,
    filter: &Filter,
    enc: &Encoder,
    first: &mut bool,
) -> Option<(Vec<String>, u64)> {
    let now = w.traffic.now();
    let evs = w.cluster.events_since(res, last).ok()?;
    let lines = evs
        .into_iter()
        .filter(|e| filter.matches(&e.object))
        .map(|e| enc.line(e.kind.as_str(), &e.object, first, &now))
        .collect();
    Some((lines, w.cluster.resource_version()))
}

/// A drop or cut fault added while the watch is open ends it no later than
/// the fault says.
fn sooner_drop(
    s: &Shared,
    (group, plural, shape): WatchPoint,
    drop_at: Option<(Instant, bool)>,
) -> Option<(Instant, bool)> {
    let now_faults: Vec<FaultKind> = lock(&s.faults).peek(
        &FaultPoint::Resource {
            group,
            resource: plural,
        },
        shape,
    );
    if let Some((d, cut)) = drop_after_of(&now_faults) {
        let end = Instant::now() + d;
        if drop_at.is_none_or(|(old, _)| end < old) {
            return Some((end, cut));
        }
    }
    drop_at
}

pub(super) fn watch_response(
    s: &Arc<Shared>,
    res: usize,
    version: String,
    filter: Filter,
    call: &Call<'_>,
) -> Response {
    let def = RESOURCES[res];
    let plan = match Plan::read(call.q, call.faults) {
        Ok(plan) => plan,
        Err(message) => return status_response(400, "BadRequest", &message, None),
    };
    let enc = Encoder {
        def,
        served_as: def.api_version(&version),
        table: call.table,
        include: include_object(call.q).to_string(),
    };
    let point: WatchPoint = (def.group, def.plural, call.shape);
    let shared = s.clone();
    let mut rv_rx = s.rv_tx.subscribe();
    let mut faults_rx = s.faults_gen.subscribe();
    faults_rx.mark_unchanged();
    let bookmark_interval = s.bookmark_interval;

    let stream = async_stream::stream! {
        let started = Instant::now();
        // The watch's own timeout ends it cleanly; a drop fault may cut it.
        let deadline = plan.timeout.map(|d| started + d);
        let mut drop_at = plan.drop_after.map(|(d, cut)| (started + d, cut));
        let mut first = true;
        let mut sent = 0usize;
        let mut next_bookmark = started + bookmark_interval;
        // Initial state or the resume point.
        let (mut last, initial, gone) = start(&lock(&shared.world), res, &filter, &plan, &enc, &mut first);
        if let Some(oldest) = gone {
            let msg = format!("too old resource version: {last} ({oldest})");
            let st = status_value(410, "Expired", &msg, None);
            yield Ok::<String, std::io::Error>(format!("{}\n", json!({"type": "ERROR", "object": st})));
            return;
        }
        for line in initial {
            sent += 1;
            yield Ok(line);
            if plan.drop_events.is_some_and(|n| sent >= n) {
                if plan.cut_events {
                    // Let hyper flush what was written first: bytes sent before a
                    // cut reach the client.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    yield Err(cut());
                }
                return;
            }
        }
        if plan.send_initial && plan.bookmarks {
            yield Ok(enc.bookmark(last, true));
        }
        loop {
            // Drain what happened since `last`.
            let drained = drain(&lock(&shared.world), res, last, &filter, &enc, &mut first);
            let Some((lines, synced)) = drained else {
                let st = status_value(410, "Expired", "too old resource version", None);
                yield Ok(format!("{}\n", json!({"type": "ERROR", "object": st})));
                return;
            };
            last = synced;
            for line in lines {
                sent += 1;
                yield Ok(line);
                if plan.drop_events.is_some_and(|n| sent >= n) {
                    if plan.cut_events {
                        // Let hyper flush what was written first: bytes sent before a
                        // cut reach the client.
                        tokio::time::sleep(Duration::from_millis(10)).await;
                        yield Err(cut());
                    }
                    return;
                }
            }
            if shared.stopping.load(Ordering::SeqCst) {
                return;
            }
            let now = Instant::now();
            if plan.bookmarks && now >= next_bookmark {
                next_bookmark = now + bookmark_interval;
                yield Ok(enc.bookmark(last, false));
            }
            let wake = if plan.bookmarks { Some(next_bookmark) } else { None };
            let until = [wake, deadline, drop_at.map(|(t, _)| t)].into_iter().flatten().min();
            // Ok(true): the faults changed; Ok(false): the store did.
            let woke = async {
                tokio::select! {
                    r = rv_rx.changed() => r.map(|_| false),
                    r = faults_rx.changed() => r.map(|_| true),
                }
            };
            let changed = match until {
                Some(t) => tokio::time::timeout_at(t, woke).await.ok(),
                None => Some(woke.await),
            };
            if matches!(changed, Some(Err(_))) || shared.stopping.load(Ordering::SeqCst) {
                return;
            }
            if matches!(changed, Some(Ok(true))) {
                drop_at = sooner_drop(&shared, point, drop_at);
            }
            let now = Instant::now();
            if let Some((at, cut_it)) = drop_at && now >= at {
                if cut_it {
                    // Let hyper flush what was written first: bytes sent before a
                    // cut reach the client.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    yield Err(cut());
                }
                return;
            }
            if deadline.is_some_and(|d| now >= d) {
                return;
            }
        }
    };
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}
