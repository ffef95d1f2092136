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
        let Ok(Members(members)) = serde_json::from_str::<Members>(&data) else {
            return Start::Other;
        };
        let answer = members.id && (members.result || members.error);
        return match answer {
            true => Start::Answer(data),
            false => Start::Other,
        };
    }
    Start::Incomplete
}

/// Which of a JSON-RPC message's members decide whether it is an answer: present, with
/// any value (`null` included).
#[derive(Debug, Default)]
struct Seen {
    id: bool,
    result: bool,
    error: bool,
}

/// A JSON object's [`Seen`] members, read without building the message (a JSON value of
/// another kind is refused, as it is no answer).
struct Members(Seen);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = Members;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON-RPC message object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Members, A::Error> {
                let mut seen = Seen::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    match key.as_ref() {
                        "id" => seen.id = true,
                        "result" => seen.result = true,
                        "error" => seen.error = true,
                        _ => {}
                    }
                }
                Ok(Members(seen))
            }
        }
        deserializer.deserialize_map(Visitor)
    }
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
    let start = read_start(&mut body, &mut buffered).await;
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
        Start::Incomplete | Start::Other => restream(builder, buffered, body),
    };
    ServiceResponse::new(request, response)
}

/// Reads `body` into `buffered` until its first message is complete (or it ends, grows too
/// large, or stalls past the request timeout).
async fn read_start(body: &mut BoxBody, buffered: &mut BytesMut) -> Start {
    let deadline =
        tokio::time::Instant::now() + REQUEST_TIMEOUT + std::time::Duration::from_secs(5);
    loop {
        let chunk = tokio::time::timeout_at(deadline, next_chunk(body)).await;
        let Ok(Some(chunk)) = chunk else {
            return Start::Other;
        };
        buffered.extend_from_slice(&chunk);
        match first_message(buffered) {
            Start::Incomplete if buffered.len() < MAX_BUFFERED => continue,
            Start::Incomplete => return Start::Other,
            start => return start,
        }
    }
}

/// The event stream as it came: what was buffered, then the rest of `body`.
fn restream(
    mut builder: HttpResponseBuilder,
    buffered: BytesMut,
    mut body: BoxBody,
) -> HttpResponse {
    let start = futures::stream::once(async move { Ok::<_, actix_web::Error>(buffered.freeze()) });
    let rest = futures::stream::poll_fn(move |cx| Pin::new(&mut body).poll_next(cx))
        .map(|chunk| chunk.map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string())));
    builder
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/event-stream"),
        ))
        .streaming(start.chain(rest))
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
    fn a_null_id_still_counts_and_anything_but_an_object_is_no_answer() {
        let null_id = b"data: {\"jsonrpc\":\"2.0\",\"id\":null,\"error\":{\"code\":-32700,\"message\":\"x\"}}\n\n";
        assert!(matches!(first_message(null_id), Start::Answer(_)));
        let escaped_key = b"data: {\"i\\u0064\":1,\"result\":{\"id\":2}}\n\n";
        assert!(matches!(first_message(escaped_key), Start::Answer(_)));
        let batch =
            b"data: [{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{}},{\"id\":2,\"result\":{}}]\n\n";
        assert_eq!(first_message(batch), Start::Other);
        assert_eq!(
            first_message(b"data: {\"id\":1,\"result\":\n\n"),
            Start::Other
        );
    }

    #[test]
    fn an_event_cut_in_the_middle_needs_more() {
        assert_eq!(first_message(b"data: {\"jsonrpc\":"), Start::Incomplete);
        assert_eq!(first_message(b": ping\n\n"), Start::Incomplete);
    }
}
