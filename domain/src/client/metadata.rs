//! Registration metadata as a client sends it, and the rules it must pass (RFC 7591 §2,
//! SPEC §5).

use std::collections::BTreeSet;

use super::{
    AppName, ApplicationType, ClientType, GrantType, HttpUrl, ResponseType, TokenEndpointAuthMethod,
};
use crate::{RedirectUri, RedirectUriError, ScopeSet};

mod error;
mod input;

pub use error::{ClientMetadataError, ClientMetadataProblem};
pub use input::ClientMetadataInput;

/// Longest `software_id`/`software_version`, in characters.
const MAX_SOFTWARE_CHARS: usize = 255;
/// Longest contact, in characters (an email address).
const MAX_CONTACT_CHARS: usize = 254;

/// Registration metadata that passed every rule of SPEC §5, with defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientMetadata {
    redirect_uris: Vec<RedirectUri>,
    client_name: Option<AppName>,
    client_uri: Option<HttpUrl>,
    logo_uri: Option<HttpUrl>,
    tos_uri: Option<HttpUrl>,
    policy_uri: Option<HttpUrl>,
    jwks_uri: Option<HttpUrl>,
    jwks: Option<String>,
    software_id: Option<String>,
    software_version: Option<String>,
    grant_types: Vec<GrantType>,
    response_types: Vec<ResponseType>,
    token_endpoint_auth_method: TokenEndpointAuthMethod,
    application_type: ApplicationType,
    scope: Option<ScopeSet>,
    contacts: Vec<String>,
}

/// Which registration path the metadata came from; they differ only in auth methods.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Profile {
    Registration,
    Cimd,
}

fn invalid(problem: ClientMetadataProblem) -> ClientMetadataError {
    ClientMetadataError::InvalidClientMetadata(problem)
}

impl ClientMetadata {
    /// Applies SPEC §5 to a dynamic registration (RFC 7591) or an admin's update of one.
    pub fn parse(input: ClientMetadataInput) -> Result<Self, ClientMetadataError> {
        Self::parse_as(input, Profile::Registration)
    }

    /// Applies SPEC §5 to a Client ID Metadata Document: the same rules, but only `none` or
    /// `private_key_jwt`, defaulting to `none` (no shared secrets).
    pub fn parse_for_cimd(input: ClientMetadataInput) -> Result<Self, ClientMetadataError> {
        Self::parse_as(input, Profile::Cimd)
    }

    fn parse_as(input: ClientMetadataInput, profile: Profile) -> Result<Self, ClientMetadataError> {
        use ClientMetadataProblem as P;
        let explicit_type = match input.application_type.as_deref() {
            None => None,
            Some(s) => Some(
                ApplicationType::parse(s).map_err(|_| invalid(P::UnsupportedApplicationType))?,
            ),
        };
        let (redirect_uris, application_type) =
            parse_redirect_uris(input.redirect_uris, explicit_type)?;
        let token_endpoint_auth_method =
            parse_auth_method(input.token_endpoint_auth_method.as_deref(), profile)?;
        let (grant_types, response_types) =
            parse_grant_and_response_types(input.grant_types, input.response_types)?;
        let client_name = match input.client_name.as_deref() {
            None => None,
            Some(s) => Some(AppName::parse(s).map_err(|_| invalid(P::InvalidClientName))?),
        };
        let client_uri = parse_url(input.client_uri, P::InvalidClientUri)?;
        let logo_uri = parse_url(input.logo_uri, P::InvalidLogoUri)?;
        let tos_uri = parse_url(input.tos_uri, P::InvalidTosUri)?;
        let policy_uri = parse_url(input.policy_uri, P::InvalidPolicyUri)?;
        let jwks_uri = parse_url(input.jwks_uri, P::InvalidJwksUri)?;
        let jwks = input.jwks;
        if jwks.as_deref().is_some_and(|j| j.trim().is_empty()) {
            return Err(invalid(P::InvalidJwks));
        }
        if jwks.is_some() && jwks_uri.is_some() {
            return Err(invalid(P::JwksAndJwksUri));
        }
        if token_endpoint_auth_method == TokenEndpointAuthMethod::PrivateKeyJwt
            && jwks.is_none()
            && jwks_uri.is_none()
        {
            return Err(invalid(P::PrivateKeyJwtWithoutKeys));
        }
        // A blank `scope` says nothing; treat it as absent rather than as an error.
        let scope = match input.scope.as_deref() {
            Some(s) if !s.trim().is_empty() => {
                Some(ScopeSet::parse(s).map_err(|_| invalid(P::InvalidScope))?)
            }
            _ => None,
        };
        let software_id = check_text(input.software_id, MAX_SOFTWARE_CHARS, P::InvalidSoftwareId)?;
        let software_version = check_text(
            input.software_version,
            MAX_SOFTWARE_CHARS,
            P::InvalidSoftwareVersion,
        )?;
        let contacts = input
            .contacts
            .unwrap_or_default()
            .into_iter()
            .map(|c| check_text(Some(c), MAX_CONTACT_CHARS, P::InvalidContacts))
            .collect::<Result<Option<Vec<_>>, _>>()?
            .unwrap_or_default();
        Ok(Self {
            redirect_uris,
            client_name,
            client_uri,
            logo_uri,
            tos_uri,
            policy_uri,
            jwks_uri,
            jwks,
            software_id,
            software_version,
            grant_types,
            response_types,
            token_endpoint_auth_method,
            application_type,
            scope,
            contacts,
        })
    }

    /// The registered redirect URIs, never empty.
    pub fn redirect_uris(&self) -> &[RedirectUri] {
        &self.redirect_uris
    }
    /// `client_name`, shown on the consent page.
    pub fn client_name(&self) -> Option<&AppName> {
        self.client_name.as_ref()
    }
    /// `client_uri`, the client's home page.
    pub fn client_uri(&self) -> Option<&HttpUrl> {
        self.client_uri.as_ref()
    }
    /// `logo_uri`.
    pub fn logo_uri(&self) -> Option<&HttpUrl> {
        self.logo_uri.as_ref()
    }
    /// `tos_uri`.
    pub fn tos_uri(&self) -> Option<&HttpUrl> {
        self.tos_uri.as_ref()
    }
    /// `policy_uri`.
    pub fn policy_uri(&self) -> Option<&HttpUrl> {
        self.policy_uri.as_ref()
    }
    /// `jwks_uri`, where the client publishes its keys.
    pub fn jwks_uri(&self) -> Option<&HttpUrl> {
        self.jwks_uri.as_ref()
    }
    /// `jwks`, the client's keys as JSON text.
    pub fn jwks(&self) -> Option<&str> {
        self.jwks.as_deref()
    }
    /// `software_id`, shown on the admin page (SPEC §8).
    pub fn software_id(&self) -> Option<&str> {
        self.software_id.as_deref()
    }
    /// `software_version`.
    pub fn software_version(&self) -> Option<&str> {
        self.software_version.as_deref()
    }
    /// `grant_types`, deduplicated, `authorization_code` first.
    pub fn grant_types(&self) -> &[GrantType] {
        &self.grant_types
    }
    /// `response_types`: `[code]`.
    pub fn response_types(&self) -> &[ResponseType] {
        &self.response_types
    }
    /// `token_endpoint_auth_method`.
    pub fn token_endpoint_auth_method(&self) -> TokenEndpointAuthMethod {
        self.token_endpoint_auth_method
    }
    /// `application_type`.
    pub fn application_type(&self) -> ApplicationType {
        self.application_type
    }
    /// `scope`: the most the client may ask for; `None` means the default (SPEC §4).
    pub fn scope(&self) -> Option<&ScopeSet> {
        self.scope.as_ref()
    }
    /// `contacts`.
    pub fn contacts(&self) -> &[String] {
        &self.contacts
    }
    /// Public when the client does not authenticate (`none`), confidential otherwise.
    pub fn client_type(&self) -> ClientType {
        self.token_endpoint_auth_method.client_type()
    }
}

/// Parses the redirect URIs and settles `application_type`: the one sent, or when absent
/// (RFC 7591 has no such field, and most MCP clients leave it out) `native` if any URI is one
/// only a native client may register, else `web` (SPEC §5). Every URI must then suit it.
fn parse_redirect_uris(
    uris: Option<Vec<String>>,
    explicit_type: Option<ApplicationType>,
) -> Result<(Vec<RedirectUri>, ApplicationType), ClientMetadataError> {
    let uris = uris.unwrap_or_default();
    if uris.is_empty() {
        return Err(invalid(ClientMetadataProblem::MissingRedirectUris));
    }
    let uris = uris
        .iter()
        .map(|s| RedirectUri::parse(s))
        .collect::<Result<Vec<_>, RedirectUriError>>()
        .map_err(ClientMetadataError::InvalidRedirectUri)?;
    let application_type = explicit_type.unwrap_or_else(|| ApplicationType::inferred_from(&uris));
    uris.iter()
        .try_for_each(|uri| uri.validate_for_registration(application_type))
        .map_err(ClientMetadataError::InvalidRedirectUri)?;
    Ok((uris, application_type))
}

fn parse_auth_method(
    s: Option<&str>,
    profile: Profile,
) -> Result<TokenEndpointAuthMethod, ClientMetadataError> {
    use ClientMetadataProblem as P;
    let method = match (s, profile) {
        (None, Profile::Registration) => TokenEndpointAuthMethod::ClientSecretBasic,
        (None, Profile::Cimd) => TokenEndpointAuthMethod::None,
        (Some(s), _) => TokenEndpointAuthMethod::parse(s)
            .map_err(|_| invalid(P::UnsupportedTokenEndpointAuthMethod))?,
    };
    match (profile, method) {
        (Profile::Cimd, m) if m.uses_shared_secret() => Err(invalid(P::SharedSecretInCimd)),
        // No token endpoint method takes client assertions (SPEC §4 lists only basic, post
        // and none), so a registered private_key_jwt client could never authenticate.
        (Profile::Registration, TokenEndpointAuthMethod::PrivateKeyJwt) => {
            Err(invalid(P::UnsupportedTokenEndpointAuthMethod))
        }
        _ => Ok(method),
    }
}

fn parse_grant_and_response_types(
    grant_types: Option<Vec<String>>,
    response_types: Option<Vec<String>>,
) -> Result<(Vec<GrantType>, Vec<ResponseType>), ClientMetadataError> {
    use ClientMetadataProblem as P;
    let grants: BTreeSet<GrantType> = match grant_types {
        None => [GrantType::AuthorizationCode, GrantType::RefreshToken].into(),
        Some(list) => list
            .iter()
            .map(|s| GrantType::parse(s).map_err(|_| invalid(P::UnsupportedGrantType)))
            .collect::<Result<_, _>>()?,
    };
    let responses: BTreeSet<ResponseType> = match response_types {
        None => [ResponseType::Code].into(),
        Some(list) => list
            .iter()
            .map(|s| ResponseType::parse(s).map_err(|_| invalid(P::UnsupportedResponseType)))
            .collect::<Result<_, _>>()?,
    };
    // RFC 7591 §2.1: the authorization_code grant and the code response type go together.
    let code_grant = grants.contains(&GrantType::AuthorizationCode);
    if code_grant != responses.contains(&ResponseType::Code) {
        return Err(invalid(P::InconsistentGrantAndResponseTypes));
    }
    if !code_grant {
        return Err(invalid(P::MissingAuthorizationCodeGrant));
    }
    Ok((
        grants.into_iter().collect(),
        responses.into_iter().collect(),
    ))
}

fn parse_url(
    s: Option<String>,
    problem: ClientMetadataProblem,
) -> Result<Option<HttpUrl>, ClientMetadataError> {
    s.map(|s| HttpUrl::parse(&s).map_err(|_| invalid(problem)))
        .transpose()
}

/// A short free-text field: non-blank, bounded, no control characters.
fn check_text(
    s: Option<String>,
    max_chars: usize,
    problem: ClientMetadataProblem,
) -> Result<Option<String>, ClientMetadataError> {
    match s {
        Some(text)
            if text.trim().is_empty()
                || text.chars().count() > max_chars
                || text.chars().any(char::is_control) =>
        {
            Err(invalid(problem))
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests;
