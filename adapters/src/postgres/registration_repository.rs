use tessera_application::RepoError;
use tessera_application::ports::{
    AuditEntry, NewRegistration, RateLimitRepository, RegisteredClient, RegistrationRepository,
};
use tessera_domain::{ClientMetadata, ClientMetadataInput, CredentialHash, HttpUrl, LookupId};
use time::OffsetDateTime;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::Database;
use super::audit_repository::{details_json, record, write_audited};
use super::errors::{column, corrupt, db_err};
use super::grant_repository::hash_of;

/// The name shown for a registered client that sent no `client_name`.
const UNNAMED: &str = "Unnamed client";

/// Dynamically registered clients in PostgreSQL (rows of `oauth2_apps` with source `dynamic`).
#[derive(Debug, Clone)]
pub struct PgRegistrationRepository {
    db: Database,
}

impl PgRegistrationRepository {
    /// Wraps the pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

const METADATA_COLUMNS: &str =
    "redirect_uris, client_name_given, client_uri, logo_uri, tos_uri, policy_uri, jwks_uri,
    jwks, software_id, software_version, grant_types, response_types, token_endpoint_auth_method,
    application_type, scope, contacts";

fn url(u: Option<&HttpUrl>) -> Option<&str> {
    u.map(HttpUrl::as_str)
}

/// The metadata columns, in the order of `$2…$19` of the statements below.
pub(super) fn metadata_params(
    m: &ClientMetadata,
    unnamed: &str,
) -> Result<Vec<Box<dyn ToSql + Sync + Send>>, RepoError> {
    let jwks: Option<serde_json::Value> = m
        .jwks()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| RepoError::Unexpected(anyhow::anyhow!("jwks is not JSON: {e}")))?;
    let uris: Vec<String> = m
        .redirect_uris()
        .iter()
        .map(|u| u.as_str().to_owned())
        .collect();
    let name = m.client_name().map_or(unnamed, |n| n.as_str()).to_owned();
    let strs = |v: Vec<&'static str>| v.into_iter().map(str::to_owned).collect::<Vec<_>>();
    Ok(vec![
        Box::new(name),
        Box::new(url(m.logo_uri()).unwrap_or_default().to_owned()),
        Box::new(uris[0].clone()),
        Box::new(uris),
        Box::new(m.client_type().as_str()),
        Box::new(m.token_endpoint_auth_method().as_str()),
        Box::new(m.application_type().as_str()),
        Box::new(strs(m.grant_types().iter().map(|g| g.as_str()).collect())),
        Box::new(strs(
            m.response_types().iter().map(|r| r.as_str()).collect(),
        )),
        Box::new(m.scope().map(|s| s.to_string())),
        Box::new(url(m.client_uri()).map(str::to_owned)),
        Box::new(url(m.logo_uri()).map(str::to_owned)),
        Box::new(url(m.tos_uri()).map(str::to_owned)),
        Box::new(url(m.policy_uri()).map(str::to_owned)),
        Box::new(url(m.jwks_uri()).map(str::to_owned)),
        Box::new(jwks),
        Box::new(m.software_id().map(str::to_owned)),
        Box::new(m.software_version().map(str::to_owned)),
        Box::new(m.contacts().to_vec()),
        Box::new(m.client_name().is_some()),
    ])
}

/// Re-parses a stored client through the domain's registration rules.
fn client_from_row(row: &Row) -> Result<RegisteredClient, RepoError> {
    let named: bool = column(row, "client_name_given")?;
    let input = ClientMetadataInput {
        redirect_uris: Some(column(row, "redirect_uris")?),
        client_name: match named {
            true => Some(column(row, "name")?),
            false => None,
        },
        client_uri: column(row, "client_uri")?,
        logo_uri: column(row, "logo_uri")?,
        tos_uri: column(row, "tos_uri")?,
        policy_uri: column(row, "policy_uri")?,
        jwks_uri: column(row, "jwks_uri")?,
        jwks: column::<Option<serde_json::Value>>(row, "jwks")?.map(|j| j.to_string()),
        software_id: column(row, "software_id")?,
        software_version: column(row, "software_version")?,
        grant_types: Some(column(row, "grant_types")?),
        response_types: Some(column(row, "response_types")?),
        token_endpoint_auth_method: Some(column(row, "token_endpoint_auth_method")?),
        application_type: Some(column(row, "application_type")?),
        scope: column(row, "scope")?,
        contacts: Some(column(row, "contacts")?),
    };
    Ok(RegisteredClient {
        id: column(row, "id")?,
        metadata: ClientMetadata::parse(input).map_err(|e| corrupt("oauth2_apps", e))?,
        issued_at: column(row, "created_at")?,
        updated_at: column(row, "updated_at")?,
    })
}

/// Whether one more registered or document client fits under `max_clients`. No lock: the
/// count is what this transaction sees, so registrations that run at once may all see room
/// and the cap may be passed by fewer than the connections writing at that moment (the pool
/// size per replica). A global lock would serialize every registration behind one WAL flush
/// each; an approximate cap is what the setting needs (issue 15). The count is the sum of
/// the 16 rows V18's triggers keep, not a count of every client (issue 20).
pub(super) async fn room_for_a_client(
    tx: &deadpool_postgres::Transaction<'_>,
    max_clients: i64,
) -> Result<bool, RepoError> {
    const COUNT: &str = "SELECT coalesce(sum(clients), 0)::bigint FROM oauth2_client_counts";
    let count = tx.prepare_cached(COUNT).await.map_err(db_err)?;
    let count: i64 = tx.query_one(&count, &[]).await.map_err(db_err)?.get(0);
    Ok(count < max_clients)
}

impl RegistrationRepository for PgRegistrationRepository {
    async fn insert(
        &self,
        r: &NewRegistration,
        audit: &AuditEntry,
        max_clients: i64,
    ) -> Result<bool, RepoError> {
        const INSERT: &str = "INSERT INTO oauth2_apps (id, name, icon, callback_url, redirect_uris, client_type,
                token_endpoint_auth_method, application_type, grant_types, response_types, scope, client_uri,
                logo_uri, tos_uri, policy_uri, jwks_uri, jwks, software_id, software_version, contacts,
                client_name_given, source, registration_lookup_id, registration_secret_hash, created_from_ip,
                created_user_agent, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                $21, 'dynamic', $22, $23, $24, $25, $26, $26)";
        const SECRET: &str = "INSERT INTO oauth2_app_secrets (id, app_id, lookup_id, secret_hash, display_suffix, created_at)
                              VALUES ($1, $2, $3, $4, $5, $6)";
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        if !room_for_a_client(&tx, max_clients).await? {
            return Ok(false);
        }
        let metadata = metadata_params(&r.client.metadata, UNNAMED)?;
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&r.client.id];
        params.extend(metadata.iter().map(|b| b.as_ref() as &(dyn ToSql + Sync)));
        let lookup = r.token_lookup_id.as_str();
        let hash = r.token_hash.as_bytes();
        params.extend([
            &lookup as &(dyn ToSql + Sync),
            &hash,
            &r.origin.ip,
            &r.origin.user_agent,
            &r.client.issued_at,
        ]);
        let stmt = tx.prepare_cached(INSERT).await.map_err(db_err)?;
        tx.execute(&stmt, &params).await.map_err(db_err)?;
        if let Some(secret) = &r.secret {
            let stmt = tx.prepare_cached(SECRET).await.map_err(db_err)?;
            tx.execute(
                &stmt,
                &[
                    &secret.info.id,
                    &r.client.id,
                    &secret.lookup_id.as_str(),
                    &secret.hash.as_bytes(),
                    &secret.info.display_suffix,
                    &secret.info.created_at,
                ],
            )
            .await
            .map_err(db_err)?;
        }
        record(&tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn find(
        &self,
        id: Uuid,
    ) -> Result<Option<(RegisteredClient, LookupId, CredentialHash)>, RepoError> {
        let sql = format!(
            "SELECT id, name, created_at, updated_at, registration_lookup_id, registration_secret_hash, {METADATA_COLUMNS}
             FROM oauth2_apps WHERE id = $1 AND source = 'dynamic' AND registration_lookup_id IS NOT NULL"
        );
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
        let Some(row) = client.query_opt(&stmt, &[&id]).await.map_err(db_err)? else {
            return Ok(None);
        };
        let lookup = LookupId::parse(&column::<String>(&row, "registration_lookup_id")?)
            .map_err(|e| corrupt("oauth2_apps", e))?;
        let hash = hash_of(&row, "registration_secret_hash")?;
        Ok(Some((client_from_row(&row)?, lookup, hash)))
    }

    async fn replace(&self, c: &RegisteredClient, audit: &AuditEntry) -> Result<bool, RepoError> {
        const SQL: &str = "UPDATE oauth2_apps SET name = $2, icon = $3, callback_url = $4, redirect_uris = $5,
                client_type = $6, token_endpoint_auth_method = $7, application_type = $8, grant_types = $9,
                response_types = $10, scope = $11, client_uri = $12, logo_uri = $13, tos_uri = $14,
                policy_uri = $15, jwks_uri = $16, jwks = $17, software_id = $18, software_version = $19,
                contacts = $20, client_name_given = $21, updated_at = $22
            WHERE id = $1 AND source = 'dynamic'";
        let metadata = metadata_params(&c.metadata, UNNAMED)?;
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&c.id];
        params.extend(metadata.iter().map(|b| b.as_ref() as &(dyn ToSql + Sync)));
        params.push(&c.updated_at);
        let changed = write_audited(&self.db, SQL, &params, audit).await?;
        // Every replica's cached client must show the new metadata at once.
        self.db.settle_revocation().await;
        Ok(changed)
    }

    async fn delete(&self, id: Uuid, audit: &AuditEntry) -> Result<bool, RepoError> {
        let sql = "DELETE FROM oauth2_apps WHERE id = $1 AND source = 'dynamic'";
        let deleted = write_audited(&self.db, sql, &[&id], audit).await?;
        self.db.settle_revocation().await;
        Ok(deleted)
    }

    async fn delete_unused(
        &self,
        created_before: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<u64, RepoError> {
        // Document clients expire too (their cached documents with them), unless an admin
        // blocked them: a blocked document client must not come back unblocked by its URL.
        const SQL: &str = "WITH gone AS (
                DELETE FROM oauth2_apps a
                WHERE (a.source = 'dynamic' OR (a.source = 'cimd' AND NOT a.blocked))
                  AND a.created_at < $1 AND a.last_token_at IS NULL
                  AND NOT EXISTS (SELECT 1 FROM oauth2_grants g WHERE g.app_id = a.id)
                  AND NOT EXISTS (SELECT 1 FROM oauth2_codes c WHERE c.app_id = a.id)
                RETURNING a.id, a.cimd_url),
            documents AS (DELETE FROM cimd_documents d USING gone WHERE d.url = gone.cimd_url)
            INSERT INTO audit_log (occurred_at, actor, action, target_type, target_id, details)
            SELECT $2, $3, $4, 'client', gone.id::text, $5 FROM gone";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        client
            .execute(
                &stmt,
                &[
                    &created_before,
                    &audit.at,
                    &audit.actor.name,
                    &audit.action,
                    &details_json(audit),
                ],
            )
            .await
            .map_err(db_err)
    }
}

/// Fixed-window counters in `rate_limit_counters`, shared by every replica.
#[derive(Debug, Clone)]
pub struct PgRateLimitRepository {
    db: Database,
}

impl PgRateLimitRepository {
    /// Wraps the pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

impl RateLimitRepository for PgRateLimitRepository {
    async fn hit(&self, bucket: &str, window_start: OffsetDateTime) -> Result<u32, RepoError> {
        // Committed without waiting for the WAL flush (the durability rule in postgres.rs):
        // every request of a client IP updates one row, and a synchronous commit held its lock
        // for a whole flush, queueing concurrent registrations behind one another.
        const SQL: &str = "WITH durability AS (SELECT set_config('synchronous_commit', 'off', true))
                           INSERT INTO rate_limit_counters (bucket, window_start, hits)
                           SELECT $1, $2, 1 FROM durability
                           ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_counters.hits + 1
                           RETURNING hits";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        let row = client
            .query_one(&stmt, &[&bucket, &window_start])
            .await
            .map_err(db_err)?;
        let hits: i32 = column(&row, "hits")?;
        Ok(u32::try_from(hits).unwrap_or(u32::MAX))
    }
}
