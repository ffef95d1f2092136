//! The self-service half of `/api/v2/users` (SPEC §2): change one's password, sign out
//! everywhere, and set a password with a reset link. Password changes need a session (an
//! OAuth access token cannot change its person's password).

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tessera_application::Ports;
use tessera_application::people::{PasswordService, SessionService};
use tessera_domain::{Password, SecretString};

use super::WebSettings;
use super::apps::{actor, anonymous_actor};
use super::error::{ApiError, FieldError};
use super::json_body::JsonBody;
use super::session_auth::{cleared_session_cookie, require_user};

/// Coder's `UpdateUserPasswordRequest`. No `Debug`: it carries passwords.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ChangePasswordRequest {
    old_password: String,
    password: String,
}

/// A reset link's token and the new password. No `Debug`: it carries both.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResetPasswordRequest {
    token: String,
    password: String,
}

/// A new password, or a 400 naming `field`.
pub(crate) fn new_password(field: &str, password: String) -> Result<Password, ApiError> {
    Password::parse(SecretString::new(password)).map_err(|e| ApiError::Validation {
        message: "Invalid password.".into(),
        validations: vec![FieldError {
            field: field.to_owned(),
            detail: e.to_string(),
        }],
    })
}

type Deps<P> = (
    web::Data<PasswordService<P>>,
    web::Data<SessionService<P>>,
    web::Data<WebSettings>,
);

/// `PUT /api/v2/users/me/password` `{old_password, password}` → 204; the caller's other
/// sessions end.
pub(crate) async fn put_password<P: Ports>(
    req: HttpRequest,
    (passwords, sessions, settings): Deps<P>,
    body: JsonBody<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let (user, session) = require_user(&req, &sessions).await?;
    let body = body.0;
    let password = new_password("password", body.password)?;
    let old = SecretString::new(body.old_password);
    let who = actor(&req, &user, &settings);
    passwords
        .change_password(&user, &who, &session, &old, password)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `DELETE /api/v2/users/me/sessions` → 204: every session of the caller ends, this one too.
pub(crate) async fn delete_sessions<P: Ports>(
    req: HttpRequest,
    (passwords, sessions, settings): Deps<P>,
) -> Result<HttpResponse, ApiError> {
    let (user, _) = require_user(&req, &sessions).await?;
    let who = actor(&req, &user, &settings);
    passwords.sign_out_everywhere(&user, &who).await?;
    Ok(HttpResponse::NoContent()
        .cookie(cleared_session_cookie(settings.secure_cookies))
        .finish())
}

/// `POST /api/v2/users/reset-password` `{token, password}` → 204: the link is used up and
/// every session of its person ends.
pub(crate) async fn post_reset_password<P: Ports>(
    req: HttpRequest,
    (passwords, _, settings): Deps<P>,
    body: JsonBody<ResetPasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.0;
    let password = new_password("password", body.password)?;
    let who = anonymous_actor(&req, &settings, "password reset link".into());
    passwords
        .reset_password(&body.token, password, &who)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
