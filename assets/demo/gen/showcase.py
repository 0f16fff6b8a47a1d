import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *

PLAT_CTL = "gateway.envoyproxy.io/platform-controller"
PAY_CTL = "gateway.envoyproxy.io/payments-controller"
objs = []

# ---- namespaces
for ns, t, app in [("eg-platform", "2026-03-02T09:12:44Z", "platform-infra"),
                   ("eg-payments", "2026-03-09T14:03:10Z", "payments-infra"),
                   ("web", "2026-03-02T09:40:02Z", "web-gateways"),
                   ("shop", "2026-05-18T11:21:37Z", "shop-gateways"),
                   ("payments", "2026-03-09T14:20:51Z", "payments-gateways")]:
    objs.append(namespace(ns, t, argo(app, "", "Namespace", None, ns)))

# ---- CRDs (Gateway API v1.4.1 experimental + some Envoy Gateway CRDs)
T_CRD = "2026-03-02T09:10:05Z"
objs += [crd("gatewayclasses", "GatewayClass", GW, "Cluster", ["v1", "v1beta1"], T_CRD, "gc"),
         crd("gateways", "Gateway", GW, "Namespaced", ["v1", "v1beta1"], T_CRD, "gtw"),
         crd("httproutes", "HTTPRoute", GW, "Namespaced", ["v1", "v1beta1"], T_CRD),
         crd("grpcroutes", "GRPCRoute", GW, "Namespaced", ["v1"], T_CRD),
         crd("referencegrants", "ReferenceGrant", GW, "Namespaced", ["v1beta1"], T_CRD, "refgrant"),
         crd("envoyproxies", "EnvoyProxy", EGG, "Namespaced", ["v1alpha1"], T_CRD, "eproxy", bundle=False,
             app="envoy-gateway-crds"),
         crd("clienttrafficpolicies", "ClientTrafficPolicy", EGG, "Namespaced", ["v1alpha1"], T_CRD, "ctp",
             bundle=False, app="envoy-gateway-crds"),
         crd("backendtrafficpolicies", "BackendTrafficPolicy", EGG, "Namespaced", ["v1alpha1"], T_CRD, "btp",
             bundle=False, app="envoy-gateway-crds")]

# ---- controllers (two tenants)
objs += controller("eg-platform", "eg-platform", PLAT_CTL, ["web", "shop"], "2026-03-02T09:12:50Z", "platform-infra")
objs += controller("eg-payments", "eg-payments", PAY_CTL, ["payments"], "2026-03-09T14:03:15Z", "payments-infra")

# ---- EnvoyProxies
T_EP_PLAT = "2026-03-02T09:30:11Z"
json_fields_partial = {"start_time": "%START_TIME%", "method": "%REQ(:METHOD)%",
                       "path": "%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%", "protocol": "%PROTOCOL%",
                       "response_code": "%RESPONSE_CODE%", "response_flags": "%RESPONSE_FLAGS%",
                       "duration": "%DURATION%", "x-request-id": "%REQ(X-REQUEST-ID)%",
                       "authority": "%REQ(:AUTHORITY)%"}
platform_proxy = {
    "apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": "EnvoyProxy",
    "metadata": meta("EnvoyProxy", "platform-proxy", "eg-platform", T_EP_PLAT,
                     annotations=argo("platform-infra", EGG, "EnvoyProxy", "eg-platform", "platform-proxy"),
                     generation=4),
    "spec": {"mergeGateways": True,
             "logging": {"level": {"default": "warn"}},
             "provider": {"type": "Kubernetes", "kubernetes": {
                 "envoyDeployment": {"replicas": 2, "container": {
                     "resources": {"requests": {"cpu": "500m", "memory": "512Mi"}}}},
                 "envoyHpa": {"minReplicas": 2, "maxReplicas": 6, "metrics": [
                     {"type": "Resource", "resource": {"name": "cpu", "target": {
                         "type": "Utilization", "averageUtilization": 65}}}]},
                 "envoyService": {"type": "LoadBalancer", "externalTrafficPolicy": "Local"}}},
             "telemetry": {
                 "accessLog": {"settings": [{"format": {"type": "JSON", "json": json_fields_partial},
                                             "sinks": [{"type": "File", "file": {"path": "/dev/stdout"}}]}]},
                 "tracing": {"samplingRate": 50, "provider": {
                     "type": "OpenTelemetry",
                     "backendRefs": [{"name": "otel-collector", "namespace": "observability", "port": 4317}]},
                     "tags": {"cluster": {"type": "Literal", "literal": {"value": "prod-eu-west-1"}}}},
                 "metrics": {"prometheus": {"disable": False}}}}}
objs.append(platform_proxy)

T_EP_PAY = "2026-03-09T14:10:40Z"
json_fields_full = dict(json_fields_partial, upstream_host="%UPSTREAM_HOST%",
                        upstream_cluster="%UPSTREAM_CLUSTER%", route_name="%ROUTE_NAME%")
payments_proxy = {
    "apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": "EnvoyProxy",
    "metadata": meta("EnvoyProxy", "payments-proxy", "eg-payments", T_EP_PAY,
                     annotations=argo("payments-infra", EGG, "EnvoyProxy", "eg-payments", "payments-proxy"),
                     generation=2),
    "spec": {"provider": {"type": "Kubernetes", "kubernetes": {
        "envoyDeployment": {"replicas": 2, "container": {"resources": {
            "requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "1Gi"}}}},
        "envoyService": {"type": "LoadBalancer", "externalTrafficPolicy": "Local"}}},
        "telemetry": {
            "accessLog": {"settings": [{"format": {"type": "JSON", "json": json_fields_full},
                                        "sinks": [{"type": "File", "file": {"path": "/dev/stdout"}}]}]},
            "tracing": {"samplingRate": 5, "provider": {
                "type": "OpenTelemetry",
                "backendRefs": [{"name": "otel-collector", "namespace": "observability", "port": 4317}]}},
            "metrics": {"prometheus": {"disable": False}}}}}
objs.append(payments_proxy)

# ---- GatewayClasses
def gatewayclass(name, ctl, ep, ep_ns, t, app):
    return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
            "metadata": meta("GatewayClass", name, None, t, annotations=argo(app, GW, "GatewayClass", None, name),
                             generation=1),
            "spec": {"controllerName": ctl, "description": f"{name} tenant gateways",
                     "parametersRef": {"group": EGG, "kind": "EnvoyProxy", "name": ep, "namespace": ep_ns}},
            "status": {"conditions": [cond("Accepted", "True", "Accepted", "Valid GatewayClass", t, 1)]}}

objs.append(gatewayclass("platform", PLAT_CTL, "platform-proxy", "eg-platform", "2026-03-02T09:30:12Z", "platform-infra"))
objs.append(gatewayclass("payments", PAY_CTL, "payments-proxy", "eg-payments", "2026-03-09T14:10:41Z", "payments-infra"))

# ---- Gateways
T_SF = "2026-03-02T09:41:30Z"
T_CAT = "2026-05-18T11:25:03Z"
T_PAY = "2026-03-09T14:22:18Z"
PLAT_IP = "203.0.113.10"
PAY_IP = "203.0.113.20"

sf_listeners = [{"name": "http", "protocol": "HTTP", "port": 80, "hostname": "www.example.com",
                 "allowedRoutes": {"namespaces": {"from": "Same"}}},
                {"name": "https", "protocol": "HTTPS", "port": 443, "hostname": "www.example.com",
                 "allowedRoutes": {"namespaces": {"from": "Same"}},
                 "tls": {"mode": "Terminate", "certificateRefs": [{"group": "", "kind": "Secret", "name": "www-example-com-tls"}]}}]
storefront = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
              "metadata": meta("Gateway", "storefront", "web", T_SF,
                               annotations=argo("web-gateways", GW, "Gateway", "web", "storefront"), generation=3),
              "spec": {"gatewayClassName": "platform", "listeners": sf_listeners},
              "status": gw_status(sf_listeners, PLAT_IP, "Address assigned to the Gateway, 5/6 envoy replicas available",
                                  "2026-11-26T09:56:40Z", 3, attached={"http": 3, "https": 3})}
objs.append(storefront)

cat_listeners = [{"name": "http", "protocol": "HTTP", "port": 80, "hostname": "www.example.com",
                  "allowedRoutes": {"namespaces": {"from": "Same"}}},
                 {"name": "https", "protocol": "HTTPS", "port": 443, "hostname": "catalog.example.com",
                  "allowedRoutes": {"namespaces": {"from": "Same"}},
                  "tls": {"mode": "Terminate", "certificateRefs": [{"group": "", "kind": "Secret", "name": "catalog-example-com-tls"}]}}]
T_CAT_ST = "2026-05-18T11:25:04Z"
catalog = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
           "metadata": meta("Gateway", "catalog", "shop", T_CAT,
                            annotations=argo("shop-gateways", GW, "Gateway", "shop", "catalog"), generation=1),
           "spec": {"gatewayClassName": "platform", "listeners": cat_listeners},
           "status": gw_status(cat_listeners, PLAT_IP, "Address assigned to the Gateway, 5/6 envoy replicas available",
                               T_CAT_ST, 1, attached={"https": 2},
                               overrides={"http": [
                                   cond("Conflicted", "True", "HostnameConflict",
                                        "Port, protocol and hostname tuple must be unique for every listener", T_CAT_ST, 1),
                                   cond("Programmed", "False", "Invalid",
                                        "Listener is invalid, see other Conditions for details.", T_CAT_ST, 1),
                                   cond("ResolvedRefs", "True", "ResolvedRefs",
                                        "Listener references have been resolved", T_CAT_ST, 1)]})}
objs.append(catalog)

pay_listeners = [{"name": "http", "protocol": "HTTP", "port": 80, "hostname": "pay.example.com",
                  "allowedRoutes": {"namespaces": {"from": "Same"}}},
                 {"name": "https", "protocol": "HTTPS", "port": 443, "hostname": "pay.example.com",
                  "allowedRoutes": {"namespaces": {"from": "Same"}},
                  "tls": {"mode": "Terminate", "certificateRefs": [{"group": "", "kind": "Secret", "name": "pay-example-com-tls"}]}}]
pay_ann = argo("payments-gateways", GW, "Gateway", "payments", "pay")
pay_ann["audit.egscope.io/ignore-EG209"] = "payments load is flat; fixed 2 replicas"
pay = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
       "metadata": meta("Gateway", "pay", "payments", T_PAY, annotations=pay_ann, generation=2),
       "spec": {"gatewayClassName": "payments", "listeners": pay_listeners},
       "status": gw_status(pay_listeners, PAY_IP, "Address assigned to the Gateway, 2/2 envoy replicas available",
                           "2026-09-14T08:02:11Z", 2, attached={"http": 1, "https": 3})}
objs.append(pay)

# ---- Routes
def httproute(ns, name, t, parents, hostnames, rules, controller, app, status_t=None, resolved=None, hand=False, extra_ann=None,
              kind="HTTPRoute"):
    ann = {} if hand else argo(app, GW, kind, ns, name)
    ann.update(extra_ann or {})
    r = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": kind,
         "metadata": meta(kind, name, ns, t, annotations=ann or None, generation=1),
         "spec": {"parentRefs": [ref(p["name"], p.get("namespace") if p.get("namespace") != ns else None,
                                     p.get("sectionName")) for p in parents],
                  "hostnames": hostnames, "rules": rules},
         "status": route_status(parents, controller, status_t or t, 1, resolved)}
    if not hostnames:
        del r["spec"]["hostnames"]
    if hand:
        by_hand(r)
    return r


def backend(name, port):
    return {"group": "", "kind": "Service", "name": name, "port": port, "weight": 1}


def prefix(p):
    return {"path": {"type": "PathPrefix", "value": p}}

SF = [{"name": "storefront", "namespace": "web"}]
CAT = [{"name": "catalog", "namespace": "shop"}]
PAY = [{"name": "pay", "namespace": "payments"}]
objs.append(httproute("web", "storefront-home", "2026-03-02T09:45:10Z", SF, ["www.example.com"],
                      [{"matches": [prefix("/")], "backendRefs": [backend("storefront-web", 8080)]}],
                      PLAT_CTL, "web-gateways"))
objs.append(httproute("web", "checkout", "2026-03-02T09:45:10Z", SF, ["www.example.com"],
                      [{"matches": [prefix("/checkout")], "backendRefs": [backend("checkout", 8080)]},
                       {"matches": [prefix("/cart")], "backendRefs": [backend("cart", 8080)]}],
                      PLAT_CTL, "web-gateways"))
objs.append(httproute("web", "static-assets", "2026-10-30T16:02:51Z", SF, ["www.example.com"],
                      [{"matches": [prefix("/static")], "backendRefs": [backend("static-cdn-origin", 80)]}],
                      PLAT_CTL, "web-gateways",
                      resolved=cond("ResolvedRefs", "False", "BackendNotFound",
                                    'Failed to process route rule 0 backendRef 0: service web/static-cdn-origin not found.',
                                    "2026-10-30T16:02:51Z", 1)))
objs.append(httproute("shop", "catalog-browse", "2026-05-18T11:30:44Z", CAT, ["catalog.example.com"],
                      [{"matches": [prefix("/")], "backendRefs": [backend("catalog-frontend", 8080)]}],
                      PLAT_CTL, "shop-gateways"))
objs.append(httproute("shop", "legacy-search", "2026-06-02T15:47:09Z", CAT, ["catalog.example.com"],
                      [{"matches": [prefix("/search")], "backendRefs": [backend("search-v1", 9200)]}],
                      PLAT_CTL, "shop-gateways", hand=True, extra_ann={"audit.egscope.io/ignore-EG404": ""}))
objs.append(httproute("payments", "pay-api", "2026-03-09T14:25:33Z",
                      [{"name": "pay", "namespace": "payments", "sectionName": "https"}], ["pay.example.com"],
                      [{"matches": [prefix("/v1")], "backendRefs": [backend("payments-api", 8443)],
                        "timeouts": {"request": "10s"}}],
                      PAY_CTL, "payments-gateways"))
objs.append(httproute("payments", "pay-webhooks", "2026-04-21T07:19:55Z",
                      [{"name": "pay", "namespace": "payments", "sectionName": "https"}], ["pay.example.com"],
                      [{"matches": [prefix("/webhooks")], "backendRefs": [backend("webhook-receiver", 8080)]}],
                      PAY_CTL, "payments-gateways"))
objs.append(httproute("payments", "https-redirect", "2026-03-09T14:25:33Z",
                      [{"name": "pay", "namespace": "payments", "sectionName": "http"}], ["pay.example.com"],
                      [{"filters": [{"type": "RequestRedirect",
                                     "requestRedirect": {"scheme": "https", "statusCode": 301}}]}],
                      PAY_CTL, "payments-gateways"))
objs.append(httproute("payments", "ledger", "2026-07-07T12:01:18Z",
                      [{"name": "pay", "namespace": "payments", "sectionName": "https"}], ["pay.example.com"],
                      [{"matches": [{"method": {"type": "Exact", "service": "ledger.v1.Ledger"}}],
                        "backendRefs": [backend("ledger-grpc", 9090)]}],
                      PAY_CTL, "payments-gateways", kind="GRPCRoute"))

# ---- ClientTrafficPolicies
def policy(kind, ns, name, t, spec, status, app, hand=False, gen=1):
    ann = {} if hand else argo(app, EGG, kind, ns, name)
    p = {"apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": kind,
         "metadata": meta(kind, name, ns, t, annotations=ann or None, generation=gen),
         "spec": spec, "status": status}
    if hand:
        by_hand(p)
    return p

T = "2026-03-09T14:24:02Z"
objs.append(policy("ClientTrafficPolicy", "payments", "pay-client", T, {
    "targetRefs": [ref("pay")],
    "timeout": {"http": {"requestReceivedTimeout": "10s", "idleTimeout": "5m"}},
    "http2": {"maxConcurrentStreams": 100},
    "connection": {"bufferLimit": "32Ki"}},
    policy_status(PAY, PAY_CTL, T), "payments-gateways"))
T = "2026-03-02T09:44:15Z"
objs.append(policy("ClientTrafficPolicy", "web", "storefront-client", T, {
    "targetRefs": [ref("storefront")],
    "timeout": {"http": {"requestReceivedTimeout": "30s"}},
    "http2": {"maxConcurrentStreams": 100},
    "connection": {"bufferLimit": "1Mi"},
    "clientIPDetection": {"xForwardedFor": {"numTrustedHops": 1}}},
    policy_status(SF, PLAT_CTL, T), "web-gateways"))
T = "2026-05-18T11:26:30Z"
objs.append(policy("ClientTrafficPolicy", "shop", "catalog-https", T, {
    "targetRefs": [ref("catalog", section="https")],
    "timeout": {"http": {"requestReceivedTimeout": "15s", "idleTimeout": "2m"}},
    "http2": {"maxConcurrentStreams": 100},
    "connection": {"bufferLimit": "32768"}},
    policy_status([{"name": "catalog", "namespace": "shop", "sectionName": "https"}], PLAT_CTL, T),
    "shop-gateways", hand=True))

# ---- BackendTrafficPolicies
T = "2026-03-09T14:24:02Z"
objs.append(policy("BackendTrafficPolicy", "payments", "pay-backends", T, {
    "targetRefs": [ref("pay")],
    "timeout": {"http": {"requestTimeout": "15s", "connectionIdleTimeout": "60s"},
                "tcp": {"connectTimeout": "2s"}},
    "tcpKeepalive": {},
    "connection": {"bufferLimit": "32768"},
    "retry": {"numRetries": 2, "retryOn": {"triggers": ["connect-failure", "retriable-status-codes"],
                                          "httpStatusCodes": [503]}}},
    policy_status(PAY, PAY_CTL, T), "payments-gateways"))
T = "2026-03-02T09:44:15Z"
objs.append(policy("BackendTrafficPolicy", "web", "storefront-backends", T, {
    "targetRefs": [ref("storefront")],
    "timeout": {"http": {"requestTimeout": "15s"}, "tcp": {"connectTimeout": "5s"}},
    "tcpKeepalive": {"idleTime": "60s", "interval": "10s", "probes": 3}},
    policy_status(SF, PLAT_CTL, "2026-08-12T10:15:27Z", extra=[
        cond("Merged", "True", "Merged",
             "This policy is being merged by other backendTrafficPolicies for these routes: [web/checkout]",
             "2026-08-12T10:15:27Z", 1)]), "web-gateways"))
T = "2026-08-12T10:15:27Z"
objs.append(policy("BackendTrafficPolicy", "web", "checkout-timeouts", T, {
    "targetRefs": [ref("checkout", kind="HTTPRoute")],
    "mergeType": "StrategicMerge",
    "timeout": {"http": {"requestTimeout": "30s", "connectionIdleTimeout": "90s"}},
    "connection": {"bufferLimit": "32Ki"}},
    policy_status(SF, PLAT_CTL, T, extra=[
        cond("Merged", "True", "Merged", "Merged with policy web/storefront-backends", T, 1)]), "web-gateways"))
T = "2026-11-19T17:33:48Z"
objs.append(policy("BackendTrafficPolicy", "web", "storefront-retries", T, {
    "targetRefs": [ref("storefront")],
    "retry": {"numRetries": 3, "perRetry": {"timeout": "2s", "backOff": {"baseInterval": "100ms", "maxInterval": "1s"}},
              "retryOn": {"triggers": ["connect-failure", "reset"]}}},
    policy_status(SF, PLAT_CTL, T, accepted=cond(
        "Accepted", "False", "Conflicted",
        "Unable to target Gateway web/storefront, another BackendTrafficPolicy has already attached to it", T, 1)),
    "web-gateways", hand=True))

# ---- fleets
PLAT_KEY = "platform"
PAY_KEY = "payments/pay"
T_FLEET = "2026-11-25T21:14:09Z"   # last rollout of the platform fleet
pod_specials = {
    3: {"ready": False, "restarts": 4, "envoy_started": "2026-11-26T09:56:20Z", "ready_since": "2026-11-26T09:56:12Z",
        "last_state": {"terminated": {"containerID": "containerd://" + hashlib.sha256(b"oom").hexdigest(),
                                      "exitCode": 137, "reason": "OOMKilled",
                                      "startedAt": "2026-11-26T09:41:03Z",
                                      "finishedAt": "2026-11-26T09:56:12Z"}}},
    4: {"start": "2026-11-26T08:47:31Z"},
    5: {"start": "2026-11-26T09:02:58Z"},
}
objs += fleet(PLAT_KEY, {"gateway.envoyproxy.io/owning-gatewayclass": "platform"}, "eg-platform", "platform",
              "platform", {"requests": {"cpu": "500m", "memory": "512Mi"}},
              [("http-80", 80), ("https-443", 443)], "2026-03-02T09:41:31Z", 6, 5, PLAT_IP,
              hpa={"min": 2, "max": 6, "cpu": 65, "current": 6, "desired": 6, "observed": 91,
                   "observed_value": "455m", "last_scale": "2026-11-26T09:02:41Z",
                   "conditions": [
                       cond("AbleToScale", "True", "ReadyForNewScale",
                            "recommended size matches current size", "2026-11-26T09:07:44Z", None),
                       cond("ScalingActive", "True", "ValidMetricFound",
                            "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
                            "2026-03-02T09:43:01Z", None),
                       cond("ScalingLimited", "True", "TooManyReplicas",
                            "the desired replica count is more than the maximum replica count",
                            "2026-11-26T09:02:41Z", None)]},
              pod_specials=pod_specials, deployed=T_FLEET)
objs += fleet(PAY_KEY, {"gateway.envoyproxy.io/owning-gateway-name": "pay",
                        "gateway.envoyproxy.io/owning-gateway-namespace": "payments"},
              "eg-payments", "payments", "payments",
              {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "1Gi"}},
              [("http-80", 80), ("https-443", 443)], "2026-03-09T14:22:19Z", 2, 2, PAY_IP,
              deployed="2026-09-14T08:01:37Z")

# fix pod start times before deployed: pods carry their own start
header = """# egscope demo cluster "showcase": a snapshot as `kubectl get -o yaml` would show it
# (status and creationTimestamps kept, managedFields and Secrets left out).
# Snapshot time: 2026-11-26T10:00:00Z. Two Envoy Gateway tenants (eg-platform, eg-payments),
# a merging GatewayClass with a listener conflict, fleets with and without HPA, an incident
# in the platform fleet, and a mix of compliant and non-compliant policies.
# Generated by assets/demo/gen/showcase.py (python3 + PyYAML); edit the script, not this file.
"""
dump_all(objs, sys.argv[1], header)
print(len(objs), "objects")
