//! The clock a server reads: the system's, or a [`TestClock`] that an end-to-end test hands
//! to the application in code (`Application::build_with_clock`), never through configuration.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tessera_application::Clock;
use time::{Duration, OffsetDateTime};

use super::SystemClock;

/// The server's clock: [`SystemClock`] unless a test gave it a [`TestClock`].
#[derive(Debug, Clone, Default)]
pub struct ServerClock(Option<TestClock>);

impl ServerClock {
    /// The real clock, as every deployment has it.
    pub fn system() -> Self {
        Self(None)
    }

    /// A clock the test moves (it shares `clock`, so advancing it moves this one).
    pub fn test(clock: &TestClock) -> Self {
        Self(Some(clock.clone()))
    }

    /// The monotonic reading that in-memory idle timeouts (MCP sessions) are measured on:
    /// [`Instant::now`], moved on as far as a test clock was advanced.
    pub fn instant(&self) -> Instant {
        match &self.0 {
            None => Instant::now(),
            Some(test) => test.instant(),
        }
    }
}

impl Clock for ServerClock {
    fn now(&self) -> OffsetDateTime {
        match &self.0 {
            None => SystemClock.now(),
            Some(test) => test.now(),
        }
    }

    /// A real wait in both cases: what waits (a login polling for earlier attempts) waits for
    /// other requests, not for the time of day.
    async fn sleep(&self, duration: Duration) {
        tokio::time::sleep(duration.unsigned_abs()).await;
    }
}

/// A clock that end-to-end tests move instead of sleeping: it runs with the system clock,
/// ahead of it by whatever [`TestClock::advance`] added, until [`TestClock::freeze_at`]
/// stops it at a chosen instant (from then on only `advance` moves it). Clones share one time.
#[derive(Debug, Clone, Default)]
pub struct TestClock(Arc<Mutex<TestTime>>);

#[derive(Debug)]
enum TestTime {
    Running {
        ahead: Duration,
    },
    Frozen {
        at: OffsetDateTime,
        instant: Instant,
    },
}

impl Default for TestTime {
    fn default() -> Self {
        Self::Running {
            ahead: Duration::ZERO,
        }
    }
}

impl TestClock {
    /// Moves the time on by `by` (what would have passed while sleeping that long).
    pub fn advance(&self, by: Duration) {
        match &mut *self.time() {
            TestTime::Running { ahead } => *ahead += by,
            TestTime::Frozen { at, instant } => {
                *at += by;
                *instant = shifted(*instant, by);
            }
        }
    }

    /// Stops the time at `at`, say at the start of a rate-limit window, so that no request
    /// of a test falls into the next one.
    pub fn freeze_at(&self, at: OffsetDateTime) {
        let instant = self.instant();
        *self.time() = TestTime::Frozen { at, instant };
    }

    /// The time the server reads now.
    pub fn now(&self) -> OffsetDateTime {
        match &*self.time() {
            TestTime::Running { ahead } => SystemClock.now() + *ahead,
            TestTime::Frozen { at, .. } => *at,
        }
    }

    /// The monotonic reading of [`ServerClock::instant`].
    fn instant(&self) -> Instant {
        match &*self.time() {
            TestTime::Running { ahead } => shifted(Instant::now(), *ahead),
            TestTime::Frozen { instant, .. } => *instant,
        }
    }

    fn time(&self) -> std::sync::MutexGuard<'_, TestTime> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// `instant` moved by `by` (either way; unchanged where an `Instant` cannot go).
fn shifted(instant: Instant, by: Duration) -> Instant {
    let magnitude = by.unsigned_abs();
    match by.is_negative() {
        false => instant.checked_add(magnitude),
        true => instant.checked_sub(magnitude),
    }
    .unwrap_or(instant)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_running_test_clock_follows_the_system_clock_ahead_by_what_was_added() {
        let clock = TestClock::default();
        let server = ServerClock::test(&clock);
        let before = SystemClock.now();
        clock.advance(Duration::hours(1));
        let read = server.now();
        assert!(read >= before + Duration::hours(1));
        assert!(read < SystemClock.now() + Duration::hours(1) + Duration::seconds(1));
    }

    #[test]
    fn a_frozen_test_clock_moves_only_when_advanced() {
        let clock = TestClock::default();
        let at = time::macros::datetime!(2026-01-01 12:00:59.9 UTC);
        clock.freeze_at(at);
        assert_eq!(clock.now(), at);
        let instant = ServerClock::test(&clock).instant();
        clock.advance(Duration::milliseconds(200));
        assert_eq!(clock.now(), at + Duration::milliseconds(200));
        let moved = ServerClock::test(&clock).instant() - instant;
        assert_eq!(moved, std::time::Duration::from_millis(200));
    }

    #[test]
    fn the_system_server_clock_reads_the_system_time() {
        let read = ServerClock::system().now();
        let gap = (SystemClock.now() - read).abs();
        assert!(gap < Duration::seconds(1), "{gap}");
    }
}
