//! Minting one token response: scopes and audience narrowed within the grant, the access
//! token never outliving it; and the audit entry of a detected reuse.

use tessera_domain::{CredentialKind, GrantType, OAuthClient, OAuthError, OAuthFailure, ScopeSet};
use time::OffsetDateTime;
use uuid::Uuid;

use super::super::{FlowError, OAuthService};
use super::IssuedTokens;
use crate::ports::{Actor, AuditEntry, NewTokens, Ports};

/// What `issue` needs to mint one token response.
pub(super) struct Issue<'a> {
    pub(super) client: &'a OAuthClient,
    pub(super) granted: &'a ScopeSet,
    pub(super) narrowed: Option<&'a ScopeSet>,
    pub(super) granted_resource: Option<&'a str>,
    pub(super) requested_resource: Option<&'a str>,
    pub(super) grant_expires_at: OffsetDateTime,
    pub(super) now: OffsetDateTime,
}

impl<P: Ports> OAuthService<P> {
    pub(super) fn require_grant(
        &self,
        client: &OAuthClient,
        grant: GrantType,
    ) -> Result<(), FlowError> {
        match client.allows_grant(grant) {
            true => Ok(()),
            false => Err(FlowError::refused(
                OAuthError::UnauthorizedClient,
                "This client did not register this grant type.",
            )),
        }
    }

    /// Mints the tokens of one response: scopes narrowed within the grant, the audience
    /// narrowed within its resource, the access token never outliving the grant.
    pub(super) fn issue(&self, i: Issue<'_>) -> Result<(NewTokens, IssuedTokens), OAuthFailure> {
        let scopes = match i.narrowed {
            Some(narrowed) if !narrowed.is_within(i.granted) => {
                return Err(OAuthFailure::new(
                    OAuthError::InvalidScope,
                    "The requested scope exceeds the scope granted.",
                ));
            }
            Some(narrowed) => narrowed.clone(),
            None => i.granted.clone(),
        };
        let audience = self
            .resources
            .audience_for(i.granted_resource, i.requested_resource)
            .map_err(|_| {
                OAuthFailure::new(
                    OAuthError::InvalidTarget,
                    "resource must be a resource granted at authorization.",
                )
            })?;
        let access_expires_at = (i.now + self.policy.access_ttl).min(i.grant_expires_at);
        let (access_token, access) = self.mint(CredentialKind::AccessToken);
        let (refresh_token, refresh) = match i.client.allows_grant(GrantType::RefreshToken) {
            true => {
                let (credential, token) = self.mint(CredentialKind::RefreshToken);
                (Some(credential), Some(token))
            }
            false => (None, None),
        };
        let tokens = NewTokens {
            access,
            audience,
            scopes: scopes.clone(),
            access_expires_at,
            refresh,
            issued_at: i.now,
        };
        let response = IssuedTokens {
            access_token,
            expires_in: (access_expires_at - i.now).whole_seconds(),
            refresh_token,
            scopes,
        };
        Ok((tokens, response))
    }

    pub(super) fn reuse_entry(
        &self,
        actor: &Actor,
        grant_id: Uuid,
        at: OffsetDateTime,
    ) -> AuditEntry {
        AuditEntry {
            actor: actor.clone(),
            action: "reuse_detected",
            target_type: "grant",
            target_id: grant_id.to_string(),
            at,
            details: vec![("revoked", "grant".to_owned())],
        }
    }
}
