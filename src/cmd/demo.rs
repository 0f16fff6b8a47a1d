//! `egscope demo`: the TUI on the simulator, or its audit headless.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use super::audit::audit_store;
use super::runtime;
use super::sim::sim_config;
use super::tui::{LiveTui, UiArgs, connect_live_with, sim_target};
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
    let (scenario, opts) = sim_config(&SimArgs::for_demo(args.scenario))?;
    let rt = runtime()?;
    // The session clock is the simulator's: it steps with the traffic
    // model, so ages, "since" and EG511's lag move as the demo runs.
    let (sim, live, clock) = rt.block_on(async {
        let sim = Arc::new(crate::sim::Sim::start(scenario, opts).await?);
        let clock = crate::clock::Clock::manual(sim.now());
        let live =
            connect_live_with(&sim_target(&sim)?, Duration::from_secs(30), clock.clone()).await?;
        Ok::<_, UserError>((sim, live, clock))
    })?;
    let source = format!("demo ({:?}, simulated)", args.scenario).to_lowercase();
    let now = Some(sim.now());
    let ticker = sim.clone();
    let tick = move || {
        ticker.advance(crate::ui::feed::SCRAPE_INTERVAL);
        clock.advance(crate::ui::feed::SCRAPE_INTERVAL);
    };
    LiveTui {
        rt: &rt,
        live,
        source,
        profile: args.profile,
        now,
        tour: args.tour,
        ui,
        tick,
        switch: None,
    }
    .run()
}
