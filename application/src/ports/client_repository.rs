use std::future::Future;

use tessera_domain::{CredentialHash, LookupId, OAuthClient};
use uuid::Uuid;

use super::RepoError;

/// A client secret as stored, for authenticating a client at the token endpoint.
#[derive(Debug)]
pub struct StoredSecret {
    /// The secret's id (its `last_used_at` is updated on use).
    pub id: Uuid,
    /// The app it belongs to.
    pub client_id: Uuid,
    /// SHA-256 of the whole secret.
    pub hash: CredentialHash,
}

/// Clients as the OAuth endpoints see them (SPEC §4).
pub trait ClientRepository: Send + Sync + 'static {
    /// The client whose `client_id` is `id`.
    fn find_client(
        &self,
        id: Uuid,
    ) -> impl Future<Output = Result<Option<OAuthClient>, RepoError>> + Send;
    /// The secret with this lookup id. The caller compares the hash; the repository MUST
    /// NOT compare secrets itself.
    fn find_secret(
        &self,
        lookup_id: &LookupId,
    ) -> impl Future<Output = Result<Option<StoredSecret>, RepoError>> + Send;
}
