//! The embedded demo cluster (`assets/demo/`).

use crate::error::UserError;
use crate::sim;
use crate::source::snapshot;
use crate::store::{SourceKind, Store};

/// The showcase cluster as a store, as if read from a snapshot.
pub fn showcase_store() -> Result<Store, UserError> {
    let mut store = snapshot::load_text("assets/demo/showcase.yaml", sim::SHOWCASE_YAML)?;
    store.source.kind = SourceKind::Demo;
    Ok(store)
}

/// The demo's fixed "now", so that restart windows read the same every run.
pub fn demo_now() -> jiff::Timestamp {
    sim::DEMO_NOW.parse().expect("DEMO_NOW is RFC 3339")
}
