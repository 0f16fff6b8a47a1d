//! EG4xx: operations (guide: Operations).

use crate::audit::RuleId;
use std::collections::BTreeSet;

use super::Ctx;
use super::eg2_performance::fleet_owner;
use super::versions::{
    ADVISORIES, COMPAT, Component, Exposure, Version, compat_for, newest_known, oldest_supported,
};
use crate::model::policy::POLICY_KINDS;
use crate::model::routes::ROUTE_KINDS;
use crate::model::tenancy::{image_has_digest, image_repository, image_tag};
use crate::model::value::{array_at, at, str_at};
use crate::model::{Controller, Fleet, Model};
use crate::store::{GATEWAY_API_GROUP, Kind, Object, ObjectRef, Store};

pub fn run(ctx: &mut Ctx) {
    eg401_unpinned_controller(ctx);
    eg402_helm_chart(ctx);
    eg403_version_skew(ctx);
    eg404_gitops(ctx);
    eg405_advisories(ctx);
    eg406_end_of_life(ctx);
}

fn eg401_unpinned_controller(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG401, &[Kind::Deployment]) {
        return;
    }
    for c in &ctx.model.controllers {
        ctx.check(RuleId::EG401, &c.deployment, None);
        let image = c.image.as_deref().unwrap_or("");
        let digest = image_has_digest(image);
        let tag = image_tag(image);
        let dev = image_repository(image).ends_with("gateway-dev");
        let problem = if image.is_empty() {
            Some("the controller container has no image".to_string())
        } else if dev && !digest {
            Some(format!(
                "runs the development image {image} without a digest"
            ))
        } else if !digest && tag.is_none() {
            Some(format!("image {image} has no tag, so it means latest"))
        } else if !digest && tag == Some("latest") {
            Some(format!("image {image} is not pinned to a version"))
        } else {
            None
        };
        if let Some(p) = problem {
            ctx.finding(RuleId::EG401, &c.deployment)
                .path("spec.template.spec.containers[envoy-gateway].image")
                .message(p)
                .emit(ctx);
        }
    }
}

fn eg402_helm_chart(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG402, &[Kind::Deployment]) {
        return;
    }
    for c in &ctx.model.controllers {
        ctx.check(RuleId::EG402, &c.deployment, None);
        let chart = c.deployment.labels.get("helm.sh/chart");
        let pinned = chart
            .and_then(|v| v.strip_prefix("gateway-helm-"))
            // The development chart (`gateway-helm-v0.0.0-latest`) pins nothing.
            .is_some_and(|v| {
                !v.contains("latest")
                    && Version::parse(v).is_some_and(|p| p != Version::new(0, 0, 0))
            });
        if !pinned {
            let msg = match chart {
                Some(v) => format!("helm.sh/chart is {v}, not gateway-helm-<version>"),
                None => {
                    "no helm.sh/chart label: not installed by the gateway-helm chart".to_string()
                }
            };
            ctx.finding(RuleId::EG402, &c.deployment)
                .path("metadata.labels[helm.sh/chart]")
                .message(msg)
                .emit(ctx);
        }
    }
}

/// The Envoy version a fleet runs: the `envoy` container image of its pods,
/// else of its workload, else the image its EnvoyProxy asks for.
fn fleet_envoy_version(m: &Model, fleet: &Fleet) -> Option<(Version, ObjectRef)> {
    let from_containers = |o: &Object, path: &[&str]| {
        array_at(&o.raw, path)
            .iter()
            .find(|c| str_at(c, &["name"]) == Some("envoy"))
            .and_then(|c| str_at(c, &["image"]))
            .and_then(image_tag)
            .and_then(Version::parse)
            .map(|v| (v, o.obj_ref()))
    };
    fleet
        .pods
        .iter()
        .find_map(|p| from_containers(p, &["spec", "containers"]))
        .or_else(|| {
            fleet
                .workload()
                .and_then(|w| from_containers(w, &["spec", "template", "spec", "containers"]))
        })
        .or_else(|| {
            let spec = fleet.proxy_spec(&m.controllers)?;
            let image = str_at(
                spec,
                &[
                    "provider",
                    "kubernetes",
                    "envoyDeployment",
                    "container",
                    "image",
                ],
            )?;
            let v = Version::parse(image_tag(image)?)?;
            Some((v, fleet.proxy.object()?.obj_ref()))
        })
}

fn controller_version(c: &Controller) -> Option<Version> {
    c.version.as_deref().and_then(Version::parse)
}

fn fleets_of(m: &Model, controller: usize) -> impl Iterator<Item = &Fleet> {
    m.fleets
        .iter()
        .filter(move |f| m.classes[f.class].controllers.contains(&controller))
}

fn eg403_version_skew(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG403, &[Kind::Deployment]) {
        return;
    }
    let m = ctx.model;
    let bundles: Vec<(Version, ObjectRef)> = ctx
        .store
        .of(Kind::CustomResourceDefinition)
        .iter()
        .filter(|crd| crd.name.ends_with(GATEWAY_API_GROUP))
        .filter_map(|crd| {
            let v = crd
                .annotations
                .get("gateway.networking.k8s.io/bundle-version")?;
            Some((Version::parse(v)?, crd.obj_ref()))
        })
        .collect();
    for (ci, c) in m.controllers.iter().enumerate() {
        let Some(version) = controller_version(c) else {
            continue;
        };
        let Some(compat) = compat_for(&version) else {
            ctx.skip(
                RuleId::EG403,
                format!("controller {version} is not in the compatibility table"),
            );
            continue;
        };
        ctx.check(RuleId::EG403, &c.deployment, None);
        let mut skew = Vec::new();
        let mut related = Vec::new();
        let mut proxy_versions = BTreeSet::new();
        for fleet in fleets_of(m, ci) {
            if let Some((v, obj)) = fleet_envoy_version(m, fleet)
                && (v.major, v.minor) != compat.envoy
            {
                proxy_versions.insert(v.to_string());
                related.push(obj);
            }
        }
        if !proxy_versions.is_empty() {
            skew.push(format!(
                "proxies run Envoy {} (expected {}.{}.x)",
                proxy_versions.into_iter().collect::<Vec<_>>().join(", "),
                compat.envoy.0,
                compat.envoy.1
            ));
        }
        let mut crd_versions = BTreeSet::new();
        for (v, obj) in &bundles {
            if !v.same_minor(&compat.gateway_api) {
                crd_versions.insert(v.to_string());
                related.push(obj.clone());
            }
        }
        if !crd_versions.is_empty() {
            skew.push(format!(
                "Gateway API CRDs are bundle {} (expected v{}.{}.x)",
                crd_versions.into_iter().collect::<Vec<_>>().join(", "),
                compat.gateway_api.major,
                compat.gateway_api.minor
            ));
        }
        if !skew.is_empty() {
            ctx.finding(RuleId::EG403, &c.deployment)
                .message(format!("controller {version}: {}", skew.join("; ")))
                .related(related)
                .emit(ctx);
        }
    }
}

/// Argo CD tracking or Flux labels mark an object as managed by GitOps.
fn gitops_managed(o: &Object) -> bool {
    o.annotations.contains_key("argocd.argoproj.io/tracking-id")
        || o.labels.contains_key("app.kubernetes.io/instance")
        || o.labels.contains_key("argocd.argoproj.io/instance")
        || o.labels.contains_key("kustomize.toolkit.fluxcd.io/name")
        || o.labels.contains_key("helm.toolkit.fluxcd.io/name")
}

fn eg404_gitops(ctx: &mut Ctx) {
    if !ctx.enabled(RuleId::EG404) {
        return;
    }
    let store: &Store = ctx.store;
    let kinds = [Kind::GatewayClass, Kind::Gateway, Kind::EnvoyProxy]
        .into_iter()
        .chain(ROUTE_KINDS)
        .chain(POLICY_KINDS);
    for kind in kinds {
        for o in store.of(kind) {
            ctx.check(RuleId::EG404, o, None);
            if gitops_managed(o) {
                continue;
            }
            let msg = if o
                .annotations
                .contains_key("kubectl.kubernetes.io/last-applied-configuration")
            {
                "applied by hand (kubectl apply), not by Argo CD or Flux"
            } else {
                "no Argo CD or Flux tracking annotation or label"
            };
            ctx.finding(RuleId::EG404, o)
                .path("metadata")
                .message(msg)
                .emit(ctx);
        }
    }
}

/// Objects whose presence exposes the cluster to an advisory.
fn exposure(ctx: &Ctx, exposure: Exposure, controller: &Controller) -> Option<Vec<ObjectRef>> {
    let store = ctx.store;
    match exposure {
        Exposure::Always => Some(Vec::new()),
        Exposure::GatewayNamespaceMode => controller
            .config
            .gateway_namespace_mode()
            .then(|| controller.config_map.iter().map(|c| c.obj_ref()).collect()),
        Exposure::LuaExtensionPolicy => {
            let found: Vec<ObjectRef> = store
                .of(Kind::EnvoyExtensionPolicy)
                .iter()
                .filter(|p| !array_at(p.spec(), &["lua"]).is_empty())
                .map(|p| p.obj_ref())
                .collect();
            (!found.is_empty()).then_some(found)
        }
        Exposure::SecurityPolicyOnTcpRouteWithoutAuthorization => {
            let found: Vec<ObjectRef> = store
                .of(Kind::SecurityPolicy)
                .iter()
                .filter(|p| at(p.spec(), &["authorization"]).is_none())
                .filter(|p| {
                    let spec = p.spec();
                    array_at(spec, &["targetRefs"])
                        .iter()
                        .chain(at(spec, &["targetRef"]))
                        .any(|r| str_at(r, &["kind"]) == Some("TCPRoute"))
                        || array_at(spec, &["targetSelectors"])
                            .iter()
                            .any(|s| str_at(s, &["kind"]) == Some("TCPRoute"))
                })
                .map(|p| p.obj_ref())
                .collect();
            (!found.is_empty()).then_some(found)
        }
        Exposure::ExtProcExtensionPolicy => {
            extension_policies(store, |spec| !array_at(spec, &["extProc"]).is_empty())
        }
        Exposure::WasmHttpExtensionPolicy => extension_policies(store, |spec| {
            array_at(spec, &["wasm"])
                .iter()
                .any(|w| str_at(w, &["code", "type"]) == Some("HTTP"))
        }),
        Exposure::WasmImageExtensionPolicy => extension_policies(store, |spec| {
            array_at(spec, &["wasm"])
                .iter()
                .any(|w| str_at(w, &["code", "type"]) == Some("Image"))
        }),
        Exposure::CrossNamespaceCustomBackendRef => {
            let found: Vec<ObjectRef> = ROUTE_KINDS
                .iter()
                .flat_map(|&k| store.of(k))
                .filter(|r| {
                    let ns = r.namespace_or_empty();
                    array_at(r.spec(), &["rules"]).iter().any(|rule| {
                        array_at(rule, &["backendRefs"]).iter().any(|b| {
                            let group = str_at(b, &["group"]).unwrap_or("");
                            let kind = str_at(b, &["kind"]).unwrap_or("Service");
                            let custom = !(group.is_empty() && kind == "Service");
                            custom && str_at(b, &["namespace"]).is_some_and(|n| n != ns)
                        })
                    })
                })
                .map(|r| r.obj_ref())
                .collect();
            (!found.is_empty()).then_some(found)
        }
        Exposure::DefaultAccessLog => {
            let m = ctx.model;
            let found: Vec<ObjectRef> = fleets_of_controller(m, controller)
                .filter(|f| {
                    f.proxy_spec(&m.controllers)
                        .is_none_or(|spec| at(spec, &["telemetry", "accessLog"]).is_none())
                })
                .map(|f| fleet_owner(m, f).obj_ref())
                .collect();
            (!found.is_empty()).then_some(found)
        }
        Exposure::NotOnKubernetes => None,
    }
}

fn extension_policies(
    store: &Store,
    carries: impl Fn(&crate::codec::value::Value) -> bool,
) -> Option<Vec<ObjectRef>> {
    let found: Vec<ObjectRef> = store
        .of(Kind::EnvoyExtensionPolicy)
        .iter()
        .filter(|p| carries(p.spec()))
        .map(|p| p.obj_ref())
        .collect();
    (!found.is_empty()).then_some(found)
}

/// The fleets of the classes a controller serves.
fn fleets_of_controller<'a>(
    m: &'a Model,
    controller: &'a Controller,
) -> impl Iterator<Item = &'a Fleet> {
    let ci = m
        .controllers
        .iter()
        .position(|c| std::ptr::eq(c, controller));
    m.fleets
        .iter()
        .filter(move |f| ci.is_some_and(|ci| m.classes[f.class].controllers.contains(&ci)))
}

fn eg405_advisories(ctx: &mut Ctx) {
    if !ctx.enabled(RuleId::EG405) {
        return;
    }
    let m = ctx.model;
    let mut judged = false;
    for (ci, c) in m.controllers.iter().enumerate() {
        let Some(version) = controller_version(c) else {
            continue;
        };
        judged = true;
        ctx.check(RuleId::EG405, &c.deployment, None);
        let mut hits = Vec::new();
        let mut related = Vec::new();
        for adv in ADVISORIES
            .iter()
            .filter(|a| a.component == Component::Controller)
        {
            if !adv.affects(&version) {
                continue;
            }
            if let Some(objs) = exposure(ctx, adv.exposure, c) {
                let fix = adv
                    .fix_for(&version)
                    .map(|f| format!(", fixed in {f}"))
                    .unwrap_or_default();
                hits.push(format!(
                    "{} ({}{fix}; {})",
                    adv.ids, adv.summary, adv.source
                ));
                related.extend(objs);
            }
        }
        if !hits.is_empty() {
            ctx.finding(RuleId::EG405, &c.deployment)
                .message(format!(
                    "controller {version} is exposed to {}",
                    hits.join("; ")
                ))
                .related(related)
                .emit(ctx);
        }
        let _ = ci;
    }
    let mut seen = BTreeSet::new();
    for fleet in &m.fleets {
        let Some((version, source)) = fleet_envoy_version(m, fleet) else {
            continue;
        };
        judged = true;
        let owner = fleet_owner(m, fleet);
        if !seen.insert(owner.obj_ref()) {
            continue;
        }
        ctx.check(RuleId::EG405, owner, None);
        let hits: Vec<String> = ADVISORIES
            .iter()
            .filter(|a| a.component == Component::Proxy && a.affects(&version))
            .map(|a| {
                let fix = a
                    .fix_for(&version)
                    .map(|f| format!(", fixed in Envoy {f}"))
                    .unwrap_or_default();
                format!("{} ({}{fix}; {})", a.ids, a.summary, a.source)
            })
            .collect();
        if !hits.is_empty() {
            ctx.finding(RuleId::EG405, owner)
                .message(format!(
                    "fleet {} runs Envoy {version}, exposed to {}",
                    fleet.key,
                    hits.join("; ")
                ))
                .related([source])
                .emit(ctx);
        }
    }
    if !judged {
        ctx.skip(
            RuleId::EG405,
            "no controller or proxy version is known in the source",
        );
    }
}

/// EG406: the controller's release is past its end of life at the audit's
/// "now" (Envoy Gateway's compatibility matrix; see `versions::COMPAT`).
fn eg406_end_of_life(ctx: &mut Ctx) {
    if !ctx.require(RuleId::EG406, &[Kind::Deployment]) {
        return;
    }
    let Some(now) = ctx.now else {
        ctx.skip(
            RuleId::EG406,
            "no \"now\" to judge end of life at (no timestamp in the source)",
        );
        return;
    };
    let today = jiff::tz::Offset::UTC.to_datetime(now).date();
    let m = ctx.model;
    let oldest_row = COMPAT.iter().map(|c| c.eg).min().unwrap_or((0, 0));
    let mut judged = false;
    let mut unknown = Vec::new();
    for c in &m.controllers {
        let Some(version) = controller_version(c) else {
            unknown.push(format!(
                "{}/{}: version unknown",
                c.namespace(),
                c.deployment.name
            ));
            continue;
        };
        let newest = newest_known();
        let (ended, date) = match compat_for(&version) {
            Some(row) => (row.end_of_life_date() < today, Some(row.end_of_life_date())),
            // Older than the matrix's oldest row: that row ended first.
            None if (version.major, version.minor) < oldest_row => (true, None),
            None => {
                unknown.push(format!(
                    "{}/{}: {version} is newer than the table (newest v{}.{})",
                    c.namespace(),
                    c.deployment.name,
                    newest.eg.0,
                    newest.eg.1
                ));
                continue;
            }
        };
        judged = true;
        ctx.check(RuleId::EG406, &c.deployment, None);
        if !ended {
            continue;
        }
        let when = match date {
            Some(d) => format!("reached end of life on {d}"),
            None => "is older than every release in the compatibility matrix".to_string(),
        };
        let move_to = match oldest_supported(today) {
            Some(s) => format!(
                "the oldest supported release on {today} is v{}.{} (end of life {})",
                s.eg.0,
                s.eg.1,
                s.end_of_life_date()
            ),
            None => format!(
                "no release in the table is supported on {today}; the newest known is v{}.{}",
                newest.eg.0, newest.eg.1
            ),
        };
        ctx.finding(RuleId::EG406, &c.deployment)
            .message(format!(
                "controller {version}: v{}.{} {when}, and gets no security fixes; {move_to}",
                version.major, version.minor
            ))
            .emit(ctx);
    }
    if !judged {
        let reason = if unknown.is_empty() {
            "no Envoy Gateway controller in the source".to_string()
        } else {
            unknown.join("; ")
        };
        ctx.skip(RuleId::EG406, reason);
    }
}
