//! What happens between the guard and rmcp's transport: a session is continued only by the
//! person and client that opened it (anyone else is told it does not exist, as the MCP
//! transport answers for unknown sessions), and a POSTed request is answered with one JSON
//! body when the client accepts one, or with an event stream when it asks only for that.

use std::sync::Arc;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, HttpResponse, dev::ServiceRequest};
use rmcp::{RoleServer, Service};

use super::Caller;
use super::json_reply;
use super::sessions::McpSessions;
use crate::http::ApiError;

/// The header naming the session (MCP streamable HTTP).
const SESSION_ID: &str = "mcp-session-id";

/// What rmcp answers for a session it does not know, answered alike for someone else's.
fn not_found() -> HttpResponse {
    HttpResponse::NotFound()
        .content_type("text/plain; charset=utf-8")
        .body("Not Found: Session not found")
}

/// The media types of `Accept` with a quality above zero, lower-cased, without parameters.
fn accepted(req: &ServiceRequest) -> Vec<String> {
    req.headers()
        .get_all(header::ACCEPT)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter(|range| {
            let zero = range.split(';').skip(1).any(|p| {
                p.split_once('=').is_some_and(|(k, v)| {
                    k.trim().eq_ignore_ascii_case("q") && v.trim().parse::<f32>() == Ok(0.0)
                })
            });
            !zero
        })
        .filter_map(|range| range.split(';').next())
        .map(|essence| essence.trim().to_ascii_lowercase())
        .collect()
}

/// How the answer to a POST goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reply {
    /// One JSON body when the answer is a single message.
    Json,
    /// As rmcp streams it.
    Stream,
}

/// Chooses the reply for `req`; a client that accepts only `text/event-stream` is given
/// it (rmcp itself insists that both be named, as the transport asks of clients).
fn choose_reply(req: &mut ServiceRequest) -> Reply {
    if req.method() != Method::POST {
        return Reply::Stream;
    }
    let accepted = accepted(req);
    let json = accepted.iter().any(|a| a == "application/json");
    let stream = accepted.iter().any(|a| a == "text/event-stream");
    if !json && stream {
        req.headers_mut().insert(
            header::ACCEPT,
            HeaderValue::from_static("application/json, text/event-stream"),
        );
    }
    match json {
        true => Reply::Json,
        false => Reply::Stream,
    }
}

/// The middleware: 404 for a session that is unknown or someone else's; then rmcp, with
/// its answer turned into one JSON body where the client accepts it.
pub(crate) async fn exchange<S: Service<RoleServer>>(
    sessions: Arc<McpSessions<S>>,
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    if !owns_named_session(&sessions, &req).await? {
        return Ok(req.into_response(not_found()));
    }
    let reply = choose_reply(&mut req);
    let ending = req.method() == Method::DELETE;
    let response = next.call(req).await?.map_into_boxed_body();
    Ok(shape(response, reply, ending).await)
}

/// Whether the session `req` names, if any, belongs to its caller.
async fn owns_named_session<S: Service<RoleServer>>(
    sessions: &McpSessions<S>,
    req: &ServiceRequest,
) -> Result<bool, ApiError> {
    let session = req.headers().get(SESSION_ID).and_then(|v| v.to_str().ok());
    let owner = req.extensions().get::<Caller>().map(Caller::owner);
    match (session, owner) {
        (Some(session), Some(owner)) => Ok(sessions.belongs_to(session, owner).await?),
        _ => Ok(true),
    }
}

/// rmcp's answer as the client gets it: 200 for an ended session, which every SDK accepts
/// (the Python SDK warns on rmcp's 202), and one JSON body for a `Reply::Json`.
async fn shape(
    mut response: ServiceResponse<BoxBody>,
    reply: Reply,
    ending: bool,
) -> ServiceResponse<BoxBody> {
    if ending && response.status() == StatusCode::ACCEPTED {
        *response.response_mut().status_mut() = StatusCode::OK;
    }
    match reply == Reply::Json && json_reply::is_event_stream(response.response()) {
        true => json_reply::into_json(response).await,
        false => response,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn reply_for(accept: &str) -> (Reply, String) {
        let mut req = TestRequest::post()
            .insert_header((header::ACCEPT, accept))
            .to_srv_request();
        let reply = choose_reply(&mut req);
        let sent = req
            .headers()
            .get(header::ACCEPT)
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        (reply, sent)
    }

    #[test]
    fn a_client_accepting_json_gets_json_and_one_asking_only_for_a_stream_gets_a_stream() {
        assert_eq!(
            reply_for("application/json, text/event-stream").0,
            Reply::Json
        );
        assert_eq!(
            reply_for("text/event-stream"),
            (
                Reply::Stream,
                "application/json, text/event-stream".to_owned()
            )
        );
        assert_eq!(
            reply_for("application/json;q=0, text/event-stream").0,
            Reply::Stream
        );
    }

    #[test]
    fn a_get_keeps_its_stream() {
        let mut req = TestRequest::get()
            .insert_header((header::ACCEPT, "application/json, text/event-stream"))
            .to_srv_request();
        assert_eq!(choose_reply(&mut req), Reply::Stream);
    }
}
