-- The code exchange's transaction, statement for statement as tessera runs it
-- (adapters/src/postgres/grant_redemption.rs: the lock statement reads the presenting client
-- and its secret with the code, then insert_tokens). tessera knows the client's id from the
-- request; the script reads it from the code (a primary-key lookup more than tessera does).
-- Client c of run :run redeems its own pre-seeded codes in order (bench/seed.sql);
-- \gset fails the client when they run out. Variables: -D run=R -D i=0 -D audience=URL.
\set k (:run * 64 + :client_id) * 10000000 + :i
\set a random(1, 9223372036854775806)
\set f random(1, 9223372036854775806)
BEGIN;
SELECT locked.*, a.id, a.name, a.icon, a.redirect_uris, a.client_type, a.grant_types,
       a.scope, a.source, a.blocked, a.cimd_url,
       s.id AS secret_id, s.secret_hash AS presented_secret_hash
  FROM (VALUES (1)) AS one (x)
  LEFT JOIN (SELECT secret_hash, app_id, user_id, redirect_uri, redirect_uri_sent, code_challenge,
                    scopes, resources, expires_at, grant_id
               FROM oauth2_codes WHERE lookup_id = substr(md5('k' || :k), 1, 16) FOR UPDATE) AS locked ON true
  LEFT JOIN oauth2_apps a ON a.id = (SELECT app_id FROM oauth2_codes WHERE lookup_id = substr(md5('k' || :k), 1, 16))
  LEFT JOIN oauth2_app_secrets s ON s.lookup_id = NULL AND s.app_id = a.id \gset c_
WITH g AS (
    INSERT INTO oauth2_grants (id, app_id, user_id, scopes, resources, created_at, expires_at)
    VALUES (md5('kg' || :k)::uuid, :c_app_id, :c_user_id, :c_scopes, :c_resources, now(), now() + interval '30 days'))
UPDATE oauth2_codes SET consumed_at = now(), grant_id = md5('kg' || :k)::uuid
 WHERE lookup_id = substr(md5('k' || :k), 1, 16);
WITH a AS (
    INSERT INTO oauth2_access_tokens (lookup_id, secret_hash, grant_id, audience, scopes, created_at, expires_at)
    VALUES (lpad(to_hex(:a::bigint), 16, '0'), sha256(int8send(:a)), md5('kg' || :k)::uuid, :audience,
            :c_scopes, now(), now() + interval '1 hour')),
r AS (
    INSERT INTO oauth2_refresh_tokens (lookup_id, secret_hash, grant_id, generation, scopes, created_at)
    SELECT lpad(to_hex(:f::bigint), 16, '0'), sha256(int8send(:f)), md5('kg' || :k)::uuid, 0, :c_scopes, now()
     WHERE true),
s AS (
    UPDATE oauth2_app_secrets SET last_used_at = now()
     WHERE id = NULL::uuid AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))
UPDATE oauth2_apps SET last_token_at = now()
 WHERE id = :c_app_id AND (last_token_at IS NULL OR last_token_at < now() - interval '1 minute');
COMMIT;
\set i :i + 1
