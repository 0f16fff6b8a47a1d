//! Suppression annotations, rule selection, and what counts.

use crate::audit::RuleId;
use serde_json::{Value, json};

use super::fixtures::*;
use crate::audit::{AuditOptions, Severity, select_rules};

fn no_hpa() -> Vec<Value> {
    let mut objs = baseline();
    edit(&mut objs, "EnvoyProxy", "proxy-config")["spec"]["provider"]["kubernetes"]
        .as_object_mut()
        .unwrap()
        .remove("envoyHpa");
    remove_kind(&mut objs, "HorizontalPodAutoscaler");
    objs
}

#[test]
fn suppression_with_a_reason_keeps_the_finding_marked() {
    let mut objs = no_hpa();
    edit(&mut objs, "Gateway", "edge")["metadata"]["annotations"]["audit.egscope.io/ignore-EG209"] =
        json!("fixed 3 replicas, load is flat");
    let r = audit(&objs);
    let f = one(&r, RuleId::EG209, "Gateway", "edge");
    assert_eq!(
        f.suppressed.as_ref().map(|s| s.reason.as_str()),
        Some("fixed 3 replicas, load is flat")
    );
    let s = r.summary();
    assert_eq!(s.suppressed, 1);
    assert_eq!(s.warning, 0);
    assert_eq!(r.worst(), None);
    none(&r, RuleId::EG002);
}

#[test]
fn suppression_without_a_reason_does_not_suppress() {
    let mut objs = no_hpa();
    edit(&mut objs, "Gateway", "edge")["metadata"]["annotations"]["audit.egscope.io/ignore-EG209"] =
        json!("");
    let r = audit(&objs);
    assert_eq!(one(&r, RuleId::EG209, "Gateway", "edge").suppressed, None);
    one(&r, RuleId::EG002, "Gateway", "edge");
    let s = r.summary();
    assert_eq!(s.warning, 2);
    assert_eq!(s.suppressed, 0);
    assert_eq!(r.worst(), Some(Severity::Warning));
}

#[test]
fn suppression_is_per_rule_and_per_object() {
    let mut objs = no_hpa();
    // Suppressing another rule, or on another object, does nothing here.
    edit(&mut objs, "Gateway", "edge")["metadata"]["annotations"]["audit.egscope.io/ignore-EG208"] =
        json!("sized elsewhere");
    edit(&mut objs, "EnvoyProxy", "proxy-config")["metadata"]["annotations"]["audit.egscope.io/ignore-EG209"] =
        json!("not here");
    let r = audit(&objs);
    assert_eq!(one(&r, RuleId::EG209, "Gateway", "edge").suppressed, None);
    assert_eq!(r.worst(), Some(Severity::Warning));
}

#[test]
fn suppressed_errors_do_not_count_toward_worst() {
    let mut objs = baseline();
    let ep = edit(&mut objs, "EnvoyProxy", "proxy-config");
    ep["spec"]["telemetry"]["accessLog"]["disable"] = json!(true);
    ep["metadata"]["annotations"]["audit.egscope.io/ignore-EG301"] = json!("logs via mesh");
    let r = audit(&objs);
    assert!(
        one(&r, RuleId::EG301, "EnvoyProxy", "proxy-config")
            .suppressed
            .is_some()
    );
    assert_eq!(r.summary().error, 0);
    assert_eq!(r.worst(), None);
}

#[test]
fn rule_globs_select_rules() {
    let sel = select_rules(&["EG2*".into()]).unwrap();
    assert!(sel.contains(&RuleId::EG201) && sel.contains(&RuleId::EG211));
    assert!(sel.iter().all(|r| r.as_str().starts_with("EG2")));
    let sel = select_rules(&["eg101,EG30?".into()]).unwrap();
    assert!(
        sel.contains(&RuleId::EG101)
            && sel.contains(&RuleId::EG305)
            && !sel.contains(&RuleId::EG310)
    );
    assert_eq!(select_rules(&[]).unwrap().len(), crate::audit::RULES.len());
}

#[test]
fn unknown_or_malformed_globs_are_errors() {
    assert!(select_rules(&["EG9*".into()]).is_err());
    assert!(select_rules(&["EG2[".into()]).is_err());
}

#[test]
fn audit_runs_only_selected_rules() {
    let mut objs = no_hpa();
    edit(&mut objs, "Gateway", "edge")["metadata"]["annotations"] = json!({});
    let o = AuditOptions {
        rules: vec!["EG2*".into()],
        ..opts()
    };
    let r = crate::audit::run(&store(&objs), &o).unwrap();
    one(&r, RuleId::EG209, "Gateway", "edge");
    assert!(
        r.findings
            .iter()
            .all(|f| f.rule.as_str().starts_with("EG2"))
    );
    assert!(
        r.skipped.iter().all(|s| s.rule.as_str().starts_with("EG2")),
        "EG507 not selected"
    );
    // EG404 fires for the untracked Gateway when everything runs.
    one(&audit(&objs), RuleId::EG404, "Gateway", "edge");
}
