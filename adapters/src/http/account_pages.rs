//! `/settings/account` (every signed-in person: change the password, sign out everywhere)
//! and `/reset-password` (a one-time link from an admin: choose a new password), SPEC §2.
//! Every form carries a CSRF token: the session's, or the anonymous double-submit one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::Deserialize;
use tera::Context;
use tessera_application::Ports;
use tessera_application::people::PasswordService;
use tessera_domain::{SecretString, User};

use super::WebSettings;
use super::account_api::new_password;
use super::apps::anonymous_actor;
use super::csrf::anonymous_token;
use super::error::ApiError;
use super::html::{render, see_other, with_cookie, with_retry_after};
use super::page_error::PageError;
use super::page_extractors::{AnonymousForm, CsrfOnly, PageForm, SignedIn, TokenForm};
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

impl TokenForm for PasswordForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
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

impl TokenForm for ResetForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

type Deps<P> = (
    web::Data<PasswordService<P>>,
    web::Data<WebSettings>,
    web::Data<Pages>,
);

/// A signed-in person's form on their account page.
type AccountForm<P, T> = PageForm<SignedIn<P>, T>;

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
    (_, _, pages): Deps<P>,
    query: web::Query<AccountPageQuery>,
    who: SignedIn<P>,
) -> HttpResponse {
    let notice = (query.changed.as_deref() == Some("password"))
        .then_some("Your password is changed, and your other sessions have ended.");
    account_page(&pages, &who.user, &who.csrf, StatusCode::OK, notice, None)
}

/// The account page again after a refused change (400 naming the field, or 429 with
/// `Retry-After`); any other failure is the error page.
fn password_refused<P>(
    pages: &Pages,
    who: &SignedIn<P>,
    e: ApiError,
) -> Result<HttpResponse, PageError> {
    let message = match &e {
        ApiError::Validation {
            message,
            validations,
        } => validations.first().map_or_else(
            || message.clone(),
            |v| format!("{message} {}: {}", v.field, v.detail),
        ),
        ApiError::Throttled(_) => e.to_string(),
        _ => return Err(e.into()),
    };
    let status = e.status_code();
    let page = account_page(pages, &who.user, &who.csrf, status, None, Some(message));
    Ok(with_retry_after(page, &e))
}

/// `POST /settings/account/password`: the old password required; other sessions end.
pub(crate) async fn post_password<P: Ports>(
    (passwords, _, pages): Deps<P>,
    PageForm { who, form }: AccountForm<P, PasswordForm>,
) -> Result<HttpResponse, PageError> {
    let changed = match new_password("password", form.password) {
        Ok(password) => {
            let old = SecretString::new(form.old_password);
            let (user, actor) = (&who.user, &who.actor);
            let change = passwords.change_password(user, actor, &who.credential, &old, password);
            change.await.map_err(ApiError::from)
        }
        Err(e) => Err(e),
    };
    match changed {
        Ok(_) => Ok(see_other(&format!("{ACCOUNT}?changed=password"))),
        Err(e) => password_refused(&pages, &who, e),
    }
}

/// `POST /settings/account/sign-out-everywhere`: every session ends, this one too.
pub(crate) async fn post_sign_out_everywhere<P: Ports>(
    (passwords, settings, _): Deps<P>,
    PageForm { who, .. }: AccountForm<P, CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    passwords.sign_out_everywhere(&who.user, &who.actor).await?;
    let cleared = cleared_session_cookie(settings.secure_cookies);
    Ok(with_cookie(see_other("/login"), Some(cleared)))
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

/// The form again, saying what is wrong with the new password (400).
fn reset_refused(pages: &Pages, e: ApiError, csrf: &str, token: &str) -> HttpResponse {
    let error = match e {
        ApiError::Validation { validations, .. } => {
            validations.into_iter().next().map(|v| v.detail)
        }
        _ => None,
    };
    reset_page(pages, StatusCode::BAD_REQUEST, csrf, token, error, false)
}

/// `GET /reset-password?token=…`: the new-password form while the link works. Looking does
/// not use the link up (link previews in chat apps fetch it too).
pub(crate) async fn get_reset<P: Ports>(
    req: HttpRequest,
    (passwords, settings, pages): Deps<P>,
    query: web::Query<ResetQuery>,
    rng: web::Data<P::Rng>,
) -> Result<HttpResponse, PageError> {
    passwords.check_reset_link(&query.token).await?;
    let (csrf, cookie) = anonymous_token(&req, settings.secure_cookies, rng.get_ref());
    let form = reset_page(&pages, StatusCode::OK, &csrf, &query.token, None, false);
    Ok(with_cookie(form, cookie))
}

/// `POST /reset-password`: sets the password and uses the link up; every session of the
/// person ends, and they sign in anew.
pub(crate) async fn post_reset<P: Ports>(
    req: HttpRequest,
    (passwords, settings, pages): Deps<P>,
    AnonymousForm(form): AnonymousForm<ResetForm>,
) -> Result<HttpResponse, PageError> {
    let password = match new_password("password", form.password) {
        Ok(password) => password,
        Err(e) => return Ok(reset_refused(&pages, e, &form.csrf_token, &form.token)),
    };
    let who = anonymous_actor(&req, &settings, "password reset link".into());
    passwords
        .reset_password(&form.token, password, &who)
        .await?;
    Ok(reset_page(&pages, StatusCode::OK, "", "", None, true))
}
