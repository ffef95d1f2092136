//! Clients that never register: a URL `client_id` names a metadata document, fetched,
//! judged by the registration rules, cached in PostgreSQL, and used as the registration
//! (SPEC §5 "Client ID Metadata Documents").
//!
//! What anyone can make tessera fetch is bounded twice: per host, URLs never seen before
//! share a budget (so tessera cannot be aimed at a host), and each URL has a small budget of
//! its own (so a URL that fails is not fetched again on every request: its failure is, in
//! effect, cached until the window ends). A document already known is fetched again on its
//! own budget only, so junk URLs on its host cannot cut its client off; and when that fetch
//! fails for a passing reason, the expired document is used for up to a day more.

use ring::digest::{SHA256, digest};
use tessera_domain::{
    ClientIdUrl, ClientIdUrlError, ClientMetadata, DomainPolicy, OAuthClient, RateLimit,
    document_ttl, stale_document_usable,
};
use time::OffsetDateTime;

use crate::ports::{
    CachedClient, CimdRepository, Clock, FetchError, MetadataFetcher, Ports, RateLimitRepository,
    RepoError, StoredDocument,
};

/// What people see when a document could not be used, whatever the reason: the reason
/// (a status, a timeout, a refused address) would let anyone probe hosts through tessera.
const UNUSABLE: &str = "The client's metadata document could not be fetched or is not valid.";

/// `cimd.*` (SPEC §1), plus the fetch budgets and the client cap.
#[derive(Debug, Clone)]
pub struct CimdPolicy {
    /// `cimd.enabled`.
    pub enabled: bool,
    /// For tests only: admit `http` documents on loopback.
    pub allow_http_loopback: bool,
    /// `cimd.allowed_domains` / `cimd.denied_domains`.
    pub domains: DomainPolicy,
    /// Fetches of URLs not seen before, per host, shared by every replica.
    pub fetch_rate: RateLimit,
    /// Fetches per document URL, shared by every replica.
    pub url_fetch_rate: RateLimit,
    /// `registration.max_clients`: a new document client counts toward it.
    pub max_clients: i64,
}

/// Why a URL `client_id` did not resolve to a client.
#[derive(Debug, thiserror::Error)]
pub enum CimdError {
    /// `cimd.enabled = false`.
    #[error("This server does not accept Client ID Metadata Documents.")]
    Disabled,
    /// Not an acceptable URL.
    #[error("The client_id URL is not acceptable: {0}.")]
    Url(#[from] ClientIdUrlError),
    /// Its host is denied, or not on the allow list.
    #[error("Clients from this host are not allowed here.")]
    DomainNotAllowed,
    /// Too many fetches for this URL or (for a URL never seen) its host.
    #[error("Too many metadata fetches for this client; try again in a minute.")]
    Throttled,
    /// The fetch failed (the reason is logged, never shown).
    #[error("{UNUSABLE}")]
    Fetch(#[from] FetchError),
    /// The document's `client_id` is not its URL.
    #[error("{UNUSABLE}")]
    Mismatch,
    /// The document breaks a registration rule (logged, never shown).
    #[error("{UNUSABLE}")]
    Invalid(&'static str),
    /// `registration.max_clients` registered and document clients exist already.
    #[error("This server accepts no more clients.")]
    Full,
    /// A repository failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl CimdError {
    /// Whether the failure may pass by itself, so an expired document may still be used.
    fn is_transient(&self) -> bool {
        match self {
            Self::Throttled => true,
            Self::Fetch(e) => e.is_transient(),
            _ => false,
        }
    }

    /// Whether the document's host said the document is gone or not a document.
    fn condemns_document(&self) -> bool {
        matches!(self, Self::Fetch(_) | Self::Mismatch | Self::Invalid(_)) && !self.is_transient()
    }
}

/// Resolves URL `client_id`s to clients, fetching only when the cached document expired.
#[derive(Debug)]
pub struct CimdResolver<P: Ports> {
    cache: P::Cimd,
    fetcher: P::Fetcher,
    rate_limits: P::RateLimits,
    clock: P::Clock,
    policy: CimdPolicy,
}

impl<P: Ports> CimdResolver<P> {
    /// Wires the resolver to its ports and policy.
    pub fn new(
        cache: P::Cimd,
        fetcher: P::Fetcher,
        rate_limits: P::RateLimits,
        clock: P::Clock,
        policy: CimdPolicy,
    ) -> Self {
        Self {
            cache,
            fetcher,
            rate_limits,
            clock,
            policy,
        }
    }

    /// Whether discovery should advertise `client_id_metadata_document_supported`.
    pub fn enabled(&self) -> bool {
        self.policy.enabled
    }

    /// The client named by the URL `client_id`, subject to `cimd.*` and to its document
    /// being fresh (or, when it cannot be fetched again for a passing reason, not too stale).
    #[tracing::instrument(skip_all)]
    pub async fn resolve(&self, url: &ClientIdUrl) -> Result<OAuthClient, CimdError> {
        if !self.policy.enabled {
            return Err(CimdError::Disabled);
        }
        if url.is_http() && !self.policy.allow_http_loopback {
            return Err(ClientIdUrlError::NotHttpsWithPath.into());
        }
        if !self.policy.domains.admits(url.host()) {
            return Err(CimdError::DomainNotAllowed);
        }
        let now = self.clock.now();
        let cached = self.cache.find(url.as_str()).await?;
        if let Some(cached) = &cached
            && cached.expires_at > now
        {
            return Ok(cached.client.clone());
        }
        match self.fetch(url, cached.is_some(), now).await {
            Ok(client) => Ok(client),
            Err(e) => self.fall_back(url, cached, e, now).await,
        }
    }

    /// A client already known by its document URL, whatever `cimd.*` says and however old
    /// its document (for revoking it: a person can always take back what they gave).
    pub async fn known(&self, url: &ClientIdUrl) -> Result<Option<OAuthClient>, RepoError> {
        Ok(self
            .cache
            .find(url.as_str())
            .await?
            .map(|cached| cached.client))
    }

    /// Fetches, judges and stores the document; `known` when its client exists already.
    async fn fetch(
        &self,
        url: &ClientIdUrl,
        known: bool,
        now: OffsetDateTime,
    ) -> Result<OAuthClient, CimdError> {
        let url_hash = digest(&SHA256, url.as_str().as_bytes());
        let url_key: String = url_hash
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        self.charge(
            &format!("cimd-url:{url_key}"),
            self.policy.url_fetch_rate,
            now,
        )
        .await?;
        if !known {
            self.charge(&format!("cimd:{}", url.host()), self.policy.fetch_rate, now)
                .await?;
        }
        let document = self.fetcher.fetch(url).await?;
        if document.client_id.as_deref() != Some(url.as_str()) {
            return Err(CimdError::Mismatch);
        }
        let metadata = ClientMetadata::parse_for_cimd(document.metadata)
            .map_err(|e| CimdError::Invalid(e.description()))?;
        let stored = StoredDocument {
            metadata: &metadata,
            json: &document.json,
            fetched_at: now,
            expires_at: now + document_ttl(document.max_age),
        };
        self.cache
            .store(url, &stored, self.policy.max_clients)
            .await?
            .ok_or(CimdError::Full)
    }

    /// Counts one fetch in `bucket`; `Throttled` beyond `limit`.
    async fn charge(
        &self,
        bucket: &str,
        limit: RateLimit,
        now: OffsetDateTime,
    ) -> Result<(), CimdError> {
        let hits = self
            .rate_limits
            .hit(bucket, limit.window_start(now))
            .await?;
        match limit.retry_after(hits, now) {
            None => Ok(()),
            Some(_) => Err(CimdError::Throttled),
        }
    }

    /// After a failed fetch: the expired document when the failure may pass and the
    /// document is not too stale; else the failure, logged with its reason, and a document
    /// its host condemned is forgotten.
    async fn fall_back(
        &self,
        url: &ClientIdUrl,
        cached: Option<CachedClient>,
        e: CimdError,
        now: OffsetDateTime,
    ) -> Result<OAuthClient, CimdError> {
        if matches!(e, CimdError::Repo(_)) {
            return Err(e);
        }
        let throttled = matches!(e, CimdError::Throttled);
        if let Some(stale) = cached.filter(|c| stale_document_usable(c.expires_at, now))
            && e.is_transient()
        {
            // A throttled request fetched nothing: the fetch that failed was logged already.
            match throttled {
                true => tracing::debug!(url = url.as_str(), "using the expired document"),
                false => tracing::warn!(url = url.as_str(), reason = ?e,
                    expired_at = %stale.expires_at,
                    "metadata document could not be fetched again; using the expired one"),
            }
            return Ok(stale.client);
        }
        if throttled {
            tracing::debug!(url = url.as_str(), "metadata document fetch throttled");
            return Err(e);
        }
        tracing::warn!(url = url.as_str(), reason = ?e, "metadata document refused");
        if e.condemns_document() {
            self.cache.forget(url.as_str()).await?;
        }
        Err(e)
    }
}
