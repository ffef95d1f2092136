//! Warming the pool at start (`Database::warm_up`): every connection is open and has the
//! token statements prepared before the first request, and a database that cannot be
//! reached leaves the pool as it was instead of failing the start.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers outside #[test] fns

use tessera_adapters::postgres::Database;

/// The server processes serving tessera on this database, counted through `observer`, a
/// pool of its own (its one connection left out).
async fn tessera_backends(observer: &Database) -> i64 {
    let client = observer.client().await.unwrap();
    let row = client
        .query_one(
            "SELECT count(*) FROM pg_stat_activity
             WHERE application_name = 'tessera' AND datname = current_database()
               AND pid <> pg_backend_pid()",
            &[],
        )
        .await
        .unwrap();
    row.get(0)
}

/// How many statements this connection has prepared, and whether the code's lock is one.
async fn prepared(client: &deadpool_postgres::Client) -> (i64, bool) {
    let row = client
        .query_one(
            "SELECT count(*), bool_or(statement LIKE '%FROM oauth2_codes WHERE lookup_id = $1 FOR UPDATE%')
             FROM pg_prepared_statements",
            &[],
        )
        .await
        .unwrap();
    (row.get(0), row.get::<_, Option<bool>>(1).unwrap_or(false))
}

#[tokio::test]
async fn warming_opens_every_connection_with_the_token_statements_prepared() {
    let url = tessera_test_support::migrated_database().await;
    let db = Database::connect(&url, 3).unwrap();
    let observer = Database::connect(&url, 1).unwrap();
    assert_eq!(
        tessera_backends(&observer).await,
        0,
        "connections open lazily"
    );

    assert_eq!(db.warm_up().await, 3);

    assert_eq!(tessera_backends(&observer).await, 3);
    let status = db.status();
    assert_eq!(
        (status.size, status.available),
        (3, 3),
        "all idle in the pool"
    );
    let clients = [
        db.client().await.unwrap(),
        db.client().await.unwrap(),
        db.client().await.unwrap(),
    ];
    for client in &clients {
        let (count, code_lock) = prepared(client).await;
        assert!(
            count >= 7,
            "the code flow's and the refresh's statements: {count}"
        );
        assert!(code_lock, "the code's lock among them");
    }
    assert_eq!(
        tessera_backends(&observer).await,
        3,
        "no connection opened since"
    );
}

#[tokio::test]
async fn warming_a_pool_whose_database_is_missing_opens_nothing_and_returns() {
    let url = tessera_test_support::fresh_database().await;
    let missing = match url.split_once('?') {
        Some((base, query)) => format!("{base}_missing?{query}"),
        None => format!("{url}_missing"),
    };
    let db = Database::connect(&missing, 2).unwrap();

    assert_eq!(db.warm_up().await, 0);

    assert_eq!(db.status().size, 0);
}
