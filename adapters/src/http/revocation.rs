//! `POST /oauth2/revoke` (RFC 7009) and `POST /oauth2/introspect` (RFC 7662).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;
use tessera_application::Ports;
use tessera_application::oauth::{OAuthService, TokenInfo};
use tessera_domain::{OAuthError, OAuthFailure};

use super::WebSettings;
use super::client_auth::{client_credentials, with_basic};
use super::error::ApiError;
use super::metrics::{Metrics, TokenEvent};
use super::token::{client_actor, form_params};

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

fn token_param(params: &super::oauth_params::OAuthParams) -> Result<String, ApiError> {
    params.get("token").map(str::to_owned).ok_or_else(|| {
        ApiError::oauth(OAuthFailure::new(
            OAuthError::InvalidRequest,
            "token is required.",
        ))
    })
}

/// `POST /oauth2/revoke`: 200 whether or not the token existed or was the caller's.
pub(crate) async fn post_revoke<P: Ports>(
    req: HttpRequest,
    body: web::Bytes,
    oauth: web::Data<OAuthService<P>>,
    settings: web::Data<WebSettings>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, ApiError> {
    let params = form_params(&req, &body)?;
    let (credentials, basic) = client_credentials(&req, &params)?;
    let token = token_param(&params)?;
    let actor = client_actor(&req, &credentials.client_id, &settings);
    oauth
        .revoke_token(&credentials, &token, &actor)
        .await
        .map_err(|e| with_basic(e.into(), basic))?;
    metrics.token(TokenEvent::Revoked);
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish())
}

/// `POST /oauth2/introspect`: confidential clients only.
pub(crate) async fn post_introspect<P: Ports>(
    req: HttpRequest,
    body: web::Bytes,
    oauth: web::Data<OAuthService<P>>,
) -> Result<HttpResponse, ApiError> {
    let params = form_params(&req, &body)?;
    let (credentials, basic) = client_credentials(&req, &params)?;
    let token = token_param(&params)?;
    let info = oauth
        .introspect(&credentials, &token)
        .await
        .map_err(|e| with_basic(e.into(), basic))?;
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
