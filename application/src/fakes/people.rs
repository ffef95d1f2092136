//! The people store the user, session and reset-link fakes share, as their tables do, so a
//! suspension or a password change ends the sessions it must end.

use std::sync::{Arc, Mutex, MutexGuard};

use tessera_domain::{Account, CredentialHash, LookupId, UserId, UserWithPassword};
use time::OffsetDateTime;

use super::{FakeAudit, FakeGrants, lock};
use crate::ports::NewPasswordReset;

/// A stored session.
#[derive(Debug, Clone)]
pub(super) struct SessionRow {
    pub(super) lookup_id: LookupId,
    pub(super) hash: CredentialHash,
    pub(super) user: UserId,
    pub(super) expires_at: OffsetDateTime,
}

/// The rows: users, their sessions and reset links.
#[derive(Debug, Default)]
pub(super) struct People {
    pub(super) users: Vec<UserWithPassword>,
    pub(super) sessions: Vec<SessionRow>,
    pub(super) resets: Vec<NewPasswordReset>,
}

impl People {
    pub(super) fn account(&self, id: UserId) -> Option<Account> {
        let found = self.users.iter().find(|u| u.user.id == id)?;
        Some(Account {
            user: found.user.clone(),
            status: found.status,
        })
    }

    pub(super) fn end_sessions(&mut self, id: UserId, keep: Option<&LookupId>) -> u64 {
        let before = self.sessions.len();
        self.sessions
            .retain(|s| s.user != id || Some(&s.lookup_id) == keep);
        (before - self.sessions.len()) as u64
    }
}

/// The people store and the audit log its changes land in; clones share both.
#[derive(Debug, Clone, Default)]
pub(super) struct Shared {
    people: Arc<Mutex<People>>,
    pub(super) audit: FakeAudit,
    pub(super) grants: GrantsLink,
}

/// The grants of these people, once linked, so a suspension revokes them.
#[derive(Clone, Default)]
pub(super) struct GrantsLink(Arc<Mutex<Option<FakeGrants>>>);

impl GrantsLink {
    pub(super) fn set(&self, grants: &FakeGrants) {
        *lock(&self.0) = Some(grants.clone());
    }
    pub(super) fn get(&self) -> Option<FakeGrants> {
        lock(&self.0).clone()
    }
}

impl std::fmt::Debug for GrantsLink {
    // Not the grants themselves: they link back to these people.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GrantsLink")
    }
}

impl Shared {
    pub(super) fn recording_to(audit: &FakeAudit) -> Self {
        let people = Arc::default();
        audit.knowing(&people);
        Self {
            people,
            audit: audit.clone(),
            grants: GrantsLink::default(),
        }
    }
    pub(super) fn lock(&self) -> MutexGuard<'_, People> {
        lock(&self.people)
    }
}
