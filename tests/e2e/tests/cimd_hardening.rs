//! Client ID Metadata Documents under attack and fault (issue 14): a flood of junk URLs on
//! a client's host, a host that is down, a document removed, a client named by its internal
//! id, and what the error pages and the consent page give away.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_bootstrap::Settings;
use tessera_e2e::cimd::{DOCUMENT_REDIRECT, DocumentServer, internal_id, serve_documents};
use tessera_e2e::mcp::{RawMcp, structured};
use tessera_e2e::oauth::{
    AuthorizeRequest, OAuthApp, assert_error_page, html_unescape, oauth_error, pkce_pair,
};
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
async fn a_document_client_is_shown_by_its_url_to_resource_servers_people_and_mcp() {
    let (app, browser, documents) = setup().await;
    let client = documents.client("client.json");
    let tokens = browser.tokens(&client, "mcp user:read").await;
    let id = internal_id(&app.database_url, &client.client_id).await;
    let access = tokens["access_token"].as_str().unwrap();
    let admin = app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let resource_server = app
        .create_confidential_app(&admin, "https://rs.example/cb")
        .await;
    let seen: Value = app
        .introspect(&resource_server, access)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen["client_id"], client.client_id.as_str());
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
