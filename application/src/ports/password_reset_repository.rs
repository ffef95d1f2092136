use std::future::Future;

use tessera_domain::{CredentialHash, LookupId, PasswordHash, UserId};
use time::OffsetDateTime;

use super::{AuditEntry, RepoError};

/// A password reset link about to be stored: only the hash of its credential (SPEC §7).
#[derive(Debug)]
pub struct NewPasswordReset {
    /// The public half of the credential, the primary key.
    pub lookup_id: LookupId,
    /// SHA-256 of the whole credential.
    pub hash: CredentialHash,
    /// Whose password it resets.
    pub user_id: UserId,
    /// When it was made.
    pub created_at: OffsetDateTime,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

/// One-time password reset links, stored only as hashes.
pub trait PasswordResetRepository: Send + Sync + 'static {
    /// Stores `reset` with its audit entry, replacing any earlier link of the same person
    /// (one live link each). `false` (and nothing written) when the person does not exist.
    fn insert(
        &self,
        reset: &NewPasswordReset,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// The stored hash and the person of an unexpired link. The caller compares the hash;
    /// the repository MUST NOT compare secrets itself.
    fn find_live(
        &self,
        lookup_id: &LookupId,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Option<(CredentialHash, UserId)>, RepoError>> + Send;
    /// Uses the link up: deletes it, sets the person's password to `hash`, ends every
    /// session of theirs and records `audit`, in one transaction. MUST return the person to
    /// exactly one of several concurrent callers with the same link (`None` to the others,
    /// and for an unknown or expired link).
    fn redeem(
        &self,
        lookup_id: &LookupId,
        now: OffsetDateTime,
        hash: &PasswordHash,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<Option<UserId>, RepoError>> + Send;
}
