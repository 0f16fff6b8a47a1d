//! Envoy Gateway's vocabulary: the names, labels and predicates by which
//! egscope recognises Envoy Gateway's objects. A leaf below the sources and
//! the model, so that a live feed can tell a controller Deployment without
//! knowing the model (tests/layering.rs keeps it so).

use crate::codec::value::Value;

/// The controllerName Envoy Gateway uses when its config names none.
pub const DEFAULT_CONTROLLER_NAME: &str = "gateway.envoyproxy.io/gatewayclass-controller";
/// The ConfigMap that holds a controller's EnvoyGateway config.
pub const CONFIG_MAP_NAME: &str = "envoy-gateway-config";
/// The key of that ConfigMap that holds the config file.
pub const CONFIG_KEY: &str = "envoy-gateway.yaml";

pub const LABEL_MANAGED_BY: &str = "app.kubernetes.io/managed-by";
pub const LABEL_OWNING_GATEWAY_NAME: &str = "gateway.envoyproxy.io/owning-gateway-name";
pub const LABEL_OWNING_GATEWAY_NAMESPACE: &str = "gateway.envoyproxy.io/owning-gateway-namespace";
pub const LABEL_OWNING_CLASS: &str = "gateway.envoyproxy.io/owning-gatewayclass";

/// The containers of a Deployment/DaemonSet pod template.
pub fn template_containers(raw: &Value) -> &[Value] {
    raw.pointer("/spec/template/spec/containers")
        .and_then(Value::as_array)
        .unwrap_or(&[])
}

/// A Deployment is an Envoy Gateway controller: labelled `control-plane:
/// envoy-gateway`, or running an `envoyproxy/gateway*` image in a container
/// named `envoy-gateway`. Proxy Deployments (managed-by envoy-gateway) never
/// are, though their shutdown-manager sidecar runs the same image. `label`
/// reads the object's labels; `raw` is the object.
pub fn is_controller<'a>(label: impl Fn(&str) -> Option<&'a str>, raw: &Value) -> bool {
    if label(LABEL_MANAGED_BY) == Some("envoy-gateway") {
        return false;
    }
    if label("control-plane") == Some("envoy-gateway") {
        return true;
    }
    template_containers(raw).iter().any(|c| {
        c.get("name").and_then(Value::as_str) == Some("envoy-gateway")
            && c.get("image")
                .and_then(Value::as_str)
                .is_some_and(is_gateway_image)
    })
}

/// An Envoy Gateway controller image (release or dev build).
pub fn is_gateway_image(image: &str) -> bool {
    let repo = image_repository(image);
    repo.ends_with("envoyproxy/gateway") || repo.ends_with("envoyproxy/gateway-dev")
}

/// `docker.io/envoyproxy/gateway:v1.7.5@sha256:..` → `docker.io/envoyproxy/gateway`.
pub fn image_repository(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    match no_digest.rsplit_once(':') {
        // A colon after the last slash is a tag; before it, a registry port.
        Some((repo, tag)) if !tag.contains('/') => repo,
        _ => no_digest,
    }
}

/// The tag of an image reference, if it has one.
pub fn image_tag(image: &str) -> Option<&str> {
    let no_digest = image.split('@').next().unwrap_or(image);
    match no_digest.rsplit_once(':') {
        Some((_, tag)) if !tag.contains('/') && !tag.is_empty() => Some(tag),
        _ => None,
    }
}

pub fn image_has_digest(image: &str) -> bool {
    image.contains("@sha256:")
}
