//! People managing their own sign-in (SPEC §2, issue 18): changing the password (the old
//! one required, the other sessions end), signing out everywhere, the pages that do the
//! same with CSRF tokens, and the admin page of people.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_e2e::registration::native_public_metadata;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, new_client, spawn_app};

const NEW_PASSWORD: &str = "a much better password";

#[tokio::test]
async fn changing_ones_password_needs_the_old_one_and_ends_only_the_other_sessions() {
    let app = spawn_app().await;
    let here = app.login_as_admin().await;
    let elsewhere = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let wrong = app
        .change_password(&here, "not my password", NEW_PASSWORD)
        .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    let body: Value = wrong.json().await.unwrap();
    assert_eq!(body["validations"][0]["field"], "old_password");
    let short = app.change_password(&here, ADMIN_PASSWORD, "short").await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.session_status(&elsewhere).await,
        StatusCode::OK,
        "nothing changed"
    );

    let changed = app
        .change_password(&here, ADMIN_PASSWORD, NEW_PASSWORD)
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.session_status(&here).await, StatusCode::OK);
    assert_eq!(
        app.session_status(&elsewhere).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login_status(ADMIN_EMAIL, ADMIN_PASSWORD).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.login_status(ADMIN_EMAIL, NEW_PASSWORD).await,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn an_oauth_access_token_cannot_change_its_persons_password() {
    let app = spawn_app().await;
    app.create_admin().await;
    let client = app.register_client(&native_public_metadata()).await.client;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let tokens = browser.tokens(&client, "user:read").await;
    let token = tokens["access_token"].as_str().unwrap();
    let refused = app
        .change_password(token, ADMIN_PASSWORD, NEW_PASSWORD)
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let refused = app
        .admin_api(token, Method::DELETE, "/api/v2/users/me/sessions", None)
        .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn signing_out_everywhere_ends_every_session_of_the_person_only() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let other = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let member = app.login_as_new_member(&admin, "bob").await;
    let out = app
        .admin_api(&admin, Method::DELETE, "/api/v2/users/me/sessions", None)
        .await;
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.session_status(&admin).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.session_status(&other).await, StatusCode::UNAUTHORIZED);
    assert_eq!(app.session_status(&member).await, StatusCode::OK);
}

#[tokio::test]
async fn a_cookie_authenticated_password_change_from_another_origin_is_refused() {
    let app = spawn_app().await;
    app.create_admin().await;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let body = json!({"old_password": ADMIN_PASSWORD, "password": NEW_PASSWORD});
    let forged = browser
        .client
        .put(app.url("/api/v2/users/me/password"))
        .header("origin", "https://evil.example")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        app.login_status(ADMIN_EMAIL, ADMIN_PASSWORD).await,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn the_account_page_changes_the_password_and_refuses_a_form_without_its_token() {
    let app = spawn_app().await;
    app.create_admin().await;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let elsewhere = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = browser.get("/settings/account").await;
    assert_eq!(page.status(), StatusCode::OK);

    let fields = [("old_password", ADMIN_PASSWORD), ("password", NEW_PASSWORD)];
    let forged = browser
        .post_form("/settings/account/password", &fields)
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN, "no CSRF token");
    let wrong = [("old_password", "nope nope"), ("password", NEW_PASSWORD)];
    let wrong = browser
        .submit_form("/settings/account", "/settings/account/password", &wrong)
        .await;
    assert_eq!(wrong.status(), StatusCode::BAD_REQUEST);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("old password is wrong")
    );

    let done = browser
        .submit_form("/settings/account", "/settings/account/password", &fields)
        .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let page = browser.get("/settings/account?changed=password").await;
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Your password is changed")
    );
    assert_eq!(
        app.session_status(&elsewhere).await,
        StatusCode::UNAUTHORIZED
    );

    let out = browser
        .submit_form(
            "/settings/account",
            "/settings/account/sign-out-everywhere",
            &[],
        )
        .await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        browser.get("/settings/account").await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_people_page_is_for_admins_and_suspends_with_a_csrf_token() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let member = app.browser_login_as_new_member(&admin, "bob").await;
    assert_eq!(
        member.get("/settings/users").await.status(),
        StatusCode::FORBIDDEN
    );
    let anonymous = new_client()
        .get(app.url("/settings/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);

    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let found = browser
        .get("/settings/users?q=bo")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        found.contains("bob@example.com") && !found.contains(ADMIN_EMAIL),
        "{found}"
    );
    let bob = app.user_id(&admin, "bob").await;
    let action = format!("/settings/users/{bob}/suspend");
    let forged = browser
        .post_form(&action, &[("csrf_token", "forged")])
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        member.get("/settings/account").await.status(),
        StatusCode::OK
    );
    let done = browser.submit_form("/settings/users", &action, &[]).await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        member.get("/settings/account").await.status(),
        StatusCode::SEE_OTHER
    );

    let me = app.user_id(&admin, "admin").await;
    let last = format!("/settings/users/{me}/remove-admin");
    let refused = browser.submit_form("/settings/users", &last, &[]).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("at least one active admin")
    );

    let reset = format!("/settings/users/{bob}/reset-password");
    let shown = browser.submit_form("/settings/users", &reset, &[]).await;
    assert_eq!(shown.status(), StatusCode::CREATED);
    let html = shown.text().await.unwrap();
    assert!(html.contains("reset-password?token=tpr_"), "{html}");

    app.set_user_status(&admin, &bob, "activate").await;
    app.set_user_roles(&admin, &bob, &["admin"]).await;
    let stepped_down = browser.submit_form("/settings/users", &last, &[]).await;
    assert_eq!(stepped_down.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        stepped_down.headers()["location"],
        "/",
        "no longer an admin: home"
    );
}
