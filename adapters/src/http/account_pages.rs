//! `/settings/account` (every signed-in person: change the password, sign out everywhere)
//! and `/reset-password` (a one-time link from an admin: choose a new password), SPEC §2.
//! Every form carries a CSRF token: the session's, or the anonymous double-submit one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::Deserialize;
use tera::Context;
use tessera_application::Ports;
use tessera_application::people::{PasswordService, SessionService};
use tessera_domain::{SecretString, User};

use super::WebSettings;
use super::account_api::new_password;
use super::apps::{actor, anonymous_actor};
use super::csrf::{anonymous_token, anonymous_token_valid};
use super::error::ApiError;
use super::html::{error_page, render, see_other, with_cookie};
use super::page_session::page_session;
use super::session_auth::cleared_session_cookie;
use crate::render::Pages;

const ACCOUNT: &str = "/settings/account";

#[derive(Debug, Deserialize)]
pub(crate) struct AccountPageQuery {
    changed: Option<String>,
}

/// No `Debug`: it carries passwords.
#[derive(Deserialize)]
pub(crate) struct PasswordForm {
    old_password: String,
    password: String,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

/// No `Debug`: it carries the link's token.
#[derive(Deserialize)]
pub(crate) struct ResetQuery {
    #[serde(default)]
    token: String,
}

/// No `Debug`: it carries the link's token and a password.
#[derive(Deserialize)]
pub(crate) struct ResetForm {
    #[serde(default)]
    token: String,
    password: String,
    #[serde(default)]
    csrf_token: String,
}

type Deps<P> = (
    web::Data<PasswordService<P>>,
    web::Data<SessionService<P>>,
    web::Data<WebSettings>,
    web::Data<Pages>,
);

fn account_page(
    pages: &Pages,
    user: &User,
    csrf: &str,
    status: StatusCode,
    notice: Option<&str>,
    error: Option<String>,
) -> HttpResponse {
    let mut ctx = Context::new();
    ctx.insert("csrf_token", csrf);
    ctx.insert("username", user.username.as_str());
    ctx.insert("email", user.email.as_str());
    ctx.insert("notice", &notice);
    ctx.insert("error", &error);
    render(pages, status, "account.html", &ctx)
}

/// `GET /settings/account`.
pub(crate) async fn get_account<P: Ports>(
    req: HttpRequest,
    (_, sessions, _, pages): Deps<P>,
    query: web::Query<AccountPageQuery>,
) -> HttpResponse {
    let session = match page_session(&req, &sessions, &pages, ACCOUNT, None).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let notice = (query.changed.as_deref() == Some("password"))
        .then_some("Your password is changed, and your other sessions have ended.");
    account_page(
        &pages,
        &session.user,
        &session.csrf,
        StatusCode::OK,
        notice,
        None,
    )
}

/// `POST /settings/account/password`: the old password required; other sessions end.
pub(crate) async fn post_password<P: Ports>(
    req: HttpRequest,
    (passwords, sessions, settings, pages): Deps<P>,
    form: web::Form<PasswordForm>,
) -> HttpResponse {
    let form = form.into_inner();
    let session = match page_session(&req, &sessions, &pages, ACCOUNT, Some(&form.csrf_token)).await
    {
        Ok(found) => found,
        Err(page) => return page,
    };
    let who = actor(&req, &session.user, &settings);
    let changed = match new_password("password", form.password) {
        Ok(password) => {
            let old = SecretString::new(form.old_password);
            let change =
                passwords.change_password(&session.user, &who, &session.credential, &old, password);
            change.await.map_err(ApiError::from)
        }
        Err(e) => Err(e),
    };
    let e = match changed {
        Ok(_) => return see_other(&format!("{ACCOUNT}?changed=password")),
        Err(e) => e,
    };
    let message = match &e {
        ApiError::Validation {
            message,
            validations,
        } => validations.first().map_or_else(
            || message.clone(),
            |v| format!("{message} {}: {}", v.field, v.detail),
        ),
        ApiError::Throttled(_) => e.to_string(),
        _ => return error_page(&pages, e),
    };
    let mut page = account_page(
        &pages,
        &session.user,
        &session.csrf,
        e.status_code(),
        None,
        Some(message),
    );
    if let Some(retry) = e.error_response().headers().get("retry-after") {
        page.headers_mut()
            .insert(actix_web::http::header::RETRY_AFTER, retry.clone());
    }
    page
}

/// `POST /settings/account/sign-out-everywhere`: every session ends, this one too.
pub(crate) async fn post_sign_out_everywhere<P: Ports>(
    req: HttpRequest,
    (passwords, sessions, settings, pages): Deps<P>,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    let session = match page_session(&req, &sessions, &pages, ACCOUNT, Some(&form.csrf_token)).await
    {
        Ok(found) => found,
        Err(page) => return page,
    };
    let who = actor(&req, &session.user, &settings);
    match passwords.sign_out_everywhere(&session.user, &who).await {
        Ok(_) => with_cookie(
            see_other("/login"),
            Some(cleared_session_cookie(settings.secure_cookies)),
        ),
        Err(e) => error_page(&pages, e.into()),
    }
}

fn reset_page(
    pages: &Pages,
    status: StatusCode,
    csrf: &str,
    token: &str,
    error: Option<String>,
    done: bool,
) -> HttpResponse {
    let mut ctx = Context::new();
    ctx.insert("csrf_token", csrf);
    ctx.insert("token", token);
    ctx.insert("error", &error);
    ctx.insert("done", &done);
    render(pages, status, "reset_password.html", &ctx)
}

/// `GET /reset-password?token=…`: the new-password form while the link works. Looking does
/// not use the link up (link previews in chat apps fetch it too).
pub(crate) async fn get_reset<P: Ports>(
    req: HttpRequest,
    (passwords, _, settings, pages): Deps<P>,
    query: web::Query<ResetQuery>,
    rng: web::Data<P::Rng>,
) -> HttpResponse {
    if let Err(e) = passwords.check_reset_link(&query.token).await {
        return error_page(&pages, e.into());
    }
    let (csrf, cookie) = anonymous_token(&req, settings.secure_cookies, rng.get_ref());
    with_cookie(
        reset_page(&pages, StatusCode::OK, &csrf, &query.token, None, false),
        cookie,
    )
}

/// `POST /reset-password`: sets the password and uses the link up; every session of the
/// person ends, and they sign in anew.
pub(crate) async fn post_reset<P: Ports>(
    req: HttpRequest,
    (passwords, _, settings, pages): Deps<P>,
    form: web::Form<ResetForm>,
) -> HttpResponse {
    let form = form.into_inner();
    if !anonymous_token_valid(&req, &form.csrf_token) {
        return error_page(&pages, ApiError::CsrfRejected);
    }
    let password = match new_password("password", form.password) {
        Ok(password) => password,
        Err(e) => {
            let error = match &e {
                ApiError::Validation { validations, .. } => {
                    validations.first().map(|v| v.detail.clone())
                }
                _ => None,
            };
            return reset_page(
                &pages,
                StatusCode::BAD_REQUEST,
                &form.csrf_token,
                &form.token,
                error,
                false,
            );
        }
    };
    let who = anonymous_actor(&req, &settings, "password reset link".into());
    match passwords.reset_password(&form.token, password, &who).await {
        Ok(_) => reset_page(&pages, StatusCode::OK, "", "", None, true),
        Err(e) => error_page(&pages, e.into()),
    }
}
