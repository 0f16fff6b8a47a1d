//! A table's plain state: rows, typed sort keys, filter and selection.
//! The filtered, sorted row indices are cached and recomputed only when the
//! rows, the filter, the namespace or the sort change, so a 20,000-row
//! table costs the same per frame as a 40-row one. Drawing it is
//! `widgets::table`'s job; `update` and the views both read this.

use crate::ui::data::{FindingId, Mark, ObjKey};

/// What a row stands for: what Enter, `y`, `c` and `n` act on.
#[derive(Debug, Clone, PartialEq, Eq)]
///
/// Keys are identities, never positions: after a rebuild in which an
/// object sorts before the selected one, the selection and the Detail pane
/// still stand for the same object.
pub enum RowKey {
    /// A controller by its Deployment.
    Controller(ObjKey),
    /// A GatewayClass by name.
    Class(String),
    Gateway(ObjKey),
    /// A listener: its Gateway, the object declaring it (the Gateway or a
    /// ListenerSet) and its name.
    Listener(ObjKey, ObjKey, String),
    Route(ObjKey),
    Policy(ObjKey),
    /// A fleet by its key.
    Fleet(String),
    /// A pod: its fleet's key and its own identity.
    Pod(String, ObjKey),
    Finding(FindingId),
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
    /// Shared: a view that can keep a row from one snapshot to the next
    /// (the Overview's, [`super::overview::RowCache`]) hands the same one.
    pub rows: Vec<std::sync::Arc<Row>>,
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
        self.set_shared_rows(
            rows.into_iter().map(std::sync::Arc::new).collect(),
            namespace,
        );
    }

    /// [`TableState::set_rows`] with rows that may be shared.
    pub fn set_shared_rows(&mut self, rows: Vec<std::sync::Arc<Row>>, namespace: Option<&str>) {
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
        self.visible.get(self.selected).map(|&i| &*self.rows[i])
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
        // A stale number (`~12.5`) still sorts by its value.
        let s = s.strip_prefix(super::STALE_MARK).unwrap_or(s);
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
