-- The apps page and API list apps one page at a time (issue 18). Each order has an index
-- that yields its rows in order, so a page reads its own rows (and, for a deep page, the
-- index entries before it) instead of sorting the whole table; the second also serves the
-- "never used" and "used within N days" filters, which are ranges of its first column.
CREATE INDEX oauth2_apps_created_idx ON oauth2_apps (created_at, id);
CREATE INDEX oauth2_apps_last_token_idx ON oauth2_apps (last_token_at NULLS FIRST, created_at, id);
-- Every filter but the search text, so that counting the matches of a filter reads this
-- small index instead of the wide rows.
CREATE INDEX oauth2_apps_filters_idx ON oauth2_apps (source, blocked, client_type, last_token_at);
-- A whole IP address searched for finds the apps registered from it.
CREATE INDEX oauth2_apps_created_from_ip_idx ON oauth2_apps (created_from_ip);
