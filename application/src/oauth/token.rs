//! `POST /oauth2/tokens`: redeeming codes and rotating refresh tokens (RFC 6749 §4.1.3
//! and §6, RFC 7636, RFC 8707, SPEC §4).

use crate::ports::Rng as _;
use tessera_domain::{
    CodePresentation, CodeRedemption, CodeVerifier, Credential, GrantType, OAuthClient, OAuthError,
    OAuthFailure, RefreshDecision, ScopeSet, StoredCode,
};
use time::OffsetDateTime;

mod minting;

use minting::Issue;

use super::{ClientCredentials, FlowError, OAuthService};
use crate::ports::{
    Actor, Clock, CodeOutcome, GrantRepository, NewGrant, NewTokens, Ports, RefreshOutcome,
    RefreshRow,
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

/// A parsed token request (RFC 6749 §4.1.3, §6).
#[derive(Debug)]
pub enum TokenGrant {
    /// `grant_type=authorization_code`.
    Code(CodeExchange),
    /// `grant_type=refresh_token`.
    Refresh(RefreshRequest),
}

/// A redemption's answer: the tokens, or why not.
type Reply = Result<IssuedTokens, FlowError>;

impl<P: Ports> OAuthService<P> {
    /// `POST /oauth2/tokens`: the client authenticates first, so a wrong secret is
    /// `invalid_client` even when the grant the edge parsed is malformed too (RFC 6749
    /// §3.2.1).
    pub async fn token(
        &self,
        credentials: &ClientCredentials,
        grant: Result<TokenGrant, OAuthFailure>,
        actor: &Actor,
    ) -> Result<IssuedTokens, FlowError> {
        match grant {
            Ok(TokenGrant::Code(request)) => self.exchange_code(credentials, request, actor).await,
            Ok(TokenGrant::Refresh(request)) => self.refresh(credentials, request, actor).await,
            Err(malformed) => {
                self.authenticate_client(credentials).await?;
                Err(malformed.into())
            }
        }
    }

    /// Redeems an authorization code once; a second use revokes what the first issued. The
    /// client is read and authenticated in the redemption's own transaction.
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id))]
    pub async fn exchange_code(
        &self,
        credentials: &ClientCredentials,
        request: CodeExchange,
        actor: &Actor,
    ) -> Result<IssuedTokens, FlowError> {
        let presenting = self.presenting(credentials).await?;
        let target = self
            .check_requested_resource(request.resource.as_deref())
            .await;
        let now = self.clock.now();
        self.grants
            .redeem_code(
                request.code.lookup_id(),
                presenting.presenter(),
                |record, stored| {
                    let client = match presenting.authenticate(record).and_then(|client| {
                        self.require_grant(client, GrantType::AuthorizationCode)?;
                        target.map(|()| client)
                    }) {
                        Ok(client) => client,
                        Err(e) => return (CodeOutcome::Refuse, Err(e)),
                    };
                    match stored {
                        Some(stored) => self.decide_code(client, stored, &request, actor, now),
                        None => (
                            CodeOutcome::Refuse,
                            Err(invalid_grant("The authorization code is not valid.")),
                        ),
                    }
                },
            )
            .await?
    }

    /// What presenting `request` for the locked code `stored` does, and the answer.
    fn decide_code(
        &self,
        client: &OAuthClient,
        stored: &StoredCode,
        request: &CodeExchange,
        actor: &Actor,
        now: OffsetDateTime,
    ) -> (CodeOutcome, Reply) {
        let presented = CodePresentation {
            hash: &request.code.hash(),
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
                    client,
                    granted: &stored.scopes,
                    narrowed: request.scope.as_ref(),
                    granted_resource: stored.resource.as_deref(),
                    requested_resource: request.resource.as_deref(),
                    grant_expires_at: grant.expires_at,
                    now,
                });
                match minted {
                    Ok((tokens, issued)) => (CodeOutcome::Issue(grant, tokens), Ok(issued)),
                    Err(failure) => (CodeOutcome::Refuse, Err(failure.into())),
                }
            }
            CodeRedemption::Reused { grant_id } => {
                tracing::warn!(client_id = %client.id, "authorization code reused; grant revoked");
                (
                    CodeOutcome::RevokeGrant(grant_id, self.reuse_entry(actor, grant_id, now)),
                    Err(invalid_grant(
                        "The authorization code has already been used.",
                    )),
                )
            }
            CodeRedemption::Refused(failure) => (CodeOutcome::Refuse, Err(failure.into())),
        }
    }

    /// Rotates a refresh token (SPEC §4): the current one rotates; the one rotated most
    /// recently may be redeemed again within the grace; any other reuse revokes the grant.
    /// The client is read and authenticated in the rotation's own transaction.
    #[tracing::instrument(skip_all, fields(client_id = %credentials.client_id))]
    pub async fn refresh(
        &self,
        credentials: &ClientCredentials,
        request: RefreshRequest,
        actor: &Actor,
    ) -> Result<IssuedTokens, FlowError> {
        let presenting = self.presenting(credentials).await?;
        let target = self
            .check_requested_resource(request.resource.as_deref())
            .await;
        self.grants
            .redeem_refresh(
                request.token.lookup_id(),
                presenting.presenter(),
                |record, row| {
                    let client = match presenting.authenticate(record).and_then(|client| {
                        self.require_grant(client, GrantType::RefreshToken)?;
                        target.map(|()| client)
                    }) {
                        Ok(client) => client,
                        Err(e) => return (RefreshOutcome::Refuse, Err(e)),
                    };
                    match row {
                        Some(row) => self.decide_refresh(client, row, &request, actor),
                        None => (
                            RefreshOutcome::Refuse,
                            Err(invalid_grant("The refresh token is not valid.")),
                        ),
                    }
                },
            )
            .await?
    }

    /// What presenting `request` for the token of the locked grant `row` does, and the
    /// answer.
    fn decide_refresh(
        &self,
        client: &OAuthClient,
        row: &RefreshRow,
        request: &RefreshRequest,
        actor: &Actor,
    ) -> (RefreshOutcome, Reply) {
        // Read under the grant's lock: a request that waited there for a concurrent
        // rotation must see that rotation in its past, never its future (issue 14 #18).
        let now = self.clock.now();
        let hash = request.token.hash();
        let decision = row
            .state
            .decide(&hash, client.id, now, self.policy.refresh_reuse_grace);
        let mint = |outcome: fn(NewTokens) -> RefreshOutcome| {
            let minted = self.issue(Issue {
                client,
                granted: &row.scopes,
                narrowed: request.scope.as_ref(),
                granted_resource: row.resource.as_deref(),
                requested_resource: request.resource.as_deref(),
                grant_expires_at: row.state.grant_expires_at,
                now,
            });
            match minted {
                Ok((tokens, issued)) => (outcome(tokens), Ok(issued)),
                Err(failure) => (RefreshOutcome::Refuse, Err(failure.into())),
            }
        };
        match decision {
            RefreshDecision::Rotate => mint(RefreshOutcome::Rotate),
            RefreshDecision::ReissueWithinGrace => mint(RefreshOutcome::Reissue),
            RefreshDecision::RevokeGrant => {
                tracing::warn!(client_id = %client.id, "refresh token reused; grant revoked");
                (
                    RefreshOutcome::RevokeGrant(self.reuse_entry(actor, row.grant_id, now)),
                    Err(invalid_grant("The refresh token has already been used.")),
                )
            }
            RefreshDecision::Refused(failure) => (RefreshOutcome::Refuse, Err(failure.into())),
        }
    }
}
