#!/usr/bin/env bash
# Every system package `make test` needs, in one place (`make deps`, `.ci/run`):
#   scripts/deps.sh                  installs what is missing (as root, or with sudo when it
#                                    needs no password); otherwise prints the one command that
#                                    would, and fails; then adds rustfmt and clippy if absent
#   scripts/deps.sh --list           the Debian package names, one line
#   scripts/deps.sh --check-readme   fails unless README.md's `apt-get install` line names
#                                    exactly these packages
# Add a package here and to the README line together; `make test` checks they agree.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian package → the check that says it is there (a shell function below).
PACKAGES=(
  "postgresql:have_postgres_server"    # initdb/pg_ctl for the embedded and test clusters
  "chromium:have_chromium"             # the browser tests (headless)
  "chromium-driver:have_chromedriver"  # their WebDriver
  "python3-venv:have_python_venv"      # deploy-check's tools and the MCP Python SDK journey
  "nodejs:have_node"                   # the MCP TypeScript SDK journey (Node.js 18 or newer)
  "npm:have_npm"                       # installs that SDK from its lock file
  "prometheus:have_promtool"           # promtool: deploy-check checks and unit-tests the alerts
)

have_postgres_server() {
  local bindir
  bindir=$(pg_config --bindir 2>/dev/null) && [ -x "$bindir/initdb" ] && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null && return 0
  command -v initdb >/dev/null 2>&1
}
have_chromium() { command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; }
have_chromedriver() { command -v chromedriver >/dev/null 2>&1 || [ -x /usr/bin/chromedriver ]; }
have_python_venv() { python3 -c 'import ensurepip, venv' >/dev/null 2>&1; }
have_node() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null) || return 1
  [ "$major" -ge 18 ]
}
have_npm() { command -v npm >/dev/null 2>&1; }
have_promtool() { command -v promtool >/dev/null 2>&1; }

names() { for entry in "${PACKAGES[@]}"; do printf '%s\n' "${entry%%:*}"; done; }

missing() {
  for entry in "${PACKAGES[@]}"; do
    "${entry#*:}" || printf '%s\n' "${entry%%:*}"
  done
}

check_readme() {
  local line readme_names want
  line=$(grep -m1 -E '^sudo apt-get install -y ' README.md) || {
    echo "deps: README.md has no 'sudo apt-get install -y …' line" >&2
    exit 1
  }
  readme_names=$(echo "${line#sudo apt-get install -y }" | tr ' ' '\n' | grep -v '^$' | sort)
  want=$(names | sort)
  if [ "$readme_names" != "$want" ]; then
    echo "deps: README.md's install line and scripts/deps.sh disagree:" >&2
    diff <(echo "$want") <(echo "$readme_names") | sed -n 's/^</  only in scripts\/deps.sh:/p; s/^>/  only in README.md:/p' >&2
    exit 1
  fi
}

install() {
  local -a absent
  mapfile -t absent < <(missing)
  [ ${#absent[@]} -eq 0 ] && return 0
  local command="apt-get install -y ${absent[*]}"
  local -a root=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      root=(sudo)
    else
      echo "deps: missing ${absent[*]}. Install them with:" >&2
      echo "  sudo apt-get update && sudo $command" >&2
      exit 1
    fi
  fi
  echo "deps: installing ${absent[*]}"
  "${root[@]}" apt-get update -qq
  "${root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    "${absent[@]}" >/dev/null
  # Debian's prometheus package (wanted for promtool only) enables and, under systemd, starts
  # a Prometheus server on port 9090 and its recommended node exporter on 9100: stop them.
  if [[ " ${absent[*]} " == *" prometheus "* ]] && [ -d /run/systemd/system ]; then
    "${root[@]}" systemctl disable --now prometheus prometheus-node-exporter >/dev/null 2>&1 || true
  fi
  mapfile -t absent < <(missing)
  if [ ${#absent[@]} -gt 0 ]; then
    echo "deps: still missing after apt-get: ${absent[*]} (is this Debian or Ubuntu?)" >&2
    exit 1
  fi
}

# The Rust toolchain's own components that `make test` calls (rustup, not apt).
components() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "deps: no Rust toolchain on PATH; install it with rustup (https://rustup.rs), stable" >&2
    exit 1
  fi
  cargo fmt --version >/dev/null 2>&1 || rustup component add rustfmt
  cargo clippy --version >/dev/null 2>&1 || rustup component add clippy
}

case "${1:-}" in
  --list) names | tr '\n' ' ' | sed 's/ $/\n/' ;;
  --check-readme) check_readme ;;
  "") install; components ;;
  *) echo "usage: scripts/deps.sh [--list | --check-readme]" >&2; exit 2 ;;
esac
