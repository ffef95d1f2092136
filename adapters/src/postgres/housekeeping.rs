use tessera_application::RepoError;
use time::{Duration, OffsetDateTime};

use super::Database;
use super::errors::db_err;

/// How long failed logins and rate-limit windows are kept after they stop counting.
const RETENTION: Duration = Duration::days(1);

/// How long a used code is kept after it expires: its reuse is detected until then.
const CODE_RETENTION: Duration = Duration::hours(1);

/// Deletes expired sessions, MCP sessions, codes, tokens, grants and password reset links,
/// and stale throttle rows; returns how many rows went. Plain `DELETE`s, so every replica may run it at any time.
pub async fn sweep_expired(db: &Database, now: OffsetDateTime) -> Result<u64, RepoError> {
    let client = db.client().await?;
    let cutoff = now - RETENTION;
    let mut removed = client
        .execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now])
        .await
        .map_err(db_err)?;
    removed += client
        .execute(
            "DELETE FROM login_failures WHERE failed_at < $1",
            &[&cutoff],
        )
        .await
        .map_err(db_err)?;
    removed += client
        .execute(
            "DELETE FROM rate_limit_counters WHERE window_start < $1",
            &[&cutoff],
        )
        .await
        .map_err(db_err)?;
    removed += client
        .execute(
            "DELETE FROM oauth2_codes WHERE expires_at < $1",
            &[&(now - CODE_RETENTION)],
        )
        .await
        .map_err(db_err)?;
    removed += client
        .execute(
            "DELETE FROM oauth2_access_tokens WHERE expires_at <= $1",
            &[&now],
        )
        .await
        .map_err(db_err)?;
    // A revoked grant's rows go a day later; its tokens and codes cascade.
    removed += client
        .execute(
            "DELETE FROM oauth2_grants WHERE expires_at <= $1 OR revoked_at < $2",
            &[&now, &cutoff],
        )
        .await
        .map_err(db_err)?;
    // MCP sessions idle past `mcp.session_idle_timeout` (their clients get 404 and start anew).
    removed += client
        .execute("DELETE FROM mcp_sessions WHERE expires_at <= $1", &[&now])
        .await
        .map_err(db_err)?;
    removed += client
        .execute(
            "DELETE FROM password_resets WHERE expires_at <= $1",
            &[&now],
        )
        .await
        .map_err(db_err)?;
    Ok(removed)
}
