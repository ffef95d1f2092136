//! Request bodies that never arrive are timed out. actix-web bounds the request head (5 s,
//! `client_request_timeout`) and idle keep-alive connections, but not the body: a client
//! that sends `Content-Length: 1000` and then nothing would hold its connection and a worker
//! task forever. Every request body is read through [`TimedBody`] instead, which fails with a
//! timeout, answered 408, when the client stalls or trickles.

use std::cell::Cell;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::ConnectionType;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use actix_web::{HttpMessage, ResponseError};
use futures_core::Stream;
use tokio::time::{Instant, Sleep, sleep_until};

use super::error::ApiError;

/// Longest pause between two parts of a body. No client sending a body in earnest pauses
/// this long (TCP itself retransmits a lost segment within a few seconds), while a stalled
/// or idle client lets go of its connection within seconds.
pub const BODY_IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Longest time for a whole body, from the request head on. Every body tessera reads is at
/// most 4 MiB (the MCP endpoint; JSON 1 MiB, forms 64 KiB), which fits in 60 s even at
/// 0.6 Mbit/s; a client trickling a byte now and then holds a connection a minute at most.
pub const BODY_TOTAL_TIMEOUT: Duration = Duration::from_secs(60);

/// Middleware: the request's body, if it has one, is read through a [`TimedBody`]; when it
/// times out the answer is 408, whatever the handler made of the error, and the connection
/// closes (the rest of the body would still be on its way).
pub async fn time_out_bodies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let payload = req.take_payload();
    let timed_out = Rc::new(Cell::new(false));
    if matches!(payload, Payload::None) {
        req.set_payload(payload);
    } else {
        let timed = TimedBody::new(payload, BODY_IDLE_TIMEOUT, BODY_TOTAL_TIMEOUT)
            .reporting_to(timed_out.clone());
        let timed: Pin<Box<dyn Stream<Item = _>>> = Box::pin(timed);
        req.set_payload(Payload::from(timed));
    }
    let response = next.call(req).await?;
    if !timed_out.get() {
        return Ok(response.map_into_left_body());
    }
    let (request, _) = response.into_parts();
    let mut timeout = ApiError::RequestTimeout.error_response();
    timeout
        .head_mut()
        .set_connection_type(ConnectionType::Close);
    Ok(ServiceResponse::new(request, timeout).map_into_right_body())
}

/// A body stream that fails (with an I/O error of kind `TimedOut`) once `idle` passes without
/// a part arriving, or `total` passes since it was made.
pub struct TimedBody<S> {
    inner: S,
    idle: Duration,
    total_deadline: Instant,
    timer: Pin<Box<Sleep>>,
    done: bool,
    timed_out: Rc<Cell<bool>>,
}

impl<S> TimedBody<S> {
    /// Wraps `inner`; both clocks start now.
    pub fn new(inner: S, idle: Duration, total: Duration) -> Self {
        let now = Instant::now();
        let total_deadline = now + total;
        Self {
            inner,
            idle,
            total_deadline,
            timer: Box::pin(sleep_until((now + idle).min(total_deadline))),
            done: false,
            timed_out: Rc::default(),
        }
    }

    /// Sets `flag` when the body times out.
    pub fn reporting_to(self, flag: Rc<Cell<bool>>) -> Self {
        Self {
            timed_out: flag,
            ..self
        }
    }
}

impl<S> Stream for TimedBody<S>
where
    S: Stream<Item = Result<Bytes, PayloadError>> + Unpin,
{
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.done {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(part))) => {
                let next = (Instant::now() + self.idle).min(self.total_deadline);
                self.timer.as_mut().reset(next);
                Poll::Ready(Some(Ok(part)))
            }
            Poll::Ready(other) => {
                self.done = true;
                Poll::Ready(other)
            }
            Poll::Pending => match self.timer.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    self.done = true;
                    self.timed_out.set(true);
                    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "the request body did not arrive in time",
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::io::ErrorKind;

    use super::*;

    /// A client sending a body: each step is a pause, then a part; after the last step the
    /// body either ends or the client goes silent.
    struct Client {
        steps: VecDeque<(Duration, &'static str)>,
        pause: Option<Pin<Box<Sleep>>>,
        ends: bool,
    }

    impl Client {
        fn new(steps: &[(u64, &'static str)], ends: bool) -> Self {
            let steps = steps
                .iter()
                .map(|(ms, part)| (Duration::from_millis(*ms), *part))
                .collect();
            Self {
                steps,
                pause: None,
                ends,
            }
        }
    }

    impl Stream for Client {
        type Item = Result<Bytes, PayloadError>;

        fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
            let Some(&(pause, part)) = self.steps.front() else {
                return if self.ends {
                    Poll::Ready(None)
                } else {
                    Poll::Pending
                };
            };
            let timer = self
                .pause
                .get_or_insert_with(|| Box::pin(tokio::time::sleep(pause)));
            if timer.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            self.pause = None;
            self.steps.pop_front();
            Poll::Ready(Some(Ok(Bytes::from_static(part.as_bytes()))))
        }
    }

    /// The whole body, or whether the failure was a timeout.
    async fn read(client: Client, idle_ms: u64, total_ms: u64) -> Result<String, bool> {
        let idle = Duration::from_millis(idle_ms);
        let mut body = TimedBody::new(client, idle, Duration::from_millis(total_ms));
        let mut read = String::new();
        loop {
            match std::future::poll_fn(|cx| Pin::new(&mut body).poll_next(cx)).await {
                Some(Ok(part)) => read.push_str(std::str::from_utf8(&part).unwrap()),
                Some(Err(PayloadError::Io(e))) => return Err(e.kind() == ErrorKind::TimedOut),
                Some(Err(_)) => return Err(false),
                None => return Ok(read),
            }
        }
    }

    #[tokio::test]
    async fn a_body_that_stops_arriving_fails_with_a_timeout_after_the_idle_time() {
        let stalls = Client::new(&[(0, "{\"a\":")], false);
        let started = Instant::now();
        assert_eq!(read(stalls, 100, 10_000).await, Err(true));
        assert!(started.elapsed() < Duration::from_secs(2));
    }

    #[tokio::test]
    async fn a_trickling_body_fails_with_a_timeout_after_the_total_time() {
        let trickles = Client::new(&[(60, "a"), (60, "b"), (60, "c"), (60, "d")], true);
        assert_eq!(read(trickles, 100, 150).await, Err(true));
    }

    #[tokio::test]
    async fn a_body_arriving_in_parts_with_short_pauses_is_read_whole() {
        let steady = Client::new(&[(20, "he"), (20, "llo")], true);
        assert_eq!(read(steady, 100, 5_000).await, Ok("hello".into()));
    }
}
