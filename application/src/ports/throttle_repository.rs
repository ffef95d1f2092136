use std::future::Future;
use std::net::IpAddr;

use time::OffsetDateTime;

use super::RepoError;

/// Login attempts seen in a window before the current one: failures (with the oldest) and
/// attempts still pending, whose password check has not finished yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FailureWindow {
    /// Failures for the email since the window start.
    pub for_email: u32,
    /// The oldest of those, if any.
    pub oldest_for_email: Option<OffsetDateTime>,
    /// Failures from the client IP since the window start.
    pub for_ip: u32,
    /// The oldest of those, if any.
    pub oldest_for_ip: Option<OffsetDateTime>,
    /// Attempts for the email still being checked.
    pub pending_for_email: u32,
    /// Attempts from the client IP still being checked.
    pub pending_for_ip: u32,
}

/// A login attempt recorded as pending, to be settled once the password has been checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptId(pub i64);

/// Which recorded attempts a new one is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttemptWindow {
    /// Attempts begun before this no longer count.
    pub since: OffsetDateTime,
    /// Attempts begun before this and still pending count as failures: whoever began them
    /// (a replica that died mid-check) will not settle them.
    pub pending_expired_before: OffsetDateTime,
}

/// How a login attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// No password was checked (the hasher was busy, or a fault): the attempt does not count.
    Abandoned,
    /// Wrong email or password: the attempt counts as a failure.
    Failed,
    /// Signed in: the attempt does not count, and the email's failures stop counting.
    Succeeded,
}

/// Login attempts kept in shared storage so every replica sees the same counts.
pub trait ThrottleRepository: Send + Sync + 'static {
    /// Counts failures and pending attempts for `email_normalized` and for `ip` in
    /// `window`, asks `admit` whether this attempt may check a password, and only then
    /// records it as pending, atomically: concurrent attempts for the same email or IP MUST
    /// be serialized, so that each sees every earlier one and a burst cannot get more
    /// guesses than the limit. Returns the attempt (`None` when not admitted) and the counts.
    fn begin_attempt(
        &self,
        email_normalized: &str,
        ip: Option<IpAddr>,
        at: OffsetDateTime,
        window: AttemptWindow,
        admit: impl Fn(&FailureWindow) -> bool + Send + Sync,
    ) -> impl Future<Output = Result<(Option<AttemptId>, FailureWindow), RepoError>> + Send;
    /// Settles an attempt begun with [`ThrottleRepository::begin_attempt`]. MUST be
    /// serialized with `begin_attempt` for the same email, and with other settlements.
    fn finish_attempt(
        &self,
        attempt: AttemptId,
        email_normalized: &str,
        outcome: AttemptOutcome,
    ) -> impl Future<Output = Result<(), RepoError>> + Send;
}
