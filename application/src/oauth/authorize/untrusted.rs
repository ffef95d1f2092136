//! The first stage of an authorization request (RFC 6749 §4.1.1): every parameter parsed
//! at the edge into its domain type, nothing yet judged against the client.

use tessera_domain::{
    ClientId, ClientIdError, CodeChallenge, CodeChallengeMethod, OAuthError, OAuthFailure,
    RedirectUri, ResponseType, ScopeSet,
};

fn invalid_request(description: &'static str) -> OAuthFailure {
    OAuthFailure::new(OAuthError::InvalidRequest, description)
}

/// An authorization request as sent, parsed. Its failures are kept, not raised: until the
/// redirect URI is trusted none of them may be sent anywhere, and
/// [`super::OAuthService::check_authorization`] reports them in the order its checks run.
#[derive(Debug, Clone)]
pub struct UntrustedRequest {
    pub(super) client_id: Option<Result<ClientId, ClientIdError>>,
    pub(super) redirect_uri: Option<Result<RedirectUri, ()>>,
    pub(super) repeated: bool,
    pub(super) response_type: Result<ResponseType, OAuthFailure>,
    pub(super) code_challenge: Option<Result<CodeChallenge, OAuthFailure>>,
    pub(super) code_challenge_method: Result<CodeChallengeMethod, OAuthFailure>,
    pub(super) scope: Option<Result<ScopeSet, OAuthFailure>>,
    pub(super) resource: Option<String>,
}

impl UntrustedRequest {
    /// Reads the request's parameters through `param` (each sent at most once, or its
    /// first value); `repeated` says a parameter the consent form echoes was sent twice.
    pub fn parse<'a>(param: impl Fn(&str) -> Option<&'a str>, repeated: bool) -> Self {
        Self {
            client_id: param("client_id").map(ClientId::parse),
            redirect_uri: param("redirect_uri").map(|u| RedirectUri::parse(u).map_err(drop)),
            repeated,
            response_type: match param("response_type").map(ResponseType::parse) {
                None => Err(invalid_request("response_type is required.")),
                Some(Err(_)) => Err(OAuthFailure::new(
                    OAuthError::UnsupportedResponseType,
                    "Only response_type=code is supported.",
                )),
                Some(Ok(response_type)) => Ok(response_type),
            },
            code_challenge: param("code_challenge").map(|c| {
                CodeChallenge::parse(c).map_err(|_| {
                    invalid_request("code_challenge must be 43 base64url characters (S256).")
                })
            }),
            code_challenge_method: param("code_challenge_method")
                .and_then(|m| CodeChallengeMethod::parse(m).ok())
                .ok_or(invalid_request("code_challenge_method must be S256.")),
            scope: param("scope").map(|s| {
                ScopeSet::parse(s)
                    .map_err(|e| OAuthFailure::new(OAuthError::InvalidScope, e.description()))
            }),
            resource: param("resource").map(str::to_owned),
        }
    }

    /// Whether the request named its `redirect_uri`.
    pub(super) fn redirect_uri_sent(&self) -> bool {
        self.redirect_uri.is_some()
    }
}
