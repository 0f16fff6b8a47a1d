//! Renderers over one audit result: text, JSON, SARIF 2.1.0 and JUnit, plus
//! the rule catalogue (`egscope rules` and the README's rule docs).
//!
//! Renderers never re-sort findings: the audit hands them over in report
//! order (severity, rule, namespace, name, listener).

pub mod json;
pub mod junit;
pub mod model_json;
pub mod rules_doc;
pub mod sarif;
pub mod text;
pub mod trace;

#[cfg(test)]
pub(crate) mod testdata;

use crate::audit::AuditResult;
use crate::audit::Profile;
use crate::store::{ObjectRef, SourceInfo};

pub use rules_doc::{readme_rules_section, render_rules};

/// A report format (`--format`). The clap derive sits next to the type so
/// that the CLI depends on the report, never the reverse.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum Format {
    #[default]
    Text,
    Json,
    Sarif,
    Junit,
}

/// A format of the rule catalogue (`egscope rules --format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum RulesFormat {
    #[default]
    Text,
    Json,
    Markdown,
}

/// What every report says about the run besides the findings.
#[derive(Debug, Clone)]
pub struct ReportMeta {
    pub source: SourceInfo,
    pub profile: Profile,
    /// Colour the text report (a terminal without NO_COLOR).
    pub color: bool,
}

/// Writes the report to `out`: JSON as it is serialized, the others rendered
/// first.
pub fn write(
    format: Format,
    result: &AuditResult,
    meta: &ReportMeta,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Json => json::write(result, meta, out),
        _ => out.write_all(render(format, result, meta).as_bytes()),
    }
}

pub fn render(format: Format, result: &AuditResult, meta: &ReportMeta) -> String {
    match format {
        Format::Text => text::render(result, meta),
        Format::Json => json::render(result, meta),
        Format::Sarif => sarif::render(result, meta),
        Format::Junit => junit::render(result, meta),
    }
}

/// Whether the format reports every (rule, object) an audit examined, not
/// only findings: JUnit's passing test cases. The others never read
/// `AuditResult::checks`, which for a large cluster costs more than the
/// findings.
pub fn needs_checks(format: Format) -> bool {
    matches!(format, Format::Junit)
}

/// `Gateway apps/edge`, or `GatewayClass eg` when cluster-scoped.
pub(crate) fn object_label(object: &ObjectRef) -> String {
    match &object.namespace {
        Some(ns) => format!("{} {}/{}", object.kind, ns, object.name),
        None => format!("{} {}", object.kind, object.name),
    }
}

/// Greedy word wrap: lines of at most `width` columns (longer words stay
/// whole), each prefixed with `indent`.
pub(crate) fn wrap(text: &str, indent: &str, width: usize) -> Vec<String> {
    let avail = width.saturating_sub(indent.chars().count()).max(20);
    let mut lines = Vec::new();
    let mut line = String::new();
    let mut len = 0;
    for word in text.split_whitespace() {
        let wlen = word.chars().count();
        if len > 0 && len + 1 + wlen > avail {
            lines.push(format!("{indent}{line}"));
            line.clear();
            len = 0;
        }
        if len > 0 {
            line.push(' ');
            len += 1;
        }
        line.push_str(word);
        len += wlen;
    }
    if len > 0 || lines.is_empty() {
        lines.push(format!("{indent}{line}"));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_keeps_lines_within_width() {
        let text = "one two three four five six seven eight nine ten eleven twelve";
        let lines = wrap(text, "    ", 30);
        assert!(lines.len() > 1);
        for l in &lines {
            assert!(l.chars().count() <= 30, "{l:?}");
            assert!(l.starts_with("    "));
        }
        let joined: Vec<&str> = lines.iter().map(|l| l.trim()).collect();
        assert_eq!(joined.join(" "), text);
    }

    #[test]
    fn render_dispatches_to_each_format() {
        let (result, meta) = testdata::sample();
        assert!(render(Format::Json, &result, &meta).starts_with('{'));
        assert!(render(Format::Sarif, &result, &meta).contains("\"2.1.0\""));
        assert!(render(Format::Junit, &result, &meta).contains("<testsuites"));
        assert!(render(Format::Text, &result, &meta).contains("EG113"));
    }

    #[test]
    fn write_gives_the_rendered_text() {
        let (result, meta) = testdata::sample();
        for format in [Format::Text, Format::Json, Format::Sarif, Format::Junit] {
            let mut out = Vec::new();
            write(format, &result, &meta, &mut out).unwrap();
            assert_eq!(
                String::from_utf8(out).unwrap(),
                render(format, &result, &meta)
            );
        }
    }
}
