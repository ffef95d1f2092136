//! What PostgreSQL counted on one table, for tests that pin down how a statement reaches it
//! (an update in place, a lookup by index).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)] // each test file uses a part

use tessera_adapters::postgres::Database;

/// Counts of one table since the database was created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableStats {
    /// Reads of the whole table.
    pub seq_scans: i64,
    /// Rows updated.
    pub updates: i64,
    /// Rows updated in place, writing no index entry (heap-only).
    pub hot_updates: i64,
}

/// `table`'s counts, read through the pool's connection once it has reported its own
/// (`pg_stat_force_next_flush`, PostgreSQL 15 and later, as Debian 12 and later ship): use a
/// pool of one connection so that it is the connection that ran the statements counted.
pub async fn table_stats(db: &Database, table: &str) -> TableStats {
    let client = db.client().await.unwrap();
    client
        .batch_execute("SELECT pg_stat_force_next_flush()")
        .await
        .unwrap();
    let row = client
        .query_one(
            "SELECT seq_scan, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = $1",
            &[&table],
        )
        .await
        .unwrap();
    TableStats {
        seq_scans: row.get(0),
        updates: row.get(1),
        hot_updates: row.get(2),
    }
}
