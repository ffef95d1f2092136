//! The sweep of expired state (`sweep_expired`, run by every replica at start and every 10
//! minutes) finds the grants it deletes by index instead of reading the whole table
//! (migrations/V21).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use tessera_adapters::postgres::{Database, sweep_expired};
use time::OffsetDateTime;

/// Sequential scans of `oauth2_grants` so far, as counted through the pool's one connection
/// once it has reported its counts (`pg_stat_force_next_flush`, PostgreSQL 15 and later).
async fn grant_table_scans(db: &Database) -> i64 {
    let client = db.client().await.unwrap();
    client
        .batch_execute("SELECT pg_stat_force_next_flush()")
        .await
        .unwrap();
    let row = client
        .query_one(
            "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'oauth2_grants'",
            &[],
        )
        .await
        .unwrap();
    row.get(0)
}

#[tokio::test]
async fn the_sweep_finds_expired_and_revoked_grants_without_reading_the_whole_table() {
    let url = tessera_test_support::migrated_database().await;
    // A table this small is cheaper to read whole; forbid that wherever an index can answer,
    // for the connections opened from now on.
    let setup = Database::connect(&url, 1).unwrap();
    setup
        .client()
        .await
        .unwrap()
        .batch_execute(
            "DO $$ BEGIN
                 EXECUTE format('ALTER DATABASE %I SET enable_seqscan = off', current_database());
             END $$",
        )
        .await
        .unwrap();
    let db = Database::connect(&url, 1).unwrap();
    let before = grant_table_scans(&db).await;

    sweep_expired(&db, OffsetDateTime::now_utc()).await.unwrap();

    assert_eq!(grant_table_scans(&db).await, before);
}
