//! Client ID Metadata Documents under attack and fault (issue 14): a flood of junk URLs on
//! a client's host, a host that is down, a document removed, a client named by its internal
//! id, and what the error pages and the consent page give away.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::json;
use tessera_bootstrap::Settings;
use tessera_e2e::cimd::{
    DOCUMENT_REDIRECT, DocumentServer, expire_cached_documents, internal_id, serve_documents,
};
use tessera_e2e::mcp::{RawMcp, structured};
use tessera_e2e::oauth::{
    AuthorizeRequest, OAuthApp, assert_error_page, html_unescape, oauth_error, pkce_pair,
};
use tessera_e2e::registration::native_public_metadata;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, spawn_app_with};

fn loopback_documents(s: &mut Settings) {
    s.cimd.insecure_allow_http_loopback = true;
}

/// tessera admitting loopback documents, a signed-in admin browser, and a document server.
async fn setup_with(adjust: fn(&mut Settings)) -> (TestApp, TestApp, DocumentServer) {
    let app = spawn_app_with(|s| {
        loopback_documents(s);
        adjust(s);
    })
    .await;
    app.create_admin().await;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    (app, browser, serve_documents())
}

async fn setup() -> (TestApp, TestApp, DocumentServer) {
    setup_with(|_| {}).await
}

/// `GET /oauth2/authorize` for `client`, always asking for the consent page.
async fn authorize_as(browser: &TestApp, client: &OAuthApp) -> reqwest::Response {
    let request = AuthorizeRequest::new(client, &pkce_pair()).set("prompt", "consent");
    browser.authorize(&request).await
}

/// The message of an error page.
async fn error_message(response: reqwest::Response) -> String {
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let html = response.text().await.unwrap();
    let marker = "<p class=\"error\">";
    let start = html.find(marker).unwrap() + marker.len();
    let end = html[start..].find("</p>").unwrap() + start;
    html_unescape(&html[start..end])
}

#[tokio::test]
async fn a_flood_of_junk_urls_on_its_host_does_not_cut_off_a_known_document_client() {
    let (app, browser, documents) = setup().await;
    let client = documents.client("client.json");
    let tokens = browser.tokens(&client, "user:read").await;
    expire_cached_documents(&app.database_url).await;
    let junk: Vec<OAuthApp> = (0..60)
        .map(|i| documents.client(&format!("junk-{i}.json")))
        .collect();
    let answers = futures::future::join_all(junk.iter().map(|c| authorize_as(&browser, c))).await;
    assert!(
        answers
            .iter()
            .all(|r| r.status() == StatusCode::BAD_REQUEST)
    );
    let started = Instant::now();
    let consent = authorize_as(&browser, &client).await;
    assert_eq!(
        consent.status(),
        StatusCode::OK,
        "the real client authorizes"
    );
    let refreshed = app
        .refresh(&client, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK, "and refreshes");
    let took = started.elapsed();
    assert!(took < Duration::from_secs(2), "promptly: {took:?}");
}

#[tokio::test]
async fn a_url_that_failed_is_not_fetched_again_on_every_request() {
    let (app, browser, documents) = setup().await;
    app.freeze_at_a_minute_start();
    for _ in 0..10 {
        assert_error_page(authorize_as(&browser, &documents.client("missing.json")).await).await;
    }
    assert!(documents.hits() <= 2, "fetched {} times", documents.hits());
}

#[tokio::test]
async fn an_expired_document_is_still_served_while_its_host_is_down() {
    let (app, browser, documents) = setup().await;
    let client = documents.client("client.json");
    let tokens = browser.tokens(&client, "user:read").await;
    expire_cached_documents(&app.database_url).await;
    documents.fail_with(Some(503));
    let refreshed = app
        .refresh(&client, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    assert_eq!(
        authorize_as(&browser, &client).await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_removed_document_stops_its_client_at_once() {
    let (app, browser, documents) = setup().await;
    let client = documents.client("client.json");
    let tokens = browser.tokens(&client, "user:read").await;
    expire_cached_documents(&app.database_url).await;
    documents.fail_with(Some(404));
    let refreshed = app
        .refresh(&client, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(
        oauth_error(refreshed).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".to_owned())
    );
    assert_error_page(authorize_as(&browser, &client).await).await;
}

#[tokio::test]
async fn a_document_client_is_refused_under_its_internal_id() {
    let (app, browser, documents) = setup().await;
    let client = documents.client("client.json");
    let tokens = browser.tokens(&client, "user:read").await;
    let by_id = OAuthApp {
        client_id: internal_id(&app.database_url, &client.client_id).await,
        secret: None,
        redirect_uri: DOCUMENT_REDIRECT.to_owned(),
    };
    assert_error_page(authorize_as(&browser, &by_id).await).await;
    let refresh = tokens["refresh_token"].as_str().unwrap();
    assert_eq!(
        oauth_error(app.refresh(&by_id, refresh).await).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".to_owned())
    );
    assert_eq!(app.refresh(&client, refresh).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_document_client_is_shown_by_its_url_to_people_and_mcp() {
    let (app, browser, documents) = setup().await;
    let client = documents.client("client.json");
    let tokens = browser.tokens(&client, "mcp user:read").await;
    let id = internal_id(&app.database_url, &client.client_id).await;
    let access = tokens["access_token"].as_str().unwrap();
    let page = browser
        .get("/settings/authorized-apps")
        .await
        .text()
        .await
        .unwrap();
    assert!(html_unescape(&page).contains(&client.client_id), "{page}");
    assert!(!page.contains(&id), "the internal id never shows");
    let mut mcp = RawMcp::new(&app, access);
    mcp.initialize().await;
    let listed = structured(&mcp.call_tool("list_authorized_apps", json!({})).await);
    assert_eq!(listed["apps"][0]["client_id"], client.client_id.as_str());
    let revoked = mcp
        .call_tool(
            "revoke_app_authorization",
            json!({"client_id": client.client_id}),
        )
        .await;
    assert_ne!(revoked["isError"], true, "{revoked}");
    assert_eq!(app.me_status(access).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_document_client_is_revoked_from_the_authorized_apps_page_by_its_url() {
    let (app, browser, documents) = setup().await;
    let client = documents.client("client.json");
    let tokens = browser.tokens(&client, "user:read").await;
    let page = browser
        .get("/settings/authorized-apps")
        .await
        .text()
        .await
        .unwrap();
    let marker = "action=\"";
    let start = page.find(marker).unwrap() + marker.len();
    let action = html_unescape(&page[start..start + page[start..].find('"').unwrap()]);
    let csrf = tessera_e2e::csrf_token_in(&page);
    let revoked = browser
        .post_form(&action, &[("csrf_token", csrf.as_str())])
        .await;
    assert_eq!(revoked.status(), StatusCode::SEE_OTHER, "{action}");
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.me_status(access).await, StatusCode::UNAUTHORIZED);
    let deleted = browser
        .client
        .delete(app.url("/oauth2/tokens"))
        .query(&[("client_id", client.client_id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.status(),
        StatusCode::NO_CONTENT,
        "named by its URL here too"
    );
}

#[tokio::test]
async fn document_clients_count_toward_the_client_cap() {
    let (app, browser, documents) = setup_with(|s| s.registration.max_clients = 1).await;
    assert_eq!(
        authorize_as(&browser, &documents.client("client.json"))
            .await
            .status(),
        StatusCode::OK
    );
    let (status, error) = oauth_error(app.register(&native_public_metadata()).await).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::FORBIDDEN, "access_denied")
    );
    assert_error_page(authorize_as(&browser, &documents.client("logo.json")).await).await;
}

#[tokio::test]
async fn a_private_key_jwt_document_client_is_refused_with_an_error_page() {
    let (_app, browser, documents) = setup().await;
    let message = error_message(authorize_as(&browser, &documents.client("jwt.json")).await).await;
    assert!(message.contains("private_key_jwt"), "{message}");
}

#[tokio::test]
async fn every_failed_fetch_shows_the_same_message_so_hosts_cannot_be_probed() {
    let (_app, browser, documents) = setup().await;
    let mut messages = Vec::new();
    for name in [
        "missing.json",
        "text.json",
        "redirect.json",
        "big.json",
        "mismatch.json",
    ] {
        messages.push(error_message(authorize_as(&browser, &documents.client(name)).await).await);
    }
    let closed = OAuthApp {
        client_id: "http://127.0.0.1:9/closed.json".into(),
        ..documents.client("client.json")
    };
    messages.push(error_message(authorize_as(&browser, &closed).await).await);
    assert!(messages.iter().all(|m| m == &messages[0]), "{messages:#?}");
    assert!(!messages[0].contains("404") && !messages[0].contains("status"));
}

#[tokio::test]
async fn the_consent_page_shows_no_remote_image_for_registered_or_document_clients() {
    let (app, browser, documents) = setup().await;
    let logo = "https://tracker.example/logo.png";
    let page = browser
        .consent_page(&AuthorizeRequest::new(
            &documents.client("logo.json"),
            &pkce_pair(),
        ))
        .await;
    assert!(!page.contains("<img"), "a document client's logo_uri");
    let mut metadata = native_public_metadata();
    metadata["logo_uri"] = json!(logo);
    let registered = app.register_client(&metadata).await.client;
    let page = browser
        .consent_page(&AuthorizeRequest::new(&registered, &pkce_pair()))
        .await;
    assert!(!page.contains("<img"), "a registered client's logo_uri");
    let admin = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let body = json!({"name": "Admin app", "callback_url": "https://app.example/cb",
                      "client_type": "public", "icon": "https://app.example/icon.png"});
    let created = app.create_app(&admin, &body).await;
    let admin_app = OAuthApp {
        client_id: created["id"].as_str().unwrap().to_owned(),
        secret: None,
        redirect_uri: "https://app.example/cb".into(),
    };
    let page = browser
        .consent_page(&AuthorizeRequest::new(&admin_app, &pkce_pair()))
        .await;
    assert!(page.contains("<img"), "an admin's icon is shown");
}
