//! `--config FILE` and `TESSERA_CONFIG` (SPEC §1): either names the TOML file that is read,
//! and environment variables still win over it.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::path::PathBuf;
use std::process::{Command, Output};

const TESSERA: &str = env!("CARGO_BIN_EXE_tessera");

/// A TOML file whose `database.url` is `database_url`, removed when dropped.
struct ConfigFile(PathBuf);

impl ConfigFile {
    fn naming(database_url: &str) -> Self {
        let name = format!("tessera-config-{}.toml", uuid::Uuid::new_v4().simple());
        let path = std::env::temp_dir().join(name);
        std::fs::write(&path, format!("[database]\nurl = \"{database_url}\"\n")).unwrap();
        Self(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for ConfigFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `tessera <args> migrate` with `env` and no other `TESSERA_*` variable; an embedded
/// database could not start (so only a file that was read names a database).
fn migrate(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(TESSERA);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("TESSERA_")) {
        command.env_remove(key);
    }
    command
        .args(args)
        .arg("migrate")
        .env("RUST_LOG", "warn")
        .env("TESSERA_DATA_DIR", "/dev/null/no-embedded-database")
        .envs(env.iter().copied());
    command.output().unwrap()
}

fn assert_success(output: &Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
}

/// Whether `tessera migrate` ran on the database at `url`.
async fn migrated(url: &str) -> bool {
    let (db, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let row = db
        .query_one(
            "SELECT to_regclass('refinery_schema_history') IS NOT NULL",
            &[],
        )
        .await
        .unwrap();
    row.get(0)
}

#[tokio::test]
async fn the_config_flag_names_the_file_that_is_read() {
    let url = tessera_test_support::fresh_database().await;
    let file = ConfigFile::naming(&url);
    assert_success(&migrate(&["--config", file.path()], &[]));
    assert!(migrated(&url).await);
}

#[tokio::test]
async fn tessera_config_names_the_file_that_is_read_and_the_environment_wins_over_it() {
    let in_file = tessera_test_support::fresh_database().await;
    let in_env = tessera_test_support::fresh_database().await;
    let file = ConfigFile::naming(&in_file);
    let both = [
        ("TESSERA_CONFIG", file.path()),
        ("TESSERA_DATABASE__URL", in_env.as_str()),
    ];
    assert_success(&migrate(&[], &both));
    assert!(migrated(&in_env).await, "the environment variable wins");
    assert!(!migrated(&in_file).await);
    assert_success(&migrate(&[], &[("TESSERA_CONFIG", file.path())]));
    assert!(migrated(&in_file).await, "the file named by TESSERA_CONFIG");
}

#[test]
fn a_config_file_that_does_not_exist_stops_start_up_naming_it() {
    let output = migrate(&["--config", "/nonexistent/tessera.toml"], &[]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("/nonexistent/tessera.toml"), "{stderr}");
}
