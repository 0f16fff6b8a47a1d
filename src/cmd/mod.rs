//! The subcommands, one module each, over the helpers here: exit codes,
//! where a report goes, the async runtime, reading a cluster once. Kept out
//! of `main` so tests can drive them.

pub mod audit;
pub mod completions;
pub mod demo;
pub mod model;
pub mod rules;
pub mod sim;
pub mod snapshot;
pub mod trace;
pub mod tui;

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::audit::{AuditResult, Severity};
use crate::cli::{ClusterArgs, FailOn};
use crate::error::UserError;
use crate::source::live::ClusterTarget;
use crate::store::Store;

pub use audit::audit;
pub use completions::{completions, man};
pub use demo::demo;
pub use model::model;
pub use rules::rules;
pub use sim::{sim, sim_config};
pub use snapshot::snapshot;
pub use tui::{UiArgs, live_tui, snapshot_tui};

/// Exit codes shared by every subcommand (design §1).
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;
/// The audit could not judge every rule (a kind forbidden, unavailable or
/// read only in some namespaces) and no finding reached `--fail-on`: not a
/// clean result. `--allow-incomplete` turns it into 0.
pub const EXIT_INCOMPLETE: u8 = 3;

/// Whether the audit's findings reach `--fail-on`.
pub fn fails(result: &AuditResult, fail_on: FailOn) -> bool {
    let threshold = match fail_on {
        FailOn::Never => return false,
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    result.worst().is_some_and(|w| w.rank() >= threshold.rank())
}

/// Colour only for a terminal, and never with NO_COLOR set (no-color.org).
pub fn want_color(to_terminal: bool) -> bool {
    to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

pub(crate) fn write_output(text: &str, output: Option<&Path>) -> Result<(), UserError> {
    write_with(output, &mut |out| out.write_all(text.as_bytes()))
}

/// Hands `write` the output file (or standard output), buffered: a large
/// report goes out as it is written instead of as one string in memory.
pub(crate) fn write_with(
    output: Option<&Path>,
    write: &mut dyn FnMut(&mut dyn Write) -> std::io::Result<()>,
) -> Result<(), UserError> {
    match output {
        Some(path) => std::fs::File::create(path)
            .and_then(|file| {
                let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
                write(&mut out)?;
                out.flush()
            })
            .map_err(|e| {
                UserError::new(format!(
                    "cannot write the report to {}: {e}. Check that the directory exists and is writable.",
                    path.display()
                ))
            }),
        None => {
            let mut out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            // A closed pipe (`| head`) is not an error worth a message.
            match write(&mut out).and_then(|_| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(UserError::new(format!("cannot write the report: {e}")))
                }
                _ => Ok(()),
            }
        }
    }
}

/// With `EGSCOPE_TIMINGS` set, prints how long a phase took and the
/// process's resident memory to stderr (for the performance procedure in
/// the README).
pub(crate) struct Phase(&'static str, std::time::Instant);

impl Phase {
    fn start(name: &'static str) -> Self {
        Phase(name, std::time::Instant::now())
    }
}

impl Drop for Phase {
    fn drop(&mut self) {
        if std::env::var_os("EGSCOPE_TIMINGS").is_some() {
            let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
            let mem: Vec<&str> = status
                .lines()
                .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .map(|l| Box::leak(l.into_boxed_str()) as &str)
                .collect();
            eprintln!(
                "egscope: {} took {:?} ({})",
                self.0,
                self.1.elapsed(),
                mem.join(", ")
            );
        }
    }
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, UserError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| UserError::new(format!("cannot start the async runtime: {e}")))
}

pub fn cluster_target(args: &ClusterArgs) -> ClusterTarget {
    ClusterTarget {
        kubeconfig: args.kubeconfig.clone(),
        context: args.context.clone(),
        namespace: if args.all_namespaces {
            None
        } else {
            args.namespace.clone()
        },
        connect_timeout: Duration::from_secs(10),
    }
}

/// Lists the cluster once through the session and returns the store when
/// every kind has synced (or is forbidden or not installed).
pub fn live_store(args: &ClusterArgs) -> Result<Store, UserError> {
    live_store_with_metrics(args, 0).map(|(store, _)| store)
}

/// Like [`live_store`], and with `window_secs > 0` also scrapes every proxy
/// pod twice that far apart.
pub fn live_store_with_metrics(
    args: &ClusterArgs,
    window_secs: u64,
) -> Result<(Store, Option<crate::metrics::MetricsSnapshot>), UserError> {
    let read = crate::session::read_cluster(
        &runtime()?,
        &cluster_target(args),
        Duration::from_secs(args.sync_timeout),
        Duration::from_secs(window_secs),
    )?;
    Ok((read.store, read.metrics))
}
