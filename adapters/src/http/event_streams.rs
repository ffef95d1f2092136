//! Open event streams end when the server drains (SPEC §8). A `GET` answered with
//! `text/event-stream` (the MCP endpoint's stream of server-initiated messages, which carries
//! nothing tessera's tools need) lives until its client leaves, so it would hold a stopping
//! process until `http.shutdown_timeout`. Such a stream ends as the drain begins, and its
//! connection closes with it. Streamed answers to `POST`s (replies to requests in flight)
//! are left to finish.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use actix_web::body::{BodySize, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{ConnectionType, Method, header};
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use tokio::sync::watch;

/// Says "the server is draining" to every open event stream; kept by the composition root.
#[derive(Debug)]
pub struct DrainSignal(watch::Sender<bool>);

/// What event streams listen to; cloned into the middleware of every worker.
#[derive(Debug, Clone)]
pub struct Draining(watch::Receiver<bool>);

/// A new signal and its listener.
pub fn drain_signal() -> (DrainSignal, Draining) {
    let (sender, receiver) = watch::channel(false);
    (DrainSignal(sender), Draining(receiver))
}

impl DrainSignal {
    /// Ends every open event stream, and any opened from now on.
    pub fn drain(&self) {
        self.0.send_replace(true);
    }
}

impl Draining {
    /// Resolves once the drain has begun (at once if it already has).
    fn begun(&self) -> Pin<Box<dyn Future<Output = ()>>> {
        let mut receiver = self.0.clone();
        Box::pin(async move {
            // An error means the signal is gone with the server: nothing left to wait for.
            let _ = receiver.wait_for(|draining| *draining).await;
        })
    }
}

/// Middleware: a `GET` answered with an event stream ends when the drain begins.
pub async fn end_event_streams_on_drain(
    draining: Draining,
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody, UntilDrained>>, actix_web::Error> {
    let get = req.method() == Method::GET;
    let mut response = next.call(req).await?;
    if !(get && streams_events(&response)) {
        return Ok(response.map_into_left_body());
    }
    // When the stream ends, so does the connection: an idle keep-alive connection would
    // otherwise hold the drain for its own timeout.
    response
        .response_mut()
        .head_mut()
        .set_connection_type(ConnectionType::Close);
    Ok(response.map_body(|_, body| {
        EitherBody::right(UntilDrained {
            body: body.boxed(),
            drained: draining.begun(),
        })
    }))
}

/// Whether `response` is an event stream.
fn streams_events<B>(response: &ServiceResponse<B>) -> bool {
    let content_type = response.headers().get(header::CONTENT_TYPE);
    let content_type = content_type.and_then(|v| v.to_str().ok());
    content_type.is_some_and(|v| v.starts_with("text/event-stream"))
}

/// A response body that ends when the drain begins.
pub struct UntilDrained {
    body: BoxBody,
    drained: Pin<Box<dyn Future<Output = ()>>>,
}

impl std::fmt::Debug for UntilDrained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UntilDrained").finish_non_exhaustive()
    }
}

impl MessageBody for UntilDrained {
    type Error = Box<dyn std::error::Error>;

    fn size(&self) -> BodySize {
        self.body.size()
    }

    fn poll_next(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Bytes, Self::Error>>> {
        if self.drained.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Pin::new(&mut self.body).poll_next(cx)
    }
}

#[cfg(test)]
mod tests {
    use actix_web::{App, HttpResponse, test, web};
    use futures_core::Stream;

    use super::*;

    /// An event stream with nothing to say, ever.
    struct Silent;

    impl Stream for Silent {
        type Item = Result<Bytes, actix_web::Error>;

        fn poll_next(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            Poll::Pending
        }
    }

    async fn get_events() -> HttpResponse {
        HttpResponse::Ok()
            .content_type("text/event-stream")
            .streaming(Silent)
    }

    #[actix_web::test]
    async fn an_open_event_stream_ends_when_the_drain_begins_and_closes_its_connection() {
        let (signal, draining) = drain_signal();
        let app = test::init_service(
            App::new()
                .wrap(actix_web::middleware::from_fn(move |req, next| {
                    end_event_streams_on_drain(draining.clone(), req, next)
                }))
                .route("/events", web::get().to(get_events))
                .route("/events", web::post().to(get_events)),
        )
        .await;
        let get = test::TestRequest::get().uri("/events").to_request();
        let response = test::call_service(&app, get).await;
        let head = response.response().head();
        assert_eq!(head.connection_type(), ConnectionType::Close);
        let post = test::TestRequest::post().uri("/events").to_request();
        let reply = test::call_service(&app, post).await;

        signal.drain();
        let wait = std::time::Duration::from_secs(5);
        let read = actix_web::body::to_bytes(response.into_body());
        assert!(
            tokio::time::timeout(wait, read).await.is_ok(),
            "the stream ended"
        );
        let short = std::time::Duration::from_millis(200);
        let reply = actix_web::body::to_bytes(reply.into_body());
        let post_stream = tokio::time::timeout(short, reply).await;
        assert!(post_stream.is_err(), "a streamed reply to a POST goes on");
    }
}
