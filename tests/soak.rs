//! Long runs, ignored by default (they take minutes):
//!
//! - `idle_cpu`: the TUI open on the `large` simulated cluster with metrics
//!   flowing; prints the process's CPU seconds over 30 s.
//!   `cargo test --release --test soak idle_cpu -- --ignored --nocapture`
//! - `soak_under_faults`: the TUI in a pseudo-terminal on `large` while the
//!   simulator drops watches, answers 500s, slows scrapes, churns pods and
//!   answers 410 on resume, for EGSCOPE_SOAK_SECS (default 600) seconds: no
//!   panic, the screen keeps updating, every fault shows in the status line
//!   while it lasts and clears after, and resident memory stays flat after
//!   warm-up (the first cycle of the four faults; RSS printed per cycle).
//!   `cargo test --release --test soak soak_under_faults -- --ignored --nocapture`

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use egscope::sim::{Fault, FaultKind, LargeParams, Scenario, Sim, SimHandle, SimOptions};
use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

struct Tui {
    parser: vt100::Parser,
    rx: mpsc::Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn Child + Send + Sync>,
    _home: tempfile::TempDir,
}

impl Tui {
    /// Starts the TUI and waits until every kind has synced.
    fn synced(kubeconfig: &std::path::Path) -> Tui {
        let mut tui = Tui::start(kubeconfig);
        assert!(
            tui.wait_for("objects live", Duration::from_secs(120)),
            "{}",
            tui.screen()
        );
        tui
    }

    fn start(kubeconfig: &std::path::Path) -> Tui {
        let home = tempfile::tempdir().unwrap();
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 140,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_egscope"));
        cmd.args([
            "--kubeconfig",
            kubeconfig.to_str().unwrap(),
            "--sync-timeout",
            "120",
        ]);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home.path());
        cmd.env("XDG_STATE_HOME", home.path().join("state"));
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 16384];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let rows = std::num::NonZeroU16::new(40).unwrap();
        let cols = std::num::NonZeroU16::new(140).unwrap();
        Tui {
            parser: vt100::Parser::new(rows, cols, 0),
            rx,
            writer,
            child,
            _home: home,
        }
    }

    fn pump(&mut self, wait: Duration) {
        let deadline = Instant::now() + wait;
        while let Ok(b) = self
            .rx
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
        {
            self.parser.process(&b);
        }
    }

    fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    fn wait_for(&mut self, text: &str, within: Duration) -> bool {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if self.screen().contains(text) {
                return true;
            }
            self.pump(Duration::from_millis(100));
        }
        self.screen().contains(text)
    }

    fn pid(&self) -> u32 {
        self.child.process_id().unwrap()
    }

    fn quit(mut self) {
        self.writer.write_all(b"q").unwrap();
        self.writer.flush().unwrap();
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status:?}");
    }
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let after = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = after.split_whitespace().collect();
    let ticks: f64 = f[11].parse::<f64>().unwrap() + f[12].parse::<f64>().unwrap();
    ticks / 100.0
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

/// The `large` scenario, or the showcase with EGSCOPE_SOAK_SCENARIO=showcase.
fn start_large(rt: &tokio::runtime::Runtime) -> (SimHandle, tempfile::NamedTempFile) {
    let scenario = match std::env::var("EGSCOPE_SOAK_SCENARIO").as_deref() {
        Ok("showcase") => Scenario::Showcase,
        _ => Scenario::Large(LargeParams::default()),
    };
    let sim = rt
        .block_on(Sim::start(scenario, SimOptions::default()))
        .unwrap();
    let kc = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(kc.path(), sim.kubeconfig_yaml()).unwrap();
    (sim, kc)
}

#[test]
#[ignore = "takes a minute; run with --ignored --nocapture"]
fn idle_cpu() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sim, kc) = start_large(&rt);
    let mut tui = Tui::synced(kc.path());
    tui.pump(Duration::from_secs(5));
    let pid = tui.pid();
    let before = cpu_seconds(pid);
    let t = Instant::now();
    // Metrics keep flowing (the simulator's counters grow as we step it,
    // and so do its HPAs and pods); EGSCOPE_SOAK_ADVANCE=0 keeps every
    // object still, so only the scrapes run.
    let advance = std::env::var("EGSCOPE_SOAK_ADVANCE").as_deref() != Ok("0");
    while t.elapsed() < Duration::from_secs(30) {
        if advance {
            sim.advance(Duration::from_secs(1));
        }
        tui.pump(Duration::from_secs(1));
    }
    let used = cpu_seconds(pid) - before;
    println!(
        "idle CPU with the TUI open ({}, simulator advancing: {advance}), scrapes every 2 s: {used:.2} s over {:.0} s ({:.1}% of one core); RSS {:.0} MB",
        std::env::var("EGSCOPE_SOAK_SCENARIO").unwrap_or_else(|_| "large".into()),
        t.elapsed().as_secs_f64(),
        used / t.elapsed().as_secs_f64() * 100.0,
        rss_mb(pid)
    );
    tui.quit();
}

#[test]
#[ignore = "takes EGSCOPE_SOAK_SECS (default 600) seconds"]
fn soak_under_faults() {
    let secs: u64 = std::env::var("EGSCOPE_SOAK_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(600);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sim, kc) = start_large(&rt);
    let mut tui = Tui::synced(kc.path());
    let pid = tui.pid();
    tui.pump(Duration::from_secs(10));
    let idle_rss = rss_mb(pid);
    // RSS after each full cycle of the faults; the first cycle is the
    // warm-up (the re-lists under dropped watches hold a few copies of the
    // store at once), the later ones must not grow.
    let mut cycle_rss: Vec<f64> = Vec::new();
    let faults: [(&str, Vec<Fault>, &str); 4] = [
        (
            "500s on gateways",
            // The open watch ends so that the reconnect meets the 500s.
            vec![
                Fault {
                    target: "gateways".into(),
                    kind: FaultKind::Status(500),
                },
                Fault {
                    target: "gateways".into(),
                    kind: FaultKind::DropAfter(Duration::from_secs(1)),
                },
            ],
            "stale",
        ),
        (
            "dropped watches",
            vec![
                Fault {
                    target: "*".into(),
                    kind: FaultKind::DropAfter(Duration::from_secs(2)),
                },
                Fault {
                    target: "*".into(),
                    kind: FaultKind::GoneOnResume,
                },
            ],
            "stale",
        ),
        (
            "slow scrapes",
            vec![Fault {
                target: "pods/proxy".into(),
                kind: FaultKind::Delay(Duration::from_secs(3)),
            }],
            "metrics stale",
        ),
        (
            "forbidden scrapes",
            vec![Fault {
                target: "pods/proxy".into(),
                kind: FaultKind::Status(403),
            }],
            "metrics forbidden",
        ),
    ];
    let start = Instant::now();
    let mut round = 0usize;
    let mut last_screen = String::new();
    let mut changes = 0usize;
    while start.elapsed() < Duration::from_secs(secs) {
        let (name, fault, shows) = &faults[round % faults.len()];
        // Faults meet new requests only: every watch also ends after 5 s, so
        // that the reconnects run into whatever fault is on.
        let mut on = fault.clone();
        on.push(Fault {
            target: "*".into(),
            kind: FaultKind::DropAfter(Duration::from_secs(5)),
        });
        sim.set_faults(on);
        let until = Instant::now() + Duration::from_secs(20);
        let mut seen = false;
        while Instant::now() < until {
            sim.advance(Duration::from_secs(2)); // pods churn as the HPA follows the waves
            tui.pump(Duration::from_secs(1));
            seen |= tui.screen().contains(shows);
            let s = tui.screen();
            if s != last_screen {
                changes += 1;
                last_screen = s;
            }
        }
        println!("{name}: visible in the status line: {seen}");
        assert!(
            seen,
            "fault {name} never showed {shows:?}; screen:\n{}",
            tui.screen()
        );
        sim.clear_faults();
        assert!(
            tui.wait_for("objects live", Duration::from_secs(60)),
            "did not recover from {name}:\n{}",
            tui.screen()
        );
        assert!(
            tui.wait_for("metrics live", Duration::from_secs(30)),
            "metrics did not recover from {name}:\n{}",
            tui.screen()
        );
        round += 1;
        if round.is_multiple_of(faults.len()) {
            cycle_rss.push(rss_mb(pid));
            println!("cycle {}: RSS {:.0} MB", cycle_rss.len(), rss_mb(pid));
        }
    }
    let end_rss = rss_mb(pid);
    let warm_rss = cycle_rss.first().copied().unwrap_or(end_rss);
    println!(
        "soak: {round} fault rounds in {:.0} s, {changes} screen changes; RSS idle before faults {idle_rss:.0} MB, after the first fault cycle (warm-up) {warm_rss:.0} MB, at the end {end_rss:.0} MB",
        start.elapsed().as_secs_f64()
    );
    assert!(changes > round, "the screen kept updating");
    assert!(
        end_rss < warm_rss * 1.25 + 50.0,
        "memory grew after warm-up: {warm_rss:.0} → {end_rss:.0} MB (cycles: {cycle_rss:.0?})"
    );
    tui.quit();
}
