//! The admin page `/settings/oauth2-apps`, driven as a browser without JavaScript would.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::Value;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, csrf_token_in, spawn_app};

async fn signed_in_admin() -> TestApp {
    let app = spawn_app().await;
    app.create_admin().await;
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await; // sets the session cookie on app.client
    app
}

async fn page(app: &TestApp, path: &str) -> (StatusCode, String) {
    let response = app.get(path).await;
    (response.status(), response.text().await.unwrap())
}

async fn create_app_by_form(app: &TestApp) -> String {
    let (_, list) = page(app, "/settings/oauth2-apps").await;
    let form = [
        ("csrf_token", csrf_token_in(&list)),
        ("name", "Docs".into()),
        ("callback_url", "https://docs.example/cb".into()),
        ("redirect_uris", "http://127.0.0.1/cb\n".into()),
        ("client_type", "confidential".into()),
    ];
    let created = app.post_form("/settings/oauth2-apps", &form).await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    created.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_admin_creates_an_app_and_a_secret_that_is_shown_once() {
    let app = signed_in_admin().await;
    let app_page = create_app_by_form(&app).await;
    let (status, html) = page(&app, &app_page).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        html.contains(
            "<textarea id=\"redirect_uris\" name=\"redirect_uris\" rows=\"3\">http:&#x2F;&#x2F;127.0.0.1&#x2F;cb</textarea>"
        ),
        "the extra redirect URI is in the edit form: {html}"
    );

    let form = [("csrf_token", csrf_token_in(&html))];
    let shown = app.post_form(&format!("{app_page}/secrets"), &form).await;
    assert_eq!(shown.status(), StatusCode::CREATED);
    let shown = shown.text().await.unwrap();
    let start = shown.find("tcs_").expect("the full secret is on the page");
    let secret: String = shown[start..].chars().take_while(|c| *c != '<').collect();

    let (_, reloaded) = page(&app, &app_page).await;
    assert!(
        !reloaded.contains(&secret),
        "the full secret is shown only once"
    );
    assert!(
        reloaded.contains(&secret[secret.len() - 6..]),
        "its last six characters stay visible"
    );
}

#[tokio::test]
async fn an_admin_edits_an_app_on_its_page_and_the_change_is_saved_and_audited() {
    let app = signed_in_admin().await;
    let app_page = create_app_by_form(&app).await;
    let id = app_page.rsplit('/').next().unwrap().to_owned();
    let (_, html) = page(&app, &app_page).await;
    let form = [
        ("csrf_token", csrf_token_in(&html)),
        ("name", "Docs v2".into()),
        ("callback_url", "https://docs.example/v2/cb".into()),
        ("redirect_uris", "https://docs.example/other\n".into()),
        ("icon", "https://docs.example/icon.png".into()),
        ("client_type", "confidential".into()),
    ];
    let saved = app.post_form(&app_page, &form).await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(saved.headers()["location"], app_page.as_str());

    let api = format!("/api/v2/oauth2-provider/apps/{id}");
    let stored: Value = app.get(&api).await.json().await.unwrap();
    assert_eq!(stored["name"], "Docs v2");
    assert_eq!(stored["callback_url"], "https://docs.example/v2/cb");
    assert_eq!(
        stored["redirect_uris"],
        serde_json::json!(["https://docs.example/v2/cb", "https://docs.example/other"])
    );
    assert_eq!(stored["icon"], "https://docs.example/icon.png");
    let (_, reloaded) = page(&app, &app_page).await;
    assert!(reloaded.contains("<h1>Docs v2</h1>"), "{reloaded}");
    let audit: Value = app.get("/api/v2/audit?limit=1").await.json().await.unwrap();
    let last = &audit["audit_logs"][0];
    assert_eq!(last["action"], "update");
    assert_eq!(last["resource_type"], "app");
    assert_eq!(last["resource_id"], id.as_str());
}

#[tokio::test]
async fn an_edit_with_an_invalid_field_is_shown_on_the_page_and_changes_nothing() {
    let app = signed_in_admin().await;
    let app_page = create_app_by_form(&app).await;
    let (_, html) = page(&app, &app_page).await;
    let form = [
        ("csrf_token", csrf_token_in(&html)),
        ("name", "Docs".into()),
        ("callback_url", "http://evil.example/cb".into()),
        ("client_type", "confidential".into()),
    ];
    let refused = app.post_form(&app_page, &form).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let html = refused.text().await.unwrap();
    let errors: Vec<&str> = html
        .split("<p class=\"error\" role=\"alert\">")
        .skip(1)
        .filter_map(|e| e.split("</p>").next())
        .collect();
    assert!(
        errors.iter().any(|e| e.starts_with("callback_url: ")),
        "{errors:?}"
    );
    let (_, reloaded) = page(&app, &app_page).await;
    assert!(reloaded.contains("value=\"https:&#x2F;&#x2F;docs.example&#x2F;cb\""));
}

#[tokio::test]
async fn deleting_an_app_from_its_page_removes_it() {
    let app = signed_in_admin().await;
    let app_page = create_app_by_form(&app).await;
    let (_, html) = page(&app, &app_page).await;
    let form = [("csrf_token", csrf_token_in(&html))];
    let deleted = app.post_form(&format!("{app_page}/delete"), &form).await;
    assert_eq!(deleted.headers()["location"], "/settings/oauth2-apps");
    assert_eq!(page(&app, &app_page).await.0, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_form_without_the_sessions_csrf_token_changes_nothing() {
    let app = signed_in_admin().await;
    let form = [
        ("csrf_token", "forged"),
        ("name", "Evil"),
        ("callback_url", "https://evil.example/cb"),
    ];
    let response = app.post_form("/settings/oauth2-apps", &form).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(!page(&app, "/settings/oauth2-apps").await.1.contains("Evil"));
}

#[tokio::test]
async fn invalid_fields_are_shown_on_the_page_with_400() {
    let app = signed_in_admin().await;
    let (_, list) = page(&app, "/settings/oauth2-apps").await;
    let form = [
        ("csrf_token", csrf_token_in(&list)),
        ("name", "Docs".into()),
        ("callback_url", "http://evil.example/cb".into()),
    ];
    let response = app.post_form("/settings/oauth2-apps", &form).await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(response.text().await.unwrap().contains("callback_url"));
}

#[tokio::test]
async fn members_get_403_and_strangers_are_sent_to_login() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.login_as_new_member(&admin, "bob").await;
    let member = app.with_new_client();
    member.login("bob@example.com", "member password").await;
    let (status, html) = page(&member, "/settings/oauth2-apps").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(
        html.contains("<p class=\"error\">You must be an admin to do this.</p>"),
        "{html}"
    );
    assert!(!html.contains("csrf_token"), "no form of the admin page");

    let stranger = app.with_new_client();
    let response = stranger.get("/settings/oauth2-apps").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        response.headers()["location"],
        "/login?redirect=%2Fsettings%2Foauth2-apps"
    );
}

#[tokio::test]
async fn the_page_cannot_be_framed() {
    let app = signed_in_admin().await;
    let response = app.get("/settings/oauth2-apps").await;
    assert_eq!(response.headers()["x-frame-options"], "DENY");
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert_eq!(response.headers()["referrer-policy"], "no-referrer");
}
