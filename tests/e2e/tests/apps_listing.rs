//! Apps at scale over HTTP (issue 18): the list API's pages, search and filters beside
//! Coder's unpaged list, and the page's bulk deletes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::Value;
use tessera_e2e::registration::native_public_metadata;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, spawn_app};

#[tokio::test]
async fn without_parameters_the_api_lists_every_app_as_coder_does() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.create_apps_named(&admin, "Docs", 3).await;
    let list = app.list_apps(&admin, "").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.names(), ["Docs 1", "Docs 2", "Docs 3"]);
    let mut keys: Vec<&String> = list.body[0].as_object().unwrap().keys().collect();
    keys.sort();
    let expected = [
        "callback_url",
        "client_type",
        "endpoints",
        "icon",
        "id",
        "name",
        "redirect_uris",
    ];
    assert_eq!(keys, expected);
    assert_eq!(
        list.header("x-total-count"),
        None,
        "Coder's answer, as it was"
    );
    assert_eq!(list.header("link"), None);
}

#[tokio::test]
async fn a_page_of_the_api_says_how_many_match_and_links_to_its_neighbours() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.create_apps_named(&admin, "Docs", 7).await;
    let list = app.list_apps(&admin, "?limit=3&offset=3").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(list.names(), ["Docs 4", "Docs 5", "Docs 6"]);
    assert_eq!(list.header("x-total-count").as_deref(), Some("7"));
    let base = app.url("/api/v2/oauth2-provider/apps");
    assert_eq!(
        list.header("link").unwrap(),
        format!("<{base}?limit=3&offset=6>; rel=\"next\", <{base}?limit=3&offset=0>; rel=\"prev\"")
    );
    let newest = app.list_apps(&admin, "?sort=-created&limit=2").await;
    assert_eq!(newest.names(), ["Docs 7", "Docs 6"]);
}

#[tokio::test]
async fn the_api_searches_names_and_filters_by_source() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.create_apps_named(&admin, "Alpha", 2).await;
    app.create_apps_named(&admin, "Beta", 1).await;
    let registered = app.register_client(&native_public_metadata()).await;

    let found = app.list_apps(&admin, "?q=ALPHA").await;
    assert_eq!(found.names(), ["Alpha 1", "Alpha 2"]);
    assert_eq!(found.header("x-total-count").as_deref(), Some("2"));
    let by_id = &registered.client.client_id;
    let found = app.list_apps(&admin, &format!("?q={}", &by_id[..13])).await;
    assert_eq!(found.names(), ["Test MCP client"]);
    let dynamic = app.list_apps(&admin, "?source=dynamic").await;
    assert_eq!(dynamic.body[0]["id"], by_id.as_str());
    assert_eq!(dynamic.names().len(), 1);
    let public = app
        .list_apps(&admin, "?client_type=public&used=never")
        .await;
    assert_eq!(public.names(), ["Test MCP client"]);
}

#[tokio::test]
async fn bad_parameters_get_400_naming_each_one() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let query =
        "?source=nowhere&client_type=secret&blocked=maybe&used=soon&sort=name&limit=0&offset=-1";
    let list = app.list_apps(&admin, query).await;
    assert_eq!(list.status, StatusCode::BAD_REQUEST);
    let fields: Vec<&str> = list.body["validations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["field"].as_str().unwrap())
        .collect();
    let expected = [
        "source",
        "client_type",
        "blocked",
        "used",
        "sort",
        "limit",
        "offset",
    ];
    assert_eq!(fields, expected);
    assert!(list.body["message"].is_string());
    let words = app.list_apps(&admin, "?limit=ten").await;
    assert_eq!(words.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        words.body["validations"][0]["detail"],
        "must be a whole number"
    );
    let user = app.list_apps(&admin, "?user_id=bob").await;
    assert_eq!(user.body["validations"][0]["field"], "user_id");
}

#[tokio::test]
async fn members_may_not_list_apps_even_a_page() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let member = app.login_as_new_member(&admin, "bob").await;
    let list = app.list_apps(&member, "?limit=5").await;
    assert_eq!(list.status, StatusCode::FORBIDDEN);
}

/// The page's bulk form, filled in: its hidden fields, then `extra`.
async fn bulk_form(
    browser: &tessera_e2e::TestApp,
    extra: &[(&str, &str)],
) -> Vec<(String, String)> {
    let page = browser
        .get("/settings/oauth2-apps")
        .await
        .text()
        .await
        .unwrap();
    let start = page.find("<form id=\"bulk\"").unwrap();
    let mut form = tessera_e2e::oauth::hidden_inputs(&page[start..]);
    form.truncate(3); // csrf_token, back, before: the bulk form's own
    form.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    form
}

#[tokio::test]
async fn the_selected_apps_are_deleted_in_one_post_and_each_is_audited() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let ids = app.create_apps_named(&admin, "Docs", 3).await;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;

    let form = bulk_form(
        &browser,
        &[
            ("app", ids[0].as_str()),
            ("app", ids[2].as_str()),
            ("action", "delete-selected"),
        ],
    )
    .await;
    let posted = browser
        .post_form("/settings/oauth2-apps/bulk-delete", &form)
        .await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let location = posted.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(location, "/settings/oauth2-apps?offset=0&deleted=2");
    let shown = browser.get(&location).await.text().await.unwrap();
    assert!(shown.contains("Deleted 2 apps."), "{shown}");
    assert_eq!(app.list_apps(&admin, "").await.names(), ["Docs 2"]);

    let audit: Value = app
        .get_with_bearer("/api/v2/audit?limit=10", &admin)
        .await
        .json()
        .await
        .unwrap();
    let mut deleted: Vec<&str> = audit["audit_logs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "delete" && e["resource_type"] == "app")
        .map(|e| e["resource_id"].as_str().unwrap())
        .collect();
    deleted.sort();
    let mut expected = vec![ids[0].as_str(), ids[2].as_str()];
    expected.sort();
    assert_eq!(deleted, expected);
}

#[tokio::test]
async fn a_bulk_delete_without_the_sessions_csrf_token_deletes_nothing() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let ids = app.create_apps_named(&admin, "Docs", 1).await;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let mut form = bulk_form(
        &browser,
        &[("app", ids[0].as_str()), ("action", "delete-selected")],
    )
    .await;
    form[0].1 = "forged".into();
    let posted = browser
        .post_form("/settings/oauth2-apps/bulk-delete", &form)
        .await;
    assert_eq!(posted.status(), StatusCode::FORBIDDEN);
    assert_eq!(app.list_apps(&admin, "").await.names(), ["Docs 1"]);
}

#[tokio::test]
async fn deleting_every_unused_dynamic_client_needs_the_box_ticked_and_spares_used_ones() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.create_apps_named(&admin, "Admin app", 1).await;
    let unused = app.register_client(&native_public_metadata()).await;
    let used = app.register_client(&native_public_metadata()).await;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    browser.tokens(&used.client, "user:read").await;

    let unticked = bulk_form(&browser, &[("action", "delete-unused-dynamic")]).await;
    let refused = browser
        .post_form("/settings/oauth2-apps/bulk-delete", &unticked)
        .await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    assert!(refused.text().await.unwrap().contains("Tick the box"));
    assert_eq!(
        app.list_apps(&admin, "?source=dynamic").await.names().len(),
        2
    );

    let ticked = bulk_form(
        &browser,
        &[("action", "delete-unused-dynamic"), ("confirm", "yes")],
    )
    .await;
    let posted = browser
        .post_form("/settings/oauth2-apps/bulk-delete", &ticked)
        .await;
    assert_eq!(posted.status(), StatusCode::SEE_OTHER);
    let left = app.list_apps(&admin, "?source=dynamic").await;
    assert_eq!(left.body.as_array().unwrap().len(), 1);
    assert_eq!(left.body[0]["id"], used.client.client_id.as_str());
    assert_ne!(left.body[0]["id"], unused.client.client_id.as_str());
    assert_eq!(
        app.list_apps(&admin, "?source=admin").await.names(),
        ["Admin app 1"]
    );
}

#[tokio::test]
async fn the_page_shows_fifty_apps_and_a_link_to_the_next_fifty() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.create_apps_named(&admin, "Docs", 51).await;
    let browser = app.browser_login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let first = browser
        .get("/settings/oauth2-apps")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(first.matches("<tr data-app=").count(), 50);
    assert!(first.contains("1–50 of 51"));
    assert!(first.contains("rel=\"next\""));
    let second = browser
        .get("/settings/oauth2-apps?offset=50")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(second.matches("<tr data-app=").count(), 1);
    assert!(second.contains(">Docs 51<"));
    let bad = browser.get("/settings/oauth2-apps?sort=name").await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}
