//! A password hasher that only pretends, fast enough for every test.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tessera_domain::{Password, PasswordHash, SecretString};

use crate::ports::{HashError, PasswordHasher};

/// Stores `fake:<password>`; good enough to test the use cases, never used outside tests.
/// Counts its hashes, can be made busy, and yields once per call so that concurrent use
/// cases interleave.
#[derive(Debug, Clone, Default)]
pub struct FakeHasher {
    hashes: Arc<AtomicU64>,
    busy: Arc<AtomicBool>,
}

impl FakeHasher {
    /// How many passwords it has hashed.
    pub fn hashes(&self) -> u64 {
        self.hashes.load(Ordering::SeqCst)
    }
    /// From now on, refuses every call with [`HashError::Busy`] (or stops refusing).
    pub fn set_busy(&self, busy: bool) {
        self.busy.store(busy, Ordering::SeqCst);
    }
    async fn turn(&self) -> Result<(), HashError> {
        tokio::task::yield_now().await;
        match self.busy.load(Ordering::SeqCst) {
            true => Err(HashError::Busy),
            false => Ok(()),
        }
    }
}

impl PasswordHasher for FakeHasher {
    async fn hash(&self, password: &Password) -> Result<PasswordHash, HashError> {
        self.turn().await?;
        self.hashes.fetch_add(1, Ordering::SeqCst);
        Ok(PasswordHash::new(format!("fake:{}", password.expose())))
    }
    async fn verify(
        &self,
        candidate: &SecretString,
        stored: Option<&PasswordHash>,
    ) -> Result<bool, HashError> {
        self.turn().await?;
        Ok(stored.is_some_and(|h| h.as_str() == format!("fake:{}", candidate.expose())))
    }
}
