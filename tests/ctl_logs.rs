//! Controller pods (issue 13, item 7): egscope reads the Envoy Gateway
//! controllers' pods, links them to their tenant and never to a fleet, and
//! `l` on a tenant opens its controller's log, or says why it cannot.

mod common;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use egscope::audit::{self, Profile};
use egscope::model::Model;
use egscope::store::{Kind, KindState, Store};
use egscope::ui::action::Action;
use egscope::ui::app::{App, View, update};
use egscope::ui::run::{TuiOptions, initial_app};
use egscope::ui::status::SourceStatus;
use egscope::ui::theme::Theme;
use egscope::ui::views;
use egscope::ui::vm::logs::{LogFailure, LogReply, LogTarget};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const PLATFORM_POD: &str = "envoy-gateway-q28lpkz78m-x7k2p";
const PAYMENTS_POD: &str = "envoy-gateway-m6524wflcd-b9tq4";

fn showcase() -> Store {
    egscope::demo::showcase_store().unwrap()
}

fn is_controller_pod(p: &egscope::store::Object) -> bool {
    p.kind == Kind::Pod && p.labels.get("control-plane") == Some("envoy-gateway")
}

/// The same store without the controllers' pods: what egscope read before.
fn without_controller_pods(store: &Store) -> Store {
    let mut out = Store::new(store.source.clone());
    for (k, st) in store.states() {
        out.set_state(k, st.clone());
    }
    for o in store.all().filter(|o| !is_controller_pod(o)) {
        out.insert_arc(o.clone());
    }
    out.taken_at = store.taken_at;
    out
}

#[test]
fn each_tenant_knows_its_pods_and_no_fleet_counts_them() {
    let store = showcase();
    let m = Model::build(&store);
    let pods_of = |ns: &str| -> Vec<String> {
        m.controllers
            .iter()
            .find(|c| c.namespace() == ns)
            .unwrap()
            .pods
            .iter()
            .map(|p| p.name.clone())
            .collect()
    };
    assert_eq!(pods_of("eg-platform"), vec![PLATFORM_POD]);
    assert_eq!(pods_of("eg-payments"), vec![PAYMENTS_POD]);
    // A controller's pods are its own: none is a proxy pod.
    for c in &m.controllers {
        assert!(c.pods.iter().all(|p| is_controller_pod(p)), "{:?}", c.pods);
    }
    // No fleet holds a controller pod, and the fleets' pods are what they
    // were before controller pods were read.
    let before = Model::build(&without_controller_pods(&store));
    assert_eq!(before.fleets.len(), m.fleets.len());
    for (a, b) in before.fleets.iter().zip(&m.fleets) {
        assert_eq!(a.key, b.key);
        let names = |f: &egscope::model::Fleet| -> Vec<String> {
            f.pods.iter().map(|p| p.name.clone()).collect()
        };
        assert_eq!(names(a), names(b), "fleet {}", a.key);
        assert!(!b.pods.iter().any(|p| is_controller_pod(p)));
    }
    // Nor does the scraper: its targets are the fleets' pods only.
    let targets = egscope::session::scrape::targets(&m);
    assert!(!targets.is_empty());
    assert!(
        targets
            .iter()
            .all(|t| t.name != PLATFORM_POD && t.name != PAYMENTS_POD)
    );
    assert_eq!(targets, egscope::session::scrape::targets(&before));
    // The state the Tenants view shows: the payments controller restarted.
    let payments = m
        .controllers
        .iter()
        .find(|c| c.namespace() == "eg-payments")
        .unwrap();
    let state = egscope::model::tenancy::PodState::of(&payments.pods[0]);
    assert_eq!((state.ready, state.containers, state.restarts), (1, 1, 1));
    assert_eq!(state.describe(), "1/1 Running ↻1");
}

#[test]
fn the_audit_is_the_same_with_the_controller_pods() {
    let store = showcase();
    assert_eq!(
        store
            .of(Kind::Pod)
            .iter()
            .filter(|p| is_controller_pod(p))
            .count(),
        2,
        "the showcase's controllers have pods"
    );
    let keys = |s: &Store| -> Vec<String> {
        let r = audit::run(s, &common::at_demo_now()).unwrap();
        let mut v: Vec<String> = r
            .findings
            .iter()
            .map(|f| {
                format!(
                    "{} {} {:?} {}",
                    f.rule,
                    f.object.display_path(),
                    f.listener,
                    f.message
                )
            })
            .collect();
        v.sort();
        v
    };
    let with = keys(&store);
    assert_eq!(with, keys(&without_controller_pods(&store)));
    // EG505 judges proxy pods only.
    assert!(
        !with
            .iter()
            .any(|k| k.starts_with("EG505") && k.contains("envoy-gateway-"))
    );
}

#[test]
fn a_selector_without_terms_adopts_no_pod() {
    let yaml = egscope::sim::SHOWCASE_YAML.replacen(
        "  selector:\n    matchLabels:\n      app.kubernetes.io/instance: eg-platform\n      app.kubernetes.io/name: gateway-helm\n      control-plane: envoy-gateway\n",
        "  selector: {}\n",
        1,
    );
    assert_ne!(yaml, egscope::sim::SHOWCASE_YAML);
    let store = egscope::source::snapshot::load_text("showcase.yaml", &yaml).unwrap();
    let m = Model::build(&store);
    let platform = m
        .controllers
        .iter()
        .find(|c| c.namespace() == "eg-platform")
        .unwrap();
    assert!(platform.pods.is_empty(), "{:?}", platform.pods);
}

// ---- the TUI -------------------------------------------------------------

fn app_on(store: Store, live: bool) -> App {
    let mut app = initial_app(&TuiOptions {
        store: Arc::new(store),
        status: SourceStatus::demo(),
        profile: Profile::Production,
        theme: Theme::default(),
        now: Some(egscope::demo::demo_now()),
        tour: false,
        session: None,
    });
    app.logs_live = live;
    update(&mut app, Action::Resize(120, 40));
    app
}

fn key(app: &mut App, code: KeyCode) {
    update(app, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn screen(app: &App) -> String {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::render(app, f)).unwrap();
    format!("{}", t.backend())
}

/// The Tenants view with the row of the controller in `ns` selected.
fn on_tenant(app: &mut App, ns: &str) {
    app.goto(View::Tenants);
    for _ in 0..10 {
        let row = app.top().table.selected_row().unwrap();
        if row.cells[0].starts_with(&format!("{ns}/")) {
            return;
        }
        key(app, KeyCode::Char('j'));
    }
    panic!("no tenant row in {ns}");
}

/// Answers the pane's read from the simulator's log text.
fn answer(app: &mut App) -> LogTarget {
    let t = app.log_request.take().expect("the pane asked for a read");
    let store = &app.data.as_ref().unwrap().store;
    let pod = store
        .of(Kind::Pod)
        .iter()
        .find(|p| p.name == t.pod)
        .unwrap();
    let lines = egscope::sim::logs::pod_log(
        &serde_json::to_value(&pod.raw).unwrap(),
        t.container.as_deref(),
        t.previous,
        Some(t.tail_lines as usize),
        Duration::ZERO,
    )
    .unwrap()
    .lines()
    .map(String::from)
    .collect();
    update(
        app,
        Action::Logs(LogReply {
            target: t.clone(),
            result: Ok(lines),
        }),
    );
    t
}

#[test]
fn l_on_a_tenant_opens_its_controller_log_and_p_its_previous() {
    let mut app = app_on(showcase(), true);
    on_tenant(&mut app, "eg-payments");
    let text = screen(&app);
    let row = text
        .lines()
        .find(|l| l.contains("eg-payments/envoy-gateway"))
        .unwrap();
    assert!(
        row.contains(" 1/1↻ "),
        "the restart is one glance away: {text}"
    );
    assert!(text.contains("<l> logs"), "the footer says l works: {text}");
    key(&mut app, KeyCode::Char('l'));
    let t = answer(&mut app);
    assert_eq!(
        (t.namespace.as_str(), t.pod.as_str(), t.container.as_deref()),
        ("eg-payments", PAYMENTS_POD, Some("envoy-gateway"))
    );
    assert!(!t.previous);
    let text = screen(&app);
    assert!(text.contains("reconciling gateways"), "{text}");
    // Tabs are laid out, the hostile hostname is escaped, never sent.
    assert!(!text.contains("\\x09"), "{text}");
    assert!(text.contains("\\x1b]8;;"), "{text}");
    let pane = app.logs.as_ref().unwrap();
    assert!(pane.lines.iter().all(|l| !l.contains('\u{1b}')));
    // `/` finds the error line.
    for c in "/ERROR".chars() {
        key(&mut app, KeyCode::Char(c));
    }
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.logs.as_ref().unwrap().matches().len(), 1);
    // `p`: the container that ran before the restart.
    key(&mut app, KeyCode::Char('p'));
    let t = answer(&mut app);
    assert!(t.previous);
    assert!(screen(&app).contains("leader election lost"));
}

#[test]
fn the_tenant_detail_lists_its_pods_with_their_state() {
    let mut app = app_on(showcase(), true);
    on_tenant(&mut app, "eg-payments");
    // `y` opens the Detail on its YAML, `y` again adds the side list.
    key(&mut app, KeyCode::Char('y'));
    key(&mut app, KeyCode::Char('y'));
    let text = screen(&app);
    assert!(
        text.contains("pod 1/1 Running ↻1"),
        "the Detail lists the controller's pod: {text}"
    );
    assert!(text.contains("Pod/eg-payments/"), "{text}");
}

#[test]
fn a_tenant_without_a_readable_pod_says_why() {
    // Pods forbidden: the reason, never a silent key.
    let mut store = showcase();
    store.set_state(
        Kind::Pod,
        KindState::Forbidden(
            "pods is forbidden: User \"sre\" cannot list resource \"pods\"".into(),
        ),
    );
    let mut app = app_on(store, true);
    on_tenant(&mut app, "eg-platform");
    let text = screen(&app);
    let row = text
        .lines()
        .find(|l| l.contains("eg-platform/envoy-gateway"))
        .unwrap();
    assert!(row.contains(" ?  "), "an unread pod count is ?: {text}");
    key(&mut app, KeyCode::Char('l'));
    assert!(app.logs.is_none());
    assert!(app.log_request.is_none());
    let flash = app.flash.clone().unwrap();
    assert!(flash.contains("could not be read"), "{flash}");
    assert!(flash.contains("forbidden"), "{flash}");

    // No pod running: which pods there are and in what state.
    let yaml = egscope::sim::SHOWCASE_YAML;
    let at = yaml.find(&format!("name: {PLATFORM_POD}")).unwrap();
    let phase = at + yaml[at..].find("phase: Running").unwrap();
    let pending = format!(
        "{}phase: Pending{}",
        &yaml[..phase],
        &yaml[phase + "phase: Running".len()..]
    );
    let store = egscope::source::snapshot::load_text("showcase.yaml", &pending).unwrap();
    let mut app = app_on(store, true);
    on_tenant(&mut app, "eg-platform");
    key(&mut app, KeyCode::Char('l'));
    assert!(app.logs.is_none());
    let flash = app.flash.clone().unwrap();
    assert!(flash.contains("none of its pods is running"), "{flash}");
    assert!(
        flash.contains(&format!("{PLATFORM_POD} 1/1 Pending")),
        "{flash}"
    );
    assert!(screen(&app).contains("none of its pods is running"));

    // No pod at all in the source.
    let mut app = app_on(without_controller_pods(&showcase()), true);
    on_tenant(&mut app, "eg-platform");
    key(&mut app, KeyCode::Char('l'));
    assert!(app.flash.clone().unwrap().contains("no pod of it"));
}

// ---- against the simulator ---------------------------------------------

/// The live path: controller pods are read under the least-privilege
/// role, the pane reads `pods/log` of the controller's container with GET
/// only, and without the optional role it says which one to bind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn l_on_a_tenant_reads_the_simulator() {
    use egscope::sim::SimOptions;
    let (sim, _kc, target) =
        common::start(egscope::sim::Scenario::Showcase, SimOptions::default()).await;
    let conn = egscope::source::live::connect(&target).await.unwrap();
    let client = conn.client.clone();
    let live = egscope::source::live::Live::start(conn, None).await;
    assert!(live.wait_synced(Duration::from_secs(20)).await.is_empty());
    let mut app = app_on(live.store(), true);
    on_tenant(&mut app, "eg-platform");
    key(&mut app, KeyCode::Char('l'));
    let read = app.log_request.take().expect("a read");
    assert_eq!(read.pod, PLATFORM_POD);
    let reply = egscope::session::logs::read(&client, read.clone()).await;
    update(&mut app, Action::Logs(reply));
    let pane = app.logs.as_ref().unwrap();
    assert!(pane.error.is_none(), "{:?}", pane.error);
    assert!(
        pane.lines
            .iter()
            .any(|l| l.contains("reconciling gateways")),
        "{:?}",
        pane.lines
    );
    assert!(pane.lines.iter().all(|l| !l.contains('\u{1b}')));
    let reqs = sim.requests();
    assert!(reqs.iter().all(|r| r.method == "GET"));
    assert!(
        reqs.iter().any(|r| r
            .path
            .contains(&format!("/namespaces/eg-platform/pods/{PLATFORM_POD}/log"))
            && r.path.contains("container=envoy-gateway")),
        "{:?}",
        reqs.iter()
            .filter(|r| r.path.contains("/log"))
            .collect::<Vec<_>>()
    );
    drop(live);
    sim.shutdown().await;

    // The shipped least-privilege role reads the controller pods, but not
    // their logs: the pane says which role to bind.
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
    let client = conn.client.clone();
    let live = egscope::source::live::Live::start(conn, None).await;
    assert!(live.wait_synced(Duration::from_secs(20)).await.is_empty());
    let mut app = app_on(live.store(), true);
    on_tenant(&mut app, "eg-platform");
    key(&mut app, KeyCode::Char('l'));
    let read = app
        .log_request
        .take()
        .expect("the pod was read: a log is asked for");
    let reply = egscope::session::logs::read(&client, read).await;
    match &reply.result {
        Err(LogFailure::Forbidden(why)) => assert!(why.contains("egscope-log-reader"), "{why}"),
        other => panic!("{other:?}"),
    }
    update(&mut app, Action::Logs(reply));
    let text = screen(&app);
    assert!(text.contains("forbidden"), "{text}");
    assert!(sim.requests().iter().all(|r| r.method == "GET"));
    drop(live);
    sim.shutdown().await;
}

/// egscope's own snapshot of a cluster keeps the controller pods, and the
/// tenants read back from it hold them as they did live.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_keeps_the_controller_pods() {
    let (sim, _kc, target) = common::start(
        egscope::sim::Scenario::Compliant,
        egscope::sim::SimOptions::default(),
    )
    .await;
    let conn = egscope::source::live::connect(&target).await.unwrap();
    let live = egscope::source::live::Live::start(conn, None).await;
    assert!(live.wait_synced(Duration::from_secs(20)).await.is_empty());
    let store = live.store();
    let yaml = egscope::source::live::snapshot_yaml(&store, egscope::demo::demo_now()).unwrap();
    let back = egscope::source::snapshot::load_text("snapshot.yaml", &yaml).unwrap();
    let pods = |s: &Store| -> Vec<Vec<String>> {
        Model::build(s)
            .controllers
            .iter()
            .map(|c| c.pods.iter().map(|p| p.name.clone()).collect())
            .collect()
    };
    assert_eq!(
        pods(&store),
        vec![vec!["envoy-gateway-jgrdjssz6b-w4mzn".to_string()]]
    );
    assert_eq!(pods(&store), pods(&back));
    drop(live);
    sim.shutdown().await;
}
