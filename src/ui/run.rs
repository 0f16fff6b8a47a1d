//! The event loop: terminal input, a 1 s tick and the session's updates
//! all become [`Action`]s; `update` applies them and the loop redraws only
//! when one of them changed what is on screen. No busy loop: the task
//! sleeps until something happens. It runs on the caller's runtime, the
//! same one the session's feeds run on, and reads the session's channel
//! directly (no relay).
//!
//! SIGTERM, SIGHUP and SIGINT (sent from outside: in raw mode Ctrl-C is a
//! key, not a signal) end the loop the way `q` does, so the terminal
//! guard restores the terminal, and the process exits with 128 + the
//! signal number, the shell's convention for "killed by a signal".

use std::io::{self, Write};
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, EventStream};
use futures::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::mpsc;

use crate::audit::Profile;
use crate::session::{Command, Link, Update};
use crate::store::Store;

use super::action::{Action, Effect};
use super::app::{App, update};
use super::data::Data;
use super::status::SourceStatus;
use super::terminal;
use super::theme::Theme;
use super::views;

pub struct TuiOptions {
    pub store: Arc<Store>,
    pub status: SourceStatus,
    pub profile: Profile,
    pub theme: Theme,
    /// A fixed clock (the demo); `None` follows the wall clock.
    pub now: Option<jiff::Timestamp>,
    pub tour: bool,
    /// A live session: its snapshots and status come in, `:ctx` and the
    /// fleets on screen go out.
    pub session: Option<Link<Data>>,
}

/// How the TUI ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    /// 0 on `q`, 128 + N for signal N, 2 when the source failed.
    pub code: u8,
    /// Why the session could not open its source (printed once the
    /// terminal is restored).
    pub failed: Option<String>,
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
    // Only a session reads a cluster; a snapshot has no logs to show.
    app.logs_live = opts.session.is_some();
    if let Some(now) = opts.now {
        app.audit_opts.now = Some(now);
    }
    update(&mut app, Action::StoreUpdated(opts.store.clone()));
    if opts.tour {
        super::app::start_tour(&mut app);
    }
    app
}

/// Runs the TUI on `rt` until the user quits (exit code 0), a signal ends
/// it (128 + the signal number) or the session fails to open its source.
pub fn run(rt: &tokio::runtime::Runtime, opts: TuiOptions) -> io::Result<Ended> {
    rt.block_on(run_async(opts))
}

/// A session update as the action `update` applies; `Failed` ends the loop.
fn from_session(u: Update<Data>) -> Result<Action, String> {
    Ok(match u {
        Update::Data(d) => Action::DataUpdated(d),
        Update::Status(s) => Action::SourceStatus(s),
        Update::Flash(m) => Action::Flash(m),
        Update::Failed(why) => return Err(why),
        Update::Logs(reply) => Action::Logs(reply),
    })
}

/// The signals that end the TUI. Registered before the terminal changes
/// mode, so that no signal finds it half set up with the default action.
struct Signals {
    term: tokio::signal::unix::Signal,
    hup: tokio::signal::unix::Signal,
    int: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> io::Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            term: signal(SignalKind::terminate())?,
            hup: signal(SignalKind::hangup())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// The number of the next signal.
    async fn next(&mut self) -> i32 {
        use tokio::signal::unix::SignalKind;
        tokio::select! {
            _ = self.term.recv() => SignalKind::terminate().as_raw_value(),
            _ = self.hup.recv() => SignalKind::hangup().as_raw_value(),
            _ = self.int.recv() => SignalKind::interrupt().as_raw_value(),
        }
    }
}

/// The exit code of a process ended by `signal` (as a shell reports it).
pub fn signal_exit_code(signal: i32) -> u8 {
    (128 + signal).clamp(0, 255) as u8
}

async fn run_async(mut opts: TuiOptions) -> io::Result<Ended> {
    terminal::install_panic_hook();
    let mut signals = Signals::new()?;
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
    drop(tx);
    let mut session = opts.session.take();

    term.draw(|f| views::render(&app, f))?;
    let mut code = 0;
    let mut failed = None;
    let mut last_focus: Option<Vec<String>> = None;
    loop {
        let action = tokio::select! {
            a = rx.recv() => match a {
                Some(a) => a,
                None => break,
            },
            u = recv_update(&mut session) => match u.map(from_session) {
                Some(Ok(a)) => a,
                Some(Err(why)) => {
                    tracing::error!(%why, "the session could not open its source");
                    failed = Some(why);
                    code = 2;
                    break;
                }
                // The session ended: the screen keeps its last data.
                None => {
                    session = None;
                    continue;
                }
            },
            n = signals.next() => {
                tracing::info!(signal = n, "signal: restoring the terminal and exiting");
                code = signal_exit_code(n);
                break;
            }
        };
        let mut effect = update(&mut app, action);
        // Apply everything already queued before drawing once.
        while let Ok(a) = rx.try_recv() {
            effect = effect.merge(update(&mut app, a));
        }
        if let Some(link) = &mut session {
            for u in link.pending() {
                match from_session(u) {
                    Ok(a) => effect = effect.merge(update(&mut app, a)),
                    Err(why) => {
                        failed = Some(why);
                        code = 2;
                        effect = Effect::Quit;
                        break;
                    }
                }
            }
            if let Some(name) = app.switch_context.take() {
                let _ = link.commands.send(Command::Context(name));
            }
            if let Some(target) = app.log_request.take() {
                let _ = link.commands.send(Command::Logs(target));
            }
            let watched = app.watched_fleets();
            if last_focus.as_ref() != Some(&watched) {
                let _ = link.commands.send(Command::Focus(watched.clone()));
                last_focus = Some(watched);
            }
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
    tracing::info!(code, "quit");
    Ok(Ended { code, failed })
}

/// The next session update; pending forever without a session.
async fn recv_update(session: &mut Option<Link<Data>>) -> Option<Update<Data>> {
    match session {
        Some(link) => link.updates.recv().await,
        None => std::future::pending().await,
    }
}

/// The OSC 52 sequence that puts `text` on the terminal's clipboard. The
/// payload is the base64 of the neutralised text: what was on screen,
/// never a raw control character (a name carrying `\x1b]52;...` must not
/// land on the clipboard as a command).
pub fn osc52(text: &str) -> String {
    use base64::Engine as _;
    let clean = crate::sanitize::escape(text);
    format!(
        "\x1b]52;c;{}\x07",
        base64::engine::general_purpose::STANDARD.encode(clean.as_bytes())
    )
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    #[test]
    fn osc52_base64() {
        assert_eq!(super::osc52("catalog"), "\x1b]52;c;Y2F0YWxvZw==\x07");
        assert_eq!(super::osc52("x"), "\x1b]52;c;eA==\x07");
    }

    #[test]
    fn osc52_payload_is_the_clean_text() {
        let seq = super::osc52("shop/w\u{200b}eb\x1b]52;c;Y3VybA==\x07");
        let payload = seq
            .strip_prefix("\x1b]52;c;")
            .and_then(|s| s.strip_suffix('\x07'))
            .unwrap();
        assert!(!payload.contains(['\x1b', '\x07']));
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(payload)
            .unwrap();
        assert_eq!(
            String::from_utf8(decoded).unwrap(),
            "shop/w\\u200beb\\x1b]52;c;Y3VybA==\\x07"
        );
    }

    #[test]
    fn signal_codes_follow_the_shell() {
        assert_eq!(super::signal_exit_code(15), 143);
        assert_eq!(super::signal_exit_code(1), 129);
        assert_eq!(super::signal_exit_code(2), 130);
    }
}
