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

/// A demo scenario's objects as a store, as the simulator serves them
/// (`egscope demo --scenario X --format F` audits these).
pub fn scenario_store(scenario: crate::cli::SimScenario) -> Result<Store, UserError> {
    use crate::cli::SimScenario;
    let mut store = match scenario {
        SimScenario::Showcase => return showcase_store(),
        SimScenario::Compliant => {
            snapshot::load_text("assets/demo/compliant.yaml", sim::COMPLIANT_YAML)?
        }
        SimScenario::Large => {
            let objects = sim::generate(&sim::LargeParams::default());
            snapshot::load_text("large.json", &sim::to_list_json(&objects))?
        }
    };
    store.source.kind = SourceKind::Demo;
    Ok(store)
}

/// The demo's fixed "now", so that restart windows read the same every run.
pub fn demo_now() -> jiff::Timestamp {
    sim::DEMO_NOW.parse().expect("DEMO_NOW is RFC 3339")
}
