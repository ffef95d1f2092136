use tessera_application::RepoError;
use tessera_application::ports::{AuditEntry, NewSession, SessionRepository};
use tessera_domain::{CredentialHash, LookupId, User, UserId};
use time::OffsetDateTime;

use super::audit_repository::record;
use super::errors::{column, corrupt, db_err};
use super::user_repository::user_from_row;
use super::{Database, RecordCache, SessionRecord};

/// Sessions in PostgreSQL, stored only as SHA-256 hashes.
#[derive(Debug, Clone)]
pub struct PgSessionRepository {
    db: Database,
}

impl PgSessionRepository {
    /// Wraps the pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

impl SessionRepository for PgSessionRepository {
    async fn insert(&self, s: &NewSession) -> Result<(), RepoError> {
        const SQL: &str =
            "INSERT INTO sessions (lookup_id, secret_hash, user_id, created_at, expires_at)
                           VALUES ($1, $2, $3, $4, $5)";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        let user_id = s.user.id.as_uuid();
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] = [
            &s.lookup_id.as_str(),
            &s.hash.as_bytes(),
            &user_id,
            &s.created_at,
            &s.expires_at,
        ];
        client.execute(&stmt, &params).await.map_err(db_err)?;
        Ok(())
    }

    async fn find_live(
        &self,
        lookup_id: &LookupId,
        now: OffsetDateTime,
    ) -> Result<Option<(CredentialHash, User)>, RepoError> {
        const SQL: &str =
            "SELECT s.secret_hash, s.expires_at, u.id, u.email, u.username, u.admin, u.created_at
                           FROM sessions s JOIN users u ON u.id = s.user_id
                           WHERE s.lookup_id = $1 AND s.expires_at > $2
                             AND u.suspended_at IS NULL";
        let cache = self.db.record_cache();
        if let Some(found) = cache.and_then(|c| c.session(lookup_id, now)) {
            return Ok(Some((found.hash, found.user)));
        }
        let ticket = cache.and_then(RecordCache::ticket);
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        let Some(row) = client
            .query_opt(&stmt, &[&lookup_id.as_str(), &now])
            .await
            .map_err(db_err)?
        else {
            return Ok(None);
        };
        let session = SessionRecord {
            hash: CredentialHash::from_bytes(column(&row, "secret_hash")?)
                .map_err(|e| corrupt("session", e))?,
            user: user_from_row(&row)?,
            expires_at: column(&row, "expires_at")?,
        };
        if let (Some(cache), Some(ticket)) = (cache, ticket) {
            cache.put_session(ticket, lookup_id, &session);
        }
        Ok(Some((session.hash, session.user)))
    }

    async fn delete(&self, lookup_id: &LookupId) -> Result<(), RepoError> {
        let client = self.db.client().await?;
        let stmt = client
            .prepare_cached("DELETE FROM sessions WHERE lookup_id = $1")
            .await
            .map_err(db_err)?;
        client
            .execute(&stmt, &[&lookup_id.as_str()])
            .await
            .map_err(db_err)?;
        drop(client); // never hold one connection while waiting for another
        self.db.settle_revocation().await;
        Ok(())
    }

    async fn end_all(&self, user: UserId, audit: &AuditEntry) -> Result<u64, RepoError> {
        const SQL: &str = "DELETE FROM sessions WHERE user_id = $1";
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        let stmt = tx.prepare_cached(SQL).await.map_err(db_err)?;
        let ended = tx
            .execute(&stmt, &[&user.as_uuid()])
            .await
            .map_err(db_err)?;
        record(&tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        drop(client); // never hold one connection while waiting for another
        self.db.settle_revocation().await;
        Ok(ended)
    }
}
