//! Dynamically registered clients in memory, each also a client of the linked
//! [`FakeClients`], as PostgreSQL keeps every client in one table (and caps registered and
//! document clients together).

use std::sync::{Arc, Mutex};

use tessera_domain::{CredentialHash, LookupId, OAuthClient, RegistrationSource};
use time::OffsetDateTime;
use uuid::Uuid;

use super::client_repository::client_from_metadata;
use super::{FakeAudit, FakeClients, lock};
use crate::ports::*;

/// A stored client, its registration token's lookup id and hash, and whether it was used.
type Row = (RegisteredClient, LookupId, CredentialHash, bool);

/// Registered clients with their registration tokens; clones share them.
#[derive(Debug, Clone, Default)]
pub struct FakeRegistrations {
    clients: Arc<Mutex<Vec<Row>>>,
    oauth_clients: FakeClients,
    /// The audit log its changes land in.
    pub audit: FakeAudit,
}

/// The name PostgreSQL gives a registration without `client_name`.
const UNNAMED: &str = "Unnamed client";

fn client_of(client: &RegisteredClient) -> Result<OAuthClient, RepoError> {
    let source = RegistrationSource::Dynamic;
    client_from_metadata(client.id, &client.metadata, source, UNNAMED, None)
}

impl FakeRegistrations {
    /// Registrations that are clients of `clients`, recorded in `audit`.
    pub fn linked(clients: &FakeClients, audit: &FakeAudit) -> Self {
        Self {
            clients: Arc::default(),
            oauth_clients: clients.clone(),
            audit: audit.clone(),
        }
    }
    /// The ids of the clients registered now.
    pub fn ids(&self) -> Vec<Uuid> {
        lock(&self.clients).iter().map(|c| c.0.id).collect()
    }
    /// Marks a client as having obtained a grant.
    pub fn mark_used(&self, id: Uuid) {
        for c in lock(&self.clients).iter_mut() {
            if c.0.id == id {
                c.3 = true;
            }
        }
    }
}

impl RegistrationRepository for FakeRegistrations {
    async fn insert(
        &self,
        r: &NewRegistration,
        audit: &AuditEntry,
        max: i64,
    ) -> Result<bool, RepoError> {
        let mut clients = lock(&self.clients);
        if self.oauth_clients.registered() >= max {
            return Ok(false);
        }
        self.oauth_clients.put(client_of(&r.client)?);
        clients.push((
            r.client.clone(),
            r.token_lookup_id.clone(),
            r.token_hash.clone(),
            false,
        ));
        self.audit.record(audit);
        Ok(true)
    }
    async fn find(
        &self,
        id: Uuid,
    ) -> Result<Option<(RegisteredClient, LookupId, CredentialHash)>, RepoError> {
        let clients = lock(&self.clients);
        Ok(clients
            .iter()
            .find(|c| c.0.id == id)
            .map(|c| (c.0.clone(), c.1.clone(), c.2.clone())))
    }
    async fn replace(
        &self,
        client: &RegisteredClient,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let mut clients = lock(&self.clients);
        let Some(slot) = clients.iter_mut().find(|c| c.0.id == client.id) else {
            return Ok(false);
        };
        slot.0 = client.clone();
        let blocked = self.oauth_clients.get(client.id).is_some_and(|c| c.blocked);
        self.oauth_clients.put(OAuthClient {
            blocked,
            ..client_of(client)?
        });
        self.audit.record(audit);
        Ok(true)
    }
    async fn delete(&self, id: Uuid, audit: &AuditEntry) -> Result<bool, RepoError> {
        let mut clients = lock(&self.clients);
        let before = clients.len();
        clients.retain(|c| c.0.id != id);
        let found = clients.len() < before;
        if found {
            self.oauth_clients.remove(id);
            self.audit.record(audit);
        }
        Ok(found)
    }
    async fn delete_unused(
        &self,
        created_before: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<u64, RepoError> {
        let mut clients = lock(&self.clients);
        let (gone, kept) = clients
            .drain(..)
            .partition(|c| !c.3 && c.0.issued_at < created_before);
        *clients = kept;
        let gone: Vec<Row> = gone;
        for (client, ..) in &gone {
            self.oauth_clients.remove(client.id);
            self.audit.record(&AuditEntry {
                target_type: "client",
                target_id: client.id.to_string(),
                ..audit.clone()
            });
        }
        Ok(gone.len() as u64)
    }
}
