//! In-memory registrations and rate-limit counters.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tessera_domain::{CredentialHash, LookupId};
use time::OffsetDateTime;
use uuid::Uuid;

use super::FakeAudit;
use crate::ports::*;

/// A stored client, its registration token's lookup id and hash, and whether it was used.
type Row = (RegisteredClient, LookupId, CredentialHash, bool);

#[derive(Debug, Clone, Default)]
pub struct FakeRegistrations {
    clients: Arc<Mutex<Vec<Row>>>,
    pub audit: FakeAudit,
}

impl FakeRegistrations {
    pub fn ids(&self) -> Vec<Uuid> {
        self.clients
            .lock()
            .unwrap()
            .iter()
            .map(|c| c.0.id)
            .collect()
    }
    /// Marks a client as having obtained a grant.
    pub fn mark_used(&self, id: Uuid) {
        for c in self.clients.lock().unwrap().iter_mut() {
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
        let mut clients = self.clients.lock().unwrap();
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
        let clients = self.clients.lock().unwrap();
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
        let mut clients = self.clients.lock().unwrap();
        let Some(slot) = clients.iter_mut().find(|c| c.0.id == client.id) else {
            return Ok(false);
        };
        slot.0 = client.clone();
        self.audit.record(audit);
        Ok(true)
    }
    async fn delete(&self, id: Uuid, audit: &AuditEntry) -> Result<bool, RepoError> {
        let mut clients = self.clients.lock().unwrap();
        let before = clients.len();
        clients.retain(|c| c.0.id != id);
        self.audit.record(audit);
        Ok(clients.len() < before)
    }
    async fn delete_unused(
        &self,
        created_before: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<u64, RepoError> {
        let mut clients = self.clients.lock().unwrap();
        let before = clients.len();
        clients.retain(|c| c.3 || c.0.issued_at >= created_before);
        let removed = (before - clients.len()) as u64;
        for _ in 0..removed {
            self.audit.record(audit);
        }
        Ok(removed)
    }
}

#[derive(Debug, Clone, Default)]
pub struct FakeRateLimits(Arc<Mutex<HashMap<(String, OffsetDateTime), u32>>>);

impl RateLimitRepository for FakeRateLimits {
    async fn hit(&self, bucket: &str, window_start: OffsetDateTime) -> Result<u32, RepoError> {
        let mut counters = self.0.lock().unwrap();
        let hits = counters
            .entry((bucket.to_owned(), window_start))
            .or_default();
        *hits += 1;
        Ok(*hits)
    }
}
