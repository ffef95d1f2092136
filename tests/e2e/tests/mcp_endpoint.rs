//! The MCP endpoint's transport and protection (SPEC §6), pinned over raw HTTP: challenge
//! headers and statuses, `Host` checking, protocol versions, sessions and replicas.

use reqwest::{StatusCode, header};
use serde_json::json;
use tessera_e2e::mcp::{
    ACCEPT_BOTH, RawMcp, initialize_message, request_message, rpc_reply, spawn_mcp,
    www_authenticate,
};
use tessera_e2e::{new_client, spawn_on_database};

#[tokio::test]
async fn a_request_without_a_token_is_refused_with_a_challenge_naming_the_resource_metadata() {
    let setup = spawn_mcp().await;

    let response = RawMcp::anonymous(&setup.app)
        .post(&initialize_message())
        .await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let metadata = setup.app.mcp_resource_metadata_url();
    assert_eq!(
        www_authenticate(&response),
        format!("Bearer resource_metadata=\"{metadata}\"")
    );
}

#[tokio::test]
async fn an_unknown_token_is_refused_as_an_invalid_token() {
    let setup = spawn_mcp().await;

    let response = RawMcp::new(&setup.app, "not-a-token")
        .post(&initialize_message())
        .await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let metadata = setup.app.mcp_resource_metadata_url();
    assert_eq!(
        www_authenticate(&response),
        format!("Bearer resource_metadata=\"{metadata}\", error=\"invalid_token\"")
    );
}

#[tokio::test]
async fn a_revoked_token_is_refused_as_an_invalid_token() {
    let setup = spawn_mcp().await;
    let token = setup.admin_access_token("mcp").await;
    let revoked = setup.app.revoke(&setup.client, &token).await;
    assert_eq!(revoked.status(), StatusCode::OK);

    let response = RawMcp::new(&setup.app, &token)
        .post(&initialize_message())
        .await;

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let metadata = setup.app.mcp_resource_metadata_url();
    assert_eq!(
        www_authenticate(&response),
        format!("Bearer resource_metadata=\"{metadata}\", error=\"invalid_token\"")
    );
}

#[tokio::test]
async fn a_token_without_the_mcp_scope_is_forbidden_with_an_insufficient_scope_challenge() {
    let setup = spawn_mcp().await;
    let token = setup.admin_access_token("user:read").await;

    let response = RawMcp::new(&setup.app, &token)
        .post(&initialize_message())
        .await;

    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let metadata = setup.app.mcp_resource_metadata_url();
    assert_eq!(
        www_authenticate(&response),
        format!(
            "Bearer error=\"insufficient_scope\", scope=\"mcp\", resource_metadata=\"{metadata}\""
        )
    );
}

#[tokio::test]
async fn a_foreign_host_header_is_forbidden_even_before_the_token_is_checked() {
    let setup = spawn_mcp().await;
    let token = setup.admin_access_token("mcp").await;

    let with_token = RawMcp::new(&setup.app, &token).with_host("evil.example");
    let without_token = RawMcp::anonymous(&setup.app).with_host("evil.example");

    let response = with_token.post(&initialize_message()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let response = without_token.post(&initialize_message()).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_health_endpoint_accepts_any_host_header() {
    let setup = spawn_mcp().await;

    let response = new_client()
        .get(setup.app.url("/healthz"))
        .header(header::HOST, "evil.example")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_unsupported_protocol_version_header_is_a_bad_request() {
    let setup = spawn_mcp().await;
    let session = setup.admin_session().await;

    let response = session
        .with_protocol_version("1999-01-01")
        .post(&request_message("tools/list", json!({})))
        .await;

    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_supported_protocol_version_header_is_accepted() {
    let setup = spawn_mcp().await;
    let session = setup.admin_session().await;

    for version in ["2025-03-26", "2025-06-18", "2025-11-25"] {
        let response = session
            .clone()
            .with_protocol_version(version)
            .post(&request_message("tools/list", json!({})))
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{version}");
    }
}

#[tokio::test]
async fn a_token_in_the_query_string_is_not_accepted() {
    let setup = spawn_mcp().await;
    let token = setup.admin_access_token("mcp").await;

    let response = new_client()
        .post(format!("{}?access_token={token}", setup.app.mcp_url()))
        .header(header::ACCEPT, ACCEPT_BOTH)
        .json(&initialize_message())
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let metadata = setup.app.mcp_resource_metadata_url();
    assert!(www_authenticate(&response).contains(&format!("resource_metadata=\"{metadata}\"")));
}

#[tokio::test]
async fn a_token_for_the_mcp_endpoint_works_there_and_is_refused_by_the_api() {
    let setup = spawn_mcp().await;
    let mcp_url = setup.app.mcp_url();
    let token = setup
        .browser
        .access_token(&setup.client, "user:read mcp", Some(&mcp_url))
        .await;

    let mut session = RawMcp::new(&setup.app, &token);
    session.initialize().await;

    assert!(session.tool_names().await.contains(&"whoami".to_owned()));
    assert_eq!(setup.app.me_status(&token).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn initialize_over_post_opens_a_session_with_an_id() {
    let setup = spawn_mcp().await;
    let token = setup.admin_access_token("mcp").await;

    let response = RawMcp::new(&setup.app, &token)
        .post(&initialize_message())
        .await;

    assert_eq!(response.status(), StatusCode::OK);
    let session_id = response.headers().get("mcp-session-id").cloned();
    assert!(!session_id.expect("an Mcp-Session-Id").is_empty());
    let reply = rpc_reply(response).await;
    assert_eq!(reply["id"], 1);
    assert!(reply["result"]["protocolVersion"].is_string(), "{reply}");
    assert!(
        reply["result"]["capabilities"]["tools"].is_object(),
        "{reply}"
    );
}

#[tokio::test]
async fn a_deleted_session_is_not_found_afterwards() {
    let setup = spawn_mcp().await;
    let session = setup.admin_session().await;

    let deleted = session.delete().await;
    // 200: the MCP Python SDK accepts only 200 or 204 for an ended session.
    assert_eq!(deleted.status(), reqwest::StatusCode::OK);

    let response = session
        .post(&request_message("tools/list", json!({})))
        .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_session_opened_on_one_replica_continues_on_another() {
    let setup = spawn_mcp().await;
    let first = &setup.app;
    let second = spawn_on_database(first.database_url.clone(), |settings| {
        settings.access_url = first.address.clone();
    })
    .await;
    let token = setup.admin_access_token("mcp").await;
    let mut on_first = RawMcp::new(first, &token);
    on_first.open().await;

    let on_second = on_first.via(&second);
    on_second.notify_initialized().await;

    assert!(on_second.tool_names().await.contains(&"whoami".to_owned()));
    let me = on_second.call_tool("whoami", json!({})).await;
    assert_eq!(me["structuredContent"]["username"], "admin");
}
