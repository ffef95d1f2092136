use time::OffsetDateTime;

/// The current time, a port so that expiry is tested with a fixed clock instead of sleeps.
pub trait Clock: Send + Sync + 'static {
    /// Returns the current UTC time. MUST never go backwards by more than clock skew.
    fn now(&self) -> OffsetDateTime;
}
