-- MCP sessions (streamable HTTP `Mcp-Session-Id`), kept so that any replica can continue a
-- session another one started: the client's initialize parameters are replayed there.
CREATE TABLE mcp_sessions (
    id          text PRIMARY KEY,
    state       jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mcp_sessions_created_at_idx ON mcp_sessions (created_at);
