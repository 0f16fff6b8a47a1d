//! `egscope rules`: the rule catalogue as text, JSON or Markdown, and the
//! Markdown the README embeds between `<!-- rules:start -->` and
//! `<!-- rules:end -->`. Everything comes from `catalog::RULES`, in its order,
//! so the output is deterministic.

use crate::audit::RuleId;
use std::fmt::Write as _;

use serde::Serialize;

use super::RulesFormat;
use crate::audit::catalog::{Area, RULES, RuleMeta};
use crate::sanitize::escape_keep_layout;

use super::wrap;

const WIDTH: usize = 80;

/// Text and Markdown are neutralised as a whole ([`escape_keep_layout`]:
/// their own line breaks stay, any other control or invisible character in
/// the catalogue would show as an escape); JSON is escaped by its encoder.
pub fn render_rules(format: RulesFormat) -> String {
    render_of(format, RULES)
}

fn render_of(format: RulesFormat, rules: &[RuleMeta]) -> String {
    match format {
        RulesFormat::Text => escape_keep_layout(&text(rules)).into_owned(),
        RulesFormat::Json => json(),
        RulesFormat::Markdown => escape_keep_layout(&markdown_of(rules)).into_owned(),
    }
}

/// The Markdown between the README's `<!-- rules:start -->` and
/// `<!-- rules:end -->` markers: one `###` section per area, starting with a
/// heading and ending with a single newline.
pub fn readme_rules_section() -> String {
    markdown()
}

fn text(rules: &[RuleMeta]) -> String {
    let mut out = String::new();
    for (i, r) in rules.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let sev = r.severity.as_str();
        let _ = writeln!(out, "{}  {sev:<7}  {}  [{}]", r.id, r.title, r.guide);
        labelled(&mut out, "Why: ", r.rationale);
        labelled(&mut out, "Fix: ", r.fix);
        if r.live_metrics {
            let _ = writeln!(
                out,
                "       Needs live Envoy metrics (skipped on snapshots)."
            );
        }
    }
    out
}

/// `       Why: text` with continuation lines aligned under the text.
fn labelled(out: &mut String, label: &str, text: &str) {
    const INDENT: &str = "            ";
    for (i, line) in wrap(text, INDENT, WIDTH).into_iter().enumerate() {
        if i == 0 {
            let _ = writeln!(out, "       {label}{}", &line[INDENT.len()..]);
        } else {
            let _ = writeln!(out, "{line}");
        }
    }
}

#[derive(Serialize)]
struct JsonRule {
    id: RuleId,
    severity: &'static str,
    area: &'static str,
    title: &'static str,
    guide: &'static str,
    rationale: &'static str,
    fix: &'static str,
}

fn json() -> String {
    let rules: Vec<JsonRule> = RULES
        .iter()
        .map(|r| JsonRule {
            id: r.id,
            severity: r.severity.as_str(),
            area: r.area.as_str(),
            title: r.title,
            guide: r.guide,
            rationale: r.rationale,
            fix: r.fix,
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&rules).expect("rules serialize");
    out.push('\n');
    out
}

fn area_heading(area: Area) -> &'static str {
    match area {
        Area::Input => "Input",
        Area::Tenancy => "Tenancy and deployment modes",
        Area::Performance => "Performance tuning",
        Area::Observability => "Observability",
        Area::Operations => "Operations",
        Area::Live => "Live state",
    }
}

/// Escape what Markdown would read as HTML (`<ID>`) or, in tables, a cell break.
fn md(text: &str, in_table: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' if in_table => out.push_str("\\|"),
            _ => out.push(c),
        }
    }
    out
}

fn markdown() -> String {
    render_of(RulesFormat::Markdown, RULES)
}

fn markdown_of(all: &[RuleMeta]) -> String {
    // Areas in catalogue order of first appearance.
    let mut areas: Vec<Area> = Vec::new();
    for r in all {
        if !areas.contains(&r.area) {
            areas.push(r.area);
        }
    }
    let mut out = String::new();
    for (i, area) in areas.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let rules: Vec<&RuleMeta> = all.iter().filter(|r| r.area == *area).collect();
        let _ = writeln!(out, "### {}\n", area_heading(*area));
        let _ = writeln!(out, "| ID | Severity | Title | Guide section |");
        let _ = writeln!(out, "|----|----------|-------|---------------|");
        for r in &rules {
            let _ = writeln!(
                out,
                "| [{id}](#{anchor}) | {} | {} | {} |",
                r.severity.as_str(),
                md(r.title, true),
                md(r.guide, true),
                id = r.id,
                anchor = anchor(r),
            );
        }
        for r in &rules {
            let _ = writeln!(out, "\n#### {} — {}\n", r.id, md(r.title, false));
            let _ = writeln!(out, "{}\n", md(r.rationale, false));
            let _ = writeln!(out, "**Fix:** {}", md(r.fix, false));
            if r.live_metrics {
                let _ = writeln!(out, "\n_Needs live Envoy metrics; skipped on snapshots._");
            }
        }
    }
    out
}

/// GitHub's heading anchor for `#### EG201 — title`: lower-case, spaces to
/// hyphens, other punctuation dropped.
fn anchor(r: &RuleMeta) -> String {
    let heading = format!("{} — {}", r.id, r.title);
    heading
        .chars()
        .filter_map(|c| {
            if c.is_alphanumeric() || c == '-' || c == '_' {
                Some(c.to_lowercase().next().unwrap_or(c))
            } else if c == ' ' {
                Some('-')
            } else {
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    #[test]
    fn rules_text_and_markdown_neutralise_controls() {
        let hostile = [RuleMeta {
            id: RuleId::EG001,
            severity: crate::audit::Severity::Info,
            area: Area::Input,
            title: "title \x1b]0;owned\x07 with \u{202e}bidi",
            guide: "Input",
            rationale: "clear \x1b[2J screen",
            fix: "zero\u{200b}width",
            live_metrics: false,
        }];
        for format in [RulesFormat::Text, RulesFormat::Markdown] {
            let out = render_of(format, &hostile);
            assert!(!out.contains('\x1b'), "{format:?}: {out:?}");
            assert!(crate::sanitize::is_clean(&out.replace('\n', "")), "{out:?}");
            for shown in [
                "\\x1b]0;owned\\x07",
                "\\u202e",
                "\\x1b[2J",
                "zero\\u200bwidth",
            ] {
                assert!(out.contains(shown), "{format:?} lacks {shown}: {out}");
            }
        }
    }

    #[test]
    fn rules_every_id_in_every_format() {
        for format in [RulesFormat::Text, RulesFormat::Json, RulesFormat::Markdown] {
            let out = render_rules(format);
            for r in RULES {
                assert!(out.contains(r.id.as_str()), "{:?} misses {}", format, r.id);
                assert!(
                    out.contains(r.title),
                    "{:?} misses title of {}",
                    format,
                    r.id
                );
            }
        }
    }

    #[test]
    fn rules_json_parses() {
        let doc: Value = serde_json::from_str(&render_rules(RulesFormat::Json)).unwrap();
        let rules = doc.as_array().unwrap();
        assert_eq!(rules.len(), RULES.len());
        for (j, r) in rules.iter().zip(RULES) {
            let keys: Vec<&str> = j.as_object().unwrap().keys().map(String::as_str).collect();
            let mut keys = keys;
            keys.sort_unstable();
            assert_eq!(
                keys,
                [
                    "area",
                    "fix",
                    "guide",
                    "id",
                    "rationale",
                    "severity",
                    "title"
                ]
            );
            assert_eq!(j["id"], r.id.as_str());
            assert_eq!(j["severity"], r.severity.as_str());
            assert_eq!(j["area"], r.area.as_str());
            assert_eq!(j["fix"], r.fix);
        }
    }

    #[test]
    fn rules_text_layout() {
        let out = render_rules(RulesFormat::Text);
        assert!(out.contains(
            "EG201  warning  HTTP listener without an explicit request-received timeout  [Performance Tuning]\n"
        ));
        assert!(out.contains("\n       Why: Never rely on Envoy defaults"));
        assert!(out.contains("\n       Fix: Set spec.timeout.http.requestReceivedTimeout"));
        assert!(!out.contains('\x1b'));
        for line in out.lines().filter(|l| l.starts_with(' ')) {
            assert!(line.chars().count() <= WIDTH, "too wide: {line:?}");
        }
        assert!(out.contains("\n       Why: Merging only pays off with several Gateways; with one it adds\n            nothing.\n"));
    }

    #[test]
    fn rules_markdown_sections_and_tables() {
        let out = render_rules(RulesFormat::Markdown);
        assert_eq!(
            out.matches("### ").count() - out.matches("#### ").count(),
            6
        );
        assert_eq!(
            out.matches("| ID | Severity | Title | Guide section |")
                .count(),
            6
        );
        assert!(out.contains(
            "| [EG201](#eg201--http-listener-without-an-explicit-request-received-timeout) | warning | HTTP listener without an explicit request-received timeout | Performance Tuning |"
        ));
        assert!(out.contains(
            "\n#### EG201 — HTTP listener without an explicit request-received timeout\n"
        ));
        assert!(
            out.contains("audit.egscope.io/ignore-&lt;ID&gt;"),
            "HTML-like text escaped"
        );
        assert!(out.ends_with("\n") && !out.ends_with("\n\n"));
        assert!(out.starts_with("### Input\n"));
    }

    #[test]
    fn rules_readme_section_is_deterministic() {
        assert_eq!(readme_rules_section(), readme_rules_section());
        assert_eq!(readme_rules_section(), render_rules(RulesFormat::Markdown));
    }
}
