//! The TUI entry points: on a live session (a cluster, with `:ctx`
//! switching, or the demo's simulator) and on snapshot files.

use std::io::{IsTerminal, Read};
use std::time::Duration;

use super::{cluster_target, runtime};
use crate::audit::AuditOptions;
use crate::cli::ClusterArgs;
use crate::error::UserError;
use crate::session::{self, Source};
use crate::source;
use crate::store::Store;

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
    let source = Source::Cluster {
        target: cluster_target(cluster),
        sync: Duration::from_secs(cluster.sync_timeout),
    };
    live_session_tui(source, profile, None, false, ui)
}

/// The TUI over a live session: it draws at once and fills in as the
/// session's source connects and its kinds arrive (k9s draws at once too).
/// `now` is a fixed clock (the demo), or `None` for the wall clock.
pub(super) fn live_session_tui(
    source: Source,
    profile: crate::audit::Profile,
    now: Option<jiff::Timestamp>,
    tour: bool,
    ui: &UiArgs,
) -> Result<u8, UserError> {
    let rt = runtime()?;
    let status = source.initial_status();
    let store = session::initial_store(&source);
    let opts = AuditOptions {
        profile,
        now,
        ..AuditOptions::default()
    };
    let link = session::spawn(rt.handle(), source, opts);
    run_tui_with(&rt, store, status, profile, now, tour, ui, Some(link))
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
    let rt = runtime()?;
    run_tui_with(
        &rt,
        store,
        crate::ui::status::SourceStatus::snapshot(paths),
        profile,
        None,
        false,
        ui,
        None,
    )
}

#[allow(clippy::too_many_arguments)]
fn run_tui_with(
    rt: &tokio::runtime::Runtime,
    store: Store,
    status: crate::ui::status::SourceStatus,
    profile: crate::audit::Profile,
    now: Option<jiff::Timestamp>,
    tour: bool,
    ui: &UiArgs,
    session: Option<session::Link<crate::ui::data::Data>>,
) -> Result<u8, UserError> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let user = crate::ui::user_theme_path();
    let theme = crate::ui::theme::Theme::resolve(ui.theme.as_deref(), user.as_deref(), no_color)
        .map_err(UserError::new)?;
    let _log = crate::ui::logging::init(&ui.log_level);
    tracing::info!(source = %status.source, "starting the TUI");
    let opts = crate::ui::run::TuiOptions {
        store: std::sync::Arc::new(store),
        status,
        profile,
        theme,
        now,
        tour,
        session,
    };
    let ended = crate::ui::run::run(rt, opts)
        .map_err(|e| UserError::new(format!("terminal error: {e}")))?;
    match ended.failed {
        Some(why) => Err(UserError::new(why)),
        None => Ok(ended.code),
    }
}
