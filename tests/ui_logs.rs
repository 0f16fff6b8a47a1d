//! The log pane (`l`): opening on a pod and a fleet, follow polling that
//! appends, `/` search, the forbidden path with its reason, a snapshot
//! source without logs, and the whole read against the simulator.

mod common;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use egscope::audit::Profile;
use egscope::ui::action::Action;
use egscope::ui::app::{App, View, update};
use egscope::ui::run::{TuiOptions, initial_app};
use egscope::ui::status::SourceStatus;
use egscope::ui::theme::Theme;
use egscope::ui::views;
use egscope::ui::vm::logs::{LogFailure, LogReply, LogTarget};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn app_on(store: egscope::store::Store, live: bool, size: (u16, u16)) -> App {
    let mut app = initial_app(&TuiOptions {
        store: Arc::new(store),
        status: SourceStatus::demo(),
        profile: Profile::Production,
        theme: Theme::default(),
        now: Some(egscope::demo::demo_now()),
        tour: false,
        session: None,
    });
    // A live session reads logs; the tests answer the requests themselves.
    app.logs_live = live;
    update(&mut app, Action::Resize(size.0, size.1));
    app
}

fn showcase(live: bool, size: (u16, u16)) -> App {
    app_on(egscope::demo::showcase_store().unwrap(), live, size)
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

/// The Pods view of the first fleet with pods, the first pod selected.
fn on_pods(app: &mut App) {
    let fleet = app
        .data
        .as_ref()
        .unwrap()
        .model
        .fleets
        .iter()
        .find(|f| !f.pods.is_empty())
        .unwrap()
        .key
        .clone();
    app.goto(View::Pods { fleet });
}

/// What the simulator answers for `t` after `elapsed`: the same log the
/// live path reads.
fn sim_log(app: &App, t: &LogTarget, elapsed: Duration) -> Vec<String> {
    let store = &app.data.as_ref().unwrap().store;
    let pod = store
        .of(egscope::store::Kind::Pod)
        .iter()
        .find(|p| p.name == t.pod)
        .unwrap();
    egscope::sim::logs::pod_log(
        &serde_json::to_value(&pod.raw).unwrap(),
        t.container.as_deref(),
        t.previous,
        Some(t.tail_lines as usize),
        elapsed,
    )
    .unwrap()
    .lines()
    .map(String::from)
    .collect()
}

/// Answers the read the UI asked for, as the session would.
fn answer(app: &mut App, elapsed: Duration) -> LogTarget {
    let t = app.log_request.take().expect("the pane asked for a read");
    let lines = sim_log(app, &t, elapsed);
    update(
        app,
        Action::Logs(LogReply {
            target: t.clone(),
            result: Ok(lines),
        }),
    );
    t
}

fn tick(app: &mut App) {
    update(app, Action::Tick(egscope::demo::demo_now()));
}

#[test]
fn l_on_a_pod_opens_its_envoy_log() {
    for size in [(120, 40), (80, 24)] {
        let mut app = showcase(true, size);
        on_pods(&mut app);
        key(&mut app, KeyCode::Char('l'));
        let t = answer(&mut app, Duration::ZERO);
        assert_eq!(t.container.as_deref(), Some("envoy"));
        assert!(t.tail_lines > 0, "a bounded tail");
        let text = screen(&app);
        assert!(text.contains("Logs ‹"), "{text}");
        // The hostile user-agent shows as escapes, never as a sequence.
        assert!(text.contains("\\x1b]52;c;"), "{text}");
        insta::assert_snapshot!(format!("log_pane_{}x{}", size.0, size.1), text);
    }
}

#[test]
fn l_on_a_fleet_reads_its_first_pod() {
    let mut app = showcase(true, (120, 40));
    update(&mut app, Action::Command("fleet".into()));
    key(&mut app, KeyCode::Char('l'));
    let t = app.log_request.clone().expect("a read");
    let fleet = app
        .data
        .as_ref()
        .unwrap()
        .model
        .fleets
        .iter()
        .find(|f| f.pods.iter().any(|p| p.name == t.pod))
        .expect("the pod is a fleet's");
    assert_eq!(t.namespace, fleet.pods[0].namespace.clone().unwrap());
    // Esc closes the pane and the view underneath is where it was.
    key(&mut app, KeyCode::Esc);
    assert!(app.logs.is_none());
    assert!(matches!(app.view(), View::Fleets));
}

#[test]
fn following_appends_new_lines_only() {
    // 80x24: the log is taller than the pane, so scrolling up means something.
    let mut app = showcase(true, (80, 24));
    on_pods(&mut app);
    key(&mut app, KeyCode::Char('l'));
    answer(&mut app, Duration::ZERO);
    let before = app.logs.as_ref().unwrap().lines.len();
    tick(&mut app);
    assert!(app.log_request.is_none(), "one tick is not yet a poll");
    tick(&mut app);
    // Ten simulated seconds later the proxy wrote five more lines.
    answer(&mut app, Duration::from_secs(10));
    let p = app.logs.as_ref().unwrap();
    assert_eq!(p.lines.len(), before + 5, "no line repeated");
    assert!(p.follow);
    let text = screen(&app);
    assert!(
        text.contains("09:59:24.000Z"),
        "the newest line is on screen: {text}"
    );
    // Scrolling up pauses: no more polls.
    key(&mut app, KeyCode::Char('g'));
    assert!(!app.logs.as_ref().unwrap().follow);
    for _ in 0..4 {
        tick(&mut app);
    }
    assert!(app.log_request.is_none());
    assert!(screen(&app).contains("paused"));
    // `f` follows again at once.
    key(&mut app, KeyCode::Char('f'));
    assert!(app.log_request.is_some());
}

#[test]
fn search_highlights_and_walks_the_matches() {
    let mut app = showcase(true, (120, 40));
    on_pods(&mut app);
    key(&mut app, KeyCode::Char('l'));
    answer(&mut app, Duration::ZERO);
    key(&mut app, KeyCode::Char('g'));
    typed(&mut app, "/\"response_code\":503");
    let p = app.logs.as_ref().unwrap();
    let hits = p.matches();
    assert_eq!(hits.len(), 5, "every fourth of 20 access lines");
    assert_eq!(p.hit, Some(hits[0]));
    assert!(screen(&app).contains("5 matching"), "{}", screen(&app));
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(app.logs.as_ref().unwrap().hit, Some(hits[1]));
    key(&mut app, KeyCode::Char('N'));
    key(&mut app, KeyCode::Char('N'));
    assert_eq!(
        app.logs.as_ref().unwrap().hit,
        Some(hits[4]),
        "wraps backwards"
    );
    // The current match's line is drawn in the selection style, the
    // matched text in the highlight role.
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::render(&app, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let hl = app.theme.highlight;
    let highlighted = buf
        .content()
        .iter()
        .filter(|c| hl.fg.is_none_or(|fg| c.fg == fg) && hl.bg.is_none_or(|bg| c.bg == bg))
        .filter(|c| c.symbol() != " " && c.symbol() != "│")
        .count();
    assert!(
        highlighted >= "\"response_code\":503".len(),
        "{highlighted}"
    );
    typed(&mut app, "/zzz-nothing");
    assert!(screen(&app).contains("no match"));
    key(&mut app, KeyCode::Esc);
    assert!(app.logs.as_ref().unwrap().search.is_empty());
}

#[test]
fn forbidden_logs_say_why_and_stop_polling() {
    let mut app = showcase(true, (120, 40));
    on_pods(&mut app);
    key(&mut app, KeyCode::Char('l'));
    let t = app.log_request.take().unwrap();
    update(
        &mut app,
        Action::Logs(LogReply {
            target: t,
            result: Err(LogFailure::Forbidden(
                "pods \"x\" is forbidden: cannot get resource \"pods/log\"".into(),
            )),
        }),
    );
    let text = screen(&app);
    assert!(text.contains("forbidden"), "{text}");
    assert!(text.contains("egscope-log-reader"), "{text}");
    for _ in 0..4 {
        tick(&mut app);
    }
    assert!(app.log_request.is_none(), "asking again changes nothing");
}

#[test]
fn a_snapshot_has_no_logs_and_says_so() {
    let mut app = showcase(false, (120, 40));
    on_pods(&mut app);
    key(&mut app, KeyCode::Char('l'));
    assert!(app.log_request.is_none());
    assert!(screen(&app).contains("pod logs need a live cluster"));
    // A row without a pod: a hint, no pane.
    let mut app = showcase(true, (120, 40));
    update(&mut app, Action::Command("gc".into()));
    key(&mut app, KeyCode::Char('l'));
    assert!(app.logs.is_none());
    assert!(screen(&app).contains("select a pod"));
}

/// The live path: the pane's reads go through `source::logs` to the
/// simulator, the log grows as the simulated clock moves, and without the
/// optional role the pane says which one to bind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_pane_reads_the_simulator_and_follows_it() {
    use egscope::sim::SimOptions;
    let (sim, _kc, target) =
        common::start(egscope::sim::Scenario::Showcase, SimOptions::default()).await;
    let conn = egscope::source::live::connect(&target).await.unwrap();
    let client = conn.client.clone();
    let live = egscope::source::live::Live::start(conn, None).await;
    assert!(live.wait_synced(Duration::from_secs(20)).await.is_empty());
    let mut reads = Vec::new();
    let mut app = app_on(live.store(), true, (120, 40));
    on_pods(&mut app);
    key(&mut app, KeyCode::Char('l'));
    let read = app.log_request.take().unwrap();
    assert_eq!(
        read.tail_lines,
        egscope::ui::vm::logs::TAIL_LINES,
        "a bounded tail"
    );
    reads.push(read.clone());
    let reply = egscope::session::logs::read(&client, read).await;
    update(&mut app, Action::Logs(reply));
    let first = app.logs.as_ref().unwrap().lines.len();
    assert!(first > 20, "{first}");
    assert!(
        app.logs
            .as_ref()
            .unwrap()
            .lines
            .iter()
            .all(|l| !l.contains('\u{1b}'))
    );
    sim.advance(Duration::from_secs(20));
    tick(&mut app);
    tick(&mut app);
    let read = app.log_request.take().expect("follow polls");
    let reply = egscope::session::logs::read(&client, read).await;
    update(&mut app, Action::Logs(reply));
    assert_eq!(app.logs.as_ref().unwrap().lines.len(), first + 10);
    assert!(sim.requests().iter().all(|r| r.method == "GET"));
    assert!(
        sim.requests()
            .iter()
            .any(|r| r.path.contains(&format!("/pods/{}/log", reads[0].pod))),
        "pods/log was read"
    );
    drop(live);
    sim.shutdown().await;

    // The shipped least-privilege role: forbidden, with the reason.
    let rbac_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/rbac.yaml")).unwrap();
    let rbac = egscope::sim::faults::Rbac::from_yaml(&rbac_text).unwrap();
    let (sim, _kc, target) = common::start(
        egscope::sim::Scenario::Showcase,
        SimOptions {
            rbac: Some(rbac),
            ..SimOptions::default()
        },
    )
    .await;
    let conn = egscope::source::live::connect(&target).await.unwrap();
    let (ns, pod) = sim.proxy_pods()[0].clone();
    let reply = egscope::session::logs::read(
        &conn.client,
        LogTarget {
            namespace: ns,
            pod,
            container: Some("envoy".into()),
            previous: false,
            tail_lines: 500,
        },
    )
    .await;
    match reply.result {
        Err(LogFailure::Forbidden(why)) => assert!(why.contains("egscope-log-reader"), "{why}"),
        other => panic!("{other:?}"),
    }
    sim.shutdown().await;
}
