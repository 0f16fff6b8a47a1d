//! `egscope demo --tour`: a guided walk over the showcase cluster, one
//! caption per stop, Space to advance, Esc to leave and keep exploring.
//!
//! Each stop names a view and the row that matters ([`Tour::target`]);
//! `update` goes there once, on Space, and never again on a data update,
//! so what the user does at a stop (Enter, moving) stays. The captions are
//! computed from what is on screen (the selected row, its numbers now),
//! so they stay true while the simulated cluster moves.

use crate::audit::RuleId;
use crate::ui::data::{Data, FindingId, key_of};
use crate::ui::state::{App, View};
use crate::ui::vm::fleets::Hpa;
use crate::ui::vm::table::RowKey;

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

/// The fleet a Fleets row stands for.
fn selected_fleet<'a>(app: &App, data: &'a Data) -> Option<&'a crate::model::Fleet> {
    match &app.top().table.selected_row()?.key {
        RowKey::Fleet(k) => data.model.fleets.iter().find(|f| &f.key == k),
        _ => None,
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

    /// This stop's view and the row to select in it (when one fits).
    pub fn target(&self, data: Option<&Data>) -> (View, Option<RowKey>) {
        let m = data.map(|d| &*d.model);
        match self.stop {
            0 => (View::Tenants, None),
            1 => {
                // The first listener that only the merge makes conflict.
                let key = m.and_then(|m| {
                    m.gateways.iter().find_map(|g| {
                        let l = g
                            .listeners
                            .iter()
                            .find(|l| l.conflict.as_ref().is_some_and(|c| c.merged))?;
                        Some(RowKey::Listener(
                            key_of(&g.obj.obj_ref()),
                            key_of(&l.declared_by.obj_ref()),
                            l.name.clone(),
                        ))
                    })
                });
                (
                    View::Listeners {
                        class: None,
                        gateway: None,
                    },
                    key,
                )
            }
            2 | 3 => {
                let d = data;
                let fleets = m.map(|m| m.fleets.as_slice()).unwrap_or_default();
                // Stop 3 is about the 5xx burst: the fleet failing most now;
                // stop 2 about scaling: a saturated fleet, else one with an HPA.
                let by_5xx = (self.stop == 3)
                    .then(|| {
                        fleets
                            .iter()
                            .filter_map(|f| Some((f, d?.fleet_traffic(f)?.share_5xx)))
                            .filter(|(_, s)| *s > 0.0)
                            .max_by(|a, b| a.1.total_cmp(&b.1))
                            .map(|(f, _)| f)
                    })
                    .flatten();
                let by_hpa = || {
                    fleets
                        .iter()
                        .find(|f| f.hpa.as_deref().is_some_and(|h| Hpa::read(h).saturated()))
                        .or_else(|| fleets.iter().find(|f| f.hpa.is_some()))
                };
                let f = by_5xx.or_else(by_hpa);
                (View::Fleets, f.map(|f| RowKey::Fleet(f.key.clone())))
            }
            4 => {
                // From the burst to its cause: the pay Gateway's routes,
                // worst 5xx first, with the route whose backend has no
                // ready endpoint (EG510) selected; `detail` opens it.
                let key = data
                    .and_then(cause_finding)
                    .map(|f| RowKey::Route(key_of(&f.object.without_version())));
                (
                    View::Routes {
                        kind: None,
                        gateway: Some(("payments".into(), "pay".into())),
                        listener: None,
                    },
                    key,
                )
            }
            _ => {
                let key = data.and_then(|d| {
                    d.audit
                        .findings
                        .iter()
                        .find(|f| f.rule == RuleId::EG112)
                        .map(|f| RowKey::Finding(FindingId::of(f)))
                });
                (View::Findings, key)
            }
        }
    }

    /// The Detail pane this stop opens over its view, if any (stop 5:
    /// the route whose backend has no ready endpoint, at its EG510).
    pub fn detail(&self, data: Option<&Data>) -> Option<View> {
        if self.stop != 4 {
            return None;
        }
        let f = data.and_then(cause_finding)?;
        Some(View::Detail {
            obj: f.object.without_version(),
            finding: Some(FindingId::of(f)),
        })
    }

    /// The caption of this stop (title, text), from what is on screen.
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
            1 => listener_caption(app, data),
            2 => scaling_caption(app, data),
            3 => burst_caption(app, data),
            4 => cause_caption(app, data),
            _ => "Findings and the guide. Every finding names the rule, the object and the field; below it \
                  is the production guide's section, why it matters and the fix. Enter opens the object's \
                  YAML with the field highlighted. Press Space to finish, then explore freely (? for keys)."
                .to_string(),
        };
        (title, text)
    }
}

fn listener_caption(app: &App, data: Option<&Data>) -> String {
    let head = "Merged listeners. A class that merges its Gateways runs them on one Envoy fleet, so \
                their listeners form one set.";
    let sel = app.top().table.selected_row().map(|r| &r.key);
    let (Some(d), Some(RowKey::Listener(g, _, name))) = (data, sel) else {
        return format!("{head} Select a listener marked ✗ to see a conflict.");
    };
    let m = &d.model;
    let Some(gw) = m.gateways.iter().find(|x| key_of(&x.obj.obj_ref()) == *g) else {
        return head.to_string();
    };
    let Some(c) = gw
        .listeners
        .iter()
        .find(|l| &l.name == name)
        .and_then(|l| l.conflict.as_ref())
    else {
        return format!(
            "{head} The selected listener {}/{}:{name} has no conflict; those marked ✗ do.",
            gw.obj.namespace_or_empty(),
            gw.obj.name
        );
    };
    let others: Vec<String> = c
        .with
        .iter()
        .filter_map(|&(gi, _)| m.gateways.get(gi))
        .map(|o| format!("{}/{}", o.obj.namespace_or_empty(), o.obj.name))
        .collect();
    let with = if others.is_empty() {
        "another listener".to_string()
    } else {
        others.join(", ")
    };
    format!(
        "{head} {}/{}:{name} claims the same port as {with}: Envoy Gateway rejects it ({}), and its \
         traffic silently goes nowhere.{} Enter shows its routes.",
        gw.obj.namespace_or_empty(),
        gw.obj.name,
        c.reason.as_str(),
        if c.merged {
            " Neither Gateway alone looks wrong: only the merge makes them collide."
        } else {
            ""
        }
    )
}

fn hpa_sentence(f: &crate::model::Fleet) -> String {
    let Some(h) = f.hpa.as_deref().map(Hpa::read) else {
        return "It has no HPA: its replicas are fixed.".to_string();
    };
    let cpu = match (h.cpu_current, h.cpu_target) {
        (Some(c), Some(t)) => format!(" with CPU at {c}% against a {t}% target"),
        _ => String::new(),
    };
    let at = format!(
        "Its HPA sits at {}/{} replicas{cpu}",
        h.current.map_or("?".into(), |v| v.to_string()),
        h.max.map_or("?".into(), |v| v.to_string()),
    );
    if h.saturated() {
        format!("{at}: saturated, it cannot scale further.")
    } else {
        format!("{at}: not saturated right now, it can still scale.")
    }
}

fn scaling_caption(app: &App, data: Option<&Data>) -> String {
    let Some(f) = data.and_then(|d| selected_fleet(app, d)) else {
        return "Fleets. Each Gateway (or merged class) runs one Envoy fleet; select one to see how it \
                scales."
            .to_string();
    };
    let sat = f.hpa.as_deref().is_some_and(|h| Hpa::read(h).saturated());
    format!(
        "Scaling. The fleet {} serves {} Gateway{}. {}{}",
        f.key,
        f.gateways.len(),
        if f.gateways.len() == 1 { "" } else { "s" },
        hpa_sentence(f),
        if sat {
            " Raise maxReplicas or split the merged class before the next peak."
        } else {
            ""
        }
    )
}

fn burst_caption(app: &App, data: Option<&Data>) -> String {
    let Some(d) = data else {
        return String::new();
    };
    if d.metrics.is_none() {
        return "The 5xx burst. This stop shows live Envoy metrics (rps, 5xx share, p99 per pod), but no \
                metrics are present yet in this source: the columns say \"no metrics\". With a live \
                cluster or the simulator they fill in."
            .to_string();
    }
    let Some(f) = selected_fleet(app, d) else {
        return "The 5xx burst. Select a fleet to see its traffic.".to_string();
    };
    match d.fleet_traffic(f) {
        Some(t) if t.share_5xx > 0.0 => format!(
            "The 5xx burst. Live metrics from each Envoy pod: the fleet {} answers {:.0} rps with \
             {:.1}% 5xx. {} Enter shows the pods; the Routes view names the failing route.",
            f.key,
            t.rps,
            t.share_5xx * 100.0,
            hpa_sentence(f)
        ),
        Some(t) => format!(
            "Live traffic. The fleet {} answers {:.0} rps with no 5xx right now. {} Enter shows the pods.",
            f.key,
            t.rps,
            hpa_sentence(f)
        ),
        None => format!(
            "Live traffic. No metrics were scraped from the fleet {} yet.",
            f.key
        ),
    }
}

/// The finding stop 5 leads to: EG510 (no ready endpoint) in `payments`.
fn cause_finding(d: &Data) -> Option<&crate::audit::Finding> {
    d.audit
        .findings
        .iter()
        .find(|f| f.rule == RuleId::EG510 && f.object.namespace.as_deref() == Some("payments"))
}

fn cause_caption(app: &App, data: Option<&Data>) -> String {
    let head = "From the burst to its cause. The pay Gateway's routes, worst 5xx first, lead to one \
                route rule and its backend.";
    let Some(d) = data else {
        return head.to_string();
    };
    // The finding the Detail pane shows, else the one this stop opens.
    let shown = match app.top().view {
        View::Detail {
            finding: Some(ref id),
            ..
        } => d.finding(id),
        _ => None,
    };
    match shown.or_else(|| cause_finding(d)) {
        Some(f) => format!(
            "{head} {}: {}. Esc goes back to the routes.",
            f.object.display_path(),
            f.message
        ),
        None => format!("{head} Esc goes back to the routes."),
    }
}
