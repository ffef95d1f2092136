//! Per-IP limits count a whole IPv6 /64 as one client (issue 14 #15): a host that owns a
//! /64 cannot escape a limit by moving to the next address.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::json;
use tessera_bootstrap::Settings;
use tessera_e2e::registration::native_public_metadata;
use tessera_e2e::{TestApp, new_client, spawn_app_with};

fn behind_a_proxy(s: &mut Settings) {
    s.http.trusted_proxies = vec!["127.0.0.1/32".into()];
}

async fn log_in_from(app: &TestApp, ip: &str, email: &str) -> StatusCode {
    new_client()
        .post(app.url("/api/v2/users/login"))
        .header("X-Forwarded-For", ip)
        .json(&json!({"email": email, "password": "wrong password"}))
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn failed_logins_from_every_address_of_one_ipv6_slash_64_count_together() {
    let app = spawn_app_with(behind_a_proxy).await;
    app.create_admin().await;
    for i in 0..50 {
        let status = log_in_from(
            &app,
            &format!("2001:db8:1:2::{i:x}"),
            &format!("u{i}@x.example"),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let next = log_in_from(&app, "2001:db8:1:2:ffff::1", "other@x.example").await;
    assert_eq!(next, StatusCode::TOO_MANY_REQUESTS, "the same /64");
    let elsewhere = log_in_from(&app, "2001:db8:1:3::1", "other@x.example").await;
    assert_eq!(elsewhere, StatusCode::UNAUTHORIZED, "another /64");
}

#[tokio::test]
async fn registrations_from_every_address_of_one_ipv6_slash_64_share_the_rate_limit() {
    let app = spawn_app_with(|s| {
        behind_a_proxy(s);
        s.registration.rate_limit = tessera_bootstrap::settings::RateLimit::parse("2/min").unwrap();
    })
    .await;
    app.freeze_at_a_minute_start();
    let register_from = |ip: &'static str| {
        new_client()
            .post(app.url("/oauth2/register"))
            .header("X-Forwarded-For", ip)
            .json(&native_public_metadata())
            .send()
    };
    for ip in ["2001:db8:1:2::1", "2001:db8:1:2::2"] {
        assert_eq!(
            register_from(ip).await.unwrap().status(),
            StatusCode::CREATED
        );
    }
    let third = register_from("2001:db8:1:2:abcd::3").await.unwrap();
    assert_eq!(third.status(), StatusCode::TOO_MANY_REQUESTS);
    let elsewhere = register_from("2001:db8:1:3::1").await.unwrap();
    assert_eq!(elsewhere.status(), StatusCode::CREATED);
}
