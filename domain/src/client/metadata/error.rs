//! The ways registration metadata can be wrong, and their RFC 7591 §3.2.2 codes.

use std::fmt;

use crate::{OAuthError, OAuthFailure, RedirectUriError};

/// Why registration metadata was refused: the RFC 7591 §3.2.2 error code and a fixed
/// description naming the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientMetadataError {
    /// `invalid_redirect_uri`: one of the redirect URIs is not acceptable.
    InvalidRedirectUri(RedirectUriError),
    /// `invalid_client_metadata`: any other field is not acceptable.
    InvalidClientMetadata(ClientMetadataProblem),
}

impl ClientMetadataError {
    /// The RFC 7591 §3.2.2 error code.
    pub fn oauth_error(&self) -> OAuthError {
        match self {
            Self::InvalidRedirectUri(_) => OAuthError::InvalidRedirectUri,
            Self::InvalidClientMetadata(_) => OAuthError::InvalidClientMetadata,
        }
    }

    /// The fixed `error_description`.
    pub fn description(&self) -> &'static str {
        match self {
            Self::InvalidRedirectUri(e) => e.description(),
            Self::InvalidClientMetadata(p) => p.description(),
        }
    }
}

impl fmt::Display for ClientMetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.oauth_error().code(), self.description())
    }
}

impl std::error::Error for ClientMetadataError {}

impl From<ClientMetadataError> for OAuthFailure {
    fn from(error: ClientMetadataError) -> Self {
        OAuthFailure::new(error.oauth_error(), error.description())
    }
}

/// A field of registration metadata that breaks a rule of SPEC §5, answered with
/// `invalid_client_metadata` and a fixed description naming the field (RFC 7591 §3.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientMetadataProblem {
    /// `redirect_uris` absent or empty.
    MissingRedirectUris,
    /// `application_type` neither `web` nor `native`.
    UnsupportedApplicationType,
    /// `token_endpoint_auth_method` unknown.
    UnsupportedTokenEndpointAuthMethod,
    /// A CIMD document asking for a shared secret.
    SharedSecretInCimd,
    /// An update that would move a client between public and confidential (RFC 7592 §2.2).
    ClientTypeChange,
    /// `private_key_jwt` with neither `jwks` nor `jwks_uri`.
    PrivateKeyJwtWithoutKeys,
    /// Both `jwks` and `jwks_uri` (RFC 7591 §2).
    JwksAndJwksUri,
    /// `jwks` given but blank.
    InvalidJwks,
    /// A grant type other than `authorization_code` and `refresh_token`.
    UnsupportedGrantType,
    /// A response type other than `code`.
    UnsupportedResponseType,
    /// `authorization_code` without `code`, or the other way round (RFC 7591 §2.1).
    InconsistentGrantAndResponseTypes,
    /// No `authorization_code` grant, so the client could never obtain a token.
    MissingAuthorizationCodeGrant,
    /// `client_name` empty, too long or with control characters.
    InvalidClientName,
    /// `client_uri` not an absolute http(s) URL.
    InvalidClientUri,
    /// `logo_uri` not an absolute http(s) URL.
    InvalidLogoUri,
    /// `tos_uri` not an absolute http(s) URL.
    InvalidTosUri,
    /// `policy_uri` not an absolute http(s) URL.
    InvalidPolicyUri,
    /// `jwks_uri` not an absolute http(s) URL.
    InvalidJwksUri,
    /// `scope` with an unknown or malformed scope.
    InvalidScope,
    /// `software_id` blank, too long or with control characters.
    InvalidSoftwareId,
    /// `software_version` blank, too long or with control characters.
    InvalidSoftwareVersion,
    /// A contact blank, too long or with control characters.
    InvalidContacts,
}

impl ClientMetadataProblem {
    /// The fixed human description, sent as `error_description`.
    pub fn description(&self) -> &'static str {
        match self {
            Self::MissingRedirectUris => "redirect_uris is required and must not be empty",
            Self::UnsupportedApplicationType => "application_type must be web or native",
            Self::UnsupportedTokenEndpointAuthMethod => {
                "token_endpoint_auth_method must be client_secret_basic, client_secret_post, none or private_key_jwt"
            }
            Self::SharedSecretInCimd => {
                "token_endpoint_auth_method of a client ID metadata document must be none or private_key_jwt"
            }
            Self::PrivateKeyJwtWithoutKeys => {
                "token_endpoint_auth_method private_key_jwt requires jwks or jwks_uri"
            }
            Self::ClientTypeChange => {
                "token_endpoint_auth_method cannot move a client between public and confidential"
            }
            Self::JwksAndJwksUri => "jwks and jwks_uri must not both be given",
            Self::InvalidJwks => "jwks must not be empty",
            Self::UnsupportedGrantType => {
                "grant_types may contain only authorization_code and refresh_token"
            }
            Self::UnsupportedResponseType => "response_types may contain only code",
            Self::InconsistentGrantAndResponseTypes => {
                "grant_types authorization_code and response_types code must be given together"
            }
            Self::MissingAuthorizationCodeGrant => "grant_types must include authorization_code",
            Self::InvalidClientName => {
                "client_name must be 1 to 64 characters without control characters"
            }
            Self::InvalidClientUri => "client_uri must be an absolute http or https URL",
            Self::InvalidLogoUri => "logo_uri must be an absolute http or https URL",
            Self::InvalidTosUri => "tos_uri must be an absolute http or https URL",
            Self::InvalidPolicyUri => "policy_uri must be an absolute http or https URL",
            Self::InvalidJwksUri => "jwks_uri must be an absolute http or https URL",
            Self::InvalidScope => {
                "scope must be a space-separated list of user:read, mcp and admin"
            }
            Self::InvalidSoftwareId => {
                "software_id must be 1 to 255 characters without control characters"
            }
            Self::InvalidSoftwareVersion => {
                "software_version must be 1 to 255 characters without control characters"
            }
            Self::InvalidContacts => {
                "contacts must be 1 to 254 characters each, without control characters"
            }
        }
    }
}

impl fmt::Display for ClientMetadataProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

impl std::error::Error for ClientMetadataProblem {}
