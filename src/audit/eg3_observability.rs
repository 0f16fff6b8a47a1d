//! EG3xx: observability (guide: Observability).

use crate::audit::RuleId;
use std::collections::BTreeSet;
use std::sync::Arc;

use crate::codec::value::Value;

use super::Ctx;
use super::eg2_performance::{fleet_owner, proxy_target};
use crate::audit::Profile;
use crate::model::Semantics;
use crate::model::value::{array_at, at, bool_at, str_at};
use crate::store::{Kind, Object, ObjectRef};

/// The Envoy command operators a JSON access log must use, with a name for
/// messages; any one spelling of a field satisfies it.
const REQUIRED_OPERATORS: [(&str, &[&str]); 5] = [
    ("method", &["%REQ(:METHOD)%"]),
    (
        "path",
        &["%REQ(:PATH)%", "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%"],
    ),
    ("response code", &["%RESPONSE_CODE%"]),
    ("duration", &["%DURATION%"]),
    ("upstream host", &["%UPSTREAM_HOST%"]),
];

pub fn run(ctx: &mut Ctx) {
    proxy_content_rules(ctx);
    fleet_rules(ctx);
    eg307_controller_metrics(ctx);
}

/// Each EnvoyProxy (or default) that shapes a fleet, once, with the
/// release semantics of the controller serving that fleet.
fn proxy_specs(ctx: &Ctx) -> Vec<(Arc<Object>, Value, Semantics)> {
    let m = ctx.model;
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for fleet in &m.fleets {
        if let Some((obj, Some(spec))) = proxy_target(m, fleet)
            && seen.insert(obj.obj_ref())
        {
            let semantics = m.classes[fleet.class].semantics.clone();
            out.push((obj.clone(), spec.clone(), semantics));
        }
    }
    out
}

fn proxy_content_rules(ctx: &mut Ctx) {
    for (obj, spec, semantics) in proxy_specs(ctx) {
        let access_log = at(&spec, &["telemetry", "accessLog"]);
        if ctx.enabled(RuleId::EG301) {
            ctx.check(RuleId::EG301, &obj, None);
            if access_log
                .and_then(|a| a.get("disable"))
                .and_then(Value::as_bool)
                == Some(true)
            {
                ctx.finding(RuleId::EG301, &obj)
                    .path("spec.telemetry.accessLog.disable")
                    .message("access logging is disabled on the proxies")
                    .emit(ctx);
            }
        }
        let settings = access_log
            .map(|a| array_at(a, &["settings"]))
            .unwrap_or(&[]);
        let disabled = access_log.and_then(|a| bool_at(a, &["disable"])) == Some(true);
        if !settings.is_empty() && !disabled {
            access_log_settings(ctx, &obj, settings);
        }
        if ctx.enabled(RuleId::EG306) {
            ctx.check(RuleId::EG306, &obj, None);
            if bool_at(&spec, &["telemetry", "metrics", "prometheus", "disable"]) == Some(true) {
                ctx.finding(RuleId::EG306, &obj)
                    .path("spec.telemetry.metrics.prometheus.disable")
                    .message("Prometheus metrics are disabled: port 19001 and its scrape annotations are gone")
                    .emit(ctx);
            }
        }
        if let Some(tracing) = at(&spec, &["telemetry", "tracing"]) {
            tracing_rules(ctx, &obj, tracing, &semantics);
        }
    }
}

fn access_log_settings(ctx: &mut Ctx, obj: &Arc<Object>, settings: &[Value]) {
    let mut text_settings = Vec::new();
    let mut missing_fields = Vec::new();
    let mut bad_sinks = Vec::new();
    for (i, s) in settings.iter().enumerate() {
        let format = at(s, &["format"]);
        let kind = format.and_then(|f| str_at(f, &["type"]));
        let json = format
            .and_then(|f| at(f, &["json"]))
            .and_then(Value::as_object);
        let has_text = format.is_some_and(|f| at(f, &["text"]).is_some());
        let is_text = kind == Some("Text") || (json.is_none() && has_text);
        if is_text {
            text_settings.push(i);
        } else if let Some(json) = json {
            let values: String = json
                .values()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(" ");
            let missing: Vec<&str> = REQUIRED_OPERATORS
                .iter()
                .filter(|(_, ops)| !ops.iter().any(|op| values.contains(op)))
                .map(|(name, _)| *name)
                .collect();
            if !missing.is_empty() {
                missing_fields.push(format!("settings[{i}] lacks {}", missing.join(", ")));
            }
        }
        let sinks = array_at(s, &["sinks"]);
        if !sinks.is_empty()
            && !sinks
                .iter()
                .any(|k| matches!(str_at(k, &["type"]), Some("File") | Some("OpenTelemetry")))
        {
            let types: Vec<&str> = sinks.iter().filter_map(|k| str_at(k, &["type"])).collect();
            bad_sinks.push(format!("settings[{i}] sinks: {}", types.join(", ")));
        }
    }
    if ctx.enabled(RuleId::EG302) {
        ctx.check(RuleId::EG302, obj, None);
        if let Some(&first) = text_settings.first() {
            let list: Vec<String> = text_settings.iter().map(|i| i.to_string()).collect();
            ctx.finding(RuleId::EG302, obj)
                .path(format!("spec.telemetry.accessLog.settings[{first}].format"))
                .message(format!(
                    "access log setting(s) {} use the Text format, not JSON",
                    list.join(", ")
                ))
                .emit(ctx);
        }
    }
    if ctx.enabled(RuleId::EG303) {
        ctx.check(RuleId::EG303, obj, None);
        if !missing_fields.is_empty() {
            ctx.finding(RuleId::EG303, obj)
                .path("spec.telemetry.accessLog.settings[].format.json")
                .message(format!(
                    "JSON access log misses required fields: {}",
                    missing_fields.join("; ")
                ))
                .emit(ctx);
        }
    }
    if ctx.enabled(RuleId::EG304) {
        ctx.check(RuleId::EG304, obj, None);
        if !bad_sinks.is_empty() {
            ctx.finding(RuleId::EG304, obj)
                .path("spec.telemetry.accessLog.settings[].sinks")
                .message(format!(
                    "no File or OpenTelemetry sink: {}",
                    bad_sinks.join("; ")
                ))
                .emit(ctx);
        }
    }
}

/// Sampling rate in percent that Envoy really applies: `samplingRate` wins
/// (default 100 when tracing is set), else `samplingFraction`
/// numerator/denominator (denominator default 100), clamped to 0..100 as
/// Envoy Gateway does. From v1.8 the fraction is a ratio (1/100 is 1 %);
/// before, Envoy Gateway wrote numerator/denominator straight into Envoy's
/// percentage, so 1/100 sampled 0.01 % (`proxySamplingRate` in
/// internal/gatewayapi/listener.go, v1.7.5 and v1.9.0; release-notes/v1.8.0.yaml).
pub fn sampling_percent(tracing: &Value, semantics: &Semantics) -> Option<f64> {
    if let Some(v) = at(tracing, &["samplingRate"]) {
        return v.as_f64();
    }
    if let Some(f) = at(tracing, &["samplingFraction"]) {
        let num = at(f, &["numerator"]).and_then(Value::as_f64)?;
        let den = at(f, &["denominator"])
            .and_then(Value::as_f64)
            .unwrap_or(100.0);
        let factor = if semantics.sampling_fraction_is_ratio() {
            100.0
        } else {
            1.0
        };
        return (den > 0.0).then(|| (num * factor / den).clamp(0.0, 100.0));
    }
    Some(100.0)
}

/// Client-forced sampling (`x-client-trace-id`) in percent: Envoy's 100 %
/// before v1.9, 0 % from v1.9 unless `clientSamplingFraction` says
/// otherwise (release-notes/v1.9.0.yaml; `ClientSampling:
/// FromFractionOrZero` in v1.9.0 internal/xds/translator/route.go).
pub fn client_sampling_percent(tracing: &Value, semantics: &Semantics) -> Option<f64> {
    match at(tracing, &["clientSamplingFraction"]) {
        Some(f) => {
            let num = at(f, &["numerator"]).and_then(Value::as_f64)?;
            let den = at(f, &["denominator"])
                .and_then(Value::as_f64)
                .unwrap_or(100.0);
            (den > 0.0).then(|| (num * 100.0 / den).clamp(0.0, 100.0))
        }
        None if semantics.client_sampling_defaults_to_zero() => Some(0.0),
        None => Some(100.0),
    }
}

fn tracing_rules(ctx: &mut Ctx, obj: &Arc<Object>, tracing: &Value, semantics: &Semantics) {
    if ctx.enabled(RuleId::EG309) {
        ctx.check(RuleId::EG309, obj, None);
        let (lo, hi, name) = match ctx.opts.profile {
            Profile::Production => (1.0, 10.0, "production: 1-10%"),
            Profile::Staging => (100.0, 100.0, "staging: 100%"),
        };
        let rate = sampling_percent(tracing, semantics);
        let bad = rate.is_none_or(|r| r < lo || r > hi);
        if bad {
            let shown = rate
                .map(|r| format!("{r}%"))
                .unwrap_or_else(|| "unreadable".into());
            let from_fraction = at(tracing, &["samplingRate"]).is_none()
                && at(tracing, &["samplingFraction"]).is_some();
            let path = if from_fraction {
                "spec.telemetry.tracing.samplingFraction"
            } else {
                "spec.telemetry.tracing.samplingRate"
            };
            let how = if from_fraction && !semantics.sampling_fraction_is_ratio() {
                format!(
                    " (before v1.8 Envoy Gateway reads samplingFraction as a percentage, not a ratio; judged as {})",
                    semantics.describe()
                )
            } else {
                format!(" (judged as Envoy Gateway {})", semantics.describe())
            };
            let client = client_sampling_percent(tracing, semantics)
                .map(|c| format!("; client-forced traces (x-client-trace-id) are sampled at {c}%"))
                .unwrap_or_default();
            ctx.finding(RuleId::EG309, obj)
                .path(path)
                .message(format!(
                    "tracing samples {shown} of requests; the profile wants {name}{how}{client}"
                ))
                .emit(ctx);
        }
    }
    if ctx.enabled(RuleId::EG310) {
        ctx.check(RuleId::EG310, obj, None);
        let provider = str_at(tracing, &["provider", "type"]).unwrap_or("OpenTelemetry");
        if provider != "OpenTelemetry" {
            ctx.finding(RuleId::EG310, obj)
                .path("spec.telemetry.tracing.provider.type")
                .message(format!("tracing provider is {provider}, not OpenTelemetry"))
                .emit(ctx);
        }
    }
}

fn fleet_rules(ctx: &mut Ctx) {
    let m = ctx.model;
    for fleet in &m.fleets {
        let Some((_, spec)) = proxy_target(m, fleet) else {
            continue;
        };
        let owner = fleet_owner(m, fleet);
        let related: Vec<ObjectRef> = fleet
            .proxy
            .object()
            .map(|o| o.obj_ref())
            .into_iter()
            .collect();
        if ctx.enabled(RuleId::EG305) {
            ctx.check(RuleId::EG305, owner, None);
            if spec
                .and_then(|s| at(s, &["telemetry", "accessLog"]))
                .is_none()
            {
                ctx.finding(RuleId::EG305, owner)
                    .path("spec.telemetry.accessLog")
                    .message(format!(
                        "fleet {} has no explicit access log configuration; Envoy Gateway's default JSON log to stdout applies",
                        fleet.key
                    ))
                    .related(related.clone())
                    .emit(ctx);
            }
        }
        if ctx.enabled(RuleId::EG308) {
            ctx.check(RuleId::EG308, owner, None);
            if spec
                .and_then(|s| at(s, &["telemetry", "tracing"]))
                .is_none()
            {
                ctx.finding(RuleId::EG308, owner)
                    .path("spec.telemetry.tracing")
                    .message(format!("fleet {} has no tracing configured", fleet.key))
                    .related(related.clone())
                    .emit(ctx);
            }
        }
    }
}

fn eg307_controller_metrics(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG307, &[Kind::Deployment]) {
        return;
    }
    for c in &ctx.model.controllers {
        ctx.check(RuleId::EG307, &c.deployment, None);
        if c.config.metrics_disabled {
            ctx.finding(RuleId::EG307, &c.deployment)
                .path("data[envoy-gateway.yaml].telemetry.metrics.prometheus.disable")
                .message(
                    "the controller's Prometheus metrics are disabled in its EnvoyGateway config",
                )
                .related(c.config_map.iter().map(|o| o.obj_ref()))
                .emit(ctx);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json_value as json;

    #[test]
    fn sampling_rates() {
        let v19 = Semantics::of(Some("v1.9.0"));
        let rate = |t: crate::codec::value::Value| sampling_percent(&t, &v19);
        assert_eq!(rate(json!({})), Some(100.0));
        assert_eq!(rate(json!({"samplingRate": 5})), Some(5.0));
        assert_eq!(
            rate(json!({"samplingFraction": {"numerator": 1, "denominator": 1000}})),
            Some(0.1)
        );
        assert_eq!(
            rate(json!({"samplingFraction": {"numerator": 5}})),
            Some(5.0)
        );
        assert_eq!(
            rate(json!({"samplingFraction": {"numerator": 1, "denominator": 0}})),
            None
        );
        // samplingRate wins over samplingFraction, as in Envoy Gateway.
        assert_eq!(
            rate(json!({"samplingRate": 2, "samplingFraction": {"numerator": 50}})),
            Some(2.0)
        );
        // Clamped to 100 %.
        assert_eq!(
            rate(json!({"samplingFraction": {"numerator": 3, "denominator": 1}})),
            Some(100.0)
        );
    }

    #[test]
    fn sampling_fraction_before_v1_8_is_a_percentage() {
        let v17 = Semantics::of(Some("v1.7.5"));
        let t = json!({"samplingFraction": {"numerator": 1, "denominator": 100}});
        assert_eq!(sampling_percent(&t, &v17), Some(0.01));
        assert_eq!(
            sampling_percent(&t, &Semantics::of(Some("v1.8.0"))),
            Some(1.0)
        );
    }

    #[test]
    fn client_sampling_defaults_to_zero_from_v1_9() {
        let t = json!({"samplingRate": 1});
        assert_eq!(
            client_sampling_percent(&t, &Semantics::of(Some("v1.9.0"))),
            Some(0.0)
        );
        assert_eq!(
            client_sampling_percent(&t, &Semantics::of(Some("v1.8.3"))),
            Some(100.0)
        );
        let t = json!({"clientSamplingFraction": {"numerator": 5, "denominator": 1000}});
        assert_eq!(
            client_sampling_percent(&t, &Semantics::of(Some("v1.9.0"))),
            Some(0.5)
        );
    }
}
