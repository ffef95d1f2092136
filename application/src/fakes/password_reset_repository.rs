//! Password reset links in memory, in the people store.

use tessera_domain::{CredentialHash, LookupId, PasswordHash, UserId};
use time::OffsetDateTime;

use super::people::Shared;
use crate::ports::{AuditEntry, NewPasswordReset, PasswordResetRepository, RepoError};

/// Reset links of [`super::FakeUsers`]; made by [`super::FakeUsers::resets`].
#[derive(Debug, Clone, Default)]
pub struct FakeResets(pub(super) Shared);

impl PasswordResetRepository for FakeResets {
    async fn insert(
        &self,
        reset: &NewPasswordReset,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let mut people = self.0.lock();
        if people.account(reset.user_id).is_none() {
            return Ok(false);
        }
        people.resets.retain(|r| r.user_id != reset.user_id);
        people.resets.push(NewPasswordReset {
            lookup_id: reset.lookup_id.clone(),
            hash: reset.hash.clone(),
            ..*reset
        });
        self.0.audit.record(audit);
        Ok(true)
    }
    async fn find_live(
        &self,
        lookup_id: &LookupId,
        now: OffsetDateTime,
    ) -> Result<Option<(CredentialHash, UserId)>, RepoError> {
        let people = self.0.lock();
        let found = people
            .resets
            .iter()
            .find(|r| &r.lookup_id == lookup_id && r.expires_at > now);
        Ok(found.map(|r| (r.hash.clone(), r.user_id)))
    }
    async fn redeem(
        &self,
        lookup_id: &LookupId,
        now: OffsetDateTime,
        hash: &PasswordHash,
        audit: &AuditEntry,
    ) -> Result<Option<UserId>, RepoError> {
        let mut people = self.0.lock();
        let Some(at) = people
            .resets
            .iter()
            .position(|r| &r.lookup_id == lookup_id && r.expires_at > now)
        else {
            return Ok(None);
        };
        let user = people.resets.remove(at).user_id;
        if let Some(stored) = people.users.iter_mut().find(|u| u.user.id == user) {
            stored.password_hash = hash.clone();
        }
        people.end_sessions(user, None);
        self.0.audit.record(audit);
        Ok(Some(user))
    }
}
