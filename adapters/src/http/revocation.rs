//! `POST /oauth2/revoke` (RFC 7009) and `POST /oauth2/introspect` (RFC 7662).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use tessera_application::Ports;
use tessera_application::oauth::{OAuthService, PresentedToken, TokenInfo};
use tessera_domain::{OAuthError, OAuthFailure};

use super::WebSettings;
use super::client_auth::ClientRequest;
use super::error::ApiError;
use super::metrics::{Metrics, TokenEvent};
use super::oauth_params::OAuthParams;
use super::token::client_actor;

/// RFC 7662 §2.2 for an active token.
#[derive(Debug, Serialize)]
struct Introspection {
    active: bool,
    scope: String,
    client_id: String,
    username: String,
    sub: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    aud: Option<String>,
    exp: i64,
    iat: i64,
    token_type: &'static str,
}

impl From<TokenInfo> for Introspection {
    fn from(info: TokenInfo) -> Self {
        Self {
            active: true,
            scope: info.scopes.to_string(),
            client_id: info.client_id.to_string(),
            username: info.user.username.as_str().to_owned(),
            sub: info.user.id.as_uuid().to_string(),
            aud: info.audience,
            exp: info.expires_at.unix_timestamp(),
            iat: info.issued_at.unix_timestamp(),
            token_type: info.token_type,
        }
    }
}

fn token_param(params: &OAuthParams) -> Result<PresentedToken, ApiError> {
    params
        .get("token")
        .map(PresentedToken::parse)
        .ok_or_else(|| {
            ApiError::oauth(OAuthFailure::new(
                OAuthError::InvalidRequest,
                "token is required.",
            ))
        })
}

/// `POST /oauth2/revoke`: 200 whether or not the token existed or was the caller's.
pub(crate) async fn post_revoke<P: Ports>(
    req: HttpRequest,
    client: ClientRequest,
    oauth: web::Data<OAuthService<P>>,
    settings: web::Data<WebSettings>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    let token = token_param(&client.params)?;
    let credentials = client.credentials()?;
    let actor = client_actor(&req, client.presented_id(), &settings);
    oauth
        .revoke_token(&credentials, &token, &actor)
        .await
        .map_err(|e| client.challenged(e))?;
    metrics.token(TokenEvent::Revoked);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

/// `POST /oauth2/introspect`: confidential clients and protected servers only.
pub(crate) async fn post_introspect<P: Ports>(
    client: ClientRequest,
    oauth: web::Data<OAuthService<P>>,
) -> Result<HttpResponse, ApiError> {
    let token = token_param(&client.params)?;
    let caller = client.introspector()?;
    let info = oauth
        .introspect(&caller, &token)
        .await
        .map_err(|e| client.challenged(e))?;
    let response = HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(
            match info {
                Some(info) => serde_json::to_value(Introspection::from(info)),
                None => Ok(serde_json::json!({ "active": false })),
            }
            .map_err(|e| ApiError::Unexpected(e.into()))?,
        );
    Ok(response)
}
