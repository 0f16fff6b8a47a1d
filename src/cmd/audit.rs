//! `egscope audit`: read a source, audit it, write the report, and turn the
//! outcome into an exit code.

use std::io::{IsTerminal, Read};
use std::path::Path;

use super::{
    EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK, Phase, fails, live_store_with_metrics, want_color,
    write_with,
};
use crate::audit::{self, AuditOptions, AuditResult};
use crate::cli::{AuditArgs, ClusterArgs, FailOn};
use crate::error::UserError;
use crate::report::{self, Format, ReportMeta};
use crate::source;
use crate::store::Store;

pub(super) fn audit_store(
    store: &Store,
    format: Format,
    output: Option<&Path>,
    opts: &AuditOptions,
    fail_on: FailOn,
    allow_incomplete: bool,
) -> Result<u8, UserError> {
    let result = {
        let _p = Phase::start("audit");
        // Every (rule, object) examined is JUnit's alone to report.
        let opts = AuditOptions {
            record_checks: report::needs_checks(format),
            ..opts.clone()
        };
        audit::run(store, &opts)?
    };
    let to_terminal = output.is_none() && std::io::stdout().is_terminal();
    let meta = ReportMeta {
        source: store.source.clone(),
        profile: opts.profile,
        color: want_color(to_terminal),
    };
    {
        let _p = Phase::start("report");
        write_with(output, &mut |out| {
            report::write(format, &result, &meta, out)
        })?;
    }
    let code = if fails(&result, fail_on) {
        EXIT_FINDINGS
    } else if result.incomplete() && !allow_incomplete {
        if output.is_some() || !std::io::stdout().is_terminal() {
            // The report went elsewhere: say on stderr why the exit is not 0.
            eprintln!("{}", incomplete_note(&result));
        }
        EXIT_INCOMPLETE
    } else {
        EXIT_OK
    };
    // The process ends right after this; freeing every finding one by one
    // would only cost time.
    std::mem::forget(result);
    Ok(code)
}

/// One paragraph on stderr for an incomplete audit whose report went to a
/// file or a pipe.
fn incomplete_note(result: &AuditResult) -> String {
    let gaps: Vec<String> = result
        .coverage
        .iter()
        .map(|g| format!("{} {}", g.kind, g.state))
        .collect();
    let s = result.summary();
    format!(
        "egscope: the audit is incomplete ({} rules not judged, {} judged in part){}. \
         Grant the role in assets/rbac.yaml, or pass --allow-incomplete to accept it (exit 3).",
        s.not_judged,
        s.partial,
        if gaps.is_empty() {
            String::new()
        } else {
            format!(": {}", crate::sanitize::escape(&gaps.join(", ")))
        }
    )
}

pub fn audit(
    args: &AuditArgs,
    cluster: &ClusterArgs,
    stdin: &mut dyn Read,
) -> Result<u8, UserError> {
    let mut opts = AuditOptions {
        profile: args.profile,
        rules: args.rules.clone(),
        // A live cluster is judged at the wall clock; a snapshot at its own
        // newest timestamp (see AuditOptions::now).
        now: args.snapshot.is_empty().then(jiff::Timestamp::now),
        ..AuditOptions::default()
    };
    // Reject a bad --rules before reading a large input.
    audit::select_rules(&opts.rules)?;
    let store = {
        let _p = Phase::start("load");
        if args.snapshot.is_empty() {
            tracing::info!(kubeconfig = ?cluster.kubeconfig, context = ?cluster.context, "audit: reading the cluster");
            let (store, metrics) = live_store_with_metrics(cluster, args.metrics_window)?;
            opts.metrics = metrics.map(std::sync::Arc::new);
            store
        } else {
            source::snapshot::load(&args.snapshot, stdin)?
        }
    };
    let mut store = store;
    if store.source.namespace.is_none() && !cluster.all_namespaces {
        store.source.namespace = cluster.namespace.clone();
    }
    let code = audit_store(
        &store,
        args.format,
        args.output.as_deref(),
        &opts,
        args.fail_on,
        args.allow_incomplete,
    );
    // Dropping tens of thousands of object trees takes a quarter of a large
    // audit's time, and the process exits next: let the OS reclaim them.
    std::mem::forget(store);
    code
}
