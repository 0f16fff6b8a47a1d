//! `update` on the showcase: navigation, breadcrumb, filter, commands,
//! completion, sort, namespace, mouse, tour.

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseEvent, MouseEventKind};

use super::*;
use crate::audit::Profile;
use crate::store::Kind;
use crate::ui::layout;
use crate::ui::run::{TuiOptions, initial_app};
use crate::ui::status::SourceStatus;
use crate::ui::theme::Theme;
use crate::ui::views;

fn app() -> App {
    let store = crate::demo::showcase_store().unwrap();
    let mut app = initial_app(&TuiOptions {
        store: Arc::new(store),
        status: SourceStatus::demo(),
        profile: Profile::Production,
        theme: Theme::default(),
        now: Some(crate::demo::demo_now()),
        tour: false,
        session: None,
    });
    update(&mut app, Action::Resize(120, 40));
    app
}

fn key(app: &mut App, code: KeyCode) -> Effect {
    update(app, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn typed(app: &mut App, s: &str) {
    for c in s.chars() {
        key(app, KeyCode::Char(c));
    }
}

fn selected_cell(app: &App, col: usize) -> String {
    app.top().table.selected_row().unwrap().cells[col].clone()
}

#[test]
fn tabs_and_drill_down_and_back() {
    let mut a = app();
    assert_eq!(a.view(), &View::Overview);
    key(&mut a, KeyCode::Char('3'));
    assert_eq!(a.view(), &View::Classes { controller: None });
    typed(&mut a, "/platform");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    assert_eq!(
        a.view(),
        &View::Gateways {
            class: Some("platform".into())
        }
    );
    assert_eq!(a.top().table.visible.len(), 2);
    key(&mut a, KeyCode::Enter);
    assert!(matches!(
        a.view(),
        View::Listeners {
            gateway: Some(_),
            ..
        }
    ));
    key(&mut a, KeyCode::Enter);
    assert!(matches!(
        a.view(),
        View::Routes {
            listener: Some(_),
            ..
        }
    ));
    assert_eq!(a.stack.len(), 4);
    // Esc walks back along the trail, keeping the earlier filter.
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.view(), &View::Classes { controller: None });
    assert_eq!(a.top().table.filter, "platform");
    // Esc clears the filter first, then has nowhere to go.
    assert_eq!(key(&mut a, KeyCode::Esc), Effect::Render);
    assert!(a.top().table.filter.is_empty());
    assert_eq!(key(&mut a, KeyCode::Esc), Effect::None);
    // Tab and BackTab cycle the header.
    key(&mut a, KeyCode::Tab);
    assert_eq!(a.view(), &View::Gateways { class: None });
    key(&mut a, KeyCode::BackTab);
    key(&mut a, KeyCode::BackTab);
    assert_eq!(a.view(), &View::Tenants);
}

#[test]
fn moving_the_selection() {
    let mut a = app();
    update(&mut a, Action::Command("routes".into()));
    let n = a.top().table.visible.len();
    assert!(n > 3);
    typed(&mut a, "jj");
    assert_eq!(a.top().table.selected, 2);
    typed(&mut a, "k");
    assert_eq!(a.top().table.selected, 1);
    typed(&mut a, "G");
    assert_eq!(a.top().table.selected, n - 1);
    typed(&mut a, "g");
    assert_eq!(a.top().table.selected, 0);
    key(&mut a, KeyCode::PageDown);
    assert_eq!(a.top().table.selected, n - 1);
    key(&mut a, KeyCode::Up);
    key(&mut a, KeyCode::PageUp);
    assert_eq!(a.top().table.selected, 0);
    // Mouse: scroll and click on the third row.
    update(
        &mut a,
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::ScrollDown,
            column: 5,
            row: 10,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(a.top().table.selected, 1);
    let area = layout::table_rect(&a, body_rect(a.size));
    update(
        &mut a,
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: 5,
            row: area.y + 3,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(a.top().table.selected, 2);
    // A click on the header opens that tab.
    let x = (1..120)
        .find(|&x| layout::tab_at(&a, x) == Some(8))
        .unwrap();
    update(
        &mut a,
        Action::Mouse(MouseEvent {
            kind: MouseEventKind::Down(MouseButton::Left),
            column: x,
            row: 0,
            modifiers: KeyModifiers::NONE,
        }),
    );
    assert_eq!(a.view(), &View::Findings);
}

#[test]
fn filter_is_live_and_esc_clears_it() {
    let mut a = app();
    update(&mut a, Action::Command("routes".into()));
    let all = a.top().table.visible.len();
    typed(&mut a, "/pay");
    assert_eq!(a.mode, Mode::Filter);
    let n = a.top().table.visible.len();
    assert!(n < all && n > 0, "{n} of {all}");
    key(&mut a, KeyCode::Backspace);
    assert!(a.top().table.visible.len() >= n);
    typed(&mut a, "y");
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.mode, Mode::Normal);
    assert_eq!(a.top().table.filter, "pay");
    // Regex metacharacters switch to a regex.
    typed(&mut a, "/");
    for _ in 0..3 {
        key(&mut a, KeyCode::Backspace);
    }
    typed(&mut a, "^payments/(pay-api|ledger)$");
    assert_eq!(a.top().table.visible.len(), 2);
    key(&mut a, KeyCode::Esc);
    assert!(a.top().table.filter.is_empty());
    assert_eq!(a.top().table.visible.len(), all);
}

#[test]
fn commands_and_completion() {
    let mut a = app();
    typed(&mut a, ":g");
    key(&mut a, KeyCode::Tab);
    match &a.mode {
        Mode::Command { input, completions } => {
            assert_eq!(input, "g");
            assert!(completions.contains(&"gw".to_string()));
            assert!(completions.contains(&"gc".to_string()));
        }
        m => panic!("{m:?}"),
    }
    typed(&mut a, "atewayc");
    key(&mut a, KeyCode::Tab);
    assert!(matches!(&a.mode, Mode::Command { input, .. } if input == "gatewayclasses"));
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.view(), &View::Classes { controller: None });
    // :ns with namespace completion.
    typed(&mut a, ":ns sh");
    key(&mut a, KeyCode::Tab);
    assert!(matches!(&a.mode, Mode::Command { input, .. } if input == "ns shop"));
    key(&mut a, KeyCode::Enter);
    assert_eq!(a.namespace.as_deref(), Some("shop"));
    update(&mut a, Action::Command("hr".into()));
    assert!(
        a.top()
            .table
            .visible
            .iter()
            .all(|&i| a.top().table.rows[i].ns.as_deref() == Some("shop"))
    );
    update(&mut a, Action::Command("ns all".into()));
    assert_eq!(a.namespace, None);
    // Aliases.
    for (cmd, view) in [
        (
            "ctp",
            View::Policies {
                kind: Some(Kind::ClientTrafficPolicy),
            },
        ),
        (
            "btp",
            View::Policies {
                kind: Some(Kind::BackendTrafficPolicy),
            },
        ),
        ("ep", View::Fleets),
        ("fleet", View::Fleets),
        ("tenants", View::Tenants),
        ("overview", View::Overview),
    ] {
        update(&mut a, Action::Command(cmd.into()));
        assert_eq!(a.view(), &view, ":{cmd}");
    }
    update(&mut a, Action::Command("ctx prod".into()));
    assert!(a.flash.as_deref().unwrap().contains("needs a live source"));
    assert_eq!(a.switch_context, None, "a snapshot cannot switch");
    // A live source: the name goes out to the loop, which hands it over.
    a.status.can_switch_context = true;
    update(&mut a, Action::Command("ctx prod".into()));
    assert_eq!(a.switch_context.as_deref(), Some("prod"));
    assert!(
        a.flash
            .as_deref()
            .unwrap()
            .contains("switching to context prod")
    );
    update(&mut a, Action::Flash("context prod: unreachable".into()));
    assert_eq!(a.flash.as_deref(), Some("context prod: unreachable"));
    update(&mut a, Action::Command("nope".into()));
    assert!(a.flash.as_deref().unwrap().contains("unknown command"));
    assert_eq!(update(&mut a, Action::Command("q".into())), Effect::Quit);
}

#[test]
fn sort_cycles_and_reverses() {
    let mut a = app();
    update(&mut a, Action::Command("routes".into()));
    let names = |a: &App| -> Vec<String> {
        let t = &a.top().table;
        t.visible
            .iter()
            .map(|&i| t.rows[i].cells[0].clone())
            .collect()
    };
    typed(&mut a, "s");
    assert_eq!(a.top().table.sort, Some((0, false)));
    let asc = names(&a);
    let mut sorted = asc.clone();
    sorted.sort();
    assert_eq!(asc, sorted);
    typed(&mut a, "S");
    let desc = names(&a);
    assert_eq!(desc, asc.iter().rev().cloned().collect::<Vec<_>>());
    typed(&mut a, "s");
    assert_eq!(a.top().table.sort, Some((1, true)));
}

#[test]
fn finding_opens_detail_with_highlight_and_copy() {
    let mut a = app();
    update(&mut a, Action::Command("findings".into()));
    typed(&mut a, "/EG112");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    let View::Detail { obj, finding } = a.view().clone() else {
        panic!("{:?}", a.view());
    };
    assert_eq!(obj.name, "catalog");
    assert!(finding.is_some());
    let d = a.top().detail.as_ref().unwrap();
    let (first, _) = d.highlight.expect("highlighted");
    assert_eq!(d.lines[first].text().trim(), "- allowedRoutes:");
    // y toggles YAML only; c copies namespace/name, C a kubectl command.
    typed(&mut a, "y");
    assert!(a.top().detail.as_ref().unwrap().yaml_only);
    assert_eq!(
        typed_effect(&mut a, 'c'),
        Effect::Copy("shop/catalog".into())
    );
    assert_eq!(
        typed_effect(&mut a, 'C'),
        Effect::Copy("kubectl get gateways.gateway.networking.k8s.io -n shop catalog".into())
    );
    // Tab focuses the side list; Enter on a related object opens it.
    key(&mut a, KeyCode::Tab);
    let n = a.top().detail.as_ref().unwrap().side.rows.len();
    let class_row = a
        .top()
        .detail
        .as_ref()
        .unwrap()
        .side
        .rows
        .iter()
        .position(|r| r.cells[0] == "→ class")
        .unwrap();
    assert!(class_row < n);
    for _ in 0..class_row {
        key(&mut a, KeyCode::Down);
    }
    key(&mut a, KeyCode::Enter);
    assert!(matches!(a.view(), View::Detail { obj, .. } if obj.kind == "GatewayClass"));
    key(&mut a, KeyCode::Esc);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.view(), &View::Findings);
}

fn typed_effect(a: &mut App, c: char) -> Effect {
    key(a, KeyCode::Char(c))
}

#[test]
fn findings_filters_and_grouping() {
    let mut a = app();
    update(&mut a, Action::Command("findings".into()));
    let all = a.top().table.rows.len();
    typed(&mut a, "e");
    typed(&mut a, "e");
    let errors = a.top().table.rows.len();
    assert!(errors < all && errors > 0);
    assert!(
        a.top()
            .table
            .rows
            .iter()
            .all(|r| r.cells[1].starts_with("error"))
    );
    typed(&mut a, "e");
    typed(&mut a, "o");
    assert_eq!(a.top().table.columns[0], "OBJECT");
    typed(&mut a, "a");
    assert_eq!(a.findings.area, Some(Area::Input));
    assert_eq!(selected_cell(&a, 2), "EG002");
}

#[test]
fn ticks_redraw_only_with_a_live_clock() {
    let mut a = app();
    assert_eq!(
        update(&mut a, Action::Tick(jiff::Timestamp::now())),
        Effect::None
    );
    a.live_clock = true;
    assert_eq!(
        update(&mut a, Action::Tick(jiff::Timestamp::now())),
        Effect::Render
    );
    // An unbound key changes nothing.
    assert_eq!(key(&mut a, KeyCode::F(9)), Effect::None);
}

#[test]
fn tour_moves_through_the_stops_and_esc_leaves() {
    let mut a = app();
    start_tour(&mut a);
    assert_eq!(a.view(), &View::Tenants);
    typed(&mut a, " ");
    assert!(matches!(a.view(), View::Listeners { .. }));
    assert!(selected_cell(&a, 1).contains("catalog"));
    assert!(selected_cell(&a, 8).contains("HostnameConflict"));
    // The ListenerSet stop: its listener that loses to the Gateway's own.
    typed(&mut a, " ");
    assert!(matches!(a.view(), View::Listeners { .. }));
    assert!(
        selected_cell(&a, 2).contains("partners"),
        "{}",
        selected_cell(&a, 2)
    );
    assert!(selected_cell(&a, 8).contains("HostnameConflict"));
    typed(&mut a, " ");
    assert_eq!(a.view(), &View::Fleets);
    assert!(selected_cell(&a, 4).contains("SATURATED"));
    key(&mut a, KeyCode::Esc);
    assert!(a.tour.is_none());
    assert_eq!(a.view(), &View::Fleets);
}

#[test]
fn store_update_keeps_the_selection() {
    let mut a = app();
    update(&mut a, Action::Command("routes".into()));
    typed(&mut a, "jjj");
    let before = selected_cell(&a, 0);
    let store = a.data.as_ref().unwrap().store.clone();
    update(&mut a, Action::StoreUpdated(store));
    assert_eq!(selected_cell(&a, 0), before);
}

#[test]
fn metrics_fill_the_fleet_columns() {
    use crate::metrics::{Derived, MetricsSnapshot, PodSeries, ScrapeState};
    let mut a = app();
    let data = a.data.clone().unwrap();
    let fleet = data
        .model
        .fleets
        .iter()
        .find(|f| f.hpa.is_some())
        .unwrap()
        .clone();
    let mut snap = MetricsSnapshot::default();
    for (i, p) in fleet.pods.iter().enumerate() {
        let mut s = PodSeries {
            state: ScrapeState::Ok,
            ..PodSeries::default()
        };
        for t in 0..10 {
            s.push(Derived {
                at: t as f64,
                rps: 10.0 * (t + i) as f64,
                requests: 100.0,
                responses_5xx: if t == 9 { 20.0 } else { 0.0 },
                share_5xx: if t == 9 { 0.2 } else { 0.0 },
                p99_ms: Some(250.0),
                ..Derived::default()
            });
        }
        snap.pods.insert(
            (p.namespace_or_empty().to_string(), p.name.clone()),
            std::sync::Arc::new(s),
        );
    }
    update(&mut a, Action::Command("fleet".into()));
    assert_eq!(
        update(&mut a, Action::MetricsUpdated(Arc::new(snap))),
        Effect::Render
    );
    let row = a
        .top()
        .table
        .rows
        .iter()
        .find(|r| r.cells[0].starts_with(&fleet.key))
        .unwrap();
    assert_eq!(row.cells[7], "20.0%", "{:?}", row.cells);
    assert_eq!(row.cells[8], "250ms");
    assert!(row.cells[9].ends_with('█'), "{:?}", row.cells[9]);
}

/// Issue 12 item 6: when the metrics feed stops answering, the numbers it
/// left on screen are marked as old, and the mark goes when it is live again.
#[test]
fn stale_metrics_are_marked_in_the_tables() {
    use crate::metrics::{Derived, MetricsSnapshot, PodSeries, ScrapeState};
    use crate::ui::status::{Feed, Freshness};
    let mut a = app();
    let data = a.data.clone().unwrap();
    let fleet = data.model.fleets[0].clone();
    let mut snap = MetricsSnapshot::default();
    for p in &fleet.pods {
        let mut s = PodSeries {
            state: ScrapeState::Ok,
            ..PodSeries::default()
        };
        for t in 0..3 {
            s.push(Derived {
                at: t as f64,
                rps: 10.0,
                requests: 100.0,
                p99_ms: Some(250.0),
                ..Derived::default()
            });
        }
        snap.pods.insert(
            (p.namespace_or_empty().to_string(), p.name.clone()),
            std::sync::Arc::new(s),
        );
    }
    update(&mut a, Action::Command("fleet".into()));
    update(&mut a, Action::MetricsUpdated(Arc::new(snap)));
    let p99 = |a: &App| {
        let t = &a.top().table;
        let col = t.columns.iter().position(|c| *c == "P99").unwrap();
        let row = t
            .rows
            .iter()
            .find(|r| r.cells[0].starts_with(&fleet.key))
            .unwrap();
        row.cells[col].clone()
    };
    assert_eq!(p99(&a), "250ms");
    let with_metrics = |freshness| {
        let mut st = SourceStatus::demo();
        st.feeds.retain(|f| f.name != "metrics");
        st.feeds.push(Feed {
            name: "metrics".into(),
            freshness,
        });
        st
    };
    update(
        &mut a,
        Action::SourceStatus(with_metrics(Freshness::Stale(
            std::time::Duration::from_secs(32),
        ))),
    );
    assert_eq!(p99(&a), "~250ms", "a stale number carries the mark");
    update(&mut a, Action::SourceStatus(with_metrics(Freshness::Live)));
    assert_eq!(p99(&a), "250ms", "live again: no mark");
}

#[test]
fn pods_show_cpu_and_memory_from_metrics_k8s_io() {
    use crate::metrics::{MetricsSnapshot, PodUsage};
    let mut a = app();
    let data = a.data.clone().unwrap();
    let fleet = data.model.fleets[0].clone();
    let pod = &fleet.pods[0];
    let mut snap = MetricsSnapshot::default();
    let mut usage = crate::metrics::UsageMap::new();
    usage.insert(
        (pod.namespace_or_empty().to_string(), pod.name.clone()),
        PodUsage {
            cpu_cores: Some(0.125),
            memory_bytes: Some(96.0 * 1048576.0),
        },
    );
    snap.usage = Arc::new(usage);
    update(&mut a, Action::MetricsUpdated(Arc::new(snap)));
    update(&mut a, Action::Command("fleet".into()));
    a.push(View::Pods {
        fleet: fleet.key.clone(),
    });
    let rows = &a.top().table.rows;
    let row = rows.iter().find(|r| r.cells[0] == pod.name).unwrap();
    assert_eq!(row.cells[5], "125m", "{:?}", row.cells);
    assert_eq!(row.cells[6], "96Mi");
    let other = rows.iter().find(|r| r.cells[0] != pod.name);
    if let Some(other) = other {
        assert_eq!(other.cells[5], "-", "no usage: no CPU");
    }
}

#[test]
fn detail_highlight_is_drawn_in_the_highlight_role() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let mut a = app();
    update(&mut a, Action::Command("findings".into()));
    typed(&mut a, "/EG112");
    key(&mut a, KeyCode::Enter);
    key(&mut a, KeyCode::Enter);
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    t.draw(|f| views::render(&a, f)).unwrap();
    let buf = t.backend().buffer().clone();
    let d = a.top().detail.as_ref().unwrap();
    let (first, _) = d.highlight.unwrap();
    // Body starts at row 2, plus the border: YAML line `first` is on screen
    // row 3 + (first - scroll).
    let y = 3 + (first - d.scroll) as u16;
    let row: String = (1..60).map(|x| buf[(x, y)].symbol().to_string()).collect();
    assert!(row.contains("- allowedRoutes:"), "{row}");
    assert_eq!(buf[(3, y)].bg, a.theme.highlight.bg.unwrap());
    assert_ne!(buf[(3, y - 1)].bg, a.theme.highlight.bg.unwrap());
}

#[test]
fn the_feed_is_told_which_fleets_are_on_screen() {
    let mut a = app();
    let fleets: Vec<String> = a
        .data
        .as_ref()
        .unwrap()
        .model
        .fleets
        .iter()
        .map(|f| f.key.clone())
        .collect();
    assert!(!fleets.is_empty());
    // The Overview lists the first fleets.
    let on_overview = a.watched_fleets();
    assert!(!on_overview.is_empty());
    assert_eq!(on_overview[..], fleets[..on_overview.len()]);
    update(&mut a, Action::Command("fleet".into()));
    assert_eq!(a.watched_fleets().len(), fleets.len().min(a.page_height()));
    a.push(View::Pods {
        fleet: fleets[0].clone(),
    });
    assert_eq!(a.watched_fleets(), vec![fleets[0].clone()]);
    update(&mut a, Action::Command("hr".into()));
    assert!(a.watched_fleets().is_empty(), "routes show no traffic");
}

/// The showcase with one more HTTPRoute, `aaa/aaa-first`, which sorts
/// before every other route and brings findings (no timeouts) that sort
/// before the showcase's findings of the same rules.
fn with_route_first(a: &App) -> Arc<crate::store::Store> {
    use crate::store::{Object, ObjectOrOther};
    let mut store = (*a.data.as_ref().unwrap().store).clone();
    let v = serde_json::json!({
        "apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
        "metadata": {"name": "aaa-first", "namespace": "aaa"},
        "spec": {"parentRefs": [{"name": "pay", "namespace": "payments"}],
                 "rules": [{"backendRefs": [{"name": "svc", "port": 80}]}]}});
    match Object::from_value(v, None) {
        Ok(ObjectOrOther::Object(o)) => store.insert(*o),
        _ => panic!("the route decodes"),
    }
    Arc::new(store)
}

/// Rows and findings are identities, not positions: after a rebuild in
/// which a new object sorts before the selected one, the same object stays
/// selected and the Detail pane keeps showing the same finding.
#[test]
fn a_new_object_sorting_first_keeps_selection_and_detail() {
    let mut a = app();
    update(&mut a, Action::Command("routes".into()));
    // Sorted by name: the new route comes first.
    typed(&mut a, "sjjj");
    let before = selected_cell(&a, 0);
    let store = with_route_first(&a);
    update(&mut a, Action::StoreUpdated(store));
    let t = &a.top().table;
    let new_at = t
        .visible
        .iter()
        .position(|&i| t.rows[i].cells[0] == "aaa/aaa-first")
        .expect("the new route is listed");
    assert!(new_at < t.selected, "it sorts before the selection");
    assert_eq!(selected_cell(&a, 0), before);

    // The Detail pane of a finding keeps its finding.
    let mut a = app();
    update(&mut a, Action::Command("findings".into()));
    typed(&mut a, "/EG204");
    key(&mut a, KeyCode::Enter);
    typed(&mut a, "j");
    let row_before = a.top().table.selected_row().unwrap().cells.clone();
    key(&mut a, KeyCode::Enter);
    let shown = |a: &App| {
        let d = a.top().detail.as_ref().expect("detail");
        let f = d.finding_text.as_ref().expect("a finding");
        (d.title.clone(), f.rule, f.object.clone(), f.message.clone())
    };
    let detail_before = shown(&a);
    let store = with_route_first(&a);
    update(&mut a, Action::StoreUpdated(store));
    let new_first = a
        .data
        .as_ref()
        .unwrap()
        .findings()
        .position(|f| f.object.name == "aaa-first");
    assert!(new_first.is_some(), "the new route has findings");
    assert_eq!(shown(&a), detail_before);
    key(&mut a, KeyCode::Esc);
    assert_eq!(a.top().table.selected_row().unwrap().cells, row_before);
}

/// The showcase's store with one proxy pod's JSON changed by `edit`; every
/// other object the same `Arc`, as in a live store's next generation.
fn with_pod_edited(
    store: &crate::store::Store,
    edit: impl Fn(&mut serde_json::Value),
) -> crate::store::Store {
    use crate::store::{Object, ObjectOrOther, Store};
    let pod = store
        .of(Kind::Pod)
        .iter()
        .find(|p| p.labels.contains_key("app.kubernetes.io/managed-by"))
        .expect("the showcase has proxy pods")
        .clone();
    let mut out = Store::new(store.source.clone());
    for o in store.all() {
        if Arc::ptr_eq(o, &pod) {
            let mut v: serde_json::Value = o.raw.clone().into();
            edit(&mut v);
            let Ok(ObjectOrOther::Object(obj)) = Object::from_value(v, o.location.clone()) else {
                panic!("the pod no longer decodes");
            };
            out.insert(*obj);
        } else {
            out.insert_arc(o.clone());
        }
    }
    for (k, s) in store.states() {
        out.set_state(k, s.clone());
    }
    out.live = store.live.clone();
    out.taken_at = store.taken_at;
    out
}

/// A snapshot that moves a pod but no finding leaves the Overview's rows
/// as they were (on `large` they are 30,000); one that moves a finding
/// rebuilds them.
#[test]
fn the_overview_is_rebuilt_only_when_its_findings_or_events_move() {
    let mut a = app();
    let data = a.data.clone().unwrap();
    let next = |edit: &dyn Fn(&mut serde_json::Value)| {
        let store = Arc::new(with_pod_edited(&data.store, edit));
        let s = data.snapshot().next(store, &a.audit_opts, None);
        Arc::new(Data::from_snapshot(s, Some(&data)))
    };
    let labelled = next(&|v| v["metadata"]["labels"]["egscope.test/seen"] = "yes".into());
    let pending = next(&|v| {
        v["status"] = serde_json::json!({"phase": "Pending", "conditions": [
            {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
             "lastTransitionTime": "2020-01-01T00:00:00Z"}]})
    });
    let rows_at = |a: &App| a.top().table.rows.as_ptr();
    let before = rows_at(&a);
    assert!(!Arc::ptr_eq(&labelled.model, &data.model));
    update(&mut a, Action::DataUpdated(labelled));
    assert_eq!(rows_at(&a), before, "a label rebuilt the Overview");
    let count = a.top().table.rows.len();
    update(&mut a, Action::DataUpdated(pending));
    assert_ne!(
        rows_at(&a),
        before,
        "a pending pod left the Overview as it was"
    );
    assert!(a.top().table.rows.len() >= count);
    // The rows kept by offender are the rows a fresh build gives.
    let (columns, fresh) = crate::ui::vm::rows(
        a.data.as_ref().unwrap(),
        &View::Overview,
        &a.findings,
        a.now,
        false,
    );
    assert_eq!(a.top().table.columns, columns);
    let cells: Vec<Vec<String>> = a.top().table.rows.iter().map(|r| r.cells.clone()).collect();
    let want: Vec<Vec<String>> = fresh.iter().map(|r| r.cells.clone()).collect();
    assert_eq!(cells, want);
    // Another view reads the model: it is rebuilt every time.
    key(&mut a, KeyCode::Char('8'));
    let fleets = rows_at(&a);
    let again = a.data.clone().unwrap();
    let moved = Data::from_snapshot(
        again.snapshot().next(
            Arc::new(with_pod_edited(&again.store, |_| {})),
            &a.audit_opts,
            None,
        ),
        Some(&again),
    );
    update(&mut a, Action::DataUpdated(Arc::new(moved)));
    assert_ne!(rows_at(&a), fleets);
}
