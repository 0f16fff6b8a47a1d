//! The four rows of issue 14's table, each against its peer or floor measured
//! in the same run, for this build and (with EGSCOPE_BENCH_BEFORE=PATH, a
//! binary built from an older commit) the one before:
//!
//! 1. live audit against the simulator serving `large` (discovery, lists,
//!    model, audit, JSON written) vs curl of the five biggest lists (the
//!    transfer floor); wall time and the audit's peak RSS;
//! 2. `audit --snapshot` of the `large` file to JSON vs egscope's own load
//!    phase (EGSCOPE_TIMINGS) and python's `json.load`; peak RSS vs the file;
//! 3. the TUI open on `demo --scenario large`, idle for 30 s with metrics
//!    flowing: share of a core, RSS at the start and the end of the window;
//! 4. the TUI's first frame on `demo --scenario large`: time to a non-blank
//!    screen, and to every kind live.
//!
//! It also checks that both binaries write the same JSON report for the
//! snapshot (the JSON contract is byte-identical across the change).
//!
//! Run: `cargo bench --bench perf_table` (EGSCOPE_BENCH_ROWS=1,2,3,4 picks
//! rows; EGSCOPE_BENCH_BEFORE=/path/to/old/egscope adds the "before" column).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use egscope::sim::{LargeParams, Scenario, Sim, SimOptions, generate, to_list_json};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// Marks GNU time's line in the child's stderr.
const MAXRSS_MARK: &str = "egscope-bench-maxrss-kib=";

/// Runs a command to its end; its wall time, exit code and its own peak RSS
/// in bytes.
///
/// The peak comes from GNU time (`/usr/bin/time -f %M`) between this
/// process and the command, not from our own `wait4`: Linux carries the
/// parent's peak RSS into a child across fork and exec (exec records the
/// old address space's high-water mark in `signal->maxrss`), so a child of
/// this bench, which holds the generated cluster, would report the bench's
/// peak instead of its own. GNU time is small, so its child starts clean.
// The child is reaped by `wait4` below, which clippy cannot see.
#[allow(clippy::zombie_processes)]
fn measured(cmd: &mut Command) -> (Duration, i32, f64, String) {
    let mut wrapped = Command::new("/usr/bin/time");
    wrapped
        .arg("-f")
        .arg(format!("{MAXRSS_MARK}%M"))
        .arg(cmd.get_program())
        .args(cmd.get_args());
    for (k, v) in cmd.get_envs() {
        match v {
            Some(v) => wrapped.env(k, v),
            None => wrapped.env_remove(k),
        };
    }
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    let t = Instant::now();
    let mut child = wrapped
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn /usr/bin/time (GNU time: apt install time)");
    let mut stderr = String::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut stderr);
    }
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet reaped (std's `wait` is never called).
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut ru) };
    assert_eq!(r, pid, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    let mut kib = f64::NAN;
    let stderr: String = stderr
        .lines()
        .filter(|l| match l.strip_prefix(MAXRSS_MARK) {
            Some(n) => {
                kib = n.trim().parse().unwrap_or(f64::NAN);
                false
            }
            None => true,
        })
        .map(|l| format!("{l}\n"))
        .collect();
    (t.elapsed(), code, kib * 1024.0, stderr)
}

/// The binaries to compare: ("before", path) when asked for, then this build.
fn binaries() -> Vec<(&'static str, PathBuf)> {
    let mut out = Vec::new();
    if let Some(p) = std::env::var_os("EGSCOPE_BENCH_BEFORE") {
        out.push(("before", PathBuf::from(p)));
    }
    out.push(("after", PathBuf::from(env!("CARGO_BIN_EXE_egscope"))));
    out
}

fn row_live(rt: &tokio::runtime::Runtime, dir: &Path) {
    let sim = rt
        .block_on(Sim::start(
            Scenario::Large(LargeParams::default()),
            SimOptions::default(),
        ))
        .unwrap();
    let kc = dir.join("kubeconfig");
    std::fs::write(&kc, sim.kubeconfig_yaml()).unwrap();
    let base = sim.base_url();
    // The five biggest lists of `large`, in full: what any client must
    // transfer and parse at least once.
    let lists = [
        "/apis/gateway.networking.k8s.io/v1/httproutes",
        "/api/v1/pods",
        "/apis/gateway.networking.k8s.io/v1/gateways",
        "/apis/gateway.envoyproxy.io/v1alpha1/backendtrafficpolicies",
        "/apis/gateway.envoyproxy.io/v1alpha1/clienttrafficpolicies",
    ];
    let mut floor = Duration::MAX;
    let mut bytes = 0f64;
    for _ in 0..3 {
        let mut curl = Command::new("curl");
        curl.args(["-s", "-o", "/dev/null", "-w", "%{size_download}\n"]);
        for l in lists {
            curl.arg(format!("{base}{l}"));
        }
        let t = Instant::now();
        let Ok(out) = curl.output() else {
            println!("row 1: curl not found, no floor");
            break;
        };
        floor = floor.min(t.elapsed());
        bytes = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.trim().parse::<f64>().ok())
            .sum();
    }
    println!(
        "row 1 floor: curl of the five biggest lists {:.2} s ({:.1} MB)",
        floor.as_secs_f64(),
        bytes / 1e6
    );
    for (label, bin) in binaries() {
        let out = dir.join(format!("live-{label}.json"));
        // Best of three: the machine is shared, and the fastest run is the
        // one least disturbed.
        let runs: Vec<_> = (0..3)
            .map(|_| {
                measured(
                    Command::new(&bin)
                        .env("EGSCOPE_TIMINGS", "1")
                        .args(["audit", "--format", "json", "--fail-on", "never"])
                        .args(["--sync-timeout", "300", "--kubeconfig"])
                        .arg(&kc)
                        .arg("--output")
                        .arg(&out),
                )
            })
            .collect();
        let (d, code, _, stderr) = runs.iter().min_by_key(|r| r.0).unwrap();
        let rss = runs.iter().map(|r| r.2).fold(0.0, f64::max);
        let phase = |p: &str| phase_ms(stderr, p).unwrap_or(f64::NAN);
        println!(
            "row 1 {label}: live audit {:.2} s ({:.2}x the floor; load {:.0} ms, audit {:.0} ms, report {:.0} ms), peak RSS {:.0} MB, exit {code}",
            d.as_secs_f64(),
            d.as_secs_f64() / floor.as_secs_f64(),
            phase("load"),
            phase("audit"),
            phase("report"),
            rss / 1e6
        );
    }
    drop(sim);
}

fn phase_ms(stderr: &str, phase: &str) -> Option<f64> {
    let line = stderr
        .lines()
        .find(|l| l.starts_with(&format!("egscope: {phase} took ")))?;
    let rest = line.split(" took ").nth(1)?.split(" (").next()?;
    let (num, unit) = rest
        .find(|c: char| c.is_alphabetic())
        .map(|i| rest.split_at(i))?;
    let n: f64 = num.parse().ok()?;
    Some(match unit {
        "s" => n * 1e3,
        "ms" => n,
        "µs" | "us" => n / 1e3,
        "ns" => n / 1e6,
        _ => return None,
    })
}

fn row_snapshot(dir: &Path) {
    let path = dir.join("large.json");
    std::fs::write(&path, to_list_json(&generate(&LargeParams::default()))).unwrap();
    let size = std::fs::metadata(&path).unwrap().len() as f64;
    let python = (0..3)
        .filter_map(|_| {
            let t = Instant::now();
            Command::new("python3")
                .args(["-c", "import json,sys; json.load(open(sys.argv[1]))"])
                .arg(&path)
                .status()
                .ok()
                .filter(|s| s.success())
                .map(|_| t.elapsed())
        })
        .min();
    match python {
        Some(p) => println!(
            "row 2 peer: python json.load of the {:.1} MB file {:.2} s",
            size / 1e6,
            p.as_secs_f64()
        ),
        None => println!("row 2 peer: python3 not found"),
    }
    let mut reports = Vec::new();
    for (label, bin) in binaries() {
        let out = dir.join(format!("snap-{label}.json"));
        let runs: Vec<_> = (0..3)
            .map(|_| {
                measured(
                    Command::new(&bin)
                        .env("EGSCOPE_TIMINGS", "1")
                        .args(["audit", "--format", "json", "--fail-on", "never"])
                        .arg("--snapshot")
                        .arg(&path)
                        .arg("--output")
                        .arg(&out),
                )
            })
            .collect();
        let best = runs.iter().min_by_key(|r| r.0).unwrap();
        let load = phase_ms(&best.3, "load").unwrap_or(f64::NAN);
        let audit = phase_ms(&best.3, "audit").unwrap_or(f64::NAN);
        let report = phase_ms(&best.3, "report").unwrap_or(f64::NAN);
        let peak = runs.iter().map(|r| r.2).fold(0.0, f64::max);
        println!(
            "row 2 {label}: audit --snapshot {:.2} s = {:.2}x its own load (load {load:.0} ms, audit {audit:.0} ms, report {report:.0} ms){}; peak RSS {:.0} MB = {:.2}x the file",
            best.0.as_secs_f64(),
            best.0.as_secs_f64() * 1e3 / load,
            python
                .map(|p| format!(", {:.2}x python", best.0.as_secs_f64() / p.as_secs_f64()))
                .unwrap_or_default(),
            peak / 1e6,
            peak / size,
        );
        reports.push((label, std::fs::read(&out).unwrap()));
    }
    if let [(_, a), (_, b)] = &reports[..] {
        println!(
            "row 2: JSON reports byte-identical before/after: {} ({} bytes)",
            a == b,
            b.len()
        );
    }
}

/// A TUI in a pseudo-terminal, read into a vt100 screen.
struct Pty {
    parser: vt100::Parser,
    rx: mpsc::Receiver<Vec<u8>>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    writer: Box<dyn std::io::Write + Send>,
}

impl Pty {
    fn start(bin: &Path, args: &[&str], home: &Path) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 40,
                cols: 140,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(bin);
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        cmd.env("HOME", home);
        cmd.env("XDG_STATE_HOME", home.join("state"));
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
        Pty {
            parser: vt100::Parser::new(rows, cols, 0),
            rx,
            child,
            writer,
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

    /// Pumps until `pred` holds; the time it took, or `None` at `within`.
    fn until(&mut self, within: Duration, pred: impl Fn(&str) -> bool) -> Option<Duration> {
        let t = Instant::now();
        while t.elapsed() < within {
            if pred(&self.screen()) {
                return Some(t.elapsed());
            }
            self.pump(Duration::from_millis(5));
        }
        None
    }

    fn quit(mut self) {
        let _ = self.writer.write_all(b"q");
        let _ = self.writer.flush();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            self.pump(Duration::from_millis(50));
        }
        let _ = self.child.kill();
    }
}

fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let Some(i) = stat.rfind(')') else { return 0.0 };
    let f: Vec<&str> = stat[i + 2..].split_whitespace().collect();
    let t = |n: usize| f.get(n).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

fn rss_mb(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("VmRSS"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .unwrap_or(0.0)
        / 1024.0
}

fn rows_tui(first_frame: bool, idle: bool) {
    let secs: u64 = std::env::var("EGSCOPE_BENCH_IDLE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    for (label, bin) in binaries() {
        let home = tempfile::tempdir().unwrap();
        let mut tui = Pty::start(&bin, &["demo", "--scenario", "large"], home.path());
        let frame = tui.until(Duration::from_secs(120), |s| !s.trim().is_empty());
        let live = tui.until(Duration::from_secs(180), |s| s.contains("objects live"));
        if first_frame {
            let f = |d: Option<Duration>| {
                d.map(|d| format!("{:.0} ms", d.as_secs_f64() * 1e3))
                    .unwrap_or_else(|| "never".into())
            };
            // `live` counts from the first frame on.
            println!(
                "row 4 {label}: first frame after {}, every kind live {} later",
                f(frame),
                f(live)
            );
        }
        if idle && live.is_some() {
            let pid = tui.child.process_id().unwrap();
            tui.pump(Duration::from_secs(5));
            let (rss0, cpu0, t) = (rss_mb(pid), cpu_seconds(pid), Instant::now());
            tui.pump(Duration::from_secs(secs));
            let used = cpu_seconds(pid) - cpu0;
            println!(
                "row 3 {label}: idle TUI on demo large, {:.1}% of a core over {:.0} s; RSS {rss0:.0} MB → {:.0} MB",
                used / t.elapsed().as_secs_f64() * 100.0,
                t.elapsed().as_secs_f64(),
                rss_mb(pid)
            );
        }
        tui.quit();
    }
}

fn main() {
    let rows: Vec<u32> = std::env::var("EGSCOPE_BENCH_ROWS")
        .unwrap_or_else(|_| "1,2,3,4".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    if rows.contains(&1) {
        row_live(&rt, dir.path());
    }
    if rows.contains(&2) {
        row_snapshot(dir.path());
    }
    if rows.contains(&3) || rows.contains(&4) {
        rows_tui(rows.contains(&4), rows.contains(&3));
    }
}
