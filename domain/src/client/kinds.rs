//! The closed vocabularies of client registration, each with its wire spelling.

/// A registration value outside the closed vocabulary of its field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClientValueError {
    /// Not `confidential` or `public`.
    #[error("client_type must be confidential or public")]
    UnknownClientType,
    /// Not one of the RFC 7591 §2 methods tessera knows.
    #[error(
        "token_endpoint_auth_method must be client_secret_basic, client_secret_post, none or private_key_jwt"
    )]
    UnknownTokenEndpointAuthMethod,
    /// Not `web` or `native`.
    #[error("application_type must be web or native")]
    UnknownApplicationType,
    /// Not `authorization_code` or `refresh_token`.
    #[error("grant_types may contain only authorization_code and refresh_token")]
    UnknownGrantType,
    /// Not `code`.
    #[error("response_types may contain only code")]
    UnknownResponseType,
    /// Not `admin`, `dynamic` or `cimd`.
    #[error("registration source must be admin, dynamic or cimd")]
    UnknownRegistrationSource,
}

/// Whether a client can keep a credential secret (RFC 6749 §2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ClientType {
    /// Authenticates at the token endpoint (a secret or a private key).
    Confidential,
    /// Cannot keep a secret; PKCE is its only proof (`token_endpoint_auth_method=none`).
    Public,
}

impl ClientType {
    const ALL: [Self; 2] = [Self::Confidential, Self::Public];

    /// The type as spelled in the admin API (Coder's `client_type`).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Confidential => "confidential",
            Self::Public => "public",
        }
    }

    /// Reads `confidential` or `public`.
    pub fn parse(s: &str) -> Result<Self, ClientValueError> {
        let found = Self::ALL.into_iter().find(|v| v.as_str() == s);
        found.ok_or(ClientValueError::UnknownClientType)
    }
}

/// How a client authenticates at the token endpoint (RFC 7591 §2, RFC 6749 §2.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenEndpointAuthMethod {
    /// HTTP Basic with the form-urlencoded id and secret (RFC 6749 §2.3.1); the default.
    ClientSecretBasic,
    /// `client_id` and `client_secret` in the form body (RFC 6749 §2.3.1).
    ClientSecretPost,
    /// No authentication: a public client (RFC 7591 §2).
    None,
    /// A JWT signed with the client's key (RFC 7523); allowed for CIMD clients.
    PrivateKeyJwt,
}

impl TokenEndpointAuthMethod {
    const ALL: [Self; 4] = [
        Self::ClientSecretBasic,
        Self::ClientSecretPost,
        Self::None,
        Self::PrivateKeyJwt,
    ];

    /// The method as spelled in RFC 7591 metadata.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::None => "none",
            Self::PrivateKeyJwt => "private_key_jwt",
        }
    }

    /// Reads one of the four method names.
    pub fn parse(s: &str) -> Result<Self, ClientValueError> {
        let found = Self::ALL.into_iter().find(|v| v.as_str() == s);
        found.ok_or(ClientValueError::UnknownTokenEndpointAuthMethod)
    }

    /// Whether the server issues and checks a shared `client_secret` for this method.
    pub fn uses_shared_secret(&self) -> bool {
        matches!(self, Self::ClientSecretBasic | Self::ClientSecretPost)
    }

    /// `none` makes a public client; every other method authenticates, so is confidential.
    pub fn client_type(&self) -> ClientType {
        match self {
            Self::None => ClientType::Public,
            _ => ClientType::Confidential,
        }
    }
}

/// What kind of application a client is, which decides its allowed redirect URIs
/// (OpenID Connect Dynamic Client Registration §2, RFC 8252).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationType {
    /// A web application: `https` redirect URIs only; the default when every redirect URI
    /// is `https`.
    Web,
    /// A native application: also `http` loopback and private-use schemes (RFC 8252 §7).
    Native,
}

impl ApplicationType {
    const ALL: [Self; 2] = [Self::Web, Self::Native];

    /// The type as spelled in registration metadata.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Native => "native",
        }
    }

    /// Reads `web` or `native`.
    pub fn parse(s: &str) -> Result<Self, ClientValueError> {
        let found = Self::ALL.into_iter().find(|v| v.as_str() == s);
        found.ok_or(ClientValueError::UnknownApplicationType)
    }

    /// The type of a client that did not say: `native` when any redirect URI is one only a
    /// native client may use (`http` loopback, a private-use scheme), else `web` (SPEC §5).
    pub fn inferred_from(redirect_uris: &[crate::RedirectUri]) -> Self {
        match redirect_uris.iter().any(crate::RedirectUri::is_native_only) {
            true => Self::Native,
            false => Self::Web,
        }
    }
}

/// A grant a client may use at the token endpoint; tessera supports two (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GrantType {
    /// `authorization_code` (RFC 6749 §4.1).
    AuthorizationCode,
    /// `refresh_token` (RFC 6749 §6).
    RefreshToken,
}

impl GrantType {
    /// Every grant tessera supports: the one list discovery, registration and the token
    /// endpoint read (the `oauth2_apps.grant_types` CHECK is tested against it).
    pub const ALL: [Self; 2] = [Self::AuthorizationCode, Self::RefreshToken];

    /// The grant as spelled in `grant_type` and `grant_types`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::AuthorizationCode => "authorization_code",
            Self::RefreshToken => "refresh_token",
        }
    }

    /// Reads `authorization_code` or `refresh_token`.
    pub fn parse(s: &str) -> Result<Self, ClientValueError> {
        let found = Self::ALL.into_iter().find(|v| v.as_str() == s);
        found.ok_or(ClientValueError::UnknownGrantType)
    }
}

/// A response type at the authorization endpoint; OAuth 2.1 keeps only `code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResponseType {
    /// `code` (RFC 6749 §4.1.1).
    Code,
}

impl ResponseType {
    /// The response type as spelled on the wire.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Code => "code",
        }
    }

    /// Reads `code`; `token` and everything else are refused.
    pub fn parse(s: &str) -> Result<Self, ClientValueError> {
        match s {
            "code" => Ok(Self::Code),
            _ => Err(ClientValueError::UnknownResponseType),
        }
    }
}

/// Where a client came from, shown on the admin page (SPEC §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RegistrationSource {
    /// Created by an admin through the API or web page (SPEC §3).
    Admin,
    /// Registered itself at `/oauth2/register` (RFC 7591).
    Dynamic,
    /// Named by a Client ID Metadata Document URL (SPEC §5).
    Cimd,
}

impl RegistrationSource {
    const ALL: [Self; 3] = [Self::Admin, Self::Dynamic, Self::Cimd];

    /// The source as stored and shown.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Dynamic => "dynamic",
            Self::Cimd => "cimd",
        }
    }

    /// Reads `admin`, `dynamic` or `cimd`.
    pub fn parse(s: &str) -> Result<Self, ClientValueError> {
        let found = Self::ALL.into_iter().find(|v| v.as_str() == s);
        found.ok_or(ClientValueError::UnknownRegistrationSource)
    }
}

#[cfg(test)]
mod tests;
