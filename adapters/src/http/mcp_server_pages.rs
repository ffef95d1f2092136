//! `/settings/mcp-servers` (SPEC §9): the admin page of protected MCP servers and their
//! introspection credentials. Works without JavaScript; every form carries the session's
//! CSRF token, and every change is audited by the use cases.

use std::future::{Ready, ready};

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Deserialize;
use tera::Context;
use tessera_application::Ports;
use tessera_application::mcp_servers::{McpServerError, McpServerService};
use tessera_domain::{AppSecretInfo, McpServer, McpServerDraft, McpServerInput, ServerSlug};
use uuid::Uuid;

use super::WebSettings;
use super::error::ApiError;
use super::html::{render, see_other};
use super::page_error::PageError;
use super::page_extractors::{AdminPage, CsrfOnly, PageForm, TokenForm};
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

impl TokenForm for ServerForm {
    fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

/// Shorthand for the data every handler here takes.
type Deps<P> = (
    web::Data<McpServerService<P>>,
    web::Data<WebSettings>,
    web::Data<Pages>,
);

/// An admin's form on these pages.
type AdminForm<P, T> = PageForm<AdminPage<P>, T>;

/// The `{slug}` of a server's page, parsed first: a slug no server can have is 404.
#[derive(Debug)]
pub(crate) struct PageSlug(ServerSlug);

#[derive(Debug, Deserialize)]
struct SlugParam {
    slug: String,
}

impl FromRequest for PageSlug {
    type Error = PageError;
    type Future = Ready<Result<Self, PageError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let slug = req.match_info().load::<SlugParam>().ok();
        ready(match slug.and_then(|p| ServerSlug::parse(&p.slug).ok()) {
            Some(slug) => Ok(Self(slug)),
            None => Err(ApiError::NotFound.into()),
        })
    }
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

/// The problems of an invalid form, to show with it; any other failure is the error page.
fn problems<T>(result: Result<T, McpServerError>) -> Result<Result<T, Vec<String>>, ApiError> {
    match result {
        Ok(done) => Ok(Ok(done)),
        Err(McpServerError::Invalid(problems)) => Ok(Err(problems
            .into_iter()
            .map(|p| format!("{}: {}", p.field, p.detail))
            .collect())),
        Err(other) => Err(other.into()),
    }
}

/// The list page, with `errors` from a failed create.
async fn list_page<P: Ports>(
    (servers, settings, pages): &Deps<P>,
    who: &AdminPage<P>,
    status: StatusCode,
    errors: Vec<String>,
) -> Result<HttpResponse, PageError> {
    let list = servers.list_servers(&who.admin).await?;
    let mut ctx = Context::new();
    ctx.insert("csrf_token", &who.csrf);
    let views: Vec<_> = list.iter().map(|s| server_view(s, settings)).collect();
    ctx.insert("servers", &views);
    ctx.insert("errors", &errors);
    Ok(render(pages, status, "mcp_servers.html", &ctx))
}

/// One server's page; `new_credential` is shown once, right after it was created.
async fn server_page<P: Ports>(
    (servers, settings, pages): &Deps<P>,
    who: &AdminPage<P>,
    slug: &ServerSlug,
    status: StatusCode,
    errors: Vec<String>,
    new_credential: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let server = servers.get_server(&who.admin, slug).await?;
    let credentials = servers.list_credentials(&who.admin, slug).await?;
    let mut ctx = Context::new();
    ctx.insert("csrf_token", &who.csrf);
    ctx.insert("server", &server_view(&server, settings));
    let views: Vec<_> = credentials.iter().map(credential_view).collect();
    ctx.insert("credentials", &views);
    ctx.insert("errors", &errors);
    ctx.insert("new_credential", &new_credential);
    Ok(render(pages, status, "mcp_server.html", &ctx))
}

/// `GET /settings/mcp-servers`.
pub(crate) async fn get_list<P: Ports>(
    deps: Deps<P>,
    admin: AdminPage<P>,
) -> Result<HttpResponse, PageError> {
    list_page(&deps, &admin, StatusCode::OK, Vec::new()).await
}

/// `POST /settings/mcp-servers`: registers a server and opens its page.
pub(crate) async fn post_create<P: Ports>(
    deps: Deps<P>,
    AdminForm { who, form }: AdminForm<P, ServerForm>,
) -> Result<HttpResponse, PageError> {
    let created = match form.try_into_domain() {
        Ok(draft) => deps.0.create_server(&who.admin, draft).await,
        Err(e) => Err(e),
    };
    match problems(created)? {
        Ok(server) => Ok(see_other(&format!("{LIST}/{}", server.draft.slug.as_str()))),
        Err(errors) => list_page(&deps, &who, StatusCode::BAD_REQUEST, errors).await,
    }
}

/// `GET /settings/mcp-servers/{slug}`.
pub(crate) async fn get_server<P: Ports>(
    PageSlug(slug): PageSlug,
    deps: Deps<P>,
    admin: AdminPage<P>,
) -> Result<HttpResponse, PageError> {
    server_page(&deps, &admin, &slug, StatusCode::OK, Vec::new(), None).await
}

/// `POST /settings/mcp-servers/{slug}`: saves the edit form.
pub(crate) async fn post_update<P: Ports>(
    PageSlug(slug): PageSlug,
    deps: Deps<P>,
    AdminForm { who, form }: AdminForm<P, ServerForm>,
) -> Result<HttpResponse, PageError> {
    let updated = match form.try_into_domain() {
        Ok(draft) => deps.0.update_server(&who.admin, &slug, draft).await,
        Err(e) => Err(e),
    };
    match problems(updated)? {
        Ok(_) => Ok(see_other(&format!("{LIST}/{}", slug.as_str()))),
        Err(errors) => {
            let status = StatusCode::BAD_REQUEST;
            server_page(&deps, &who, &slug, status, errors, None).await
        }
    }
}

/// `POST /settings/mcp-servers/{slug}/delete`.
pub(crate) async fn post_delete<P: Ports>(
    PageSlug(slug): PageSlug,
    (servers, _, _): Deps<P>,
    AdminForm { who, .. }: AdminForm<P, CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    servers.delete_server(&who.admin, &slug).await?;
    Ok(see_other(LIST))
}

/// `POST /settings/mcp-servers/{slug}/credentials`: shows the new credential this once.
pub(crate) async fn post_credential<P: Ports>(
    PageSlug(slug): PageSlug,
    deps: Deps<P>,
    AdminForm { who, .. }: AdminForm<P, CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let (_, credential) = deps.0.create_credential(&who.admin, &slug).await?;
    let shown = Some(credential.expose());
    server_page(&deps, &who, &slug, StatusCode::CREATED, Vec::new(), shown).await
}

/// `POST /settings/mcp-servers/{slug}/credentials/{id}/delete`.
pub(crate) async fn post_delete_credential<P: Ports>(
    path: web::Path<(String, Uuid)>,
    PageSlug(slug): PageSlug,
    (servers, _, _): Deps<P>,
    AdminForm { who, .. }: AdminForm<P, CsrfOnly>,
) -> Result<HttpResponse, PageError> {
    let (_, id) = path.into_inner();
    servers.delete_credential(&who.admin, &slug, id).await?;
    Ok(see_other(&format!("{LIST}/{}", slug.as_str())))
}
