//! Opening the pool's connections before the first request. A fresh PostgreSQL backend
//! takes tens of milliseconds under load to start, then to plan its first statements and
//! load their tables' catalogs: a replica started while traffic arrives made its first
//! requests wait 40–120 ms for that (issue 20's stalls, docs/benchmarks.md).

use futures_util::future::join_all;

use super::Database;
use super::code_insert::IF_APPROVED_SQL;
use super::grant_redemption::token_statements;

impl Database {
    /// Opens every connection the pool may hold, at once, and prepares on each the
    /// statements of the code flow and the refresh; returns how many connections are open.
    /// A connection that cannot be opened or prepared is logged and left to be opened on
    /// demand, as before: warming never stops a start.
    pub async fn warm_up(&self) -> usize {
        let size = self.status().max_size;
        // All checked out together, so each is a connection of its own.
        let clients = join_all((0..size).map(|_| self.client())).await;
        let mut statements = vec![IF_APPROVED_SQL.as_str()];
        statements.extend(token_statements());
        let prepared = join_all(clients.iter().flatten().map(|client| async {
            for sql in &statements {
                client.prepare_cached(sql).await?;
            }
            Ok::<_, tokio_postgres::Error>(())
        }))
        .await;
        let failed = clients.iter().filter(|c| c.is_err()).count();
        if let Some(Err(e)) = clients.iter().find(|c| c.is_err()) {
            tracing::warn!(error = %e, failed, "opening database connections at start");
        }
        if let Some(Err(e)) = prepared.iter().find(|p| p.is_err()) {
            tracing::warn!(error = %e, "preparing statements at start");
        }
        size - failed
    }
}
