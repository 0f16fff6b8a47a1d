//! Draws the Overview: findings by severity and area, coverage, fleets
//! with traffic and saturation, and the worst offenders.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::ui::data::Data;
use crate::ui::layout;
use crate::ui::state::App;
use crate::ui::theme::Theme;
use crate::ui::vm::fleets::{Hpa, pods_ready};
use crate::ui::widgets::safe;
use crate::ui::widgets::table;

pub fn render(app: &App, data: &Data, frame: &mut Frame, body: Rect, theme: &Theme) {
    let block = Block::bordered()
        .border_style(theme.border)
        .title(Span::styled(" Overview ", theme.title));
    let inner = block.inner(body);
    frame.render_widget(block, body);
    let top = Rect::new(
        inner.x,
        inner.y,
        inner.width,
        layout::OVERVIEW_TOP_H.min(inner.height),
    );
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
                data.audit.skipped().count()
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
    // By area: all six, zeros included (the counts' header is the title).
    let mut area_lines = Vec::new();
    // The name column gives way at 80 columns, never the counts.
    // Each count is at least 4 wide and one more than its widest number,
    // so that 77,038 warnings never run into the errors beside them.
    let counts = crate::ui::vm::coverage::area_counts(data);
    let cw = counts
        .iter()
        .flat_map(|(_, c)| c.iter())
        .map(|n| n.to_string().len() + 1)
        .max()
        .unwrap_or(0)
        .max(4);
    let name_w = (w.saturating_sub(2) as usize)
        .saturating_sub(3 * cw)
        .min(14);
    for (a, [e, wn, i]) in counts {
        area_lines.push(Line::from(vec![
            Span::raw(format!(
                "{:<name_w$}",
                table::truncate(a.as_str(), name_w.saturating_sub(1))
            )),
            Span::styled(
                format!("{e:>cw$}"),
                if e > 0 { theme.error } else { theme.dim },
            ),
            Span::styled(
                format!("{wn:>cw$}"),
                if wn > 0 { theme.warning } else { theme.dim },
            ),
            Span::styled(
                format!("{i:>cw$}"),
                if i > 0 { theme.info } else { theme.dim },
            ),
        ]));
    }
    boxed(
        frame,
        Rect::new(top.x + w, top.y, w, top.height),
        &format!(
            " {:<t$}{:>cw$}{:>cw$}{:>cw$} ",
            "by area",
            "E",
            "W",
            "I",
            t = name_w.saturating_sub(2)
        ),
        area_lines,
        theme,
    );
    // Source coverage: kinds that could not be read, as many as fit, and
    // where to see the rest and the skipped rules.
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
    let unreadable = crate::ui::vm::coverage::degraded_lines(data);
    let mut tail = Vec::new();
    if !data.store.undecodable.is_empty() {
        tail.push(Line::from(Span::styled(
            format!("{} undecodable objects", data.store.undecodable.len()),
            theme.error,
        )));
    }
    let room = (top.height.saturating_sub(2) as usize).saturating_sub(src.len() + tail.len());
    if unreadable.is_empty() {
        src.push(Line::from(Span::styled("every kind readable", theme.ok)));
    } else {
        let fits = unreadable.len() <= room;
        let shown = if fits { room } else { room.saturating_sub(1) };
        for u in unreadable.iter().take(shown) {
            src.push(Line::from(safe::span(u, theme.warning)));
        }
        if !fits {
            src.push(Line::from(Span::styled(
                format!("+{} more (:coverage)", unreadable.len() - shown),
                theme.warning,
            )));
        }
    }
    src.extend(tail);
    boxed(
        frame,
        Rect::new(top.x + 2 * w, top.y, top.width - 2 * w, top.height),
        " coverage (:cov) ",
        src,
        theme,
    );
    // Fleets.
    let fh = layout::overview_fleets_h(app).min(inner.height.saturating_sub(top.height));
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
    let area = layout::table_rect(app, body);
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
