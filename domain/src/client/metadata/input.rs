//! Registration metadata as it arrives, before any rule is applied.

/// The RFC 7591 §2 metadata fields exactly as they arrived (JSON body or CIMD document),
/// before any rule is applied; the HTTP adapter fills it, [`ClientMetadata::parse`] judges it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientMetadataInput {
    /// `redirect_uris`.
    pub redirect_uris: Option<Vec<String>>,
    /// `client_name`.
    pub client_name: Option<String>,
    /// `client_uri`.
    pub client_uri: Option<String>,
    /// `logo_uri`.
    pub logo_uri: Option<String>,
    /// `tos_uri`.
    pub tos_uri: Option<String>,
    /// `policy_uri`.
    pub policy_uri: Option<String>,
    /// `jwks_uri`.
    pub jwks_uri: Option<String>,
    /// `jwks`, as JSON text; its content is opaque to the domain.
    pub jwks: Option<String>,
    /// `software_id`.
    pub software_id: Option<String>,
    /// `software_version`.
    pub software_version: Option<String>,
    /// `grant_types`.
    pub grant_types: Option<Vec<String>>,
    /// `response_types`.
    pub response_types: Option<Vec<String>>,
    /// `token_endpoint_auth_method`.
    pub token_endpoint_auth_method: Option<String>,
    /// `application_type`.
    pub application_type: Option<String>,
    /// `scope`, space-separated.
    pub scope: Option<String>,
    /// `contacts`.
    pub contacts: Option<Vec<String>>,
}
