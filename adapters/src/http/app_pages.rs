//! `/settings/oauth2-apps/{app}` (SPEC §3): create, edit, block and delete an app and its
//! secrets (the list itself is `app_list_page`). Works without JavaScript; every form
//! carries the session's CSRF token.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tera::Context;
use tessera_application::Ports;
use tessera_application::admin::Admin;
use tessera_application::apps::{AppError, AppService};
use tessera_application::people::SessionService;
use tessera_domain::{App, AppDraft, AppQuery, AppSecretInfo};
use uuid::Uuid;

use super::WebSettings;
use super::app_list_page::{Notice, list_page};
use super::error::ApiError;
use super::html::{error_page, render, see_other};
use super::page_session::admin_page_session;
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

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

/// Shorthand for the data every handler here takes.
pub(super) type Deps<P> = (
    web::Data<AppService<P>>,
    web::Data<SessionService<P>>,
    web::Data<WebSettings>,
    web::Data<Pages>,
);

/// The signed-in admin and their CSRF token, or the page to answer with instead: a login
/// detour without a session, 403 for a non-admin, 403 for a form without the right token.
pub(super) async fn admin<P: Ports>(
    req: &HttpRequest,
    sessions: &SessionService<P>,
    settings: &WebSettings,
    pages: &Pages,
    form_token: Option<&str>,
) -> Result<(Admin, String), HttpResponse> {
    admin_page_session(req, (sessions, settings, pages), LIST, form_token).await
}

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
    (apps, a): (&AppService<P>, &Admin),
    pages: &Pages,
    csrf: &str,
    id: Uuid,
    status: StatusCode,
    errors: Vec<String>,
    new_secret: Option<&str>,
) -> HttpResponse {
    let loaded = match (apps.get_app(a, id).await, apps.list_secrets(a, id).await) {
        (Ok(app), Ok(secrets)) => Ok((app, secrets)),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match loaded {
        Ok((app, secrets)) => {
            let mut ctx = Context::new();
            ctx.insert("csrf_token", csrf);
            ctx.insert("app", &app_view(&app));
            ctx.insert(
                "secrets",
                &secrets.iter().map(secret_view).collect::<Vec<_>>(),
            );
            ctx.insert("errors", &errors);
            ctx.insert("new_secret", &new_secret);
            render(pages, status, "oauth2_app.html", &ctx)
        }
        Err(e) => error_page(pages, e.into()),
    }
}

fn problems(e: AppError) -> Result<Vec<String>, ApiError> {
    match e {
        AppError::Invalid(problems) => Ok(problems
            .into_iter()
            .map(|p| format!("{}: {}", p.field, p.detail))
            .collect()),
        other => Err(other.into()),
    }
}

/// `POST /settings/oauth2-apps`: creates an app and opens its page.
pub(crate) async fn post_create<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings, pages): Deps<P>,
    form: web::Form<AppForm>,
) -> HttpResponse {
    let (actor, csrf) =
        match admin(&req, &sessions, &settings, &pages, Some(&form.csrf_token)).await {
            Ok(ok) => ok,
            Err(page) => return page,
        };
    let created = match form.try_into_domain() {
        Ok(draft) => apps.create_app(&actor, draft).await,
        Err(e) => Err(e),
    };
    match created.map_err(problems) {
        Ok(app) => see_other(&format!("{LIST}/{}", app.id)),
        Err(Ok(errors)) => {
            let notice = Notice::errors(StatusCode::BAD_REQUEST, errors);
            list_page(&apps, &actor, &pages, &csrf, AppQuery::all(), notice).await
        }
        Err(Err(e)) => error_page(&pages, e),
    }
}

/// `GET /settings/oauth2-apps/{app}`.
pub(crate) async fn get_app<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings, pages): Deps<P>,
    id: web::Path<Uuid>,
) -> HttpResponse {
    match admin(&req, &sessions, &settings, &pages, None).await {
        Ok((admin, csrf)) => {
            app_page(
                (&apps, &admin),
                &pages,
                &csrf,
                *id,
                StatusCode::OK,
                Vec::new(),
                None,
            )
            .await
        }
        Err(page) => page,
    }
}

/// `POST /settings/oauth2-apps/{app}`: saves the edit form.
pub(crate) async fn post_update<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings, pages): Deps<P>,
    id: web::Path<Uuid>,
    form: web::Form<AppForm>,
) -> HttpResponse {
    let (actor, csrf) =
        match admin(&req, &sessions, &settings, &pages, Some(&form.csrf_token)).await {
            Ok(ok) => ok,
            Err(page) => return page,
        };
    let updated = match form.try_into_domain() {
        Ok(draft) => apps.update_app(&actor, *id, draft).await,
        Err(e) => Err(e),
    };
    match updated.map_err(problems) {
        Ok(app) => see_other(&format!("{LIST}/{}", app.id)),
        Err(Ok(errors)) => {
            app_page(
                (&apps, &actor),
                &pages,
                &csrf,
                *id,
                StatusCode::BAD_REQUEST,
                errors,
                None,
            )
            .await
        }
        Err(Err(e)) => error_page(&pages, e),
    }
}

/// `POST /settings/oauth2-apps/{app}/delete`.
pub(crate) async fn post_delete<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings, pages): Deps<P>,
    id: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    let actor = match admin(&req, &sessions, &settings, &pages, Some(&form.csrf_token)).await {
        Ok((actor, _)) => actor,
        Err(page) => return page,
    };
    match apps.delete_app(&actor, *id).await {
        Ok(()) => see_other(LIST),
        Err(e) => error_page(&pages, e.into()),
    }
}

/// `POST /settings/oauth2-apps/{app}/block` and `/unblock`: a blocked app cannot
/// authorize anyone and its tokens stop working at once.
pub(crate) async fn post_block<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings, pages): Deps<P>,
    path: web::Path<(Uuid, String)>,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    let actor = match admin(&req, &sessions, &settings, &pages, Some(&form.csrf_token)).await {
        Ok((actor, _)) => actor,
        Err(page) => return page,
    };
    let (id, action) = path.into_inner();
    let blocked = match action.as_str() {
        "block" => true,
        "unblock" => false,
        _ => return error_page(&pages, ApiError::NotFound),
    };
    match apps.set_blocked(&actor, id, blocked).await {
        Ok(()) => see_other(LIST),
        Err(e) => error_page(&pages, e.into()),
    }
}

/// `POST /settings/oauth2-apps/{app}/secrets`: shows the new secret this once.
pub(crate) async fn post_secret<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings, pages): Deps<P>,
    id: web::Path<Uuid>,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    let (actor, csrf) =
        match admin(&req, &sessions, &settings, &pages, Some(&form.csrf_token)).await {
            Ok(ok) => ok,
            Err(page) => return page,
        };
    match apps.create_secret(&actor, *id).await {
        Ok((_, credential)) => {
            app_page(
                (&apps, &actor),
                &pages,
                &csrf,
                *id,
                StatusCode::CREATED,
                Vec::new(),
                Some(credential.expose()),
            )
            .await
        }
        Err(e) => error_page(&pages, e.into()),
    }
}

/// `POST /settings/oauth2-apps/{app}/secrets/{secret}/delete`.
pub(crate) async fn post_delete_secret<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings, pages): Deps<P>,
    path: web::Path<(Uuid, Uuid)>,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    let actor = match admin(&req, &sessions, &settings, &pages, Some(&form.csrf_token)).await {
        Ok((actor, _)) => actor,
        Err(page) => return page,
    };
    let (app_id, secret_id) = path.into_inner();
    match apps.delete_secret(&actor, app_id, secret_id).await {
        Ok(()) => see_other(&format!("{LIST}/{app_id}")),
        Err(e) => error_page(&pages, e.into()),
    }
}

/// `GET /assets/copy.js`: the copy button (progressive enhancement; the page works without it).
pub(crate) async fn get_copy_js() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(include_str!("../../../templates/copy.js"))
}
