//! The event loop: terminal input, a 1 s tick and the data feeds all become
//! [`Action`]s on one channel; `update` applies them and the loop redraws
//! only when one of them changed what is on screen. No busy loop: the task
//! sleeps in `recv` until something happens.

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

use crate::cli::Profile;
use crate::store::Store;

use super::action::{Action, Effect};
use super::app::{App, update};
use super::status::SourceStatus;
use super::terminal;
use super::theme::Theme;
use super::tour::Tour;
use super::views;

pub struct TuiOptions {
    pub store: Arc<Store>,
    pub status: SourceStatus,
    pub profile: Profile,
    pub theme: Theme,
    /// A fixed clock (the demo); `None` follows the wall clock.
    pub now: Option<jiff::Timestamp>,
    pub tour: bool,
    /// Later store, metrics and status updates (live sources).
    pub feed: Option<mpsc::UnboundedReceiver<Action>>,
    /// Where `:ctx NAME` goes (live sources).
    pub on_context: Option<Box<dyn FnMut(String) + Send>>,
    /// Tells the live feed which fleets are on screen, so their pods are
    /// scraped first (live sources).
    pub focus: Option<tokio::sync::watch::Sender<Vec<String>>>,
}

/// Builds the initial state (also what tests start from).
pub fn initial_app(opts: &TuiOptions) -> App {
    let mut app = App::new(
        opts.status.clone(),
        opts.profile,
        opts.theme.clone(),
        opts.now.unwrap_or_else(jiff::Timestamp::now),
    );
    app.live_clock = opts.now.is_none();
    if let Some(now) = opts.now {
        app.audit_opts.now = Some(now);
    }
    update(&mut app, Action::StoreUpdated(opts.store.clone()));
    if opts.tour {
        let t = Tour::new();
        t.apply(&mut app);
        app.tour = Some(t);
    }
    app
}

pub fn run(opts: TuiOptions) -> io::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(run_async(opts))
}

async fn run_async(mut opts: TuiOptions) -> io::Result<()> {
    terminal::install_panic_hook();
    let mut stdout = io::stdout();
    terminal::enter(&mut stdout)?;
    let _guard = terminal::Guard;
    let mut term = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    let size = term.size()?;
    let mut app = initial_app(&opts);
    update(&mut app, Action::Resize(size.width, size.height));
    let (tx, mut rx) = mpsc::unbounded_channel::<Action>();

    // Terminal input.
    let input_tx = tx.clone();
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(ev) = events.next().await {
            let action = match ev {
                Ok(Event::Key(k)) => Action::Key(k),
                Ok(Event::Mouse(m)) => Action::Mouse(m),
                Ok(Event::Resize(w, h)) => Action::Resize(w, h),
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!("terminal input: {e}");
                    Action::Quit
                }
            };
            if input_tx.send(action).is_err() {
                break;
            }
        }
    });
    // The slow clock.
    let tick_tx = tx.clone();
    tokio::spawn(async move {
        let mut iv = tokio::time::interval(Duration::from_secs(1));
        iv.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            iv.tick().await;
            if tick_tx.send(Action::Tick(jiff::Timestamp::now())).is_err() {
                break;
            }
        }
    });
    // Data feeds (live sources).
    if let Some(mut feed) = opts.feed.take() {
        let feed_tx = tx.clone();
        tokio::spawn(async move {
            while let Some(a) = feed.recv().await {
                if feed_tx.send(a).is_err() {
                    break;
                }
            }
        });
    }
    drop(tx);

    term.draw(|f| views::render(&app, f))?;
    while let Some(action) = rx.recv().await {
        let mut effect = update(&mut app, action);
        // Apply everything already queued before drawing once.
        while let Ok(a) = rx.try_recv() {
            effect = effect.merge(update(&mut app, a));
        }
        if let (Some(name), Some(switch)) = (app.switch_context.take(), opts.on_context.as_mut()) {
            switch(name);
        }
        if let Some(focus) = &opts.focus {
            let watched = app.watched_fleets();
            focus.send_if_modified(|cur| {
                let changed = *cur != watched;
                if changed {
                    *cur = watched;
                }
                changed
            });
        }
        match effect {
            Effect::Quit => break,
            Effect::None => continue,
            Effect::Copy(text) => {
                let mut out = io::stdout();
                out.write_all(osc52(&text).as_bytes())?;
                out.flush()?;
            }
            Effect::Render => {}
        }
        let t = std::time::Instant::now();
        term.draw(|f| views::render(&app, f))?;
        tracing::trace!(elapsed_us = t.elapsed().as_micros() as u64, "frame");
    }
    tracing::info!("quit");
    Ok(())
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard.
pub fn osc52(text: &str) -> String {
    format!("\x1b]52;c;{}\x07", base64(text.as_bytes()))
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn osc52_base64() {
        assert_eq!(super::base64(b"catalog"), "Y2F0YWxvZw==");
        assert_eq!(super::base64(b"ab"), "YWI=");
        assert_eq!(super::base64(b"abc"), "YWJj");
        assert_eq!(super::osc52("x"), "\x1b]52;c;eA==\x07");
    }
}
