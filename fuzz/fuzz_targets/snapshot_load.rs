//! `cargo +nightly fuzz run snapshot_load`: the snapshot loader (YAML and
//! JSON, every layout) must return an error or a store on any input, never
//! panic or hang, and whatever it loads must survive the model and the audit.
#![no_main]

use egscope::audit::{self, AuditOptions};
use egscope::source::snapshot;
use libfuzzer_sys::fuzz_target;

fn check(name: &str, text: &str) {
    if let Ok(store) = snapshot::load_text(name, text) {
        let opts = AuditOptions {
            now: Some(egscope::demo::demo_now()),
            ..AuditOptions::default()
        };
        let _ = audit::run(&store, &opts);
    }
}

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        check("fuzz.yaml", text);
        // The JSON path: the loader picks it for text that starts with a
        // brace or a bracket.
        if !text.trim_start().starts_with(['{', '[']) {
            check("fuzz.json", &format!("[{text}]"));
        }
    }
});
