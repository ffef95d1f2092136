//! The limits of fetching a Client ID Metadata Document (SPEC §5) that a well-behaved
//! document server never reaches: no redirect is followed, and a body is read no further
//! than 5 KiB even when it never ends.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::{Duration, Instant};

use serde_json::Value;
use tessera_e2e::cimd::{DocumentServer, serve_documents};
use tessera_e2e::oauth::{AuthorizeRequest, assert_error_page, pkce_pair};
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, spawn_app_with};

/// tessera admitting loopback documents, a signed-in admin browser, and a document server.
async fn setup() -> (TestApp, DocumentServer) {
    let app = spawn_app_with(|s| s.cimd.insecure_allow_http_loopback = true).await;
    app.create_admin().await;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    (browser, serve_documents())
}

async fn authorize(browser: &TestApp, documents: &DocumentServer, name: &str) -> reqwest::Response {
    let request = AuthorizeRequest::new(&documents.client(name), &pkce_pair());
    browser.authorize(&request).await
}

#[tokio::test]
async fn a_redirect_is_refused_even_to_a_valid_document_of_the_same_client_which_is_never_fetched()
{
    let (browser, documents) = setup().await;
    let response = authorize(&browser, &documents, "redirect.json").await;
    assert_error_page(response).await;
    assert_eq!(documents.hits_of("redirect.json"), 1);
    assert_eq!(
        documents.hits_of("redirect-target.json"),
        0,
        "the redirect was not followed"
    );
    // Had it been followed, the document found there would have been accepted.
    let target: Value = reqwest::get(documents.url("redirect-target.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(target["client_id"], documents.url("redirect.json"));
}

#[tokio::test]
async fn a_body_streamed_without_length_or_end_is_cut_off_at_five_kib_long_before_the_timeout() {
    let (browser, documents) = setup().await;
    let started = Instant::now();
    let response = authorize(&browser, &documents, "stream.json").await;
    let waited = started.elapsed();
    assert_error_page(response).await;
    assert_eq!(documents.hits_of("stream.json"), 1);
    // The fetch gives up after 3 s in all: a reader that waited for the end would take that long.
    assert!(
        waited < Duration::from_millis(1500),
        "waited {waited:?} for an endless document"
    );
}
