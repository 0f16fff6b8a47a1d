import os
import sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import *

CTL = "gateway.envoyproxy.io/gatewayclass-controller"
SYS = "envoy-gateway-system"
objs = []
for ns, t, app in [(SYS, "2026-06-10T08:00:12Z", "envoy-gateway"), ("apps", "2026-06-10T08:20:31Z", "apps-gateways")]:
    objs.append(namespace(ns, t, argo(app, "", "Namespace", None, ns)))

T_CRD = "2026-06-10T07:58:40Z"
for plural, kind, vers, short in [("gatewayclasses", "GatewayClass", ["v1", "v1beta1"], "gc"),
                                  ("gateways", "Gateway", ["v1", "v1beta1"], "gtw"),
                                  ("httproutes", "HTTPRoute", ["v1", "v1beta1"], None),
                                  ("grpcroutes", "GRPCRoute", ["v1"], None),
                                  ("referencegrants", "ReferenceGrant", ["v1beta1"], "refgrant"),
                                  ("backendtlspolicies", "BackendTLSPolicy", ["v1", "v1alpha3"], "btlspolicy")]:
    objs.append(crd(plural, kind, GW, "Cluster" if kind == "GatewayClass" else "Namespaced", vers, T_CRD, short,
                    app="envoy-gateway-crds"))
for plural, kind, short in [("envoyproxies", "EnvoyProxy", "eproxy"),
                            ("clienttrafficpolicies", "ClientTrafficPolicy", "ctp"),
                            ("backendtrafficpolicies", "BackendTrafficPolicy", "btp")]:
    objs.append(crd(plural, kind, EGG, "Namespaced", ["v1alpha1"], T_CRD, short, bundle=False,
                    app="envoy-gateway-crds"))

objs += controller(SYS, "eg", CTL, None, "2026-06-10T08:00:20Z", "envoy-gateway")

RES = {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
T_EP = "2026-06-10T08:05:02Z"
objs.append({
    "apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": "EnvoyProxy",
    "metadata": meta("EnvoyProxy", "eg-proxy", SYS, T_EP,
                     annotations=argo("envoy-gateway", EGG, "EnvoyProxy", SYS, "eg-proxy"), generation=1),
    "spec": {"provider": {"type": "Kubernetes", "kubernetes": {
        "envoyDeployment": {"replicas": 2, "container": {"resources": RES}},
        "envoyHpa": {"minReplicas": 2, "maxReplicas": 6, "metrics": [
            {"type": "Resource", "resource": {"name": "cpu", "target": {
                "type": "Utilization", "averageUtilization": 65}}}]},
        "envoyPDB": {"minAvailable": 1},
        "envoyService": {"type": "LoadBalancer", "externalTrafficPolicy": "Local"}}},
        "telemetry": {
            "accessLog": {"settings": [{"format": {"type": "JSON", "json": {
                "start_time": "%START_TIME%", "method": "%REQ(:METHOD)%", "path": "%REQ(:PATH)%",
                "protocol": "%PROTOCOL%", "response_code": "%RESPONSE_CODE%",
                "response_flags": "%RESPONSE_FLAGS%", "duration": "%DURATION%",
                "upstream_host": "%UPSTREAM_HOST%", "upstream_cluster": "%UPSTREAM_CLUSTER%",
                "route_name": "%ROUTE_NAME%", "x-request-id": "%REQ(X-REQUEST-ID)%",
                "authority": "%REQ(:AUTHORITY)%"}},
                "sinks": [{"type": "File", "file": {"path": "/dev/stdout"}}]}]},
            "tracing": {"samplingRate": 5, "provider": {
                "type": "OpenTelemetry",
                "backendRefs": [{"name": "otel-collector", "namespace": "observability", "port": 4317}]}},
            "metrics": {"prometheus": {"disable": False}}}}})

T_GC = "2026-06-10T08:05:03Z"
objs.append({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass",
             "metadata": meta("GatewayClass", "eg", None, T_GC,
                              annotations=argo("envoy-gateway", GW, "GatewayClass", None, "eg"), generation=1),
             "spec": {"controllerName": CTL,
                      "parametersRef": {"group": EGG, "kind": "EnvoyProxy", "name": "eg-proxy", "namespace": SYS}},
             "status": {"conditions": [cond("Accepted", "True", "Accepted", "Valid GatewayClass", T_GC, 1)]}})

APP = "apps-gateways"
gws = [("edge", "app.example.org", "2026-06-10T08:21:10Z", "198.51.100.10"),
       ("api", "api.example.org", "2026-06-10T08:21:10Z", "198.51.100.11")]
routes = {"edge": [("HTTPRoute", "frontend", [("/", "frontend", 8080)]),
                   ("HTTPRoute", "docs", [("/docs", "docs-site", 8080)])],
          "api": [("HTTPRoute", "orders", [("/v1/orders", "orders", 8080), ("/v1/carts", "carts", 8080)]),
                  ("GRPCRoute", "inventory", [("inventory.v1.Inventory", "inventory", 9090)])]}
for gname, host, t, ip in gws:
    listeners = [{"name": "http", "protocol": "HTTP", "port": 80, "hostname": host,
                  "allowedRoutes": {"namespaces": {"from": "Same"}}},
                 {"name": "https", "protocol": "HTTPS", "port": 443, "hostname": host,
                  "allowedRoutes": {"namespaces": {"from": "Same"}},
                  "tls": {"mode": "Terminate", "certificateRefs": [
                      {"group": "", "kind": "Secret", "name": host.replace(".", "-") + "-tls"}]}}]
    n = len(routes[gname])
    objs.append({"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway",
                 "metadata": meta("Gateway", gname, "apps", t, annotations=argo(APP, GW, "Gateway", "apps", gname),
                                  generation=1),
                 "spec": {"gatewayClassName": "eg", "listeners": listeners},
                 "status": gw_status(listeners, ip, "Address assigned to the Gateway, 3/3 envoy replicas available",
                                     "2026-06-10T08:21:31Z", 1, attached={"http": n, "https": n})})
    parents = [{"name": gname, "namespace": "apps"}]
    pt = "2026-06-10T08:21:12Z"
    for kind, rname, rules in routes[gname]:
        if kind == "HTTPRoute":
            rs = [{"matches": [{"path": {"type": "PathPrefix", "value": p}}],
                   "backendRefs": [{"group": "", "kind": "Service", "name": s, "port": port, "weight": 1}]}
                  for p, s, port in rules]
        else:
            rs = [{"matches": [{"method": {"type": "Exact", "service": p}}],
                   "backendRefs": [{"group": "", "kind": "Service", "name": s, "port": port, "weight": 1}]}
                  for p, s, port in rules]
        objs.append({"apiVersion": "gateway.networking.k8s.io/v1", "kind": kind,
                     "metadata": meta(kind, rname, "apps", pt, annotations=argo(APP, GW, kind, "apps", rname),
                                      generation=1),
                     "spec": {"parentRefs": [ref(gname)], "hostnames": [host], "rules": rs},
                     "status": route_status(parents, CTL, pt, 1)})
    objs.append({"apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": "ClientTrafficPolicy",
                 "metadata": meta("ClientTrafficPolicy", gname + "-client", "apps", pt,
                                  annotations=argo(APP, EGG, "ClientTrafficPolicy", "apps", gname + "-client"),
                                  generation=1),
                 "spec": {"targetRefs": [ref(gname)],
                          "timeout": {"http": {"requestReceivedTimeout": "10s", "idleTimeout": "5m"}},
                          "http2": {"maxConcurrentStreams": 100},
                          "connection": {"bufferLimit": "32Ki"}},
                 "status": policy_status(parents, CTL, pt)})
    objs.append({"apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": "BackendTrafficPolicy",
                 "metadata": meta("BackendTrafficPolicy", gname + "-backends", "apps", pt,
                                  annotations=argo(APP, EGG, "BackendTrafficPolicy", "apps", gname + "-backends"),
                                  generation=1),
                 "spec": {"targetRefs": [ref(gname)],
                          "timeout": {"http": {"requestTimeout": "15s", "connectionIdleTimeout": "60s"},
                                      "tcp": {"connectTimeout": "2s"}},
                          "tcpKeepalive": {"idleTime": "60s", "interval": "10s", "probes": 3},
                          "connection": {"bufferLimit": "32Ki"}},
                 "status": policy_status(parents, CTL, pt)})

for gname, host, t, ip in gws:
    key = f"apps/{gname}"
    objs += fleet(key, {"gateway.envoyproxy.io/owning-gateway-name": gname,
                        "gateway.envoyproxy.io/owning-gateway-namespace": "apps"},
                  SYS, "eg", "eg", RES, [("http-80", 80), ("https-443", 443)], "2026-06-10T08:21:11Z", 3, 3, ip,
                  hpa={"min": 2, "max": 6, "cpu": 65, "current": 3, "desired": 3, "observed": 58,
                       "observed_value": "290m", "last_scale": "2026-11-25T18:40:12Z",
                       "conditions": [
                           cond("AbleToScale", "True", "ReadyForNewScale",
                                "recommended size matches current size", "2026-11-25T18:45:13Z", None),
                           cond("ScalingActive", "True", "ValidMetricFound",
                                "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
                                "2026-06-10T08:22:41Z", None),
                           cond("ScalingLimited", "False", "DesiredWithinRange",
                                "the desired count is within the acceptable range", "2026-11-25T18:40:12Z", None)]},
                  deployed="2026-11-02T13:05:44Z")

header = """# egscope demo cluster "compliant": a snapshot (as `kubectl get -o yaml` shows it) of a
# cluster that follows the production guide fully. Snapshot time: 2026-11-26T10:00:00Z.
# `egscope audit` must report no finding of severity warning or error for it.
# Generated by assets/demo/gen/compliant.py (python3 + PyYAML); edit the script, not this file.
"""
dump_all(objs, sys.argv[1], header)
print(len(objs), "objects")
