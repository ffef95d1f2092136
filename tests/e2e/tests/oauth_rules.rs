//! The rules of the authorization code flow, one test each (SPEC §4).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::time::Duration;

use futures::future::join_all;
use reqwest::{StatusCode, header};
use tessera_e2e::new_client;
use tessera_e2e::oauth::{
    AuthorizeRequest, OAuthApp, assert_error_page, basic_credentials, code_from_location,
    consent_form, form_value, location, no_refresh_grace, oauth_error, one_second_codes, pkce_pair,
    set_field, spawn_oauth, spawn_oauth_with,
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

#[tokio::test]
async fn a_wrong_code_verifier_is_an_invalid_grant() {
    let setup = spawn_oauth().await;
    let (code, _) = setup.code().await;
    let wrong = pkce_pair().verifier;
    let response = setup.app.exchange_code(&setup.client, &code, &wrong).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
}

#[tokio::test]
async fn a_redirect_uri_at_the_token_endpoint_must_equal_the_one_authorized() {
    let setup = spawn_oauth().await;
    let (code, pkce) = setup.code().await;
    let other = elsewhere(&setup.client, "https://client.example/other");
    let response = setup.app.exchange_code(&other, &code, &pkce.verifier).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
}

#[tokio::test]
async fn a_wrong_client_secret_is_an_invalid_client_with_a_basic_challenge() {
    let setup = spawn_oauth().await;
    let (code, pkce) = setup.code().await;
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("code_verifier", &pkce.verifier),
        ("redirect_uri", &setup.client.redirect_uri),
    ];
    let wrong = basic_credentials(&setup.client.client_id, "not the secret");
    let response = setup
        .app
        .post_with_authorization("/oauth2/tokens", &form, Some(&wrong))
        .await;
    assert_eq!(
        response.headers()[header::WWW_AUTHENTICATE],
        "Basic realm=\"tessera\""
    );
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".into())
    );
}

#[tokio::test]
async fn basic_and_body_client_ids_that_disagree_are_an_invalid_request() {
    let setup = spawn_oauth().await;
    let (code, pkce) = setup.code().await;
    let other = uuid::Uuid::new_v4().to_string();
    let form = [
        ("grant_type", "authorization_code"),
        ("code", &code),
        ("code_verifier", &pkce.verifier),
        ("redirect_uri", &setup.client.redirect_uri),
        ("client_id", &other),
    ];
    let basic = basic_credentials(
        &setup.client.client_id,
        setup.client.secret.as_ref().unwrap(),
    );
    let response = setup
        .app
        .post_with_authorization("/oauth2/tokens", &form, Some(&basic))
        .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_request".into())
    );
}

#[tokio::test]
async fn an_expired_authorization_code_is_an_invalid_grant() {
    let setup = spawn_oauth_with(one_second_codes).await;
    let (code, pkce) = setup.code().await;
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let response = setup
        .app
        .exchange_code(&setup.client, &code, &pkce.verifier)
        .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
}

#[tokio::test]
async fn a_reused_authorization_code_is_rejected_and_revokes_its_tokens() {
    let setup = spawn_oauth().await;
    let (code, pkce) = setup.code().await;
    let first = setup
        .app
        .exchange_code(&setup.client, &code, &pkce.verifier)
        .await;
    let tokens: serde_json::Value = first.json().await.unwrap();
    let again = setup
        .app
        .exchange_code(&setup.client, &code, &pkce.verifier)
        .await;
    assert_eq!(
        oauth_error(again).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(setup.app.me_status(access).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn one_code_exchanged_by_twenty_concurrent_requests_yields_one_token_which_is_then_revoked() {
    let setup = spawn_oauth().await;
    let (code, pkce) = setup.code().await;
    let exchanges = (0..20).map(|_| {
        setup
            .app
            .exchange_code(&setup.client, &code, &pkce.verifier)
    });
    let responses = join_all(exchanges).await;
    let mut granted = Vec::new();
    for response in responses {
        if response.status() == StatusCode::OK {
            granted.push(response.json::<serde_json::Value>().await.unwrap());
        } else {
            assert_eq!(oauth_error(response).await.1, "invalid_grant");
        }
    }
    assert_eq!(granted.len(), 1);
    let access = granted[0]["access_token"].as_str().unwrap();
    assert_eq!(setup.app.me_status(access).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_reused_rotated_refresh_token_is_rejected_and_revokes_the_whole_grant() {
    let setup = spawn_oauth_with(no_refresh_grace).await;
    let first = setup.tokens().await;
    let old = first["refresh_token"].as_str().unwrap();
    let rotated: serde_json::Value = setup
        .app
        .refresh(&setup.client, old)
        .await
        .json()
        .await
        .unwrap();
    let reuse = setup.app.refresh(&setup.client, old).await;
    assert_eq!(
        oauth_error(reuse).await,
        (StatusCode::BAD_REQUEST, "invalid_grant".into())
    );
    let newest_access = rotated["access_token"].as_str().unwrap();
    assert_eq!(
        setup.app.me_status(newest_access).await,
        StatusCode::UNAUTHORIZED
    );
    let newest_refresh = rotated["refresh_token"].as_str().unwrap();
    let refused = setup.app.refresh(&setup.client, newest_refresh).await;
    assert_eq!(oauth_error(refused).await.1, "invalid_grant");
}

#[tokio::test]
async fn a_refresh_cannot_widen_the_granted_scope() {
    let setup = spawn_oauth().await;
    let tokens = setup.tokens().await;
    let form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ("scope", "user:read mcp"),
    ];
    let response = setup
        .app
        .post_as_client(&setup.client, "/oauth2/tokens", &form)
        .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "invalid_scope".into())
    );
}

#[tokio::test]
async fn an_unknown_grant_type_is_unsupported() {
    let setup = spawn_oauth().await;
    let form = [
        ("grant_type", "password"),
        ("username", "admin"),
        ("password", "x"),
    ];
    let response = setup
        .app
        .post_as_client(&setup.client, "/oauth2/tokens", &form)
        .await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::BAD_REQUEST, "unsupported_grant_type".into())
    );
}

#[tokio::test]
async fn an_access_token_in_the_query_string_is_never_accepted() {
    let setup = spawn_oauth().await;
    let tokens = setup.tokens().await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(setup.app.me_status(access).await, StatusCode::OK);
    let response = new_client()
        .get(setup.app.url("/api/v2/users/me"))
        .query(&[("access_token", access)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
