//! Health, readiness, graceful shutdown, and the embedded database across restarts.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use reqwest::StatusCode;
use tessera_e2e::{ADMIN_EMAIL, ADMIN_PASSWORD, new_client, spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_and_readyz_answer_200_when_all_is_well() {
    let app = spawn_app().await;
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
}

#[tokio::test]
async fn readyz_is_503_while_the_database_schema_is_behind_this_binary() {
    let app = spawn_app().await;
    tessera_e2e::database::execute(
        &app.database_url,
        "DELETE FROM refinery_schema_history
         WHERE version = (SELECT max(version) FROM refinery_schema_history)",
    )
    .await;
    let ready = app.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.text().await.unwrap(), "migrations pending");
    assert_eq!(app.get("/healthz").await.status(), StatusCode::OK);
}

#[tokio::test]
async fn the_embedded_database_keeps_users_across_a_restart() {
    let data_dir =
        std::env::temp_dir().join(format!("tessera-e2e-{}", uuid::Uuid::new_v4().simple()));
    let embedded = |s: &mut tessera_bootstrap::Settings| {
        s.database.url = None;
        s.data_dir = data_dir.clone();
    };
    let first = spawn_app_with(embedded).await;
    first.create_admin().await;
    first.stop_and_wait().await;

    let second = spawn_app_with(embedded).await;
    let token = second.login(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    let me = second.get_with_bearer("/api/v2/users/me", &token).await;
    assert_eq!(me.status(), StatusCode::OK);
    second.stop_and_wait().await;
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test]
async fn a_database_outage_gives_503_and_tessera_recovers_by_itself() {
    let data_dir =
        std::env::temp_dir().join(format!("tessera-outage-{}", uuid::Uuid::new_v4().simple()));
    let pg = tessera_adapters::postgres::EmbeddedPostgres::start(&data_dir, true).unwrap();
    let url = pg.url().to_owned();
    let app = tessera_e2e::spawn_on_database(url, |_| {}).await;
    let token = app.login_as_admin().await;

    pg.stop().unwrap();
    assert_eq!(
        app.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    let during = app.get_with_bearer("/api/v2/users/me", &token).await;
    assert_eq!(during.status(), StatusCode::SERVICE_UNAVAILABLE);

    let _restarted = tessera_adapters::postgres::EmbeddedPostgres::start(&data_dir, true).unwrap();
    assert_eq!(
        app.get_with_bearer("/api/v2/users/me", &token)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        new_client()
            .get(app.url("/readyz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}
