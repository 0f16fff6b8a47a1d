//! `cargo +nightly fuzz run prom_parse`: the Prometheus text parser must
//! return (never panic, never hang) on any input, and whatever it parses
//! must be usable by the series maths.
#![no_main]

use egscope::metrics::prom;
use egscope::metrics::series;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(scrape) = prom::parse(text) {
            let _ = series::derive(&scrape, &scrape, 1.0);
            let _ = series::derive(&prom::Scrape::default(), &scrape, 1.0);
        }
        // The scraper's path: only the samples the series maths reads.
        if let Ok(some) = prom::parse_only(text, series::wanted) {
            let _ = series::derive(&some, &some, 1.0);
        }
    }
});
