//! Test helpers shared by adapter and end-to-end tests: a fresh PostgreSQL database per
//! test, on `TESSERA_TEST_DATABASE_URL` when it is set, else on a throwaway cluster started
//! the embedded way (once per test process, removed when the process ends). A throwaway
//! cluster runs without fsync (it is deleted anyway); migrated databases are cloned from one
//! template migrated once per test process.
#![allow(clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use tessera_adapters::postgres::{Database, EmbeddedPostgres, migrate};
use tokio::sync::OnceCell;

/// The server every test database of this process is created on, and whether this process
/// started it (a throwaway cluster) rather than being given it.
fn admin_url() -> &'static (String, bool) {
    static ADMIN: OnceLock<(String, bool)> = OnceLock::new();
    ADMIN.get_or_init(|| {
        if let Ok(url) = std::env::var("TESSERA_TEST_DATABASE_URL") {
            return (url, false);
        }
        let dir = std::env::temp_dir().join(format!(
            "tessera-test-{}-{}",
            std::process::id(),
            uuid::Uuid::new_v4().simple()
        ));
        let cluster = EmbeddedPostgres::start(&dir, true)
            .unwrap_or_else(|e| panic!("cannot start a throwaway PostgreSQL for tests: {e}"));
        let url = cluster.url().to_owned();
        // The cluster lives as long as the test process; its watchdog stops and removes it.
        std::mem::forget(cluster);
        (url, true)
    })
}

/// Runs `sql` on the admin database.
async fn admin_execute(sql: &str) {
    admin_try_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Runs `sql` on the admin database; the server's error as text.
async fn admin_try_execute(sql: &str) -> Result<(), String> {
    let (client, connection) = tokio_postgres::connect(&admin_url().0, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL: {e}"));
    let driver = tokio::spawn(connection);
    let result = client.batch_execute(sql).await.map_err(|e| {
        e.as_db_error()
            .map_or_else(|| e.to_string(), |db| db.message().to_owned())
    });
    drop(client);
    let _ = driver.await;
    result
}

/// A throwaway cluster trades durability for speed: its data dies with the test process.
/// A server named by `TESSERA_TEST_DATABASE_URL` is left as it is configured.
async fn tune_throwaway_cluster() {
    static TUNED: OnceCell<()> = OnceCell::const_new();
    TUNED
        .get_or_init(|| async {
            if admin_url().1 {
                // One statement each: ALTER SYSTEM refuses a (multi-statement) transaction.
                for setting in ["fsync", "synchronous_commit", "full_page_writes"] {
                    admin_execute(&format!("ALTER SYSTEM SET {setting} = off")).await;
                }
                admin_execute("SELECT pg_reload_conf()").await;
            }
        })
        .await;
}

/// `admin_url()` with its database replaced by `name`.
fn url_of(name: &str) -> String {
    let mut url = url::Url::parse(&admin_url().0).expect("TESSERA_TEST_DATABASE_URL is a URL");
    url.set_path(name);
    url.to_string()
}

fn unique_name(kind: &str) -> String {
    format!("tessera_{kind}_{}", uuid::Uuid::new_v4().simple())
}

/// Creates an empty database for one test and returns its URL.
pub async fn fresh_database() -> String {
    tune_throwaway_cluster().await;
    let name = unique_name("test");
    admin_execute(&format!("CREATE DATABASE {name}")).await;
    url_of(&name)
}

/// Creates a database for one test with every migration applied, cloned from a template
/// this process migrated once, and returns its URL.
pub async fn migrated_database() -> String {
    static TEMPLATE: OnceCell<String> = OnceCell::const_new();
    let template = TEMPLATE
        .get_or_init(|| async {
            let url = fresh_database().await;
            let db = Database::connect(&url, 1).expect("the template database URL");
            migrate(&db).await.expect("migrating the template database");
            drop(db);
            url::Url::parse(&url)
                .expect("a URL")
                .path()
                .trim_start_matches('/')
                .to_owned()
        })
        .await;
    let name = unique_name("test");
    let sql = format!("CREATE DATABASE {name} TEMPLATE {template}");
    // The template's last connection may still be closing on the server side for a moment.
    for _ in 0..100 {
        match admin_try_execute(&sql).await {
            Ok(()) => return url_of(&name),
            Err(e) if e.contains("being accessed by other users") => {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(e) => panic!("{sql}: {e}"),
        }
    }
    panic!("{sql}: the template stayed in use")
}
