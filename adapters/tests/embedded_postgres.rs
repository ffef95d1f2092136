//! The embedded PostgreSQL cluster, started for real from the machine's binaries.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use std::os::unix::fs::PermissionsExt;

use tessera_adapters::postgres::EmbeddedPostgres;

fn running_as_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        == Some("0")
}

#[tokio::test]
async fn a_data_dir_in_a_private_directory_still_gets_a_working_cluster() {
    let private =
        std::env::temp_dir().join(format!("tessera-private-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir(&private).unwrap();
    std::fs::set_permissions(&private, std::fs::Permissions::from_mode(0o700)).unwrap();
    let data_dir = private.join("data");

    let pg = EmbeddedPostgres::start(&data_dir, false).unwrap();
    let (client, connection) = tokio_postgres::connect(pg.url(), tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let one: i32 = client.query_one("SELECT 1", &[]).await.unwrap().get(0);
    assert_eq!(one, 1);

    let link = data_dir.join("postgres");
    let elsewhere = link
        .is_symlink()
        .then(|| std::fs::read_link(&link).unwrap());
    match running_as_root() {
        // PostgreSQL runs as an unprivileged user that cannot enter a root-only directory.
        true => assert!(
            elsewhere
                .as_ref()
                .is_some_and(|p| p.starts_with("/var/lib/tessera")),
            "{elsewhere:?}"
        ),
        // Our own user can: the cluster lives right under data_dir.
        false => assert!(elsewhere.is_none() && link.join("PG_VERSION").is_file()),
    }
    pg.stop().unwrap();
    let again = EmbeddedPostgres::start(&data_dir, false).unwrap();
    assert!(again.owned(), "restarted in the same place");
    again.stop().unwrap();
    if let Some(cluster) = elsewhere {
        std::fs::remove_dir_all(cluster).unwrap();
    }
    std::fs::remove_dir_all(private).unwrap();
}
