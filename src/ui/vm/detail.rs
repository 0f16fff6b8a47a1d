//! The Detail pane of any object: its YAML with the selected finding's
//! field highlighted, its findings and its related objects. Secrets never
//! reach it: they are not in the store.

use std::sync::Arc;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::model::TargetObj;
use crate::store::{Kind, Object, ObjectRef};
use crate::ui::data::{Data, Mark, key_of};
use crate::ui::theme::Theme;
use crate::ui::widgets::safe;
use crate::ui::widgets::table::{self, Row, RowKey, TableState};
use crate::ui::yaml::{self, YamlLine};

#[derive(Debug, Clone)]
pub struct DetailState {
    pub title: String,
    pub lines: Vec<YamlLine>,
    /// First and last highlighted line.
    pub highlight: Option<(usize, usize)>,
    /// Said next to the highlight when the field is absent.
    pub note: Option<String>,
    pub finding: Option<usize>,
    /// The finding's guide text, rendered under the side list.
    pub finding_text: Option<crate::audit::Finding>,
    pub scroll: usize,
    pub yaml_only: bool,
    pub focus_side: bool,
    pub side: TableState,
    pub mark: Mark,
}

impl DetailState {
    pub fn clamp(&mut self, height: usize) {
        let max = self.lines.len().saturating_sub(height.max(1));
        self.scroll = self.scroll.min(max);
    }
}

pub fn find_object(data: &Data, r: &ObjectRef) -> Option<Arc<Object>> {
    let kind = Kind::ALL.into_iter().find(|k| k.name() == r.kind)?;
    data.store
        .of(kind)
        .iter()
        .find(|o| o.name == r.name && o.namespace == r.namespace)
        .cloned()
}

/// A route's live traffic per rule and fleet, in the side list: what the
/// Routes view sums, split so that the failing rule stands out.
fn traffic_rows(data: &Data, obj: &ObjectRef) -> Vec<Row> {
    let Some(route) = data.model.routes.iter().find(|r| {
        r.obj.kind.name() == obj.kind && r.obj.name == obj.name && r.obj.namespace == obj.namespace
    }) else {
        return Vec::new();
    };
    if data.metrics.is_none() {
        return Vec::new();
    }
    let fleets = super::routes::fleet_of_gateway(data);
    let traffic = super::routes::route_traffic(data, &fleets, route);
    if traffic.is_empty() {
        return vec![Row::new(
            vec![
                "traffic".into(),
                "no scraped fleet has a cluster named after this route".into(),
            ],
            RowKey::None,
            None,
            Mark::default(),
        )];
    }
    let several = traffic.windows(2).any(|w| w[0].0 != w[1].0);
    let share = |v: Option<f64>| {
        v.map(super::fleets::fmt_share)
            .unwrap_or_else(|| "-".into())
    };
    let mut rows = Vec::new();
    // Several short rows per rule: the side list is a third of the screen.
    for (fleet, rule, p) in &traffic {
        let mut head = if *rule < 0 {
            "route".to_string()
        } else {
            format!("rule {rule}")
        };
        if several {
            head.push_str(&format!(" [{fleet}]"));
        }
        for (what, value) in [
            (
                "rps, 5xx",
                format!(
                    "{}, {} ({:.0} of {:.0})",
                    super::fleets::fmt_rps(p.rps),
                    share(p.share_5xx()),
                    p.responses_5xx,
                    p.responses
                ),
            ),
            (
                "p50, p99",
                format!(
                    "{}, {}",
                    super::fleets::fmt_ms(p.p50_ms),
                    super::fleets::fmt_ms(p.p99_ms)
                ),
            ),
            (
                "active, 4xx",
                format!("{:.0}, {}", p.active, share(p.share_4xx())),
            ),
            ("connect fails", format!("{:.0}", p.connect_fail)),
            (
                "timeouts, overflow",
                format!("{:.0}, {:.0}", p.timeouts, p.pending_overflow),
            ),
        ] {
            rows.push(Row::new(
                vec![format!("{head} {what}"), value],
                RowKey::None,
                None,
                Mark::default(),
            ));
        }
    }
    rows
}

pub fn build(data: &Data, obj: &ObjectRef, finding: Option<usize>) -> DetailState {
    let object = find_object(data, obj);
    let lines = match &object {
        Some(o) => yaml::print(&o.raw),
        None => vec![YamlLine {
            indent: 0,
            key: String::new(),
            value: format!("# {} is not in the source", obj.display_path()),
            path: Vec::new(),
        }],
    };
    let f = finding.and_then(|i| data.audit.findings.get(i)).cloned();
    let mut highlight = None;
    let mut note = None;
    if let (Some(o), Some(f)) = (&object, &f) {
        let path = f.path.clone().or_else(|| {
            // A listener finding without a field: the listener itself.
            let l = f.listener.as_ref()?;
            let idx = crate::model::listeners::read_listeners(o, None)
                .iter()
                .position(|x| &x.name == l)?;
            Some(format!("spec.listeners[{idx}]"))
        });
        if let Some(path) = path {
            let r = yaml::resolve(&o.raw, &path);
            highlight = yaml::span(&lines, &r.path);
            if !r.complete {
                // Only the parent exists: mark its key line, not its subtree.
                highlight = highlight.map(|(a, _)| (a, a));
                note = Some(if r.in_text {
                    format!("{path}: inside the embedded text of this field")
                } else {
                    format!("{path} (not set)")
                });
            }
            if highlight.is_none() {
                note = Some(format!("{path} (not set)"));
            }
        }
    }
    let scroll = highlight.map(|(a, _)| a.saturating_sub(3)).unwrap_or(0);
    let mut rows = Vec::new();
    for (i, f) in data.findings_of(obj) {
        let mut mark = Mark::default();
        mark.add(f);
        let label = match &f.listener {
            Some(l) => format!("{} [{l}]", f.rule),
            None => f.rule.to_string(),
        };
        rows.push(Row::new(
            vec![label, f.message.clone()],
            RowKey::Finding(i),
            None,
            mark,
        ));
    }
    rows.extend(traffic_rows(data, obj));
    for (why, r) in related(data, obj) {
        let mark = data.mark(&r);
        rows.push(Row::new(
            vec![format!("→ {why}"), r.display_path()],
            RowKey::Object(r),
            None,
            mark,
        ));
    }
    let mut side = TableState::new(vec!["FINDINGS / RELATED", ""], rows);
    if let Some(i) = finding
        && let Some(pos) = side
            .visible
            .iter()
            .position(|&r| side.rows[r].key == RowKey::Finding(i))
    {
        side.selected = pos;
    }
    DetailState {
        title: obj.display_path(),
        lines,
        highlight,
        note,
        finding,
        finding_text: f,
        scroll,
        yaml_only: false,
        focus_side: false,
        side,
        mark: data.mark(obj),
    }
}

/// Objects related to `obj`: owner, class, targets, fleet, routes, and what
/// its findings name.
pub fn related(data: &Data, obj: &ObjectRef) -> Vec<(String, ObjectRef)> {
    let m = &data.model;
    let mut out: Vec<(String, ObjectRef)> = Vec::new();
    let same = |o: &Object| key_of(&o.obj_ref()) == key_of(obj);
    let mut add = |why: &str, r: ObjectRef| {
        let r = r.without_version();
        if key_of(&r) != key_of(obj) && !out.iter().any(|(_, x)| x == &r) {
            out.push((why.to_string(), r));
        }
    };
    for (gi, g) in m.gateways.iter().enumerate() {
        let is_gw = same(&g.obj);
        if is_gw {
            if let Some(c) = m.class_of(g) {
                add("class", c.obj.obj_ref());
            }
            if let Some(ep) = &g.envoy_proxy {
                add("envoyproxy", ep.obj_ref());
            }
            if let Some(f) = m.fleet_of(gi) {
                if let Some(w) = f.workload() {
                    add("fleet", w.obj_ref());
                }
                if let Some(h) = &f.hpa {
                    add("hpa", h.obj_ref());
                }
            }
            for r in m
                .routes
                .iter()
                .filter(|r| r.parents.iter().any(|p| p.gateway == Some(gi)))
            {
                add("route", r.obj.obj_ref());
            }
        }
        if m.class_of(g).is_some_and(|c| same(&c.obj)) {
            add("gateway", g.obj.obj_ref());
        }
    }
    for c in &m.classes {
        if same(&c.obj) {
            if let Some(ep) = &c.envoy_proxy {
                add("envoyproxy", ep.obj_ref());
            }
            for &ci in &c.controllers {
                add("controller", m.controllers[ci].deployment.obj_ref());
            }
        }
    }
    for (ci, c) in m.controllers.iter().enumerate() {
        if same(&c.deployment) {
            if let Some(cm) = &c.config_map {
                add("config", cm.obj_ref());
            }
            for cl in m.classes.iter().filter(|cl| cl.controllers.contains(&ci)) {
                add("class", cl.obj.obj_ref());
            }
        }
    }
    for r in &m.routes {
        if same(&r.obj) {
            for p in &r.parents {
                if let Some(g) = p.gateway {
                    add("parent", m.gateways[g].obj.obj_ref());
                }
            }
        }
    }
    for p in &m.policies {
        let targets_obj = p.targets.iter().any(|t| match t.obj {
            TargetObj::Gateway(g) => same(&m.gateways[g].obj),
            TargetObj::Route(r) => same(&m.routes[r].obj),
        });
        if targets_obj {
            add("policy", p.obj.obj_ref());
        }
        if same(&p.obj) {
            for t in &p.targets {
                let r = match t.obj {
                    TargetObj::Gateway(g) => m.gateways[g].obj.obj_ref(),
                    TargetObj::Route(r) => m.routes[r].obj.obj_ref(),
                };
                add("target", r);
            }
        }
    }
    for f in &m.fleets {
        let members: Vec<&Arc<Object>> = [&f.deployment, &f.daemonset, &f.hpa, &f.service]
            .into_iter()
            .flatten()
            .chain(f.pods.iter())
            .collect();
        if members.iter().any(|o| same(o)) {
            add("fleet owner", f.owner.clone());
            for o in [&f.deployment, &f.daemonset, &f.hpa, &f.service]
                .into_iter()
                .flatten()
            {
                add(&o.kind.name().to_ascii_lowercase(), o.obj_ref());
            }
            if let Some(ep) = f.proxy.object() {
                add("envoyproxy", ep.obj_ref());
            }
        }
    }
    for (_, f) in data.findings_of(obj) {
        for r in &f.related {
            add("named by finding", r.clone());
        }
    }
    out
}

/// Height of the YAML text area inside the body.
pub fn yaml_height(body: Rect) -> usize {
    body.height.saturating_sub(2) as usize
}

pub fn side_height(body: Rect) -> usize {
    (body.height.saturating_sub(2) / 2).saturating_sub(1) as usize
}

pub fn render(d: &DetailState, frame: &mut Frame, body: Rect, theme: &Theme) {
    let (yaml_area, side_area) = if d.yaml_only {
        (body, None)
    } else {
        let w = body.width * 3 / 5;
        (
            Rect::new(body.x, body.y, w, body.height),
            Some(Rect::new(body.x + w, body.y, body.width - w, body.height)),
        )
    };
    let title_style = table::mark_style(theme, &d.mark).unwrap_or(theme.title);
    let mut title = vec![safe::span(&format!(" {} ", d.title), title_style)];
    if let Some(n) = &d.note {
        title.push(safe::span(&format!(" {n} "), theme.highlight));
    }
    let border = if d.focus_side {
        theme.border
    } else {
        theme.accent
    };
    let block = Block::bordered()
        .border_style(border)
        .title(Line::from(title))
        .title_bottom(
            Line::from(Span::styled(
                format!(
                    " {}/{} lines ",
                    (d.scroll + 1).min(d.lines.len()),
                    d.lines.len()
                ),
                theme.dim,
            ))
            .right_aligned(),
        );
    let inner = block.inner(yaml_area);
    frame.render_widget(block, yaml_area);
    let lines: Vec<Line> = d
        .lines
        .iter()
        .enumerate()
        .skip(d.scroll)
        .take(inner.height as usize)
        .map(|(i, l)| {
            let hl = d.highlight.is_some_and(|(a, b)| i >= a && i <= b);
            let (ks, vs) = if hl {
                (theme.highlight, theme.highlight)
            } else {
                (theme.yaml_key, theme.yaml_value)
            };
            let mut spans = vec![
                Span::styled(
                    " ".repeat(l.indent),
                    if hl { theme.highlight } else { theme.fg },
                ),
                safe::span(&l.key, ks),
                safe::span(&l.value, vs),
            ];
            if hl && d.note.is_some() && Some(i) == d.highlight.map(|h| h.0) {
                spans.push(safe::span(
                    &format!("  ◀ {}", d.note.as_deref().unwrap_or("")),
                    theme.warning,
                ));
            }
            Line::from(spans)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);
    let Some(side) = side_area else {
        return;
    };
    let list_h = (side.height / 2).max(3);
    let list_area = Rect::new(side.x, side.y, side.width, list_h);
    let border = if d.focus_side {
        theme.accent
    } else {
        theme.border
    };
    let block = Block::bordered().border_style(border).title(Span::styled(
        " findings · related (Tab, Enter) ",
        theme.title,
    ));
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    if d.side.rows.is_empty() {
        frame.render_widget(
            Paragraph::new("no findings, no relations").style(theme.dim),
            inner,
        );
    } else {
        table::render(frame, inner, &d.side, theme, d.focus_side);
    }
    let guide_area = Rect::new(side.x, side.y + list_h, side.width, side.height - list_h);
    let shown = match (d.focus_side, d.side.selected_row()) {
        (true, Some(r)) => match &r.key {
            RowKey::Finding(_) => None,
            _ => d.finding_text.as_ref(),
        },
        _ => d.finding_text.as_ref(),
    };
    match shown {
        Some(f) => frame.render_widget(super::findings::guide_text(f, theme), guide_area),
        None => frame.render_widget(
            Paragraph::new("Select a finding (Tab, j/k, Enter) to highlight its field.")
                .style(theme.dim)
                .block(Block::bordered().border_style(theme.border)),
            guide_area,
        ),
    }
}
