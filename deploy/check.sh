#!/usr/bin/env bash
# Checks deploy/ (`make deploy-check`), offline:
#   1. renders every kustomization with kubectl's kustomize;
#   2. validates the rendered manifests and the example files against the Kubernetes API
#      schemas in strict mode (unknown fields are errors), for the oldest Kubernetes the
#      manifests support (1.30) and the newest the validator ships;
#   3. checks what the schemas cannot: the properties deploy/README.md promises;
#   4. checks the alerts and the Grafana dashboard (check_monitoring.py): both read only metrics
#      tessera exports (taken from adapters/src/http/metrics.rs) with their real labels, every
#      exported metric has a panel; `promtool check rules` parses the PrometheusRule's groups
#      and every panel's query, `promtool test rules` runs deploy/monitoring/alerts-test.yaml;
#   5. runs checkov (kubernetes and dockerfile) on the manifests and the Containerfile. Accepted
#      findings are skipped in the files themselves, each with its reason.
# The tools live in .venv-deploy/ (pinned in deploy/requirements.txt), made on first use;
# `deploy/check.sh --install` only makes it. promtool comes from Debian's `prometheus` package
# (scripts/deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${DEPLOY_VENV:-.venv-deploy}
REQUIREMENTS=deploy/requirements.txt
KUBERNETES_VERSIONS=(1.30.0 1.37.0)
KUSTOMIZATIONS=(deploy/kubernetes deploy/kubernetes/cloudnativepg deploy/overlays/cloudnativepg)
EXAMPLES=(deploy/kubernetes/secret-example.yaml deploy/kubernetes/servicemonitor-example.yaml
  deploy/kubernetes/prometheusrule-example.yaml)
# Custom resources the schemas cannot know; any other kind without a schema is an error.
CRDS='(Cluster with api version postgresql\.cnpg\.io/v1|(ServiceMonitor|PrometheusRule) with api version monitoring\.coreos\.com/v1)'

ensure_tools() {
  local stamp="$VENV/.requirements" want
  want="$(python3 --version 2>&1) $(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  echo "deploy-check: installing $(grep -cv '^#' "$REQUIREMENTS") pinned tools into $VENV (once)"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
  echo "$want" > "$stamp"
}

ensure_tools
[ "${1:-}" = "--install" ] && exit 0
command -v promtool >/dev/null 2>&1 || {
  echo "deploy-check: no promtool; install Debian's prometheus package (make deps)"; exit 1; }

export PATH="$PWD/$VENV/bin:$PATH"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "deploy-check: rendering ${KUSTOMIZATIONS[*]}"
rendered=()
for k in "${KUSTOMIZATIONS[@]}"; do
  out="$tmp/$(echo "$k" | tr / _).yaml"
  kubectl kustomize "$k" > "$out"
  rendered+=("$out")
done

for v in "${KUBERNETES_VERSIONS[@]}"; do
  echo "deploy-check: validating against the Kubernetes $v API schemas (strict)"
  if ! kubernetes-validate --strict --quiet -k "$v" "${rendered[@]}" "${EXAMPLES[@]}" > "$tmp/validate.log" 2>&1; then
    cat "$tmp/validate.log"; exit 1
  fi
  if grep -v -E "Couldn't find schema for kind $CRDS for kubernetes version" "$tmp/validate.log" > "$tmp/unexpected.log"; then
    cat "$tmp/unexpected.log"; echo "deploy-check: unexpected warnings (a mistyped apiVersion or kind?)"; exit 1
  fi
done

echo "deploy-check: checking the promised properties"
python3 deploy/check_properties.py "${rendered[0]}" "${rendered[2]}" deploy/README.md \
  deploy/kubernetes/servicemonitor-example.yaml

echo "deploy-check: checking the alerts and the dashboard against adapters/src/http/metrics.rs"
mkdir "$tmp/monitoring"
python3 deploy/check_monitoring.py adapters/src/http/metrics.rs deploy/kubernetes/prometheusrule-example.yaml \
  deploy/monitoring/tessera-dashboard.json deploy/README.md "$tmp/monitoring"
echo "deploy-check: promtool check rules (the PrometheusRule's groups, the dashboard's queries)"
promtool check rules "$tmp/monitoring/tessera-rules.yaml" "$tmp/monitoring/dashboard-exprs.yaml" \
  > "$tmp/promtool.log" 2>&1 || { cat "$tmp/promtool.log"; exit 1; }
grep SUCCESS "$tmp/promtool.log" | sed 's/^ */deploy-check:   /'
echo "deploy-check: promtool test rules deploy/monitoring/alerts-test.yaml"
cp deploy/monitoring/alerts-test.yaml "$tmp/monitoring/"
promtool test rules "$tmp/monitoring/alerts-test.yaml" > "$tmp/promtool.log" 2>&1 \
  || { cat "$tmp/promtool.log"; echo "deploy-check: an alert unit test failed"; exit 1; }
echo "deploy-check:   $(grep -c '^  - interval' deploy/monitoring/alerts-test.yaml) test cases, $(grep -c 'alertname:' deploy/monitoring/alerts-test.yaml) expectations: SUCCESS"

echo "deploy-check: checkov (kubernetes, dockerfile)"
# checkov recognizes a Dockerfile by its name; scan a copy of the Containerfile under that name.
mkdir "$tmp/image" && cp deploy/Containerfile "$tmp/image/Dockerfile"
for f in "${EXAMPLES[@]}"; do cp "$f" "$tmp/"; done
(
  cd "$tmp"
  BC_SKIP_MAPPING=TRUE checkov --quiet --compact --skip-download --framework kubernetes dockerfile \
    $(for f in *.yaml; do [ "$f" = validate.log ] || echo "-f $f"; done) -f image/Dockerfile
) > "$tmp/checkov.log" 2>&1 || { cat "$tmp/checkov.log"; echo "deploy-check: checkov found problems"; exit 1; }
grep -E "scan results|Passed checks" "$tmp/checkov.log" | paste -sd' ' | sed 's/^/deploy-check: /'
echo "deploy-check: ok"
