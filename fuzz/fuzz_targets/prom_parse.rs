//! `cargo +nightly fuzz run prom_parse`: the Prometheus text parser must
//! return (never panic, never hang) on any input, and whatever it parses
//! must be usable by the series maths.
//! The body lives in `egscope::fuzzing`, shared with the stable smoke
//! fuzzer (`tests/fuzz_smoke.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| egscope::fuzzing::prom_parse(data));
