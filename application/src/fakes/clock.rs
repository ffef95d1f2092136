//! A clock that stands still until a test moves it.

use std::sync::{Arc, Mutex};

use time::{Duration, OffsetDateTime};

use super::lock;
use crate::ports::Clock;

/// The time as a test sets it: 2026-01-01 12:00 UTC until moved on; `sleep` moves it on
/// instead of waiting. Clones share the time.
#[derive(Debug, Clone)]
pub struct FakeClock(Arc<Mutex<OffsetDateTime>>);

impl FakeClock {
    /// Moves the time on by `by`.
    pub fn advance(&self, by: Duration) {
        *lock(&self.0) += by;
    }
}

impl Default for FakeClock {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(
            time::macros::datetime!(2026-01-01 12:00 UTC),
        )))
    }
}

impl Clock for FakeClock {
    fn now(&self) -> OffsetDateTime {
        *lock(&self.0)
    }
    async fn sleep(&self, duration: Duration) {
        self.advance(duration);
        tokio::task::yield_now().await;
    }
}
