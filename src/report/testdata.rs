//! A hand-built audit result that every renderer's tests share.

use crate::audit::RuleId;
use std::sync::Arc;

use crate::audit::Profile;
use crate::audit::{AuditResult, Check, Finding, Severity, Skipped, Suppression};
use crate::store::{Location, ObjectRef, SourceInfo, SourceKind};

use super::ReportMeta;

pub(crate) const GW: &str = "gateway.networking.k8s.io/v1";
pub(crate) const EG: &str = "gateway.envoyproxy.io/v1alpha1";

pub(crate) fn edge() -> ObjectRef {
    ObjectRef::new(GW, "Gateway", Some("apps"), "edge")
}

pub(crate) fn class() -> ObjectRef {
    ObjectRef::new(GW, "GatewayClass", None, "eg")
}

pub(crate) fn shop() -> ObjectRef {
    ObjectRef::new(GW, "HTTPRoute", Some("apps"), "shop")
}

fn loc(line: usize) -> Option<Location> {
    Some(Location {
        file: Arc::from("cluster.yaml"),
        line,
    })
}

/// Findings: an error with listener, location, related objects and XML
/// special characters; a warning on a cluster-scoped GatewayClass (no
/// namespace, no listener, no location); a plain warning with a path; and a
/// suppressed info. EG507 is skipped. Checks cover every finding except the
/// GatewayClass one (renderers must cope) plus some passing checks.
pub(crate) fn sample() -> (AuditResult, ReportMeta) {
    let findings = vec![
        Finding {
            rule: RuleId::EG113,
            severity: Severity::Error,
            object: edge().into(),
            listener: Some("https".into()),
            path: Some("spec.listeners[1]".into()),
            message: "listener \"https\" conflicts with listener \"https-alt\": same port 443 & hostname <unset>".into(),
            related: vec![ObjectRef::new(GW, "Gateway", Some("apps"), "edge-alt").into(), class().into()],
            location: loc(42),
            suppressed: None,
        },
        Finding {
            rule: RuleId::EG002,
            severity: Severity::Warning,
            object: class().into(),
            listener: None,
            path: None,
            message: "annotation audit.egscope.io/ignore-EG106 has an empty reason".into(),
            related: vec![],
            location: None,
            suppressed: None,
        },
        Finding {
            rule: RuleId::EG201,
            severity: Severity::Warning,
            object: edge().into(),
            listener: Some("http".into()),
            path: Some("spec.timeout.http.requestReceivedTimeout".into()),
            message: "no ClientTrafficPolicy sets a request-received timeout for this listener".into(),
            related: vec![ObjectRef::new(EG, "ClientTrafficPolicy", Some("apps"), "edge-ctp").into()],
            location: loc(12),
            suppressed: None,
        },
        Finding {
            rule: RuleId::EG404,
            severity: Severity::Info,
            object: shop().into(),
            listener: None,
            path: None,
            message: "no Argo CD or Flux ownership labels or annotations".into(),
            related: vec![],
            location: loc(80),
            suppressed: Some(Suppression {
                reason: "applied by the platform pipeline".into(),
            }),
        },
    ];
    let check = |rule: RuleId, object: ObjectRef, listener: Option<&str>| Check {
        rule,
        object,
        listener: listener.map(str::to_string),
    };
    let checks = vec![
        check(RuleId::EG113, edge(), Some("http")),
        check(RuleId::EG113, edge(), Some("https")),
        check(RuleId::EG201, edge(), Some("http")),
        check(RuleId::EG201, edge(), Some("https")),
        check(RuleId::EG404, edge(), None),
        check(RuleId::EG404, shop(), None),
    ];
    let result = AuditResult {
        findings,
        skipped: vec![Skipped {
            rule: RuleId::EG507,
            reason: "no live metrics in a snapshot".into(),
            category: crate::audit::SkipCategory::NotApplicable,
        }],
        checks,
        objects: 12,
        coverage: Vec::new(),
    };
    let meta = ReportMeta {
        source: SourceInfo {
            kind: SourceKind::Snapshot,
            context: None,
            paths: vec!["cluster.yaml".into()],
            namespace: None,
        },
        profile: Profile::Production,
        color: false,
    };
    (result, meta)
}

/// A namespace-scoped user's audit: Deployments forbidden (EG401 not
/// judged), Gateways read in `apps` only (EG201 partial).
pub(crate) fn incomplete() -> (AuditResult, ReportMeta) {
    use crate::audit::{Gap, SkipCategory};
    let (mut result, meta) = sample();
    result.skipped = vec![
        Skipped {
            rule: RuleId::EG401,
            reason: "Deployment is forbidden: 403: deployments.apps is forbidden".into(),
            category: SkipCategory::NotJudged,
        },
        Skipped {
            rule: RuleId::EG201,
            reason: "Gateway was read only in namespace apps (cluster-wide list refused)".into(),
            category: SkipCategory::Partial,
        },
        Skipped {
            rule: RuleId::EG507,
            reason: "no live metrics in a snapshot".into(),
            category: SkipCategory::NotApplicable,
        },
    ];
    result.coverage = vec![
        Gap {
            kind: "Deployment.apps".into(),
            state: "forbidden",
            reason: "403: deployments.apps is forbidden".into(),
            namespaces: vec![],
        },
        Gap {
            kind: "Gateway.gateway.networking.k8s.io".into(),
            state: "partial",
            reason: "cluster-wide list refused".into(),
            namespaces: vec!["apps".into()],
        },
    ];
    (result, meta)
}

/// No findings at all, nothing skipped.
pub(crate) fn clean() -> (AuditResult, ReportMeta) {
    let (_, meta) = sample();
    let result = AuditResult {
        findings: vec![],
        skipped: vec![],
        checks: vec![Check {
            rule: RuleId::EG201,
            object: edge(),
            listener: Some("http".into()),
        }],
        objects: 3,
        coverage: Vec::new(),
    };
    (result, meta)
}
