//! What the faces are told about the data feeds. Snapshot and demo
//! sources fill it once; a live session updates it as watches and scrapes
//! succeed or fail. Plain data: the TUI reads it without any kube type.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Freshness {
    /// Read once from files: never changes.
    Static,
    Live,
    /// No update for this long.
    Stale(Duration),
    Forbidden,
    /// The server keeps failing (5xx, timeout): nothing could be read.
    Unavailable,
    /// Read only in some namespaces (the cluster-wide list was refused).
    Partial,
    /// First lists still arriving.
    Syncing,
    /// A kind's first list, under way: objects read so far, and how many
    /// the server said there are (`remainingItemCount`), when it said.
    Listing {
        read: usize,
        total: Option<usize>,
    },
    /// The feed has no source (e.g. no metrics in a snapshot).
    None,
}

impl Freshness {
    pub fn label(&self) -> String {
        match self {
            Freshness::Static => "static".into(),
            Freshness::Live => "live".into(),
            Freshness::Stale(d) => format!("stale {}s", d.as_secs()),
            Freshness::Forbidden => "forbidden".into(),
            Freshness::Unavailable => "unavailable".into(),
            Freshness::Partial => "partial".into(),
            Freshness::Syncing => "syncing".into(),
            Freshness::Listing { read, total } => match total {
                Some(t) => format!("{} / {}", grouped(*read), grouped(*t)),
                None => format!("{} read", grouped(*read)),
            },
            Freshness::None => "none".into(),
        }
    }
}

/// `12500` as `12,500`: counts in the progress line read at a glance.
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feed {
    pub name: String,
    pub freshness: Freshness,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    /// `demo`, `snapshot a.yaml b.yaml`, `context prod-eu`.
    pub source: String,
    /// Whether `:ctx` can switch contexts (live sources only).
    pub can_switch_context: bool,
    /// Every context of the kubeconfig, by name only (`:ctx` completes
    /// and picks from them); never anything the kubeconfig says about
    /// users or credentials. The feed does not know them: `update` keeps
    /// them across status updates.
    pub contexts: Vec<String>,
    pub feeds: Vec<Feed>,
}

impl SourceStatus {
    /// Whether the scraped numbers on screen are old (the metrics feed
    /// stopped answering): the tables mark them.
    pub fn metrics_stale(&self) -> bool {
        self.feeds
            .iter()
            .any(|f| f.name == "metrics" && matches!(f.freshness, Freshness::Stale(_)))
    }

    /// The kube context this source reads, when it is a live one.
    pub fn context(&self) -> Option<&str> {
        self.source.strip_prefix("context ")
    }

    pub fn snapshot(paths: &[String]) -> SourceStatus {
        SourceStatus {
            source: format!("snapshot {}", paths.join(" ")),
            can_switch_context: false,
            contexts: Vec::new(),
            feeds: vec![
                Feed {
                    name: "objects".into(),
                    freshness: Freshness::Static,
                },
                Feed {
                    name: "metrics".into(),
                    freshness: Freshness::None,
                },
            ],
        }
    }

    pub fn demo() -> SourceStatus {
        SourceStatus {
            source: "demo (showcase)".into(),
            ..SourceStatus::snapshot(&[])
        }
    }
}

/// The context names of a kubeconfig (`KUBECONFIG` or `~/.kube/config`
/// when `path` is `None`), sorted; empty when it cannot be read. Only the
/// names leave this function: users and their credentials are dropped.
pub fn kube_contexts(path: Option<&std::path::Path>) -> Vec<String> {
    let config = match path {
        Some(p) => kube::config::Kubeconfig::read_from(p),
        None => kube::config::Kubeconfig::read(),
    };
    let mut names: Vec<String> = config
        .map(|c| c.contexts.into_iter().map(|c| c.name).collect())
        .unwrap_or_default();
    names.sort();
    names.dedup();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_progress_reads_like_a_count() {
        let f = |read, total| Freshness::Listing { read, total }.label();
        assert_eq!(f(12_500, Some(20_000)), "12,500 / 20,000");
        assert_eq!(f(999, Some(1_000)), "999 / 1,000");
        assert_eq!(f(1_234_567, None), "1,234,567 read");
        assert_eq!(f(0, Some(0)), "0 / 0");
    }
}
