//! `--format text`: the human report, grouped by severity then rule, kept
//! within 80 columns where the words allow it. Colour only when asked.
//!
//! Every string that comes from the input (names, listener names, messages
//! that quote conditions, suppression reasons, file paths, skip reasons)
//! is neutralised with [`crate::sanitize::escape`] before it is wrapped, and
//! every line goes through [`Painter::paint`], which neutralises once more
//! (idempotent): the only control bytes the report writes are its own line
//! breaks and, with colour on, its own SGR sequences.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};

use crate::audit::{AuditResult, Finding, Severity, SkipCategory, Summary};
use crate::audit::{RuleId, RuleMeta};
use crate::sanitize::escape;
use crate::store::{ObjectRef, SourceKind};

use super::{ReportMeta, object_label, wrap};

/// `Gateway apps/edge`, neutralised.
fn label(o: &ObjectRef) -> String {
    escape(&object_label(o)).into_owned()
}

const WIDTH: usize = 80;
/// `EG201 warning  ` : where a wrapped rule title continues.
const TITLE_INDENT: &str = "               ";
const DETAIL_INDENT: &str = "    ";

struct Painter {
    color: bool,
}

impl Painter {
    /// The one way text reaches the report: neutralised, then coloured.
    fn paint(&self, style: Style, text: &str) -> String {
        let text = escape(text);
        if self.color && !text.is_empty() && style != Style::new() {
            format!("{}{}{}", style.render(), text, style.render_reset())
        } else {
            text.into_owned()
        }
    }
}

fn severity_style(severity: Severity) -> Style {
    match severity {
        Severity::Error => Style::new().fg_color(Some(AnsiColor::Red.into())).bold(),
        Severity::Warning => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Severity::Info => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
    }
}

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();

pub fn render(result: &AuditResult, meta: &ReportMeta) -> String {
    let p = Painter { color: meta.color };
    let mut out = String::new();
    let _ = writeln!(out, "{}", heading(meta));
    if result.incomplete() {
        incomplete_block(&mut out, &p, result);
    }

    // Group by (severity, rule); within a group keep the audit's order.
    let mut groups: BTreeMap<(Severity, RuleId), Vec<&Finding>> = BTreeMap::new();
    for f in &result.findings {
        groups.entry((f.severity, f.rule)).or_default().push(f);
    }
    for ((severity, rule), findings) in &groups {
        out.push('\n');
        rule_header(&mut out, &p, *severity, *rule);
        for f in findings {
            finding_lines(&mut out, &p, f);
        }
    }

    for (category, heading) in [
        (
            SkipCategory::NotJudged,
            "Not judged (could not read what they need):",
        ),
        (
            SkipCategory::Partial,
            "Judged in part (could read only part of it):",
        ),
        (SkipCategory::NotApplicable, "Skipped:"),
    ] {
        let mut skipped = result
            .skipped
            .iter()
            .filter(|s| s.category == category)
            .peekable();
        if skipped.peek().is_none() {
            continue;
        }
        out.push('\n');
        let _ = writeln!(out, "{}", p.paint(BOLD, heading));
        for s in skipped {
            let title = s.rule.meta().title;
            let reason = escape(&s.reason);
            let text = if title.is_empty() {
                format!("{}: {reason}", s.rule)
            } else {
                format!("{} {}: {reason}", s.rule, title)
            };
            for line in wrap(&text, "  ", WIDTH) {
                let _ = writeln!(out, "{}", p.paint(Style::new(), &line));
            }
        }
    }

    out.push('\n');
    let _ = writeln!(out, "{}", p.paint(BOLD, &summary_line(&result.summary())));
    out
}

/// Said first: a clean result below it is not a clean cluster.
fn incomplete_block(out: &mut String, p: &Painter, result: &AuditResult) {
    let s = result.summary();
    out.push('\n');
    let _ = writeln!(
        out,
        "{}",
        p.paint(
            severity_style(Severity::Error).bold(),
            &format!(
                "INCOMPLETE: {} not judged, {} judged in part: egscope could not read everything they need.",
                plural(s.not_judged, "rule"),
                plural(s.partial, "rule"),
            )
        )
    );
    for g in &result.coverage {
        // Reasons are the server's words: neutralised like every cluster string.
        let text = match g.state {
            "partial" => format!(
                "{} read only in {}: {}",
                g.kind,
                escape(&g.namespaces.join(", ")),
                escape(&g.reason)
            ),
            state => format!("{} {state}: {}", g.kind, escape(&g.reason)),
        };
        for line in wrap(&text, "  ", WIDTH) {
            let _ = writeln!(out, "{line}");
        }
    }
}

/// `Audit of snapshot cluster.yaml (profile production)`.
fn heading(meta: &ReportMeta) -> String {
    let what = match meta.source.kind {
        SourceKind::Cluster => match &meta.source.context {
            Some(ctx) => format!("cluster {}", escape(ctx)),
            None => "cluster".to_string(),
        },
        SourceKind::Demo => "the demo cluster".to_string(),
        SourceKind::Snapshot => {
            let paths = &meta.source.paths;
            match paths.len() {
                0 => "snapshot".to_string(),
                1..=3 => format!("snapshot {}", paths.join(", ")),
                n => format!("snapshot {} and {} more", paths[..2].join(", "), n - 2),
            }
        }
    };
    format!(
        "Audit of {} (profile {})",
        escape(&what),
        meta.profile.as_str()
    )
}

fn rule_header(out: &mut String, p: &Painter, severity: Severity, rule: RuleId) {
    let RuleMeta { title, guide, .. } = *rule.meta();
    let text = if guide.is_empty() {
        title.to_string()
    } else {
        format!("{title} ({guide})")
    };
    let sev = severity.as_str();
    let pad = " ".repeat(7 - sev.len());
    for (i, line) in wrap(&text, TITLE_INDENT, WIDTH).into_iter().enumerate() {
        if i == 0 {
            let _ = writeln!(
                out,
                "{} {}{pad}  {}",
                p.paint(BOLD, rule.as_str()),
                p.paint(severity_style(severity), sev),
                p.paint(Style::new(), &line[TITLE_INDENT.len()..])
            );
        } else {
            let _ = writeln!(out, "{}", p.paint(Style::new(), &line));
        }
    }
}

fn finding_lines(out: &mut String, p: &Painter, f: &Finding) {
    let mut head = format!("  {}", label(&f.object));
    if let Some(l) = &f.listener {
        let _ = write!(head, " [listener {}]", escape(l));
    }
    let loc = f
        .location
        .as_ref()
        .map(|l| format!("  ({})", escape(&l.to_string())))
        .unwrap_or_default();
    let suppressed = f
        .suppressed
        .as_ref()
        .map(|s| format!("(suppressed: {})", escape(&s.reason)));
    let message = escape(&f.message);

    let mut lines = Vec::new();
    let one = match &suppressed {
        Some(s) => format!("{head}  {message}{loc}  {s}"),
        None => format!("{head}  {message}{loc}"),
    };
    if one.chars().count() <= WIDTH {
        lines.push(one);
    } else {
        lines.push(format!("{head}{loc}"));
        lines.extend(wrap(&message, DETAIL_INDENT, WIDTH));
        if let Some(s) = &suppressed {
            lines.extend(wrap(s, DETAIL_INDENT, WIDTH));
        }
    }
    if !f.related.is_empty() {
        let related: Vec<String> = f.related.iter().map(|r| label(r)).collect();
        lines.extend(wrap(
            &format!("related: {}", related.join(", ")),
            DETAIL_INDENT,
            WIDTH,
        ));
    }
    let style = if f.suppressed.is_some() {
        DIM
    } else {
        Style::new()
    };
    for line in lines {
        let _ = writeln!(out, "{}", p.paint(style, &line));
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// `1 error, 2 warnings, 0 info, 1 suppressed in 12 objects`.
pub fn summary_line(s: &Summary) -> String {
    let line = counts_line(s);
    if s.incomplete {
        format!(
            "{} INCOMPLETE: {} not judged, {} judged in part.",
            line.trim_end_matches('.'),
            plural(s.not_judged, "rule"),
            plural(s.partial, "rule")
        )
    } else {
        line
    }
}

fn counts_line(s: &Summary) -> String {
    let objects = plural(s.objects, "object");
    if s.error + s.warning + s.info == 0 {
        return if s.suppressed == 0 {
            format!("No findings in {objects}.")
        } else {
            format!("No findings ({} suppressed) in {objects}.", s.suppressed)
        };
    }
    format!(
        "{}, {}, {} info, {} suppressed in {objects}",
        plural(s.error, "error"),
        plural(s.warning, "warning"),
        s.info,
        s.suppressed
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::testdata;

    #[test]
    fn text_snapshot_plain() {
        let (result, meta) = testdata::sample();
        insta::assert_snapshot!(render(&result, &meta));
    }

    #[test]
    fn text_plain_has_no_escape_codes() {
        let (result, meta) = testdata::sample();
        let out = render(&result, &meta);
        assert!(!out.contains('\x1b'));
        for line in out.lines() {
            assert!(line.chars().count() <= WIDTH, "too wide: {line:?}");
        }
    }

    #[test]
    fn text_coloured_when_asked() {
        let (result, mut meta) = testdata::sample();
        meta.color = true;
        let out = render(&result, &meta);
        assert!(out.contains('\x1b'));
        let red_bold = severity_style(Severity::Error).render().to_string();
        assert!(out.contains(&format!("{red_bold}error")));
        // The suppressed finding is dimmed.
        let dim = DIM.render().to_string();
        let line = out
            .lines()
            .find(|l| l.contains("HTTPRoute apps/shop"))
            .unwrap();
        assert!(line.starts_with(&dim), "{line:?}");
    }

    #[test]
    fn text_groups_and_marks() {
        let (result, meta) = testdata::sample();
        let out = render(&result, &meta);
        assert!(out.starts_with("Audit of snapshot cluster.yaml (profile production)\n"));
        assert!(
            out.contains(
                "EG113 error    Listener conflict inside one Gateway (Deployment Modes)\n"
            )
        );
        assert!(
            out.contains(
            "\nEG201 warning  HTTP listener without an explicit request-received timeout\n               (Performance Tuning)\n"
        )
        );
        assert!(out.contains("  Gateway apps/edge [listener http]  (cluster.yaml:12)\n"));
        assert!(out.contains(
            "  GatewayClass eg  annotation audit.egscope.io/ignore-EG106 has an empty reason\n"
        ));
        assert!(out.contains("    related: Gateway apps/edge-alt, GatewayClass eg\n"));
        assert!(out.contains("(suppressed: applied by the platform pipeline)"));
        assert!(out.contains(
            "Skipped:\n  EG507 Fleet serving 5xx above threshold: no live metrics in a snapshot\n"
        ));
        assert!(out.ends_with("\n1 error, 2 warnings, 0 info, 1 suppressed in 12 objects\n"));
        // Errors come before warnings, warnings before info.
        let e = out.find("EG113 error").unwrap();
        let w = out.find("EG002 warning").unwrap();
        let w2 = out.find("EG201 warning").unwrap();
        let i = out.find("EG404 info").unwrap();
        assert!(e < w && w < w2 && w2 < i);
    }

    #[test]
    fn text_groups_even_unsorted_input() {
        let (mut result, meta) = testdata::sample();
        result.findings.reverse();
        let out = render(&result, &meta);
        assert!(out.find("EG113 error").unwrap() < out.find("EG404 info").unwrap());
        assert_eq!(out.matches("EG201 warning").count(), 1);
    }

    #[test]
    fn text_clean_result() {
        let (result, meta) = testdata::clean();
        let out = render(&result, &meta);
        assert!(out.ends_with("\nNo findings in 3 objects.\n"));
        assert!(!out.contains("Skipped:"));
    }

    #[test]
    fn text_says_incomplete_first_and_last() {
        let (result, meta) = testdata::incomplete();
        let out = render(&result, &meta);
        let first_finding = out.find("EG").unwrap();
        let incomplete = out
            .find("INCOMPLETE: 1 rule not judged, 1 rule judged in part")
            .unwrap();
        assert!(incomplete < first_finding, "{out}");
        assert!(out.contains("Deployment.apps forbidden: 403"));
        assert!(out.contains("Gateway.gateway.networking.k8s.io read only in apps"));
        assert!(out.contains("Not judged (could not read what they need):\n  EG401"));
        assert!(out.contains("Judged in part (could read only part of it):\n  EG201"));
        assert!(
            out.trim_end()
                .ends_with("INCOMPLETE: 1 rule not judged, 1 rule judged in part.")
        );
    }

    #[test]
    fn text_summary_line_variants() {
        let s = Summary {
            error: 2,
            warning: 1,
            info: 3,
            suppressed: 0,
            objects: 1,
            ..Summary::default()
        };
        assert_eq!(
            summary_line(&s),
            "2 errors, 1 warning, 3 info, 0 suppressed in 1 object"
        );
        let s = Summary {
            suppressed: 2,
            objects: 5,
            ..Summary::default()
        };
        assert_eq!(summary_line(&s), "No findings (2 suppressed) in 5 objects.");
    }
}
