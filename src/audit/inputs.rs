//! What each rule reads, so that a rule whose input could not be read is
//! reported as not judged instead of passing on nothing.
//!
//! Two levels: `needs` are the kinds a rule judges (unreadable: the rule is
//! not judged and emits nothing, since an unread HPA would read as "no HPA");
//! `looks_up` are kinds it consults on the way (which Gateways are Envoy
//! Gateway's, which EnvoyProxy applies): unreadable, the rule still runs on
//! what it has and is marked partial. A kind read only in some namespaces
//! makes either kind of rule partial.

use crate::audit::RuleId;
use crate::store::Kind;
use Kind::*;

/// The controllers and classes that decide which Gateways, routes and
/// fleets are Envoy Gateway's.
const TENANCY: &[Kind] = &[Deployment, ConfigMap, GatewayClass];
const ROUTES: &[Kind] = &[HttpRoute, GrpcRoute, TlsRoute, TcpRoute, UdpRoute];
const POLICIES: &[Kind] = &[
    ClientTrafficPolicy,
    BackendTrafficPolicy,
    SecurityPolicy,
    EnvoyExtensionPolicy,
    EnvoyPatchPolicy,
];

/// What a rule reads.
pub struct Inputs {
    pub needs: &'static [Kind],
    pub looks_up: &'static [&'static [Kind]],
}

const fn i(needs: &'static [Kind], looks_up: &'static [&'static [Kind]]) -> Inputs {
    Inputs { needs, looks_up }
}

/// The inputs of `rule`. The match is exhaustive: a new rule must say what
/// it reads.
pub fn of(rule: RuleId) -> Inputs {
    match rule {
        RuleId::EG101 => i(&[Deployment], &[&[ConfigMap]]),
        RuleId::EG102 => i(&[GatewayClass, Deployment], &[&[ConfigMap]]),
        RuleId::EG103 => i(&[GatewayClass], &[]),
        RuleId::EG104 => i(&[Deployment], &[&[ConfigMap, Namespace]]),
        RuleId::EG105 => i(&[Gateway, Deployment], &[TENANCY, &[Namespace]]),
        RuleId::EG106 => i(&[Deployment, GatewayClass], &[&[ConfigMap]]),
        RuleId::EG110 => i(&[EnvoyProxy], &[TENANCY]),
        RuleId::EG111 | RuleId::EG114 => i(
            &[Gateway, GatewayClass],
            &[&[EnvoyProxy, XListenerSet, ListenerSet]],
        ),
        RuleId::EG112 => i(
            &[Gateway],
            &[TENANCY, &[EnvoyProxy, XListenerSet, ListenerSet]],
        ),
        RuleId::EG113 => i(&[Gateway], &[&[XListenerSet, ListenerSet]]),
        RuleId::EG115 => i(&[], &[&[EnvoyProxy, GatewayClass, Gateway]]),
        RuleId::EG201 | RuleId::EG202 | RuleId::EG205 => {
            i(&[Gateway, ClientTrafficPolicy], &[TENANCY])
        }
        RuleId::EG206 => i(
            &[Gateway, ClientTrafficPolicy],
            &[TENANCY, &[EnvoyProxy, EnvoyPatchPolicy]],
        ),
        RuleId::EG203 | RuleId::EG204 | RuleId::EG211 => {
            i(&[BackendTrafficPolicy], &[TENANCY, ROUTES, &[Gateway]])
        }
        RuleId::EG207 => i(
            &[BackendTrafficPolicy],
            &[TENANCY, ROUTES, &[Gateway, EnvoyProxy, EnvoyPatchPolicy]],
        ),
        RuleId::EG208 => i(&[EnvoyProxy], &[TENANCY, &[Gateway, Deployment, DaemonSet]]),
        RuleId::EG209 => i(
            &[EnvoyProxy, HorizontalPodAutoscaler],
            &[TENANCY, &[Gateway, Deployment]],
        ),
        RuleId::EG210 => i(&[EnvoyProxy, HorizontalPodAutoscaler], &[TENANCY]),
        RuleId::EG301
        | RuleId::EG302
        | RuleId::EG303
        | RuleId::EG304
        | RuleId::EG306
        | RuleId::EG309
        | RuleId::EG310 => i(&[EnvoyProxy], &[TENANCY, &[Gateway]]),
        RuleId::EG305 | RuleId::EG308 => i(&[EnvoyProxy], &[TENANCY, &[Gateway]]),
        RuleId::EG307 => i(&[Deployment, ConfigMap], &[]),
        RuleId::EG401 | RuleId::EG402 | RuleId::EG406 => i(&[Deployment], &[]),
        RuleId::EG403 => i(
            &[Deployment, CustomResourceDefinition],
            &[&[Pod, ConfigMap]],
        ),
        RuleId::EG404 => i(
            &[],
            &[&[GatewayClass, Gateway, EnvoyProxy], ROUTES, POLICIES],
        ),
        RuleId::EG405 => i(
            &[Deployment],
            &[&[ConfigMap, EnvoyProxy, Pod, TcpRoute], POLICIES],
        ),
        RuleId::EG501 | RuleId::EG502 => i(&[Gateway], &[TENANCY]),
        RuleId::EG503 => i(&[HttpRoute, GrpcRoute], &[&[TlsRoute, TcpRoute, UdpRoute]]),
        RuleId::EG504 => i(&[], &[POLICIES]),
        RuleId::EG505 => i(&[Pod], &[TENANCY, &[Gateway]]),
        RuleId::EG506 => i(
            &[HorizontalPodAutoscaler],
            &[TENANCY, &[Gateway, Deployment]],
        ),
        RuleId::EG507 => i(&[Pod], &[TENANCY, &[Gateway]]),
        RuleId::EG508 => i(&[Deployment], &[TENANCY, &[Gateway]]),
        RuleId::EG509 => i(&[Deployment], &[]),
        RuleId::EG510 => i(
            &[EndpointSlice],
            &[TENANCY, ROUTES, &[Gateway, ReferenceGrant, Backend]],
        ),
        RuleId::EG511 => i(
            &[],
            &[
                TENANCY,
                &[Gateway, XListenerSet, ListenerSet],
                ROUTES,
                POLICIES,
            ],
        ),
        // EG0xx judge the input itself.
        RuleId::EG001 | RuleId::EG002 => i(&[], &[]),
    }
}

/// Whether `rule` reads any of `kinds` beyond the tenancy lookup. The
/// tenancy kinds (`TENANCY`) are read to tell which controllers serve
/// which classes; a caller that has checked the controllers are unchanged
/// ([`crate::model::Model::with_workloads`]) need not judge again every rule
/// that only looks them up.
pub fn reads_beyond_tenancy(rule: RuleId, kinds: &std::collections::BTreeSet<Kind>) -> bool {
    let inputs = of(rule);
    inputs.needs.iter().any(|k| kinds.contains(k))
        || inputs
            .looks_up
            .iter()
            .filter(|list| !std::ptr::eq(**list, TENANCY))
            .any(|list| list.iter().any(|k| kinds.contains(k)))
}

/// Rules whose judgement moves with the clock or reads every object:
/// EG0xx judge the input itself, EG406 end of life at "now", EG505 pod
/// problems by their age, EG511 a lag by how long it has lasted; EG507
/// reads the scraped metrics.
const CLOCK_RULES: [RuleId; 6] = [
    RuleId::EG001,
    RuleId::EG002,
    RuleId::EG406,
    RuleId::EG505,
    RuleId::EG507,
    RuleId::EG511,
];

/// Whether a store that changed only in `changed` (a subset of
/// [`crate::model::WORKLOAD_KINDS`], the controllers unchanged) must have
/// `rule` judged again.
pub fn rejudged_after(rule: RuleId, changed: &std::collections::BTreeSet<Kind>) -> bool {
    CLOCK_RULES.contains(&rule) || reads_beyond_tenancy(rule, changed)
}

/// Whether a running cluster's workload changes, its clock or its metrics
/// can change what `rule` says: the rules a live session judges again
/// without a configuration change.
pub fn moves_with_workloads(rule: RuleId) -> bool {
    let all: std::collections::BTreeSet<Kind> = crate::model::WORKLOAD_KINDS.into_iter().collect();
    rejudged_after(rule, &all)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::RULES;

    #[test]
    fn every_rule_that_reads_the_cluster_says_what_it_reads() {
        for r in RULES {
            let inputs = of(r.id);
            let reads_nothing = inputs.needs.is_empty() && inputs.looks_up.is_empty();
            // EG0xx judge the input itself.
            assert_eq!(reads_nothing, r.id.as_str().starts_with("EG0"), "{}", r.id);
        }
    }
}
