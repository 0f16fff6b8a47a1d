//! The TUI entry points: on a live cluster (with `:ctx` switching), on
//! snapshot files, and the live-source plumbing the demo shares.

use std::io::{IsTerminal, Read};
use std::sync::Arc;
use std::time::Duration;

use super::{MAX_SYNC_SECS, cluster_target, runtime};
use crate::audit::AuditOptions;
use crate::cli::ClusterArgs;
use crate::error::UserError;
use crate::source;
use crate::source::live::ClusterTarget;
use crate::store::Store;

/// A kubeconfig for the in-process simulator, in a temp file the client
/// reads once.
pub(super) fn sim_target(sim: &crate::sim::SimHandle) -> Result<ClusterTarget, UserError> {
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

pub(super) async fn connect_live(
    target: &ClusterTarget,
    sync: Duration,
) -> Result<Arc<source::live::Live>, UserError> {
    connect_live_with(target, sync, crate::clock::Clock::wall()).await
}

pub(super) async fn connect_live_with(
    target: &ClusterTarget,
    sync: Duration,
    clock: crate::clock::Clock,
) -> Result<Arc<source::live::Live>, UserError> {
    let conn = source::live::connect(target).await?;
    let live = source::live::Live::start_with_clock(conn, target.namespace.clone(), clock).await;
    // The TUI opens once the first lists are in or after `sync` at most; a
    // kind still syncing then shows as such and fills in when it arrives.
    let _ = live
        .wait_a_while(sync.min(Duration::from_secs(MAX_SYNC_SECS)))
        .await;
    Ok(Arc::new(live))
}

/// `egscope` with no subcommand: the TUI on the current cluster.
pub fn live_tui(
    cluster: &ClusterArgs,
    profile: crate::audit::Profile,
    ui: &UiArgs,
) -> Result<u8, UserError> {
    if !std::io::stdout().is_terminal() {
        return Err(UserError::new(
            "the TUI needs a terminal; for a report use `egscope audit` (or `--help`)",
        ));
    }
    let target = cluster_target(cluster);
    let rt = runtime()?;
    // A real cluster may take long to list everything: open after at most
    // two seconds (k9s draws at once and fills in) and let the kinds arrive.
    let live = rt.block_on(connect_live(
        &target,
        Duration::from_secs(cluster.sync_timeout.min(2)),
    ))?;
    let source = format!("context {}", live.connection().context);
    let switch = Some((target, Duration::from_secs(cluster.sync_timeout)));
    LiveTui {
        rt: &rt,
        live,
        source,
        profile,
        now: None,
        tour: false,
        ui,
        tick: || {},
        switch,
    }
    .run()
}

/// The TUI over a live source. With `switch` (a real cluster), `:ctx NAME`
/// reconnects to another context of the same kubeconfig and replaces the
/// feed; the demo has no other context.
pub(super) struct LiveTui<'a, T> {
    pub rt: &'a tokio::runtime::Runtime,
    pub live: Arc<source::live::Live>,
    /// What the status line calls the source (`context prod`, `demo ...`).
    pub source: String,
    pub profile: crate::audit::Profile,
    /// A fixed clock (the demo), or the wall clock.
    pub now: Option<jiff::Timestamp>,
    pub tour: bool,
    pub ui: &'a UiArgs,
    /// Called before every scrape (the demo advances its simulator).
    pub tick: T,
    /// Where `:ctx` may connect: the base target and the sync wait.
    pub switch: Option<(ClusterTarget, Duration)>,
}

impl<T: FnMut() + Send + 'static> LiveTui<'_, T> {
    pub fn run(self) -> Result<u8, UserError> {
        let LiveTui {
            rt,
            live,
            source,
            profile,
            now,
            tour,
            ui,
            tick,
            switch,
        } = self;
        use crate::ui::action::Action;
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let switchable = switch.is_some();
        let mut status = crate::ui::feed::live_status_with(
            &source,
            &live,
            crate::ui::status::Freshness::None,
            switchable,
        );
        if let Some((target, _)) = &switch {
            status.contexts = crate::ui::status::kube_contexts(target.kubeconfig.as_deref());
        }
        let store = live.store();
        let opts = AuditOptions {
            profile,
            now,
            ..AuditOptions::default()
        };
        let (ctx_tx, mut ctx_rx) = tokio::sync::mpsc::unbounded_channel::<String>();
        let (focus_tx, focus_rx) = tokio::sync::watch::channel(Vec::new());
        let (log_tx, log_rx) = tokio::sync::mpsc::unbounded_channel();
        let (client_tx, client_rx) = tokio::sync::watch::channel(live.connection().client.clone());
        let log_worker = rt.spawn(serve_logs(client_rx, log_rx, tx.clone()));
        let supervisor = rt.spawn(async move {
            let mut feed = tokio::spawn(crate::ui::feed::run(
                live,
                source,
                opts.clone(),
                switchable,
                tx.clone(),
                focus_rx.clone(),
                tick,
            ));
            while let Some(name) = ctx_rx.recv().await {
                let Some((base, sync)) = &switch else {
                    continue;
                };
                let target = ClusterTarget {
                    context: Some(name.clone()),
                    ..base.clone()
                };
                match connect_live(&target, *sync).await {
                    Ok(next) => {
                        feed.abort();
                        client_tx.send_replace(next.connection().client.clone());
                        let source = format!("context {}", next.connection().context);
                        let _ = tx.send(Action::Flash(format!("switched to context {name}")));
                        feed = tokio::spawn(crate::ui::feed::run(
                            next,
                            source,
                            opts.clone(),
                            true,
                            tx.clone(),
                            focus_rx.clone(),
                            || {},
                        ));
                    }
                    Err(e) => {
                        let _ = tx.send(Action::Flash(format!("context {name}: {e}")));
                    }
                }
            }
            feed.abort();
        });
        let on_context: Box<dyn FnMut(String) + Send> = Box::new(move |name| {
            let _ = ctx_tx.send(name);
        });
        let on_logs: Box<dyn FnMut(crate::ui::vm::logs::LogTarget) + Send> =
            Box::new(move |target| {
                let _ = log_tx.send(target);
            });
        let hooks = LiveHooks {
            feed: rx,
            on_context,
            focus: focus_tx,
            on_logs,
        };
        let result = run_tui_with(store, status, profile, now, tour, ui, Some(hooks));
        supervisor.abort();
        log_worker.abort();
        result
    }
}

/// The TUI flags every entry point shares.
#[derive(Debug, Clone)]
pub struct UiArgs {
    pub theme: Option<String>,
    pub log_level: String,
}

/// `egscope --snapshot PATH...`: the TUI on files.
pub fn snapshot_tui(
    paths: &[String],
    profile: crate::audit::Profile,
    ui: &UiArgs,
    stdin: &mut dyn Read,
) -> Result<u8, UserError> {
    if paths.iter().any(|p| p == "-") {
        return Err(UserError::new(
            "the TUI reads keys from the terminal, so it cannot read a snapshot from standard input; \
             pass a file, or use `egscope audit --snapshot -`",
        ));
    }
    let store = source::snapshot::load(paths, stdin)?;
    if !std::io::stdout().is_terminal() {
        return Err(UserError::new(
            "the TUI needs a terminal; for a report use `egscope audit --snapshot ...`",
        ));
    }
    run_tui_with(
        store,
        crate::ui::status::SourceStatus::snapshot(paths),
        profile,
        None,
        false,
        ui,
        None,
    )
}

/// What a live source adds to the TUI: the feed of updates, where `:ctx`
/// goes, and the channel that tells the feed which fleets are on screen.
struct LiveHooks {
    feed: tokio::sync::mpsc::UnboundedReceiver<crate::ui::action::Action>,
    on_context: Box<dyn FnMut(String) + Send>,
    focus: tokio::sync::watch::Sender<Vec<String>>,
    on_logs: Box<dyn FnMut(crate::ui::vm::logs::LogTarget) + Send>,
}

/// A log read must not hold the pane's follow polling forever.
const LOG_TIMEOUT: Duration = Duration::from_secs(10);

/// One log pane read through `source::logs`, in the pane's terms.
pub async fn read_log(
    client: &kube::Client,
    target: crate::ui::vm::logs::LogTarget,
) -> crate::ui::vm::logs::LogReply {
    use crate::source::logs::{LogError, LogRequest, fetch};
    use crate::ui::vm::logs::{LogFailure, LogReply};
    let req = LogRequest {
        namespace: target.namespace.clone(),
        pod: target.pod.clone(),
        container: target.container.clone(),
        previous: target.previous,
        tail_lines: Some(i64::from(target.tail_lines)),
    };
    let result = match tokio::time::timeout(LOG_TIMEOUT, fetch(client, &req)).await {
        Ok(Ok(lines)) => Ok(lines),
        Ok(Err(e @ LogError::Forbidden(_))) => Err(LogFailure::Forbidden(e.to_string())),
        Ok(Err(e)) => Err(LogFailure::Failed(e.to_string())),
        Err(_) => Err(LogFailure::Failed(format!(
            "no answer within {}s",
            LOG_TIMEOUT.as_secs()
        ))),
    };
    LogReply { target, result }
}

/// Answers the log pane's reads one at a time (a pane polls every two
/// seconds at most), with the client of the current context.
async fn serve_logs(
    client: tokio::sync::watch::Receiver<kube::Client>,
    mut reads: tokio::sync::mpsc::UnboundedReceiver<crate::ui::vm::logs::LogTarget>,
    tx: tokio::sync::mpsc::UnboundedSender<crate::ui::action::Action>,
) {
    while let Some(target) = reads.recv().await {
        let c = client.borrow().clone();
        let reply = read_log(&c, target).await;
        if tx.send(crate::ui::action::Action::Logs(reply)).is_err() {
            return;
        }
    }
}

fn run_tui_with(
    store: Store,
    status: crate::ui::status::SourceStatus,
    profile: crate::audit::Profile,
    now: Option<jiff::Timestamp>,
    tour: bool,
    ui: &UiArgs,
    live: Option<LiveHooks>,
) -> Result<u8, UserError> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let user = crate::ui::user_theme_path();
    let theme = crate::ui::theme::Theme::resolve(ui.theme.as_deref(), user.as_deref(), no_color)
        .map_err(UserError::new)?;
    let _log = crate::ui::logging::init(&ui.log_level);
    tracing::info!(source = %status.source, "starting the TUI");
    let (feed, on_context, focus, on_logs) = match live {
        Some(h) => (
            Some(h.feed),
            Some(h.on_context),
            Some(h.focus),
            Some(h.on_logs),
        ),
        None => (None, None, None, None),
    };
    let opts = crate::ui::run::TuiOptions {
        store: std::sync::Arc::new(store),
        status,
        profile,
        theme,
        now,
        tour,
        feed,
        on_context,
        focus,
        on_logs,
    };
    crate::ui::run::run(opts).map_err(|e| UserError::new(format!("terminal error: {e}")))
}
