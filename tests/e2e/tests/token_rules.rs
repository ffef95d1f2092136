//! The rules of the token endpoint: codes, client authentication, refresh, one test each (SPEC §4).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use futures::future::join_all;
use reqwest::{StatusCode, header};
use tessera_e2e::new_client;
use tessera_e2e::oauth::{
    OAuthApp, basic_credentials, no_refresh_grace, oauth_error, one_minute_codes, pkce_pair,
    spawn_oauth, spawn_oauth_with,
};

fn elsewhere(client: &OAuthApp, redirect_uri: &str) -> OAuthApp {
    OAuthApp {
        redirect_uri: redirect_uri.to_owned(),
        ..client.clone()
    }
}

#[tokio::test]
async fn a_wrong_code_verifier_is_an_invalid_grant() {
    let setup = spawn_oauth().await;
    let (code, _) = setup.code().await;
    let wrong = pkce_pair().verifier;
    let response = setup.app.exchange_code(&setup.client, &code, &wrong).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
}

#[tokio::test]
async fn a_redirect_uri_at_the_token_endpoint_must_equal_the_one_authorized() {
    let setup = spawn_oauth().await;
    let (code, pkce) = setup.code().await;
    let other = elsewhere(&setup.client, "https://client.example/other");
    let response = setup.app.exchange_code(&other, &code, &pkce.verifier).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
}

#[tokio::test]
async fn a_wrong_client_secret_is_an_invalid_client_with_a_basic_challenge() {
    let setup = spawn_oauth().await;
    let (code, pkce) = setup.code().await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("code_verifier", &pkce.verifier),
        ("redirect_uri", &setup.client.redirect_uri),
    ];
    let wrong = basic_credentials(&setup.client.client_id, "not the secret");
    let response = setup
        .app
        .post_with_authorization("/oauth2/tokens", &form, Some(&wrong))
        .await;
    assert_eq!(
        response.headers()[header::WWW_AUTHENTICATE],
        "Basic realm=\"tessera\""
    );
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".into())
    );
}

#[tokio::test]
async fn basic_and_body_client_ids_that_disagree_are_an_invalid_request() {
    let setup = spawn_oauth().await;
    let (code, pkce) = setup.code().await;
    let other = uuid::Uuid::new_v4().to_string();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("code_verifier", &pkce.verifier),
        ("redirect_uri", &setup.client.redirect_uri),
        ("client_id", &other),
    ];
    let basic = basic_credentials(
        &setup.client.client_id,
        setup.client.secret.as_ref().unwrap(),
    );
    let response = setup
        .app
        .post_with_authorization("/oauth2/tokens", &form, Some(&basic))
        .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_request".into())
    );
}

#[tokio::test]
async fn an_expired_authorization_code_is_an_invalid_grant() {
    let setup = spawn_oauth_with(one_minute_codes).await;
    let (expiring, expiring_pkce) = setup.code().await;
    let (kept, kept_pkce) = setup.code().await;
    setup.app.clock.advance(time::Duration::seconds(59));
    let in_time = setup
        .app
        .exchange_code(&setup.client, &kept, &kept_pkce.verifier)
        .await;
    assert_eq!(in_time.status(), StatusCode::OK, "a code within its minute");
    setup.app.clock.advance(time::Duration::seconds(2));
    let response = setup
        .app
        .exchange_code(&setup.client, &expiring, &expiring_pkce.verifier)
        .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
}

#[tokio::test]
async fn a_reused_authorization_code_is_rejected_and_revokes_its_tokens() {
    let setup = spawn_oauth().await;
    let (code, pkce) = setup.code().await;
    let first = setup
        .app
        .exchange_code(&setup.client, &code, &pkce.verifier)
        .await;
    let tokens: serde_json::Value = first.json().await.unwrap();
    let again = setup
        .app
        .exchange_code(&setup.client, &code, &pkce.verifier)
        .await;
    assert_eq!(
        oauth_error(again).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(setup.app.me_status(access).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn one_code_exchanged_by_twenty_concurrent_requests_yields_one_token_which_is_then_revoked() {
    let setup = spawn_oauth().await;
    let (code, pkce) = setup.code().await;
    let exchanges = (0..20).map(|_| {
        setup
            .app
            .exchange_code(&setup.client, &code, &pkce.verifier)
    });
    let responses = join_all(exchanges).await;
    let mut granted = Vec::new();
    for response in responses {
        if response.status() == StatusCode::OK {
            granted.push(response.json::<serde_json::Value>().await.unwrap());
        } else {
            let status = response.status();
            let body = response.text().await.unwrap();
            assert!(body.contains("invalid_grant"), "{status}: {body}");
        }
    }
    assert_eq!(granted.len(), 1);
    let access = granted[0]["access_token"].as_str().unwrap();
    assert_eq!(setup.app.me_status(access).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_reused_rotated_refresh_token_is_rejected_and_revokes_the_whole_grant() {
    let setup = spawn_oauth_with(no_refresh_grace).await;
    let first = setup.tokens().await;
    let old = first["refresh_token"].as_str().unwrap();
    let rotated: serde_json::Value = setup
        .app
        .refresh(&setup.client, old)
        .await
        .json()
        .await
        .unwrap();
    let reuse = setup.app.refresh(&setup.client, old).await;
    assert_eq!(
        oauth_error(reuse).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
    let newest_access = rotated["access_token"].as_str().unwrap();
    assert_eq!(
        setup.app.me_status(newest_access).await,
        StatusCode::UNAUTHORIZED
    );
    let newest_refresh = rotated["refresh_token"].as_str().unwrap();
    let refused = setup.app.refresh(&setup.client, newest_refresh).await;
    assert_eq!(oauth_error(refused).await.1, "invalid_grant");
}

#[tokio::test]
async fn a_refresh_cannot_widen_the_granted_scope() {
    let setup = spawn_oauth().await;
    let tokens = setup.tokens().await;
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ("scope", "user:read mcp"),
    ];
    let response = setup
        .app
        .post_as_client(&setup.client, "/oauth2/tokens", &form)
        .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_scope".into())
    );
}

#[tokio::test]
async fn an_unknown_grant_type_is_unsupported() {
    let setup = spawn_oauth().await;
    let form = [
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "x"),
    ];
    let response = setup
        .app
        .post_as_client(&setup.client, "/oauth2/tokens", &form)
        .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "unsupported_grant_type".into())
    );
}

#[tokio::test]
async fn an_access_token_in_the_query_string_is_never_accepted() {
    let setup = spawn_oauth().await;
    let tokens = setup.tokens().await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(setup.app.me_status(access).await, StatusCode::OK);
    let response = new_client()
        .get(setup.app.url("/api/v2/users/me"))
        .query(&[("access_token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn revoking_an_app_needs_the_persons_session_not_an_access_token_or_nothing() {
    let setup = spawn_oauth().await;
    let tokens = setup.tokens().await;
    let access = tokens["access_token"].as_str().unwrap();
    for bearer in [None, Some(access)] {
        let mut request = new_client()
            .delete(setup.app.url("/oauth2/tokens"))
            .query(&[("client_id", &setup.client.client_id)]);
        if let Some(token) = bearer {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{bearer:?}");
    }
    assert_eq!(
        setup.app.me_status(access).await,
        StatusCode::OK,
        "nothing was revoked"
    );
}
