//! The protected MCP endpoint (SPEC §6): rmcp's streamable HTTP transport, bridged into
//! actix-web by `rmcp-actix-web`, behind a guard that checks the `Host` header and the
//! access token before any MCP message is read.
//!
//! Sessions (`Mcp-Session-Id`) are kept in PostgreSQL, so a request may reach any replica:
//! one that does not know the session replays its `initialize` from the store. What stays
//! on one replica is only an open `GET` SSE stream, which carries server-initiated messages
//! of that replica (tessera's tools send none).

mod guard;
mod server;
mod tools;

use std::sync::Arc;

use actix_web::web;
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp_actix_web::transport::StreamableHttpService;
use tessera_application::Ports;
use tessera_application::apps::AppService;
use tessera_application::oauth::OAuthService;
use tessera_domain::MCP_PATH;

pub use guard::Caller;
use guard::GuardSettings;
use server::TesseraMcp;

use crate::postgres::PgMcpSessionStore;

/// The MCP endpoint, built once and mounted in every worker (its sessions are shared).
pub struct McpEndpoint<P: Ports> {
    service: StreamableHttpService<TesseraMcp<P>>,
    guard: Arc<GuardSettings>,
    oauth: web::Data<OAuthService<P>>,
}

impl<P: Ports> Clone for McpEndpoint<P> {
    fn clone(&self) -> Self {
        Self {
            service: self.service.clone(),
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
    /// The endpoint of a server whose `access_url` is `access_url`.
    pub fn new(
        oauth: web::Data<OAuthService<P>>,
        apps: web::Data<AppService<P>>,
        sessions: PgMcpSessionStore,
        access_url: &str,
    ) -> Self {
        let guard = Arc::new(GuardSettings::new(access_url));
        let tools_oauth = oauth.clone();
        let service = StreamableHttpService::builder()
            .service_factory(Arc::new(move || {
                Ok(TesseraMcp::new(tools_oauth.clone(), apps.clone()))
            }))
            .session_manager(Arc::new(LocalSessionManager::default()))
            .session_store(Arc::new(sessions))
            .allowed_hosts(guard.allowed_hosts())
            .on_request_fn(guard::forward_caller)
            .build();
        Self {
            service,
            guard,
            oauth,
        }
    }

    /// Mounts the endpoint: CORS outermost (preflights need no token), then the guard.
    pub fn mount(self, cfg: &mut web::ServiceConfig) {
        let Self {
            service,
            guard,
            oauth,
        } = self;
        let checked = actix_web::middleware::from_fn(move |req, next| {
            guard::require_token(guard.clone(), oauth.clone(), req, next)
        });
        cfg.service(
            service
                .scope_with_path(MCP_PATH)
                .wrap(checked)
                .wrap(crate::http::public_cors()),
        );
    }
}
