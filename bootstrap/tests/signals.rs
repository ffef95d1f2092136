//! The real `tessera serve` under SIGTERM and SIGINT (SPEC §8): `/readyz` 503 while the rest
//! is served for `http.shutdown_delay`, requests in flight finish, the process exits cleanly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

#[path = "support/serve.rs"]
mod serve;

use std::time::{Duration, Instant};

use serve::Serve;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn serve_on_a_fresh_database(env: &[(&str, &str)]) -> Serve {
    let url = tessera_test_support::fresh_database().await;
    let mut env = env.to_vec();
    env.push(("TESSERA_DATABASE__URL", &url));
    let serve = Serve::start(&env);
    serve.wait_ready().await;
    serve
}

/// A `POST` of JSON over a raw connection, its body sent in two halves when the test says.
struct HalfSent {
    socket: TcpStream,
    rest: Vec<u8>,
}

impl HalfSent {
    async fn post(base: &str, path: &str, body: &serde_json::Value) -> Self {
        let address = base.trim_start_matches("http://");
        let mut socket = TcpStream::connect(address).await.unwrap();
        let body = body.to_string().into_bytes();
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let (first, rest) = body.split_at(body.len() / 2);
        socket.write_all(head.as_bytes()).await.unwrap();
        socket.write_all(first).await.unwrap();
        Self {
            socket,
            rest: rest.to_vec(),
        }
    }

    /// Sends the rest of the body; returns the status line of the answer.
    async fn finish(mut self) -> String {
        self.socket.write_all(&self.rest).await.unwrap();
        let mut answer = Vec::new();
        self.socket.read_to_end(&mut answer).await.unwrap();
        let answer = String::from_utf8_lossy(&answer);
        answer.lines().next().unwrap_or_default().to_owned()
    }
}

#[tokio::test]
async fn sigterm_lets_a_request_in_flight_finish_then_exits_cleanly() {
    let mut serve = serve_on_a_fresh_database(&[]).await;
    let body = serde_json::json!({"email": "ada@example.com", "username": "ada", "password": "correct horse"});
    // In flight for sure: the server has the request, and it cannot finish without the rest
    // of its body, which is sent only once the drain has begun.
    let request = HalfSent::post(&serve.base, "/api/v2/users/first", &body).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while serve.metric("tessera_http_requests_in_flight").await < 1.0 {
        assert!(
            Instant::now() < deadline,
            "the server never had the request"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    serve.signal("TERM");
    let draining = "shutting down: no new connections; finishing the requests in flight";
    serve.wait_for_log(draining, Duration::from_secs(10));
    // The listeners close right after that line (actix's accept loop takes the stop command
    // on its own thread), while the request in flight still waits for its body.
    let deadline = Instant::now() + Duration::from_secs(5);
    while serve.status("/healthz").await.is_some() {
        assert!(Instant::now() < deadline, "still accepting new connections");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let answer = request.finish().await;
    let (status, _) = serve.wait_exit(Duration::from_secs(30)).await;
    let said = serve.output_after_exit();
    assert_eq!(answer, "HTTP/1.1 201 Created", "tessera logged:\n{said}");
    assert!(status.success(), "tessera logged:\n{said}");
}

#[tokio::test]
async fn after_sigterm_readyz_is_503_while_everything_else_is_served_for_the_shutdown_delay() {
    let mut serve = serve_on_a_fresh_database(&[("TESSERA_HTTP__SHUTDOWN_DELAY", "2s")]).await;

    serve.signal("TERM");
    let signalled = Instant::now();
    while serve.status("/readyz").await == Some(200) {
        assert!(signalled.elapsed() < Duration::from_secs(1), "still ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    assert_eq!(
        serve.status("/readyz").await,
        Some(503),
        "a new connection sees 503"
    );
    assert_eq!(serve.status("/healthz").await, Some(200));
    assert_eq!(serve.status("/api/v2/users/me").await, Some(401));
    serve.metric("tessera_http_requests_in_flight").await; // the metrics listener too
    let (status, _) = serve.wait_exit(Duration::from_secs(30)).await;
    assert!(status.success());
    assert!(
        signalled.elapsed() >= Duration::from_secs(2),
        "served through the delay"
    );
}

#[tokio::test]
async fn sigint_at_a_terminal_skips_the_shutdown_delay() {
    let mut serve = serve_on_a_fresh_database(&[("TESSERA_HTTP__SHUTDOWN_DELAY", "30s")]).await;

    serve.signal("INT");

    let (status, took) = serve.wait_exit(Duration::from_secs(10)).await;
    assert!(status.success());
    assert!(took < Duration::from_secs(5), "exited in {took:?}");
}
