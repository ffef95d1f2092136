//! The authorization code flow end to end, driven by the `oauth2` crate (SPEC §4).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use oauth2::basic::{BasicErrorResponseType, BasicTokenResponse};
use oauth2::{
    AuthType, AuthorizationCode, CsrfToken, PkceCodeChallenge, RequestTokenError, Scope,
    TokenResponse,
};
use reqwest::StatusCode;
use serde_json::Value;
use tessera_e2e::oauth::{
    AuthorizeRequest, OAuthApp, OAuthSetup, Oauth2Client, REDIRECT_URI, STATE, http_client,
    location, no_refresh_grace, oauth_error, pkce_pair, redirect_params, spawn_oauth,
    spawn_oauth_with,
};
use tessera_e2e::{ADMIN_EMAIL, new_client};

/// The admin approves `user:read` for `oauth` in the browser; the crate exchanges the code.
async fn sign_in(setup: &OAuthSetup, oauth: &Oauth2Client) -> BasicTokenResponse {
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let (url, state) = oauth
        .authorize_url(CsrfToken::new_random)
        .add_scope(Scope::new("user:read".into()))
        .set_pkce_challenge(challenge)
        .url();
    let params = setup.browser.approve(url.as_str()).await;
    assert_eq!(&params["state"], state.secret());
    assert_eq!(params["iss"], setup.app.address);
    oauth
        .exchange_code(AuthorizationCode::new(params["code"].clone()))
        .set_pkce_verifier(verifier)
        .request_async(&http_client())
        .await
        .unwrap()
}

/// Signs in and refreshes; a rotated refresh token is dead and its reuse kills the grant;
/// revoking a refresh token kills its grant.
async fn the_whole_flow(setup: &OAuthSetup, client: &OAuthApp, auth_type: AuthType) {
    let app = &setup.app;
    let oauth = app.oauth2_client(client, auth_type);
    let first = sign_in(setup, &oauth).await;
    let me: Value = app
        .get_with_bearer("/api/v2/users/me", first.access_token().secret())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], ADMIN_EMAIL);

    let refreshed = oauth
        .exchange_refresh_token(first.refresh_token().unwrap())
        .request_async(&http_client())
        .await
        .unwrap();
    let newest_refresh = refreshed.refresh_token().unwrap().secret();
    assert_ne!(newest_refresh, first.refresh_token().unwrap().secret());
    let newest_access = refreshed.access_token().secret();
    assert_eq!(app.me_status(newest_access).await, StatusCode::OK);
    let reuse = oauth
        .exchange_refresh_token(first.refresh_token().unwrap())
        .request_async(&http_client())
        .await;
    let refused = match reuse {
        Err(RequestTokenError::ServerResponse(refused)) => Some(refused),
        _ => None,
    }
    .expect("the server refuses the rotated refresh token");
    assert_eq!(refused.error(), &BasicErrorResponseType::InvalidGrant);
    assert_eq!(app.me_status(newest_access).await, StatusCode::UNAUTHORIZED);

    let second = sign_in(setup, &oauth).await;
    let refresh = second.refresh_token().unwrap().secret();
    assert_eq!(app.revoke(client, refresh).await.status(), StatusCode::OK);
    let access = second.access_token().secret();
    assert_eq!(app.me_status(access).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_confidential_client_using_basic_auth_signs_in_refreshes_and_revokes() {
    let setup = spawn_oauth_with(no_refresh_grace).await;
    the_whole_flow(&setup, &setup.client, AuthType::BasicAuth).await;
}

#[tokio::test]
async fn a_confidential_client_using_client_secret_post_signs_in_refreshes_and_revokes() {
    let setup = spawn_oauth_with(no_refresh_grace).await;
    the_whole_flow(&setup, &setup.client, AuthType::RequestBody).await;
}

#[tokio::test]
async fn a_public_client_signs_in_refreshes_and_revokes_with_pkce_alone() {
    let setup = spawn_oauth_with(no_refresh_grace).await;
    let public = setup
        .app
        .create_public_app(&setup.admin_token, "http://127.0.0.1:7777/callback")
        .await;
    the_whole_flow(&setup, &public, AuthType::RequestBody).await;
}

#[tokio::test]
async fn the_token_response_is_a_bearer_token_that_is_never_cached() {
    let setup = spawn_oauth().await;
    let (code, pkce) = setup.code().await;
    let response = setup
        .app
        .exchange_code(&setup.client, &code, &pkce.verifier)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["scope"], "user:read");
    assert!(body["expires_in"].as_i64().unwrap() > 0);
    assert!(body["refresh_token"].is_string());
}

#[tokio::test]
async fn without_a_session_authorize_sends_the_browser_to_login_and_back() {
    let setup = spawn_oauth().await;
    let request = setup.request().1;
    let response = setup.app.with_new_client().authorize(&request).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let base = url::Url::parse(&setup.app.address).unwrap();
    let login = base.join(&location(&response)).unwrap();
    assert_eq!(login.path(), "/login");
    let back: Vec<_> = login
        .query_pairs()
        .filter(|(k, _)| k == "redirect")
        .collect();
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].1, request.path());
}

#[tokio::test]
async fn denying_consent_redirects_with_access_denied() {
    let setup = spawn_oauth().await;
    let page = setup.browser.consent_page(&setup.request().1).await;
    let response = setup.browser.consent(&page, "deny").await;
    setup.assert_redirected_error(&response, "access_denied");
}

#[tokio::test]
async fn an_approval_is_remembered_until_prompt_consent_asks_again() {
    let setup = spawn_oauth().await;
    setup.code().await;
    let (_, request) = setup.request();
    let again = setup.browser.authorize(&request).await;
    let params = redirect_params(&again);
    assert!(params.contains_key("code"));
    assert_eq!(params["state"], STATE);
    let forced = setup
        .browser
        .authorize(&request.set("prompt", "consent"))
        .await;
    assert_eq!(forced.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_public_client_sees_the_consent_page_again_saying_it_was_approved_before() {
    let setup = spawn_oauth().await;
    let client = setup
        .app
        .create_public_app(&setup.admin_token, "http://127.0.0.1:8765/callback")
        .await;
    let pkce = pkce_pair();
    let request = AuthorizeRequest::new(&client, &pkce);
    let first = setup.browser.consent_page(&request).await;
    assert!(!first.contains("id=\"approved-before\""));
    setup.browser.authorization_code(&request).await;
    let other_port = request.set("redirect_uri", "http://127.0.0.1:40001/callback");
    let again = setup.browser.consent_page(&other_port).await;
    assert!(again.contains("id=\"approved-before\""), "{again}");
}

#[tokio::test]
async fn revoking_an_app_kills_its_tokens_and_forgets_the_approval() {
    let setup = spawn_oauth().await;
    let tokens = setup.tokens().await;
    let response = new_client()
        .delete(setup.app.url("/oauth2/tokens"))
        .query(&[("client_id", &setup.client.client_id)])
        .bearer_auth(&setup.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(setup.app.me_status(access).await, StatusCode::UNAUTHORIZED);
    let refresh = tokens["refresh_token"].as_str().unwrap();
    let refused = setup.app.refresh(&setup.client, refresh).await;
    assert_eq!(oauth_error(refused).await.1, "invalid_grant");
    let again = setup.browser.authorize(&setup.request().1).await;
    assert_eq!(again.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_resource_server_introspects_live_and_dead_tokens() {
    let setup = spawn_oauth().await;
    let tokens = setup.tokens().await;
    let access = tokens["access_token"].as_str().unwrap();
    let me: Value = setup
        .app
        .get_with_bearer("/api/v2/users/me", access)
        .await
        .json()
        .await
        .unwrap();
    let response = setup.app.introspect(&setup.client, access).await;
    assert_eq!(response.status(), StatusCode::OK);
    let live: Value = response.json().await.unwrap();
    assert_eq!(live["active"], true);
    assert_eq!(live["scope"], "user:read");
    assert_eq!(live["client_id"], setup.client.client_id.as_str());
    assert_eq!(live["username"], "admin");
    assert_eq!(live["sub"], me["id"]);
    let issuer = setup.app.address.as_str();
    assert!(live["aud"] == issuer || live["aud"] == serde_json::json!([issuer]));
    assert!(live["exp"].as_i64().unwrap() > live["iat"].as_i64().unwrap());
    assert!(live["token_type"].is_string());
    let dead: Value = setup
        .app
        .introspect(&setup.client, "not-a-token")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(dead, serde_json::json!({"active": false}));
}

#[tokio::test]
async fn a_public_client_may_not_introspect() {
    let setup = spawn_oauth().await;
    let public = setup
        .app
        .create_public_app(&setup.admin_token, REDIRECT_URI)
        .await;
    let tokens = setup.browser.tokens(&public, "user:read").await;
    let access = tokens["access_token"].as_str().unwrap();
    let response = setup.app.introspect(&public, access).await;
    assert_eq!(
        oauth_error(response).await,
        (StatusCode::UNAUTHORIZED, "invalid_client".into())
    );
}

#[tokio::test]
async fn an_admin_scoped_token_of_an_admin_reaches_the_management_api() {
    let setup = spawn_oauth().await;
    let admin = setup.browser.tokens(&setup.client, "admin").await;
    let reader = setup.browser.tokens(&setup.client, "user:read").await;
    let apps = "/api/v2/oauth2-provider/apps";
    let with_admin = setup
        .app
        .get_with_bearer(apps, admin["access_token"].as_str().unwrap())
        .await;
    assert_eq!(with_admin.status(), StatusCode::OK);
    let with_reader = setup
        .app
        .get_with_bearer(apps, reader["access_token"].as_str().unwrap())
        .await;
    assert_eq!(with_reader.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_member_asking_for_admin_is_granted_only_the_rest() {
    let setup = spawn_oauth().await;
    let member = setup
        .app
        .browser_login_as_new_member(&setup.admin_token, "mia")
        .await;
    let tokens = member.tokens(&setup.client, "admin user:read").await;
    assert_eq!(tokens["scope"], "user:read");
}
