//! `POST /oauth2/tokens`: redeeming codes and rotating refresh tokens (RFC 6749 §4.1.3
//! and §6, RFC 7636, RFC 8707, SPEC §4).

use crate::ports::Rng as _;
use tessera_domain::{
    CodePresentation, CodeRedemption, CodeVerifier, Credential, CredentialKind, GrantType,
    OAuthClient, OAuthError, OAuthFailure, RefreshDecision, ScopeSet,
};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{ClientCredentials, FlowError, OAuthService};
use crate::ports::{
    Actor, AuditEntry, Clock, CodeOutcome, GrantRepository, NewGrant, NewTokens, Ports,
    RefreshOutcome,
};

/// A parsed `grant_type=authorization_code` request.
#[derive(Debug)]
pub struct CodeExchange {
    /// The code.
    pub code: Credential,
    /// The PKCE verifier.
    pub verifier: CodeVerifier,
    /// `redirect_uri`, if sent.
    pub redirect_uri: Option<String>,
    /// `scope`, to narrow.
    pub scope: Option<ScopeSet>,
    /// `resource`, to narrow the audience.
    pub resource: Option<String>,
}

/// A parsed `grant_type=refresh_token` request.
#[derive(Debug)]
pub struct RefreshRequest {
    /// The refresh token.
    pub token: Credential,
    /// `scope`, to narrow.
    pub scope: Option<ScopeSet>,
    /// `resource`, to narrow the audience.
    pub resource: Option<String>,
}

/// A successful token response (RFC 6749 §5.1).
#[derive(Debug)]
pub struct IssuedTokens {
    /// The access token.
    pub access_token: Credential,
    /// Seconds until it expires.
    pub expires_in: i64,
    /// The refresh token, when the client may refresh.
    pub refresh_token: Option<Credential>,
    /// What the access token may do.
    pub scopes: ScopeSet,
}

fn invalid_grant(description: &'static str) -> FlowError {
    FlowError::refused(OAuthError::InvalidGrant, description)
}

/// Parses the credential-shaped parameters of a token request; a malformed one is
/// `invalid_grant` like an unknown one, so probing reveals nothing.
pub(super) fn credential(kind: CredentialKind, s: &str) -> Result<Credential, FlowError> {
    Credential::parse(kind, s).map_err(|_| invalid_grant("The grant is not valid."))
}

/// What `issue` needs to mint one token response.
struct Issue<'a> {
    client: &'a OAuthClient,
    granted: &'a ScopeSet,
    narrowed: Option<&'a ScopeSet>,
    granted_resource: Option<&'a str>,
    requested_resource: Option<&'a str>,
    grant_expires_at: OffsetDateTime,
    now: OffsetDateTime,
}

impl<P: Ports> OAuthService<P> {
    /// Redeems an authorization code once; a second use revokes what the first issued.
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id))]
    pub async fn exchange_code(
        &self,
        credentials: &ClientCredentials,
        request: CodeExchange,
        actor: &Actor,
    ) -> Result<IssuedTokens, FlowError> {
        let (client, usage) = self.authenticate_client(credentials).await?;
        self.require_grant(&client, GrantType::AuthorizationCode)?;
        self.check_requested_resource(request.resource.as_deref())
            .await?;
        let now = usage.at;
        let hash = request.code.hash();
        let mut issued = None;
        let outcome = self
            .grants
            .redeem_code(request.code.lookup_id(), usage, |stored| {
                let presented = CodePresentation {
                    hash: &hash,
                    client_id: client.id,
                    redirect_uri: request.redirect_uri.as_deref(),
                    verifier: &request.verifier,
                    now,
                };
                match stored.redeem(&presented) {
                    CodeRedemption::Redeem => {
                        let grant = NewGrant {
                            id: self.rng.uuid(),
                            scopes: stored.scopes.clone(),
                            resource: stored.resource.clone(),
                            expires_at: now + self.policy.refresh_ttl,
                        };
                        let minted = self.issue(Issue {
                            client: &client,
                            granted: &stored.scopes,
                            narrowed: request.scope.as_ref(),
                            granted_resource: stored.resource.as_deref(),
                            requested_resource: request.resource.as_deref(),
                            grant_expires_at: grant.expires_at,
                            now,
                        });
                        match minted {
                            Ok((tokens, response)) => {
                                issued = Some(response);
                                CodeOutcome::Issue(grant, tokens)
                            }
                            Err(failure) => CodeOutcome::Refuse(failure),
                        }
                    }
                    CodeRedemption::Reused { grant_id } => {
                        CodeOutcome::RevokeGrant(grant_id, self.reuse_entry(actor, grant_id, now))
                    }
                    CodeRedemption::Refused(failure) => CodeOutcome::Refuse(failure),
                }
            })
            .await?;
        match (outcome, issued) {
            (Some(CodeOutcome::Issue(..)), Some(tokens)) => Ok(tokens),
            (Some(CodeOutcome::Refuse(failure)), _) => Err(failure.into()),
            (Some(CodeOutcome::RevokeGrant(..)), _) => {
                tracing::warn!(client_id = %client.id, "authorization code reused; grant revoked");
                Err(invalid_grant(
                    "The authorization code has already been used.",
                ))
            }
            _ => Err(invalid_grant("The authorization code is not valid.")),
        }
    }

    /// Rotates a refresh token (SPEC §4): the current one rotates; the one rotated most
    /// recently may be redeemed again within the grace; any other reuse revokes the grant.
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id))]
    pub async fn refresh(
        &self,
        credentials: &ClientCredentials,
        request: RefreshRequest,
        actor: &Actor,
    ) -> Result<IssuedTokens, FlowError> {
        let (client, usage) = self.authenticate_client(credentials).await?;
        self.require_grant(&client, GrantType::RefreshToken)?;
        self.check_requested_resource(request.resource.as_deref())
            .await?;
        let hash = request.token.hash();
        let mut issued = None;
        let outcome = self
            .grants
            .redeem_refresh(request.token.lookup_id(), usage, |row| {
                // Read under the grant's lock: a request that waited there for a concurrent
                // rotation must see that rotation in its past, never its future (issue 14 #18).
                let now = self.clock.now();
                let decision =
                    row.state
                        .decide(&hash, client.id, now, self.policy.refresh_reuse_grace);
                let mint = |issued: &mut Option<IssuedTokens>| {
                    self.issue(Issue {
                        client: &client,
                        granted: &row.scopes,
                        narrowed: request.scope.as_ref(),
                        granted_resource: row.resource.as_deref(),
                        requested_resource: request.resource.as_deref(),
                        grant_expires_at: row.state.grant_expires_at,
                        now,
                    })
                    .map(|(tokens, response)| {
                        *issued = Some(response);
                        tokens
                    })
                };
                match decision {
                    RefreshDecision::Rotate => mint(&mut issued)
                        .map_or_else(RefreshOutcome::Refuse, RefreshOutcome::Rotate),
                    RefreshDecision::ReissueWithinGrace => mint(&mut issued)
                        .map_or_else(RefreshOutcome::Refuse, RefreshOutcome::Reissue),
                    RefreshDecision::RevokeGrant => {
                        RefreshOutcome::RevokeGrant(self.reuse_entry(actor, row.grant_id, now))
                    }
                    RefreshDecision::Refused(failure) => RefreshOutcome::Refuse(failure),
                }
            })
            .await?;
        match (outcome, issued) {
            (Some(RefreshOutcome::Rotate(_) | RefreshOutcome::Reissue(_)), Some(tokens)) => {
                Ok(tokens)
            }
            (Some(RefreshOutcome::Refuse(failure)), _) => Err(failure.into()),
            (Some(RefreshOutcome::RevokeGrant(_)), _) => {
                tracing::warn!(client_id = %client.id, "refresh token reused; grant revoked");
                Err(invalid_grant("The refresh token has already been used."))
            }
            _ => Err(invalid_grant("The refresh token is not valid.")),
        }
    }

    fn require_grant(&self, client: &OAuthClient, grant: GrantType) -> Result<(), FlowError> {
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
    fn issue(&self, i: Issue<'_>) -> Result<(NewTokens, IssuedTokens), OAuthFailure> {
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

    fn reuse_entry(&self, actor: &Actor, grant_id: Uuid, at: OffsetDateTime) -> AuditEntry {
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
