//! End to end: the real binary as `egscope demo` in a 120x40
//! pseudo-terminal, driven by keys, read back through a vt100 parser.
//! Every wait polls with a timeout; nothing sleeps for a fixed long time.

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Term {
    parser: vt100::Parser,
    rx: mpsc::Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    /// Every byte the program wrote, for assertions on escape sequences.
    raw: Vec<u8>,
}

impl Term {
    fn pump(&mut self, wait: Duration) -> bool {
        match self.rx.recv_timeout(wait) {
            Ok(bytes) => {
                self.parser.process(&bytes);
                self.raw.extend_from_slice(&bytes);
                true
            }
            Err(_) => false,
        }
    }

    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Waits until the screen shows `text` (or fails after 15 s).
    fn wait_for(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.screen().contains(text) {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {text:?}; screen:\n{}",
                self.screen()
            );
            self.pump(Duration::from_millis(50));
        }
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }
}

/// `egscope demo` in a 120x40 pseudo-terminal: the terminal, the child,
/// and the master side (for its termios).
fn start_demo(
    home: &tempfile::TempDir,
) -> (
    Term,
    Box<dyn portable_pty::Child + Send + Sync>,
    Box<dyn portable_pty::MasterPty + Send>,
) {
    let pty = native_pty_system();
    let pair = pty
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_egscope"));
    cmd.arg("demo");
    cmd.env("TERM", "xterm-256color");
    cmd.env("HOME", home.path());
    cmd.env("XDG_STATE_HOME", home.path().join("state"));
    cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
    cmd.env_remove("NO_COLOR");
    let child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let writer = pair.master.take_writer().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    if tx.send(buf[..n].to_vec()).is_err() {
                        break;
                    }
                }
            }
        }
    });
    let t = Term {
        parser: vt100::Parser::new(
            std::num::NonZeroU16::new(40).unwrap(),
            std::num::NonZeroU16::new(120).unwrap(),
            0,
        ),
        rx,
        writer,
        raw: Vec::new(),
    };
    (t, child, pair.master)
}

#[test]
fn demo_in_a_pty() {
    let home = tempfile::tempdir().unwrap();
    let (mut t, mut child, _master) = start_demo(&home);

    t.wait_for("WORST OFFENDERS");
    assert!(t.parser.screen().alternate_screen());
    t.wait_for("findings by severity");

    t.send(":gw\r");
    t.wait_for("Gateways [3]");
    t.wait_for("web/storefront");

    t.send("/catalog");
    t.wait_for("Gateways [1/3]");
    t.send("\r");
    assert!(!t.screen().contains("web/storefront  platform"));

    // Enter: listeners of shop/catalog; y: detail of the Gateway.
    t.send("\r");
    t.wait_for("Listeners ‹shop/catalog›");
    t.send("y");
    t.wait_for("gatewayClassName: platform");
    t.wait_for("lines");

    // Esc back to the listeners.
    t.send("\x1b");
    t.wait_for("Listeners ‹shop/catalog› [2]");

    t.send("?");
    t.wait_for("help (j/k scroll, Esc close)");
    t.wait_for("copy namespace/name of the selected object");
    t.send("q");
    t.wait_for("Listeners ‹shop/catalog› [2]");
    assert!(!t.screen().contains("help (j/k scroll"));

    t.send("q");
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "egscope did not exit");
        t.pump(Duration::from_millis(50));
    };
    // Drain what is left (the restore sequences).
    while t.pump(Duration::from_millis(200)) {}
    assert!(status.success(), "exit status {status:?}");
    assert!(
        !t.parser.screen().alternate_screen(),
        "the terminal is still on the alternate screen"
    );
}

/// Whether the terminal behind `master` is in raw mode (no canonical
/// input, no echo), read with tcgetattr on the master side, which reports
/// the line discipline the child set.
fn raw_mode(master: &dyn portable_pty::MasterPty) -> bool {
    let fd = master.as_raw_fd().expect("a unix pty has a fd");
    let mut t: libc::termios = unsafe { std::mem::zeroed() };
    assert_eq!(unsafe { libc::tcgetattr(fd, &mut t) }, 0, "tcgetattr");
    t.c_lflag & (libc::ICANON | libc::ECHO) == 0
}

/// SIGTERM, SIGHUP and an external SIGINT restore the terminal exactly as
/// `q` does (raw mode off, alternate screen left, cursor shown, mouse
/// capture off) and exit with 128 + the signal, without a backtrace.
#[test]
fn signals_restore_the_terminal() {
    for (sig, name) in [
        (libc::SIGTERM, "SIGTERM"),
        (libc::SIGHUP, "SIGHUP"),
        (libc::SIGINT, "SIGINT"),
    ] {
        let home = tempfile::tempdir().unwrap();
        let (mut t, mut child, master) = start_demo(&home);
        t.wait_for("WORST OFFENDERS");
        assert!(t.parser.screen().alternate_screen(), "{name}");
        assert!(
            t.parser.screen().hide_cursor(),
            "{name}: cursor hidden in the TUI"
        );
        assert!(raw_mode(&*master), "{name}: raw mode in the TUI");
        let before = t.raw.len();
        let pid = child.process_id().expect("child pid") as libc::pid_t;
        assert_eq!(unsafe { libc::kill(pid, sig) }, 0, "kill {name}");
        let deadline = Instant::now() + Duration::from_secs(15);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "{name}: egscope did not exit");
            t.pump(Duration::from_millis(50));
        };
        while t.pump(Duration::from_millis(200)) {}
        let after = String::from_utf8_lossy(&t.raw[before..]).into_owned();
        assert!(status.signal().is_none(), "{name}: killed by {status:?}");
        assert_eq!(
            status.exit_code(),
            128 + sig as u32,
            "{name}: exit status {status:?}; output after the signal: {after:?}"
        );
        for (seq, what) in [
            ("\x1b[?1049l", "leave the alternate screen"),
            ("\x1b[?25h", "show the cursor"),
            ("\x1b[?1000l", "mouse capture off"),
        ] {
            assert!(
                after.contains(seq),
                "{name}: no {what} ({seq:?}) in {after:?}"
            );
        }
        assert!(!t.parser.screen().alternate_screen(), "{name}");
        assert!(
            !t.parser.screen().hide_cursor(),
            "{name}: cursor still hidden"
        );
        assert!(!raw_mode(&*master), "{name}: raw mode left on");
        for bad in ["panicked", "backtrace", "RUST_BACKTRACE"] {
            assert!(!after.contains(bad), "{name}: {bad} in {after:?}");
        }
    }
}
