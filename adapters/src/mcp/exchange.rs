//! What happens between the guard and rmcp's transport: a session is continued only by the
//! person and client that opened it (anyone else is told it does not exist, as the MCP
//! transport answers for unknown sessions).

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, dev::ServiceRequest};
use rmcp::{RoleServer, Service};

use super::Caller;
use super::sessions::McpSessions;

/// The header naming the session (MCP streamable HTTP).
const SESSION_ID: &str = "mcp-session-id";

/// What rmcp answers for a session it does not know, answered alike for someone else's.
fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body("Not Found: Session not found")
}

/// The middleware: 404 for a session that is unknown or someone else's; then rmcp.
pub(crate) async fn exchange<S: Service<RoleServer>>(
    sessions: Arc<McpSessions<S>>,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let session = req
        .headers()
        .get(SESSION_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let owner = req.extensions().get::<Caller>().map(Caller::owner);
    if let (Some(session), Some(owner)) = (session, owner) {
        let belongs = sessions.belongs_to(&session, owner).await.map_err(|e| {
            let e: crate::http::ApiError = e.into();
            Error::from(e)
        })?;
        if !belongs {
            return Ok(req.into_response(not_found()));
        }
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}
