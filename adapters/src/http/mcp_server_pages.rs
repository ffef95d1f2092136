//! `/settings/mcp-servers` (SPEC §9): the admin page of protected MCP servers and their
//! introspection credentials. Works without JavaScript; every form carries the session's
//! CSRF token, and every change is audited by the use cases.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tera::Context;
use tessera_application::Ports;
use tessera_application::admin::Admin;
use tessera_application::mcp_servers::{McpServerError, McpServerService};
use tessera_application::people::SessionService;
use tessera_domain::{AppSecretInfo, McpServer, McpServerDraft, McpServerInput, ServerSlug};
use uuid::Uuid;

use super::WebSettings;
use super::error::ApiError;
use super::html::{error_page, render, see_other};
use super::page_session::admin_page_session;
use crate::render::Pages;

const LIST: &str = "/settings/mcp-servers";

/// The fields of the create and edit forms; scopes space-separated.
#[derive(Debug, Deserialize)]
pub(crate) struct ServerForm {
    slug: String,
    name: String,
    upstream_url: String,
    #[serde(default)]
    scopes: String,
    #[serde(default)]
    timeout_seconds: String,
    #[serde(default)]
    csrf_token: String,
}

impl ServerForm {
    fn try_into_domain(&self) -> Result<McpServerDraft, McpServerError> {
        let scopes: Vec<String> = self.scopes.split_whitespace().map(str::to_owned).collect();
        let timeout = self.timeout_seconds.trim();
        let timeout_seconds = match timeout.is_empty() {
            true => None,
            // Not a number: out of range, so the domain names the field.
            false => Some(timeout.parse().unwrap_or(-1)),
        };
        McpServerDraft::parse(McpServerInput {
            slug: self.slug.trim(),
            name: &self.name,
            upstream_url: &self.upstream_url,
            scopes: (!scopes.is_empty()).then_some(scopes.as_slice()),
            timeout_seconds,
        })
        .map_err(McpServerError::Invalid)
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf_token: String,
}

/// Shorthand for the data every handler here takes.
type Deps<P> = (
    web::Data<McpServerService<P>>,
    web::Data<SessionService<P>>,
    web::Data<WebSettings>,
    web::Data<Pages>,
);

/// The signed-in admin and their CSRF token, or the page to answer with instead: a login
/// detour without a session, 403 for a non-admin or a form without the right token.
async fn admin<P: Ports>(
    req: &HttpRequest,
    (_, sessions, settings, pages): &Deps<P>,
    form_token: Option<&str>,
) -> Result<(Admin, String), HttpResponse> {
    admin_page_session(req, (sessions, settings, pages), LIST, form_token).await
}

fn server_view(server: &McpServer, settings: &WebSettings) -> serde_json::Value {
    let d = &server.draft;
    serde_json::json!({
        "slug": d.slug.as_str(),
        "name": d.name.as_str(),
        "upstream_url": d.upstream.as_str(),
        "scopes": d.scopes.to_string(),
        "timeout_seconds": d.timeout.map(|t| t.whole_seconds().to_string()).unwrap_or_default(),
        "timeout": format!("{} s", d.effective_timeout().whole_seconds()),
        "url": server.resource_url(&settings.access_url),
    })
}

fn credential_view(c: &AppSecretInfo) -> serde_json::Value {
    let created = c
        .created_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    serde_json::json!({ "id": c.id, "truncated": c.display_suffix, "created_at": created })
}

fn problems(e: McpServerError) -> Result<Vec<String>, ApiError> {
    match e {
        McpServerError::Invalid(problems) => Ok(problems
            .into_iter()
            .map(|p| format!("{}: {}", p.field, p.detail))
            .collect()),
        other => Err(other.into()),
    }
}

/// The list page, with `errors` from a failed create.
async fn list_page<P: Ports>(
    deps: &Deps<P>,
    who: &(Admin, String),
    status: StatusCode,
    errors: Vec<String>,
) -> HttpResponse {
    let (servers, _, settings, pages) = deps;
    match servers.list_servers(&who.0).await {
        Ok(list) => {
            let mut ctx = Context::new();
            ctx.insert("csrf_token", &who.1);
            let views: Vec<_> = list.iter().map(|s| server_view(s, settings)).collect();
            ctx.insert("servers", &views);
            ctx.insert("errors", &errors);
            render(pages, status, "mcp_servers.html", &ctx)
        }
        Err(e) => error_page(pages, e.into()),
    }
}

/// One server's page; `new_credential` is shown once, right after it was created.
async fn server_page<P: Ports>(
    deps: &Deps<P>,
    who: &(Admin, String),
    slug: &ServerSlug,
    status: StatusCode,
    errors: Vec<String>,
    new_credential: Option<&str>,
) -> HttpResponse {
    let ((servers, _, settings, pages), admin) = (deps, &who.0);
    let credentials = servers.list_credentials(admin, slug);
    let loaded = match servers.get_server(admin, slug).await {
        Ok(server) => credentials.await.map(|c| (server, c)),
        Err(e) => Err(e),
    };
    match loaded {
        Ok((server, credentials)) => {
            let mut ctx = Context::new();
            ctx.insert("csrf_token", &who.1);
            ctx.insert("server", &server_view(&server, settings));
            let views: Vec<_> = credentials.iter().map(credential_view).collect();
            ctx.insert("credentials", &views);
            ctx.insert("errors", &errors);
            ctx.insert("new_credential", &new_credential);
            render(pages, status, "mcp_server.html", &ctx)
        }
        Err(e) => error_page(pages, e.into()),
    }
}

/// [`admin`] on the page of the server `slug` (404 for a slug no server can have).
async fn admin_at<P: Ports>(
    req: &HttpRequest,
    deps: &Deps<P>,
    slug: &str,
    form_token: Option<&str>,
) -> Result<(ServerSlug, (Admin, String)), HttpResponse> {
    let slug = ServerSlug::parse(slug).map_err(|_| error_page(&deps.3, ApiError::NotFound))?;
    Ok((slug, admin(req, deps, form_token).await?))
}

/// `GET /settings/mcp-servers`.
pub(crate) async fn get_list<P: Ports>(req: HttpRequest, deps: Deps<P>) -> HttpResponse {
    match admin(&req, &deps, None).await {
        Ok(who) => list_page(&deps, &who, StatusCode::OK, Vec::new()).await,
        Err(page) => page,
    }
}

/// `POST /settings/mcp-servers`: registers a server and opens its page.
pub(crate) async fn post_create<P: Ports>(
    req: HttpRequest,
    deps: Deps<P>,
    form: web::Form<ServerForm>,
) -> HttpResponse {
    let who = match admin(&req, &deps, Some(&form.csrf_token)).await {
        Ok(ok) => ok,
        Err(page) => return page,
    };
    let created = match form.try_into_domain() {
        Ok(draft) => deps.0.create_server(&who.0, draft).await,
        Err(e) => Err(e),
    };
    match created.map_err(problems) {
        Ok(server) => see_other(&format!("{LIST}/{}", server.draft.slug.as_str())),
        Err(Ok(errors)) => list_page(&deps, &who, StatusCode::BAD_REQUEST, errors).await,
        Err(Err(e)) => error_page(&deps.3, e),
    }
}

/// `GET /settings/mcp-servers/{slug}`.
pub(crate) async fn get_server<P: Ports>(
    req: HttpRequest,
    deps: Deps<P>,
    slug: web::Path<String>,
) -> HttpResponse {
    let (slug, who) = match admin_at(&req, &deps, &slug, None).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    server_page(&deps, &who, &slug, StatusCode::OK, Vec::new(), None).await
}

/// `POST /settings/mcp-servers/{slug}`: saves the edit form.
pub(crate) async fn post_update<P: Ports>(
    req: HttpRequest,
    deps: Deps<P>,
    slug: web::Path<String>,
    form: web::Form<ServerForm>,
) -> HttpResponse {
    let (slug, who) = match admin_at(&req, &deps, &slug, Some(&form.csrf_token)).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    let updated = match form.try_into_domain() {
        Ok(draft) => deps.0.update_server(&who.0, &slug, draft).await,
        Err(e) => Err(e),
    };
    match updated.map_err(problems) {
        Ok(_) => see_other(&format!("{LIST}/{}", slug.as_str())),
        Err(Ok(errors)) => {
            server_page(&deps, &who, &slug, StatusCode::BAD_REQUEST, errors, None).await
        }
        Err(Err(e)) => error_page(&deps.3, e),
    }
}

/// `POST /settings/mcp-servers/{slug}/delete`.
pub(crate) async fn post_delete<P: Ports>(
    req: HttpRequest,
    deps: Deps<P>,
    slug: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    let (slug, (admin, _)) = match admin_at(&req, &deps, &slug, Some(&form.csrf_token)).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    match deps.0.delete_server(&admin, &slug).await {
        Ok(()) => see_other(LIST),
        Err(e) => error_page(&deps.3, e.into()),
    }
}

/// `POST /settings/mcp-servers/{slug}/credentials`: shows the new credential this once.
pub(crate) async fn post_credential<P: Ports>(
    req: HttpRequest,
    deps: Deps<P>,
    slug: web::Path<String>,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    let (slug, who) = match admin_at(&req, &deps, &slug, Some(&form.csrf_token)).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    match deps.0.create_credential(&who.0, &slug).await {
        Ok((_, credential)) => {
            let shown = Some(credential.expose());
            server_page(&deps, &who, &slug, StatusCode::CREATED, Vec::new(), shown).await
        }
        Err(e) => error_page(&deps.3, e.into()),
    }
}

/// `POST /settings/mcp-servers/{slug}/credentials/{id}/delete`.
pub(crate) async fn post_delete_credential<P: Ports>(
    req: HttpRequest,
    deps: Deps<P>,
    path: web::Path<(String, Uuid)>,
    form: web::Form<CsrfOnly>,
) -> HttpResponse {
    let (slug, id) = path.into_inner();
    let (slug, (admin, _)) = match admin_at(&req, &deps, &slug, Some(&form.csrf_token)).await {
        Ok(found) => found,
        Err(page) => return page,
    };
    match deps.0.delete_credential(&admin, &slug, id).await {
        Ok(()) => see_other(&format!("{LIST}/{}", slug.as_str())),
        Err(e) => error_page(&deps.3, e.into()),
    }
}
