//! The sweep of expired state (`sweep_expired`, run by every replica at start and every 10
//! minutes) finds the grants it deletes by index instead of reading the whole table
//! (migrations/V21).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

#[path = "support/table_stats.rs"]
mod table_stats;

use table_stats::table_stats;
use tessera_adapters::postgres::{Database, sweep_expired};
use time::OffsetDateTime;

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
    let before = table_stats(&db, "oauth2_grants").await;

    sweep_expired(&db, OffsetDateTime::now_utc()).await.unwrap();

    assert_eq!(
        table_stats(&db, "oauth2_grants").await.seq_scans,
        before.seq_scans
    );
}
