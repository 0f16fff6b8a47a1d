//! What each rule reads, so that a rule whose input could not be read is
//! reported as not judged instead of passing on nothing.
//!
//! Two levels: `needs` are the kinds a rule judges (unreadable: the rule is
//! not judged and emits nothing, since an unread HPA would read as "no HPA");
//! `looks_up` are kinds it consults on the way (which Gateways are Envoy
//! Gateway's, which EnvoyProxy applies): unreadable, the rule still runs on
//! what it has and is marked partial. A kind read only in some namespaces
//! makes either kind of rule partial.

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

/// The inputs of `rule` (an unknown ID reads nothing).
pub fn of(rule: &str) -> Inputs {
    match rule {
        "EG101" => i(&[Deployment], &[&[ConfigMap]]),
        "EG102" => i(&[GatewayClass, Deployment], &[&[ConfigMap]]),
        "EG103" => i(&[GatewayClass], &[]),
        "EG104" => i(&[Deployment], &[&[ConfigMap, Namespace]]),
        "EG105" => i(&[Gateway, Deployment], &[TENANCY, &[Namespace]]),
        "EG106" => i(&[Deployment, GatewayClass], &[&[ConfigMap]]),
        "EG110" => i(&[EnvoyProxy], &[TENANCY]),
        "EG111" | "EG114" => i(
            &[Gateway, GatewayClass],
            &[&[EnvoyProxy, XListenerSet, ListenerSet]],
        ),
        "EG112" => i(
            &[Gateway],
            &[TENANCY, &[EnvoyProxy, XListenerSet, ListenerSet]],
        ),
        "EG113" => i(&[Gateway], &[&[XListenerSet, ListenerSet]]),
        "EG115" => i(&[], &[&[EnvoyProxy, GatewayClass, Gateway]]),
        "EG201" | "EG202" | "EG205" => i(&[Gateway, ClientTrafficPolicy], &[TENANCY]),
        "EG206" => i(
            &[Gateway, ClientTrafficPolicy],
            &[TENANCY, &[EnvoyProxy, EnvoyPatchPolicy]],
        ),
        "EG203" | "EG204" | "EG211" => i(&[BackendTrafficPolicy], &[TENANCY, ROUTES, &[Gateway]]),
        "EG207" => i(
            &[BackendTrafficPolicy],
            &[TENANCY, ROUTES, &[Gateway, EnvoyProxy, EnvoyPatchPolicy]],
        ),
        "EG208" => i(&[EnvoyProxy], &[TENANCY, &[Gateway, Deployment, DaemonSet]]),
        "EG209" => i(
            &[EnvoyProxy, HorizontalPodAutoscaler],
            &[TENANCY, &[Gateway, Deployment]],
        ),
        "EG210" => i(&[EnvoyProxy, HorizontalPodAutoscaler], &[TENANCY]),
        "EG301" | "EG302" | "EG303" | "EG304" | "EG306" | "EG309" | "EG310" => {
            i(&[EnvoyProxy], &[TENANCY, &[Gateway]])
        }
        "EG305" | "EG308" => i(&[EnvoyProxy], &[TENANCY, &[Gateway]]),
        "EG307" => i(&[Deployment, ConfigMap], &[]),
        "EG401" | "EG402" | "EG406" => i(&[Deployment], &[]),
        "EG403" => i(
            &[Deployment, CustomResourceDefinition],
            &[&[Pod, ConfigMap]],
        ),
        "EG404" => i(
            &[],
            &[&[GatewayClass, Gateway, EnvoyProxy], ROUTES, POLICIES],
        ),
        "EG405" => i(
            &[Deployment],
            &[&[ConfigMap, EnvoyProxy, Pod, TcpRoute], POLICIES],
        ),
        "EG501" | "EG502" => i(&[Gateway], &[TENANCY]),
        "EG503" => i(&[HttpRoute, GrpcRoute], &[&[TlsRoute, TcpRoute, UdpRoute]]),
        "EG504" => i(&[], &[POLICIES]),
        "EG505" => i(&[Pod], &[TENANCY, &[Gateway]]),
        "EG506" => i(
            &[HorizontalPodAutoscaler],
            &[TENANCY, &[Gateway, Deployment]],
        ),
        "EG507" => i(&[Pod], &[TENANCY, &[Gateway]]),
        "EG508" => i(&[Deployment], &[TENANCY, &[Gateway]]),
        "EG509" => i(&[Deployment], &[]),
        "EG510" => i(
            &[EndpointSlice],
            &[TENANCY, ROUTES, &[Gateway, ReferenceGrant, Backend]],
        ),
        "EG511" => i(
            &[],
            &[
                TENANCY,
                &[Gateway, XListenerSet, ListenerSet],
                ROUTES,
                POLICIES,
            ],
        ),
        _ => i(&[], &[]),
    }
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
            assert_eq!(reads_nothing, r.id.starts_with("EG0"), "{}", r.id);
        }
    }
}
