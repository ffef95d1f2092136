//! The HTML pages of SPEC §2: setup, login, home, logout. Every form carries a CSRF token.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::Deserialize;
use tera::Context;
use tessera_application::Ports;
use tessera_application::people::{LoggedIn, NewUserInput, SessionService, UserService};
use tessera_domain::{LocalRedirect, SecretString};

use super::WebSettings;
use super::csrf::{anonymous_token, token_for_session, tokens_match};
use super::error::ApiError;
use super::html::{render, see_other, with_cookie, with_retry_after};
use super::metrics::Metrics;
use super::page_error::PageError;
use super::page_extractors::{AnonymousForm, CsrfOnly, TokenForm};
use super::session_auth::{cleared_session_cookie, require_user, session_cookie};
use super::users::CreateUserRequest;
use crate::render::Pages;

#[derive(Debug, Deserialize)]
pub(crate) struct LoginQuery {
    redirect: Option<String>,
}

/// No `Debug`: it carries a password.
#[derive(Deserialize)]
pub(crate) struct LoginForm {
    email: String,
    password: String,
    #[serde(default)]
    redirect: String,
    #[serde(default)]
    csrf_token: String,
}

impl TokenForm for LoginForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// No `Debug`: it carries a password.
#[derive(Deserialize)]
pub(crate) struct SetupForm {
    email: String,
    username: String,
    password: String,
    #[serde(default)]
    csrf_token: String,
}

impl SetupForm {
    /// Parses every field, reporting each bad one.
    fn try_into_domain(&self) -> Result<NewUserInput, ApiError> {
        CreateUserRequest::new(&self.email, &self.username, &self.password).try_into_domain()
    }
}

impl TokenForm for SetupForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// `GET /`: who is signed in, or a detour to setup or login.
pub(crate) async fn get_home<P: Ports>(
    req: HttpRequest,
    users: web::Data<UserService<P>>,
    sessions: web::Data<SessionService<P>>,
    pages: web::Data<Pages>,
) -> Result<HttpResponse, PageError> {
    let (user, credential) = match require_user(&req, &sessions).await {
        Ok(found) => found,
        Err(ApiError::Unauthenticated) => {
            let setup = users.needs_setup().await?;
            return Ok(see_other(if setup {
                "/setup"
            } else {
                "/login?redirect=/"
            }));
        }
        Err(e) => return Err(e.into()),
    };
    let mut ctx = Context::new();
    ctx.insert("username", user.username.as_str());
    ctx.insert("email", user.email.as_str());
    ctx.insert("admin", &user.admin);
    ctx.insert("csrf_token", &token_for_session(&credential));
    Ok(render(&pages, StatusCode::OK, "home.html", &ctx))
}

fn login_form(
    pages: &Pages,
    status: StatusCode,
    csrf: &str,
    redirect: &str,
    error: Option<String>,
) -> HttpResponse {
    let mut ctx = Context::new();
    ctx.insert("csrf_token", csrf);
    ctx.insert("redirect", redirect);
    ctx.insert("error", &error);
    render(pages, status, "login.html", &ctx)
}

/// The login form again after a refused sign-in (401, 403, or 429 with `Retry-After`);
/// any other failure is the error page.
fn login_refused(
    pages: &Pages,
    e: ApiError,
    csrf: &str,
    redirect: &str,
) -> Result<HttpResponse, PageError> {
    let status = e.status_code();
    if !matches!(
        status,
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS
    ) {
        return Err(e.into());
    }
    let form = login_form(pages, status, csrf, redirect, Some(e.to_string()));
    Ok(with_retry_after(form, &e))
}

/// `response`, setting the cookie of the session just opened.
fn with_session(
    response: HttpResponse,
    session: &LoggedIn,
    settings: &WebSettings,
) -> HttpResponse {
    let secure = settings.secure_cookies;
    let cookie = session_cookie(session.session.expose(), session.expires_at, secure);
    with_cookie(response, Some(cookie))
}

/// `GET /login?redirect=/path`.
pub(crate) async fn get_login<P: Ports>(
    req: HttpRequest,
    query: web::Query<LoginQuery>,
    sessions: web::Data<SessionService<P>>,
    pages: web::Data<Pages>,
    settings: web::Data<WebSettings>,
    rng: web::Data<P::Rng>,
) -> HttpResponse {
    let redirect = LocalRedirect::parse_or_root(query.redirect.as_deref().unwrap_or("/"));
    if require_user(&req, &sessions).await.is_ok() {
        return see_other(redirect.as_str());
    }
    let (csrf, cookie) = anonymous_token(&req, settings.secure_cookies, rng.get_ref());
    with_cookie(
        login_form(&pages, StatusCode::OK, &csrf, redirect.as_str(), None),
        cookie,
    )
}

/// `POST /login`: signs in and redirects (303) to a same-origin path.
pub(crate) async fn post_login<P: Ports>(
    req: HttpRequest,
    AnonymousForm(form): AnonymousForm<LoginForm>,
    sessions: web::Data<SessionService<P>>,
    pages: web::Data<Pages>,
    settings: web::Data<WebSettings>,
    metrics: web::Data<Metrics>,
) -> Result<HttpResponse, PageError> {
    let redirect = LocalRedirect::parse_or_root(&form.redirect);
    let ip = settings.trusted_proxies.client_ip(&req);
    let password = SecretString::new(form.password);
    match sessions.log_in(&form.email, &password, ip).await {
        Ok(session) => {
            let home = see_other(redirect.as_str());
            Ok(with_session(home, &session, &settings))
        }
        Err(e) => {
            metrics.login_failure();
            login_refused(&pages, e.into(), &form.csrf_token, redirect.as_str())
        }
    }
}

fn setup_form(
    pages: &Pages,
    status: StatusCode,
    csrf: &str,
    form: Option<&SetupForm>,
    errors: Vec<String>,
) -> HttpResponse {
    let mut ctx = Context::new();
    ctx.insert("csrf_token", csrf);
    ctx.insert("email", form.map(|f| f.email.as_str()).unwrap_or_default());
    ctx.insert(
        "username",
        form.map(|f| f.username.as_str()).unwrap_or_default(),
    );
    ctx.insert("errors", &errors);
    render(pages, status, "setup.html", &ctx)
}

/// The setup form again, naming each bad field (400); any other failure is the error page.
fn setup_refused(pages: &Pages, e: ApiError, form: &SetupForm) -> Result<HttpResponse, PageError> {
    let ApiError::Validation { validations, .. } = e else {
        return Err(e.into());
    };
    let errors = validations
        .into_iter()
        .map(|v| format!("{}: {}", v.field, v.detail))
        .collect();
    let status = StatusCode::BAD_REQUEST;
    Ok(setup_form(
        pages,
        status,
        &form.csrf_token,
        Some(form),
        errors,
    ))
}

/// `GET /setup`: the first-user form, only while no user exists.
pub(crate) async fn get_setup<P: Ports>(
    req: HttpRequest,
    users: web::Data<UserService<P>>,
    pages: web::Data<Pages>,
    settings: web::Data<WebSettings>,
    rng: web::Data<P::Rng>,
) -> Result<HttpResponse, PageError> {
    if !users.needs_setup().await? {
        return Ok(see_other("/login"));
    }
    let (csrf, cookie) = anonymous_token(&req, settings.secure_cookies, rng.get_ref());
    let form = setup_form(&pages, StatusCode::OK, &csrf, None, Vec::new());
    Ok(with_cookie(form, cookie))
}

/// `POST /setup`: creates the first user, signs them in, and goes home.
pub(crate) async fn post_setup<P: Ports>(
    req: HttpRequest,
    AnonymousForm(form): AnonymousForm<SetupForm>,
    users: web::Data<UserService<P>>,
    sessions: web::Data<SessionService<P>>,
    pages: web::Data<Pages>,
    settings: web::Data<WebSettings>,
) -> Result<HttpResponse, PageError> {
    let ip = settings.trusted_proxies.client_ip(&req);
    let created = match form.try_into_domain() {
        Ok(input) => users.create_first_user(input, ip).await.map_err(Into::into),
        Err(e) => Err(e),
    };
    if let Err(e) = created {
        return setup_refused(&pages, e, &form);
    }
    let password = SecretString::new(form.password);
    match sessions.log_in(&form.email, &password, ip).await {
        Ok(session) => Ok(with_session(see_other("/"), &session, &settings)),
        Err(_) => Ok(see_other("/login")),
    }
}

/// `POST /logout`: ends the session of the signed-in person (CSRF-checked); without one,
/// to the login page.
pub(crate) async fn post_logout<P: Ports>(
    req: HttpRequest,
    form: web::Form<CsrfOnly>,
    sessions: web::Data<SessionService<P>>,
    settings: web::Data<WebSettings>,
) -> Result<HttpResponse, PageError> {
    let credential = match require_user(&req, &sessions).await {
        Ok((_, credential)) => credential,
        Err(ApiError::Unauthenticated) => return Ok(see_other("/login")),
        Err(e) => return Err(e.into()),
    };
    if !tokens_match(&token_for_session(&credential), form.csrf_token()) {
        return Err(ApiError::CsrfRejected.into());
    }
    sessions.log_out(&credential).await?;
    let cleared = cleared_session_cookie(settings.secure_cookies);
    Ok(with_cookie(see_other("/login"), Some(cleared)))
}
