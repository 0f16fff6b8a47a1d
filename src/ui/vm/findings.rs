//! Findings, grouped by rule or by object, filtered by severity and area,
//! with the guide section, rationale and fix of the selected one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::audit::{Finding, RULES, RuleMeta};
use crate::ui::app::{App, FindingsOpts};
use crate::ui::data::{Data, Mark};
use crate::ui::theme::Theme;
use crate::ui::widgets::safe;
use crate::ui::widgets::table::{Row, RowKey};

pub const BY_RULE: [&str; 5] = ["RULE", "SEV", "OBJECT", "LISTENER", "MESSAGE"];
pub const BY_OBJECT: [&str; 5] = ["OBJECT", "SEV", "RULE", "LISTENER", "MESSAGE"];

pub fn rule(id: &str) -> Option<&'static RuleMeta> {
    RULES.iter().find(|r| r.id == id)
}

pub fn rows(data: &Data, fo: &FindingsOpts) -> (Vec<&'static str>, Vec<Row>) {
    let mut idx: Vec<usize> = (0..data.audit.findings.len())
        .filter(|&i| {
            let f = &data.audit.findings[i];
            fo.min_severity.is_none_or(|s| f.severity <= s)
                && fo
                    .area
                    .is_none_or(|a| rule(f.rule).is_some_and(|r| r.area == a))
        })
        .collect();
    let fs = &data.audit.findings;
    // Worst first: live findings before suppressed ones, then severity,
    // rule, namespace, name, listener (the report order). Grouped by
    // object, the objects come worst first and keep their findings
    // together.
    let live_first = |i: usize| fs[i].suppressed.is_some();
    if fo.by_object {
        let mut worst: std::collections::HashMap<&crate::store::ObjectRef, (bool, _)> =
            std::collections::HashMap::new();
        for &i in &idx {
            let k = (live_first(i), fs[i].severity);
            let e = worst.entry(&fs[i].object).or_insert(k);
            *e = (*e).min(k);
        }
        idx.sort_by(|&a, &b| {
            let (fa, fb) = (&fs[a], &fs[b]);
            (
                worst[&fa.object],
                &fa.object.namespace,
                &fa.object.name,
                &fa.object.kind,
                live_first(a),
                fa.sort_key(),
            )
                .cmp(&(
                    worst[&fb.object],
                    &fb.object.namespace,
                    &fb.object.name,
                    &fb.object.kind,
                    live_first(b),
                    fb.sort_key(),
                ))
        });
    } else {
        idx.sort_by(|&a, &b| {
            (live_first(a), fs[a].sort_key()).cmp(&(live_first(b), fs[b].sort_key()))
        });
    }
    let rows = idx
        .into_iter()
        .map(|i| {
            let f = &fs[i];
            let obj = f.object.display_path();
            let sev = match &f.suppressed {
                Some(_) => format!("{} (suppressed)", f.severity),
                None => f.severity.to_string(),
            };
            // Every row carries its group value (so `/EG204` finds all of
            // a rule's findings); the table prints it once per group.
            let cells = if fo.by_object {
                vec![obj, sev, f.rule.to_string(), listener(f), f.message.clone()]
            } else {
                vec![f.rule.to_string(), sev, obj, listener(f), f.message.clone()]
            };
            let mut mark = Mark::default();
            mark.add(f);
            Row::new(cells, RowKey::Finding(i), f.object.namespace.clone(), mark)
                .grouped_by(0)
                .sort_by(
                    1,
                    crate::ui::widgets::table::severity_key(f.severity, f.suppressed.is_some()),
                )
        })
        .collect();
    let cols = if fo.by_object { BY_OBJECT } else { BY_RULE };
    (cols.to_vec(), rows)
}

fn listener(f: &Finding) -> String {
    f.listener.clone().unwrap_or_else(|| "-".into())
}

pub fn render(app: &App, data: &Data, frame: &mut Frame, body: Rect, theme: &Theme) {
    let fo = &app.findings;
    let note = format!(
        "grouped by {} · severity {} · area {}",
        if fo.by_object { "object" } else { "rule" },
        match fo.min_severity {
            None => "all".to_string(),
            Some(crate::audit::Severity::Error) => "error".to_string(),
            Some(s) => format!("{s}+"),
        },
        fo.area.map(|a| a.as_str()).unwrap_or("all"),
    );
    super::table_block(app, data, frame, body, theme, &note);
    let pane = super::pane_below_table(app, body);
    let Some(RowKey::Finding(i)) = app.top().table.selected_row().map(|r| r.key.clone()) else {
        return;
    };
    let Some(f) = data.audit.findings.get(i) else {
        return;
    };
    frame.render_widget(guide_text(f, theme), pane);
}

/// The guide section, rationale and fix of a finding, boxed.
pub fn guide_text<'a>(f: &'a Finding, theme: &Theme) -> Paragraph<'a> {
    let meta = rule(f.rule);
    let label = |s: &'static str| Span::styled(format!("{s:<10}"), theme.dim);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", f.rule), theme.severity(f.severity)),
        Span::styled(meta.map(|m| m.title).unwrap_or(""), theme.accent),
    ])];
    lines.push(Line::from(vec![
        label("object"),
        safe::span(&f.object.display_path(), Style::new()),
    ]));
    if let Some(p) = &f.path {
        lines.push(Line::from(vec![
            label("field"),
            safe::span(p, Style::new()),
        ]));
    }
    lines.push(Line::from(vec![
        label("finding"),
        safe::span(&f.message, Style::new()),
    ]));
    if let Some(s) = &f.suppressed {
        lines.push(Line::from(vec![
            label("suppressed"),
            if s.reason.is_empty() {
                Span::styled("(no reason given)", theme.suppressed)
            } else {
                safe::span(&s.reason, theme.suppressed)
            },
        ]));
    }
    if let Some(m) = meta {
        lines.push(Line::from(vec![
            label("guide"),
            Span::styled(m.guide, theme.info),
        ]));
        lines.push(Line::from(vec![label("why"), Span::raw(m.rationale)]));
        lines.push(Line::from(vec![
            label("fix"),
            Span::styled(m.fix, theme.ok),
        ]));
    }
    Paragraph::new(lines).wrap(Wrap { trim: true }).block(
        Block::bordered()
            .border_style(theme.border)
            .title(Span::styled(" guide ", theme.title)),
    )
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::audit::AuditOptions;

    fn data() -> Data {
        let store = crate::demo::showcase_store().unwrap();
        let opts = AuditOptions {
            now: Some(crate::demo::demo_now()),
            ..AuditOptions::default()
        };
        Data::build(Arc::new(store), &opts, None)
    }

    /// `/EG204` keeps every EG204 finding, grouped by rule or by object.
    #[test]
    fn filter_by_rule_keeps_every_finding_of_the_rule() {
        let d = data();
        let want = d
            .audit
            .findings
            .iter()
            .filter(|f| f.rule == "EG204")
            .count();
        assert!(want > 1, "the showcase has {want} EG204 findings");
        for by_object in [false, true] {
            let fo = FindingsOpts {
                by_object,
                ..FindingsOpts::default()
            };
            let (cols, rows) = rows(&d, &fo);
            let mut t = crate::ui::widgets::table::TableState::new(cols, rows);
            t.filter = "EG204".into();
            t.refresh(None);
            assert_eq!(t.visible.len(), want, "by_object {by_object}");
            // Sorting by the first column never starts with a blank row.
            t.filter.clear();
            t.sort_next(None);
            let first = t.selected_row().unwrap();
            assert!(!first.cells[0].is_empty());
        }
    }

    /// Worst first: errors, then warnings, then info; suppressed last.
    #[test]
    fn findings_are_listed_worst_first() {
        let d = data();
        let (_, rows) = rows(&d, &FindingsOpts::default());
        let ranks: Vec<(bool, crate::audit::Severity)> = rows
            .iter()
            .map(|r| match r.key {
                RowKey::Finding(i) => {
                    let f = &d.audit.findings[i];
                    (f.suppressed.is_some(), f.severity)
                }
                _ => unreachable!(),
            })
            .collect();
        let mut sorted = ranks.clone();
        sorted.sort();
        assert_eq!(ranks, sorted);
        assert_eq!(ranks[0], (false, crate::audit::Severity::Error));
    }
}
