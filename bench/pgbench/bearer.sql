-- The bearer check's one statement (adapters/src/postgres/grant_repository.rs:
-- find_access_token) on a random seeded access token. Variables: -D tokens=N.
\set n random(1, :tokens)
SELECT t.secret_hash, t.grant_id, g.app_id, t.audience, t.scopes, t.created_at AS issued_at,
       t.expires_at, (g.revoked_at IS NOT NULL OR a.blocked) AS revoked,
       u.id, u.email, u.username, u.admin, u.created_at
  FROM oauth2_access_tokens t
  JOIN oauth2_grants g ON g.id = t.grant_id
  JOIN oauth2_apps a ON a.id = g.app_id
  JOIN users u ON u.id = g.user_id
 WHERE t.lookup_id = substr(md5('a' || :n), 1, 16);
