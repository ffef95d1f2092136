use tessera_application::RepoError;
use tessera_application::ports::{ClientRepository, StoredSecret};
use tessera_domain::{
    AppName, ClientType, CredentialHash, GrantType, HttpUrl, LookupId, OAuthClient, RedirectUri,
    RegistrationSource, ScopeSet,
};
use tokio_postgres::Row;
use uuid::Uuid;

use super::errors::{column, corrupt, db_err};
use super::{PgAppRepository, RecordCache};

/// Re-parses a client row through the domain constructors.
pub(super) fn client_from_row(row: &Row) -> Result<OAuthClient, RepoError> {
    let bad = |e: &dyn std::fmt::Display| corrupt("oauth2_apps", e);
    let uris: Vec<String> = column(row, "redirect_uris")?;
    let grants: Vec<String> = column(row, "grant_types")?;
    let icon: String = column(row, "icon")?;
    let scope: Option<String> = column(row, "scope")?;
    Ok(OAuthClient {
        id: column(row, "id")?,
        name: AppName::parse(&column::<String>(row, "name")?).map_err(|e| bad(&e))?,
        icon: match icon.is_empty() {
            true => None,
            false => Some(HttpUrl::parse(&icon).map_err(|e| bad(&e))?),
        },
        redirect_uris: uris
            .iter()
            .map(|u| RedirectUri::parse(u).map_err(|e| bad(&e)))
            .collect::<Result<_, _>>()?,
        client_type: ClientType::parse(&column::<String>(row, "client_type")?)
            .map_err(|e| bad(&e))?,
        grant_types: grants
            .iter()
            .map(|g| GrantType::parse(g).map_err(|e| bad(&e)))
            .collect::<Result<_, _>>()?,
        scope: scope
            .filter(|s| !s.trim().is_empty())
            .map(|s| ScopeSet::parse(&s).map_err(|e| bad(&e)))
            .transpose()?,
        source: RegistrationSource::parse(&column::<String>(row, "source")?)
            .map_err(|e| bad(&e))?,
        blocked: column(row, "blocked")?,
        cimd_url: column(row, "cimd_url")?,
    })
}

impl ClientRepository for PgAppRepository {
    async fn find_client(&self, id: Uuid) -> Result<Option<OAuthClient>, RepoError> {
        const SQL: &str =
            "SELECT id, name, icon, redirect_uris, client_type, grant_types, scope, source, blocked, cimd_url
                           FROM oauth2_apps WHERE id = $1";
        let cache = self.db().record_cache();
        if let Some(found) = cache.and_then(|c| c.client(id)) {
            return Ok(Some(found));
        }
        let ticket = cache.and_then(RecordCache::ticket);
        let client = self.db().client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        let row = client.query_opt(&stmt, &[&id]).await.map_err(db_err)?;
        let found = row.as_ref().map(client_from_row).transpose()?;
        if let (Some(cache), Some(ticket), Some(found)) = (cache, ticket, &found) {
            cache.put_client(ticket, found);
        }
        Ok(found)
    }

    async fn find_secret(&self, lookup_id: &LookupId) -> Result<Option<StoredSecret>, RepoError> {
        const SQL: &str =
            "SELECT id, app_id, secret_hash FROM oauth2_app_secrets WHERE lookup_id = $1";
        let client = self.db().client().await?;
        let stmt = client.prepare_cached(SQL).await.map_err(db_err)?;
        let row = client
            .query_opt(&stmt, &[&lookup_id.as_str()])
            .await
            .map_err(db_err)?;
        let Some(row) = row else { return Ok(None) };
        let hash: Vec<u8> = column(&row, "secret_hash")?;
        Ok(Some(StoredSecret {
            id: column(&row, "id")?,
            client_id: column(&row, "app_id")?,
            hash: CredentialHash::from_bytes(&hash)
                .map_err(|e| corrupt("oauth2_app_secrets", e))?,
        }))
    }
}
