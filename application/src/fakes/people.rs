//! The people store the user, session and reset-link fakes share, as their tables do, so a
//! suspension or a password change ends the sessions it must end.

use std::sync::{Arc, Mutex, MutexGuard};

use tessera_domain::{Account, CredentialHash, LookupId, UserId, UserWithPassword};
use time::OffsetDateTime;

use super::{FakeAudit, lock};
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
}

impl Shared {
    pub(super) fn recording_to(audit: &FakeAudit) -> Self {
        Self {
            people: Arc::default(),
            audit: audit.clone(),
        }
    }
    pub(super) fn lock(&self) -> MutexGuard<'_, People> {
        lock(&self.people)
    }
}
