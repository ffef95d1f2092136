//! Clients that are slow on purpose: a request body that never arrives does not hold its
//! connection (issue 14 #22).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::{Duration, Instant};

use tessera_adapters::http::BODY_IDLE_TIMEOUT;
use tessera_e2e::spawn_app;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn a_request_body_that_stops_arriving_gets_408_and_a_closed_connection() {
    let app = spawn_app().await;
    let address = app.address.trim_start_matches("http://");
    let mut socket = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST /api/v2/users/login HTTP/1.1\r\nHost: {address}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"email\":"
    );
    socket.write_all(head.as_bytes()).await.unwrap();
    let started = Instant::now();

    let mut answer = Vec::new();
    let bound = BODY_IDLE_TIMEOUT + Duration::from_secs(5);
    let read = tokio::time::timeout(bound, socket.read_to_end(&mut answer)).await;

    assert!(
        read.is_ok(),
        "no answer and the connection still open after {bound:?}"
    );
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(started.elapsed() >= BODY_IDLE_TIMEOUT - Duration::from_millis(100));
}
