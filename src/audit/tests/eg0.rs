//! EG0xx: input problems.

use crate::audit::RuleId;
use std::sync::Arc;

use serde_json::json;

use super::fixtures::*;
use crate::store::{Location, Object};

#[test]
fn eg001_undecodable_object_is_reported_with_its_location() {
    let mut s = store(&baseline());
    let bad = json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"namespace": "apps", "labels": {"a": ["not", "a", "string"]}, "name": "broken"}});
    let loc = Location {
        file: Arc::from("routes.yaml"),
        line: 12,
    };
    match Object::from_value(bad, Some(loc)) {
        Err(u) => s.undecodable.push(*u),
        Ok(_) => panic!("should not decode"),
    }
    let r = audit_store(&s);
    let f = one(&r, RuleId::EG001, "HTTPRoute", "broken");
    assert_eq!(f.object.namespace.as_deref(), Some(APPS));
    has_words(f, &["could not decode", "routes.yaml:12", "labels"]);
    assert_eq!(f.location.as_ref().map(|l| l.line), Some(12));
    assert_eq!(r.objects, s.len() + 1, "never dropped");
}

#[test]
fn eg001_object_without_name() {
    let mut objs = baseline();
    objs.push(
        json!({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
        "metadata": {"namespace": "apps"}, "spec": {}}),
    );
    let r = audit(&objs);
    let f = one(&r, RuleId::EG001, "Gateway", "(unnamed)");
    has_words(f, &["metadata.name"]);
}

#[test]
fn eg001_quiet_when_everything_decodes() {
    let mut objs = baseline();
    // Kinds egscope does not read are not undecodable.
    objs.push(json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}));
    none(&audit(&objs), RuleId::EG001);
}

#[test]
fn eg002_suppression_without_reason() {
    let mut objs = baseline();
    edit(&mut objs, "Gateway", "edge")["metadata"]["annotations"]["audit.egscope.io/ignore-EG201"] =
        json!("  ");
    let r = audit(&objs);
    let f = one(&r, RuleId::EG002, "Gateway", "edge");
    has_words(f, &["EG201", "no reason"]);
    assert_eq!(f.suppressed, None);
}

#[test]
fn eg002_quiet_with_a_reason() {
    let mut objs = baseline();
    edit(&mut objs, "Gateway", "edge")["metadata"]["annotations"]["audit.egscope.io/ignore-EG201"] =
        json!("internal only");
    none(&audit(&objs), RuleId::EG002);
}
