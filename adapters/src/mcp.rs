//! The protected MCP endpoint (SPEC §6): rmcp's streamable HTTP transport, bridged into
//! actix-web by `rmcp-actix-web`, behind a guard that checks the `Host` header and the
//! access token before any MCP message is read.
//!
//! Sessions (`Mcp-Session-Id`) belong to the person and client that opened them, end when
//! idle for `mcp.session_idle_timeout`, and are capped per person and per replica (see
//! [`sessions`]). They are kept in PostgreSQL, so a request may reach any replica: one that
//! does not know the session replays its `initialize` from the store. What stays on one
//! replica is only an open `GET` SSE stream, which carries server-initiated messages of
//! that replica (tessera's tools send none). Answers to POSTed requests are one JSON body
//! where the client accepts one.

mod exchange;
mod guard;
mod json_reply;
mod server;
pub mod sessions;
mod tools;

use std::sync::Arc;

use actix_web::web;
use rmcp_actix_web::transport::StreamableHttpService;
use tessera_application::Ports;
use tessera_application::apps::AppService;
use tessera_application::oauth::OAuthService;
use tessera_domain::MCP_PATH;

pub use guard::Caller;
use guard::GuardSettings;
use server::TesseraMcp;
pub use sessions::{McpSessions, SessionLimits};

use crate::http::{JSON_LIMIT, TrustedProxies};
use crate::postgres::PgMcpSessionStore;

/// What the MCP endpoint is configured with.
#[derive(Debug, Clone)]
pub struct McpSettings {
    /// The server's `access_url`: the `Host` it answers to, the resource it protects.
    pub access_url: String,
    /// Proxies whose `X-Forwarded-For` names the client (for the audit log).
    pub trusted_proxies: TrustedProxies,
    /// `mcp.*`: idle timeout and caps of sessions.
    pub limits: SessionLimits,
}

/// The MCP endpoint, built once and mounted in every worker (its sessions are shared).
pub struct McpEndpoint<P: Ports> {
    service: StreamableHttpService<TesseraMcp<P>, McpSessions<TesseraMcp<P>>>,
    sessions: Arc<McpSessions<TesseraMcp<P>>>,
    guard: Arc<GuardSettings>,
    oauth: web::Data<OAuthService<P>>,
}

impl<P: Ports> Clone for McpEndpoint<P> {
    fn clone(&self) -> Self {
        Self {
            service: self.service.clone(),
            sessions: self.sessions.clone(),
            guard: self.guard.clone(),
            oauth: self.oauth.clone(),
        }
    }
}

impl<P: Ports> std::fmt::Debug for McpEndpoint<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpEndpoint").finish_non_exhaustive()
    }
}

impl<P: Ports> McpEndpoint<P> {
    /// The endpoint, its sessions stored in `rows` (must run inside the tokio runtime: it
    /// starts the task that ends idle sessions).
    pub fn new(
        oauth: web::Data<OAuthService<P>>,
        apps: web::Data<AppService<P>>,
        rows: PgMcpSessionStore,
        settings: McpSettings,
    ) -> Self {
        let guard = Arc::new(GuardSettings::new(
            &settings.access_url,
            settings.trusted_proxies,
        ));
        let tools_oauth = oauth.clone();
        let make = move || TesseraMcp::new(tools_oauth.clone(), apps.clone());
        let make = Arc::new(make);
        let factory = make.clone();
        let sessions = Arc::new(McpSessions::new(settings.limits, rows, move || make()));
        let service = StreamableHttpService::builder()
            .service_factory(Arc::new(move || Ok(factory())))
            .session_manager(sessions.clone())
            .session_store(Arc::new(sessions.rows()))
            .allowed_hosts(guard.allowed_hosts())
            .json_response(true)
            .max_request_body_bytes(JSON_LIMIT)
            .on_request_fn(guard::forward_caller)
            .build();
        Self {
            service,
            sessions,
            guard,
            oauth,
        }
    }

    /// Ends every open GET stream and refuses new ones: called when the server starts
    /// draining, so those endless streams do not hold the drain open.
    pub fn close_streams(&self) {
        self.sessions.close_streams();
    }

    /// Ends every MCP session of `user` held by this replica (they were suspended; their
    /// stored rows went with the suspension).
    pub fn end_sessions_of(&self, user: uuid::Uuid) {
        let ended = self.sessions.end_sessions_of(user);
        if ended > 0 {
            tracing::info!(ended, "ended the MCP sessions of a suspended person");
        }
    }

    /// Mounts the endpoint: CORS outermost (preflights need no token), then the guard, then
    /// the session and reply rules of [`exchange`].
    pub fn mount(self, cfg: &mut web::ServiceConfig) {
        let Self {
            service,
            sessions,
            guard,
            oauth,
        } = self;
        let checked = actix_web::middleware::from_fn(move |req, next| {
            guard::require_token(guard.clone(), oauth.clone(), req, next)
        });
        let exchanged = actix_web::middleware::from_fn(move |req, next| {
            exchange::exchange(sessions.clone(), req, next)
        });
        cfg.service(
            service
                .scope_with_path(MCP_PATH)
                .wrap(exchanged)
                .wrap(checked)
                .wrap(crate::http::public_cors()),
        );
    }
}
