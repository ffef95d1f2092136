use time::{Duration, OffsetDateTime};

use crate::ports::FailureWindow;

/// The failed-login policy of SPEC §2: at most 5 failures per email or 50 per IP in 15 minutes.
#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    /// Failures per email that close the door.
    pub max_per_email: u32,
    /// Failures per client IP that close the door.
    pub max_per_ip: u32,
    /// How long a failure counts.
    pub window: Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            max_per_email: 5,
            max_per_ip: 50,
            window: Duration::minutes(15),
        }
    }
}

impl LoginThrottle {
    /// Where the counting window starts.
    pub fn window_start(&self, now: OffsetDateTime) -> OffsetDateTime {
        now - self.window
    }

    /// `Some(wait)` when further attempts must be refused, `wait` being how long until the
    /// oldest counted failure leaves the window (at least one second).
    pub fn retry_after(&self, seen: &FailureWindow, now: OffsetDateTime) -> Option<Duration> {
        let blocked_since = [
            (seen.for_email >= self.max_per_email)
                .then_some(seen.oldest_for_email)
                .flatten(),
            (seen.for_ip >= self.max_per_ip)
                .then_some(seen.oldest_for_ip)
                .flatten(),
        ];
        blocked_since
            .into_iter()
            .flatten()
            .map(|oldest| (oldest + self.window - now).max(Duration::seconds(1)))
            .max()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn window(for_email: u32, for_ip: u32, oldest: OffsetDateTime) -> FailureWindow {
        FailureWindow {
            for_email,
            oldest_for_email: Some(oldest),
            for_ip,
            oldest_for_ip: Some(oldest),
        }
    }

    #[test]
    fn four_failures_for_an_email_do_not_throttle() {
        let now = datetime!(2026-01-01 12:00 UTC);
        assert_eq!(
            LoginThrottle::default().retry_after(&window(4, 4, now), now),
            None
        );
    }

    #[test]
    fn five_failures_for_an_email_throttle_until_the_oldest_leaves_the_window() {
        let now = datetime!(2026-01-01 12:00 UTC);
        let oldest = now - Duration::minutes(5);
        let wait = LoginThrottle::default().retry_after(&window(5, 5, oldest), now);
        assert_eq!(wait, Some(Duration::minutes(10)));
    }

    #[test]
    fn fifty_failures_from_one_ip_throttle_even_with_few_per_email() {
        let now = datetime!(2026-01-01 12:00 UTC);
        let wait = LoginThrottle::default().retry_after(&window(1, 50, now), now);
        assert_eq!(wait, Some(Duration::minutes(15)));
    }

    #[test]
    fn the_wait_is_never_shorter_than_one_second() {
        let now = datetime!(2026-01-01 12:00 UTC);
        let oldest = now - Duration::minutes(15);
        let wait = LoginThrottle::default().retry_after(&window(5, 0, oldest), now);
        assert_eq!(wait, Some(Duration::seconds(1)));
    }
}
