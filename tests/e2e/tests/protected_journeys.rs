//! The journey of SPEC §9: an MCP client that knows nothing but a protected server's URL,
//! `<access_url>/mcp/<slug>`, discovers tessera from it, registers, sends a person through
//! login and consent, and calls the upstream's tools through the relay, refreshing on the
//! way; the upstream sees who calls and a verifiable assertion, never a token. Driven by the
//! official Rust SDK (`rmcp`) and by the TypeScript SDK (`tests/clients/typescript`).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::json;
use tessera_e2e::mcp::sdk::{
    JOURNEY_REDIRECT, challenge_without_token, connect, start_authorization,
};
use tessera_e2e::protected::{spawn_protected, verify_assertion};
use tessera_e2e::sdk_clients::{Sdk, run_journey_at};
use tessera_e2e::upstream::header;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD};
use url::Url;

#[tokio::test]
async fn rmcp_knowing_only_the_protected_url_signs_in_calls_the_upstream_refreshes_and_is_cut_off()
{
    let s = spawn_protected().await;
    let url = s.app.protected_url("docs");
    let metadata = format!(
        "resource_metadata=\"{}\"",
        s.app.protected_metadata_url("docs")
    );

    let challenge = challenge_without_token(&url).await;
    assert_eq!(challenge, format!("Bearer {metadata}"));
    let mut oauth = start_authorization(&url, &challenge, "Protected journey").await;
    let authorize_url = oauth.get_authorization_url().await.unwrap();
    let query: Vec<(String, String)> = Url::parse(&authorize_url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect();
    assert!(
        query.contains(&("resource".to_owned(), url.clone())),
        "RFC 8707: {authorize_url}"
    );
    let callback = s
        .app
        .sign_in_and_allow(&authorize_url, ADMIN_EMAIL, ADMIN_PASSWORD)
        .await;
    assert!(
        callback.starts_with(&format!("{JOURNEY_REDIRECT}?")),
        "{callback}"
    );
    oauth.handle_callback_url(&callback).await.unwrap();
    let mcp = connect(
        &url,
        oauth.into_authorization_manager().expect("authorized"),
    )
    .await;

    assert_eq!(
        mcp.tool_names().await,
        ["slow_count", "whoami"],
        "the upstream's tools"
    );
    let me = mcp.call_tool("whoami", json!({})).await.unwrap();
    let me = &me["structuredContent"];
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["client_id"], mcp.client_id().await);
    let (_, claims) = verify_assertion(&s.app, &s.upstream.last_assertion()).await;
    assert_eq!(claims["aud"], url);

    let before = mcp.access_token().await;
    mcp.refresh().await;
    assert_ne!(mcp.access_token().await, before, "a new access token");
    let again = mcp.call_tool("whoami", json!({})).await.unwrap();
    assert_eq!(again["structuredContent"]["user_id"], me["user_id"]);
    for seen in s.upstream.seen() {
        assert_eq!(header(&seen, "authorization"), None, "no token passthrough");
    }

    // The person revokes the client in tessera: the relay refuses it at once.
    let client_id = mcp.client_id().await;
    let revoked = s
        .browser
        .client
        .delete(s.app.url(&format!("/oauth2/tokens?client_id={client_id}")))
        .header("Sec-Fetch-Site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
    let refused = mcp.call_tool("whoami", json!({})).await.unwrap_err();
    let challenge = refused
        .auth_challenge()
        .unwrap_or_else(|| panic!("{refused}"));
    assert_eq!(
        challenge,
        format!("Bearer {metadata}, error=\"invalid_token\"")
    );
}

#[tokio::test]
async fn the_typescript_sdk_completes_the_journey_from_the_protected_url_alone() {
    let s = spawn_protected().await;
    let url = s.app.protected_url("docs");
    let journey =
        run_journey_at(Sdk::TypeScript, &url, &s.app.protected_metadata_url("docs")).await;
    journey.assert_complete(&s.app).await;
    let exchange = &journey.token_requests("authorization_code")[0]["form"];
    assert_eq!(
        exchange["resource"],
        url.as_str(),
        "RFC 8707 at the token endpoint\n{journey}"
    );
    let (_, claims) = verify_assertion(&s.app, &s.upstream.last_assertion()).await;
    assert_eq!(claims["aud"], url);
    assert_eq!(claims["sub"], journey.whoami("first")["user_id"]);
    let seen = s.upstream.seen();
    assert!(!seen.is_empty());
    for headers in seen {
        assert_eq!(
            header(&headers, "authorization"),
            None,
            "no token passthrough"
        );
        assert_eq!(header(&headers, "x-tessera-email"), Some(ADMIN_EMAIL));
    }
}
