//! The OAuth 2.1 authorization code flow (SPEC §4): authorization requests and consent,
//! the token endpoint, revocation, introspection, and bearer tokens on the API.

mod authorize;
mod bearer;
mod cimd;
mod client_auth;
mod resources;
mod revocation;
mod token;

pub use authorize::{AuthorizationRequest, AuthorizeParams, Consent, Untrusted};
pub use bearer::{BearerError, McpCaller};
pub use cimd::{CimdError, CimdPolicy, CimdResolver};
pub use client_auth::ClientCredentials;
pub use revocation::TokenInfo;
pub use token::{CodeExchange, IssuedTokens, RefreshRequest};

use tessera_domain::{
    ClientIdUrl, Credential, CredentialKind, OAuthClient, OAuthError, OAuthFailure, Resources,
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

/// The lifetimes of `tokens.*` (SPEC §1).
#[derive(Debug, Clone, Copy)]
pub struct TokenPolicy {
    /// `tokens.access_ttl`.
    pub access_ttl: Duration,
    /// `tokens.refresh_ttl`: the whole grant's lifetime.
    pub refresh_ttl: Duration,
    /// `tokens.code_ttl`.
    pub code_ttl: Duration,
    /// `tokens.refresh_reuse_grace`.
    pub refresh_reuse_grace: Duration,
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
    async fn named_client(&self, client_id: &str) -> Result<Option<OAuthClient>, CimdError> {
        if ClientIdUrl::looks_like_url(client_id) {
            return match &self.cimd {
                Some(resolver) => resolver.resolve(client_id).await.map(Some),
                None => Err(CimdError::Disabled),
            };
        }
        Ok(self.registered_client(client_id).await?)
    }

    /// The client a `client_id` names, already known, without fetching or judging anything
    /// (for a person revoking it).
    async fn known_client(&self, client_id: &str) -> Result<Option<OAuthClient>, RepoError> {
        if ClientIdUrl::looks_like_url(client_id) {
            return match &self.cimd {
                Some(resolver) => resolver.known(client_id).await,
                None => Ok(None),
            };
        }
        self.registered_client(client_id).await
    }

    /// The registered (admin or dynamic) client whose id `client_id` is.
    async fn registered_client(&self, client_id: &str) -> Result<Option<OAuthClient>, RepoError> {
        let Ok(id) = Uuid::parse_str(client_id) else {
            return Ok(None);
        };
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
