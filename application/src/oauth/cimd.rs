//! Clients that never register: a URL `client_id` names a metadata document, fetched,
//! judged by the registration rules, cached in PostgreSQL, and used as the registration
//! (SPEC §5 "Client ID Metadata Documents").

use tessera_domain::{
    ClientIdUrl, ClientIdUrlError, ClientMetadata, DomainPolicy, OAuthClient, RateLimit,
    document_ttl,
};

use crate::ports::{
    CimdRepository, Clock, FetchError, MetadataFetcher, Ports, RateLimitRepository, RepoError,
};

/// `cimd.*` (SPEC §1), plus the per-host fetch limit.
#[derive(Debug, Clone)]
pub struct CimdPolicy {
    /// `cimd.enabled`.
    pub enabled: bool,
    /// For tests only: admit `http` documents on loopback.
    pub allow_http_loopback: bool,
    /// `cimd.allowed_domains` / `cimd.denied_domains`.
    pub domains: DomainPolicy,
    /// Fetches per host, shared by every replica.
    pub fetch_rate: RateLimit,
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
    /// Too many fetches from this host.
    #[error("Too many metadata fetches for this client's host; try again in a minute.")]
    Throttled,
    /// The fetch failed.
    #[error("The client's metadata document could not be used: {0}.")]
    Fetch(#[from] FetchError),
    /// The document's `client_id` is not its URL.
    #[error("The client's metadata document names a different client_id.")]
    Mismatch,
    /// The document breaks a registration rule.
    #[error("The client's metadata document is invalid: {0}.")]
    Invalid(&'static str),
    /// A repository failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
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

    /// A client already known by its document URL, whatever `cimd.*` says and however old
    /// its document (for revoking it: a person can always take back what they gave).
    pub async fn known(&self, url: &str) -> Result<Option<OAuthClient>, RepoError> {
        Ok(self.cache.find(url).await?.map(|cached| cached.client))
    }

    /// The client named by the URL `client_id`.
    #[tracing::instrument(skip_all)]
    pub async fn resolve(&self, client_id: &str) -> Result<OAuthClient, CimdError> {
        if !self.policy.enabled {
            return Err(CimdError::Disabled);
        }
        let url = ClientIdUrl::parse(client_id, self.policy.allow_http_loopback)?;
        if !self.policy.domains.admits(url.host()) {
            return Err(CimdError::DomainNotAllowed);
        }
        let now = self.clock.now();
        if let Some(cached) = self.cache.find(url.as_str()).await?
            && cached.expires_at > now
        {
            return Ok(cached.client);
        }
        let limit = self.policy.fetch_rate;
        let hits = self
            .rate_limits
            .hit(&format!("cimd:{}", url.host()), limit.window_start(now))
            .await?;
        if limit.retry_after(hits, now).is_some() {
            return Err(CimdError::Throttled);
        }
        let document = self.fetcher.fetch(&url).await?;
        if document.client_id.as_deref() != Some(url.as_str()) {
            return Err(CimdError::Mismatch);
        }
        let metadata = ClientMetadata::parse_for_cimd(document.metadata)
            .map_err(|e| CimdError::Invalid(e.description()))?;
        let expires_at = now + document_ttl(document.max_age);
        Ok(self
            .cache
            .store(&url, &metadata, &document.json, now, expires_at)
            .await?)
    }
}
