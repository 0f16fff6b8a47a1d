//! `cargo +nightly fuzz run quantity_duration`: Kubernetes quantities and Go
//! durations parse to a finite value or `None` on any input.
#![no_main]

use egscope::units;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(q) = units::parse_quantity(&text) {
        assert!(q.is_finite(), "{text:?} parsed to {q}");
    }
    let _ = units::parse_duration(&text);
    let _ = units::quantity_of(&serde_json::Value::String(text.into_owned()));
});
