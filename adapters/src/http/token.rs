//! `POST /oauth2/tokens` (RFC 6749 §3.2, §4.1.3, §6) and `DELETE /oauth2/tokens`
//! (Coder's revoke-my-authorization, SPEC §4).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use tessera_application::Ports;
use tessera_application::oauth::{
    CodeExchange, IssuedTokens, OAuthService, RefreshRequest, TokenGrant,
};
use tessera_application::people::SessionService;
use tessera_application::ports::Actor;
use tessera_domain::{
    ClientId, CodeVerifier, Credential, CredentialKind, GrantType, OAuthError, OAuthFailure,
    ScopeSet,
};

use super::WebSettings;
use super::apps::{actor, anonymous_actor};
use super::client_auth::ClientRequest;
use super::error::ApiError;
use super::metrics::{Metrics, TokenEvent};
use super::oauth_params::OAuthParams;
use super::session_auth::require_user;

/// Every parameter the token endpoint reads; each may be sent once.
const KNOWN: [&str; 10] = [
    "grant_type",
    "code",
    "code_verifier",
    "redirect_uri",
    "refresh_token",
    "scope",
    "resource",
    "client_id",
    "client_secret",
    "token",
];

/// RFC 6749 §5.1.
#[derive(Debug, Serialize)]
struct TokenResponse {
    access_token: String,
    token_type: &'static str,
    expires_in: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    scope: String,
}

fn refused(error: OAuthError, description: &'static str) -> ApiError {
    ApiError::oauth(OAuthFailure::new(error, description))
}

/// The form body of an OAuth endpoint: `application/x-www-form-urlencoded`, each known
/// parameter at most once.
pub(crate) fn form_params(req: &HttpRequest, body: &[u8]) -> Result<OAuthParams, ApiError> {
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form {
        return Err(refused(
            OAuthError::InvalidRequest,
            "The body must be application/x-www-form-urlencoded.",
        ));
    }
    let params = OAuthParams::parse(body);
    match params.repeated(&KNOWN) {
        Some(_) => Err(refused(
            OAuthError::InvalidRequest,
            "A parameter was sent more than once.",
        )),
        None => Ok(params),
    }
}

/// The actor of a client's request, for the audit log.
pub(crate) fn client_actor(req: &HttpRequest, client_id: &str, settings: &WebSettings) -> Actor {
    anonymous_actor(req, settings, format!("client {client_id}"))
}

fn required<'a>(
    params: &'a OAuthParams,
    name: &str,
    description: &'static str,
) -> Result<&'a str, OAuthFailure> {
    params
        .get(name)
        .ok_or_else(|| OAuthFailure::new(OAuthError::InvalidRequest, description))
}

/// A malformed code or refresh token is `invalid_grant` like an unknown one, so probing
/// reveals nothing.
fn credential(kind: CredentialKind, s: &str) -> Result<Credential, OAuthFailure> {
    Credential::parse(kind, s)
        .map_err(|_| OAuthFailure::new(OAuthError::InvalidGrant, "The grant is not valid."))
}

fn scope(params: &OAuthParams) -> Result<Option<ScopeSet>, OAuthFailure> {
    params
        .get("scope")
        .map(ScopeSet::parse)
        .transpose()
        .map_err(|e| OAuthFailure::new(OAuthError::InvalidScope, e.description()))
}

/// `POST /oauth2/tokens`.
pub(crate) async fn post_token<P: Ports>(
    req: HttpRequest,
    client: ClientRequest,
    oauth: web::Data<OAuthService<P>>,
    settings: web::Data<WebSettings>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    let credentials = client.credentials()?;
    let actor = client_actor(&req, client.presented_id(), &settings);
    let grant = parse_grant(&client.params);
    let event = match &grant {
        Ok(TokenGrant::Refresh(_)) => TokenEvent::Refreshed,
        _ => TokenEvent::Issued,
    };
    let issued = oauth.token(&credentials, grant, &actor).await;
    let issued = issued.map_err(|e| client.challenged(e))?;
    metrics.token(event);
    Ok(token_response(issued))
}

fn parse_grant(params: &OAuthParams) -> Result<TokenGrant, OAuthFailure> {
    let grant = params.get("grant_type").map(GrantType::parse);
    match grant {
        Some(Ok(GrantType::AuthorizationCode)) => {
            let verifier = required(params, "code_verifier", "code_verifier is required (PKCE).")?;
            Ok(TokenGrant::Code(CodeExchange {
                code: credential(
                    CredentialKind::AuthorizationCode,
                    required(params, "code", "code is required.")?,
                )?,
                verifier: CodeVerifier::parse(verifier).map_err(|_| {
                    OAuthFailure::new(OAuthError::InvalidGrant, "The code_verifier is malformed.")
                })?,
                redirect_uri: params.get("redirect_uri").map(str::to_owned),
                scope: scope(params)?,
                resource: params.get("resource").map(str::to_owned),
            }))
        }
        Some(Ok(GrantType::RefreshToken)) => Ok(TokenGrant::Refresh(RefreshRequest {
            token: credential(
                CredentialKind::RefreshToken,
                required(params, "refresh_token", "refresh_token is required.")?,
            )?,
            scope: scope(params)?,
            resource: params.get("resource").map(str::to_owned),
        })),
        Some(Err(_)) => Err(OAuthFailure::new(
            OAuthError::UnsupportedGrantType,
            "Only authorization_code and refresh_token are supported.",
        )),
        None => Err(OAuthFailure::new(
            OAuthError::InvalidRequest,
            "grant_type is required.",
        )),
    }
}

fn token_response(issued: IssuedTokens) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse {
            access_token: issued.access_token.expose().to_owned(),
            token_type: "Bearer",
            expires_in: issued.expires_in,
            refresh_token: issued.refresh_token.map(|r| r.expose().to_owned()),
            scope: issued.scopes.to_string(),
        })
}

#[derive(Debug, Deserialize)]
pub(crate) struct RevokeQuery {
    client_id: String,
}

impl RevokeQuery {
    /// The client named; one that names no client has nothing to revoke.
    fn client_id(&self) -> Result<ClientId, ApiError> {
        ClientId::parse(&self.client_id).map_err(|_| ApiError::NotFound)
    }
}

/// `DELETE /oauth2/tokens?client_id=X`: the signed-in person revokes an app.
pub(crate) async fn delete_tokens<P: Ports>(
    req: HttpRequest,
    query: web::Query<RevokeQuery>,
    oauth: web::Data<OAuthService<P>>,
    sessions: web::Data<SessionService<P>>,
    settings: web::Data<WebSettings>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    let (user, _) = require_user(&req, &sessions).await?;
    match oauth
        .revoke_authorization(&user, &query.client_id()?, &actor(&req, &user, &settings))
        .await?
    {
        true => {
            metrics.token(TokenEvent::Revoked);
            Ok(HttpResponse::NoContent().finish())
        }
        false => Err(ApiError::NotFound),
    }
}
