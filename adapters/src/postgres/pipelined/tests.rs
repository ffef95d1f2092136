use super::*;
use crate::postgres::Database;

/// One connection, so every checkout gets the connection the previous one used.
async fn database() -> Database {
    let db = Database::connect(&tessera_test_support::fresh_database().await, 1).unwrap();
    db.client()
        .await
        .unwrap()
        .batch_execute("CREATE TABLE t (x int NOT NULL CHECK (x > 0))")
        .await
        .unwrap();
    db
}

async fn prepared(tx: &Pipelined, sql: &str) -> Statement {
    tx.client().prepare_cached(sql).await.unwrap()
}

/// A transaction begun with an insert of one row into `t`, and that insert's statement.
async fn begun_with_one_row(db: &Database) -> (Pipelined, Statement) {
    let tx = Pipelined::new(db.client().await.unwrap());
    let insert = prepared(&tx, "INSERT INTO t VALUES ($1) RETURNING x").await;
    tx.begin_with(Query {
        statement: &insert,
        params: &[&1_i32],
    })
    .await
    .unwrap();
    (tx, insert)
}

/// The transaction id a statement on `client` runs in.
async fn xid(client: &Client) -> String {
    let row = client
        .query_one("SELECT txid_current()::text AS x", &[])
        .await
        .unwrap();
    row.get("x")
}

/// The rows of `t`, read on the pool's one connection, and whether that connection is
/// outside any transaction (two statements run in two transactions).
async fn state(db: &Database) -> (i64, bool) {
    let client = db.client().await.unwrap();
    let count: i64 = client
        .query_one("SELECT count(*) FROM t", &[])
        .await
        .unwrap()
        .get(0);
    let idle = xid(&client).await != xid(&client).await;
    (count, idle)
}

#[tokio::test]
async fn the_first_reads_run_inside_the_transaction_and_commit_with_keeps_the_write() {
    let db = database().await;
    let tx = Pipelined::new(db.client().await.unwrap());
    let (current, insert) = (
        prepared(&tx, "SELECT txid_current()::text AS x").await,
        prepared(&tx, "INSERT INTO t VALUES ($1)").await,
    );
    let row = tx
        .begin_with(Query {
            statement: &current,
            params: &[],
        })
        .await
        .unwrap()
        .unwrap();
    let first: String = row.get("x");
    assert_eq!(first, xid(tx.client()).await, "BEGIN went first");
    let written = tx
        .commit_with(Query {
            statement: &insert,
            params: &[&1_i32],
        })
        .await
        .unwrap();
    assert_eq!(written, 1);
    drop(tx);
    assert_eq!(state(&db).await, (1, true));
}

#[tokio::test]
async fn two_first_reads_run_in_order_in_one_transaction() {
    let db = database().await;
    let tx = Pipelined::new(db.client().await.unwrap());
    let insert = prepared(
        &tx,
        "INSERT INTO t VALUES (1) RETURNING txid_current()::text AS x",
    )
    .await;
    let count = prepared(
        &tx,
        "SELECT count(*) AS n, txid_current()::text AS x FROM t",
    )
    .await;
    let none: [&(dyn ToSql + Sync); 0] = [];
    let (first, second) = tx
        .begin_with_two(
            Query {
                statement: &insert,
                params: &none,
            },
            Query {
                statement: &count,
                params: &none,
            },
        )
        .await
        .unwrap();
    let (first, second) = (first.unwrap(), second.unwrap());
    assert_eq!(
        second.get::<_, i64>("n"),
        1,
        "the second saw the first's insert"
    );
    assert_eq!(first.get::<_, String>("x"), second.get::<_, String>("x"));
    tx.commit().await.unwrap();
    drop(tx);
    assert_eq!(state(&db).await, (1, true));
}

#[tokio::test]
async fn a_failed_write_keeps_nothing_and_ends_the_transaction() {
    let db = database().await;
    let (tx, insert) = begun_with_one_row(&db).await;
    let refused = tx
        .commit_with(Query {
            statement: &insert,
            params: &[&-1_i32],
        })
        .await;
    assert!(refused.is_err(), "the CHECK refuses -1");
    drop(tx);
    assert_eq!(state(&db).await, (0, true), "the first insert went with it");
}

#[tokio::test]
async fn dropped_while_open_it_rolls_back_before_the_connection_is_reused() {
    let db = database().await;
    let (tx, _) = begun_with_one_row(&db).await;
    drop(tx);
    assert_eq!(state(&db).await, (0, true));
}

#[tokio::test]
async fn a_wrapper_never_begun_returns_its_connection_untouched() {
    let db = database().await;
    drop(Pipelined::new(db.client().await.unwrap()));
    assert_eq!(state(&db).await, (0, true));
}
