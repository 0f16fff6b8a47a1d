//! `cargo +nightly fuzz run text_report`: hostile strings (controls, escape
//! sequences, OSC 52, bidi, zero-width, YAML escapes) must never reach the
//! terminal raw.
//! The body lives in `egscope::fuzzing`, shared with the stable smoke
//! fuzzer (`tests/fuzz_smoke.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| egscope::fuzzing::text_report(data));
