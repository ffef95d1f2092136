use tessera_application::RepoError;

use super::Database;
use super::errors::{column, db_err};

refinery::embed_migrations!("../migrations");

/// The newest migration version embedded in this binary; `/readyz` wants the schema there.
pub fn latest_migration() -> i32 {
    migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| m.version() as i32)
        .max()
        .unwrap_or(0)
}

/// An arbitrary constant naming tessera's migration lock among advisory locks.
const MIGRATION_LOCK: i64 = 0x0074_6573_7365_7261;

/// Applies pending migrations under a PostgreSQL advisory lock, so replicas starting at
/// once take turns and each sees the others' work.
pub async fn migrate(db: &Database) -> Result<usize, RepoError> {
    let mut client = db.client().await?;
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .await
        .map_err(db_err)?;
    // A schema a newer release already migrated is no reason to stop: an older replica
    // must keep serving during a rolling upgrade, and after a rollback.
    let result = migrations::runner()
        .set_abort_missing(false)
        .run_async(&mut **client)
        .await;
    let unlock = client
        .execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK])
        .await;
    let report = result.map_err(|e| RepoError::Unexpected(anyhow::Error::new(e)))?;
    unlock.map_err(db_err)?;
    Ok(report.applied_migrations().len())
}

/// Whether the database answers and holds every migration this binary knows.
pub async fn schema_is_current(db: &Database) -> Result<bool, RepoError> {
    let client = db.client().await?;
    let row = client
        .query_opt(
            "SELECT max(version) AS version FROM refinery_schema_history",
            &[],
        )
        .await
        .map_err(db_err)?;
    let version: Option<i32> = match row {
        Some(row) => column(&row, "version")?,
        None => None,
    };
    Ok(version.is_some_and(|v| v >= latest_migration()))
}
