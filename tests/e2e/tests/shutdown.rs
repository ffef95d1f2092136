//! Shutting down (SPEC §8): `/readyz` fails while everything else is still served for
//! `http.shutdown_delay`, then open event streams end and the server stops without waiting
//! for them. The real binary under SIGTERM is in bootstrap/tests/signals.rs.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::{Duration, Instant};

use reqwest::{StatusCode, header};
use tessera_bootstrap::settings::ConfigDuration;
use tessera_e2e::mcp::spawn_mcp;
use tessera_e2e::{new_client, spawn_app_with};

#[tokio::test]
async fn once_shutdown_begins_readyz_is_503_while_everything_else_is_served_for_the_delay() {
    let app = spawn_app_with(|s| s.http.shutdown_delay = ConfigDuration::seconds(2)).await;
    let started = Instant::now();
    app.begin_shutdown();

    let fresh = new_client();
    let ready = fresh.get(app.url("/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.text().await.unwrap(), "shutting down");
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    app.create_admin().await;

    app.wait_until_stopped().await;
    assert!(
        started.elapsed() >= Duration::from_secs(2),
        "served through the delay"
    );
    assert!(new_client().get(app.url("/healthz")).send().await.is_err());
}

#[tokio::test]
async fn an_open_mcp_event_stream_ends_at_shutdown_instead_of_holding_it() {
    let setup = spawn_mcp().await;
    let mcp = setup.admin_session().await;
    let stream = mcp
        .request(reqwest::Method::GET)
        .header(header::ACCEPT, "text/event-stream")
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(
        stream.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );

    let started = Instant::now();
    setup.app.begin_shutdown();
    let ended = tokio::time::timeout(Duration::from_secs(10), stream.bytes()).await;
    setup.app.wait_until_stopped().await;

    assert!(ended.is_ok(), "the stream ended");
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "stopped in {took:?}, far below the 25 s timeout"
    );
}
