//! A request id on every request: taken from a well-formed `X-Request-Id` (a proxy's), else
//! made up; every log line of the request carries it, and the response echoes it.

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tessera_application::Rng;
use tracing::Instrument;

use crate::system::OsRng;

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// A proxy's id is kept only if it is short and plain, so logs cannot be forged with it.
fn acceptable(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Middleware: a `request` span with `request_id`, `method` and `route` around the request.
pub async fn with_request_id(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .filter(|v| acceptable(v))
        .map_or_else(
            || OsRng::default().uuid().simple().to_string(),
            str::to_owned,
        );
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        route = req.match_pattern().as_deref().unwrap_or("unmatched"),
    );
    let mut response = next.call(req).instrument(span).await?;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_short_ids_from_outside_are_kept() {
        assert!(acceptable("0f3a9c2e-77aa-4b1e"));
        assert!(!acceptable("short"));
        assert!(!acceptable("has space in it ok"));
        assert!(!acceptable("line\nbreak-injected-here"));
        assert!(!acceptable(&"x".repeat(65)));
    }
}
