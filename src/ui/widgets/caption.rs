//! A boxed caption floating over the bottom of a view (the tour's voice).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use crate::ui::theme::Theme;

/// Draws `text` in a box at the bottom of `area`, `title` on its border and
/// `hint` (e.g. "Space: next · Esc: leave") on the bottom border.
/// `avoid` is a screen line the caption must not cover (the row it talks
/// about): the box moves to the top of `area` when it would.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    text: &str,
    hint: &str,
    avoid: Option<u16>,
    theme: &Theme,
) {
    let title = super::safe::text(title);
    // The caption's own line breaks stay; anything else is shown escaped.
    let text = super::safe::layout_text(text);
    let text = text.as_ref();
    let width = area.width.saturating_sub(4).min(100);
    if width < 20 || area.height < 6 {
        return;
    }
    // Height: the wrapped text plus borders, at most half the area.
    let inner = (width - 4) as usize;
    // Word wrapping leaves up to a word's width unused per line: one
    // extra line per paragraph keeps the last line from being cut.
    let lines: usize = text
        .lines()
        .map(|l| {
            l.chars()
                .count()
                .div_ceil(inner.saturating_sub(8).max(1))
                .max(1)
        })
        .sum();
    let height = (lines as u16 + 2).min(area.height * 3 / 5).max(3);
    let bottom = area.y + area.height - height;
    let y = match avoid {
        Some(row) if row >= bottom && row < bottom + height => area.y,
        _ => bottom,
    };
    let rect = Rect::new(area.x + (area.width - width) / 2, y, width, height);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .border_type(BorderType::Rounded)
        .border_style(theme.accent)
        .style(theme.caption)
        .title(Span::styled(format!(" {title} "), theme.title))
        .title_bottom(Line::from(Span::styled(format!(" {hint} "), theme.key)).right_aligned());
    let p = Paragraph::new(text.to_string())
        .style(theme.caption)
        .block(block.padding(ratatui::widgets::Padding::horizontal(1)))
        .wrap(Wrap { trim: true });
    frame.render_widget(p, rect);
}
