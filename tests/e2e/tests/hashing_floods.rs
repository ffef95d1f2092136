//! Floods of password hashing and of logins (issue 14, findings 1, 19 and 20): the server
//! answers every request of the flood, and a normal login right after is answered promptly.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::json;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forty_concurrent_first_users_after_setup_are_refused_and_logins_still_work() {
    let app = spawn_app().await;
    app.create_admin().await;
    let body = json!({"email": "eve@example.com", "username": "eve", "password": "long enough"});

    let statuses = app
        .post_json_concurrently(40, "/api/v2/users/first", &body)
        .await;

    let refused = |s: &Option<StatusCode>| {
        matches!(
            s,
            Some(StatusCode::CONFLICT | StatusCode::TOO_MANY_REQUESTS)
        )
    };
    assert!(statuses.iter().all(refused), "{statuses:?}");
    app.login_promptly(ADMIN_EMAIL, ADMIN_PASSWORD).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_concurrent_correct_logins_of_one_user_all_succeed() {
    let app = spawn_app().await;
    app.create_admin().await;
    let body = json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD});

    let statuses = app
        .post_json_concurrently(20, "/api/v2/users/login", &body)
        .await;

    assert!(
        statuses.iter().all(|s| *s == Some(StatusCode::CREATED)),
        "{statuses:?}"
    );
    app.login_promptly(ADMIN_EMAIL, ADMIN_PASSWORD).await;
}

#[tokio::test]
async fn first_user_requests_are_limited_per_client_ip() {
    let app = spawn_app().await;
    app.freeze_at_a_minute_start();
    app.create_admin().await;
    let body = json!({"email": "eve@example.com", "username": "eve", "password": "long enough"});
    for _ in 0..9 {
        let response = app.post_json("/api/v2/users/first", &body).await;
        assert_eq!(response.status(), StatusCode::CONFLICT);
    }

    let limited = app.post_json("/api/v2/users/first", &body).await;

    assert_eq!(limited.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers().contains_key("retry-after"));
}
