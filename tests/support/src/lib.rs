//! Test helpers shared by adapter and end-to-end tests: a fresh PostgreSQL database per
//! test, on `TESSERA_TEST_DATABASE_URL` when it is set, else on a throwaway cluster started
//! the embedded way (once per test process, removed when the process ends).
#![allow(clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use tessera_adapters::postgres::EmbeddedPostgres;

/// The server every test database of this process is created on.
fn admin_url() -> &'static str {
    static ADMIN: OnceLock<String> = OnceLock::new();
    ADMIN.get_or_init(|| {
        if let Ok(url) = std::env::var("TESSERA_TEST_DATABASE_URL") {
            return url;
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
        url
    })
}

/// Creates an empty database for one test and returns its URL.
pub async fn fresh_database() -> String {
    let admin = admin_url();
    let name = format!("tessera_test_{}", uuid::Uuid::new_v4().simple());
    let (client, connection) = tokio_postgres::connect(admin, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the test PostgreSQL: {e}"));
    let driver = tokio::spawn(connection);
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .expect("create a test database");
    drop(client);
    let _ = driver.await;
    let mut url = url::Url::parse(admin).expect("TESSERA_TEST_DATABASE_URL is a URL");
    url.set_path(&name);
    url.to_string()
}
