use tessera_application::RepoError;
use tessera_application::ports::{
    AuditEntry, McpServerRepository, NewServerCredential, StoredServerCredential,
};
use tessera_domain::{
    AppName, AppSecretInfo, CredentialHash, HttpUrl, LookupId, McpServer, McpServerDraft,
    ServerSlug,
};
use time::{Duration, OffsetDateTime};
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::Database;
use super::audit_repository::write_audited;
use super::errors::{column, corrupt, db_err, map_db_error};
use super::grant_repository::scopes_of;

/// Protected MCP servers and their introspection credentials in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgMcpServerRepository {
    db: Database,
}

impl PgMcpServerRepository {
    /// Wraps the pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

const COLUMNS: &str =
    "s.id, s.slug, s.name, s.upstream_url, s.scopes, s.timeout_seconds, s.created_at, s.updated_at";

/// Re-parses a row through the domain constructors, so bad data fails loudly.
fn server_from_row(row: &Row) -> Result<McpServer, RepoError> {
    let bad = |e: &dyn std::fmt::Display| corrupt("mcp_servers", e);
    let timeout: Option<i32> = column(row, "timeout_seconds")?;
    let draft = McpServerDraft {
        slug: ServerSlug::parse(&column::<String>(row, "slug")?).map_err(|e| bad(&e))?,
        name: AppName::parse(&column::<String>(row, "name")?).map_err(|e| bad(&e))?,
        upstream: HttpUrl::parse(&column::<String>(row, "upstream_url")?).map_err(|e| bad(&e))?,
        scopes: scopes_of(row, "scopes")?,
        timeout: timeout.map(|t| Duration::seconds(i64::from(t))),
    };
    Ok(McpServer {
        id: column(row, "id")?,
        draft,
        created_at: column(row, "created_at")?,
        updated_at: column(row, "updated_at")?,
    })
}

fn timeout_of(server: &McpServer) -> Option<i32> {
    let seconds = server.draft.timeout.map(|t| t.whole_seconds());
    seconds.and_then(|s| i32::try_from(s).ok())
}

impl McpServerRepository for PgMcpServerRepository {
    async fn insert(&self, server: &McpServer, audit: &AuditEntry) -> Result<(), RepoError> {
        const SQL: &str = "INSERT INTO mcp_servers (id, slug, name, upstream_url, scopes, timeout_seconds, created_at, updated_at)
                           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        let d = &server.draft;
        let params: [&(dyn ToSql + Sync); 8] = [
            &server.id,
            &d.slug.as_str(),
            &d.name.as_str(),
            &d.upstream.as_str(),
            &d.scopes.to_vec_of_str(),
            &timeout_of(server),
            &server.created_at,
            &server.updated_at,
        ];
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        let stmt = tx.prepare_cached(SQL).await.map_err(db_err)?;
        tx.execute(&stmt, &params)
            .await
            .map_err(|e| map_db_error(e, &[("mcp_servers_slug_key", "slug")]))?;
        super::audit_repository::record(&tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn update(&self, server: &McpServer, audit: &AuditEntry) -> Result<bool, RepoError> {
        const SQL: &str = "UPDATE mcp_servers SET name = $2, upstream_url = $3, scopes = $4, timeout_seconds = $5, updated_at = $6
                           WHERE slug = $1";
        let d = &server.draft;
        let params: [&(dyn ToSql + Sync); 6] = [
            &d.slug.as_str(),
            &d.name.as_str(),
            &d.upstream.as_str(),
            &d.scopes.to_vec_of_str(),
            &timeout_of(server),
            &server.updated_at,
        ];
        write_audited(&self.db, SQL, &params, audit).await
    }

    async fn delete(
        &self,
        slug: &ServerSlug,
        resource: &str,
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        // The grants for its URL go with it, so a server registered later under the same
        // slug inherits no access.
        const SQL: &str = "WITH gone AS (DELETE FROM mcp_servers WHERE slug = $1 RETURNING id),
                                grants AS (UPDATE oauth2_grants SET revoked_at = $3
                                           WHERE $2 = ANY(resources) AND revoked_at IS NULL
                                             AND EXISTS (SELECT 1 FROM gone)),
                                codes AS (DELETE FROM oauth2_codes WHERE $2 = ANY(resources) AND consumed_at IS NULL
                                            AND EXISTS (SELECT 1 FROM gone)),
                                approvals AS (DELETE FROM oauth2_approvals WHERE resource = $2
                                                AND EXISTS (SELECT 1 FROM gone))
                           SELECT id FROM gone";
        write_audited(&self.db, SQL, &[&slug.as_str(), &resource, &at], audit).await
    }

    async fn find(&self, slug: &ServerSlug) -> Result<Option<McpServer>, RepoError> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {COLUMNS} FROM mcp_servers s WHERE s.slug = $1");
        let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
        let row = client
            .query_opt(&stmt, &[&slug.as_str()])
            .await
            .map_err(db_err)?;
        row.as_ref().map(server_from_row).transpose()
    }

    async fn list(&self) -> Result<Vec<McpServer>, RepoError> {
        let client = self.db.client().await?;
        let sql = format!("SELECT {COLUMNS} FROM mcp_servers s ORDER BY s.slug");
        let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
        let rows = client.query(&stmt, &[]).await.map_err(db_err)?;
        rows.iter().map(server_from_row).collect()
    }

    async fn insert_credential(
        &self,
        slug: &ServerSlug,
        credential: &NewServerCredential,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        const SQL: &str = "INSERT INTO mcp_server_credentials (id, server_id, lookup_id, secret_hash, display_suffix, created_at)
                           SELECT $1, id, $3, $4, $5, $6 FROM mcp_servers WHERE slug = $2";
        let info = &credential.info;
        let params: [&(dyn ToSql + Sync); 6] = [
            &info.id,
            &slug.as_str(),
            &credential.lookup_id.as_str(),
            &credential.hash.as_bytes(),
            &info.display_suffix,
            &info.created_at,
        ];
        write_audited(&self.db, SQL, &params, audit).await
    }

    async fn list_credentials(
        &self,
        slug: &ServerSlug,
    ) -> Result<Option<Vec<AppSecretInfo>>, RepoError> {
        const SQL: &str = "SELECT c.id, c.display_suffix, c.created_at, c.last_used_at
                           FROM mcp_servers s LEFT JOIN mcp_server_credentials c ON c.server_id = s.id
                           WHERE s.slug = $1 ORDER BY c.created_at, c.id";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        let rows = client
            .query(&stmt, &[&slug.as_str()])
            .await
            .map_err(db_err)?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut credentials = Vec::new();
        for row in &rows {
            let Some(id) = column::<Option<Uuid>>(row, "id")? else {
                continue;
            };
            credentials.push(AppSecretInfo {
                id,
                display_suffix: column(row, "display_suffix")?,
                created_at: column(row, "created_at")?,
                last_used_at: column(row, "last_used_at")?,
            });
        }
        Ok(Some(credentials))
    }

    async fn delete_credential(
        &self,
        slug: &ServerSlug,
        id: Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        const SQL: &str = "DELETE FROM mcp_server_credentials c USING mcp_servers s
                           WHERE c.server_id = s.id AND s.slug = $1 AND c.id = $2";
        write_audited(&self.db, SQL, &[&slug.as_str(), &id], audit).await
    }

    async fn find_credential(
        &self,
        lookup_id: &LookupId,
    ) -> Result<Option<StoredServerCredential>, RepoError> {
        let sql = format!(
            "SELECT c.secret_hash, {COLUMNS} FROM mcp_server_credentials c
             JOIN mcp_servers s ON s.id = c.server_id WHERE c.lookup_id = $1"
        );
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
        let row = client
            .query_opt(&stmt, &[&lookup_id.as_str()])
            .await
            .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        let hash: Vec<u8> = column(&row, "secret_hash")?;
        Ok(Some(StoredServerCredential {
            hash: CredentialHash::from_bytes(&hash)
                .map_err(|e| corrupt("mcp_server_credentials", e))?,
            server: server_from_row(&row)?,
        }))
    }
}
