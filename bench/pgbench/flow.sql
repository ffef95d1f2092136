-- The code flow's statements as tessera runs them (issue 20's side-by-side "code flow"):
-- GET /oauth2/authorize answered from a remembered approval is one statement
-- (adapters/src/postgres/code_insert.rs: insert_code_if_approved; the session and the client
-- are read from memory), the code exchange is BEGIN with the lock statement
-- (grant_redemption.rs: redeem_code_locked) and the token statement with COMMIT
-- (grant_redemption/token_insert.rs: NEW_GRANT_SQL). Like the flow scenario, every client
-- is the seed's one person and app. tessera sends BEGIN and COMMIT in the same round trip as
-- their neighbours; pgbench sends each statement on its own.
-- Scopes are spelled with chr(58) because pgbench reads ':read' as a variable.
\set k random(1, 9223372036854775806)
\set a random(1, 9223372036854775806)
\set f random(1, 9223372036854775806)
WITH durability AS (SELECT set_config('synchronous_commit', 'off', true))
INSERT INTO oauth2_codes (lookup_id, secret_hash, app_id, user_id, redirect_uri, redirect_uri_sent,
                          code_challenge, scopes, resources, state_hash, created_at, expires_at)
SELECT lpad(to_hex(:k::bigint), 16, '0'), sha256(int8send(:k)), '00000000-0000-4000-8000-00000000be01',
       md5('u1')::uuid, 'http://127.0.0.1:9/cb', true, 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
       ARRAY['user' || chr(58) || 'read'], '{}', NULL, now(), now() + interval '10 minutes' FROM durability
 WHERE EXISTS (SELECT 1 FROM oauth2_approvals
                WHERE user_id = md5('u1')::uuid AND app_id = '00000000-0000-4000-8000-00000000be01'
                  AND resource = '' AND scopes @> ARRAY['user' || chr(58) || 'read']);
BEGIN;
SELECT locked.*, a.id, a.name, a.icon, a.redirect_uris, a.client_type, a.grant_types,
       a.scope, a.source, a.blocked, a.cimd_url,
       s.id AS secret_id, s.secret_hash AS presented_secret_hash
  FROM (VALUES (1)) AS one (x)
  LEFT JOIN (SELECT secret_hash, app_id, user_id, redirect_uri, redirect_uri_sent, code_challenge,
                    scopes, resources, expires_at, grant_id
               FROM oauth2_codes WHERE lookup_id = lpad(to_hex(:k::bigint), 16, '0') FOR UPDATE) AS locked ON true
  LEFT JOIN oauth2_apps a ON a.id = '00000000-0000-4000-8000-00000000be01'
  LEFT JOIN oauth2_app_secrets s ON s.lookup_id = NULL AND s.app_id = a.id \gset c_
WITH g AS (
    INSERT INTO oauth2_grants (id, app_id, user_id, scopes, resources, created_at, expires_at)
    VALUES (md5('fg' || :k)::uuid, :c_app_id, :c_user_id, :c_scopes, :c_resources, now(), now() + interval '30 days')),
c AS (UPDATE oauth2_codes SET consumed_at = now(), grant_id = md5('fg' || :k)::uuid
       WHERE lookup_id = lpad(to_hex(:k::bigint), 16, '0')),
a AS (
    INSERT INTO oauth2_access_tokens (lookup_id, secret_hash, grant_id, audience, scopes, created_at, expires_at)
    VALUES (lpad(to_hex(:a::bigint), 16, '0'), sha256(int8send(:a)), md5('fg' || :k)::uuid, :audience,
            :c_scopes, now(), now() + interval '1 hour')),
r AS (
    INSERT INTO oauth2_refresh_tokens (lookup_id, secret_hash, grant_id, generation, scopes, created_at)
    SELECT lpad(to_hex(:f::bigint), 16, '0'), sha256(int8send(:f)), md5('fg' || :k)::uuid, 0, :c_scopes, now()
     WHERE true),
s AS (
    UPDATE oauth2_app_secrets SET last_used_at = now()
     WHERE id = NULL::uuid AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))
UPDATE oauth2_apps SET last_token_at = now()
 WHERE id = :c_app_id AND (last_token_at IS NULL OR last_token_at < now() - interval '1 minute');
COMMIT;
