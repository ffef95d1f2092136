//! Ending access: RFC 7009 revocation, RFC 7662 introspection, and a person revoking an
//! app they authorized (SPEC §3 and §4).

use tessera_domain::{
    ClientId, ClientType, Credential, CredentialKind, OAuthError, ScopeSet, ServerSlug, User,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{ClientCredentials, FlowError, OAuthService};
use crate::ports::{
    Actor, AuditEntry, AuthorizedApp, Clock, GrantRepository, McpServerRepository, Ports,
};

/// Who asks `/oauth2/introspect`, and so which tokens it may see (RFC 7662 §4).
#[derive(Debug)]
enum Introspector {
    /// A confidential client: only tokens issued to it.
    Client(Uuid),
    /// A protected MCP server (its resource URL): only access tokens for it.
    Server(String),
}

impl Introspector {
    fn may_see(&self, client_id: Uuid, audience: Option<&str>) -> bool {
        match self {
            Self::Client(id) => *id == client_id,
            Self::Server(resource) => audience == Some(resource.as_str()),
        }
    }
}

/// A token presented for revocation or introspection, recognized by its prefix at the edge
/// (RFC 7009 §2.1: no `token_type_hint` is needed).
#[derive(Debug)]
pub enum PresentedToken {
    /// An access token.
    Access(Credential),
    /// A refresh token.
    Refresh(Credential),
    /// Anything else: never one of ours, so never active and nothing to revoke.
    Unrecognized,
}

impl PresentedToken {
    /// Reads a `token` parameter.
    pub fn parse(s: &str) -> Self {
        if let Ok(access) = Credential::parse(CredentialKind::AccessToken, s) {
            return Self::Access(access);
        }
        match Credential::parse(CredentialKind::RefreshToken, s) {
            Ok(refresh) => Self::Refresh(refresh),
            Err(_) => Self::Unrecognized,
        }
    }
}

/// Who presents credentials at `/oauth2/introspect`, as the edge read them.
#[derive(Debug)]
pub enum IntrospectorCredentials {
    /// A protected MCP server: its slug as `client_id`, one of its introspection secrets.
    Server {
        /// The server's slug.
        slug: ServerSlug,
        /// Its introspection credential.
        secret: Credential,
    },
    /// A client, by its client credentials.
    Client(ClientCredentials),
}

/// What introspection tells a resource server about an active token (RFC 7662 §2.2).
#[derive(Debug, Clone)]
pub struct TokenInfo {
    /// What it may do.
    pub scopes: ScopeSet,
    /// The client it was issued to, by its public `client_id` (a CIMD client's URL).
    pub client_id: String,
    /// The person it acts for.
    pub user: User,
    /// Its audience (access tokens only).
    pub audience: Option<String>,
    /// When it expires.
    pub expires_at: OffsetDateTime,
    /// When it was issued.
    pub issued_at: OffsetDateTime,
    /// `access_token` or `refresh_token`.
    pub token_type: &'static str,
}

impl<P: Ports> OAuthService<P> {
    /// RFC 7009: revokes one of the calling client's tokens; anything else is ignored.
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id))]
    pub async fn revoke_token(
        &self,
        credentials: &ClientCredentials,
        token: &PresentedToken,
        actor: &Actor,
    ) -> Result<(), FlowError> {
        let client = self.authenticate_client(credentials).await?;
        match token {
            PresentedToken::Access(access) => {
                let found = self.grants.find_access_token(access.lookup_id()).await?;
                if found.is_some_and(|r| r.client_id == client.id && r.hash.matches(&access.hash()))
                {
                    self.grants.delete_access_token(access.lookup_id()).await?;
                }
            }
            PresentedToken::Refresh(refresh) => {
                let found = self.grants.find_refresh_token(refresh.lookup_id()).await?;
                if let Some(r) =
                    found.filter(|r| r.client_id == client.id && r.hash.matches(&refresh.hash()))
                {
                    let at = self.clock.now();
                    let entry = revoke_entry(actor, "grant", r.grant_id.to_string(), at);
                    self.grants.revoke_grant(r.grant_id, &entry).await?;
                }
            }
            PresentedToken::Unrecognized => {}
        }
        Ok(())
    }

    /// RFC 7662: what a caller may learn about a token; `None` when inactive, and for any
    /// token the caller may not see (RFC 7662 §4, SPEC §4): a confidential client sees only
    /// tokens issued to itself, a protected MCP server's credentials (SPEC §9) only access
    /// tokens whose audience is that server.
    #[tracing::instrument(skip_all)]
    pub async fn introspect(
        &self,
        credentials: &IntrospectorCredentials,
        token: &PresentedToken,
    ) -> Result<Option<TokenInfo>, FlowError> {
        let caller = self.introspector(credentials).await?;
        let now = self.clock.now();
        if let PresentedToken::Access(access) = token {
            let found = self.grants.find_access_token(access.lookup_id()).await?;
            return Ok(found
                .filter(|r| caller.may_see(r.client_id, Some(&r.audience)))
                .filter(|r| r.is_active(&access.hash(), now))
                .map(|r| TokenInfo {
                    scopes: r.scopes,
                    client_id: r.public_client_id,
                    user: r.user,
                    audience: Some(r.audience),
                    expires_at: r.expires_at,
                    issued_at: r.issued_at,
                    token_type: "access_token",
                }));
        }
        if let PresentedToken::Refresh(refresh) = token {
            let found = self.grants.find_refresh_token(refresh.lookup_id()).await?;
            return Ok(found
                .filter(|r| caller.may_see(r.client_id, None))
                .filter(|r| !r.inactive && now < r.expires_at && r.hash.matches(&refresh.hash()))
                .map(|r| TokenInfo {
                    scopes: r.scopes,
                    client_id: r.public_client_id,
                    user: r.user,
                    audience: None,
                    expires_at: r.expires_at,
                    issued_at: r.issued_at,
                    token_type: "refresh_token",
                }));
        }
        Ok(None)
    }

    /// Who calls `/oauth2/introspect`: a protected server by one of its introspection
    /// credentials, else a confidential client (public clients → `invalid_client`).
    async fn introspector(
        &self,
        credentials: &IntrospectorCredentials,
    ) -> Result<Introspector, FlowError> {
        let credentials = match credentials {
            IntrospectorCredentials::Server { slug, secret } => {
                return self.authenticate_server(slug, secret).await;
            }
            IntrospectorCredentials::Client(credentials) => credentials,
        };
        let client = self.authenticate_client(credentials).await?;
        match client.client_type {
            ClientType::Confidential => Ok(Introspector::Client(client.id)),
            ClientType::Public => Err(FlowError::refused(
                OAuthError::InvalidClient,
                "Only confidential clients may introspect tokens.",
            )),
        }
    }

    /// A protected server's introspection credential, presented with its slug as `client_id`.
    async fn authenticate_server(
        &self,
        slug: &ServerSlug,
        secret: &Credential,
    ) -> Result<Introspector, FlowError> {
        let refused =
            || FlowError::refused(OAuthError::InvalidClient, "Client authentication failed.");
        let Some(servers) = &self.mcp_servers else {
            return Err(refused());
        };
        let stored = servers
            .find_credential(secret.lookup_id())
            .await?
            .filter(|c| c.hash.matches(&secret.hash()))
            .filter(|c| c.server.draft.slug == *slug)
            .ok_or_else(refused)?;
        Ok(Introspector::Server(
            stored.server.resource_url(self.resources.server()),
        ))
    }

    /// A person revokes an app, named by its public `client_id` (a CIMD client's URL):
    /// every grant and token they gave it, and the remembered approval (Coder's
    /// `DELETE /oauth2/tokens`). `false` when no such client is known.
    #[tracing::instrument(skip_all, fields(client_id = %client_id))]
    pub async fn revoke_authorization(
        &self,
        user: &User,
        client_id: &ClientId,
        actor: &Actor,
    ) -> Result<bool, FlowError> {
        let Some(client) = self.known_client(client_id).await? else {
            return Ok(false);
        };
        let entry = revoke_entry(actor, "client", client.id.to_string(), self.clock.now());
        self.grants
            .revoke_authorization(user.id, client.id, &entry)
            .await?;
        Ok(true)
    }

    /// The apps a person has authorized, for `/settings/authorized-apps`.
    pub async fn authorized_apps(&self, user: &User) -> Result<Vec<AuthorizedApp>, FlowError> {
        Ok(self
            .grants
            .authorized_apps(user.id, self.clock.now())
            .await?)
    }
}

fn revoke_entry(
    actor: &Actor,
    target_type: &'static str,
    target_id: String,
    at: OffsetDateTime,
) -> AuditEntry {
    AuditEntry {
        actor: actor.clone(),
        action: "revoke",
        target_type,
        target_id,
        at,
        details: Vec::new(),
    }
}
