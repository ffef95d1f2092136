-- Sign-in sessions and clients are served from each replica's memory too (issue 20;
-- adapters/src/postgres/record_cache.rs), so every write that ends a session or changes a
-- client tells every replica, as V10 does for access tokens. Notifications are sent at
-- commit, deduplicated per transaction; sweeps of expired sessions stay quiet.
CREATE OR REPLACE FUNCTION tessera_notify_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'oauth2_access_tokens' THEN
        PERFORM pg_notify('tessera_revocations', 'token:' || OLD.lookup_id);
    ELSIF TG_TABLE_NAME = 'oauth2_grants' THEN
        PERFORM pg_notify('tessera_revocations', 'grant:' || OLD.id);
    ELSIF TG_TABLE_NAME = 'oauth2_apps' THEN
        PERFORM pg_notify('tessera_revocations', 'app:' || OLD.id);
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('tessera_revocations', 'user:' || OLD.id);
    ELSIF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('tessera_revocations', 'session:' || OLD.lookup_id);
    END IF;
    RETURN NULL;
END;
$$;

-- A live session ended (sign-out, sign-out everywhere, a password change or reset, a
-- suspension, the person deleted).
CREATE TRIGGER sessions_ended AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW WHEN (OLD.expires_at > now()) EXECUTE FUNCTION tessera_notify_revocation();

-- An app changed in any way (not only blocked, as V10 notified) or deleted: the cached client
-- must go with its cached tokens. The note of its last token, written at most once a minute by
-- token requests, changes nothing a cached client holds and stays quiet.
DROP TRIGGER oauth2_apps_blocked ON oauth2_apps;
CREATE TRIGGER oauth2_apps_changed AFTER UPDATE ON oauth2_apps
    FOR EACH ROW
    WHEN (to_jsonb(OLD) - 'last_token_at' IS DISTINCT FROM to_jsonb(NEW) - 'last_token_at')
    EXECUTE FUNCTION tessera_notify_revocation();
CREATE TRIGGER oauth2_apps_deleted AFTER DELETE ON oauth2_apps
    FOR EACH ROW EXECUTE FUNCTION tessera_notify_revocation();
