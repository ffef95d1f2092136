//! SQLSTATE → `RepoError`, in one place.

use tessera_application::RepoError;
use tokio_postgres::error::SqlState;

/// Maps a driver error; `unique` names the field for each unique constraint that can clash.
pub(crate) fn map_db_error(e: tokio_postgres::Error, unique: &[(&str, &'static str)]) -> RepoError {
    if let Some(db) = e.as_db_error() {
        if *db.code() == SqlState::UNIQUE_VIOLATION {
            let constraint = db.constraint().unwrap_or_default();
            if let Some((_, field)) = unique.iter().find(|(c, _)| *c == constraint) {
                return RepoError::Conflict { field };
            }
        }
        let class = &db.code().code()[..2];
        // 08: connection exception, 57: operator intervention (shutdown), 53: insufficient
        // resources, 40: transaction rollback (deadlock, serialization failure; see `retry`).
        if matches!(class, "08" | "57" | "53" | "40") {
            return RepoError::Unavailable(e.into());
        }
        return RepoError::Unexpected(e.into());
    }
    if e.is_closed() || e.as_db_error().is_none() {
        return RepoError::Unavailable(e.into());
    }
    RepoError::Unexpected(e.into())
}

/// The same for statements that cannot clash on a unique constraint.
pub(crate) fn db_err(e: tokio_postgres::Error) -> RepoError {
    map_db_error(e, &[])
}

/// Reads column `col` of a row, reporting a type mismatch or unexpected NULL as corrupt
/// data instead of panicking.
pub(crate) fn column<'a, T: tokio_postgres::types::FromSql<'a>>(
    row: &'a tokio_postgres::Row,
    col: &str,
) -> Result<T, RepoError> {
    row.try_get(col).map_err(|e| corrupt(col, e))
}

/// A row whose contents fail the domain's parsing: corrupt data, reported loudly.
pub(crate) fn corrupt(what: &str, e: impl std::fmt::Display) -> RepoError {
    RepoError::Unexpected(anyhow::anyhow!("corrupt {what} row: {e}"))
}
