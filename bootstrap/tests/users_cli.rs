//! `tessera users …` on the real binary (issue 18): listing and searching people,
//! suspending and unsuspending, granting and removing admin (never from the last active
//! admin), and printing a one-time password reset link; each change audited as the CLI.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::io::Write;
use std::process::{Command, Output, Stdio};

const TESSERA: &str = env!("CARGO_BIN_EXE_tessera");

/// Runs `tessera args…` on `database_url` with `stdin`; its output.
fn tessera(database_url: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(TESSERA)
        .args(args)
        .env("TESSERA_DATABASE__URL", database_url)
        .env("TESSERA_ACCESS_URL", "https://auth.example")
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

/// Runs a command that must succeed; its standard output.
fn ok(url: &str, args: &[&str]) -> String {
    let output = tessera(url, args, "");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{args:?}: {stderr}");
    String::from_utf8(output.stdout).unwrap()
}

/// Runs a command that must fail; its standard error.
fn refused(url: &str, args: &[&str]) -> String {
    let output = tessera(url, args, "");
    assert!(!output.status.success(), "{args:?} succeeded");
    String::from_utf8(output.stderr).unwrap()
}

async fn count(url: &str, sql: &str) -> i64 {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    client.query_one(sql, &[]).await.unwrap().get(0)
}

/// A migrated database with the admin ada and the member bob, created with the CLI.
fn with_ada_and_bob(url: &str) {
    for (email, name, admin) in [
        ("ada@example.com", "ada", true),
        ("bob@example.com", "bob", false),
    ] {
        let mut args = vec![
            "users",
            "create",
            "--email",
            email,
            "--username",
            name,
            "--password-stdin",
        ];
        if admin {
            args.push("--admin");
        }
        let created = tessera(url, &args, "correct horse\n");
        assert!(
            created.status.success(),
            "{}",
            String::from_utf8_lossy(&created.stderr)
        );
    }
}

#[tokio::test]
async fn users_list_shows_and_searches_people_with_their_role_and_status() {
    let url = tessera_test_support::fresh_database().await;
    with_ada_and_bob(&url);
    let all = ok(&url, &["users", "list"]);
    assert!(all.contains("ada\tada@example.com\tadmin\tactive"), "{all}");
    assert!(
        all.contains("bob\tbob@example.com\tmember\tactive"),
        "{all}"
    );
    assert!(all.contains("2 of 2 shown"), "{all}");
    let found = ok(&url, &["users", "list", "--search", "BO"]);
    assert!(found.contains("bob") && !found.contains("ada@"), "{found}");
}

#[tokio::test]
async fn suspending_and_admin_changes_from_the_cli_keep_one_active_admin_and_are_audited() {
    let url = tessera_test_support::fresh_database().await;
    with_ada_and_bob(&url);
    let suspended = ok(&url, &["users", "suspend", "--email", "bob@example.com"]);
    assert!(
        suspended.contains("bob\tbob@example.com\tmember\tsuspended"),
        "{suspended}"
    );
    let last = refused(
        &url,
        &[
            "users",
            "set-admin",
            "--email",
            "ada@example.com",
            "--remove",
        ],
    );
    assert!(last.contains("at least one active admin"), "{last}");

    ok(&url, &["users", "set-admin", "--email", "BOB@example.com"]);
    let still = refused(
        &url,
        &[
            "users",
            "set-admin",
            "--email",
            "ada@example.com",
            "--remove",
        ],
    );
    assert!(
        still.contains("at least one active admin"),
        "a suspended admin does not count: {still}"
    );
    ok(&url, &["users", "unsuspend", "--email", "bob@example.com"]);
    let demoted = ok(
        &url,
        &[
            "users",
            "set-admin",
            "--email",
            "ada@example.com",
            "--remove",
        ],
    );
    assert!(
        demoted.contains("ada\tada@example.com\tmember\tactive"),
        "{demoted}"
    );

    let nobody = refused(&url, &["users", "suspend", "--email", "nobody@example.com"]);
    assert!(nobody.contains("no such user"), "{nobody}");
    let by_cli =
        "SELECT count(*) FROM audit_log WHERE actor = 'tessera CLI' AND target_type = 'user'";
    assert_eq!(
        count(&url, by_cli).await,
        2 + 4,
        "two creations, four changes"
    );
}

#[tokio::test]
async fn users_reset_password_prints_a_one_time_link_that_is_stored_only_hashed() {
    let url = tessera_test_support::fresh_database().await;
    with_ada_and_bob(&url);
    let printed = ok(
        &url,
        &["users", "reset-password", "--email", "bob@example.com"],
    );
    let link = printed.trim();
    let prefix = "https://auth.example/reset-password?token=tpr_";
    assert!(link.starts_with(prefix), "{printed}");
    assert_eq!(count(&url, "SELECT count(*) FROM password_resets").await, 1);
    let token = link.split_once("token=").unwrap().1;
    let lookup = token.split('_').nth(1).unwrap();
    let hashed = format!(
        "SELECT count(*) FROM password_resets
         WHERE lookup_id = '{lookup}' AND secret_hash = sha256(convert_to('{token}', 'UTF8'))"
    );
    assert_eq!(
        count(&url, &hashed).await,
        1,
        "its SHA-256, under its lookup id"
    );
}
