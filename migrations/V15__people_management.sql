-- People management (issue 18, SPEC §2): suspended accounts, one-time password reset links,
-- and the audit log's words for them.

-- A suspended person cannot sign in; their sessions, grants and codes were ended when they
-- were suspended (the users_changed trigger tells every replica to drop their cached tokens).
ALTER TABLE users ADD COLUMN suspended_at timestamptz;
-- A suspension also ends the person's MCP sessions held in every replica's memory: it tells
-- the replicas by name, as the revocations of V10 do (after the users_changed notice).
CREATE FUNCTION tessera_notify_suspension() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tessera_revocations', 'suspended:' || NEW.id);
    RETURN NULL;
END;
$$;
CREATE TRIGGER users_suspended AFTER UPDATE OF suspended_at ON users
    FOR EACH ROW WHEN (OLD.suspended_at IS NULL AND NEW.suspended_at IS NOT NULL)
    EXECUTE FUNCTION tessera_notify_suspension();
-- The admin list pages through people oldest first.
CREATE INDEX users_created_at_idx ON users (created_at, id);

-- A reset link's credential, stored only as its SHA-256 (SPEC §7); one live link per person.
CREATE TABLE password_resets (
    lookup_id   text PRIMARY KEY,
    secret_hash bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
    user_id     uuid NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX password_resets_expires_at_idx ON password_resets (expires_at);

ALTER TABLE audit_log DROP CONSTRAINT audit_log_target_type_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_target_type_check CHECK (target_type IN
    ('user', 'app', 'app_secret', 'client', 'grant', 'session', 'mcp_server', 'mcp_server_credential',
     'signing_key', 'password_reset'));
ALTER TABLE audit_log DROP CONSTRAINT audit_log_action_check;
ALTER TABLE audit_log ADD CONSTRAINT audit_log_action_check CHECK (action IN
    ('create', 'update', 'delete', 'revoke', 'block', 'unblock', 'reuse_detected', 'login', 'rotate',
     'suspend', 'unsuspend'));
