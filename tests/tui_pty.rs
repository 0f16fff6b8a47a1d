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
}

impl Term {
    fn pump(&mut self, wait: Duration) -> bool {
        match self.rx.recv_timeout(wait) {
            Ok(bytes) => {
                self.parser.process(&bytes);
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

#[test]
fn demo_in_a_pty() {
    let home = tempfile::tempdir().unwrap();
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
    let mut child = pair.slave.spawn_command(cmd).unwrap();
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
    let mut t = Term {
        parser: vt100::Parser::new(
            std::num::NonZeroU16::new(40).unwrap(),
            std::num::NonZeroU16::new(120).unwrap(),
            0,
        ),
        rx,
        writer,
    };

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
    t.wait_for("copy the selected object's name");
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
