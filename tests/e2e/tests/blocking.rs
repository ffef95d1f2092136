//! Blocking an app ends what it holds for good (issue 14 #7): unblocking it later brings back
//! no token, no refresh token and no remembered approval issued before the block.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use tessera_e2e::oauth::{oauth_error, spawn_oauth};

#[tokio::test]
async fn tokens_issued_before_a_block_stay_dead_after_the_unblock() {
    let setup = spawn_oauth().await;
    let (app, browser, client) = (&setup.app, &setup.browser, &setup.client);
    let tokens = setup.tokens().await;
    let access = tokens["access_token"].as_str().unwrap();
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(app.me_status(access).await, StatusCode::OK);

    browser.press_block(&client.client_id, "block").await;
    assert_eq!(app.me_status(access).await, StatusCode::UNAUTHORIZED);
    browser.press_block(&client.client_id, "unblock").await;

    assert_eq!(app.me_status(access).await, StatusCode::UNAUTHORIZED);
    let (status, error) = oauth_error(app.refresh(client, refresh).await).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_grant")
    );
    let (_, request) = setup.request();
    let again = browser.authorize(&request).await;
    assert_eq!(
        again.status(),
        StatusCode::OK,
        "the approval is forgotten: consent again"
    );
}
