//! The pages of people in a real headless Chromium (issue 18): an admin suspends someone
//! and that person's session stops working; a person changes their password and their
//! other sessions end; a reset link handed out on the page sets a new password.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use tessera_e2e::oauth::MEMBER_PASSWORD;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, Browser, TestApp, spawn_app};

const NEW_PASSWORD: &str = "a much better password";

/// Signs in on the login page and waits until it lands on `path`.
async fn sign_in(browser: &Browser, app: &TestApp, email: &str, password: &str, path: &str) {
    browser
        .goto(&app.url(&format!("/login?redirect={path}")))
        .await;
    browser.fill("#email", email).await;
    browser.fill("#password", password).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path(path).await;
}

#[tokio::test]
async fn an_admin_suspends_a_person_on_the_people_page_and_their_session_stops_working() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let bob = app.browser_login_as_new_member(&admin, "bob").await;
    assert_eq!(bob.get("/settings/account").await.status(), StatusCode::OK);
    let browser = Browser::launch().await;
    sign_in(
        &browser,
        &app,
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        "/settings/users",
    )
    .await;

    browser.fill("#q", "bob").await;
    browser.click("form[role=search] button[type=submit]").await;
    browser.wait_until_gone(ADMIN_EMAIL).await;
    assert_eq!(browser.text_of("#count").await, "1–1 of 1");
    browser
        .click("tr[data-username='bob'] button.suspend")
        .await;
    // Back on the list: the only Suspend button (bob's) has become Unsuspend.
    browser.wait_until_gone("class=\"suspend\"").await;
    let status = browser.text_of("tr[data-username='bob'] td.status").await;
    assert_eq!(status, "suspended");

    let after = bob.get("/settings/account").await;
    assert_eq!(
        after.status(),
        StatusCode::SEE_OTHER,
        "bob's session has ended"
    );
    let login = app.login_status("bob@example.com", MEMBER_PASSWORD).await;
    assert_eq!(login, StatusCode::FORBIDDEN);
    browser.close().await;
}

#[tokio::test]
async fn a_person_changes_their_password_on_the_account_page_and_their_other_sessions_end() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let elsewhere = app.login_as_new_member(&admin, "bob").await;
    let browser = Browser::launch().await;
    sign_in(
        &browser,
        &app,
        "bob@example.com",
        MEMBER_PASSWORD,
        "/settings/account",
    )
    .await;

    browser.fill("#old_password", MEMBER_PASSWORD).await;
    browser.fill("#password", NEW_PASSWORD).await;
    browser.click("#change-password").await;
    let notice = browser.text_of("#notice").await;
    assert!(notice.contains("Your password is changed"), "{notice}");

    assert_eq!(
        app.session_status(&elsewhere).await,
        StatusCode::UNAUTHORIZED
    );
    browser.goto(&app.url("/")).await;
    assert_eq!(
        browser.text_of("h1").await,
        "Signed in as bob",
        "this session stays"
    );
    let old = app.login_status("bob@example.com", MEMBER_PASSWORD).await;
    assert_eq!(old, StatusCode::UNAUTHORIZED);
    let new = app.login_status("bob@example.com", NEW_PASSWORD).await;
    assert_eq!(new, StatusCode::CREATED);
    browser.close().await;
}

#[tokio::test]
async fn a_reset_link_from_the_people_page_lets_the_person_choose_a_password_once() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.login_as_new_member(&admin, "bob").await;
    let browser = Browser::launch().await;
    sign_in(
        &browser,
        &app,
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        "/settings/users",
    )
    .await;

    browser
        .click("tr[data-username='bob'] button.reset-password")
        .await;
    let link = browser.text_of("#reset-link").await;
    assert!(link.contains("/reset-password?token=tpr_"), "{link}");
    browser.goto(&link).await;
    browser.fill("#password", NEW_PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_until_gone("name=\"token\"").await;
    assert_eq!(browser.text_of("h1").await, "Your password is set");
    let new = app.login_status("bob@example.com", NEW_PASSWORD).await;
    assert_eq!(new, StatusCode::CREATED);

    browser.goto(&link).await;
    let used = browser.client().source().await.unwrap();
    assert!(used.contains("invalid, expired or already used"), "{used}");
    browser.close().await;
}
