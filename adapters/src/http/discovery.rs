//! Discovery documents: RFC 8414 authorization server metadata and RFC 9728 protected
//! resource metadata, every URL built from `access_url` (SPEC §5).

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use tessera_application::Ports;
use tessera_application::mcp_servers::{McpServerService, RelayError};
use tessera_application::oauth::OAuthService;
use tessera_domain::{GrantType, MCP_PATH, PROTECTED_PATH, Scope, ServerSlug};

use super::WebSettings;
use super::error::ApiError;

const AUTH_METHODS: [&str; 3] = ["client_secret_basic", "client_secret_post", "none"];
/// Introspection is for confidential clients and protected servers only: no `none`.
const INTROSPECTION_AUTH_METHODS: [&str; 2] = ["client_secret_basic", "client_secret_post"];

/// RFC 8414 §2.
#[derive(Debug, Serialize)]
struct ServerMetadata<'a> {
    issuer: &'a str,
    authorization_endpoint: String,
    token_endpoint: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    registration_endpoint: Option<String>,
    revocation_endpoint: String,
    introspection_endpoint: String,
    jwks_uri: String,
    response_types_supported: [&'static str; 1],
    response_modes_supported: [&'static str; 1],
    grant_types_supported: [&'static str; GrantType::ALL.len()],
    code_challenge_methods_supported: [&'static str; 1],
    token_endpoint_auth_methods_supported: [&'static str; 3],
    revocation_endpoint_auth_methods_supported: [&'static str; 3],
    introspection_endpoint_auth_methods_supported: [&'static str; 2],
    scopes_supported: Vec<&'static str>,
    authorization_response_iss_parameter_supported: bool,
    client_id_metadata_document_supported: bool,
}

/// RFC 9728 §2.
#[derive(Debug, Serialize)]
struct ResourceMetadata<'a> {
    resource: String,
    authorization_servers: [&'a str; 1],
    bearer_methods_supported: [&'static str; 1],
    resource_name: &'a str,
    scopes_supported: Vec<&'static str>,
}

fn cacheable(body: &impl Serialize) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .json(body)
}

/// `GET /.well-known/oauth-authorization-server[/<path of access_url>]`.
pub(crate) async fn get_server_metadata<P: Ports>(
    settings: web::Data<WebSettings>,
    oauth: web::Data<OAuthService<P>>,
) -> HttpResponse {
    cacheable(&server_metadata(
        &settings,
        oauth.accepts_metadata_documents(),
    ))
}

/// RFC 8414 metadata of this server; `cimd` says whether document client ids are accepted.
fn server_metadata(settings: &WebSettings, cimd: bool) -> ServerMetadata<'_> {
    let base = settings.access_url.as_str();
    let at = |path: &str| format!("{base}{path}");
    ServerMetadata {
        issuer: base,
        authorization_endpoint: at("/oauth2/authorize"),
        token_endpoint: at("/oauth2/tokens"),
        registration_endpoint: settings
            .registration_enabled
            .then(|| at("/oauth2/register")),
        revocation_endpoint: at("/oauth2/revoke"),
        introspection_endpoint: at("/oauth2/introspect"),
        jwks_uri: at("/.well-known/jwks.json"),
        response_types_supported: ["code"],
        response_modes_supported: ["query"],
        grant_types_supported: GrantType::ALL.map(|g| g.as_str()),
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: AUTH_METHODS,
        revocation_endpoint_auth_methods_supported: AUTH_METHODS,
        introspection_endpoint_auth_methods_supported: INTROSPECTION_AUTH_METHODS,
        scopes_supported: Scope::ALL.iter().map(Scope::as_str).collect(),
        authorization_response_iss_parameter_supported: true,
        client_id_metadata_document_supported: cimd,
    }
}

/// `GET /.well-known/oauth-protected-resource`: the API, whose resource is `access_url`.
pub(crate) async fn get_api_resource_metadata(settings: web::Data<WebSettings>) -> HttpResponse {
    cacheable(&ResourceMetadata {
        resource: settings.access_url.clone(),
        authorization_servers: [&settings.access_url],
        bearer_methods_supported: ["header"],
        resource_name: "tessera API",
        scopes_supported: Scope::ALL.iter().map(Scope::as_str).collect(),
    })
}

/// `GET /.well-known/oauth-protected-resource/api/experimental/mcp/http`: the MCP endpoint.
pub(crate) async fn get_mcp_resource_metadata(settings: web::Data<WebSettings>) -> HttpResponse {
    cacheable(&ResourceMetadata {
        resource: format!("{}{MCP_PATH}", settings.access_url),
        authorization_servers: [&settings.access_url],
        bearer_methods_supported: ["header"],
        resource_name: "tessera MCP",
        scopes_supported: vec![Scope::Mcp.as_str()],
    })
}

/// `GET /.well-known/oauth-protected-resource[/<path of access_url>]/mcp/{slug}`: a
/// protected MCP server (SPEC §9); 404 for a slug no server has.
pub(crate) async fn get_protected_resource_metadata<P: Ports>(
    settings: web::Data<WebSettings>,
    servers: web::Data<McpServerService<P>>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let server = servers.server_for(&slug).await.map_err(|e| match e {
        RelayError::Repo(e) => e.into(),
        _ => ApiError::NotFound,
    })?;
    let d = &server.draft;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(&ResourceMetadata {
            resource: server.resource_url(&settings.access_url),
            authorization_servers: [&settings.access_url],
            bearer_methods_supported: ["header"],
            resource_name: d.name.as_str(),
            scopes_supported: d.scopes.to_vec_of_str(),
        }))
}

/// A JSON Web Key (RFC 7517, RFC 8037 `OKP`/`Ed25519`).
#[derive(Debug, Serialize)]
struct Jwk {
    kty: &'static str,
    crv: &'static str,
    alg: &'static str,
    #[serde(rename = "use")]
    key_use: &'static str,
    kid: String,
    x: String,
}

/// `GET /.well-known/jwks.json`: the keys that verify identity assertions, the retired ones
/// until their assertions have expired.
pub(crate) async fn get_jwks<P: Ports>(
    servers: web::Data<McpServerService<P>>,
) -> Result<HttpResponse, ApiError> {
    let keys: Vec<Jwk> = servers
        .public_keys()
        .await?
        .into_iter()
        .map(|k| Jwk {
            kty: "OKP",
            crv: "Ed25519",
            alg: "EdDSA",
            key_use: "sig",
            kid: k.kid,
            x: URL_SAFE_NO_PAD.encode(k.public_key),
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "public, max-age=60"))
        .json(serde_json::json!({ "keys": keys })))
}

/// The RFC 9728 metadata URL of the protected server `slug`, as its challenges name it.
pub(crate) fn protected_metadata_url(access_url: &str, slug: &ServerSlug) -> String {
    let origin = url::Url::parse(access_url)
        .map(|u| u.origin().ascii_serialization())
        .unwrap_or_default();
    format!(
        "{origin}/.well-known/oauth-protected-resource{}{PROTECTED_PATH}/{}",
        access_path(access_url),
        slug.as_str()
    )
}

/// The path of `access_url` (`/auth` for `https://example.com/auth`), empty at the root:
/// the suffix of the path-inserted well-known URLs (RFC 8414 §3.1, RFC 9728 §3.1).
pub(crate) fn access_path(access_url: &str) -> String {
    url::Url::parse(access_url)
        .map(|u| u.path().trim_end_matches('/').to_owned())
        .unwrap_or_default()
}
