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
use crate::ui::vm::table::RowKey;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tour {
    pub stop: usize,
}

pub const STOPS: usize = 7;

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
            2 => (
                View::Listeners {
                    class: None,
                    gateway: None,
                },
                m.and_then(listener_set_conflict).map(|(g, l)| {
                    RowKey::Listener(
                        key_of(&g.obj.obj_ref()),
                        key_of(&l.declared_by.obj_ref()),
                        l.name.clone(),
                    )
                }),
            ),
            3 | 4 => {
                let d = data;
                let fleets = m.map(|m| m.fleets.as_slice()).unwrap_or_default();
                // Stop 5 is about the 5xx burst: the fleet failing most now;
                // stop 4 about scaling: a saturated fleet, else one with an HPA.
                let by_5xx = (self.stop == 4)
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
                        .find(|f| f.hpa_status.as_ref().is_some_and(|h| h.saturated()))
                        .or_else(|| fleets.iter().find(|f| f.hpa.is_some()))
                };
                let f = by_5xx.or_else(by_hpa);
                (View::Fleets, f.map(|f| RowKey::Fleet(f.key.clone())))
            }
            5 => {
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
                    d.findings()
                        .find(|f| f.rule == RuleId::EG112)
                        .map(|f| RowKey::Finding(FindingId::of(f)))
                });
                (View::Findings, key)
            }
        }
    }

    /// The Detail pane this stop opens over its view, if any (stop 6:
    /// the route whose backend has no ready endpoint, at its EG510).
    pub fn detail(&self, data: Option<&Data>) -> Option<View> {
        if self.stop != 5 {
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
            2 => listener_set_caption(app, data),
            3 => scaling_caption(app, data),
            4 => burst_caption(app, data),
            5 => cause_caption(app, data),
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

/// The first listener a ListenerSet declares that conflicts, with its
/// Gateway.
fn listener_set_conflict(
    m: &crate::model::Model,
) -> Option<(&crate::model::Gateway, &crate::model::Listener)> {
    m.gateways.iter().find_map(|g| {
        g.listeners
            .iter()
            .find(|l| l.from_listener_set() && l.conflict.is_some())
            .map(|l| (g, l))
    })
}

/// Stop 3: the selected listener, when a ListenerSet declares it; its
/// conflict as Envoy Gateway reports it, on the ListenerSet
/// (`internal/gatewayapi/testdata/listenerset-hostname-conflict.out.yaml`
/// in Envoy Gateway v1.9.0: the Gateway's own listener stays Accepted).
fn listener_set_caption(app: &App, data: Option<&Data>) -> String {
    let head = "ListenerSets. A Gateway that admits them (spec.allowedListeners) takes listeners from \
                other objects, so teams add hostnames without editing the Gateway.";
    let sel = app.top().table.selected_row().map(|r| &r.key);
    let (Some(d), Some(RowKey::Listener(g, from, name))) = (data, sel) else {
        return format!("{head} Select a listener whose FROM is a ListenerSet.");
    };
    let m = &d.model;
    let Some(gw) = m.gateways.iter().find(|x| key_of(&x.obj.obj_ref()) == *g) else {
        return head.to_string();
    };
    let Some(l) = gw
        .listeners
        .iter()
        .find(|l| &l.name == name && key_of(&l.declared_by.obj_ref()) == *from)
    else {
        return head.to_string();
    };
    let decl = format!(
        "{}/{}",
        l.declared_by.namespace_or_empty(),
        l.declared_by.name
    );
    let gw_name = format!("{}/{}", gw.obj.namespace_or_empty(), gw.obj.name);
    let Some(c) = &l.conflict else {
        return format!(
            "{head} {decl}:{name} is added to {gw_name} and has no conflict; those marked ✗ do."
        );
    };
    let others: Vec<String> = c
        .with
        .iter()
        .filter_map(|&(gi, li)| {
            let o = m.gateways.get(gi)?.listeners.get(li)?;
            Some(format!(
                "{}/{}:{}",
                o.declared_by.namespace_or_empty(),
                o.declared_by.name,
                o.name
            ))
        })
        .collect();
    let with = if others.is_empty() {
        "another listener".to_string()
    } else {
        others.join(", ")
    };
    let host = l.hostname.as_deref().unwrap_or("*");
    format!(
        "{head} {decl}:{name} asks for {host} on port {} of {gw_name}, which {with} already \
         holds: Envoy Gateway rejects the ListenerSet's listener ({}) and reports it on the \
         ListenerSet, not on the Gateway, whose status stays clean: EG113 names the ListenerSet.",
        l.port,
        c.reason.as_str(),
    )
}

fn hpa_sentence(f: &crate::model::Fleet) -> String {
    let Some(h) = f.hpa_status.as_ref() else {
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
    // The words EG506 uses (`HpaStatus::problems`), so the tour and the
    // finding never disagree on what "saturated" means.
    let problems = h.problems();
    if !problems.is_empty() {
        format!(
            "{at}: saturated ({}), it cannot scale further.",
            problems.join("; ")
        )
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
    let sat = f.hpa_status.as_ref().is_some_and(|h| h.saturated());
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
             {:.1}% 5xx. {} Enter walks to its Gateways and their routes, worst 5xx first (p: the pods).",
            f.key,
            t.rps,
            t.share_5xx * 100.0,
            hpa_sentence(f)
        ),
        Some(t) => format!(
            "Live traffic. The fleet {} answers {:.0} rps with no 5xx right now. {} Enter shows its Gateways (p: the pods).",
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

/// The finding stop 6 leads to: EG510 (no ready endpoint) in `payments`.
fn cause_finding(d: &Data) -> Option<&crate::audit::Finding> {
    d.findings()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The tour's scaling sentence and EG506 read one `HpaStatus` and say
    /// the same words about the showcase's saturated fleet.
    #[test]
    fn the_tour_and_eg506_agree_on_saturation() {
        let store = crate::demo::showcase_store().expect("the showcase loads");
        let model = crate::model::Model::build(&store);
        let opts = crate::audit::AuditOptions {
            now: Some(crate::demo::demo_now()),
            ..crate::audit::AuditOptions::default()
        };
        let audit = crate::audit::run(&store, &opts).expect("the audit runs");
        let mut saturated = 0;
        for f in model.fleets.iter().filter(|f| f.hpa.is_some()) {
            let text = hpa_sentence(f);
            let hpa = f.hpa.as_ref().expect("filtered");
            let finding = audit
                .findings
                .iter()
                .find(|x| x.rule == crate::audit::RuleId::EG506 && x.object.name == hpa.name);
            let problems = f.hpa_status.as_ref().expect("read once").problems();
            assert_eq!(finding.is_some(), !problems.is_empty(), "{}", f.key);
            assert_eq!(text.contains(": saturated ("), finding.is_some(), "{text}");
            if let Some(finding) = finding {
                saturated += 1;
                for p in &problems {
                    assert!(finding.message.contains(p.as_str()), "{}", finding.message);
                    assert!(text.contains(p.as_str()), "{text}");
                }
            }
        }
        assert!(saturated > 0, "the showcase has a saturated fleet");
    }
}
