//! Where things sit on the screen. `update` (page height, mouse clicks,
//! scrolling) and the views (drawing) share these, so the two agree on
//! every rectangle without one calling the other.

use ratatui::layout::Rect;

use super::state::{App, TABS, View};

/// The part of the screen between the header lines and the bottom lines.
pub fn body_rect(size: (u16, u16)) -> Rect {
    let (w, h) = size;
    Rect::new(0, 2, w, h.saturating_sub(4))
}

/// Height of the Overview's summary boxes.
pub const OVERVIEW_TOP_H: u16 = 8;

/// How many fleets the Overview lists (the first ones of the model).
pub fn overview_fleets_shown(app: &App) -> usize {
    overview_fleets_h(app).saturating_sub(2) as usize
}

pub fn overview_fleets_h(app: &App) -> u16 {
    let n = app.data.as_ref().map_or(0, |d| d.model.fleets.len()) as u16;
    (n + 2).clamp(3, 8)
}

/// The Overview's offenders table sits under the summary boxes and the
/// fleets.
fn overview_table_rect(app: &App, inner: Rect) -> Rect {
    let top = OVERVIEW_TOP_H + overview_fleets_h(app);
    Rect::new(
        inner.x,
        inner.y + top.min(inner.height),
        inner.width,
        inner.height.saturating_sub(top),
    )
}

/// Where the selectable table of the current view sits inside `body`
/// (render and mouse clicks share this).
pub fn table_rect(app: &App, body: Rect) -> Rect {
    let inner = Rect::new(
        body.x + 1,
        body.y + 1,
        body.width.saturating_sub(2),
        body.height.saturating_sub(2),
    );
    match app.view() {
        View::Overview => overview_table_rect(app, inner),
        View::Findings | View::Fleets => {
            let h = inner.height.saturating_sub(split_height(inner.height));
            Rect::new(inner.x, inner.y, inner.width, h)
        }
        _ => inner,
    }
}

/// The space under a view's table, for the selected row's details.
pub fn pane_below_table(app: &App, body: Rect) -> Rect {
    let table = table_rect(app, body);
    Rect::new(
        body.x,
        table.y + table.height,
        body.width,
        body.y + body.height - (table.y + table.height),
    )
}

/// Height of the bottom info pane of split views.
pub fn split_height(h: u16) -> u16 {
    (h * 2 / 5).clamp(4, 14).min(h)
}

/// Rows the table of the current view shows on screen.
pub fn page_height(app: &App) -> usize {
    let area = table_rect(app, body_rect(app.size));
    area.height.saturating_sub(1) as usize
}

/// Tab labels with their x extents on a header line `width` wide. When
/// the full names do not fit (80 columns), every tab but the active one
/// shows the first three letters of its name, so all nine stay on screen.
pub fn tab_spans(width: u16, active: usize) -> Vec<(u16, u16, String)> {
    let spans = |short: bool| {
        let mut x = 1;
        let mut out = Vec::new();
        for (i, (name, _)) in TABS.iter().enumerate() {
            let name: String = if short && i != active {
                name.chars().take(3).collect()
            } else {
                name.to_string()
            };
            let label = format!(" {}:{} ", i + 1, name);
            let w = label.chars().count() as u16;
            out.push((x, x + w, label));
            x += w + 1;
        }
        out
    };
    let full = spans(false);
    if full.last().is_some_and(|(_, end, _)| *end <= width) {
        full
    } else {
        spans(true)
    }
}

/// The tab under column `x` of the header.
pub fn tab_at(app: &App, x: u16) -> Option<usize> {
    tab_spans(app.size.0, app.stack[0].view.tab())
        .iter()
        .position(|(a, b, _)| x >= *a && x < *b)
}

/// Height of the YAML text area inside the body.
pub fn yaml_height(body: Rect) -> usize {
    body.height.saturating_sub(2) as usize
}

/// Rows of the Detail pane's side list.
pub fn side_height(body: Rect) -> usize {
    (body.height.saturating_sub(2) / 2).saturating_sub(1) as usize
}
