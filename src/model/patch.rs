//! EnvoyPatchPolicies and EnvoyProxy bootstraps: the xDS-level settings
//! that sit beside the policy API, resolved once per model so that the
//! rules (EG206/EG207) and the views read one answer.

use std::sync::Arc;

use crate::codec::value::Value;

use super::listeners::Gateway;
use super::tenancy::Class;
use super::value::{array_at, at, str_at};
use crate::store::{Kind, Object, Store};

/// What an EnvoyPatchPolicy's `spec.targetRef` resolves to. Envoy Gateway
/// patches the xDS of one Gateway, or of a GatewayClass whose Gateways it
/// merges (`targetRef` kind Gateway or GatewayClass, the only two its CRD
/// allows: `gateway.envoyproxy.io_envoypatchpolicies.yaml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchTarget {
    /// Index into `Model::gateways`: the Gateway of that name in the
    /// policy's own namespace.
    Gateway(usize),
    /// Index into `Model::classes`: every Gateway of that class.
    Class(usize),
    /// The target is not in the source, or names another kind.
    NotFound { kind: String, name: String },
}

/// One EnvoyPatchPolicy with its resolved target.
#[derive(Debug, Clone)]
pub struct PatchPolicy {
    pub obj: Arc<Object>,
    pub target: PatchTarget,
}

impl PatchPolicy {
    /// `spec.jsonPatches`.
    pub fn json_patches(&self) -> &[Value] {
        array_at(self.obj.spec(), &["jsonPatches"])
    }

    /// Whether the policy patches Gateway `gateway` (directly, or through
    /// its class).
    pub fn applies_to(&self, gateways: &[Gateway], gateway: usize) -> bool {
        match self.target {
            PatchTarget::Gateway(g) => g == gateway,
            PatchTarget::Class(c) => gateways[gateway].class == Some(c),
            PatchTarget::NotFound { .. } => false,
        }
    }
}

/// Every EnvoyPatchPolicy of the store, its target resolved against the
/// model's Gateways and classes.
pub fn patch_policies(store: &Store, gateways: &[Gateway], classes: &[Class]) -> Vec<PatchPolicy> {
    store
        .of(Kind::EnvoyPatchPolicy)
        .iter()
        .map(|epp| {
            let spec = epp.spec();
            let kind = str_at(spec, &["targetRef", "kind"]).unwrap_or("");
            let name = str_at(spec, &["targetRef", "name"]).unwrap_or("");
            let found = match kind {
                "Gateway" => gateways
                    .iter()
                    .position(|g| g.obj.namespace == epp.namespace && g.obj.name == name)
                    .map(PatchTarget::Gateway),
                "GatewayClass" if !name.is_empty() => classes
                    .iter()
                    .position(|c| c.obj.name == name)
                    .map(PatchTarget::Class),
                _ => None,
            };
            PatchPolicy {
                obj: epp.clone(),
                target: found.unwrap_or_else(|| PatchTarget::NotFound {
                    kind: kind.to_string(),
                    name: name.to_string(),
                }),
            }
        })
        .collect()
}

/// A fleet's EnvoyProxy `spec.bootstrap`, read once per model.
#[derive(Debug, Clone, PartialEq)]
pub enum Bootstrap {
    /// `value` (Replace or Merge): the YAML parsed.
    Parsed(Value),
    /// `value` that is not YAML, as written (a rule can still search it).
    Unparsed(String),
    /// `jsonPatches` (JSONPatch type).
    JsonPatches(Vec<Value>),
}

impl Bootstrap {
    /// Reads an EnvoyProxy `spec.bootstrap`; `None` when it holds neither
    /// `value` nor `jsonPatches`.
    pub fn read(bootstrap: &Value) -> Option<Bootstrap> {
        if let Some(text) = str_at(bootstrap, &["value"]) {
            return Some(match crate::codec::parse_yaml_value(text) {
                Ok(v) => Bootstrap::Parsed(v),
                Err(_) => Bootstrap::Unparsed(text.to_string()),
            });
        }
        at(bootstrap, &["jsonPatches"])
            .map(|_| Bootstrap::JsonPatches(array_at(bootstrap, &["jsonPatches"]).to_vec()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bootstrap_reads_each_form() {
        let b = crate::json_value!({"value": "static_resources:\n  listeners: []\n"});
        assert!(
            matches!(Bootstrap::read(&b), Some(Bootstrap::Parsed(v)) if at(&v, &["static_resources"]).is_some())
        );
        let b = crate::json_value!({"value": "{not: [yaml"});
        assert_eq!(
            Bootstrap::read(&b),
            Some(Bootstrap::Unparsed("{not: [yaml".into()))
        );
        let b = crate::json_value!({"type": "JSONPatch", "jsonPatches": [{"op": "add"}]});
        assert!(matches!(Bootstrap::read(&b), Some(Bootstrap::JsonPatches(p)) if p.len() == 1));
        assert_eq!(
            Bootstrap::read(&crate::json_value!({"type": "Merge"})),
            None
        );
    }
}
