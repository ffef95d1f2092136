use tessera_application::RepoError;
use tessera_application::ports::{
    Approval, AuditEntry, AuthorizedApp, CodeOutcome, GrantRepository, NewCode, Presenter,
    PresenterRecord, RefreshOutcome, RefreshRow, RefreshTokenRecord,
};
use tessera_domain::{
    AccessTokenRecord, CredentialHash, LookupId, RefreshState, ScopeSet, StoredCode, UserId,
};
use time::OffsetDateTime;
use tokio_postgres::Row;
use uuid::Uuid;

use super::audit_repository::record;
use super::code_insert;
use super::errors::{column, corrupt, db_err};
use super::user_repository::user_from_row;
use super::{Database, RecordCache};

/// Codes, grants, tokens and approvals in PostgreSQL; access-token lookups go through the
/// pool's [`RecordCache`] when it has one.
#[derive(Debug, Clone)]
pub struct PgGrantRepository {
    pub(super) db: Database,
}

impl PgGrantRepository {
    /// Wraps the pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    /// The access token's row with its grant, app and user, from the database.
    async fn read_access_token(
        &self,
        lookup_id: &LookupId,
    ) -> Result<Option<AccessTokenRecord>, RepoError> {
        let sql = format!(
            "SELECT t.secret_hash, t.grant_id, g.app_id, coalesce(a.cimd_url, a.id::text) AS public_client_id,
                    t.audience, t.scopes, t.created_at AS issued_at,
                    t.expires_at,
                    (g.revoked_at IS NOT NULL OR a.blocked OR u.suspended_at IS NOT NULL) AS revoked,
                    {USER_COLUMNS}
             FROM oauth2_access_tokens t
             JOIN oauth2_grants g ON g.id = t.grant_id
             JOIN oauth2_apps a ON a.id = g.app_id
             JOIN users u ON u.id = g.user_id
             WHERE t.lookup_id = $1"
        );
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
        let row = client
            .query_opt(&stmt, &[&lookup_id.as_str()])
            .await
            .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(AccessTokenRecord {
            hash: hash_of(&row, "secret_hash")?,
            grant_id: column(&row, "grant_id")?,
            client_id: column(&row, "app_id")?,
            public_client_id: column(&row, "public_client_id")?,
            user: user_from_row(&row)?,
            audience: column(&row, "audience")?,
            scopes: scopes_of(&row, "scopes")?,
            issued_at: column(&row, "issued_at")?,
            expires_at: column(&row, "expires_at")?,
            revoked: column(&row, "revoked")?,
        }))
    }
}

pub(super) fn hash_of(row: &Row, col: &str) -> Result<CredentialHash, RepoError> {
    let bytes: Vec<u8> = column(row, col)?;
    CredentialHash::from_bytes(&bytes).map_err(|e| corrupt(col, e))
}

pub(super) fn scopes_of(row: &Row, col: &str) -> Result<ScopeSet, RepoError> {
    let scopes: Vec<String> = column(row, col)?;
    ScopeSet::parse(&scopes.join(" ")).map_err(|e| corrupt(col, e))
}

/// The resource of a grant or code: at most one is ever stored.
pub(super) fn resource_of(row: &Row) -> Result<Option<String>, RepoError> {
    let resources: Vec<String> = column(row, "resources")?;
    Ok(resources.into_iter().next())
}

const USER_COLUMNS: &str = "u.id, u.email, u.username, u.admin, u.created_at";

impl GrantRepository for PgGrantRepository {
    async fn approval(
        &self,
        user_id: UserId,
        client_id: Uuid,
        resource: Option<&str>,
    ) -> Result<Option<ScopeSet>, RepoError> {
        const SQL: &str = "SELECT scopes FROM oauth2_approvals
                           WHERE user_id = $1 AND app_id = $2 AND resource = $3";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        let row = client
            .query_opt(
                &stmt,
                &[&user_id.as_uuid(), &client_id, &resource.unwrap_or("")],
            )
            .await
            .map_err(db_err)?;
        row.map(|r| scopes_of(&r, "scopes")).transpose()
    }

    async fn insert_code(
        &self,
        code: &NewCode,
        approval: Option<&Approval>,
    ) -> Result<(), RepoError> {
        code_insert::insert_code(&self.db, code, approval).await
    }

    async fn insert_code_if_approved(&self, code: &NewCode) -> Result<bool, RepoError> {
        code_insert::insert_code_if_approved(&self.db, code).await
    }

    async fn redeem_code<F, T>(
        &self,
        lookup_id: &LookupId,
        presenter: Presenter<'_>,
        decide: F,
    ) -> Result<T, RepoError>
    where
        F: FnOnce(&PresenterRecord, Option<&StoredCode>) -> (CodeOutcome, T) + Send,
        T: Send,
    {
        self.redeem_code_locked(lookup_id, presenter, decide).await
    }

    async fn redeem_refresh<F, T>(
        &self,
        lookup_id: &LookupId,
        presenter: Presenter<'_>,
        decide: F,
    ) -> Result<T, RepoError>
    where
        F: FnOnce(&PresenterRecord, Option<&RefreshRow>) -> (RefreshOutcome, T) + Send,
        T: Send,
    {
        self.redeem_refresh_locked(lookup_id, presenter, decide)
            .await
    }

    async fn find_access_token(
        &self,
        lookup_id: &LookupId,
    ) -> Result<Option<AccessTokenRecord>, RepoError> {
        let cache = self.db.record_cache();
        if let Some(found) = cache.and_then(|c| c.get(lookup_id)) {
            return Ok(Some(found));
        }
        let ticket = cache.and_then(RecordCache::ticket);
        let found = self.read_access_token(lookup_id).await?;
        if let (Some(cache), Some(ticket), Some(record)) = (cache, ticket, &found) {
            cache.put(ticket, lookup_id, record);
        }
        Ok(found)
    }

    async fn find_refresh_token(
        &self,
        lookup_id: &LookupId,
    ) -> Result<Option<RefreshTokenRecord>, RepoError> {
        let sql = format!(
            "SELECT t.secret_hash, t.grant_id, g.app_id, coalesce(a.cimd_url, a.id::text) AS public_client_id,
                    g.scopes, t.created_at AS issued_at,
                    g.expires_at, (t.rotated_at IS NOT NULL OR g.revoked_at IS NOT NULL OR a.blocked
                                  OR u.suspended_at IS NOT NULL) AS inactive,
                    {USER_COLUMNS}
             FROM oauth2_refresh_tokens t
             JOIN oauth2_grants g ON g.id = t.grant_id
             JOIN oauth2_apps a ON a.id = g.app_id
             JOIN users u ON u.id = g.user_id
             WHERE t.lookup_id = $1"
        );
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
        let row = client
            .query_opt(&stmt, &[&lookup_id.as_str()])
            .await
            .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        Ok(Some(RefreshTokenRecord {
            hash: hash_of(&row, "secret_hash")?,
            grant_id: column(&row, "grant_id")?,
            client_id: column(&row, "app_id")?,
            public_client_id: column(&row, "public_client_id")?,
            user: user_from_row(&row)?,
            scopes: scopes_of(&row, "scopes")?,
            issued_at: column(&row, "issued_at")?,
            expires_at: column(&row, "expires_at")?,
            inactive: column(&row, "inactive")?,
        }))
    }

    async fn delete_access_token(&self, lookup_id: &LookupId) -> Result<(), RepoError> {
        let client = self.db.client().await?;
        let stmt = client
            .prepare_cached("DELETE FROM oauth2_access_tokens WHERE lookup_id = $1")
            .await
            .map_err(db_err)?;
        client
            .execute(&stmt, &[&lookup_id.as_str()])
            .await
            .map_err(db_err)?;
        drop(client);
        self.db.settle_revocation().await;
        Ok(())
    }

    async fn revoke_grant(&self, grant_id: Uuid, audit: &AuditEntry) -> Result<(), RepoError> {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        revoke_grant_in(&tx, grant_id, audit).await?;
        tx.commit().await.map_err(db_err)?;
        drop(client);
        self.db.settle_revocation().await;
        Ok(())
    }

    async fn revoke_authorization(
        &self,
        user_id: UserId,
        client_id: Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        const GRANTS: &str = "UPDATE oauth2_grants SET revoked_at = $3
                              WHERE user_id = $1 AND app_id = $2 AND revoked_at IS NULL";
        const CODES: &str = "DELETE FROM oauth2_codes
                             WHERE user_id = $1 AND app_id = $2 AND consumed_at IS NULL";
        const APPROVALS: &str = "DELETE FROM oauth2_approvals WHERE user_id = $1 AND app_id = $2";
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        let user = user_id.as_uuid();
        let mut changed = 0;
        for (sql, with_time) in [(GRANTS, true), (CODES, false), (APPROVALS, false)] {
            let stmt = tx.prepare_cached(sql).await.map_err(db_err)?;
            changed += match with_time {
                true => tx.execute(&stmt, &[&user, &client_id, &audit.at]).await,
                false => tx.execute(&stmt, &[&user, &client_id]).await,
            }
            .map_err(db_err)?;
        }
        if changed > 0 {
            record(&tx, audit).await?;
        }
        tx.commit().await.map_err(db_err)?;
        drop(client);
        self.db.settle_revocation().await;
        Ok(changed > 0)
    }

    async fn authorized_apps(
        &self,
        user_id: UserId,
        now: OffsetDateTime,
    ) -> Result<Vec<AuthorizedApp>, RepoError> {
        const SQL: &str = "SELECT coalesce(a.cimd_url, a.id::text) AS client_id, a.name,
                                  ARRAY(SELECT DISTINCT unnest(array_agg_scopes)) AS scopes,
                                  first_at, last_at
                           FROM (SELECT g.app_id, min(g.created_at) AS first_at, max(g.created_at) AS last_at,
                                        array_agg(s) AS array_agg_scopes
                                 FROM oauth2_grants g, unnest(g.scopes) s
                                 WHERE g.user_id = $1 AND g.revoked_at IS NULL AND g.expires_at > $2
                                 GROUP BY g.app_id) live
                           JOIN oauth2_apps a ON a.id = live.app_id
                           ORDER BY last_at DESC, a.id";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        let rows = client
            .query(&stmt, &[&user_id.as_uuid(), &now])
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|row| {
                Ok(AuthorizedApp {
                    client_id: column(row, "client_id")?,
                    name: column(row, "name")?,
                    scopes: scopes_of(row, "scopes")?,
                    first_authorized_at: column(row, "first_at")?,
                    last_authorized_at: column(row, "last_at")?,
                })
            })
            .collect()
    }
}

/// Revokes a grant inside the caller's transaction and records why.
pub(super) async fn revoke_grant_in(
    tx: &impl deadpool_postgres::GenericClient,
    grant_id: Uuid,
    audit: &AuditEntry,
) -> Result<(), RepoError> {
    const SQL: &str =
        "UPDATE oauth2_grants SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL";
    let stmt = tx.prepare_cached(SQL).await.map_err(db_err)?;
    if tx
        .execute(&stmt, &[&grant_id, &audit.at])
        .await
        .map_err(db_err)?
        > 0
    {
        record(tx, audit).await?;
    }
    Ok(())
}

/// The state rotation looks at, from the grant row and the token row.
pub(super) fn refresh_row(grant: &Row, token: &Row) -> Result<RefreshRow, RepoError> {
    let revoked_at: Option<OffsetDateTime> = column(grant, "revoked_at")?;
    Ok(RefreshRow {
        state: RefreshState {
            hash: hash_of(token, "secret_hash")?,
            generation: column(token, "generation")?,
            rotated_at: column(token, "rotated_at")?,
            current_generation: column(token, "current_generation")?,
            client_id: column(grant, "app_id")?,
            grant_expires_at: column(grant, "expires_at")?,
            grant_revoked: revoked_at.is_some(),
        },
        grant_id: column(grant, "grant_id")?,
        scopes: scopes_of(grant, "scopes")?,
        resource: resource_of(grant)?,
    })
}
