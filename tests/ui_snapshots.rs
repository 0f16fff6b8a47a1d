//! Snapshots of every TUI view on the showcase cluster with the demo's
//! fixed clock, at 120x40 and 80x24 (ratatui TestBackend + insta).
//! Review changes with `cargo insta review`; they are reviewed like code.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use egscope::audit::Profile;
use egscope::store::{Kind, KindState};
use egscope::ui::action::Action;
use egscope::ui::app::{App, View, update};
use egscope::ui::run::{TuiOptions, initial_app};
use egscope::ui::status::SourceStatus;
use egscope::ui::theme::Theme;
use egscope::ui::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

fn opts(tour: bool) -> TuiOptions {
    let store = egscope::demo::showcase_store().expect("showcase loads");
    TuiOptions {
        store: Arc::new(store),
        status: SourceStatus::demo(),
        profile: Profile::Production,
        theme: Theme::default(),
        now: Some(egscope::demo::demo_now()),
        tour,
        session: None,
    }
}

fn app_at(size: (u16, u16), tour: bool) -> App {
    let mut app = initial_app(&opts(tour));
    update(&mut app, Action::Resize(size.0, size.1));
    app
}

fn key(app: &mut App, code: KeyCode) {
    update(app, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn screen(app: &App) -> String {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::render(app, f)).unwrap();
    format!("{}", t.backend())
}

/// Snapshots `setup` at both sizes as `{name}_{w}x{h}`.
fn snap(name: &str, tour: bool, setup: impl Fn(&mut App)) {
    for size in SIZES {
        let mut app = app_at(size, tour);
        setup(&mut app);
        let text = screen(&app);
        insta::assert_snapshot!(format!("{name}_{}x{}", size.0, size.1), text);
    }
}

fn cmd(c: &str) -> impl Fn(&mut App) + '_ {
    move |app| {
        update(app, Action::Command(c.to_string()));
    }
}

#[test]
fn overview() {
    snap("overview", false, |_| {});
}

#[test]
fn tenants() {
    snap("tenants", false, cmd("tenants"));
}

#[test]
fn classes() {
    snap("classes", false, cmd("gc"));
}

#[test]
fn gateways() {
    snap("gateways", false, cmd("gw"));
}

#[test]
fn listeners() {
    snap("listeners", false, cmd("listeners"));
}

#[test]
fn routes() {
    snap("routes", false, cmd("routes"));
}

#[test]
fn policies() {
    snap("policies", false, cmd("policies"));
}

#[test]
fn fleets() {
    snap("fleets", false, cmd("fleet"));
}

#[test]
fn pods_of_the_platform_fleet() {
    snap("pods", false, |app| {
        update(app, Action::Command("fleet".into()));
        typed(app, "p");
        assert!(matches!(app.view(), View::Pods { .. }));
    });
}

#[test]
fn findings_by_rule_and_by_object() {
    snap("findings", false, cmd("findings"));
    snap("findings_by_object_errors", false, |app| {
        update(app, Action::Command("findings".into()));
        typed(app, "o");
        typed(app, "ee");
    });
}

#[test]
fn detail_highlights_the_finding_field() {
    // Gateways → filter catalog → listeners → y on the conflicting listener:
    // spec.listeners[0] of shop/catalog is highlighted.
    snap("detail_listener_conflict", false, |app| {
        update(app, Action::Command("gw".into()));
        typed(app, "/catalog");
        key(app, KeyCode::Enter);
        key(app, KeyCode::Enter);
        typed(app, "y");
        key(app, KeyCode::Char('y'));
        assert!(matches!(
            app.view(),
            View::Detail {
                finding: Some(_),
                ..
            }
        ));
    });
}

#[test]
fn detail_of_an_absent_field_marks_the_parent() {
    snap("detail_not_set", false, |app| {
        update(app, Action::Command("findings".into()));
        typed(app, "/requestReceivedTimeout");
        key(app, KeyCode::Enter);
        key(app, KeyCode::Enter);
        let d = app.top().detail.as_ref().expect("detail");
        // EG201 is a ClientTrafficPolicy field: the Detail opens the policy
        // at it, or says which policy should carry it when none applies.
        let on_policy = d.title.contains("ClientTrafficPolicy") && d.highlight.is_some();
        let says_which = d
            .note
            .as_deref()
            .is_some_and(|n| n.starts_with("no ClientTrafficPolicy applies: set spec.timeout"));
        assert!(on_policy || says_which, "{} {:?}", d.title, d.note);
    });
}

#[test]
fn help_page() {
    snap("help", false, |app| typed(app, "?"));
}

#[test]
fn command_line_with_completion() {
    snap("command_completion", false, |app| {
        typed(app, ":g");
        key(app, KeyCode::Tab);
    });
}

#[test]
fn filter_prompt() {
    snap("filter_prompt", false, |app| {
        update(app, Action::Command("routes".into()));
        typed(app, "/^(pay|ledger)");
    });
}

#[test]
fn forbidden_kind_shows_a_placeholder() {
    for size in SIZES {
        let mut o = opts(false);
        let mut store = (*o.store).clone();
        store.set_state(Kind::Gateway, KindState::Forbidden(String::new()));
        o.store = Arc::new(store);
        let mut app = initial_app(&o);
        update(&mut app, Action::Resize(size.0, size.1));
        update(&mut app, Action::Command("gw".into()));
        let text = screen(&app);
        insta::assert_snapshot!(format!("forbidden_{}x{}", size.0, size.1), text);
        assert!(
            text.contains("Gateways: forbidden by RBAC (list gateways.gateway.networking.k8s.io)"),
            "{text}"
        );
    }
}

#[test]
fn tour_stops() {
    for stop in 0..egscope::ui::tour::STOPS {
        snap(&format!("tour_{}", stop + 1), true, |app| {
            for _ in 0..stop {
                key(app, KeyCode::Char(' '));
            }
        });
    }
}

/// Per-route traffic as the scraper sums it for `payments/pay` during its
/// burst: the whole burst on one rule of `pay-api`.
fn pay_burst() -> egscope::metrics::MetricsSnapshot {
    use egscope::metrics::{ClusterPoint, MetricsSnapshot};
    let point = |rps: f64, fivexx: f64, p99: f64, fails: f64| ClusterPoint {
        at: 60.0,
        rps,
        responses: rps * 2.0,
        responses_2xx: rps * 2.0 - fivexx,
        responses_5xx: fivexx,
        p50_ms: Some(p99 / 4.0),
        p99_ms: Some(p99),
        active: 3.0,
        connect_fail: fails,
        ..ClusterPoint::default()
    };
    let mut m = MetricsSnapshot::default();
    m.routes.insert(
        "payments/pay".into(),
        Arc::new(vec![
            (
                "httproute/payments/pay-api/rule/0".into(),
                point(120.0, 60.0, 240.0, 20.0),
            ),
            (
                "httproute/payments/pay-webhooks/rule/0".into(),
                point(80.0, 0.0, 30.0, 0.0),
            ),
        ]),
    );
    m
}

#[test]
fn routes_with_traffic_per_route_and_rule() {
    let mut app = app_at((120, 40), false);
    update(&mut app, Action::MetricsUpdated(Arc::new(pay_burst())));
    update(&mut app, Action::Command("routes".into()));
    insta::assert_snapshot!("routes_traffic_120x40", screen(&app));
    typed(&mut app, "/pay-api");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    assert!(matches!(app.view(), View::Detail { .. }));
    insta::assert_snapshot!("detail_route_traffic_120x40", screen(&app));
}

/// The OOMKilled proxy pod: its Detail lists its Events as `kubectl
/// describe` does (Warning BackOff, Unhealthy with repeat counts) and its
/// conditions with how long they have held.
#[test]
fn detail_of_the_oom_killed_pod_lists_its_events() {
    snap("detail_oom_pod", false, |app| {
        update(app, Action::Command("fleet".into()));
        typed(app, "p");
        typed(app, "/rnvz7");
        key(app, KeyCode::Enter);
        key(app, KeyCode::Enter);
        let d = app.top().detail.as_ref().expect("detail");
        let side: Vec<String> = d.side.rows.iter().map(|r| r.cells.join(" ")).collect();
        assert!(
            side.iter()
                .any(|r| r.starts_with("event Warning BackOff") && r.contains("(x3 over 33m)")),
            "{side:#?}"
        );
        assert!(
            side.iter()
                .any(|r| r.contains("Ready=False (ContainersNotReady) 3m")),
            "{side:#?}"
        );
    });
}

/// A snapshot has no change feed, and says so instead of an empty table.
#[test]
fn changes_of_a_snapshot_say_there_is_no_feed() {
    for size in SIZES {
        let mut app = app_at(size, false);
        update(&mut app, Action::Command("changes".into()));
        assert_eq!(app.view(), &View::Changes);
        assert!(screen(&app).contains("only a live source has a change feed"));
    }
}
