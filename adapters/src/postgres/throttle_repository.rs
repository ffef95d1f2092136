use std::net::IpAddr;

use tessera_application::RepoError;
use tessera_application::ports::{
    AttemptId, AttemptOutcome, AttemptWindow, FailureWindow, ThrottleRepository,
};
use time::OffsetDateTime;

use super::Database;
use super::errors::{corrupt, db_err};
use super::retry::retrying_once;

/// Login attempts in PostgreSQL, shared by every replica.
#[derive(Debug, Clone)]
pub struct PgThrottleRepository {
    db: Database,
}

impl PgThrottleRepository {
    /// Wraps the pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

/// Advisory-lock classes (the first key of the two-key form) for logins.
const EMAIL_LOCK_CLASS: i32 = 0x7473_0001;
const IP_LOCK_CLASS: i32 = 0x7473_0002;

impl ThrottleRepository for PgThrottleRepository {
    async fn begin_attempt(
        &self,
        email_normalized: &str,
        ip: Option<IpAddr>,
        at: OffsetDateTime,
        window: AttemptWindow,
        admit: impl Fn(&FailureWindow) -> bool + Send + Sync,
    ) -> Result<(Option<AttemptId>, FailureWindow), RepoError> {
        retrying_once(|| self.try_begin(email_normalized, ip, at, window, &admit)).await
    }

    async fn finish_attempt(
        &self,
        attempt: AttemptId,
        email_normalized: &str,
        outcome: AttemptOutcome,
    ) -> Result<(), RepoError> {
        retrying_once(|| self.try_finish(attempt, email_normalized, outcome)).await
    }
}

/// Takes the per-email lock, then (when given) the per-IP lock: one order everywhere, so
/// no deadlock between attempts.
async fn lock(
    tx: &deadpool_postgres::Transaction<'_>,
    email_normalized: &str,
    ip: Option<IpAddr>,
) -> Result<(), RepoError> {
    const LOCK: &str = "SELECT pg_advisory_xact_lock($1, hashtext($2))";
    let lock = tx.prepare_cached(LOCK).await.map_err(db_err)?;
    tx.execute(&lock, &[&EMAIL_LOCK_CLASS, &email_normalized])
        .await
        .map_err(db_err)?;
    if let Some(ip) = ip {
        tx.execute(&lock, &[&IP_LOCK_CLASS, &ip.to_string()])
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

impl PgThrottleRepository {
    /// One try of [`ThrottleRepository::begin_attempt`], in one transaction.
    async fn try_begin(
        &self,
        email_normalized: &str,
        ip: Option<IpAddr>,
        at: OffsetDateTime,
        window: AttemptWindow,
        admit: &(impl Fn(&FailureWindow) -> bool + Send + Sync),
    ) -> Result<(Option<AttemptId>, FailureWindow), RepoError> {
        // A row is a failure once settled, or when left pending past $4 (its replica died).
        const COUNT: &str =
            "SELECT e.failed, e.oldest, e.pending, i.failed, i.oldest, i.pending FROM
              (SELECT count(*) FILTER (WHERE NOT pending OR failed_at < $4) AS failed,
                      min(failed_at) FILTER (WHERE NOT pending OR failed_at < $4) AS oldest,
                      count(*) FILTER (WHERE pending AND failed_at >= $4) AS pending
               FROM login_failures
               WHERE email_normalized = $1 AND counts_for_email AND failed_at >= $3) e,
              (SELECT count(*) FILTER (WHERE NOT pending OR failed_at < $4) AS failed,
                      min(failed_at) FILTER (WHERE NOT pending OR failed_at < $4) AS oldest,
                      count(*) FILTER (WHERE pending AND failed_at >= $4) AS pending
               FROM login_failures WHERE client_ip = $2 AND failed_at >= $3) i";
        const INSERT: &str =
            "INSERT INTO login_failures (email_normalized, client_ip, failed_at, pending)
                              VALUES ($1, $2, $3, true) RETURNING id";
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        lock(&tx, email_normalized, ip).await?;
        let count = tx.prepare_cached(COUNT).await.map_err(db_err)?;
        let row = tx
            .query_one(
                &count,
                &[
                    &email_normalized,
                    &ip,
                    &window.since,
                    &window.pending_expired_before,
                ],
            )
            .await
            .map_err(db_err)?;
        let n = |i: usize| -> Result<u32, RepoError> {
            let v: i64 = row.try_get(i).map_err(|e| corrupt("login_failures", e))?;
            Ok(u32::try_from(v).unwrap_or(u32::MAX))
        };
        let when = |i: usize| {
            row.try_get::<_, Option<OffsetDateTime>>(i)
                .map_err(|e| corrupt("login_failures", e))
        };
        let seen = FailureWindow {
            for_email: n(0)?,
            oldest_for_email: when(1)?,
            pending_for_email: n(2)?,
            for_ip: n(3)?,
            oldest_for_ip: when(4)?,
            pending_for_ip: n(5)?,
        };
        if !admit(&seen) {
            return Ok((None, seen));
        }
        let insert = tx.prepare_cached(INSERT).await.map_err(db_err)?;
        let id: i64 = tx
            .query_one(&insert, &[&email_normalized, &ip, &at])
            .await
            .map_err(db_err)?
            .try_get(0)
            .map_err(|e| corrupt("login_failures", e))?;
        tx.commit().await.map_err(db_err)?;
        Ok((Some(AttemptId(id)), seen))
    }

    /// One try of [`ThrottleRepository::finish_attempt`], in one transaction, under the
    /// email's lock so that it cannot interleave with another attempt's rows.
    async fn try_finish(
        &self,
        attempt: AttemptId,
        email_normalized: &str,
        outcome: AttemptOutcome,
    ) -> Result<(), RepoError> {
        const FAIL: &str = "UPDATE login_failures SET pending = false WHERE id = $1";
        const DROP: &str = "DELETE FROM login_failures WHERE id = $1";
        // Settled failures only: attempts still pending are someone else's, undecided.
        const FORGIVE: &str = "UPDATE login_failures SET counts_for_email = false
                               WHERE email_normalized = $1 AND counts_for_email AND NOT pending";
        let mut client = self.db.client().await?;
        let tx = client.transaction().await.map_err(db_err)?;
        lock(&tx, email_normalized, None).await?;
        let settle = match outcome {
            AttemptOutcome::Failed => FAIL,
            AttemptOutcome::Abandoned | AttemptOutcome::Succeeded => DROP,
        };
        let settle = tx.prepare_cached(settle).await.map_err(db_err)?;
        tx.execute(&settle, &[&attempt.0]).await.map_err(db_err)?;
        if outcome == AttemptOutcome::Succeeded {
            let forgive = tx.prepare_cached(FORGIVE).await.map_err(db_err)?;
            tx.execute(&forgive, &[&email_normalized])
                .await
                .map_err(db_err)?;
        }
        tx.commit().await.map_err(db_err)
    }
}
