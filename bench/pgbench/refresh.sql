-- Refresh rotation's transaction, statement for statement as tessera runs it
-- (adapters/src/postgres/grant_redemption.rs: the lock statement reads the presenting client
-- and its secret with the grant, then insert_tokens). tessera knows the client's id from the
-- request; the script reads it through the token (a lookup more than tessera does).
-- Client c of run :run rotates the refresh token of its own seeded grant, always the newest
-- (generation :gen). Variables: -D run=R -D gen=0 -D audience=URL.
\set k (:run * 64 + :client_id) * 10000000 + :gen
\set next :k + 1
\set ngen :gen + 1
\set a random(1, 9223372036854775806)
BEGIN;
SELECT locked.*, a.id, a.name, a.icon, a.redirect_uris, a.client_type, a.grant_types,
       a.scope, a.source, a.blocked, a.cimd_url,
       s.id AS secret_id, s.secret_hash AS presented_secret_hash
  FROM (VALUES (1)) AS one (x)
  LEFT JOIN (SELECT id AS grant_id, app_id, scopes, resources, expires_at, revoked_at FROM oauth2_grants
              WHERE id = (SELECT grant_id FROM oauth2_refresh_tokens WHERE lookup_id = substr(md5('f' || :k), 1, 16))
                FOR UPDATE) AS locked ON true
  LEFT JOIN oauth2_apps a ON a.id = (SELECT g.app_id FROM oauth2_grants g JOIN oauth2_refresh_tokens t ON t.grant_id = g.id
                                      WHERE t.lookup_id = substr(md5('f' || :k), 1, 16))
  LEFT JOIN oauth2_app_secrets s ON s.lookup_id = NULL AND s.app_id = a.id \gset g_
SELECT secret_hash, generation, rotated_at,
       (SELECT max(generation) FROM oauth2_refresh_tokens WHERE grant_id = :g_grant_id) AS current_generation
  FROM oauth2_refresh_tokens WHERE lookup_id = substr(md5('f' || :k), 1, 16);
UPDATE oauth2_refresh_tokens SET rotated_at = now()
 WHERE grant_id = :g_grant_id AND generation = :gen AND rotated_at IS NULL;
WITH a AS (
    INSERT INTO oauth2_access_tokens (lookup_id, secret_hash, grant_id, audience, scopes, created_at, expires_at)
    VALUES (lpad(to_hex(:a::bigint), 16, '0'), sha256(int8send(:a)), :g_grant_id, :audience, :g_scopes,
            now(), now() + interval '1 hour')),
r AS (
    INSERT INTO oauth2_refresh_tokens (lookup_id, secret_hash, grant_id, generation, scopes, created_at)
    SELECT substr(md5('f' || :next), 1, 16), sha256(int8send(:next)), :g_grant_id, :ngen, :g_scopes, now()
     WHERE true),
s AS (
    UPDATE oauth2_app_secrets SET last_used_at = now()
     WHERE id = NULL::uuid AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute'))
UPDATE oauth2_apps SET last_token_at = now()
 WHERE id = :g_app_id AND (last_token_at IS NULL OR last_token_at < now() - interval '1 minute');
COMMIT;
\set gen :gen + 1
