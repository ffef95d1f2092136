use std::future::Future;
use std::net::IpAddr;

use time::OffsetDateTime;

use super::RepoError;

/// Failed logins seen in a window before the current attempt: how many, and the oldest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureWindow {
    /// Failures for the email since the window start.
    pub for_email: u32,
    /// The oldest of those, if any.
    pub oldest_for_email: Option<OffsetDateTime>,
    /// Failures from the client IP since the window start.
    pub for_ip: u32,
    /// The oldest of those, if any.
    pub oldest_for_ip: Option<OffsetDateTime>,
}

/// A login attempt recorded provisionally as a failure, to be settled once the password
/// has been checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptId(pub i64);

/// How a login attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Refused by the throttle before any password check: the attempt does not count.
    Throttled,
    /// Wrong email or password: the attempt counts as a failure.
    Failed,
    /// Signed in: the attempt does not count, and the email's failures stop counting.
    Succeeded,
}

/// Failed-login counters kept in shared storage so every replica sees the same counts.
pub trait ThrottleRepository: Send + Sync + 'static {
    /// Counts failures for `email_normalized` and for `ip` at or after `since`, then records
    /// this attempt as a failure, atomically: concurrent attempts for the same email or IP
    /// MUST be serialized, so that each sees every earlier one and a burst cannot get more
    /// guesses than the limit.
    fn begin_attempt(
        &self,
        email_normalized: &str,
        ip: Option<IpAddr>,
        at: OffsetDateTime,
        since: OffsetDateTime,
    ) -> impl Future<Output = Result<(AttemptId, FailureWindow), RepoError>> + Send;
    /// Settles an attempt begun with [`ThrottleRepository::begin_attempt`].
    fn finish_attempt(
        &self,
        attempt: AttemptId,
        email_normalized: &str,
        outcome: AttemptOutcome,
    ) -> impl Future<Output = Result<(), RepoError>> + Send;
}
