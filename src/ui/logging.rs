//! Logs go to `<state dir>/egscope/egscope.log` (never to the terminal the
//! TUI draws on). `--log-level` or `EGSCOPE_LOG` set the filter.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;

/// The log directory: XDG state dir (`~/.local/state/egscope`), falling back
/// to the cache dir where there is no state dir.
pub fn log_dir() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    let s = etcetera::choose_base_strategy().ok()?;
    Some(
        s.state_dir()
            .unwrap_or_else(|| s.cache_dir())
            .join("egscope"),
    )
}

/// Starts logging; keep the guard alive until exit so the file is flushed.
/// Returns `None` (and logs nowhere) when the directory cannot be made.
pub fn init(level: &str) -> Option<WorkerGuard> {
    let dir = log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "egscope.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = std::env::var("EGSCOPE_LOG").unwrap_or_else(|_| level.to_string());
    let level: tracing::Level = filter.parse().unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt()
        .with_writer(writer)
        .with_ansi(false)
        .with_max_level(level)
        .try_init()
        .ok()?;
    Some(guard)
}
