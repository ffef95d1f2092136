-- Protected MCP servers (SPEC §9): other MCP servers tessera fronts at <access_url>/mcp/<slug>.
CREATE TABLE mcp_servers (
    id               uuid PRIMARY KEY,
    slug             text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9-]{1,40}$'),
    name             text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
    upstream_url     text NOT NULL,
    scopes           text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['user:read', 'mcp', 'admin']),
    timeout_seconds  integer CHECK (timeout_seconds BETWEEN 1 AND 3600),
    created_at       timestamptz NOT NULL,
    updated_at       timestamptz NOT NULL
);

-- Introspection credentials of detached resource servers, hashed like every credential.
CREATE TABLE mcp_server_credentials (
    id             uuid PRIMARY KEY,
    server_id      uuid NOT NULL REFERENCES mcp_servers (id) ON DELETE CASCADE,
    lookup_id      text NOT NULL UNIQUE,
    secret_hash    bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
    display_suffix text NOT NULL,
    created_at     timestamptz NOT NULL,
    last_used_at   timestamptz
);
CREATE INDEX mcp_server_credentials_server_idx ON mcp_server_credentials (server_id);

ALTER TABLE audit_log DROP CONSTRAINT audit_log_target_type_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_target_type_check CHECK (target_type IN
    ('user', 'app', 'app_secret', 'client', 'grant', 'session', 'mcp_server', 'mcp_server_credential', 'signing_key'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN
    ('create', 'update', 'delete', 'revoke', 'block', 'unblock', 'reuse_detected', 'login', 'rotate'));
