-- bench/apps_seed.sql: :apps OAuth2 apps with valid shapes (migrations/V3, V8), for
-- bench/apps_listing.sh. Each app's traits come from hashes of its number, so they are
-- independent of each other: 10% created by an admin, 10% metadata-document clients, 80%
-- registered dynamically (from 512 addresses in 203.0.113.0/24 and 198.51.100.0/24);
-- document clients and a third of the dynamic ones public; 1% blocked; 30% with a last token
-- in the last 120 days; creation times spread over a year. Then VACUUM ANALYZE, as
-- autovacuum would. (tessera deletes dynamic clients unused for
-- registration.unused_client_ttl: the script sets it long enough to keep these.)
\set ON_ERROR_STOP on
-- A number from 0 to 2^31 - 1 drawn from the app's number and a trait's name.
CREATE FUNCTION pg_temp.h(i integer, trait text) RETURNS integer LANGUAGE sql IMMUTABLE
    AS $$ SELECT hashtext(trait || i) & 2147483647 $$;

INSERT INTO oauth2_apps (id, name, callback_url, redirect_uris, client_type,
                         token_endpoint_auth_method, application_type, source, created_from_ip,
                         created_user_agent, software_id, cimd_url, blocked, last_token_at,
                         created_at, updated_at)
SELECT md5('app' || i)::uuid,
       (ARRAY['Claude Code', 'Cursor', 'VS Code', 'MCP Inspector', 'Docs bot'])[1 + pg_temp.h(i, 'n') % 5] || ' ' || i,
       'http://127.0.0.1:33418/callback', ARRAY['http://127.0.0.1:33418/callback'],
       CASE WHEN public THEN 'public' ELSE 'confidential' END,
       CASE WHEN public THEN 'none' ELSE 'client_secret_basic' END,
       'native', kind,
       CASE WHEN kind = 'dynamic' THEN ((CASE WHEN pg_temp.h(i, 'net') % 2 = 0 THEN '203.0.113.'
                                              ELSE '198.51.100.' END) || pg_temp.h(i, 'ip') % 256)::inet END,
       CASE WHEN kind = 'dynamic' THEN 'claude-code/2.0.' || pg_temp.h(i, 'ua') % 40 END,
       CASE WHEN kind = 'dynamic' THEN 'bench-' || pg_temp.h(i, 'sw') % 7 END,
       CASE WHEN kind = 'cimd' THEN 'https://client' || i || '.example.com/oauth/client.json' END,
       pg_temp.h(i, 'blocked') % 100 = 0,
       CASE WHEN pg_temp.h(i, 'used') % 10 < 3
            THEN now() - pg_temp.h(i, 'days') % 120 * interval '1 day' - pg_temp.h(i, 'min') % 1440 * interval '1 minute' END,
       now() - interval '365 days' + i * (interval '365 days' / :apps),
       now()
FROM (SELECT i, kind, kind = 'cimd' OR (kind = 'dynamic' AND pg_temp.h(i, 'public') % 3 = 0) AS public
      FROM (SELECT i, CASE WHEN pg_temp.h(i, 'kind') % 10 = 0 THEN 'admin'
                           WHEN pg_temp.h(i, 'kind') % 10 = 1 THEN 'cimd' ELSE 'dynamic' END AS kind
            FROM generate_series(1, :apps) AS i) AS k) AS s;

-- (One transaction committed synchronously: VACUUM can mark every page all-visible at once,
-- which it cannot do before an asynchronous commit reaches the disk.)
VACUUM ANALYZE oauth2_apps;
