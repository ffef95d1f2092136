//! Dynamically registered clients in memory.

use std::sync::{Arc, Mutex};

use tessera_domain::{CredentialHash, LookupId};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{FakeAudit, lock};
use crate::ports::*;

/// A stored client, its registration token's lookup id and hash, and whether it was used.
type Row = (RegisteredClient, LookupId, CredentialHash, bool);

/// Registered clients with their registration tokens; clones share them.
#[derive(Debug, Clone, Default)]
pub struct FakeRegistrations {
    clients: Arc<Mutex<Vec<Row>>>,
    /// The audit log its changes land in.
    pub audit: FakeAudit,
}

impl FakeRegistrations {
    /// Registrations whose changes are recorded in `audit`.
    pub fn recording_to(audit: &FakeAudit) -> Self {
        Self {
            clients: Arc::default(),
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
        if clients.len() as i64 >= max {
            return Ok(false);
        }
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
        self.audit.record(audit);
        Ok(true)
    }
    async fn delete(&self, id: Uuid, audit: &AuditEntry) -> Result<bool, RepoError> {
        let mut clients = lock(&self.clients);
        let before = clients.len();
        clients.retain(|c| c.0.id != id);
        let found = clients.len() < before;
        if found {
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
        let before = clients.len();
        clients.retain(|c| c.3 || c.0.issued_at >= created_before);
        let removed = (before - clients.len()) as u64;
        for _ in 0..removed {
            self.audit.record(audit);
        }
        Ok(removed)
    }
}
