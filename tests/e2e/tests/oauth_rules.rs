//! The rules of the authorization endpoint and the consent form, one test each (SPEC §4).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{StatusCode, header};
use tessera_e2e::oauth::{
    AuthorizeRequest, OAuthApp, assert_error_page, code_from_location, consent_form, form_value,
    location, pkce_pair, set_field, spawn_oauth,
};

const LOOPBACK: &str = "http://127.0.0.1:8123/cb";

fn elsewhere(client: &OAuthApp, redirect_uri: &str) -> OAuthApp {
    OAuthApp {
        redirect_uri: redirect_uri.to_owned(),
        ..client.clone()
    }
}

#[tokio::test]
async fn an_unknown_client_id_gets_an_error_page_and_no_redirect() {
    let setup = spawn_oauth().await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let request = setup.request().1.set("client_id", &unknown);
    assert_error_page(setup.browser.authorize(&request).await).await;
}

#[tokio::test]
async fn an_unregistered_redirect_uri_gets_an_error_page_and_no_redirect() {
    let setup = spawn_oauth().await;
    let request = setup
        .request()
        .1
        .set("redirect_uri", "https://evil.example/callback");
    assert_error_page(setup.browser.authorize(&request).await).await;
}

#[tokio::test]
async fn a_client_with_several_redirect_uris_must_name_one() {
    let setup = spawn_oauth().await;
    let body = serde_json::json!({"name": "Two", "callback_url": "https://two.example/a",
        "redirect_uris": ["https://two.example/b"]});
    let created = setup.app.create_app(&setup.admin_token, &body).await;
    let client = OAuthApp {
        client_id: created["id"].as_str().unwrap().to_owned(),
        secret: None,
        redirect_uri: "https://two.example/a".into(),
    };
    let request = AuthorizeRequest::new(&client, &pkce_pair()).without("redirect_uri");
    assert_error_page(setup.browser.authorize(&request).await).await;
}

#[tokio::test]
async fn a_sub_path_of_a_registered_redirect_uri_is_not_registered() {
    let setup = spawn_oauth().await;
    let client = setup
        .app
        .create_confidential_app(&setup.admin_token, LOOPBACK)
        .await;
    let request = AuthorizeRequest::new(&client, &pkce_pair())
        .set("redirect_uri", "http://127.0.0.1:8123/cb/extra");
    assert_error_page(setup.browser.authorize(&request).await).await;
}

#[tokio::test]
async fn a_loopback_redirect_uri_may_use_any_port() {
    let setup = spawn_oauth().await;
    let registered = setup
        .app
        .create_confidential_app(&setup.admin_token, LOOPBACK)
        .await;
    let client = elsewhere(&registered, "http://127.0.0.1:9999/cb");
    let pkce = pkce_pair();
    let request = AuthorizeRequest::new(&client, &pkce);
    let page = setup.browser.consent_page(&request).await;
    let response = setup.browser.consent(&page, "allow").await;
    assert!(location(&response).starts_with("http://127.0.0.1:9999/cb?"));
    let code = code_from_location(&response);
    let exchanged = setup
        .app
        .exchange_code(&client, &code, &pkce.verifier)
        .await;
    assert_eq!(exchanged.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_implicit_flow_is_refused_as_an_unsupported_response_type() {
    let setup = spawn_oauth().await;
    let request = setup.request().1.set("response_type", "token");
    let response = setup.browser.authorize(&request).await;
    setup.assert_redirected_error(&response, "unsupported_response_type");
}

#[tokio::test]
async fn a_request_without_a_code_challenge_is_invalid() {
    let setup = spawn_oauth().await;
    let request = setup.request().1.without("code_challenge");
    let response = setup.browser.authorize(&request).await;
    setup.assert_redirected_error(&response, "invalid_request");
}

#[tokio::test]
async fn a_plain_code_challenge_method_is_invalid() {
    let setup = spawn_oauth().await;
    let request = setup.request().1.set("code_challenge_method", "plain");
    let response = setup.browser.authorize(&request).await;
    setup.assert_redirected_error(&response, "invalid_request");
}

#[tokio::test]
async fn a_missing_code_challenge_method_is_invalid() {
    let setup = spawn_oauth().await;
    let request = setup.request().1.without("code_challenge_method");
    let response = setup.browser.authorize(&request).await;
    setup.assert_redirected_error(&response, "invalid_request");
}

#[tokio::test]
async fn an_unknown_scope_is_an_invalid_scope() {
    let setup = spawn_oauth().await;
    let request = setup.request().1.set("scope", "user:read root");
    let response = setup.browser.authorize(&request).await;
    setup.assert_redirected_error(&response, "invalid_scope");
}

#[tokio::test]
async fn a_repeated_parameter_is_an_invalid_request() {
    let setup = spawn_oauth().await;
    let request = setup.request().1.repeat("scope", "mcp");
    let response = setup.browser.authorize(&request).await;
    setup.assert_redirected_error(&response, "invalid_request");
}

#[tokio::test]
async fn unknown_parameters_are_ignored_at_authorize_and_at_the_token_endpoint() {
    let setup = spawn_oauth().await;
    let (pkce, request) = setup.request();
    let request = request
        .set("application_type", "native")
        .set("x_unknown", "1");
    let code = setup.browser.authorization_code(&request).await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("code_verifier", &pkce.verifier),
        ("redirect_uri", &setup.client.redirect_uri),
        ("x_unknown", "1"),
    ];
    let response = setup
        .app
        .post_as_client(&setup.client, "/oauth2/tokens", &form)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_consent_page_cannot_be_framed_cached_or_leak_its_address() {
    let setup = spawn_oauth().await;
    let response = setup.browser.authorize(&setup.request().1).await;
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers();
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
}

#[tokio::test]
async fn a_consent_without_its_csrf_token_is_forbidden_and_issues_no_code() {
    let setup = spawn_oauth().await;
    let page = setup.browser.consent_page(&setup.request().1).await;
    let mut form = consent_form(&page);
    form.retain(|(name, _)| name != "csrf_token");
    form.push(("decision".into(), "allow".into()));
    let response = setup.browser.post_consent(&form).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(header::LOCATION).is_none());
}

#[tokio::test]
async fn a_consent_carrying_another_sessions_csrf_token_is_forbidden() {
    let setup = spawn_oauth().await;
    let (_, request) = setup.request();
    let member = setup
        .app
        .browser_login_as_new_member(&setup.admin_token, "mallory")
        .await;
    let foreign = form_value(
        &consent_form(&member.consent_page(&request).await),
        "csrf_token",
    );
    let mut form = consent_form(&setup.browser.consent_page(&request).await);
    assert_ne!(form_value(&form, "csrf_token"), foreign);
    set_field(&mut form, "csrf_token", &foreign);
    form.push(("decision".into(), "allow".into()));
    let response = setup.browser.post_consent(&form).await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert!(response.headers().get(header::LOCATION).is_none());
}

#[tokio::test]
async fn a_consent_from_a_foreign_origin_is_forbidden() {
    let setup = spawn_oauth().await;
    let page = setup.browser.consent_page(&setup.request().1).await;
    let mut form = consent_form(&page);
    form.push(("decision".into(), "allow".into()));
    let response = setup
        .browser
        .client
        .post(setup.app.url("/oauth2/authorize"))
        .header(header::ORIGIN, "https://evil.example")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
}
