//! `cargo +nightly fuzz run snapshot_load`: the snapshot loader (YAML and
//! JSON, every layout) must return an error or a store on any input, never
//! panic or hang, and whatever it loads must survive the model and the audit.
//! The body lives in `egscope::fuzzing`, shared with the stable smoke
//! fuzzer (`tests/fuzz_smoke.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| egscope::fuzzing::snapshot_load(data));
