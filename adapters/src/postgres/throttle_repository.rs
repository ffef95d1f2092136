use std::net::IpAddr;

use tessera_application::RepoError;
use tessera_application::ports::{FailureWindow, ThrottleRepository};
use time::OffsetDateTime;

use super::Database;
use super::errors::db_err;

/// Failed-login counters in PostgreSQL, shared by every replica.
#[derive(Debug, Clone)]
pub struct PgThrottleRepository {
    db: Database,
}

impl PgThrottleRepository {
    /// Wraps the pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

impl ThrottleRepository for PgThrottleRepository {
    async fn failures_since(
        &self,
        email_normalized: &str,
        ip: Option<IpAddr>,
        since: OffsetDateTime,
    ) -> Result<FailureWindow, RepoError> {
        const SQL: &str = "SELECT
              (SELECT count(*) FROM login_failures WHERE email_normalized = $1 AND failed_at >= $3),
              (SELECT min(failed_at) FROM login_failures WHERE email_normalized = $1 AND failed_at >= $3),
              (SELECT count(*) FROM login_failures WHERE client_ip = $2 AND failed_at >= $3),
              (SELECT min(failed_at) FROM login_failures WHERE client_ip = $2 AND failed_at >= $3)";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        let row = client
            .query_one(&stmt, &[&email_normalized, &ip, &since])
            .await
            .map_err(db_err)?;
        let count = |i: usize| u32::try_from(row.get::<_, i64>(i)).unwrap_or(u32::MAX);
        Ok(FailureWindow {
            for_email: count(0),
            oldest_for_email: row.get(1),
            for_ip: count(2),
            oldest_for_ip: row.get(3),
        })
    }

    async fn record_failure(
        &self,
        email_normalized: &str,
        ip: Option<IpAddr>,
        at: OffsetDateTime,
    ) -> Result<(), RepoError> {
        const SQL: &str = "INSERT INTO login_failures (email_normalized, client_ip, failed_at) VALUES ($1, $2, $3)";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        client
            .execute(&stmt, &[&email_normalized, &ip, &at])
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn clear_email(&self, email_normalized: &str) -> Result<(), RepoError> {
        const SQL: &str = "DELETE FROM login_failures WHERE email_normalized = $1";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        client
            .execute(&stmt, &[&email_normalized])
            .await
            .map_err(db_err)?;
        Ok(())
    }
}
