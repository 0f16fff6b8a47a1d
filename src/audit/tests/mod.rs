//! Rule tests: small clusters built from JSON, audited, and compared with
//! the contract in `rules.md`.

mod fixtures;

mod attachment;
mod eg0;
mod eg1;
mod eg2;
mod eg3;
mod eg4;
mod eg5;
mod policy_status;
mod suppression;

/// The rule families on two threads find exactly what one thread finds:
/// findings, skips (a gated rule's reason included), JUnit checks and
/// coverage, in the same order.
#[test]
fn two_threads_audit_like_one() {
    use crate::audit::{AuditOptions, Ctx, select_rules};
    use crate::sim::{LargeParams, generate, to_list_json};
    let params = LargeParams {
        gateways: 12,
        routes: 240,
        policies: 30,
        pods: 12,
        seed: 3,
    };
    let mut store =
        crate::source::snapshot::load_text("large.json", &to_list_json(&generate(&params)))
            .unwrap();
    // A kind read in part gates some rules of every family before they run.
    store.set_state(
        crate::store::Kind::HorizontalPodAutoscaler,
        crate::store::KindState::Partial {
            namespaces: vec!["envoy-gateway-system".into()],
            reason: "test".into(),
        },
    );
    let opts = AuditOptions {
        record_checks: true,
        ..AuditOptions::default()
    };
    let model = crate::model::Model::build(&store);
    let run = |parallel: bool| {
        let mut ctx = Ctx::new(&store, &model, &opts, select_rules(&[]).unwrap());
        ctx.gate_on_inputs();
        super::run_families(&mut ctx, parallel);
        ctx.finish()
    };
    let (one, two) = (run(false), run(true));
    assert!(
        one.findings
            .iter()
            .any(|f| f.rule.as_str().starts_with("EG2"))
    );
    assert!(
        one.findings
            .iter()
            .any(|f| !f.rule.as_str().starts_with("EG2"))
    );
    assert!(
        one.skipped
            .iter()
            .any(|s| s.rule.as_str().starts_with("EG2"))
    );
    assert_eq!(one.findings, two.findings);
    assert_eq!(one.skipped, two.skipped);
    assert_eq!(one.checks, two.checks);
    assert_eq!(one.coverage, two.coverage);
}
