//! Audit cost at scale, against the plain parse of the same file.
//!
//! For 1x, 2x and 4x a base size (4x = the `large` scenario: 1,000
//! Gateways, 20,000 HTTPRoutes, 2,000 policies, 5,000 pods) it writes a
//! generated `kind: List` JSON snapshot, then measures in this process:
//! - baseline: `fs::read` + `serde_json::from_slice::<Value>` of the file;
//! - audit: the real binary, `egscope audit --snapshot FILE --format json
//!   --output FILE` (file read to JSON written), wall time and peak RSS
//!   (the VmHWM the binary reports with EGSCOPE_TIMINGS).
//!
//! Prints ratios (audit / baseline time, peak RSS / file size) per scale.
//!
//! Run: `cargo bench --bench audit_scale` (EGSCOPE_BENCH_SCALES=1,2,4 and
//! EGSCOPE_BENCH_RUNS=3 change what it does).

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use egscope::sim::{LargeParams, generate, to_list_json};

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn baseline(path: &Path) -> Duration {
    let t = Instant::now();
    let bytes = std::fs::read(path).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    std::hint::black_box(&v);
    drop(v);
    t.elapsed()
}

/// Runs the audit; returns its wall time and its own peak RSS in bytes (the
/// `VmHWM` it reports with EGSCOPE_TIMINGS: getrusage of children would
/// also count this process's pages shared at spawn).
fn audit(bin: &str, path: &Path, out: &Path) -> (Duration, f64) {
    let t = Instant::now();
    let output = Command::new(bin)
        .env("EGSCOPE_TIMINGS", "1")
        .args([
            "audit",
            "--fail-on",
            "never",
            "--format",
            "json",
            "--snapshot",
        ])
        .arg(path)
        .arg("--output")
        .arg(out)
        .output()
        .unwrap();
    let d = t.elapsed();
    assert!(
        output.status.success(),
        "egscope audit failed: {}",
        output.status
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    let peak_kb = stderr
        .split("VmHWM: ")
        .filter_map(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .fold(0.0, f64::max);
    (d, peak_kb * 1024.0)
}

fn main() {
    let bin = env!("CARGO_BIN_EXE_egscope");
    let scales: Vec<usize> = std::env::var("EGSCOPE_BENCH_SCALES")
        .unwrap_or_else(|_| "1,2,4".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let runs: usize = std::env::var("EGSCOPE_BENCH_RUNS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().unwrap();
    println!(
        "scale  objects  file_MB  parse_ms  audit_ms  audit/parse  peakRSS_MB  peak/file  findings_MB"
    );
    let mut per_object = Vec::new();
    for &s in &scales {
        let p = LargeParams::scaled(s);
        let objs = generate(&p);
        let n = objs.len();
        let path = dir.path().join(format!("large-{s}.json"));
        std::fs::write(&path, to_list_json(&objs)).unwrap();
        drop(objs);
        let size = std::fs::metadata(&path).unwrap().len() as f64;
        let out = dir.path().join(format!("report-{s}.json"));
        let parse = median((0..runs).map(|_| baseline(&path)).collect());
        let runs_done: Vec<(Duration, f64)> = (0..runs).map(|_| audit(bin, &path, &out)).collect();
        let peak = runs_done.iter().map(|r| r.1).fold(0.0, f64::max);
        let aud = median(runs_done.into_iter().map(|r| r.0).collect());
        let report = std::fs::metadata(&out).unwrap().len() as f64;
        per_object.push(aud.as_secs_f64() / n as f64);
        println!(
            "{s}x  {n:>9}  {:>7.1}  {:>8.0}  {:>8.0}  {:>11.2}  {:>10.1}  {:>9.2}  {:>11.1}",
            size / 1e6,
            parse.as_secs_f64() * 1e3,
            aud.as_secs_f64() * 1e3,
            aud.as_secs_f64() / parse.as_secs_f64(),
            peak / 1e6,
            peak / size,
            report / 1e6,
        );
    }
    if per_object.len() > 1 {
        let first = per_object[0];
        let growth: Vec<String> = per_object
            .iter()
            .map(|p| format!("{:.2}", p / first))
            .collect();
        println!(
            "audit time per object relative to the smallest scale: {}",
            growth.join(", ")
        );
    }
}
