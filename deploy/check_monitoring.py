"""Checks the alerts and the dashboard against the metrics tessera really exports.

Usage: check_monitoring.py METRICS_RS PROMETHEUSRULE DASHBOARD README OUT_DIR
Run by deploy/check.sh with the Python of .venv-deploy (PyYAML comes with checkov). Writes
OUT_DIR/tessera-rules.yaml (the PrometheusRule's spec.groups, for `promtool check rules` and
`promtool test rules`) and OUT_DIR/dashboard-exprs.yaml (every panel's query as a recording
rule, so that promtool parses it too). The exported metrics come from METRICS_RS itself, so
this list cannot drift from the code.
"""

import json
import re
import sys

import yaml

# Labels Prometheus and the Prometheus Operator put on every scraped series.
TARGET_LABELS = {"job", "instance", "namespace", "pod", "service", "container", "endpoint"}
# Series tessera does not export that the alerts and the dashboard may read, and where from.
EXTERNAL = {
    "up": "Prometheus, per scrape target",
    "kube_deployment_status_replicas_available": "kube-state-metrics (readiness)",
    "kube_deployment_spec_replicas": "kube-state-metrics (readiness)",
    "container_memory_working_set_bytes": "the kubelet's cAdvisor (tessera exports no process metrics)",
    "container_cpu_usage_seconds_total": "the kubelet's cAdvisor",
}
EXTERNAL_LABELS = {"deployment", "container"}
SEVERITIES = {"warning", "critical"}
ANNOTATIONS = {"summary", "description", "runbook"}
# What Grafana substitutes before a query reaches Prometheus.
GRAFANA_VARIABLES = {"$__rate_interval": "5m", "$__interval": "1m", "$namespace": "tessera", "$pod": ".*"}
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
            "bool", "offset", "inf", "nan"}

errors = []


def need(cond, what):
    if not cond:
        errors.append(what)


def exported(metrics_rs):
    """The metric names metrics.rs registers, and {series name: label names} with histogram suffixes."""
    with open(metrics_rs, encoding="utf-8") as f:
        code = f.read()
    prefix = re.search(r'Registry::new_custom\(Some\("(\w+)"', code)[1]
    families, series = [], {}
    for statement in code.split(")?;"):
        m = re.search(r'\b(IntCounterVec|IntCounter|IntGaugeVec|IntGauge|HistogramVec|Histogram|CounterVec|'
                      r'Counter|GaugeVec|Gauge)::new\(\s*(?:(?:Histogram)?Opts::new\(\s*)?"(\w+)"', statement)
        if not m:
            continue
        kind, name = m[1], f"{prefix}_{m[2]}"
        families.append(name)
        labels = set(re.findall(r'"(\w+)"', re.search(r"&\[([^\]]*)\]", statement)[1])) if "Vec" in kind else set()
        if kind.startswith("Histogram"):
            series[f"{name}_bucket"] = labels | {"le"}
            series[f"{name}_sum"] = labels
            series[f"{name}_count"] = labels
        else:
            series[name] = labels
    return families, series


def promql(expr):
    """A dashboard query as Grafana sends it to Prometheus."""
    for var, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(var, value)
    return expr


def names_and_matchers(expr):
    """The metric names an expression reads, with the label names each selector matches on."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    grouping = set()

    def drop_grouping(m):
        grouping.update(g.strip() for g in m[1].split(",") if g.strip())
        return " "

    expr = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)", drop_grouping, expr)
    expr = re.sub(r"\[[^\]]*\]", "", expr)
    metrics = []
    for m in re.finditer(r"([a-zA-Z_:][\w:]*)\s*(\{[^}]*\})?(\s*\()?", expr):
        name, braces, call = m[1], m[2], m[3]
        if (call and not braces) or name in KEYWORDS:
            continue  # a function, an aggregation or a keyword
        metrics.append((name, set(re.findall(r"(\w+)\s*(?:=~|!~|!=|=)", braces or ""))))
    return metrics, grouping


def check_expr(where, expr, series, used):
    metrics, grouping = names_and_matchers(expr)
    need(metrics, f"{where}: reads no metric")
    known_labels = TARGET_LABELS | EXTERNAL_LABELS | {"le"} | set().union(*series.values())
    for name, labels in metrics:
        if name in series:
            used.add(name)
            unknown = labels - series[name] - TARGET_LABELS
            need(not unknown, f"{where}: {name} has no label {sorted(unknown)} (it has {sorted(series[name])})")
        else:
            need(name in EXTERNAL, f"{where}: {name} is neither exported by tessera nor a known external series")
    unknown = grouping - known_labels
    need(not unknown, f"{where}: groups by unknown labels {sorted(unknown)}")


def check_rules(path, series, readme, out_dir):
    with open(path, encoding="utf-8") as f:
        rule = yaml.safe_load(f)
    need(rule["apiVersion"] == "monitoring.coreos.com/v1" and rule["kind"] == "PrometheusRule",
         "PrometheusRule: kind and apiVersion")
    alerts, used = [], set()
    for group in rule["spec"]["groups"]:
        for r in group["rules"]:
            name = r.get("alert") or r.get("record")
            alerts.append(name)
            check_expr(f"alert {name}", r["expr"], series, used)
            if "alert" not in r:
                continue
            need(re.fullmatch(r"\d+[smh]", str(r.get("for", ""))), f"alert {name}: a `for:` duration")
            need(r.get("labels", {}).get("severity") in SEVERITIES, f"alert {name}: severity {sorted(SEVERITIES)}")
            need(ANNOTATIONS <= set(r.get("annotations", {})), f"alert {name}: annotations {sorted(ANNOTATIONS)}")
            need(re.search(rf"^#+ .*\b{name}\b", readme, re.M), f"deploy/README.md: a heading for alert {name}")
    with open(f"{out_dir}/tessera-rules.yaml", "w", encoding="utf-8") as f:
        yaml.safe_dump({"groups": rule["spec"]["groups"]}, f, sort_keys=False)
    return alerts


def check_dashboard(path, families, series, out_dir):
    with open(path, encoding="utf-8") as f:
        dash = json.load(f)  # fails on invalid JSON
    variables = {v["name"]: v for v in dash.get("templating", {}).get("list", [])}
    need(variables.get("datasource", {}).get("type") == "datasource"
         and variables["datasource"].get("query") == "prometheus", "dashboard: a Prometheus datasource variable")
    panels = [p for p in dash["panels"] if p.get("type") != "row"]
    ids = [p["id"] for p in dash["panels"]]
    need(len(ids) == len(set(ids)), "dashboard: panel ids unique")
    used, rules = set(), []
    for p in panels:
        need(p.get("datasource", {}).get("uid") == "${datasource}", f"panel {p['title']}: datasource ${{datasource}}")
        need(p.get("targets"), f"panel {p['title']}: has queries")
        for t in p.get("targets", []):
            need(t.get("datasource", {}).get("uid") == "${datasource}", f"panel {p['title']}: query datasource")
            expr = promql(t["expr"])
            check_expr(f"panel {p['title']}", expr, series, used)
            need("$" not in expr, f"panel {p['title']}: an unknown dashboard variable in {t['expr']}")
            rules.append({"record": f"dashboard:panel_{p['id']}_{t['refId']}", "expr": expr})
    for v in variables.values():
        if v.get("type") == "query":
            selector = re.sub(r"^label_values\((.*),\s*\w+\)$", r"\1", v["definition"])
            check_expr(f"variable {v['name']}", promql(selector), series, used)
    missing = [f for f in families if not any(n == f or n.startswith(f + "_") for n in used)]
    need(not missing, f"dashboard: no panel shows {missing}")
    with open(f"{out_dir}/dashboard-exprs.yaml", "w", encoding="utf-8") as f:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, f, sort_keys=False)
    return len(panels), len(rules)


def main(metrics_rs, rule_path, dashboard_path, readme_path, out_dir):
    families, series = exported(metrics_rs)
    with open(metrics_rs, encoding="utf-8") as f:
        registered = f.read().count("registry.register(")
    need(len(families) == registered, f"{metrics_rs}: {registered} metrics registered, {len(families)} understood")
    with open(readme_path, encoding="utf-8") as f:
        readme = f.read()
    for name in families:
        need(f"| `{name}` |" in readme, f"deploy/README.md: a row in the metrics table for {name}")
    alerts = check_rules(rule_path, series, readme, out_dir)
    panels, queries = check_dashboard(dashboard_path, families, series, out_dir)
    if errors:
        print("deploy-check: monitoring:\n  " + "\n  ".join(errors))
        sys.exit(1)
    print(f"deploy-check: {len(series)} series exported by {metrics_rs}: {', '.join(sorted(series))}")
    print(f"deploy-check: {len(alerts)} alerts ({', '.join(alerts)}) and {panels} dashboard panels "
          f"({queries} queries) read only those and {', '.join(sorted(EXTERNAL))}, with their labels")


if __name__ == "__main__":
    main(*sys.argv[1:])
