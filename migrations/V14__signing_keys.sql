-- The Ed25519 keys that sign identity assertions for protected MCP servers (SPEC §9).
-- The private key is sealed with AES-256-GCM under `signing.key_file` when it is set
-- (sealing = 'aes-256-gcm', sealing_key_id names that key), else stored as is ('none').
-- One key is active (retired_at IS NULL); retired keys stay published until their
-- assertions have expired.
CREATE TABLE signing_keys (
    kid             text PRIMARY KEY,
    public_key      bytea NOT NULL CHECK (octet_length(public_key) = 32),
    private_key     bytea NOT NULL,
    sealing         text NOT NULL CHECK (sealing IN ('none', 'aes-256-gcm')),
    sealing_key_id  text,
    created_at      timestamptz NOT NULL,
    retired_at      timestamptz,
    CHECK ((sealing = 'none') = (sealing_key_id IS NULL))
);
CREATE UNIQUE INDEX signing_keys_one_active_idx ON signing_keys ((true)) WHERE retired_at IS NULL;
