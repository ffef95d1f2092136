//! Revoking an app also deletes the codes issued for it and not yet exchanged (SPEC §4): a
//! code minted before the revocation is refused after it, whichever way the person revoked.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use tessera_e2e::csrf_token_in;
use tessera_e2e::new_client;
use tessera_e2e::oauth::{OAuthSetup, oauth_error, spawn_oauth};

/// Exchanging `code` (with its `verifier`) is refused as `invalid_grant`.
async fn assert_refused(setup: &OAuthSetup, code: &str, verifier: &str) {
    let response = setup.app.exchange_code(&setup.client, code, verifier).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
}

#[tokio::test]
async fn a_code_minted_before_delete_oauth2_tokens_is_refused_after_it() {
    let setup = spawn_oauth().await;
    let (code, pkce) = setup.code().await;
    let response = new_client()
        .delete(setup.app.url("/oauth2/tokens"))
        .query(&[("client_id", &setup.client.client_id)])
        .bearer_auth(&setup.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_refused(&setup, &code, &pkce.verifier).await;
}

#[tokio::test]
async fn a_code_minted_before_revoking_on_the_authorized_apps_page_is_refused_after_it() {
    let setup = spawn_oauth().await;
    setup.tokens().await;
    let (code, pkce) = setup.code().await;
    let page = setup.browser.get("/settings/authorized-apps").await;
    let csrf = csrf_token_in(&page.text().await.unwrap());
    let path = format!(
        "/settings/authorized-apps/{}/revoke",
        setup.client.client_id
    );
    let revoked = setup
        .browser
        .post_form(&path, &[("csrf_token", csrf.as_str())])
        .await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
    assert_refused(&setup, &code, &pkce.verifier).await;
}
