use std::future::Future;

use tessera_domain::{ClientMetadata, ClientOrigin, CredentialHash, LookupId};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{AuditEntry, NewAppSecret, RepoError};

/// A dynamically registered client as stored (RFC 7591 §3.2.1, RFC 7592).
#[derive(Debug, Clone)]
pub struct RegisteredClient {
    /// The `client_id`.
    pub id: Uuid,
    /// Its metadata, valid by construction.
    pub metadata: ClientMetadata,
    /// `client_id_issued_at`.
    pub issued_at: OffsetDateTime,
    /// When its metadata last changed.
    pub updated_at: OffsetDateTime,
}

/// A registration about to be stored: the client, its credentials' hashes, its origin.
#[derive(Debug)]
pub struct NewRegistration {
    /// The client.
    pub client: RegisteredClient,
    /// Where it came from.
    pub origin: ClientOrigin,
    /// The registration access token's public half.
    pub token_lookup_id: LookupId,
    /// SHA-256 of the registration access token.
    pub token_hash: CredentialHash,
    /// Its client secret, when confidential.
    pub secret: Option<NewAppSecret>,
}

/// Dynamically registered clients (source `dynamic`), with their registration tokens.
pub trait RegistrationRepository: Send + Sync + 'static {
    /// Stores the client and its secret with the audit entry, in one transaction, unless
    /// `max_clients` dynamic and metadata-document clients exist already (then `false`,
    /// nothing stored). The cap MUST hold across concurrent registrations on every replica.
    fn insert(
        &self,
        registration: &NewRegistration,
        audit: &AuditEntry,
        max_clients: i64,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// A dynamic client with its registration token's lookup id and hash.
    fn find(
        &self,
        id: Uuid,
    ) -> impl Future<
        Output = Result<Option<(RegisteredClient, LookupId, CredentialHash)>, RepoError>,
    > + Send;
    /// Replaces a dynamic client's metadata; `false` when there is no such client.
    fn replace(
        &self,
        client: &RegisteredClient,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// Deletes a dynamic client and everything issued to it; `false` when unknown.
    fn delete(
        &self,
        id: Uuid,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<bool, RepoError>> + Send;
    /// Deletes dynamic and metadata-document clients (not blocked ones of the latter)
    /// created before `created_before` that never obtained a grant, with their cached
    /// documents, each with an audit entry from `audit`; returns how many. Safe to run on
    /// every replica at once.
    fn delete_unused(
        &self,
        created_before: OffsetDateTime,
        audit: &AuditEntry,
    ) -> impl Future<Output = Result<u64, RepoError>> + Send;
}

/// Fixed-window counters shared by every replica.
pub trait RateLimitRepository: Send + Sync + 'static {
    /// Counts one event in `bucket`'s window starting at `window_start`; returns the count
    /// including this one. Concurrent hits MUST each be counted.
    fn hit(
        &self,
        bucket: &str,
        window_start: OffsetDateTime,
    ) -> impl Future<Output = Result<u32, RepoError>> + Send;
}
