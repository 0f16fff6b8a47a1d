//! `cargo +nightly fuzz run quantity_duration`: Kubernetes quantities and Go
//! durations parse to a finite value or `None` on any input.
//! The body lives in `egscope::fuzzing`, shared with the stable smoke
//! fuzzer (`tests/fuzz_smoke.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| egscope::fuzzing::quantity_duration(data));
