-- People and their sessions (SPEC §2).
CREATE TABLE users (
    id               uuid PRIMARY KEY,
    email            text NOT NULL,
    email_normalized text NOT NULL UNIQUE,
    username         text NOT NULL UNIQUE,
    password_hash    text NOT NULL,
    admin            boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL
);

-- Browser and API sessions: only the SHA-256 of the credential is kept (SPEC §7).
CREATE TABLE sessions (
    lookup_id   text PRIMARY KEY,
    secret_hash bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);
