//! Looking inside the database of a running [`crate::TestApp`]: for tests of what is stored
//! (SPEC §7) and of states no HTTP call can reach quickly (an expired token, a schema behind).

use tokio_postgres::{Client, NoTls};

async fn connect(database_url: &str) -> Client {
    let (client, connection) = tokio_postgres::connect(database_url, NoTls).await.unwrap();
    tokio::spawn(connection);
    client
}

/// Runs `sql` (one or more statements without parameters).
pub async fn execute(database_url: &str, sql: &str) {
    connect(database_url)
        .await
        .batch_execute(sql)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Every row of every table of the `public` schema as `(table, row_to_json text)`: all the
/// values the database holds, each column written out as text (`bytea` as `\\x…` hex).
pub async fn every_row(database_url: &str) -> Vec<(String, String)> {
    let db = connect(database_url).await;
    let tables = db
        .query(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1",
            &[],
        )
        .await
        .unwrap();
    let mut rows = Vec::new();
    for table in tables {
        let name: String = table.get(0);
        let sql = format!("SELECT row_to_json(t)::text FROM \"{name}\" t");
        for row in db.query(&sql, &[]).await.unwrap() {
            rows.push((name.clone(), row.get::<_, String>(0)));
        }
    }
    rows
}
