#!/usr/bin/env bash
# bench/run.sh (`make bench`): builds release binaries, starts tessera on a real PostgreSQL
# seeded with ~1M tokens (ANALYZEd), drives it with tests/load, measures the machine's own
# limits (pgbench with the same statements; a bare actix-web endpoint), samples tessera's
# RSS every second, and writes the results into docs/benchmarks.md (between its markers).
#
# Environment (all optional):
#   TESSERA_BENCH_DATABASE_URL  a PostgreSQL server to use (a fresh database is created on it
#                               and dropped after); else a throwaway cluster under $TMPDIR
#   BENCH_DURATION=5 BENCH_WARMUP=2 BENCH_RUNS=3 BENCH_CONCURRENCY=16  per scenario
#   BENCH_PGBENCH_DURATION=3  BENCH_FLOOR_DURATION=3
#   The defaults keep `make bench` under 10 minutes from a clean clone on 2 cores; the
#   issue's full protocol (20 s runs, ~14 min plus the build) is
#   BENCH_DURATION=20 BENCH_WARMUP=3 BENCH_PGBENCH_DURATION=20 BENCH_FLOOR_DURATION=20.
#   BENCH_SCENARIOS="journey token refresh bearer mcp relay register"  BENCH_SEED_TOKENS=500000
#   (relay: tools/call through a protected MCP server to the floor's POST /mcp, followed by
#   relay-direct, the same call to the floor itself, for the relay's ratio)
#   BENCH_PG_STATEMENTS=1  load pg_stat_statements and save its top statements in the logs
#   BENCH_PG_OPTIONS="-c name=value ..."  extra settings for the throwaway cluster (diagnosis only)
#   BENCH_POOL_SIZE=16  tessera's database.pool_size
#   BENCH_DISK_PROBE=10  seconds of fdatasync timing on the run's disk, idle (0: none)
#   BENCH_DOC=docs/benchmarks.md  BENCH_NO_BUILD=1 (use the binaries already built)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

DURATION=${BENCH_DURATION:-5}
WARMUP=${BENCH_WARMUP:-2}
RUNS=${BENCH_RUNS:-3}
CLIENTS=${BENCH_CONCURRENCY:-16}
PGB_DURATION=${BENCH_PGBENCH_DURATION:-3}
FLOOR_DURATION=${BENCH_FLOOR_DURATION:-3}
SCENARIOS=${BENCH_SCENARIOS:-journey token refresh bearer mcp relay register}
TOKENS=${BENCH_SEED_TOKENS:-500000}
POOL_SIZE=${BENCH_POOL_SIZE:-16}
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
BIN=${CARGO_TARGET_DIR:-$ROOT/target}/release
LOGS=${BENCH_LOG_DIR:-${CARGO_TARGET_DIR:-$ROOT/target}/bench}
STARTED=$(date +%s)

rm -rf "$LOGS" && mkdir -p "$LOGS"
RESULTS=$LOGS/results.tsv
: >"$RESULTS"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/tessera-bench.XXXXXX")
SERVER_PID="" FLOOR_PID="" PEER_PID="" RSS_SAMPLER="" PG_DATA="" BENCH_DB=""

cleanup() {
    for pid in $SERVER_PID $FLOOR_PID $PEER_PID $RSS_SAMPLER; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "$BENCH_DB" ]; then
        "$PGBIN/psql" -q "$TESSERA_BENCH_DATABASE_URL" -c "DROP DATABASE IF EXISTS $BENCH_DB" || true
    fi
    # The throwaway cluster's log (checkpoints, autovacuum) outlives it, to explain stalls.
    [ -n "${PG_DATA:-}" ] && cp "$PG_DATA/server.log" "$LOGS/postgres.log" 2>/dev/null
    stop_cluster || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ "${BENCH_NO_BUILD:-0}" != 1 ]; then
    log "building release binaries"
    (cd "$ROOT" && cargo build --release --locked -p tessera-bootstrap -p tessera-load \
        --bin tessera --bin tessera-load --bin floor)
fi
BUILT=$(date +%s)

PGBIN=$(pg_bindir)
if [ -n "${TESSERA_BENCH_DATABASE_URL:-}" ]; then
    BENCH_DB=tessera_bench_$$_$(date +%s)
    "$PGBIN/psql" -q "$TESSERA_BENCH_DATABASE_URL" -c "CREATE DATABASE $BENCH_DB" >/dev/null
    DB_URL=$(with_database "$TESSERA_BENCH_DATABASE_URL" "$BENCH_DB")
    log "using database $BENCH_DB on TESSERA_BENCH_DATABASE_URL"
else
    start_cluster "$WORK"
    DB_URL=$PG_URL
    log "throwaway PostgreSQL at $DB_URL"
fi
PORT=$(free_port)
URL=http://127.0.0.1:$PORT
export TESSERA_DATABASE__URL=$DB_URL TESSERA_DATABASE__POOL_SIZE=$POOL_SIZE TESSERA_ACCESS_URL=$URL \
    TESSERA_HTTP__ADDRESS=127.0.0.1:$PORT TESSERA_DATA_DIR=$WORK/data \
    TESSERA_REGISTRATION__RATE_LIMIT=1000000/min TESSERA_REGISTRATION__MAX_CLIENTS=100000000 \
    TESSERA_LOG__FORMAT=json TESSERA_LOG__SLOW_REQUEST=${BENCH_SLOW_REQUEST:-50ms} \
    RUST_LOG=${RUST_LOG:-warn}

log "migrating, creating the load admin and seeding $TOKENS access + $TOKENS refresh tokens"
"$BIN/tessera" migrate >"$LOGS/migrate.log" 2>&1 || die "tessera migrate failed: $LOGS/migrate.log"
echo load-generator-password | "$BIN/tessera" users create --email load@tessera.test \
    --username load --admin --password-stdin >>"$LOGS/migrate.log" 2>&1
seed_started=$(now_ms)
"$PGBIN/psql" -q "$DB_URL" -v tokens="$TOKENS" -v audience="$URL" -v pgb_runs="$RUNS" \
    -v pgb_codes=$((400 * PGB_DURATION)) -f "$ROOT/bench/seed.sql" >"$LOGS/seed.log" 2>&1 ||
    die "seeding failed: $LOGS/seed.log"
log "seeded in $(($(now_ms) - seed_started)) ms"
if [ "${BENCH_PG_STATEMENTS:-0}" = 1 ]; then
    "$PGBIN/psql" -q "$DB_URL" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null
fi

# Start to ready, three times; the last server stays up for the load.
for attempt in 1 2 3; do
    t0=$(now_ms)
    # As the container image runs it (deploy/Containerfile): no allocator variable.
    "$BIN/tessera" serve >>"$LOGS/tessera.log" 2>&1 &
    SERVER_PID=$!
    ready=$("$BIN/tessera-load" --url "$URL" --scenario ready | awk -F'\t' '/^READY/ { print $2 }')
    echo "$((ready - t0))" >>"$LOGS/startup_ms"
    if [ "$attempt" -lt 3 ]; then
        kill -TERM "$SERVER_PID" && wait "$SERVER_PID" || true
    fi
done
printf 'startup\t%s\t%s\n' "$(median <"$LOGS/startup_ms")" "$(paste -sd' ' "$LOGS/startup_ms")" >>"$RESULTS"
start_rss_sampler "$SERVER_PID" "$LOGS/rss.log"
sleep 3
idle_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER_PID/status")

# The disk on its own, idle, before any load: a throwaway cluster lives under $WORK.
DISK_PROBE=${BENCH_DISK_PROBE:-10}
if [ "$DISK_PROBE" -gt 0 ]; then
    log "disk: 8 KB writes with fdatasync for ${DISK_PROBE}s"
    disk_probe "$WORK" "$DISK_PROBE" >>"$RESULTS"
fi

# pgbench: the same statements on the same PostgreSQL, right after the scenario they bound
# (the machine may be shared: measuring both close together keeps their ratio fair).
# Rows: pgbench, name, tps, latency ms, aborted clients.
threads=$(nproc)
[ "$threads" -gt "$CLIENTS" ] && threads=$CLIENTS
pgbench_limit() {
    local script=$1 tps lat aborted p99
    log "pgbench $script: $RUNS × ${PGB_DURATION}s"
    # No settle here: right after the scenario it bounds, as before. A checkpoint just before
    # would make pgbench write a full image of every page it first touches (its pre-seeded
    # codes lie on random pages; the scenario's own codes are appended), a cost the scenario
    # never paid.
    for run in $(seq 0 $((RUNS - 1))); do
        # -l: every transaction's latency, for the p99 of the database alone.
        "$PGBIN/pgbench" -n -M prepared -c "$CLIENTS" -j "$threads" -T "$PGB_DURATION" \
            -l --log-prefix="$LOGS/txlog-$script-$run" -f "$ROOT/bench/pgbench/$script.sql" -D run="$run" -D i=0 -D gen=0 -D tokens="$TOKENS" \
            -D audience="$URL" "$DB_URL" >"$LOGS/pgbench-$script-$run.log" 2>&1 ||
            log "pgbench $script run $run reported errors: $LOGS/pgbench-$script-$run.log"
    done
    tps=$(cat "$LOGS"/pgbench-"$script"-*.log | awk '/^tps = / { print $3 }' | median)
    lat=$(cat "$LOGS"/pgbench-"$script"-*.log | awk '/^latency average = / { print $4 }' | median)
    aborted=$(cat "$LOGS"/pgbench-"$script"-*.log | grep -c 'aborted in command' || true)
    p99=$(for run in $(seq 0 $((RUNS - 1))); do
        cat "$LOGS/txlog-$script-$run".* 2>/dev/null | awk '$3 ~ /^[0-9]+$/ { print $3 / 1000 }' | percentile 99
    done | median)
    # The slowest transaction of each run, median of the runs, leaving out every connection's
    # first (a fresh backend prepares its statements and loads its catalogs then; tessera's
    # connections are opened and warmed before it serves).
    worst=$(for run in $(seq 0 $((RUNS - 1))); do
        cat "$LOGS/txlog-$script-$run".* 2>/dev/null | awk '$3 ~ /^[0-9]+$/ && $2 > 1 { print $3 / 1000 }' | sort -g | tail -1
    done | median)
    printf 'pgbench\t%s\t%s\t%s\t%s\t%s\t%s\n' "$script" "$tps" "$lat" "$aborted" "$p99" "$worst" >>"$RESULTS"
}

# The HTTP floor: a bare actix-web JSON endpoint, same worker count, same generator.
FLOOR_PORT=$(free_port)
"$BIN/floor" --address "127.0.0.1:$FLOOR_PORT" >"$LOGS/floor.log" 2>&1 &
FLOOR_PID=$!
wait_port "$FLOOR_PORT"
UPSTREAM=http://127.0.0.1:$FLOOR_PORT/mcp
floor_limit() {
    log "floor: $RUNS × (${WARMUP}s + ${FLOOR_DURATION}s)"
    "$BIN/tessera-load" --url "http://127.0.0.1:$FLOOR_PORT" --scenario floor --runs "$RUNS" \
        --concurrency "$CLIENTS" --duration "${FLOOR_DURATION}s" --warmup "${WARMUP}s" >"$LOGS/floor.out"
    awk -F'\t' 'BEGIN { OFS = "\t" } /^MEDIAN/ { $1 = "http"; print $0, 0 }' "$LOGS/floor.out" >>"$RESULTS"
}
# The relay's ratio: the same tools/call sent straight to the upstream the relay used.
relay_direct() {
    log "relay-direct: $RUNS × (${WARMUP}s + ${DURATION}s)"
    "$BIN/tessera-load" --upstream "$UPSTREAM" --scenario relay-direct --runs "$RUNS" \
        --concurrency "$CLIENTS" --duration "${DURATION}s" --warmup "${WARMUP}s" >"$LOGS/relay-direct.out"
    awk -F'\t' 'BEGIN { OFS = "\t" } /^MEDIAN/ { $1 = "http"; print $0, 0 }' "$LOGS/relay-direct.out" >>"$RESULTS"
}

# tessera's scenarios. Rows: http, scenario, rps, p50, p90, p99, errors, requests, runs, peak kB.
TICKS=$(getconf CLK_TCK)
load_from=$(date +%s)
for scenario in $SCENARIOS; do
    log "scenario $scenario: $RUNS × (${WARMUP}s warm-up + ${DURATION}s)"
    settle "$DB_URL"
    from=$(date +%s) cpu0=$(cpu_ticks "$SERVER_PID") pg0=$(pg_cpu_ticks)
    "$BIN/tessera-load" --url "$URL" --scenario "$scenario" --runs "$RUNS" --upstream "$UPSTREAM" \
        --concurrency "$CLIENTS" --duration "${DURATION}s" --warmup "${WARMUP}s" \
        >"$LOGS/$scenario.out" 2>"$LOGS/$scenario.err" || log "scenario $scenario failed: $LOGS/$scenario.err"
    to=$(date +%s) cpu=$(($(cpu_ticks "$SERVER_PID") - cpu0)) pg=$(($(pg_cpu_ticks) - pg0))
    peak=$(rss_peak "$LOGS/rss.log" "$from" "$to")
    # CPU seconds of tessera and of PostgreSQL over the whole invocation, and its wall time.
    printf 'cpu\t%s\t%s\t%s\t%s\n' "$scenario" "$((cpu * 1000 / TICKS))" "$((pg * 1000 / TICKS))" \
        "$(((to - from) * 1000))" >>"$RESULTS"
    awk -F'\t' -v peak="$peak" 'BEGIN { OFS = "\t" } /^MEDIAN/ { $1 = "http"; print $0, peak }' \
        "$LOGS/$scenario.out" >>"$RESULTS"
    grep -h '^MEDIAN\|^median' "$LOGS/$scenario.out" | grep -v '^MEDIAN' >&2 || true
    case $scenario in
        token | refresh | register) pgbench_limit "$scenario" ;;
        bearer) pgbench_limit bearer && floor_limit ;;
        relay) relay_direct ;;
    esac
done
kill "$FLOOR_PID" && wait "$FLOOR_PID" 2>/dev/null || true
FLOOR_PID=""

# Side by side with the MCP TypeScript SDK's demo authorization server (issue 20), when node
# and the pinned SDK are there: tessera's code flow and MCP tools/call against the demo's
# code flow and bearer check, in alternating rounds with the same generator and concurrency.
# Rows: side, name, req/s (median of the rounds), slowest request ms.
side_by_side() {
    command -v node >/dev/null || { log "side by side: no node, skipped"; return 0; }
    if [ ! -d "$ROOT/tests/clients/typescript/node_modules/@modelcontextprotocol/sdk" ]; then
        (cd "$ROOT" && make -s clients) || { log "side by side: cannot install the SDK, skipped"; return 0; }
    fi
    local port round name
    port=$(free_port)
    node "$ROOT/bench/peers/sdk_demo.mjs" "$port" >"$LOGS/peer.log" 2>&1 &
    PEER_PID=$!
    wait_port "$port"
    log "side by side with the SDK demo server: $RUNS alternating rounds"
    for round in $(seq 1 "$RUNS"); do
        for pair in "flow $URL flow" "peer-flow http://127.0.0.1:$port peer-flow" \
            "mcp $URL mcp" "peer-bearer http://127.0.0.1:$port peer-bearer"; do
            set -- $pair
            settle "$DB_URL"
            "$BIN/tessera-load" --url "$2" --scenario "$1" --runs 1 --concurrency "$CLIENTS" \
                --duration "${DURATION}s" --warmup "${WARMUP}s" 2>>"$LOGS/side.err" |
                awk -F'\t' -v name="$3" 'BEGIN { OFS = "\t" } /^MEDIAN/ && $2 !~ /token_call/ { print name, $3, $10 }' \
                    >>"$LOGS/side.tsv"
        done
    done
    kill "$PEER_PID" && wait "$PEER_PID" 2>/dev/null || true
    PEER_PID=""
    # The database alone running the flow's statements: what no HTTP layer can beat.
    pgbench_limit flow
    for name in flow peer-flow mcp peer-bearer; do
        printf 'side\t%s\t%s\t%s\n' "$name" \
            "$(awk -F'\t' -v n="$name" '$1 == n { print $2 }' "$LOGS/side.tsv" | median)" \
            "$(awk -F'\t' -v n="$name" '$1 == n { print $3 }' "$LOGS/side.tsv" | sort -g | tail -1)" >>"$RESULTS"
    done
}
side_by_side
load_to=$(date +%s)
minute1_kb=$(rss_at "$LOGS/rss.log" $((load_from + 60)))
end_kb=$(awk '{ v = $2 } END { print v + 0 }' "$LOGS/rss.log")
hwm_kb=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status")
printf 'memory\t%s\t%s\t%s\t%s\t%s\n' "$idle_kb" "$(rss_peak "$LOGS/rss.log" "$load_from" "$load_to")" \
    "$hwm_kb" "${minute1_kb:-0}" "$end_kb" >>"$RESULTS"
if [ "${BENCH_PG_STATEMENTS:-0}" = 1 ]; then
    "$PGBIN/psql" "$DB_URL" -c "SELECT calls, round(total_exec_time) AS ms, round(mean_exec_time::numeric, 3) AS mean_ms,
        left(regexp_replace(query, '\s+', ' ', 'g'), 140) AS query
        FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 25" >"$LOGS/pg_stat_statements.txt"
fi
kill -TERM "$SERVER_PID" && wait "$SERVER_PID" || true
kill "$RSS_SAMPLER" 2>/dev/null || true
SERVER_PID="" RSS_SAMPLER=""


{
    # The commit measured; "+ changes" when the tree differed from it outside docs/.
    printf 'machine\tcommit\t%s%s\n' "$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)" \
        "$(git -C "$ROOT" diff --quiet HEAD -- . ':!docs' 2>/dev/null || echo ' + changes')"
    printf 'machine\tcpus\t%s\n' "$(nproc)"
    printf 'machine\tcpu\t%s\n' "$(lscpu | sed -n 's/^Model name: *//p' | head -1)"
    printf 'machine\tram\t%s\n' "$(free -h | awk '/^Mem:/ { print $2 }')"
    printf 'machine\tkernel\t%s\n' "$(uname -r)"
    printf 'machine\tpostgres\t%s\n' "$("$PGBIN/psql" -Atq "$DB_URL" -c 'SHOW server_version')"
    printf 'machine\tsettings\t%s\n' "$("$PGBIN/psql" -Atq "$DB_URL" -c "SELECT string_agg(name || '=' || setting, ', ' ORDER BY name) FROM pg_settings WHERE name IN ('synchronous_commit', 'fsync', 'autovacuum', 'shared_buffers', 'max_connections')")"
    printf 'machine\trustc\t%s\n' "$(rustc --version)"
    printf 'machine\tload\t%s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf 'plan\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$CLIENTS" "$DURATION" "$WARMUP" "$RUNS" "$PGB_DURATION" "$TOKENS" "$POOL_SIZE"
    printf 'timing\t%s\t%s\n' "$((BUILT - STARTED))" "$(($(date +%s) - STARTED))"
} >>"$RESULTS"
# Every request over the slow-request threshold, by route, with where its time went.
# Rows: slow, route, count, median ms, max ms, median pool wait ms, median hashing ms.
grep -h '"slow request"' "$LOGS/tessera.log" 2>/dev/null | python3 -c '
import json, statistics, sys
rows = {}
for line in sys.stdin:
    try:
        f = json.loads(line)
    except ValueError:
        continue
    rows.setdefault(f.get("method", "") + " " + f.get("route", "?"), []).append(f)
for route, hits in sorted(rows.items(), key=lambda kv: -len(kv[1])):
    took = [h.get("took_ms", 0) for h in hits]
    print("slow\t%s\t%d\t%d\t%d\t%d\t%d" % (route, len(hits), statistics.median(took), max(took),
          statistics.median(h.get("pool_wait_ms", 0) for h in hits), statistics.median(h.get("hashing_ms", 0) for h in hits)))
' >>"$RESULTS" || true
bash "$ROOT/bench/report.sh" "$RESULTS" "$DOC"
log "done in $(($(date +%s) - STARTED)) s (build $((BUILT - STARTED)) s); results in $DOC, logs in $LOGS"
