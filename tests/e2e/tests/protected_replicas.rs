//! Protected MCP servers on two replicas of one database (SPEC §8, §9): a server deleted or a
//! token revoked on one stops at once on both; both publish the same keys, and a rotation
//! shows on both at once.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tessera_e2e::mcp::{RawMcp, initialize_message};
use tessera_e2e::protected::{ProtectedSetup, spawn_protected};
use tessera_e2e::{TestApp, spawn_on_database};

async fn second_replica(s: &ProtectedSetup) -> TestApp {
    let access_url = s.app.address.clone();
    spawn_on_database(s.app.database_url.clone(), |settings| {
        settings.access_url = access_url
    })
    .await
}

/// `initialize` at `/mcp/docs` of `replica` (with the `Host` of the shared `access_url`).
async fn status_at(s: &ProtectedSetup, replica: &TestApp, token: &str) -> StatusCode {
    let url = replica.protected_url("docs");
    let host = s.app.address.trim_start_matches("http://").to_owned();
    let mcp = RawMcp::at(&url, Some(token)).with_host(&host);
    mcp.post(&initialize_message()).await.status()
}

async fn kids(replica: &TestApp) -> Vec<String> {
    let jwks: Value = replica
        .get("/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    let keys = jwks["keys"].as_array().unwrap().iter();
    keys.map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn revoking_a_token_or_deleting_the_server_stops_access_at_once_on_both_replicas() {
    let s = spawn_protected().await;
    let second = second_replica(&s).await;
    let revoked_later = s.token_for("docs").await;
    let deleted_later = s.token_for("docs").await;
    for replica in [&s.app, &second] {
        assert_eq!(status_at(&s, replica, &revoked_later).await, StatusCode::OK);
    }

    let revoked = s.app.revoke(&s.client, &revoked_later).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    for replica in [&s.app, &second] {
        assert_eq!(
            status_at(&s, replica, &revoked_later).await,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(status_at(&s, replica, &deleted_later).await, StatusCode::OK);
    }

    let deleted = second
        .admin_api(
            &s.admin_token,
            Method::DELETE,
            "/api/v2/mcp-servers/docs",
            None,
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    for replica in [&s.app, &second] {
        assert_eq!(
            status_at(&s, replica, &deleted_later).await,
            StatusCode::NOT_FOUND
        );
    }
    // Registered again under the same slug, the server inherits none of the old grants.
    s.app
        .protect_server(&s.admin_token, "docs", &s.upstream.url)
        .await;
    assert_eq!(
        status_at(&s, &second, &deleted_later).await,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn both_replicas_publish_one_key_and_a_rotation_shows_on_both_at_once() {
    let s = spawn_protected().await;
    let second = second_replica(&s).await;
    let before = kids(&s.app).await;
    assert_eq!(before.len(), 1);
    assert_eq!(kids(&second).await, before, "one key for every replica");

    let mut settings = tessera_bootstrap::Settings::default();
    settings.database.url = Some(tessera_domain::SecretString::new(
        s.app.database_url.clone(),
    ));
    tessera_bootstrap::protected::rotate_keys(&settings)
        .await
        .unwrap();
    for replica in [&s.app, &second] {
        let after = kids(replica).await;
        assert_eq!(
            after.len(),
            2,
            "the new key and the old one, still published"
        );
        assert_eq!(after[1], before[0]);
    }
    // A replica started after the rotation signs with the new key at once.
    let third = second_replica(&s).await;
    let token = s.token_for("docs").await;
    let host = s.app.address.trim_start_matches("http://").to_owned();
    let mut mcp = RawMcp::at(&third.protected_url("docs"), Some(&token)).with_host(&host);
    mcp.initialize().await;
    mcp.call_tool("whoami", serde_json::json!({})).await;
    let assertion = s.upstream.last_assertion();
    let (header, _) = tessera_e2e::protected::verify_assertion(&s.app, &assertion).await;
    assert_eq!(header["kid"], kids(&s.app).await[0]);
}
