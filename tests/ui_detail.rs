//! The Detail pane on the showcase: what its side list says agrees with
//! the findings next to it (issue 12, the showcase's `Gateway/shop/catalog`).

use std::sync::Arc;

use egscope::audit::Profile;
use egscope::store::ObjectRef;
use egscope::ui::action::Action;
use egscope::ui::app::{App, update};
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

/// The side list's rows as (label, value).
fn side(app: &App, obj: &ObjectRef) -> Vec<(String, String)> {
    let data = app.data.as_ref().unwrap();
    let d = egscope::ui::vm::detail::build(data, obj, None, app.now);
    d.side
        .rows
        .iter()
        .map(|r| (r.cells[0].clone(), r.cells[1].clone()))
        .collect()
}

/// No Gateway's Detail lists a ClientTrafficPolicy for a listener on
/// which EG201 says "no ClientTrafficPolicy applies": both read the
/// model's effective policy. On `shop/catalog`, the policy
/// `catalog-https` targets the `https` listener and EG201 fires on `http`.
#[test]
fn related_client_policies_name_the_listeners_eg201_judges() {
    let a = app();
    let data = a.data.clone().unwrap();
    let mut checked = 0;
    for gw in data.model.gateways.iter() {
        let obj = gw.obj.obj_ref().without_version();
        let rows = side(&a, &obj);
        let policy_on = |l: &str| {
            rows.iter().any(|(label, value)| {
                value.starts_with("ClientTrafficPolicy/")
                    && label
                        .strip_prefix("→ policy [")
                        .and_then(|r| r.strip_suffix(']'))
                        .is_some_and(|ls| ls.split(',').any(|x| x == l))
            })
        };
        for l in gw.listeners.iter().filter(|l| l.is_http()) {
            let none_applies = data.findings().any(|f| {
                f.rule.to_string() == "EG201"
                    && f.object.name == gw.obj.name
                    && f.object.namespace == gw.obj.namespace
                    && f.listener.as_deref() == Some(l.name.as_str())
                    && f.message.starts_with("no ClientTrafficPolicy applies")
            });
            // A listener EG201 did not judge (a fleet without its
            // EnvoyProxy) may have neither; none may have both.
            assert!(
                !(none_applies && policy_on(&l.name)),
                "{}/{} listener {}: {rows:#?}",
                gw.obj.namespace_or_empty(),
                gw.obj.name,
                l.name
            );
            if none_applies || policy_on(&l.name) {
                checked += 1;
            }
        }
    }
    assert!(checked >= 4, "{checked} listeners");
    let catalog = ObjectRef::new("", "Gateway", Some("shop"), "catalog");
    let rows = side(&a, &catalog);
    assert!(
        rows.iter()
            .any(|(l, v)| l == "→ policy [https]" && v == "ClientTrafficPolicy/shop/catalog-https"),
        "{rows:#?}"
    );
    assert!(
        rows.iter()
            .any(|(l, v)| l == "EG201 [http]" && v.starts_with("no ClientTrafficPolicy applies")),
        "{rows:#?}"
    );
}
