//! Draws the Findings view with the guide section, rationale and fix of
//! the selected finding.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::audit::Finding;
use crate::ui::data::Data;
use crate::ui::state::App;
use crate::ui::theme::Theme;
use crate::ui::widgets::safe;
use crate::ui::widgets::table::RowKey;

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
    let pane = crate::ui::layout::pane_below_table(app, body);
    let Some(RowKey::Finding(i)) = app.top().table.selected_row().map(|r| r.key.clone()) else {
        return;
    };
    let Some(f) = data.finding(&i) else {
        return;
    };
    frame.render_widget(guide_text(f, theme), pane);
}

/// The guide section, rationale and fix of a finding, boxed.
pub fn guide_text<'a>(f: &'a Finding, theme: &Theme) -> Paragraph<'a> {
    let m = f.rule.meta();
    let label = |s: &'static str| Span::styled(format!("{s:<10}"), theme.dim);
    let mut lines = vec![Line::from(vec![
        Span::styled(format!("{} ", f.rule), theme.severity(f.severity)),
        Span::styled(m.title, theme.accent),
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
    lines.push(Line::from(vec![
        label("guide"),
        Span::styled(m.guide, theme.info),
    ]));
    lines.push(Line::from(vec![label("why"), Span::raw(m.rationale)]));
    lines.push(Line::from(vec![
        label("fix"),
        Span::styled(m.fix, theme.ok),
    ]));
    Paragraph::new(lines).wrap(Wrap { trim: true }).block(
        Block::bordered()
            .border_style(theme.border)
            .title(Span::styled(" guide ", theme.title)),
    )
}
