//! A password hasher that only pretends, fast enough for every test.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use tessera_domain::{Password, PasswordHash, SecretString};

use crate::ports::{HashError, PasswordHasher};

/// Stores `fake<generation>:<password>`; good enough to test the use cases, never used
/// outside tests. Counts its hashes, can be made busy, can change its "parameters" (the
/// generation: older hashes still verify and ask to be stored anew), and yields once per
/// call so that concurrent use cases interleave.
#[derive(Debug, Clone, Default)]
pub struct FakeHasher {
    hashes: Arc<AtomicU64>,
    busy: Arc<AtomicBool>,
    generation: Arc<AtomicU64>,
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
    /// From now on, hashes with new "parameters"; what it stored before needs a rehash.
    pub fn change_parameters(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
    }
    fn stored(&self, password: &str) -> String {
        format!("fake{}:{password}", self.generation.load(Ordering::SeqCst))
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
        Ok(PasswordHash::new(self.stored(password.expose())))
    }
    async fn verify(
        &self,
        candidate: &SecretString,
        stored: Option<&PasswordHash>,
    ) -> Result<bool, HashError> {
        self.turn().await?;
        let password = |h: &PasswordHash| h.as_str().split_once(':').map(|(_, p)| p.to_owned());
        Ok(stored.and_then(password).as_deref() == Some(candidate.expose()))
    }
    fn needs_rehash(&self, stored: &PasswordHash) -> bool {
        !stored.as_str().starts_with(&self.stored(""))
    }
}
