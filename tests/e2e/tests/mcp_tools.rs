//! The MCP endpoint's tools (SPEC §6): what each lists, returns and does, per role.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_e2e::mcp::{RawMcp, spawn_mcp, structured};
use tessera_e2e::oauth::REDIRECT_URI;

fn app_with<'a>(apps: &'a Value, key: &str, id: &str) -> Option<&'a Value> {
    apps["apps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a[key] == id)
}

#[tokio::test]
async fn an_admin_is_offered_four_tools_and_a_member_three() {
    let setup = spawn_mcp().await;
    let admin = setup.admin_session().await;
    let mut member = RawMcp::new(&setup.app, &setup.member_access_token("bob").await);
    member.initialize().await;

    let everyone = ["list_authorized_apps", "revoke_app_authorization", "whoami"];
    let mut admin_only = everyone.to_vec();
    admin_only.insert(1, "list_oauth2_apps");
    assert_eq!(admin.tool_names().await, admin_only);
    assert_eq!(member.tool_names().await, everyone);
}

#[tokio::test]
async fn every_tool_declares_an_input_schema_and_whether_it_only_reads_or_destroys() {
    let setup = spawn_mcp().await;

    let tools = setup.admin_session().await.tools().await;

    assert_eq!(tools.len(), 4);
    for tool in &tools {
        let name = tool["name"].as_str().unwrap();
        assert_eq!(tool["inputSchema"]["type"], "object", "{name}");
        let hints = &tool["annotations"];
        if name == "revoke_app_authorization" {
            assert_eq!(hints["destructiveHint"], true, "{name}");
            let schema = &tool["inputSchema"];
            assert!(schema["properties"]["client_id"].is_object(), "{schema}");
            assert_eq!(schema["required"], json!(["client_id"]));
        } else {
            assert_eq!(hints["readOnlyHint"], true, "{name}");
        }
    }
}

#[tokio::test]
async fn whoami_returns_the_user_the_token_was_issued_to() {
    let setup = spawn_mcp().await;
    let me: Value = setup
        .app
        .get_with_bearer("/api/v2/users/me", &setup.admin_token)
        .await
        .json()
        .await
        .unwrap();

    let result = setup
        .admin_session()
        .await
        .call_tool("whoami", json!({}))
        .await;

    assert_ne!(result["isError"], true, "{result}");
    let expected =
        json!({"id": me["id"], "username": "admin", "email": me["email"], "admin": true});
    assert_eq!(structured(&result), expected);
}

#[tokio::test]
async fn whoami_of_a_member_says_they_are_not_an_admin() {
    let setup = spawn_mcp().await;
    let mut member = RawMcp::new(&setup.app, &setup.member_access_token("bob").await);
    member.initialize().await;

    let result = member.call_tool("whoami", json!({})).await;

    let me = structured(&result);
    assert_eq!(me["username"], "bob");
    assert_eq!(me["email"], "bob@example.com");
    assert_eq!(me["admin"], false);
}

#[tokio::test]
async fn list_authorized_apps_lists_the_apps_the_user_authorized_with_their_scopes() {
    let setup = spawn_mcp().await;
    let session = setup.admin_session().await;

    let result = session.call_tool("list_authorized_apps", json!({})).await;

    let apps = structured(&result);
    let client_id = &setup.client.client_id;
    let ours = app_with(&apps, "client_id", client_id).expect("the MCP client is listed");
    assert_eq!(ours["name"], "Test MCP client");
    assert!(
        ours["scopes"].as_array().unwrap().contains(&json!("mcp")),
        "{ours}"
    );
    assert!(ours["authorized_at"].is_string(), "{ours}");
}

#[tokio::test]
async fn revoke_app_authorization_kills_the_users_tokens_for_another_app() {
    let setup = spawn_mcp().await;
    let docs = setup
        .app
        .create_confidential_app(&setup.admin_token, REDIRECT_URI)
        .await;
    let docs_token = setup.browser.access_token(&docs, "user:read", None).await;
    assert_eq!(setup.app.me_status(&docs_token).await, StatusCode::OK);
    let session = setup.admin_session().await;

    let arguments = json!({"client_id": docs.client_id});
    let result = session
        .call_tool("revoke_app_authorization", arguments)
        .await;

    assert_ne!(result["isError"], true, "{result}");
    let text = result["content"][0]["text"].as_str().unwrap();
    assert!(text.to_lowercase().contains("revoked"), "{text}");
    assert_eq!(
        setup.app.me_status(&docs_token).await,
        StatusCode::UNAUTHORIZED
    );
    let apps = structured(&session.call_tool("list_authorized_apps", json!({})).await);
    assert!(
        app_with(&apps, "client_id", &docs.client_id).is_none(),
        "{apps}"
    );
}

#[tokio::test]
async fn revoking_an_unknown_client_is_a_tool_error_not_a_protocol_error() {
    let setup = spawn_mcp().await;
    let session = setup.admin_session().await;

    let unknown = uuid::Uuid::new_v4().to_string();
    let arguments = json!({"client_id": unknown});
    let result = session
        .call_tool("revoke_app_authorization", arguments)
        .await;

    assert_eq!(result["isError"], true, "{result}");
}

#[tokio::test]
async fn list_oauth2_apps_shows_an_admin_every_app_and_where_it_came_from() {
    let setup = spawn_mcp().await;
    let docs = setup
        .app
        .create_confidential_app(&setup.admin_token, REDIRECT_URI)
        .await;
    let session = setup.admin_session().await;

    let result = session.call_tool("list_oauth2_apps", json!({})).await;

    assert_ne!(result["isError"], true, "{result}");
    let apps = structured(&result);
    let registered = app_with(&apps, "id", &setup.client.client_id).expect("the MCP client");
    let created = app_with(&apps, "id", &docs.client_id).expect("the admin's app");
    assert_eq!(registered["name"], "Test MCP client");
    assert_eq!(registered["client_type"], "public");
    assert_eq!(created["name"], "Docs");
    assert_eq!(created["client_type"], "confidential");
    assert!(registered["source"].is_string() && created["source"].is_string());
    assert_ne!(registered["source"], created["source"]);
}

#[tokio::test]
async fn a_member_calling_list_oauth2_apps_gets_a_tool_error() {
    let setup = spawn_mcp().await;
    let mut member = RawMcp::new(&setup.app, &setup.member_access_token("bob").await);
    member.initialize().await;

    let result = member.call_tool("list_oauth2_apps", json!({})).await;

    assert_eq!(result["isError"], true, "{result}");
}
