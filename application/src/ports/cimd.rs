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

impl FetchError {
    /// Whether the failure may pass by itself (the host is slow, unreachable, or answers
    /// 408, 429 or 5xx), so a cached document may still be used; any other answer is the
    /// host's word that the document is gone or not a document.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Timeout | Self::Unreachable => true,
            Self::Status(status) => matches!(status, 408 | 429 | 500..=599),
            Self::NotPublic | Self::Redirect | Self::TooLarge | Self::NotJson | Self::Malformed => {
                false
            }
        }
    }
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
    /// and whether an admin blocked it; returns the client. A client not stored before
    /// counts toward `max_clients` with the registered ones: when that many registered and
    /// document clients exist already, nothing is stored and the answer is `None`.
    fn store(
        &self,
        url: &ClientIdUrl,
        document: &StoredDocument<'_>,
        max_clients: i64,
    ) -> impl Future<Output = Result<Option<OAuthClient>, RepoError>> + Send;
    /// Drops the cached document of `url`, keeping its client (id, block, grants): a client
    /// whose document is gone or invalid is then never served from the cache again.
    fn forget(&self, url: &str) -> impl Future<Output = Result<(), RepoError>> + Send;
}

/// A judged document, ready to cache.
#[derive(Debug, Clone, Copy)]
pub struct StoredDocument<'a> {
    /// Its metadata, as the registration rules read it.
    pub metadata: &'a ClientMetadata,
    /// The document as JSON text.
    pub json: &'a str,
    /// When it was fetched.
    pub fetched_at: OffsetDateTime,
    /// When it must be fetched again.
    pub expires_at: OffsetDateTime,
}
