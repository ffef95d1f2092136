"""What the schemas and checkov cannot see: the properties deploy/README.md promises.

Usage: check_properties.py MAIN_RENDERED CNPG_OVERLAY_RENDERED README SERVICEMONITOR
Run by deploy/check.sh with the Python of .venv-deploy (PyYAML comes with checkov).
"""

import re
import sys

import yaml

# Every key of SPEC §1 (bootstrap/src/settings.rs); each must be in README's table.
SETTINGS = [
    "access_url", "http.address", "http.metrics_address", "http.shutdown_delay",
    "http.shutdown_timeout", "http.trusted_proxies", "database.url",
    "database.pool_size", "data_dir", "tokens.access_ttl", "tokens.refresh_ttl",
    "tokens.code_ttl", "tokens.refresh_reuse_grace", "sessions.ttl", "registration.enabled",
    "registration.rate_limit", "registration.max_clients", "registration.unused_client_ttl",
    "cimd.enabled", "cimd.allowed_domains", "cimd.denied_domains", "first_user.email",
    "first_user.password", "log.format",
]
UID = 65532
HTTP_PORT, METRICS_PORT = 3000, 9464

errors = []


def need(cond, what):
    if not cond:
        errors.append(what)


def load(path):
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    return {(d["kind"], d["metadata"]["name"]): d for d in docs}


def env_var(key):
    return "TESSERA_" + key.upper().replace(".", "__")


def seconds(duration):
    """A duration of tessera's settings (`5s`, `1m`), in seconds."""
    m = re.fullmatch(r"(\d+)([smhd])", duration or "")
    return int(m[1]) * {"s": 1, "m": 60, "h": 3600, "d": 86400}[m[2]] if m else None


def check_pod(name, spec, command):
    pod = spec["template"]["spec"]
    need(pod.get("automountServiceAccountToken") is False, f"{name}: automountServiceAccountToken false")
    need(pod.get("serviceAccountName") == "tessera", f"{name}: serviceAccountName tessera")
    sc = pod.get("securityContext", {})
    need(sc.get("runAsNonRoot") is True, f"{name}: pod runAsNonRoot")
    for k in ("runAsUser", "runAsGroup", "fsGroup"):
        need(sc.get(k) == UID, f"{name}: pod {k} {UID}")
    need(sc.get("seccompProfile", {}).get("type") == "RuntimeDefault", f"{name}: seccomp RuntimeDefault")
    (c,) = pod["containers"]
    csc = c.get("securityContext", {})
    need(csc.get("readOnlyRootFilesystem") is True, f"{name}: readOnlyRootFilesystem")
    need(csc.get("allowPrivilegeEscalation") is False, f"{name}: allowPrivilegeEscalation false")
    need(csc.get("capabilities", {}).get("drop") == ["ALL"], f"{name}: capabilities drop ALL")
    image = c["image"]
    need(re.search(r":[^/:@]+$|@sha256:", image) and not image.endswith(":latest"), f"{name}: image {image} has a tag")
    need(c.get("imagePullPolicy") == "IfNotPresent", f"{name}: imagePullPolicy IfNotPresent")
    need(c.get("args") == [command], f"{name}: runs `tessera {command}`")
    for kind in ("requests", "limits"):
        for res in ("cpu", "memory"):
            need(res in c.get("resources", {}).get(kind, {}), f"{name}: resources.{kind}.{res}")
    url = [e for e in c.get("env", []) if e["name"] == "TESSERA_DATABASE__URL"]
    need(len(url) == 1 and "secretKeyRef" in url[0].get("valueFrom", {}), f"{name}: database URL from a Secret")
    need({"configMapRef": {"name": "tessera"}} in c.get("envFrom", []), f"{name}: settings from ConfigMap tessera")
    return pod, c, url[0]["valueFrom"]["secretKeyRef"] if url else None


def main(main_path, cnpg_path, readme_path, servicemonitor_path):
    objs = load(main_path)
    for (kind, name), o in objs.items():
        if kind != "Namespace":
            need(o["metadata"].get("namespace") == "tessera", f"{kind}/{name} in namespace tessera")
    need(objs[("ServiceAccount", "tessera")].get("automountServiceAccountToken") is False, "ServiceAccount: no token")

    cm = objs[("ConfigMap", "tessera")]["data"]
    need(cm.get("TESSERA_HTTP__ADDRESS") == f"0.0.0.0:{HTTP_PORT}", f"ConfigMap: listens on 0.0.0.0:{HTTP_PORT}")
    need(cm.get("TESSERA_HTTP__METRICS_ADDRESS") == f"0.0.0.0:{METRICS_PORT}",
         f"ConfigMap: metrics on 0.0.0.0:{METRICS_PORT}, a port of their own")
    delay = seconds(cm.get("TESSERA_HTTP__SHUTDOWN_DELAY"))
    drain = seconds(cm.get("TESSERA_HTTP__SHUTDOWN_TIMEOUT"))
    need(delay is not None and delay >= 5, "ConfigMap: http.shutdown_delay of 5 s or more (endpoints leave first)")
    need(drain is not None, "ConfigMap: http.shutdown_timeout set")
    need(cm.get("TESSERA_LOG__FORMAT") == "json", "ConfigMap: JSON logs")
    need(cm.get("TESSERA_ACCESS_URL", "").startswith("https://"), "ConfigMap: https access URL")
    need("0.0.0.0/0" not in cm.get("TESSERA_HTTP__TRUSTED_PROXIES", ""), "ConfigMap: never trust 0.0.0.0/0")
    known = {env_var(k) for k in SETTINGS}
    for k in cm:
        # Besides tessera's settings: the log level (memory is bounded in code, not by
        # allocator variables).
        need(k in known or k == "RUST_LOG", f"ConfigMap: {k} is a setting of SPEC §1")

    deploy = objs[("Deployment", "tessera")]["spec"]
    need(deploy.get("replicas") == 2, "Deployment: 2 replicas")
    pod, c, _ = check_pod("Deployment", deploy, "serve")
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    need(ports == {"http": HTTP_PORT, "metrics": METRICS_PORT},
         f"Deployment: container ports http {HTTP_PORT} and metrics {METRICS_PORT}")
    for probe, path in (("startupProbe", "/healthz"), ("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        get = c.get(probe, {}).get("httpGet", {})
        need(get.get("path") == path and get.get("port") == "http", f"Deployment: {probe} GET {path} on http")
    need(pod.get("terminationGracePeriodSeconds", 30) >= (delay or 0) + (drain or 0) + 5,
         "Deployment: terminationGracePeriodSeconds covers shutdown_delay + shutdown_timeout + 5 s")
    need(any(t["topologyKey"] == "kubernetes.io/hostname" for t in pod.get("topologySpreadConstraints", [])),
         "Deployment: spread across nodes")
    check_pod("Job", objs[("Job", "tessera-migrate")]["spec"], "migrate")

    svc = objs[("Service", "tessera")]["spec"]
    need(svc.get("type") == "ClusterIP" and svc["ports"] == [
        {"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"},
        {"name": "metrics", "port": METRICS_PORT, "targetPort": "metrics", "protocol": "TCP"},
    ], f"Service: ClusterIP, port http 80 -> http, metrics {METRICS_PORT} -> metrics")
    need(objs[("PodDisruptionBudget", "tessera")]["spec"].get("minAvailable") == 1, "PDB: minAvailable 1")
    hpa = objs[("HorizontalPodAutoscaler", "tessera")]["spec"]
    need((hpa["minReplicas"], hpa["maxReplicas"]) == (2, 10), "HPA: 2 to 10")
    need(hpa["metrics"][0]["resource"]["target"].get("averageUtilization") == 70, "HPA: CPU 70 %")
    np = objs[("NetworkPolicy", "tessera")]["spec"]
    need(sorted(np["policyTypes"]) == ["Egress", "Ingress"], "NetworkPolicy: ingress and egress")
    for rule in np["ingress"]:
        if METRICS_PORT in {p["port"] for p in rule.get("ports", [])}:
            need(all(set(peer) == {"podSelector"} for peer in rule["from"]),
                 "NetworkPolicy: the metrics port is open to pods of the namespace only")
    egress_ports = {p["port"] for rule in np["egress"] for p in rule.get("ports", [])}
    need(egress_ports == {53, 5432, 443}, f"NetworkPolicy: egress only to 53, 5432, 443 (has {sorted(egress_ports)})")
    ing = objs[("Ingress", "tessera")]["spec"]
    need(ing.get("ingressClassName") == "nginx" and ing.get("tls"), "Ingress: nginx class with TLS")
    backends = [p["backend"]["service"] for r in ing["rules"] for p in r["http"]["paths"]]
    need(all(b["name"] == "tessera" and b["port"] == {"name": "http"} for b in backends),
         "Ingress: routes the Service's port http only, never metrics")

    cnpg = load(cnpg_path)
    for kind, name, command in (("Deployment", "tessera", "serve"), ("Job", "tessera-migrate", "migrate")):
        _, _, ref = check_pod(f"cloudnativepg {kind}", cnpg[(kind, name)]["spec"], command)
        need(ref == {"name": "tessera-db-app", "key": "uri"}, f"cloudnativepg {kind}: URL from tessera-db-app/uri")
    need(("Cluster", "tessera-db") in cnpg, "cloudnativepg: the Cluster")

    (monitor,) = load(servicemonitor_path).values()
    need([e["port"] for e in monitor["spec"]["endpoints"]] == ["metrics"],
         "ServiceMonitor: scrapes the Service's port metrics")

    with open(readme_path, encoding="utf-8") as f:
        readme = f.read()
    for key in SETTINGS:
        need(re.search(rf"^\| `{re.escape(key)}` \| `{env_var(key)}` \|", readme, re.M),
             f"deploy/README.md: table row for `{key}` (`{env_var(key)}`)")

    if errors:
        print("deploy-check: missing:\n  " + "\n  ".join(errors))
        sys.exit(1)


if __name__ == "__main__":
    main(*sys.argv[1:])
