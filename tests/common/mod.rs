//! What the live-path tests share: a simulator on loopback with a
//! kubeconfig for it, faults, and the demo's fixed clock.

use std::time::Duration;

use egscope::audit::AuditOptions;
use egscope::sim::faults::{Fault, FaultKind};
use egscope::sim::{Scenario, Sim, SimHandle, SimOptions};
use egscope::source::live::ClusterTarget;

/// Starts the simulator on `scenario` and writes a kubeconfig for it.
#[allow(dead_code)] // not every test file starts a simulator
pub async fn start(
    scenario: Scenario,
    opts: SimOptions,
) -> (SimHandle, tempfile::NamedTempFile, ClusterTarget) {
    let sim = Sim::start(scenario, opts).await.expect("sim starts");
    let kc = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(kc.path(), sim.kubeconfig_yaml()).unwrap();
    let target = ClusterTarget {
        kubeconfig: Some(kc.path().to_path_buf()),
        connect_timeout: Duration::from_secs(5),
        ..ClusterTarget::default()
    };
    (sim, kc, target)
}

#[allow(dead_code)] // not every test file injects faults
pub fn fault(target: &str, kind: FaultKind) -> Fault {
    Fault {
        target: target.into(),
        kind,
    }
}

/// Audit options judged at the demo's fixed "now".
#[allow(dead_code)] // not every test file audits
pub fn at_demo_now() -> AuditOptions {
    AuditOptions {
        now: Some(egscope::demo::demo_now()),
        ..AuditOptions::default()
    }
}
