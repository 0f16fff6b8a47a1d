//! Draws the Detail pane: the YAML with the highlight, the side list of
//! findings and relations, and the selected finding's guide text.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::ui::theme::Theme;
use crate::ui::vm::detail::DetailState;
use crate::ui::widgets::safe;
use crate::ui::widgets::table::{self, RowKey};

pub fn render(d: &DetailState, frame: &mut Frame, body: Rect, theme: &Theme) {
    let (yaml_area, side_area) = if d.yaml_only {
        (body, None)
    } else {
        let w = body.width * 3 / 5;
        (
            Rect::new(body.x, body.y, w, body.height),
            Some(Rect::new(body.x + w, body.y, body.width - w, body.height)),
        )
    };
    let title_style = table::mark_style(theme, &d.mark).unwrap_or(theme.title);
    let mut title = vec![safe::span(&format!(" {} ", d.title), title_style)];
    if let Some(n) = &d.note {
        title.push(safe::span(&format!(" {n} "), theme.highlight));
    }
    let border = if d.focus_side {
        theme.border
    } else {
        theme.accent
    };
    let block = Block::bordered()
        .border_style(border)
        .title(Line::from(title))
        .title_bottom(
            Line::from(Span::styled(
                format!(
                    " {}/{} lines ",
                    (d.scroll + 1).min(d.lines.len()),
                    d.lines.len()
                ),
                theme.dim,
            ))
            .right_aligned(),
        );
    let inner = block.inner(yaml_area);
    frame.render_widget(block, yaml_area);
    let lines: Vec<Line> = d
        .lines
        .iter()
        .enumerate()
        .skip(d.scroll)
        .take(inner.height as usize)
        .map(|(i, l)| {
            let hl = d.highlight.is_some_and(|(a, b)| i >= a && i <= b);
            // The search match wins over the finding's highlight: it is
            // what the user is looking for now.
            let (ks, vs) = if d.search_hit == Some(i) {
                (theme.selection, theme.selection)
            } else if hl {
                (theme.highlight, theme.highlight)
            } else {
                (theme.yaml_key, theme.yaml_value)
            };
            let mut spans = vec![
                Span::styled(
                    " ".repeat(l.indent),
                    if hl { theme.highlight } else { theme.fg },
                ),
                safe::span(&l.key, ks),
                safe::span(&l.value, vs),
            ];
            if hl && d.note.is_some() && Some(i) == d.highlight.map(|h| h.0) {
                spans.push(safe::span(
                    &format!("  ◀ {}", d.note.as_deref().unwrap_or("")),
                    theme.warning,
                ));
            }
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    let Some(side) = side_area else {
        return;
    };
    let list_h = (side.height / 2).max(3);
    let list_area = Rect::new(side.x, side.y, side.width, list_h);
    let border = if d.focus_side {
        theme.accent
    } else {
        theme.border
    };
    let block = Block::bordered().border_style(border).title(Span::styled(
        " findings · related (Tab, Enter) ",
        theme.title,
    ));
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    if d.side.rows.is_empty() {
        frame.render_widget(
            Paragraph::new("no findings, no relations").style(theme.dim),
            inner,
        );
    } else {
        table::render(frame, inner, &d.side, theme, d.focus_side);
    }
    let guide_area = Rect::new(side.x, side.y + list_h, side.width, side.height - list_h);
    let shown = match (d.focus_side, d.side.selected_row()) {
        (true, Some(r)) => match &r.key {
            RowKey::Finding(_) => None,
            _ => d.finding_text.as_ref(),
        },
        _ => d.finding_text.as_ref(),
    };
    match shown {
        Some(f) => frame.render_widget(super::findings::guide_text(f, theme), guide_area),
        None => frame.render_widget(
            Paragraph::new("Select a finding (Tab, j/k, Enter) to highlight its field.")
                .style(theme.dim)
                .block(Block::bordered().border_style(theme.border)),
            guide_area,
        ),
    }
}
