//! Sessions in memory, in the people store, so they end with their person's changes.

use tessera_domain::{AccountStatus, CredentialHash, LookupId, User, UserId};
use time::OffsetDateTime;

use super::people::{SessionRow, Shared};
use crate::ports::{AuditEntry, NewSession, RepoError, SessionRepository};

/// Browser and API sessions of [`super::FakeUsers`]; made by [`super::FakeUsers::sessions`].
#[derive(Debug, Clone, Default)]
pub struct FakeSessions(pub(super) Shared);

impl SessionRepository for FakeSessions {
    async fn insert(&self, s: &NewSession) -> Result<(), RepoError> {
        let row = SessionRow {
            lookup_id: s.lookup_id.clone(),
            hash: s.hash.clone(),
            user: s.user.id,
            expires_at: s.expires_at,
        };
        self.0.lock().sessions.push(row);
        Ok(())
    }
    async fn find_live(
        &self,
        lookup_id: &LookupId,
        now: OffsetDateTime,
    ) -> Result<Option<(CredentialHash, User)>, RepoError> {
        let people = self.0.lock();
        let Some(row) = people
            .sessions
            .iter()
            .find(|s| &s.lookup_id == lookup_id && s.expires_at > now)
        else {
            return Ok(None);
        };
        let account = people.account(row.user);
        let active = account.filter(|a| a.status == AccountStatus::Active);
        Ok(active.map(|a| (row.hash.clone(), a.user)))
    }
    async fn delete(&self, lookup_id: &LookupId) -> Result<(), RepoError> {
        let mut people = self.0.lock();
        people.sessions.retain(|s| &s.lookup_id != lookup_id);
        Ok(())
    }
    async fn end_all(&self, user: UserId, audit: &AuditEntry) -> Result<u64, RepoError> {
        let mut people = self.0.lock();
        let ended = people.end_sessions(user, None);
        self.0.audit.record(audit);
        Ok(ended)
    }
}
