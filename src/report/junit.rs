//! `--format junit`: one test suite per rule, one test case per object (and
//! listener) the rule examined; findings are failures, suppressed findings
//! pass with a note, skipped rules are skipped test cases.

use crate::audit::RuleId;
use std::collections::HashSet;
use std::io::Cursor;

use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};

use crate::audit::{AuditResult, Finding, SkipCategory};
use crate::store::ObjectRef;

use super::{ReportMeta, object_label};

/// What a test case is about: (rule, object without apiVersion, listener).
type Key<'a> = (RuleId, ObjectRef, Option<&'a str>);

struct Case<'a> {
    name: String,
    findings: Vec<&'a Finding>,
    skipped: Option<String>,
    /// A rule egscope could not judge: an `<error>`, so CI never shows it
    /// as passed.
    error: Option<String>,
}

impl Case<'_> {
    fn failed(&self) -> bool {
        self.findings.iter().any(|f| f.suppressed.is_none())
    }
}

struct Suite<'a> {
    rule: RuleId,
    name: String,
    cases: Vec<Case<'a>>,
}

fn case_name(object: &ObjectRef, listener: Option<&str>) -> String {
    match listener {
        Some(l) => format!("{} listener {l}", object_label(object)),
        None => object_label(object),
    }
}

fn suite_name(rule: RuleId) -> String {
    format!("{rule} {}", rule.meta().title)
}

fn suites(result: &AuditResult) -> Vec<Suite<'_>> {
    let mut out = Vec::new();
    // Rules in catalogue order.
    for &rule in RuleId::ALL {
        let mut seen: HashSet<Key> = HashSet::new();
        let mut cases = Vec::new();
        let mut keys: Vec<Key> = Vec::new();
        let checks = result.checks.iter().filter(|c| c.rule == rule);
        let candidates = checks
            .map(|c| (c.rule, c.object.without_version(), c.listener.as_deref()))
            .chain(
                result
                    .findings
                    .iter()
                    .filter(|f| f.rule == rule)
                    .map(|f| (f.rule, f.object.without_version(), f.listener.as_deref())),
            );
        for key in candidates {
            if seen.insert(key.clone()) {
                keys.push(key);
            }
        }
        for (r, object, listener) in keys {
            let findings = result
                .findings
                .iter()
                .filter(|f| {
                    f.rule == r
                        && f.listener.as_deref() == listener
                        && f.object.without_version() == object
                })
                .collect();
            cases.push(Case {
                name: case_name(&object, listener),
                findings,
                skipped: None,
                error: None,
            });
        }
        for s in result.skipped.iter().filter(|s| s.rule == rule) {
            let (skipped, error) = match s.category {
                SkipCategory::NotApplicable => (Some(s.reason.clone()), None),
                SkipCategory::Partial => (Some(format!("judged in part: {}", s.reason)), None),
                SkipCategory::NotJudged => (None, Some(format!("not judged: {}", s.reason))),
            };
            cases.push(Case {
                name: rule.to_string(),
                findings: Vec::new(),
                skipped,
                error,
            });
        }
        if !cases.is_empty() {
            out.push(Suite {
                rule,
                name: suite_name(rule),
                cases,
            });
        }
    }
    out
}

fn failure_text(f: &Finding) -> String {
    let mut text = f.message.clone();
    let m = f.rule.meta();
    text.push_str("\nFix: ");
    text.push_str(m.fix);
    text.push_str("\nGuide: ");
    text.push_str(m.guide);
    if let Some(p) = &f.path {
        text.push_str("\nPath: ");
        text.push_str(p);
    }
    if let Some(loc) = &f.location {
        text.push_str(&format!("\nLocation: {loc}"));
    }
    if !f.related.is_empty() {
        let related: Vec<String> = f.related.iter().map(|r| object_label(r)).collect();
        text.push_str("\nRelated: ");
        text.push_str(&related.join(", "));
    }
    text
}

fn counts<'a>(cases: impl Iterator<Item = &'a Case<'a>>) -> [String; 4] {
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    for c in cases {
        tests += 1;
        if c.failed() {
            failures += 1;
        }
        if c.skipped.is_some() {
            skipped += 1;
        }
        if c.error.is_some() {
            errors += 1;
        }
    }
    [tests, failures, errors, skipped].map(|n: usize| n.to_string())
}

/// XML 1.0 cannot carry most control characters, even escaped; attribute
/// values additionally lose line breaks to normalisation, so they become spaces.
fn xml_safe(text: &str, attribute: bool) -> String {
    text.chars()
        .map(|c| match c {
            '\n' | '\r' | '\t' if attribute => ' ',
            '\n' | '\r' | '\t' => c,
            c if c.is_control() => '\u{FFFD}',
            c => c,
        })
        .collect()
}

fn start<'a>(name: &'a str, attrs: &[(&'a str, &str)]) -> BytesStart<'a> {
    let mut e = BytesStart::new(name);
    for (k, v) in attrs {
        e.push_attribute((*k, xml_safe(v, true).as_str()));
    }
    e
}

fn write(w: &mut Writer<Cursor<Vec<u8>>>, suites: &[Suite]) -> std::io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let [tests, failures, errors, skipped] = counts(suites.iter().flat_map(|s| s.cases.iter()));
    w.write_event(Event::Start(start(
        "testsuites",
        &[
            ("name", "egscope"),
            ("tests", &tests),
            ("failures", &failures),
            ("errors", &errors),
            ("skipped", &skipped),
        ],
    )))?;
    for suite in suites {
        let [tests, failures, errors, skipped] = counts(suite.cases.iter());
        w.write_event(Event::Start(start(
            "testsuite",
            &[
                ("name", &suite.name),
                ("tests", &tests),
                ("failures", &failures),
                ("errors", &errors),
                ("skipped", &skipped),
            ],
        )))?;
        for case in &suite.cases {
            let attrs = [
                ("classname", suite.rule.as_str()),
                ("name", case.name.as_str()),
            ];
            if case.findings.is_empty() && case.skipped.is_none() && case.error.is_none() {
                w.write_event(Event::Empty(start("testcase", &attrs)))?;
                continue;
            }
            w.write_event(Event::Start(start("testcase", &attrs)))?;
            if let Some(reason) = &case.skipped {
                w.write_event(Event::Empty(start("skipped", &[("message", reason)])))?;
            }
            if let Some(reason) = &case.error {
                w.write_event(Event::Empty(start(
                    "error",
                    &[("message", reason), ("type", "not-judged")],
                )))?;
            }
            let mut notes = Vec::new();
            for f in &case.findings {
                match &f.suppressed {
                    Some(s) => notes.push(format!("suppressed: {}", s.reason)),
                    None => {
                        let text = failure_text(f);
                        w.write_event(Event::Start(start(
                            "failure",
                            &[("type", f.severity.as_str()), ("message", &f.message)],
                        )))?;
                        w.write_event(Event::Text(BytesText::new(&xml_safe(&text, false))))?;
                        w.write_event(Event::End(BytesEnd::new("failure")))?;
                    }
                }
            }
            if !notes.is_empty() {
                w.write_event(Event::Start(BytesStart::new("system-out")))?;
                w.write_event(Event::Text(BytesText::new(&xml_safe(
                    &notes.join("\n"),
                    false,
                ))))?;
                w.write_event(Event::End(BytesEnd::new("system-out")))?;
            }
            w.write_event(Event::End(BytesEnd::new("testcase")))?;
        }
        w.write_event(Event::End(BytesEnd::new("testsuite")))?;
    }
    w.write_event(Event::End(BytesEnd::new("testsuites")))?;
    Ok(())
}

pub fn render(result: &AuditResult, _meta: &ReportMeta) -> String {
    let suites = suites(result);
    let mut w = Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 2);
    write(&mut w, &suites).expect("writing to memory cannot fail");
    let mut out = String::from_utf8(w.into_inner().into_inner()).expect("UTF-8 in, UTF-8 out");
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use quick_xml::Reader;
    use quick_xml::escape::resolve_predefined_entity;

    use super::*;
    use crate::report::testdata;

    #[derive(Debug, Default)]
    struct Parsed {
        counts: HashMap<String, usize>,
        /// (element, attribute) → values, unescaped.
        attrs: Vec<(String, String, String)>,
        /// Text inside <failure> and <system-out>, unescaped.
        texts: Vec<(String, String)>,
    }

    fn parse(xml: &str) -> Parsed {
        let mut reader = Reader::from_str(xml);
        let mut p = Parsed::default();
        let mut stack: Vec<String> = Vec::new();
        let mut text = String::new();
        loop {
            let ev = reader.read_event().expect("well-formed XML");
            match ev {
                Event::Start(ref e) | Event::Empty(ref e) => {
                    let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                    *p.counts.entry(name.clone()).or_default() += 1;
                    for a in e.attributes() {
                        let a = a.unwrap();
                        let key = String::from_utf8(a.key.as_ref().to_vec()).unwrap();
                        let value = a.unescape_value().unwrap().into_owned();
                        p.attrs.push((name.clone(), key, value));
                    }
                    if matches!(ev, Event::Start(_)) {
                        stack.push(name);
                        text.clear();
                    }
                }
                Event::Text(e) => text.push_str(&e.decode().unwrap()),
                Event::GeneralRef(e) => {
                    let name = e.decode().unwrap();
                    text.push_str(resolve_predefined_entity(&name).expect("predefined entity"));
                }
                Event::End(_) => {
                    let name = stack.pop().unwrap();
                    if name == "failure" || name == "system-out" {
                        p.texts.push((name, std::mem::take(&mut text)));
                    }
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert!(stack.is_empty());
        p
    }

    fn attr<'p>(p: &'p Parsed, element: &str, key: &str) -> Vec<&'p str> {
        p.attrs
            .iter()
            .filter(|(e, k, _)| e == element && k == key)
            .map(|(_, _, v)| v.as_str())
            .collect()
    }

    #[test]
    fn junit_snapshot() {
        let (result, meta) = testdata::sample();
        insta::assert_snapshot!(render(&result, &meta));
    }

    #[test]
    fn junit_counts() {
        let (result, meta) = testdata::sample();
        let p = parse(&render(&result, &meta));
        let count = |n: &str| p.counts.get(n).copied().unwrap_or(0);
        assert_eq!(count("testsuites"), 1);
        // EG002, EG113, EG201, EG404, EG507.
        assert_eq!(count("testsuite"), 5);
        // 6 checks + the EG002 finding without a check + the skipped EG507.
        assert_eq!(count("testcase"), 8);
        assert_eq!(count("failure"), 3);
        assert_eq!(count("skipped"), 1);
        assert_eq!(count("system-out"), 1);
        assert_eq!(attr(&p, "testsuites", "tests"), ["8"]);
        assert_eq!(attr(&p, "testsuites", "failures"), ["3"]);
        assert_eq!(attr(&p, "testsuites", "skipped"), ["1"]);
        let suites = attr(&p, "testsuite", "name");
        assert_eq!(suites[0], "EG002 Suppression annotation without a reason");
        assert!(
            suites.contains(&"EG201 HTTP listener without an explicit request-received timeout")
        );
        let cases = attr(&p, "testcase", "name");
        assert!(cases.contains(&"Gateway apps/edge listener http"));
        assert!(cases.contains(&"GatewayClass eg"));
        assert!(cases.contains(&"HTTPRoute apps/shop"));
        assert_eq!(attr(&p, "failure", "type"), ["warning", "error", "warning"]);
        assert_eq!(
            attr(&p, "skipped", "message"),
            ["no live metrics in a snapshot"]
        );
    }

    #[test]
    fn junit_escapes_special_characters() {
        let (result, meta) = testdata::sample();
        let xml = render(&result, &meta);
        let message = &result.findings[0].message;
        assert!(message.contains('<') && message.contains('&') && message.contains('"'));
        assert!(
            !xml.contains(message.as_str()),
            "raw message must not appear unescaped"
        );
        assert!(xml.contains("&lt;unset&gt;") || xml.contains("&lt;unset>"));
        let p = parse(&xml);
        assert!(attr(&p, "failure", "message").contains(&message.as_str()));
        let failure = p
            .texts
            .iter()
            .find(|(n, t)| n == "failure" && t.starts_with(message.as_str()))
            .expect("failure text round-trips");
        assert!(failure.1.contains("Location: cluster.yaml:42"));
        assert!(failure.1.contains(RuleId::EG113.meta().fix));
    }

    #[test]
    fn junit_suppressed_findings_pass() {
        let (result, meta) = testdata::sample();
        let p = parse(&render(&result, &meta));
        let out: Vec<_> = p.texts.iter().filter(|(n, _)| n == "system-out").collect();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].1, "suppressed: applied by the platform pipeline");
        // EG404 suite: two cases, none failing.
        let suites = suites(&result);
        let eg404 = suites.iter().find(|s| s.rule == RuleId::EG404).unwrap();
        assert_eq!(eg404.cases.len(), 2);
        assert!(eg404.cases.iter().all(|c| !c.failed()));
    }

    #[test]
    fn junit_control_characters_stay_well_formed() {
        let (mut result, meta) = testdata::sample();
        result.findings[0].message = "bad\u{1}byte\nsecond line".into();
        let p = parse(&render(&result, &meta));
        assert!(attr(&p, "failure", "message").contains(&"bad\u{FFFD}byte second line"));
        assert!(
            p.texts
                .iter()
                .any(|(_, t)| t.starts_with("bad\u{FFFD}byte\nsecond line"))
        );
    }

    #[test]
    fn junit_clean_result() {
        let (result, meta) = testdata::clean();
        let p = parse(&render(&result, &meta));
        assert_eq!(p.counts.get("testsuite"), Some(&1));
        assert_eq!(p.counts.get("testcase"), Some(&1));
        assert_eq!(p.counts.get("failure"), None);
        assert_eq!(attr(&p, "testsuites", "failures"), ["0"]);
    }

    #[test]
    fn junit_not_judged_rules_are_errors_and_partial_ones_skipped() {
        let (result, meta) = testdata::incomplete();
        let out = render(&result, &meta);
        let p = parse(&out);
        assert_eq!(attr(&p, "testsuites", "errors"), ["1"]);
        assert!(
            out.contains(r#"<error message="not judged: Deployment is forbidden"#),
            "{out}"
        );
        assert!(
            out.contains(r#"message="judged in part: Gateway was read only in namespace apps"#)
        );
    }
}
