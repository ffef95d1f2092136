//! Fixed-window rate limits counted in shared storage, so every replica enforces the same
//! limit (SPEC §5 `registration.rate_limit`).

use time::{Duration, OffsetDateTime};

/// At most `count` events per window of `window` length, windows aligned to the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    count: u32,
    window: Duration,
}

impl RateLimit {
    /// `count` events per `window` (a window shorter than a second counts as a second).
    pub fn new(count: u32, window: Duration) -> Self {
        Self {
            count,
            window: window.max(Duration::SECOND),
        }
    }

    /// The start of the window `now` falls in, the key its counter is kept under.
    pub fn window_start(&self, now: OffsetDateTime) -> OffsetDateTime {
        let seconds = self.window.whole_seconds();
        let start = now.unix_timestamp().div_euclid(seconds) * seconds;
        OffsetDateTime::from_unix_timestamp(start).unwrap_or(now)
    }

    /// `None` when the `hits`-th event of the window is admitted, else how long until the
    /// next window opens (for `Retry-After`).
    pub fn retry_after(&self, hits: u32, now: OffsetDateTime) -> Option<Duration> {
        match hits <= self.count {
            true => None,
            false => Some(self.window_start(now) + self.window - now),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_aligned_and_the_limit_admits_exactly_count_events() {
        let limit = RateLimit::new(3, Duration::minutes(1));
        let now = OffsetDateTime::from_unix_timestamp(125).unwrap();
        assert_eq!(limit.window_start(now).unix_timestamp(), 120);
        assert_eq!(limit.retry_after(3, now), None);
        assert_eq!(limit.retry_after(4, now), Some(Duration::seconds(55)));
    }

    #[test]
    fn a_zero_window_is_treated_as_one_second() {
        let limit = RateLimit::new(1, Duration::ZERO);
        let now = OffsetDateTime::from_unix_timestamp(10).unwrap();
        assert_eq!(limit.retry_after(2, now), Some(Duration::SECOND));
    }
}
