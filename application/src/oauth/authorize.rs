//! `GET`/`POST /oauth2/authorize`: which requests are trusted, checked, remembered and
//! answered with a code (SPEC §4 steps 1–4, RFC 6749 §4.1.1, RFC 7636 §4.3).

use ring::digest::{SHA256, digest};
use tessera_domain::{
    ClientId, ClientIdError, CodeChallenge, Credential, CredentialKind, GrantType, OAuthClient,
    OAuthError, OAuthFailure, RedirectRefusal, RedirectUri, ResponseType, ScopeSet, User,
};

mod untrusted;

pub use untrusted::UntrustedRequest;

use super::{CimdError, FlowError, OAuthService};
use crate::ports::{Approval, Clock, GrantRepository, NewCode, Ports};

/// Why an authorization request cannot even be answered by redirect (SPEC §4.1): shown on
/// an HTML page instead.
#[derive(Debug, thiserror::Error)]
pub enum Untrusted {
    /// `client_id` missing, malformed, unknown or blocked.
    #[error("The client_id is missing or does not name a registered client.")]
    UnknownClient,
    /// `redirect_uri` malformed.
    #[error("The redirect_uri is not a valid absolute URI.")]
    MalformedRedirect,
    /// A URL `client_id` whose metadata document could not be used.
    #[error(transparent)]
    Document(#[from] super::CimdError),
    /// The client was blocked by an admin.
    #[error("This client has been blocked by an administrator.")]
    Blocked,
    /// A `private_key_jwt` client, which could never redeem a code here.
    #[error(
        "This client authenticates with private_key_jwt (signed client assertions), which this server does not accept yet, so it cannot be authorized."
    )]
    AssertionsUnsupported,
    /// `redirect_uri` not registered, or required.
    #[error(transparent)]
    Redirect(#[from] RedirectRefusal),
    /// A repository failure.
    #[error(transparent)]
    Repo(#[from] crate::ports::RepoError),
}

/// Why an authorization request was not checked: before its redirect URI is trusted (an
/// HTML page), after (sent back to the redirect URI), or a repository failure.
#[derive(Debug, thiserror::Error)]
pub enum AuthorizeError {
    /// The request cannot be answered by redirect.
    #[error(transparent)]
    Untrusted(#[from] Untrusted),
    /// An RFC 6749 §4.1.2.1 error, for `redirect_uri`.
    #[error("{}", .failure.description)]
    Refused {
        /// The trusted redirect URI.
        redirect_uri: RedirectUri,
        /// The error.
        failure: OAuthFailure,
    },
}

/// A checked authorization request, ready for consent.
#[derive(Debug, Clone)]
pub struct AuthorizationRequest {
    /// The client.
    pub client: OAuthClient,
    /// Where the answer goes.
    pub redirect_uri: RedirectUri,
    /// Whether the request named `redirect_uri`.
    pub redirect_uri_sent: bool,
    /// PKCE.
    pub challenge: CodeChallenge,
    /// The requested scopes, if named.
    pub scope: Option<ScopeSet>,
    /// The canonical resource, if named.
    pub resource: Option<String>,
    /// The name of the protected MCP server `resource` names, for the consent page.
    pub resource_name: Option<String>,
}

/// What the person sees next.
#[derive(Debug)]
pub enum Consent {
    /// The consent page.
    Ask {
        /// The scopes asked for (`admin` already dropped for members).
        scopes: ScopeSet,
        /// The person approved this client for these scopes before; the page says so
        /// (public and metadata-document clients see it every time).
        approved_before: bool,
    },
    /// A remembered approval covers the request: the code, issued at once.
    Remembered(Credential),
}

fn invalid_request(description: &'static str) -> OAuthFailure {
    OAuthFailure::new(OAuthError::InvalidRequest, description)
}

impl<P: Ports> OAuthService<P> {
    /// Both stages of an authorization request: the client and the redirect URI the answer
    /// may go to (errors before it is trusted are [`Untrusted`]), then the rest of the
    /// request judged against that client (errors go back to the redirect URI).
    #[tracing::instrument(skip_all)]
    pub async fn check_authorization(
        &self,
        request: UntrustedRequest,
    ) -> Result<AuthorizationRequest, AuthorizeError> {
        let client_id = match &request.client_id {
            None | Some(Err(ClientIdError::NotAnId)) => return Err(Untrusted::UnknownClient.into()),
            Some(Err(ClientIdError::Url(_))) if !self.accepts_metadata_documents() => {
                return Err(Untrusted::Document(CimdError::Disabled).into());
            }
            Some(Err(ClientIdError::Url(e))) => {
                return Err(Untrusted::Document(CimdError::Url(*e)).into());
            }
            Some(Ok(client_id)) => client_id,
        };
        let client = self.usable_client(client_id).await?;
        let sent = match &request.redirect_uri {
            Some(Err(())) => return Err(Untrusted::MalformedRedirect.into()),
            Some(Ok(uri)) => Some(uri),
            None => None,
        };
        let redirect_uri = client.redirect_uri_for(sent).map_err(Untrusted::from)?;
        match self
            .check_request(client, redirect_uri.clone(), request)
            .await
        {
            Ok(checked) => Ok(checked),
            Err(FlowError::Refused(failure)) => Err(AuthorizeError::Refused {
                redirect_uri,
                failure,
            }),
            Err(FlowError::Repo(e)) => Err(Untrusted::Repo(e).into()),
        }
    }

    /// Stage 1: the client and the redirect URI the answer may go to.
    pub async fn trusted_client(
        &self,
        client_id: &ClientId,
        redirect_uri: Option<&RedirectUri>,
    ) -> Result<(OAuthClient, RedirectUri), Untrusted> {
        let client = self.usable_client(client_id).await?;
        let uri = client.redirect_uri_for(redirect_uri)?;
        Ok((client, uri))
    }

    /// The client `client_id` names, if it may be authorized at all.
    async fn usable_client(&self, client_id: &ClientId) -> Result<OAuthClient, Untrusted> {
        let client = self
            .named_client(client_id)
            .await?
            .ok_or(Untrusted::UnknownClient)?;
        if client.blocked {
            return Err(Untrusted::Blocked);
        }
        if client.authenticates_by_assertion() {
            return Err(Untrusted::AssertionsUnsupported);
        }
        Ok(client)
    }

    /// Stage 2: the rest of the request, judged against the trusted client.
    async fn check_request(
        &self,
        client: OAuthClient,
        redirect_uri: RedirectUri,
        request: UntrustedRequest,
    ) -> Result<AuthorizationRequest, FlowError> {
        if request.repeated {
            return Err(invalid_request("A parameter was sent more than once.").into());
        }
        let redirect_uri_sent = request.redirect_uri_sent();
        let ResponseType::Code = request.response_type?;
        if !client.allows_grant(GrantType::AuthorizationCode) {
            return Err(FlowError::refused(
                OAuthError::UnauthorizedClient,
                "This client may not use the authorization code grant.",
            ));
        }
        let challenge = request
            .code_challenge
            .ok_or(invalid_request("code_challenge is required (PKCE)."))?;
        request.code_challenge_method?;
        let challenge = challenge?;
        let scope = request.scope.transpose()?;
        client.grantable_scopes(scope.clone(), true)?;
        let (resource, server) = match request.resource {
            Some(r) => {
                let (url, server) = self.resolve_resource(&r).await?;
                (Some(url), server)
            }
            None => (None, None),
        };
        Ok(AuthorizationRequest {
            client,
            redirect_uri,
            redirect_uri_sent,
            challenge,
            scope,
            resource,
            resource_name: server.map(|s| s.draft.name.as_str().to_owned()),
        })
    }

    /// Steps 3–4 for a signed-in person: the consent page, or a code at once when a
    /// remembered approval covers the request, `prompt=consent` was not sent and the client
    /// is one whose secret proves who redeems the code.
    #[tracing::instrument(skip_all, fields(client_id = %request.client.id))]
    pub async fn begin(
        &self,
        user: &User,
        request: &AuthorizationRequest,
        state: Option<&str>,
        force_consent: bool,
    ) -> Result<Consent, FlowError> {
        let scopes = request
            .client
            .grantable_scopes(request.scope.clone(), user.admin)?;
        if !force_consent && request.client.may_skip_remembered_consent() {
            // One round trip on the common path: the code is stored only if a remembered
            // approval covers it.
            let (code, new) = self.new_code(user, request, &scopes, state);
            if self.grants.insert_code_if_approved(&new).await? {
                return Ok(Consent::Remembered(code));
            }
        }
        let remembered = self
            .grants
            .approval(user.id, request.client.id, request.resource.as_deref())
            .await?;
        let approved_before = remembered.is_some_and(|approved| scopes.is_within(&approved));
        Ok(Consent::Ask {
            scopes,
            approved_before,
        })
    }

    /// The person pressed Allow: remember the approval and issue a code.
    #[tracing::instrument(skip_all, fields(client_id = %request.client.id))]
    pub async fn approve(
        &self,
        user: &User,
        request: &AuthorizationRequest,
        state: Option<&str>,
    ) -> Result<Credential, FlowError> {
        let scopes = request
            .client
            .grantable_scopes(request.scope.clone(), user.admin)?;
        self.issue_code(user, request, &scopes, state, true).await
    }

    async fn issue_code(
        &self,
        user: &User,
        request: &AuthorizationRequest,
        scopes: &ScopeSet,
        state: Option<&str>,
        remember: bool,
    ) -> Result<Credential, FlowError> {
        let (code, new) = self.new_code(user, request, scopes, state);
        let approval = remember.then(|| Approval {
            user_id: user.id,
            client_id: request.client.id,
            resource: request.resource.clone(),
            scopes: scopes.clone(),
            at: new.created_at,
        });
        self.grants.insert_code(&new, approval.as_ref()).await?;
        Ok(code)
    }

    /// A fresh code for `request` and the record that stores it.
    fn new_code(
        &self,
        user: &User,
        request: &AuthorizationRequest,
        scopes: &ScopeSet,
        state: Option<&str>,
    ) -> (Credential, NewCode) {
        let (code, token) = self.mint(CredentialKind::AuthorizationCode);
        let now = self.clock.now();
        let new = NewCode {
            lookup_id: token.lookup_id,
            hash: token.hash,
            client_id: request.client.id,
            user_id: user.id,
            redirect_uri: request.redirect_uri.as_str().to_owned(),
            redirect_uri_sent: request.redirect_uri_sent,
            challenge: request.challenge.clone(),
            scopes: scopes.clone(),
            resource: request.resource.clone(),
            state_hash: state.map(|s| digest(&SHA256, s.as_bytes()).as_ref().to_vec()),
            created_at: now,
            expires_at: now + self.policy.code_ttl,
        };
        (code, new)
    }
}
