//! `--format json`: the public `egscope.audit/v1` contract (design §1).
//! Keys come out in struct declaration order; extend, never rename.

use crate::audit::RuleId;
use serde::Serialize;

use crate::audit::catalog;
use crate::audit::{AuditResult, Finding, Gap, Severity, Skipped, Summary, Suppression};
use crate::store::{Location, ObjectRef, SourceInfo};

use super::ReportMeta;

pub const SCHEMA: &str = "egscope.audit/v1";

#[derive(Serialize)]
struct Report<'a> {
    schema: &'static str,
    source: &'a SourceInfo,
    profile: &'static str,
    summary: Summary,
    findings: Vec<JsonFinding<'a>>,
    /// Rules not run, each with its `category`: `not-applicable` (nothing
    /// to judge), `not-judged` or `partial` (could not read what it needs;
    /// the audit is then incomplete).
    skipped: &'a [Skipped],
    /// Kinds that could not be read in full (forbidden, unavailable, read
    /// only in some namespaces).
    coverage: &'a [Gap],
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    rule: RuleId,
    severity: Severity,
    title: &'static str,
    object: &'a ObjectRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    listener: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<&'a str>,
    message: &'a str,
    fix: &'static str,
    guide: &'static str,
    related: Vec<ObjectRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<&'a Location>,
    /// `null` when not suppressed (always present).
    suppressed: Option<&'a Suppression>,
}

impl<'a> JsonFinding<'a> {
    fn new(f: &'a Finding) -> Self {
        let meta = catalog::meta(f.rule);
        JsonFinding {
            rule: f.rule,
            severity: f.severity,
            title: meta.title,
            object: &f.object,
            listener: f.listener.as_deref(),
            path: f.path.as_deref(),
            message: &f.message,
            fix: meta.fix,
            guide: meta.guide,
            related: f.related.iter().map(|r| r.without_version()).collect(),
            location: f.location.as_ref(),
            suppressed: f.suppressed.as_ref(),
        }
    }
}

fn report<'a>(result: &'a AuditResult, meta: &'a ReportMeta) -> Report<'a> {
    Report {
        schema: SCHEMA,
        source: &meta.source,
        profile: meta.profile.as_str(),
        summary: result.summary(),
        findings: result.findings.iter().map(JsonFinding::new).collect(),
        skipped: &result.skipped,
        coverage: &result.coverage,
    }
}

/// The report, pretty-printed with two-space indentation and a trailing newline.
pub fn render(result: &AuditResult, meta: &ReportMeta) -> String {
    let mut out = serde_json::to_string_pretty(&report(result, meta)).expect("report serializes");
    out.push('\n');
    out
}

/// `render`'s text, written to `out` as it is serialized.
pub fn write(
    result: &AuditResult,
    meta: &ReportMeta,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &report(result, meta))?;
    out.write_all(b"\n")
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;
    use crate::report::testdata;

    fn finding<'v>(doc: &'v Value, rule: &str) -> &'v serde_json::Map<String, Value> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == rule)
            .unwrap_or_else(|| panic!("no finding for {rule}"))
            .as_object()
            .unwrap()
    }

    #[test]
    fn json_snapshot() {
        let (result, meta) = testdata::sample();
        insta::assert_snapshot!(render(&result, &meta));
    }

    #[test]
    fn json_top_level_contract() {
        let (result, meta) = testdata::sample();
        let out = render(&result, &meta);
        assert!(out.ends_with("}\n"));
        assert!(out.contains("\n  \"schema\""), "two-space indentation");
        let doc: Value = serde_json::from_str(&out).unwrap();
        let keys: Vec<&str> = doc
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected = vec![
            "schema", "source", "profile", "summary", "findings", "skipped", "coverage",
        ];
        let mut sorted = keys.clone();
        sorted.sort_unstable();
        expected.sort_unstable();
        assert_eq!(sorted, expected);
        assert_eq!(doc["schema"], "egscope.audit/v1");
        assert_eq!(doc["profile"], "production");
        assert_eq!(doc["source"]["kind"], "snapshot");
        assert!(
            doc["source"].get("context").is_none(),
            "context omitted when None"
        );
        assert_eq!(doc["source"]["paths"], serde_json::json!(["cluster.yaml"]));
        assert_eq!(
            doc["summary"],
            serde_json::json!({"error": 1, "warning": 2, "info": 0, "suppressed": 1, "objects": 12,
                               "incomplete": false, "notJudged": 0, "partial": 0})
        );
        assert_eq!(
            doc["skipped"],
            serde_json::json!([{"rule": RuleId::EG507, "reason": "no live metrics in a snapshot",
                                "category": "not-applicable"}])
        );
        assert_eq!(doc["coverage"], serde_json::json!([]));
        assert_eq!(
            doc["findings"].as_array().unwrap().len(),
            result.findings.len()
        );
    }

    #[test]
    fn json_says_an_audit_is_incomplete() {
        let (result, meta) = testdata::incomplete();
        let doc: Value = serde_json::from_str(&render(&result, &meta)).unwrap();
        assert_eq!(doc["summary"]["incomplete"], true);
        assert_eq!(doc["summary"]["notJudged"], 1);
        assert_eq!(doc["summary"]["partial"], 1);
        let cats: Vec<&str> = doc["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["category"].as_str().unwrap())
            .collect();
        assert_eq!(cats, ["not-judged", "partial", "not-applicable"]);
        assert_eq!(doc["coverage"][0]["kind"], "Deployment.apps");
        assert_eq!(doc["coverage"][0]["state"], "forbidden");
        assert_eq!(
            doc["coverage"][1]["namespaces"],
            serde_json::json!(["apps"])
        );
    }

    #[test]
    fn json_context_present_for_cluster_source() {
        let (result, mut meta) = testdata::sample();
        meta.source.kind = crate::store::SourceKind::Cluster;
        meta.source.context = Some("prod-eu".into());
        meta.source.paths.clear();
        let doc: Value = serde_json::from_str(&render(&result, &meta)).unwrap();
        assert_eq!(doc["source"]["kind"], "cluster");
        assert_eq!(doc["source"]["context"], "prod-eu");
        assert_eq!(doc["source"]["paths"], serde_json::json!([]));
    }

    #[test]
    fn json_finding_keys_in_contract_order() {
        let (result, meta) = testdata::sample();
        let out = render(&result, &meta);
        // Key order is part of the contract: check it on the raw text.
        let order = [
            "\"rule\"",
            "\"severity\"",
            "\"title\"",
            "\"object\"",
            "\"listener\"",
            "\"path\"",
            "\"message\"",
            "\"fix\"",
            "\"guide\"",
            "\"related\"",
            "\"location\"",
            "\"suppressed\"",
        ];
        let first = &out[out.find("\"findings\"").unwrap()..out.find("\"EG002\"").unwrap()];
        let mut at = 0;
        for key in order {
            let pos = first[at..]
                .find(key)
                .unwrap_or_else(|| panic!("{key} out of order"));
            at += pos + key.len();
        }
        let object = &first[first.find("\"object\"").unwrap()..first.find("\"listener\"").unwrap()];
        let a = object.find("\"apiVersion\"").unwrap();
        let k = object.find("\"kind\"").unwrap();
        let n = object.find("\"namespace\"").unwrap();
        let m = object.find("\"name\"").unwrap();
        assert!(a < k && k < n && n < m);
    }

    #[test]
    fn json_finding_fields_and_omissions() {
        let (result, meta) = testdata::sample();
        let doc: Value = serde_json::from_str(&render(&result, &meta)).unwrap();

        let err = finding(&doc, "EG113");
        assert_eq!(err["severity"], "error");
        assert_eq!(err["title"], catalog::meta(RuleId::EG113).title);
        assert_eq!(err["fix"], catalog::meta(RuleId::EG113).fix);
        assert_eq!(err["guide"], "Deployment Modes");
        assert_eq!(err["listener"], "https");
        assert_eq!(err["path"], "spec.listeners[1]");
        assert_eq!(
            err["object"],
            serde_json::json!({"apiVersion": testdata::GW, "kind": "Gateway", "namespace": "apps", "name": "edge"})
        );
        assert_eq!(
            err["related"],
            serde_json::json!([
                {"kind": "Gateway", "namespace": "apps", "name": "edge-alt"},
                {"kind": "GatewayClass", "name": "eg"}
            ])
        );
        assert_eq!(
            err["location"],
            serde_json::json!({"file": "cluster.yaml", "line": 42})
        );
        assert!(err["suppressed"].is_null());
        assert!(err.contains_key("suppressed"));

        // Cluster-scoped object: no namespace; no listener, path or location.
        let class = finding(&doc, "EG002");
        let object = class["object"].as_object().unwrap();
        assert!(!object.contains_key("namespace"));
        assert_eq!(object["name"], "eg");
        for absent in ["listener", "path", "location"] {
            assert!(!class.contains_key(absent), "{absent} must be omitted");
        }
        assert_eq!(class["related"], serde_json::json!([]));
        assert!(class["suppressed"].is_null());

        let info = finding(&doc, "EG404");
        assert_eq!(
            info["suppressed"],
            serde_json::json!({"reason": "applied by the platform pipeline"})
        );
        assert!(!info.contains_key("listener"));
    }

    #[test]
    fn json_keeps_finding_order() {
        let (mut result, meta) = testdata::sample();
        result.findings.reverse();
        let doc: Value = serde_json::from_str(&render(&result, &meta)).unwrap();
        let rules: Vec<&str> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect();
        let given: Vec<&str> = result.findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, given);
    }

    #[test]
    fn json_clean_result() {
        let (result, meta) = testdata::clean();
        let doc: Value = serde_json::from_str(&render(&result, &meta)).unwrap();
        assert_eq!(doc["findings"], serde_json::json!([]));
        assert_eq!(doc["skipped"], serde_json::json!([]));
        assert_eq!(doc["summary"]["objects"], 3);
    }
}
