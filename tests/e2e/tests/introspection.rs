//! `POST /oauth2/introspect` and `/oauth2/revoke` over HTTP (RFC 7662, RFC 7009, SPEC §4):
//! what a refresh token looks like, that a dead token is `{"active": false}` and nothing
//! more, and that a client can neither see nor revoke another client's tokens.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_e2e::database::execute;
use tessera_e2e::oauth::{OAuthApp, OAuthSetup, REDIRECT_URI, spawn_oauth};

/// The introspection answer for `token`, asked by `client` (asserting a 200).
async fn introspected(setup: &OAuthSetup, client: &OAuthApp, token: &str) -> Value {
    let response = setup.app.introspect(client, token).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn field<'a>(tokens: &'a Value, name: &str) -> &'a str {
    tokens[name].as_str().unwrap()
}

#[tokio::test]
async fn a_live_refresh_token_introspects_as_an_active_refresh_token_of_its_client() {
    let setup = spawn_oauth().await;
    let tokens = setup.tokens().await;
    let info = introspected(&setup, &setup.client, field(&tokens, "refresh_token")).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["token_type"], "refresh_token");
    assert_eq!(info["client_id"], setup.client.client_id.as_str());
    assert_eq!(info["scope"], "user:read");
}

#[tokio::test]
async fn revoked_rotated_and_expired_tokens_are_only_active_false() {
    let setup = spawn_oauth().await;
    let inactive = json!({"active": false});
    let revoked = setup.tokens().await;
    let response = setup
        .app
        .revoke(&setup.client, field(&revoked, "refresh_token"))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    for name in ["access_token", "refresh_token"] {
        let info = introspected(&setup, &setup.client, field(&revoked, name)).await;
        assert_eq!(info, inactive, "a revoked {name}");
    }

    let rotated = setup.tokens().await;
    let refreshed = setup
        .app
        .refresh(&setup.client, field(&rotated, "refresh_token"))
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let info = introspected(&setup, &setup.client, field(&rotated, "refresh_token")).await;
    assert_eq!(info, inactive, "a rotated refresh token");

    let expired = setup.tokens().await;
    execute(
        &setup.app.database_url,
        "UPDATE oauth2_access_tokens SET created_at = now() - interval '2 hours',
                                         expires_at = now() - interval '1 hour';
         UPDATE oauth2_grants SET created_at = now() - interval '60 days',
                                  expires_at = now() - interval '1 day';",
    )
    .await;
    for name in ["access_token", "refresh_token"] {
        let info = introspected(&setup, &setup.client, field(&expired, name)).await;
        assert_eq!(info, inactive, "an expired {name}");
    }
}

#[tokio::test]
async fn another_clients_tokens_introspect_as_inactive_and_survive_its_revocation() {
    let setup = spawn_oauth().await;
    let tokens = setup.tokens().await;
    let other = setup
        .app
        .create_confidential_app(&setup.admin_token, REDIRECT_URI)
        .await;
    for name in ["access_token", "refresh_token"] {
        let info = introspected(&setup, &other, field(&tokens, name)).await;
        assert_eq!(info, json!({"active": false}), "another client's {name}");
        let revoked = setup.app.revoke(&other, field(&tokens, name)).await;
        assert_eq!(
            revoked.status(),
            StatusCode::OK,
            "RFC 7009 answers 200 anyway"
        );
    }
    let access = field(&tokens, "access_token");
    assert_eq!(setup.app.me_status(access).await, StatusCode::OK);
    let own = introspected(&setup, &setup.client, access).await;
    assert_eq!(own["active"], true, "its own client still sees it");
    let refreshed = setup
        .app
        .refresh(&setup.client, field(&tokens, "refresh_token"))
        .await;
    assert_eq!(
        refreshed.status(),
        StatusCode::OK,
        "the refresh token lives"
    );
}
