//! `/settings/authorized-apps`: people see the apps they authorized and revoke them (SPEC §3).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use tessera_e2e::csrf_token_in;
use tessera_e2e::oauth::spawn_oauth;

#[tokio::test]
async fn a_person_sees_the_apps_they_authorized_and_revokes_one() {
    let setup = spawn_oauth().await;
    let tokens = setup.tokens().await;
    let access = tokens["access_token"].as_str().unwrap();
    let page = setup.browser.get("/settings/authorized-apps").await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(html.contains(&setup.client.client_id), "the app is listed");
    assert!(html.contains("user:read"), "with its scopes");
    let csrf = csrf_token_in(&html);
    let path = format!(
        "/settings/authorized-apps/{}/revoke",
        setup.client.client_id
    );
    let revoked = setup
        .browser
        .post_form(&path, &[("csrf_token", csrf.as_str())])
        .await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_eq!(setup.app.me_status(access).await, StatusCode::UNAUTHORIZED);
    let after = setup
        .browser
        .get("/settings/authorized-apps")
        .await
        .text()
        .await
        .unwrap();
    assert!(!after.contains(&setup.client.client_id));
}

#[tokio::test]
async fn revoking_without_the_csrf_token_is_forbidden_and_changes_nothing() {
    let setup = spawn_oauth().await;
    let tokens = setup.tokens().await;
    let path = format!(
        "/settings/authorized-apps/{}/revoke",
        setup.client.client_id
    );
    let forged = setup
        .browser
        .post_form(&path, &[("csrf_token", "forged")])
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(setup.app.me_status(access).await, StatusCode::OK);
}

#[tokio::test]
async fn the_page_sends_strangers_to_sign_in_and_cannot_be_framed() {
    let setup = spawn_oauth().await;
    let stranger = setup.app.with_new_client();
    let response = stranger.get("/settings/authorized-apps").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert!(
        response.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    let page = setup.browser.get("/settings/authorized-apps").await;
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"));
}
