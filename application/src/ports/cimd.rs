use std::future::Future;

use tessera_domain::{ClientIdUrl, ClientMetadata, ClientMetadataInput, OAuthClient};
use time::{Duration, OffsetDateTime};

use super::RepoError;

/// A metadata document as fetched: what it says, and how long it may be cached.
#[derive(Debug, Clone)]
pub struct FetchedDocument {
    /// The document's own `client_id`, which must equal the URL byte for byte.
    pub client_id: Option<String>,
    /// Its RFC 7591 metadata, not yet judged.
    pub metadata: ClientMetadataInput,
    /// The document as JSON text, kept with the cache entry.
    pub json: String,
    /// `Cache-Control: max-age`, if given.
    pub max_age: Option<Duration>,
}

/// Why a document could not be fetched; each is a rule of SPEC §5's SSRF hardening.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The host resolved to no public address (loopback, private, link-local, metadata…).
    #[error("the document's host does not resolve to a public address")]
    NotPublic,
    /// The server answered with a redirect, which is never followed.
    #[error("the document URL answered with a redirect, which is not followed")]
    Redirect,
    /// The whole fetch took longer than 3 seconds.
    #[error("fetching the document took too long")]
    Timeout,
    /// The body is larger than 5 KiB.
    #[error("the document is larger than 5 KiB")]
    TooLarge,
    /// The body is not `application/json`.
    #[error("the document is not application/json")]
    NotJson,
    /// Any status but 200.
    #[error("the document URL answered with status {0}")]
    Status(u16),
    /// The body is not a JSON object of metadata.
    #[error("the document is not a JSON object of client metadata")]
    Malformed,
    /// The connection failed.
    #[error("the document could not be fetched")]
    Unreachable,
}

/// Fetches Client ID Metadata Documents. Implementations MUST connect only to public
/// addresses (checked on the address actually connected to), follow no redirect, give up
/// after 3 seconds, read at most 5 KiB, and accept only `application/json`.
pub trait MetadataFetcher: Send + Sync + 'static {
    /// Fetches the document at `url`.
    fn fetch(
        &self,
        url: &ClientIdUrl,
    ) -> impl Future<Output = Result<FetchedDocument, FetchError>> + Send;
}

/// A CIMD client as stored, with when its cached document expires.
#[derive(Debug, Clone)]
pub struct CachedClient {
    /// The client, as the flow sees it.
    pub client: OAuthClient,
    /// When its document must be fetched again.
    pub expires_at: OffsetDateTime,
}

/// CIMD clients and their cached documents.
pub trait CimdRepository: Send + Sync + 'static {
    /// The client whose `client_id` is `url`, if it was ever fetched.
    fn find(
        &self,
        url: &str,
    ) -> impl Future<Output = Result<Option<CachedClient>, RepoError>> + Send;
    /// Stores (or refreshes) the client and its document in one transaction, keeping its id
    /// and whether an admin blocked it; returns the client.
    fn store(
        &self,
        url: &ClientIdUrl,
        metadata: &ClientMetadata,
        document: &str,
        fetched_at: OffsetDateTime,
        expires_at: OffsetDateTime,
    ) -> impl Future<Output = Result<OAuthClient, RepoError>> + Send;
}
