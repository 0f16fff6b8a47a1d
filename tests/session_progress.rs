//! A first frame at once, and progress while the lists arrive (issue 14
//! item 5): the TUI draws before a slow API server has answered anything;
//! a kind's first list reports how far it got ("HTTPRoute 2,000 / 5,000");
//! a headless `audit` shows progress on a terminal's stderr and nowhere
//! else. Every server is a simulator on loopback.

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use egscope::sim::{Fault, FaultKind, LargeParams, Scenario, Sim, SimHandle, SimOptions};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

fn sim(rt: &tokio::runtime::Runtime, scenario: Scenario, opts: SimOptions) -> SimHandle {
    rt.block_on(Sim::start(scenario, opts)).unwrap()
}

fn kubeconfig(sim: &SimHandle) -> tempfile::NamedTempFile {
    let kc = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(kc.path(), sim.kubeconfig_yaml()).unwrap();
    kc
}

/// Every request waits `d` before it is answered, discovery included.
fn slow(d: Duration) -> Vec<Fault> {
    ["discovery", "*"]
        .into_iter()
        .map(|t| Fault {
            target: t.into(),
            kind: FaultKind::Delay(d),
        })
        .collect()
}

/// A program in a 120x40 pseudo-terminal, read back through vt100.
struct Pty {
    parser: vt100::Parser,
    rx: mpsc::Receiver<Vec<u8>>,
    raw: Vec<u8>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _writer: Box<dyn Write + Send>,
    _home: tempfile::TempDir,
}

impl Pty {
    fn spawn(program: &str, args: &[&str]) -> Pty {
        let home = tempfile::tempdir().unwrap();
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 120,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home.path());
        cmd.env("XDG_STATE_HOME", home.path().join("state"));
        cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        Pty {
            parser: vt100::Parser::new(
                std::num::NonZeroU16::new(40).unwrap(),
                std::num::NonZeroU16::new(120).unwrap(),
                0,
            ),
            rx,
            raw: Vec::new(),
            child,
            _writer: writer,
            _home: home,
        }
    }

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

    /// Waits until the screen shows `text`; how long it took.
    fn wait_for(&mut self, text: &str, within: Duration) -> Duration {
        let t0 = Instant::now();
        while !self.screen().contains(text) {
            assert!(
                t0.elapsed() < within,
                "timed out waiting for {text:?}; screen:\n{}",
                self.screen()
            );
            self.pump(Duration::from_millis(10));
        }
        t0.elapsed()
    }

    /// Waits for the program to exit (after `q`, or by itself).
    fn wait_exit(&mut self, within: Duration) -> portable_pty::ExitStatus {
        let t0 = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                while self.pump(Duration::from_millis(100)) {}
                return s;
            }
            assert!(t0.elapsed() < within, "did not exit:\n{}", self.screen());
            self.pump(Duration::from_millis(50));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn the_first_frame_comes_before_a_slow_server_answers() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let delay = Duration::from_secs(3);
    let sim = sim(
        &rt,
        Scenario::Showcase,
        SimOptions {
            faults: slow(delay),
            ..SimOptions::default()
        },
    );
    let kc = kubeconfig(&sim);
    let started = Instant::now();
    let mut t = Pty::spawn(
        env!("CARGO_BIN_EXE_egscope"),
        &["--kubeconfig", kc.path().to_str().unwrap()],
    );
    // The frame: the status line names the context and says the objects
    // are still syncing, and nothing passes for clean meanwhile.
    t.wait_for("context egscope-sim", delay);
    let first = started.elapsed();
    let screen = t.screen();
    assert!(
        first < delay,
        "first frame after {first:?}, not before the server's first answer"
    );
    assert!(screen.contains("syncing"), "{screen}");
    assert!(
        screen.contains("partial:"),
        "no banner while nothing is read:\n{screen}"
    );
    eprintln!(
        "first frame after {first:?} (process start included; every request delayed {delay:?})"
    );
    // It fills in as the kinds arrive.
    t.wait_for("objects live", Duration::from_secs(60));
    t._writer.write_all(b"q").unwrap();
    t._writer.flush().unwrap();
    assert!(t.wait_exit(Duration::from_secs(15)).success());
}

#[test]
fn a_first_list_reports_its_progress_per_kind() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let routes = 5_000;
    // Paged lists (no streaming list) of 2,000, each page slowed down, so
    // the first HTTPRoute pages are in long before the last.
    let sim = sim(
        &rt,
        Scenario::Large(LargeParams {
            gateways: 10,
            routes,
            policies: 20,
            pods: 20,
            seed: 7,
        }),
        SimOptions {
            watch_list: false,
            faults: vec![Fault {
                target: "httproutes".into(),
                kind: FaultKind::Delay(Duration::from_millis(700)),
            }],
            ..SimOptions::default()
        },
    );
    let kc = kubeconfig(&sim);
    rt.block_on(async {
        let target = egscope::source::live::ClusterTarget {
            kubeconfig: Some(kc.path().to_path_buf()),
            connect_timeout: Duration::from_secs(5),
            ..Default::default()
        };
        let conn = egscope::source::live::connect(&target).await.unwrap();
        let live = egscope::source::live::Live::start(conn, None).await;
        let kind = egscope::store::Kind::HttpRoute;
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while live.feeds().get(&kind) == Some(&egscope::source::live::FeedState::Syncing) {
            assert!(Instant::now() < deadline, "HTTPRoutes never synced");
            if let Some(p) = live.progress().get(&kind).copied()
                && seen.last() != Some(&p)
            {
                seen.push(p);
                // The last page ends the list: the kind may be live by the
                // time the status is read.
                if p.0 >= routes {
                    continue;
                }
                let status = egscope::session::feed::live_status(
                    "context egscope-sim",
                    &live,
                    egscope::session::Freshness::None,
                );
                let line: Vec<String> = status
                    .feeds
                    .iter()
                    .map(|f| format!("{} {}", f.name, f.freshness.label()))
                    .collect();
                let expected = format!("HTTPRoute {} / 5,000", group(p.0));
                assert!(
                    line.contains(&expected),
                    "{expected:?} not in the status: {line:?}"
                );
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            seen.contains(&(2_000, Some(routes))) && seen.contains(&(4_000, Some(routes))),
            "pages seen: {seen:?}"
        );
        // Synced: no progress left to report, the objects are in.
        assert!(!live.progress().contains_key(&kind));
        assert_eq!(live.store().of(kind).len(), routes);
    });
}

fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A slow audit on a terminal: the progress line goes to stderr (the
/// terminal); the report (stdout, redirected to a file) has none of it.
/// The same audit with stderr piped prints no progress at all.
#[test]
fn headless_progress_goes_to_a_terminal_stderr_only() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = sim(
        &rt,
        Scenario::Showcase,
        SimOptions {
            faults: vec![Fault {
                target: "httproutes".into(),
                kind: FaultKind::Delay(Duration::from_millis(1500)),
            }],
            ..SimOptions::default()
        },
    );
    let kc = kubeconfig(&sim);
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let bin = env!("CARGO_BIN_EXE_egscope");
    let script = format!(
        "'{bin}' audit --kubeconfig '{}' --format json --fail-on never > '{}'",
        kc.path().display(),
        report.display()
    );
    let mut t = Pty::spawn("/bin/sh", &["-c", &script]);
    let status = t.wait_exit(Duration::from_secs(60));
    assert!(status.success(), "{status:?}: {}", t.screen());
    let terminal = String::from_utf8_lossy(&t.raw).into_owned();
    assert!(
        terminal.contains("egscope: listing") && terminal.contains("HTTPRoute"),
        "no progress on the terminal: {terminal:?}"
    );
    let json = std::fs::read_to_string(&report).unwrap();
    assert!(!json.contains("egscope: listing"), "progress in the report");
    let v: serde_json::Value = serde_json::from_str(&json).expect("the report is JSON");
    assert_eq!(v["schema"], "egscope.audit/v1");

    let out = std::process::Command::new(bin)
        .args([
            "audit",
            "--kubeconfig",
            kc.path().to_str().unwrap(),
            "--format",
            "json",
            "--fail-on",
            "never",
        ])
        .env("HOME", dir.path())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("egscope: listing") && !stderr.contains('\x1b'),
        "progress in piped stderr: {stderr:?}"
    );
    let piped: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(piped["schema"], "egscope.audit/v1");
}
