use std::future::Future;
use std::net::IpAddr;

use time::OffsetDateTime;

use super::RepoError;

/// Failed logins seen in a window: how many, and when the oldest happened.
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

/// Failed-login counters kept in shared storage so every replica sees the same counts.
pub trait ThrottleRepository: Send + Sync + 'static {
    /// Counts failures for `email_normalized` and for `ip` at or after `since`, in one round trip.
    fn failures_since(
        &self,
        email_normalized: &str,
        ip: Option<IpAddr>,
        since: OffsetDateTime,
    ) -> impl Future<Output = Result<FailureWindow, RepoError>> + Send;
    /// Records one failure.
    fn record_failure(
        &self,
        email_normalized: &str,
        ip: Option<IpAddr>,
        at: OffsetDateTime,
    ) -> impl Future<Output = Result<(), RepoError>> + Send;
    /// Forgets the failures of one email (after a successful login).
    fn clear_email(
        &self,
        email_normalized: &str,
    ) -> impl Future<Output = Result<(), RepoError>> + Send;
}
