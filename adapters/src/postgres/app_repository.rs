use tessera_application::RepoError;
use tessera_application::ports::{AppRepository, AuditEntry, NewAppSecret};
use tessera_domain::AppQuery;
use tessera_domain::{
    App, AppDeletion, AppDraft, AppName, AppSecretInfo, ApplicationType, ClientOrigin, ClientType,
    HttpUrl, RedirectUri, RegistrationSource, UserId,
};
use time::OffsetDateTime;
use tokio_postgres::Row;
use tokio_postgres::types::ToSql;
use uuid::Uuid;

use super::Database;
use super::audit_repository::write_audited;
use super::errors::{column, corrupt, db_err};

/// OAuth2 apps and their secrets in PostgreSQL.
#[derive(Debug, Clone)]
pub struct PgAppRepository {
    db: Database,
}

impl PgAppRepository {
    /// Wraps the pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }

    pub(super) fn db(&self) -> &Database {
        &self.db
    }
}

/// The columns `app_from_row` reads, of `oauth2_apps a`.
pub(super) const COLUMNS: &str = "a.id, a.name, a.icon, a.callback_url, a.redirect_uris, a.client_type, a.source, a.created_at, a.updated_at,
                       a.created_from_ip, a.created_user_agent, a.software_id, a.last_token_at, a.blocked, a.cimd_url,
                       (SELECT d.fetched_at FROM cimd_documents d WHERE d.url = a.cimd_url) AS document_fetched_at";

/// Re-parses a row through the domain constructors, so bad data fails loudly.
pub(super) fn app_from_row(row: &Row) -> Result<App, RepoError> {
    let bad = |e: &dyn std::fmt::Display| corrupt("oauth2_apps", e);
    let uris: Vec<String> = column(row, "redirect_uris")?;
    let redirect_uris = uris
        .iter()
        .map(|u| RedirectUri::parse(u).map_err(|e| bad(&e)))
        .collect::<Result<_, _>>()?;
    let icon: String = column(row, "icon")?;
    let draft = AppDraft {
        name: AppName::parse(&column::<String>(row, "name")?).map_err(|e| bad(&e))?,
        callback_url: RedirectUri::parse(&column::<String>(row, "callback_url")?)
            .map_err(|e| bad(&e))?,
        redirect_uris,
        icon: match icon.is_empty() {
            true => None,
            false => Some(HttpUrl::parse(&icon).map_err(|e| bad(&e))?),
        },
        client_type: ClientType::parse(&column::<String>(row, "client_type")?)
            .map_err(|e| bad(&e))?,
    };
    Ok(App {
        id: column(row, "id")?,
        draft,
        source: RegistrationSource::parse(&column::<String>(row, "source")?)
            .map_err(|e| bad(&e))?,
        created_at: column(row, "created_at")?,
        updated_at: column(row, "updated_at")?,
        origin: ClientOrigin {
            ip: column(row, "created_from_ip")?,
            user_agent: column(row, "created_user_agent")?,
            software_id: column(row, "software_id")?,
            document_url: column(row, "cimd_url")?,
            document_fetched_at: column(row, "document_fetched_at")?,
        },
        last_token_at: column(row, "last_token_at")?,
        blocked: column(row, "blocked")?,
    })
}

fn uris(app: &App) -> Vec<&str> {
    app.draft
        .redirect_uris
        .iter()
        .map(RedirectUri::as_str)
        .collect()
}

fn icon(app: &App) -> &str {
    app.draft
        .icon
        .as_ref()
        .map(HttpUrl::as_str)
        .unwrap_or_default()
}

impl AppRepository for PgAppRepository {
    async fn insert(&self, app: &App, audit: &AuditEntry) -> Result<(), RepoError> {
        const SQL: &str = "INSERT INTO oauth2_apps (id, name, icon, callback_url, redirect_uris, client_type,
                               token_endpoint_auth_method, source, created_by_user_id, created_from_ip,
                               created_user_agent, created_at, updated_at, application_type)
                           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)";
        let (d, a) = (&app.draft, &audit.actor);
        let params: [&(dyn ToSql + Sync); 14] = [
            &app.id,
            &d.name.as_str(),
            &icon(app),
            &d.callback_url.as_str(),
            &uris(app),
            &d.client_type.as_str(),
            &d.token_endpoint_auth_method().as_str(),
            &app.source.as_str(),
            &a.user_id,
            &app.origin.ip,
            &app.origin.user_agent,
            &app.created_at,
            &app.updated_at,
            &d.application_type().as_str(),
        ];
        write_audited(&self.db, SQL, &params, audit).await.map(drop)
    }

    async fn update(&self, app: &App, audit: &AuditEntry) -> Result<bool, RepoError> {
        // An edit never narrows a registered `native` client to `web`; it widens a `web` one
        // whose new redirect URIs only a native client may use, so the row stays valid
        // registration metadata (RFC 7592 reads re-parse it).
        const SQL: &str = "UPDATE oauth2_apps SET name = $2, icon = $3, callback_url = $4, redirect_uris = $5, updated_at = $6,
                                  application_type = CASE WHEN $7 THEN 'native' ELSE application_type END
                           WHERE id = $1";
        let d = &app.draft;
        let needs_native = d.application_type() == ApplicationType::Native;
        let params: [&(dyn ToSql + Sync); 7] = [
            &app.id,
            &d.name.as_str(),
            &icon(app),
            &d.callback_url.as_str(),
            &uris(app),
            &app.updated_at,
            &needs_native,
        ];
        let changed = write_audited(&self.db, SQL, &params, audit).await?;
        // Every replica's cached client must show the new redirect URIs at once.
        self.db.settle_revocation().await;
        Ok(changed)
    }

    async fn set_blocked(
        &self,
        id: Uuid,
        blocked: bool,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        // Blocking revokes every grant, pending code and remembered approval of the app, so
        // unblocking it later brings none of them back (issue 14 #7).
        const SQL: &str = "WITH app AS (UPDATE oauth2_apps SET blocked = $2 WHERE id = $1 RETURNING id),
                                grants AS (UPDATE oauth2_grants SET revoked_at = $3
                                           WHERE $2 AND app_id = $1 AND revoked_at IS NULL),
                                codes AS (DELETE FROM oauth2_codes WHERE $2 AND app_id = $1 AND consumed_at IS NULL),
                                approvals AS (DELETE FROM oauth2_approvals WHERE $2 AND app_id = $1)
                           SELECT id FROM app";
        let changed = write_audited(&self.db, SQL, &[&id, &blocked, &audit.at], audit).await?;
        self.db.settle_revocation().await;
        Ok(changed)
    }

    async fn delete(&self, id: Uuid, audit: &AuditEntry) -> Result<bool, RepoError> {
        let sql = "DELETE FROM oauth2_apps WHERE id = $1";
        let deleted = write_audited(&self.db, sql, &[&id], audit).await?;
        self.db.settle_revocation().await;
        Ok(deleted)
    }

    async fn find(&self, id: Uuid) -> Result<Option<App>, RepoError> {
        let client = self.db.client().await?;
        let stmt = client
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM oauth2_apps a WHERE a.id = $1"
            ))
            .await
            .map_err(db_err)?;
        let row = client.query_opt(&stmt, &[&id]).await.map_err(db_err)?;
        row.as_ref().map(app_from_row).transpose()
    }

    async fn list(&self, user: Option<UserId>) -> Result<Vec<App>, RepoError> {
        let client = self.db.client().await?;
        let rows = match user {
            None => {
                let sql =
                    format!("SELECT {COLUMNS} FROM oauth2_apps a ORDER BY a.created_at, a.id");
                let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
                client.query(&stmt, &[]).await.map_err(db_err)?
            }
            Some(user) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM oauth2_apps a WHERE EXISTS (SELECT 1 FROM oauth2_grants g
                       WHERE g.app_id = a.id AND g.user_id = $1 AND g.revoked_at IS NULL)
                     ORDER BY a.created_at, a.id"
                );
                let stmt = client.prepare_cached(&sql).await.map_err(db_err)?;
                client
                    .query(&stmt, &[&user.as_uuid()])
                    .await
                    .map_err(db_err)?
            }
        };
        rows.iter().map(app_from_row).collect()
    }

    async fn search(
        &self,
        query: &AppQuery,
        now: OffsetDateTime,
    ) -> Result<(Vec<App>, i64), RepoError> {
        self.search_page(query, now).await
    }

    async fn delete_many(
        &self,
        deletion: &AppDeletion,
        audit: &AuditEntry,
    ) -> Result<u64, RepoError> {
        self.delete_apps(deletion, audit).await
    }

    async fn insert_secret(
        &self,
        app_id: Uuid,
        secret: &NewAppSecret,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        const SQL: &str = "INSERT INTO oauth2_app_secrets (id, app_id, lookup_id, secret_hash, display_suffix, created_at)
                           SELECT $1, id, $3, $4, $5, $6 FROM oauth2_apps WHERE id = $2";
        let s = &secret.info;
        let params: [&(dyn ToSql + Sync); 6] = [
            &s.id,
            &app_id,
            &secret.lookup_id.as_str(),
            &secret.hash.as_bytes(),
            &s.display_suffix,
            &s.created_at,
        ];
        write_audited(&self.db, SQL, &params, audit).await
    }

    async fn list_secrets(&self, app_id: Uuid) -> Result<Option<Vec<AppSecretInfo>>, RepoError> {
        const SQL: &str = "SELECT s.id, s.display_suffix, s.created_at, s.last_used_at
                           FROM oauth2_apps a LEFT JOIN oauth2_app_secrets s ON s.app_id = a.id
                           WHERE a.id = $1 ORDER BY s.created_at, s.id";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        let rows = client.query(&stmt, &[&app_id]).await.map_err(db_err)?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut secrets = Vec::new();
        for row in &rows {
            let Some(id) = column::<Option<Uuid>>(row, "id")? else {
                continue;
            };
            secrets.push(AppSecretInfo {
                id,
                display_suffix: column(row, "display_suffix")?,
                created_at: column(row, "created_at")?,
                last_used_at: column(row, "last_used_at")?,
            });
        }
        Ok(Some(secrets))
    }

    async fn delete_secret(
        &self,
        app_id: Uuid,
        secret_id: Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let sql = "DELETE FROM oauth2_app_secrets WHERE app_id = $1 AND id = $2";
        write_audited(&self.db, sql, &[&app_id, &secret_id], audit).await
    }
}
