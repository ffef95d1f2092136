//! Dynamic client registration (RFC 7591) end to end and management (RFC 7592) (SPEC §5).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_domain::{Credential, CredentialKind};
use tessera_e2e::oauth::{AuthorizeRequest, oauth_error, pkce_pair};
use tessera_e2e::registration::{LOOPBACK_REDIRECT, native_public_metadata};
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app};

#[tokio::test]
async fn a_client_that_knows_only_the_metadata_urls_registers_and_completes_the_flow() {
    let app = spawn_app().await;
    app.create_admin().await;
    let resource: Value = app
        .get("/.well-known/oauth-protected-resource/api/experimental/mcp/http")
        .await
        .json()
        .await
        .unwrap();
    let issuer = resource["authorization_servers"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let metadata: Value = reqwest::get(format!("{issuer}/.well-known/oauth-authorization-server"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let registered: Value = reqwest::Client::new()
        .post(metadata["registration_endpoint"].as_str().unwrap())
        .json(&native_public_metadata())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let client = tessera_e2e::oauth::OAuthApp {
        client_id: registered["client_id"].as_str().unwrap().to_owned(),
        secret: None,
        redirect_uri: LOOPBACK_REDIRECT.to_owned(),
    };
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let pkce = pkce_pair();
    let request = AuthorizeRequest::new(&client, &pkce).set("scope", "mcp user:read");
    let code = browser.authorization_code(&request).await;
    let exchanged = app.exchange_code(&client, &code, &pkce.verifier).await;
    assert_eq!(exchanged.status(), StatusCode::OK);
    let tokens: Value = exchanged.json().await.unwrap();
    assert_eq!(
        app.me_status(tokens["access_token"].as_str().unwrap())
            .await,
        StatusCode::OK
    );
    let refreshed = app
        .refresh(&client, tokens["refresh_token"].as_str().unwrap())
        .await;
    assert_eq!(refreshed.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_registration_answers_with_the_stored_metadata_and_credentials_shown_once() {
    let app = spawn_app().await;
    let confidential =
        json!({"redirect_uris": ["https://app.example/cb"], "client_name": "Web app"});
    let r = app.register_client(&confidential).await;
    let body = &r.body;
    assert_eq!(body["token_endpoint_auth_method"], "client_secret_basic");
    assert_eq!(body["application_type"], "web");
    assert_eq!(
        body["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(body["response_types"], json!(["code"]));
    assert!(body["client_secret"].as_str().unwrap().starts_with("tcs_"));
    assert_eq!(body["client_secret_expires_at"], 0);
    assert!(body["client_id_issued_at"].as_i64().unwrap() > 0);
    assert!(r.token.starts_with("trg_"));
    assert_eq!(
        body["registration_client_uri"],
        format!("{}/oauth2/clients/{}", app.address, r.client.client_id)
    );
    let public = app.register_client(&native_public_metadata()).await;
    assert!(public.body.get("client_secret").is_none());
    assert!(public.body.get("client_secret_expires_at").is_none());
}

#[tokio::test]
async fn the_registration_access_token_is_stored_only_as_a_hash() {
    let app = spawn_app().await;
    let r = app.register_client(&native_public_metadata()).await;
    let row = db_row(&app.database_url, &r.client.client_id).await;
    assert!(!row.contains(&r.token), "the token is not stored in clear");
    // The token's secret part: its last 43 characters, once the domain accepts its shape.
    let token = Credential::parse(CredentialKind::RegistrationAccessToken, &r.token).unwrap();
    assert!(!row.contains(&token.last_chars(43)));
}

/// Every column of one app row, as text.
async fn db_row(url: &str, id: &str) -> String {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let row = client
        .query_one(
            "SELECT row_to_json(a)::text FROM oauth2_apps a WHERE id::text = $1",
            &[&id],
        )
        .await
        .unwrap();
    row.get(0)
}

#[tokio::test]
async fn the_management_uri_reads_replaces_and_deletes_with_the_registration_token() {
    let app = spawn_app().await;
    let r = app
        .register_client(&json!({"redirect_uris": ["https://app.example/cb"], "client_name": "A"}))
        .await;
    let id = &r.client.client_id;
    let read = app
        .client_management(Method::GET, id, &r.token)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let read: Value = read.json().await.unwrap();
    assert_eq!(read["client_id"], id.as_str());
    assert!(read.get("client_secret").is_none() && read.get("registration_access_token").is_none());
    let renamed =
        json!({"client_id": id, "redirect_uris": ["https://app.example/cb2"], "client_name": "B"});
    let put = app
        .client_management(Method::PUT, id, &r.token)
        .json(&renamed)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let put: Value = put.json().await.unwrap();
    assert_eq!(put["client_name"], "B");
    assert_eq!(put["redirect_uris"], json!(["https://app.example/cb2"]));
    let deleted = app
        .client_management(Method::DELETE, id, &r.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = app
        .client_management(Method::GET, id, &r.token)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_wrong_token_and_an_unknown_client_look_the_same() {
    let app = spawn_app().await;
    let a = app.register_client(&native_public_metadata()).await;
    let b = app.register_client(&native_public_metadata()).await;
    let unknown = uuid::Uuid::new_v4().to_string();
    let mut bodies = Vec::new();
    for (id, token) in [
        (a.client.client_id.as_str(), b.token.as_str()),
        (unknown.as_str(), a.token.as_str()),
        (a.client.client_id.as_str(), "trg_0000000000000000_nope"),
    ] {
        let response = app
            .client_management(Method::GET, id, token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer error=\"invalid_token\""
        );
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], "invalid_token");
        bodies.push(body);
    }
    assert!(
        bodies.windows(2).all(|w| w[0] == w[1]),
        "no difference reveals existence"
    );
    let none = tessera_e2e::new_client()
        .get(app.url(&format!("/oauth2/clients/{}", a.client.client_id)))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_replacement_never_moves_a_client_between_public_and_confidential() {
    let app = spawn_app().await;
    let r = app
        .register_client(&json!({"redirect_uris": ["https://app.example/cb"]}))
        .await;
    let id = &r.client.client_id;
    let public = json!({"redirect_uris": ["https://app.example/cb"], "token_endpoint_auth_method": "none", "client_name": "X"});
    let response = app
        .client_management(Method::PUT, id, &r.token)
        .json(&public)
        .send()
        .await
        .unwrap();
    let (status, code) = oauth_error(response).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::BAD_REQUEST, "invalid_client_metadata")
    );
    let read: Value = app
        .client_management(Method::GET, id, &r.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["token_endpoint_auth_method"], "client_secret_basic");
    assert!(read.get("client_name").is_none(), "nothing changed");
}

#[tokio::test]
async fn deleting_a_registered_client_ends_the_tokens_it_obtained() {
    let app = spawn_app().await;
    app.create_admin().await;
    let r = app.register_client(&native_public_metadata()).await;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let tokens = browser.tokens(&r.client, "user:read").await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.me_status(access).await, StatusCode::OK);
    let deleted = app
        .client_management(Method::DELETE, &r.client.client_id, &r.token)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.me_status(access).await, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_admin_edit_that_adds_a_loopback_uri_keeps_the_registration_readable() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let r = app
        .register_client(&json!({"redirect_uris": ["https://app.example/cb"], "client_name": "A"}))
        .await;
    assert_eq!(r.body["application_type"], "web");
    let id = &r.client.client_id;
    let edit = json!({
        "name": "A",
        "callback_url": "https://app.example/cb",
        "redirect_uris": ["http://localhost:8787/callback", "cursor://anysphere.cursor-mcp/cb"],
    });
    let put = reqwest::Client::new()
        .put(app.url(&format!("/api/v2/oauth2-provider/apps/{id}")))
        .bearer_auth(&admin)
        .json(&edit)
        .send()
        .await
        .unwrap();
    assert_eq!(put.status(), StatusCode::OK);
    let read = app
        .client_management(Method::GET, id, &r.token)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let read: Value = read.json().await.unwrap();
    assert_eq!(read["application_type"], "native");
    assert_eq!(
        read["redirect_uris"],
        json!([
            "https://app.example/cb",
            "http://localhost:8787/callback",
            "cursor://anysphere.cursor-mcp/cb"
        ])
    );
}
