#!/usr/bin/env bash
# scripts/test-cluster.sh COMMAND…: runs COMMAND (`make test`'s `cargo test`) with
# TESSERA_TEST_DATABASE_URL naming one throwaway PostgreSQL cluster for the whole run, so
# the ~100 test processes share it instead of each starting its own (about 1.6 s apiece).
# Like the clusters the test harness starts itself: PostgreSQL's server binaries from the
# machine, no fsync, a Unix socket in a private directory (no port to pick and race for),
# run as the `postgres` (or `nobody`) OS user when root, and removed at the end. When
# TESSERA_TEST_DATABASE_URL is already set, COMMAND runs on that server instead.
set -euo pipefail

if [ -n "${TESSERA_TEST_DATABASE_URL:-}" ]; then
    exec "$@"
fi

bindir=$(pg_config --bindir 2>/dev/null || true)
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
fi
if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ]; then
    echo "test-cluster: no PostgreSQL server binaries (initdb); run: bash scripts/deps.sh" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/tessera-tests.XXXXXX")
chmod 755 "$work"
as_pg() { "$@"; }
if [ "$(id -u)" = 0 ]; then
    user=$(getent passwd postgres >/dev/null && echo postgres || echo nobody)
    chown "$user" "$work"
    as_pg() { runuser -u "$user" -- "$@"; }
fi
stop() {
    as_pg "$bindir/pg_ctl" -D "$work/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap stop EXIT

as_pg "$bindir/initdb" -D "$work/data" -U postgres -A trust -E UTF8 --no-locale --no-sync \
    >"$work/initdb.log" 2>&1 || { cat "$work/initdb.log" >&2; exit 1; }
as_pg "$bindir/pg_ctl" -D "$work/data" -l "$work/server.log" -w -t 60 start -o \
    "-c listen_addresses='' -c unix_socket_directories='$work' -c max_connections=200 \
     -c fsync=off -c synchronous_commit=off -c full_page_writes=off" >/dev/null ||
    { cat "$work/server.log" >&2; exit 1; }

# The socket directory is the only host: a host in the authority would be tried first, and
# reach whatever server listens on localhost:5432 instead of this cluster.
export TESSERA_TEST_DATABASE_URL="postgres:///postgres?user=postgres&host=$work"
reached=$("$bindir/psql" -Atq "$TESSERA_TEST_DATABASE_URL" -c "SHOW data_directory")
if [ "$reached" != "$work/data" ]; then
    echo "test-cluster: the URL reached $reached, not the throwaway cluster in $work/data" >&2
    exit 1
fi
"$@"
