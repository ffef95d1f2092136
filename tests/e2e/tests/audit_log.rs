//! The audit log over HTTP (SPEC §3, issue 18): the API's filters, its 400s, its answer
//! without parameters; the admin page's filters and pages of 50; who may see either.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_e2e::audit::{link_in, rows_in};
use tessera_e2e::oauth::MEMBER_PASSWORD;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, TestApp, spawn_app};

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect()
}

/// As `admin`, creates an app named `name` and returns its id.
async fn create_app(app: &TestApp, admin: &str, name: &str) -> String {
    let body = json!({"name": name, "callback_url": "https://docs.example/cb"});
    let path = "/api/v2/oauth2-provider/apps";
    let response = app.admin_api(admin, Method::POST, path, Some(&body)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let created: Value = response.json().await.unwrap();
    created["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_audit_api_filters_by_actor_action_app_and_time() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.login_as_new_member(&admin, "bob").await;
    let docs = create_app(&app, &admin, "Docs").await;
    let path = format!("/api/v2/oauth2-provider/apps/{docs}/secrets");
    app.admin_api(&admin, Method::POST, &path, None).await;
    let other = create_app(&app, &admin, "Other").await;
    let admin_id = app.user_id(&admin, "admin").await;

    let (all, count) = app.audit_summary(&admin, "").await;
    assert_eq!(count, 4);
    let by_email = app.audit_summary(&admin, "actor=ADMIN%40example.com").await;
    assert_eq!(by_email, (all.clone(), 4));
    let by_id = app
        .audit_summary(&admin, &format!("actor={admin_id}"))
        .await;
    assert_eq!(by_id, (all.clone(), 4));
    assert_eq!(
        app.audit_summary(&admin, "actor=bob%40example.com").await.1,
        0
    );
    let docs_created = app
        .audit_summary(&admin, &format!("action=create&app={docs}"))
        .await;
    let expected = pairs(&[("create", "app_secret"), ("create", "app")]);
    assert_eq!(docs_created, (expected, 2));
    let other_only = app.audit_summary(&admin, &format!("app={other}")).await;
    assert_eq!(other_only, (pairs(&[("create", "app")]), 1));
    let users = app
        .audit_summary(&admin, "action=create&limit=1&offset=3")
        .await;
    assert_eq!(users, (pairs(&[("create", "user")]), 4));

    let (_, body) = app.audit_log(&admin, "").await;
    let newest = body["audit_logs"][0]["time"].as_str().unwrap().to_owned();
    let oldest = body["audit_logs"][3]["time"].as_str().unwrap().to_owned();
    let since_newest = app.audit_summary(&admin, &format!("from={newest}")).await;
    assert_eq!(since_newest, (pairs(&[("create", "app")]), 1));
    let until_oldest = app.audit_summary(&admin, &format!("to={oldest}")).await;
    assert_eq!(until_oldest, (pairs(&[("create", "user")]), 1));
    let day = &newest[..10];
    let that_day = app
        .audit_summary(&admin, &format!("from={day}&to={day}"))
        .await;
    assert_eq!(that_day.1, 4);
}

#[tokio::test]
async fn without_parameters_the_audit_api_answers_as_it_always_did() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.login_as_new_member(&admin, "bob").await;
    let (status, body) = app.audit_log(&admin, "").await;
    assert_eq!(status, StatusCode::OK);
    let mut keys: Vec<&String> = body.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["audit_logs", "count"]);
    let entry = body["audit_logs"][0].as_object().unwrap();
    let mut fields: Vec<&str> = entry.keys().map(String::as_str).collect();
    fields.sort_unstable();
    let expected = [
        "action",
        "actor",
        "details",
        "id",
        "ip",
        "resource_id",
        "resource_type",
        "time",
        "user_agent",
        "user_id",
    ];
    assert_eq!(fields, expected);
    assert_eq!(entry["actor"], "admin");
}

#[tokio::test]
async fn bad_audit_parameters_get_a_400_naming_the_field() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    for (query, field) in [
        ("from=yesterday", "from"),
        ("to=2026-02-30", "to"),
        ("from=2026-02-01&to=2026-01-31", "from"),
        ("action=explode", "action"),
        ("limit=ten", "limit"),
        ("offset=-", "offset"),
        ("actor=bob%40", "actor"),
    ] {
        let (status, body) = app.audit_log(&admin, query).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}");
        assert_eq!(body["message"], "Invalid audit log query.", "{query}");
        assert_eq!(body["validations"][0]["field"], field, "{query}: {body}");
        assert!(
            body["validations"][0]["detail"]
                .as_str()
                .unwrap()
                .contains(field)
        );
    }
    let (status, body) = app.audit_log(&admin, "action=create&action=delete").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        body["message"].as_str().unwrap().contains("action"),
        "{body}"
    );
}

#[tokio::test]
async fn only_admins_read_the_audit_log_and_strangers_are_sent_to_sign_in() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let member = app.login_as_new_member(&admin, "bob").await;
    assert_eq!(app.audit_log(&member, "").await.0, StatusCode::FORBIDDEN);
    let refused = app.audit_log(&member, "from=yesterday").await;
    assert_eq!(
        refused.0,
        StatusCode::FORBIDDEN,
        "refused before the filters are read"
    );
    let signed_out = app.with_new_client();
    let anonymous = signed_out.get("/api/v2/audit").await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let stranger = signed_out.get("/settings/audit?action=create").await;
    assert_eq!(stranger.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        stranger.headers()["location"],
        "/login?redirect=%2Fsettings%2Faudit%3Faction%3Dcreate"
    );
    let bob = app.browser_login("bob@example.com", MEMBER_PASSWORD).await;
    let page = bob.get("/settings/audit").await;
    assert_eq!(page.status(), StatusCode::FORBIDDEN);
    assert!(page.text().await.unwrap().contains("You must be an admin"));
    let home = bob.get("/").await.text().await.unwrap();
    assert!(!home.contains("/settings/audit"), "members see no link");

    let ada = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let home = ada.get("/").await.text().await.unwrap();
    assert!(home.contains("href=\"/settings/audit\""), "{home}");
    assert_eq!(ada.get("/settings/audit").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_audit_page_shows_fifty_entries_a_page_with_links_that_keep_the_filters() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.login_as_new_member(&admin, "bob").await;
    app.write_audit_entries(60, "seeder", "revoke").await;
    app.write_audit_entries(5, "seeder", "rotate").await;
    let ada = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let first = ada.get("/settings/audit?actor=seeder&action=revoke").await;
    assert_eq!(first.status(), StatusCode::OK);
    let first = first.text().await.unwrap();
    assert!(first.contains("1–50 of 60, newest first"), "{first}");
    assert_eq!(rows_in(&first), 50);
    assert!(first.contains("seeded-1<"), "the newest first");
    assert_eq!(link_in(&first, "prev"), None);
    let next = link_in(&first, "next").unwrap();
    assert_eq!(next, "/settings/audit?actor=seeder&action=revoke&offset=50");

    let second = ada.get(&next).await.text().await.unwrap();
    assert!(second.contains("51–60 of 60"), "{second}");
    assert_eq!(rows_in(&second), 10);
    assert!(second.contains("seeded-60<"));
    assert_eq!(link_in(&second, "next"), None);
    let previous = link_in(&second, "prev").unwrap();
    assert_eq!(
        previous,
        "/settings/audit?actor=seeder&action=revoke&offset=0"
    );
    assert!(second.contains("<option value=\"revoke\" selected>"));
    assert!(second.contains("value=\"seeder\""));
}

#[tokio::test]
async fn a_bad_date_on_the_audit_page_is_shown_with_the_form_to_correct_it() {
    let app = spawn_app().await;
    app.create_admin().await;
    let ada = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let page = ada
        .get("/settings/audit?from=31.01.2026&action=create")
        .await;
    assert_eq!(page.status(), StatusCode::BAD_REQUEST);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("role=\"alert\">from: from must be a date"),
        "{html}"
    );
    assert!(html.contains("value=\"31.01.2026\""), "{html}");
    assert!(html.contains("<option value=\"create\" selected>"));
    assert_eq!(rows_in(&html), 0);
}
