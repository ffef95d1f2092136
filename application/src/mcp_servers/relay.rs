//! Admitting a request to a protected MCP server (SPEC §9): the token must be live, for
//! exactly this server, and carry one of its scopes; the upstream then gets the caller's
//! identity and a signed assertion, never the token.

use crate::ports::Rng as _;
use tessera_domain::{
    Assertion, AssertionSubject, Credential, CredentialKind, McpServer, Refusal, Scope, ScopeSet,
    ServerSlug, User,
};

use super::McpServerService;
use crate::ports::{
    AssertionSigner, ClientRepository, Clock, GrantRepository, McpServerRepository, Ports,
    RepoError,
};

/// Why a relayed request was not admitted.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// No protected server has this slug (any more): 404.
    #[error("no protected MCP server has this slug")]
    UnknownServer,
    /// Malformed, unknown, expired or revoked, or for another audience: 401 `invalid_token`.
    #[error("the access token is not valid for this server")]
    InvalidToken,
    /// Valid here, but without any of the server's scopes: 403 `insufficient_scope`.
    #[error("the access token lacks the {} scope", .0.as_str())]
    InsufficientScope(Scope),
    /// A repository failure.
    #[error(transparent)]
    Repo(#[from] RepoError),
}

/// A request admitted to a protected server: where it goes and who it is from.
#[derive(Debug, Clone)]
pub struct Admission {
    /// The server.
    pub server: McpServer,
    /// The person the token acts for.
    pub user: User,
    /// The client's public `client_id`.
    pub client_id: String,
    /// The token's scopes.
    pub scopes: ScopeSet,
    /// The signed identity assertion (a compact JWS).
    pub assertion: String,
}

impl<P: Ports> McpServerService<P> {
    /// The server a relay URL names, read now (a deleted server is gone at once).
    pub async fn server_for(&self, slug: &str) -> Result<McpServer, RelayError> {
        let slug = ServerSlug::parse(slug).map_err(|_| RelayError::UnknownServer)?;
        self.servers
            .find(&slug)
            .await?
            .ok_or(RelayError::UnknownServer)
    }

    /// Admits a bearer `token` at `server`, with the identity the upstream will see.
    #[tracing::instrument(skip_all, fields(slug = %server.draft.slug.as_str()))]
    pub async fn admit(&self, server: McpServer, token: &str) -> Result<Admission, RelayError> {
        let presented = Credential::parse(CredentialKind::AccessToken, token)
            .map_err(|_| RelayError::InvalidToken)?;
        let now = self.clock.now();
        let record = self
            .grants
            .find_access_token(presented.lookup_id())
            .await?
            .filter(|r| r.is_active(&presented.hash(), now))
            .ok_or(RelayError::InvalidToken)?;
        let resource = self.resource_url(&server);
        server
            .admits(&resource, &record.audience, &record.scopes)
            .map_err(|refusal| match refusal {
                Refusal::WrongAudience => RelayError::InvalidToken,
                Refusal::InsufficientScope(scope) => RelayError::InsufficientScope(scope),
            })?;
        let client = self
            .clients
            .find_client(record.client_id)
            .await?
            .ok_or(RelayError::InvalidToken)?;
        let client_id = client.client_id();
        let who = AssertionSubject {
            issuer: &self.access_url,
            audience: &resource,
            subject: record.user.id,
            client_id: &client_id,
            scope: &record.scopes,
        };
        let assertion = Assertion::new(who, self.rng.uuid(), now);
        let assertion = self.signer.sign(&assertion).await?;
        Ok(Admission {
            server,
            user: record.user,
            client_id,
            scopes: record.scopes,
            assertion,
        })
    }
}
