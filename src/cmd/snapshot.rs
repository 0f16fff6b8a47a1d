//! `egscope snapshot`.

use super::{EXIT_INCOMPLETE, EXIT_OK, live_store, write_output};
use crate::cli::{ClusterArgs, SnapshotArgs};
use crate::error::UserError;
use crate::source;

/// `egscope snapshot`: a read-only backup of every object egscope reads.
pub fn snapshot(args: &SnapshotArgs, cluster: &ClusterArgs) -> Result<u8, UserError> {
    tracing::info!(kubeconfig = ?cluster.kubeconfig, context = ?cluster.context, "snapshot: reading the cluster");
    let store = live_store(cluster)?;
    write_output(
        &source::live::snapshot_yaml(&store, jiff::Timestamp::now())?,
        args.output.as_deref(),
    )?;
    let unread: Vec<String> = store
        .states()
        .filter(|(k, st)| *k != crate::store::Kind::PodMetrics && st.unreadable())
        .map(|(k, st)| st.describe(k))
        .collect();
    if unread.is_empty() || args.allow_incomplete {
        return Ok(EXIT_OK);
    }
    eprintln!(
        "egscope: the snapshot is incomplete (recorded in it): {}. \
         Grant the role in assets/rbac.yaml, or pass --allow-incomplete (exit 3).",
        crate::sanitize::escape(&unread.join("; "))
    );
    Ok(EXIT_INCOMPLETE)
}
