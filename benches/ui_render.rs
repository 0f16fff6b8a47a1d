//! Keypress-to-frame cost of the Routes view on the `large` scenario
//! (20,000 routes): a store built in memory from `sim::generate` (no
//! files), the Routes view opened, then per frame
//! - unfiltered: render into a 120x40 TestBackend;
//! - filtered: one filter keystroke (recomputes the cached row indices)
//!   plus the render, the work a keypress in `/` mode costs.
//!
//! Prints the median per-frame times and the filtered/unfiltered ratio.
//! Run: `cargo bench --bench ui_render` (EGSCOPE_BENCH_FRAMES changes the
//! number of frames, default 200).

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use egscope::audit::Profile;
use egscope::sim::{LargeParams, generate};
use egscope::store::{Object, ObjectOrOther, SourceInfo, SourceKind, Store};
use egscope::ui::action::Action;
use egscope::ui::app::update;
use egscope::ui::run::{TuiOptions, initial_app};
use egscope::ui::status::SourceStatus;
use egscope::ui::theme::Theme;
use egscope::ui::views;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let frames: usize = std::env::var("EGSCOPE_BENCH_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let t = Instant::now();
    let mut store = Store::new(SourceInfo {
        kind: SourceKind::Snapshot,
        context: None,
        paths: vec![],
        namespace: None,
    });
    for v in generate(&LargeParams::default()) {
        if let Ok(ObjectOrOther::Object(o)) = Object::from_value(v, None) {
            store.insert(*o);
        }
    }
    let objects = store.len();
    let mut app = initial_app(&TuiOptions {
        store: Arc::new(store),
        status: SourceStatus::snapshot(&["large".into()]),
        profile: Profile::Production,
        theme: Theme::default(),
        now: Some(egscope::demo::demo_now()),
        tour: false,
        session: None,
    });
    update(&mut app, Action::Resize(120, 40));
    update(&mut app, Action::Command("routes".into()));
    let rows = app.top().table.rows.len();
    println!(
        "large scenario: {objects} objects, Routes view {rows} rows (store+model+audit+rows {:.2?})",
        t.elapsed()
    );
    let mut term = Terminal::new(TestBackend::new(120, 40)).unwrap();
    let key = |c| Action::Key(KeyEvent::new(c, KeyModifiers::NONE));

    // Unfiltered frames.
    let mut plain = Vec::with_capacity(frames);
    for _ in 0..frames {
        let t = Instant::now();
        term.draw(|f| views::render(&app, f)).unwrap();
        plain.push(t.elapsed());
    }
    // Filtered: type `/route-1` then alternate one more/one fewer character,
    // timing keystroke (filter over every row) + frame.
    update(&mut app, key(KeyCode::Char('/')));
    for c in "route-1".chars() {
        update(&mut app, key(KeyCode::Char(c)));
    }
    let mut filtered = Vec::with_capacity(frames);
    let mut render_only = Vec::with_capacity(frames);
    for i in 0..frames {
        let k = if i % 2 == 0 {
            KeyCode::Char('2')
        } else {
            KeyCode::Backspace
        };
        let t = Instant::now();
        update(&mut app, key(k));
        let t2 = Instant::now();
        term.draw(|f| views::render(&app, f)).unwrap();
        render_only.push(t2.elapsed());
        filtered.push(t.elapsed());
    }
    let shown = app.top().table.visible.len();
    let (p, f, r) = (median(plain), median(filtered), median(render_only));
    println!("unfiltered render:            {p:>10.2?} per frame");
    println!("filtered render (cached rows): {r:>10.2?} per frame ({shown} of {rows} rows match)");
    println!("filter keystroke + render:    {f:>10.2?} per frame (budget 16 ms)");
    println!(
        "ratio filtered/unfiltered:  render {:.2}x, keystroke+render {:.2}x",
        r.as_secs_f64() / p.as_secs_f64(),
        f.as_secs_f64() / p.as_secs_f64()
    );
}
