//! Refresh tokens used concurrently over HTTP (SPEC §4, issue 14 #18): with no grace exactly
//! one of the racers wins and the grant never forks; within the grace every racer wins.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::Value;
use tessera_e2e::oauth::{OAuthSetup, no_refresh_grace, spawn_oauth, spawn_oauth_with};

/// Sends `token` to the token endpoint `racers` times at once; returns the statuses.
async fn race(setup: &OAuthSetup, token: &str, racers: usize) -> Vec<StatusCode> {
    let attempts = (0..racers).map(|_| setup.app.refresh(&setup.client, token));
    join_all(attempts)
        .await
        .iter()
        .map(|r| r.status())
        .collect()
}

#[tokio::test]
async fn with_no_grace_concurrent_uses_of_one_refresh_token_never_fork_the_grant() {
    let setup = spawn_oauth_with(no_refresh_grace).await;
    for round in 0..30 {
        let tokens = setup.tokens().await;
        let token = tokens["refresh_token"].as_str().unwrap();
        let racers = if round % 3 == 0 { 20 } else { 2 };
        let statuses = race(&setup, token, racers).await;
        let wins = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(wins, 1, "round {round}: {statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|s| *s == StatusCode::OK || *s == StatusCode::BAD_REQUEST),
            "round {round}: only 200 or invalid_grant, never a 500: {statuses:?}"
        );
        let access = tokens["access_token"].as_str().unwrap();
        assert_eq!(
            setup.app.me_status(access).await,
            StatusCode::UNAUTHORIZED,
            "round {round}: the reuse revoked the whole grant"
        );
    }
    let login = setup
        .app
        .login(tessera_e2e::ADMIN_EMAIL, tessera_e2e::ADMIN_PASSWORD)
        .await;
    assert!(
        !login.is_empty(),
        "the server still answers a normal request"
    );
}

#[tokio::test]
async fn within_the_grace_twenty_concurrent_refreshes_all_succeed_with_working_tokens() {
    let setup = spawn_oauth().await;
    let tokens = setup.tokens().await;
    let token = tokens["refresh_token"].as_str().unwrap();
    let attempts = (0..20).map(|_| setup.app.refresh(&setup.client, token));
    for response in join_all(attempts).await {
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        let access = body["access_token"].as_str().unwrap();
        assert_eq!(setup.app.me_status(access).await, StatusCode::OK);
    }
}
