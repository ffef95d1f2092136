//! Setting up, signing out and signing in again in a real headless Chromium (SPEC §2).

use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, Browser, spawn_app};

const SIGN_OUT: &str = "form[action='/logout'] button[type=submit]";

#[tokio::test]
async fn an_admin_sets_up_signs_out_and_signs_in_again_in_a_real_browser() {
    let app = spawn_app().await;
    let browser = Browser::launch().await;

    browser.goto(&app.url("/setup")).await;
    browser.fill("#email", ADMIN_EMAIL).await;
    browser.fill("#username", "admin").await;
    browser.fill("#password", ADMIN_PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path("/").await;
    assert_eq!(browser.text_of("h1").await, "Signed in as admin");

    assert_eq!(browser.text_of(SIGN_OUT).await, "Sign out");
    browser.click(SIGN_OUT).await;
    browser.wait_for_path("/login").await;
    browser.fill("#email", ADMIN_EMAIL).await;
    browser.fill("#password", ADMIN_PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path("/").await;
    assert_eq!(browser.text_of("h1").await, "Signed in as admin");

    browser.close().await;
}
