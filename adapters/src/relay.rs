//! The relay of protected MCP servers (SPEC §9): `<access_url>/mcp/<slug>` speaks
//! streamable HTTP to the client and to the upstream server, after the same checks as
//! tessera's own MCP endpoint (`Host`, CORS, the bearer token and its §6 challenges, here
//! naming this server's metadata and scope).
//!
//! Deciding whether and as whom a request is relayed is a use case
//! (`McpServerService::admit`); relaying it is this adapter's job alone. A port for the
//! upstream would have to carry streaming bodies, headers and timeouts through the
//! application for no rule of its own, so the transport stays here: reqwest (the client
//! tessera already uses for metadata documents), configured for internal upstreams.

mod refusal;
mod request;
mod upstream;

use std::time::Duration;

use actix_web::{HttpRequest, HttpResponse, web};
use tessera_application::Ports;
use tessera_application::mcp_servers::{Admission, McpServerService, RelayError};
use tessera_domain::McpServer;

pub use refusal::HostCheck;
use refusal::Refusal;

/// The largest request body relayed (1 MiB, like the rest of the API).
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;
/// How long connecting to an upstream may take; its answer has the server's own timeout.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The relay's HTTP client and the host it answers to, built once per process.
#[derive(Debug, Clone)]
pub struct Relay {
    client: reqwest::Client,
    host: HostCheck,
    access_url: String,
}

impl Relay {
    /// A relay for a server whose `access_url` is `access_url`. The client follows no
    /// redirect, uses no proxy from the environment (upstreams are internal), keeps no
    /// cookies, leaves bodies as sent (no decompression), and has no overall timeout: SSE
    /// streams last as long as the client listens.
    pub fn new(access_url: &str) -> Result<Self, reqwest::Error> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(CONNECT_TIMEOUT)
            .no_proxy()
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .user_agent(concat!("tessera/", env!("CARGO_PKG_VERSION"), " (relay)"))
            .build()?;
        Ok(Self {
            client,
            host: HostCheck::new(access_url),
            access_url: access_url.trim_end_matches('/').to_owned(),
        })
    }

    /// Mounts `/mcp/{slug}` for `POST`, `GET` and `DELETE`, wrapped in the public CORS.
    pub fn mount<P: Ports>(self, cfg: &mut web::ServiceConfig) {
        cfg.service(
            web::resource(format!("{}/{{slug}}", tessera_domain::PROTECTED_PATH))
                .app_data(web::Data::new(self))
                .wrap(crate::http::public_cors())
                .route(web::post().to(relay::<P>))
                .route(web::get().to(relay::<P>))
                .route(web::delete().to(relay::<P>)),
        );
    }
}

/// `POST`/`GET`/`DELETE /mcp/{slug}`: checks, then relays with the caller's identity.
async fn relay<P: Ports>(
    req: HttpRequest,
    payload: web::Payload,
    slug: web::Path<String>,
    relay: web::Data<Relay>,
    servers: web::Data<McpServerService<P>>,
) -> HttpResponse {
    if !relay.host.admits(&req) {
        return Refusal::ForeignHost.response(None, &relay.access_url);
    }
    let server = match servers.server_for(&slug).await {
        Ok(server) => server,
        Err(e) => return Refusal::from(e).response(None, &relay.access_url),
    };
    let refuse = |refusal: Refusal| refusal.response(Some(&server), &relay.access_url);
    let admission = match admit(&req, &servers, server.clone()).await {
        Ok(admission) => admission,
        Err(refusal) => return refuse(refusal),
    };
    let body = match request::read_body(payload, MAX_REQUEST_BODY).await {
        Ok(body) => body,
        Err(refusal) => return refuse(refusal),
    };
    upstream::forward(&relay.client, &req, body, &admission).await
}

/// The caller's bearer token, checked against `server`: its identity for the upstream.
async fn admit<P: Ports>(
    req: &HttpRequest,
    servers: &McpServerService<P>,
    server: McpServer,
) -> Result<Admission, Refusal> {
    let token = match crate::http::bearer_token(req.headers()) {
        Ok(Some(token)) => token.to_owned(),
        Ok(None) => return Err(Refusal::NoToken),
        Err(_) => return Err(Refusal::InvalidToken),
    };
    Ok(servers.admit(server, &token).await?)
}

impl From<RelayError> for Refusal {
    fn from(e: RelayError) -> Self {
        match e {
            RelayError::UnknownServer => Refusal::UnknownServer,
            RelayError::InvalidToken => Refusal::InvalidToken,
            RelayError::InsufficientScope(scope) => Refusal::InsufficientScope(scope),
            RelayError::Repo(e) => Refusal::Unexpected(e.into()),
        }
    }
}
