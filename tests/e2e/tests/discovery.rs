//! Discovery (RFC 8414, RFC 9728) and CORS on the public endpoints (SPEC §5).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Method, StatusCode};
use serde_json::Value;
use tessera_e2e::{new_client, spawn_app, spawn_app_with};

async fn json(app: &tessera_e2e::TestApp, path: &str) -> Value {
    let response = app.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_authorization_server_metadata_is_built_from_access_url() {
    let app = spawn_app().await;
    let m = json(&app, "/.well-known/oauth-authorization-server").await;
    let base = &app.address;
    assert_eq!(m["issuer"], base.as_str());
    for (key, path) in [
        ("authorization_endpoint", "/oauth2/authorize"),
        ("token_endpoint", "/oauth2/tokens"),
        ("registration_endpoint", "/oauth2/register"),
        ("revocation_endpoint", "/oauth2/revoke"),
        ("introspection_endpoint", "/oauth2/introspect"),
    ] {
        assert_eq!(m[key], format!("{base}{path}"), "{key}");
    }
    assert_eq!(m["response_types_supported"], serde_json::json!(["code"]));
    assert_eq!(m["response_modes_supported"], serde_json::json!(["query"]));
    assert_eq!(
        m["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert_eq!(
        m["grant_types_supported"],
        serde_json::json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        m["token_endpoint_auth_methods_supported"],
        serde_json::json!(["client_secret_basic", "client_secret_post", "none"])
    );
    assert!(m["revocation_endpoint_auth_methods_supported"].is_array());
    assert!(m["introspection_endpoint_auth_methods_supported"].is_array());
    assert_eq!(
        m["scopes_supported"],
        serde_json::json!(["user:read", "mcp", "admin"])
    );
    assert_eq!(m["authorization_response_iss_parameter_supported"], true);
}

#[tokio::test]
async fn an_access_url_with_a_path_is_also_served_at_the_path_inserted_urls() {
    let app = spawn_app_with(|s| s.access_url = format!("{}/auth", s.access_url)).await;
    let issuer = format!("{}/auth", app.address);
    let m = json(&app, "/.well-known/oauth-authorization-server/auth").await;
    assert_eq!(m["issuer"], issuer.as_str());
    assert_eq!(m["token_endpoint"], format!("{issuer}/oauth2/tokens"));
    let mcp = json(
        &app,
        "/.well-known/oauth-protected-resource/auth/api/experimental/mcp/http",
    )
    .await;
    assert_eq!(
        mcp["resource"],
        format!("{issuer}/api/experimental/mcp/http")
    );
}

#[tokio::test]
async fn the_protected_resources_describe_the_api_and_the_mcp_endpoint() {
    let app = spawn_app().await;
    let api = json(&app, "/.well-known/oauth-protected-resource").await;
    assert_eq!(api["resource"], app.address.as_str());
    assert_eq!(
        api["authorization_servers"],
        serde_json::json!([app.address])
    );
    assert_eq!(
        api["bearer_methods_supported"],
        serde_json::json!(["header"])
    );
    assert_eq!(
        api["scopes_supported"],
        serde_json::json!(["user:read", "mcp", "admin"])
    );
    assert!(api["resource_name"].is_string());
    let mcp = json(
        &app,
        "/.well-known/oauth-protected-resource/api/experimental/mcp/http",
    )
    .await;
    assert_eq!(
        mcp["resource"],
        format!("{}/api/experimental/mcp/http", app.address)
    );
    assert_eq!(mcp["scopes_supported"], serde_json::json!(["mcp"]));
    assert_eq!(
        mcp["authorization_servers"],
        serde_json::json!([app.address])
    );
}

#[tokio::test]
async fn public_endpoints_answer_preflights_naming_each_allowed_header() {
    let app = spawn_app().await;
    for (path, method) in [
        ("/oauth2/tokens", "POST"),
        ("/oauth2/register", "POST"),
        ("/oauth2/revoke", "POST"),
        ("/oauth2/introspect", "POST"),
        ("/.well-known/oauth-authorization-server", "GET"),
        ("/.well-known/oauth-protected-resource", "GET"),
        (
            "/.well-known/oauth-protected-resource/api/experimental/mcp/http",
            "GET",
        ),
        ("/api/experimental/mcp/http", "POST"),
        ("/api/experimental/mcp/http", "GET"),
        ("/api/experimental/mcp/http", "DELETE"),
    ] {
        let response = new_client()
            .request(Method::OPTIONS, app.url(path))
            .header("Origin", "https://inspector.example")
            .header("Access-Control-Request-Method", method)
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type, mcp-protocol-version",
            )
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "{method} {path}");
        let headers = response.headers();
        assert_eq!(
            headers["access-control-allow-origin"], "*",
            "{method} {path}"
        );
        let allowed = headers["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .to_lowercase();
        for name in [
            "authorization",
            "content-type",
            "mcp-session-id",
            "mcp-protocol-version",
            "last-event-id",
        ] {
            assert!(
                allowed.contains(name),
                "{method} {path} allows {name}: {allowed}"
            );
        }
        assert!(!allowed.contains('*'));
    }
}

#[tokio::test]
async fn public_responses_allow_any_origin_and_expose_the_challenge_but_cookie_apis_send_no_cors() {
    let app = spawn_app().await;
    let token = new_client()
        .post(app.url("/oauth2/tokens"))
        .header("Origin", "https://inspector.example")
        .form(&[("grant_type", "refresh_token"), ("client_id", "nobody")])
        .send()
        .await
        .unwrap();
    assert_eq!(token.headers()["access-control-allow-origin"], "*");
    let exposed = token.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    assert!(exposed.contains("www-authenticate") && exposed.contains("mcp-session-id"));
    for (method, path) in [
        (Method::GET, "/api/v2/users/me"),
        (Method::DELETE, "/oauth2/tokens?client_id=x"),
        (Method::GET, "/settings/authorized-apps"),
    ] {
        let response = new_client()
            .request(method.clone(), app.url(path))
            .header("Origin", "https://evil.example")
            .send()
            .await
            .unwrap();
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none(),
            "{method} {path} sends no CORS headers"
        );
    }
}
