//! The client metadata rules of dynamic client registration (RFC 7591, SPEC §5).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_bootstrap::settings::RateLimit;
use tessera_e2e::oauth::oauth_error;
use tessera_e2e::registration::native_public_metadata;
use tessera_e2e::{spawn_app, spawn_app_with};

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

#[tokio::test]
async fn every_metadata_rule_is_enforced_with_its_error_code() {
    // More cases than the default 20 registrations a minute; the limit has tests of its own.
    let app = spawn_app_with(|s| s.registration.rate_limit = RateLimit::per_minute(1000)).await;
    let web = json!({"redirect_uris": ["https://app.example/cb"]});
    let explicit_web = with(web.clone(), "application_type", json!("web"));
    let native = native_public_metadata();
    let cases = [
        (
            json!({}),
            "invalid_client_metadata",
            "missing redirect_uris",
        ),
        (
            with(web.clone(), "redirect_uris", json!([])),
            "invalid_client_metadata",
            "empty redirect_uris",
        ),
        (
            with(
                web.clone(),
                "redirect_uris",
                json!(["http://app.example/cb"]),
            ),
            "invalid_redirect_uri",
            "http off loopback",
        ),
        (
            with(
                explicit_web.clone(),
                "redirect_uris",
                json!(["http://127.0.0.1:9/cb"]),
            ),
            "invalid_redirect_uri",
            "loopback for an explicit web client",
        ),
        (
            with(
                explicit_web.clone(),
                "redirect_uris",
                json!(["https://app.example/cb", "http://localhost:8787/callback"]),
            ),
            "invalid_redirect_uri",
            "loopback among https for an explicit web client",
        ),
        (
            with(
                explicit_web.clone(),
                "redirect_uris",
                json!(["com.example.app:/cb"]),
            ),
            "invalid_redirect_uri",
            "private scheme for an explicit web client",
        ),
        (
            with(
                explicit_web.clone(),
                "redirect_uris",
                json!(["cursor://anysphere.cursor-mcp/oauth/callback"]),
            ),
            "invalid_redirect_uri",
            "single-word private scheme for an explicit web client",
        ),
        (
            with(native.clone(), "redirect_uris", json!(["myapp:"])),
            "invalid_redirect_uri",
            "private scheme with nothing after it",
        ),
        (
            with(
                native.clone(),
                "redirect_uris",
                json!(["ws://127.0.0.1/cb"]),
            ),
            "invalid_redirect_uri",
            "a scheme the browser handles",
        ),
        (
            with(
                native.clone(),
                "redirect_uris",
                json!(["mailto:a@example.com"]),
            ),
            "invalid_redirect_uri",
            "a scheme that starts another program",
        ),
        (
            with(
                web.clone(),
                "redirect_uris",
                json!(["http://localhost:3000/callback#"]),
            ),
            "invalid_redirect_uri",
            "empty fragment on loopback without application_type",
        ),
        (
            with(
                web.clone(),
                "redirect_uris",
                json!(["https://app.example/cb#x"]),
            ),
            "invalid_redirect_uri",
            "fragment",
        ),
        (
            with(
                native.clone(),
                "redirect_uris",
                json!(["javascript:alert(1)"]),
            ),
            "invalid_redirect_uri",
            "javascript",
        ),
        (
            with(native.clone(), "redirect_uris", json!(["data:text/html,x"])),
            "invalid_redirect_uri",
            "data",
        ),
        (
            with(
                native.clone(),
                "redirect_uris",
                json!(["file:///etc/passwd"]),
            ),
            "invalid_redirect_uri",
            "file",
        ),
        (
            with(
                web.clone(),
                "redirect_uris",
                json!("https://app.example/cb"),
            ),
            "invalid_client_metadata",
            "not a list",
        ),
        (
            with(web.clone(), "grant_types", json!(["implicit"])),
            "invalid_client_metadata",
            "implicit grant",
        ),
        (
            with(web.clone(), "grant_types", json!(["client_credentials"])),
            "invalid_client_metadata",
            "client credentials",
        ),
        (
            with(web.clone(), "response_types", json!(["token"])),
            "invalid_client_metadata",
            "token response",
        ),
        (
            with(web.clone(), "grant_types", json!(["refresh_token"])),
            "invalid_client_metadata",
            "no code grant",
        ),
        (
            with(
                with(web.clone(), "jwks", json!({"keys": []})),
                "jwks_uri",
                json!("https://app.example/jwks"),
            ),
            "invalid_client_metadata",
            "jwks and jwks_uri",
        ),
        (
            with(
                web.clone(),
                "token_endpoint_auth_method",
                json!("tls_client_auth"),
            ),
            "invalid_client_metadata",
            "auth method",
        ),
        (
            with(web.clone(), "application_type", json!("desktop")),
            "invalid_client_metadata",
            "application type",
        ),
        (
            with(web.clone(), "scope", json!("user:read everything")),
            "invalid_client_metadata",
            "unknown scope",
        ),
        (
            with(web.clone(), "client_uri", json!("ftp://app.example")),
            "invalid_client_metadata",
            "client_uri scheme",
        ),
        (
            with(web.clone(), "client_name", json!(7)),
            "invalid_client_metadata",
            "name of the wrong type",
        ),
    ];
    for (metadata, error, why) in cases {
        let response = app.register(&metadata).await;
        let (status, code) = oauth_error(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, error),
            "{why}"
        );
    }
}

#[tokio::test]
async fn unknown_metadata_is_ignored_and_an_oversized_body_is_413() {
    let app = spawn_app().await;
    let extra = with(native_public_metadata(), "frobnicate", json!({"x": 1}));
    assert_eq!(app.register(&extra).await.status(), StatusCode::CREATED);
    let huge = with(
        native_public_metadata(),
        "client_uri",
        json!("x".repeat(70 * 1024)),
    );
    assert_eq!(
        app.register(&huge).await.status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
}
