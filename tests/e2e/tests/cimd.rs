//! Client ID Metadata Documents: clients that never register (SPEC §5).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_bootstrap::Settings;
use tessera_e2e::cimd::{DocumentServer, serve_documents};
use tessera_e2e::mcp::RawMcp;
use tessera_e2e::oauth::{AuthorizeRequest, assert_error_page, oauth_error, pkce_pair, text_by_id};
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, spawn_app_with};

fn loopback_documents(s: &mut Settings) {
    s.cimd.insecure_allow_http_loopback = true;
}

/// tessera admitting loopback documents, a signed-in admin browser, and a document server.
async fn setup() -> (TestApp, TestApp, DocumentServer) {
    let app = spawn_app_with(loopback_documents).await;
    app.create_admin().await;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    (app, browser, serve_documents())
}

async fn authorize(browser: &TestApp, documents: &DocumentServer, name: &str) -> reqwest::Response {
    let request = AuthorizeRequest::new(&documents.client(name), &pkce_pair());
    browser.authorize(&request).await
}

#[tokio::test]
async fn a_client_named_by_its_document_url_completes_the_whole_journey_without_registering() {
    let (app, browser, documents) = setup().await;
    let client = documents.client("client.json");
    let pkce = pkce_pair();
    let mcp = app.mcp_url();
    let request = AuthorizeRequest::new(&client, &pkce)
        .set("scope", "mcp user:read")
        .set("resource", &mcp);
    let page = browser.consent_page(&request).await;
    assert!(page.contains("Document Client"));
    let identity = text_by_id(&page, "client-identity").expect("the client's identity");
    assert!(
        identity.starts_with("This app identifies itself as 127.0.0.1 "),
        "the document's host is shown: {identity}"
    );
    assert!(
        text_by_id(&page, "loopback-warning").is_some(),
        "every redirect URI is on localhost"
    );
    let code =
        tessera_e2e::oauth::redirect_params(&browser.consent(&page, "allow").await)["code"].clone();
    let exchanged = app
        .post_as_client(
            &client,
            "/oauth2/tokens",
            &[
                ("grant_type", "authorization_code"),
                ("code", &code),
                ("code_verifier", &pkce.verifier),
                ("redirect_uri", &client.redirect_uri),
                ("resource", &mcp),
            ],
        )
        .await;
    assert_eq!(exchanged.status(), StatusCode::OK);
    let tokens: Value = exchanged.json().await.unwrap();
    let refreshed = app
        .refresh(&client, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
    let tokens: Value = refreshed.json().await.unwrap();
    let mut session = RawMcp::new(&app, tokens["access_token"].as_str().unwrap());
    session.initialize().await;
    let me = session.call_tool("whoami", json!({})).await;
    assert_eq!(tessera_e2e::mcp::structured(&me)["username"], "admin");
    assert_eq!(documents.hits(), 1, "fetched once, then cached");
}

#[tokio::test]
async fn a_bad_document_gets_an_error_page_and_never_a_redirect() {
    let (_app, browser, documents) = setup().await;
    for name in [
        "mismatch.json",
        "bad-redirect.json",
        "secret.json",
        "big.json",
        "redirect.json",
        "text.json",
        "missing.json",
    ] {
        let response = authorize(&browser, &documents, name).await;
        assert_error_page(response).await;
    }
}

#[tokio::test]
async fn a_slow_document_server_is_given_up_on_after_three_seconds() {
    let (_app, browser, documents) = setup().await;
    let started = std::time::Instant::now();
    let response = authorize(&browser, &documents, "slow.json").await;
    let waited = started.elapsed();
    assert_error_page(response).await;
    assert!(
        waited < std::time::Duration::from_millis(4500),
        "waited {waited:?}"
    );
    assert!(
        waited >= std::time::Duration::from_millis(2900),
        "waited {waited:?}"
    );
}

#[tokio::test]
async fn the_cache_is_honoured_and_an_expired_entry_is_fetched_again() {
    let (app, browser, documents) = setup().await;
    for _ in 0..3 {
        assert_eq!(
            authorize(&browser, &documents, "client.json")
                .await
                .status(),
            StatusCode::OK
        );
    }
    assert_eq!(documents.hits(), 1, "no refetch within max-age");
    let (db, connection) = tokio_postgres::connect(&app.database_url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let expired = db
        .execute(
            "UPDATE cimd_documents SET fetched_at = now() - interval '2 hours', expires_at = now() - interval '1 second'",
            &[],
        )
        .await
        .unwrap();
    assert_eq!(expired, 1);
    assert_eq!(
        authorize(&browser, &documents, "client.json")
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(documents.hits(), 2, "refetched once expired");
}

#[tokio::test]
async fn an_admin_blocks_a_document_client_and_its_tokens_stop_working() {
    let (app, browser, documents) = setup().await;
    let client = documents.client("client.json");
    let tokens = browser.tokens(&client, "user:read").await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.me_status(access).await, StatusCode::OK);
    let page = browser
        .get("/settings/oauth2-apps")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&documents.url("client.json").replace('/', "&#x2F;")),
        "listed with its document URL"
    );
    let id = app_id_on(&page);
    let csrf = tessera_e2e::csrf_token_in(&page);
    let blocked = browser
        .post_form(
            &format!("/settings/oauth2-apps/{id}/block"),
            &[("csrf_token", csrf.as_str())],
        )
        .await;
    assert_eq!(blocked.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.me_status(access).await, StatusCode::UNAUTHORIZED);
    assert_error_page(authorize(&browser, &documents, "client.json").await).await;
}

/// The id of the one app listed on the admin page.
fn app_id_on(page: &str) -> String {
    let marker = "&#x2F;settings&#x2F;oauth2-apps&#x2F;";
    let plain = "/settings/oauth2-apps/";
    let at = page
        .find(plain)
        .map(|i| i + plain.len())
        .or_else(|| page.find(marker).map(|i| i + marker.len()))
        .unwrap();
    page[at..at + 36].to_owned()
}

#[tokio::test]
async fn a_denied_domain_is_never_fetched_and_disabling_cimd_turns_url_client_ids_away() {
    let documents = serve_documents();
    for adjust in [
        (|s: &mut Settings| {
            s.cimd.insecure_allow_http_loopback = true;
            s.cimd.denied_domains = vec!["127.0.0.1".into()];
        }) as fn(&mut Settings),
        |s: &mut Settings| {
            s.cimd.insecure_allow_http_loopback = true;
            s.cimd.enabled = false;
        },
    ] {
        let app = spawn_app_with(adjust).await;
        app.create_admin().await;
        let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
        assert_error_page(authorize(&browser, &documents, "client.json").await).await;
    }
    assert_eq!(documents.hits(), 0);
}

#[tokio::test]
async fn the_metadata_says_whether_documents_are_accepted() {
    for (enabled, expected) in [(true, true), (false, false)] {
        let app = spawn_app_with(|s| s.cimd.enabled = enabled).await;
        let metadata: Value = app
            .get("/.well-known/oauth-authorization-server")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(metadata["client_id_metadata_document_supported"], expected);
    }
}

#[tokio::test]
async fn a_document_client_cannot_authenticate_with_a_secret() {
    let (app, browser, documents) = setup().await;
    assert_eq!(
        authorize(&browser, &documents, "client.json")
            .await
            .status(),
        StatusCode::OK
    );
    let response = tessera_e2e::new_client()
        .post(app.url("/oauth2/tokens"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", "trt_0000000000000000_x"),
            ("client_id", documents.url("client.json").as_str()),
            ("client_secret", "guess"),
        ])
        .send()
        .await
        .unwrap();
    let (status, error) = oauth_error(response).await;
    assert_eq!(
        (status, error.as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_client")
    );
}
