use time::{Duration, OffsetDateTime};

use crate::ports::{AttemptWindow, FailureWindow};

/// The failed-login policy of SPEC §2: at most 5 failures per email or 50 per IP in 15 minutes.
#[derive(Debug, Clone, Copy)]
pub struct LoginThrottle {
    /// Failures per email that close the door.
    pub max_per_email: u32,
    /// Failures per client IP that close the door.
    pub max_per_ip: u32,
    /// How long a failure counts.
    pub window: Duration,
    /// How long an attempt may stay pending before it counts as a failure (its replica
    /// died mid-check); also how long an attempt waits for pending ones to settle.
    pub pending_timeout: Duration,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        Self {
            max_per_email: 5,
            max_per_ip: 50,
            window: Duration::minutes(15),
            pending_timeout: Duration::seconds(10),
        }
    }
}

/// What to do with a new login attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check its password.
    Admit,
    /// Refuse it without a check (429), for the given time.
    Refuse(Duration),
    /// Undecided: enough attempts are still pending that, should they fail, this one would
    /// be over the limit. Check again once they have settled.
    Wait,
}

impl LoginThrottle {
    /// The attempts a new one at `now` is counted against.
    pub fn window_at(&self, now: OffsetDateTime) -> AttemptWindow {
        AttemptWindow {
            since: now - self.window,
            pending_expired_before: now - self.pending_timeout,
        }
    }

    /// Refused after the limit of actual failures (SPEC §2: 429 only after five failures),
    /// admitted while failures and pending attempts together stay under it, else undecided:
    /// so a burst of wrong guesses gets no more than the limit, and a burst of right ones
    /// is never refused.
    pub fn decide(&self, seen: &FailureWindow, now: OffsetDateTime) -> Verdict {
        if let Some(wait) = self.retry_after(seen, now) {
            return Verdict::Refuse(wait);
        }
        let under = seen.for_email.saturating_add(seen.pending_for_email) < self.max_per_email
            && seen.for_ip.saturating_add(seen.pending_for_ip) < self.max_per_ip;
        match under {
            true => Verdict::Admit,
            false => Verdict::Wait,
        }
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
            ..FailureWindow::default()
        }
    }

    fn pending(for_email: u32, pending_for_email: u32, now: OffsetDateTime) -> FailureWindow {
        FailureWindow {
            pending_for_email,
            ..window(for_email, for_email, now)
        }
    }

    #[test]
    fn pending_attempts_never_refuse_but_make_an_attempt_over_the_limit_wait() {
        let now = datetime!(2026-01-01 12:00 UTC);
        let throttle = LoginThrottle::default();
        assert_eq!(throttle.decide(&pending(0, 4, now), now), Verdict::Admit);
        assert_eq!(throttle.decide(&pending(0, 5, now), now), Verdict::Wait);
        assert_eq!(throttle.decide(&pending(4, 1, now), now), Verdict::Wait);
        assert_eq!(throttle.decide(&pending(0, 40, now), now), Verdict::Wait);
    }

    #[test]
    fn five_actual_failures_refuse_whatever_is_pending() {
        let now = datetime!(2026-01-01 12:00 UTC);
        let verdict = LoginThrottle::default().decide(&pending(5, 0, now), now);
        assert_eq!(verdict, Verdict::Refuse(Duration::minutes(15)));
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
