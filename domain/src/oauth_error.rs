//! The closed set of OAuth error codes and a failure with its fixed description
//! (RFC 6749 §4.1.2.1 and §5.2, RFC 6750 §3.1, RFC 7591 §3.2.2, RFC 8707 §2).

use std::fmt;

/// Every OAuth error code tessera answers with, spelled as the RFCs spell them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OAuthError {
    /// `invalid_request` (RFC 6749 §5.2): missing, repeated or malformed parameter.
    InvalidRequest,
    /// `invalid_client` (RFC 6749 §5.2): client authentication failed.
    InvalidClient,
    /// `invalid_grant` (RFC 6749 §5.2): bad, expired, reused or foreign code or refresh token.
    InvalidGrant,
    /// `unauthorized_client` (RFC 6749 §5.2): the client may not use this grant type.
    UnauthorizedClient,
    /// `unsupported_grant_type` (RFC 6749 §5.2).
    UnsupportedGrantType,
    /// `unsupported_response_type` (RFC 6749 §4.1.2.1).
    UnsupportedResponseType,
    /// `invalid_scope` (RFC 6749 §5.2): unknown scope or beyond what was registered.
    InvalidScope,
    /// `invalid_target` (RFC 8707 §2): a `resource` this server does not serve.
    InvalidTarget,
    /// `access_denied` (RFC 6749 §4.1.2.1): the person pressed Deny.
    AccessDenied,
    /// `server_error` (RFC 6749 §4.1.2.1): an unexpected failure.
    ServerError,
    /// `temporarily_unavailable` (RFC 6749 §4.1.2.1).
    TemporarilyUnavailable,
    /// `invalid_redirect_uri` (RFC 7591 §3.2.2).
    InvalidRedirectUri,
    /// `invalid_client_metadata` (RFC 7591 §3.2.2).
    InvalidClientMetadata,
    /// `invalid_token` (RFC 6750 §3.1): a bearer token that is missing, expired or revoked.
    InvalidToken,
    /// `insufficient_scope` (RFC 6750 §3.1).
    InsufficientScope,
}

impl OAuthError {
    /// The error code as sent in `error`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::InvalidTarget => "invalid_target",
            Self::AccessDenied => "access_denied",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidRedirectUri => "invalid_redirect_uri",
            Self::InvalidClientMetadata => "invalid_client_metadata",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
        }
    }
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl std::error::Error for OAuthError {}

/// An OAuth error code with its `error_description`; the description is a static string so
/// no secret or raw input can end up in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OAuthFailure {
    /// The error code.
    pub error: OAuthError,
    /// The fixed human description.
    pub description: &'static str,
}

impl OAuthFailure {
    /// Pairs a code with its description.
    pub fn new(error: OAuthError, description: &'static str) -> Self {
        Self { error, description }
    }
}

impl fmt::Display for OAuthFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.error.code(), self.description)
    }
}

impl std::error::Error for OAuthFailure {}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [OAuthError; 15] = [
        OAuthError::InvalidRequest,
        OAuthError::InvalidClient,
        OAuthError::InvalidGrant,
        OAuthError::UnauthorizedClient,
        OAuthError::UnsupportedGrantType,
        OAuthError::UnsupportedResponseType,
        OAuthError::InvalidScope,
        OAuthError::InvalidTarget,
        OAuthError::AccessDenied,
        OAuthError::ServerError,
        OAuthError::TemporarilyUnavailable,
        OAuthError::InvalidRedirectUri,
        OAuthError::InvalidClientMetadata,
        OAuthError::InvalidToken,
        OAuthError::InsufficientScope,
    ];

    #[test]
    fn every_code_is_spelled_as_in_the_rfcs() {
        let codes: Vec<_> = ALL.iter().map(OAuthError::code).collect();
        assert_eq!(
            codes,
            [
                "invalid_request",
                "invalid_client",
                "invalid_grant",
                "unauthorized_client",
                "unsupported_grant_type",
                "unsupported_response_type",
                "invalid_scope",
                "invalid_target",
                "access_denied",
                "server_error",
                "temporarily_unavailable",
                "invalid_redirect_uri",
                "invalid_client_metadata",
                "invalid_token",
                "insufficient_scope",
            ]
        );
    }

    #[test]
    fn every_code_uses_only_the_characters_rfc_6749_allows() {
        // RFC 6749 §5.2: error = 1*( %x20-21 / %x23-5B / %x5D-7E ).
        for error in ALL {
            assert!(
                error
                    .code()
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b == b'_')
            );
            assert_eq!(error.to_string(), error.code());
        }
    }

    #[test]
    fn a_failure_displays_its_code_and_description() {
        let failure = OAuthFailure::new(OAuthError::InvalidGrant, "the code has expired");
        assert_eq!(failure.error, OAuthError::InvalidGrant);
        assert_eq!(failure.description, "the code has expired");
        assert_eq!(failure.to_string(), "invalid_grant: the code has expired");
    }
}
