//! The views. Each is a pure function of the state; this module draws the
//! frame around them (tabs, breadcrumb, prompt, status line) and knows, for
//! every view, its rows, what Enter drills into and where its table sits.

pub mod detail;
pub mod findings;
pub mod fleets;
pub mod help;
pub mod logs;
pub mod overview;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::store::Kind;

use super::data::Data;
use super::layout::{body_rect, tab_spans, table_rect};
use super::state::{App, Mode, View};
use super::theme::Theme;
use super::vm::placeholder;
use super::widgets::table::{self, TableState};
use super::widgets::{breadcrumb, caption, safe, status_line};

/// The state a view reads.
pub type ViewState = App;

/// "partial: Deployment forbidden · PodMetrics unavailable" when what is
/// on screen is not the whole cluster, so an empty or calm view is never
/// mistaken for a clean one; on the breadcrumb line, which survives 80
/// columns where the status line's feed list is cut off.
fn degraded_banner(app: &ViewState) -> Option<String> {
    use crate::ui::status::Freshness;
    let mut parts: Vec<String> = app
        .status
        .feeds
        .iter()
        .filter(|f| {
            matches!(
                f.freshness,
                Freshness::Forbidden
                    | Freshness::Unavailable
                    | Freshness::Partial
                    | Freshness::Listing { .. }
            ) || (matches!(f.name.as_str(), "objects" | "metrics")
                && matches!(f.freshness, Freshness::Stale(_)))
                || (f.name == "objects" && f.freshness == Freshness::Syncing)
        })
        .map(|f| match f.freshness {
            Freshness::Stale(_) if f.name == "metrics" => {
                format!("metrics {} (~ = last scrape)", f.freshness.label())
            }
            _ => format!("{} {}", f.name, f.freshness.label()),
        })
        .collect();
    let incomplete = app.data.as_ref().is_some_and(|d| d.audit.incomplete());
    if parts.is_empty() && !incomplete {
        return None;
    }
    if parts.is_empty()
        && let Some(d) = &app.data
    {
        // A snapshot's store says what its source could not read.
        parts = d
            .store
            .states()
            .filter(|(k, st)| *k != Kind::PodMetrics && st.unreadable())
            .map(|(k, st)| format!("{} {}", k.name(), st.label()))
            .collect();
    }
    if parts.is_empty() {
        parts.push("some rules not judged".into());
    }
    let shown: Vec<String> = parts.iter().take(3).cloned().collect();
    let more = parts.len().saturating_sub(3);
    Some(format!(
        "partial: {}{}",
        shown.join(" · "),
        if more > 0 {
            format!(" +{more}")
        } else {
            String::new()
        }
    ))
}

/// Draws a whole frame.
pub fn render(app: &ViewState, frame: &mut Frame) {
    let theme = &app.theme;
    let area = frame.area();
    if area.height < 6 || area.width < 20 {
        frame.render_widget(Paragraph::new("egscope: window too small"), area);
        return;
    }
    frame.render_widget(Block::default().style(theme.bg), area);
    // Tabs.
    let active = app.stack[0].view.tab();
    let mut spans = vec![Span::raw(" ")];
    for (i, (_, _, label)) in tab_spans(area.width, active).into_iter().enumerate() {
        let style = if i == active {
            theme.tab_active
        } else {
            theme.tab
        };
        spans.push(Span::styled(label, style));
        spans.push(Span::raw(" "));
    }
    frame.render_widget(
        Paragraph::new(Line::from(spans)),
        Rect::new(0, 0, area.width, 1),
    );
    // Breadcrumb and scope.
    let crumbs: Vec<String> = app.stack.iter().map(|c| c.view.label()).collect();
    let mut right = Vec::new();
    if let Some(banner) = degraded_banner(app) {
        right.push(banner);
    }
    if let Some(ns) = &app.namespace {
        right.push(format!("ns:{ns}"));
    }
    let filter = &app.top().table.filter;
    if !filter.is_empty() && app.mode != Mode::Filter {
        right.push(format!("/{filter}"));
    }
    breadcrumb::render(
        frame,
        Rect::new(0, 1, area.width, 1),
        &crumbs,
        &right.join("  "),
        theme,
    );
    // Body.
    let body = body_rect((area.width, area.height));
    render_body(app, frame, body, theme);
    if let Some(p) = &app.logs {
        logs::render(p, frame, body, theme);
    }
    // Prompt / hints.
    let prompt = Rect::new(0, area.height - 2, area.width, 1);
    render_prompt(app, frame, prompt, theme);
    // Status line.
    let summary = app
        .data
        .as_ref()
        .map(|d| d.audit.summary())
        .unwrap_or_default();
    status_line::render(
        frame,
        Rect::new(0, area.height - 1, area.width, 1),
        &app.status,
        app.profile.as_str(),
        &summary,
        None,
        theme,
    );
    if let Some(tour) = &app.tour {
        let (title, text) = tour.caption(app);
        // The selected row is what the caption talks about: never cover it.
        let t = &app.top().table;
        let selected_y = (app.top().detail.is_none() && !t.visible.is_empty())
            .then(|| table_rect(app, body).y + 1 + t.selected.saturating_sub(t.offset) as u16);
        caption::render(
            frame,
            body,
            &title,
            &text,
            "Space: next · Esc: leave the tour",
            selected_y,
            theme,
        );
    }
    if let Mode::Help { scroll } = app.mode {
        help::render(frame, body, scroll, theme);
    }
    if let Mode::Pick {
        items,
        filter,
        selected,
    } = &app.mode
    {
        help::render_picker(
            frame,
            body,
            items,
            filter,
            *selected,
            app.status.context(),
            theme,
        );
    }
    safe::scrub(frame.buffer_mut());
}

fn render_body(app: &App, frame: &mut Frame, body: Rect, theme: &Theme) {
    let Some(data) = &app.data else {
        frame.render_widget(
            Paragraph::new("loading…")
                .style(theme.dim)
                .block(Block::bordered().border_style(theme.border)),
            body,
        );
        return;
    };
    let crumb = app.top();
    match &crumb.view {
        View::Overview => overview::render(app, data, frame, body, theme),
        View::Detail { .. } => {
            if let Some(d) = &crumb.detail {
                detail::render(d, frame, body, theme)
            }
        }
        View::Findings => findings::render(app, data, frame, body, theme),
        View::Fleets => fleets::render(app, data, frame, body, theme),
        view => {
            let title = match view {
                View::Tenants => {
                    "Tenants: controller → controllerName → watched namespaces → classes"
                }
                View::Listeners { .. } => "(✗ = conflict)",
                _ => "",
            };
            table_block(app, data, frame, body, theme, title);
        }
    }
}

/// A bordered table (or the placeholder when its kinds are unreadable).
pub fn table_block(
    app: &App,
    data: &Data,
    frame: &mut Frame,
    body: Rect,
    theme: &Theme,
    note: &str,
) {
    let crumb = app.top();
    let t = &crumb.table;
    let area = table_rect(app, body);
    // Columns that leave a narrow table are named, never silently gone.
    let hidden = table::hidden_columns(t, area.width);
    let note = if hidden.is_empty() {
        note.to_string()
    } else {
        format!("{note} · hidden at this width: {} ", hidden.join(", "))
    };
    let title = format!(
        " {} [{}{}] {}",
        crumb.view.label(),
        t.visible.len(),
        if t.visible.len() != t.rows.len() {
            format!("/{}", t.rows.len())
        } else {
            String::new()
        },
        note
    );
    let block = Block::bordered()
        .border_style(theme.border)
        .title(safe::span(&title, theme.title));
    frame.render_widget(block, body);
    if let Some(msg) = placeholder(data, &crumb.view) {
        frame.render_widget(
            Paragraph::new(safe::layout_text(&msg).into_owned()).style(theme.warning),
            area,
        );
        return;
    }
    if t.rows.is_empty() {
        frame.render_widget(Paragraph::new("(none)").style(theme.dim), area);
        return;
    }
    table::render(frame, area, t, theme, true);
}

fn render_prompt(app: &App, frame: &mut Frame, area: Rect, theme: &Theme) {
    let line = match &app.mode {
        Mode::Search | Mode::Normal if app.logs.is_some() && app.flash.is_none() => {
            let searching = app.mode == Mode::Search;
            logs::prompt(app.logs.as_ref().expect("checked"), searching, theme)
        }
        Mode::Command { input, completions } => {
            let mut spans = vec![
                Span::styled(":", theme.prompt),
                safe::span(input, theme.fg),
                Span::styled("█", theme.prompt),
            ];
            if !completions.is_empty() {
                spans.push(safe::span(
                    &format!("   {}", completions.join("  ")),
                    theme.dim,
                ));
            }
            Line::from(spans)
        }
        Mode::Filter => {
            let t = &app.top().table;
            let mut spans = vec![
                Span::styled("/", theme.prompt),
                safe::span(&t.filter, theme.fg),
                Span::styled("█", theme.prompt),
                Span::styled(
                    format!("   {} of {} rows", t.visible.len(), t.rows.len()),
                    theme.dim,
                ),
            ];
            if let Some(e) = &t.filter_error {
                spans.push(safe::span(&format!("  {e}"), theme.warning));
            }
            Line::from(spans)
        }
        Mode::Search => {
            let d = app.top().detail.as_ref();
            let search = d.map_or("", |d| d.search.as_str());
            let found = match d.and_then(|d| d.search_hit.map(|i| (i, d.lines.len()))) {
                Some((i, n)) => format!("   line {} of {n} (Enter keeps it, n: next)", i + 1),
                None if search.is_empty() => "   search the YAML".to_string(),
                None => "   no match".to_string(),
            };
            Line::from(vec![
                Span::styled("/", theme.prompt),
                safe::span(search, theme.fg),
                Span::styled("█", theme.prompt),
                Span::styled(found, theme.dim),
            ])
        }
        _ if app.flash.is_some() => {
            // The message takes the hint line: it is the one line that
            // survives any width (the status line is cut at 80 columns).
            Line::from(vec![
                Span::styled(" ▸ ", theme.accent),
                safe::span(app.flash.as_deref().unwrap_or(""), theme.accent),
            ])
        }
        _ => {
            let hints: &[(&str, &str)] = match app.view() {
                View::Detail { .. } => &[
                    ("Esc", "back"),
                    ("Tab", "pane"),
                    ("y", "yaml/detail"),
                    ("j/k", "scroll"),
                    ("c/C", "copy name/kubectl"),
                    ("?", "help"),
                ],
                View::Findings => &[
                    ("Enter", "detail"),
                    ("o", "group"),
                    ("e", "severity"),
                    ("a", "area"),
                    ("/", "filter"),
                    ("s/S", "sort"),
                    ("?", "help"),
                ],
                // The views whose rows have a pod behind them (`l`).
                View::Tenants | View::Fleets | View::Pods { .. } => &[
                    ("Enter", "drill in"),
                    ("l", "logs"),
                    ("Esc", "back"),
                    (":", "command"),
                    ("/", "filter"),
                    ("s/S", "sort"),
                    ("y", "yaml"),
                    ("?", "help"),
                    ("q", "quit"),
                ],
                _ => &[
                    ("Enter", "drill in"),
                    ("Esc", "back"),
                    (":", "command"),
                    ("/", "filter"),
                    ("s/S", "sort"),
                    ("y", "yaml"),
                    ("?", "help"),
                    ("q", "quit"),
                ],
            };
            let mut spans = vec![Span::raw(" ")];
            for (k, h) in hints {
                spans.push(Span::styled(format!("<{k}>"), theme.key));
                spans.push(Span::styled(format!(" {h}  "), theme.dim));
            }
            Line::from(spans)
        }
    };
    frame.render_widget(Paragraph::new(line), area);
}

/// A table state's rows for tests and benches.
pub fn table_of(app: &App) -> &TableState {
    &app.top().table
}
