//! Fakes of the protected-server registry and of the assertion signer.

use std::sync::{Arc, Mutex};

use tessera_domain::{AppSecretInfo, Assertion, CredentialHash, LookupId, McpServer, ServerSlug};
use time::OffsetDateTime;
use uuid::Uuid;

use super::FakeAudit;
use crate::ports::*;

type CredentialRow = (ServerSlug, LookupId, CredentialHash, AppSecretInfo);

#[derive(Debug, Clone, Default)]
pub struct FakeMcpServers {
    servers: Arc<Mutex<Vec<McpServer>>>,
    credentials: Arc<Mutex<Vec<CredentialRow>>>,
    /// The resources whose grants a delete revoked.
    pub revoked_resources: Arc<Mutex<Vec<String>>>,
    pub audit: FakeAudit,
}

impl McpServerRepository for FakeMcpServers {
    async fn insert(&self, server: &McpServer, audit: &AuditEntry) -> Result<(), RepoError> {
        let mut servers = self.servers.lock().unwrap();
        if servers.iter().any(|s| s.draft.slug == server.draft.slug) {
            return Err(RepoError::Conflict { field: "slug" });
        }
        servers.push(server.clone());
        self.audit.record(audit);
        Ok(())
    }
    async fn update(&self, server: &McpServer, audit: &AuditEntry) -> Result<bool, RepoError> {
        let mut servers = self.servers.lock().unwrap();
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
        let mut servers = self.servers.lock().unwrap();
        let before = servers.len();
        servers.retain(|s| &s.draft.slug != slug);
        if servers.len() == before {
            return Ok(false);
        }
        self.credentials.lock().unwrap().retain(|c| &c.0 != slug);
        self.revoked_resources
            .lock()
            .unwrap()
            .push(resource.to_owned());
        self.audit.record(audit);
        Ok(true)
    }
    async fn find(&self, slug: &ServerSlug) -> Result<Option<McpServer>, RepoError> {
        let servers = self.servers.lock().unwrap();
        Ok(servers.iter().find(|s| &s.draft.slug == slug).cloned())
    }
    async fn list(&self) -> Result<Vec<McpServer>, RepoError> {
        Ok(self.servers.lock().unwrap().clone())
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
        self.credentials.lock().unwrap().push((
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
        let credentials = self.credentials.lock().unwrap();
        let of = credentials.iter().filter(|c| &c.0 == slug);
        Ok(Some(of.map(|c| c.3.clone()).collect()))
    }
    async fn delete_credential(
        &self,
        slug: &ServerSlug,
        id: Uuid,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let mut credentials = self.credentials.lock().unwrap();
        let before = credentials.len();
        credentials.retain(|c| !(&c.0 == slug && c.3.id == id));
        self.audit.record(audit);
        Ok(credentials.len() < before)
    }
    async fn find_credential(
        &self,
        lookup_id: &LookupId,
    ) -> Result<Option<StoredServerCredential>, RepoError> {
        let found = {
            let credentials = self.credentials.lock().unwrap();
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

/// Signs as `signed:<aud>:<sub>:<client_id>:<scope>` and remembers what it signed.
#[derive(Debug, Clone, Default)]
pub struct FakeSigner(pub Arc<Mutex<Vec<Assertion>>>);

impl AssertionSigner for FakeSigner {
    async fn sign(&self, a: &Assertion) -> Result<String, RepoError> {
        self.0.lock().unwrap().push(a.clone());
        Ok(format!(
            "signed:{}:{}:{}:{}",
            a.audience,
            a.subject.as_uuid(),
            a.client_id,
            a.scope
        ))
    }
    async fn public_keys(&self) -> Result<Vec<PublicSigningKey>, RepoError> {
        Ok(vec![PublicSigningKey {
            kid: "fake".into(),
            public_key: vec![0; 32],
        }])
    }
}
