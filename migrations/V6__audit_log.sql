-- Who did what to which app, secret, client or user, when and from where (SPEC §3).
-- Details never hold a secret or a hash.
CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at    timestamptz NOT NULL,
    actor_user_id  uuid REFERENCES users (id) ON DELETE SET NULL,
    actor          text NOT NULL,
    action         text NOT NULL CHECK (action IN ('create', 'update', 'delete', 'revoke', 'block', 'unblock', 'reuse_detected', 'login')),
    target_type    text NOT NULL CHECK (target_type IN ('user', 'app', 'app_secret', 'client', 'grant', 'session')),
    target_id      text NOT NULL,
    client_ip      inet,
    user_agent     text,
    details        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_occurred_at_idx ON audit_log (occurred_at DESC, id DESC);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_user_id);
