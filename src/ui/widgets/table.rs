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
    // Column layout: marker (2), then each shown column its width + 2
    // spaces; the last shown column takes what is left.
    let mut xs: Vec<(usize, u16, u16)> = Vec::with_capacity(state.columns.len());
    let mut x = area.x + 2;
    let right = area.x + area.width;
    let fit = fit_columns(&state.columns, &state.widths, area.width.saturating_sub(2));
    let shown: Vec<(usize, u16)> = fit
        .iter()
        .enumerate()
        .filter_map(|(i, w)| Some((i, (*w)?)))
        .collect();
    for (n, &(i, w)) in shown.iter().enumerate() {
        if x >= right {
            break;
        }
        let last = n + 1 == shown.len();
        let width = if last { right - x } else { w.min(right - x) };
        xs.push((i, x, width));
        x = x.saturating_add(w + 2);
    }
    // Header.
    for &(i, x, w) in &xs {
        let mut title = state.columns[i].to_string();
        if let Some((c, rev)) = state.sort
            && c == i
        {
            title.push(if rev { '↓' } else { '↑' });
        }
        buf.set_stringn(x, area.y, title, w as usize, theme.header);
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
        for &(i, x, w) in &xs {
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
            // A name keeps its end (`envoy-pla…-rnvz7`): pods and
            // generated names differ there, not in their prefix.
            let shown = if is_name_col(i, state.columns[i]) {
                truncate_middle(text, w as usize)
            } else {
                truncate(text, w as usize)
            };
            buf.set_stringn(x, y, shown, w as usize, cell_style);
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

/// How wide a name column stays before other columns are hidden for it:
/// enough for the distinct ends of two generated names.
const NAME_KEEP: u16 = 20;

/// The order in which columns leave a table that does not fit even with
/// every column at its header's width (80 columns): the sparkline first
/// (its numbers stay), then what the selected row's pane or Detail repeats.
/// Unlisted columns (names, WARN, the numbers of a symptom) never leave.
const DROP_ORDER: &[&str] = &[
    "RPS TREND",
    "CLASS",
    "WORKLOAD",
    "ADDRESSES",
    "FROM",
    "AGE",
    "MEM",
    "CPU",
    "VERSION",
    "EG",
    "RULES",
    "KIND",
];

/// Column widths for `avail` cells, `None` for a column hidden because
/// it does not fit. A shown column is never narrower than its header, so
/// every header stays whole: first the widest non-name columns narrow to
/// their header, then names to [`NAME_KEEP`], then columns leave in
/// [`DROP_ORDER`], then names narrow to their header; fixed columns never
/// narrow. Only a table that still does not fit (a tiny terminal) has its
/// last columns cut.
pub fn fit_columns(columns: &[&str], widths: &[u16], avail: u16) -> Vec<Option<u16>> {
    let title = |i: usize| columns.get(i).copied().unwrap_or("");
    let header = |i: usize| {
        let t = title(i);
        // The Detail side list's label column narrows like a value: its
        // rows are read by their values.
        if t == SIDE_LABEL_COL {
            6
        } else {
            (t.chars().count() as u16).max(3)
        }
    };
    let mut widths: Vec<Option<u16>> = widths.iter().map(|w| Some(*w)).collect();
    let avail = avail as usize;
    let total = |ws: &[Option<u16>]| {
        let shown = ws.iter().flatten().count();
        ws.iter().flatten().map(|w| *w as usize).sum::<usize>() + 2 * shown.saturating_sub(1)
    };
    // Narrows the widest column that `pick` allows down to `floor(i)`.
    let narrow = |ws: &mut Vec<Option<u16>>, names: bool, floor: &dyn Fn(usize) -> u16| {
        // The total is kept as it shrinks: recounting it per cell taken
        // made a frame cost columns × width.
        let mut sum = total(ws);
        while sum > avail {
            let Some((i, _)) = ws
                .iter()
                .enumerate()
                .filter_map(|(i, w)| Some((i, (*w)?)))
                .filter(|&(i, w)| {
                    w > floor(i) && !is_fixed_col(title(i)) && is_name_col(i, title(i)) == names
                })
                .max_by_key(|&(_, w)| w)
            else {
                break;
            };
            if let Some(w) = ws[i].as_mut() {
                *w -= 1;
                sum -= 1;
            }
        }
    };
    let natural: Vec<u16> = widths.iter().map(|w| w.unwrap_or(0)).collect();
    narrow(&mut widths, false, &header);
    narrow(&mut widths, true, &|i| {
        header(i).max(NAME_KEEP.min(natural[i]))
    });
    for drop in DROP_ORDER {
        if total(&widths) <= avail {
            break;
        }
        for (i, w) in widths.iter_mut().enumerate() {
            // The first column is what the row is: it never leaves.
            if i > 0 && title(i) == *drop {
                *w = None;
            }
        }
    }
    narrow(&mut widths, true, &header);
    // What a hidden column left over goes back to the cut names first.
    for names in [true, false] {
        for i in 0..widths.len() {
            let spare = avail.saturating_sub(total(&widths)) as u16;
            if let Some(w) = widths[i].as_mut()
                && is_name_col(i, title(i)) == names
                && *w < natural[i]
            {
                *w += spare.min(natural[i] - *w);
            }
        }
    }
    widths
}

/// The columns [`fit_columns`] hides in a table `width` cells wide (the
/// marker column included), for the view to name them.
pub fn hidden_columns(state: &TableState, width: u16) -> Vec<&'static str> {
    fit_columns(&state.columns, &state.widths, width.saturating_sub(2))
        .iter()
        .zip(&state.columns)
        .filter(|(w, _)| w.is_none())
        .map(|(_, c)| *c)
        .collect()
}

/// Cuts text to `width` columns with an ellipsis in the middle, keeping
/// its start and its end.
pub fn truncate_middle(text: &str, width: usize) -> std::borrow::Cow<'_, str> {
    let n = text.chars().count();
    if n <= width {
        return text.into();
    }
    if width < 5 {
        return truncate(text, width);
    }
    let head = (width - 1) / 2;
    let tail = width - 1 - head;
    let mut s: String = text.chars().take(head).collect();
    s.push('…');
    s.extend(text.chars().skip(n - tail));
    s.into()
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

    /// Name columns are cut last; a trend column never; no header is cut.
    #[test]
    fn names_are_cut_last_and_trends_never() {
        let cols = ["NAMESPACE/NAME", "KIND", "HPA", "RPS TREND"];
        let w = fit_columns(&cols, &[30, 12, 20, 16], 64);
        assert_eq!(w[0], Some(30), "{w:?}");
        assert_eq!(w[3], Some(16), "{w:?}");
        let sum = |w: &[Option<u16>]| {
            w.iter().flatten().map(|w| *w as usize).sum::<usize>()
                + 2 * (w.iter().flatten().count() - 1)
        };
        assert!(sum(&w) <= 64, "{w:?}");
        // Only when the others are at their header does the name give,
        // and then to 20 before a column leaves.
        let w = fit_columns(&cols, &[30, 12, 20, 16], 51);
        assert_eq!((w[1], w[2], w[3]), (Some(4), Some(3), Some(16)), "{w:?}");
        assert_eq!(w[0], Some(51 - 4 - 3 - 16 - 6), "{w:?}");
        // Narrower still: the trend leaves, the name keeps its 20.
        let w = fit_columns(&cols, &[30, 12, 20, 16], 40);
        assert_eq!(w, vec![Some(20 + 9), Some(4), Some(3), None], "{w:?}");
    }

    /// At 80 columns (76 cells for the table) the Pods view's twelve
    /// columns keep every header whole: the sparkline leaves, and so does
    /// AGE, before a header is cut.
    #[test]
    fn headers_stay_whole_and_columns_leave_in_order() {
        let cols = [
            "POD",
            "READY",
            "STATUS",
            "RESTARTS",
            "AGE",
            "CPU",
            "MEM",
            "RPS",
            "5XX",
            "P99",
            "RPS TREND",
            "WARN",
        ];
        let natural = [40, 5, 7, 16, 3, 3, 3, 3, 3, 3, 16, 4];
        let w = fit_columns(&cols, &natural, 76);
        for (i, c) in cols.iter().enumerate() {
            if let Some(w) = w[i] {
                assert!(w as usize >= c.len(), "{c} cut to {w}: {w:?}");
            }
        }
        assert_eq!(w[10], None, "the trend leaves first");
        assert!(w[11].is_some(), "WARN stays");
        assert_eq!(w[0], Some(20), "the name keeps 20");
        assert!(sum_of(&w) <= 76, "{w:?}");
    }

    fn sum_of(w: &[Option<u16>]) -> usize {
        w.iter().flatten().map(|w| *w as usize).sum::<usize>()
            + 2 * (w.iter().flatten().count() - 1)
    }

    #[test]
    fn names_are_cut_in_the_middle() {
        assert_eq!(
            truncate_middle("envoy-platform-d294fcce-pzl4ncpbmp-rnvz7", 20),
            "envoy-pla…pbmp-rnvz7"
        );
        assert_eq!(truncate_middle("short", 20), "short");
    }
}
