//! Two real `tessera serve` processes on one database, raced over HTTP (SPEC §4 refresh
//! rotation, §8 replicas): twenty concurrent refreshes of one token split between them all
//! succeed within the reuse grace, and exactly one succeeds without it; and `tessera migrate`
//! started next to a `tessera serve` on a fresh database lets both succeed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

#[path = "support/oauth_flow.rs"]
mod oauth_flow;
#[path = "support/serve.rs"]
mod serve;

use std::process::{Command, Stdio};
use std::time::Duration;

use futures::future::join_all;
use oauth_flow::Flow;
use reqwest::StatusCode;
use serde_json::Value;
use serve::{Serve, TESSERA};

/// Two processes on one migrated database, with `env` each, both ready.
async fn two_replicas(env: &[(&str, &str)]) -> (Serve, Serve) {
    let url = tessera_test_support::migrated_database().await;
    let mut env = env.to_vec();
    env.push(("TESSERA_DATABASE__URL", &url));
    let (first, second) = (Serve::start(&env), Serve::start(&env));
    first.wait_ready().await;
    second.wait_ready().await;
    (first, second)
}

/// Twenty refreshes of `token` at once, every other one at each replica: the responses.
async fn race(flow: &Flow, token: &str, replicas: [&Serve; 2]) -> Vec<reqwest::Response> {
    let attempts = (0..20).map(|i| flow.refresh(&replicas[i % 2].base, token));
    join_all(attempts).await
}

#[tokio::test]
async fn within_the_grace_twenty_refreshes_across_two_processes_all_succeed() {
    let (first, second) = two_replicas(&[]).await;
    let flow = Flow::start(&first.base).await;
    let tokens = flow.tokens().await;

    let responses = race(
        &flow,
        tokens["refresh_token"].as_str().unwrap(),
        [&first, &second],
    );

    for (i, response) in responses.await.into_iter().enumerate() {
        assert_eq!(response.status(), StatusCode::OK, "racer {i}");
        let body: Value = response.json().await.unwrap();
        let access = body["access_token"].as_str().unwrap();
        let other = [&second, &first][i % 2];
        assert_eq!(flow.me_status(&other.base, access).await, StatusCode::OK);
    }
}

#[tokio::test]
async fn without_a_grace_exactly_one_of_twenty_refreshes_across_two_processes_succeeds() {
    let (first, second) = two_replicas(&[("TESSERA_TOKENS__REFRESH_REUSE_GRACE", "0s")]).await;
    let flow = Flow::start(&first.base).await;
    for round in 0..3 {
        let tokens = flow.tokens().await;

        let responses = race(
            &flow,
            tokens["refresh_token"].as_str().unwrap(),
            [&first, &second],
        );

        let statuses: Vec<StatusCode> = responses.await.iter().map(|r| r.status()).collect();
        let wins = statuses.iter().filter(|s| **s == StatusCode::OK).count();
        assert_eq!(wins, 1, "round {round}: {statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|s| *s == StatusCode::OK || *s == StatusCode::BAD_REQUEST),
            "round {round}: {statuses:?}"
        );
        let access = tokens["access_token"].as_str().unwrap();
        for replica in [&first, &second] {
            let status = flow.me_status(&replica.base, access).await;
            assert_eq!(status, StatusCode::UNAUTHORIZED, "round {round}: revoked");
        }
    }
}

#[tokio::test]
async fn migrate_and_serve_started_together_on_a_fresh_database_both_succeed() {
    let url = tessera_test_support::fresh_database().await;

    let migrate = Command::new(TESSERA)
        .arg("migrate")
        .env("TESSERA_DATABASE__URL", &url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let serve = Serve::start(&[("TESSERA_DATABASE__URL", &url)]);

    let migrated = tokio::task::spawn_blocking(move || migrate.wait_with_output());
    let migrated = tokio::time::timeout(Duration::from_secs(60), migrated).await;
    let output = migrated.expect("migrate ended").unwrap().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "migrate: {stderr}");
    serve.wait_ready().await;
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let row = client
        .query_one(
            "SELECT count(*), count(DISTINCT version) FROM refinery_schema_history",
            &[],
        )
        .await
        .unwrap();
    let (applied, distinct): (i64, i64) = (row.get(0), row.get(1));
    assert_eq!(
        (applied, distinct),
        (migrations(), migrations()),
        "each once"
    );
}

/// How many migrations the repository has.
fn migrations() -> i64 {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../migrations");
    let files = std::fs::read_dir(dir).unwrap();
    let sql = files.filter(|f| {
        let name = f.as_ref().unwrap().file_name();
        name.to_string_lossy().ends_with(".sql")
    });
    i64::try_from(sql.count()).unwrap()
}
