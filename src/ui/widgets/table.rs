//! Draws a [`TableState`]: only the rows on screen, the name column
//! truncated last.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::ui::data::Mark;
use crate::ui::theme::Theme;
pub use crate::ui::vm::table::{Row, RowKey, TableState, severity_key};

/// The style of a row's marker and text from its findings.
pub fn mark_style(theme: &Theme, mark: &Mark) -> Option<Style> {
    match mark.worst {
        Some(sev) => Some(theme.severity(sev)),
        None if mark.suppressed => Some(theme.suppressed),
        None => None,
    }
}

/// Draws the table into `area` (no border): a header row, then the rows
/// from `state.offset`. The first column is a one-cell severity marker.
pub fn render(frame: &mut Frame, area: Rect, state: &TableState, theme: &Theme, focused: bool) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let buf = frame.buffer_mut();
    // Column layout: marker (2), then each column its width + 2 spaces; the
    // last column takes what is left.
    let mut xs = Vec::with_capacity(state.columns.len());
    let mut x = area.x + 2;
    let right = area.x + area.width;
    let widths = fit_widths(&state.columns, &state.widths, area.width.saturating_sub(2));
    for (i, w) in widths.iter().enumerate() {
        if x >= right {
            break;
        }
        let last = i + 1 == widths.len();
        let width = if last { right - x } else { (*w).min(right - x) };
        xs.push((x, width));
        x = x.saturating_add(*w + 2);
    }
    // Header.
    for (i, (x, w)) in xs.iter().enumerate() {
        let mut title = state.columns[i].to_string();
        if let Some((c, rev)) = state.sort
            && c == i
        {
            title.push(if rev { '↓' } else { '↑' });
        }
        buf.set_stringn(*x, area.y, title, *w as usize, theme.header);
    }
    let height = (area.height - 1) as usize;
    let offset = state
        .offset
        .min(state.visible.len().saturating_sub(height.max(1)));
    let mut previous: Option<&Row> = None;
    for (line, &ri) in state.visible.iter().skip(offset).take(height).enumerate() {
        let y = area.y + 1 + line as u16;
        let row = &state.rows[ri];
        let above = previous.replace(row);
        let selected = offset + line == state.selected;
        let mark = mark_style(theme, &row.mark);
        let base = if row.mark.worst.is_none() && row.mark.suppressed {
            theme.suppressed
        } else {
            theme.fg
        };
        let style = if selected && focused {
            theme.selection
        } else if selected {
            base.patch(theme.dim)
                .add_modifier(ratatui::style::Modifier::REVERSED)
        } else {
            base
        };
        if selected {
            buf.set_style(Rect::new(area.x, y, area.width, 1), style);
        }
        if let Some(m) = mark {
            let glyph = match row.mark.worst {
                Some(crate::audit::Severity::Error) => "●",
                Some(crate::audit::Severity::Warning) => "▲",
                Some(crate::audit::Severity::Info) => "ℹ",
                None => "·",
            };
            buf.set_stringn(area.x, y, glyph, 1, if selected { style } else { m });
        }
        for (i, (x, w)) in xs.iter().enumerate() {
            let text = row.cells.get(i).map(String::as_str).unwrap_or("");
            // A group's value shows on its first row on screen only.
            let text = match (row.group_col, above) {
                (Some(g), Some(prev)) if g == i && prev.cells.get(g) == row.cells.get(g) => "",
                _ => text,
            };
            // The object column (first) carries the severity colour.
            let cell_style = match (i, mark, selected) {
                (0, Some(m), false) => m,
                _ => style,
            };
            let shown = truncate(text, *w as usize);
            buf.set_stringn(*x, y, shown, *w as usize, cell_style);
        }
    }
}

/// Whether a column names its object: cut last, since two names cut to
/// the same prefix (`payment…`) make two rows look like one.
fn is_name_col(i: usize, title: &str) -> bool {
    // The Detail side list's first column is a label (`condition`, an
    // effective field), not a name: its values carry the counts.
    (i == 0 && title != SIDE_LABEL_COL)
        || title.contains("NAME")
        || matches!(title, "GATEWAY" | "OBJECT" | "POD" | "FLEET" | "ROUTE")
}

/// The title of the Detail side list's label column.
pub const SIDE_LABEL_COL: &str = "FINDINGS / RELATED";

/// Columns that keep their width (a cut sparkline reads as a different
/// trend).
fn is_fixed_col(title: &str) -> bool {
    title.ends_with("TREND")
}

/// Column widths for `avail` cells: when too wide, the widest of the
/// other columns narrow first (to no less than 6), name columns only once
/// nothing else can give, fixed columns never.
pub fn fit_widths(columns: &[&str], widths: &[u16], avail: u16) -> Vec<u16> {
    let mut widths = widths.to_vec();
    let avail = avail as usize;
    let gaps = 2 * widths.len().saturating_sub(1);
    let mut total: usize = widths.iter().map(|w| *w as usize).sum::<usize>() + gaps;
    for names in [false, true] {
        while total > avail {
            let Some((i, _)) = widths
                .iter()
                .enumerate()
                .filter(|(i, w)| {
                    let title = columns.get(*i).copied().unwrap_or("");
                    **w > 6 && !is_fixed_col(title) && is_name_col(*i, title) == names
                })
                .max_by_key(|(_, w)| **w)
            else {
                break;
            };
            widths[i] -= 1;
            total -= 1;
        }
    }
    widths
}

/// Cuts text to `width` columns with an ellipsis.
pub fn truncate(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    if text.chars().count() <= width {
        return text.into();
    }
    if width == 0 {
        return "".into();
    }
    let mut s: String = text.chars().take(width - 1).collect();
    s.push('…');
    s.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A grouping column prints its value once per group on screen, but
    /// every row keeps it for filters.
    #[test]
    fn grouped_rows_keep_their_group_for_filters() {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        let g = |rule: &str, obj: &str| {
            Row::new(
                vec![rule.into(), obj.into()],
                RowKey::None,
                None,
                Mark::default(),
            )
            .grouped_by(0)
        };
        let mut t = TableState::new(
            vec!["RULE", "OBJECT"],
            vec![
                g("EG203", "a"),
                g("EG204", "b"),
                g("EG204", "c"),
                g("EG204", "d"),
            ],
        );
        t.filter = "EG204".into();
        t.refresh(None);
        assert_eq!(t.visible, vec![1, 2, 3]);
        let theme = Theme::default();
        let mut term = Terminal::new(TestBackend::new(20, 4)).unwrap();
        let frame = term
            .draw(|f| render(f, f.area(), &t, &theme, true))
            .unwrap();
        let line = |y: u16| -> String {
            (0..20)
                .map(|x| frame.buffer[(x, y)].symbol().to_string())
                .collect()
        };
        assert!(line(1).contains("EG204  b"), "{:?}", line(1));
        assert!(
            !line(2).contains("EG204") && line(2).contains('c'),
            "{:?}",
            line(2)
        );
    }

    /// Name columns are cut last; a trend column never.
    #[test]
    fn names_are_cut_last_and_trends_never() {
        let cols = ["NAMESPACE/NAME", "KIND", "HPA", "RPS TREND"];
        let w = fit_widths(&cols, &[30, 12, 20, 16], 64);
        assert_eq!(w[0], 30, "{w:?}");
        assert_eq!(w[3], 16, "{w:?}");
        assert!(
            w.iter().map(|w| *w as usize).sum::<usize>() + 6 <= 64,
            "{w:?}"
        );
        // Only when the others are at their minimum does the name give.
        let w = fit_widths(&cols, &[30, 12, 20, 16], 40);
        assert_eq!((w[1], w[2], w[3]), (6, 6, 16), "{w:?}");
        assert_eq!(w[0], 40 - 6 - 6 - 16 - 6, "{w:?}");
    }
}
