//! Fakes of the login ports: attempt counters and the password hasher.

use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tessera_domain::{Password, PasswordHash, SecretString};
use time::OffsetDateTime;

use crate::ports::{
    AttemptId, AttemptOutcome, AttemptWindow, FailureWindow, HashError, PasswordHasher, RepoError,
    ThrottleRepository,
};

/// One recorded login attempt.
#[derive(Debug, Clone)]
struct AttemptRow {
    id: i64,
    email: String,
    ip: Option<IpAddr>,
    at: OffsetDateTime,
    counts_for_email: bool,
    pending: bool,
}

#[derive(Debug, Clone, Default)]
pub struct FakeThrottle(Arc<Mutex<Vec<AttemptRow>>>);

impl ThrottleRepository for FakeThrottle {
    async fn begin_attempt(
        &self,
        email: &str,
        ip: Option<IpAddr>,
        at: OffsetDateTime,
        window: AttemptWindow,
        admit: impl Fn(&FailureWindow) -> bool + Send + Sync,
    ) -> Result<(Option<AttemptId>, FailureWindow), RepoError> {
        let mut rows = self.0.lock().unwrap();
        let recent = || rows.iter().filter(|r| r.at >= window.since);
        let failed = |r: &AttemptRow| !r.pending || r.at < window.pending_expired_before;
        let by_email: Vec<_> = recent()
            .filter(|r| r.email == email && r.counts_for_email)
            .collect();
        let by_ip: Vec<_> = recent().filter(|r| ip.is_some() && r.ip == ip).collect();
        let seen = FailureWindow {
            for_email: by_email.iter().filter(|r| failed(r)).count() as u32,
            oldest_for_email: by_email.iter().filter(|r| failed(r)).map(|r| r.at).min(),
            for_ip: by_ip.iter().filter(|r| failed(r)).count() as u32,
            oldest_for_ip: by_ip.iter().filter(|r| failed(r)).map(|r| r.at).min(),
            pending_for_email: by_email.iter().filter(|r| !failed(r)).count() as u32,
            pending_for_ip: by_ip.iter().filter(|r| !failed(r)).count() as u32,
        };
        if !admit(&seen) {
            return Ok((None, seen));
        }
        let id = rows.iter().map(|r| r.id).max().unwrap_or(0) + 1;
        rows.push(AttemptRow {
            id,
            email: email.to_owned(),
            ip,
            at,
            counts_for_email: true,
            pending: true,
        });
        Ok((Some(AttemptId(id)), seen))
    }
    async fn finish_attempt(
        &self,
        attempt: AttemptId,
        email: &str,
        outcome: AttemptOutcome,
    ) -> Result<(), RepoError> {
        let mut rows = self.0.lock().unwrap();
        match outcome {
            AttemptOutcome::Failed => rows
                .iter_mut()
                .filter(|r| r.id == attempt.0)
                .for_each(|r| r.pending = false),
            AttemptOutcome::Abandoned => rows.retain(|r| r.id != attempt.0),
            AttemptOutcome::Succeeded => {
                rows.retain(|r| r.id != attempt.0);
                rows.iter_mut()
                    .filter(|r| r.email == email && !r.pending)
                    .for_each(|r| r.counts_for_email = false);
            }
        }
        Ok(())
    }
}

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
