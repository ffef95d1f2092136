use std::future::Future;

use tessera_domain::{User, UserId, UserWithPassword};

use super::RepoError;

/// People who can sign in (SPEC §2).
pub trait UserRepository: Send + Sync + 'static {
    /// Inserts `user` only if no user exists yet, atomically across replicas. MUST return
    /// `Ok(false)` (and insert nothing) when any user already exists.
    fn insert_first(
        &self,
        user: &UserWithPassword,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// Inserts a user. MUST return `RepoError::Conflict` naming `email` or `username` when taken.
    fn insert(&self, user: &UserWithPassword)
    -> impl Future<Output = Result<(), RepoError>> + Send;
    /// Finds a user and their password hash by normalized email.
    fn find_by_email(
        &self,
        email_normalized: &str,
    ) -> impl Future<Output = Result<Option<UserWithPassword>, RepoError>> + Send;
    /// Finds a user by id.
    fn find(&self, id: UserId) -> impl Future<Output = Result<Option<User>, RepoError>> + Send;
    /// Lists every user, oldest first.
    fn list(&self) -> impl Future<Output = Result<Vec<User>, RepoError>> + Send;
    /// Whether any user exists (the setup page is offered only while none does).
    fn any_exists(&self) -> impl Future<Output = Result<bool, RepoError>> + Send;
}
