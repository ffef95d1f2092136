//! An admin's change to an account, serialized with every other such change: the rule
//! "never fewer than one active admin" is decided under one advisory lock, so two admins
//! demoting or suspending each other at once cannot both pass. A suspension ends
//! everything the person holds in the same transaction.

use tessera_application::RepoError;
use tessera_application::ports::AuditEntry;
use tessera_domain::{Account, AccountChange, AccountRefusal, UserId};
use tokio_postgres::types::ToSql;

use super::audit_repository::record;
use super::errors::{column, db_err};
use super::user_repository::{COLUMNS, PgUserRepository, account_from_row};

/// The lock every change of roles and suspensions takes (`tess` and 2).
const ADMINS_LOCK: i64 = 0x7465_7373_0002;

const ACTIVE_ADMINS: &str =
    "SELECT count(*) AS admins FROM users WHERE admin AND suspended_at IS NULL";

const SET_ADMIN: &str = "UPDATE users SET admin = $2 WHERE id = $1";
const UNSUSPEND: &str = "UPDATE users SET suspended_at = NULL WHERE id = $1";

/// Suspends a person and ends what they hold, in one statement: their sessions, reset
/// links, unredeemed codes and MCP sessions go, their grants are revoked (each revocation,
/// and the users row, notifies every replica's token cache, V10).
const SUSPEND: &str = "WITH person AS (UPDATE users SET suspended_at = $2 WHERE id = $1),
     sessions AS (DELETE FROM sessions WHERE user_id = $1),
     resets AS (DELETE FROM password_resets WHERE user_id = $1),
     grants AS (UPDATE oauth2_grants SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL),
     codes AS (DELETE FROM oauth2_codes WHERE user_id = $1 AND consumed_at IS NULL),
     mcp AS (DELETE FROM mcp_sessions WHERE user_id = $1)
     SELECT 1";

impl PgUserRepository {
    /// See `UserRepository::change_account`.
    pub(super) async fn change_account_locked<F>(
        &self,
        id: UserId,
        change: AccountChange,
        audit: &AuditEntry,
        decide: F,
    ) -> Result<Option<Result<Account, AccountRefusal>>, RepoError>
    where
        F: FnOnce(&Account, u64) -> Result<bool, AccountRefusal> + Send,
    {
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        // Taken before anything is read: every statement after it sees the changes
        // committed by whoever held it before (READ COMMITTED takes a snapshot per statement).
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&ADMINS_LOCK])
            .await
            .map_err(db_err)?;
        let sql = format!("SELECT {COLUMNS} FROM users WHERE id = $1 FOR UPDATE");
        let stmt = tx.prepare_cached(&sql).await.map_err(db_err)?;
        let user = id.as_uuid();
        let Some(row) = tx.query_opt(&stmt, &[&user]).await.map_err(db_err)? else {
            return Ok(None);
        };
        let account = account_from_row(&row)?;
        let stmt = tx.prepare_cached(ACTIVE_ADMINS).await.map_err(db_err)?;
        let admins: i64 = column(&tx.query_one(&stmt, &[]).await.map_err(db_err)?, "admins")?;
        match decide(&account, u64::try_from(admins).unwrap_or(0)) {
            Err(refusal) => return Ok(Some(Err(refusal))),
            Ok(false) => return Ok(Some(Ok(account))),
            Ok(true) => {}
        }
        let admin = change == AccountChange::GrantAdmin;
        let (sql, params): (&str, Vec<&(dyn ToSql + Sync)>) = match change {
            AccountChange::GrantAdmin | AccountChange::RemoveAdmin => {
                (SET_ADMIN, vec![&user, &admin])
            }
            AccountChange::Suspend => (SUSPEND, vec![&user, &audit.at]),
            AccountChange::Unsuspend => (UNSUSPEND, vec![&user]),
        };
        let stmt = tx.prepare_cached(sql).await.map_err(db_err)?;
        tx.execute(&stmt, &params).await.map_err(db_err)?;
        record(&tx, audit).await?;
        tx.commit().await.map_err(db_err)?;
        drop(client);
        // The users row changed: cached tokens carry the old role, or must stop at once.
        self.db.settle_revocation().await;
        Ok(Some(Ok(change.applied_to(account))))
    }
}
