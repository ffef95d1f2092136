use tessera_application::ports::{CachedClient, CimdRepository, StoredDocument};
use tessera_application::{RepoError, Rng};
use tessera_domain::{ClientIdUrl, OAuthClient};
use tokio_postgres::types::ToSql;

use super::Database;
use super::client_lookup::client_from_row;
use super::errors::{column, db_err};
use super::registration_repository::{metadata_params, room_for_a_client};
use crate::system::OsRng;

/// CIMD clients (rows of `oauth2_apps` with source `cimd`) and their cached documents.
#[derive(Debug, Clone)]
pub struct PgCimdRepository {
    db: Database,
}

impl PgCimdRepository {
    /// Wraps the pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

const CLIENT_COLUMNS: &str = "a.id, a.name, a.icon, a.redirect_uris, a.client_type, a.grant_types, a.scope, a.source, a.blocked, a.cimd_url";

impl CimdRepository for PgCimdRepository {
    async fn find(&self, url: &str) -> Result<Option<CachedClient>, RepoError> {
        let sql = format!(
            "SELECT {CLIENT_COLUMNS}, coalesce(d.expires_at, 'epoch'::timestamptz) AS expires_at
             FROM oauth2_apps a LEFT JOIN cimd_documents d ON d.url = a.cimd_url
             WHERE a.cimd_url = $1"
        );
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
        let Some(row) = client.query_opt(&stmt, &[&url]).await.map_err(db_err)? else {
            return Ok(None);
        };
        Ok(Some(CachedClient {
            client: client_from_row(&row)?,
            expires_at: column(&row, "expires_at")?,
        }))
    }

    async fn store(
        &self,
        url: &ClientIdUrl,
        document: &StoredDocument<'_>,
        max_clients: i64,
    ) -> Result<Option<OAuthClient>, RepoError> {
        // The client row keeps its id and `blocked` when its document is fetched again.
        let upsert = format!(
            "INSERT INTO oauth2_apps AS a (id, name, icon, callback_url, redirect_uris, client_type,
                token_endpoint_auth_method, application_type, grant_types, response_types, scope, client_uri,
                logo_uri, tos_uri, policy_uri, jwks_uri, jwks, software_id, software_version, contacts,
                client_name_given, source, cimd_url, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20,
                $21, 'cimd', $22, $23, $23)
             ON CONFLICT (cimd_url) DO UPDATE SET name = EXCLUDED.name, icon = EXCLUDED.icon,
                callback_url = EXCLUDED.callback_url, redirect_uris = EXCLUDED.redirect_uris,
                client_type = EXCLUDED.client_type, token_endpoint_auth_method = EXCLUDED.token_endpoint_auth_method,
                application_type = EXCLUDED.application_type, grant_types = EXCLUDED.grant_types,
                response_types = EXCLUDED.response_types, scope = EXCLUDED.scope, client_uri = EXCLUDED.client_uri,
                logo_uri = EXCLUDED.logo_uri, tos_uri = EXCLUDED.tos_uri, policy_uri = EXCLUDED.policy_uri,
                jwks_uri = EXCLUDED.jwks_uri, jwks = EXCLUDED.jwks, software_id = EXCLUDED.software_id,
                software_version = EXCLUDED.software_version, contacts = EXCLUDED.contacts,
                client_name_given = EXCLUDED.client_name_given, updated_at = EXCLUDED.updated_at
             RETURNING {CLIENT_COLUMNS}"
        );
        const CACHE: &str = "INSERT INTO cimd_documents (url, document, fetched_at, expires_at)
                             VALUES ($1, $2, $3, $4)
                             ON CONFLICT (url) DO UPDATE SET document = EXCLUDED.document,
                                fetched_at = EXCLUDED.fetched_at, expires_at = EXCLUDED.expires_at";
        const EXISTS: &str = "SELECT EXISTS (SELECT 1 FROM oauth2_apps WHERE cimd_url = $1)";
        let json: serde_json::Value = serde_json::from_str(document.json)
            .map_err(|e| RepoError::Unexpected(anyhow::anyhow!("document is not JSON: {e}")))?;
        let id = OsRng::default().uuid();
        // A document without `client_name` is shown by its host.
        let host: String = url.host().chars().take(64).collect();
        let metadata = metadata_params(document.metadata, &host)?;
        let mut params: Vec<&(dyn ToSql + Sync)> = vec![&id];
        params.extend(metadata.iter().map(|b| b.as_ref() as &(dyn ToSql + Sync)));
        let url_str = url.as_str();
        params.extend([&url_str as &(dyn ToSql + Sync), &document.fetched_at]);
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        let stmt = tx.prepare_cached(EXISTS).await.map_err(db_err)?;
        let exists: bool = tx
            .query_one(&stmt, &[&url_str])
            .await
            .map_err(db_err)?
            .get(0);
        // A new client counts toward the cap, under the lock registrations take.
        if !exists && !room_for_a_client(&tx, max_clients).await? {
            return Ok(None);
        }
        let stmt = tx.prepare_cached(&upsert).await.map_err(db_err)?;
        let row = tx.query_one(&stmt, &params).await.map_err(db_err)?;
        let stmt = tx.prepare_cached(CACHE).await.map_err(db_err)?;
        tx.execute(
            &stmt,
            &[&url_str, &json, &document.fetched_at, &document.expires_at],
        )
        .await
        .map_err(db_err)?;
        tx.commit().await.map_err(db_err)?;
        client_from_row(&row).map(Some)
    }

    async fn forget(&self, url: &str) -> Result<(), RepoError> {
        const SQL: &str = "DELETE FROM cimd_documents WHERE url = $1";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        client.execute(&stmt, &[&url]).await.map_err(db_err)?;
        Ok(())
    }
}
