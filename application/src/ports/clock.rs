use std::future::Future;

use time::{Duration, OffsetDateTime};

/// The current time, a port so that expiry is tested with a fixed clock instead of sleeps.
pub trait Clock: Send + Sync + 'static {
    /// Returns the current UTC time. MUST never go backwards by more than clock skew.
    fn now(&self) -> OffsetDateTime;
    /// Waits for `duration` without blocking the executor; a test clock moves its time on
    /// instead, so that waiting is tested without sleeps.
    fn sleep(&self, duration: Duration) -> impl Future<Output = ()> + Send;
}
