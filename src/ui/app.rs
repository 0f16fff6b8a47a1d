//! `update`, the only place the UI state changes (The Elm Architecture).
//! It reads the view-model (`vm`) and the layout, never the views; the
//! views read the same state and never change it.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEventKind};

use crate::audit::{Area, Severity};
use crate::store::ObjectRef;

use super::action::{Action, Effect};
use super::commands;
use super::data::Data;
use super::keys::{self, Cmd, Scope};
use super::layout::{self, body_rect};
pub use super::state::{App, Crumb, FindingsOpts, Mode, TABS, View};
use super::vm::{
    self,
    table::{RowKey, TableState},
};

/// The demo's UI clock follows the session clock it was pinned to.
fn follow_session_clock(app: &mut App) {
    if app.live_clock {
        return;
    }
    if let Some(live) = app.data.as_ref().and_then(|d| d.store.live.as_ref()) {
        app.now = app.now.max(live.observed_at);
    }
}

impl App {
    /// Builds a crumb for `view` from the current data.
    fn crumb(&self, view: View) -> Crumb {
        let mut c = Crumb {
            view,
            table: TableState::default(),
            detail: None,
            built_from: None,
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
            let mut d = vm::detail::build(data, obj, finding.clone(), self.now);
            if let Some(p) = prev {
                d.yaml_only = p.yaml_only;
                d.search = p.search;
                d.search_hit = d.find(p.search_hit.unwrap_or(0));
                d.focus_side = p.focus_side;
                if d.highlight.is_none() {
                    d.scroll = p.scroll;
                }
            }
            c.detail = Some(d);
            return;
        }
        c.built_from = vm::inputs_of(data, &c.view, self.now);
        if c.view == View::Overview {
            let (columns, rows) =
                vm::overview::cached_rows(data, self.now, &mut self.overview_rows.borrow_mut());
            if c.table.columns != columns {
                c.table = TableState::new(columns, Vec::new());
            }
            c.table.set_shared_rows(rows, self.namespace.as_deref());
            return;
        }
        let (columns, rows) = vm::rows(
            data,
            &c.view,
            &self.findings,
            self.now,
            self.status.metrics_stale(),
        );
        if c.table.columns != columns {
            c.table = TableState::new(columns, Vec::new());
        }
        c.table.set_rows(rows, self.namespace.as_deref());
    }

    /// Refills the views on the trail whose rows show live traffic.
    fn refill_traffic_views(&mut self) {
        let mut stack = std::mem::take(&mut self.stack);
        for c in &mut stack {
            if matches!(
                c.view,
                View::Fleets
                    | View::FleetGateways { .. }
                    | View::Pods { .. }
                    | View::Routes { .. }
                    | View::Detail { .. }
            ) {
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

    /// Refills the views on the trail whose inputs a new snapshot changed
    /// (all of them but those that can tell, [`vm::inputs_of`]). On
    /// `large` the Overview's 30,000 rows would otherwise be rebuilt each
    /// time a pod moves.
    fn refill_changed(&mut self) {
        let Some(data) = self.data.clone() else {
            return;
        };
        let mut stack = std::mem::take(&mut self.stack);
        for c in &mut stack {
            let now = vm::inputs_of(&data, &c.view, self.now);
            if now.is_none() || now != c.built_from {
                self.fill(c);
            }
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
                .take(layout::overview_fleets_shown(self))
                .map(|f| f.key.clone())
                .collect(),
            View::Fleets => {
                let t = &top.table;
                t.visible
                    .iter()
                    .skip(t.offset)
                    .take(self.page_height())
                    .filter_map(|&i| match t.rows.get(i).map(|r| &r.key) {
                        Some(RowKey::Fleet(f)) => Some(f.clone()),
                        _ => None,
                    })
                    .collect()
            }
            View::Pods { fleet } | View::FleetGateways { fleet } => vec![fleet.clone()],
            // A Gateway's routes and a route's Detail show per-route traffic
            // (and its history, kept only for fleets on screen).
            View::Routes {
                gateway: Some((ns, n)),
                ..
            } => vm::routes::fleet_of_gateway(data)
                .get(&(ns.as_str(), n.as_str()))
                .map(|f| vec![f.to_string()])
                .unwrap_or_default(),
            View::Detail { obj, .. } => vm::routes::fleets_of_route(data, obj),
            _ => Vec::new(),
        }
    }

    /// Rows the table of the current view shows on screen.
    pub fn page_height(&self) -> usize {
        layout::page_height(self)
    }

    fn scroll(&mut self) {
        let h = self.page_height();
        let detail_h = layout::yaml_height(body_rect(self.size));
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
        vm::row_object(data, key)
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
            logs::on_tick(app);
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
            let snapshot = crate::session::Snapshot::derive(store, &app.audit_opts, metrics);
            app.data = Some(Arc::new(Data::from_snapshot(snapshot, app.data.as_deref())));
            follow_session_clock(app);
            app.refill_all();
            Effect::Render
        }
        Action::DataUpdated(data) => {
            // A scrape that changed no finding shares the model and audit:
            // only the views that show traffic need new rows.
            let only_metrics = app.data.as_ref().is_some_and(|old| {
                old.audit.same(&data.audit) && Arc::ptr_eq(&old.model, &data.model)
            });
            app.data = Some(data);
            follow_session_clock(app);
            if only_metrics {
                app.refill_traffic_views();
            } else {
                app.refill_changed();
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
        Action::SourceStatus(mut s) => {
            if s.contexts.is_empty() {
                s.contexts = app.status.contexts.clone();
            }
            if s == app.status {
                return Effect::None;
            }
            let restale = s.metrics_stale() != app.status.metrics_stale();
            app.status = s;
            if restale {
                app.refill_traffic_views();
            }
            Effect::Render
        }
        Action::Logs(reply) => logs::on_reply(app, reply),
        Action::Command(cmd) => run_command(app, &cmd),
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
        Mode::Pick {
            items,
            filter,
            selected,
        } => on_pick_key(app, items, filter, selected, key),
        Mode::Search if app.logs.is_some() => logs::on_search_key(app, key),
        Mode::Search => on_search_key(app, key),
        Mode::Normal if app.logs.is_some() => logs::on_key(app, key),
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

/// The `:ctx` picker: typing narrows the list, Up/Down move, Enter
/// switches to the selected context, Esc leaves. Letters filter rather
/// than move (context names are full of j, k and q).
fn on_pick_key(
    app: &mut App,
    items: Vec<String>,
    mut filter: String,
    selected: usize,
    key: KeyEvent,
) -> Effect {
    let shown = super::state::pick_shown(&items, &filter).len();
    let last = shown.saturating_sub(1);
    let mut selected = selected.min(last);
    match key.code {
        KeyCode::Esc => {
            app.mode = Mode::Normal;
            return Effect::Render;
        }
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
            return Effect::Quit;
        }
        KeyCode::Down => selected = (selected + 1).min(last),
        KeyCode::Up => selected = selected.saturating_sub(1),
        KeyCode::Enter => {
            let name = super::state::pick_shown(&items, &filter)
                .get(selected)
                .map(|s| s.to_string());
            app.mode = Mode::Normal;
            return match name {
                Some(name) => run_command(app, &format!("ctx {name}")),
                None => {
                    app.set_flash(format!("no context matches {filter}"));
                    Effect::Render
                }
            };
        }
        KeyCode::Backspace => {
            filter.pop();
            selected = 0;
        }
        KeyCode::Char(c) => {
            filter.push(c);
            selected = 0;
        }
        _ => return Effect::None,
    }
    app.mode = Mode::Pick {
        items,
        filter,
        selected,
    };
    Effect::Render
}

/// `/` in the Detail pane: every key goes to the search text (none runs
/// as a command), and the YAML follows the first match.
fn on_search_key(app: &mut App, key: KeyEvent) -> Effect {
    let h = layout::yaml_height(body_rect(app.size));
    let Some(d) = app.top_mut().detail.as_mut() else {
        app.mode = Mode::Normal;
        return Effect::Render;
    };
    let from = d.search_hit.unwrap_or(d.scroll);
    match edit_search(&mut d.search, &mut d.search_hit, key) {
        SearchEdit::Changed => {}
        SearchEdit::Leave => {
            app.mode = Mode::Normal;
            return Effect::Render;
        }
        SearchEdit::Quit => return Effect::Quit,
        SearchEdit::Ignored => return Effect::None,
    }
    d.search_from(from, h);
    Effect::Render
}

/// What a key did to a search being typed (the YAML pane's and the log
/// pane's `/`, which edit the same way).
pub(super) enum SearchEdit {
    /// The text changed: search again.
    Changed,
    /// Esc (the search cleared), Enter (kept), or Backspace on nothing.
    Leave,
    Quit,
    Ignored,
}

pub(super) fn edit_search(
    search: &mut String,
    hit: &mut Option<usize>,
    key: KeyEvent,
) -> SearchEdit {
    match key.code {
        KeyCode::Esc => {
            search.clear();
            *hit = None;
            SearchEdit::Leave
        }
        KeyCode::Enter => SearchEdit::Leave,
        KeyCode::Backspace if search.pop().is_none() => SearchEdit::Leave,
        KeyCode::Backspace => SearchEdit::Changed,
        KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => SearchEdit::Quit,
        KeyCode::Char(c) => {
            search.push(c);
            SearchEdit::Changed
        }
        _ => SearchEdit::Ignored,
    }
}

fn on_command_key(app: &mut App, mut input: String, key: KeyEvent) -> Effect {
    match key.code {
        KeyCode::Esc => app.mode = Mode::Normal,
        KeyCode::Enter => {
            app.mode = Mode::Normal;
            return run_command(app, &input).merge(Effect::Render);
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
        Cmd::Search => {
            let Some(d) = app.top_mut().detail.as_mut() else {
                return Effect::None;
            };
            d.search.clear();
            d.search_hit = None;
            d.focus_side = false;
            app.mode = Mode::Search;
        }
        Cmd::SearchNext => {
            let h = layout::yaml_height(body_rect(app.size));
            match app.top_mut().detail.as_mut() {
                Some(d) if !d.search.is_empty() => {
                    let from = d.search_hit.map_or(d.scroll, |i| i + 1);
                    d.search_from(from, h);
                }
                _ => return on_cmd(app, Cmd::RowNamespace),
            }
        }
        Cmd::SearchPrev => {
            let h = layout::yaml_height(body_rect(app.size));
            match app.top_mut().detail.as_mut() {
                Some(d) if !d.search.is_empty() => {
                    let from = d.search_hit.unwrap_or(d.scroll);
                    d.search_back(from, h);
                }
                _ => return Effect::None,
            }
        }
        Cmd::Pods => {
            let fleet = match (app.view(), app.top().table.selected_row().map(|r| &r.key)) {
                (View::FleetGateways { fleet }, _) => Some(fleet.clone()),
                (View::Fleets | View::Overview, Some(RowKey::Fleet(f))) => Some(f.clone()),
                _ => None,
            };
            match fleet {
                Some(fleet) => app.push(View::Pods { fleet }),
                None => return Effect::None,
            }
        }
        Cmd::Up => move_sel(app, -1),
        Cmd::Down => move_sel(app, 1),
        Cmd::PageUp => move_sel(app, -page),
        Cmd::PageDown => move_sel(app, page),
        Cmd::Top => move_sel(app, isize::MIN / 2),
        Cmd::Bottom => move_sel(app, isize::MAX / 2),
        Cmd::Enter => return enter(app),
        Cmd::Logs => return logs::open(app),
        // Only the open log pane has these.
        Cmd::LogFollow | Cmd::LogPrevious => return Effect::None,
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
                    .and_then(|r| vm::row_finding(app.data.as_ref()?, &r.key));
                // A policy-based finding opens the policy carrying its field.
                let obj = finding
                    .as_ref()
                    .and_then(|id| {
                        let d = app.data.as_ref()?;
                        Some(vm::finding_target(d, d.finding(id)?))
                    })
                    .unwrap_or(obj);
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
                    app.tour = Some(t);
                    apply_tour_stop(app);
                } else {
                    app.set_flash("tour finished: keep exploring (? for keys)");
                }
            }
        }
    }
    app.scroll();
    Effect::Render
}

/// Carries out a `:` command line (without the colon).
pub fn run_command(app: &mut App, line: &str) -> Effect {
    use commands::Parsed;
    match commands::parse(line) {
        Parsed::Nothing => {}
        Parsed::Quit => return Effect::Quit,
        Parsed::Help => app.mode = Mode::Help { scroll: 0 },
        Parsed::Unknown(word) => app.set_flash(format!(
            "unknown command :{word} (Tab completes, :help lists commands)"
        )),
        Parsed::Namespace(None) => set_namespace(app, None),
        Parsed::Namespace(Some(ns)) => {
            let known = app.data.as_ref().is_none_or(|d| d.namespaces.contains(&ns));
            set_namespace(app, Some(ns.clone()));
            if !known {
                app.set_flash(format!("namespace {ns} (no objects in it)"));
            }
        }
        Parsed::Context(_) if !app.status.can_switch_context => {
            app.set_flash("context switching needs a live source (this is a snapshot/demo)")
        }
        Parsed::Context(Some(name)) => {
            if !app.status.contexts.is_empty() && !app.status.contexts.contains(&name) {
                app.set_flash(format!(
                    "no context {name} in the kubeconfig (:ctx lists them)"
                ));
            } else {
                app.set_flash(format!("switching to context {name}…"));
                app.switch_context = Some(name);
            }
        }
        Parsed::Context(None) => {
            if app.status.contexts.is_empty() {
                app.set_flash("usage: :ctx NAME (the kubeconfig lists no contexts)");
            } else {
                let selected = app
                    .status
                    .contexts
                    .iter()
                    .position(|c| Some(c.as_str()) == app.status.context())
                    .unwrap_or(0);
                app.mode = Mode::Pick {
                    items: app.status.contexts.clone(),
                    filter: String::new(),
                    selected,
                };
            }
        }
        Parsed::Goto(view, filter) => {
            app.goto(*view);
            if let Some(f) = filter {
                let ns = app.namespace.clone();
                let h = app.page_height();
                let t = &mut app.top_mut().table;
                t.filter = f;
                t.refresh(ns.as_deref());
                t.scroll_into_view(h);
            }
        }
    }
    Effect::Render
}

/// Starts the tour at its first stop.
pub fn start_tour(app: &mut App) {
    app.tour = Some(super::tour::Tour::new());
    apply_tour_stop(app);
}

/// Goes to the tour's current stop: its view with the row that matters
/// selected. Only on Space (and at the start): data updates keep
/// whatever the user did at a stop.
fn apply_tour_stop(app: &mut App) {
    let Some(t) = &app.tour else {
        return;
    };
    let (view, key) = t.target(app.data.as_deref());
    let detail = t.detail(app.data.as_deref());
    app.namespace = None;
    app.goto(view);
    if let Some(key) = key {
        let h = app.page_height();
        let t = &mut app.top_mut().table;
        if let Some(pos) = t.visible.iter().position(|&i| t.rows[i].key == key) {
            t.selected = pos;
            t.scroll_into_view(h);
        }
    }
    if let Some(detail) = detail {
        app.push(detail);
    }
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
            d.side.scroll_into_view(layout::side_height(body));
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
                let i = i.clone();
                let target = app
                    .data
                    .as_ref()
                    .and_then(|d| Some(vm::finding_target(d, d.finding(&i)?)));
                if let Some(t) = target.filter(|t| *t != obj) {
                    // Its field lives on a policy: open that one.
                    app.push(View::Detail {
                        obj: t,
                        finding: Some(i),
                    });
                    return Effect::Render;
                }
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
    match vm::drill(&data, &c.view, &row.key) {
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
                if let Some(i) = layout::tab_at(app, m.column) {
                    app.goto(TABS[i].1.clone());
                    return Effect::Render;
                }
                return Effect::None;
            }
            if app.top().detail.is_some() || app.mode != Mode::Normal {
                return Effect::None;
            }
            let area = layout::table_rect(app, body_rect(app.size));
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

mod logs;
#[cfg(test)]
mod tests;
