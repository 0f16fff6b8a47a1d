//! `egscope model`.

use std::io::Read;

use super::{EXIT_INCOMPLETE, EXIT_OK, live_store, write_with};
use crate::cli::{ClusterArgs, ModelArgs};
use crate::error::UserError;
use crate::report;
use crate::source;

/// `egscope model`: the derived topology and the predicted policy statuses
/// (`egscope.model/v1`), from a snapshot or the live cluster as `audit`
/// reads them.
pub fn model(
    args: &ModelArgs,
    cluster: &ClusterArgs,
    stdin: &mut dyn Read,
) -> Result<u8, UserError> {
    let store = if args.snapshot.is_empty() {
        tracing::info!(kubeconfig = ?cluster.kubeconfig, context = ?cluster.context, "model: reading the cluster");
        live_store(cluster)?
    } else {
        source::snapshot::load(&args.snapshot, stdin)?
    };
    match args.format {
        crate::cli::ModelFormat::Json => write_with(args.output.as_deref(), &mut |out| {
            report::model_json::write(&store, out)
        })?,
    }
    // Predictions over kinds egscope could not read are not a clean result.
    let unread = report::model_json::unread(&store);
    if unread.is_empty() || args.allow_incomplete {
        return Ok(EXIT_OK);
    }
    eprintln!(
        "egscope: the model is incomplete (its `unread` says so): {}. \
         Grant the role in assets/rbac.yaml, or pass --allow-incomplete (exit 3).",
        crate::sanitize::escape(&unread.join("; "))
    );
    Ok(EXIT_INCOMPLETE)
}
