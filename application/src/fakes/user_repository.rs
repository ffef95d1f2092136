//! Users in memory, in the people store they share with sessions and reset links.

use tessera_domain::{
    Account, AccountChange, AccountQuery, AccountRefusal, AccountStatus, LookupId, PasswordHash,
    User, UserId, UserWithPassword,
};

use super::people::Shared;
use super::{FakeAudit, FakeResets, FakeSessions};
use crate::ports::{AuditEntry, RepoError, UserRepository};

/// People who can sign in; clones share them.
#[derive(Debug, Clone, Default)]
pub struct FakeUsers(pub(super) Shared);

impl FakeUsers {
    /// Users whose changes are recorded in `audit`.
    pub fn recording_to(audit: &FakeAudit) -> Self {
        Self(Shared::recording_to(audit))
    }
    /// The sessions of these users.
    pub fn sessions(&self) -> FakeSessions {
        FakeSessions(self.0.clone())
    }
    /// The reset links of these users.
    pub fn resets(&self) -> FakeResets {
        FakeResets(self.0.clone())
    }
    /// Every audit entry written with a change to these users, their sessions or links.
    pub fn audit(&self) -> Vec<AuditEntry> {
        self.0.audit.entries()
    }
    /// How many sessions `id` holds.
    pub fn session_count(&self, id: UserId) -> usize {
        let people = self.0.lock();
        people.sessions.iter().filter(|s| s.user == id).count()
    }
    /// Stores `user` as an active person, unless one with its id exists, without an audit
    /// entry (a person the test needs, not one it is about).
    pub fn put(&self, user: &User) {
        let mut people = self.0.lock();
        if people.account(user.id).is_none() {
            people.users.push(UserWithPassword {
                user: user.clone(),
                password_hash: PasswordHash::new("fake:".into()),
                status: AccountStatus::Active,
            });
        }
    }
    /// The account `id`, for the fakes that join people to their rows.
    pub(super) fn account(&self, id: UserId) -> Option<Account> {
        self.0.lock().account(id)
    }
}

impl UserRepository for FakeUsers {
    async fn insert_first(&self, user: &UserWithPassword) -> Result<bool, RepoError> {
        let mut people = self.0.lock();
        if !people.users.is_empty() {
            return Ok(false);
        }
        people.users.push(user.clone());
        Ok(true)
    }
    async fn insert(&self, user: &UserWithPassword, audit: &AuditEntry) -> Result<(), RepoError> {
        let mut people = self.0.lock();
        let email = user.user.email.normalized();
        if people
            .users
            .iter()
            .any(|u| u.user.email.normalized() == email)
        {
            return Err(RepoError::Conflict { field: "email" });
        }
        if people
            .users
            .iter()
            .any(|u| u.user.username == user.user.username)
        {
            return Err(RepoError::Conflict { field: "username" });
        }
        people.users.push(user.clone());
        self.0.audit.record(audit);
        Ok(())
    }
    async fn find_by_email(&self, email: &str) -> Result<Option<UserWithPassword>, RepoError> {
        let people = self.0.lock();
        let found = people
            .users
            .iter()
            .find(|u| u.user.email.normalized() == email);
        Ok(found.cloned())
    }
    async fn find_account(&self, id: UserId) -> Result<Option<Account>, RepoError> {
        Ok(self.0.lock().account(id))
    }
    async fn search(&self, query: &AccountQuery) -> Result<(Vec<Account>, i64), RepoError> {
        let people = self.0.lock();
        let text = query.text().map(str::to_lowercase);
        let matching: Vec<Account> = people
            .users
            .iter()
            .filter(|u| {
                text.as_ref().is_none_or(|t| {
                    u.user.email.normalized().contains(t)
                        || u.user.username.as_str().to_lowercase().contains(t)
                })
            })
            .map(|u| Account {
                user: u.user.clone(),
                status: u.status,
            })
            .collect();
        let total = matching.len() as i64;
        let page = matching
            .into_iter()
            .skip(query.offset() as usize)
            .take(query.limit() as usize)
            .collect();
        Ok((page, total))
    }
    async fn change_account<F>(
        &self,
        id: UserId,
        change: AccountChange,
        audit: &AuditEntry,
        decide: F,
    ) -> Result<Option<Result<Account, AccountRefusal>>, RepoError>
    where
        F: FnOnce(&Account, u64) -> Result<bool, AccountRefusal> + Send,
    {
        let mut people = self.0.lock();
        let Some(account) = people.account(id) else {
            return Ok(None);
        };
        let admins = people
            .users
            .iter()
            .filter(|u| u.user.admin && u.status == AccountStatus::Active)
            .count() as u64;
        match decide(&account, admins) {
            Err(refusal) => return Ok(Some(Err(refusal))),
            Ok(false) => return Ok(Some(Ok(account))),
            Ok(true) => {}
        }
        let after = change.applied_to(account);
        if let Some(stored) = people.users.iter_mut().find(|u| u.user.id == id) {
            stored.user = after.user.clone();
            stored.status = after.status;
        }
        if change == AccountChange::Suspend {
            people.end_sessions(id, None);
            people.resets.retain(|r| r.user_id != id);
        }
        drop(people);
        if let Some(grants) = self
            .0
            .grants
            .get()
            .filter(|_| change == AccountChange::Suspend)
        {
            grants.revoke_person(id);
        }
        self.0.audit.record(audit);
        Ok(Some(Ok(after)))
    }
    async fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: Option<&LookupId>,
        audit: &AuditEntry,
    ) -> Result<Option<u64>, RepoError> {
        let mut people = self.0.lock();
        let Some(stored) = people.users.iter_mut().find(|u| u.user.id == id) else {
            return Ok(None);
        };
        stored.password_hash = hash.clone();
        let ended = people.end_sessions(id, keep);
        people.resets.retain(|r| r.user_id != id);
        self.0.audit.record(audit);
        Ok(Some(ended))
    }
    async fn rehash_password(
        &self,
        id: UserId,
        old: &PasswordHash,
        new: &PasswordHash,
    ) -> Result<bool, RepoError> {
        let mut people = self.0.lock();
        let stored = people.users.iter_mut().find(|u| u.user.id == id);
        match stored {
            Some(u) if u.password_hash.as_str() == old.as_str() => {
                u.password_hash = new.clone();
                Ok(true)
            }
            _ => Ok(false),
        }
    }
    async fn any_exists(&self) -> Result<bool, RepoError> {
        Ok(!self.0.lock().users.is_empty())
    }
}
