//! One-time password reset links in PostgreSQL, stored only as SHA-256 hashes (SPEC §7).

use tessera_application::RepoError;
use tessera_application::ports::{AuditEntry, NewPasswordReset, PasswordResetRepository};
use tessera_domain::{CredentialHash, LookupId, PasswordHash, UserId};
use time::OffsetDateTime;

use super::Database;
use super::audit_repository::record;
use super::errors::{column, corrupt, db_err};

/// Password reset links in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgPasswordResetRepository {
    db: Database,
}

impl PgPasswordResetRepository {
    /// Wraps the pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

impl PasswordResetRepository for PgPasswordResetRepository {
    async fn insert(&self, r: &NewPasswordReset, audit: &AuditEntry) -> Result<bool, RepoError> {
        // One live link per person: a new one replaces theirs. Nothing for an unknown person.
        const SQL: &str = "INSERT INTO password_resets
                               (lookup_id, secret_hash, user_id, created_at, expires_at)
                           SELECT $1, $2, id, $4, $5 FROM users WHERE id = $3
                           ON CONFLICT (user_id) DO UPDATE SET lookup_id = EXCLUDED.lookup_id,
                               secret_hash = EXCLUDED.secret_hash,
                               created_at = EXCLUDED.created_at, expires_at = EXCLUDED.expires_at";
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        let stmt = tx.prepare_cached(SQL).await.map_err(db_err)?;
        let user = r.user_id.as_uuid();
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] = [
            &r.lookup_id.as_str(),
            &r.hash.as_bytes(),
            &user,
            &r.created_at,
            &r.expires_at,
        ];
        if tx.execute(&stmt, &params).await.map_err(db_err)? == 0 {
            return Ok(false);
        }
        record(&tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn find_live(
        &self,
        lookup_id: &LookupId,
        now: OffsetDateTime,
    ) -> Result<Option<(CredentialHash, UserId)>, RepoError> {
        const SQL: &str = "SELECT secret_hash, user_id FROM password_resets
                           WHERE lookup_id = $1 AND expires_at > $2";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        let row = client
            .query_opt(&stmt, &[&lookup_id.as_str(), &now])
            .await
            .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        let hash = CredentialHash::from_bytes(column(&row, "secret_hash")?)
            .map_err(|e| corrupt("password_reset", e))?;
        Ok(Some((hash, UserId::new(column(&row, "user_id")?))))
    }

    async fn redeem(
        &self,
        lookup_id: &LookupId,
        now: OffsetDateTime,
        hash: &PasswordHash,
        audit: &AuditEntry,
    ) -> Result<Option<UserId>, RepoError> {
        // `DELETE … RETURNING`: of concurrent callers, one gets the row, the others wait
        // for its commit and find nothing.
        const TAKE: &str = "DELETE FROM password_resets WHERE lookup_id = $1 AND expires_at > $2
                            RETURNING user_id";
        const SET: &str = "WITH person AS (UPDATE users SET password_hash = $2 WHERE id = $1)
                           DELETE FROM sessions WHERE user_id = $1";
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        let stmt = tx.prepare_cached(TAKE).await.map_err(db_err)?;
        let taken = tx
            .query_opt(&stmt, &[&lookup_id.as_str(), &now])
            .await
            .map_err(db_err)?;
        let Some(row) = taken else { return Ok(None) };
        let user: uuid::Uuid = column(&row, "user_id")?;
        let stmt = tx.prepare_cached(SET).await.map_err(db_err)?;
        tx.execute(&stmt, &[&user, &hash.as_str()])
            .await
            .map_err(db_err)?;
        record(&tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        drop(client); // never hold one connection while waiting for another
        // The ended sessions must be refused at once by every replica's cache.
        self.db.settle_revocation().await;
        Ok(Some(UserId::new(user)))
    }
}
