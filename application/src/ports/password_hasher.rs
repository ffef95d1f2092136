use std::future::Future;

use tessera_domain::{Password, PasswordHash, SecretString};

/// Why a password could not be hashed or checked.
#[derive(Debug, thiserror::Error)]
pub enum HashError {
    /// Every hashing worker is busy and the queue is full: nothing was computed. The caller
    /// answers "try again shortly" (503 with `Retry-After`) instead of waiting or growing.
    #[error("password hashing is busy")]
    Busy,
    /// Anything else: a bug, a stored hash that does not parse, a dead worker.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

/// Hashing of human passwords (argon2id), the slowest and most memory-hungry work of the
/// server, reachable without signing in. Every implementation MUST:
///
/// - run the hash off the async executor (never block a task's thread for its duration);
/// - bound its resources in code: a fixed number of hashes at once, a fixed memory per
///   hash, and a bounded queue; work beyond the queue is refused at once with
///   [`HashError::Busy`], never queued without bound, never given more memory;
/// - never wait while holding part of its capacity (one acquisition per hash, so that
///   concurrent callers cannot deadlock one another);
/// - take similar time whether or not a stored hash exists.
pub trait PasswordHasher: Send + Sync + 'static {
    /// Hashes a new password into a PHC string with a fresh salt.
    fn hash(
        &self,
        password: &Password,
    ) -> impl Future<Output = Result<PasswordHash, HashError>> + Send;
    /// Checks `candidate` against `stored`; with `None` it MUST still spend the time of a
    /// real check and return `false`, so unknown emails cannot be told apart by timing.
    fn verify(
        &self,
        candidate: &SecretString,
        stored: Option<&PasswordHash>,
    ) -> impl Future<Output = Result<bool, HashError>> + Send;
    /// Whether `stored` was made with other parameters than today's, so that a login that
    /// proved the password should store it anew. Implementations whose parameters never
    /// change keep the default.
    fn needs_rehash(&self, _stored: &PasswordHash) -> bool {
        false
    }
}
