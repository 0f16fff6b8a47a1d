//! `cargo +nightly fuzz run eg_config`: the EnvoyGateway config file (the
//! `envoy-gateway.yaml` key of its ConfigMap) decodes or errors on any input.
//! The body lives in `egscope::fuzzing`, shared with the stable smoke
//! fuzzer (`tests/fuzz_smoke.rs`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| egscope::fuzzing::eg_config(data));
