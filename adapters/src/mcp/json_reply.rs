//! One JSON body instead of an event stream for a POSTed request whose answer is a single
//! message (streamable HTTP lets the server choose). rmcp streams every answer within a
//! session as SSE; this reads that stream up to its first message: an answer (a response or
//! an error) becomes the whole `application/json` body, anything else (a notification or a
//! request before the answer) keeps the stream, replayed from its start.

use std::pin::Pin;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::ServiceResponse;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, HttpResponseBuilder};
use bytes::{Bytes, BytesMut};
use futures::StreamExt;

use super::sessions::REQUEST_TIMEOUT;

/// The bytes an event stream may take before its first message (an answer is at most as
/// large as what the tools return; past this it stays a stream).
const MAX_BUFFERED: usize = 4 * 1024 * 1024;

/// What the start of an event stream holds.
#[derive(Debug, PartialEq, Eq)]
enum Start {
    /// No complete event with data yet.
    Incomplete,
    /// The first message, a JSON-RPC answer: its JSON text.
    Answer(String),
    /// The first message is something else.
    Other,
}

/// The first complete event of `stream` that carries data (priming events carry none).
fn first_message(stream: &[u8]) -> Start {
    let text = String::from_utf8_lossy(stream).replace("\r\n", "\n");
    let Some(end) = text.rfind("\n\n") else {
        return Start::Incomplete;
    };
    for event in text[..end].split("\n\n") {
        let data: Vec<&str> = event
            .lines()
            .filter_map(|line| line.strip_prefix("data:"))
            .map(|data| data.strip_prefix(' ').unwrap_or(data))
            .collect();
        let data = data.join("\n");
        if data.is_empty() {
            continue;
        }
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&data) else {
            return Start::Other;
        };
        let answer = message.get("id").is_some()
            && (message.get("result").is_some() || message.get("error").is_some());
        return match answer {
            true => Start::Answer(data),
            false => Start::Other,
        };
    }
    Start::Incomplete
}

/// The next chunk of `body`; `None` at its end or on an error.
async fn next_chunk(body: &mut BoxBody) -> Option<Bytes> {
    let mut body = Pin::new(body);
    futures::future::poll_fn(|cx| body.as_mut().poll_next(cx))
        .await
        .and_then(Result::ok)
}

/// `response` (a `text/event-stream`) as one JSON body when its first message is the answer.
pub(crate) async fn into_json(response: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let (request, response) = response.into_parts();
    let (head, mut body) = response.into_parts();
    let mut buffered = BytesMut::new();
    let deadline =
        tokio::time::Instant::now() + REQUEST_TIMEOUT + std::time::Duration::from_secs(5);
    let start = loop {
        let chunk = tokio::time::timeout_at(deadline, next_chunk(&mut body)).await;
        let Ok(Some(chunk)) = chunk else {
            break Start::Other;
        };
        buffered.extend_from_slice(&chunk);
        match first_message(&buffered) {
            Start::Incomplete if buffered.len() < MAX_BUFFERED => continue,
            Start::Incomplete => break Start::Other,
            start => break start,
        }
    };
    let mut builder = HttpResponseBuilder::new(head.status());
    for (name, value) in head.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            builder.append_header((name.clone(), value.clone()));
        }
    }
    let response = match start {
        Start::Answer(json) => builder
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ))
            .body(json),
        Start::Incomplete | Start::Other => {
            let start =
                futures::stream::once(async move { Ok::<_, actix_web::Error>(buffered.freeze()) });
            let rest = futures::stream::poll_fn(move |cx| Pin::new(&mut body).poll_next(cx)).map(
                |chunk| {
                    chunk.map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string()))
                },
            );
            builder
                .insert_header((
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("text/event-stream"),
                ))
                .streaming(start.chain(rest))
        }
    };
    ServiceResponse::new(request, response)
}

/// Whether `response` is the event stream of an answer this module may turn into JSON.
pub(crate) fn is_event_stream(response: &HttpResponse<BoxBody>) -> bool {
    response.status() == actix_web::http::StatusCode::OK
        && response
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/event-stream"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_priming_event_then_an_answer_gives_the_answer() {
        let stream =
            b"id: 0\nretry: 3000\ndata: \n\ndata: {\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}\n\n";
        assert_eq!(
            first_message(stream),
            Start::Answer("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}}".into())
        );
    }

    #[test]
    fn an_error_is_an_answer_too() {
        let stream = b"data: {\"jsonrpc\":\"2.0\",\"id\":\"a\",\"error\":{\"code\":-32600,\"message\":\"x\"}}\r\n\r\n";
        assert!(matches!(first_message(stream), Start::Answer(_)));
    }

    #[test]
    fn a_notification_first_keeps_the_stream() {
        let stream =
            b"data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\",\"params\":{}}\n\n";
        assert_eq!(first_message(stream), Start::Other);
    }

    #[test]
    fn an_event_cut_in_the_middle_needs_more() {
        assert_eq!(first_message(b"data: {\"jsonrpc\":"), Start::Incomplete);
        assert_eq!(first_message(b": ping\n\n"), Start::Incomplete);
    }
}
