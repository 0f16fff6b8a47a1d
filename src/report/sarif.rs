//! `--format sarif`: SARIF 2.1.0 for code-scanning dashboards. Every
//! catalogue rule is listed (so `ruleIndex` is stable across runs); one
//! result per finding, with a physical location when the source has one and
//! always a logical location naming the object.

use crate::audit::RuleId;
use serde_json::{Value, json};

use crate::audit::catalog::{RULES, RuleMeta};
use crate::audit::{AuditResult, Finding, Severity, SkipCategory};

use super::ReportMeta;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `HTTP listener without an explicit idle timeout` → `HTTPListenerWithoutAnExplicitIdleTimeout`.
fn camel_case(title: &str) -> String {
    title
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

fn rule_descriptor(r: &RuleMeta) -> Value {
    json!({
        "id": r.id,
        "name": camel_case(r.title),
        "shortDescription": {"text": r.title},
        "fullDescription": {"text": r.rationale},
        "help": {
            "text": r.fix,
            "markdown": format!("{}\n\n**Fix:** {}\n\nProduction guide section: *{}*", r.rationale, r.fix, r.guide),
        },
        "defaultConfiguration": {"level": level(r.severity)},
        "properties": {"tags": [r.area.as_str(), r.guide]},
    })
}

fn rule_index(id: RuleId) -> Option<usize> {
    RULES.iter().position(|r| r.id == id)
}

fn result(f: &Finding) -> Value {
    let mut fqn = f.object.display_path();
    if let Some(l) = &f.listener {
        fqn.push('/');
        fqn.push_str(l);
    }
    let mut location = json!({
        "logicalLocations": [{
            "kind": "resource",
            "fullyQualifiedName": fqn,
            "name": f.object.name,
        }],
    });
    if let Some(loc) = &f.location {
        location["physicalLocation"] = json!({
            "artifactLocation": {"uri": &*loc.file},
            "region": {"startLine": loc.line},
        });
    }
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": {"text": f.message},
        "locations": [location],
    });
    if let Some(i) = rule_index(f.rule) {
        r["ruleIndex"] = json!(i);
    }
    if !f.related.is_empty() {
        r["relatedLocations"] = f
            .related
            .iter()
            .enumerate()
            .map(|(i, o)| {
                json!({
                    "id": i + 1,
                    "logicalLocations": [{
                        "kind": "resource",
                        "fullyQualifiedName": o.display_path(),
                        "name": o.name,
                    }],
                })
            })
            .collect();
    }
    if let Some(s) = &f.suppressed {
        r["suppressions"] = json!([{"kind": "inSource", "justification": s.reason}]);
    }
    r
}

pub fn render(result_: &AuditResult, meta: &ReportMeta) -> String {
    let mut driver = json!({
        "name": "egscope",
        "version": env!("CARGO_PKG_VERSION"),
        "rules": RULES.iter().map(rule_descriptor).collect::<Vec<_>>(),
    });
    // Cargo.toml's `repository`, once the package declares one.
    let uri = env!("CARGO_PKG_REPOSITORY");
    if !uri.is_empty() {
        driver["informationUri"] = json!(uri);
    }
    // An audit that could not judge every rule did not run successfully:
    // code scanning then shows the run as failed rather than clean.
    let mut invocation = json!({"executionSuccessful": !result_.incomplete()});
    if !result_.skipped.is_empty() {
        invocation["toolExecutionNotifications"] = result_
            .skipped
            .iter()
            .map(|s| {
                let (level, what) = match s.category {
                    SkipCategory::NotApplicable => ("note", "skipped"),
                    SkipCategory::Partial => ("warning", "judged in part"),
                    SkipCategory::NotJudged => ("error", "not judged"),
                };
                let mut n = json!({
                    "level": level,
                    "message": {"text": format!("{} {what}: {}", s.rule, s.reason)},
                    "descriptor": {"id": s.rule},
                });
                if let Some(i) = rule_index(s.rule) {
                    n["associatedRule"] = json!({"id": s.rule, "index": i});
                }
                n
            })
            .collect();
    }
    let doc = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "invocations": [invocation],
            "results": result_.findings.iter().map(result).collect::<Vec<_>>(),
            "properties": {"profile": meta.profile.as_str(), "source": &meta.source},
        }],
    });
    let mut out = serde_json::to_string_pretty(&doc).expect("SARIF serializes");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use serde_sarif::sarif::{ResultLevel, Sarif};

    use super::*;
    use crate::audit::catalog;
    use crate::report::testdata;

    fn parse() -> (Sarif, Value) {
        let (result, meta) = testdata::sample();
        let out = render(&result, &meta);
        let sarif: Sarif = serde_json::from_str(&out).expect("valid SARIF");
        (sarif, serde_json::from_str(&out).unwrap())
    }

    #[test]
    fn sarif_snapshot() {
        let (result, meta) = testdata::sample();
        insta::assert_snapshot!(render(&result, &meta));
    }

    #[test]
    fn sarif_parses_with_expected_shape() {
        let (sarif, raw) = parse();
        assert_eq!(raw["$schema"], SCHEMA);
        assert_eq!(raw["version"], "2.1.0");
        assert_eq!(raw["runs"][0]["properties"]["profile"], "production");
        assert_eq!(raw["runs"][0]["properties"]["source"]["kind"], "snapshot");
        assert_eq!(sarif.runs.len(), 1);
        let run = &sarif.runs[0];
        let driver = &run.tool.driver;
        assert_eq!(driver.name, "egscope");
        assert_eq!(driver.version.as_deref(), Some(env!("CARGO_PKG_VERSION")));
        let rules = driver.rules.as_ref().unwrap();
        assert_eq!(rules.len(), RULES.len());
        for (i, r) in rules.iter().enumerate() {
            assert_eq!(r.id, RULES[i].id.as_str());
        }
        let results = run.results.as_ref().unwrap();
        assert_eq!(results.len(), 4);
        for r in results {
            let id = r.rule_id.as_deref().unwrap();
            let idx = r.rule_index.unwrap() as usize;
            assert_eq!(rules[idx].id, id, "ruleIndex points at the rule");
        }
        let levels: Vec<ResultLevel> = results.iter().map(|r| r.level.unwrap()).collect();
        assert_eq!(
            levels,
            [
                ResultLevel::Error,
                ResultLevel::Warning,
                ResultLevel::Warning,
                ResultLevel::Note
            ]
        );
    }

    #[test]
    fn sarif_rule_descriptors() {
        let (_, raw) = parse();
        let rules = raw["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        let eg201 = rules.iter().find(|r| r["id"] == "EG201").unwrap();
        let meta = catalog::meta(RuleId::EG201);
        assert_eq!(eg201["shortDescription"]["text"], meta.title);
        assert_eq!(eg201["fullDescription"]["text"], meta.rationale);
        assert_eq!(eg201["help"]["text"], meta.fix);
        assert!(
            eg201["help"]["markdown"]
                .as_str()
                .unwrap()
                .contains(meta.fix)
        );
        assert_eq!(eg201["defaultConfiguration"]["level"], "warning");
        assert_eq!(
            eg201["properties"]["tags"],
            json!(["performance", "Performance Tuning"])
        );
        assert_eq!(
            eg201["name"],
            "HTTPListenerWithoutAnExplicitRequestReceivedTimeout"
        );
        let eg106 = rules.iter().find(|r| r["id"] == "EG106").unwrap();
        assert_eq!(eg106["defaultConfiguration"]["level"], "note");
    }

    #[test]
    fn sarif_locations() {
        let (sarif, _) = parse();
        let results = sarif.runs[0].results.as_ref().unwrap();

        let err = &results[0];
        let loc = &err.locations.as_ref().unwrap()[0];
        let phys = loc.physical_location.as_ref().unwrap();
        assert_eq!(
            phys.artifact_location.as_ref().unwrap().uri.as_deref(),
            Some("cluster.yaml")
        );
        assert_eq!(phys.region.as_ref().unwrap().start_line, Some(42));
        let logical = &loc.logical_locations.as_ref().unwrap()[0];
        assert_eq!(
            logical.fully_qualified_name.as_deref(),
            Some("Gateway/apps/edge/https")
        );
        assert_eq!(logical.name.as_deref(), Some("edge"));
        assert_eq!(logical.kind.as_deref(), Some("resource"));
        assert_eq!(err.related_locations.as_ref().unwrap().len(), 2);
        assert!(err.suppressions.is_none());

        // No file location: only the logical one.
        let class = &results[1];
        let loc = &class.locations.as_ref().unwrap()[0];
        assert!(loc.physical_location.is_none());
        let logical = &loc.logical_locations.as_ref().unwrap()[0];
        assert_eq!(
            logical.fully_qualified_name.as_deref(),
            Some("GatewayClass/eg")
        );
    }

    #[test]
    fn sarif_incomplete_run_is_not_successful() {
        let (result, meta) = testdata::incomplete();
        let doc: Value = serde_json::from_str(&render(&result, &meta)).unwrap();
        let inv = &doc["runs"][0]["invocations"][0];
        assert_eq!(inv["executionSuccessful"], false);
        let levels: Vec<&str> = inv["toolExecutionNotifications"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["level"].as_str().unwrap())
            .collect();
        assert_eq!(levels, ["error", "warning", "note"]);
        assert!(
            inv["toolExecutionNotifications"][0]["message"]["text"]
                .as_str()
                .unwrap()
                .starts_with("EG401 not judged: Deployment is forbidden")
        );
    }

    #[test]
    fn sarif_suppressions_and_skipped() {
        let (sarif, raw) = parse();
        let results = sarif.runs[0].results.as_ref().unwrap();
        let suppressed: Vec<_> = results
            .iter()
            .filter(|r| r.suppressions.is_some())
            .collect();
        assert_eq!(suppressed.len(), 1);
        let s = &suppressed[0].suppressions.as_ref().unwrap()[0];
        assert_eq!(
            s.justification.as_deref(),
            Some("applied by the platform pipeline")
        );
        assert_eq!(
            raw["runs"][0]["results"][3]["suppressions"][0]["kind"],
            "inSource"
        );

        let inv = &sarif.runs[0].invocations.as_ref().unwrap()[0];
        assert!(inv.execution_successful);
        let notes = inv.tool_execution_notifications.as_ref().unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(
            notes[0].descriptor.as_ref().unwrap().id.as_deref(),
            Some("EG507")
        );
        assert!(
            notes[0]
                .message
                .text
                .as_deref()
                .unwrap()
                .contains("no live metrics")
        );
    }

    #[test]
    fn sarif_clean_run() {
        let (result, meta) = testdata::clean();
        let out = render(&result, &meta);
        let sarif: Sarif = serde_json::from_str(&out).unwrap();
        assert!(sarif.runs[0].results.as_ref().unwrap().is_empty());
        let inv = &sarif.runs[0].invocations.as_ref().unwrap()[0];
        assert!(inv.tool_execution_notifications.is_none());
    }

    #[test]
    fn camel_case_titles() {
        assert_eq!(
            camel_case("Listener buffer limit not capped at 32 KiB"),
            "ListenerBufferLimitNotCappedAt32KiB"
        );
        assert_eq!(
            camel_case("mergeGateways together with X"),
            "MergeGatewaysTogetherWithX"
        );
    }
}
