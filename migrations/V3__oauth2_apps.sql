-- OAuth2 clients: created by an admin, registered dynamically (RFC 7591) or named by a
-- Client ID Metadata Document URL. Every RFC 7591 metadata field has a column.
CREATE TABLE oauth2_apps (
    id                          uuid PRIMARY KEY,
    name                        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 64),
    icon                        text NOT NULL DEFAULT '',
    callback_url                text NOT NULL,
    redirect_uris               text[] NOT NULL CHECK (cardinality(redirect_uris) > 0),
    client_type                 text NOT NULL CHECK (client_type IN ('confidential', 'public')),
    token_endpoint_auth_method  text NOT NULL CHECK (token_endpoint_auth_method IN
                                    ('client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt')),
    application_type            text NOT NULL DEFAULT 'web' CHECK (application_type IN ('web', 'native')),
    grant_types                 text[] NOT NULL DEFAULT ARRAY['authorization_code', 'refresh_token']
                                    CHECK (grant_types <@ ARRAY['authorization_code', 'refresh_token']),
    response_types              text[] NOT NULL DEFAULT ARRAY['code'] CHECK (response_types <@ ARRAY['code']),
    scope                       text,
    client_uri                  text,
    logo_uri                    text,
    tos_uri                     text,
    policy_uri                  text,
    jwks_uri                    text,
    jwks                        jsonb,
    software_id                 text,
    software_version            text,
    contacts                    text[] NOT NULL DEFAULT '{}',
    source                      text NOT NULL CHECK (source IN ('admin', 'dynamic', 'cimd')),
    -- RFC 7592 registration access token, hashed like every credential.
    registration_lookup_id      text UNIQUE,
    registration_secret_hash    bytea CHECK (octet_length(registration_secret_hash) = 32),
    -- Where a dynamic or CIMD client came from (SPEC §8).
    created_by_user_id          uuid REFERENCES users (id) ON DELETE SET NULL,
    created_from_ip             inet,
    created_user_agent          text,
    -- The client_id of a CIMD client is its metadata document URL.
    cimd_url                    text UNIQUE,
    blocked                     boolean NOT NULL DEFAULT false,
    last_token_at               timestamptz,
    created_at                  timestamptz NOT NULL,
    updated_at                  timestamptz NOT NULL,
    CHECK ((jwks IS NULL) OR (jwks_uri IS NULL)),
    CHECK ((client_type = 'public') = (token_endpoint_auth_method = 'none')),
    CHECK ((source = 'cimd') = (cimd_url IS NOT NULL)),
    CHECK ((registration_lookup_id IS NULL) = (registration_secret_hash IS NULL))
);
CREATE INDEX oauth2_apps_source_idx ON oauth2_apps (source, created_at);
CREATE INDEX oauth2_apps_name_idx ON oauth2_apps (name);
CREATE INDEX oauth2_apps_created_by_idx ON oauth2_apps (created_by_user_id);

-- Client secrets of confidential apps; deleting the app deletes them.
CREATE TABLE oauth2_app_secrets (
    id             uuid PRIMARY KEY,
    app_id         uuid NOT NULL REFERENCES oauth2_apps (id) ON DELETE CASCADE,
    lookup_id      text NOT NULL UNIQUE,
    secret_hash    bytea NOT NULL CHECK (octet_length(secret_hash) = 32),
    display_suffix text NOT NULL,
    created_at     timestamptz NOT NULL,
    last_used_at   timestamptz
);
CREATE INDEX oauth2_app_secrets_app_id_idx ON oauth2_app_secrets (app_id);
