//! `egscope demo --tour`: a guided walk over the showcase cluster, one
//! caption per stop, Space to advance, Esc to leave and keep exploring.

use crate::ui::app::{App, View};
use crate::ui::widgets::table::RowKey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tour {
    pub stop: usize,
}

pub const STOPS: usize = 6;

impl Default for Tour {
    fn default() -> Self {
        Tour::new()
    }
}

impl Tour {
    pub fn new() -> Tour {
        Tour { stop: 0 }
    }

    /// Moves to the next stop; false after the last.
    pub fn advance(&mut self) -> bool {
        self.stop += 1;
        self.stop < STOPS
    }

    /// Puts the app on this stop's view with the row that matters selected.
    pub fn apply(&self, app: &mut App) {
        app.namespace = None;
        match self.stop {
            0 => app.goto(View::Tenants),
            1 => {
                app.goto(View::Listeners {
                    class: None,
                    gateway: None,
                });
                select(app, |app, key| match key {
                    RowKey::Listener(g, l) => app.data.as_ref().is_some_and(|d| {
                        let gw = &d.model.gateways[*g];
                        gw.obj.name == "catalog" && gw.listeners[*l].conflict.is_some()
                    }),
                    _ => false,
                });
            }
            2 | 3 => {
                app.goto(View::Fleets);
                select(app, |app, key| match key {
                    RowKey::Fleet(i) => app.data.as_ref().is_some_and(|d| {
                        let f = &d.model.fleets[*i];
                        f.hpa
                            .as_deref()
                            .is_some_and(|h| crate::ui::views::fleets::Hpa::read(h).saturated())
                    }),
                    _ => false,
                });
            }
            4 => {
                // From the burst to its cause: the pay Gateway's routes,
                // worst 5xx first, then the route whose backend has no
                // ready endpoint (EG510).
                app.goto(View::Routes {
                    kind: None,
                    gateway: Some(("payments".into(), "pay".into())),
                    listener: None,
                });
                let target = app.data.as_ref().and_then(|d| {
                    d.audit
                        .findings
                        .iter()
                        .enumerate()
                        .find(|(_, f)| {
                            f.rule == "EG510" && f.object.namespace.as_deref() == Some("payments")
                        })
                        .map(|(i, f)| (f.object.without_version(), i))
                });
                if let Some((obj, i)) = target {
                    app.push(View::Detail {
                        obj,
                        finding: Some(i),
                    });
                }
            }
            _ => {
                app.goto(View::Findings);
                select(app, |app, key| match key {
                    RowKey::Finding(i) => app
                        .data
                        .as_ref()
                        .is_some_and(|d| d.audit.findings[*i].rule == "EG112"),
                    _ => false,
                });
            }
        }
    }

    /// The caption of this stop (title, text), using what the data shows.
    pub fn caption(&self, app: &App) -> (String, String) {
        let n = self.stop + 1;
        let data = app.data.as_deref();
        let title = format!("Tour {n}/{STOPS}");
        let text = match self.stop {
            0 => {
                let (c, k) = data.map_or((0, 0), |d| (d.model.controllers.len(), d.model.classes.len()));
                format!(
                    "Tenants. This cluster runs {c} Envoy Gateway controllers side by side, each with its own \
                     controllerName and watched namespaces, serving {k} GatewayClasses. A class whose \
                     controllerName no controller claims is never reconciled; two controllers watching the \
                     same namespaces fight over it."
                )
            }
            1 => "Merged listeners. The platform class merges its Gateways into one Envoy fleet, so \
                  web/storefront and shop/catalog share one listener set. Both claim the same port and \
                  hostname: Envoy Gateway rejects the younger listener (HostnameConflict), and shop/catalog's \
                  traffic silently goes nowhere. Neither Gateway alone looks wrong."
                .to_string(),
            2 => {
                let extra = data
                    .and_then(|d| d.model.fleets.iter().find_map(|f| f.hpa.as_deref()))
                    .map(|h| {
                        let h = crate::ui::views::fleets::Hpa::read(h);
                        format!(
                            " Its HPA sits at {}/{} replicas with CPU at {}% against a {}% target.",
                            h.current.unwrap_or(0),
                            h.max.unwrap_or(0),
                            h.cpu_current.unwrap_or(0),
                            h.cpu_target.unwrap_or(0)
                        )
                    })
                    .unwrap_or_default();
                format!(
                    "A saturated fleet. The platform fleet serves every merged Gateway.{extra} It cannot \
                     scale further: raise maxReplicas or split the merged class before the next peak."
                )
            }
            3 => {
                let has = data.is_some_and(|d| d.metrics.is_some());
                if has {
                    "The 5xx burst. Live metrics from each Envoy pod show the request rate, the 5xx share and \
                     p99 upstream latency; the burst lines up with the saturated HPA (Enter shows the pods)."
                        .to_string()
                } else {
                    "The 5xx burst. This stop shows live Envoy metrics (rps, 5xx share, p99 per pod), but no \
                     metrics are present yet in this source: the columns say \"no metrics\". With a live \
                     cluster or the simulator they fill in."
                        .to_string()
                }
            }
            4 => {
                let cause = data
                    .and_then(|d| d.audit.findings.iter().find(|f| f.rule == "EG510" && f.object.namespace.as_deref() == Some("payments")))
                    .map(|f| format!(" {}: {}.", f.object.display_path(), f.message))
                    .unwrap_or_default();
                format!(
                    "From the burst to its cause. The pay Gateway's routes, worst 5xx first, lead to one route                      rule and its backend.{cause} Esc goes back to the routes."
                )
            }
            _ => "Findings and the guide. Every finding names the rule, the object and the field; below it \
                  is the production guide's section, why it matters and the fix. Enter opens the object's \
                  YAML with the field highlighted. Press Space to finish, then explore freely (? for keys)."
                .to_string(),
        };
        (title, text)
    }
}

fn select(app: &mut App, pred: impl Fn(&App, &RowKey) -> bool) {
    let pos = {
        let t = &app.top().table;
        t.visible.iter().position(|&i| pred(app, &t.rows[i].key))
    };
    if let Some(p) = pos {
        let h = app.page_height();
        let t = &mut app.stack.last_mut().expect("stack").table;
        t.selected = p;
        t.scroll_into_view(h);
    }
}
