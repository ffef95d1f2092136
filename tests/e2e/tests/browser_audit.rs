//! The audit page in a real headless Chromium (issue 18): an admin filters the log by actor,
//! action, app and time, is told plainly when a date is wrong, and corrects it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use fantoccini::Locator;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, Browser, spawn_app};

/// The text of every element `css` matches, in page order.
async fn texts(browser: &Browser, css: &str) -> Vec<String> {
    let mut texts = Vec::new();
    for element in browser.client().find_all(Locator::Css(css)).await.unwrap() {
        texts.push(element.text().await.unwrap());
    }
    texts
}

async fn choose_action(browser: &Browser, action: &str) {
    let select = browser
        .client()
        .find(Locator::Css("#action"))
        .await
        .unwrap();
    select.select_by_value(action).await.unwrap();
}

#[tokio::test]
async fn an_admin_filters_the_audit_page_and_corrects_a_bad_date() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.login_as_new_member(&admin, "bob").await;
    let bob = app.user_id(&admin, "bob").await;
    let suspended = app.set_user_status(&admin, &bob, "suspend").await;
    assert_eq!(suspended.status(), StatusCode::OK);
    let body = json!({"name": "Docs", "callback_url": "https://docs.example/cb"});
    let path = "/api/v2/oauth2-provider/apps";
    let created = app.admin_api(&admin, Method::POST, path, Some(&body)).await;
    let docs: Value = created.json().await.unwrap();
    let docs = docs["id"].as_str().unwrap();

    let browser = Browser::launch().await;
    browser
        .goto(&app.url("/login?redirect=/settings/audit"))
        .await;
    browser.fill("#email", ADMIN_EMAIL).await;
    browser.fill("#password", ADMIN_PASSWORD).await;
    browser.click("button[type=submit]").await;
    browser.wait_for_path("/settings/audit").await;
    assert_eq!(
        texts(&browser, "td.action").await,
        ["create", "suspend", "create"]
    );

    browser.fill("#actor", ADMIN_EMAIL).await;
    choose_action(&browser, "create").await;
    browser.fill("#from", "last tuesday").await;
    browser.click("form[role=search] button[type=submit]").await;
    let error = browser.text_of("p.error").await;
    assert!(error.starts_with("from: from must be a date"), "{error}");
    assert_eq!(texts(&browser, "td.action").await, Vec::<String>::new());

    browser.fill("#from", "2000-01-01").await;
    browser.click("form[role=search] button[type=submit]").await;
    browser.wait_until_gone("role=\"alert\"").await;
    assert_eq!(texts(&browser, "td.action").await, ["create", "create"]);
    assert_eq!(browser.text_of("#count").await, "1–2 of 2, newest first");

    browser.fill("#app", docs).await;
    browser.click("form[role=search] button[type=submit]").await;
    browser.wait_until_gone("1–2 of 2").await;
    let targets = texts(&browser, "td.target").await;
    assert_eq!(targets, [format!("app {docs}")]);
    let url = browser.current_url().await;
    assert!(
        url.contains("action=create") && url.contains("from=2000-01-01"),
        "{url}"
    );
    browser.close().await;
}
