//! The session: between the audit and the faces. It owns a source (a live
//! cluster, the simulator of `egscope demo`, or files), the metrics scraper
//! and the derived data, and hands the TUI and the headless commands the
//! same [`Snapshot`] (store, model, audit, metrics, coverage).
//!
//! The TUI talks to a live session through a [`Link`]: [`Update`]s come in
//! (snapshots, feed status, messages), [`Command`]s go out (`:ctx`, which
//! fleets are on screen). No kube type crosses it, so the TUI is tested
//! without a cluster and runs on the session's one runtime.

pub mod feed;
pub mod logs;
mod once;
mod open;
pub mod scrape;
mod snapshot;
pub mod status;

use std::sync::Arc;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};

pub use once::{MAX_SYNC_SECS, Read, read_cluster};
pub use open::{Source, initial_store, sim_target, spawn};
pub use snapshot::{Audit, Derive, Part, PartResult, Snapshot};
pub use status::{Feed, Freshness, SourceStatus};

/// What a live session tells its face.
#[derive(Debug)]
pub enum Update<D> {
    /// A new snapshot, derived by the face's [`Derive`].
    Data(Arc<D>),
    /// The feeds' freshness changed (and the lists' progress).
    Status(SourceStatus),
    /// A short message (a context switch done or failed).
    Flash(String),
    /// The source could not be opened at all (a bad kubeconfig, an API
    /// server that does not answer, a simulator that would not start):
    /// the face ends and the command reports this with exit code 2.
    Failed(String),
    /// The answer to a [`Command::Logs`].
    Logs(logs::LogReply),
}

/// What the face asks of its session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// `:ctx NAME`: read another context of the same kubeconfig instead.
    Context(String),
    /// The fleets on screen (keys): their pods are scraped first.
    Focus(Vec<String>),
    /// Read a tail of a pod's log from the current context; answered by
    /// [`Update::Logs`].
    Logs(logs::LogTarget),
}

/// Both ends a face holds. Dropping it ends the session: its task, its
/// watchers and (for the demo) its simulator.
pub struct Link<D> {
    pub updates: UnboundedReceiver<Update<D>>,
    pub commands: UnboundedSender<Command>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl<D> Link<D> {
    /// A link to nothing (tests): updates come from `updates`' sender.
    pub fn detached(
        updates: UnboundedReceiver<Update<D>>,
        commands: UnboundedSender<Command>,
    ) -> Link<D> {
        Link {
            updates,
            commands,
            task: None,
        }
    }

    /// The updates queued now, at most as many as were queued when asked
    /// (a session that sends faster than the face applies them must not
    /// keep it from drawing, reading keys or seeing a signal), with every
    /// `Data` but the newest left out: each replaces the one before, and
    /// applying them all would refill every view once per stale snapshot.
    pub fn pending(&mut self) -> Vec<Update<D>> {
        let queued = self.updates.len();
        let mut out: Vec<Update<D>> = Vec::with_capacity(queued);
        while out.len() < queued {
            let Ok(u) = self.updates.try_recv() else {
                break;
            };
            out.push(u);
        }
        if let Some(last) = out.iter().rposition(|u| matches!(u, Update::Data(_))) {
            let mut i = 0;
            out.retain(|u| {
                let keep = !matches!(u, Update::Data(_)) || i == last;
                i += 1;
                keep
            });
        }
        out
    }
}

impl<D> Drop for Link<D> {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A face that fell behind applies the newest snapshot once, every
    /// status and message in order, and nothing sent after it asked.
    #[test]
    fn pending_keeps_the_newest_data_and_everything_else() {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Update<u32>>();
        let (commands, _c) = tokio::sync::mpsc::unbounded_channel();
        let mut link = Link::detached(rx, commands);
        for u in [
            Update::Data(Arc::new(1)),
            Update::Flash("a".into()),
            Update::Data(Arc::new(2)),
            Update::Flash("b".into()),
            Update::Data(Arc::new(3)),
            Update::Flash("c".into()),
        ] {
            tx.send(u).unwrap();
        }
        let got: Vec<String> = link
            .pending()
            .into_iter()
            .map(|u| match u {
                Update::Data(d) => format!("data {d}"),
                Update::Flash(m) => m,
                _ => unreachable!(),
            })
            .collect();
        assert_eq!(got, ["a", "b", "data 3", "c"]);
        assert!(link.pending().is_empty());
        tx.send(Update::Data(Arc::new(4))).unwrap();
        assert_eq!(link.pending().len(), 1);
    }
}
