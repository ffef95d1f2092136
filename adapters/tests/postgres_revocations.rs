//! Access tokens served from memory, and every revoking write reaching the cache through
//! PostgreSQL notifications (migrations/V10, record_cache.rs, revocation_listener.rs), against
//! a real database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers

use std::sync::Arc;
use std::time::{Duration, Instant};

use tessera_adapters::postgres::{
    Database, PgAppRepository, PgGrantRepository, PgSessionRepository, RecordCache,
    listen_for_revocations,
};
use tessera_application::ports::{ClientRepository, GrantRepository, SessionRepository};
use tessera_domain::{Credential, CredentialKind, RedirectUri};
use time::OffsetDateTime;
use uuid::Uuid;

/// A user, an app, a grant and one live access token, with a listening cache.
struct World {
    db: Database,
    cache: Arc<RecordCache>,
    repo: PgGrantRepository,
    grant: Uuid,
    token: Credential,
}

/// Waits (at most 5 s) until `condition` holds; fails naming `what` otherwise.
async fn eventually(what: &str, mut condition: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !condition().await {
        assert!(Instant::now() < deadline, "{what} within 5 s");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

async fn execute(db: &Database, sql: &str, params: &[&(dyn tokio_postgres::types::ToSql + Sync)]) {
    db.client()
        .await
        .unwrap()
        .execute(sql, params)
        .await
        .unwrap();
}

async fn world() -> World {
    let cache = Arc::new(RecordCache::default());
    let db = Database::connect(&tessera_test_support::migrated_database().await, 4)
        .unwrap()
        .with_record_cache(cache.clone());
    tokio::spawn(listen_for_revocations(db.clone(), cache.clone()));
    eventually("the listener listens", async || cache.enabled()).await;
    let (user, app, grant) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let token = Credential::from_entropy(CredentialKind::AccessToken, [3; 8], [4; 32]);
    execute(
        &db,
        "INSERT INTO users (id, email, email_normalized, username, password_hash, created_at)
                  VALUES ($1, 'a@example.com', 'a@example.com', 'a', 'x', now())",
        &[&user],
    )
    .await;
    execute(&db, "INSERT INTO oauth2_apps (id, name, callback_url, redirect_uris, client_type,
                  token_endpoint_auth_method, source, created_at, updated_at)
                  VALUES ($1, 'App', 'https://a.example/cb', '{https://a.example/cb}', 'public', 'none',
                  'admin', now(), now())", &[&app]).await;
    execute(
        &db,
        "INSERT INTO oauth2_grants (id, app_id, user_id, scopes, created_at, expires_at)
                  VALUES ($1, $2, $3, '{mcp}', now(), now() + interval '1 day')",
        &[&grant, &app, &user],
    )
    .await;
    let hash = token.hash();
    execute(&db, "INSERT INTO oauth2_access_tokens (lookup_id, secret_hash, grant_id, audience, scopes,
                  created_at, expires_at) VALUES ($1, $2, $3, 'https://auth.example', '{mcp}', now(),
                  now() + interval '1 hour')", &[&token.lookup_id().as_str(), &hash.as_bytes(), &grant]).await;
    let repo = PgGrantRepository::new(db.clone());
    World {
        db,
        cache,
        repo,
        grant,
        token,
    }
}

impl World {
    /// Whether a lookup finds the token live (and whether the cache answered it).
    async fn live(&self) -> bool {
        let found = self
            .repo
            .find_access_token(self.token.lookup_id())
            .await
            .unwrap();
        found.is_some_and(|r| !r.revoked)
    }

    /// Looks the token up twice: the second answer comes from memory.
    async fn warm(&self) {
        assert!(self.live().await);
        let hits = self.cache.stats().hits;
        assert!(self.live().await);
        assert_eq!(self.cache.stats().hits, hits + 1, "served from memory");
    }
}

#[tokio::test]
async fn each_revoking_write_reaches_the_cache() {
    let writes = [
        "DELETE FROM oauth2_access_tokens WHERE grant_id = $1",
        "UPDATE oauth2_grants SET revoked_at = now() WHERE id = $1",
        "UPDATE oauth2_apps SET blocked = true WHERE id = (SELECT app_id FROM oauth2_grants WHERE id = $1)",
        "UPDATE users SET admin = true WHERE id = (SELECT user_id FROM oauth2_grants WHERE id = $1)",
        "DELETE FROM oauth2_apps WHERE id = (SELECT app_id FROM oauth2_grants WHERE id = $1)",
    ];
    for write in writes {
        let w = world().await;
        w.warm().await;
        execute(&w.db, write, &[&w.grant]).await;
        // A user change keeps the token live but must drop the cached copy of the user.
        let changed_user = write.starts_with("UPDATE users");
        eventually(write, async || {
            let found = w.repo.find_access_token(w.token.lookup_id()).await.unwrap();
            match changed_user {
                true => found.is_some_and(|r| r.user.admin),
                false => found.is_none_or(|r| r.revoked),
            }
        })
        .await;
    }
}

#[tokio::test]
async fn sweeping_an_expired_token_sends_no_notice() {
    let w = world().await;
    let (_listening, mut notices) = w.db.listen("tessera_revocations", "test").await.unwrap();
    execute(
        &w.db,
        "UPDATE oauth2_access_tokens SET expires_at = now() - interval '1 minute'",
        &[],
    )
    .await;
    execute(
        &w.db,
        "DELETE FROM oauth2_access_tokens WHERE expires_at < now()",
        &[],
    )
    .await;
    execute(
        &w.db,
        "UPDATE oauth2_grants SET revoked_at = now() WHERE id = $1",
        &[&w.grant],
    )
    .await;
    let first = tokio::time::timeout(Duration::from_secs(5), notices.recv())
        .await
        .unwrap();
    assert_eq!(
        first,
        Some(format!("grant:{}", w.grant)),
        "the sweep was silent"
    );
}

#[tokio::test]
async fn a_lost_listener_turns_the_cache_off_and_empties_it_until_it_listens_again() {
    let w = world().await;
    w.warm().await;
    assert_eq!(w.cache.stats().entries, 1);
    execute(
        &w.db,
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE application_name = 'tessera-revocations' AND datname = current_database()",
        &[],
    )
    .await;
    eventually("the outage is noticed", async || {
        w.cache.stats().outages == 1
    })
    .await;
    assert_eq!(
        w.cache.stats().entries,
        0,
        "nothing is served from before the outage"
    );
    eventually("the listener listens again", async || w.cache.enabled()).await;
    assert!(w.live().await);
}

/// A live session of the world's person, stored; its credential.
async fn session(w: &World) -> Credential {
    let session = Credential::from_entropy(CredentialKind::Session, [5; 8], [6; 32]);
    let hash = session.hash();
    execute(&w.db, "INSERT INTO sessions (lookup_id, secret_hash, user_id, created_at, expires_at)
                  SELECT $1, $2, user_id, now(), now() + interval '1 day' FROM oauth2_grants WHERE id = $3",
        &[&session.lookup_id().as_str(), &hash.as_bytes(), &w.grant]).await;
    session
}

/// The id of the world's app.
async fn app_of(w: &World) -> Uuid {
    let client = w.db.client().await.unwrap();
    let sql = "SELECT app_id FROM oauth2_grants WHERE id = $1";
    client.query_one(sql, &[&w.grant]).await.unwrap().get(0)
}

#[tokio::test]
async fn a_signed_out_session_is_refused_at_once_and_any_ended_one_soon_after() {
    let w = world().await;
    let sessions = PgSessionRepository::new(w.db.clone());
    let signed_out = session(&w).await;
    let now = OffsetDateTime::now_utc();
    assert!(
        sessions
            .find_live(signed_out.lookup_id(), now)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        w.cache.session(signed_out.lookup_id(), now).is_some(),
        "held in memory"
    );
    sessions.delete(signed_out.lookup_id()).await.unwrap();
    assert!(
        w.cache.session(signed_out.lookup_id(), now).is_none(),
        "dropped before the answer"
    );
    assert!(
        sessions
            .find_live(signed_out.lookup_id(), now)
            .await
            .unwrap()
            .is_none()
    );
    // Any other write that ends a session reaches the cache through its notice.
    let ended = session(&w).await;
    assert!(
        sessions
            .find_live(ended.lookup_id(), now)
            .await
            .unwrap()
            .is_some()
    );
    execute(
        &w.db,
        "DELETE FROM sessions WHERE lookup_id = $1",
        &[&ended.lookup_id().as_str()],
    )
    .await;
    eventually("the ended session leaves the cache", async || {
        w.cache.session(ended.lookup_id(), now).is_none()
    })
    .await;
}

#[tokio::test]
async fn a_changed_or_deleted_app_leaves_the_cache_with_its_tokens() {
    for write in [
        "UPDATE oauth2_apps SET redirect_uris = '{https://b.example/cb}' WHERE id = $1",
        "UPDATE oauth2_apps SET blocked = true WHERE id = $1",
        "DELETE FROM oauth2_apps WHERE id = $1",
    ] {
        let w = world().await;
        let (app, apps) = (app_of(&w).await, PgAppRepository::new(w.db.clone()));
        let before = apps.find_client(app).await.unwrap().unwrap();
        assert_eq!(w.cache.client(app), Some(before.clone()), "held in memory");
        execute(&w.db, write, &[&app]).await;
        eventually(write, async || w.cache.client(app).is_none()).await;
        let after = apps.find_client(app).await.unwrap();
        match write.starts_with("DELETE") {
            true => assert!(after.is_none()),
            false => assert_eq!(
                after.map(|c| c.redirect_uris),
                Some(match write.contains("b.example") {
                    true => vec![RedirectUri::parse("https://b.example/cb").unwrap()],
                    false => before.redirect_uris,
                })
            ),
        }
    }
}

#[tokio::test]
async fn noting_an_apps_last_token_or_sweeping_ended_sessions_sends_no_notice() {
    let w = world().await;
    let ended = session(&w).await;
    let (_listening, mut notices) = w.db.listen("tessera_revocations", "test").await.unwrap();
    let app = app_of(&w).await;
    execute(
        &w.db,
        "UPDATE oauth2_apps SET last_token_at = now() WHERE id = $1",
        &[&app],
    )
    .await;
    execute(
        &w.db,
        "UPDATE sessions SET expires_at = now() - interval '1 minute'",
        &[],
    )
    .await;
    execute(&w.db, "DELETE FROM sessions WHERE expires_at < now()", &[]).await;
    execute(
        &w.db,
        "UPDATE oauth2_grants SET revoked_at = now() WHERE id = $1",
        &[&w.grant],
    )
    .await;
    let expiring = format!("session:{}", ended.lookup_id().as_str());
    let first = tokio::time::timeout(Duration::from_secs(5), notices.recv())
        .await
        .unwrap();
    assert_eq!(
        first,
        Some(expiring),
        "shortening a live session ends it: one notice"
    );
    let next = tokio::time::timeout(Duration::from_secs(5), notices.recv())
        .await
        .unwrap();
    assert_eq!(
        next,
        Some(format!("grant:{}", w.grant)),
        "then nothing but the revocation"
    );
}
