-- Dynamic registration's transaction (adapters/src/postgres/registration_repository.rs:
-- insert; audit_repository.rs: record), then the rate-limit counter, as tessera runs them.
\set a random(1, 9223372036854775806)
WITH durability AS (SELECT set_config('synchronous_commit', 'off', true))
INSERT INTO rate_limit_counters (bucket, window_start, hits)
SELECT 'register:127.0.0.1', date_trunc('minute', now()), 1 FROM durability
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_counters.hits + 1 RETURNING hits;
BEGIN;
SELECT coalesce(sum(clients), 0)::bigint FROM oauth2_client_counts;
INSERT INTO oauth2_apps (id, name, icon, callback_url, redirect_uris, client_type,
        token_endpoint_auth_method, application_type, grant_types, response_types, scope, client_uri,
        logo_uri, tos_uri, policy_uri, jwks_uri, jwks, software_id, software_version, contacts,
        client_name_given, source, registration_lookup_id, registration_secret_hash, created_from_ip,
        created_user_agent, created_at, updated_at)
VALUES (md5('reg' || :a)::uuid, 'bench', '', 'http://127.0.0.1/callback', ARRAY['http://127.0.0.1/callback'],
        'public', 'none', 'native', ARRAY['authorization_code', 'refresh_token'], ARRAY['code'], NULL, NULL,
        NULL, NULL, NULL, NULL, NULL, NULL, NULL, '{}', true, 'dynamic', lpad(to_hex(:a::bigint), 16, '0'),
        sha256(int8send(:a)), '127.0.0.1', 'tessera-load', now(), now());
INSERT INTO audit_log (occurred_at, actor_user_id, actor, action, target_type, target_id, client_ip,
                       user_agent, details)
VALUES (now(), NULL, 'anonymous', 'create', 'client', md5('reg' || :a), '127.0.0.1', 'tessera-load',
        '{"client_name": "bench"}');
COMMIT;
