//! The UI state and `update`, the only place it changes (The Elm
//! Architecture). Views read the state; they never change it.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEventKind};
use ratatui::layout::Rect;

use crate::audit::Profile;
use crate::audit::{Area, AuditOptions, Severity};
use crate::store::{Kind, ObjectRef};

use super::action::{Action, Effect};
use super::commands;
use super::data::Data;
use super::keys::{self, Cmd, Scope};
use super::status::SourceStatus;
use super::theme::Theme;
use super::tour::Tour;
use super::views::{self, detail::DetailState};
use super::widgets::table::{RowKey, TableState};

/// A view and its scope (what Enter drilled into).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum View {
    Overview,
    Tenants,
    Classes {
        controller: Option<String>,
    },
    Gateways {
        class: Option<String>,
    },
    Listeners {
        class: Option<String>,
        gateway: Option<(String, String)>,
    },
    Routes {
        kind: Option<Kind>,
        gateway: Option<(String, String)>,
        listener: Option<String>,
    },
    Policies {
        kind: Option<Kind>,
    },
    Fleets,
    Pods {
        fleet: String,
    },
    Findings,
    /// The change feed (`:changes`): what the watchers saw change.
    Changes,
    Detail {
        obj: ObjectRef,
        finding: Option<usize>,
    },
}

/// The header's tabs, keys 1-9.
pub const TABS: [(&str, View); 9] = [
    ("Overview", View::Overview),
    ("Tenants", View::Tenants),
    ("Classes", View::Classes { controller: None }),
    ("Gateways", View::Gateways { class: None }),
    (
        "Listeners",
        View::Listeners {
            class: None,
            gateway: None,
        },
    ),
    (
        "Routes",
        View::Routes {
            kind: None,
            gateway: None,
            listener: None,
        },
    ),
    ("Policies", View::Policies { kind: None }),
    ("Fleets", View::Fleets),
    ("Findings", View::Findings),
];

impl View {
    /// The tab a view belongs to (sub-views light up their parent tab).
    pub fn tab(&self) -> usize {
        match self {
            View::Overview => 0,
            View::Tenants => 1,
            View::Classes { .. } => 2,
            View::Gateways { .. } => 3,
            View::Listeners { .. } => 4,
            View::Routes { .. } => 5,
            View::Policies { .. } => 6,
            View::Fleets | View::Pods { .. } => 7,
            View::Findings => 8,
            View::Changes | View::Detail { .. } => usize::MAX,
        }
    }

    /// The breadcrumb label.
    pub fn label(&self) -> String {
        let kind = |k: &Option<Kind>| k.map(|k| format!(" {}", k.name())).unwrap_or_default();
        match self {
            View::Overview => "Overview".into(),
            View::Tenants => "Tenants".into(),
            View::Classes { controller: None } => "GatewayClasses".into(),
            View::Classes {
                controller: Some(c),
            } => format!("GatewayClasses ‹{c}›"),
            View::Gateways { class: None } => "Gateways".into(),
            View::Gateways { class: Some(c) } => format!("Gateways ‹class {c}›"),
            View::Listeners {
                gateway: Some((ns, n)),
                ..
            } => format!("Listeners ‹{ns}/{n}›"),
            View::Listeners { class: Some(c), .. } => format!("Listeners ‹class {c}›"),
            View::Listeners { .. } => "Listeners".into(),
            View::Routes {
                kind: k,
                gateway: Some((ns, n)),
                listener,
            } => match listener {
                Some(l) => format!("Routes{} ‹{ns}/{n}:{l}›", kind(k)),
                None => format!("Routes{} ‹{ns}/{n}›", kind(k)),
            },
            View::Routes { kind: k, .. } => format!("Routes{}", kind(k)),
            View::Policies { kind: k } => format!("Policies{}", kind(k)),
            View::Fleets => "Fleets".into(),
            View::Pods { fleet } => format!("Pods ‹fleet {fleet}›"),
            View::Findings => "Findings".into(),
            View::Changes => "Changes".into(),
            View::Detail { obj, .. } => obj.display_path(),
        }
    }
}

/// One step of the breadcrumb trail, with the table state of its view.
#[derive(Debug, Clone)]
pub struct Crumb {
    pub view: View,
    pub table: TableState,
    pub detail: Option<DetailState>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// `:` with what is typed so far and the completions last offered.
    Command {
        input: String,
        completions: Vec<String>,
    },
    /// `/` typing a filter (applied live).
    Filter,
    Help {
        scroll: usize,
    },
}

/// Findings view settings (keys `o`, `e`, `a`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingsOpts {
    pub by_object: bool,
    /// Show only this severity or worse.
    pub min_severity: Option<Severity>,
    pub area: Option<Area>,
    /// Live sources: when this session first saw each finding (its SINCE).
    pub since: Arc<SinceMap>,
}

/// A finding's identity across audits: rule, object, listener, field.
pub type FindingKey = (&'static str, String, Option<String>, Option<String>);
pub type SinceMap = std::collections::HashMap<FindingKey, jiff::Timestamp>;

pub fn finding_key(f: &crate::audit::Finding) -> FindingKey {
    (
        f.rule,
        f.object.without_version().display_path(),
        f.listener.clone(),
        f.path.clone(),
    )
}

/// Keeps the first-seen time of every finding still present; one that
/// went away and came back is new again. Only live sources have a since:
/// a snapshot's findings were all "seen" when it was opened.
fn note_findings(app: &mut App) {
    let Some(data) = &app.data else {
        return;
    };
    let Some(live) = &data.store.live else {
        return;
    };
    if !app.live_clock {
        // The demo's UI clock follows the session clock it was pinned to.
        app.now = app.now.max(live.observed_at);
    }
    let at = live.observed_at;
    let old = &app.findings.since;
    let next: SinceMap = data
        .audit
        .findings
        .iter()
        .map(|f| {
            let k = finding_key(f);
            let t = old.get(&k).copied().unwrap_or(at);
            (k, t)
        })
        .collect();
    if *old.as_ref() != next {
        app.findings.since = Arc::new(next);
    }
}

pub struct App {
    pub data: Option<Arc<Data>>,
    pub audit_opts: AuditOptions,
    pub status: SourceStatus,
    pub profile: Profile,
    pub theme: Theme,
    pub stack: Vec<Crumb>,
    pub mode: Mode,
    pub namespace: Option<String>,
    pub findings: FindingsOpts,
    pub tour: Option<Tour>,
    pub flash: Option<String>,
    /// A `:ctx NAME` the loop hands to the live source (the only request
    /// that goes out of the UI; it reads another cluster, never writes).
    pub switch_context: Option<String>,
    pub size: (u16, u16),
    pub now: jiff::Timestamp,
    /// Whether ticks move `now` (false for the demo's fixed clock).
    pub live_clock: bool,
}

impl App {
    pub fn new(status: SourceStatus, profile: Profile, theme: Theme, now: jiff::Timestamp) -> App {
        App {
            data: None,
            audit_opts: AuditOptions {
                profile,
                ..AuditOptions::default()
            },
            status,
            profile,
            theme,
            stack: vec![Crumb {
                view: View::Overview,
                table: TableState::default(),
                detail: None,
            }],
            mode: Mode::Normal,
            namespace: None,
            findings: FindingsOpts::default(),
            tour: None,
            flash: None,
            switch_context: None,
            size: (120, 40),
            now,
            live_clock: true,
        }
    }

    pub fn top(&self) -> &Crumb {
        self.stack.last().expect("the stack is never empty")
    }

    fn top_mut(&mut self) -> &mut Crumb {
        self.stack.last_mut().expect("the stack is never empty")
    }

    pub fn view(&self) -> &View {
        &self.top().view
    }

    /// Builds a crumb for `view` from the current data.
    fn crumb(&self, view: View) -> Crumb {
        let mut c = Crumb {
            view,
            table: TableState::default(),
            detail: None,
        };
        self.fill(&mut c);
        c
    }

    /// (Re)computes a crumb's rows or detail content.
    fn fill(&self, c: &mut Crumb) {
        let Some(data) = &self.data else {
            return;
        };
        if let View::Detail { obj, finding } = &c.view {
            let prev = c.detail.take();
            let mut d = views::detail::build(data, obj, *finding, self.now);
            if let Some(p) = prev {
                d.yaml_only = p.yaml_only;
                d.focus_side = p.focus_side;
                if d.highlight.is_none() {
                    d.scroll = p.scroll;
                }
            }
            c.detail = Some(d);
            return;
        }
        let (columns, rows) = views::rows(data, &c.view, &self.findings, self.now);
        if c.table.columns != columns {
            c.table = TableState::new(columns, Vec::new());
        }
        c.table.set_rows(rows, self.namespace.as_deref());
    }

    /// Refills the views on the trail whose rows show live traffic.
    fn refill_traffic_views(&mut self) {
        let mut stack = std::mem::take(&mut self.stack);
        for c in &mut stack {
            if matches!(c.view, View::Fleets | View::Pods { .. }) {
                self.fill(c);
            }
        }
        self.stack = stack;
    }

    fn refill_all(&mut self) {
        let mut stack = std::mem::take(&mut self.stack);
        for c in &mut stack {
            self.fill(c);
        }
        self.stack = stack;
        self.scroll();
    }

    /// Replaces the trail with one view (tabs and commands).
    pub fn goto(&mut self, view: View) {
        self.stack = vec![self.crumb(view)];
        self.mode = Mode::Normal;
        self.scroll();
    }

    /// Enter: pushes a view onto the trail.
    pub fn push(&mut self, view: View) {
        let c = self.crumb(view);
        self.stack.push(c);
        self.scroll();
    }

    /// Keys of the fleets whose traffic is on screen: the live feed scrapes
    /// their pods first.
    pub fn watched_fleets(&self) -> Vec<String> {
        let Some(data) = &self.data else {
            return Vec::new();
        };
        let fleets = &data.model.fleets;
        let top = self.top();
        match &top.view {
            View::Overview => fleets
                .iter()
                .take(views::overview::fleets_shown(self))
                .map(|f| f.key.clone())
                .collect(),
            View::Fleets => {
                let t = &top.table;
                t.visible
                    .iter()
                    .skip(t.offset)
                    .take(self.page_height())
                    .filter_map(|&i| match t.rows.get(i).map(|r| &r.key) {
                        Some(RowKey::Fleet(f)) => fleets.get(*f).map(|f| f.key.clone()),
                        _ => None,
                    })
                    .collect()
            }
            View::Pods { fleet } => vec![fleet.clone()],
            _ => Vec::new(),
        }
    }

    /// Rows the table of the current view shows on screen.
    pub fn page_height(&self) -> usize {
        let area = views::table_rect(self, body_rect(self.size));
        area.height.saturating_sub(1) as usize
    }

    fn scroll(&mut self) {
        let h = self.page_height();
        let detail_h = views::detail::yaml_height(body_rect(self.size));
        let c = self.top_mut();
        c.table.scroll_into_view(h);
        if let Some(d) = &mut c.detail {
            d.clamp(detail_h);
        }
    }

    fn set_flash(&mut self, msg: impl Into<String>) {
        self.flash = Some(msg.into());
    }

    /// The object a table row stands for.
    pub fn row_object(&self, key: &RowKey) -> Option<ObjectRef> {
        let data = self.data.as_ref()?;
        views::row_object(data, key)
    }

    fn selected_object(&self) -> Option<ObjectRef> {
        let c = self.top();
        if let Some(d) = &c.detail {
            if d.focus_side
                && let Some(r) = d.side.selected_row()
                && let RowKey::Object(o) = &r.key
            {
                return Some(o.clone());
            }
            if let View::Detail { obj, .. } = &c.view {
                return Some(obj.clone());
            }
        }
        let row = c.table.selected_row()?;
        self.row_object(&row.key)
    }

    /// The key scopes in force, most specific first.
    fn scopes(&self) -> Vec<Scope> {
        let mut s = Vec::new();
        if self.tour.is_some() {
            s.push(Scope::Tour);
        }
        match self.view() {
            View::Findings => s.push(Scope::Findings),
            View::Detail { .. } => s.push(Scope::Detail),
            _ => {}
        }
        s.push(Scope::Global);
        s
    }
}

/// The part of the screen between the header lines and the bottom lines.
pub fn body_rect(size: (u16, u16)) -> Rect {
    let (w, h) = size;
    Rect::new(0, 2, w, h.saturating_sub(4))
}

/// Applies one action to the state. Returns what the loop must do.
pub fn update(app: &mut App, action: Action) -> Effect {
    match action {
        Action::Quit => Effect::Quit,
        Action::Resize(w, h) => {
            app.size = (w, h);
            app.scroll();
            Effect::Render
        }
        Action::Tick(now) => {
            if app.live_clock {
                app.now = now;
                // Ages and freshness move: worth one frame a second.
                Effect::Render
            } else {
                Effect::None
            }
        }
        Action::StoreUpdated(store) => {
            let metrics = app.data.as_ref().and_then(|d| d.metrics.clone());
            app.data = Some(Arc::new(Data::build(store, &app.audit_opts, metrics)));
            note_findings(app);
            app.refill_all();
            if let Some(t) = app.tour.clone() {
                t.apply(app);
            }
            Effect::Render
        }
        Action::DataUpdated(data) => {
            // A scrape that changed no finding shares the model and audit:
            // only the views that show traffic need new rows.
            let only_metrics = app.data.as_ref().is_some_and(|old| {
                Arc::ptr_eq(&old.audit, &data.audit) && Arc::ptr_eq(&old.model, &data.model)
            });
            app.data = Some(data);
            note_findings(app);
            if only_metrics {
                app.refill_traffic_views();
            } else {
                app.refill_all();
            }
            if let Some(t) = app.tour.clone() {
                t.apply(app);
            }
            Effect::Render
        }
        Action::MetricsUpdated(m) => {
            if let Some(data) = &app.data {
                let data = data.with_metrics(&app.audit_opts, m);
                app.data = Some(Arc::new(data));
                app.refill_all();
            }
            Effect::Render
        }
        Action::Flash(msg) => {
            app.flash = Some(msg);
            Effect::Render
        }
        Action::SourceStatus(s) => {
            if s == app.status {
                return Effect::None;
            }
            app.status = s;
            Effect::Render
        }
        Action::Command(cmd) => commands::run(app, &cmd),
        Action::Key(key) => on_key(app, key),
        Action::Mouse(m) => on_mouse(app, m),
    }
}

fn on_key(app: &mut App, key: KeyEvent) -> Effect {
    if key.kind == crossterm::event::KeyEventKind::Release {
        return Effect::None;
    }
    let had_flash = app.flash.take().is_some();
    let effect = match app.mode.clone() {
        Mode::Command { input, .. } => on_command_key(app, input, key),
        Mode::Filter => on_filter_key(app, key),
        Mode::Help { scroll } => on_help_key(app, scroll, key),
        Mode::Normal => match keys::lookup(&key, &app.scopes()) {
            Some(cmd) => on_cmd(app, cmd),
            None => Effect::None,
        },
    };
    if had_flash && effect == Effect::None {
        Effect::Render
    } else {
        effect
    }
}

fn on_help_key(app: &mut App, scroll: usize, key: KeyEvent) -> Effect {
    match key.code {
        KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('?') | KeyCode::Enter => {
            app.mode = Mode::Normal
        }
        KeyCode::Down | KeyCode::Char('j') => app.mode = Mode::Help { scroll: scroll + 1 },
        KeyCode::Up | KeyCode::Char('k') => {
            app.mode = Mode::Help {
                scroll: scroll.saturating_sub(1),
            }
        }
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            return Effect::Quit;
        }
        _ => return Effect::None,
    }
    Effect::Render
}

fn on_command_key(app: &mut App, mut input: String, key: KeyEvent) -> Effect {
    match key.code {
        KeyCode::Esc => app.mode = Mode::Normal,
        KeyCode::Enter => {
            app.mode = Mode::Normal;
            return commands::run(app, &input).merge(Effect::Render);
        }
        KeyCode::Tab => {
            let (completed, completions) = commands::complete(app, &input);
            app.mode = Mode::Command {
                input: completed,
                completions,
            };
        }
        KeyCode::Backspace => {
            if input.pop().is_none() {
                app.mode = Mode::Normal;
            } else {
                app.mode = Mode::Command {
                    input,
                    completions: Vec::new(),
                };
            }
        }
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            return Effect::Quit;
        }
        KeyCode::Char(c) => {
            input.push(c);
            app.mode = Mode::Command {
                input,
                completions: Vec::new(),
            };
        }
        _ => return Effect::None,
    }
    Effect::Render
}

fn on_filter_key(app: &mut App, key: KeyEvent) -> Effect {
    let ns = app.namespace.clone();
    let h = app.page_height();
    let t = &mut app.top_mut().table;
    match key.code {
        KeyCode::Esc => {
            t.filter.clear();
            app.mode = Mode::Normal;
        }
        KeyCode::Enter => app.mode = Mode::Normal,
        KeyCode::Backspace => {
            if t.filter.pop().is_none() {
                app.mode = Mode::Normal;
            }
        }
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            return Effect::Quit;
        }
        KeyCode::Char(c) => t.filter.push(c),
        _ => return Effect::None,
    }
    let t = &mut app.top_mut().table;
    t.selected = 0;
    t.offset = 0;
    t.refresh(ns.as_deref());
    t.scroll_into_view(h);
    Effect::Render
}

/// Runs a key-table command in normal mode.
pub fn on_cmd(app: &mut App, cmd: Cmd) -> Effect {
    let page = app.page_height().max(1) as isize;
    let ns = app.namespace.clone();
    match cmd {
        Cmd::Quit => return Effect::Quit,
        Cmd::Help => app.mode = Mode::Help { scroll: 0 },
        Cmd::CommandMode => {
            app.mode = Mode::Command {
                input: String::new(),
                completions: Vec::new(),
            }
        }
        Cmd::FilterMode => {
            if matches!(app.view(), View::Detail { .. }) {
                return Effect::None;
            }
            app.mode = Mode::Filter;
        }
        Cmd::Up => move_sel(app, -1),
        Cmd::Down => move_sel(app, 1),
        Cmd::PageUp => move_sel(app, -page),
        Cmd::PageDown => move_sel(app, page),
        Cmd::Top => move_sel(app, isize::MIN / 2),
        Cmd::Bottom => move_sel(app, isize::MAX / 2),
        Cmd::Enter => return enter(app),
        Cmd::Back => return back(app),
        Cmd::Tab(n) => {
            let i = (n as usize).saturating_sub(1);
            if let Some((_, v)) = TABS.get(i) {
                app.goto(v.clone());
            }
        }
        Cmd::NextTab | Cmd::PrevTab => {
            let cur = app.stack[0].view.tab();
            let cur = if cur == usize::MAX { 0 } else { cur };
            let next = if cmd == Cmd::NextTab {
                (cur + 1) % TABS.len()
            } else {
                (cur + TABS.len() - 1) % TABS.len()
            };
            app.goto(TABS[next].1.clone());
        }
        Cmd::SortNext => app.top_mut().table.sort_next(ns.as_deref()),
        Cmd::SortReverse => app.top_mut().table.sort_reverse(ns.as_deref()),
        Cmd::ToggleYaml => {
            if let Some(d) = &mut app.top_mut().detail {
                d.yaml_only = !d.yaml_only;
            } else if let Some(obj) = app.selected_object() {
                let finding = app
                    .top()
                    .table
                    .selected_row()
                    .and_then(|r| views::row_finding(app.data.as_ref()?, &r.key));
                app.push(View::Detail { obj, finding });
                if let Some(d) = &mut app.top_mut().detail {
                    d.yaml_only = true;
                }
            } else {
                return Effect::None;
            }
        }
        Cmd::Copy | Cmd::CopyKubectl => {
            let Some(obj) = app.selected_object() else {
                return Effect::None;
            };
            let text = if cmd == Cmd::Copy {
                commands::copy_name(&obj)
            } else {
                commands::copy_kubectl(&obj)
            };
            app.set_flash(format!("copied {text}"));
            app.scroll();
            return Effect::Copy(text);
        }
        Cmd::RowNamespace => {
            let ns = app
                .selected_object()
                .and_then(|o| o.namespace)
                .or_else(|| app.top().table.selected_row().and_then(|r| r.ns.clone()));
            match ns {
                Some(ns) => set_namespace(app, Some(ns)),
                None => app.set_flash("the selected row has no namespace"),
            }
        }
        Cmd::AllNamespaces => set_namespace(app, None),
        Cmd::GroupToggle => {
            app.findings.by_object = !app.findings.by_object;
            app.refill_all();
        }
        Cmd::SeverityCycle => {
            app.findings.min_severity = match app.findings.min_severity {
                None => Some(Severity::Warning),
                Some(Severity::Warning) => Some(Severity::Error),
                _ => None,
            };
            app.refill_all();
        }
        Cmd::AreaCycle => {
            use Area::*;
            const ORDER: [Area; 6] = [Input, Tenancy, Performance, Observability, Operations, Live];
            app.findings.area = match app.findings.area {
                None => Some(ORDER[0]),
                Some(a) => ORDER
                    .iter()
                    .position(|x| *x == a)
                    .and_then(|i| ORDER.get(i + 1).copied()),
            };
            app.refill_all();
        }
        Cmd::FocusPane => {
            if let Some(d) = &mut app.top_mut().detail {
                d.focus_side = !d.focus_side;
            }
        }
        Cmd::TourNext => {
            if let Some(mut t) = app.tour.take() {
                if t.advance() {
                    t.apply(app);
                    app.tour = Some(t);
                } else {
                    app.set_flash("tour finished: keep exploring (? for keys)");
                }
            }
        }
    }
    app.scroll();
    Effect::Render
}

pub fn set_namespace(app: &mut App, ns: Option<String>) {
    app.flash = Some(match &ns {
        Some(n) => format!("namespace {n}"),
        None => "all namespaces".to_string(),
    });
    app.namespace = ns;
    let ns = app.namespace.clone();
    for c in &mut app.stack {
        c.table.refresh(ns.as_deref());
    }
    app.scroll();
}

fn move_sel(app: &mut App, delta: isize) {
    let body = body_rect(app.size);
    let c = app.top_mut();
    if let Some(d) = &mut c.detail {
        if d.focus_side {
            d.side.move_by(delta);
            d.side.scroll_into_view(views::detail::side_height(body));
        } else {
            d.scroll = (d.scroll as isize + delta).max(0) as usize;
        }
        return;
    }
    c.table.move_by(delta);
}

fn enter(app: &mut App) -> Effect {
    let c = app.top();
    if let Some(d) = &c.detail {
        // Enter on the side list: a finding highlights its field, an
        // object opens its own detail.
        let Some(row) = d.side.selected_row().filter(|_| d.focus_side) else {
            return Effect::None;
        };
        let next = match &row.key {
            RowKey::Finding(i) => {
                let obj = match &c.view {
                    View::Detail { obj, .. } => obj.clone(),
                    _ => return Effect::None,
                };
                let i = *i;
                let top = app.top_mut();
                top.view = View::Detail {
                    obj,
                    finding: Some(i),
                };
                let mut crumb = top.clone();
                if let Some(d) = crumb.detail.as_mut() {
                    d.focus_side = false;
                }
                app.fill(&mut crumb);
                *app.top_mut() = crumb;
                app.scroll();
                return Effect::Render;
            }
            RowKey::Object(o) => View::Detail {
                obj: o.clone(),
                finding: None,
            },
            _ => return Effect::None,
        };
        app.push(next);
        return Effect::Render;
    }
    let Some(row) = c.table.selected_row() else {
        return Effect::None;
    };
    let Some(data) = app.data.clone() else {
        return Effect::None;
    };
    match views::drill(&data, &c.view, &row.key) {
        Some(next) => {
            app.push(next);
            Effect::Render
        }
        None => Effect::None,
    }
}

fn back(app: &mut App) -> Effect {
    if app.tour.take().is_some() {
        app.set_flash("tour left: keep exploring (? for keys)");
        return Effect::Render;
    }
    let ns = app.namespace.clone();
    let c = app.top_mut();
    if !c.table.filter.is_empty() {
        c.table.filter.clear();
        c.table.refresh(ns.as_deref());
        app.scroll();
        return Effect::Render;
    }
    if app.stack.len() > 1 {
        app.stack.pop();
        app.scroll();
        return Effect::Render;
    }
    Effect::None
}

fn on_mouse(app: &mut App, m: crossterm::event::MouseEvent) -> Effect {
    match m.kind {
        MouseEventKind::ScrollDown => on_cmd(app, Cmd::Down),
        MouseEventKind::ScrollUp => on_cmd(app, Cmd::Up),
        MouseEventKind::Down(MouseButton::Left) => {
            if m.row == 0 {
                // The tab header: find the tab under the cursor.
                if let Some(i) = views::tab_at(m.column) {
                    app.goto(TABS[i].1.clone());
                    return Effect::Render;
                }
                return Effect::None;
            }
            if app.top().detail.is_some() || app.mode != Mode::Normal {
                return Effect::None;
            }
            let area = views::table_rect(app, body_rect(app.size));
            if m.row > area.y && m.row < area.y + area.height && m.column >= area.x {
                let line = (m.row - area.y - 1) as usize;
                let t = &mut app.top_mut().table;
                let target = t.offset + line;
                if target < t.visible.len() {
                    t.selected = target;
                    return Effect::Render;
                }
            }
            Effect::None
        }
        _ => Effect::None,
    }
}

#[cfg(test)]
mod tests;
