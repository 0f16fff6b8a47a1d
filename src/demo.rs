//! The embedded demo cluster (`assets/demo/`).

use crate::error::UserError;
use crate::sim;
use crate::source::snapshot;
use crate::store::{SourceKind, Store};

/// A simulated cluster `egscope demo` and `egscope sim` can serve
/// (`--scenario`). The clap derive sits here so that the CLI depends on the
/// demo, never the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Scenario {
    /// The demo: two tenants, a listener conflict, an HPA saturating, a 5xx burst.
    #[default]
    Showcase,
    /// A cluster that follows the production guide.
    Compliant,
    /// A generated cluster for scale (see --gateways, --routes, --policies, --pods).
    Large,
}

impl Scenario {
    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Showcase => "showcase",
            Scenario::Compliant => "compliant",
            Scenario::Large => "large",
        }
    }
}

/// The showcase cluster as a store, as if read from a snapshot.
pub fn showcase_store() -> Result<Store, UserError> {
    let mut store = snapshot::load_text("assets/demo/showcase.yaml", sim::SHOWCASE_YAML)?;
    store.source.kind = SourceKind::Demo;
    Ok(store)
}

/// A demo scenario's objects as a store, as the simulator serves them
/// (`egscope demo --scenario X --format F` audits these).
pub fn scenario_store(scenario: Scenario) -> Result<Store, UserError> {
    let mut store = match scenario {
        Scenario::Showcase => return showcase_store(),
        Scenario::Compliant => {
            snapshot::load_text("assets/demo/compliant.yaml", sim::COMPLIANT_YAML)?
        }
        Scenario::Large => {
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
