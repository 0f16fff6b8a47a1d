//! `cargo +nightly fuzz run eg_config`: the EnvoyGateway config file (the
//! `envoy-gateway.yaml` key of its ConfigMap) decodes or errors on any input.
#![no_main]

use egscope::model::tenancy::EgConfig;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(value) = egscope::source::parse_yaml_value(text) {
            let cfg = EgConfig::from_value(&value);
            let _ = cfg.gateway_namespace_mode();
        }
    }
});
