-- MCP sessions belong to the person and the client whose token opened them (another token
-- on the same `Mcp-Session-Id` is answered 404), and end after a configurable idle time:
-- `expires_at` moves forward while the session is used and the sweep deletes it after.
-- Rows from before this migration have no owner: no one can continue them, and they go at
-- the next sweep.
ALTER TABLE mcp_sessions
    ADD COLUMN user_id    uuid REFERENCES users (id) ON DELETE CASCADE,
    ADD COLUMN client_id  uuid,
    ADD COLUMN expires_at timestamptz NOT NULL DEFAULT now();
CREATE INDEX mcp_sessions_expires_at_idx ON mcp_sessions (expires_at);
CREATE INDEX mcp_sessions_user_id_idx ON mcp_sessions (user_id);
DROP INDEX mcp_sessions_created_at_idx;
