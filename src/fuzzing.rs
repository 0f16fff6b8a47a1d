//! The bodies of the fuzz targets, shared by cargo-fuzz (`fuzz/`, nightly)
//! and the stable smoke fuzzer (`tests/fuzz_smoke.rs`), so both exercise
//! exactly the same code. Each must return on any input: a panic or a hang
//! is the finding.

use crate::audit::{self, AuditOptions};
use crate::metrics::{prom, series};
use crate::model::tenancy::EgConfig;
use crate::source::snapshot;
use crate::store::ObjectRef;
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
        && let Ok(value) = crate::codec::parse_yaml_value(text)
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
    let bytes = out.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if matches!(b, b'\n' | 0x20..=0x7e) {
            i += 1;
            continue;
        }
        if b == 0x1b && color && bytes.get(i + 1) == Some(&b'[') {
            let end = bytes[i + 2..]
                .iter()
                .position(|c| !(c.is_ascii_digit() || *c == b';'))
                .map(|p| i + 2 + p);
            assert!(
                end.is_some_and(|e| bytes[e] == b'm'),
                "not an SGR sequence at byte {i}: {:?}",
                &out[i..out.len().min(i + 16)]
            );
            i = end.unwrap_or(bytes.len()) + 1;
            continue;
        }
        // A control byte, or the start of a multi-byte character.
        let c = out[i..].chars().next().expect("a char boundary");
        assert!(
            !crate::sanitize::needs_escape(c),
            "{c:?} reached the output at byte {i}: {:?}",
            String::from_utf8_lossy(&bytes[i.saturating_sub(16)..bytes.len().min(i + 16)])
        );
        i += c.len_utf8();
    }
}

/// The part of a fuzz input the hostile-string targets use. A string is
/// hostile through what it holds, not through its length (the snapshot
/// target covers large inputs): the first 256 bytes keep each execution
/// cheap, since the input is repeated in a dozen fields.
fn hostile_prefix(data: &[u8]) -> &[u8] {
    &data[..data.len().min(256)]
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

/// The small snapshot the text-report target fills with hostile strings:
/// `{q}` is replaced by the YAML scalar, in the names, listener name,
/// condition reason and message and the `ignore-EG209` reason.
const HOSTILE_SNAPSHOT: &str = "apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: eg}
spec: {controllerName: gateway.envoyproxy.io/gatewayclass-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: {q}
  namespace: {q}
  annotations: {audit.egscope.io/ignore-EG209: {q}}
spec:
  gatewayClassName: eg
  listeners:
  - {name: {q}, protocol: HTTP, port: 80}
status:
  conditions:
  - {type: Accepted, status: \"False\", reason: {q}, message: {q}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: {q}, namespace: {q}}
spec: {parentRefs: [{name: {q}}]}
";

fn hostile_audit(text: &str) -> Option<(crate::store::Store, audit::AuditResult)> {
    let store = snapshot::load_text("fuzz.yaml", text).ok()?;
    let opts = AuditOptions {
        now: Some(crate::demo::demo_now()),
        ..AuditOptions::default()
    };
    let result = audit::run(&store, &opts).ok()?;
    Some((store, result))
}

fn assert_text_report_safe(source: &crate::store::SourceInfo, result: &audit::AuditResult) {
    for color in [false, true] {
        let meta = crate::report::ReportMeta {
            source: source.clone(),
            profile: crate::audit::Profile::Production,
            color,
        };
        let out = crate::report::text::render(result, &meta);
        assert_terminal_safe(&out, color);
    }
}

/// The text report fed hostile strings. Every input puts the string into
/// one field (its first byte chooses which) of every finding of a small
/// audit: object names, namespaces, kinds, listener, message, related
/// objects, suppression reason and file, or the skip reasons and the
/// source's paths; then renders without and with colour: no
/// control byte but the report's own newlines (and SGR colours) may reach
/// the output. One input in 64 also goes the whole way, as a YAML
/// scalar in the snapshot (its YAML escapes decoded by the loader), through
/// the audit: slower, so not every time.
pub fn text_report(data: &[u8]) {
    static TEMPLATE: std::sync::OnceLock<Option<(crate::store::Store, audit::AuditResult)>> =
        std::sync::OnceLock::new();
    // Half the prefix of the TUI target: each string is printed about forty
    // times in a report.
    let data = &hostile_prefix(data)[..hostile_prefix(data).len().min(128)];
    if data.len().is_multiple_of(64) {
        let text = HOSTILE_SNAPSHOT.replace("{q}", &yaml_quoted(data));
        if let Some((store, result)) = hostile_audit(&text) {
            assert_text_report_safe(&store.source, &result);
        }
    }
    let Some((store, template)) = TEMPLATE
        .get_or_init(|| {
            // A few findings and skips of each shape are enough: every one
            // goes through the same lines of the renderer. A suppressed one
            // is kept for its reason.
            hostile_audit(&HOSTILE_SNAPSHOT.replace("{q}", "x")).map(|(store, mut r)| {
                r.checks.clear();
                let mut keep: Vec<_> = r.findings.iter().take(2).cloned().collect();
                keep.extend(r.findings.iter().find(|f| f.suppressed.is_some()).cloned());
                r.findings = keep;
                r.skipped.truncate(1);
                (store, r)
            })
        })
        .as_ref()
    else {
        return;
    };
    let s = String::from_utf8_lossy(data).into_owned();
    let mut result = template.clone();
    let mut source = store.source.clone();
    // One field per input, chosen by the first byte, keeps each execution
    // cheap; across inputs every field the report prints gets them.
    let field = data.first().map_or(0, |b| b % 7);
    for f in &mut result.findings {
        match field {
            0 => std::sync::Arc::make_mut(&mut f.object).name = s.clone(),
            1 => std::sync::Arc::make_mut(&mut f.object).namespace = Some(s.clone()),
            2 => f.listener = Some(s.clone()),
            3 => f.message = format!("{s} {s}"),
            4 => f.related = vec![ObjectRef::new("", &s, Some(&s), &s).into()],
            5 => {
                if let Some(sup) = &mut f.suppressed {
                    sup.reason = s.clone();
                }
                if let Some(loc) = &mut f.location {
                    loc.file = s.as_str().into();
                }
            }
            _ => std::sync::Arc::make_mut(&mut f.object).kind = s.clone(),
        }
    }
    if field == 6 {
        for sk in &mut result.skipped {
            sk.reason = s.clone();
        }
        source.context = Some(s.clone());
        source.paths = vec![s.clone()];
        source.kind = crate::store::SourceKind::Snapshot;
    }
    assert_text_report_safe(&source, &result);
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

    let s = String::from_utf8_lossy(hostile_prefix(data)).into_owned();
    static THEME: std::sync::OnceLock<crate::ui::theme::Theme> = std::sync::OnceLock::new();
    let theme = THEME.get_or_init(crate::ui::theme::Theme::default);
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
        table::render(f, Rect::new(0, 0, w, 4), &state, theme, true);
        breadcrumb::render(f, Rect::new(0, 4, w, 1), &[s.clone(), s.clone()], &s, theme);
        status_line::render(
            f,
            Rect::new(0, 5, w, 1),
            &status,
            "production",
            &Default::default(),
            Some(&s),
            theme,
        );
        f.render_widget(
            Paragraph::new(Line::from(vec![
                safe::span(&s, theme.yaml_key),
                safe::span(&s, theme.yaml_value),
            ])),
            Rect::new(0, 6, w, 1),
        );
        caption::render(f, Rect::new(0, 7, w, 9), &s, &s, "hint", None, theme);
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

#[cfg(test)]
mod tests {
    use super::assert_terminal_safe;

    #[test]
    fn terminal_safety_check_allows_layout_and_sgr_only() {
        assert_terminal_safe("plain\n\x1b[1;31mred\x1b[0m \\x1b shown", true);
        for bad in [
            "a\x1bb",
            "\x1b]0;t\x07",
            "x\u{202e}",
            "z\u{200b}",
            "\x1b[2J",
        ] {
            // `CSI 2J` is no SGR sequence: refused even with colour on.
            let r = std::panic::catch_unwind(|| assert_terminal_safe(bad, true));
            assert!(r.is_err(), "{bad:?} passed with colour");
            let r = std::panic::catch_unwind(|| assert_terminal_safe(bad, false));
            assert!(r.is_err(), "{bad:?} passed");
        }
    }
}
