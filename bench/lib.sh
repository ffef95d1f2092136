# bench/lib.sh: helpers for bench/run.sh (sourced): logging, ports, PostgreSQL, RSS.
# shellcheck shell=bash

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }
now_ms() { date +%s%3N; }

# A TCP port on 127.0.0.1 nothing listens on (a refused connection means free).
free_port() {
    local port
    for _ in $(seq 1 200); do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    die "no free port found"
}

# Waits until 127.0.0.1:$1 accepts connections (up to 30 s).
wait_port() {
    for _ in $(seq 1 3000); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.01
    done
    die "nothing listens on port $1"
}

# PostgreSQL's server binaries, found the way tessera finds them (pg_config --bindir, then
# the newest /usr/lib/postgresql/*/bin).
pg_bindir() {
    local dir
    dir=$(pg_config --bindir 2>/dev/null || true)
    if [ -n "$dir" ] && [ -x "$dir/initdb" ] && [ -x "$dir/pgbench" ]; then
        echo "$dir"
        return 0
    fi
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pgbench" ]; then
            echo "$dir"
            return 0
        fi
    done
    die "no PostgreSQL server binaries (initdb, pgbench); install the postgresql packages"
}

# Runs a command as the cluster's OS user (PostgreSQL refuses root).
as_pg() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u "$PG_OS_USER" -- "$@"
    else
        "$@"
    fi
}

# A throwaway cluster under $1 on a free port, synchronous_commit on; sets PG_URL, PG_DATA.
start_cluster() {
    local dir=$1 port extra=""
    PG_OS_USER=$(getent passwd postgres >/dev/null && echo postgres || echo nobody)
    PG_DATA=$dir/pgdata
    mkdir -p "$PG_DATA"
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown "$PG_OS_USER" "$PG_DATA"
    chmod 700 "$PG_DATA"
    as_pg "$PGBIN/initdb" -D "$PG_DATA" -U postgres -A trust -E UTF8 --no-locale --no-sync \
        >"$dir/initdb.log" 2>&1 || die "initdb failed: see $dir/initdb.log"
    port=$(free_port)
    [ "${BENCH_PG_STATEMENTS:-0}" = 1 ] && extra="-c shared_preload_libraries=pg_stat_statements"
    extra="$extra ${BENCH_PG_OPTIONS:-}"
    as_pg "$PGBIN/pg_ctl" -D "$PG_DATA" -l "$PG_DATA/server.log" -w -t 60 start -o \
        "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' \
         -c max_connections=100 -c synchronous_commit=on -c fsync=on \
         -c max_wal_size=8GB -c checkpoint_timeout=1h \
         -c log_checkpoints=on -c log_autovacuum_min_duration=0 $extra" \
        >/dev/null || die "pg_ctl start failed: see $PG_DATA/server.log"
    PG_URL="postgres://postgres@127.0.0.1:$port/postgres"
}

# Lets the writes of what ran before reach the disk before the next measurement starts: a
# checkpoint (the throwaway cluster starts none of its own during a run: max_wal_size and
# checkpoint_timeout keep them for these pauses), the kernel's dirty pages written, and a
# second of quiet. Without it a scenario measured the previous one's checkpoint: commits of
# the code flow waited up to 0.7 s behind writes of the registration scenario.
settle() {
    "$PGBIN/psql" -q "$1" -c CHECKPOINT >/dev/null 2>&1 || true
    sync
    sleep 1
}

stop_cluster() {
    [ -n "${PG_DATA:-}" ] && as_pg "$PGBIN/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1
    PG_DATA=""
}

# The URL $1 with its database replaced by $2.
with_database() {
    local base=${1%%\?*} query=""
    [ "$base" != "$1" ] && query="?${1#*\?}"
    base=$(printf '%s' "$base" | sed -E 's#^([a-z]+://[^/]+).*#\1#')
    printf '%s/%s%s' "$base" "$2" "$query"
}

# Samples VmRSS (kB) of pid $1 every second into $2 as `unix_seconds kB`, in the background.
start_rss_sampler() {
    local pid=$1 out=$2
    (
        while [ -r "/proc/$pid/status" ]; do
            awk -v t="$(date +%s)" '/^VmRSS:/ { print t, $2 }' "/proc/$pid/status" 2>/dev/null
            sleep 1
        done
    ) >>"$out" &
    RSS_SAMPLER=$!
}

# The highest sample of $1 between unix seconds $2 and $3 (kB).
rss_peak() { awk -v a="$2" -v b="$3" '$1 >= a && $1 <= b && $2 > m { m = $2 } END { print m + 0 }' "$1"; }
# The first sample of $1 at or after unix second $2 (kB).
rss_at() { awk -v a="$2" '$1 >= a { print $2; exit }' "$1"; }
# The $1th percentile of the numbers on stdin (nearest rank; 0 when there are none).
percentile() {
    sort -g | awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR * p + 99) / 100); print (NR ? v[i] : 0) }'
}
# The median of the numbers on stdin.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR ? v[int(NR / 2) + 1] : 0) }'; }

# CPU time (clock ticks) used so far by pid $1, and by the PostgreSQL cluster in $PG_DATA
# (postmaster and its current backends; 0 for an external database).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_cpu_ticks() {
    local pm total=0 pid
    [ -n "${PG_DATA:-}" ] && [ -r "$PG_DATA/postmaster.pid" ] || { echo 0; return; }
    pm=$(head -1 "$PG_DATA/postmaster.pid")
    for pid in "$pm" $(ps -o pid= --ppid "$pm"); do
        total=$((total + $(cpu_ticks "$pid")))
    done
    echo "$total"
}

# How the disk under the WAL answers on its own: 8 KB writes, each followed by fdatasync (what
# a synchronous commit waits for), for $2 seconds in directory $1, while nothing else runs.
# Prints `disk`, count, p50, p99.9 and max in ms, and how many took over 50 ms: a request that
# must commit cannot be faster than the disk's slowest flush (issue 20's latency target).
disk_probe() {
    python3 - "$1" "$2" <<'PY'
import os, sys, time
path = os.path.join(sys.argv[1], "bench-disk-probe")
fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
took, end = [], time.monotonic() + float(sys.argv[2])
try:
    while time.monotonic() < end:
        os.write(fd, b"\0" * 8192)
        start = time.perf_counter()
        os.fdatasync(fd)
        took.append((time.perf_counter() - start) * 1000)
finally:
    os.close(fd)
    os.unlink(path)
took.sort()
at = lambda q: took[min(len(took) - 1, int(len(took) * q))]
print("disk\t%d\t%.2f\t%.2f\t%.1f\t%d" % (len(took), at(0.5), at(0.999), took[-1], sum(t > 50 for t in took)))
PY
}
