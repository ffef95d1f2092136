//! `first_user.email` and `first_user.password` (SPEC §1): an admin created at start-up when
//! no user exists, and nobody when someone already does.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use serde_json::{Value, json};
use tessera_bootstrap::Settings;
use tessera_domain::SecretString;
use tessera_e2e::{spawn_app_with, spawn_on_database};

fn first_user(email: &'static str) -> impl FnOnce(&mut Settings) {
    move |s: &mut Settings| {
        s.first_user.email = Some(email.into());
        s.first_user.password = Some(SecretString::new("from the config file".into()));
    }
}

#[tokio::test]
async fn the_configured_first_user_is_an_admin_who_signs_in_and_is_made_only_once() {
    let app = spawn_app_with(first_user("ops@example.com")).await;
    let token = app.login("ops@example.com", "from the config file").await;
    let me: Value = app
        .get_with_bearer("/api/v2/users/me", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "ops@example.com");
    assert_eq!(me["admin"], true);
    let body = json!({"email": "late@example.com", "username": "late", "password": "long enough"});
    let setup = app.post_json("/api/v2/users/first", &body).await;
    assert_eq!(setup.status(), StatusCode::CONFLICT, "tessera is set up");

    let replica =
        spawn_on_database(app.database_url.clone(), first_user("other@example.com")).await;
    let other = replica
        .post_json(
            "/api/v2/users/login",
            &json!({"email": "other@example.com", "password": "from the config file"}),
        )
        .await;
    assert_eq!(
        other.status(),
        StatusCode::UNAUTHORIZED,
        "a user exists, so no second first user"
    );
}
