//! What admins, and the command line on the server, do to people's accounts (SPEC §2):
//! list and search, create, grant and remove admin, suspend and unsuspend, and hand out
//! one-time password reset links. Every use case takes the [`Admin`] capability; every change
//! is audited.

use tessera_domain::{
    Account, AccountChange, AccountQuery, AccountRefusal, Credential, CredentialKind, Email,
    PASSWORD_RESET_TTL, User, UserId,
};
use time::OffsetDateTime;

use super::users::{NewUserInput, new_record};
use crate::admin::Admin;
use crate::issue_credential;
use crate::ports::{
    AuditEntry, Clock, Details, HashError, NewPasswordReset, PasswordResetRepository, Ports,
    RepoError, Rng, UserRepository,
};

/// Why an admin operation on an account failed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    /// No such account.
    #[error("no such user")]
    NotFound,
    /// A rule refused the change (the last admin, one's own account).
    #[error(transparent)]
    Refused(AccountRefusal),
    /// The email or username is taken; names the field.
    #[error("{0} is already taken")]
    Taken(&'static str),
    /// Password hashing is saturated; retry shortly.
    #[error("too busy to hash the password now")]
    Busy,
    /// A repository failure.
    #[error(transparent)]
    Repo(RepoError),
}

impl From<RepoError> for AccountError {
    fn from(e: RepoError) -> Self {
        match e {
            RepoError::Conflict { field } => Self::Taken(field),
            other => Self::Repo(other),
        }
    }
}

impl From<HashError> for AccountError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Busy,
            HashError::Unexpected(e) => Self::Repo(RepoError::Unexpected(e)),
        }
    }
}

/// One page of a search of accounts.
#[derive(Debug, Clone)]
pub struct AccountPage {
    /// The accounts on this page, oldest first.
    pub accounts: Vec<Account>,
    /// How many accounts match in all.
    pub total: i64,
    /// The search this page answers.
    pub query: AccountQuery,
}

/// A password reset link just made: shown to the admin once, then only its hash is kept.
#[derive(Debug)]
pub struct ResetLink {
    /// The credential the link carries (`tpr_…`).
    pub credential: Credential,
    /// Whose password it resets.
    pub user: User,
    /// When it stops working.
    pub expires_at: OffsetDateTime,
}

/// The use cases of managing people.
#[derive(Debug)]
pub struct AccountService<P: Ports> {
    users: P::Users,
    resets: P::Resets,
    hasher: P::Hasher,
    clock: P::Clock,
    rng: P::Rng,
}

impl<P: Ports> AccountService<P> {
    /// Wires the service to its ports.
    pub fn new(
        users: P::Users,
        resets: P::Resets,
        hasher: P::Hasher,
        clock: P::Clock,
        rng: P::Rng,
    ) -> Self {
        Self {
            users,
            resets,
            hasher,
            clock,
            rng,
        }
    }

    fn entry(
        &self,
        admin: &Admin,
        action: &'static str,
        target: &'static str,
        id: UserId,
        details: Details,
    ) -> AuditEntry {
        AuditEntry {
            actor: admin.actor().clone(),
            action,
            target_type: target,
            target_id: id.to_string(),
            at: self.clock.now(),
            details,
        }
    }

    /// One page of the accounts matching `query`.
    #[tracing::instrument(skip_all)]
    pub async fn list_accounts(
        &self,
        _admin: &Admin,
        query: AccountQuery,
    ) -> Result<AccountPage, AccountError> {
        let (accounts, total) = self.users.search(&query).await?;
        Ok(AccountPage {
            accounts,
            total,
            query,
        })
    }

    /// One account by id.
    #[tracing::instrument(skip_all, fields(user_id = %id))]
    pub async fn get_account(&self, _admin: &Admin, id: UserId) -> Result<Account, AccountError> {
        self.users
            .find_account(id)
            .await?
            .ok_or(AccountError::NotFound)
    }

    /// One account by email (the command line names people so).
    #[tracing::instrument(skip_all)]
    pub async fn find_account_by_email(
        &self,
        _admin: &Admin,
        email: &Email,
    ) -> Result<Account, AccountError> {
        let found = self.users.find_by_email(&email.normalized()).await?;
        let found = found.ok_or(AccountError::NotFound)?;
        Ok(Account {
            user: found.user,
            status: found.status,
        })
    }

    /// Creates a person, with the password given.
    #[tracing::instrument(skip_all)]
    pub async fn create_account(
        &self,
        admin: &Admin,
        input: NewUserInput,
    ) -> Result<User, AccountError> {
        let id = UserId::new(self.rng.uuid());
        let record = new_record(&self.hasher, &self.clock, id, input).await?;
        let user = &record.user;
        let details = vec![
            ("username", user.username.as_str().to_owned()),
            ("email", user.email.as_str().to_owned()),
            ("admin", user.admin.to_string()),
        ];
        let audit = self.entry(admin, "create", "user", user.id, details);
        self.users.insert(&record, &audit).await?;
        Ok(record.user)
    }

    /// Grants or removes admin, suspends or unsuspends; never leaves tessera without an
    /// active admin, and nobody suspends themselves. A suspension ends the person's
    /// sessions and tokens at once; unsuspending does not bring them back.
    #[tracing::instrument(skip_all, fields(user_id = %id, change = ?change))]
    pub async fn change_account(
        &self,
        admin: &Admin,
        id: UserId,
        change: AccountChange,
    ) -> Result<Account, AccountError> {
        let by = admin.user_id();
        let (action, details) = match change {
            AccountChange::GrantAdmin => ("update", vec![("admin", "true".to_owned())]),
            AccountChange::RemoveAdmin => ("update", vec![("admin", "false".to_owned())]),
            AccountChange::Suspend => ("suspend", Vec::new()),
            AccountChange::Unsuspend => ("unsuspend", Vec::new()),
        };
        let audit = self.entry(admin, action, "user", id, details);
        let decide = move |account: &Account, admins: u64| change.decide(by, account, admins);
        match self
            .users
            .change_account(id, change, &audit, decide)
            .await?
        {
            None => Err(AccountError::NotFound),
            Some(Err(refusal)) => Err(AccountError::Refused(refusal)),
            Some(Ok(account)) => Ok(account),
        }
    }

    /// A one-time link that lets the person choose a new password, valid for
    /// [`PASSWORD_RESET_TTL`]; it replaces any earlier link of theirs.
    #[tracing::instrument(skip_all, fields(user_id = %id))]
    pub async fn issue_reset_link(
        &self,
        admin: &Admin,
        id: UserId,
    ) -> Result<ResetLink, AccountError> {
        let account = self.get_account(admin, id).await?;
        let credential = issue_credential(&self.rng, CredentialKind::PasswordReset);
        let now = self.clock.now();
        let expires_at = now + PASSWORD_RESET_TTL;
        let details = vec![("expires_at", expires_at.to_string())];
        let audit = self.entry(admin, "create", "password_reset", id, details);
        let reset = NewPasswordReset {
            lookup_id: credential.lookup_id().clone(),
            hash: credential.hash(),
            user_id: id,
            created_at: now,
            expires_at,
        };
        match self.resets.insert(&reset, &audit).await? {
            true => Ok(ResetLink {
                credential,
                user: account.user,
                expires_at,
            }),
            false => Err(AccountError::NotFound),
        }
    }
}

#[cfg(test)]
mod tests;
