-- bench/seed.sql: ~1M tokens with valid shapes (migrations/V1, V3, V4), then VACUUM ANALYZE, so
-- plans (including the cached foreign-key checks) see realistic tables. Run after
-- `tessera migrate`. psql variables: tokens (access and refresh tokens, each), audience,
-- pgb_codes (unconsumed codes per pgbench client and run), pgb_runs.
\set ON_ERROR_STOP on
SET synchronous_commit = off;  -- seeding only; the benchmark runs with it on
-- The rows are consistent by construction: skip the per-row foreign-key triggers when
-- allowed (superuser), which makes seeding several times faster.
DO $$ BEGIN SET session_replication_role = replica;
EXCEPTION WHEN insufficient_privilege THEN NULL; END $$;

INSERT INTO users (id, email, email_normalized, username, password_hash, admin, created_at)
SELECT md5('u' || i)::uuid, 'seed' || i || '@bench.test', 'seed' || i || '@bench.test',
       'seed' || i, '$argon2id$v=19$m=7168,t=5,p=1$c2VlZA$c2VlZA', false, now() - interval '30 days'
FROM generate_series(1, 10000) AS i;

INSERT INTO oauth2_apps (id, name, callback_url, redirect_uris, client_type,
                         token_endpoint_auth_method, application_type, source, created_at, updated_at)
VALUES ('00000000-0000-4000-8000-00000000be01', 'bench-seed', 'http://127.0.0.1:9/cb',
        ARRAY['http://127.0.0.1:9/cb'], 'public', 'none', 'native', 'admin', now(), now());

-- Registered clients, as a server with 10,000 people has (every MCP client install registers
-- itself). With one app only, the generic plans tessera's connections cache for app lookups
-- are sequential scans, kept after the registration scenario adds ~35,000 apps until an
-- autovacuum ANALYZE replans them: the code flow measured next crawled at 69 flows/s.
-- They are in use (last_token_at), so the sweep of unused registrations keeps them.
INSERT INTO oauth2_apps (id, name, callback_url, redirect_uris, client_type, token_endpoint_auth_method,
                         application_type, source, created_at, updated_at, last_token_at)
SELECT md5('app' || i)::uuid, 'seed client ' || i, 'http://127.0.0.1:9/cb', ARRAY['http://127.0.0.1:9/cb'],
       'public', 'none', 'native', 'dynamic', now() - interval '30 days', now() - interval '30 days',
       now() - interval '1 day'
FROM generate_series(1, 10000) AS i;

-- One grant per token pair; a tenth of them revoked, as after real use.
INSERT INTO oauth2_grants (id, app_id, user_id, scopes, resources, created_at, expires_at, revoked_at)
SELECT md5('g' || i)::uuid, '00000000-0000-4000-8000-00000000be01', md5('u' || (1 + i % 10000))::uuid,
       ARRAY['user:read', 'mcp'], '{}', now() - interval '1 day', now() + interval '29 days',
       CASE WHEN i % 10 = 0 THEN now() END
FROM generate_series(1, :tokens) AS i;

INSERT INTO oauth2_access_tokens (lookup_id, secret_hash, grant_id, audience, scopes, created_at, expires_at)
SELECT substr(md5('a' || i), 1, 16), sha256(('a' || i)::bytea), md5('g' || i)::uuid, :'audience',
       ARRAY['user:read', 'mcp'], now() - interval '10 minutes', now() + interval '50 minutes'
FROM generate_series(1, :tokens) AS i;

INSERT INTO oauth2_refresh_tokens (lookup_id, secret_hash, grant_id, generation, scopes, created_at)
SELECT substr(md5('r' || i), 1, 16), sha256(('r' || i)::bytea), md5('g' || i)::uuid, 0,
       ARRAY['user:read', 'mcp'], now() - interval '1 day'
FROM generate_series(1, :tokens) AS i;

-- Consumed codes are kept until they expire (reuse detection): a fifth of the grants.
INSERT INTO oauth2_codes (lookup_id, secret_hash, app_id, user_id, redirect_uri, redirect_uri_sent,
                          code_challenge, scopes, created_at, expires_at, consumed_at, grant_id)
SELECT substr(md5('c' || i), 1, 16), sha256(('c' || i)::bytea), '00000000-0000-4000-8000-00000000be01',
       md5('u' || (1 + i % 10000))::uuid, 'http://127.0.0.1:9/cb', true,
       'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', ARRAY['user:read', 'mcp'],
       now() - interval '1 minute', now() + interval '9 minutes', now(), md5('g' || i)::uuid
FROM generate_series(1, :tokens / 5) AS i;

-- pgbench: client c of run r redeems codes k = (r*64 + c)*10^7 + i, i = 0, 1, ... and
-- rotates the refresh token of grant (r*64 + c) (bench/pgbench/*.sql).
INSERT INTO oauth2_codes (lookup_id, secret_hash, app_id, user_id, redirect_uri, redirect_uri_sent,
                          code_challenge, scopes, created_at, expires_at)
SELECT substr(md5('k' || ((r * 64 + c) * 10000000::bigint + i)), 1, 16), sha256(('k' || i)::bytea),
       '00000000-0000-4000-8000-00000000be01', md5('u' || (1 + c))::uuid, 'http://127.0.0.1:9/cb', true,
       'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', ARRAY['user:read', 'mcp'], now(), now() + interval '1 day'
FROM generate_series(0, :pgb_runs - 1) AS r, generate_series(0, 15) AS c, generate_series(0, :pgb_codes - 1) AS i;

INSERT INTO oauth2_grants (id, app_id, user_id, scopes, created_at, expires_at)
SELECT md5('bg' || (r * 64 + c))::uuid, '00000000-0000-4000-8000-00000000be01', md5('u' || (1 + c))::uuid,
       ARRAY['user:read', 'mcp'], now(), now() + interval '30 days'
FROM generate_series(0, :pgb_runs - 1) AS r, generate_series(0, 15) AS c;

INSERT INTO oauth2_refresh_tokens (lookup_id, secret_hash, grant_id, generation, scopes, created_at)
SELECT substr(md5('f' || ((r * 64 + c) * 10000000::bigint)), 1, 16), sha256('f'::bytea),
       md5('bg' || (r * 64 + c))::uuid, 0, ARRAY['user:read', 'mcp'], now()
FROM generate_series(0, :pgb_runs - 1) AS r, generate_series(0, 15) AS c;

-- pgbench flow.sql: the one person's remembered approval of the seed app, as the flow
-- scenario's load admin has one of its load app.
INSERT INTO oauth2_approvals (user_id, app_id, resource, scopes, approved_at)
VALUES (md5('u1')::uuid, '00000000-0000-4000-8000-00000000be01', '', ARRAY['user:read', 'mcp'], now());

-- Vacuumed as well as analyzed: otherwise autovacuum's first pass over these fresh tables
-- (triggered by the inserts) ran during the first scenario and stalled it (up to 120 ms).
VACUUM (ANALYZE);
