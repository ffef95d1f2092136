#!/usr/bin/env python3
"""bench/mcp_sessions.py: what abandoned MCP sessions cost a tessera process (issue 20).

Starts the given tessera binary on a fresh database of a PostgreSQL server, seeds one user,
one app and one `mcp` access token straight into the tables (as bench/seed.sql does), opens
SESSIONS sessions (`initialize` + `notifications/initialized` + one `tools/call whoami`, as a
client opening a session per call does; never closed), and prints the
process's resident memory (VmRSS) before and after, and per session. Standard library only.

    cargo build --release -p tessera-bootstrap --bin tessera
    python3 bench/mcp_sessions.py --binary target/release/tessera \
        --database-url postgres://postgres@127.0.0.1:5432/postgres --sessions 10000

Settings can be passed through as environment variables (e.g. TESSERA_MCP__MAX_SESSIONS).
"""

import argparse
import base64
import hashlib
import http.client
import json
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

MCP_PATH = "/api/experimental/mcp/http"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, sql):
    subprocess.run(["psql", "-q", "-v", "ON_ERROR_STOP=1", url, "-c", sql], check=True)


def with_database(url, name):
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def seed(url, audience):
    """One admin, one public app, one grant and one access token; returns the token."""
    lookup = secrets.token_hex(8)
    secret = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    token = f"tat_{lookup}_{secret}"
    digest = hashlib.sha256(token.encode()).hexdigest()
    psql(url, f"""
INSERT INTO users (id, email, email_normalized, username, password_hash, admin, created_at)
VALUES ('00000000-0000-4000-8000-0000000000a1', 'rss@bench.test', 'rss@bench.test', 'rss',
        '$argon2id$v=19$m=7168,t=5,p=1$c2VlZA$c2VlZA', true, now());
INSERT INTO oauth2_apps (id, name, callback_url, redirect_uris, client_type,
                         token_endpoint_auth_method, application_type, source, created_at, updated_at)
VALUES ('00000000-0000-4000-8000-0000000000b1', 'rss', 'http://127.0.0.1:9/cb',
        ARRAY['http://127.0.0.1:9/cb'], 'public', 'none', 'native', 'admin', now(), now());
INSERT INTO oauth2_grants (id, app_id, user_id, scopes, resources, created_at, expires_at)
VALUES ('00000000-0000-4000-8000-0000000000c1', '00000000-0000-4000-8000-0000000000b1',
        '00000000-0000-4000-8000-0000000000a1', ARRAY['mcp'], '{{}}', now(), now() + interval '1 day');
INSERT INTO oauth2_access_tokens (lookup_id, secret_hash, grant_id, audience, scopes, created_at, expires_at)
VALUES ('{lookup}', '\\x{digest}', '00000000-0000-4000-8000-0000000000c1', '{audience}',
        ARRAY['mcp'], now(), now() + interval '1 day');
""")
    return token


def post(conn, token, body, session=None):
    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
    }
    if session:
        headers["Mcp-Session-Id"] = session
        headers["MCP-Protocol-Version"] = "2025-06-18"
    conn.request("POST", MCP_PATH, json.dumps(body), headers)
    response = conn.getresponse()
    response.read()
    return response


def open_sessions(port, token, count, errors, call=True):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-06-18", "capabilities": {},
        "clientInfo": {"name": "rss-bench", "version": "0"}}}
    initialized = {"jsonrpc": "2.0", "method": "notifications/initialized"}
    whoami = {"jsonrpc": "2.0", "id": 2, "method": "tools/call",
              "params": {"name": "whoami", "arguments": {}}}
    for _ in range(count):
        response = post(conn, token, initialize)
        session = response.getheader("mcp-session-id")
        if response.status != 200 or not session:
            errors.append(response.status)
            continue
        post(conn, token, initialized, session)
        if call and post(conn, token, whoami, session).status != 200:
            errors.append("tools/call")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--sessions", type=int, default=10000)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--no-call", action="store_true", help="open sessions without a call")
    args = parser.parse_args()

    name = f"tessera_rss_{secrets.token_hex(4)}"
    psql(args.database_url, f"CREATE DATABASE {name}")
    url = with_database(args.database_url, name)
    port = free_port()
    access_url = f"http://127.0.0.1:{port}"
    env = dict(os.environ, TESSERA_DATABASE__URL=url, TESSERA_ACCESS_URL=access_url,
               TESSERA_HTTP__ADDRESS=f"127.0.0.1:{port}")
    server = subprocess.Popen([args.binary, "serve"], env=env, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(300):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            time.sleep(0.1)
        token = seed(url, access_url)
        # One session first, so lazily built state (pools, caches) is not counted per session.
        open_sessions(port, token, 1, [])
        time.sleep(1)
        before = rss_kib(server.pid)
        errors = []
        started = time.time()
        share = args.sessions // args.threads
        threads = [threading.Thread(target=open_sessions, args=(port, token, share, errors, not args.no_call))
                   for _ in range(args.threads)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.time() - started
        time.sleep(2)
        after = rss_kib(server.pid)
        opened = share * args.threads - len(errors)
        print(f"sessions opened: {opened} in {elapsed:.1f} s ({len(errors)} refused: {sorted(set(map(str, errors)))})")
        print(f"RSS before: {before / 1024:.1f} MiB, after: {after / 1024:.1f} MiB")
        print(f"per session: {(after - before) / max(opened, 1):.1f} KiB")
    finally:
        server.terminate()
        server.wait(timeout=60)
        psql(args.database_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
