use std::process::ExitCode;

use clap::CommandFactory;
use clap::parser::ValueSource;
use egscope::cli::{Cli, Command};
use egscope::cmd;

/// At most two glibc malloc arenas. glibc gives each thread that
/// allocates under contention an arena of its own (up to 8 per core) and
/// keeps what other threads freed in it: a live session builds snapshots on
/// tokio's blocking pool and frees them on the UI thread, and measured on
/// `large` its RSS grew twice as fast and started 1.9x higher with the
/// default (README, Performance). Set before any thread starts; other
/// allocators (musl's) ignore nothing they do not have.
fn few_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; it is called before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}

fn main() -> ExitCode {
    few_malloc_arenas();
    // Panics are bugs, not user mistakes: color-eyre prints them with the
    // location and a request to report them.
    let _ = color_eyre::install();
    let matches = Cli::command().get_matches();
    let cli = <Cli as clap::FromArgMatches>::from_arg_matches(&matches)
        .and_then(|cli| cli.resolve(&matches))
        .unwrap_or_else(|e| e.exit());
    // The headless commands that talk to a cluster log to the TUI's log file
    // in the state dir only when asked (`--log-level` or EGSCOPE_LOG).
    let asked = matches.value_source("log_level") == Some(ValueSource::CommandLine)
        || std::env::var_os("EGSCOPE_LOG").is_some();
    let _log = match &cli.command {
        Some(Command::Audit(_) | Command::Snapshot(_) | Command::Model(_)) if asked => {
            egscope::ui::logging::init(&cli.log_level)
        }
        _ => None,
    };
    let mut stdin = std::io::stdin().lock();
    let ui = cmd::UiArgs {
        theme: cli.theme.clone(),
        log_level: cli.log_level.clone(),
    };
    let outcome = match &cli.command {
        Some(Command::Audit(args)) => cmd::audit(args, &cli.cluster, &mut stdin),
        Some(Command::Rules(args)) => cmd::rules(args),
        Some(Command::Model(args)) => cmd::model(args, &cli.cluster, &mut stdin),
        Some(Command::Snapshot(args)) => cmd::snapshot(args, &cli.cluster),
        Some(Command::Trace(args)) => cmd::trace::run(args, &cli.cluster, &mut stdin),
        Some(Command::Demo(args)) => cmd::demo(args, &ui),
        Some(Command::Sim(args)) => cmd::sim(args),
        Some(Command::Completions(args)) => cmd::completions(args),
        Some(Command::Man) => cmd::man(),
        None if !cli.snapshot.is_empty() => {
            cmd::snapshot_tui(&cli.snapshot, cli.profile, &ui, &mut stdin)
        }
        None => cmd::live_tui(&cli.cluster, cli.profile, &ui),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            tracing::error!("{e}");
            eprintln!("egscope: {e}");
            ExitCode::from(cmd::EXIT_USAGE)
        }
    }
}
