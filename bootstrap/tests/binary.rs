//! The real `tessera` binary: its commands and its configuration errors (signals are in
//! signals.rs).
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::io::Write;
use std::process::{Command, Output, Stdio};

const TESSERA: &str = env!("CARGO_BIN_EXE_tessera");

fn tessera(database_url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(TESSERA)
        .args(args)
        .env("TESSERA_DATABASE__URL", database_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

async fn query_one(url: &str, sql: &str) -> tokio_postgres::Row {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client.query_one(sql, &[]).await.unwrap()
}

#[tokio::test]
async fn migrate_then_users_create_reading_the_password_from_stdin() {
    let url = tessera_test_support::fresh_database().await;
    let migrated = tessera(&url, &["migrate"], "");
    assert!(
        migrated.status.success(),
        "{}",
        String::from_utf8_lossy(&migrated.stderr)
    );

    let args = [
        "users",
        "create",
        "--email",
        "Ada@Example.com",
        "--username",
        "ada",
        "--admin",
        "--password-stdin",
    ];
    let created = tessera(&url, &args, "correct horse\n");
    assert!(
        created.status.success(),
        "{}",
        String::from_utf8_lossy(&created.stderr)
    );
    assert!(String::from_utf8_lossy(&created.stdout).contains("created user ada"));

    let row = query_one(
        &url,
        "SELECT email_normalized, admin, password_hash FROM users",
    )
    .await;
    assert_eq!(row.get::<_, String>(0), "ada@example.com");
    assert!(row.get::<_, bool>(1));
    assert!(row.get::<_, String>(2).starts_with("$argon2id$"));
}

#[tokio::test]
async fn users_create_refuses_a_short_password_and_a_taken_email() {
    let url = tessera_test_support::fresh_database().await;
    let args = [
        "users",
        "create",
        "--email",
        "ada@example.com",
        "--username",
        "ada",
        "--password-stdin",
    ];
    let short = tessera(&url, &args, "short\n");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("password"));
    assert!(tessera(&url, &args, "long enough\n").status.success());
    let again = tessera(&url, &args, "long enough\n");
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("email"));
}

#[test]
fn an_unknown_setting_stops_start_up_naming_it() {
    let output = Command::new(TESSERA)
        .arg("migrate")
        .env("TESSERA_DATABSE__URL", "x")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("databse"));
}
