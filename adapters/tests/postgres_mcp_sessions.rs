//! MCP sessions in PostgreSQL: stored with their owner, gone once idle past the timeout,
//! swept with the rest of the expired state.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::Duration;

use rmcp::model::InitializeRequestParams;
use rmcp::transport::streamable_http_server::session::SessionState;
use tessera_adapters::postgres::{
    Database, McpSessionOwner, PgMcpSessionStore, migrate, sweep_expired,
};
use tessera_adapters::system::{ServerClock, TestClock};
use time::OffsetDateTime;
use uuid::Uuid;

async fn migrated_db() -> Database {
    let db = Database::connect(&tessera_test_support::fresh_database().await, 2).unwrap();
    migrate(&db).await.unwrap();
    db
}

/// A user in the database (sessions reference one), as an owner with some client.
async fn owner(db: &Database) -> McpSessionOwner {
    let user_id = Uuid::new_v4();
    let client = db.client().await.unwrap();
    client
        .execute(
            "INSERT INTO users (id, email, email_normalized, username, password_hash, admin, created_at)
             VALUES ($1, $2, $2, $3, 'x', false, now())",
            &[&user_id, &format!("{user_id}@example.com"), &user_id.to_string()],
        )
        .await
        .unwrap();
    McpSessionOwner {
        user_id,
        client_id: Uuid::new_v4(),
    }
}

fn state() -> SessionState {
    SessionState::new(InitializeRequestParams::default())
}

#[tokio::test]
async fn a_stored_session_comes_back_with_its_owner() {
    let db = migrated_db().await;
    let store = PgMcpSessionStore::new(db.clone(), Duration::from_secs(300), ServerClock::system());
    let owner = owner(&db).await;

    store.save("s1", &state(), owner).await.unwrap();

    let stored = store.load("s1").await.unwrap().expect("stored");
    assert_eq!(stored.owner, Some(owner));
    assert!(store.load("s2").await.unwrap().is_none());
}

#[tokio::test]
async fn a_session_idle_past_the_timeout_is_not_loaded_and_a_touched_one_is() {
    let db = migrated_db().await;
    let clock = TestClock::default();
    let store = PgMcpSessionStore::new(
        db.clone(),
        Duration::from_secs(60),
        ServerClock::test(&clock),
    );
    let owner = owner(&db).await;
    store.save("idle", &state(), owner).await.unwrap();
    store.save("used", &state(), owner).await.unwrap();

    for _ in 0..3 {
        clock.advance(time::Duration::seconds(30));
        store.touch("used").await.unwrap();
    }
    assert!(store.load("used").await.unwrap().is_some());
    assert!(store.load("idle").await.unwrap().is_none(), "idle for 90 s");
    clock.advance(time::Duration::seconds(61));
    assert!(store.load("used").await.unwrap().is_none(), "then idle too");
}

#[tokio::test]
async fn the_sweep_deletes_expired_sessions_and_keeps_live_ones() {
    let db = migrated_db().await;
    let store = PgMcpSessionStore::new(db.clone(), Duration::from_secs(600), ServerClock::system());
    let owner = owner(&db).await;
    store.save("s", &state(), owner).await.unwrap();
    let count = || async {
        let client = db.client().await.unwrap();
        let row = client
            .query_one("SELECT count(*) FROM mcp_sessions", &[])
            .await
            .unwrap();
        row.get::<_, i64>(0)
    };

    sweep_expired(&db, OffsetDateTime::now_utc()).await.unwrap();
    assert_eq!(count().await, 1);
    let later = OffsetDateTime::now_utc() + time::Duration::minutes(11);
    sweep_expired(&db, later).await.unwrap();
    assert_eq!(count().await, 0);
}

#[tokio::test]
async fn deleting_a_user_deletes_their_sessions() {
    let db = migrated_db().await;
    let store = PgMcpSessionStore::new(db.clone(), Duration::from_secs(300), ServerClock::system());
    let owner = owner(&db).await;
    store.save("s", &state(), owner).await.unwrap();

    let client = db.client().await.unwrap();
    client
        .execute("DELETE FROM users WHERE id = $1", &[&owner.user_id])
        .await
        .unwrap();

    assert!(store.load("s").await.unwrap().is_none());
}
