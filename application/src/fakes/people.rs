//! Fakes of the people ports: users, sessions and reset links share one state, as the
//! tables do, so a suspension or a password change ends the sessions it must end.

use std::sync::{Arc, Mutex};

use tessera_domain::{
    Account, AccountChange, AccountQuery, AccountRefusal, AccountStatus, CredentialHash, LookupId,
    PasswordHash, User, UserId, UserWithPassword,
};
use time::OffsetDateTime;

use crate::ports::{
    AuditEntry, NewPasswordReset, NewSession, PasswordResetRepository, RepoError,
    SessionRepository, UserRepository,
};

#[derive(Debug, Clone)]
struct SessionRow {
    lookup_id: LookupId,
    hash: CredentialHash,
    user: UserId,
    expires_at: OffsetDateTime,
}

#[derive(Debug, Default)]
pub struct People {
    users: Vec<UserWithPassword>,
    sessions: Vec<SessionRow>,
    resets: Vec<NewPasswordReset>,
    audit: Vec<AuditEntry>,
}

impl People {
    fn account(&self, id: UserId) -> Option<Account> {
        let found = self.users.iter().find(|u| u.user.id == id)?;
        Some(Account {
            user: found.user.clone(),
            status: found.status,
        })
    }

    fn end_sessions(&mut self, id: UserId, keep: Option<&LookupId>) -> u64 {
        let before = self.sessions.len();
        self.sessions
            .retain(|s| s.user != id || Some(&s.lookup_id) == keep);
        (before - self.sessions.len()) as u64
    }
}

type Shared = Arc<Mutex<People>>;

#[derive(Debug, Clone, Default)]
pub struct FakeUsers(Shared);

#[derive(Debug, Clone, Default)]
pub struct FakeSessions(Shared);

#[derive(Debug, Clone, Default)]
pub struct FakeResets(Shared);

impl FakeUsers {
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
        self.0.lock().unwrap().audit.clone()
    }
    /// How many sessions `id` holds.
    pub fn session_count(&self, id: UserId) -> usize {
        let people = self.0.lock().unwrap();
        people.sessions.iter().filter(|s| s.user == id).count()
    }
}

impl UserRepository for FakeUsers {
    async fn insert_first(&self, user: &UserWithPassword) -> Result<bool, RepoError> {
        let mut people = self.0.lock().unwrap();
        if !people.users.is_empty() {
            return Ok(false);
        }
        people.users.push(user.clone());
        Ok(true)
    }
    async fn insert(&self, user: &UserWithPassword, audit: &AuditEntry) -> Result<(), RepoError> {
        let mut people = self.0.lock().unwrap();
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
        people.audit.push(audit.clone());
        Ok(())
    }
    async fn find_by_email(&self, email: &str) -> Result<Option<UserWithPassword>, RepoError> {
        let people = self.0.lock().unwrap();
        let found = people
            .users
            .iter()
            .find(|u| u.user.email.normalized() == email);
        Ok(found.cloned())
    }
    async fn find_account(&self, id: UserId) -> Result<Option<Account>, RepoError> {
        Ok(self.0.lock().unwrap().account(id))
    }
    async fn search(&self, query: &AccountQuery) -> Result<(Vec<Account>, i64), RepoError> {
        let people = self.0.lock().unwrap();
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
        let mut people = self.0.lock().unwrap();
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
        people.audit.push(audit.clone());
        Ok(Some(Ok(after)))
    }
    async fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: Option<&LookupId>,
        audit: &AuditEntry,
    ) -> Result<Option<u64>, RepoError> {
        let mut people = self.0.lock().unwrap();
        let Some(stored) = people.users.iter_mut().find(|u| u.user.id == id) else {
            return Ok(None);
        };
        stored.password_hash = hash.clone();
        let ended = people.end_sessions(id, keep);
        people.resets.retain(|r| r.user_id != id);
        people.audit.push(audit.clone());
        Ok(Some(ended))
    }
    async fn rehash_password(
        &self,
        id: UserId,
        old: &PasswordHash,
        new: &PasswordHash,
    ) -> Result<bool, RepoError> {
        let mut people = self.0.lock().unwrap();
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
        Ok(!self.0.lock().unwrap().users.is_empty())
    }
}

impl SessionRepository for FakeSessions {
    async fn insert(&self, s: &NewSession) -> Result<(), RepoError> {
        let row = SessionRow {
            lookup_id: s.lookup_id.clone(),
            hash: s.hash.clone(),
            user: s.user.id,
            expires_at: s.expires_at,
        };
        self.0.lock().unwrap().sessions.push(row);
        Ok(())
    }
    async fn find_live(
        &self,
        lookup_id: &LookupId,
        now: OffsetDateTime,
    ) -> Result<Option<(CredentialHash, User)>, RepoError> {
        let people = self.0.lock().unwrap();
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
        let mut people = self.0.lock().unwrap();
        people.sessions.retain(|s| &s.lookup_id != lookup_id);
        Ok(())
    }
    async fn end_all(&self, user: UserId, audit: &AuditEntry) -> Result<u64, RepoError> {
        let mut people = self.0.lock().unwrap();
        let ended = people.end_sessions(user, None);
        people.audit.push(audit.clone());
        Ok(ended)
    }
}

impl PasswordResetRepository for FakeResets {
    async fn insert(
        &self,
        reset: &NewPasswordReset,
        audit: &AuditEntry,
    ) -> Result<bool, RepoError> {
        let mut people = self.0.lock().unwrap();
        if people.account(reset.user_id).is_none() {
            return Ok(false);
        }
        people.resets.retain(|r| r.user_id != reset.user_id);
        people.resets.push(NewPasswordReset {
            lookup_id: reset.lookup_id.clone(),
            hash: reset.hash.clone(),
            ..*reset
        });
        people.audit.push(audit.clone());
        Ok(true)
    }
    async fn find_live(
        &self,
        lookup_id: &LookupId,
        now: OffsetDateTime,
    ) -> Result<Option<(CredentialHash, UserId)>, RepoError> {
        let people = self.0.lock().unwrap();
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
        let mut people = self.0.lock().unwrap();
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
        people.audit.push(audit.clone());
        Ok(Some(user))
    }
}
