//! Clients as the OAuth endpoints see them, in memory: the one table of clients that apps,
//! grants and cached documents share.

use std::sync::{Arc, Mutex};

use tessera_domain::{
    App, AppName, ClientMetadata, Credential, CredentialHash, GrantType, LookupId, OAuthClient,
    RegistrationSource,
};
use uuid::Uuid;

use super::{lock, next_id};
use crate::ports::{ClientRepository, RepoError, StoredSecret};

/// Every client and every client secret; clones share them.
#[derive(Debug, Clone, Default)]
pub struct FakeClients {
    clients: Arc<Mutex<Vec<OAuthClient>>>,
    secrets: Arc<Mutex<Vec<(String, StoredSecret)>>>,
}

impl FakeClients {
    /// Adds the client.
    pub fn add(&self, client: OAuthClient) {
        lock(&self.clients).push(client);
    }
    /// Adds the client, or replaces the one with its id.
    pub fn put(&self, client: OAuthClient) {
        let mut clients = lock(&self.clients);
        clients.retain(|c| c.id != client.id);
        clients.push(client);
    }
    /// Adds `secret` as a secret of `client_id`.
    pub fn add_secret(&self, client_id: Uuid, secret: &Credential) {
        self.store_secret(next_id(), client_id, secret.lookup_id(), secret.hash());
    }
    /// Stores a secret by its parts, as an app's secret is stored.
    pub(super) fn store_secret(
        &self,
        id: Uuid,
        client_id: Uuid,
        lookup_id: &LookupId,
        hash: CredentialHash,
    ) {
        let row = StoredSecret {
            id,
            client_id,
            hash,
        };
        lock(&self.secrets).push((lookup_id.as_str().to_owned(), row));
    }
    /// Removes the secrets of `client_id` that `gone` picks by id.
    pub(super) fn remove_secrets(&self, client_id: Uuid, gone: impl Fn(Uuid) -> bool) {
        lock(&self.secrets).retain(|(_, s)| s.client_id != client_id || !gone(s.id));
    }
    /// Removes the client with its secrets.
    pub(super) fn remove(&self, id: Uuid) {
        lock(&self.clients).retain(|c| c.id != id);
        self.remove_secrets(id, |_| true);
    }
    /// How many registered and document clients there are, which the cap on them counts.
    pub(super) fn registered(&self) -> i64 {
        let clients = lock(&self.clients);
        let registered = |c: &&OAuthClient| c.source != RegistrationSource::Admin;
        clients.iter().filter(registered).count() as i64
    }
    /// The client `id` as stored now.
    pub(super) fn get(&self, id: Uuid) -> Option<OAuthClient> {
        lock(&self.clients).iter().find(|c| c.id == id).cloned()
    }
    /// The secret of `client_id` with this lookup id, if it has one.
    pub(super) fn secret_of(&self, client_id: Uuid, lookup: &LookupId) -> Option<StoredSecret> {
        let secrets = lock(&self.secrets);
        let found = secrets
            .iter()
            .find(|(l, s)| l == lookup.as_str() && s.client_id == client_id);
        found.map(|(_, s)| StoredSecret {
            id: s.id,
            client_id: s.client_id,
            hash: s.hash.clone(),
        })
    }
}

/// The client an admin's app is to the OAuth endpoints (the grants every admin app may use).
pub(super) fn client_of(app: &App) -> OAuthClient {
    OAuthClient {
        id: app.id,
        name: app.draft.name.clone(),
        icon: app.draft.icon.clone(),
        redirect_uris: app.draft.redirect_uris.clone(),
        client_type: app.draft.client_type,
        grant_types: vec![GrantType::AuthorizationCode, GrantType::RefreshToken],
        scope: None,
        source: app.source,
        blocked: app.blocked,
        cimd_url: None,
    }
}

/// The client a registration or a metadata document is to the OAuth endpoints, named
/// `unnamed` when the metadata gives no name, as PostgreSQL stores it.
pub(super) fn client_from_metadata(
    id: Uuid,
    metadata: &ClientMetadata,
    source: RegistrationSource,
    unnamed: &str,
    cimd_url: Option<String>,
) -> Result<OAuthClient, RepoError> {
    let name = match metadata.client_name() {
        Some(name) => name.clone(),
        None => {
            AppName::parse(unnamed).map_err(|e| RepoError::Unexpected(anyhow::anyhow!("{e}")))?
        }
    };
    Ok(OAuthClient {
        id,
        name,
        icon: metadata.logo_uri().cloned(),
        redirect_uris: metadata.redirect_uris().to_vec(),
        client_type: metadata.client_type(),
        grant_types: metadata.grant_types().to_vec(),
        scope: metadata.scope().cloned(),
        source,
        blocked: false,
        cimd_url,
    })
}

impl ClientRepository for FakeClients {
    async fn find_client(&self, id: Uuid) -> Result<Option<OAuthClient>, RepoError> {
        Ok(self.get(id))
    }
    async fn find_secret(&self, lookup_id: &LookupId) -> Result<Option<StoredSecret>, RepoError> {
        let secrets = lock(&self.secrets);
        Ok(secrets
            .iter()
            .find(|(l, _)| l == lookup_id.as_str())
            .map(|(_, r)| StoredSecret {
                id: r.id,
                client_id: r.client_id,
                hash: r.hash.clone(),
            }))
    }
}
