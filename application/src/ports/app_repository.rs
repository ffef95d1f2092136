use std::future::Future;

use tessera_domain::{App, AppDeletion, AppQuery, AppSecretInfo, CredentialHash, LookupId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{AuditEntry, RepoError};

/// A client secret about to be stored: only its hash and last characters.
#[derive(Debug)]
pub struct NewAppSecret {
    /// The listing view (id, suffix, times).
    pub info: AppSecretInfo,
    /// The public half of the credential.
    pub lookup_id: LookupId,
    /// SHA-256 of the whole credential.
    pub hash: CredentialHash,
}

/// OAuth2 apps and their secrets. Every change is written together with its audit entry,
/// in one transaction; deletes take everything that depends on the row with them.
pub trait AppRepository: Send + Sync + 'static {
    /// Stores a new app.
    fn insert(
        &self,
        app: &App,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<(), RepoError>> + Send;
    /// Replaces an app's admin-editable fields; `false` when no such app exists.
    fn update(
        &self,
        app: &App,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// Blocks or unblocks an app (a blocked app cannot authorize and its tokens stop
    /// working); `false` when unknown.
    fn set_blocked(
        &self,
        id: Uuid,
        blocked: bool,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// Deletes an app with its secrets, codes, grants and tokens; `false` when unknown.
    fn delete(
        &self,
        id: Uuid,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// One app.
    fn find(&self, id: Uuid) -> impl Future<Output = Result<Option<App>, RepoError>> + Send;
    /// Every app, or those `user` holds a live grant for; oldest first.
    fn list(
        &self,
        user: Option<UserId>,
    ) -> impl Future<Output = Result<Vec<App>, RepoError>> + Send;
    /// One page of the apps `query` selects, in its order, and how many it selects in all.
    /// MUST select and order exactly as [`AppQuery::select`] does (`now` dates "used within
    /// N days"), and MUST keep `authorized_by` to apps the person holds a live grant for.
    fn search(
        &self,
        query: &AppQuery,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<(Vec<App>, i64), RepoError>> + Send;
    /// Deletes every app `deletion` covers as it stands at the moment of deleting (as
    /// [`AppDeletion::covers`] says), each as `delete` does, in one transaction; writes
    /// `audit` once per deleted app with that app's id as its target; returns how many.
    fn delete_many(
        &self,
        deletion: &AppDeletion,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<u64, RepoError>> + Send;
    /// Stores a secret; `false` when the app does not exist.
    fn insert_secret(
        &self,
        app_id: Uuid,
        secret: &NewAppSecret,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// The secrets of an app, oldest first; `None` when the app does not exist.
    fn list_secrets(
        &self,
        app_id: Uuid,
    ) -> impl Future<Output = Result<Option<Vec<AppSecretInfo>>, RepoError>> + Send;
    /// Deletes one secret of one app; `false` when there is no such pair.
    fn delete_secret(
        &self,
        app_id: Uuid,
        secret_id: Uuid,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
}
