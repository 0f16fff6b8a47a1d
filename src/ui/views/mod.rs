//! The views. Each is a pure function of the state; this module draws the
//! frame around them (tabs, breadcrumb, prompt, status line) and knows, for
//! every view, its rows, what Enter drills into and where its table sits.

pub mod classes;
pub mod detail;
pub mod findings;
pub mod fleets;
pub mod gateways;
pub mod help;
pub mod listeners;
pub mod overview;
pub mod policies;
pub mod routes;
pub mod tenants;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::store::{Kind, KindState, ObjectRef};

use super::app::{App, FindingsOpts, Mode, TABS, View, body_rect};
use super::data::Data;
use super::theme::Theme;
use super::widgets::table::{self, Row, RowKey, TableState};
use super::widgets::{breadcrumb, caption, safe, status_line};

/// The state a view reads.
pub type ViewState = App;

/// Columns and rows of a table view.
pub fn rows(
    data: &Data,
    view: &View,
    fo: &FindingsOpts,
    now: jiff::Timestamp,
) -> (Vec<&'static str>, Vec<Row>) {
    let (mut columns, mut rows) = view_rows(data, view, fo, now);
    if !matches!(view, View::Findings | View::Changes | View::Detail { .. }) {
        add_time_columns(data, &mut columns, &mut rows, now);
    }
    (columns, rows)
}

/// The change feed, newest first: when, what object, its generation
/// after the change, and what changed.
fn changes_rows(data: &Data, now: jiff::Timestamp) -> (Vec<&'static str>, Vec<Row>) {
    const COLUMNS: [&str; 5] = ["AGE", "KIND", "NAMESPACE/NAME", "GEN", "WHAT"];
    let Some(live) = &data.store.live else {
        return (COLUMNS.to_vec(), Vec::new());
    };
    let rows = live
        .changes
        .iter()
        .rev()
        .map(|c| {
            let secs = crate::clock::secs_between(c.at, now);
            Row::new(
                vec![
                    crate::clock::short(secs),
                    c.object.kind.clone(),
                    ns_name(c.object.namespace.as_deref(), &c.object.name),
                    c.generation
                        .map(|g| g.to_string())
                        .unwrap_or_else(|| "-".into()),
                    c.describe(),
                ],
                RowKey::Object(c.object.clone()),
                c.object.namespace.clone(),
                data.mark(&c.object),
            )
            .sort_by(0, secs as f64)
        })
        .collect();
    (COLUMNS.to_vec(), rows)
}

/// The object a row shows, found through the model's indices (a lookup by
/// name would cost a scan of the store per row).
fn row_obj<'a>(data: &'a Data, key: &RowKey) -> Option<&'a std::sync::Arc<crate::store::Object>> {
    let m = &data.model;
    match key {
        RowKey::Controller(i) => Some(&m.controllers.get(*i)?.deployment),
        RowKey::Class(i) => Some(&m.classes.get(*i)?.obj),
        RowKey::Gateway(i) => Some(&m.gateways.get(*i)?.obj),
        RowKey::Listener(g, l) => Some(&m.gateways.get(*g)?.listeners.get(*l)?.declared_by),
        RowKey::Route(i) => Some(&m.routes.get(*i)?.obj),
        RowKey::Policy(i) => Some(&m.policies.get(*i)?.obj),
        RowKey::Fleet(i) => m.fleets.get(*i)?.workload(),
        RowKey::Pod(f, p) => m.fleets.get(*f)?.pods.get(*p),
        RowKey::Object(r) => {
            let kind = Kind::ALL.into_iter().find(|k| k.name() == r.kind)?;
            data.store
                .of(kind)
                .iter()
                .find(|o| o.name == r.name && o.namespace == r.namespace)
        }
        _ => None,
    }
}

/// Every table gets WARN (Warning events of the row's object, repeats
/// counted; for a fleet, of its workload, HPA and pods) and AGE (sorted by
/// seconds, not by its text), unless the view has its own AGE.
fn add_time_columns(
    data: &Data,
    columns: &mut Vec<&'static str>,
    rows: &mut [Row],
    now: jiff::Timestamp,
) {
    let has_age = columns.contains(&"AGE");
    let warn_col = columns.len();
    columns.push("WARN");
    if !has_age {
        columns.push("AGE");
    }
    let with_events = !data.events.is_empty();
    for row in rows.iter_mut() {
        let obj = row_obj(data, &row.key);
        let warnings = match (&row.key, with_events) {
            (_, false) => 0,
            (RowKey::Fleet(i), true) => data.model.fleets.get(*i).map_or(0, |f| {
                [&f.deployment, &f.daemonset, &f.hpa]
                    .into_iter()
                    .flatten()
                    .chain(f.pods.iter())
                    .map(|o| data.warnings(o))
                    .sum()
            }),
            (_, true) => obj.map_or(0, |o| data.warnings(o)),
        };
        row.cells.push(if warnings > 0 {
            warnings.to_string()
        } else {
            String::new()
        });
        set_sort_key(row, warn_col, warnings as f64);
        if !has_age {
            let ts = obj.and_then(|o| o.creation_timestamp.as_deref());
            row.cells.push(age(ts, now));
            if let Some(secs) = age_secs(ts, now) {
                set_sort_key(row, warn_col + 1, secs as f64);
            }
        }
    }
}

fn set_sort_key(row: &mut Row, col: usize, key: f64) {
    if row.sort_keys.len() <= col {
        row.sort_keys.resize(col + 1, None);
    }
    row.sort_keys[col] = Some(key);
}

fn view_rows(
    data: &Data,
    view: &View,
    fo: &FindingsOpts,
    now: jiff::Timestamp,
) -> (Vec<&'static str>, Vec<Row>) {
    match view {
        View::Overview => overview::rows(data),
        View::Tenants => tenants::rows(data),
        View::Classes { controller } => classes::rows(data, controller.as_deref(), now),
        View::Gateways { class } => gateways::rows(data, class.as_deref(), now),
        View::Listeners { class, gateway } => {
            listeners::rows(data, class.as_deref(), gateway.as_ref())
        }
        View::Routes {
            kind,
            gateway,
            listener,
        } => routes::rows(data, *kind, gateway.as_ref(), listener.as_deref()),
        View::Policies { kind } => policies::rows(data, *kind),
        View::Fleets => fleets::rows(data),
        View::Pods { fleet } => fleets::pod_rows(data, fleet, now),
        View::Findings => findings::rows(data, fo, now),
        View::Changes => changes_rows(data, now),
        View::Detail { .. } => (Vec::new(), Vec::new()),
    }
}

/// What Enter on a row opens.
pub fn drill(data: &Data, view: &View, key: &RowKey) -> Option<View> {
    let m = &data.model;
    let detail = |obj: ObjectRef| {
        Some(View::Detail {
            finding: row_finding(data, key),
            obj: obj.without_version(),
        })
    };
    match key {
        RowKey::Controller(i) => Some(View::Classes {
            controller: Some(m.controllers.get(*i)?.config.controller_name.clone()),
        }),
        RowKey::Class(i) => Some(View::Gateways {
            class: Some(m.classes.get(*i)?.obj.name.clone()),
        }),
        RowKey::Gateway(i) => {
            let g = m.gateways.get(*i)?;
            Some(View::Listeners {
                class: None,
                gateway: Some((g.obj.namespace_or_empty().into(), g.obj.name.clone())),
            })
        }
        RowKey::Listener(g, l) => {
            let g = m.gateways.get(*g)?;
            Some(View::Routes {
                kind: None,
                gateway: Some((g.obj.namespace_or_empty().into(), g.obj.name.clone())),
                listener: Some(g.listeners.get(*l)?.name.clone()),
            })
        }
        RowKey::Fleet(i) => Some(View::Pods {
            fleet: m.fleets.get(*i)?.key.clone(),
        }),
        RowKey::Finding(i) => {
            let f = data.audit.findings.get(*i)?;
            Some(View::Detail {
                obj: f.object.without_version(),
                finding: Some(*i),
            })
        }
        RowKey::None => None,
        other => {
            let _ = view;
            detail(row_object(data, other)?)
        }
    }
}

/// The finding a row's detail highlights first: the listener's own for a
/// listener row, else the object's worst unsuppressed one.
pub fn row_finding(data: &Data, key: &RowKey) -> Option<usize> {
    if let RowKey::Finding(i) = key {
        return Some(*i);
    }
    let obj = row_object(data, key)?;
    let listener = match key {
        RowKey::Listener(g, l) => {
            Some(data.model.gateways.get(*g)?.listeners.get(*l)?.name.clone())
        }
        _ => None,
    };
    data.findings_of(&obj)
        .filter(|(_, f)| listener.is_none() || f.listener == listener)
        .filter(|(_, f)| f.suppressed.is_none())
        .min_by_key(|(i, f)| (f.severity, *i))
        .map(|(i, _)| i)
}

/// The object a row stands for (`y`, `c`, `n`).
pub fn row_object(data: &Data, key: &RowKey) -> Option<ObjectRef> {
    let m = &data.model;
    Some(
        match key {
            RowKey::Controller(i) => m.controllers.get(*i)?.deployment.obj_ref(),
            RowKey::Class(i) => m.classes.get(*i)?.obj.obj_ref(),
            RowKey::Gateway(i) => m.gateways.get(*i)?.obj.obj_ref(),
            // A ListenerSet's listener opens the ListenerSet that declares it.
            RowKey::Listener(i, l) => m.gateways.get(*i)?.listeners.get(*l)?.declared_by.obj_ref(),
            RowKey::Route(i) => m.routes.get(*i)?.obj.obj_ref(),
            RowKey::Policy(i) => m.policies.get(*i)?.obj.obj_ref(),
            RowKey::Fleet(i) => {
                let f = m.fleets.get(*i)?;
                match f.workload() {
                    Some(w) => w.obj_ref(),
                    None => f.owner.clone(),
                }
            }
            RowKey::Pod(f, p) => m.fleets.get(*f)?.pods.get(*p)?.obj_ref(),
            RowKey::Finding(i) => data.audit.findings.get(*i)?.object.clone(),
            RowKey::Object(o) => o.clone(),
            RowKey::None => return None,
        }
        .without_version(),
    )
}

/// Where the selectable table of the current view sits inside `body`
/// (render and mouse clicks share this).
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

pub fn table_rect(app: &App, body: Rect) -> Rect {
    let inner = Rect::new(
        body.x + 1,
        body.y + 1,
        body.width.saturating_sub(2),
        body.height.saturating_sub(2),
    );
    match app.view() {
        View::Overview => overview::table_rect(app, inner),
        View::Findings | View::Fleets => {
            let h = inner.height.saturating_sub(split_height(inner.height));
            Rect::new(inner.x, inner.y, inner.width, h)
        }
        _ => inner,
    }
}

/// Height of the bottom info pane of split views.
pub fn split_height(h: u16) -> u16 {
    (h * 2 / 5).clamp(4, 14).min(h)
}

/// Tab labels with their x extents on the header line.
fn tab_spans() -> Vec<(u16, u16, String)> {
    let mut x = 1;
    let mut out = Vec::new();
    for (i, (name, _)) in TABS.iter().enumerate() {
        let label = format!(" {}:{} ", i + 1, name);
        let w = label.chars().count() as u16;
        out.push((x, x + w, label));
        x += w + 1;
    }
    out
}

/// The tab under column `x` of the header.
pub fn tab_at(x: u16) -> Option<usize> {
    tab_spans().iter().position(|(a, b, _)| x >= *a && x < *b)
}

/// The kinds whose absence a view explains instead of showing an empty table.
fn view_kinds(view: &View) -> &'static [Kind] {
    match view {
        View::Tenants => &[Kind::Deployment],
        View::Classes { .. } => &[Kind::GatewayClass],
        View::Gateways { .. } | View::Listeners { .. } => &[Kind::Gateway],
        View::Routes { .. } => &[Kind::HttpRoute, Kind::GrpcRoute],
        View::Policies { .. } => &[Kind::ClientTrafficPolicy, Kind::BackendTrafficPolicy],
        View::Fleets | View::Pods { .. } => &[Kind::Deployment, Kind::Pod],
        _ => &[],
    }
}

/// The resource name `kubectl` and RBAC rules use (`gatewayclasses`).
pub fn plural(kind: Kind) -> String {
    let n = kind.name().to_ascii_lowercase();
    if let Some(stem) = n.strip_suffix('y')
        && !stem.ends_with(['a', 'e', 'o', 'u'])
    {
        format!("{stem}ies")
    } else if n.ends_with('s') {
        format!("{n}es")
    } else {
        format!("{n}s")
    }
}

/// "Gateways: forbidden by RBAC (list gateways.gateway.networking.k8s.io)"
/// when the view's kinds could not be read.
pub fn placeholder(data: &Data, view: &View) -> Option<String> {
    if *view == View::Changes && data.store.live.is_none() {
        return Some(
            "Changes: only a live source has a change feed; a snapshot is one moment".into(),
        );
    }
    let kinds = view_kinds(view);
    let mut msgs = Vec::new();
    for k in kinds {
        let (group, _) = k.group_kind();
        let resource = if group.is_empty() {
            plural(*k)
        } else {
            format!("{}.{group}", plural(*k))
        };
        match data.store.state(*k) {
            KindState::Forbidden(why) => {
                let why = if why.is_empty() {
                    String::new()
                } else {
                    format!(": {}", safe::text(&why))
                };
                msgs.push(format!(
                    "{}s: forbidden by RBAC (list {resource}){why}",
                    k.name()
                ))
            }
            KindState::NotInstalled => msgs.push(format!(
                "{}s: not installed in this cluster (no CRD {resource})",
                k.name()
            )),
            KindState::Unavailable(why) => msgs.push(format!(
                "{}s: could not be read (list {resource}): {why}",
                k.name()
            )),
            _ => return None,
        }
    }
    (!msgs.is_empty()).then(|| msgs.join("\n"))
}

/// Seconds since an RFC 3339 timestamp (0 for one in the future): the
/// sort key of an AGE column.
pub fn age_secs(ts: Option<&str>, now: jiff::Timestamp) -> Option<i64> {
    let t = ts?.parse::<jiff::Timestamp>().ok()?;
    Some((now.as_second() - t.as_second()).max(0))
}

/// `3d`, `5h`, `12m`, `40s` since an RFC 3339 timestamp.
pub fn age(ts: Option<&str>, now: jiff::Timestamp) -> String {
    match age_secs(ts, now) {
        Some(s) => crate::clock::short(s),
        None => "-".into(),
    }
}

/// A condition as a short cell: `True`, `False (Reason)`, or `-`.
pub fn cond(conditions: &[crate::codec::value::Value], kind: &str) -> String {
    match crate::model::value::condition(conditions, kind) {
        Some(c) if c.is_true() => "True".into(),
        Some(c) => format!("{} ({})", c.status, c.reason),
        None => "-".into(),
    }
}

/// Like [`cond`], with how long a condition that is not True has held
/// (`False (Invalid) 3m`, from its `lastTransitionTime`): how long the
/// trouble has lasted is the first question in an incident.
pub fn cond_since(
    conditions: &[crate::codec::value::Value],
    kind: &str,
    now: jiff::Timestamp,
) -> String {
    let cell = cond(conditions, kind);
    if cell == "True" || cell == "-" {
        return cell;
    }
    let since = conditions
        .iter()
        .find(|c| c.get("type").and_then(crate::codec::value::Value::as_str) == Some(kind))
        .and_then(|c| c.get("lastTransitionTime"))
        .and_then(crate::codec::value::Value::as_str);
    match age_secs(since, now) {
        Some(s) => format!("{cell} {}", crate::clock::short(s)),
        None => cell,
    }
}

pub fn ns_name(ns: Option<&str>, name: &str) -> String {
    match ns {
        Some(ns) if !ns.is_empty() => format!("{ns}/{name}"),
        _ => name.to_string(),
    }
}

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
                Freshness::Forbidden | Freshness::Unavailable | Freshness::Partial
            ) || (f.name == "objects" && matches!(f.freshness, Freshness::Stale(_)))
        })
        .map(|f| format!("{} {}", f.name, f.freshness.label()))
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
    for (i, (_, _, label)) in tab_spans().into_iter().enumerate() {
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
        app.flash.as_deref(),
        theme,
    );
    if let Some(tour) = &app.tour {
        let (title, text) = tour.caption(app);
        caption::render(
            frame,
            body,
            &title,
            &text,
            "Space: next · Esc: leave the tour",
            theme,
        );
    }
    if let Mode::Help { scroll } = app.mode {
        help::render(frame, body, scroll, theme);
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
    let area = table_rect(app, body);
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
