//! The HTML pages of SPEC §2: setup, login, home, logout. Every form carries a CSRF token.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, ResponseError, web};
use serde::Deserialize;
use tera::Context;
use tessera_application::Ports;
use tessera_application::people::{SessionService, UserService};
use tessera_domain::{LocalRedirect, SecretString};

use super::WebSettings;
use super::csrf::{anonymous_token, anonymous_token_valid, token_for_session, tokens_match};
use super::error::ApiError;
use super::html::{error_page, render, see_other, with_cookie};
use super::metrics::Metrics;
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

/// No `Debug`: it carries a password.
#[derive(Deserialize)]
pub(crate) struct SetupForm {
    email: String,
    username: String,
    password: String,
    #[serde(default)]
    csrf_token: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    pub(crate) csrf_token: String,
}

/// `GET /`: who is signed in, or a detour to setup or login.
pub(crate) async fn get_home<P: Ports>(
    req: HttpRequest,
    users: web::Data<UserService<P>>,
    sessions: web::Data<SessionService<P>>,
    pages: web::Data<Pages>,
) -> HttpResponse {
    match require_user(&req, &sessions).await {
        Ok((user, credential)) => {
            let mut ctx = Context::new();
            ctx.insert("username", user.username.as_str());
            ctx.insert("email", user.email.as_str());
            ctx.insert("admin", &user.admin);
            ctx.insert("csrf_token", &token_for_session(&credential));
            render(&pages, StatusCode::OK, "home.html", &ctx)
        }
        Err(ApiError::Unauthenticated) => match users.needs_setup().await {
            Ok(true) => see_other("/setup"),
            Ok(false) => see_other("/login?redirect=/"),
            Err(e) => error_page(&pages, e.into()),
        },
        Err(e) => error_page(&pages, e),
    }
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
    form: web::Form<LoginForm>,
    sessions: web::Data<SessionService<P>>,
    pages: web::Data<Pages>,
    settings: web::Data<WebSettings>,
    metrics: web::Data<Metrics>,
) -> HttpResponse {
    let form = form.into_inner();
    if !anonymous_token_valid(&req, &form.csrf_token) {
        return error_page(&pages, ApiError::CsrfRejected);
    }
    let redirect = LocalRedirect::parse_or_root(&form.redirect);
    let ip = settings.trusted_proxies.client_ip(&req);
    match sessions
        .log_in(&form.email, &SecretString::new(form.password), ip)
        .await
    {
        Ok(logged_in) => {
            let cookie = session_cookie(
                logged_in.session.expose(),
                logged_in.expires_at,
                settings.secure_cookies,
            );
            with_cookie(see_other(redirect.as_str()), Some(cookie))
        }
        Err(e) => {
            metrics.login_failure();
            let e = ApiError::from(e);
            let status = e.status_code();
            if !matches!(
                status,
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::TOO_MANY_REQUESTS
            ) {
                return error_page(&pages, e);
            }
            let mut response = login_form(
                &pages,
                status,
                &form.csrf_token,
                redirect.as_str(),
                Some(e.to_string()),
            );
            if let Some(retry) = e.error_response().headers().get(header::RETRY_AFTER) {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, retry.clone());
            }
            response
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

/// `GET /setup`: the first-user form, only while no user exists.
pub(crate) async fn get_setup<P: Ports>(
    req: HttpRequest,
    users: web::Data<UserService<P>>,
    pages: web::Data<Pages>,
    settings: web::Data<WebSettings>,
    rng: web::Data<P::Rng>,
) -> HttpResponse {
    match users.needs_setup().await {
        Ok(true) => {
            let (csrf, cookie) = anonymous_token(&req, settings.secure_cookies, rng.get_ref());
            with_cookie(
                setup_form(&pages, StatusCode::OK, &csrf, None, Vec::new()),
                cookie,
            )
        }
        Ok(false) => see_other("/login"),
        Err(e) => error_page(&pages, e.into()),
    }
}

/// `POST /setup`: creates the first user, signs them in, and goes home.
pub(crate) async fn post_setup<P: Ports>(
    req: HttpRequest,
    form: web::Form<SetupForm>,
    users: web::Data<UserService<P>>,
    sessions: web::Data<SessionService<P>>,
    pages: web::Data<Pages>,
    settings: web::Data<WebSettings>,
) -> HttpResponse {
    let form = form.into_inner();
    if !anonymous_token_valid(&req, &form.csrf_token) {
        return error_page(&pages, ApiError::CsrfRejected);
    }
    let request = CreateUserRequest::new(&form.email, &form.username, &form.password);
    let ip = settings.trusted_proxies.client_ip(&req);
    let created = match request.try_into_domain() {
        Ok(input) => users
            .create_first_user(input, ip)
            .await
            .map_err(ApiError::from),
        Err(e) => Err(e),
    };
    match created {
        Ok(_) => {}
        Err(ApiError::Validation { validations, .. }) => {
            let errors = validations
                .into_iter()
                .map(|v| format!("{}: {}", v.field, v.detail))
                .collect();
            return setup_form(
                &pages,
                StatusCode::BAD_REQUEST,
                &form.csrf_token,
                Some(&form),
                errors,
            );
        }
        Err(e) => return error_page(&pages, e),
    }
    match sessions
        .log_in(&form.email, &SecretString::new(form.password), ip)
        .await
    {
        Ok(logged_in) => {
            let cookie = session_cookie(
                logged_in.session.expose(),
                logged_in.expires_at,
                settings.secure_cookies,
            );
            with_cookie(see_other("/"), Some(cookie))
        }
        Err(_) => see_other("/login"),
    }
}

/// `POST /logout`: ends the session of the signed-in person (CSRF-checked).
pub(crate) async fn post_logout<P: Ports>(
    req: HttpRequest,
    form: web::Form<CsrfForm>,
    sessions: web::Data<SessionService<P>>,
    pages: web::Data<Pages>,
    settings: web::Data<WebSettings>,
) -> HttpResponse {
    let credential = match require_user(&req, &sessions).await {
        Ok((_, credential)) => credential,
        Err(ApiError::Unauthenticated) => return see_other("/login"),
        Err(e) => return error_page(&pages, e),
    };
    if !tokens_match(&token_for_session(&credential), &form.csrf_token) {
        return error_page(&pages, ApiError::CsrfRejected);
    }
    if let Err(e) = sessions.log_out(&credential).await {
        return error_page(&pages, e.into());
    }
    with_cookie(
        see_other("/login"),
        Some(cleared_session_cookie(settings.secure_cookies)),
    )
}
