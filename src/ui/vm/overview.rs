//! Overview: findings by severity and area, fleets with traffic and
//! saturation, and the worst offenders first (selectable: Enter opens one).

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::audit::Severity;
use crate::store::{Kind, KindState};
use crate::ui::app::App;
use crate::ui::data::{Data, Mark, key_of};
use crate::ui::theme::Theme;
use crate::ui::widgets::safe;
use crate::ui::widgets::table::{self, Row, RowKey};

use super::findings::rule;
use super::fleets::{Hpa, pods_ready};

pub const COLUMNS: [&str; 4] = ["WORST OFFENDERS", "WORST", "FINDINGS", "RULES"];

const TOP_H: u16 = 8;

/// How many fleets the Overview lists (the first ones of the model).
pub fn fleets_shown(app: &App) -> usize {
    fleets_h(app).saturating_sub(2) as usize
}

fn fleets_h(app: &App) -> u16 {
    let n = app.data.as_ref().map_or(0, |d| d.model.fleets.len()) as u16;
    (n + 2).clamp(3, 8)
}

/// The offenders table sits under the summary boxes and the fleets.
pub fn table_rect(app: &App, inner: Rect) -> Rect {
    let top = TOP_H + fleets_h(app);
    Rect::new(
        inner.x,
        inner.y + top.min(inner.height),
        inner.width,
        inner.height.saturating_sub(top),
    )
}

pub fn rows(data: &Data) -> (Vec<&'static str>, Vec<Row>) {
    let mut by: BTreeMap<_, (crate::store::ObjectRef, Mark, Vec<&str>)> = BTreeMap::new();
    for f in &data.audit.findings {
        let e = by
            .entry(key_of(&f.object))
            .or_insert_with(|| (f.object.without_version(), Mark::default(), Vec::new()));
        e.1.add(f);
        if !e.2.contains(&f.rule) {
            e.2.push(f.rule);
        }
    }
    let mut items: Vec<_> = by.into_values().collect();
    let rank = |m: &Mark| m.worst.map_or(0, |s| s.rank());
    items.sort_by(|a, b| {
        rank(&b.1)
            .cmp(&rank(&a.1))
            .then(b.1.count.cmp(&a.1.count))
            .then(a.0.cmp(&b.0))
    });
    let rows = items
        .into_iter()
        .map(|(obj, mark, rules)| {
            let worst_key = mark.worst.map_or(0.0, |s| table::severity_key(s, false));
            Row::new(
                vec![
                    obj.display_path(),
                    mark.worst
                        .map(|s| s.to_string())
                        .unwrap_or_else(|| "suppressed".into()),
                    mark.count.to_string(),
                    rules.join(","),
                ],
                RowKey::Object(obj.clone()),
                obj.namespace.clone(),
                mark,
            )
            .sort_by(1, worst_key)
        })
        .collect();
    (COLUMNS.to_vec(), rows)
}

pub fn render(app: &App, data: &Data, frame: &mut Frame, body: Rect, theme: &Theme) {
    let block = Block::bordered()
        .border_style(theme.border)
        .title(Span::styled(" Overview ", theme.title));
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let top = Rect::new(inner.x, inner.y, inner.width, TOP_H.min(inner.height));
    let w = top.width / 3;
    let s = data.audit.summary();
    // Findings by severity.
    let total = (s.error + s.warning + s.info).max(1);
    let bar = |n: usize| "█".repeat((n * 20).div_ceil(total).min(20));
    let sev_lines = vec![
        Line::from(vec![
            Span::styled(format!("● error   {:>4} ", s.error), theme.error),
            Span::styled(bar(s.error), theme.error),
        ]),
        Line::from(vec![
            Span::styled(format!("▲ warning {:>4} ", s.warning), theme.warning),
            Span::styled(bar(s.warning), theme.warning),
        ]),
        Line::from(vec![
            Span::styled(format!("ℹ info    {:>4} ", s.info), theme.info),
            Span::styled(bar(s.info), theme.info),
        ]),
        Line::from(Span::styled(
            format!("· suppressed {:>2}", s.suppressed),
            theme.suppressed,
        )),
        Line::from(Span::styled(
            format!(
                "{} objects · {} skipped rules",
                s.objects,
                data.audit.skipped.len()
            ),
            theme.dim,
        )),
    ];
    boxed(
        frame,
        Rect::new(top.x, top.y, w, top.height),
        " findings by severity ",
        sev_lines,
        theme,
    );
    // By area.
    let mut areas: BTreeMap<crate::audit::Area, [usize; 3]> = BTreeMap::new();
    for f in data
        .audit
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
    {
        if let Some(r) = rule(f.rule) {
            let e = areas.entry(r.area).or_default();
            match f.severity {
                Severity::Error => e[0] += 1,
                Severity::Warning => e[1] += 1,
                Severity::Info => e[2] += 1,
            }
        }
    }
    let mut area_lines = vec![Line::from(Span::styled(
        format!("{:<14}{:>4}{:>4}{:>4}", "area", "E", "W", "I"),
        theme.header,
    ))];
    for (a, [e, wn, i]) in &areas {
        area_lines.push(Line::from(vec![
            Span::raw(format!("{:<14}", a.as_str())),
            Span::styled(
                format!("{e:>4}"),
                if *e > 0 { theme.error } else { theme.dim },
            ),
            Span::styled(
                format!("{wn:>4}"),
                if *wn > 0 { theme.warning } else { theme.dim },
            ),
            Span::styled(
                format!("{i:>4}"),
                if *i > 0 { theme.info } else { theme.dim },
            ),
        ]));
    }
    boxed(
        frame,
        Rect::new(top.x + w, top.y, w, top.height),
        " by area ",
        area_lines,
        theme,
    );
    // Source coverage: kinds that could not be read.
    let mut src = vec![Line::from(vec![
        Span::styled("tenants ", theme.dim),
        Span::raw(format!(
            "{} controllers · {} classes",
            data.model.controllers.len(),
            data.model.classes.len()
        )),
    ])];
    src.push(Line::from(vec![
        Span::styled("objects ", theme.dim),
        Span::raw(format!(
            "{} gateways · {} routes · {} policies",
            data.model.gateways.len(),
            data.model.routes.len(),
            data.model.policies.len()
        )),
    ]));
    let mut unreadable = Vec::new();
    for k in Kind::ALL {
        match data.store.state(k) {
            // What could not be read comes before what is not installed:
            // the first makes what is shown partial.
            KindState::Forbidden(_) => unreadable.insert(0, format!("{} forbidden", k.name())),
            KindState::Unavailable(_) => unreadable.insert(0, format!("{} unavailable", k.name())),
            KindState::Partial { namespaces, .. } => {
                unreadable.insert(0, format!("{} only in {}", k.name(), namespaces.join(", ")))
            }
            KindState::NotInstalled => unreadable.push(format!("{} not installed", k.name())),
            _ => {}
        }
    }
    if unreadable.is_empty() {
        src.push(Line::from(Span::styled("every kind readable", theme.ok)));
    } else {
        for u in unreadable.iter().take(3) {
            src.push(Line::from(safe::span(u, theme.warning)));
        }
    }
    if !data.store.undecodable.is_empty() {
        src.push(Line::from(Span::styled(
            format!("{} undecodable objects", data.store.undecodable.len()),
            theme.error,
        )));
    }
    boxed(
        frame,
        Rect::new(top.x + 2 * w, top.y, top.width - 2 * w, top.height),
        " coverage ",
        src,
        theme,
    );
    // Fleets.
    let fh = fleets_h(app).min(inner.height.saturating_sub(top.height));
    let fr = Rect::new(inner.x, top.y + top.height, inner.width, fh);
    let mut fleet_lines = Vec::new();
    // Only the lines the box can show: a large cluster has a thousand
    // fleets, and this runs on every frame.
    let visible = fh.saturating_sub(2) as usize;
    for f in data.model.fleets.iter().take(visible) {
        let (ready, total) = pods_ready(&f.pods);
        let mut spans = vec![
            Span::styled(
                format!("{:<28}", table::truncate(&safe::text(&f.key), 27)),
                theme.accent,
            ),
            Span::raw(format!("pods {ready}/{total}  ")),
        ];
        match f.hpa.as_deref().map(Hpa::read) {
            Some(h) if h.saturated() => spans.push(Span::styled(
                format!(
                    "HPA {}/{} SATURATED (cpu {}% > {}%)  ",
                    h.current.unwrap_or(0),
                    h.max.unwrap_or(0),
                    h.cpu_current.unwrap_or(0),
                    h.cpu_target.unwrap_or(0)
                ),
                theme.error,
            )),
            Some(h) => spans.push(Span::raw(format!(
                "HPA {}/{}  ",
                h.current.unwrap_or(0),
                h.max.unwrap_or(0)
            ))),
            None => spans.push(Span::styled("no HPA  ", theme.dim)),
        }
        match data.fleet_traffic(f) {
            Some(t) => spans.push(Span::raw(format!(
                "{:.0} rps · 5xx {:.1}% · p99 {}",
                t.rps,
                t.share_5xx * 100.0,
                t.p99_ms.map(|v| format!("{v:.0}ms")).unwrap_or("-".into())
            ))),
            None => spans.push(Span::styled("no metrics", theme.dim)),
        }
        fleet_lines.push(Line::from(spans));
    }
    if fleet_lines.is_empty() {
        fleet_lines.push(Line::from(Span::styled("no proxy fleets found", theme.dim)));
    }
    boxed(frame, fr, " fleets ", fleet_lines, theme);
    // Worst offenders.
    let area = table_rect(app, inner);
    let t = &app.top().table;
    if t.rows.is_empty() {
        frame.render_widget(
            Paragraph::new("No findings: this cluster follows the production guide.")
                .style(theme.ok),
            area,
        );
    } else {
        table::render(frame, area, t, theme, true);
    }
}

fn boxed(frame: &mut Frame, area: Rect, title: &str, lines: Vec<Line<'_>>, theme: &Theme) {
    if area.height < 2 || area.width < 4 {
        return;
    }
    frame.render_widget(
        Paragraph::new(lines).block(
            Block::bordered()
                .border_style(theme.border)
                .title(Span::styled(title.to_string(), theme.title)),
        ),
        area,
    );
}
