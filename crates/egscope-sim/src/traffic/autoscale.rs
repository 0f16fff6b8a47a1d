//! The HPA controller of the model: every [`HPA_PERIOD`](super::HPA_PERIOD)
//! seconds a fleet with an HPA is resized to its recommendation (down only
//! after the recommendation has held for the scale-down delay), its pods
//! are created or deleted, and the HPA's status and the workload's replicas
//! are written back into the cluster, which turns them into watch events.

use serde_json::{Value, json};

use super::{Fleet, Hpa, PodInfo, SCALE_DOWN_DELAY, Traffic, hash_unit, text};
use crate::cluster::Cluster;
use crate::resources::find;

/// One evaluation's numbers, as the HPA's status reports them.
struct Decision {
    /// CPU utilisation of the fleet's pods (% of their request).
    util: f64,
    /// The recommendation before the min/max clamp.
    raw: usize,
    /// The recommendation within min and max.
    desired: usize,
    /// What the fleet is resized to (`desired`, unless a scale-down waits).
    replicas: usize,
    /// Whether the fleet was resized now.
    scaled: bool,
}

/// The HPA's recommendation for fleet `f` at time `t`, and what the fleet
/// is resized to: up at once, down only after the lower recommendation held
/// for [`SCALE_DOWN_DELAY`] (the stabilization window).
fn decide(f: &mut Fleet, hpa: &Hpa, t: u64) -> Decision {
    let replicas = f.pods.len();
    let util = f.cpu_per_pod_m() / f.cpu_request_m * 100.0;
    let ratio = util / hpa.target;
    // Within the 10 % tolerance the HPA keeps the count.
    let raw = if (ratio - 1.0).abs() <= 0.1 {
        replicas
    } else {
        (replicas as f64 * ratio - 1e-9).ceil().max(1.0) as usize
    };
    let desired = raw.clamp(hpa.min, hpa.max);
    let mut target_replicas = replicas;
    if desired > replicas {
        target_replicas = desired;
        f.below_since = None;
    } else if desired < replicas {
        let since = *f.below_since.get_or_insert(t);
        if t - since >= SCALE_DOWN_DELAY {
            target_replicas = desired;
            f.below_since = None;
        }
    } else {
        f.below_since = None;
    }
    Decision {
        util,
        raw,
        desired,
        replicas: target_replicas,
        scaled: target_replicas != replicas,
    }
}

/// The HPA's new status: its three conditions (each keeping its
/// lastTransitionTime while its status holds), the CPU metric, the replica
/// counts.
fn hpa_status(old: &Value, f: &Fleet, hpa: &Hpa, d: &Decision, now: &str) -> Value {
    let limited = d.raw > hpa.max || d.raw < hpa.min;
    let (reason, message) = if d.raw > hpa.max {
        (
            "TooManyReplicas",
            "the desired replica count is more than the maximum replica count",
        )
    } else if d.raw < hpa.min {
        (
            "TooFewReplicas",
            "the desired replica count is less than the minimum replica count",
        )
    } else {
        (
            "DesiredWithinRange",
            "the desired count is within the acceptable range",
        )
    };
    let old_cond = |ty: &str| {
        old.pointer("/status/conditions")
            .and_then(Value::as_array)
            .and_then(|cs| cs.iter().find(|c| text(c, "/type") == ty))
            .cloned()
    };
    let cond = |ty: &str, status: bool, reason: &str, message: &str| {
        let status = if status { "True" } else { "False" };
        let since = old_cond(ty)
            .filter(|c| text(c, "/status") == status)
            .map(|c| text(&c, "/lastTransitionTime").to_string())
            .unwrap_or_else(|| now.to_string());
        json!({"lastTransitionTime": since, "message": message, "reason": reason,
               "status": status, "type": ty})
    };
    let able = if d.desired == d.replicas {
        cond(
            "AbleToScale",
            true,
            "ReadyForNewScale",
            "recommended size matches current size",
        )
    } else {
        cond(
            "AbleToScale",
            true,
            "ScaleDownStabilized",
            "recent recommendations were higher than current one, applying the highest recent recommendation",
        )
    };
    let cpu = f.cpu_per_pod_m();
    json!({
        "conditions": [
            able,
            cond("ScalingActive", true, "ValidMetricFound",
                 "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)"),
            cond("ScalingLimited", limited, reason, message),
        ],
        "currentMetrics": [{"resource": {"current": {
            "averageUtilization": d.util.round() as u64,
            "averageValue": format!("{}m", cpu.round() as u64)}, "name": "cpu"}, "type": "Resource"}],
        "currentReplicas": d.replicas,
        "desiredReplicas": d.desired,
        "lastScaleTime": if d.scaled { json!(now) } else { old.pointer("/status/lastScaleTime").cloned().unwrap_or(Value::Null) },
    })
}

impl Traffic {
    /// One HPA evaluation of fleet `i`.
    pub(super) fn autoscale(&mut self, i: usize, cluster: &mut Cluster) {
        let t = self.clock.elapsed.as_secs();
        let now = self.now().to_string();
        let f = &mut self.fleets[i];
        let Some(hpa) = f.hpa.clone() else { return };
        let d = decide(f, &hpa, t);
        let pods_res = find("", "v1", "pods").expect("pods");
        while self.fleets[i].pods.len() < d.replicas {
            self.add_pod(i, cluster, &now);
        }
        while self.fleets[i].pods.len() > d.replicas {
            let f = &mut self.fleets[i];
            if let Some(name) = f.pods.pop() {
                cluster.delete(pods_res, &f.ns, &name);
                self.pods.remove(&(f.ns.clone(), name));
            }
        }
        let f = &self.fleets[i];
        let hpa_res = find("autoscaling", "v2", "horizontalpodautoscalers").expect("hpa");
        if let Some(old) = cluster.get(hpa_res, &f.ns, &hpa.name) {
            let status = hpa_status(&old, f, &hpa, &d, &now);
            if old.get("status") != Some(&status) {
                let mut obj = (*old).clone();
                obj["status"] = status;
                cluster.upsert(hpa_res, obj);
            }
        }
        if d.scaled
            && let Some(w) = cluster.get(f.workload_res, &f.ns, &f.name)
        {
            let mut obj = (*w).clone();
            obj["spec"]["replicas"] = json!(d.replicas);
            for k in [
                "replicas",
                "readyReplicas",
                "availableReplicas",
                "updatedReplicas",
            ] {
                obj["status"][k] = json!(d.replicas);
            }
            cluster.upsert(f.workload_res, obj);
        }
    }

    /// A new pod for fleet `i`, made from the fleet's first pod: a fresh
    /// name and IP, Running and ready now, its counters starting from the
    /// fleet's (it has served nothing yet).
    fn add_pod(&mut self, i: usize, cluster: &mut Cluster, now: &str) {
        const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
        let pods_res = find("", "v1", "pods").expect("pods");
        let started = self.clock.elapsed.as_secs_f64();
        let suffix: String = (0..5)
            .map(|_| ALPHABET[self.rng.below(ALPHABET.len() as u64) as usize] as char)
            .collect();
        let ip = format!("10.244.{}.{}", self.rng.below(8), 2 + self.rng.below(250));
        let f = &mut self.fleets[i];
        let Some(template) = f.template.clone() else {
            return;
        };
        let name = format!("{}{suffix}", generate_name(&template));
        let pod = fresh_pod(template, &name, &ip, now);
        f.pods.push(name.clone());
        let base = Some(Box::new(f.acc.clone()));
        cluster.upsert(pods_res, pod);
        self.pods.insert(
            (f.ns.clone(), name.clone()),
            PodInfo {
                fleet: i,
                base,
                mult: 0.9 + 0.2 * hash_unit(&name),
                started,
            },
        );
    }
}

/// The template's `generateName`, else its name without the last
/// `-suffix` (the ReplicaSet's pod prefix).
fn generate_name(template: &Value) -> String {
    template
        .pointer("/metadata/generateName")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| {
            let name = text(template, "/metadata/name");
            match name.rsplit_once('-') {
                Some((head, _)) => format!("{head}-"),
                None => format!("{name}-"),
            }
        })
}

/// The template as a new pod `name` at `ip`, created, started and ready
/// `now`, with no restarts.
fn fresh_pod(mut pod: Value, name: &str, ip: &str, now: &str) -> Value {
    if let Some(m) = pod["metadata"].as_object_mut() {
        m.remove("uid");
        m.remove("resourceVersion");
    }
    pod["metadata"]["name"] = json!(name);
    pod["metadata"]["creationTimestamp"] = json!(now);
    if pod.get("status").is_some_and(Value::is_object) {
        pod["status"]["startTime"] = json!(now);
        pod["status"]["podIP"] = json!(ip);
        pod["status"]["podIPs"] = json!([{"ip": ip}]);
        pod["status"]["phase"] = json!("Running");
        if let Some(cs) = pod["status"]["conditions"].as_array_mut() {
            for c in cs {
                c["lastTransitionTime"] = json!(now);
                c["status"] = json!("True");
            }
        }
        if let Some(cs) = pod["status"]["containerStatuses"].as_array_mut() {
            for c in cs {
                c["restartCount"] = json!(0);
                c["ready"] = json!(true);
                c["started"] = json!(true);
                c["state"] = json!({"running": {"startedAt": now}});
                if let Some(m) = c.as_object_mut() {
                    m.remove("lastState");
                }
            }
        }
    }
    pod
}
