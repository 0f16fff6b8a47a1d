"""Shared helpers for the demo snapshot generators (showcase.py, compliant.py).

Usage: python3 assets/demo/gen/showcase.py assets/demo/showcase.yaml
"""
import hashlib, json, uuid, yaml

NOW = "2026-11-26T10:00:00Z"
EG_VERSION = "v1.7.5"
EG_IMAGE = "docker.io/envoyproxy/gateway:v1.7.5"
ENVOY_IMAGE = "docker.io/envoyproxy/envoy:distroless-v1.37.5"
GW = "gateway.networking.k8s.io"
EGG = "gateway.envoyproxy.io"

_rv = [41000]


def rv():
    _rv[0] += 37
    return str(_rv[0])


def uid(*parts):
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "egscope-demo/" + "/".join(parts)))


def hashed_name(key):
    h = hashlib.sha256(key.encode()).hexdigest()[:8]
    return "envoy-" + key.replace("/", "-")[:48].rstrip("-") + "-" + h


def short_hash(s, n):
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    h = hashlib.sha256(s.encode()).digest()
    return "".join(alphabet[b % len(alphabet)] for b in h[:n])


def rs_hash(s):
    return hashlib.sha256(s.encode()).hexdigest()[:10 - 0][:9] if False else short_hash("rs" + s, 10)


def meta(kind, name, ns=None, created="2026-01-01T00:00:00Z", labels=None, annotations=None,
         generation=None, owner=None):
    m = {"name": name, "creationTimestamp": created, "resourceVersion": rv(),
         "uid": uid(kind, ns or "", name)}
    if ns:
        m["namespace"] = ns
    if labels:
        m["labels"] = dict(labels)
    if annotations:
        m["annotations"] = dict(annotations)
    if generation is not None:
        m["generation"] = generation
    if owner:
        m["ownerReferences"] = owner
    return m


def argo(app, group, kind, ns, name):
    return {"argocd.argoproj.io/tracking-id": f"{app}:{group}/{kind}:{ns or ''}/{name}"}


def by_hand(obj):
    """Adds kubectl's last-applied-configuration as `kubectl apply` leaves it."""
    m = obj["metadata"]
    applied = {"apiVersion": obj["apiVersion"], "kind": obj["kind"],
               "metadata": {k: v for k, v in m.items() if k in ("name", "namespace", "labels")}}
    ann = {k: v for k, v in m.get("annotations", {}).items()}
    if ann:
        applied["metadata"]["annotations"] = ann
    if "spec" in obj:
        applied["spec"] = obj["spec"]
    m.setdefault("annotations", {})["kubectl.kubernetes.io/last-applied-configuration"] = (
        json.dumps(applied, separators=(",", ":"), sort_keys=True) + "\n")
    return obj


def cond(type_, status, reason, message, t, gen=1):
    c = {"type": type_, "status": status, "reason": reason, "message": message,
         "lastTransitionTime": t}
    if gen is not None:
        c["observedGeneration"] = gen
    return c


def namespace(name, created, annotations=None, labels=None):
    lb = {"kubernetes.io/metadata.name": name}
    lb.update(labels or {})
    return {"apiVersion": "v1", "kind": "Namespace",
            "metadata": meta("Namespace", name, created=created, labels=lb, annotations=annotations),
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}


def crd(plural, kind, group, scope, versions, created, short=None, bundle=True, channel="experimental",
        app="gateway-api-crds"):
    name = f"{plural}.{group}"
    ann = {}
    if bundle:
        ann["gateway.networking.k8s.io/bundle-version"] = "v1.4.1"
        ann["gateway.networking.k8s.io/channel"] = channel
        ann["api-approved.kubernetes.io"] = "https://github.com/kubernetes-sigs/gateway-api/pull/3328"
    else:
        ann["controller-gen.kubebuilder.io/version"] = "v0.18.0"
    ann.update(argo(app, "apiextensions.k8s.io", "CustomResourceDefinition", None, name))
    names = {"kind": kind, "listKind": kind + "List", "plural": plural, "singular": kind.lower()}
    if short:
        names["shortNames"] = [short]
    vers = [{"name": v, "served": True, "storage": v == versions[0],
             "subresources": {"status": {}},
             "schema": {"openAPIV3Schema": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}
            for v in versions]
    return {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": meta("CRD", name, created=created, annotations=ann, generation=1),
            "spec": {"group": group, "names": names, "scope": scope, "versions": vers},
            "status": {"acceptedNames": names, "storedVersions": [versions[0]],
                       "conditions": [
                           cond("NamesAccepted", "True", "NoConflicts", "no conflicts found", created, None),
                           cond("Established", "True", "InitialNamesAccepted",
                                "the initial names have been accepted", created, None)]}}


def eg_config(controller_name, watch_namespaces=None, ratelimit_image="docker.io/envoyproxy/ratelimit:f2fb1577"):
    cfg = {"apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": "EnvoyGateway",
           "extensionApis": {},
           "gateway": {"controllerName": controller_name},
           "logging": {"level": {"default": "info"}},
           "provider": {"kubernetes": {
               "rateLimitDeployment": {"container": {"image": ratelimit_image},
                                       "patch": {"type": "StrategicMerge", "value": {"spec": {"template": {
                                           "spec": {"containers": [{"imagePullPolicy": "IfNotPresent",
                                                                    "name": "envoy-ratelimit"}]}}}}}},
               "shutdownManager": {"image": EG_IMAGE}},
               "type": "Kubernetes"},
           "telemetry": {"metrics": {"prometheus": {"disable": False}}}}
    if watch_namespaces:
        cfg["provider"]["kubernetes"]["watch"] = {"type": "Namespaces", "namespaces": watch_namespaces}
    return yaml.safe_dump(cfg, sort_keys=False, default_flow_style=False)


def helm_labels(release, extra=None):
    lb = {"helm.sh/chart": "gateway-helm-v1.7.5", "app.kubernetes.io/name": "gateway-helm",
          "app.kubernetes.io/instance": release, "app.kubernetes.io/version": EG_VERSION,
          "app.kubernetes.io/managed-by": "Helm"}
    if extra:
        lb.update(extra)
    return lb


def controller(ns, release, controller_name, watch, created, app, ready=1):
    """ConfigMap + Deployment + Service of one Envoy Gateway controller, as Helm renders them."""
    out = []
    cm = {"apiVersion": "v1", "kind": "ConfigMap",
          "metadata": meta("ConfigMap", "envoy-gateway-config", ns, created, helm_labels(release),
                           argo(app, "", "ConfigMap", ns, "envoy-gateway-config")),
          "data": {"envoy-gateway.yaml": eg_config(controller_name, watch)}}
    out.append(cm)
    sel = {"control-plane": "envoy-gateway", "app.kubernetes.io/name": "gateway-helm",
           "app.kubernetes.io/instance": release}
    ann = {"deployment.kubernetes.io/revision": "3", "meta.helm.sh/release-name": release,
           "meta.helm.sh/release-namespace": ns}
    ann.update(argo(app, "apps", "Deployment", ns, "envoy-gateway"))
    dep = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": meta("Deployment", "envoy-gateway", ns, created,
                            helm_labels(release, {"control-plane": "envoy-gateway"}), ann, generation=3),
           "spec": {"replicas": 1, "progressDeadlineSeconds": 600, "revisionHistoryLimit": 10,
                    "selector": {"matchLabels": sel},
                    "strategy": {"type": "RollingUpdate",
                                 "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                    "template": {"metadata": {"annotations": {"prometheus.io/port": "19001",
                                                              "prometheus.io/scrape": "true"},
                                              "labels": dict(sel)},
                                 "spec": {"containers": [{
                                     "name": "envoy-gateway",
                                     "image": EG_IMAGE, "imagePullPolicy": "IfNotPresent",
                                     "args": ["server", "--config-path=/config/envoy-gateway.yaml"],
                                     "env": [{"name": "ENVOY_GATEWAY_NAMESPACE", "valueFrom": {
                                         "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
                                             {"name": "KUBERNETES_CLUSTER_DOMAIN", "value": "cluster.local"}],
                                     "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8081, "scheme": "HTTP"},
                                                       "initialDelaySeconds": 15, "periodSeconds": 20,
                                                       "failureThreshold": 3, "successThreshold": 1,
                                                       "timeoutSeconds": 1},
                                     "readinessProbe": {"httpGet": {"path": "/readyz", "port": 8081, "scheme": "HTTP"},
                                                        "initialDelaySeconds": 5, "periodSeconds": 10,
                                                        "failureThreshold": 3, "successThreshold": 1,
                                                        "timeoutSeconds": 1},
                                     "ports": [{"containerPort": 18000, "name": "grpc", "protocol": "TCP"},
                                               {"containerPort": 18001, "name": "ratelimit", "protocol": "TCP"},
                                               {"containerPort": 18002, "name": "wasm", "protocol": "TCP"},
                                               {"containerPort": 19001, "name": "metrics", "protocol": "TCP"},
                                               {"containerPort": 9443, "name": "webhook", "protocol": "TCP"}],
                                     "resources": {"limits": {"memory": "1Gi"},
                                                   "requests": {"cpu": "100m", "memory": "256Mi"}},
                                     "securityContext": {"allowPrivilegeEscalation": False,
                                                         "capabilities": {"drop": ["ALL"]}, "privileged": False,
                                                         "runAsGroup": 65532, "runAsNonRoot": True,
                                                         "runAsUser": 65532,
                                                         "seccompProfile": {"type": "RuntimeDefault"}},
                                     "terminationMessagePath": "/dev/termination-log",
                                     "terminationMessagePolicy": "File",
                                     "volumeMounts": [{"mountPath": "/config", "name": "envoy-gateway-config",
                                                       "readOnly": True},
                                                      {"mountPath": "/certs", "name": "certs", "readOnly": True}]}],
                                     "dnsPolicy": "ClusterFirst", "restartPolicy": "Always",
                                     "schedulerName": "default-scheduler", "securityContext": {},
                                     "serviceAccount": "envoy-gateway", "serviceAccountName": "envoy-gateway",
                                     "terminationGracePeriodSeconds": 10,
                                     "volumes": [{"configMap": {"defaultMode": 420, "name": "envoy-gateway-config"},
                                                  "name": "envoy-gateway-config"},
                                                 {"name": "certs", "secret": {"defaultMode": 420,
                                                                              "secretName": "envoy-gateway"}}]}}},
           "status": {"observedGeneration": 3, "replicas": 1, "updatedReplicas": 1,
                      "readyReplicas": ready, "availableReplicas": ready,
                      "conditions": [
                          cond("Available", "True", "MinimumReplicasAvailable",
                               "Deployment has minimum availability.", created, None),
                          cond("Progressing", "True", "NewReplicaSetAvailable",
                               'ReplicaSet "envoy-gateway-%s" has successfully progressed.' % rs_hash(ns + "ctl"),
                               created, None)]}}
    for c in dep["status"]["conditions"]:
        c["lastUpdateTime"] = c["lastTransitionTime"]
    out.append(dep)
    svc = {"apiVersion": "v1", "kind": "Service",
           "metadata": meta("Service", "envoy-gateway", ns, created,
                            helm_labels(release, {"control-plane": "envoy-gateway"}),
                            argo(app, "", "Service", ns, "envoy-gateway")),
           "spec": {"type": "ClusterIP", "clusterIP": "10.96.%d.%d" % (len(ns), len(release) * 7),
                    "clusterIPs": ["10.96.%d.%d" % (len(ns), len(release) * 7)],
                    "internalTrafficPolicy": "Cluster", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                    "ports": [{"name": "grpc", "port": 18000, "protocol": "TCP", "targetPort": 18000},
                              {"name": "ratelimit", "port": 18001, "protocol": "TCP", "targetPort": 18001},
                              {"name": "wasm", "port": 18002, "protocol": "TCP", "targetPort": 18002},
                              {"name": "metrics", "port": 19001, "protocol": "TCP", "targetPort": 19001},
                              {"name": "webhook", "port": 9443, "protocol": "TCP", "targetPort": 9443}],
                    "selector": sel, "sessionAffinity": "None"},
           "status": {"loadBalancer": {}}}
    out.append(svc)
    return out


def bootstrap(infra_key, controller_ns, prometheus=True):
    lines = f"""admin:
  access_log:
  - name: envoy.access_loggers.file
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
      path: /dev/null
  address:
    socket_address:
      address: 127.0.0.1
      port_value: 19000
cluster_manager:
  local_cluster_name: {infra_key.replace('/', '-')}
node:
  locality:
    zone: $(ENVOY_SERVICE_ZONE)
stats_config:
  use_all_default_tags: true
dynamic_resources:
  ads_config:
    api_type: DELTA_GRPC
    transport_api_version: V3
    grpc_services:
    - envoy_grpc:
        cluster_name: xds_cluster
    set_node_on_first_message_only: true
  lds_config:
    ads: {{}}
    initial_fetch_timeout: 0s
    resource_api_version: V3
  cds_config:
    ads: {{}}
    initial_fetch_timeout: 0s
    resource_api_version: V3
static_resources:
  listeners:
  - name: envoy-gateway-proxy-stats-0.0.0.0-19001
    address:
      socket_address:
        address: '0.0.0.0'
        port_value: 19001
        protocol: TCP
    bypass_overload_manager: true
    filter_chains:
    - filters:
      - name: envoy.filters.network.http_connection_manager
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
          stat_prefix: eg-stats-http
          normalize_path: true
          route_config:
            name: local_route
            virtual_hosts:
            - name: prometheus_stats
              domains: ["*"]
              routes:
              - match:
                  path: /stats/prometheus
                route:
                  cluster: prometheus_stats
          http_filters:
          - name: envoy.filters.http.router
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
  clusters:
  - name: prometheus_stats
    connect_timeout: 0.250s
    type: STATIC
    load_assignment:
      cluster_name: prometheus_stats
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address:
                address: 127.0.0.1
                port_value: 19000
  - name: xds_cluster
    connect_timeout: 10s
    type: STRICT_DNS
    load_assignment:
      cluster_name: xds_cluster
      endpoints:
      - lb_endpoints:
        - endpoint:
            address:
              socket_address:
                address: envoy-gateway.{controller_ns}.svc.cluster.local.
                port_value: 18000
    transport_socket:
      name: envoy.transport_sockets.tls
      typed_config:
        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
        common_tls_context:
          tls_certificate_sds_secret_configs:
          - name: xds_certificate
            sds_config:
              path_config_source:
                path: /sds/xds-certificate.json
              resource_api_version: V3
          validation_context_sds_secret_config:
            name: xds_trusted_ca
            sds_config:
              path_config_source:
                path: /sds/xds-trusted-ca.json
              resource_api_version: V3
overload_manager:
  refresh_interval: 0.25s
  resource_monitors:
  - name: envoy.resource_monitors.global_downstream_max_connections
    typed_config:
      "@type": type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig
      max_active_downstream_connections: 50000
"""
    return lines


FIELD_ENV = lambda n, p: {"name": n, "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": p}}}


def proxy_pod_spec(name, infra_key, controller_ns, resources, listener_ports, prometheus=True):
    sec = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "privileged": False,
           "runAsGroup": 65532, "runAsNonRoot": True, "runAsUser": 65532,
           "seccompProfile": {"type": "RuntimeDefault"}}
    env = [FIELD_ENV("ENVOY_POD_NAMESPACE", "metadata.namespace"), FIELD_ENV("ENVOY_POD_NAME", "metadata.name"),
           FIELD_ENV("ENVOY_SERVICE_ZONE", "metadata.annotations['topology.kubernetes.io/zone']")]
    probe = lambda path, port, period, fail: {"httpGet": {"path": path, "port": port, "scheme": "HTTP"},
                                              "periodSeconds": period, "failureThreshold": fail,
                                              "successThreshold": 1, "timeoutSeconds": 1}
    ports = [{"containerPort": p + 10000 if p < 1024 else p, "name": n, "protocol": "TCP"}
             for n, p in listener_ports]
    if prometheus:
        ports.append({"containerPort": 19001, "name": "metrics", "protocol": "TCP"})
    ports.append({"containerPort": 19003, "name": "readiness", "protocol": "TCP"})
    envoy = {"name": "envoy", "image": ENVOY_IMAGE, "imagePullPolicy": "IfNotPresent", "command": ["envoy"],
             "args": ["--service-cluster", infra_key, "--service-node", "$(ENVOY_POD_NAME)", "--config-yaml",
                      bootstrap(infra_key, controller_ns, prometheus), "--log-level", "warn", "--cpuset-threads",
                      "--drain-strategy", "immediate", "--drain-time-s", "60"],
             "env": env,
             "lifecycle": {"preStop": {"httpGet": {"path": "/shutdown/ready", "port": 19002, "scheme": "HTTP"}}},
             "livenessProbe": probe("/ready", 19003, 10, 3), "readinessProbe": probe("/ready", 19003, 5, 1),
             "startupProbe": probe("/ready", 19003, 10, 30),
             "ports": ports, "resources": resources, "securityContext": sec,
             "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File",
             "volumeMounts": [{"mountPath": "/certs", "name": "certs", "readOnly": True},
                              {"mountPath": "/sds", "name": "sds"}]}
    sm = {"name": "shutdown-manager", "image": EG_IMAGE, "imagePullPolicy": "IfNotPresent",
          "command": ["envoy-gateway"], "args": ["envoy", "shutdown-manager"], "env": env,
          "lifecycle": {"preStop": {"exec": {"command": ["envoy-gateway", "envoy", "shutdown"]}}},
          "livenessProbe": probe("/healthz", 19002, 10, 3), "readinessProbe": probe("/healthz", 19002, 10, 3),
          "startupProbe": probe("/healthz", 19002, 10, 30),
          "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}}, "securityContext": sec,
          "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}
    return {"automountServiceAccountToken": False, "containers": [envoy, sm], "dnsPolicy": "ClusterFirst",
            "restartPolicy": "Always", "schedulerName": "default-scheduler", "securityContext": {},
            "serviceAccount": name, "serviceAccountName": name, "terminationGracePeriodSeconds": 360,
            "volumes": [{"name": "certs", "secret": {"defaultMode": 420, "secretName": "envoy"}},
                        {"name": "sds", "configMap": {"defaultMode": 420, "name": name, "optional": False,
                                                      "items": [{"key": "xds-trusted-ca.json",
                                                                 "path": "xds-trusted-ca.json"},
                                                                {"key": "xds-certificate.json",
                                                                 "path": "xds-certificate.json"}]}}]}


def app_labels(owner):
    lb = {"app.kubernetes.io/component": "proxy", "app.kubernetes.io/managed-by": "envoy-gateway",
          "app.kubernetes.io/name": "envoy"}
    lb.update(owner)
    return lb


def dump_all(objs, path, header):
    with open(path, "w") as f:
        f.write(header)
        for i, o in enumerate(objs):
            f.write("---\n")
            f.write(yaml.dump(o, Dumper=KDumper, sort_keys=True, default_flow_style=False, width=120))


def _str_rep(dumper, data):
    if "\n" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|")
    implicit = dumper.resolve(yaml.ScalarNode, data, (True, False))
    if implicit != "tag:yaml.org,2002:str" or data == "" or data[:1] in "*&!%@`'\"{[|>#?:-," or ": " in data or " #" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", data)


class KDumper(yaml.SafeDumper):
    def ignore_aliases(self, data):
        return True


KDumper.add_representer(str, _str_rep)

NODES = ["ip-10-0-1-17.eu-west-1.compute.internal", "ip-10-0-2-43.eu-west-1.compute.internal",
         "ip-10-0-3-88.eu-west-1.compute.internal"]
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def fleet(key, owner_labels, controller_ns, gc_name, gc_uid_key, resources, listener_ports, created,
          replicas, ready_replicas, lb_ip, hpa=None, pod_specials=None, deployed=None):
    """Deployment + Service (+ HPA) + pods of one proxy fleet. pod_specials: index -> dict."""
    name = hashed_name(key)
    labels = app_labels(owner_labels)
    owner = [{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GatewayClass", "name": gc_name,
              "uid": uid("GatewayClass", "", gc_uid_key), "blockOwnerDeletion": True, "controller": True}]
    spec = proxy_pod_spec(name, key, controller_ns, resources, listener_ports)
    tmpl_meta = {"annotations": {"prometheus.io/path": "/stats/prometheus", "prometheus.io/port": "19001",
                                 "prometheus.io/scrape": "true"}, "labels": dict(labels)}
    rsh = short_hash("rs" + key, 10)
    deployed = deployed or created
    dep = {"apiVersion": "apps/v1", "kind": "Deployment",
           "metadata": meta("Deployment", name, controller_ns, created, labels,
                            {"deployment.kubernetes.io/revision": "4"}, generation=9, owner=owner),
           "spec": {"replicas": replicas, "progressDeadlineSeconds": 600, "revisionHistoryLimit": 10,
                    "selector": {"matchLabels": dict(labels)},
                    "strategy": {"type": "RollingUpdate",
                                 "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}},
                    "template": {"metadata": tmpl_meta, "spec": spec}},
           "status": {"observedGeneration": 9, "replicas": replicas, "updatedReplicas": replicas,
                      "readyReplicas": ready_replicas, "availableReplicas": ready_replicas,
                      "conditions": [
                          cond("Available", "True", "MinimumReplicasAvailable",
                               "Deployment has minimum availability.", deployed, None),
                          cond("Progressing", "True", "NewReplicaSetAvailable",
                               f'ReplicaSet "{name}-{rsh}" has successfully progressed.', deployed, None)]}}
    if ready_replicas < replicas:
        dep["status"]["unavailableReplicas"] = replicas - ready_replicas
    for c in dep["status"]["conditions"]:
        c["lastUpdateTime"] = c["lastTransitionTime"]
    out = [dep]
    svc_ports = [{"name": n, "port": p, "protocol": "TCP", "targetPort": p + 10000 if p < 1024 else p,
                  "nodePort": 30000 + (int(hashlib.sha256((key + n).encode()).hexdigest()[:4], 16) % 2700)}
                 for n, p in listener_ports]
    cip = "10.96.%d.%d" % (int(hashlib.sha256(key.encode()).hexdigest()[:2], 16),
                           int(hashlib.sha256(key.encode()).hexdigest()[2:4], 16))
    svc = {"apiVersion": "v1", "kind": "Service",
           "metadata": meta("Service", name, controller_ns, created, labels, owner=owner),
           "spec": {"type": "LoadBalancer", "externalTrafficPolicy": "Local", "allocateLoadBalancerNodePorts": True,
                    "clusterIP": cip, "clusterIPs": [cip], "internalTrafficPolicy": "Cluster",
                    "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                    "healthCheckNodePort": 31000 + int(hashlib.sha256(key.encode()).hexdigest()[:3], 16) % 900,
                    "ports": svc_ports, "selector": dict(labels), "sessionAffinity": "None"},
           "status": {"loadBalancer": {"ingress": [{"ip": lb_ip, "ipMode": "VIP"}]}}}
    out.append(svc)
    if hpa:
        h = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
             "metadata": meta("HPA", name, controller_ns, created, labels, owner=owner),
             "spec": {"minReplicas": hpa["min"], "maxReplicas": hpa["max"],
                      "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                          "type": "Utilization", "averageUtilization": hpa["cpu"]}}}],
                      "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}},
             "status": {"currentReplicas": hpa["current"], "desiredReplicas": hpa["desired"],
                        "lastScaleTime": hpa["last_scale"],
                        "currentMetrics": [{"type": "Resource", "resource": {"name": "cpu", "current": {
                            "averageUtilization": hpa["observed"], "averageValue": hpa["observed_value"]}}}],
                        "conditions": hpa["conditions"]}}
        out.append(h)
    for i in range(replicas):
        pod_name = f"{name}-{rsh}-{short_hash(key + str(i), 5)}"
        sp = dict((pod_specials or {}).get(i, {}))
        start = sp.get("start", deployed)
        node = NODES[i % 3]
        pspec = json.loads(json.dumps(spec))
        pspec["nodeName"] = node
        pspec["enableServiceLinks"] = True
        pspec["preemptionPolicy"] = "PreemptLowerPriority"
        pspec["priority"] = 0
        pspec["tolerations"] = [
            {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists",
             "tolerationSeconds": 300},
            {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists",
             "tolerationSeconds": 300}]
        plabels = dict(labels)
        plabels["pod-template-hash"] = rsh
        pann = dict(tmpl_meta["annotations"])
        pann["topology.kubernetes.io/zone"] = ZONES[i % 3]
        ready = sp.get("ready", True)
        pod_ip = "10.244.%d.%d" % (i % 3 + 1, 10 + int(hashlib.sha256((key + str(i)).encode()).hexdigest()[:2], 16) % 240)
        cid = lambda c: "containerd://" + hashlib.sha256((pod_name + c + str(sp.get("restarts", 0))).encode()).hexdigest()
        envoy_status = {"name": "envoy", "image": ENVOY_IMAGE,
                        "imageID": "docker.io/envoyproxy/envoy@sha256:" + hashlib.sha256(ENVOY_IMAGE.encode()).hexdigest(),
                        "containerID": cid("envoy"), "ready": ready, "started": True,
                        "restartCount": sp.get("restarts", 0),
                        "state": {"running": {"startedAt": sp.get("envoy_started", start)}}}
        if sp.get("last_state"):
            envoy_status["lastState"] = sp["last_state"]
        else:
            envoy_status["lastState"] = {}
        sm_status = {"name": "shutdown-manager", "image": EG_IMAGE,
                     "imageID": "docker.io/envoyproxy/gateway@sha256:" + hashlib.sha256(EG_IMAGE.encode()).hexdigest(),
                     "containerID": cid("sm"), "ready": True, "started": True, "restartCount": 0,
                     "lastState": {}, "state": {"running": {"startedAt": start}}}
        rt = sp.get("ready_since", start)
        pcond = [cond("PodReadyToStartContainers", "True", None, None, start, None),
                 cond("Initialized", "True", None, None, start, None),
                 cond("Ready", "True" if ready else "False", None if ready else "ContainersNotReady",
                      None if ready else "containers with unready status: [envoy]", rt, None),
                 cond("ContainersReady", "True" if ready else "False", None if ready else "ContainersNotReady",
                      None if ready else "containers with unready status: [envoy]", rt, None),
                 cond("PodScheduled", "True", None, None, start, None)]
        for c in pcond:
            for k in ("reason", "message"):
                if c[k] is None:
                    del c[k]
            c["lastProbeTime"] = None
        pod = {"apiVersion": "v1", "kind": "Pod",
               "metadata": meta("Pod", pod_name, controller_ns, start, plabels, pann,
                                owner=[{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": f"{name}-{rsh}",
                                        "uid": uid("ReplicaSet", controller_ns, f"{name}-{rsh}"),
                                        "blockOwnerDeletion": True, "controller": True}]),
               "spec": pspec,
               "status": {"phase": "Running", "qosClass": "Guaranteed" if sp.get("guaranteed") else "Burstable",
                          "hostIP": "10.0.%d.%d" % (i % 3 + 1, [17, 43, 88][i % 3]),
                          "hostIPs": [{"ip": "10.0.%d.%d" % (i % 3 + 1, [17, 43, 88][i % 3])}],
                          "podIP": pod_ip, "podIPs": [{"ip": pod_ip}], "startTime": start,
                          "conditions": pcond, "containerStatuses": [envoy_status, sm_status]}}
        del pod["metadata"]["creationTimestamp"]
        pod["metadata"] = {"creationTimestamp": start, **pod["metadata"]}
        pod["metadata"]["generateName"] = f"{name}-{rsh}-"
        out.append(pod)
    return out


def gw_status(listeners, addr, programmed_msg, created, gen=1, overrides=None, attached=None):
    overrides = overrides or {}
    attached = attached or {}
    ls = []
    for l in listeners:
        kinds = [{"group": GW, "kind": "HTTPRoute"}, {"group": GW, "kind": "GRPCRoute"}]
        if l["name"] in overrides:
            conds = overrides[l["name"]]
        else:
            conds = [cond("Programmed", "True", "Programmed",
                          "Sending translated listener configuration to the data plane", created, gen),
                     cond("Accepted", "True", "Accepted", "Listener has been successfully translated", created, gen),
                     cond("ResolvedRefs", "True", "ResolvedRefs", "Listener references have been resolved",
                          created, gen)]
        ls.append({"name": l["name"], "attachedRoutes": attached.get(l["name"], 0), "conditions": conds,
                   "supportedKinds": kinds})
    return {"addresses": [{"type": "IPAddress", "value": addr}],
            "conditions": [cond("Accepted", "True", "Accepted", "The Gateway has been scheduled by Envoy Gateway",
                                created, gen),
                           cond("Programmed", "True", "Programmed", programmed_msg, created, gen)],
            "listeners": ls}


def route_status(parents, controller, t, gen=1, resolved=None):
    out = []
    for p in parents:
        pr = {"group": GW, "kind": "Gateway", "name": p["name"], "namespace": p["namespace"]}
        if p.get("sectionName"):
            pr["sectionName"] = p["sectionName"]
        rr = resolved or cond("ResolvedRefs", "True", "ResolvedRefs", "Resolved all the Object references for the Route", t, gen)
        out.append({"parentRef": pr, "controllerName": controller,
                    "conditions": [cond("Accepted", "True", "Accepted", "Route is accepted", t, gen), rr]})
    return {"parents": out}


def policy_status(ancestors, controller, t, gen=1, extra=None, accepted=None):
    out = []
    for a in ancestors:
        ar = {"group": GW, "kind": "Gateway", "name": a["name"], "namespace": a["namespace"]}
        if a.get("sectionName"):
            ar["sectionName"] = a["sectionName"]
        conds = [accepted or cond("Accepted", "True", "Accepted", "Policy has been accepted.", t, gen)]
        conds += extra or []
        out.append({"ancestorRef": ar, "controllerName": controller, "conditions": conds})
    return {"ancestors": out}


def ref(name, namespace=None, section=None, kind="Gateway", group=GW):
    r = {"group": group, "kind": kind, "name": name}
    if namespace:
        r["namespace"] = namespace
    if section:
        r["sectionName"] = section
    return r
