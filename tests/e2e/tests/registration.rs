//! Dynamic client registration (RFC 7591) and management (RFC 7592), with the abuse
//! controls of SPEC §5.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_bootstrap::settings::{ConfigDuration, RateLimit};
use tessera_e2e::oauth::{AuthorizeRequest, oauth_error, pkce_pair};
use tessera_e2e::registration::{LOOPBACK_REDIRECT, native_public_metadata};
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app, spawn_app_with, spawn_on_database};

fn with(mut base: Value, key: &str, value: Value) -> Value {
    base[key] = value;
    base
}

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
    let secret = r.token.rsplit('_').next().unwrap();
    assert!(!row.contains(secret));
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
async fn every_metadata_rule_is_enforced_with_its_error_code() {
    let app = spawn_app().await;
    let web = json!({"redirect_uris": ["https://app.example/cb"]});
    let native = native_public_metadata();
    let cases = [
        (
            json!({}),
            "invalid_client_metadata",
            "missing redirect_uris",
        ),
        (
            with(web.clone(), "redirect_uris", json!([])),
            "invalid_client_metadata",
            "empty redirect_uris",
        ),
        (
            with(
                web.clone(),
                "redirect_uris",
                json!(["http://app.example/cb"]),
            ),
            "invalid_redirect_uri",
            "http off loopback",
        ),
        (
            with(
                web.clone(),
                "redirect_uris",
                json!(["http://127.0.0.1:9/cb"]),
            ),
            "invalid_redirect_uri",
            "loopback for web",
        ),
        (
            with(native.clone(), "redirect_uris", json!(["myapp:/cb"])),
            "invalid_redirect_uri",
            "private scheme without a dot",
        ),
        (
            with(web.clone(), "redirect_uris", json!(["com.example.app:/cb"])),
            "invalid_redirect_uri",
            "private scheme for web",
        ),
        (
            with(
                web.clone(),
                "redirect_uris",
                json!(["https://app.example/cb#x"]),
            ),
            "invalid_redirect_uri",
            "fragment",
        ),
        (
            with(
                native.clone(),
                "redirect_uris",
                json!(["javascript:alert(1)"]),
            ),
            "invalid_redirect_uri",
            "javascript",
        ),
        (
            with(native.clone(), "redirect_uris", json!(["data:text/html,x"])),
            "invalid_redirect_uri",
            "data",
        ),
        (
            with(
                native.clone(),
                "redirect_uris",
                json!(["file:///etc/passwd"]),
            ),
            "invalid_redirect_uri",
            "file",
        ),
        (
            with(
                web.clone(),
                "redirect_uris",
                json!("https://app.example/cb"),
            ),
            "invalid_client_metadata",
            "not a list",
        ),
        (
            with(web.clone(), "grant_types", json!(["implicit"])),
            "invalid_client_metadata",
            "implicit grant",
        ),
        (
            with(web.clone(), "grant_types", json!(["client_credentials"])),
            "invalid_client_metadata",
            "client credentials",
        ),
        (
            with(web.clone(), "response_types", json!(["token"])),
            "invalid_client_metadata",
            "token response",
        ),
        (
            with(web.clone(), "grant_types", json!(["refresh_token"])),
            "invalid_client_metadata",
            "no code grant",
        ),
        (
            with(
                with(web.clone(), "jwks", json!({"keys": []})),
                "jwks_uri",
                json!("https://app.example/jwks"),
            ),
            "invalid_client_metadata",
            "jwks and jwks_uri",
        ),
        (
            with(
                web.clone(),
                "token_endpoint_auth_method",
                json!("tls_client_auth"),
            ),
            "invalid_client_metadata",
            "auth method",
        ),
        (
            with(web.clone(), "application_type", json!("desktop")),
            "invalid_client_metadata",
            "application type",
        ),
        (
            with(web.clone(), "scope", json!("user:read everything")),
            "invalid_client_metadata",
            "unknown scope",
        ),
        (
            with(web.clone(), "client_uri", json!("ftp://app.example")),
            "invalid_client_metadata",
            "client_uri scheme",
        ),
        (
            with(web.clone(), "client_name", json!(7)),
            "invalid_client_metadata",
            "name of the wrong type",
        ),
    ];
    for (metadata, error, why) in cases {
        let response = app.register(&metadata).await;
        let (status, code) = oauth_error(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, error),
            "{why}"
        );
    }
}

#[tokio::test]
async fn unknown_metadata_is_ignored_and_an_oversized_body_is_413() {
    let app = spawn_app().await;
    let extra = with(native_public_metadata(), "frobnicate", json!({"x": 1}));
    assert_eq!(app.register(&extra).await.status(), StatusCode::CREATED);
    let huge = with(
        native_public_metadata(),
        "client_uri",
        json!("x".repeat(70 * 1024)),
    );
    assert_eq!(
        app.register(&huge).await.status(),
        StatusCode::PAYLOAD_TOO_LARGE
    );
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
async fn the_rate_limit_is_counted_across_two_replicas_sharing_one_database() {
    let three = |s: &mut tessera_bootstrap::Settings| {
        s.registration.rate_limit = RateLimit::parse("3/min").unwrap();
    };
    let first = spawn_app_with(three).await;
    let second = spawn_on_database(first.database_url.clone(), three).await;
    for app in [&first, &second, &first] {
        assert_eq!(
            app.register(&native_public_metadata()).await.status(),
            StatusCode::CREATED
        );
    }
    let refused = second.register(&native_public_metadata()).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_ip_is_the_one_limited() {
    let app = spawn_app_with(|s| {
        s.registration.rate_limit = RateLimit::parse("1/min").unwrap();
        s.http.trusted_proxies = vec!["127.0.0.1/32".into()];
    })
    .await;
    let from = |ip: &'static str| {
        let app = &app;
        async move {
            tessera_e2e::new_client()
                .post(app.url("/oauth2/register"))
                .header("X-Forwarded-For", ip)
                .json(&native_public_metadata())
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(from("203.0.113.1").await, StatusCode::CREATED);
    assert_eq!(from("203.0.113.1").await, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(from("203.0.113.2").await, StatusCode::CREATED);
}

#[tokio::test]
async fn without_trust_a_forwarded_ip_is_ignored() {
    let app =
        spawn_app_with(|s| s.registration.rate_limit = RateLimit::parse("1/min").unwrap()).await;
    for (ip, expected) in [
        ("203.0.113.1", StatusCode::CREATED),
        ("203.0.113.2", StatusCode::TOO_MANY_REQUESTS),
    ] {
        let status = tessera_e2e::new_client()
            .post(app.url("/oauth2/register"))
            .header("X-Forwarded-For", ip)
            .json(&native_public_metadata())
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(status, expected);
    }
}

#[tokio::test]
async fn the_client_cap_refuses_registrations_beyond_it() {
    let app = spawn_app_with(|s| s.registration.max_clients = 1).await;
    app.register_client(&native_public_metadata()).await;
    let (status, code) = oauth_error(app.register(&native_public_metadata()).await).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::FORBIDDEN, "access_denied")
    );
}

#[tokio::test]
async fn with_registration_disabled_the_endpoint_is_404_and_not_advertised() {
    let app = spawn_app_with(|s| s.registration.enabled = false).await;
    assert_eq!(
        app.register(&native_public_metadata()).await.status(),
        StatusCode::NOT_FOUND
    );
    let metadata: Value = app
        .get("/.well-known/oauth-authorization-server")
        .await
        .json()
        .await
        .unwrap();
    assert!(metadata.get("registration_endpoint").is_none());
}

#[tokio::test]
async fn a_client_never_used_expires_while_a_used_one_stays() {
    let short = |s: &mut tessera_bootstrap::Settings| {
        s.registration.unused_client_ttl = ConfigDuration::parse("1s").unwrap();
    };
    let app = spawn_app_with(short).await;
    app.create_admin().await;
    let unused = app.register_client(&native_public_metadata()).await;
    let used = app.register_client(&native_public_metadata()).await;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    browser.tokens(&used.client, "user:read").await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    // Every replica sweeps when it starts (and every 10 minutes after).
    let replica = spawn_on_database(app.database_url.clone(), short).await;
    let mut status = StatusCode::OK;
    for _ in 0..50 {
        let response = replica
            .client_management(Method::GET, &unused.client.client_id, &unused.token)
            .send()
            .await
            .unwrap();
        status = response.status();
        if status == StatusCode::UNAUTHORIZED {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the unused client is gone"
    );
    let kept = replica
        .client_management(Method::GET, &used.client.client_id, &used.token)
        .send()
        .await
        .unwrap();
    assert_eq!(kept.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_admin_page_lists_registered_clients_with_their_origin_and_deletes_them() {
    let app = spawn_app().await;
    let token = app.login_as_admin().await;
    let r = tessera_e2e::new_client()
        .post(app.url("/oauth2/register"))
        .header("User-Agent", "claude-code/2.0")
        .json(&native_public_metadata())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let id = r.json::<Value>().await.unwrap()["client_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = browser
        .get("/settings/oauth2-apps")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains(&id));
    assert!(page.contains("127.0.0.1"), "the registering IP");
    assert!(page.contains("claude-code&#x2F;2.0"), "the user agent");
    assert!(page.contains("tessera-e2e"), "the software_id");
    assert!(page.contains("Last token: never"));
    let csrf = tessera_e2e::csrf_token_in(&page);
    let deleted = browser
        .post_form(
            &format!("/settings/oauth2-apps/{id}/delete"),
            &[("csrf_token", csrf.as_str())],
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    let apps: Value = tessera_e2e::new_client()
        .get(app.url("/api/v2/oauth2-provider/apps"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        apps.as_array()
            .unwrap()
            .iter()
            .all(|a| a["id"] != id.as_str())
    );
}

#[tokio::test]
async fn registrations_are_in_the_audit_log() {
    let app = spawn_app().await;
    let token = app.login_as_admin().await;
    let r = app.register_client(&native_public_metadata()).await;
    app.client_management(Method::DELETE, &r.client.client_id, &r.token)
        .send()
        .await
        .unwrap();
    let log: Value = tessera_e2e::new_client()
        .get(app.url("/api/v2/audit"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let actions: Vec<(&str, &str)> = log["audit_logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource_id"] == r.client.client_id.as_str())
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["resource_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(actions, [("delete", "client"), ("create", "client")]);
    assert!(!log.to_string().contains(&r.token));
}
