//! The cluster simulator's scenarios (design §4).
//!
//! Scenarios: the `large` scale scenario as a deterministic object generator
//! ([`large::generate`]) and the demo snapshots in `assets/demo/` (`showcase`,
//! `compliant`). [`Sim`] serves a scenario as a read-only Kubernetes API
//! server on loopback ([`server`]), with a traffic and autoscaling model
//! ([`traffic`]), fault injection and RBAC ([`faults`]).
//!
//! A crate of its own (issue 10): it depends on no egscope crate but the
//! codec, so egscope's demo, tests and benches run against a cluster that
//! shares none of the code under test beyond the YAML parser and quantities.

pub mod cluster;
pub mod error;
pub mod faults;
pub mod large;
pub mod logs;
pub mod resources;
pub mod selector;
pub mod server;
pub mod traffic;

pub use error::SimError;
pub use faults::{Fault, FaultKind, Rbac, RbacScope};
pub use large::{LargeParams, generate, to_list_json};
pub use resources::GatewayApiBundle;
pub use server::{
    DEFAULT_REQUEST_LOG_CAP, RequestRecord, Scenario, Sim, SimHandle, SimOptions, scenario_objects,
};
pub use traffic::{MetricsError, SimClock};

/// The demo cluster (`egscope demo`, scenario `showcase`) as a snapshot.
pub const SHOWCASE_YAML: &str = include_str!("../../../assets/demo/showcase.yaml");

/// A cluster that follows the production guide fully (scenario `compliant`).
pub const COMPLIANT_YAML: &str = include_str!("../../../assets/demo/compliant.yaml");

/// The fixed "now" of the demo snapshots: every creationTimestamp lies
/// before it and the pod restart of the showcase is recent relative to it.
pub const DEMO_NOW: &str = "2026-11-26T10:00:00Z";

/// The API group of an `apiVersion` (`""` for the core group). egscope's
/// store has the same five lines; the simulator keeps its own rather than
/// depend on egscope's store.
pub(crate) fn group_of(api_version: &str) -> &str {
    match api_version.rsplit_once('/') {
        Some((group, _)) => group,
        None => "",
    }
}

/// A tiny deterministic PRNG (SplitMix64). The simulator must be
/// reproducible for a seed and needs no statistical quality beyond "looks
/// random", so no `rand` dependency.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n` > 0; the modulo bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn documents(text: &str) -> usize {
        // Every document of the demo files starts with a `---` line.
        text.matches("\n---\n").count() + usize::from(text.starts_with("---\n"))
    }

    #[test]
    fn showcase_has_the_demo_objects() {
        let n = documents(SHOWCASE_YAML);
        assert!(n > 20, "showcase has {n} documents");
        for needle in [
            "controllerName: gateway.envoyproxy.io/platform-controller",
            "controllerName: gateway.envoyproxy.io/payments-controller",
            "reason: HostnameConflict",
            "name: envoy-platform-d294fcce",
            "name: envoy-payments-pay-3c51c2b4",
            "kind: HorizontalPodAutoscaler",
            "reason: TooManyReplicas",
            "audit.egscope.io/ignore-EG209: payments load is flat; fixed 2 replicas",
            "audit.egscope.io/ignore-EG404: \"\"",
            "kubectl.kubernetes.io/last-applied-configuration",
            "gateway.networking.k8s.io/bundle-version: v1.6.1",
            "image: docker.io/envoyproxy/gateway:v1.9.0",
            "kind: ListenerSet",
            "mergeType: StrategicMerge",
            "reason: BackendNotFound",
            "kind: GRPCRoute",
        ] {
            assert!(SHOWCASE_YAML.contains(needle), "showcase lacks {needle:?}");
        }
        assert!(!SHOWCASE_YAML.contains("managedFields:"));
        assert!(!SHOWCASE_YAML.contains("\nkind: Secret\n"));
    }

    #[test]
    fn compliant_is_a_full_cluster() {
        let n = documents(COMPLIANT_YAML);
        assert!(n > 20, "compliant has {n} documents");
        assert!(!COMPLIANT_YAML.contains("last-applied-configuration"));
        assert!(!COMPLIANT_YAML.contains("audit.egscope.io/"));
        assert!(!COMPLIANT_YAML.contains("status: \"False\"\n    type: Accepted"));
    }

    /// Both files are well-formed YAML for the parser the loader uses, and
    /// every document starts with `apiVersion` (keys are sorted as kubectl
    /// prints them).
    #[test]
    fn demo_files_parse_as_yaml() {
        use saphyr_parser::{Event, Parser};
        for (file, text) in [("showcase", SHOWCASE_YAML), ("compliant", COMPLIANT_YAML)] {
            let mut docs = 0;
            let mut depth = 0usize;
            let mut expect_api_version = false;
            for ev in Parser::new_from_str(text) {
                let (ev, span) = ev.unwrap_or_else(|e| panic!("{file}: {e}"));
                match ev {
                    Event::DocumentStart(_) => docs += 1,
                    Event::MappingStart(..) => {
                        depth += 1;
                        expect_api_version = depth == 1;
                    }
                    Event::MappingEnd => depth -= 1,
                    Event::SequenceStart(..) => depth += 1,
                    Event::SequenceEnd => depth -= 1,
                    Event::Scalar(v, ..) if expect_api_version => {
                        assert_eq!(v, "apiVersion", "{file}: document at {span:?}");
                        expect_api_version = false;
                    }
                    _ => {}
                }
            }
            assert!(docs > 20, "{file}: {docs} documents");
        }
    }

    #[test]
    fn splitmix_is_deterministic() {
        let mut a = SplitMix64::new(7);
        let mut b = SplitMix64::new(7);
        let xs: Vec<u64> = (0..8).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..8).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(SplitMix64::new(8).next_u64(), xs[0]);
    }
}
