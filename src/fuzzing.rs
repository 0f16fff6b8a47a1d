//! The bodies of the fuzz targets, shared by cargo-fuzz (`fuzz/`, nightly)
//! and the stable smoke fuzzer (`tests/fuzz_smoke.rs`), so both exercise
//! exactly the same code. Each must return on any input: a panic or a hang
//! is the finding.

use crate::audit::{self, AuditOptions};
use crate::metrics::{prom, series};
use crate::model::tenancy::EgConfig;
use crate::source::snapshot;
use crate::units;

/// The snapshot loader (YAML and JSON, every layout), then the model and
/// the audit on whatever loads.
pub fn snapshot_load(data: &[u8]) {
    fn check(name: &str, text: &str) {
        if let Ok(store) = snapshot::load_text(name, text) {
            let opts = AuditOptions {
                now: Some(crate::demo::demo_now()),
                ..AuditOptions::default()
            };
            let _ = audit::run(&store, &opts);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        check("fuzz.yaml", text);
        // The JSON path: the loader picks it for text that starts with a
        // brace or a bracket.
        if !text.trim_start().starts_with(['{', '[']) {
            check("fuzz.json", &format!("[{text}]"));
        }
    }
}

/// Quantities and durations; a quantity that parses is finite.
pub fn quantity_duration(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(q) = units::parse_quantity(&text) {
        assert!(q.is_finite(), "{text:?} parsed to {q}");
    }
    let _ = units::parse_duration(&text);
    let _ = units::quantity_of(&serde_json::Value::String(text.into_owned()));
}

/// The EnvoyGateway config file (the `envoy-gateway.yaml` key of its
/// ConfigMap).
pub fn eg_config(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(value) = crate::source::parse_yaml_value(text)
    {
        let cfg = EgConfig::from_value(&value);
        let _ = cfg.gateway_namespace_mode();
    }
}

/// The Prometheus text parser, whole and as the scraper uses it, and the
/// series maths on what it parses.
pub fn prom_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(scrape) = prom::parse(text) {
        let _ = series::derive(&scrape, &scrape, 1.0);
        let _ = series::derive(&prom::Scrape::default(), &scrape, 1.0);
    }
    if let Ok(some) = prom::parse_only(text, series::wanted) {
        let _ = series::derive(&some, &some, 1.0);
    }
}

/// Asserts that `out` can go to a terminal: no control or invisible
/// character but the renderer's own line breaks, and with `color` its own
/// SGR sequences (`ESC [ digits ; ... m`).
pub fn assert_terminal_safe(out: &str, color: bool) {
    let mut chars = out.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\n' {
            continue;
        }
        if c == '\x1b' && color && chars.peek().map(|(_, c)| *c) == Some('[') {
            chars.next();
            let mut closed = false;
            for (_, c) in chars.by_ref() {
                if c == 'm' {
                    closed = true;
                    break;
                }
                assert!(
                    c.is_ascii_digit() || c == ';',
                    "not an SGR sequence at byte {i}: {:?}",
                    &out[i..out.len().min(i + 16)]
                );
            }
            assert!(closed, "unterminated SGR sequence at byte {i}");
            continue;
        }
        assert!(
            !crate::sanitize::needs_escape(c),
            "{c:?} reached the output at byte {i}: {:?}",
            &out[i.saturating_sub(16)..out.len().min(i + 16)]
        );
    }
}

/// A YAML double-quoted scalar from fuzz bytes. Odd first byte: the text
/// as is (only `"` and line breaks escaped), so the input's own YAML
/// escapes (`\x1b`, `\u202e`, `\x9b`, `\ud800`) are decoded by the loader;
/// else every character outside printable ASCII written as a YAML escape,
/// so that any control, bidi or zero-width character reaches the value.
fn yaml_quoted(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    let mut out = String::from("\"");
    let raw = data.first().is_some_and(|b| b % 2 == 1);
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\\' if !raw => out.push_str("\\\\"),
            ' '..='~' => out.push(c),
            c if raw && !crate::sanitize::needs_escape(c) => out.push(c),
            c if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// The text report fed hostile strings: the fuzz input becomes the names,
/// listener name, condition message and `ignore-EG209` reason of a small
/// snapshot, which is audited and rendered without and with colour. No
/// control byte but the report's own newlines (and SGR colours) may reach
/// the output, and JSON keeps the exact strings.
pub fn text_report(data: &[u8]) {
    let q = yaml_quoted(data);
    let text = format!(
        "apiVersion: gateway.networking.k8s.io/v1\n\
         kind: GatewayClass\n\
         metadata: {{name: eg}}\n\
         spec: {{controllerName: gateway.envoyproxy.io/gatewayclass-controller}}\n\
         ---\n\
         apiVersion: gateway.networking.k8s.io/v1\n\
         kind: Gateway\n\
         metadata:\n  name: {q}\n  namespace: {q}\n\
         \x20 annotations: {{audit.egscope.io/ignore-EG209: {q}}}\n\
         spec:\n  gatewayClassName: eg\n  listeners:\n  - {{name: {q}, protocol: HTTP, port: 80}}\n\
         status:\n  conditions:\n  - {{type: Accepted, status: \"False\", reason: {q}, message: {q}}}\n\
         ---\n\
         apiVersion: gateway.networking.k8s.io/v1\n\
         kind: HTTPRoute\n\
         metadata: {{name: {q}, namespace: {q}}}\n\
         spec: {{parentRefs: [{{name: {q}}}]}}\n"
    );
    let Ok(store) = snapshot::load_text("fuzz.yaml", &text) else {
        return;
    };
    let opts = AuditOptions {
        now: Some(crate::demo::demo_now()),
        ..AuditOptions::default()
    };
    let Ok(result) = audit::run(&store, &opts) else {
        return;
    };
    for color in [false, true] {
        let meta = crate::report::ReportMeta {
            source: store.source.clone(),
            profile: crate::cli::Profile::Production,
            color,
        };
        let out = crate::report::text::render(&result, &meta);
        assert_terminal_safe(&out, color);
    }
}

/// The TUI's cell writer fed hostile strings: a table row, the status
/// line with a flash message, the breadcrumb, a caption and YAML-view
/// spans, all holding the fuzz input, drawn into a test terminal. No cell
/// may hold a control or invisible character.
pub fn tui_cells(data: &[u8]) {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::layout::Rect;
    use ratatui::text::Line;
    use ratatui::widgets::Paragraph;

    use crate::ui::widgets::{breadcrumb, caption, safe, status_line, table};

    let s = String::from_utf8_lossy(data).into_owned();
    let theme = crate::ui::theme::Theme::builtin("default").expect("the default theme");
    let rows = vec![
        table::Row::new(
            vec![s.clone(), format!("ns/{s}"), s.clone()],
            table::RowKey::None,
            Some(s.clone()),
            Default::default(),
        ),
        table::Row::new(
            vec![s.clone(), String::new(), "-".into()],
            table::RowKey::None,
            None,
            Default::default(),
        )
        .grouped_by(0),
    ];
    let mut state = table::TableState::new(vec!["NAME", "NS", "MESSAGE"], rows);
    state.filter = s.chars().take(8).collect();
    state.refresh(None);
    let status = crate::ui::status::SourceStatus {
        source: s.clone(),
        ..crate::ui::status::SourceStatus::demo()
    };
    let mut term = Terminal::new(TestBackend::new(60, 16)).expect("a test terminal");
    let drawn = term.draw(|f| {
        let w = f.area().width;
        table::render(f, Rect::new(0, 0, w, 4), &state, &theme, true);
        breadcrumb::render(
            f,
            Rect::new(0, 4, w, 1),
            &[s.clone(), s.clone()],
            &s,
            &theme,
        );
        status_line::render(
            f,
            Rect::new(0, 5, w, 1),
            &status,
            "production",
            &Default::default(),
            Some(&s),
            &theme,
        );
        f.render_widget(
            Paragraph::new(Line::from(vec![
                safe::span(&s, theme.yaml_key),
                safe::span(&s, theme.yaml_value),
            ])),
            Rect::new(0, 6, w, 1),
        );
        caption::render(f, Rect::new(0, 7, w, 9), &s, &s, "hint", &theme);
    });
    let buf = drawn.expect("drawing to a test terminal").buffer.clone();
    for (i, cell) in buf.content.iter().enumerate() {
        assert!(
            crate::sanitize::is_clean(cell.symbol())
                && !cell.symbol().chars().any(char::is_control),
            "cell {i} holds {:?} (input {s:?})",
            cell.symbol()
        );
    }
}
