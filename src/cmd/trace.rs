//! `egscope trace URL`: reads the source as `egscope audit` does, traces the
//! request over the model (`model::trace`) and prints the result.
//!
//! Exit codes: 0 a route matches, 1 none does, 2 bad input (the URL, a
//! header, `--gateway`, an unreadable source), 3 when a kind the trace
//! depends on could not be read (a route egscope did not see may be the one
//! Envoy picks; `--allow-incomplete` turns it into 0 or 1).

use std::io::{Read, Write};

use super::{EXIT_FINDINGS, EXIT_INCOMPLETE, EXIT_OK};
use crate::cli::{ClusterArgs, TraceArgs};
use crate::demo::Scenario;
use crate::error::UserError;
use crate::model::Model;
use crate::model::trace::{self, Request};
use crate::report::trace::{Stats, TraceFormat};
use crate::source;

pub fn run(args: &TraceArgs, cluster: &ClusterArgs, stdin: &mut dyn Read) -> Result<u8, UserError> {
    // Bad input is rejected before a cluster or a large file is read.
    let req =
        Request::parse(&args.url, Some(&args.method), &args.headers).map_err(UserError::new)?;
    let gateway = match &args.gateway {
        None => None,
        Some(g) => match g.split_once('/') {
            Some((ns, name)) if !ns.is_empty() && !name.is_empty() && !name.contains('/') => {
                Some((ns.to_string(), name.to_string()))
            }
            _ => {
                return Err(UserError::new(format!(
                    "--gateway `{g}` is not NAMESPACE/NAME (e.g. --gateway payments/pay)"
                )));
            }
        },
    };
    let mut metrics = None;
    let (store, why) = if args.demo {
        let store = crate::demo::scenario_store(args.scenario.unwrap_or(Scenario::Showcase))?;
        let why = "no live metrics: --demo reads the demo's objects (its traffic shows in `egscope demo`)";
        (store, why.to_string())
    } else if !args.snapshot.is_empty() {
        let store = source::snapshot::load(&args.snapshot, stdin)?;
        (store, "no live metrics in a snapshot".to_string())
    } else {
        let (store, m) = super::live_store_with_metrics(cluster, args.metrics_window)?;
        metrics = m;
        (
            store,
            "no live metrics: pass --metrics-window SECS to scrape the proxies".to_string(),
        )
    };
    let stats = match &metrics {
        Some(m) => Stats::Metrics(m),
        None => Stats::None(why),
    };
    let model = Model::build(&store);
    let t = trace::trace(
        &model,
        &req,
        gateway.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
    )
    .map_err(UserError::new)?;
    let out = match args.format {
        TraceFormat::Text => crate::report::trace::text(&store, &model, &t, &stats),
        TraceFormat::Json => crate::report::trace::json(&store, &model, &t, &stats),
    };
    write(&out, args.output.as_deref())?;
    let unread = trace::unread(&store);
    if !unread.is_empty() && !args.allow_incomplete {
        eprintln!(
            "egscope: the trace is incomplete: {}. Grant the role in assets/rbac.yaml, \
             or pass --allow-incomplete (exit 3).",
            crate::sanitize::escape(&unread.join("; "))
        );
        return Ok(EXIT_INCOMPLETE);
    }
    Ok(if t.matched() { EXIT_OK } else { EXIT_FINDINGS })
}

fn write(text: &str, output: Option<&std::path::Path>) -> Result<(), UserError> {
    match output {
        Some(path) => std::fs::write(path, text).map_err(|e| {
            UserError::new(format!(
                "cannot write the trace to {}: {e}. Check that the directory exists and is writable.",
                path.display()
            ))
        }),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                // A closed pipe (`| head`) is not an error worth a message.
                Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
                    Err(UserError::new(format!("cannot write the trace: {e}")))
                }
                _ => Ok(()),
            }
        }
    }
}
