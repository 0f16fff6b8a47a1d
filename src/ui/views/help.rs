//! `?`: keys (generated from the key table) and `:` commands.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph};

use crate::ui::commands::COMMANDS;
use crate::ui::keys;
use crate::ui::theme::Theme;

pub fn lines(theme: &Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for (section, entries) in keys::help_lines() {
        out.push(Line::from(Span::styled(section, theme.header)));
        for (k, h) in entries {
            out.push(Line::from(vec![
                Span::styled(format!("  {k:<13}"), theme.key),
                Span::raw(h),
            ]));
        }
    }
    out.push(Line::from(Span::styled("Commands (:)", theme.header)));
    for c in COMMANDS {
        let names = std::iter::once(c.name)
            .chain(c.aliases.iter().copied())
            .collect::<Vec<_>>()
            .join(" ");
        out.push(Line::from(vec![
            Span::styled(format!("  {names:<34}"), theme.key),
            Span::raw(c.help),
        ]));
    }
    out.push(Line::from(Span::styled(
        "egscope is read-only: no key or command writes to the cluster.",
        theme.dim,
    )));
    out
}

pub fn render(frame: &mut Frame, body: Rect, scroll: usize, theme: &Theme) {
    let w = body.width.saturating_sub(4).min(110);
    let h = body.height;
    let area = Rect::new(body.x + (body.width - w) / 2, body.y, w, h);
    frame.render_widget(Clear, area);
    let all = lines(theme);
    let scroll = scroll.min(all.len().saturating_sub(1));
    let p = Paragraph::new(all).scroll((scroll as u16, 0)).block(
        Block::bordered()
            .border_type(BorderType::Rounded)
            .border_style(theme.accent)
            .title(Span::styled(" help (j/k scroll, Esc close) ", theme.title)),
    );
    frame.render_widget(p, area);
}

const PICKER_TITLE: &str = " kube context (type to filter, Enter switches, Esc leaves) ";

/// A list to pick one item from (the `:ctx` picker), centred on `body`:
/// the typed filter on its first line, then the items that match it,
/// scrolled so that the selection is on screen; `current` is marked.
pub fn render_picker(
    frame: &mut Frame,
    body: Rect,
    items: &[String],
    filter: &str,
    selected: usize,
    current: Option<&str>,
    theme: &Theme,
) {
    let title = PICKER_TITLE;
    let shown = crate::ui::state::pick_shown(items, filter);
    let widest = items.iter().map(|i| i.chars().count()).max().unwrap_or(0) as u16;
    let w = (widest + 6)
        .max(title.chars().count() as u16 + 2)
        .min(body.width.saturating_sub(2));
    // One line for the filter, then the items (all of them while
    // nothing is typed, so narrowing does not make the box jump).
    let h = (items.len() as u16 + 3).min(body.height);
    if w < 8 || h < 4 {
        return;
    }
    let area = Rect::new(
        body.x + (body.width - w) / 2,
        body.y + (body.height - h) / 2,
        w,
        h,
    );
    let rows = (h - 3) as usize;
    let offset = selected.saturating_sub(rows.saturating_sub(1));
    let mut lines: Vec<Line> = vec![if filter.is_empty() {
        Line::from(Span::styled("type to filter", theme.dim))
    } else {
        Line::from(vec![
            Span::styled("/", theme.prompt),
            crate::ui::widgets::safe::span(filter, theme.fg),
            Span::styled(format!("█  {} of {}", shown.len(), items.len()), theme.dim),
        ])
    }];
    if shown.is_empty() {
        lines.push(Line::from(Span::styled(
            "no context matches",
            theme.warning,
        )));
    }
    lines.extend(
        shown
            .iter()
            .enumerate()
            .skip(offset)
            .take(rows)
            .map(|(i, item)| {
                let mark = if Some(item.as_str()) == current {
                    "● "
                } else {
                    "  "
                };
                let style = if i == selected {
                    theme.selection
                } else {
                    theme.fg
                };
                Line::from(vec![
                    Span::styled(mark, theme.accent),
                    crate::ui::widgets::safe::span(item, style),
                ])
            }),
    );
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .border_type(BorderType::Rounded)
                .border_style(theme.accent)
                .title(Span::styled(title.to_string(), theme.title)),
        ),
        area,
    );
}
