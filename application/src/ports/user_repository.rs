use std::future::Future;

use tessera_domain::{
    Account, AccountChange, AccountQuery, AccountRefusal, LookupId, PasswordHash, UserId,
    UserWithPassword,
};

use super::{AuditEntry, RepoError};

/// People who can sign in, and the admins' changes to them (SPEC §2).
pub trait UserRepository: Send + Sync + 'static {
    /// Inserts `user` only if no user exists yet, atomically across replicas. MUST return
    /// `Ok(false)` (and insert nothing) when any user already exists.
    fn insert_first(
        &self,
        user: &UserWithPassword,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// Inserts a user and its audit entry in one transaction. MUST return
    /// `RepoError::Conflict` naming `email` or `username` when taken (and write nothing).
    fn insert(
        &self,
        user: &UserWithPassword,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<(), RepoError>> + Send;
    /// Finds a user, their password hash and their status by normalized email.
    fn find_by_email(
        &self,
        email_normalized: &str,
    ) -> impl Future<Output = Result<Option<UserWithPassword>, RepoError>> + Send;
    /// Finds an account (a user and their status) by id.
    fn find_account(
        &self,
        id: UserId,
    ) -> impl Future<Output = Result<Option<Account>, RepoError>> + Send;
    /// One page of the accounts whose email or username contains the query's text (any
    /// case), oldest first, and how many match in all.
    fn search(
        &self,
        query: &AccountQuery,
    ) -> impl Future<Output = Result<(Vec<Account>, i64), RepoError>> + Send;
    /// Applies `change` to account `id` when `decide(account, active admins)` allows it, and
    /// records `audit` when it changed something. Every implementation MUST:
    ///
    /// - read the account and count the active admins under one lock that every call of
    ///   this method takes, and write before releasing it: two admins demoting (or
    ///   suspending) each other at once MUST NOT leave zero active admins;
    /// - on a suspension, in the same transaction, end every session, password reset link,
    ///   unredeemed authorization code and MCP session of the person and revoke their grants,
    ///   and before returning make every replica refuse their access tokens;
    /// - write nothing when `decide` refuses or reports no change.
    ///
    /// `None` for an unknown account; else the refusal, or the account as it is now.
    fn change_account<F>(
        &self,
        id: UserId,
        change: AccountChange,
        audit: &AuditEntry,
        decide: F,
    ) -> impl Future<Output = Result<Option<Result<Account, AccountRefusal>>, RepoError>> + Send
    where
        F: FnOnce(&Account, u64) -> Result<bool, AccountRefusal> + Send;
    /// Replaces the password hash of `id`, ends every session of theirs except `keep` and
    /// every reset link of theirs, and records `audit`, in one transaction. `None` for an
    /// unknown user, else how many sessions ended.
    fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: Option<&LookupId>,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<Option<u64>, RepoError>> + Send;
    /// Replaces the password hash of `id` with `new` only while it is still `old` (the same
    /// password stored anew with today's hashing parameters, after a login proved it): no
    /// session ends and nothing is audited. `false` when the hash had changed meanwhile.
    fn rehash_password(
        &self,
        id: UserId,
        old: &PasswordHash,
        new: &PasswordHash,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// Whether any user exists (the setup page is offered only while none does).
    fn any_exists(&self) -> impl Future<Output = Result<bool, RepoError>> + Send;
}
