//! Keys and commands of the TUI as pure `update` + view tests on the
//! showcase (issue 12 item 12): the `:ctx` picker over fake contexts (the
//! real switch is the live session's), `:hr web`, and `/` inside the YAML.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use egscope::audit::Profile;
use egscope::store::Kind;
use egscope::ui::action::Action;
use egscope::ui::app::{App, Mode, View, update};
use egscope::ui::run::{TuiOptions, initial_app};
use egscope::ui::status::SourceStatus;
use egscope::ui::theme::Theme;
use egscope::ui::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

fn app() -> App {
    let store = egscope::demo::showcase_store().expect("showcase loads");
    let mut app = initial_app(&TuiOptions {
        store: Arc::new(store),
        status: SourceStatus::demo(),
        profile: Profile::Production,
        theme: Theme::default(),
        now: Some(egscope::demo::demo_now()),
        tour: false,
        session: None,
    });
    update(&mut app, Action::Resize(120, 40));
    app
}

/// The showcase as if read from a kubeconfig with four contexts, on
/// `prod-eu`.
fn with_contexts() -> App {
    let mut a = app();
    a.status.source = "context prod-eu".into();
    a.status.can_switch_context = true;
    a.status.contexts = ["dev-eu", "prod-eu", "prod-us", "staging"]
        .map(String::from)
        .to_vec();
    a
}

fn key(app: &mut App, code: KeyCode) {
    update(app, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn draw(app: &App) -> Buffer {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::render(app, f)).unwrap();
    t.backend().buffer().clone()
}

fn line(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol().to_string())
        .collect()
}

fn text(buf: &Buffer) -> String {
    (0..buf.area.height)
        .map(|y| line(buf, y))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn ctx_picker_opens_on_the_current_context_filters_and_switches() {
    let mut a = with_contexts();
    typed(&mut a, ":ctx");
    key(&mut a, KeyCode::Enter);
    match &a.mode {
        Mode::Pick {
            items,
            filter,
            selected,
        } => {
            assert_eq!(items.len(), 4);
            assert!(filter.is_empty());
            assert_eq!(items[*selected], "prod-eu", "opens on the current one");
        }
        m => panic!("no picker: {m:?}"),
    }
    let screen = text(&draw(&a));
    assert!(screen.contains("kube context"), "{screen}");
    for c in ["dev-eu", "prod-eu", "prod-us", "staging"] {
        assert!(screen.contains(c), "{c} not listed:\n{screen}");
    }
    // Letters filter (they do not move the selection: `k` is no key here).
    typed(&mut a, "pro");
    let screen = text(&draw(&a));
    assert!(screen.contains("/pro"), "{screen}");
    assert!(screen.contains("2 of 4"), "{screen}");
    assert!(!screen.contains("dev-eu") && !screen.contains("staging"));
    key(&mut a, KeyCode::Down);
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.mode, Mode::Normal);
    assert_eq!(a.switch_context.as_deref(), Some("prod-us"));
    assert!(
        a.flash
            .as_deref()
            .unwrap()
            .contains("switching to context prod-us")
    );
}

#[test]
fn ctx_picker_esc_leaves_and_a_filter_without_match_switches_nothing() {
    let mut a = with_contexts();
    update(&mut a, Action::Command("ctx".into()));
    assert!(matches!(a.mode, Mode::Pick { .. }));
    typed(&mut a, "st");
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.mode, Mode::Normal);
    assert_eq!(a.switch_context, None, "Esc switches nothing");
    assert_eq!(a.view(), &View::Overview, "and keys typed went nowhere");

    update(&mut a, Action::Command("ctx".into()));
    typed(&mut a, "zzz");
    assert!(text(&draw(&a)).contains("no context matches"));
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.switch_context, None);
    assert!(
        a.flash
            .as_deref()
            .unwrap()
            .contains("no context matches zzz")
    );
    // Backspace widens again.
    update(&mut a, Action::Command("ctx".into()));
    typed(&mut a, "stx");
    key(&mut a, KeyCode::Backspace);
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.switch_context.as_deref(), Some("staging"));
}

#[test]
fn hr_with_an_argument_filters_the_httproutes() {
    let mut a = app();
    update(&mut a, Action::Command("hr".into()));
    let all = a.top().table.visible.len();
    update(&mut a, Action::Command("hr web".into()));
    assert_eq!(
        a.view(),
        &View::Routes {
            kind: Some(Kind::HttpRoute),
            gateway: None,
            listener: None
        }
    );
    let t = &a.top().table;
    assert_eq!(t.filter, "web");
    assert!(
        !t.visible.is_empty() && t.visible.len() < all,
        "{} of {all}",
        t.visible.len()
    );
    for &i in &t.visible {
        let r = &t.rows[i];
        assert!(
            r.cells.iter().any(|c| c.to_lowercase().contains("web")),
            "{:?}",
            r.cells
        );
        assert_eq!(r.cells[1], "HTTPRoute");
    }
    // The breadcrumb line shows the filter in force.
    assert!(line(&draw(&a), 1).contains("/web"));
}

/// The YAML of Gateway/shop/catalog, opened with `y` from the Gateways.
fn catalog_yaml() -> App {
    let mut a = app();
    update(&mut a, Action::Command("gw".into()));
    typed(&mut a, "/catalog");
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "y");
    assert!(
        matches!(a.view(), View::Detail { obj, .. } if obj.name == "catalog"),
        "{:?}",
        a.view()
    );
    a
}

/// The screen row that shows YAML line `i` of the Detail pane.
fn row_of(buf: &Buffer, needle: &str) -> u16 {
    (0..buf.area.height)
        .find(|&y| line(buf, y).contains(needle))
        .unwrap_or_else(|| panic!("{needle} not on screen:\n{}", text(buf)))
}

#[test]
fn slash_in_the_yaml_searches_highlights_and_n_and_shift_n_move() {
    let mut a = catalog_yaml();
    typed(&mut a, "/hostname");
    assert_eq!(a.mode, Mode::Search);
    let d = a.top().detail.as_ref().unwrap();
    let first = d.search_hit.expect("a match");
    assert!(
        d.lines[first].key.contains("hostname"),
        "{:?}",
        d.lines[first]
    );
    // The match is drawn in the selection role, its neighbours are not.
    let buf = draw(&a);
    let theme = Theme::default();
    let y = row_of(&buf, "hostname: www.example.com");
    let x = line(&buf, y).find("hostname").unwrap() as u16;
    let x = line(&buf, y)[..x as usize].chars().count() as u16;
    assert_eq!(
        buf[(x, y)].bg,
        theme.selection.bg.unwrap(),
        "match highlighted"
    );
    assert_ne!(buf[(x, y + 1)].bg, theme.selection.bg.unwrap());
    assert!(line(&buf, 38).contains("line"), "{}", line(&buf, 38));
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.mode, Mode::Normal);
    // `n`: the next match (not the row's namespace, as it once did).
    typed(&mut a, "n");
    assert_eq!(a.namespace, None, "n moved the namespace");
    let d = a.top().detail.as_ref().unwrap();
    let second = d.search_hit.unwrap();
    assert!(second > first, "{first} → {second}");
    assert!(d.lines[second].value.contains("catalog.example.com"));
    // `N`: back to the first.
    typed(&mut a, "N");
    assert_eq!(a.top().detail.as_ref().unwrap().search_hit, Some(first));
    // And `N` again wraps to the last match.
    let d = a.top().detail.as_ref().unwrap();
    let last = (0..d.lines.len())
        .rev()
        .find(|&i| {
            let l = &d.lines[i];
            l.key.to_lowercase().contains("hostname") || l.value.to_lowercase().contains("hostname")
        })
        .unwrap();
    assert!(last >= second);
    typed(&mut a, "N");
    assert_eq!(a.top().detail.as_ref().unwrap().search_hit, Some(last));
}

#[test]
fn slash_in_the_yaml_without_a_match_says_so_and_keys_stay_text() {
    let mut a = catalog_yaml();
    let view = a.view().clone();
    typed(&mut a, "/nq:zz");
    assert_eq!(a.mode, Mode::Search);
    assert_eq!(a.view(), &view, "q and : were typed, not run");
    assert_eq!(a.namespace, None);
    let d = a.top().detail.as_ref().unwrap();
    assert_eq!(d.search, "nq:zz");
    assert_eq!(d.search_hit, None);
    assert!(line(&draw(&a), 38).contains("no match"));
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.mode, Mode::Normal);
    assert!(a.top().detail.as_ref().unwrap().search.is_empty());
}
