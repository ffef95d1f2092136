//! The consent page (SPEC §4): what it tells the person, and the `Origin` rule of its form.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Response, StatusCode, header};
use tessera_e2e::TestApp;
use tessera_e2e::oauth::{
    STATE, consent_form, list_items_by_id, redirect_params, spawn_oauth, text_by_id,
};

/// `POST /oauth2/authorize` of `form` with the browser's cookies and `Origin: origin`.
async fn post_consent_from(browser: &TestApp, form: &[(String, String)], origin: &str) -> Response {
    browser
        .client
        .post(browser.url("/oauth2/authorize"))
        .header(header::ORIGIN, origin)
        .form(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn the_consent_page_names_the_app_the_scopes_in_words_the_redirect_host_and_the_person() {
    let setup = spawn_oauth().await;
    let mia = setup
        .app
        .browser_login_as_new_member(&setup.admin_token, "mia")
        .await;
    let (_, request) = setup.request();
    let page = mia
        .consent_page(&request.set("scope", "user:read mcp"))
        .await;
    assert!(page.contains("<h1>Authorize Docs?</h1>"), "{page}");
    let mut scopes = list_items_by_id(&page, "scopes");
    scopes.sort();
    assert_eq!(
        scopes,
        [
            "See your profile: username and email address",
            "Use tessera's MCP tools on your behalf",
        ]
    );
    assert_eq!(
        text_by_id(&page, "redirect-host").as_deref(),
        Some("client.example")
    );
    assert!(
        page.contains("<p>Signed in as <strong>mia</strong> (mia@example.com).</p>"),
        "{page}"
    );
}

#[tokio::test]
async fn a_consent_sent_with_origin_null_is_judged_by_its_csrf_token_and_issues_a_code() {
    let setup = spawn_oauth().await;
    let (pkce, request) = setup.request();
    let page = setup.browser.consent_page(&request).await;
    let mut form = consent_form(&page);
    form.push(("decision".into(), "allow".into()));
    let response = post_consent_from(&setup.browser, &form, "null").await;
    let params = redirect_params(&response);
    assert_eq!(params["state"], STATE);
    let exchanged = setup
        .app
        .exchange_code(&setup.client, &params["code"], &pkce.verifier)
        .await;
    assert_eq!(exchanged.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_consent_sent_with_origin_null_and_no_csrf_token_is_forbidden() {
    let setup = spawn_oauth().await;
    let page = setup.browser.consent_page(&setup.request().1).await;
    let mut form = consent_form(&page);
    form.retain(|(name, _)| name != "csrf_token");
    form.push(("decision".into(), "allow".into()));
    let response = post_consent_from(&setup.browser, &form, "null").await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(header::LOCATION).is_none());
}
