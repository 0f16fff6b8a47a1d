//! Wiring for the headless commands: read a source, audit it, write a
//! report, and turn the outcome into an exit code. Kept out of `main` so
//! tests can drive it.

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

use crate::audit::{self, AuditOptions, AuditResult, Severity};
use crate::cli::{AuditArgs, DemoArgs, FailOn, ReportFormat, RulesArgs};
use crate::error::UserError;
use crate::report::{self, ReportMeta};
use crate::source;
use crate::store::Store;

/// Exit codes shared by every subcommand (design §1).
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

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

fn write_output(text: &str, output: Option<&Path>) -> Result<(), UserError> {
    match output {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            UserError::new(format!(
                "cannot write the report to {}: {e}. Check that the directory exists and is writable.",
                path.display()
            ))
        }),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth a message.
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(UserError::new(format!("cannot write the report: {e}")))
                }
                _ => Ok(()),
            }
        }
    }
}

fn audit_store(
    store: &Store,
    format: ReportFormat,
    output: Option<&Path>,
    opts: &AuditOptions,
    fail_on: FailOn,
) -> Result<u8, UserError> {
    let result = audit::run(store, opts)?;
    let to_terminal = output.is_none() && std::io::stdout().is_terminal();
    let meta = ReportMeta {
        source: store.source.clone(),
        profile: opts.profile,
        color: want_color(to_terminal),
    };
    write_output(&report::render(format, &result, &meta), output)?;
    Ok(if fails(&result, fail_on) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

pub fn audit(args: &AuditArgs, stdin: &mut dyn Read) -> Result<u8, UserError> {
    let opts = AuditOptions {
        profile: args.profile,
        rules: args.rules.clone(),
        ..AuditOptions::default()
    };
    // Reject a bad --rules before reading a large input.
    audit::select_rules(&opts.rules)?;
    let store = source::snapshot::load(&args.snapshot, stdin)?;
    audit_store(
        &store,
        args.format,
        args.output.as_deref(),
        &opts,
        args.fail_on,
    )
}

pub fn rules(args: &RulesArgs) -> Result<u8, UserError> {
    write_output(&report::render_rules(args.format), None)?;
    Ok(EXIT_OK)
}

/// Until the TUI lands, `demo` prints the audit of the embedded demo cluster.
pub fn demo(args: &DemoArgs) -> Result<u8, UserError> {
    let store = crate::demo::showcase_store()?;
    let opts = AuditOptions {
        profile: args.profile,
        now: Some(crate::demo::demo_now()),
        ..AuditOptions::default()
    };
    audit_store(&store, args.format, None, &opts, FailOn::Never)
}
