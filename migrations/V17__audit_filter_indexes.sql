-- The audit page and API filter by actor, action and app, newest first (issue 18): an index
-- for each filter, ordered as the pages are, so a filtered page reads only what it shows
-- (the time range uses audit_log_occurred_at_idx of V6).

-- By action.
CREATE INDEX audit_log_action_idx ON audit_log (action, occurred_at DESC, id DESC);
-- By person (by id, or by email through users); also serves the foreign key's
-- ON DELETE SET NULL, so it replaces the single-column index of V6.
CREATE INDEX audit_log_actor_user_idx ON audit_log (actor_user_id, occurred_at DESC, id DESC);
DROP INDEX audit_log_actor_idx;
-- By the name the log shows (a username, `tessera CLI`, `client <id>`).
CREATE INDEX audit_log_actor_name_idx ON audit_log (actor, occurred_at DESC, id DESC);
-- By app: its secrets name it in details (the app and client themselves are found by
-- audit_log_target_idx of V6, what the client did by audit_log_actor_name_idx).
CREATE INDEX audit_log_app_id_idx ON audit_log ((details ->> 'app_id'));
