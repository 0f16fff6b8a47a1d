//! `egscope demo`: the TUI on the simulator, or its audit headless.

use std::io::IsTerminal;

use super::audit::audit_store;
use super::sim::sim_config;
use super::tui::{UiArgs, live_session_tui};
use crate::audit::AuditOptions;
use crate::cli::{DemoArgs, FailOn, SimArgs};
use crate::error::UserError;

/// `egscope demo`: the TUI on the embedded showcase with the demo's fixed
/// clock; with `--format`, or when standard output is not a terminal, the
/// showcase's audit printed headless.
pub fn demo(args: &DemoArgs, ui: &UiArgs) -> Result<u8, UserError> {
    let headless = args.format.is_some()
        || !(std::io::stdout().is_terminal() && std::io::stdin().is_terminal());
    if headless {
        let store = crate::demo::scenario_store(args.scenario)?;
        let opts = AuditOptions {
            profile: args.profile,
            now: Some(crate::demo::demo_now()),
            ..AuditOptions::default()
        };
        return audit_store(
            &store,
            args.format.unwrap_or_default(),
            None,
            &opts,
            FailOn::Never,
            true,
        );
    }
    let (scenario, options) = sim_config(&SimArgs::for_demo(args.scenario))?;
    let label = format!("demo ({:?}, simulated)", args.scenario).to_lowercase();
    // The simulator starts inside the session, after the first frame: a
    // large scenario takes seconds to generate.
    let source = crate::session::Source::Demo {
        scenario,
        options,
        label,
    };
    live_session_tui(
        source,
        args.profile,
        Some(crate::demo::demo_now()),
        args.tour,
        ui,
    )
}
