//! Kubernetes quantities (`32Ki`, `"32768"`, `1Mi`, `500m`) and Gateway API /
//! Go durations (`1h30m`, `50ms`). Hand-written because the only crates that
//! parse them come with the whole of k8s-openapi's types or a Go-style API we
//! would wrap anyway; both parsers are small, total and fuzzed.

use std::time::Duration;

use crate::value::Value;

/// The value of a Kubernetes quantity, as a float (bytes for memory, cores
/// for CPU). `None` when the text is not a quantity.
pub fn parse_quantity(text: &str) -> Option<f64> {
    let text = text.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(split);
    if number.is_empty() || number == "+" || number == "-" {
        return None;
    }
    let base: f64 = number.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        exp if exp.starts_with(['e', 'E']) => {
            let e: i32 = exp[1..].parse().ok()?;
            if !(-30..=30).contains(&e) {
                return None;
            }
            10f64.powi(e)
        }
        _ => return None,
    };
    let v = base * factor;
    v.is_finite().then_some(v)
}

/// A quantity as found in a JSON/YAML field: a string or a plain number.
pub fn quantity_of<V: Field + ?Sized>(v: &V) -> Option<f64> {
    match v.text() {
        Some(s) => parse_quantity(s),
        None => v.number(),
    }
}

/// A JSON value that may hold a quantity: the store's, or serde_json's
/// (the simulator's).
pub trait Field {
    fn text(&self) -> Option<&str>;
    fn number(&self) -> Option<f64>;
}

impl Field for Value {
    fn text(&self) -> Option<&str> {
        self.as_str()
    }
    fn number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => n.as_f64(),
            _ => None,
        }
    }
}

impl Field for serde_json::Value {
    fn text(&self) -> Option<&str> {
        self.as_str()
    }
    fn number(&self) -> Option<f64> {
        self.as_number().and_then(serde_json::Number::as_f64)
    }
}

/// Parses Go/Gateway API durations: one or more `<number><unit>` with units
/// `h`, `m`, `s`, `ms`, `us`/`µs`, `ns` (`1h30m`, `50ms`, `1.5s`). A bare `0`
/// is zero, as in Go.
pub fn parse_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text == "0" {
        return Some(Duration::ZERO);
    }
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    let mut rest = text;
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .filter(|&i| i > 0)?;
        let value: f64 = rest[..num_end].parse().ok()?;
        rest = &rest[num_end..];
        let unit_end = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let seconds_per_unit = match &rest[..unit_end] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 1e-3,
            "us" | "µs" => 1e-6,
            "ns" => 1e-9,
            _ => return None,
        };
        rest = &rest[unit_end..];
        total += value * seconds_per_unit;
    }
    (total.is_finite() && total < 1e12).then(|| Duration::from_secs_f64(total))
}

/// 32 KiB: the guide's cap for listener and cluster buffers.
pub const BUFFER_CAP_BYTES: f64 = 32.0 * 1024.0;

/// What `metrics.k8s.io` says a pod uses, summed over its containers (what
/// `kubectl top pod` shows). Here, below the sources and the metrics, because
/// the live source reads it and the metrics layer reports it.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct PodUsage {
    pub cpu_cores: Option<f64>,
    pub memory_bytes: Option<f64>,
}

/// Pod usage keyed by (namespace, pod name).
pub type UsageMap = std::collections::BTreeMap<(String, String), PodUsage>;

impl PodUsage {
    /// Reads a PodMetrics object's `containers[].usage`.
    pub fn from_pod_metrics(obj: &serde_json::Value) -> PodUsage {
        let mut u = PodUsage::default();
        let containers = obj.get("containers").and_then(|c| c.as_array());
        for c in containers.into_iter().flatten() {
            let usage = |name: &str| {
                c.pointer(&format!("/usage/{name}"))
                    .and_then(|v| v.as_str())
                    .and_then(parse_quantity)
            };
            if let Some(cpu) = usage("cpu") {
                *u.cpu_cores.get_or_insert(0.0) += cpu;
            }
            if let Some(mem) = usage("memory") {
                *u.memory_bytes.get_or_insert(0.0) += mem;
            }
        }
        u
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_like_kubernetes() {
        assert_eq!(parse_quantity("32Ki"), Some(32768.0));
        assert_eq!(parse_quantity("32768"), Some(32768.0));
        assert_eq!(parse_quantity("1Mi"), Some(1048576.0));
        assert_eq!(parse_quantity("500m"), Some(0.5));
        assert_eq!(parse_quantity("1.5Gi"), Some(1.5 * 1024f64.powi(3)));
        assert_eq!(parse_quantity("2k"), Some(2000.0));
        assert_eq!(parse_quantity("1e3"), Some(1000.0));
        assert_eq!(parse_quantity("128974848"), Some(128974848.0));
        assert_eq!(quantity_of(&serde_json::json!(32768)), Some(32768.0));
        assert_eq!(quantity_of(&serde_json::json!("32Ki")), Some(32768.0));
    }

    #[test]
    fn bad_quantities_are_none() {
        for bad in [
            "", "Ki", "32KB", "abc", "1..2", "-", "1e999", "32 Ki x", "1Zi",
        ] {
            assert_eq!(parse_quantity(bad), None, "{bad}");
        }
        assert_eq!(quantity_of(&serde_json::json!(true)), None);
    }

    #[test]
    fn durations_parse_like_go() {
        assert_eq!(parse_duration("50ms"), Some(Duration::from_millis(50)));
        assert_eq!(parse_duration("1h30m"), Some(Duration::from_secs(5400)));
        assert_eq!(parse_duration("10s"), Some(Duration::from_secs(10)));
        assert_eq!(parse_duration("1.5s"), Some(Duration::from_millis(1500)));
        assert_eq!(parse_duration("0"), Some(Duration::ZERO));
        assert_eq!(parse_duration("1h0m0s"), Some(Duration::from_secs(3600)));
    }

    #[test]
    fn bad_durations_are_none() {
        for bad in ["", "10", "1d", "ms", "h1", "1.2.3s", "-1s", "1e3s"] {
            assert_eq!(parse_duration(bad), None, "{bad}");
        }
    }

    #[test]
    fn pod_usage_sums_containers_like_kubectl_top() {
        let obj = serde_json::json!({
            "containers": [
                {"name": "envoy", "usage": {"cpu": "250m", "memory": "64Mi"}},
                {"name": "shutdown-manager", "usage": {"cpu": "1500000n", "memory": "8Mi"}},
                {"name": "odd", "usage": {"cpu": "lots"}}
            ]
        });
        let u = PodUsage::from_pod_metrics(&obj);
        assert!((u.cpu_cores.unwrap() - 0.2515).abs() < 1e-9, "{u:?}");
        assert_eq!(u.memory_bytes, Some(72.0 * 1048576.0));
        let none = PodUsage::from_pod_metrics(&serde_json::json!({"containers": []}));
        assert_eq!(none, PodUsage::default());
    }
}
