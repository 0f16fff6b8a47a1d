//! The log pane's plain state (`l` on a pod or a fleet): which container,
//! the lines read so far, follow mode and the `/` search. No kube types:
//! the UI asks for a [`LogTarget`] and the session answers a [`LogReply`].

use std::collections::VecDeque;

use super::table::RowKey;
use crate::ui::data::Data;

/// How many lines one read asks for (`tailLines`): enough for the recent
/// past, bounded so a chatty proxy never floods the API server or the UI.
pub const TAIL_LINES: u32 = 500;
/// The pane keeps at most this many lines while following.
pub const MAX_LINES: usize = 5_000;
/// Follow mode reads again every this many UI ticks (1 s each).
pub const FOLLOW_EVERY: u32 = 2;

pub use crate::session::logs::{LogFailure, LogReply, LogTarget};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPane {
    pub target: LogTarget,
    pub lines: VecDeque<String>,
    pub follow: bool,
    /// A read is on its way.
    pub pending: bool,
    /// Ticks since the last read was sent.
    pub idle_ticks: u32,
    pub error: Option<LogFailure>,
    /// Set when the source cannot read logs at all (a snapshot).
    pub unavailable: Option<String>,
    /// Lines that scrolled out of the server's tail between two reads.
    pub gaps: usize,
    /// First line on screen.
    pub scroll: usize,
    pub search: String,
    /// The line of the current match.
    pub hit: Option<usize>,
}

impl LogPane {
    pub fn new(target: LogTarget) -> LogPane {
        LogPane {
            target,
            lines: VecDeque::new(),
            follow: true,
            pending: false,
            idle_ticks: 0,
            error: None,
            unavailable: None,
            gaps: 0,
            scroll: 0,
            search: String::new(),
            hit: None,
        }
    }

    /// Adds a fresh tail to what was read before. A poll of the last N
    /// lines repeats what the previous poll ended with, so the longest
    /// suffix of the pane equal to a prefix of `fresh` is the overlap and
    /// only the rest is new. kubectl's `--follow` keeps one stream open
    /// instead; a poll needs no long-lived request per pane and survives
    /// a reconnect the same way as the first read. Returns how many lines
    /// were appended.
    pub fn merge(&mut self, fresh: Vec<String>) -> usize {
        let fresh: Vec<String> = fresh
            .into_iter()
            .map(|l| crate::sanitize::escape(&crate::sanitize::expand_tabs(&l)).into_owned())
            .collect();
        let have = self.lines.len();
        let max = have.min(fresh.len());
        let overlap = (0..=max)
            .rev()
            .find(|&k| {
                self.lines
                    .range(have - k..)
                    .zip(&fresh[..k])
                    .all(|(a, b)| a == b)
            })
            .unwrap_or(0);
        // A full tail with no overlap at all: lines were lost in between.
        if have > 0 && overlap == 0 && fresh.len() >= self.target.tail_lines as usize {
            self.gaps += 1;
            self.lines
                .push_back("… (older lines scrolled out of the tail)".into());
        }
        let added = fresh.len() - overlap;
        let at_end = self.at_end();
        self.lines.extend(fresh.into_iter().skip(overlap));
        while self.lines.len() > MAX_LINES {
            self.lines.pop_front();
            self.scroll = self.scroll.saturating_sub(1);
            self.hit = self.hit.and_then(|h| h.checked_sub(1));
        }
        if self.follow && at_end {
            self.scroll = usize::MAX;
        }
        added
    }

    fn at_end(&self) -> bool {
        self.scroll == usize::MAX || self.scroll + 1 >= self.lines.len()
    }

    /// The first line shown for a pane `height` lines tall.
    pub fn top(&self, height: usize) -> usize {
        let last = self.lines.len().saturating_sub(height);
        self.scroll.min(last)
    }

    pub fn scroll_by(&mut self, delta: isize, height: usize) {
        let top = self.top(height) as isize;
        self.scroll = (top + delta).max(0) as usize;
        // Scrolling up stops following; back at the end resumes it.
        self.follow = self.scroll >= self.lines.len().saturating_sub(height);
        if self.follow {
            self.scroll = usize::MAX;
        }
    }

    /// Lines holding the search text (case-insensitive).
    pub fn matches(&self) -> Vec<usize> {
        if self.search.is_empty() {
            return Vec::new();
        }
        let needle = self.search.to_lowercase();
        self.lines
            .iter()
            .enumerate()
            .filter(|(_, l)| l.to_lowercase().contains(&needle))
            .map(|(i, _)| i)
            .collect()
    }

    /// Moves to the next match at or after `from` (`back`: at or before),
    /// wrapping, and scrolls it into view.
    pub fn find(&mut self, from: usize, back: bool, height: usize) {
        let m = self.matches();
        self.hit = if back {
            m.iter().rev().find(|&&i| i <= from).or(m.last()).copied()
        } else {
            m.iter().find(|&&i| i >= from).or(m.first()).copied()
        };
        if let Some(h) = self.hit {
            let top = self.top(height);
            if h < top || h >= top + height {
                self.scroll = h.saturating_sub(height / 2);
            }
            self.follow = false;
        }
    }
}

/// The container of Envoy Gateway's controller pod (the chart's
/// `envoy-gateway` container, reference/envoy-gateway.md §5.5).
pub const CONTROLLER_CONTAINER: &str = "envoy-gateway";

/// The container whose log `l` opens for a table row, or why there is none
/// (said in a flash): a tenant's controller pod (its first running one,
/// container `envoy-gateway`), else as [`target_for`].
pub fn target_or_why(data: &Data, key: &RowKey) -> Result<LogTarget, String> {
    let RowKey::Controller((_, ns, name)) = key else {
        return target_for(data, key).ok_or_else(|| {
            "l shows a pod's log: select a pod (Pods view), a fleet or a tenant".to_string()
        });
    };
    let ns = ns.clone().unwrap_or_default();
    let who = format!("controller {ns}/{name}");
    let controller = data
        .model
        .controllers
        .iter()
        .find(|c| c.namespace() == ns && c.deployment.name == *name)
        .ok_or_else(|| format!("{who} is no longer in the source"))?;
    // An unreadable Pod kind would otherwise read as "no pods": say what
    // egscope could not read instead.
    let state = data.store.state(crate::store::Kind::Pod);
    if !data.store.covers(crate::store::Kind::Pod, &ns) {
        return Err(format!(
            "no log for {who}: its pods could not be read ({})",
            state.describe(crate::store::Kind::Pod)
        ));
    }
    let Some(pod) = controller.log_pod() else {
        return Err(format!(
            "no log for {who}: no pod of it in the source (its Deployment's selector matches none)"
        ));
    };
    let pod_state = crate::model::tenancy::PodState::of(pod);
    if pod_state.phase != "Running" {
        let states: Vec<String> = controller
            .pods
            .iter()
            .map(|p| {
                format!(
                    "{} {}",
                    p.name,
                    crate::model::tenancy::PodState::of(p).describe()
                )
            })
            .collect();
        return Err(format!(
            "no log for {who}: none of its pods is running ({})",
            states.join("; ")
        ));
    }
    Ok(LogTarget {
        namespace: ns,
        pod: pod.name.clone(),
        container: Some(container_of(pod, CONTROLLER_CONTAINER)),
        previous: false,
        tail_lines: TAIL_LINES,
    })
}

/// The container named `wanted` when the pod has one, else its first.
fn container_of(pod: &crate::store::Object, wanted: &str) -> String {
    let names: Vec<&str> = pod
        .raw
        .pointer("/spec/containers")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("name").and_then(|n| n.as_str()))
        .collect();
    names
        .iter()
        .find(|n| **n == wanted)
        .or(names.first())
        .map_or_else(|| wanted.to_string(), |s| s.to_string())
}

/// The container whose log `l` opens for a table row: a pod's Envoy
/// container (`envoy`, next to Envoy Gateway's `shutdown-manager`), or for a
/// fleet its first running pod's. `None`: the row has no pod.
pub fn target_for(data: &Data, key: &RowKey) -> Option<LogTarget> {
    let pod = match key {
        RowKey::Pod(_, (_, ns, name)) => data
            .store
            .of(crate::store::Kind::Pod)
            .iter()
            .find(|p| p.namespace == *ns && p.name == *name)?
            .clone(),
        RowKey::Fleet(f) => {
            let fleet = data.model.fleets.iter().find(|x| x.key == *f)?;
            let running = |p: &&std::sync::Arc<crate::store::Object>| {
                p.raw.pointer("/status/phase").and_then(|v| v.as_str()) == Some("Running")
            };
            fleet
                .pods
                .iter()
                .find(running)
                .or(fleet.pods.first())?
                .clone()
        }
        _ => return None,
    };
    let names: Vec<&str> = pod
        .raw
        .pointer("/spec/containers")
        .and_then(|c| c.as_array())
        .into_iter()
        .flatten()
        .filter_map(|c| c.get("name").and_then(|n| n.as_str()))
        .collect();
    let container = names
        .iter()
        .find(|n| **n == "envoy")
        .or(names.first())
        .map(|s| s.to_string());
    Some(LogTarget {
        namespace: pod.namespace.clone().unwrap_or_default(),
        pod: pod.name.clone(),
        container,
        previous: false,
        tail_lines: TAIL_LINES,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pane(tail: u32) -> LogPane {
        LogPane::new(LogTarget {
            namespace: "eg".into(),
            pod: "p".into(),
            container: Some("envoy".into()),
            previous: false,
            tail_lines: tail,
        })
    }

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn a_poll_appends_only_what_is_new() {
        let mut p = pane(3);
        assert_eq!(p.merge(v(&["a", "b", "c"])), 3);
        assert_eq!(p.merge(v(&["b", "c", "d"])), 1);
        assert_eq!(p.merge(v(&["b", "c", "d"])), 0);
        assert_eq!(p.lines, v(&["a", "b", "c", "d"]));
        // Repeated lines: the longest overlap wins.
        let mut p = pane(4);
        p.merge(v(&["x", "x"]));
        assert_eq!(p.merge(v(&["x", "x", "x"])), 1);
        assert_eq!(p.lines.len(), 3);
    }

    #[test]
    fn tabs_become_spaces_and_controls_stay_escaped() {
        let mut p = pane(10);
        p.merge(v(&["ab\tINFO\tprovider\x1b[2J"]));
        assert_eq!(p.lines[0], "ab      INFO    provider\\x1b[2J");
    }

    #[test]
    fn a_full_tail_without_overlap_marks_the_gap() {
        let mut p = pane(2);
        p.merge(v(&["a", "b"]));
        assert_eq!(p.merge(v(&["y", "z"])), 2);
        assert_eq!(p.gaps, 1);
        assert!(p.lines[2].contains("scrolled out"), "{:?}", p.lines);
        assert_eq!(p.lines.back().map(String::as_str), Some("z"));
    }

    #[test]
    fn merged_lines_are_neutralised() {
        let mut p = pane(10);
        p.merge(v(&["ua=\u{1b}]52;c;aGk=\u{7}"]));
        assert_eq!(p.lines[0], "ua=\\x1b]52;c;aGk=\\x07");
    }

    #[test]
    fn search_wraps_and_stops_following() {
        let mut p = pane(10);
        p.merge(v(&["GET 200", "GET 503", "GET 200", "POST 503"]));
        p.search = "503".into();
        assert_eq!(p.matches(), vec![1, 3]);
        p.find(2, false, 2);
        assert_eq!(p.hit, Some(3));
        p.find(4, false, 2);
        assert_eq!(p.hit, Some(1), "wraps to the first");
        p.find(0, true, 2);
        assert_eq!(p.hit, Some(3), "backwards wraps to the last");
        assert!(!p.follow);
    }
}
