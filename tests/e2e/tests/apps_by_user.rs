//! `GET /api/v2/oauth2-provider/apps?user_id=U` (SPEC §3): the apps that person authorized.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::Value;
use tessera_e2e::new_client;
use tessera_e2e::oauth::{OAuthSetup, spawn_oauth};

/// The ids of `GET /api/v2/oauth2-provider/apps{query}`, sorted, as the admin.
async fn app_ids(setup: &OAuthSetup, query: &str) -> Vec<String> {
    let response = new_client()
        .get(
            setup
                .app
                .url(&format!("/api/v2/oauth2-provider/apps{query}")),
        )
        .bearer_auth(&setup.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    let apps: Vec<Value> = response.json().await.unwrap();
    let mut ids: Vec<String> = apps
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_owned())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn filtered_by_user_id_the_list_holds_only_the_apps_that_person_authorized() {
    let setup = spawn_oauth().await;
    let other = setup
        .app
        .create_confidential_app(&setup.admin_token, "https://other.example/cb")
        .await;
    let mia = setup
        .app
        .browser_login_as_new_member(&setup.admin_token, "mia")
        .await;
    mia.tokens(&setup.client, "user:read").await;
    setup.browser.tokens(&other, "user:read").await;
    let mia_id = setup.app.user_id(&setup.admin_token, "mia").await;
    setup
        .app
        .login_as_new_member(&setup.admin_token, "bob")
        .await;
    let bob_id = setup.app.user_id(&setup.admin_token, "bob").await;

    let mut everything = vec![setup.client.client_id.clone(), other.client_id.clone()];
    everything.sort();
    assert_eq!(app_ids(&setup, "").await, everything);
    let mias = app_ids(&setup, &format!("?user_id={mia_id}")).await;
    assert_eq!(mias, vec![setup.client.client_id.clone()]);
    assert!(
        app_ids(&setup, &format!("?user_id={bob_id}"))
            .await
            .is_empty(),
        "bob authorized nothing"
    );
}
