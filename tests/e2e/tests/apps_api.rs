//! The OAuth2 apps management API and the audit log (SPEC §3).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_e2e::{TestApp, new_client, spawn_app};

async fn call(
    app: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = new_client()
        .request(method, app.url(path))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

fn docs_app() -> Value {
    json!({"name": "Docs", "callback_url": "https://docs.example/cb", "icon": "https://docs.example/icon.png"})
}

#[tokio::test]
async fn an_admin_creates_reads_updates_and_deletes_an_app() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let (status, created) = call(
        &app,
        &admin,
        Method::POST,
        "/api/v2/oauth2-provider/apps",
        Some(docs_app()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(created["name"], "Docs");
    assert_eq!(created["client_type"], "confidential");
    assert_eq!(created["redirect_uris"], json!(["https://docs.example/cb"]));
    assert_eq!(
        created["endpoints"]["authorization"],
        app.url("/oauth2/authorize")
    );
    assert_eq!(created["endpoints"]["token"], app.url("/oauth2/tokens"));
    let path = format!(
        "/api/v2/oauth2-provider/apps/{}",
        created["id"].as_str().unwrap()
    );

    let (_, list) = call(
        &app,
        &admin,
        Method::GET,
        "/api/v2/oauth2-provider/apps",
        None,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    let update = json!({"name": "Docs 2", "callback_url": "https://docs.example/cb", "redirect_uris": ["http://127.0.0.1/cb"]});
    let (status, updated) = call(&app, &admin, Method::PUT, &path, Some(update)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(updated["name"], "Docs 2");
    assert_eq!(
        updated["redirect_uris"],
        json!(["https://docs.example/cb", "http://127.0.0.1/cb"])
    );
    assert_eq!(
        call(&app, &admin, Method::GET, &path, None).await.1["name"],
        "Docs 2"
    );

    assert_eq!(
        call(&app, &admin, Method::DELETE, &path, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&app, &admin, Method::GET, &path, None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&app, &admin, Method::DELETE, &path, None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn every_invalid_field_is_named() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let bad = json!({"name": "", "callback_url": "javascript:alert(1)", "redirect_uris": ["https://ok.example/cb", "http://evil.example/cb"], "icon": "ftp://x/y.png"});
    let (status, body) = call(
        &app,
        &admin,
        Method::POST,
        "/api/v2/oauth2-provider/apps",
        Some(bad),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = body["validations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "callback_url", "redirect_uris[1]", "icon"]);
}

#[tokio::test]
async fn a_secret_is_shown_in_full_once_then_only_truncated() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let (_, created) = call(
        &app,
        &admin,
        Method::POST,
        "/api/v2/oauth2-provider/apps",
        Some(docs_app()),
    )
    .await;
    let secrets = format!(
        "/api/v2/oauth2-provider/apps/{}/secrets",
        created["id"].as_str().unwrap()
    );

    let (status, secret) = call(&app, &admin, Method::POST, &secrets, None).await;
    assert_eq!(status, StatusCode::CREATED);
    let full = secret["client_secret_full"].as_str().unwrap();
    assert!(full.starts_with("tcs_"), "{full}");
    let (_, listed) = call(&app, &admin, Method::GET, &secrets, None).await;
    assert_eq!(listed[0]["id"], secret["id"]);
    assert_eq!(listed[0]["client_secret_truncated"], full[full.len() - 6..]);
    assert_eq!(listed[0]["last_used_at"], Value::Null);
    assert!(!listed.to_string().contains(full));

    let one = format!("{secrets}/{}", secret["id"].as_str().unwrap());
    assert_eq!(
        call(&app, &admin, Method::DELETE, &one, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        call(&app, &admin, Method::GET, &secrets, None).await.1,
        json!([])
    );
    assert_eq!(
        call(&app, &admin, Method::DELETE, &one, None).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn members_get_403_and_strangers_401_on_every_endpoint() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let member = app.login_as_new_member(&admin, "bob").await;
    let (_, created) = call(
        &app,
        &admin,
        Method::POST,
        "/api/v2/oauth2-provider/apps",
        Some(docs_app()),
    )
    .await;
    let one = format!(
        "/api/v2/oauth2-provider/apps/{}",
        created["id"].as_str().unwrap()
    );
    let endpoints = [
        (Method::GET, "/api/v2/oauth2-provider/apps".to_owned(), None),
        (
            Method::POST,
            "/api/v2/oauth2-provider/apps".to_owned(),
            Some(docs_app()),
        ),
        (Method::GET, one.clone(), None),
        (Method::PUT, one.clone(), Some(docs_app())),
        (Method::DELETE, one.clone(), None),
        (Method::GET, format!("{one}/secrets"), None),
        (Method::POST, format!("{one}/secrets"), None),
        (Method::GET, "/api/v2/audit".to_owned(), None),
    ];
    for (method, path, body) in endpoints {
        let (status, _) = call(&app, &member, method.clone(), &path, body.clone()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{method} {path}");
        let (status, _) = call(
            &app,
            "tss_0000000000000000_nope",
            method.clone(),
            &path,
            body,
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{method} {path}");
    }
    assert_eq!(
        call(&app, &admin, Method::GET, &one, None).await.0,
        StatusCode::OK,
        "nothing was deleted"
    );
}

#[tokio::test]
async fn the_audit_log_says_who_did_what_to_which_app_from_where_without_secrets() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let (_, created) = call(
        &app,
        &admin,
        Method::POST,
        "/api/v2/oauth2-provider/apps",
        Some(docs_app()),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    let (_, secret) = call(
        &app,
        &admin,
        Method::POST,
        &format!("/api/v2/oauth2-provider/apps/{id}/secrets"),
        None,
    )
    .await;
    call(
        &app,
        &admin,
        Method::DELETE,
        &format!("/api/v2/oauth2-provider/apps/{id}"),
        None,
    )
    .await;

    let (status, audit) = call(&app, &admin, Method::GET, "/api/v2/audit?limit=10", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(audit["count"], 3);
    let entries = audit["audit_logs"].as_array().unwrap();
    let summary: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap(),
                e["resource_type"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("delete", "app"),
            ("create", "app_secret"),
            ("create", "app")
        ]
    );
    assert_eq!(entries[2]["resource_id"], id);
    assert_eq!(entries[2]["actor"], "admin");
    assert_eq!(entries[2]["ip"], "127.0.0.1");
    assert_eq!(entries[2]["details"]["name"], "Docs");
    assert!(
        !audit
            .to_string()
            .contains(secret["client_secret_full"].as_str().unwrap())
    );
    let (_, page) = call(
        &app,
        &admin,
        Method::GET,
        "/api/v2/audit?limit=1&offset=1",
        None,
    )
    .await;
    assert_eq!(page["audit_logs"][0]["resource_type"], "app_secret");
}

#[tokio::test]
async fn the_one_time_secret_response_is_never_cached() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let (_, created) = call(
        &app,
        &admin,
        Method::POST,
        "/api/v2/oauth2-provider/apps",
        Some(docs_app()),
    )
    .await;
    let path = format!(
        "/api/v2/oauth2-provider/apps/{}/secrets",
        created["id"].as_str().unwrap()
    );
    let response = new_client()
        .post(app.url(&path))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["cache-control"], "no-store");
}
