//! `/settings/oauth2-apps/{app}` (SPEC §3): create, edit, block and delete an app and its
//! secrets (the list itself is `app_list_page`). Works without JavaScript; every form
//! carries the session's CSRF token.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use tera::Context;
use tessera_application::Ports;
use tessera_application::apps::{AppError, AppService};
use tessera_domain::{App, AppDraft, AppQuery, AppSecretInfo};
use uuid::Uuid;

use super::app_list_page::{Notice, list_page};
use super::error::ApiError;
use super::html::{render, see_other};
use super::page_error::PageError;
use super::page_extractors::{AdminPage, CsrfOnly, PageForm, TokenForm};
use crate::render::Pages;

/// The list page, where forms come back to.
pub(super) const LIST: &str = "/settings/oauth2-apps";

/// The fields of the create and edit forms; redirect URIs one per line.
#[derive(Debug, Deserialize)]
pub(crate) struct AppForm {
    name: String,
    callback_url: String,
    #[serde(default)]
    redirect_uris: String,
    #[serde(default)]
    icon: String,
    #[serde(default)]
    client_type: Option<String>,
    #[serde(default)]
    csrf_token: String,
}

impl AppForm {
    fn try_into_domain(&self) -> Result<AppDraft, AppError> {
        let uris: Vec<String> = self
            .redirect_uris
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect();
        AppDraft::parse(
            &self.name,
            &self.callback_url,
            Some(&uris),
            Some(&self.icon),
            self.client_type.as_deref(),
        )
        .map_err(AppError::Invalid)
    }
}

impl TokenForm for AppForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// Shorthand for the data every handler here takes.
pub(super) type Deps<P> = (web::Data<AppService<P>>, web::Data<Pages>);

/// An admin's form on these pages.
type AdminForm<P, T> = PageForm<AdminPage<P>, T>;

fn app_view(app: &App) -> serde_json::Value {
    let d = &app.draft;
    serde_json::json!({
        "id": app.id,
        "name": d.name.as_str(),
        "callback_url": d.callback_url.as_str(),
        "extra_redirect_uris": d.redirect_uris.iter().skip(1).map(|u| u.as_str()).collect::<Vec<_>>().join("\n"),
        "redirect_uris": d.redirect_uris.iter().map(|u| u.as_str()).collect::<Vec<_>>(),
        "icon": d.icon.as_ref().map(|i| i.as_str()).unwrap_or_default(),
        "client_type": d.client_type.as_str(),
        "source": app.source.as_str(),
        "registered": app.source != tessera_domain::RegistrationSource::Admin,
        "origin_ip": app.origin.ip.map(|ip| ip.to_string()),
        "origin_user_agent": app.origin.user_agent,
        "software_id": app.origin.software_id,
        "last_token_at": app.last_token_at.map(rfc3339),
        "document_url": app.origin.document_url,
        "document_fetched_at": app.origin.document_fetched_at.map(rfc3339),
        "blocked": app.blocked,
    })
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn secret_view(s: &AppSecretInfo) -> serde_json::Value {
    let fmt = rfc3339;
    serde_json::json!({
        "id": s.id,
        "truncated": s.display_suffix,
        "created_at": fmt(s.created_at),
        "last_used_at": s.last_used_at.map(fmt),
    })
}

/// Renders one app's page; `new_secret` is shown once, right after it was created.
async fn app_page<P: Ports>(
    (apps, pages): &Deps<P>,
    who: &AdminPage<P>,
    id: Uuid,
    status: StatusCode,
    errors: Vec<String>,
    new_secret: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let (app, secrets) = (
        apps.get_app(&who.admin, id).await?,
        apps.list_secrets(&who.admin, id).await?,
    );
    let mut ctx = Context::new();
    ctx.insert("csrf_token", &who.csrf);
    ctx.insert("app", &app_view(&app));
    let secrets: Vec<_> = secrets.iter().map(secret_view).collect();
    ctx.insert("secrets", &secrets);
    ctx.insert("errors", &errors);
    ctx.insert("new_secret", &new_secret);
    Ok(render(pages, status, "oauth2_app.html", &ctx))
}

/// The problems of an invalid form, to show with it; any other failure is the error page.
fn problems<T>(result: Result<T, AppError>) -> Result<Result<T, Vec<String>>, ApiError> {
    match result {
        Ok(done) => Ok(Ok(done)),
        Err(AppError::Invalid(problems)) => Ok(Err(problems
            .into_iter()
            .map(|p| format!("{}: {}", p.field, p.detail))
            .collect())),
        Err(other) => Err(other.into()),
    }
}

/// `POST /settings/oauth2-apps`: creates an app and opens its page.
pub(crate) async fn post_create<P: Ports>(
    deps: Deps<P>,
    AdminForm { who, form }: AdminForm<P, AppForm>,
) -> Result<HttpResponse, PageError> {
    let created = match form.try_into_domain() {
        Ok(draft) => deps.0.create_app(&who.admin, draft).await,
        Err(e) => Err(e),
    };
    match problems(created)? {
        Ok(app) => Ok(see_other(&format!("{LIST}/{}", app.id))),
        Err(errors) => {
            let notice = Notice::errors(StatusCode::BAD_REQUEST, errors);
            list_page(&deps, &who, AppQuery::all(), notice).await
        }
    }
}

/// `GET /settings/oauth2-apps/{app}`.
pub(crate) async fn get_app<P: Ports>(
    deps: Deps<P>,
    id: web::Path<Uuid>,
    admin: AdminPage<P>,
) -> Result<HttpResponse, PageError> {
    app_page(&deps, &admin, *id, StatusCode::OK, Vec::new(), None).await
}

/// `POST /settings/oauth2-apps/{app}`: saves the edit form.
pub(crate) async fn post_update<P: Ports>(
    deps: Deps<P>,
    id: web::Path<Uuid>,
    AdminForm { who, form }: AdminForm<P, AppForm>,
) -> Result<HttpResponse, PageError> {
    let updated = match form.try_into_domain() {
        Ok(draft) => deps.0.update_app(&who.admin, *id, draft).await,
        Err(e) => Err(e),
    };
    match problems(updated)? {
        Ok(app) => Ok(see_other(&format!("{LIST}/{}", app.id))),
        Err(errors) => {
            let status = StatusCode::BAD_REQUEST;
            app_page(&deps, &who, *id, status, errors, None).await
        }
    }
}

/// `POST /settings/oauth2-apps/{app}/delete`.
pub(crate) async fn post_delete<P: Ports>(
    (apps, _): Deps<P>,
    id: web::Path<Uuid>,
    AdminForm { who, .. }: AdminForm<P, CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    apps.delete_app(&who.admin, *id).await?;
    Ok(see_other(LIST))
}

/// `POST /settings/oauth2-apps/{app}/block` and `/unblock`: a blocked app cannot
/// authorize anyone and its tokens stop working at once.
pub(crate) async fn post_block<P: Ports>(
    (apps, _): Deps<P>,
    path: web::Path<(Uuid, String)>,
    AdminForm { who, .. }: AdminForm<P, CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let (id, action) = path.into_inner();
    let blocked = match action.as_str() {
        "block" => true,
        "unblock" => false,
        _ => return Err(ApiError::NotFound.into()),
    };
    apps.set_blocked(&who.admin, id, blocked).await?;
    Ok(see_other(LIST))
}

/// `POST /settings/oauth2-apps/{app}/secrets`: shows the new secret this once.
pub(crate) async fn post_secret<P: Ports>(
    deps: Deps<P>,
    id: web::Path<Uuid>,
    AdminForm { who, .. }: AdminForm<P, CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let (_, credential) = deps.0.create_secret(&who.admin, *id).await?;
    let shown = Some(credential.expose());
    app_page(&deps, &who, *id, StatusCode::CREATED, Vec::new(), shown).await
}

/// `POST /settings/oauth2-apps/{app}/secrets/{secret}/delete`.
pub(crate) async fn post_delete_secret<P: Ports>(
    (apps, _): Deps<P>,
    path: web::Path<(Uuid, Uuid)>,
    AdminForm { who, .. }: AdminForm<P, CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let (app_id, secret_id) = path.into_inner();
    apps.delete_secret(&who.admin, app_id, secret_id).await?;
    Ok(see_other(&format!("{LIST}/{app_id}")))
}

/// `GET /assets/copy.js`: the copy button (progressive enhancement; the page works without it).
pub(crate) async fn get_copy_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(include_str!("../../../templates/copy.js"))
}
