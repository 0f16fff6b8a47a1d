use std::process::ExitCode;

use clap::Parser;
use egscope::app;
use egscope::cli::{Cli, Command};

fn main() -> ExitCode {
    // Panics are bugs, not user mistakes: color-eyre prints them with the
    // location and a request to report them.
    let _ = color_eyre::install();
    let cli = Cli::parse();
    let mut stdin = std::io::stdin().lock();
    let ui = app::UiArgs {
        theme: cli.theme.clone(),
        log_level: cli.log_level.clone(),
    };
    let outcome = match &cli.command {
        Some(Command::Audit(args)) => app::audit(args, &cli.cluster, &mut stdin),
        Some(Command::Rules(args)) => app::rules(args),
        Some(Command::Snapshot(args)) => app::snapshot(args, &cli.cluster),
        Some(Command::Demo(args)) => app::demo(args, &ui),
        Some(Command::Sim(args)) => app::sim(args),
        None if !cli.snapshot.is_empty() => {
            app::snapshot_tui(&cli.snapshot, cli.profile, &ui, &mut stdin)
        }
        None => app::live_tui(&cli.cluster, cli.profile, &ui),
    };
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("egscope: {e}");
            ExitCode::from(app::EXIT_USAGE)
        }
    }
}
