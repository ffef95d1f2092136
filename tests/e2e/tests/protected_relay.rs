//! tessera in front of another MCP server (SPEC §9): the relay at `/mcp/<slug>`, its
//! checks and challenges, what the upstream sees, and how failures come back.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::Duration;

use reqwest::{StatusCode, header};
use serde_json::{Value, json};
use tessera_e2e::mcp::{RawMcp, initialize_message, www_authenticate};
use tessera_e2e::new_client;
use tessera_e2e::protected::{spawn_protected, verify_assertion};
use tessera_e2e::upstream::header as seen_header;

#[tokio::test]
async fn the_upstream_sees_who_calls_with_a_verifiable_assertion_and_never_the_token() {
    let s = spawn_protected().await;
    let token = s.token_for("docs").await;
    let mut mcp = s.raw("docs", &token);
    let init = mcp.initialize().await;
    assert_eq!(
        init["serverInfo"]["name"], "upstream",
        "the upstream answered"
    );
    assert_eq!(mcp.tool_names().await, ["slow_count", "whoami"]);

    let forged = mcp
        .request(reqwest::Method::POST)
        .header("X-Tessera-Username", "mallory")
        .header("X-Tessera-Assertion", "forged")
        .header(header::COOKIE, "tessera_session=tss_stolen")
        .json(&json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                      "params": {"name": "whoami", "arguments": {}}}))
        .send()
        .await
        .unwrap();
    let reply = tessera_e2e::mcp::rpc_reply(forged).await;
    let me = &reply["result"]["structuredContent"];
    assert_eq!(me["username"], "admin");
    assert_eq!(me["email"], tessera_e2e::ADMIN_EMAIL);
    assert_eq!(me["client_id"], s.client.client_id.as_str());
    assert_eq!(me["scopes"], "mcp");

    let (header, claims) = verify_assertion(&s.app, &s.upstream.last_assertion()).await;
    assert_eq!(header["alg"], "EdDSA");
    assert_eq!(claims["iss"], s.app.address);
    assert_eq!(claims["aud"], s.app.protected_url("docs"));
    assert_eq!(claims["sub"], me["user_id"]);
    assert_eq!(claims["client_id"], s.client.client_id.as_str());
    assert_eq!(claims["scope"], "mcp");
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        60
    );
    assert!(claims["jti"].is_string());

    let seen = s.upstream.seen();
    assert!(seen.len() >= 4, "every request reached the upstream");
    for headers in &seen {
        assert_eq!(
            seen_header(headers, "authorization"),
            None,
            "no token passthrough"
        );
        assert_eq!(seen_header(headers, "cookie"), None, "no cookies");
        assert_eq!(seen_header(headers, "x-tessera-username"), Some("admin"));
    }
    let deleted = mcp.delete().await;
    assert!(
        deleted.status().is_success(),
        "DELETE reaches the upstream: {}",
        deleted.status()
    );
}

#[tokio::test]
async fn a_token_for_another_server_or_for_tessera_is_refused_with_this_servers_challenge() {
    let s = spawn_protected().await;
    let other = tessera_e2e::upstream::spawn_upstream().await;
    s.app
        .protect_server(&s.admin_token, "files", &other.url)
        .await;
    let for_docs = s.token_for("docs").await;
    let for_tessera = s.browser.access_token(&s.client, "mcp", None).await;

    let at_files = RawMcp::at(&s.app.protected_url("files"), Some(&for_docs))
        .post(&initialize_message())
        .await;
    assert_eq!(at_files.status(), StatusCode::UNAUTHORIZED);
    let files_metadata = s.app.protected_metadata_url("files");
    assert_eq!(
        www_authenticate(&at_files),
        format!("Bearer resource_metadata=\"{files_metadata}\", error=\"invalid_token\"")
    );
    let tessera_at_docs = s
        .raw("docs", &for_tessera)
        .post(&initialize_message())
        .await;
    assert_eq!(tessera_at_docs.status(), StatusCode::UNAUTHORIZED);
    let docs_at_tessera = RawMcp::new(&s.app, &for_docs)
        .post(&initialize_message())
        .await;
    assert_eq!(docs_at_tessera.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(s.app.me_status(&for_docs).await, StatusCode::UNAUTHORIZED);
    assert!(
        other.seen().is_empty(),
        "nothing reached the other upstream"
    );

    let anonymous = RawMcp::at(&s.app.protected_url("docs"), None)
        .post(&initialize_message())
        .await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let docs_metadata = s.app.protected_metadata_url("docs");
    assert_eq!(
        www_authenticate(&anonymous),
        format!("Bearer resource_metadata=\"{docs_metadata}\"")
    );
    let foreign_host = s
        .raw("docs", &for_docs)
        .with_host("evil.example")
        .post(&initialize_message())
        .await;
    assert_eq!(foreign_host.status(), StatusCode::FORBIDDEN);
    let unknown = RawMcp::at(&s.app.protected_url("nope"), Some(&for_docs))
        .post(&initialize_message())
        .await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_token_without_the_servers_scope_gets_403_naming_it() {
    let s = spawn_protected().await;
    let body = json!({"name": "Docs", "upstream_url": s.upstream.url, "scopes": ["user:read"]});
    let put = s
        .app
        .admin_api(
            &s.admin_token,
            reqwest::Method::PUT,
            "/api/v2/mcp-servers/docs",
            Some(&body),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    let token = s.token_for("docs").await;
    let refused = s.raw("docs", &token).post(&initialize_message()).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let challenge = www_authenticate(&refused);
    assert!(
        challenge.starts_with("Bearer error=\"insufficient_scope\", scope=\"user:read\""),
        "{challenge}"
    );
}

#[tokio::test]
async fn discovery_describes_each_server_and_publishes_the_keys() {
    let s = spawn_protected().await;
    let metadata: Value = new_client()
        .get(s.app.protected_metadata_url("docs"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(metadata["resource"], s.app.protected_url("docs"));
    assert_eq!(metadata["authorization_servers"], json!([s.app.address]));
    assert_eq!(metadata["scopes_supported"], json!(["mcp"]));
    assert_eq!(metadata["resource_name"], "docs MCP");
    let unknown = new_client()
        .get(s.app.protected_metadata_url("nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let server: Value = s
        .app
        .get("/.well-known/oauth-authorization-server")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(server["jwks_uri"], s.app.url("/.well-known/jwks.json"));
    let preflight = new_client()
        .request(reqwest::Method::OPTIONS, s.app.protected_url("docs"))
        .header(header::ORIGIN, "https://inspector.example")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, mcp-session-id",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    assert_eq!(preflight.headers()["access-control-allow-origin"], "*");
}

#[tokio::test]
async fn the_consent_page_names_the_protected_server() {
    let s = spawn_protected().await;
    let pkce = tessera_e2e::oauth::pkce_pair();
    let request = tessera_e2e::oauth::AuthorizeRequest::new(&s.client, &pkce)
        .set("scope", "mcp")
        .set("resource", &s.app.protected_url("docs"));
    let page = s.browser.consent_page(&request).await;
    assert!(page.contains("Use docs MCP on your behalf"), "{page}");
    let unknown = tessera_e2e::oauth::AuthorizeRequest::new(&s.client, &pkce)
        .set("resource", &s.app.protected_url("nope"));
    let response = s.browser.authorize(&unknown).await;
    let location = tessera_e2e::oauth::location(&response);
    assert!(location.contains("error=invalid_target"), "{location}");
}

#[tokio::test]
async fn sse_events_arrive_as_the_upstream_sends_them_before_it_finishes() {
    let s = spawn_protected().await;
    let token = s.token_for("docs").await;
    let mut mcp = s.raw("docs", &token);
    mcp.initialize().await;
    let mut response = mcp
        .request(reqwest::Method::POST)
        .header(header::ACCEPT, "application/json, text/event-stream")
        .json(&json!({"jsonrpc": "2.0", "id": 5, "method": "tools/call",
                      "params": {"name": "slow_count", "arguments": {}, "_meta": {"progressToken": "p"}}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    // The tool sends one progress event and then waits for this test: the event can only
    // arrive if the relay passes it on before the tool finishes (a buffering relay hangs
    // here until the timeout).
    let mut buffer = String::new();
    let first = tokio::time::timeout(Duration::from_secs(10), async {
        while !buffer.contains("notifications/progress") {
            let chunk = response.chunk().await.unwrap().expect("the stream went on");
            buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    })
    .await;
    assert!(
        first.is_ok(),
        "no progress event while the tool was still running: {buffer}"
    );
    assert!(!buffer.contains("\"counted\""), "the tool had not finished");
    s.upstream.finish_slow_count();
    while let Some(chunk) = response.chunk().await.unwrap() {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        if buffer.contains("\"counted\"") {
            break;
        }
    }
    assert!(buffer.contains("\"counted\""), "the result: {buffer}");
}

#[tokio::test]
async fn upstream_failures_are_502_or_504_with_a_json_rpc_error_and_its_own_errors_pass_through() {
    let s = spawn_protected().await;
    // A port where nothing listens (port 1, which no port-0 bind of another test can be
    // handed, unlike a free port let go of), and one that accepts but never answers.
    let closed_url = "http://127.0.0.1:1/mcp";
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_url = format!("http://{}/mcp", silent.local_addr().unwrap());
    let hold = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            open.push(socket);
        }
    });
    s.app
        .protect_server(&s.admin_token, "down", closed_url)
        .await;
    let slow =
        json!({"slug": "slow", "name": "Slow", "upstream_url": silent_url, "timeout_seconds": 1});
    let created = s
        .app
        .admin_api(
            &s.admin_token,
            reqwest::Method::POST,
            "/api/v2/mcp-servers",
            Some(&slow),
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);

    for (slug, status) in [
        ("down", StatusCode::BAD_GATEWAY),
        ("slow", StatusCode::GATEWAY_TIMEOUT),
    ] {
        let token = s.token_for(slug).await;
        let response = s.raw(slug, &token).post(&initialize_message()).await;
        assert_eq!(response.status(), status, "{slug}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["jsonrpc"], "2.0", "{slug}: {body}");
        assert_eq!(body["id"], 1, "the request's own id");
        assert!(body["error"]["message"].is_string());
    }
    hold.abort();

    // The upstream's own refusal (an unknown session) comes back as the upstream sent it.
    let token = s.token_for("docs").await;
    let mut mcp = s.raw("docs", &token);
    mcp.session_id = Some("no-such-session".into());
    let relayed = mcp
        .post(&json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}))
        .await;
    let direct = new_client()
        .post(&s.upstream.url)
        .header(header::ACCEPT, "application/json, text/event-stream")
        .header("Mcp-Session-Id", "no-such-session")
        .header("MCP-Protocol-Version", "2025-06-18")
        .json(&json!({"jsonrpc": "2.0", "id": 3, "method": "tools/list"}))
        .send()
        .await
        .unwrap();
    assert!(direct.status().is_client_error(), "{}", direct.status());
    assert_eq!(relayed.status(), direct.status());
    assert_eq!(relayed.text().await.unwrap(), direct.text().await.unwrap());
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_refused_with_413() {
    let s = spawn_protected().await;
    let token = s.token_for("docs").await;
    let big = json!({"jsonrpc": "2.0", "id": 1, "method": "ping", "params": {"pad": "x".repeat(1024 * 1024)}});
    let response = s.raw("docs", &token).post(&big).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}
