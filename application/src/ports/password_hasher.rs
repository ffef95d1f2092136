use std::future::Future;

use tessera_domain::{Password, PasswordHash, SecretString};

/// Hashing of human passwords (argon2id). Implementations MUST run the slow hash off the
/// async executor and MUST take similar time whether or not a stored hash exists.
pub trait PasswordHasher: Send + Sync + 'static {
    /// Hashes a new password into a PHC string with a fresh salt.
    fn hash(
        &self,
        password: &Password,
    ) -> impl Future<Output = anyhow::Result<PasswordHash>> + Send;
    /// Checks `candidate` against `stored`; with `None` it MUST still spend the time of a
    /// real check and return `false`, so unknown emails cannot be told apart by timing.
    fn verify(
        &self,
        candidate: &SecretString,
        stored: Option<&PasswordHash>,
    ) -> impl Future<Output = anyhow::Result<bool>> + Send;
}
