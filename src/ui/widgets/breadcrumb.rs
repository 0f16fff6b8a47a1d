//! The trail of views Esc walks back along.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::ui::theme::Theme;

/// `Gateways ‹class eg› › Listeners ‹shop/catalog›`, newest last; the left
/// end is cut when it does not fit.
pub fn render(frame: &mut Frame, area: Rect, crumbs: &[String], right: &str, theme: &Theme) {
    let right = super::safe::text(right);
    let right = right.as_ref();
    let mut spans = Vec::new();
    for (i, c) in crumbs.iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" › ", theme.dim));
        }
        let style = if i + 1 == crumbs.len() {
            theme.accent
        } else {
            theme.dim
        };
        spans.push(super::safe::span(c, style));
    }
    let width: usize = spans.iter().map(|s| s.width()).sum();
    let avail = (area.width as usize).saturating_sub(right.chars().count() + 1);
    while spans.len() > 1 && spans.iter().map(|s| s.width()).sum::<usize>() > avail {
        spans.remove(0);
    }
    if width > avail && !spans.is_empty() {
        spans.insert(0, Span::styled("… ", theme.dim));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if !right.is_empty() {
        let w = right.chars().count() as u16;
        if w < area.width {
            let r = Rect::new(area.x + area.width - w, area.y, w, 1);
            frame.render_widget(
                Paragraph::new(Span::styled(right.to_string(), theme.dim)),
                r,
            );
        }
    }
}
