//! `/settings/authorized-apps` (SPEC §3): every person sees the apps they authorized and
//! can revoke one.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use tera::Context;
use tessera_application::Ports;
use tessera_application::oauth::OAuthService;
use tessera_application::people::SessionService;
use tessera_domain::{ClientId, User};

use super::WebSettings;
use super::apps::actor;
use super::csrf::{token_for_session, tokens_match};
use super::error::ApiError;
use super::html::{error_page, render, see_other};
use super::pages::CsrfForm;
use super::session_auth::require_user;
use crate::render::Pages;

const PAGE: &str = "/settings/authorized-apps";

/// Shorthand for the data both handlers take.
type Deps<P> = (
    web::Data<OAuthService<P>>,
    web::Data<SessionService<P>>,
    web::Data<Pages>,
    web::Data<WebSettings>,
);

/// The signed-in person and their CSRF token, or a login detour.
async fn person<P: Ports>(
    req: &HttpRequest,
    sessions: &SessionService<P>,
    pages: &Pages,
) -> Result<(User, String), HttpResponse> {
    match require_user(req, sessions).await {
        Ok((user, credential)) => Ok((user, token_for_session(&credential))),
        Err(ApiError::Unauthenticated) => {
            Err(see_other("/login?redirect=%2Fsettings%2Fauthorized-apps"))
        }
        Err(e) => Err(error_page(pages, e)),
    }
}

/// `GET /settings/authorized-apps`.
pub(crate) async fn get_authorized_apps<P: Ports>(
    req: HttpRequest,
    (oauth, sessions, pages, _): Deps<P>,
) -> HttpResponse {
    let (user, csrf) = match person(&req, &sessions, &pages).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let apps = match oauth.authorized_apps(&user).await {
        Ok(apps) => apps,
        Err(e) => return error_page(&pages, e.into()),
    };
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let views: Vec<serde_json::Value> = apps
        .iter()
        .map(|a| {
            let escaped: String =
                url::form_urlencoded::byte_serialize(a.client_id.as_bytes()).collect();
            serde_json::json!({
                "client_id": a.client_id,
                "revoke_path": format!("{PAGE}/{escaped}/revoke"),
                "name": a.name,
                "scopes": a.scopes.to_vec_of_str(),
                "first_authorized_at": fmt(a.first_authorized_at),
                "last_authorized_at": fmt(a.last_authorized_at),
            })
        })
        .collect();
    let mut ctx = Context::new();
    ctx.insert("apps", &views);
    ctx.insert("csrf_token", &csrf);
    render(&pages, StatusCode::OK, "authorized_apps.html", &ctx)
}

/// `POST /settings/authorized-apps/{client_id}/revoke`; `client_id` is the public one,
/// percent-encoded (a CIMD client's document URL).
pub(crate) async fn post_revoke<P: Ports>(
    req: HttpRequest,
    client_id: web::Path<String>,
    form: web::Form<CsrfForm>,
    (oauth, sessions, pages, settings): Deps<P>,
) -> HttpResponse {
    let (user, csrf) = match person(&req, &sessions, &pages).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    if !tokens_match(&csrf, &form.csrf_token) {
        return error_page(&pages, ApiError::CsrfRejected);
    }
    let Ok(client_id) = ClientId::parse(&client_id) else {
        return error_page(&pages, ApiError::NotFound);
    };
    let actor = actor(&req, &user, &settings);
    match oauth.revoke_authorization(&user, &client_id, &actor).await {
        Ok(true) => see_other(PAGE),
        Ok(false) => error_page(&pages, ApiError::NotFound),
        Err(e) => error_page(&pages, e.into()),
    }
}
