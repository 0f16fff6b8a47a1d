//! EG0xx: problems with the input itself.

use super::{Ctx, Finding, SUPPRESS_PREFIX, catalog};
use crate::audit::RuleId;
use crate::store::ObjectRef;

pub fn run(ctx: &mut Ctx) {
    eg001_undecodable(ctx);
    eg002_suppression_without_reason(ctx);
}

fn eg001_undecodable(ctx: &mut Ctx) {
    if !ctx.enabled(RuleId::EG001) {
        return;
    }
    let found: Vec<Finding> = ctx
        .store
        .undecodable
        .iter()
        .map(|u| {
            let o = &u.object;
            let object = ObjectRef {
                api_version: o.api_version.clone(),
                kind: if o.kind.is_empty() {
                    "Unknown".into()
                } else {
                    o.kind.clone()
                },
                namespace: o.namespace.clone(),
                name: if o.name.is_empty() {
                    "(unnamed)".into()
                } else {
                    o.name.clone()
                },
            };
            let at = u
                .location
                .as_ref()
                .map(|l| format!(" at {l}"))
                .unwrap_or_default();
            Finding {
                rule: RuleId::EG001,
                severity: catalog::meta(RuleId::EG001).severity,
                object: object.into(),
                listener: None,
                path: None,
                message: format!("could not decode the object{at}: {}", u.reason),
                related: Vec::new(),
                location: u.location.clone(),
                suppressed: None,
            }
        })
        .collect();
    for f in found {
        ctx.push(f);
    }
}

fn eg002_suppression_without_reason(ctx: &mut Ctx) {
    if !ctx.enabled(RuleId::EG002) {
        return;
    }
    let store = ctx.store;
    for obj in store.all() {
        for (key, value) in &obj.annotations {
            let Some(rule) = key.strip_prefix(SUPPRESS_PREFIX) else {
                continue;
            };
            ctx.check(RuleId::EG002, obj, None);
            if value.trim().is_empty() {
                ctx.finding(RuleId::EG002, obj)
                    .path(format!("metadata.annotations[{key}]"))
                    .message(format!(
                        "suppression of {rule} has no reason, so it does not suppress; \
                         say why the guide does not apply here"
                    ))
                    .emit(ctx);
            }
        }
    }
}
