-- A grant is the family of one authorization: the code and every token issued from it.
-- Revoking the grant revokes them all (code reuse, refresh-token reuse, user revocation).
CREATE TABLE oauth2_grants (
    id          uuid PRIMARY KEY,
    app_id      uuid NOT NULL REFERENCES oauth2_apps (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    scopes      text[] NOT NULL CHECK (scopes <@ ARRAY['user:read', 'mcp', 'admin']),
    resources   text[] NOT NULL DEFAULT '{}',
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX oauth2_grants_app_user_idx ON oauth2_grants (app_id, user_id);
CREATE INDEX oauth2_grants_user_idx ON oauth2_grants (user_id);
CREATE INDEX oauth2_grants_expires_at_idx ON oauth2_grants (expires_at);

-- Authorization codes: single use; a consumed code is kept until it expires so that its
-- reuse can be detected and the grant it produced revoked (RFC 6749 §4.1.2).
CREATE TABLE oauth2_codes (
    lookup_id          text PRIMARY KEY,
    secret_hash        bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
    app_id             uuid NOT NULL REFERENCES oauth2_apps (id) ON DELETE CASCADE,
    user_id            uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    redirect_uri       text NOT NULL,
    redirect_uri_sent  boolean NOT NULL,
    code_challenge     text NOT NULL CHECK (char_length(code_challenge) = 43),
    scopes             text[] NOT NULL CHECK (scopes <@ ARRAY['user:read', 'mcp', 'admin']),
    resources          text[] NOT NULL DEFAULT '{}',
    state_hash         bytea,
    created_at         timestamptz NOT NULL,
    expires_at         timestamptz NOT NULL,
    consumed_at        timestamptz,
    grant_id           uuid REFERENCES oauth2_grants (id) ON DELETE CASCADE,
    CHECK ((consumed_at IS NULL) = (grant_id IS NULL))
);
CREATE INDEX oauth2_codes_app_user_idx ON oauth2_codes (app_id, user_id);
CREATE INDEX oauth2_codes_user_idx ON oauth2_codes (user_id);
CREATE INDEX oauth2_codes_grant_idx ON oauth2_codes (grant_id);
CREATE INDEX oauth2_codes_expires_at_idx ON oauth2_codes (expires_at);

CREATE TABLE oauth2_access_tokens (
    lookup_id    text PRIMARY KEY,
    secret_hash  bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
    grant_id     uuid NOT NULL REFERENCES oauth2_grants (id) ON DELETE CASCADE,
    audience     text NOT NULL,
    scopes       text[] NOT NULL CHECK (scopes <@ ARRAY['user:read', 'mcp', 'admin']),
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL
);
CREATE INDEX oauth2_access_tokens_grant_idx ON oauth2_access_tokens (grant_id);
CREATE INDEX oauth2_access_tokens_expires_at_idx ON oauth2_access_tokens (expires_at);

-- Refresh tokens rotate: each use rotates the current generation and inserts the next.
CREATE TABLE oauth2_refresh_tokens (
    lookup_id    text PRIMARY KEY,
    secret_hash  bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
    grant_id     uuid NOT NULL REFERENCES oauth2_grants (id) ON DELETE CASCADE,
    generation   integer NOT NULL CHECK (generation >= 0),
    scopes       text[] NOT NULL CHECK (scopes <@ ARRAY['user:read', 'mcp', 'admin']),
    created_at   timestamptz NOT NULL,
    rotated_at   timestamptz,
    -- One token per generation: of concurrent rotations of the same token, one wins.
    UNIQUE (grant_id, generation)
);

-- Remembered consent: approving a client for scopes and a resource skips the page next time.
CREATE TABLE oauth2_approvals (
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    app_id      uuid NOT NULL REFERENCES oauth2_apps (id) ON DELETE CASCADE,
    resource    text NOT NULL DEFAULT '',
    scopes      text[] NOT NULL CHECK (scopes <@ ARRAY['user:read', 'mcp', 'admin']),
    approved_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, app_id, resource)
);
CREATE INDEX oauth2_approvals_app_idx ON oauth2_approvals (app_id);
