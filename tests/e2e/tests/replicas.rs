//! Two tessera processes on one database, as two replicas behind one Service: a whole flow
//! hops between them and every step holds (SPEC §8, the Kubernetes issue), and what one
//! replica ends or changes holds at once on the other, whatever the other keeps in memory.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_e2e::oauth::{AuthorizeRequest, OAuthApp, assert_error_page, pkce_pair};
use tessera_e2e::registration::native_public_metadata;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, new_client, spawn_app, spawn_on_database};

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

#[tokio::test]
async fn a_sign_out_or_an_app_edit_on_one_replica_holds_at_once_on_the_other() {
    let first = spawn_app().await;
    let access_url = first.address.clone();
    let second = spawn_on_database(first.database_url.clone(), |s| s.access_url = access_url).await;
    first.create_admin().await;

    // A session both replicas have read (and may hold in memory), signed out on the first.
    let session = first.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    for replica in [&first, &second, &second] {
        assert_eq!(replica.me_status(&session).await, StatusCode::OK);
    }
    let out = new_client()
        .post(first.url("/api/v2/users/logout"))
        .bearer_auth(&session)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::OK);
    for replica in [&second, &first] {
        assert_eq!(replica.me_status(&session).await, StatusCode::UNAUTHORIZED);
    }

    // A client the second replica has read, whose redirect URI an admin replaces on the first.
    let admin = first.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let old = first
        .create_public_app(&admin, "https://app.example/old")
        .await;
    let browser = second.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let pkce = pkce_pair();
    browser
        .consent_page(&AuthorizeRequest::new(&old, &pkce))
        .await;
    let new_uri = "https://app.example/new";
    let edit = json!({"name": "CLI", "callback_url": new_uri, "client_type": "public"});
    let put = new_client()
        .put(first.url(&format!("/api/v2/oauth2-provider/apps/{}", old.client_id)))
        .bearer_auth(&admin)
        .json(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    assert_error_page(browser.authorize(&AuthorizeRequest::new(&old, &pkce)).await).await;
    let new = OAuthApp {
        redirect_uri: new_uri.into(),
        ..old
    };
    browser
        .consent_page(&AuthorizeRequest::new(&new, &pkce))
        .await;
}
