//! The registry of protected MCP servers (SPEC §9): the admin API and the page
//! `/settings/mcp-servers`, with their rules, CSRF and audit.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, csrf_token_in, new_client, spawn_app};

#[tokio::test]
async fn an_admin_registers_reads_updates_and_deletes_a_server_and_each_change_is_audited() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let created = app
        .protect_server(&admin, "docs", "http://10.0.0.5:8080/mcp")
        .await;
    assert_eq!(created["url"], app.protected_url("docs"));
    assert_eq!(created["scopes"], json!(["mcp"]));
    assert_eq!(created["timeout_seconds"], Value::Null);
    assert_eq!(
        created["resource_metadata_url"],
        app.protected_metadata_url("docs")
    );

    let update = json!({"name": "Docs", "upstream_url": "https://docs.internal/mcp",
                        "scopes": ["mcp", "user:read"], "timeout_seconds": 5});
    let put = app
        .admin_api(
            &admin,
            Method::PUT,
            "/api/v2/mcp-servers/docs",
            Some(&update),
        )
        .await;
    assert_eq!(put.status(), StatusCode::OK);
    let got: Value = app
        .admin_api(&admin, Method::GET, "/api/v2/mcp-servers/docs", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["scopes"], json!(["user:read", "mcp"]));
    assert_eq!(got["timeout_seconds"], 5);
    let list: Value = app
        .admin_api(&admin, Method::GET, "/api/v2/mcp-servers", None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);

    let deleted = app
        .admin_api(&admin, Method::DELETE, "/api/v2/mcp-servers/docs", None)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = app
        .admin_api(&admin, Method::GET, "/api/v2/mcp-servers/docs", None)
        .await;
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);

    let audit: Value = app
        .admin_api(&admin, Method::GET, "/api/v2/audit", None)
        .await
        .json()
        .await
        .unwrap();
    let actions: Vec<(String, String)> = audit["audit_logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource_type"] == "mcp_server")
        .map(|e| {
            (
                e["action"].as_str().unwrap().into(),
                e["resource_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected = ["delete", "update", "create"].map(|a| (a.to_owned(), "docs".to_owned()));
    assert_eq!(actions, expected);
}

#[tokio::test]
async fn bad_fields_a_taken_slug_and_a_changed_slug_are_400_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let bad = json!({"slug": "Docs!", "name": "", "upstream_url": "ftp://x/mcp",
                     "scopes": ["files"], "timeout_seconds": 0});
    let response = app
        .admin_api(&admin, Method::POST, "/api/v2/mcp-servers", Some(&bad))
        .await;
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    let fields: Vec<&str> = body["validations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["slug", "name", "upstream_url", "scopes", "timeout_seconds"]
    );

    app.protect_server(&admin, "docs", "http://127.0.0.1:1/mcp")
        .await;
    let again = json!({"slug": "docs", "name": "Again", "upstream_url": "http://127.0.0.1:2/mcp"});
    let taken = app
        .admin_api(&admin, Method::POST, "/api/v2/mcp-servers", Some(&again))
        .await;
    assert_eq!(taken.status(), StatusCode::BAD_REQUEST);
    let body: Value = taken.json().await.unwrap();
    assert_eq!(body["validations"][0]["field"], "slug");

    let renamed =
        json!({"slug": "other", "name": "Docs", "upstream_url": "http://127.0.0.1:1/mcp"});
    let put = app
        .admin_api(
            &admin,
            Method::PUT,
            "/api/v2/mcp-servers/docs",
            Some(&renamed),
        )
        .await;
    assert_eq!(put.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn members_get_403_and_strangers_401() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let member = app.login_as_new_member(&admin, "member").await;
    let as_member = app
        .admin_api(&member, Method::GET, "/api/v2/mcp-servers", None)
        .await;
    assert_eq!(as_member.status(), StatusCode::FORBIDDEN);
    let anonymous = new_client()
        .get(app.url("/api/v2/mcp-servers"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_page_registers_a_server_with_its_csrf_token_and_refuses_a_wrong_one() {
    let app = spawn_app().await;
    app.create_admin().await;
    let anonymous = app.with_new_client().get("/settings/mcp-servers").await;
    assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
    app.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let list = app.get("/settings/mcp-servers").await.text().await.unwrap();
    let form = |token: String| {
        [
            ("csrf_token", token),
            ("slug", "docs".to_owned()),
            ("name", "Docs MCP".to_owned()),
            ("upstream_url", "http://127.0.0.1:9/mcp".to_owned()),
            ("scopes", "mcp".to_owned()),
            ("timeout_seconds", String::new()),
        ]
    };
    let forged = app
        .post_form("/settings/mcp-servers", &form("forged".into()))
        .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    let created = app
        .post_form("/settings/mcp-servers", &form(csrf_token_in(&list)))
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    assert_eq!(created.headers()["location"], "/settings/mcp-servers/docs");
    let page = app
        .get("/settings/mcp-servers/docs")
        .await
        .text()
        .await
        .unwrap();
    let escaped = app.protected_url("docs").replace('/', "&#x2F;");
    assert!(
        page.contains(&escaped),
        "the page shows where clients connect"
    );

    let shown = app
        .post_form(
            "/settings/mcp-servers/docs/credentials",
            &[("csrf_token", csrf_token_in(&page))],
        )
        .await;
    assert_eq!(shown.status(), StatusCode::CREATED);
    assert!(
        shown.text().await.unwrap().contains("tis_"),
        "the credential is shown once"
    );
    let deleted = app
        .post_form(
            "/settings/mcp-servers/docs/delete",
            &[("csrf_token", csrf_token_in(&page))],
        )
        .await;
    assert_eq!(deleted.status(), StatusCode::SEE_OTHER);
    let list = app.get("/settings/mcp-servers").await.text().await.unwrap();
    assert!(list.contains("No protected servers yet."));
}
