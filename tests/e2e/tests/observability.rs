//! What an operator sees: Prometheus metrics and a request id on every response (SPEC §8).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::json;
use tessera_e2e::oauth::spawn_oauth;
use tessera_e2e::registration::native_public_metadata;
use tessera_e2e::{new_client, spawn_app};

async fn metrics(app: &tessera_e2e::TestApp) -> String {
    app.metrics().await
}

/// The value of the sample whose line starts with `series`, or 0 when it is absent.
fn sample(text: &str, series: &str) -> f64 {
    text.lines()
        .find(|l| l.starts_with(series))
        .and_then(|l| l.rsplit(' ').next())
        .map_or(0.0, |v| v.parse().unwrap())
}

#[tokio::test]
async fn requests_are_counted_and_timed_by_route_pattern_and_status() {
    let app = spawn_app().await;
    app.get("/healthz").await;
    app.get("/oauth2/clients/not-a-client").await;
    let text = metrics(&app).await;
    assert!(
        sample(
            &text,
            r#"tessera_http_requests_total{method="GET",route="/healthz",status="200"}"#
        ) >= 1.0
    );
    assert!(
        sample(
            &text,
            r#"tessera_http_requests_total{method="GET",route="/oauth2/clients/{client_id}",status="401"}"#
        ) >= 1.0,
        "a route pattern, never the raw path"
    );
    assert!(!text.contains("not-a-client"));
    assert!(text.contains("tessera_http_request_duration_seconds_bucket"));
    assert!(text.contains(r#"tessera_db_pool_connections{state="in_use"}"#));
}

#[tokio::test]
async fn tokens_registrations_and_failed_logins_are_counted() {
    let setup = spawn_oauth().await;
    let tokens = setup.tokens().await;
    let refreshed = setup
        .app
        .refresh(&setup.client, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    setup.app.register_client(&native_public_metadata()).await;
    let failed = setup
        .app
        .post_json(
            "/api/v2/users/login",
            &json!({"email": "nobody@example.com", "password": "wrong password"}),
        )
        .await;
    assert_eq!(failed.status(), StatusCode::UNAUTHORIZED);
    let text = metrics(&setup.app).await;
    assert_eq!(
        sample(&text, r#"tessera_tokens_total{event="issued"}"#),
        1.0
    );
    assert_eq!(
        sample(&text, r#"tessera_tokens_total{event="refreshed"}"#),
        1.0
    );
    assert_eq!(sample(&text, "tessera_registrations_total"), 1.0);
    assert_eq!(sample(&text, "tessera_login_failures_total"), 1.0);
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_a_plain_one_from_a_proxy_is_kept() {
    let app = spawn_app().await;
    let made = app.get("/healthz").await;
    let id = made.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 32);
    let kept = new_client()
        .get(app.url("/healthz"))
        .header("X-Request-Id", "proxy-7f3a-0001")
        .send()
        .await
        .unwrap();
    assert_eq!(kept.headers()["x-request-id"], "proxy-7f3a-0001");
    let forged = new_client()
        .get(app.url("/healthz"))
        .header("X-Request-Id", "x\" level=error msg=forged")
        .send()
        .await
        .unwrap();
    assert_ne!(
        forged.headers()["x-request-id"],
        "x\" level=error msg=forged"
    );
}

#[tokio::test]
async fn invented_method_names_cannot_grow_the_metrics() {
    let app = spawn_app().await;
    let before = metrics(&app).await.len();
    let client = new_client();
    let floods = (0..2000).map(|i| {
        let method = reqwest::Method::from_bytes(format!("X{i:05}").as_bytes()).unwrap();
        client.request(method, app.url("/healthz")).send()
    });
    let answered = futures::future::join_all(floods).await;
    assert!(answered.iter().all(Result::is_ok));
    let text = metrics(&app).await;
    assert!(
        text.len() < before + 4096,
        "{} bytes after the flood",
        text.len()
    );
    assert!(!text.contains("X00042"));
    assert!(sample(&text, r#"tessera_http_requests_total{method="other""#) >= 1.0);
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn metrics_are_served_on_their_own_listener_and_the_public_port_answers_404() {
    let app = spawn_app().await;
    assert_eq!(app.get("/metrics").await.status(), StatusCode::NOT_FOUND);
    let text = metrics(&app).await;
    assert!(text.contains("tessera_http_requests_in_flight"));
    let elsewhere = new_client()
        .get(format!("{}/healthz", app.metrics_address))
        .send()
        .await
        .unwrap();
    assert_eq!(
        elsewhere.status(),
        StatusCode::NOT_FOUND,
        "only /metrics there"
    );
}
