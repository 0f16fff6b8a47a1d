//! The bodies of the fuzz targets, shared by cargo-fuzz (`fuzz/`, nightly)
//! and the stable smoke fuzzer (`tests/fuzz_smoke.rs`), so both exercise
//! exactly the same code. Each must return on any input: a panic or a hang
//! is the finding.

use crate::audit::{self, AuditOptions};
use crate::metrics::{prom, series};
use crate::model::tenancy::EgConfig;
use crate::source::snapshot;
use crate::units;

/// The snapshot loader (YAML and JSON, every layout), then the model and
/// the audit on whatever loads.
pub fn snapshot_load(data: &[u8]) {
    fn check(name: &str, text: &str) {
        if let Ok(store) = snapshot::load_text(name, text) {
            let opts = AuditOptions {
                now: Some(crate::demo::demo_now()),
                ..AuditOptions::default()
            };
            let _ = audit::run(&store, &opts);
        }
    }
    if let Ok(text) = std::str::from_utf8(data) {
        check("fuzz.yaml", text);
        // The JSON path: the loader picks it for text that starts with a
        // brace or a bracket.
        if !text.trim_start().starts_with(['{', '[']) {
            check("fuzz.json", &format!("[{text}]"));
        }
    }
}

/// Quantities and durations; a quantity that parses is finite.
pub fn quantity_duration(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Some(q) = units::parse_quantity(&text) {
        assert!(q.is_finite(), "{text:?} parsed to {q}");
    }
    let _ = units::parse_duration(&text);
    let _ = units::quantity_of(&serde_json::Value::String(text.into_owned()));
}

/// The EnvoyGateway config file (the `envoy-gateway.yaml` key of its
/// ConfigMap).
pub fn eg_config(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(value) = crate::source::parse_yaml_value(text)
    {
        let cfg = EgConfig::from_value(&value);
        let _ = cfg.gateway_namespace_mode();
    }
}

/// The Prometheus text parser, whole and as the scraper uses it, and the
/// series maths on what it parses.
pub fn prom_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(scrape) = prom::parse(text) {
        let _ = series::derive(&scrape, &scrape, 1.0);
        let _ = series::derive(&prom::Scrape::default(), &scrape, 1.0);
    }
    if let Ok(some) = prom::parse_only(text, series::wanted) {
        let _ = series::derive(&some, &some, 1.0);
    }
}
