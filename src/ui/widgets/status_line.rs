//! The bottom line: source, profile, finding counts, feed freshness, and
//! a flash message when there is one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::audit::Summary;
use crate::ui::status::SourceStatus;
use crate::ui::theme::Theme;
use crate::ui::widgets::safe;

pub fn render(
    frame: &mut Frame,
    area: Rect,
    status: &SourceStatus,
    profile: &str,
    summary: &Summary,
    flash: Option<&str>,
    theme: &Theme,
) {
    let sep = || Span::styled(" │ ", theme.status);
    let mut spans = vec![
        safe::span(&format!(" {} ", status.source), theme.status),
        sep(),
        Span::styled(format!("profile {profile}"), theme.status),
        sep(),
        Span::styled(
            format!("● {} error", summary.error),
            theme.status.patch(theme.error),
        ),
        Span::styled(" ", theme.status),
        Span::styled(
            format!("▲ {} warning", summary.warning),
            theme.status.patch(theme.warning),
        ),
        Span::styled(" ", theme.status),
        Span::styled(
            format!("ℹ {} info", summary.info),
            theme.status.patch(theme.info),
        ),
        Span::styled(
            format!(" ({} suppressed)", summary.suppressed),
            theme.status,
        ),
        sep(),
    ];
    let feeds: Vec<String> = status
        .feeds
        .iter()
        .map(|f| format!("{} {}", f.name, f.freshness.label()))
        .collect();
    spans.push(safe::span(&feeds.join(" · "), theme.status));
    if let Some(msg) = flash {
        spans.push(sep());
        spans.push(safe::span(msg, theme.status.patch(theme.accent)));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)).style(theme.status), area);
}
