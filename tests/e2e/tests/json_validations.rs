//! A body that is JSON but lacks a field or has one of the wrong type gets 400 naming the
//! field, on every JSON endpoint (SPEC §2 `validations`; RFC 7591 descriptions at
//! registration), and never repeats the value it refused.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_e2e::oauth::REDIRECT_URI;
use tessera_e2e::{TestApp, new_client, spawn_app};

/// Sends `body` and returns the one validation's field and detail (asserting 400).
async fn problem(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (String, String) {
    let mut request = new_client().request(method, app.url(path)).json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path} {body}");
    let answer: Value = response.json().await.unwrap();
    let validations = answer["validations"].as_array().expect("validations");
    assert_eq!(validations.len(), 1, "{answer}");
    let field = validations[0]["field"].as_str().unwrap().to_owned();
    let detail = validations[0]["detail"].as_str().unwrap().to_owned();
    (field, detail)
}

#[tokio::test]
async fn missing_and_mistyped_fields_are_named_on_the_user_endpoints() {
    let app = spawn_app().await;
    let first = json!({"email": "a@example.com", "username": "a"});
    let (field, detail) = problem(&app, Method::POST, "/api/v2/users/first", None, first).await;
    assert_eq!(
        (field.as_str(), detail.as_str()),
        ("password", "is required")
    );

    let numeric = json!({"email": "a@example.com", "username": "a", "password": 98765432101_u64});
    let (field, detail) = problem(&app, Method::POST, "/api/v2/users/first", None, numeric).await;
    assert_eq!(field, "password");
    assert!(
        !detail.contains("98765432101"),
        "the value is not repeated: {detail}"
    );

    let admin = app.login_as_admin().await;
    let login = json!({"email": ["a@example.com"], "password": "x"});
    let (field, _) = problem(&app, Method::POST, "/api/v2/users/login", None, login).await;
    assert_eq!(field, "email");
    let user = json!({"email": "b@example.com", "password": "long enough"});
    let (field, _) = problem(&app, Method::POST, "/api/v2/users", Some(&admin), user).await;
    assert_eq!(field, "username");
}

#[tokio::test]
async fn missing_and_mistyped_fields_are_named_on_the_app_endpoints() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let path = "/api/v2/oauth2-provider/apps";
    let nameless = json!({"callback_url": REDIRECT_URI});
    let (field, detail) = problem(&app, Method::POST, path, Some(&admin), nameless).await;
    assert_eq!((field.as_str(), detail.as_str()), ("name", "is required"));

    let created = app
        .create_app(&admin, &json!({"name": "A", "callback_url": REDIRECT_URI}))
        .await;
    let path = format!("{path}/{}", created["id"].as_str().unwrap());
    let mistyped =
        json!({"name": "A", "callback_url": REDIRECT_URI, "redirect_uris": [REDIRECT_URI, 5]});
    let (field, detail) = problem(&app, Method::PUT, &path, Some(&admin), mistyped).await;
    assert_eq!(
        (field.as_str(), detail.as_str()),
        ("redirect_uris[1]", "must be a string")
    );
}

#[tokio::test]
async fn a_mistyped_registration_member_is_named_in_the_rfc_7591_description() {
    let app = spawn_app().await;
    let body = json!({"redirect_uris": ["https://app.example/cb"], "client_name": 7});
    let response = app.register(&body).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let answer: Value = response.json().await.unwrap();
    assert_eq!(answer["error"], "invalid_client_metadata");
    assert_eq!(answer["error_description"], "client_name must be a string.");
}
