use std::future::Future;

use tessera_domain::{CredentialHash, LookupId, User, UserId};
use time::OffsetDateTime;

use super::{AuditEntry, RepoError};

/// A session about to be stored: only the hash of its credential.
#[derive(Debug)]
pub struct NewSession {
    /// The public half of the credential, the primary key.
    pub lookup_id: LookupId,
    /// SHA-256 of the whole credential.
    pub hash: CredentialHash,
    /// Whose session it is.
    pub user: User,
    /// When it was created.
    pub created_at: OffsetDateTime,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

/// Browser and API sessions, stored only as hashes (SPEC §7).
pub trait SessionRepository: Send + Sync + 'static {
    /// Stores a new session.
    fn insert(&self, session: &NewSession) -> impl Future<Output = Result<(), RepoError>> + Send;
    /// Returns the stored hash and the user of an unexpired session of an active (not
    /// suspended) person, in one round trip. The caller compares the hash; the repository
    /// MUST NOT compare secrets itself.
    fn find_live(
        &self,
        lookup_id: &LookupId,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Option<(CredentialHash, User)>, RepoError>> + Send;
    /// Deletes a session; deleting an unknown one is not an error.
    fn delete(&self, lookup_id: &LookupId) -> impl Future<Output = Result<(), RepoError>> + Send;
    /// Ends every session of `user` and records `audit`, in one transaction (signing out
    /// everywhere); returns how many ended.
    fn end_all(
        &self,
        user: UserId,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<u64, RepoError>> + Send;
}
