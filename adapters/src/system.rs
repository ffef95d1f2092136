//! Adapters to the operating system: the clock, the CSPRNG, the password hasher.

mod argon2_hasher;
mod clocks;
mod hashing_pool;

pub use argon2_hasher::Argon2PasswordHasher;
pub use clocks::{ServerClock, TestClock};
pub use hashing_pool::HashingHealth;
#[cfg(test)]
pub(crate) use hashing_pool::HashingPool;

use tessera_application::{Clock, Rng};
use time::OffsetDateTime;

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

/// The wall-clock time at full precision, for what only people read (a log line's time);
/// everything else reads a [`Clock`].
pub fn wall_clock() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

impl Clock for SystemClock {
    /// Whole microseconds, PostgreSQL's precision, so stored times read back unchanged.
    fn now(&self) -> OffsetDateTime {
        let now = wall_clock();
        now.replace_nanosecond(now.nanosecond() / 1000 * 1000)
            .unwrap_or(now)
    }

    async fn sleep(&self, duration: time::Duration) {
        tokio::time::sleep(duration.unsigned_abs()).await;
    }
}

/// The OS CSPRNG, through ring (SPEC §7).
#[derive(Debug, Clone)]
pub struct OsRng(ring::rand::SystemRandom);

impl Default for OsRng {
    fn default() -> Self {
        Self(ring::rand::SystemRandom::new())
    }
}

impl Rng for OsRng {
    fn fill(&self, buf: &mut [u8]) {
        // SystemRandom only fails when the OS random source itself is broken; carrying on
        // with predictable credentials would be worse than stopping.
        #[allow(clippy::expect_used)]
        ring::rand::SecureRandom::fill(&self.0, buf).expect("the OS random source failed");
    }
}
