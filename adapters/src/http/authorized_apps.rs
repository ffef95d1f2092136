//! `/settings/authorized-apps` (SPEC §3): every person sees the apps they authorized and
//! can revoke one.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use tera::Context;
use tessera_application::Ports;
use tessera_application::oauth::OAuthService;
use tessera_application::ports::AuthorizedApp;
use tessera_domain::ClientId;

use super::error::ApiError;
use super::html::{render, see_other};
use super::page_error::PageError;
use super::page_extractors::{CsrfOnly, PageForm, SignedIn};
use crate::render::Pages;

const PAGE: &str = "/settings/authorized-apps";

/// Shorthand for the data both handlers take.
type Deps<P> = (web::Data<OAuthService<P>>, web::Data<Pages>);

/// One authorized app as the page lists it, with the path of its revoke button.
fn app_view(a: &AuthorizedApp) -> serde_json::Value {
    let fmt = |t: time::OffsetDateTime| {
        t.format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default()
    };
    let escaped: String = url::form_urlencoded::byte_serialize(a.client_id.as_bytes()).collect();
    serde_json::json!({
        "client_id": a.client_id,
        "revoke_path": format!("{PAGE}/{escaped}/revoke"),
        "name": a.name,
        "scopes": a.scopes.to_vec_of_str(),
        "first_authorized_at": fmt(a.first_authorized_at),
        "last_authorized_at": fmt(a.last_authorized_at),
    })
}

/// `GET /settings/authorized-apps`.
pub(crate) async fn get_authorized_apps<P: Ports>(
    (oauth, pages): Deps<P>,
    who: SignedIn<P>,
) -> Result<HttpResponse, PageError> {
    let apps = oauth.authorized_apps(&who.user).await?;
    let views: Vec<_> = apps.iter().map(app_view).collect();
    let mut ctx = Context::new();
    ctx.insert("apps", &views);
    ctx.insert("csrf_token", &who.csrf);
    Ok(render(&pages, StatusCode::OK, "authorized_apps.html", &ctx))
}

/// `POST /settings/authorized-apps/{client_id}/revoke`; `client_id` is the public one,
/// percent-encoded (a CIMD client's document URL).
pub(crate) async fn post_revoke<P: Ports>(
    client_id: web::Path<String>,
    (oauth, _): Deps<P>,
    PageForm { who, .. }: PageForm<SignedIn<P>, CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let client_id = ClientId::parse(&client_id).map_err(|_| ApiError::NotFound)?;
    match oauth
        .revoke_authorization(&who.user, &client_id, &who.actor)
        .await?
    {
        true => Ok(see_other(PAGE)),
        false => Err(ApiError::NotFound.into()),
    }
}
