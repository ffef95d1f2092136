//! The admin page for OAuth2 apps in a real headless Chromium (SPEC §3).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::{Duration, Instant};

use fantoccini::Locator;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, Browser, spawn_app};

async fn wait_for_app_page(browser: &Browser) -> String {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let url = browser.current_url().await;
        if url.rsplit('/').next().is_some_and(|id| id.len() == 36) {
            return url;
        }
        assert!(Instant::now() < deadline, "no app page opened; at {url}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn source(browser: &Browser) -> String {
    browser.client().source().await.unwrap()
}

#[tokio::test]
async fn an_admin_creates_an_app_and_a_secret_reads_it_once_then_deletes_both() {
    let app = spawn_app().await;
    app.create_admin().await;
    let browser = Browser::launch().await;

    browser
        .goto(&app.url("/login?redirect=/settings/oauth2-apps"))
        .await;
    browser.fill("#email", ADMIN_EMAIL).await;
    browser.fill("#password", ADMIN_PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path("/settings/oauth2-apps").await;

    browser.fill("#name", "Docs").await;
    browser
        .fill("#callback_url", "https://docs.example/cb")
        .await;
    browser
        .click("form[method=post][action='/settings/oauth2-apps'] button[type=submit]")
        .await;
    let app_page = wait_for_app_page(&browser).await;
    assert_eq!(browser.text_of("h1").await, "Docs");

    browser
        .click("form[action$='/secrets'] button[type=submit]")
        .await;
    let secret = browser.text_of("#new-secret").await;
    assert!(secret.starts_with("tcs_"), "{secret}");
    let copy = browser
        .client()
        .find(Locator::Css("button[data-copy]"))
        .await
        .unwrap();
    assert!(
        copy.is_displayed().await.unwrap(),
        "the copy button appears once its script runs"
    );

    browser.goto(&app_page).await;
    let reloaded = source(&browser).await;
    assert!(
        !reloaded.contains(&secret),
        "the full secret is never shown again"
    );
    assert!(reloaded.contains(&format!("…{}", &secret[secret.len() - 6..])));

    browser
        .click("form[action*='/secrets/'] button[type=submit]")
        .await;
    // The post comes back to the same page: wait for the secret's listing to go.
    browser.wait_until_gone(&secret[secret.len() - 6..]).await;
    assert_eq!(
        browser.current_url().await,
        app_page,
        "back on the app's page"
    );

    browser
        .click("form[action$='/delete']:not([action*='/secrets/']) button[type=submit]")
        .await;
    browser.wait_for_path("/settings/oauth2-apps").await;
    assert!(
        !source(&browser).await.contains("docs.example"),
        "the app is gone"
    );
    browser.close().await;
}

#[tokio::test]
async fn an_admin_pages_through_apps_searches_them_and_deletes_the_selected_in_chromium() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.create_apps_named(&admin, "Docs", 55).await;
    let zeta = app.create_apps_named(&admin, "Zeta", 2).await;
    let browser = Browser::launch().await;
    browser
        .goto(&app.url("/login?redirect=/settings/oauth2-apps"))
        .await;
    browser.fill("#email", ADMIN_EMAIL).await;
    browser.fill("#password", ADMIN_PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path("/settings/oauth2-apps").await;
    assert_eq!(browser.text_of("#count").await, "1–50 of 57");

    browser.click("a[rel=next]").await;
    browser.wait_until_gone("1–50 of 57").await;
    assert_eq!(browser.text_of("#count").await, "51–57 of 57");
    assert!(source(&browser).await.contains(">Zeta 2<"));

    browser.fill("#q", "zeta").await;
    browser.click("form[role=search] button[type=submit]").await;
    browser.wait_until_gone("51–57 of 57").await;
    assert_eq!(browser.text_of("#count").await, "1–2 of 2");
    for id in &zeta {
        browser
            .click(&format!("tr[data-app='{id}'] input[type=checkbox]"))
            .await;
    }
    browser.click("#delete-selected").await;
    assert_eq!(browser.text_of("#deleted").await, "Deleted 2 apps.");
    assert_eq!(browser.text_of("#count").await, "No apps match.");
    let left = app.list_apps(&admin, "?q=zeta").await;
    assert_eq!(left.header("x-total-count").as_deref(), Some("0"));
    assert_eq!(app.list_apps(&admin, "").await.names().len(), 55);
    browser.close().await;
}
