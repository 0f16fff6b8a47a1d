//! `:ctx` switches the screen to another cluster (issue 12 item 12, issue
//! 10 stage 4): two simulated clusters on loopback, one kubeconfig with a
//! context for each, a live session on the first, and the TUI's own
//! `update` and views fed by the session's link, as the event loop feeds
//! them. After `:ctx`, every snapshot the screen gets is the other
//! cluster's; nothing of the first comes back.

use std::sync::Arc;
use std::time::{Duration, Instant};

use egscope::audit::{AuditOptions, Profile};
use egscope::session::{self, Command, Link, Source, Update};
use egscope::sim::{Scenario, Sim, SimOptions};
use egscope::source::live::ClusterTarget;
use egscope::ui::action::Action;
use egscope::ui::app::{App, update};
use egscope::ui::data::Data;
use egscope::ui::run::{TuiOptions, initial_app};
use egscope::ui::theme::Theme;
use egscope::ui::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn kubeconfig(contexts: &[(&str, String)]) -> String {
    let mut clusters = String::new();
    let mut ctxs = String::new();
    let mut users = String::new();
    for (name, url) in contexts {
        clusters.push_str(&format!("- name: {name}\n  cluster:\n    server: {url}\n"));
        ctxs.push_str(&format!(
            "- name: {name}\n  context:\n    cluster: {name}\n    user: {name}\n    namespace: default\n"
        ));
        users.push_str(&format!("- name: {name}\n  user: {{}}\n"));
    }
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n{clusters}contexts:\n{ctxs}\
         current-context: {}\nusers:\n{users}preferences: {{}}\n",
        contexts[0].0
    )
}

fn screen(app: &App) -> String {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| views::render(app, f)).unwrap();
    format!("{}", t.backend())
}

fn gateway_names(d: &Data) -> Vec<String> {
    d.model
        .gateways
        .iter()
        .map(|g| format!("{}/{}", g.obj.namespace_or_empty(), g.obj.name))
        .collect()
}

/// Applies the session's updates to the app, as the event loop does
/// (commands the app raised go back to the session), until `done` holds;
/// `each` sees every snapshot applied.
async fn pump(
    app: &mut App,
    link: &mut Link<Data>,
    what: &str,
    mut each: impl FnMut(&Data),
    done: impl Fn(&App) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done(app) {
        let left = deadline.saturating_duration_since(Instant::now());
        let u = tokio::time::timeout(left, link.updates.recv())
            .await
            .unwrap_or_else(|_| panic!("timed out waiting for {what}; screen:\n{}", screen(app)))
            .expect("the session ended");
        let action = match u {
            Update::Data(d) => {
                each(&d);
                Action::DataUpdated(d)
            }
            Update::Status(s) => Action::SourceStatus(s),
            Update::Flash(m) => Action::Flash(m),
            Update::Failed(why) => panic!("the session failed: {why}"),
            Update::Logs(reply) => Action::Logs(reply),
        };
        update(app, action);
        if let Some(name) = app.switch_context.take() {
            link.commands.send(Command::Context(name)).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctx_switches_the_screen_to_the_other_cluster() {
    let a = Sim::start(Scenario::Showcase, SimOptions::default())
        .await
        .unwrap();
    let b = Sim::start(Scenario::Compliant, SimOptions::default())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    std::fs::write(
        &path,
        kubeconfig(&[("alpha", a.base_url()), ("beta", b.base_url())]),
    )
    .unwrap();

    let source = Source::Cluster {
        target: ClusterTarget {
            kubeconfig: Some(path),
            context: Some("alpha".into()),
            namespace: None,
            connect_timeout: Duration::from_secs(5),
        },
        sync: Duration::from_secs(30),
    };
    let status = source.initial_status();
    assert_eq!(status.contexts, ["alpha", "beta"]);
    assert_eq!(status.source, "context alpha");
    let store = session::initial_store(&source);
    let opts = AuditOptions {
        profile: Profile::Production,
        ..AuditOptions::default()
    };
    let mut link: Link<Data> = session::spawn(&tokio::runtime::Handle::current(), source, opts);
    let mut app = initial_app(&TuiOptions {
        store: Arc::new(store),
        status,
        profile: Profile::Production,
        theme: Theme::default(),
        now: None,
        tour: false,
        session: None,
    });
    update(&mut app, Action::Resize(120, 40));
    update(&mut app, Action::Command("gw".into()));

    // Cluster A: the showcase's Gateways, on screen.
    let has = |app: &App, gw: &str| {
        app.data
            .as_ref()
            .is_some_and(|d| gateway_names(d).iter().any(|g| g == gw))
    };
    pump(
        &mut app,
        &mut link,
        "cluster A's Gateways",
        |_| {},
        |app| has(app, "web/storefront") && screen(app).contains("web/storefront"),
    )
    .await;
    let a_names = gateway_names(app.data.as_ref().unwrap());
    assert!(
        !a_names.iter().any(|g| g.ends_with("/edge")),
        "the test needs a Gateway only B has: {a_names:?}"
    );

    // `:ctx beta`, typed as a command.
    update(&mut app, Action::Command("ctx beta".into()));
    let name = app.switch_context.take().expect(":ctx asks the session");
    assert_eq!(name, "beta");
    link.commands.send(Command::Context(name)).unwrap();

    // Until the switch is announced, A's data may still arrive; from then
    // on every snapshot is B's.
    pump(
        &mut app,
        &mut link,
        "the switch",
        |_| {},
        |app| {
            app.flash
                .as_deref()
                .is_some_and(|f| f.contains("switched to context beta"))
        },
    )
    .await;
    let mut after = 0usize;
    let check = |d: &Data| {
        let names = gateway_names(d);
        assert_eq!(
            d.store.source.context.as_deref(),
            Some("beta"),
            "a snapshot of the old context after the switch"
        );
        for gw in &a_names {
            assert!(
                !names.contains(gw),
                "{gw} (cluster A only) is back after the switch: {names:?}"
            );
        }
    };
    pump(
        &mut app,
        &mut link,
        "cluster B's Gateways",
        |d| {
            check(d);
            after += 1;
        },
        |app| {
            app.data
                .as_ref()
                .is_some_and(|d| gateway_names(d).iter().any(|g| g.ends_with("/edge")))
                && app.status.source == "context beta"
        },
    )
    .await;
    assert!(after > 0, "no snapshot arrived after the switch");
    let shown = screen(&app);
    assert!(shown.contains("context beta"), "{shown}");
    for gw in &a_names {
        assert!(
            !shown.contains(gw.as_str()),
            "{gw} still on screen:\n{shown}"
        );
    }
    let b_gw = gateway_names(app.data.as_ref().unwrap())
        .into_iter()
        .find(|g| g.ends_with("/edge"))
        .unwrap();
    assert!(shown.contains(&b_gw), "{b_gw} not on screen:\n{shown}");

    // A few more rounds (scrapes, rebuilds): still nothing of A.
    let until = Instant::now() + Duration::from_secs(3);
    while let Ok(Some(u)) = tokio::time::timeout(
        until.saturating_duration_since(Instant::now()),
        link.updates.recv(),
    )
    .await
    {
        if let Update::Data(d) = u {
            check(&d);
        }
    }
    drop(link);
}
