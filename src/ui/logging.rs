//! Logs go to `<state dir>/egscope/egscope.log` (never to the terminal the
//! TUI draws on). `--log-level` or `EGSCOPE_LOG` set the filter.

use std::path::PathBuf;

use std::io::{self, Write};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::fmt::MakeWriter;

/// Log lines quote cluster data (names, API server errors): each event is
/// neutralised ([`crate::sanitize::escape`]) before it reaches the file,
/// keeping only the line break that ends it, so `tail -f` or a pager on the
/// log cannot be driven by escape sequences and no event forges a line.
pub struct Neutralise<M>(pub M);

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Neutralise<M> {
    type Writer = NeutraliseWriter<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        NeutraliseWriter(self.0.make_writer())
    }
}

pub struct NeutraliseWriter<W>(W);

impl<W: Write> Write for NeutraliseWriter<W> {
    /// tracing-subscriber's fmt layer formats an event into one buffer and
    /// writes it whole (`write_all`), so one call is one event.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let (body, end) = match text.strip_suffix('\n') {
            Some(b) => (b, "\n"),
            None => (text.as_ref(), ""),
        };
        let clean = crate::sanitize::escape(body);
        self.0.write_all(clean.as_bytes())?;
        self.0.write_all(end.as_bytes())?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

/// The log directory: XDG state dir (`~/.local/state/egscope`), falling back
/// to the cache dir where there is no state dir.
pub fn log_dir() -> Option<PathBuf> {
    use etcetera::BaseStrategy;
    let s = etcetera::choose_base_strategy().ok()?;
    Some(
        s.state_dir()
            .unwrap_or_else(|| s.cache_dir())
            .join("egscope"),
    )
}

/// Starts logging; keep the guard alive until exit so the file is flushed.
/// Returns `None` (and logs nowhere) when the directory cannot be made.
pub fn init(level: &str) -> Option<WorkerGuard> {
    let dir = log_dir()?;
    std::fs::create_dir_all(&dir).ok()?;
    let appender = tracing_appender::rolling::never(&dir, "egscope.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = std::env::var("EGSCOPE_LOG").unwrap_or_else(|_| level.to_string());
    let level: tracing::Level = filter.parse().unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt()
        .with_writer(Neutralise(writer))
        .with_ansi(false)
        .with_max_level(level)
        .try_init()
        .ok()?;
    Some(guard)
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn log_lines_from_cluster_data_are_neutralised() {
        let sink = Sink::default();
        let make = {
            let sink = sink.clone();
            move || sink.clone()
        };
        let subscriber = tracing_subscriber::fmt()
            .with_writer(Neutralise(make))
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let name = "evil\x1b]0;title\x07\nFAKE line\u{202e}";
            tracing::warn!("watch of {name} failed");
        });
        let out = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert_eq!(out.matches('\n').count(), 1, "{out:?}");
        assert!(out.ends_with('\n'));
        assert!(!out.contains('\x1b'), "{out:?}");
        assert!(
            out.contains("evil\\x1b]0;title\\x07\\x0aFAKE line\\u202e"),
            "{out:?}"
        );
    }
}
