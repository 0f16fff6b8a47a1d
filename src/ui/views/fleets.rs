//! Draws the Fleets view: the table and, below it, the selected fleet's
//! shape.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::model::{Fleet, ProxySource};
use crate::ui::data::Data;
use crate::ui::state::App;
use crate::ui::theme::Theme;
use crate::ui::vm::fleets::{Hpa, fmt_ms, fmt_rps, fmt_share, opt};
use crate::ui::widgets::safe;
use crate::ui::widgets::sparkline::sparkline;
use crate::ui::widgets::table::RowKey;

/// The table and, below it, the selected fleet's shape.
pub fn render(app: &App, data: &Data, frame: &mut Frame, body: Rect, theme: &Theme) {
    super::table_block(app, data, frame, body, theme, "");
    let pane = crate::ui::layout::pane_below_table(app, body);
    let Some(RowKey::Fleet(i)) = app.top().table.selected_row().map(|r| r.key.clone()) else {
        return;
    };
    let Some(f) = data.model.fleets.iter().find(|f| f.key == i) else {
        return;
    };
    frame.render_widget(
        Paragraph::new(fleet_lines(data, f, theme))
            .wrap(Wrap { trim: true })
            .block(
                Block::bordered()
                    .border_style(theme.border)
                    .title(safe::span(&format!(" fleet {} ", f.key), theme.title)),
            ),
        pane,
    );
}

fn fleet_lines<'a>(data: &'a Data, f: &'a Fleet, theme: &Theme) -> Vec<Line<'a>> {
    let m = &data.model;
    let label = |s: &'static str| Span::styled(format!("{s:<12}"), theme.dim);
    let proxy = match &f.proxy {
        ProxySource::Gateway(o) => format!(
            "EnvoyProxy {}/{} (Gateway parametersRef)",
            o.namespace_or_empty(),
            o.name
        ),
        ProxySource::Class(o) => format!(
            "EnvoyProxy {}/{} (GatewayClass parametersRef)",
            o.namespace_or_empty(),
            o.name
        ),
        ProxySource::ControllerDefault(c) => {
            format!(
                "controller default (envoyProxy in {}'s config)",
                m.controllers[*c].deployment.name
            )
        }
        ProxySource::BuiltIn => "Envoy Gateway built-in defaults (no EnvoyProxy)".into(),
        ProxySource::Missing => "parametersRef names a missing EnvoyProxy".into(),
    };
    let gateways: Vec<String> = f
        .gateways
        .iter()
        .map(|g| {
            let o = &m.gateways[*g].obj;
            format!("{}/{}", o.namespace_or_empty(), o.name)
        })
        .collect();
    let mut lines = vec![
        Line::from(vec![
            label("owner"),
            safe::span(&f.owner.display_path(), Style::new()),
        ]),
        Line::from(vec![
            label("gateways"),
            safe::span(&gateways.join(", "), Style::new()),
        ]),
        Line::from(vec![label("envoyproxy"), safe::span(&proxy, Style::new())]),
    ];
    if let Some(h) = &f.hpa {
        let h = Hpa::read(h);
        let style = if h.saturated() { theme.error } else { theme.fg };
        let mut text = format!(
            "min {} · current {} · desired {} · max {} · cpu {} of target {}",
            opt(h.min),
            opt(h.current),
            opt(h.desired),
            opt(h.max),
            h.cpu_current.map(|c| format!("{c}%")).unwrap_or("?".into()),
            h.cpu_target.map(|c| format!("{c}%")).unwrap_or("-".into()),
        );
        if let Some(r) = &h.limited {
            text.push_str(&format!(" · ScalingLimited ({r})"));
        }
        if h.saturated() {
            text.push_str(" · SATURATED: at max and still over target");
        }
        lines.push(Line::from(vec![label("hpa"), Span::styled(text, style)]));
    } else {
        lines.push(Line::from(vec![
            label("hpa"),
            Span::styled("none: replicas are fixed", theme.dim),
        ]));
    }
    match data.fleet_traffic(f) {
        Some(t) => {
            lines.push(Line::from(vec![
                label("traffic"),
                Span::raw(format!(
                    "{} rps · 5xx {} · p99 {} · ",
                    fmt_rps(t.rps),
                    fmt_share(t.share_5xx),
                    fmt_ms(t.p99_ms)
                )),
                Span::styled(sparkline(&t.rps_history, 40), theme.accent),
            ]));
            // The short history of the symptom itself: did the 5xx share
            // or the latency move first, and when.
            lines.push(Line::from(vec![
                label("5xx, p99"),
                Span::styled(sparkline(&t.share_5xx_history, 20), theme.error),
                Span::raw("  "),
                Span::styled(sparkline(&t.p99_history, 20), theme.warning),
            ]));
        }
        None => lines.push(Line::from(vec![
            label("traffic"),
            Span::styled("no metrics (none scraped from this source)", theme.dim),
        ])),
    }
    lines
}
