//! Prometheus exposition: a proxy pod's Envoy `/stats/prometheus` text,
//! from its fleet's cumulative counters minus what the fleet had served
//! before the pod started, scaled by the pod's share.

use std::fmt::Write as _;

use super::{BUCKETS, Counters, Fleet, Hist, MetricsError, Traffic};

/// One pod's view of its fleet's counters.
struct PodView<'a> {
    f: &'a Fleet,
    /// The fleet's counters when the pod started.
    base: &'a Counters,
    /// The pod's share of the fleet's traffic.
    m: f64,
}

impl PodView<'_> {
    fn int(&self, v: f64) -> u64 {
        (v.max(0.0) * self.m).floor() as u64
    }

    fn clusters(&self) -> impl Iterator<Item = (usize, &str)> {
        self.f.clusters.iter().map(|c| c.0.as_str()).enumerate()
    }

    /// The upstream request counters: totals, by class, failures.
    fn upstream_counters(&self, out: &mut String) {
        let (f, base) = (self.f, self.base);
        let _ = writeln!(out, "# TYPE envoy_cluster_upstream_rq_total counter");
        for (c, name) in self.clusters() {
            let total: f64 = (0..5).map(|k| f.acc.up_xx[c][k] - base.up_xx[c][k]).sum();
            let _ = writeln!(
                out,
                "envoy_cluster_upstream_rq_total{{envoy_cluster_name=\"{name}\"}} {}",
                self.int(total)
            );
        }
        let _ = writeln!(out, "# TYPE envoy_cluster_upstream_rq_xx counter");
        for (c, name) in self.clusters() {
            for (k, class) in CLASSES.iter().enumerate().skip(1) {
                let _ = writeln!(
                    out,
                    "envoy_cluster_upstream_rq_xx{{envoy_response_code_class=\"{class}\",envoy_cluster_name=\"{name}\"}} {}",
                    self.int(f.acc.up_xx[c][k] - base.up_xx[c][k])
                );
            }
        }
        for (metric, i) in [
            ("envoy_cluster_upstream_cx_connect_fail", 0),
            ("envoy_cluster_upstream_rq_timeout", 1),
            ("envoy_cluster_upstream_rq_pending_overflow", 2),
        ] {
            let _ = writeln!(out, "# TYPE {metric} counter");
            for (c, name) in self.clusters() {
                let _ = writeln!(
                    out,
                    "{metric}{{envoy_cluster_name=\"{name}\"}} {}",
                    self.int(f.acc.up_fail[c][i] - base.up_fail[c][i])
                );
            }
        }
    }

    /// The downstream (HCM) connection and request counters.
    fn downstream_counters(&self, out: &mut String) {
        let (f, base) = (self.f, self.base);
        let _ = writeln!(out, "# TYPE envoy_http_downstream_cx_total counter");
        for (p, prefix) in f.prefixes.iter().enumerate() {
            let _ = writeln!(
                out,
                "envoy_http_downstream_cx_total{{envoy_http_conn_manager_prefix=\"{prefix}\"}} {}",
                self.int(f.acc.down_cx[p] - base.down_cx[p])
            );
        }
        let _ = writeln!(out, "# TYPE envoy_http_downstream_rq_total counter");
        for (p, prefix) in f.prefixes.iter().enumerate() {
            let total: f64 = (0..5)
                .map(|k| f.acc.down_xx[p][k] - base.down_xx[p][k])
                .sum();
            let _ = writeln!(
                out,
                "envoy_http_downstream_rq_total{{envoy_http_conn_manager_prefix=\"{prefix}\"}} {}",
                self.int(total)
            );
        }
        let _ = writeln!(out, "# TYPE envoy_http_downstream_rq_xx counter");
        for (p, prefix) in f.prefixes.iter().enumerate() {
            for (k, class) in CLASSES.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "envoy_http_downstream_rq_xx{{envoy_response_code_class=\"{class}\",envoy_http_conn_manager_prefix=\"{prefix}\"}} {}",
                    self.int(f.acc.down_xx[p][k] - base.down_xx[p][k])
                );
            }
        }
    }

    /// The downstream gauges: connections and requests in flight.
    fn downstream_gauges(&self, out: &mut String) {
        let f = self.f;
        let rps_pod = f.rps_per_pod() * self.m;
        let np = f.prefixes.len().max(1) as f64;
        let _ = writeln!(out, "# TYPE envoy_http_downstream_cx_active gauge");
        for prefix in &f.prefixes {
            let _ = writeln!(
                out,
                "envoy_http_downstream_cx_active{{envoy_http_conn_manager_prefix=\"{prefix}\"}} {}",
                (rps_pod / np * 0.08).round() as u64
            );
        }
        let _ = writeln!(out, "# TYPE envoy_http_downstream_rq_active gauge");
        for prefix in &f.prefixes {
            let _ = writeln!(
                out,
                "envoy_http_downstream_rq_active{{envoy_http_conn_manager_prefix=\"{prefix}\"}} {}",
                (rps_pod / np * 0.02).round() as u64
            );
        }
    }

    /// The request-time histograms, upstream per cluster and downstream
    /// per HCM prefix.
    fn histograms(&self, out: &mut String) {
        let (f, base) = (self.f, self.base);
        let _ = writeln!(out, "# TYPE envoy_cluster_upstream_rq_time histogram");
        for (c, name) in self.clusters() {
            let h = f.acc.up_time[c].minus(&base.up_time[c], self.m);
            histogram(
                out,
                "envoy_cluster_upstream_rq_time",
                ("envoy_cluster_name", name),
                &h,
            );
        }
        let _ = writeln!(out, "# TYPE envoy_http_downstream_rq_time histogram");
        for (p, prefix) in f.prefixes.iter().enumerate() {
            let h = f.acc.down_time[p].minus(&base.down_time[p], self.m);
            histogram(
                out,
                "envoy_http_downstream_rq_time",
                ("envoy_http_conn_manager_prefix", prefix),
                &h,
            );
        }
    }
}

/// Response code classes as Envoy labels them.
const CLASSES: [&str; 5] = ["1", "2", "3", "4", "5"];

/// One histogram series: the buckets, `+Inf`, sum and count.
fn histogram(out: &mut String, metric: &str, (label, value): (&str, &str), h: &Hist) {
    for (i, le) in BUCKETS.iter().enumerate() {
        let _ = writeln!(
            out,
            "{metric}_bucket{{{label}=\"{value}\",le=\"{le}\"}} {}",
            h.buckets[i].floor() as u64
        );
    }
    let count = h.count.floor() as u64;
    let _ = writeln!(
        out,
        "{metric}_bucket{{{label}=\"{value}\",le=\"+Inf\"}} {count}"
    );
    let _ = writeln!(out, "{metric}_sum{{{label}=\"{value}\"}} {:.3}", h.sum);
    let _ = writeln!(out, "{metric}_count{{{label}=\"{value}\"}} {count}");
}

/// The server gauges of one Envoy.
fn server_gauges(out: &mut String, mem: f64, uptime: u64) {
    let _ = writeln!(out, "# TYPE envoy_server_concurrency gauge");
    let _ = writeln!(out, "envoy_server_concurrency{{}} 2");
    let _ = writeln!(out, "# TYPE envoy_server_live gauge");
    let _ = writeln!(out, "envoy_server_live{{}} 1");
    let _ = writeln!(out, "# TYPE envoy_server_memory_allocated gauge");
    let _ = writeln!(
        out,
        "envoy_server_memory_allocated{{}} {}",
        (mem * 0.8) as u64
    );
    let _ = writeln!(out, "# TYPE envoy_server_memory_heap_size gauge");
    let _ = writeln!(out, "envoy_server_memory_heap_size{{}} {}", mem as u64);
    let _ = writeln!(out, "# TYPE envoy_server_uptime gauge");
    let _ = writeln!(out, "envoy_server_uptime{{}} {uptime}");
}

impl Traffic {
    /// The Envoy `/stats/prometheus` text of a proxy pod.
    pub fn metrics_text(&self, ns: &str, pod: &str) -> Result<String, MetricsError> {
        let info = self
            .pods
            .get(&(ns.to_string(), pod.to_string()))
            .ok_or(MetricsError::NotFound)?;
        let f = &self.fleets[info.fleet];
        if !f.prometheus {
            return Err(MetricsError::Disabled);
        }
        let zero = Counters::sized(f.prefixes.len(), f.clusters.len());
        let view = PodView {
            f,
            base: info.base.as_deref().unwrap_or(&zero),
            m: info.mult,
        };
        let mut out = String::with_capacity(4096);
        view.upstream_counters(&mut out);
        let t = self.clock.elapsed.as_secs();
        let _ = writeln!(out, "# TYPE envoy_cluster_upstream_rq_active gauge");
        for (c, name) in view.clusters() {
            let _ = writeln!(
                out,
                "envoy_cluster_upstream_rq_active{{envoy_cluster_name=\"{name}\"}} {}",
                (f.cluster_active(c, f.rps_per_pod() * view.m, t)).round() as u64
            );
        }
        view.downstream_counters(&mut out);
        view.downstream_gauges(&mut out);
        let uptime = (self.clock.elapsed.as_secs_f64() - info.started).max(0.0) as u64;
        let (_, mem) = self.pod_usage(ns, pod);
        server_gauges(&mut out, mem, uptime);
        view.histograms(&mut out);
        Ok(out)
    }
}
