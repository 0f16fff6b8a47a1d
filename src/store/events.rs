//! What the store keeps of Kubernetes Events (events.k8s.io/v1): the live
//! source prunes by these, and the model's event view reads `last_seen`, so
//! "how recent is an event" is decided once.

use super::Object;

/// Events older than this (by their last observation) are dropped: the
/// API server keeps them for an hour by default (kube-apiserver
/// `--event-ttl`, 1h), and an older one says nothing about now.
pub const TTL_SECS: i64 = 3600;
/// At most this many Events are kept per namespace, the newest.
pub const MAX_PER_NAMESPACE: usize = 200;

/// When an Event was last observed, as kubectl sorts events
/// (k8s.io/kubectl/pkg/util/event/sorted_event_list.go, `eventTime`): the
/// series' last observation, else the last timestamp (core/v1 events
/// converted to events.k8s.io/v1 carry it as `deprecatedLastTimestamp`), else
/// the event time.
pub fn last_seen(obj: &Object) -> Option<jiff::Timestamp> {
    [
        "/series/lastObservedTime",
        "/deprecatedLastTimestamp",
        "/lastTimestamp",
        "/eventTime",
    ]
    .iter()
    .filter_map(|p| obj.raw.pointer(p).and_then(|v| v.as_str()))
    .find_map(|s| s.parse::<jiff::Timestamp>().ok())
}
