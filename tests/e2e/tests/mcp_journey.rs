//! The journey SPEC opens with: an MCP client that knows nothing but the endpoint's URL —
//! here the official Rust SDK, `rmcp`, with its OAuth support — discovers tessera,
//! registers itself, sends a person through login and consent, gets tokens, calls tools,
//! refreshes, and loses access once the person revokes it.

use serde_json::json;
use tessera_e2e::mcp::sdk::{
    JOURNEY_REDIRECT, challenge_without_token, connect, start_authorization,
};
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app};
use url::Url;

#[tokio::test]
async fn an_mcp_client_knowing_only_the_url_signs_in_calls_tools_refreshes_and_is_cut_off_by_revoking()
 {
    let app = spawn_app().await;
    app.create_admin().await;
    let mcp_url = app.mcp_url();
    let resource_metadata = format!("resource_metadata=\"{}\"", app.mcp_resource_metadata_url());

    // Knowing only the URL, the client is refused and told where the resource's metadata is.
    let challenge = challenge_without_token(&mcp_url).await;
    assert_eq!(challenge, format!("Bearer {resource_metadata}"));

    // rmcp follows it to the authorization server, registers itself and builds the URL.
    let mut oauth = start_authorization(&mcp_url, &challenge, "Journey client").await;
    let authorize_url = oauth.get_authorization_url().await.unwrap();
    let query: Vec<(String, String)> = Url::parse(&authorize_url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert!(authorize_url.starts_with(&app.url("/oauth2/authorize?")));
    assert!(query.contains(&("resource".to_owned(), mcp_url.clone())));
    assert!(query.contains(&("redirect_uri".to_owned(), JOURNEY_REDIRECT.to_owned())));

    // The person signs in and allows; rmcp checks `state` and `iss` and redeems the code.
    let callback = app
        .sign_in_and_allow(&authorize_url, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert!(
        callback.starts_with(&format!("{JOURNEY_REDIRECT}?")),
        "{callback}"
    );
    oauth.handle_callback_url(&callback).await.unwrap();
    let manager = oauth.into_authorization_manager().expect("authorized");

    // Connected, the client sees the tools and learns who it acts for.
    let mcp = connect(&mcp_url, manager).await;
    let tools = mcp.tool_names().await;
    for tool in ["list_authorized_apps", "revoke_app_authorization", "whoami"] {
        assert!(tools.contains(&tool.to_owned()), "{tool} in {tools:?}");
    }
    let me = mcp.call_tool("whoami", json!({})).await.unwrap();
    assert_eq!(me["structuredContent"]["email"], ADMIN_EMAIL);
    assert_eq!(me["structuredContent"]["admin"], true);

    // rmcp refreshes; the new access token works on the same session.
    let before = mcp.access_token().await;
    mcp.refresh().await;
    assert_ne!(mcp.access_token().await, before, "a new access token");
    let me_again = mcp.call_tool("whoami", json!({})).await.unwrap();
    assert_eq!(me_again["structuredContent"], me["structuredContent"]);

    // The person, through the client itself, revokes the client.
    let client_id = mcp.client_id().await;
    let revoked = mcp
        .call_tool("revoke_app_authorization", json!({"client_id": client_id}))
        .await
        .unwrap();
    assert_ne!(revoked["isError"], true, "{revoked}");
    let text = revoked["content"][0]["text"].as_str().unwrap();
    assert!(text.to_lowercase().contains("revoked"), "{text}");

    // Its access token and its refresh token are dead: the next call is refused with 401.
    let refused = mcp.call_tool("whoami", json!({})).await.unwrap_err();
    let challenge = refused
        .auth_challenge()
        .unwrap_or_else(|| panic!("{refused}"));
    assert_eq!(
        challenge,
        format!("Bearer {resource_metadata}, error=\"invalid_token\"")
    );
}
