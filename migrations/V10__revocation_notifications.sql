-- Every write that ends an access token's validity notifies every replica, so a replica may
-- keep verified access tokens in memory and still refuse a revoked one at once (SPEC §4;
-- adapters/src/postgres/token_cache.rs). Notifications are sent at commit, deduplicated per
-- transaction, and only for what can still be live: sweeps of expired rows stay quiet.
CREATE FUNCTION tessera_notify_revocation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'oauth2_access_tokens' THEN
        PERFORM pg_notify('tessera_revocations', 'token:' || OLD.lookup_id);
    ELSIF TG_TABLE_NAME = 'oauth2_grants' THEN
        PERFORM pg_notify('tessera_revocations', 'grant:' || OLD.id);
    ELSIF TG_TABLE_NAME = 'oauth2_apps' THEN
        PERFORM pg_notify('tessera_revocations', 'app:' || OLD.id);
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('tessera_revocations', 'user:' || OLD.id);
    END IF;
    RETURN NULL;
END;
$$;

-- A live access token deleted (revocation, code replay, cascades from its grant, app or user).
CREATE TRIGGER oauth2_access_tokens_revoked AFTER DELETE ON oauth2_access_tokens
    FOR EACH ROW WHEN (OLD.expires_at > now()) EXECUTE FUNCTION tessera_notify_revocation();

-- A grant revoked (revocation, refresh reuse, a person revoking an app, a block).
CREATE TRIGGER oauth2_grants_revoked AFTER UPDATE OF revoked_at ON oauth2_grants
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION tessera_notify_revocation();

-- An app blocked.
CREATE TRIGGER oauth2_apps_blocked AFTER UPDATE OF blocked ON oauth2_apps
    FOR EACH ROW WHEN (NEW.blocked AND NOT OLD.blocked) EXECUTE FUNCTION tessera_notify_revocation();

-- A person changed (role, suspension…) or deleted: their cached tokens carry their old record.
CREATE TRIGGER users_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION tessera_notify_revocation();
