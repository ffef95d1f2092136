//! NUL characters and overlong text in any input get a 4xx, never a 500 (issue 14 #8, #16).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::json;
use tessera_e2e::{csrf_token_in, spawn_app};

fn hostile_emails() -> [String; 3] {
    [
        "a\u{0}b@example.com".to_owned(),
        format!("{}@example.com", "a".repeat(10_000)),
        format!("admin@example.com{}", "\u{0}".repeat(3)),
    ]
}

#[tokio::test]
async fn a_login_with_a_nul_or_an_overlong_email_is_refused_as_wrong_credentials() {
    let app = spawn_app().await;
    app.create_admin().await;
    for email in hostile_emails() {
        let body = json!({"email": email, "password": "correct horse battery"});
        let response = app.post_json("/api/v2/users/login", &body).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "API, {} chars",
            email.len()
        );

        let page = app.get("/login").await.text().await.unwrap();
        let form = [
            ("email", email.as_str()),
            ("password", "correct horse battery"),
            ("csrf_token", &csrf_token_in(&page)),
        ];
        let response = app.post_form("/login", &form).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "page, {} chars",
            email.len()
        );
    }
}

#[tokio::test]
async fn nul_characters_anywhere_else_are_a_4xx() {
    let app = spawn_app().await;
    let first = json!({"email": "a\u{0}@example.com", "username": "a", "password": "long enough"});
    let status = app.post_json("/api/v2/users/first", &first).await.status();
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let admin = app.login_as_admin().await;
    let requests = [
        (
            "/api/v2/users",
            json!({"email": "b@example.com", "username": "b\u{0}", "password": "long enough"}),
        ),
        (
            "/api/v2/oauth2-provider/apps",
            json!({"name": "A\u{0}", "callback_url": "https://a.example/cb"}),
        ),
        (
            "/api/v2/oauth2-provider/apps",
            json!({"name": "A", "callback_url": "https://a.example/c\u{0}b"}),
        ),
    ];
    for (path, body) in requests {
        let response = reqwest::Client::new()
            .post(app.url(path))
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{path} {body}");
    }
    let registrations = [
        json!({"redirect_uris": ["https://a.example/cb"], "client_name": "x\u{0}"}),
        json!({"redirect_uris": ["https://a.example/c\u{0}b"]}),
        json!({"redirect_uris": ["https://a.example/cb"], "software_id": "\u{0}"}),
        json!({"redirect_uris": ["https://a.example/cb"], "client_uri": "https://a.example/\u{0}"}),
    ];
    for body in registrations {
        let status = app.register(&body).await.status();
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    }
    for path in [
        "/oauth2/authorize?response_type=code&client_id=%00&state=%00",
        "/login?redirect=/%00",
        "/api/v2/oauth2-provider/apps/%00",
    ] {
        let status = app.get(path).await.status();
        assert!(
            status.is_client_error() || status.is_redirection(),
            "{path}: {status}"
        );
    }
    let token = app
        .post_form(
            "/oauth2/tokens",
            &[
                ("grant_type", "authorization_code"),
                ("code", "\u{0}"),
                ("client_id", "\u{0}"),
            ],
        )
        .await;
    assert!(token.status().is_client_error(), "{}", token.status());
}
