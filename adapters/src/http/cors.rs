//! CORS for the endpoints browser-based MCP clients call (SPEC §5): any origin, no
//! credentials, the request headers named one by one (a `*` never covers `Authorization`),
//! and `WWW-Authenticate` and `Mcp-Session-Id` exposed. Cookie-authenticated pages and
//! APIs are never wrapped with it.

use actix_cors::Cors;
use actix_web::http::header;

/// The CORS middleware for public OAuth and MCP endpoints.
pub(crate) fn public_cors() -> Cors {
    Cors::default()
        .allow_any_origin()
        .send_wildcard()
        .allowed_methods(["GET", "POST", "PUT", "DELETE", "OPTIONS"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::HeaderName::from_static("mcp-session-id"),
            header::HeaderName::from_static("mcp-protocol-version"),
            header::HeaderName::from_static("last-event-id"),
        ])
        .expose_headers([
            header::WWW_AUTHENTICATE,
            header::HeaderName::from_static("mcp-session-id"),
        ])
        .max_age(86400)
}
