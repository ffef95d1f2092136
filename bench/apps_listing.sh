#!/usr/bin/env bash
# bench/apps_listing.sh: the apps page and API with many apps (issue 18). Seeds
# BENCH_APPS (100,000) apps with bench/apps_seed.sql into a fresh database, starts tessera,
# and times each request over real HTTP with curl: BENCH_REQUESTS (20) requests per case
# after 3 unmeasured ones, one at a time; prints the median and the max in milliseconds.
#
# Environment (all optional):
#   TESSERA_BENCH_DATABASE_URL  a PostgreSQL server (a fresh database is created on it and
#                               dropped after); else a throwaway cluster under $TMPDIR
#   BENCH_APPS=100000 BENCH_REQUESTS=20
#   BENCH_PROFILE=release (or debug)  BENCH_NO_BUILD=1 (use the binary already built)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

APPS=${BENCH_APPS:-100000}
REQUESTS=${BENCH_REQUESTS:-20}
PROFILE=${BENCH_PROFILE:-release}
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/$PROFILE
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tessera-apps-bench.XXXXXX")
SERVER_PID="" PG_DATA="" BENCH_DB="" SERVER_URL=""

cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    if [ -n "$BENCH_DB" ]; then
        "$PGBIN/psql" -q "$SERVER_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB" || true
    fi
    stop_cluster || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
    flag=$([ "$PROFILE" = release ] && echo --release || true)
    (cd "$ROOT" && cargo build $flag --locked -p tessera-bootstrap --bin tessera)
fi

PGBIN=$(pg_bindir)
# tessera reads every TESSERA_* variable as configuration: keep this one to ourselves.
SERVER_URL=${TESSERA_BENCH_DATABASE_URL:-}
unset TESSERA_BENCH_DATABASE_URL
if [ -n "$SERVER_URL" ]; then
    BENCH_DB=tessera_apps_bench_$$_$(date +%s)
    "$PGBIN/psql" -q "$SERVER_URL" -c "CREATE DATABASE $BENCH_DB" >/dev/null
    DB_URL=$(with_database "$SERVER_URL" "$BENCH_DB")
else
    start_cluster "$WORK"
    DB_URL=$PG_URL
fi
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
# A long unused-client TTL: else the server's housekeeping deletes the seeded dynamic and
# document clients that never got a token and are older than a day, while we measure.
export TESSERA_DATABASE__URL=$DB_URL TESSERA_ACCESS_URL=$URL TESSERA_HTTP__ADDRESS=127.0.0.1:$PORT \
    TESSERA_DATA_DIR=$WORK/data TESSERA_REGISTRATION__UNUSED_CLIENT_TTL=3650d RUST_LOG=${RUST_LOG:-warn}

"$BIN/tessera" migrate >"$WORK/migrate.log" 2>&1 || die "tessera migrate failed: $(tail -5 "$WORK/migrate.log")"
echo bench-admin-password | "$BIN/tessera" users create --email admin@bench.test \
    --username admin --admin --password-stdin >>"$WORK/migrate.log" 2>&1
t0=$(now_ms)
"$PGBIN/psql" -q "$DB_URL" -v apps="$APPS" -f "$ROOT/bench/apps_seed.sql" >"$WORK/seed.log" 2>&1 ||
    die "seeding failed: $(cat "$WORK/seed.log")"
visible=$("$PGBIN/psql" -Atq "$DB_URL" -c \
    "SELECT relallvisible || ' of ' || relpages FROM pg_class WHERE relname = 'oauth2_apps'")
log "seeded $APPS apps in $(($(now_ms) - t0)) ms, $visible pages all-visible ($PROFILE build, PostgreSQL $("$PGBIN/psql" -Atq "$DB_URL" -c 'SHOW server_version'))"
log "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

"$BIN/tessera" serve >"$WORK/tessera.log" 2>&1 &
SERVER_PID=$!
wait_port "$PORT"
SESSION=$(curl -sf -X POST "$URL/api/v2/users/login" -H 'Content-Type: application/json' \
    -d '{"email": "admin@bench.test", "password": "bench-admin-password"}' |
    sed -E 's/.*"session_token":"([^"]+)".*/\1/')
[ -n "$SESSION" ] || die "cannot sign in"

# Times GET $2 (a path) REQUESTS times; prints "$1  median  max  status  size  matches"
# (the matches are the API's X-Total-Count for the same parameters).
measure() {
    local name=$1 path=$2 out status size
    for _ in 1 2 3; do curl -s -o /dev/null -H "Cookie: tessera_session=$SESSION" "$URL$path"; done
    out=$(for _ in $(seq 1 "$REQUESTS"); do
        curl -s -o /dev/null -w '%{time_total}\n' -H "Cookie: tessera_session=$SESSION" "$URL$path"
    done)
    read -r status size < <(curl -s -o /dev/null -w '%{http_code} %{size_download}\n' \
        -H "Cookie: tessera_session=$SESSION" "$URL$path")
    total=$(curl -s -D - -o /dev/null -H "Cookie: tessera_session=$SESSION" "$URL$API?${path#*\?}" |
        awk -F': ' 'tolower($1) == "x-total-count" { print $2 + 0 }')
    printf '%-44s %8.1f %8.1f %5s %8s %7s\n' "$name" \
        "$(printf '%s\n' "$out" | median | awk '{ print $1 * 1000 }')" \
        "$(printf '%s\n' "$out" | sort -g | tail -1 | awk '{ print $1 * 1000 }')" "$status" "$size" "$total"
}

API=/api/v2/oauth2-provider/apps
PAGE=/settings/oauth2-apps
DEEP=$((APPS - 50))
printf '%-44s %8s %8s %5s %8s %7s\n' "case ($APPS apps, 50 rows)" "p50 ms" "max ms" "code" "bytes" "matches"
for base in "$API" "$PAGE"; do
    kind=$([ "$base" = "$API" ] && echo api || echo page)
    measure "$kind first page" "$base?limit=50"
    measure "$kind search q=cursor (name)" "$base?q=cursor"
    measure "$kind search q=203.0.113.7 (IP)" "$base?q=203.0.113.7"
    measure "$kind search q=.example.com (URL)" "$base?q=.example.com"
    measure "$kind filter dynamic, never used" "$base?source=dynamic&used=never"
    measure "$kind filter public, used in 7 days" "$base?client_type=public&used=7d"
    measure "$kind filter blocked, latest token first" "$base?blocked=true&sort=-last_token"
    measure "$kind deep page offset=$DEEP" "$base?offset=$DEEP"
    measure "$kind deep page by last token" "$base?sort=-last_token&offset=$DEEP"
done
log "load average after: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
