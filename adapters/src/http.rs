//! The HTTP edge (actix-web): DTOs, handlers and the mapping of errors to responses.
//! Handlers are thin: parse into domain types, call one use case, shape the response.

mod account_api;
mod account_errors;
mod account_pages;
mod api_auth;
mod app_list_page;
mod app_listing;
mod app_pages;
mod apps;
mod audit_api;
mod audit_pages;
mod authorize;
mod authorized_apps;
mod bearer;
pub use bearer::{Challenge, NotABearer, bearer_token};
mod body_timeout;
mod client_auth;
mod client_ip;
mod cors;
pub(crate) use cors::public_cors;
pub mod csrf;
mod discovery;
pub(crate) use discovery::protected_metadata_url;
mod error;
mod event_streams;
mod health;
mod html;
#[cfg(test)]
mod in_process_tests;
mod json_body;
mod mcp_server_pages;
mod mcp_servers;
mod metrics;
mod oauth_params;
mod page_error;
mod page_extractors;
mod page_routes;
mod pages;
mod people_routes;
mod registration;
mod request_id;
mod revocation;
mod same_origin;
pub mod session_auth;
mod token;
mod user_admin;
mod user_pages;
mod users;

use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{HttpRequest, error::JsonPayloadError, web};
pub use body_timeout::{BODY_IDLE_TIMEOUT, BODY_TOTAL_TIMEOUT, time_out_bodies};
pub use client_ip::{Cidr, TrustedProxies};
pub use error::{ApiError, FieldError};
pub use event_streams::{DrainSignal, Draining, drain_signal, end_event_streams_on_drain};
pub use health::Readiness;
pub use metrics::observe as observe_metrics;
pub use metrics::{Metrics, TokenEvent, metrics_routes};
pub use request_id::with_request_id;
use tessera_application::Ports;
use tessera_application::apps::AppService;
use tessera_application::audit::AuditService;
use tessera_application::mcp_servers::McpServerService;
use tessera_application::oauth::OAuthService;
use tessera_application::people::{AccountService, PasswordService, SessionService, UserService};
use tessera_application::registration::RegistrationService;

use crate::render::Pages;

/// Largest JSON body the API reads (1 MiB).
pub const JSON_LIMIT: usize = 1024 * 1024;
/// Largest form body the pages read.
pub const FORM_LIMIT: usize = 64 * 1024;

/// HTTP-level settings derived from configuration.
#[derive(Debug, Clone)]
pub struct WebSettings {
    /// `access_url`, without a trailing slash.
    pub access_url: String,
    /// Whether cookies get `Secure` (`access_url` is https).
    pub secure_cookies: bool,
    /// Whose `X-Forwarded-For` is believed.
    pub trusted_proxies: TrustedProxies,
    /// `registration.enabled`: open dynamic client registration.
    pub registration_enabled: bool,
}

/// Everything the routes need, built once in the composition root.
#[derive(Debug)]
pub struct HttpState<P: Ports> {
    /// User use cases.
    pub users: web::Data<UserService<P>>,
    /// Session use cases.
    pub sessions: web::Data<SessionService<P>>,
    /// Admins managing people.
    pub accounts: web::Data<AccountService<P>>,
    /// People's own passwords and sessions.
    pub passwords: web::Data<PasswordService<P>>,
    /// OAuth2 app use cases.
    pub apps: web::Data<AppService<P>>,
    /// Reading the audit log.
    pub audit: web::Data<AuditService<P>>,
    /// The authorization code flow.
    pub oauth: web::Data<OAuthService<P>>,
    /// Dynamic client registration.
    pub registrations: web::Data<RegistrationService<P>>,
    /// Protected MCP servers (SPEC §9).
    pub mcp_servers: web::Data<McpServerService<P>>,
    /// Prometheus metrics.
    pub metrics: web::Data<Metrics>,
    /// Compiled templates.
    pub pages: web::Data<Pages>,
    /// HTTP settings.
    pub settings: web::Data<WebSettings>,
    /// Readiness probe inputs.
    pub readiness: web::Data<Readiness>,
    /// Randomness for anonymous CSRF tokens.
    pub rng: web::Data<P::Rng>,
}

impl<P: Ports> Clone for HttpState<P> {
    fn clone(&self) -> Self {
        Self {
            users: self.users.clone(),
            sessions: self.sessions.clone(),
            accounts: self.accounts.clone(),
            passwords: self.passwords.clone(),
            apps: self.apps.clone(),
            audit: self.audit.clone(),
            oauth: self.oauth.clone(),
            registrations: self.registrations.clone(),
            mcp_servers: self.mcp_servers.clone(),
            metrics: self.metrics.clone(),
            pages: self.pages.clone(),
            settings: self.settings.clone(),
            readiness: self.readiness.clone(),
            rng: self.rng.clone(),
        }
    }
}

fn json_error(err: JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    match err {
        JsonPayloadError::ContentType => {
            ApiError::UnsupportedMediaType("Content-Type must be application/json.".into()).into()
        }
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => {
            ApiError::PayloadTooLarge.into()
        }
        JsonPayloadError::Deserialize(e) => ApiError::BadRequest(describe_json_error(&e)).into(),
        _ => ApiError::BadRequest("Invalid JSON body.".into()).into(),
    }
}

/// Says what is wrong with a JSON body and where, naming fields but never repeating a
/// value (it could be a password, SPEC §7).
fn describe_json_error(e: &serde_json::Error) -> String {
    use serde_json::error::Category;
    let at = format!("at line {} column {}", e.line(), e.column());
    match e.classify() {
        Category::Eof => "Invalid JSON body: it ends too early.".into(),
        Category::Syntax | Category::Io => format!("Invalid JSON body: syntax error {at}."),
        Category::Data => {
            let message = e.to_string();
            let names_a_field =
                message.starts_with("unknown field") || message.starts_with("missing field");
            match names_a_field {
                true => format!(
                    "Invalid JSON body: {}.",
                    message.split(" at line").next().unwrap_or(&message)
                ),
                false => format!("Invalid JSON body: a value has the wrong type or format {at}."),
            }
        }
    }
}

fn form_error(err: actix_web::error::UrlencodedError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::UrlencodedError as E;
    match err {
        E::Overflow { .. } => ApiError::PayloadTooLarge.into(),
        E::ContentType => ApiError::UnsupportedMediaType(
            "Content-Type must be application/x-www-form-urlencoded.".into(),
        )
        .into(),
        other => ApiError::BadRequest(format!("Invalid form body: {other}")).into(),
    }
}

/// Headers on every response: no framing, no sniffing.
pub fn default_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::CONTENT_SECURITY_POLICY, "frame-ancestors 'none'"))
}

/// The endpoints browser-based clients call across origins, each wrapped in CORS; a
/// resource guard keeps `DELETE /oauth2/tokens` (cookie-authenticated) out of it.
fn public_routes<P: Ports>(access_path: String) -> impl FnOnce(&mut web::ServiceConfig) {
    use actix_web::guard;
    move |cfg| {
        let public = |path: &str| web::resource(path.to_owned()).wrap(cors::public_cors());
        let server_metadata = "/.well-known/oauth-authorization-server";
        let mut metadata_paths = vec![server_metadata.to_owned()];
        if !access_path.is_empty() {
            metadata_paths.push(format!("{server_metadata}{access_path}"));
        }
        for path in metadata_paths {
            cfg.service(public(&path).route(web::get().to(discovery::get_server_metadata::<P>)));
        }
        let resource_metadata = "/.well-known/oauth-protected-resource";
        let mcp_metadata = format!(
            "{resource_metadata}{access_path}{}",
            tessera_domain::MCP_PATH
        );
        cfg.service(
            public(resource_metadata).route(web::get().to(discovery::get_api_resource_metadata)),
        )
        .service(public(&mcp_metadata).route(web::get().to(discovery::get_mcp_resource_metadata)));
        let protected_metadata = format!(
            "{resource_metadata}{access_path}{}/{{slug}}",
            tessera_domain::PROTECTED_PATH
        );
        cfg.service(
            public(&protected_metadata)
                .route(web::get().to(discovery::get_protected_resource_metadata::<P>)),
        )
        .service(public("/.well-known/jwks.json").route(web::get().to(discovery::get_jwks::<P>)));
        if !access_path.is_empty() {
            let api = format!("{resource_metadata}{access_path}");
            cfg.service(public(&api).route(web::get().to(discovery::get_api_resource_metadata)));
        }
        cfg.service(
            public("/oauth2/tokens")
                .guard(guard::Any(guard::Post()).or(guard::Options()))
                .route(web::post().to(token::post_token::<P>)),
        )
        .service(public("/oauth2/revoke").route(web::post().to(revocation::post_revoke::<P>)))
        .service(
            public("/oauth2/introspect").route(web::post().to(revocation::post_introspect::<P>)),
        )
        .service(public("/oauth2/register").route(web::post().to(registration::post_register::<P>)))
        .service(
            public("/oauth2/clients/{client_id}")
                .route(web::get().to(registration::get_client::<P>))
                .route(web::put().to(registration::put_client::<P>))
                .route(web::delete().to(registration::delete_client::<P>)),
        );
    }
}

/// The admin API of protected MCP servers (SPEC §9).
fn mcp_server_routes<P: Ports>(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v2/mcp-servers")
            .wrap(from_fn(same_origin::guard_cookie_writes))
            .route("", web::get().to(mcp_servers::get_servers::<P>))
            .route("", web::post().to(mcp_servers::post_server::<P>))
            .route("/{slug}", web::get().to(mcp_servers::get_server::<P>))
            .route("/{slug}", web::put().to(mcp_servers::put_server::<P>))
            .route("/{slug}", web::delete().to(mcp_servers::delete_server::<P>))
            .route(
                "/{slug}/credentials",
                web::get().to(mcp_servers::get_credentials::<P>),
            )
            .route(
                "/{slug}/credentials",
                web::post().to(mcp_servers::post_credential::<P>),
            )
            .route(
                "/{slug}/credentials/{id}",
                web::delete().to(mcp_servers::delete_credential::<P>),
            ),
    );
}

/// Registers every route and its shared state.
pub fn routes<P: Ports>(state: HttpState<P>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let access_path = discovery::access_path(&state.settings.access_url);
        cfg.app_data(state.users)
            .app_data(state.sessions)
            .app_data(state.accounts)
            .app_data(state.passwords)
            .app_data(state.apps)
            .app_data(state.audit)
            .app_data(state.oauth)
            .app_data(state.registrations)
            .app_data(state.mcp_servers)
            .app_data(state.metrics)
            .app_data(state.pages)
            .app_data(state.settings)
            .app_data(state.readiness)
            .app_data(state.rng)
            .app_data(
                web::JsonConfig::default()
                    .limit(JSON_LIMIT)
                    .error_handler(json_error),
            )
            // Raw bodies (OAuth forms, registrations): 413 past 64 KiB, as SPEC §5 asks of /oauth2/register.
            .app_data(web::PayloadConfig::new(FORM_LIMIT))
            .app_data(
                web::FormConfig::default()
                    .limit(FORM_LIMIT)
                    .error_handler(form_error),
            )
            .route("/healthz", web::get().to(health::get_healthz))
            .route("/readyz", web::get().to(health::get_readyz))
            .configure(people_routes::people_routes::<P>)
            .configure(page_routes::page_routes::<P>)
            .service(
                web::scope("/api/v2/oauth2-provider/apps")
                    .wrap(from_fn(same_origin::guard_cookie_writes))
                    .route("", web::get().to(apps::get_apps::<P>))
                    .route("", web::post().to(apps::post_app::<P>))
                    .route("/{app}", web::get().to(apps::get_app::<P>))
                    .route("/{app}", web::put().to(apps::put_app::<P>))
                    .route("/{app}", web::delete().to(apps::delete_app::<P>))
                    .route("/{app}/secrets", web::get().to(apps::get_secrets::<P>))
                    .route("/{app}/secrets", web::post().to(apps::post_secret::<P>))
                    .route(
                        "/{app}/secrets/{secret}",
                        web::delete().to(apps::delete_secret::<P>),
                    ),
            )
            .route("/api/v2/audit", web::get().to(audit_api::get_audit::<P>))
            .configure(mcp_server_routes::<P>)
            .service(
                web::resource("/oauth2/authorize")
                    .route(web::get().to(authorize::get_authorize::<P>))
                    .route(web::post().to(authorize::post_authorize::<P>)),
            )
            .configure(public_routes::<P>(access_path))
            .service(
                web::resource("/oauth2/tokens")
                    .wrap(from_fn(same_origin::guard_cookie_writes))
                    .route(web::delete().to(token::delete_tokens::<P>)),
            )
            .route("/assets/copy.js", web::get().to(app_pages::get_copy_js))
            .default_service(web::to(|| async {
                Err::<actix_web::HttpResponse, _>(ApiError::NotFound)
            }));
    }
}
