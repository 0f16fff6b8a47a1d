//! Opening a live session: the face gets its [`Link`] at once and draws,
//! while the source connects (or the simulator starts) and the kinds
//! arrive in the background. `:ctx` switching runs here too.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::status::{Feed, Freshness, SourceStatus, kube_contexts};
use super::{Command, Derive, Link, Update};
use crate::audit::AuditOptions;
use crate::clock::Clock;
use crate::error::UserError;
use crate::source::live::{ClusterTarget, Live, connect};
use crate::store::{Kind, KindState, SourceInfo, SourceKind, Store};

/// What a live session reads.
pub enum Source {
    /// A kube context; `:ctx` may switch to another context of the same
    /// kubeconfig, which replaces the feed once it has had up to `sync` to
    /// list (the old context's data stays on screen until then).
    Cluster {
        target: ClusterTarget,
        sync: Duration,
    },
    /// `egscope demo`: the simulator, started inside the session, on its
    /// own clock (it steps with the traffic model at every scrape).
    Demo {
        scenario: crate::sim::Scenario,
        options: crate::sim::SimOptions,
        /// What the status line calls it (`demo (large, simulated)`).
        label: String,
    },
}

impl Source {
    /// What the status line calls the source before it has connected.
    fn label(&self) -> String {
        match self {
            Source::Cluster { target, .. } => {
                let context = target.context.clone().or_else(|| {
                    let kc = match &target.kubeconfig {
                        Some(p) => kube::config::Kubeconfig::read_from(p),
                        None => kube::config::Kubeconfig::read(),
                    };
                    kc.ok().and_then(|k| k.current_context)
                });
                format!("context {}", context.unwrap_or_default())
            }
            Source::Demo { label, .. } => label.clone(),
        }
    }

    /// The status a face starts from: nothing read yet, every kind
    /// syncing.
    pub fn initial_status(&self) -> SourceStatus {
        let switchable = matches!(self, Source::Cluster { .. });
        SourceStatus {
            source: self.label(),
            can_switch_context: switchable,
            contexts: match self {
                Source::Cluster { target, .. } => kube_contexts(target.kubeconfig.as_deref()),
                Source::Demo { .. } => Vec::new(),
            },
            feeds: vec![
                Feed {
                    name: "objects".into(),
                    freshness: Freshness::Syncing,
                },
                Feed {
                    name: "metrics".into(),
                    freshness: Freshness::None,
                },
            ],
        }
    }
}

/// The store a face shows before the first lists are in: empty, with
/// every kind unread, so no view and no rule reads "nothing there" as
/// "nothing wrong" (never a false green).
pub fn initial_store(source: &Source) -> Store {
    let (kind, context) = match source {
        Source::Cluster { target, .. } => (SourceKind::Cluster, target.context.clone()),
        Source::Demo { .. } => (SourceKind::Demo, None),
    };
    let mut store = Store::new(SourceInfo {
        kind,
        context,
        paths: Vec::new(),
        namespace: match source {
            Source::Cluster { target, .. } => target.namespace.clone(),
            Source::Demo { .. } => None,
        },
    });
    for k in Kind::ALL {
        store.set_state(
            k,
            KindState::Unavailable("its first list has not finished".into()),
        );
    }
    store
}

/// A kubeconfig for the in-process simulator, in a temp file the client
/// reads once.
pub fn sim_target(sim: &crate::sim::SimHandle) -> Result<ClusterTarget, UserError> {
    let dir = std::env::temp_dir().join(format!("egscope-demo-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .map_err(|e| UserError::new(format!("cannot create {}: {e}", dir.display())))?;
    let path = dir.join("kubeconfig");
    std::fs::write(&path, sim.kubeconfig_yaml())
        .map_err(|e| UserError::new(format!("cannot write {}: {e}", path.display())))?;
    Ok(ClusterTarget {
        kubeconfig: Some(path),
        connect_timeout: Duration::from_secs(5),
        ..ClusterTarget::default()
    })
}

/// Connects and starts the watchers; returns at once (the kinds arrive
/// later), or after up to `wait` for the first lists.
async fn start_live(
    target: &ClusterTarget,
    clock: Clock,
    wait: Duration,
) -> Result<Arc<Live>, UserError> {
    let conn = connect(target).await?;
    let live = Live::start_with_clock(conn, target.namespace.clone(), clock).await;
    if !wait.is_zero() {
        let _ = live
            .wait_a_while(wait.min(Duration::from_secs(super::once::MAX_SYNC_SECS)))
            .await;
    }
    Ok(Arc::new(live))
}

/// Starts a live session on `rt` and returns the face's end of it at once.
pub fn spawn<D: Derive>(
    rt: &tokio::runtime::Handle,
    source: Source,
    opts: AuditOptions,
) -> Link<D> {
    let (tx, updates) = unbounded_channel();
    let (commands, rx) = unbounded_channel();
    let task = rt.spawn(supervise(source, opts, tx, rx));
    Link {
        updates,
        commands,
        task: Some(task),
    }
}

/// Runs the feed of the source, and replaces it on `:ctx`.
async fn supervise<D: Derive>(
    source: Source,
    opts: AuditOptions,
    tx: UnboundedSender<Update<D>>,
    mut commands: tokio::sync::mpsc::UnboundedReceiver<Command>,
) {
    let (focus_tx, focus_rx) = tokio::sync::watch::channel(Vec::new());
    let switchable = matches!(source, Source::Cluster { .. });
    // The simulator lives as long as the session.
    let mut _sim: Option<Arc<crate::sim::SimHandle>> = None;
    let opened = match &source {
        Source::Cluster { target, .. } => start_live(target, Clock::wall(), Duration::ZERO)
            .await
            .map(|live| (live, None)),
        Source::Demo {
            scenario, options, ..
        } => open_demo(scenario.clone(), options.clone()).await,
    };
    let (live, sim) = match opened {
        Ok(x) => x,
        Err(e) => {
            let _ = tx.send(Update::Failed(e.to_string()));
            return;
        }
    };
    let tick: Box<dyn FnMut() + Send> = match sim {
        Some((sim, clock)) => {
            _sim = Some(sim.clone());
            Box::new(move || {
                sim.advance(super::feed::SCRAPE_INTERVAL);
                clock.advance(super::feed::SCRAPE_INTERVAL);
            })
        }
        None => Box::new(|| {}),
    };
    let label = match &source {
        Source::Cluster { .. } => format!("context {}", live.connection().context),
        Source::Demo { label, .. } => label.clone(),
    };
    // Logs are read from the context on screen: the client follows `:ctx`.
    let mut client = live.connection().client.clone();
    let mut feed = tokio::spawn(super::feed::run(
        live,
        label,
        opts.clone(),
        switchable,
        tx.clone(),
        focus_rx.clone(),
        tick,
    ));
    while let Some(cmd) = commands.recv().await {
        let name = match cmd {
            Command::Focus(fleets) => {
                focus_tx.send_if_modified(|cur| {
                    let changed = *cur != fleets;
                    if changed {
                        *cur = fleets;
                    }
                    changed
                });
                continue;
            }
            Command::Logs(target) => {
                let (client, tx) = (client.clone(), tx.clone());
                tokio::spawn(async move {
                    let _ = tx.send(Update::Logs(super::logs::read(&client, target).await));
                });
                continue;
            }
            Command::Context(name) => name,
        };
        let Source::Cluster { target: base, sync } = &source else {
            continue;
        };
        let target = ClusterTarget {
            context: Some(name.clone()),
            ..base.clone()
        };
        match start_live(&target, Clock::wall(), *sync).await {
            Ok(next) => {
                // The old feed stops before the new one sends anything:
                // from here on only the new context's data reaches the face.
                feed.abort();
                let _ = (&mut feed).await;
                let label = format!("context {}", next.connection().context);
                client = next.connection().client.clone();
                let _ = tx.send(Update::Flash(format!("switched to context {name}")));
                feed = tokio::spawn(super::feed::run(
                    next,
                    label,
                    opts.clone(),
                    true,
                    tx.clone(),
                    focus_rx.clone(),
                    || {},
                ));
            }
            Err(e) => {
                let _ = tx.send(Update::Flash(format!("context {name}: {e}")));
            }
        }
    }
    feed.abort();
}

type Opened = (Arc<Live>, Option<(Arc<crate::sim::SimHandle>, Clock)>);

/// Starts the simulator and connects to it. The session clock is the
/// simulator's: ages, "since" and EG511's lag move as the demo runs.
async fn open_demo(
    scenario: crate::sim::Scenario,
    options: crate::sim::SimOptions,
) -> Result<Opened, UserError> {
    let sim = Arc::new(crate::sim::Sim::start(scenario, options).await?);
    let clock = Clock::manual(sim.now());
    let live = start_live(&sim_target(&sim)?, clock.clone(), Duration::ZERO).await?;
    Ok((live, Some((sim, clock))))
}
