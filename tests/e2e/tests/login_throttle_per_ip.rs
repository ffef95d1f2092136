//! The per-address half of the login throttle (SPEC §2): 50 failures from one IP within the
//! window, whatever the emails, and that address gets 429 + `Retry-After` for every email,
//! the right password included; other addresses are not affected.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Response, StatusCode};
use serde_json::json;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, new_client, spawn_app_with};

/// `POST /api/v2/users/login` as if from `ip` (tessera trusts the local proxy).
async fn log_in_from(app: &TestApp, ip: &str, email: &str, password: &str) -> Response {
    new_client()
        .post(app.url("/api/v2/users/login"))
        .header("X-Forwarded-For", ip)
        .json(&json!({"email": email, "password": password}))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn fifty_failures_from_one_address_close_it_to_every_email_with_429_and_retry_after() {
    let app = spawn_app_with(|s| s.http.trusted_proxies = vec!["127.0.0.1/32".into()]).await;
    app.create_admin().await;
    for i in 0..50 {
        let email = format!("guess{i}@example.com");
        let failed = log_in_from(&app, "203.0.113.7", &email, "wrong password").await;
        assert_eq!(
            failed.status(),
            StatusCode::UNAUTHORIZED,
            "attempt {}",
            i + 1
        );
    }
    let refused = log_in_from(&app, "203.0.113.7", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
    let elsewhere = log_in_from(&app, "203.0.113.8", ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert_eq!(elsewhere.status(), StatusCode::CREATED, "another address");
}
