//! `GET` on the MCP endpoint (SPEC §6, streamable HTTP): the session's server-to-client SSE
//! stream, behind the same bearer check as every other request.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::Duration;

use reqwest::{Method, StatusCode, header};
use serde_json::json;
use tessera_e2e::mcp::{RawMcp, request_message, spawn_mcp, www_authenticate};

#[tokio::test]
async fn get_opens_the_sessions_event_stream_and_the_session_goes_on() {
    let setup = spawn_mcp().await;
    let session = setup.admin_session().await;
    let listening = session.clone().with_accept("text/event-stream");
    let stream = tokio::time::timeout(
        Duration::from_secs(10),
        listening.request(Method::GET).send(),
    )
    .await
    .expect("the stream's head arrives at once")
    .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let content_type = stream.headers()[header::CONTENT_TYPE].to_str().unwrap();
    assert!(
        content_type.starts_with("text/event-stream"),
        "{content_type}"
    );
    let listed = session
        .post(&request_message("tools/list", json!({})))
        .await;
    assert_eq!(listed.status(), StatusCode::OK, "the stream blocks nothing");
    drop(stream);
}

#[tokio::test]
async fn get_without_a_token_is_challenged_like_every_request() {
    let setup = spawn_mcp().await;
    let response = RawMcp::anonymous(&setup.app)
        .with_accept("text/event-stream")
        .request(Method::GET)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = www_authenticate(&response);
    assert!(
        challenge.contains(&format!(
            "resource_metadata=\"{}\"",
            setup.app.mcp_resource_metadata_url()
        )),
        "{challenge}"
    );
}
