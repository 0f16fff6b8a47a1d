//! The session's clock: what "now" is for ages, "since" marks, the change
//! feed and EG511's lag. A live session reads the wall clock; the demo and
//! the tests use a manual clock they step, so nothing they show depends on
//! when they run.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

/// A cheap, cloneable clock: clones share the same time.
#[derive(Debug, Clone, Default)]
pub struct Clock(Option<Arc<AtomicI64>>);

impl Clock {
    /// The wall clock.
    pub fn wall() -> Clock {
        Clock(None)
    }

    /// A clock that stands at `at` until it is stepped.
    pub fn manual(at: jiff::Timestamp) -> Clock {
        Clock(Some(Arc::new(AtomicI64::new(at.as_millisecond()))))
    }

    pub fn is_manual(&self) -> bool {
        self.0.is_some()
    }

    pub fn now(&self) -> jiff::Timestamp {
        match &self.0 {
            None => jiff::Timestamp::now(),
            Some(ms) => jiff::Timestamp::from_millisecond(ms.load(Ordering::Relaxed))
                .unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        }
    }

    /// Steps a manual clock (the wall clock steps itself).
    pub fn advance(&self, by: Duration) {
        if let Some(ms) = &self.0 {
            let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
            ms.fetch_add(by, Ordering::Relaxed);
        }
    }
}

/// Whole seconds from `from` to `to` (0 when `to` is earlier).
pub fn secs_between(from: jiff::Timestamp, to: jiff::Timestamp) -> i64 {
    (to.as_second() - from.as_second()).max(0)
}

/// `40s`, `12m`, `5h`, `3d`: every AGE and "since" cell. Seconds up to two
/// minutes and minutes up to two hours, so a fresh restart reads `95s`
/// rather than kubectl's `1m` (`ShortHumanDuration` in
/// k8s.io/apimachinery/pkg/util/duration switches unit at 60).
pub fn short(secs: i64) -> String {
    match secs.max(0) {
        s @ 0..120 => format!("{s}s"),
        s @ 120..7200 => format!("{}m", s / 60),
        s @ 7200..172800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_moves_only_when_stepped_and_clones_share_it() {
        let t0: jiff::Timestamp = "2026-11-26T10:00:00Z".parse().unwrap();
        let c = Clock::manual(t0);
        let other = c.clone();
        assert_eq!(c.now(), t0);
        other.advance(Duration::from_secs(61));
        assert_eq!(secs_between(t0, c.now()), 61);
        assert!(c.is_manual() && !Clock::wall().is_manual());
    }

    #[test]
    fn short_ages_switch_unit_at_kubectl_steps() {
        assert_eq!(short(-5), "0s");
        assert_eq!(short(119), "119s");
        assert_eq!(short(120), "2m");
        assert_eq!(short(7199), "119m");
        assert_eq!(short(7200), "2h");
        assert_eq!(short(172_800), "2d");
    }
}
