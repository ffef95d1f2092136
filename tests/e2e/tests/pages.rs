//! The setup and login pages, as a browser uses them (SPEC §2).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, csrf_token_in, new_client, spawn_app};

#[tokio::test]
async fn setup_creates_the_first_admin_signs_them_in_and_then_disappears() {
    let app = spawn_app().await;
    let home = app.get("/").await;
    assert_eq!(home.headers()["location"], "/setup");
    let page = app.get("/setup").await;
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let csrf = csrf_token_in(&page.text().await.unwrap());
    let form = [
        ("email", ADMIN_EMAIL),
        ("username", "admin"),
        ("password", ADMIN_PASSWORD),
        ("csrf_token", &csrf),
    ];
    let created = app.post_form("/setup", &form).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let home = app.get("/").await.text().await.unwrap();
    assert!(home.contains("Signed in as admin"), "{home}");
    let again = new_client().get(app.url("/setup")).send().await.unwrap();
    assert_eq!(again.headers()["location"], "/login");
}

#[tokio::test]
async fn a_setup_post_with_a_forged_csrf_token_is_refused() {
    let app = spawn_app().await;
    app.get("/setup").await;
    let form = [
        ("email", ADMIN_EMAIL),
        ("username", "admin"),
        ("password", ADMIN_PASSWORD),
        ("csrf_token", "forged"),
    ];
    let response = app.post_form("/setup", &form).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let still_needed = new_client().get(app.url("/setup")).send().await.unwrap();
    assert_eq!(still_needed.status(), StatusCode::OK);
}

async fn login_page_post(
    app: &tessera_e2e::TestApp,
    redirect: &str,
    password: &str,
) -> reqwest::Response {
    let page = app.get("/login").await.text().await.unwrap();
    let csrf = csrf_token_in(&page);
    let form = [
        ("email", ADMIN_EMAIL),
        ("password", password),
        ("redirect", redirect),
        ("csrf_token", &csrf),
    ];
    app.post_form("/login", &form).await
}

#[tokio::test]
async fn login_redirects_to_a_local_path_with_303() {
    let app = spawn_app().await;
    app.create_admin().await;
    let response = login_page_post(&app, "/settings/authorized-apps?x=1", ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/settings/authorized-apps?x=1"
    );
    let me = app.get("/api/v2/users/me").await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn login_never_redirects_off_site() {
    let app = spawn_app().await;
    app.create_admin().await;
    for evil in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
    ] {
        let fresh = app.with_new_client();
        let response = login_page_post(&fresh, evil, ADMIN_PASSWORD).await;
        assert_eq!(response.headers()["location"], "/", "{evil}");
    }
}

#[tokio::test]
async fn a_wrong_password_shows_the_form_again_with_401() {
    let app = spawn_app().await;
    app.create_admin().await;
    let response = login_page_post(&app, "/", "wrong password").await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("Incorrect email or password")
    );
}

#[tokio::test]
async fn sign_out_from_the_home_page_ends_the_session() {
    let app = spawn_app().await;
    app.create_admin().await;
    login_page_post(&app, "/", ADMIN_PASSWORD).await;
    let home = app.get("/").await.text().await.unwrap();
    let csrf = csrf_token_in(&home);
    let out = app.post_form("/logout", &[("csrf_token", csrf)]).await;
    assert_eq!(out.headers()["location"], "/login");
    let me = app.get("/api/v2/users/me").await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_login_post_without_the_csrf_cookie_or_field_is_refused() {
    let app = spawn_app().await;
    app.create_admin().await;
    let form = [
        ("email", ADMIN_EMAIL),
        ("password", ADMIN_PASSWORD),
        ("redirect", "/"),
    ];
    let no_cookie = app.post_form("/login", &form).await;
    assert_eq!(no_cookie.status(), StatusCode::FORBIDDEN);
    app.get("/login").await;
    let no_field = app.post_form("/login", &form).await;
    assert_eq!(no_field.status(), StatusCode::FORBIDDEN);
    let me = app.get("/api/v2/users/me").await;
    assert_eq!(me.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_logout_post_with_another_sessions_csrf_token_is_refused() {
    let app = spawn_app().await;
    app.create_admin().await;
    login_page_post(&app, "/", ADMIN_PASSWORD).await;
    let other = app.with_new_client();
    login_page_post(&other, "/", ADMIN_PASSWORD).await;
    let others_token = csrf_token_in(&other.get("/").await.text().await.unwrap());
    let out = app
        .post_form("/logout", &[("csrf_token", others_token)])
        .await;
    assert_eq!(out.status(), StatusCode::FORBIDDEN);
    let me = app.get("/api/v2/users/me").await;
    assert_eq!(me.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_throttled_login_page_says_so_with_retry_after() {
    let app = spawn_app().await;
    app.create_admin().await;
    for _ in 0..5 {
        login_page_post(&app, "/", "wrong password").await;
    }
    let response = login_page_post(&app, "/", ADMIN_PASSWORD).await;
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(response.headers().contains_key("retry-after"));
}
