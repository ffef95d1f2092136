//! People and sessions over the JSON API (SPEC §2).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, new_client, spawn_app};

#[tokio::test]
async fn the_first_user_logs_in_and_reads_themselves_with_the_session_token() {
    let app = spawn_app().await;
    let created = app.create_admin().await;
    assert_eq!(created["admin"], true);
    let token = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(token.starts_with("tss_"));
    let me: Value = app
        .get_with_bearer("/api/v2/users/me", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], ADMIN_EMAIL);
    assert_eq!(me["username"], "admin");
    assert_eq!(me["id"], created["id"]);
    assert!(me.get("password_hash").is_none());
}

#[tokio::test]
async fn a_second_first_user_gets_409() {
    let app = spawn_app().await;
    app.create_admin().await;
    let body = json!({"email": "eve@example.com", "username": "eve", "password": "long enough"});
    let response = app.post_json("/api/v2/users/first", &body).await;
    assert_eq!(response.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn invalid_user_fields_are_each_named_in_validations() {
    let app = spawn_app().await;
    let body = json!({"email": "not-an-email", "username": "-bad-", "password": "short"});
    let response = app.post_json("/api/v2/users/first", &body).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&str> = body["validations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["email", "username", "password"]);
}

#[tokio::test]
async fn unknown_email_and_wrong_password_get_the_same_401() {
    let app = spawn_app().await;
    app.create_admin().await;
    let unknown = app
        .post_json(
            "/api/v2/users/login",
            &json!({"email": "who@example.com", "password": ADMIN_PASSWORD}),
        )
        .await;
    let wrong = app
        .post_json(
            "/api/v2/users/login",
            &json!({"email": ADMIN_EMAIL, "password": "wrong password"}),
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.text().await.unwrap(), wrong.text().await.unwrap());
}

#[tokio::test]
async fn five_failures_for_an_email_lock_it_with_429_and_retry_after() {
    let app = spawn_app().await;
    app.create_admin().await;
    for _ in 0..5 {
        let r = app
            .post_json(
                "/api/v2/users/login",
                &json!({"email": ADMIN_EMAIL, "password": "wrong password"}),
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let locked = app
        .post_json(
            "/api/v2/users/login",
            &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await;
    assert_eq!(locked.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = locked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry), "{retry}");
}

#[tokio::test]
async fn login_sets_an_http_only_lax_session_cookie_that_authenticates() {
    let app = spawn_app().await;
    app.create_admin().await;
    let response = app
        .post_json(
            "/api/v2/users/login",
            &json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}),
        )
        .await;
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("tessera_session=tss_"), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        !cookie.contains("Secure"),
        "plain-http access_url must not set Secure: {cookie}"
    );
    let me = app.get("/api/v2/users/me").await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_session_token_in_the_query_string_is_never_accepted() {
    let app = spawn_app().await;
    let token = app.login_as_admin().await;
    let response = new_client()
        .get(app.url(&format!("/api/v2/users/me?access_token={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_logged_out_session_is_refused() {
    let app = spawn_app().await;
    let token = app.login_as_admin().await;
    let out = new_client()
        .post(app.url("/api/v2/users/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::OK);
    assert_eq!(
        app.get_with_bearer("/api/v2/users/me", &token)
            .await
            .status(),
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn admins_create_and_list_users_and_members_may_not() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let member = app.login_as_new_member(&admin, "bob").await;
    let list: Value = app
        .get_with_bearer("/api/v2/users", &admin)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["count"], 2);
    assert_eq!(list["users"][1]["username"], "bob");
    assert_eq!(list["users"][1]["admin"], false);
    assert_eq!(
        app.get_with_bearer("/api/v2/users", &member).await.status(),
        StatusCode::FORBIDDEN
    );
    let body = json!({"email": "c@example.com", "username": "c", "password": "long enough"});
    let by_member = new_client()
        .post(app.url("/api/v2/users"))
        .bearer_auth(&member)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(by_member.status(), StatusCode::FORBIDDEN);
    let anonymous = new_client()
        .get(app.url("/api/v2/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_taken_email_in_another_case_is_a_validation_error() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let body =
        json!({"email": "ADMIN@example.com", "username": "other", "password": "long enough"});
    let response = new_client()
        .post(app.url("/api/v2/users"))
        .bearer_auth(&admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["validations"][0]["field"], "email");
}

#[tokio::test]
async fn a_burst_of_concurrent_wrong_logins_gets_no_more_than_five_guesses() {
    let app = spawn_app().await;
    app.create_admin().await;
    let attempts: Vec<_> = (0..20)
        .map(|_| {
            let (client, url) = (new_client(), app.url("/api/v2/users/login"));
            tokio::spawn(async move {
                let body = json!({"email": ADMIN_EMAIL, "password": "wrong password"});
                client.post(url).json(&body).send().await.unwrap().status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for attempt in attempts {
        statuses.push(attempt.await.unwrap());
    }
    let guesses = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((guesses, refused), (5, 15));
}
