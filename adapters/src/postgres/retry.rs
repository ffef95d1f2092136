//! One more try for a transaction PostgreSQL aborted to break a deadlock or a
//! serialization conflict: both are transient, and the second try normally succeeds.

use std::future::Future;

use tessera_application::RepoError;
use tokio_postgres::error::SqlState;

/// Runs `transaction` (the whole transaction, from `BEGIN` to `COMMIT`) and, if PostgreSQL
/// aborted it with SQLSTATE 40P01 (deadlock) or 40001 (serialization failure), runs it once
/// more. A second abort is returned as it is (`Unavailable`: 503, retry later).
pub(crate) async fn retrying_once<T, F, Fut>(mut transaction: F) -> Result<T, RepoError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, RepoError>>,
{
    match transaction().await {
        Err(e) if aborted_by_conflict(&e) => {
            tracing::debug!(error = %e, "transaction aborted by a conflict; trying once more");
            transaction().await
        }
        result => result,
    }
}

/// Whether `e` is PostgreSQL aborting a transaction to resolve a conflict.
fn aborted_by_conflict(e: &RepoError) -> bool {
    let cause = match e {
        RepoError::Unavailable(cause) | RepoError::Unexpected(cause) => cause,
        RepoError::Conflict { .. } => return false,
    };
    cause
        .downcast_ref::<tokio_postgres::Error>()
        .and_then(|e| e.code())
        .is_some_and(|code| {
            *code == SqlState::T_R_DEADLOCK_DETECTED || *code == SqlState::T_R_SERIALIZATION_FAILURE
        })
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};

    use super::*;
    use crate::postgres::Database;
    use crate::postgres::errors::db_err;

    /// A statement that fails with SQLSTATE `code`, as PostgreSQL's own abort would.
    async fn fail_with(db: &Database, code: &str) -> Result<(), RepoError> {
        let sql =
            format!("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '{code}'; END $$");
        db.client().await?.batch_execute(&sql).await.map_err(db_err)
    }

    async fn database() -> Database {
        Database::connect(&tessera_test_support::fresh_database().await, 2).unwrap()
    }

    #[tokio::test]
    async fn a_transaction_aborted_by_a_deadlock_or_serialization_failure_runs_once_more() {
        let db = database().await;
        for code in ["40P01", "40001"] {
            let tries = AtomicU32::new(0);
            let result = retrying_once(|| async {
                match tries.fetch_add(1, Ordering::SeqCst) {
                    0 => fail_with(&db, code).await,
                    _ => Ok(()),
                }
            })
            .await;
            assert!(result.is_ok(), "{code}: {result:?}");
            assert_eq!(tries.load(Ordering::SeqCst), 2, "{code}");
        }
    }

    #[tokio::test]
    async fn a_second_abort_is_unavailable_and_other_errors_are_not_retried() {
        let db = database().await;
        let tries = AtomicU32::new(0);
        let twice = retrying_once(|| {
            tries.fetch_add(1, Ordering::SeqCst);
            fail_with(&db, "40P01")
        })
        .await;
        assert!(matches!(twice, Err(RepoError::Unavailable(_))), "{twice:?}");
        assert_eq!(tries.load(Ordering::SeqCst), 2);

        let other = AtomicU32::new(0);
        let _ = retrying_once(|| {
            other.fetch_add(1, Ordering::SeqCst);
            fail_with(&db, "22012")
        })
        .await;
        assert_eq!(other.load(Ordering::SeqCst), 1);
    }
}
