//! Bad input gets a clear 4xx, never a 500 or a panic.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::Value;
use tessera_e2e::spawn_app;

async fn post_raw(
    app: &tessera_e2e::TestApp,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url("/api/v2/users/first"))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn malformed_json_is_400_with_a_message() {
    let app = spawn_app().await;
    let (status, body) = post_raw(&app, "application/json", b"{\"email\": ".to_vec()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body["message"].as_str().unwrap().contains("JSON"));
}

#[tokio::test]
async fn a_wrong_content_type_is_415() {
    let app = spawn_app().await;
    let (status, body) = post_raw(&app, "text/plain", b"{}".to_vec()).await;
    assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("application/json")
    );
}

#[tokio::test]
async fn a_body_over_one_mebibyte_is_413() {
    let app = spawn_app().await;
    let mut big = b"{\"email\": \"".to_vec();
    big.extend(std::iter::repeat_n(b'a', 1024 * 1024 + 10));
    big.extend(b"\"}");
    let (status, _) = post_raw(&app, "application/json", big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn non_utf8_and_unknown_fields_are_400() {
    let app = spawn_app().await;
    let (status, _) = post_raw(
        &app,
        "application/json",
        vec![b'{', b'"', 0xff, 0xfe, b'"', b'}'],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let typo = br#"{"email":"a@example.com","username":"a","password":"long enough","admn":true}"#
        .to_vec();
    let (status, body) = post_raw(&app, "application/json", typo).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["validations"][0]["field"], "admn");
}

#[tokio::test]
async fn an_unknown_path_is_404_json() {
    let app = spawn_app().await;
    let response = app.get("/no/such/thing").await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_error_body_never_repeats_a_submitted_value() {
    let app = spawn_app().await;
    let body = br#"{"email":"a@example.com","username":"a","password":987654321}"#.to_vec();
    let (status, body) = post_raw(&app, "application/json", body).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(!body.to_string().contains("987654321"), "{body}");
}
