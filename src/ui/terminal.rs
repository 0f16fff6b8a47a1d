//! Entering and leaving the full-screen terminal, on every exit path:
//! normal quit and errors through [`Guard`]'s drop, panics through a hook
//! that restores the terminal before the panic message is printed.

use std::io::{self, Write};

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

/// Raw mode, alternate screen, mouse capture, hidden cursor.
pub fn enter<W: Write>(w: &mut W) -> io::Result<()> {
    enable_raw_mode()?;
    execute!(w, EnterAlternateScreen, EnableMouseCapture, Hide)
}

/// The escape sequences that undo [`enter`] (everything but raw mode).
pub fn write_restore<W: Write>(w: &mut W) -> io::Result<()> {
    execute!(w, DisableMouseCapture, LeaveAlternateScreen, Show)
}

/// Leaves raw mode and the alternate screen. Safe to call twice.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = write_restore(&mut io::stdout());
}

/// Restores the terminal when dropped (quit, `?` on an error, unwinding).
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Installs a panic hook that runs `restore` first, then the previous hook
/// (color-eyre's report), so the message lands on the normal screen.
pub fn install_panic_hook_with(restore: impl Fn() + Send + Sync + 'static) {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
}

pub fn install_panic_hook() {
    install_panic_hook_with(restore);
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[test]
    fn restore_leaves_the_alternate_screen() {
        let mut out = Vec::new();
        write_restore(&mut out).unwrap();
        let s = String::from_utf8(out).unwrap();
        assert!(s.contains("\x1b[?1049l"), "LeaveAlternateScreen: {s:?}");
        assert!(s.contains("\x1b[?25h"), "Show cursor: {s:?}");
        assert!(s.contains("\x1b[?1000l"), "mouse capture off: {s:?}");
    }

    #[test]
    fn panic_hook_restores_before_the_message() {
        let written = Arc::new(Mutex::new(Vec::<u8>::new()));
        let w = written.clone();
        let original = std::panic::take_hook();
        // A quiet base hook so the test output stays clean.
        std::panic::set_hook(Box::new(|_| {}));
        install_panic_hook_with(move || {
            let mut buf = w.lock().unwrap();
            write_restore(&mut *buf).unwrap();
        });
        let r = std::panic::catch_unwind(|| panic!("boom"));
        let _ = std::panic::take_hook();
        std::panic::set_hook(original);
        assert!(r.is_err());
        let s = String::from_utf8(written.lock().unwrap().clone()).unwrap();
        assert!(s.contains("\x1b[?1049l"), "{s:?}");
    }
}
