use std::future::Future;

use tessera_domain::{
    AccessTokenRecord, CodeChallenge, CredentialHash, LookupId, OAuthClient, RefreshState,
    ScopeSet, StoredCode, User, UserId,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{AuditEntry, RepoError, StoredSecret};

/// A code about to be stored, hashed, with everything it was issued for (SPEC §4).
#[derive(Debug)]
pub struct NewCode {
    /// The public half of the code.
    pub lookup_id: LookupId,
    /// SHA-256 of the code.
    pub hash: CredentialHash,
    /// The client.
    pub client_id: Uuid,
    /// The approving person.
    pub user_id: UserId,
    /// The redirect URI as the request named it (or the only registered one).
    pub redirect_uri: String,
    /// Whether the request named it.
    pub redirect_uri_sent: bool,
    /// PKCE.
    pub challenge: CodeChallenge,
    /// What was approved.
    pub scopes: ScopeSet,
    /// The `resource`, if any.
    pub resource: Option<String>,
    /// SHA-256 of `state`, if sent.
    pub state_hash: Option<Vec<u8>>,
    /// When it was issued.
    pub created_at: OffsetDateTime,
    /// When it expires.
    pub expires_at: OffsetDateTime,
}

/// A remembered consent (SPEC §4 step 4).
#[derive(Debug, Clone)]
pub struct Approval {
    /// Who approved.
    pub user_id: UserId,
    /// Which client.
    pub client_id: Uuid,
    /// For which resource (`None`: no `resource` was named).
    pub resource: Option<String>,
    /// Which scopes.
    pub scopes: ScopeSet,
    /// When.
    pub at: OffsetDateTime,
}

/// One token about to be stored.
#[derive(Debug)]
pub struct NewToken {
    /// Its public half.
    pub lookup_id: LookupId,
    /// SHA-256 of it.
    pub hash: CredentialHash,
}

/// The tokens of one token response.
#[derive(Debug)]
pub struct NewTokens {
    /// The access token.
    pub access: NewToken,
    /// Its audience.
    pub audience: String,
    /// Its scopes (possibly narrowed).
    pub scopes: ScopeSet,
    /// When it expires.
    pub access_expires_at: OffsetDateTime,
    /// The refresh token, when the client may refresh.
    pub refresh: Option<NewToken>,
    /// When they were issued.
    pub issued_at: OffsetDateTime,
}

/// A grant about to be created by redeeming a code.
#[derive(Debug)]
pub struct NewGrant {
    /// Its id.
    pub id: Uuid,
    /// The scopes approved.
    pub scopes: ScopeSet,
    /// The resource approved, if any.
    pub resource: Option<String>,
    /// When the whole grant ends.
    pub expires_at: OffsetDateTime,
}

/// What to do with a presented code, decided by the caller while the code is locked.
#[derive(Debug)]
pub enum CodeOutcome {
    /// Create the grant, mark the code used, store the tokens, and note the presenter (and
    /// the secret read for it) as used at the tokens' `issued_at`.
    Issue(NewGrant, NewTokens),
    /// Revoke the grant the code already produced (reuse), recording `AuditEntry`.
    RevokeGrant(Uuid, AuditEntry),
    /// Change nothing: the transaction rolls back and the code stays as it was.
    Refuse,
}

/// What to do with a presented refresh token, decided while its grant is locked.
#[derive(Debug)]
pub enum RefreshOutcome {
    /// Mark the current generation rotated and store the next (noting the presenter as
    /// used, as [`CodeOutcome::Issue`] does).
    Rotate(NewTokens),
    /// Store another token of the current generation (reuse within the grace).
    Reissue(NewTokens),
    /// Revoke the grant, recording the entry.
    RevokeGrant(AuditEntry),
    /// Change nothing: the transaction rolls back.
    Refuse,
}

/// The client a token request names and the secret it sent, to be read in the redemption's
/// own transaction (one round trip with the code or token, not two before it).
#[derive(Debug, Clone, Copy)]
pub struct Presenter<'a> {
    /// The client's internal id.
    pub client_id: Uuid,
    /// The lookup id of the secret it sent, if any.
    pub secret: Option<&'a LookupId>,
}

/// The presenter as read with the code or refresh token: the decision authenticates it.
#[derive(Debug, Default)]
pub struct PresenterRecord {
    /// The client with the presenter's id, if any.
    pub client: Option<OAuthClient>,
    /// The secret with the presented lookup id, only if it belongs to that client. The
    /// repository MUST NOT compare secrets itself.
    pub secret: Option<StoredSecret>,
}

/// A refresh token's row, its grant, and what the grant covers, as read for rotation.
#[derive(Debug, Clone)]
pub struct RefreshRow {
    /// The state the rotation rule looks at.
    pub state: RefreshState,
    /// The grant's id.
    pub grant_id: Uuid,
    /// The grant's scopes.
    pub scopes: ScopeSet,
    /// The grant's resource.
    pub resource: Option<String>,
}

/// A refresh token as introspection and revocation see it.
#[derive(Debug, Clone)]
pub struct RefreshTokenRecord {
    /// SHA-256 of the token.
    pub hash: CredentialHash,
    /// Its grant.
    pub grant_id: Uuid,
    /// The client.
    pub client_id: Uuid,
    /// Its public `client_id` (a CIMD client's document URL).
    pub public_client_id: String,
    /// The person.
    pub user: User,
    /// The grant's scopes.
    pub scopes: ScopeSet,
    /// When it was issued.
    pub issued_at: OffsetDateTime,
    /// When the grant ends.
    pub expires_at: OffsetDateTime,
    /// Rotated, revoked, or its client blocked.
    pub inactive: bool,
}

/// An app a person authorized, for `/settings/authorized-apps`.
#[derive(Debug, Clone)]
pub struct AuthorizedApp {
    /// The client's public `client_id`: a CIMD client's document URL, never an internal id.
    pub client_id: String,
    /// Its name.
    pub name: String,
    /// Every scope the person granted it, across live grants.
    pub scopes: ScopeSet,
    /// When they first authorized it.
    pub first_authorized_at: OffsetDateTime,
    /// When they last did.
    pub last_authorized_at: OffsetDateTime,
}

/// Codes, grants, tokens and approvals. Every redemption runs in one transaction that
/// holds a lock on the code or grant, so concurrent redemptions are serialized.
pub trait GrantRepository: Send + Sync + 'static {
    /// The scopes a person approved for a client and resource, if remembered.
    fn approval(
        &self,
        user_id: UserId,
        client_id: Uuid,
        resource: Option<&str>,
    ) -> impl Future<Output = Result<Option<ScopeSet>, RepoError>> + Send;
    /// Stores a code and, in the same transaction, remembers the approval (widening it).
    fn insert_code(
        &self,
        code: &NewCode,
        approval: Option<&Approval>,
    ) -> impl Future<Output = Result<(), RepoError>> + Send;
    /// Stores `code` only when the person's remembered approval for its client and resource
    /// covers all of its scopes, in one round trip; `false` (nothing stored) when none does.
    fn insert_code_if_approved(
        &self,
        code: &NewCode,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// Locks the code with this lookup id and reads the presenter with it, lets `decide`
    /// choose (it sees `None` when there is no such code, and decides even then, so the
    /// client is judged first), carries the choice out in the same transaction and returns
    /// `decide`'s reply. Concurrent calls with the same code MUST be serialized, so at most
    /// one of them ever sees it unused; a `Refuse` MUST leave the code as it was.
    fn redeem_code<F, T>(
        &self,
        lookup_id: &LookupId,
        presenter: Presenter<'_>,
        decide: F,
    ) -> impl Future<Output = Result<T, RepoError>> + Send
    where
        F: FnOnce(&PresenterRecord, Option<&StoredCode>) -> (CodeOutcome, T) + Send,
        T: Send;
    /// Locks the grant of the refresh token with this lookup id and reads the presenter
    /// with it, lets `decide` choose (`None`: no such token), carries the choice out in the
    /// same transaction and returns `decide`'s reply. Refreshes of one grant MUST be
    /// serialized.
    fn redeem_refresh<F, T>(
        &self,
        lookup_id: &LookupId,
        presenter: Presenter<'_>,
        decide: F,
    ) -> impl Future<Output = Result<T, RepoError>> + Send
    where
        F: FnOnce(&PresenterRecord, Option<&RefreshRow>) -> (RefreshOutcome, T) + Send,
        T: Send;
    /// An access token with its grant and user, in one round trip.
    fn find_access_token(
        &self,
        lookup_id: &LookupId,
    ) -> impl Future<Output = Result<Option<AccessTokenRecord>, RepoError>> + Send;
    /// A refresh token with its grant and user.
    fn find_refresh_token(
        &self,
        lookup_id: &LookupId,
    ) -> impl Future<Output = Result<Option<RefreshTokenRecord>, RepoError>> + Send;
    /// Deletes one access token.
    fn delete_access_token(
        &self,
        lookup_id: &LookupId,
    ) -> impl Future<Output = Result<(), RepoError>> + Send;
    /// Revokes a grant and every token descended from it.
    fn revoke_grant(
        &self,
        grant_id: Uuid,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<(), RepoError>> + Send;
    /// Revokes every grant of `user_id` for the client `client_id` (its internal id), deletes their unused codes and
    /// forgets the approvals; `false` when there was nothing to revoke.
    fn revoke_authorization(
        &self,
        user_id: UserId,
        client_id: Uuid,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// The apps `user_id` holds live grants for, most recent first.
    fn authorized_apps(
        &self,
        user_id: UserId,
        now: OffsetDateTime,
    ) -> impl Future<Output = Result<Vec<AuthorizedApp>, RepoError>> + Send;
}
