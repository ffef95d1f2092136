//! A transaction whose `BEGIN` travels with its first reads and whose `COMMIT` travels with
//! its write: tokio-postgres sends a request when its future is first polled and matches the
//! answers in order, so requests in flight together share one round trip. A redemption
//! (read and lock, decide in Rust, write) costs two round trips instead of four or five.

use std::sync::atomic::{AtomicBool, Ordering};

use deadpool_postgres::{Client, Object};
use futures_util::future::{join, join3};
use tokio_postgres::types::ToSql;
use tokio_postgres::{Error, Row, Statement};

/// A prepared statement and its parameters, sent without waiting for the one before.
#[derive(Clone, Copy)]
pub(crate) struct Query<'a> {
    pub(crate) statement: &'a Statement,
    pub(crate) params: &'a [&'a (dyn ToSql + Sync)],
}

/// A pooled connection with a transaction that may be open. Dropped while open (an early
/// return, an error, a cancelled request), it is rolled back before the connection goes
/// back to the pool; a connection that cannot be rolled back is closed, never reused.
pub(crate) struct Pipelined {
    client: Option<Client>,
    open: AtomicBool,
}

impl Pipelined {
    /// Wraps a pooled connection; nothing is sent yet.
    pub(crate) fn new(client: Client) -> Self {
        Self {
            client: Some(client),
            open: AtomicBool::new(false),
        }
    }

    /// The connection: to prepare statements first (a statement must be prepared before it
    /// is pipelined: a `Parse` in flight would let `COMMIT` overtake it) and to run more
    /// statements inside the open transaction.
    pub(crate) fn client(&self) -> &Client {
        self.client
            .as_ref()
            .unwrap_or_else(|| unreachable!("the connection is taken only on drop"))
    }

    /// Sends `BEGIN` and `first` together and returns `first`'s row, if any. `join` polls
    /// `BEGIN` first, so it is sent first.
    pub(crate) async fn begin_with(&self, first: Query<'_>) -> Result<Option<Row>, Error> {
        self.open.store(true, Ordering::Release);
        let client = self.client();
        let (begun, row) = join(
            client.batch_execute("BEGIN"),
            client.query_opt(first.statement, first.params),
        )
        .await;
        begun?;
        row
    }

    /// Sends `BEGIN`, `first` and `second` together, in that order, and returns their rows.
    /// `second` runs after `first` has finished (taken its locks) with a snapshot of its own.
    pub(crate) async fn begin_with_two(
        &self,
        first: Query<'_>,
        second: Query<'_>,
    ) -> Result<(Option<Row>, Option<Row>), Error> {
        self.open.store(true, Ordering::Release);
        let client = self.client();
        let (begun, first, second) = join3(
            client.batch_execute("BEGIN"),
            client.query_opt(first.statement, first.params),
            client.query_opt(second.statement, second.params),
        )
        .await;
        begun?;
        Ok((first?, second?))
    }

    /// Sends `last` and `COMMIT` together. If `last` fails, the transaction is aborted and
    /// PostgreSQL answers that `COMMIT` with a rollback: nothing of it is kept.
    pub(crate) async fn commit_with(&self, last: Query<'_>) -> Result<u64, Error> {
        let client = self.client();
        let (written, committed) = join(
            client.execute(last.statement, last.params),
            client.batch_execute("COMMIT"),
        )
        .await;
        // Either way the transaction has ended (or the connection is gone, and the pool
        // discards a closed connection).
        self.open.store(false, Ordering::Release);
        let written = written?;
        committed?;
        Ok(written)
    }

    /// Commits what the open transaction did.
    pub(crate) async fn commit(&self) -> Result<(), Error> {
        let committed = self.client().batch_execute("COMMIT").await;
        self.open.store(false, Ordering::Release);
        committed
    }
}

impl Drop for Pipelined {
    fn drop(&mut self) {
        let Some(client) = self.client.take() else {
            return;
        };
        if !self.open.load(Ordering::Acquire) {
            return; // back to the pool as it is
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => drop(runtime.spawn(roll_back(client))),
            Err(_) => drop(Object::take(client)),
        }
    }
}

/// Rolls back and then returns the connection to the pool; if the rollback fails or this
/// task is dropped first, the connection is closed instead.
async fn roll_back(client: Client) {
    let mut guard = CloseUnlessReleased(Some(client));
    if let Some(client) = guard.0.as_deref()
        && client.batch_execute("ROLLBACK").await.is_ok()
    {
        guard.release();
    }
}

/// Closes its connection on drop unless released.
struct CloseUnlessReleased(Option<Client>);

impl CloseUnlessReleased {
    /// Lets the connection go back to the pool.
    fn release(&mut self) {
        drop(self.0.take());
    }
}

impl Drop for CloseUnlessReleased {
    fn drop(&mut self) {
        if let Some(client) = self.0.take() {
            drop(Object::take(client));
        }
    }
}

#[cfg(test)]
mod tests;
