//! Per-route traffic on screen (issue 13 item 1 on the TUI): the Fleet →
//! Gateway → routes drill, the route Detail's 5xx and p99 history, and the
//! Routes view following each scrape.

use std::collections::VecDeque;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use egscope::audit::Profile;
use egscope::metrics::{ClusterPoint, MetricsSnapshot};
use egscope::ui::action::Action;
use egscope::ui::app::{App, View, update};
use egscope::ui::run::{TuiOptions, initial_app};
use egscope::ui::status::SourceStatus;
use egscope::ui::theme::Theme;

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

fn key(app: &mut App, code: KeyCode) {
    update(app, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typed(app: &mut App, text: &str) {
    for c in text.chars() {
        key(app, KeyCode::Char(c));
    }
}

/// One interval of a route cluster: `rps` responses a second over a 2 s
/// scrape, `fivexx` of them 5xx.
fn point(at: f64, rps: f64, fivexx: f64, p99: f64) -> ClusterPoint {
    ClusterPoint {
        at,
        rps,
        responses: rps * 2.0,
        responses_2xx: rps * 2.0 - fivexx,
        responses_5xx: fivexx,
        p50_ms: Some(p99 / 4.0),
        p99_ms: Some(p99),
        ..ClusterPoint::default()
    }
}

/// The merged `platform` fleet: `web/checkout` healthy, `shop/legacy-search`
/// failing half its requests; and `payments/pay` with `pay-api` at `rps`.
fn scrape(at: f64, pay_rps: f64) -> MetricsSnapshot {
    let mut m = MetricsSnapshot::default();
    m.routes.insert(
        "platform".into(),
        Arc::new(vec![
            (
                "httproute/shop/legacy-search/rule/0".into(),
                point(at, 10.0, 10.0, 900.0),
            ),
            (
                "httproute/web/checkout/rule/0".into(),
                point(at, 50.0, 0.0, 40.0),
            ),
            (
                "httproute/web/checkout/rule/1".into(),
                point(at, 30.0, 3.0, 60.0),
            ),
        ]),
    );
    m.routes.insert(
        "payments/pay".into(),
        Arc::new(vec![(
            "httproute/payments/pay-api/rule/0".into(),
            point(at, pay_rps, 0.0, 30.0),
        )]),
    );
    m
}

fn cell(app: &App, row_starts: &str, col: &str) -> String {
    let t = &app.top().table;
    let c = t
        .columns
        .iter()
        .position(|x| *x == col)
        .unwrap_or_else(|| panic!("no {col} in {:?}", t.columns));
    let r = t
        .rows
        .iter()
        .find(|r| r.cells[0].starts_with(row_starts))
        .unwrap_or_else(|| panic!("no row {row_starts}"));
    r.cells[c].clone()
}

fn first_cells(app: &App) -> Vec<String> {
    let t = &app.top().table;
    t.visible
        .iter()
        .map(|&i| t.rows[i].cells[0].clone())
        .collect()
}

/// Enter on a fleet opens its Gateways, worst 5xx first, with their
/// routes' traffic; Enter on one opens its routes, worst 5xx first; `p`
/// opens the pods; Esc walks back the same way.
#[test]
fn fleet_to_gateway_to_routes_by_5xx_and_back() {
    let mut a = app();
    update(
        &mut a,
        Action::MetricsUpdated(Arc::new(scrape(60.0, 120.0))),
    );
    update(&mut a, Action::Command("fleet".into()));
    typed(&mut a, "/platform");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    assert_eq!(
        a.view(),
        &View::FleetGateways {
            fleet: "platform".into()
        }
    );
    // catalog (legacy-search: 10 of 20 responses are 5xx) before storefront.
    assert_eq!(first_cells(&a), ["shop/catalog", "web/storefront"]);
    assert_eq!(cell(&a, "shop/catalog", "5XX"), "50.0%");
    assert_eq!(cell(&a, "shop/catalog", "RPS"), "10.0");
    // storefront sums checkout's two rules: 80 rps, 3 of 160 are 5xx.
    assert_eq!(cell(&a, "web/storefront", "RPS"), "80.0");
    assert_eq!(cell(&a, "web/storefront", "5XX"), "1.9%");
    assert_eq!(cell(&a, "web/storefront", "P99"), "60ms");
    assert!(
        cell(&a, "shop/catalog", "WORST 5XX ROUTE").starts_with("shop/legacy-search 50.0%"),
        "{}",
        cell(&a, "shop/catalog", "WORST 5XX ROUTE")
    );
    assert_eq!(a.watched_fleets(), ["platform"]);
    // Enter: catalog's routes, the failing one first.
    key(&mut a, KeyCode::Enter);
    assert_eq!(
        a.view(),
        &View::Routes {
            kind: None,
            gateway: Some(("shop".into(), "catalog".into())),
            listener: None
        }
    );
    assert_eq!(first_cells(&a)[0], "shop/legacy-search");
    assert_eq!(cell(&a, "shop/legacy-search", "5XX"), "50.0%");
    assert_eq!(
        a.watched_fleets(),
        ["platform"],
        "its fleet keeps a history"
    );
    // Esc walks back: Gateways of the fleet, then the Fleets.
    key(&mut a, KeyCode::Esc);
    assert!(matches!(a.view(), View::FleetGateways { .. }));
    // The pods are one key away.
    typed(&mut a, "p");
    assert_eq!(
        a.view(),
        &View::Pods {
            fleet: "platform".into()
        }
    );
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.view(), &View::Fleets);
    // From the Fleets, `p` goes straight to the selected fleet's pods.
    typed(&mut a, "p");
    assert!(matches!(a.view(), View::Pods { fleet } if fleet == "platform"));
}

/// The route Detail draws the 5xx share and p99 of each rule over the
/// scrapes the fleet kept.
#[test]
fn route_detail_has_5xx_and_p99_sparklines() {
    let mut a = app();
    let mut m = scrape(60.0, 120.0);
    let cluster: Arc<str> = "httproute/shop/legacy-search/rule/0".into();
    let hist: VecDeque<ClusterPoint> = [0.0, 0.0, 1.0, 5.0, 10.0]
        .iter()
        .enumerate()
        .map(|(i, &f)| point(50.0 + 2.0 * i as f64, 10.0, f, 100.0 * (i + 1) as f64))
        .collect();
    m.route_history
        .insert(("platform".into(), cluster.clone()), hist);
    update(&mut a, Action::MetricsUpdated(Arc::new(m)));
    update(&mut a, Action::Command("routes".into()));
    typed(&mut a, "/legacy-search");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    assert!(matches!(a.view(), View::Detail { obj, .. } if obj.name == "legacy-search"));
    assert_eq!(
        a.watched_fleets(),
        ["platform"],
        "a route's Detail is on screen"
    );
    let d = a.top().detail.as_ref().unwrap();
    let row = |label: &str| {
        d.side
            .rows
            .iter()
            .find(|r| r.cells[0] == label)
            .map(|r| r.cells[1].clone())
            .unwrap_or_else(|| panic!("no {label}"))
    };
    // Shares 0, 0, 5 %, 25 %, 50 %; p99 100..500 ms: both rise to the top bar.
    assert_eq!(row("rule 0 5xx trend").trim_start(), "▁▁▂▅█");
    assert_eq!(row("rule 0 p99 trend").trim_start(), "▂▄▅▇█");
    assert_eq!(row("rule 0 5xx trend").chars().count(), 16, "fixed width");
}

/// The Routes view follows every scrape (a live feed sends scrapes that
/// change no finding as data with the same model and audit), not only
/// object changes; the clock steps between them.
#[test]
fn routes_view_follows_each_scrape() {
    let mut a = app();
    let opts = a.audit_opts.clone();
    let t0 = egscope::demo::demo_now();
    update(&mut a, Action::Command("routes".into()));
    let mut seen = Vec::new();
    for (step, rps) in [(1, 120.0), (2, 30.0), (3, 75.5)] {
        a.live_clock = true;
        update(
            &mut a,
            Action::Tick(t0 + jiff::SignedDuration::from_secs(2 * step)),
        );
        // As the live feed does: the new scrape over the data on screen.
        let now = a.data.clone().unwrap();
        let next = now.with_metrics(&opts, Arc::new(scrape(60.0 + 2.0 * step as f64, rps)));
        if step > 1 {
            assert!(
                now.audit.same(&next.audit),
                "a scrape that changes no finding shares the audit"
            );
        }
        update(&mut a, Action::DataUpdated(Arc::new(next)));
        seen.push(cell(&a, "payments/pay-api", "RPS"));
    }
    assert_eq!(seen, ["120.0", "30.0", "75.5"]);
}
