//! `/api/v2/oauth2-provider/apps/*` (SPEC §3), with Coder's JSON shapes, and who the audit
//! log names as the actor of a request.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use tessera_application::Ports;
use tessera_application::admin::Origin;
use tessera_application::apps::{AppError, AppService};
use tessera_application::ports::Actor;
use tessera_domain::{App, AppDraft, AppSecretInfo, User};
use time::OffsetDateTime;
use uuid::Uuid;

use super::WebSettings;
use super::api_auth::ApiAuth;
use super::app_listing::{AppListParams, page_response};
use super::error::{ApiError, FieldError};
use super::json_body::JsonBody;

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid(problems) => ApiError::Validation {
                message: "Invalid OAuth2 app.".into(),
                validations: problems
                    .into_iter()
                    .map(|p| FieldError {
                        field: p.field,
                        detail: p.detail,
                    })
                    .collect(),
            },
            AppError::NotFound => ApiError::NotFound,
            AppError::Repo(e) => e.into(),
        }
    }
}

/// Where `req` came from, for the audit log.
pub(crate) fn origin(req: &HttpRequest, settings: &WebSettings) -> Origin {
    let Actor { ip, user_agent, .. } = anonymous_actor(req, settings, String::new());
    Origin { ip, user_agent }
}

/// Who `user` is for the audit log, and where the request came from.
pub(crate) fn actor(req: &HttpRequest, user: &User, settings: &WebSettings) -> Actor {
    Actor {
        user_id: Some(user.id.as_uuid()),
        ..anonymous_actor(req, settings, user.username.as_str().to_owned())
    }
}

/// A caller without an account (a client, a registration) named `name`, and where from.
pub(crate) fn anonymous_actor(req: &HttpRequest, settings: &WebSettings, name: String) -> Actor {
    Actor {
        user_id: None,
        name,
        ip: settings.trusted_proxies.client_ip(req),
        user_agent: req
            .headers()
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

#[derive(Debug, Serialize)]
struct Endpoints {
    authorization: String,
    token: String,
    registration: String,
    revocation: String,
    introspection: String,
}

/// Coder's `codersdk.OAuth2ProviderApp`, plus `redirect_uris` and `client_type`.
#[derive(Debug, Serialize)]
pub(crate) struct AppDto {
    id: Uuid,
    name: String,
    callback_url: String,
    redirect_uris: Vec<String>,
    icon: String,
    client_type: &'static str,
    endpoints: Endpoints,
}

impl AppDto {
    pub(crate) fn new(app: &App, access_url: &str) -> Self {
        let d = &app.draft;
        Self {
            id: app.id,
            name: d.name.as_str().to_owned(),
            callback_url: d.callback_url.as_str().to_owned(),
            redirect_uris: d
                .redirect_uris
                .iter()
                .map(|u| u.as_str().to_owned())
                .collect(),
            icon: d
                .icon
                .as_ref()
                .map(|i| i.as_str().to_owned())
                .unwrap_or_default(),
            client_type: d.client_type.as_str(),
            endpoints: Endpoints {
                authorization: format!("{access_url}/oauth2/authorize"),
                token: format!("{access_url}/oauth2/tokens"),
                registration: format!("{access_url}/oauth2/register"),
                revocation: format!("{access_url}/oauth2/revoke"),
                introspection: format!("{access_url}/oauth2/introspect"),
            },
        }
    }
}

/// The body of create and update.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AppRequest {
    name: String,
    callback_url: String,
    redirect_uris: Option<Vec<String>>,
    icon: Option<String>,
    client_type: Option<String>,
}

impl AppRequest {
    pub(crate) fn try_into_domain(&self) -> Result<AppDraft, ApiError> {
        AppDraft::parse(
            &self.name,
            &self.callback_url,
            self.redirect_uris.as_deref(),
            self.icon.as_deref(),
            self.client_type.as_deref(),
        )
        .map_err(|problems| AppError::Invalid(problems).into())
    }
}

#[derive(Debug, Serialize)]
struct SecretDto {
    id: Uuid,
    #[serde(with = "time::serde::rfc3339::option")]
    last_used_at: Option<OffsetDateTime>,
    client_secret_truncated: String,
}

impl From<&AppSecretInfo> for SecretDto {
    fn from(s: &AppSecretInfo) -> Self {
        Self {
            id: s.id,
            last_used_at: s.last_used_at,
            client_secret_truncated: s.display_suffix.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
struct NewSecretDto<'a> {
    id: Uuid,
    client_secret_full: &'a str,
}

/// Shorthand for the data every handler here takes.
type Deps<P> = (web::Data<AppService<P>>, ApiAuth<P>, web::Data<WebSettings>);

/// `GET /api/v2/oauth2-provider/apps[?user_id=U]`: every app, as Coder lists them; with
/// any search or paging parameter (`app_listing`), one page of them.
pub(crate) async fn get_apps<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings): Deps<P>,
) -> Result<HttpResponse, ApiError> {
    let admin = sessions.admin(&req, &settings).await?;
    let params = AppListParams::from_query(req.query_string())?;
    if params.asks_for_a_page() {
        let page = apps.search_apps(&admin, params.try_into_domain()?).await?;
        return Ok(page_response(&page, &settings.access_url));
    }
    let list = apps.list_apps(&admin, params.user()?).await?;
    let body: Vec<AppDto> = list
        .iter()
        .map(|a| AppDto::new(a, &settings.access_url))
        .collect();
    Ok(HttpResponse::Ok().json(body))
}

/// `POST /api/v2/oauth2-provider/apps`.
pub(crate) async fn post_app<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings): Deps<P>,
    body: JsonBody<AppRequest>,
) -> Result<HttpResponse, ApiError> {
    let admin = sessions.admin(&req, &settings).await?;
    let app = apps.create_app(&admin, body.0.try_into_domain()?).await?;
    Ok(HttpResponse::Created().json(AppDto::new(&app, &settings.access_url)))
}

/// `GET /api/v2/oauth2-provider/apps/{app}`.
pub(crate) async fn get_app<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings): Deps<P>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let admin = sessions.admin(&req, &settings).await?;
    let app = apps.get_app(&admin, *id).await?;
    Ok(HttpResponse::Ok().json(AppDto::new(&app, &settings.access_url)))
}

/// `PUT /api/v2/oauth2-provider/apps/{app}`.
pub(crate) async fn put_app<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings): Deps<P>,
    id: web::Path<Uuid>,
    body: JsonBody<AppRequest>,
) -> Result<HttpResponse, ApiError> {
    let admin = sessions.admin(&req, &settings).await?;
    let app = apps
        .update_app(&admin, *id, body.0.try_into_domain()?)
        .await?;
    Ok(HttpResponse::Ok().json(AppDto::new(&app, &settings.access_url)))
}

/// `DELETE /api/v2/oauth2-provider/apps/{app}`.
pub(crate) async fn delete_app<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings): Deps<P>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let admin = sessions.admin(&req, &settings).await?;
    apps.delete_app(&admin, *id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v2/oauth2-provider/apps/{app}/secrets`.
pub(crate) async fn get_secrets<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings): Deps<P>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let admin = sessions.admin(&req, &settings).await?;
    let secrets: Vec<SecretDto> = apps
        .list_secrets(&admin, *id)
        .await?
        .iter()
        .map(SecretDto::from)
        .collect();
    Ok(HttpResponse::Ok().json(secrets))
}

/// `POST /api/v2/oauth2-provider/apps/{app}/secrets`: the only time the secret is shown.
pub(crate) async fn post_secret<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings): Deps<P>,
    id: web::Path<Uuid>,
) -> Result<HttpResponse, ApiError> {
    let admin = sessions.admin(&req, &settings).await?;
    let (info, credential) = apps.create_secret(&admin, *id).await?;
    Ok(HttpResponse::Created()
        .insert_header(("cache-control", "no-store"))
        .json(NewSecretDto {
            id: info.id,
            client_secret_full: credential.expose(),
        }))
}

/// `DELETE /api/v2/oauth2-provider/apps/{app}/secrets/{secret}`.
pub(crate) async fn delete_secret<P: Ports>(
    req: HttpRequest,
    (apps, sessions, settings): Deps<P>,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let admin = sessions.admin(&req, &settings).await?;
    let (app_id, secret_id) = path.into_inner();
    apps.delete_secret(&admin, app_id, secret_id).await?;
    Ok(HttpResponse::NoContent().finish())
}
