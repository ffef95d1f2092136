use std::future::Future;

use tessera_domain::{AppSecretInfo, CredentialHash, LookupId, McpServer, ServerSlug};
use time::OffsetDateTime;

use super::{AuditEntry, RepoError};

/// An introspection credential about to be stored: only its hash and last characters.
#[derive(Debug)]
pub struct NewServerCredential {
    /// The listing view (id, suffix, times).
    pub info: AppSecretInfo,
    /// The public half of the credential.
    pub lookup_id: LookupId,
    /// SHA-256 of the whole credential.
    pub hash: CredentialHash,
}

/// An introspection credential as stored, with the server it speaks for.
#[derive(Debug)]
pub struct StoredServerCredential {
    /// SHA-256 of the whole credential; the caller compares it.
    pub hash: CredentialHash,
    /// The protected server it belongs to.
    pub server: McpServer,
}

/// Protected MCP servers (SPEC §9) and their introspection credentials. Every change is
/// written together with its audit entry, in one transaction. Reads MUST see the latest
/// committed state (no cache): a server deleted on one replica stops on every replica at once.
pub trait McpServerRepository: Send + Sync + 'static {
    /// Stores a new server; a taken slug is `RepoError::Conflict { field: "slug" }`.
    fn insert(
        &self,
        server: &McpServer,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<(), RepoError>> + Send;
    /// Replaces a server's name, upstream, scopes and timeout (never its slug); `false`
    /// when no server has that slug.
    fn update(
        &self,
        server: &McpServer,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// Deletes a server and its credentials, and in the same transaction revokes (at `at`)
    /// every grant whose resource is `resource` and forgets approvals for it, so a server
    /// registered later under the same slug inherits no access; `false` when unknown.
    fn delete(
        &self,
        slug: &ServerSlug,
        resource: &str,
        at: OffsetDateTime,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// The server with this slug.
    fn find(
        &self,
        slug: &ServerSlug,
    ) -> impl Future<Output = Result<Option<McpServer>, RepoError>> + Send;
    /// Every server, by slug.
    fn list(&self) -> impl Future<Output = Result<Vec<McpServer>, RepoError>> + Send;
    /// Stores an introspection credential; `false` when the server does not exist.
    fn insert_credential(
        &self,
        slug: &ServerSlug,
        credential: &NewServerCredential,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// The credentials of a server, oldest first; `None` when the server does not exist.
    fn list_credentials(
        &self,
        slug: &ServerSlug,
    ) -> impl Future<Output = Result<Option<Vec<AppSecretInfo>>, RepoError>> + Send;
    /// Deletes one credential of one server; `false` when there is no such pair.
    fn delete_credential(
        &self,
        slug: &ServerSlug,
        id: uuid::Uuid,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// The credential with this lookup id. The caller compares the hash; the repository
    /// MUST NOT compare secrets itself.
    fn find_credential(
        &self,
        lookup_id: &LookupId,
    ) -> impl Future<Output = Result<Option<StoredServerCredential>, RepoError>> + Send;
}
