//! The protected-server registry in memory.

use std::sync::{Arc, Mutex};

use tessera_domain::{AppSecretInfo, CredentialHash, LookupId, McpServer, ServerSlug};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{FakeAudit, FakeGrants, lock};
use crate::ports::*;

type CredentialRow = (ServerSlug, LookupId, CredentialHash, AppSecretInfo);

/// Protected MCP servers and their introspection credentials; clones share them.
#[derive(Debug, Clone, Default)]
pub struct FakeMcpServers {
    servers: Arc<Mutex<Vec<McpServer>>>,
    credentials: Arc<Mutex<Vec<CredentialRow>>>,
    /// The resources whose grants a delete revoked.
    pub revoked_resources: Arc<Mutex<Vec<String>>>,
    /// The audit log its changes land in.
    pub audit: FakeAudit,
    grants: FakeGrants,
}

impl FakeMcpServers {
    /// Servers whose deletion revokes `grants` for them, recorded in `grants`' audit log.
    pub fn linked(grants: &FakeGrants) -> Self {
        Self {
            audit: grants.audit.clone(),
            grants: grants.clone(),
            ..Self::default()
        }
    }
}

impl McpServerRepository for FakeMcpServers {
    async fn insert(&self, server: &McpServer, audit: &AuditEntry) -> Result<(), RepoError> {
        let mut servers = lock(&self.servers);
        if servers.iter().any(|s| s.draft.slug == server.draft.slug) {
            return Err(RepoError::Conflict { field: "slug" });
        }
        servers.push(server.clone());
        self.audit.record(audit);
        Ok(())
    }
    async fn update(&self, server: &McpServer, audit: &AuditEntry) -> Result<bool, RepoError> {
        let mut servers = lock(&self.servers);
        let Some(slot) = servers
            .iter_mut()
            .find(|s| s.draft.slug == server.draft.slug)
        else {
            return Ok(false);
        };
        *slot = server.clone();
        self.audit.record(audit);
        Ok(true)
    }
    async fn delete(
        &self,
        slug: &ServerSlug,
        resource: &str,
        _at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let mut servers = lock(&self.servers);
        let before = servers.len();
        servers.retain(|s| &s.draft.slug != slug);
        if servers.len() == before {
            return Ok(false);
        }
        lock(&self.credentials).retain(|c| &c.0 != slug);
        lock(&self.revoked_resources).push(resource.to_owned());
        self.grants.revoke_resource(resource);
        self.audit.record(audit);
        Ok(true)
    }
    async fn find(&self, slug: &ServerSlug) -> Result<Option<McpServer>, RepoError> {
        let servers = lock(&self.servers);
        Ok(servers.iter().find(|s| &s.draft.slug == slug).cloned())
    }
    async fn list(&self) -> Result<Vec<McpServer>, RepoError> {
        Ok(lock(&self.servers).clone())
    }
    async fn insert_credential(
        &self,
        slug: &ServerSlug,
        credential: &NewServerCredential,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        if self.find(slug).await?.is_none() {
            return Ok(false);
        }
        lock(&self.credentials).push((
            slug.clone(),
            credential.lookup_id.clone(),
            credential.hash.clone(),
            credential.info.clone(),
        ));
        self.audit.record(audit);
        Ok(true)
    }
    async fn list_credentials(
        &self,
        slug: &ServerSlug,
    ) -> Result<Option<Vec<AppSecretInfo>>, RepoError> {
        if self.find(slug).await?.is_none() {
            return Ok(None);
        }
        let credentials = lock(&self.credentials);
        let of = credentials.iter().filter(|c| &c.0 == slug);
        Ok(Some(of.map(|c| c.3.clone()).collect()))
    }
    async fn delete_credential(
        &self,
        slug: &ServerSlug,
        id: Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let mut credentials = lock(&self.credentials);
        let before = credentials.len();
        credentials.retain(|c| !(&c.0 == slug && c.3.id == id));
        let found = credentials.len() < before;
        if found {
            self.audit.record(audit);
        }
        Ok(found)
    }
    async fn find_credential(
        &self,
        lookup_id: &LookupId,
    ) -> Result<Option<StoredServerCredential>, RepoError> {
        let found = {
            let credentials = lock(&self.credentials);
            let row = credentials.iter().find(|c| &c.1 == lookup_id);
            row.map(|c| (c.0.clone(), c.2.clone()))
        };
        let Some((slug, hash)) = found else {
            return Ok(None);
        };
        Ok(self
            .find(&slug)
            .await?
            .map(|server| StoredServerCredential { hash, server }))
    }
}
