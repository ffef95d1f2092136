//! The signed-in person of a page: their session, their CSRF token, and the answer to give
//! instead when there is none (a detour through the login page) or a form's token is not
//! this session's (403); for admin pages, the `Admin` the session use case mints.

use actix_web::http::Method;
use actix_web::{HttpRequest, HttpResponse};
use tessera_application::Ports;
use tessera_application::admin::Admin;
use tessera_application::people::SessionService;
use tessera_domain::User;

use super::WebSettings;
use super::csrf::{token_for_session, tokens_match};
use super::error::ApiError;
use super::html::{error_page, see_other};
use super::session_auth::{require_admin, require_user};
use crate::render::Pages;

/// Who is signed in on a page request.
#[derive(Debug)]
pub(crate) struct PageSession {
    /// The person.
    pub(crate) user: User,
    /// The session credential they presented.
    pub(crate) credential: String,
    /// The token their forms carry.
    pub(crate) csrf: String,
}

/// The signed-in person of `req`; `home` is where the login page sends them back to after
/// a form post (a `GET` comes back to itself). With `form_token`, the form's CSRF token
/// must be this session's.
pub(crate) async fn page_session<P: Ports>(
    req: &HttpRequest,
    sessions: &SessionService<P>,
    pages: &Pages,
    home: &str,
    form_token: Option<&str>,
) -> Result<PageSession, HttpResponse> {
    let (user, credential) = match require_user(req, sessions).await {
        Ok(found) => found,
        Err(ApiError::Unauthenticated) => return Err(login_detour(req, home)),
        Err(e) => return Err(error_page(pages, e)),
    };
    let csrf = session_csrf(&credential, form_token, pages)?;
    Ok(PageSession {
        user,
        credential,
        csrf,
    })
}

/// The signed-in admin of `req`, minted by the session use case, and their CSRF token:
/// a login detour without a session, the 403 page for anyone not an admin or for a form
/// without the session's token.
pub(crate) async fn admin_page_session<P: Ports>(
    req: &HttpRequest,
    (sessions, settings, pages): (&SessionService<P>, &WebSettings, &Pages),
    home: &str,
    form_token: Option<&str>,
) -> Result<(Admin, String), HttpResponse> {
    let (admin, credential) = match require_admin(req, sessions, settings).await {
        Ok(found) => found,
        Err(ApiError::Unauthenticated) => return Err(login_detour(req, home)),
        Err(e) => return Err(error_page(pages, e)),
    };
    let csrf = session_csrf(&credential, form_token, pages)?;
    Ok((admin, csrf))
}

/// To the login page and back: a `GET` returns to itself, a form post (whose body is gone)
/// to `home`.
pub(crate) fn login_detour(req: &HttpRequest, home: &str) -> HttpResponse {
    let back = match req.method() == Method::GET {
        true => req.uri().path_and_query().map_or(home, |p| p.as_str()),
        false => home,
    };
    let escaped: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
    see_other(&format!("/login?redirect={escaped}"))
}

/// The CSRF token of the session `credential`; a form token that is not it gets the 403
/// error page.
#[allow(clippy::result_large_err)] // the page answer, returned at once as the handler's
pub(crate) fn session_csrf(
    credential: &str,
    form_token: Option<&str>,
    pages: &Pages,
) -> Result<String, HttpResponse> {
    let csrf = token_for_session(credential);
    match form_token.is_some_and(|t| !tokens_match(&csrf, t)) {
        true => Err(error_page(pages, ApiError::CsrfRejected)),
        false => Ok(csrf),
    }
}
