//! Where a request's time went, for the slow-request log (issue 20): the time it waited for a
//! pooled database connection and for a password-hashing worker, counted per request in a
//! task-local that [`measured`] opens around the request.

use std::cell::Cell;
use std::future::Future;
use std::time::{Duration, Instant};

tokio::task_local! {
    static WAITS: Cell<Waits>;
}

/// The waits of one request.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Waits {
    /// Waiting for a connection from the pool, in all.
    pub pool: Duration,
    /// How many connections it took from the pool.
    pub checkouts: u32,
    /// Queued and running in the password-hashing pool, in all.
    pub hashing: Duration,
}

/// Runs `request`, counting its waits.
pub async fn measured<F: Future>(request: F) -> (F::Output, Waits) {
    WAITS
        .scope(Cell::new(Waits::default()), async {
            let output = request.await;
            (output, WAITS.with(Cell::get))
        })
        .await
}

fn add(change: impl FnOnce(&mut Waits)) {
    let _ = WAITS.try_with(|cell| {
        let mut waits = cell.get();
        change(&mut waits);
        cell.set(waits);
    });
}

/// Counts a pool checkout that began at `since` (outside a request: ignored).
pub(crate) fn pool_checkout(since: Instant) {
    add(|w| {
        w.pool += since.elapsed();
        w.checkouts += 1;
    });
}

/// Counts a password hash that was asked for at `since`.
pub(crate) fn hashed(since: Instant) {
    add(|w| w.hashing += since.elapsed());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_are_counted_for_the_request_they_happen_in_only() {
        let since = Instant::now() - Duration::from_millis(5);
        let ((), waits) = measured(async {
            pool_checkout(since);
            pool_checkout(Instant::now());
            hashed(since);
        })
        .await;
        assert_eq!(waits.checkouts, 2);
        assert!(waits.pool >= Duration::from_millis(5));
        assert!(waits.hashing >= Duration::from_millis(5));
        pool_checkout(since); // outside a request: nothing to count, no panic
    }
}
