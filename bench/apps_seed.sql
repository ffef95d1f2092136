-- bench/apps_seed.sql: :apps OAuth2 apps with valid shapes (migrations/V3, V8), for
-- bench/apps_listing.sh: 10% created by an admin, 80% registered dynamically (from 256
-- addresses in 203.0.113.0/24 and 198.51.100.0/24), 10% metadata-document clients; every
-- third dynamic or document client public; 1% blocked; 30% with a last token in the last
-- 120 days; creation times spread over a year. Then VACUUM ANALYZE, as autovacuum would.
\set ON_ERROR_STOP on
SET synchronous_commit = off;  -- seeding only

INSERT INTO oauth2_apps (id, name, callback_url, redirect_uris, client_type,
                         token_endpoint_auth_method, application_type, source, created_from_ip,
                         created_user_agent, software_id, cimd_url, blocked, last_token_at,
                         created_at, updated_at)
SELECT md5('app' || i)::uuid,
       (ARRAY['Claude Code', 'Cursor', 'VS Code', 'MCP Inspector', 'Docs bot'])[1 + i % 5] || ' ' || i,
       'http://127.0.0.1:33418/callback', ARRAY['http://127.0.0.1:33418/callback'],
       CASE WHEN kind = 'cimd' OR (kind = 'dynamic' AND i % 3 = 0) THEN 'public' ELSE 'confidential' END,
       CASE WHEN kind = 'cimd' OR (kind = 'dynamic' AND i % 3 = 0) THEN 'none' ELSE 'client_secret_basic' END,
       'native', kind,
       CASE WHEN kind = 'dynamic'
            THEN ((CASE WHEN i % 2 = 0 THEN '203.0.113.' ELSE '198.51.100.' END) || (i % 256))::inet END,
       CASE WHEN kind = 'dynamic' THEN 'claude-code/2.0.' || (i % 40) END,
       CASE WHEN kind = 'dynamic' THEN 'bench-' || (i % 7) END,
       CASE WHEN kind = 'cimd' THEN 'https://client' || i || '.example.com/oauth/client.json' END,
       i % 100 = 0,
       CASE WHEN i % 10 < 3 THEN now() - (i % 120) * interval '1 day' - (i % 1440) * interval '1 minute' END,
       now() - interval '365 days' + i * (interval '365 days' / :apps),
       now()
FROM (SELECT i, CASE WHEN i % 10 = 0 THEN 'admin' WHEN i % 10 = 5 THEN 'cimd' ELSE 'dynamic' END AS kind
      FROM generate_series(1, :apps) AS i) AS s;

VACUUM ANALYZE oauth2_apps;
