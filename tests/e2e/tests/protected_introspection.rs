//! Detached resource servers (SPEC §4, §9): a protected server's introspection credentials
//! see only tokens whose audience is that server.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tessera_e2e::oauth::OAuthApp;
use tessera_e2e::protected::spawn_protected;

#[tokio::test]
async fn a_servers_credentials_introspect_its_own_tokens_only_and_are_shown_once() {
    let s = spawn_protected().await;
    let other = tessera_e2e::upstream::spawn_upstream().await;
    s.app
        .protect_server(&s.admin_token, "files", &other.url)
        .await;
    let created = s
        .app
        .admin_api(
            &s.admin_token,
            Method::POST,
            "/api/v2/mcp-servers/docs/credentials",
            None,
        )
        .await;
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(created.headers()["cache-control"], "no-store");
    let created: Value = created.json().await.unwrap();
    assert_eq!(created["client_id"], "docs");
    assert_eq!(
        created["introspection_endpoint"],
        s.app.url("/oauth2/introspect")
    );
    let secret = created["client_secret"].as_str().unwrap().to_owned();
    let listed: Value = s
        .app
        .admin_api(
            &s.admin_token,
            Method::GET,
            "/api/v2/mcp-servers/docs/credentials",
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        listed[0]["client_secret_truncated"],
        secret[secret.len() - 6..]
    );
    assert!(!listed.to_string().contains(&secret), "shown once");

    let docs = OAuthApp {
        client_id: "docs".into(),
        secret: Some(secret.clone()),
        ..s.client.clone()
    };
    let for_docs = s.token_for("docs").await;
    let for_files = s.token_for("files").await;
    let for_tessera = s.browser.access_token(&s.client, "mcp", None).await;
    let seen: Value = s
        .app
        .introspect(&docs, &for_docs)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["active"], true);
    assert_eq!(seen["aud"], s.app.protected_url("docs"));
    assert_eq!(seen["username"], "admin");
    for hidden in [&for_files, &for_tessera] {
        let answer: Value = s.app.introspect(&docs, hidden).await.json().await.unwrap();
        assert_eq!(answer, serde_json::json!({"active": false}));
    }
    let as_files = OAuthApp {
        client_id: "files".into(),
        ..docs.clone()
    };
    let refused = s.app.introspect(&as_files, &for_docs).await;
    assert_eq!(
        refused.status(),
        StatusCode::UNAUTHORIZED,
        "the credential is docs' alone"
    );

    let id = listed[0]["id"].as_str().unwrap();
    let path = format!("/api/v2/mcp-servers/docs/credentials/{id}");
    let deleted = s
        .app
        .admin_api(&s.admin_token, Method::DELETE, &path, None)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let after = s.app.introspect(&docs, &for_docs).await;
    assert_eq!(
        after.status(),
        StatusCode::UNAUTHORIZED,
        "a deleted credential stops at once"
    );
}
