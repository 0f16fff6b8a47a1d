//! A stable-toolchain smoke fuzzer for the six cargo-fuzz targets in
//! `fuzz/` (which need nightly): each target's function gets ~20,000
//! deterministic pseudo-random inputs, most of them mutations of the seed
//! corpus in `fuzz/seeds/<target>/`, and must neither panic (not even a
//! panic the loader catches and turns into an error) nor take long.
//!
//! `cargo test --test fuzz_smoke -- --nocapture` prints executions per
//! second. `EGSCOPE_FUZZ_ITERS=200000` runs longer, `EGSCOPE_FUZZ_SEED=N`
//! explores other inputs.

use std::cell::RefCell;
use std::path::Path;
use std::sync::Once;
use std::time::{Duration, Instant};

use egscope::fuzzing::{
    eg_config, prom_parse, quantity_duration, snapshot_load, text_report, tui_cells,
};

/// Inputs per target unless `EGSCOPE_FUZZ_ITERS` says otherwise.
const DEFAULT_ITERS: usize = 20_000;
/// One input taking this long is a hang, not a slow machine.
const SLOW_INPUT: Duration = Duration::from_secs(2);
/// The CPU time this thread has used: the budgets are judged on it, not on
/// the wall clock, so that a machine busy compiling (CI runs the test
/// binaries two at a time on two cores) does not fail them, while a
/// quadratic blow-up still does. Linux's `/proc/thread-self/schedstat`
/// (first field: nanoseconds on a CPU, see the kernel's
/// Documentation/scheduler/sched-stats.rst); the wall clock elsewhere.
fn cpu_time() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .map(Duration::from_nanos)
        .unwrap_or_else(|| START.get_or_init(Instant::now).elapsed())
}

/// The largest input the mutators build.
const MAX_LEN: usize = 32 * 1024;

// ---------------------------------------------------------------- PRNG

/// The project's seeded PRNG with the draws the mutators use.
struct SplitMix64(egscope::sim::SplitMix64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }
    fn below(&mut self, n: usize) -> usize {
        self.0.below(n as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ------------------------------------------------------- panic capture

thread_local! {
    static PANIC: RefCell<Option<String>> = const { RefCell::new(None) };
    static FUZZING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Records every panic's message on the thread that panicked, so that a
/// panic the code under test catches itself (the snapshot loader does) is
/// still a finding.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !FUZZING.with(|f| f.get()) {
                return default(info);
            }
            let msg = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            PANIC.with(|p| *p.borrow_mut() = Some(format!("{msg} at {at}")));
        }));
    });
}

// ------------------------------------------------------------- inputs

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/seeds")
        .join(target);
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("seed corpus {}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    let out: Vec<Vec<u8>> = paths.iter().map(|p| std::fs::read(p).unwrap()).collect();
    assert!(!out.is_empty(), "no seeds in {}", dir.display());
    out
}

/// Fragments that mean something to one of the parsers.
const TOKENS: &[&str] = &[
    "\n",
    "\n- ",
    ": ",
    "- ",
    "---\n",
    "...\n",
    "{",
    "}",
    "[",
    "]",
    ",",
    "\"",
    "'",
    "&a ",
    "*a",
    "!!str ",
    "!!binary ",
    "? ",
    "|\n  ",
    ">-\n  ",
    "#",
    "%YAML 1.2\n",
    "<<: *a\n",
    "\t",
    "\r\n",
    "kind: ",
    "apiVersion: v1\n",
    "kind: List\nitems:\n",
    "metadata:\n  name: x\n",
    "items: ",
    "spec: ",
    "null",
    "~",
    "true",
    "-0",
    "1e308",
    "NaN",
    ".inf",
    "0x1F",
    "9999999999999999999999",
    "\u{feff}",
    "\u{0}",
    "\u{fffd}",
    "é",
    "µs",
    "Ki",
    "Mi",
    "Ei",
    "e30",
    "e-31",
    "h",
    "ms",
    "ns",
    "le=\"+Inf\"",
    "{a=\"b\"}",
    "_bucket",
    "_sum",
    "_count",
    "# TYPE x histogram\n",
    " 1 2\n",
    "\\",
    "\\\"",
    "\\n",
    "envoy_cluster_upstream_rq_xx",
    "controllerName: ",
    "watch:\n  type: ",
    "NamespaceSelector",
    "Namespaces",
    "GatewayNamespace",
    "matchExpressions: [{key: a, operator: In}]",
];

fn random_utf8(rng: &mut SplitMix64, len: usize) -> Vec<u8> {
    let mut s = String::new();
    for _ in 0..len {
        let c = match rng.below(10) {
            0..=5 => (0x20 + rng.below(0x5f)) as u8 as char,
            6 => *rng.pick(&['\n', '\t', '\r', ' ', ':', '-']),
            7 => char::from_u32(0x80 + rng.below(0x780) as u32).unwrap_or('?'),
            8 => char::from_u32(0x800 + rng.below(0xD000) as u32).unwrap_or('?'),
            _ => char::from_u32(0x10000 + rng.below(0x10000) as u32).unwrap_or('?'),
        };
        s.push(c);
    }
    s.into_bytes()
}

fn nesting(rng: &mut SplitMix64) -> Vec<u8> {
    let depth = *rng.pick(&[50, 199, 200, 201, 1_000, 10_000]);
    let (open, close) = *rng.pick(&[
        ("[", "]"),
        ("{a: ", "}"),
        ("{\"a\":", "}"),
        ("- ", ""),
        ("[{a: ", "}]"),
    ]);
    let mut s = open.repeat(depth);
    if rng.below(2) == 0 {
        s.push('1');
        s.push_str(&close.repeat(depth));
    }
    s.into_bytes()
}

fn indented_nesting(rng: &mut SplitMix64) -> Vec<u8> {
    let depth = rng.below(400);
    let mut s = String::new();
    for i in 0..depth {
        s.push_str(&" ".repeat(i));
        s.push_str("a:\n");
    }
    s.into_bytes()
}

/// One mutation of `data`, in place.
fn mutate(rng: &mut SplitMix64, data: &mut Vec<u8>, all: &[Vec<u8>]) {
    let len = data.len();
    match rng.below(11) {
        // Bit flips.
        0 => {
            for _ in 0..=rng.below(4) {
                if !data.is_empty() {
                    let i = rng.below(data.len());
                    data[i] ^= 1 << rng.below(8);
                }
            }
        }
        // Truncation.
        1 => data.truncate(rng.below(len + 1)),
        // Duplicate a slice in place.
        2 if len > 0 => {
            let a = rng.below(len);
            let b = (a + 1 + rng.below(256)).min(len);
            let chunk = data[a..b].to_vec();
            let at = rng.below(data.len() + 1);
            for _ in 0..=rng.below(3) {
                data.splice(at..at, chunk.iter().copied());
            }
        }
        // Remove a slice.
        3 if len > 0 => {
            let a = rng.below(len);
            let b = (a + 1 + rng.below(64)).min(len);
            data.drain(a..b);
        }
        // Insert a meaningful token.
        4 | 5 => {
            let at = rng.below(len + 1);
            let tok = rng.pick(TOKENS).as_bytes();
            data.splice(at..at, tok.iter().copied());
        }
        // Deep nesting somewhere.
        6 => {
            let at = rng.below(len + 1);
            let n = nesting(rng);
            data.splice(at..at, n);
        }
        // A long line.
        7 => {
            let at = rng.below(len + 1);
            let unit = rng.pick(&["a", "9", " ", "é", "ab: ", "\\"]).as_bytes();
            let line = unit.repeat(500 + rng.below(8_000));
            data.splice(at..at, line);
        }
        // Random UTF-8.
        8 => {
            let at = rng.below(len + 1);
            let n = 1 + rng.below(32);
            let r = random_utf8(rng, n);
            data.splice(at..at, r);
        }
        // Splice with another seed.
        9 => {
            let other = rng.pick(all);
            let cut = rng.below(len + 1);
            let from = rng.below(other.len() + 1);
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        // Replace a byte with a random one (including invalid UTF-8).
        _ => {
            if !data.is_empty() {
                let i = rng.below(data.len());
                data[i] = rng.next() as u8;
            }
        }
    }
    data.truncate(MAX_LEN);
}

fn input(rng: &mut SplitMix64, seeds: &[Vec<u8>], i: usize) -> Vec<u8> {
    if i < seeds.len() {
        return seeds[i].clone();
    }
    match rng.below(20) {
        0 => {
            let n = rng.below(200);
            random_utf8(rng, n)
        }
        1 => nesting(rng),
        2 => indented_nesting(rng),
        3 => {
            let n = rng.below(64);
            (0..n).map(|_| rng.next() as u8).collect()
        }
        _ => {
            let mut data = rng.pick(seeds).clone();
            for _ in 0..=rng.below(4) {
                mutate(rng, &mut data, seeds);
            }
            data
        }
    }
}

// ------------------------------------------------------------- driver

fn iterations() -> usize {
    std::env::var("EGSCOPE_FUZZ_ITERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_ITERS)
}

fn escape(data: &[u8]) -> String {
    let shown = &data[..data.len().min(400)];
    format!(
        "{:?}{}",
        String::from_utf8_lossy(shown),
        if data.len() > 400 { " …" } else { "" }
    )
}

/// Writes a failing input next to the test binaries for reproduction.
fn keep(target: &str, data: &[u8]) {
    let path = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz_smoke-{target}.bin"));
    if std::fs::write(&path, data).is_ok() {
        eprintln!(
            "fuzz_smoke {target}: failing input saved to {}",
            path.display()
        );
    }
}

fn smoke(target: &str, seed_salt: u64, run: impl Fn(&[u8])) {
    smoke_costing(target, seed_salt, 1.0, run);
}

/// `cost`: how many times the time budget per input a target may take.
/// The text report renders a whole report (twice) per input, more work
/// than a parser call; a quadratic blow-up still shows, as does one slow
/// input (`SLOW_INPUT`).
fn smoke_costing(target: &str, seed_salt: u64, cost: f64, run: impl Fn(&[u8])) {
    install_hook();
    let seeds = seeds(target);
    let base: u64 = std::env::var("EGSCOPE_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0x5eed);
    let mut rng = SplitMix64(egscope::sim::SplitMix64::new(base ^ seed_salt));
    let n = iterations();
    let start = cpu_time();
    let mut slowest = (Duration::ZERO, Vec::new());
    for i in 0..n {
        let data = input(&mut rng, &seeds, i);
        PANIC.with(|p| p.borrow_mut().take());
        let t = cpu_time();
        FUZZING.with(|f| f.set(true));
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&data)));
        FUZZING.with(|f| f.set(false));
        let took = cpu_time().saturating_sub(t);
        let panicked = PANIC.with(|p| p.borrow_mut().take());
        if let Some(msg) = panicked {
            keep(target, &data);
            panic!(
                "{target}: input #{i} panicked ({msg}){}: {}",
                if outcome.is_ok() {
                    " and the panic was caught inside"
                } else {
                    ""
                },
                escape(&data)
            );
        }
        if took > slowest.0 {
            slowest = (took, data);
        }
    }
    let elapsed = cpu_time().saturating_sub(start);
    println!(
        "fuzz_smoke {target}: {n} inputs in {:.2?} of CPU ({:.0} exec/s); slowest {:.2?} ({} bytes)",
        elapsed,
        n as f64 / elapsed.as_secs_f64(),
        slowest.0,
        slowest.1.len()
    );
    if slowest.0 >= SLOW_INPUT {
        keep(target, &slowest.1);
    }
    // The whole file takes ~16 s of CPU in debug; three times that per
    // target still catches a quadratic blow-up. CPU time, not the wall
    // clock: see `cpu_time`.
    let budget = Duration::from_secs(60).mul_f64(cost * n as f64 / DEFAULT_ITERS as f64);
    assert!(elapsed < budget, "{target}: {n} inputs took {elapsed:?}");
    assert!(
        slowest.0 < SLOW_INPUT,
        "{target}: one input took {:?}: {}",
        slowest.0,
        escape(&slowest.1)
    );
}

#[test]
fn smoke_snapshot_load() {
    smoke("snapshot_load", 1, snapshot_load);
}

#[test]
fn smoke_quantity_duration() {
    smoke("quantity_duration", 2, quantity_duration);
}

#[test]
fn smoke_eg_config() {
    smoke("eg_config", 3, eg_config);
}

#[test]
fn smoke_prom_parse() {
    smoke("prom_parse", 4, prom_parse);
}

#[test]
fn smoke_text_report() {
    smoke_costing("text_report", 5, 3.0, text_report);
}

#[test]
fn smoke_tui_cells() {
    smoke("tui_cells", 6, tui_cells);
}
