//! Two tessera processes on one database, as two replicas behind one Service: a whole flow
//! hops between them and every step holds (SPEC §8, the Kubernetes issue).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::Value;
use tessera_e2e::oauth::{AuthorizeRequest, pkce_pair};
use tessera_e2e::registration::native_public_metadata;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app, spawn_on_database};

#[tokio::test]
async fn a_flow_hopping_between_two_replicas_works_and_a_revocation_on_one_holds_on_both() {
    let first = spawn_app().await;
    let access_url = first.address.clone();
    let second = spawn_on_database(first.database_url.clone(), |s| s.access_url = access_url).await;
    first.create_admin().await;

    // Register on the first replica, authorize on the second.
    let client = first
        .register_client(&native_public_metadata())
        .await
        .client;
    let browser = second.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let pkce = pkce_pair();
    let code = browser
        .authorization_code(&AuthorizeRequest::new(&client, &pkce))
        .await;

    // Exchange on the first, refresh on the second.
    let exchanged = first.exchange_code(&client, &code, &pkce.verifier).await;
    assert_eq!(exchanged.status(), StatusCode::OK);
    let tokens: Value = exchanged.json().await.unwrap();
    let refreshed = second
        .refresh(&client, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let tokens: Value = refreshed.json().await.unwrap();
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    for replica in [&first, &second] {
        assert_eq!(replica.me_status(access).await, StatusCode::OK);
    }

    // Revoke on the first: both replicas refuse at once.
    let revoked = first.revoke(&client, refresh).await;
    assert_eq!(revoked.status(), StatusCode::OK);
    for replica in [&first, &second] {
        assert_eq!(replica.me_status(access).await, StatusCode::UNAUTHORIZED);
    }
    let again = second.refresh(&client, refresh).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
}
