//! Admins managing people over the API (SPEC §2, issue 18): search and paging, roles, the
//! last admin, suspension (sessions, tokens and MCP sessions stop at once, on every
//! replica), reset links, and the audit log of it all.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_e2e::mcp::{RawMcp, request_message};
use tessera_e2e::oauth::MEMBER_PASSWORD;
use tessera_e2e::registration::native_public_metadata;
use tessera_e2e::{ADMIN_PASSWORD, spawn_app, spawn_on_database};

#[tokio::test]
async fn admins_search_and_page_through_people_and_members_may_not() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let member = app.login_as_new_member(&admin, "team-a").await;
    for name in ["team-b", "team-c", "other"] {
        app.login_as_new_member(&admin, name).await;
    }
    let page = app
        .admin_api(&admin, Method::GET, "/api/v2/users?q=TEAM&limit=2", None)
        .await;
    assert_eq!(page.status(), StatusCode::OK);
    let page: Value = page.json().await.unwrap();
    assert_eq!(page["count"], 3, "{page}");
    let names: Vec<&str> = page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["username"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["team-a", "team-b"]);
    assert_eq!(page["users"][0]["status"], "active");
    let rest = app
        .admin_api(
            &admin,
            Method::GET,
            "/api/v2/users?q=team&limit=2&offset=2",
            None,
        )
        .await;
    let rest: Value = rest.json().await.unwrap();
    assert_eq!(rest["users"][0]["username"], "team-c");

    let bad = app
        .admin_api(&admin, Method::GET, "/api/v2/users?limit=1000", None)
        .await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let bad: Value = bad.json().await.unwrap();
    assert_eq!(bad["validations"][0]["field"], "limit");

    let id = app.user_id(&admin, "other").await;
    for (method, path) in [
        (Method::GET, "/api/v2/users".to_owned()),
        (Method::GET, format!("/api/v2/users/{id}")),
        (Method::PUT, format!("/api/v2/users/{id}/status/suspend")),
        (Method::POST, format!("/api/v2/users/{id}/password-reset")),
    ] {
        let refused = app.admin_api(&member, method, &path, None).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{path}");
    }
    let roles = app.set_user_roles(&member, &id, &["admin"]).await;
    assert_eq!(roles.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_last_admin_keeps_the_role_until_someone_else_has_it() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.login_as_new_member(&admin, "bob").await;
    let me = app.user_id(&admin, "admin").await;
    let bob = app.user_id(&admin, "bob").await;

    let alone = app.set_user_roles(&admin, &me, &[]).await;
    assert_eq!(alone.status(), StatusCode::CONFLICT);
    let body: Value = alone.json().await.unwrap();
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("at least one active admin")
    );
    let own = app.set_user_status(&admin, &me, "suspend").await;
    assert_eq!(
        own.status(),
        StatusCode::BAD_REQUEST,
        "nobody suspends themselves"
    );

    let unknown = app.set_user_roles(&admin, &bob, &["owner"]).await;
    assert_eq!(unknown.status(), StatusCode::BAD_REQUEST);
    let promoted = app.set_user_roles(&admin, &bob, &["admin"]).await;
    assert_eq!(promoted.status(), StatusCode::OK);
    assert_eq!(promoted.json::<Value>().await.unwrap()["admin"], true);
    let stepped_down = app.set_user_roles(&admin, &me, &[]).await;
    assert_eq!(stepped_down.status(), StatusCode::OK);

    let bob_session = app.login("bob@example.com", MEMBER_PASSWORD).await;
    let last = app.set_user_roles(&bob_session, &bob, &[]).await;
    assert_eq!(
        last.status(),
        StatusCode::CONFLICT,
        "bob is the last admin now"
    );
    let nobody = "00000000-0000-0000-0000-000000000000";
    let missing = app.set_user_status(&bob_session, nobody, "suspend").await;
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn two_admins_demoting_each_other_at_once_leave_one_admin() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.login_as_new_member(&admin, "bob").await;
    let (me, bob) = (
        app.user_id(&admin, "admin").await,
        app.user_id(&admin, "bob").await,
    );
    app.set_user_roles(&admin, &bob, &["admin"]).await;
    let bob_session = app.login("bob@example.com", MEMBER_PASSWORD).await;
    let (a, b) = tokio::join!(
        app.set_user_roles(&admin, &bob, &[]),
        app.set_user_roles(&bob_session, &me, &[]),
    );
    let mut statuses = [a.status(), b.status()];
    statuses.sort();
    assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
    let everyone = app
        .search_users(&admin_or(&app, &admin, &bob_session).await, "")
        .await;
    let admins = everyone["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["admin"] == true)
        .count();
    assert_eq!(admins, 1);
}

/// Whichever of two sessions still belongs to an admin.
async fn admin_or(app: &tessera_e2e::TestApp, first: &str, second: &str) -> String {
    let me: Value = app
        .get_with_bearer("/api/v2/users/me", first)
        .await
        .json()
        .await
        .unwrap();
    match me["admin"] == true {
        true => first.to_owned(),
        false => second.to_owned(),
    }
}

#[tokio::test]
async fn suspending_a_person_stops_their_session_tokens_and_mcp_session_at_once_on_every_replica() {
    let first = spawn_app().await;
    let access_url = first.address.clone();
    let second = spawn_on_database(first.database_url.clone(), |s| s.access_url = access_url).await;
    let admin = first.login_as_admin().await;
    let client = first
        .register_client(&native_public_metadata())
        .await
        .client;
    let browser = first.browser_login_as_new_member(&admin, "bob").await;
    let session = first.login("bob@example.com", MEMBER_PASSWORD).await;
    let token = browser.access_token(&client, "user:read mcp", None).await;
    let mut mcp = RawMcp::new(&first, &token).via(&second);
    mcp.initialize().await;
    assert_eq!(second.me_status(&token).await, StatusCode::OK);
    assert_eq!(second.me_status(&token).await, StatusCode::OK, "now cached");
    let bob = first.user_id(&admin, "bob").await;

    let suspended = first.set_user_status(&admin, &bob, "suspend").await;
    assert_eq!(suspended.status(), StatusCode::OK);
    assert_eq!(
        suspended.json::<Value>().await.unwrap()["status"],
        "suspended"
    );

    assert_eq!(second.me_status(&token).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        second.session_status(&session).await,
        StatusCode::UNAUTHORIZED
    );
    let call = mcp.post(&request_message("tools/list", json!({}))).await;
    assert_eq!(call.status(), StatusCode::UNAUTHORIZED);
    let page = browser.get("/settings/account").await;
    assert_eq!(
        page.status(),
        StatusCode::SEE_OTHER,
        "the browser is signed out"
    );
    let login = first.login_status("bob@example.com", MEMBER_PASSWORD).await;
    assert_eq!(login, StatusCode::FORBIDDEN);
    let wrong = first
        .login_status("bob@example.com", "not the password")
        .await;
    assert_eq!(
        wrong,
        StatusCode::UNAUTHORIZED,
        "suspension is told only to the right password"
    );

    let active = first.set_user_status(&admin, &bob, "activate").await;
    assert_eq!(active.status(), StatusCode::OK);
    assert_eq!(
        second.me_status(&token).await,
        StatusCode::UNAUTHORIZED,
        "tokens stay dead"
    );
    assert_eq!(
        second.session_status(&session).await,
        StatusCode::UNAUTHORIZED
    );
    let login = first.login_status("bob@example.com", MEMBER_PASSWORD).await;
    assert_eq!(login, StatusCode::CREATED);
    let browser = first
        .browser_login("bob@example.com", MEMBER_PASSWORD)
        .await;
    let fresh = browser.access_token(&client, "user:read mcp", None).await;
    let old_session = mcp.session_id.clone().unwrap();
    let again = RawMcp::new(&first, &fresh)
        .via(&second)
        .with_session(&old_session);
    let call = again.post(&request_message("tools/list", json!({}))).await;
    assert_eq!(
        call.status(),
        StatusCode::NOT_FOUND,
        "the MCP session ended with the suspension"
    );
}

#[tokio::test]
async fn a_reset_link_sets_a_new_password_once_and_ends_the_persons_sessions() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    let session = app.login_as_new_member(&admin, "bob").await;
    let bob = app.user_id(&admin, "bob").await;
    let token = app.reset_link_token(&admin, &bob).await;
    assert!(token.starts_with("tpr_"), "{token}");

    let page = app.get(&format!("/reset-password?token={token}")).await;
    assert_eq!(page.status(), StatusCode::OK, "looking does not use it up");
    let short = json!({"token": token, "password": "short"});
    let refused = app.post_json("/api/v2/users/reset-password", &short).await;
    assert_eq!(refused.status(), StatusCode::BAD_REQUEST);
    let body = json!({"token": token, "password": "a new password for bob"});
    let reset = app.post_json("/api/v2/users/reset-password", &body).await;
    assert_eq!(reset.status(), StatusCode::NO_CONTENT);
    let again = app.post_json("/api/v2/users/reset-password", &body).await;
    assert_eq!(again.status(), StatusCode::BAD_REQUEST, "single use");

    assert_eq!(app.session_status(&session).await, StatusCode::UNAUTHORIZED);
    let old = app.login_status("bob@example.com", MEMBER_PASSWORD).await;
    assert_eq!(old, StatusCode::UNAUTHORIZED);
    let new = app
        .login_status("bob@example.com", "a new password for bob")
        .await;
    assert_eq!(new, StatusCode::CREATED);
    let stale = app.get(&format!("/reset-password?token={token}")).await;
    assert_eq!(stale.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn every_change_to_a_person_is_in_the_audit_log_without_secrets() {
    let app = spawn_app().await;
    let admin = app.login_as_admin().await;
    app.login_as_new_member(&admin, "bob").await;
    let bob = app.user_id(&admin, "bob").await;
    app.set_user_roles(&admin, &bob, &["admin"]).await;
    app.set_user_roles(&admin, &bob, &[]).await;
    app.set_user_status(&admin, &bob, "suspend").await;
    app.set_user_status(&admin, &bob, "activate").await;
    let link = app.reset_link_token(&admin, &bob).await;
    let changed = app
        .change_password(&admin, ADMIN_PASSWORD, "another admin password")
        .await;
    assert_eq!(changed.status(), StatusCode::NO_CONTENT);

    let log = app
        .admin_api(&admin, Method::GET, "/api/v2/audit", None)
        .await;
    let log: Value = log.json().await.unwrap();
    let entries: Vec<(String, String)> = log["audit_logs"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|e| {
            let kind = e["resource_type"].as_str().unwrap().to_owned();
            (e["action"].as_str().unwrap().to_owned(), kind)
        })
        .collect();
    let expected = [
        ("create", "user"),
        ("update", "user"),
        ("update", "user"),
        ("suspend", "user"),
        ("unsuspend", "user"),
        ("create", "password_reset"),
        ("update", "user"),
    ];
    let tail = &entries[entries.len() - expected.len()..];
    let tail: Vec<(&str, &str)> = tail.iter().map(|(a, k)| (a.as_str(), k.as_str())).collect();
    assert_eq!(tail, expected);
    let text = log.to_string();
    assert!(!text.contains(&link) && !text.contains(ADMIN_PASSWORD) && !text.contains("argon2"));
}
