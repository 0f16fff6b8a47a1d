//! A table that sorts, filters and renders only the rows on screen. The
//! filtered, sorted row indices are cached and recomputed only when the
//! rows, the filter, the namespace or the sort change, so a 20,000-row
//! table costs the same per frame as a 40-row one.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;

use crate::ui::data::Mark;
use crate::ui::theme::Theme;

/// What a row stands for: what Enter, `y`, `c` and `n` act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowKey {
    Controller(usize),
    Class(usize),
    Gateway(usize),
    Listener(usize, usize),
    Route(usize),
    Policy(usize),
    Fleet(usize),
    Pod(usize, usize),
    Finding(usize),
    Object(crate::store::ObjectRef),
    None,
}

#[derive(Debug, Clone)]
pub struct Row {
    pub cells: Vec<String>,
    pub key: RowKey,
    /// Namespace of the row's object (`:ns` filters on it).
    pub ns: Option<String>,
    pub mark: Mark,
    /// Typed sort keys by column (`s` sorts by these where set, not by
    /// the rendered text): an age in seconds, a severity rank.
    pub sort_keys: Vec<Option<f64>>,
    /// A grouping column: every row holds its group's value (filters and
    /// sorts see it); the table prints it only where the group starts on
    /// screen.
    pub group_col: Option<usize>,
}

impl Row {
    /// The cells are neutralised here, once, for every table
    /// ([`super::safe`]): filters match and the screen shows the visible
    /// form.
    pub fn new(cells: Vec<String>, key: RowKey, ns: Option<String>, mark: Mark) -> Row {
        let cells = cells
            .into_iter()
            .map(|c| match super::safe::text(&c) {
                std::borrow::Cow::Borrowed(_) => c,
                std::borrow::Cow::Owned(o) => o,
            })
            .collect();
        Row {
            cells,
            key,
            ns,
            mark,
            sort_keys: Vec::new(),
            group_col: None,
        }
    }

    /// Sorts column `col` by `key` instead of its text.
    pub fn sort_by(mut self, col: usize, key: f64) -> Row {
        if self.sort_keys.len() <= col {
            self.sort_keys.resize(col + 1, None);
        }
        self.sort_keys[col] = Some(key);
        self
    }

    /// Marks column `col` as the grouping column.
    pub fn grouped_by(mut self, col: usize) -> Row {
        self.group_col = Some(col);
        self
    }

    fn sort_key(&self, col: usize) -> Option<f64> {
        self.sort_keys.get(col).copied().flatten()
    }
}

/// The sort key of a severity column: error, warning, info, in that order
/// when ascending; a suppressed finding after the live ones of its
/// severity.
pub fn severity_key(severity: crate::audit::Severity, suppressed: bool) -> f64 {
    -f64::from(severity.rank()) + if suppressed { 0.5 } else { 0.0 }
}

/// Orders two rows by column `col`: typed keys where both have one, else
/// the text (numbers by value); a blank cell (or `-`) sorts last in either
/// direction, so a sort never starts with empty rows.
fn row_cmp(a: &Row, b: &Row, col: usize, rev: bool) -> std::cmp::Ordering {
    use std::cmp::Ordering;
    let ta = a.cells.get(col).map(String::as_str).unwrap_or("");
    let tb = b.cells.get(col).map(String::as_str).unwrap_or("");
    let blank = |t: &str, k: Option<f64>| k.is_none() && (t.is_empty() || t == "-");
    let (ka, kb) = (a.sort_key(col), b.sort_key(col));
    match (blank(ta, ka), blank(tb, kb)) {
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (true, true) => return Ordering::Equal,
        _ => {}
    }
    let o = match (ka, kb) {
        (Some(x), Some(y)) => x.total_cmp(&y).then_with(|| natural_cmp(ta, tb)),
        // A keyed row before an unkeyed one (e.g. an age before none).
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => natural_cmp(ta, tb),
    };
    if rev { o.reverse() } else { o }
}

/// How `/` matches: substring (case-insensitive) unless the input starts
/// with `re:` or contains a regex metacharacter other than `.` (hostnames
/// have dots), then a case-insensitive regex. A bad regex falls back to a
/// substring match and says so.
#[derive(Debug, Clone)]
pub enum Matcher {
    All,
    Substring(String),
    Regex(regex::Regex),
}

pub const REGEX_META: &[char] = &[
    '^', '$', '*', '+', '?', '(', ')', '[', ']', '{', '}', '|', '\\',
];

impl Matcher {
    /// The matcher for a filter input, and an error to show when the input
    /// looked like a regex but is not one.
    pub fn parse(input: &str) -> (Matcher, Option<String>) {
        if input.is_empty() {
            return (Matcher::All, None);
        }
        let (pattern, explicit) = match input.strip_prefix("re:") {
            Some(p) => (p, true),
            None => (input, false),
        };
        if explicit || pattern.contains(REGEX_META) {
            match regex::RegexBuilder::new(pattern)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
            {
                Ok(re) => return (Matcher::Regex(re), None),
                Err(_) => {
                    return (
                        Matcher::Substring(pattern.to_lowercase()),
                        Some(format!("not a regex: {pattern} (matching as text)")),
                    );
                }
            }
        }
        (Matcher::Substring(pattern.to_lowercase()), None)
    }

    pub fn matches(&self, row: &Row) -> bool {
        match self {
            Matcher::All => true,
            Matcher::Substring(s) => row.cells.iter().any(|c| contains_ci(c, s)),
            Matcher::Regex(re) => row.cells.iter().any(|c| re.is_match(c)),
        }
    }
}

/// ASCII case-insensitive substring test without allocating; `needle` is
/// already lowercase.
fn contains_ci(hay: &str, needle: &str) -> bool {
    if needle.is_empty() {
        return true;
    }
    let h = hay.as_bytes();
    let n = needle.as_bytes();
    if n.len() > h.len() {
        return false;
    }
    if !needle.is_ascii() || !hay.is_ascii() {
        return hay.to_lowercase().contains(needle);
    }
    h.windows(n.len())
        .any(|w| w.iter().zip(n).all(|(a, b)| a.to_ascii_lowercase() == *b))
}

#[derive(Debug, Clone, Default)]
pub struct TableState {
    pub columns: Vec<&'static str>,
    pub rows: Vec<Row>,
    /// Column widths from the widest cell (capped), computed with the rows.
    pub widths: Vec<u16>,
    pub filter: String,
    pub filter_error: Option<String>,
    /// (column, reversed).
    pub sort: Option<(usize, bool)>,
    /// Rows shown: filtered and sorted indices into `rows`.
    pub visible: Vec<usize>,
    /// Index into `visible`.
    pub selected: usize,
    /// First visible row on screen.
    pub offset: usize,
}

const MAX_COL: u16 = 48;

impl TableState {
    pub fn new(columns: Vec<&'static str>, rows: Vec<Row>) -> TableState {
        let mut t = TableState {
            columns,
            ..TableState::default()
        };
        t.set_rows(rows, None);
        t
    }

    /// Replaces the rows (after a store update), keeping filter, sort and,
    /// when it still exists, the selected row.
    pub fn set_rows(&mut self, rows: Vec<Row>, namespace: Option<&str>) {
        let previous = self.selected_row().map(|r| r.key.clone());
        let mut widths: Vec<u16> = self.columns.iter().map(|c| c.len() as u16).collect();
        for r in &rows {
            for (w, c) in widths.iter_mut().zip(&r.cells) {
                *w = (*w).max(c.chars().count().min(MAX_COL as usize) as u16);
            }
        }
        self.widths = widths;
        self.rows = rows;
        self.refresh(namespace);
        if let Some(key) = previous
            && let Some(pos) = self.visible.iter().position(|&i| self.rows[i].key == key)
        {
            self.selected = pos;
        }
    }

    /// Recomputes `visible` from filter, namespace and sort.
    pub fn refresh(&mut self, namespace: Option<&str>) {
        let (matcher, err) = Matcher::parse(&self.filter);
        self.filter_error = err;
        let mut visible: Vec<usize> = (0..self.rows.len())
            .filter(|&i| {
                let r = &self.rows[i];
                let ns_ok = match (namespace, &r.ns) {
                    (Some(want), Some(ns)) => want == ns,
                    _ => true,
                };
                ns_ok && matcher.matches(r)
            })
            .collect();
        if let Some((col, rev)) = self.sort {
            let rows = &self.rows;
            visible.sort_by(|&a, &b| row_cmp(&rows[a], &rows[b], col, rev));
        }
        self.visible = visible;
        self.clamp();
    }

    pub fn clamp(&mut self) {
        if self.visible.is_empty() {
            self.selected = 0;
        } else if self.selected >= self.visible.len() {
            self.selected = self.visible.len() - 1;
        }
    }

    pub fn selected_row(&self) -> Option<&Row> {
        self.visible.get(self.selected).map(|&i| &self.rows[i])
    }

    /// Moves the selection by `delta` rows.
    pub fn move_by(&mut self, delta: isize) {
        if self.visible.is_empty() {
            return;
        }
        let max = self.visible.len() as isize - 1;
        self.selected = (self.selected as isize + delta).clamp(0, max) as usize;
    }

    /// Keeps the selection on screen for a body of `height` rows.
    pub fn scroll_into_view(&mut self, height: usize) {
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        let max_offset = self.visible.len().saturating_sub(height);
        self.offset = self.offset.min(max_offset);
    }

    /// `s`: no sort → column 0 → column 1 → … → no sort.
    pub fn sort_next(&mut self, namespace: Option<&str>) {
        self.sort = match self.sort {
            None => Some((0, false)),
            Some((c, rev)) if c + 1 < self.columns.len() => Some((c + 1, rev)),
            Some(_) => None,
        };
        self.refresh(namespace);
    }

    pub fn sort_reverse(&mut self, namespace: Option<&str>) {
        self.sort = Some(match self.sort {
            None => (0, true),
            Some((c, rev)) => (c, !rev),
        });
        self.refresh(namespace);
    }
}

/// Compares numbers by value where both cells start with one, text otherwise.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let num = |s: &str| {
        let end = s
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(s.len());
        s[..end].parse::<f64>().ok()
    };
    match (num(a), num(b)) {
        (Some(x), Some(y)) if x != y => x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal),
        _ => a.cmp(b),
    }
}

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
    // Too wide: narrow the widest columns first (to no less than 6).
    let mut widths = state.widths.clone();
    let avail = area.width.saturating_sub(2) as usize;
    let gaps = 2 * widths.len().saturating_sub(1);
    let mut total: usize = widths.iter().map(|w| *w as usize).sum::<usize>() + gaps;
    while total > avail {
        let Some((i, w)) = widths.iter().enumerate().max_by_key(|(_, w)| **w) else {
            break;
        };
        if *w <= 6 {
            break;
        }
        widths[i] -= 1;
        total -= 1;
    }
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

    fn rows(names: &[&str]) -> Vec<Row> {
        names
            .iter()
            .map(|n| Row::new(vec![n.to_string()], RowKey::None, None, Mark::default()))
            .collect()
    }

    #[test]
    fn filter_substring_and_regex() {
        let mut t = TableState::new(vec!["NAME"], rows(&["shop.example.com", "catalog", "Pay"]));
        t.filter = "CAT".into();
        t.refresh(None);
        assert_eq!(t.visible, vec![1]);
        t.filter = "shop.example".into();
        t.refresh(None);
        assert_eq!(t.visible, vec![0], "a dot alone stays a substring");
        t.filter = "^(cat|pay)".into();
        t.refresh(None);
        assert_eq!(t.visible, vec![1, 2]);
        t.filter = "re:a.a".into();
        t.refresh(None);
        assert_eq!(t.visible, vec![1]);
        t.filter = "(".into();
        t.refresh(None);
        assert!(t.filter_error.is_some());
        assert!(t.visible.is_empty());
    }

    fn order(t: &TableState, col: usize) -> Vec<&str> {
        t.visible
            .iter()
            .map(|&i| t.rows[i].cells[col].as_str())
            .collect()
    }

    /// AGE sorts by age, severity by rank, blanks last both ways.
    #[test]
    fn sorts_by_typed_keys_not_text() {
        use crate::audit::Severity;
        let row = |age: &str, secs: Option<f64>, sev: Severity| {
            let r = Row::new(
                vec![age.to_string(), sev.to_string()],
                RowKey::None,
                None,
                Mark::default(),
            )
            .sort_by(1, severity_key(sev, false));
            match secs {
                Some(s) => r.sort_by(0, s),
                None => r,
            }
        };
        let rows = vec![
            row("12h", Some(43_200.0), Severity::Info),
            row("57m", Some(3_420.0), Severity::Warning),
            row("-", None, Severity::Error),
            row("3d", Some(259_200.0), Severity::Warning),
            row("40s", Some(40.0), Severity::Info),
        ];
        let mut t = TableState::new(vec!["AGE", "SEV"], rows);
        t.sort_next(None);
        assert_eq!(order(&t, 0), ["40s", "57m", "12h", "3d", "-"]);
        t.sort_reverse(None);
        assert_eq!(order(&t, 0), ["3d", "12h", "57m", "40s", "-"]);
        t.sort = Some((1, false));
        t.refresh(None);
        assert_eq!(
            order(&t, 1),
            ["error", "warning", "warning", "info", "info"]
        );
    }

    #[test]
    fn blank_cells_sort_last() {
        let mut t = TableState::new(vec!["N"], rows(&["b", "", "a", "-"]));
        t.sort_next(None);
        assert_eq!(order(&t, 0), ["a", "b", "", "-"]);
        t.sort_reverse(None);
        assert_eq!(order(&t, 0)[..2], ["b", "a"]);
    }

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

    #[test]
    fn cells_are_neutralised_once() {
        let r = Row::new(
            vec!["w\u{200b}eb\x1b[2J".into()],
            RowKey::None,
            None,
            Mark::default(),
        );
        assert_eq!(r.cells[0], "w\\u200beb\\x1b[2J");
    }

    #[test]
    fn natural_sort() {
        let mut t = TableState::new(vec!["N"], rows(&["10", "9", "100", "a"]));
        t.sort_next(None);
        let order: Vec<&str> = t
            .visible
            .iter()
            .map(|&i| t.rows[i].cells[0].as_str())
            .collect();
        assert_eq!(order, ["9", "10", "100", "a"]);
        t.sort_reverse(None);
        let order: Vec<&str> = t
            .visible
            .iter()
            .map(|&i| t.rows[i].cells[0].as_str())
            .collect();
        assert_eq!(order, ["a", "100", "10", "9"]);
    }
}
