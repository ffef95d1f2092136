//! `/api/v2/mcp-servers/*` (SPEC §9): the admin API of protected MCP servers and their
//! introspection credentials.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use tessera_application::Ports;
use tessera_application::mcp_servers::{McpServerError, McpServerService};
use tessera_domain::{McpServer, McpServerDraft, McpServerInput, ServerSlug};
use time::OffsetDateTime;
use uuid::Uuid;

use super::WebSettings;
use super::api_auth::ApiAuth;
use super::error::{ApiError, FieldError};
use super::json_body::JsonBody;

impl From<McpServerError> for ApiError {
    fn from(e: McpServerError) -> Self {
        match e {
            McpServerError::Invalid(problems) => ApiError::Validation {
                message: "Invalid protected MCP server.".into(),
                validations: problems
                    .into_iter()
                    .map(|p| FieldError {
                        field: p.field,
                        detail: p.detail,
                    })
                    .collect(),
            },
            McpServerError::NotFound => ApiError::NotFound,
            McpServerError::Repo(e) => e.into(),
        }
    }
}

/// A protected server as the API shows it.
#[derive(Debug, Serialize)]
pub(crate) struct McpServerDto {
    id: Uuid,
    slug: String,
    name: String,
    upstream_url: String,
    scopes: Vec<&'static str>,
    timeout_seconds: Option<i64>,
    /// Where clients connect: `<access_url>/mcp/<slug>`, also the tokens' audience.
    url: String,
    resource_metadata_url: String,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
}

impl McpServerDto {
    pub(crate) fn new(server: &McpServer, settings: &WebSettings) -> Self {
        let d = &server.draft;
        Self {
            id: server.id,
            slug: d.slug.as_str().to_owned(),
            name: d.name.as_str().to_owned(),
            upstream_url: d.upstream.as_str().to_owned(),
            scopes: d.scopes.to_vec_of_str(),
            timeout_seconds: d.timeout.map(|t| t.whole_seconds()),
            url: server.resource_url(&settings.access_url),
            resource_metadata_url: super::discovery::protected_metadata_url(
                &settings.access_url,
                &d.slug,
            ),
            created_at: server.created_at,
            updated_at: server.updated_at,
        }
    }
}

/// The body of create and update (`slug` may be left out of an update).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct McpServerRequest {
    slug: Option<String>,
    name: String,
    upstream_url: String,
    scopes: Option<Vec<String>>,
    timeout_seconds: Option<i64>,
}

impl McpServerRequest {
    fn try_into_domain(&self, slug: Option<&str>) -> Result<McpServerDraft, ApiError> {
        let slug = self.slug.as_deref().or(slug).unwrap_or_default();
        McpServerDraft::parse(McpServerInput {
            slug,
            name: &self.name,
            upstream_url: &self.upstream_url,
            scopes: self.scopes.as_deref(),
            timeout_seconds: self.timeout_seconds,
        })
        .map_err(|problems| McpServerError::Invalid(problems).into())
    }
}

/// A slug from the path; one that cannot be a slug names no server.
pub(crate) fn path_slug(slug: &str) -> Result<ServerSlug, ApiError> {
    ServerSlug::parse(slug).map_err(|_| ApiError::NotFound)
}

#[derive(Debug, Serialize)]
struct CredentialDto {
    id: Uuid,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    client_secret_truncated: String,
}

#[derive(Debug, Serialize)]
struct NewCredentialDto<'a> {
    id: Uuid,
    client_id: &'a str,
    client_secret: &'a str,
    introspection_endpoint: String,
}

/// Shorthand for the data every handler here takes.
type Deps<P> = (
    web::Data<McpServerService<P>>,
    ApiAuth<P>,
    web::Data<WebSettings>,
);

/// `GET /api/v2/mcp-servers`.
pub(crate) async fn get_servers<P: Ports>(
    req: HttpRequest,
    (servers, auth, settings): Deps<P>,
) -> Result<HttpResponse, ApiError> {
    let admin = auth.admin(&req, &settings).await?;
    let list = servers.list_servers(&admin).await?;
    let body: Vec<_> = list
        .iter()
        .map(|s| McpServerDto::new(s, &settings))
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

/// `POST /api/v2/mcp-servers`.
pub(crate) async fn post_server<P: Ports>(
    req: HttpRequest,
    (servers, auth, settings): Deps<P>,
    body: JsonBody<McpServerRequest>,
) -> Result<HttpResponse, ApiError> {
    let admin = auth.admin(&req, &settings).await?;
    let server = servers
        .create_server(&admin, body.0.try_into_domain(None)?)
        .await?;
    Ok(HttpResponse::Created().json(McpServerDto::new(&server, &settings)))
}

/// `GET /api/v2/mcp-servers/{slug}`.
pub(crate) async fn get_server<P: Ports>(
    req: HttpRequest,
    (servers, auth, settings): Deps<P>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let admin = auth.admin(&req, &settings).await?;
    let server = servers.get_server(&admin, &path_slug(&slug)?).await?;
    Ok(HttpResponse::Ok().json(McpServerDto::new(&server, &settings)))
}

/// `PUT /api/v2/mcp-servers/{slug}`.
pub(crate) async fn put_server<P: Ports>(
    req: HttpRequest,
    (servers, auth, settings): Deps<P>,
    slug: web::Path<String>,
    body: JsonBody<McpServerRequest>,
) -> Result<HttpResponse, ApiError> {
    let admin = auth.admin(&req, &settings).await?;
    let slug = path_slug(&slug)?;
    let draft = body.0.try_into_domain(Some(slug.as_str()))?;
    let server = servers.update_server(&admin, &slug, draft).await?;
    Ok(HttpResponse::Ok().json(McpServerDto::new(&server, &settings)))
}

/// `DELETE /api/v2/mcp-servers/{slug}`: it stops at once, on every replica.
pub(crate) async fn delete_server<P: Ports>(
    req: HttpRequest,
    (servers, auth, settings): Deps<P>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let admin = auth.admin(&req, &settings).await?;
    servers.delete_server(&admin, &path_slug(&slug)?).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v2/mcp-servers/{slug}/credentials`.
pub(crate) async fn get_credentials<P: Ports>(
    req: HttpRequest,
    (servers, auth, settings): Deps<P>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let admin = auth.admin(&req, &settings).await?;
    let list = servers.list_credentials(&admin, &path_slug(&slug)?).await?;
    let body: Vec<_> = list
        .into_iter()
        .map(|c| CredentialDto {
            id: c.id,
            created_at: c.created_at,
            client_secret_truncated: c.display_suffix,
        })
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

/// `POST /api/v2/mcp-servers/{slug}/credentials`: introspection credentials for a detached
/// resource server, shown this once.
pub(crate) async fn post_credential<P: Ports>(
    req: HttpRequest,
    (servers, auth, settings): Deps<P>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let admin = auth.admin(&req, &settings).await?;
    let slug = path_slug(&slug)?;
    let (info, credential) = servers.create_credential(&admin, &slug).await?;
    Ok(HttpResponse::Created()
        .insert_header(("cache-control", "no-store"))
        .json(NewCredentialDto {
            id: info.id,
            client_id: slug.as_str(),
            client_secret: credential.expose(),
            introspection_endpoint: format!("{}/oauth2/introspect", settings.access_url),
        }))
}

/// `DELETE /api/v2/mcp-servers/{slug}/credentials/{id}`.
pub(crate) async fn delete_credential<P: Ports>(
    req: HttpRequest,
    (servers, auth, settings): Deps<P>,
    path: web::Path<(String, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let admin = auth.admin(&req, &settings).await?;
    let (slug, id) = path.into_inner();
    servers
        .delete_credential(&admin, &path_slug(&slug)?, id)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
