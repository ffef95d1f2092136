//! The OAuth 2.1 authorization code flow (SPEC §4): authorization requests and consent,
//! the token endpoint, revocation, introspection, and bearer tokens on the API.

mod authorize;
mod bearer;
mod cimd;
mod client_auth;
mod resources;
mod revocation;
mod token;

pub use authorize::{AuthorizationRequest, AuthorizeError, Consent, Untrusted, UntrustedRequest};
pub use bearer::{BearerError, McpCaller};
pub use cimd::{CimdError, CimdPolicy, CimdResolver};
pub use client_auth::ClientCredentials;
pub use revocation::{IntrospectorCredentials, PresentedToken, TokenInfo};
pub use token::{CodeExchange, IssuedTokens, RefreshRequest, TokenGrant};

use tessera_domain::{
    ClientId, ClientIdUrl, Credential, CredentialKind, OAuthClient, OAuthError, OAuthFailure,
    Resources,
};
use time::Duration;
use uuid::Uuid;

use crate::issue_credential;
use crate::ports::{ClientRepository, NewToken, Ports, RepoError};

/// Why a flow step failed: an OAuth error for the client, or a repository failure.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    /// An RFC 6749 error with its fixed description.
    #[error(transparent)]
    Refused(#[from] OAuthFailure),
    /// A repository failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

impl FlowError {
    fn refused(error: OAuthError, description: &'static str) -> Self {
        Self::Refused(OAuthFailure::new(error, description))
    }
}

/// The lifetimes of `tokens.*` (SPEC §1, with its defaults), the one list of them: the
/// configuration reads it with its own duration type `D`, the service uses [`Duration`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
#[serde(bound = "D: serde::Deserialize<'de> + From<Duration>")]
pub struct TokenPolicy<D = Duration> {
    /// `tokens.access_ttl`.
    pub access_ttl: D,
    /// `tokens.refresh_ttl`: the whole grant's lifetime.
    pub refresh_ttl: D,
    /// `tokens.code_ttl`.
    pub code_ttl: D,
    /// `tokens.refresh_reuse_grace`: how long a just-rotated refresh token may still be
    /// redeemed.
    pub refresh_reuse_grace: D,
}

impl<D: From<Duration>> Default for TokenPolicy<D> {
    fn default() -> Self {
        Self {
            access_ttl: Duration::hours(1).into(),
            refresh_ttl: Duration::days(30).into(),
            code_ttl: Duration::minutes(10).into(),
            refresh_reuse_grace: Duration::seconds(10).into(),
        }
    }
}

impl<D: Into<Duration>> TokenPolicy<D> {
    /// The same lifetimes as [`Duration`]s, as the service takes them.
    pub fn durations(self) -> TokenPolicy {
        TokenPolicy {
            access_ttl: self.access_ttl.into(),
            refresh_ttl: self.refresh_ttl.into(),
            code_ttl: self.code_ttl.into(),
            refresh_reuse_grace: self.refresh_reuse_grace.into(),
        }
    }
}

/// Use cases of the authorization and token endpoints and of bearer authentication.
#[derive(Debug)]
pub struct OAuthService<P: Ports> {
    clients: P::Clients,
    grants: P::Grants,
    clock: P::Clock,
    rng: P::Rng,
    policy: TokenPolicy,
    resources: Resources,
    cimd: Option<CimdResolver<P>>,
    mcp_servers: Option<P::McpServers>,
}

impl<P: Ports> OAuthService<P> {
    /// Wires the service to its ports, the token lifetimes and this server's resources.
    pub fn new(
        clients: P::Clients,
        grants: P::Grants,
        clock: P::Clock,
        rng: P::Rng,
        policy: TokenPolicy,
        resources: Resources,
    ) -> Self {
        Self {
            clients,
            grants,
            clock,
            rng,
            policy,
            resources,
            cimd: None,
            mcp_servers: None,
        }
    }

    /// Accepts Client ID Metadata Document URLs as `client_id`s, resolved by `resolver`.
    pub fn with_cimd(mut self, resolver: CimdResolver<P>) -> Self {
        self.cimd = Some(resolver);
        self
    }

    /// Whether URL `client_id`s are accepted (for the discovery metadata).
    pub fn accepts_metadata_documents(&self) -> bool {
        self.cimd.as_ref().is_some_and(CimdResolver::enabled)
    }

    /// The client a request's `client_id` names: a metadata document URL through the
    /// resolver (`cimd.*`, the document's freshness), anything else as a registered client's
    /// id. A document client is never found by its internal id: its `client_id` is its URL.
    async fn named_client(&self, client_id: &ClientId) -> Result<Option<OAuthClient>, CimdError> {
        match client_id {
            ClientId::Document(url) => self.resolve_document(url).await.map(Some),
            ClientId::Registered(id) => Ok(self.registered_client(*id).await?),
        }
    }

    /// The client a metadata document URL names, through the resolver.
    async fn resolve_document(&self, url: &ClientIdUrl) -> Result<OAuthClient, CimdError> {
        match &self.cimd {
            Some(resolver) => resolver.resolve(url).await,
            None => Err(CimdError::Disabled),
        }
    }

    /// The client a `client_id` names, already known, without fetching or judging anything
    /// (for a person revoking it).
    async fn known_client(&self, client_id: &ClientId) -> Result<Option<OAuthClient>, RepoError> {
        match (client_id, &self.cimd) {
            (ClientId::Document(url), Some(resolver)) => resolver.known(url).await,
            (ClientId::Document(_), None) => Ok(None),
            (ClientId::Registered(id), _) => self.registered_client(*id).await,
        }
    }

    /// The registered (admin or dynamic) client whose id `id` is.
    async fn registered_client(&self, id: Uuid) -> Result<Option<OAuthClient>, RepoError> {
        let found = self.clients.find_client(id).await?;
        Ok(found.filter(OAuthClient::may_be_named_by_id))
    }

    /// The resources this server serves (for audience checks at the edge).
    pub fn resources(&self) -> &Resources {
        &self.resources
    }

    fn mint(&self, kind: CredentialKind) -> (Credential, NewToken) {
        let credential = issue_credential(&self.rng, kind);
        let token = NewToken {
            lookup_id: credential.lookup_id().clone(),
            hash: credential.hash(),
        };
        (credential, token)
    }
}

#[cfg(test)]
mod tests;
