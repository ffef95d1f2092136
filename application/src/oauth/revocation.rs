//! Ending access: RFC 7009 revocation, RFC 7662 introspection, and a person revoking an
//! app they authorized (SPEC §3 and §4).

use tessera_domain::{ClientType, CredentialKind, OAuthError, ScopeSet, User};
use time::OffsetDateTime;

use super::token::credential;
use super::{ClientCredentials, FlowError, OAuthService};
use crate::ports::{Actor, AuditEntry, AuthorizedApp, Clock, GrantRepository, Ports};

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
        token: &str,
        actor: &Actor,
    ) -> Result<(), FlowError> {
        let (client, usage) = self.authenticate_client(credentials).await?;
        if let Ok(access) = credential(CredentialKind::AccessToken, token) {
            let found = self.grants.find_access_token(access.lookup_id()).await?;
            if found.is_some_and(|r| r.client_id == client.id && r.hash.matches(&access.hash())) {
                self.grants.delete_access_token(access.lookup_id()).await?;
            }
        } else if let Ok(refresh) = credential(CredentialKind::RefreshToken, token) {
            let found = self.grants.find_refresh_token(refresh.lookup_id()).await?;
            if let Some(r) =
                found.filter(|r| r.client_id == client.id && r.hash.matches(&refresh.hash()))
            {
                let entry = revoke_entry(actor, "grant", r.grant_id.to_string(), usage.at);
                self.grants.revoke_grant(r.grant_id, &entry).await?;
            }
        }
        Ok(())
    }

    /// RFC 7662: what a confidential client may learn about a token; `None` when inactive,
    /// and for any token issued to another client (RFC 7662 §4, SPEC §4: a client sees only
    /// its own tokens).
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id))]
    pub async fn introspect(
        &self,
        credentials: &ClientCredentials,
        token: &str,
    ) -> Result<Option<TokenInfo>, FlowError> {
        let (client, usage) = self.authenticate_client(credentials).await?;
        if client.client_type != ClientType::Confidential {
            return Err(FlowError::refused(
                OAuthError::InvalidClient,
                "Only confidential clients may introspect tokens.",
            ));
        }
        let now = usage.at;
        if let Ok(access) = credential(CredentialKind::AccessToken, token) {
            let found = self.grants.find_access_token(access.lookup_id()).await?;
            return Ok(found
                .filter(|r| r.client_id == client.id && r.is_active(&access.hash(), now))
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
        if let Ok(refresh) = credential(CredentialKind::RefreshToken, token) {
            let found = self.grants.find_refresh_token(refresh.lookup_id()).await?;
            return Ok(found
                .filter(|r| r.client_id == client.id)
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

    /// A person revokes an app, named by its public `client_id` (a CIMD client's URL):
    /// every grant and token they gave it, and the remembered approval (Coder's
    /// `DELETE /oauth2/tokens`). `false` when no such client is known.
    #[tracing::instrument(skip_all, fields(client_id = %client_id))]
    pub async fn revoke_authorization(
        &self,
        user: &User,
        client_id: &str,
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
