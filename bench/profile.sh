#!/usr/bin/env bash
# bench/profile.sh SCENARIO [SECONDS]: instructions per request of one tessera-load scenario
# (token, refresh, bearer, mcp, ...) with valgrind's callgrind, as docs/benchmarks.md "Where
# the time goes" reports them. Instruction counts do not depend on what else the machine runs.
#
# tessera runs under callgrind with collection off; tessera-load sets itself up and warms up,
# then collection is on for SECONDS (default 30) and the requests served meanwhile are read
# from /metrics before and after. Build with symbols first (the shipped profile strips them):
#   CARGO_PROFILE_RELEASE_DEBUG=line-tables-only CARGO_PROFILE_RELEASE_STRIP=none \
#       cargo build --release -p tessera-bootstrap -p tessera-load --bin tessera --bin tessera-load
# Then: callgrind_annotate --inclusive=yes OUT/callgrind.out.*.1 (OUT is printed at the end).
# Environment: TESSERA_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres;
# a fresh database is created there and dropped), BIN (default $CARGO_TARGET_DIR/release).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"
SCENARIO=${1:?usage: bench/profile.sh SCENARIO [SECONDS]}
SECONDS_ON=${2:-30}
BIN=${BIN:-${CARGO_TARGET_DIR:-$ROOT/target}/release}
SERVER=${TESSERA_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/tessera-profile-$SCENARIO.XXXXXX")
DB=tessera_profile_$$
PGBIN=$(pg_bindir)
"$PGBIN/psql" -q "$SERVER" -c "CREATE DATABASE $DB"
PORT=$(free_port)
METRICS_PORT=$(free_port)
URL=http://127.0.0.1:$PORT
# The slow-request log is off: under callgrind every request would be "slow" and logged.
export TESSERA_DATABASE__URL=$(with_database "$SERVER" "$DB") TESSERA_DATABASE__POOL_SIZE=16 \
    TESSERA_ACCESS_URL=$URL TESSERA_HTTP__ADDRESS=127.0.0.1:$PORT \
    TESSERA_HTTP__METRICS_ADDRESS=127.0.0.1:$METRICS_PORT TESSERA_DATA_DIR=$OUT/data \
    TESSERA_REGISTRATION__RATE_LIMIT=1000000/min TESSERA_REGISTRATION__MAX_CLIENTS=100000000 \
    TESSERA_LOG__FORMAT=json TESSERA_LOG__SLOW_REQUEST=600s RUST_LOG=warn
"$BIN/tessera" migrate >"$OUT/migrate.log" 2>&1
echo load-generator-password | "$BIN/tessera" users create --email load@tessera.test \
    --username load --admin --password-stdin >>"$OUT/migrate.log" 2>&1
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/callgrind.out.%p" \
    "$BIN/tessera" serve >"$OUT/tessera.log" 2>&1 &
SERVER_PID=$!
LOAD_PID=""
cleanup() {
    for pid in $LOAD_PID $SERVER_PID; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    "$PGBIN/psql" -q "$SERVER" -c "DROP DATABASE IF EXISTS $DB" || true
}
trap cleanup EXIT
"$BIN/tessera-load" --url "$URL" --scenario ready >/dev/null
# token mints its codes after a short probe, then only exchanges them; the others warm up.
case $SCENARIO in
    token) window="--warmup 3s --duration 40s" ready_line=minted settle=2 ;;
    *) window="--warmup 600s --duration 600s" ready_line="setup done" settle=20 ;;
esac
# shellcheck disable=SC2086
"$BIN/tessera-load" --url "$URL" --scenario "$SCENARIO" --concurrency 16 $window \
    >"$OUT/load.out" 2>"$OUT/load.err" &
LOAD_PID=$!
until grep -q "$ready_line" "$OUT/load.err"; do sleep 0.5; done
sleep "$settle"
served() { curl -s "http://127.0.0.1:$METRICS_PORT/metrics" | awk '/^tessera_http_requests_total/ { n += $2 } END { print n }'; }
before=$(served)
callgrind_control -i on "$SERVER_PID" >/dev/null 2>&1
callgrind_control -z "$SERVER_PID" >/dev/null 2>&1
sleep "$SECONDS_ON"
callgrind_control -d "$SERVER_PID" >/dev/null 2>&1
callgrind_control -i off "$SERVER_PID" >/dev/null 2>&1
after=$(served)
requests=$((after - before))
total=$(callgrind_annotate "$OUT"/callgrind.out.*.1 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
echo "$SCENARIO: $requests requests, $((total / requests)) instructions per request; profile in $OUT"
