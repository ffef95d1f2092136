//! Requests to the MCP endpoint (SPEC §6): every one answered, as one JSON body unless the
//! client asks for a stream; bodies bounded as on the rest of the API; the audit log names
//! the client's address behind a trusted proxy.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::{Duration, Instant};

use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use tessera_e2e::mcp::{RawMcp, rpc_reply, spawn_mcp, spawn_mcp_with};

/// `tools/call whoami` with JSON-RPC id `id`.
fn whoami(id: u64) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": "whoami", "arguments": {}}})
}

fn content_type(response: &reqwest::Response) -> String {
    let value = response.headers().get(header::CONTENT_TYPE).unwrap();
    value.to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_flood_of_requests_reusing_one_id_is_answered_and_a_normal_call_stays_prompt() {
    let setup = spawn_mcp().await;
    let session = setup.admin_session().await;

    let flood = (0..90).map(|_| {
        let session = session.clone();
        tokio::spawn(async move {
            let sent = tokio::time::timeout(Duration::from_secs(5), async {
                rpc_reply(session.post(&whoami(7)).await).await
            });
            sent.await.expect("answered within 5 s")
        })
    });
    let replies: Vec<Value> = futures::future::join_all(flood)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();

    for reply in &replies {
        assert_eq!(reply["id"], 7, "{reply}");
        let refused = reply["error"]["code"] == -32600;
        assert!(reply.get("result").is_some() || refused, "{reply}");
    }
    assert!(replies.iter().any(|r| r.get("result").is_some()));
    let started = Instant::now();
    let me = session.call_tool("whoami", json!({})).await;
    assert_eq!(me["structuredContent"]["username"], "admin");
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_call_is_answered_with_one_json_body_when_the_client_accepts_json() {
    let setup = spawn_mcp().await;
    let token = setup.admin_access_token("mcp").await;
    let mut session = RawMcp::new(&setup.app, &token);

    let initialize = session.post(&tessera_e2e::mcp::initialize_message()).await;
    assert_eq!(content_type(&initialize), "application/json");
    assert!(initialize.headers().get("mcp-session-id").is_some());
    session.session_id = Some(
        initialize.headers()["mcp-session-id"]
            .to_str()
            .unwrap()
            .to_owned(),
    );
    session.notify_initialized().await;
    let call = session.post(&whoami(3)).await;

    assert_eq!(call.status(), StatusCode::OK);
    assert_eq!(content_type(&call), "application/json");
    let reply: Value = call.json().await.unwrap();
    assert_eq!(reply["id"], 3);
    assert_eq!(reply["result"]["structuredContent"]["username"], "admin");
}

#[tokio::test]
async fn a_client_asking_only_for_an_event_stream_gets_one() {
    let setup = spawn_mcp().await;
    let session = setup.admin_session().await.with_accept("text/event-stream");

    let call = session.post(&whoami(3)).await;

    assert_eq!(call.status(), StatusCode::OK);
    assert!(content_type(&call).starts_with("text/event-stream"));
    let reply = rpc_reply(call).await;
    assert_eq!(reply["result"]["structuredContent"]["username"], "admin");
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_refused_with_413_like_the_rest_of_the_api() {
    let setup = spawn_mcp().await;
    let session = setup.admin_session().await;
    let padded = |size: usize| {
        let mut call = whoami(4);
        call["params"]["_meta"] = json!({"pad": "x".repeat(size)});
        call
    };

    let too_large = session.post(&padded(1024 * 1024)).await;
    let within = session.post(&padded(1024 * 1024 - 1024)).await;

    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(within.status(), StatusCode::OK);
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_audit_log_names_the_forwarded_client_address() {
    let setup = spawn_mcp_with(|s| s.http.trusted_proxies = vec!["127.0.0.0/8".into()]).await;
    let client_id = setup.client.client_id.clone();
    let session = setup
        .admin_session()
        .await
        .with_header("X-Forwarded-For", "203.0.113.9");

    let revoked = session
        .call_tool("revoke_app_authorization", json!({"client_id": client_id}))
        .await;
    assert_ne!(revoked["isError"], true, "{revoked}");

    let audit: Value = setup
        .app
        .get_with_bearer("/api/v2/audit?limit=1", &setup.admin_token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["audit_logs"][0]["ip"], "203.0.113.9", "{audit}");
}
