//! Verified access-token records kept in memory, so a bearer check needs no database round
//! trip (issue 15). The record still carries the stored hash: the application compares the
//! presented token with it, in constant time, on every call. Entries live a short time
//! (never past the token's expiry), the map is bounded, and revocations reach it through
//! PostgreSQL notifications (migrations/V10__revocation_notifications.sql, read by
//! `revocation_listener.rs`). While that listener is not listening, the cache is off: every
//! call reads the database (fail closed).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tessera_application::Clock;
use tessera_domain::{AccessTokenRecord, LookupId};

use crate::system::SystemClock;
use tokio::sync::oneshot;

/// How long a verified record is served from memory at most.
const TTL: Duration = Duration::from_secs(30);
/// How many records are kept at most (a few MiB).
const CAPACITY: usize = 16_384;
/// The prefix of the notice a revoking write sends to learn that every replica was told.
pub(crate) const BARRIER: &str = "barrier:";
/// The prefix of a listener's acknowledgement of a barrier.
pub(crate) const ACK: &str = "ack:";

/// A record and until when it may be served.
#[derive(Debug)]
struct Entry {
    record: AccessTokenRecord,
    until: Instant,
}

/// The in-memory access-token records of one process.
#[derive(Debug)]
pub struct TokenCache {
    entries: Mutex<HashMap<String, Entry>>,
    /// Off until the revocation listener listens, and whenever it stops.
    enabled: AtomicBool,
    /// Bumped by every invalidation, so a read that raced a revocation is not stored.
    generation: AtomicU64,
    hits: AtomicU64,
    misses: AtomicU64,
    /// Times the cache went off after being on (its listener was lost).
    outages: AtomicU64,
    /// Revoking writes of this process waiting for every listener to acknowledge them.
    barriers: Mutex<HashMap<String, Barrier>>,
    /// What else must end when a person is suspended (their MCP sessions).
    on_suspended: SuspensionHooks,
}

/// Called with the id of a person just suspended, on every replica that hears of it.
type SuspensionHook = Box<dyn Fn(uuid::Uuid) + Send + Sync>;

/// The hooks of [`TokenCache::on_suspended`].
#[derive(Default)]
struct SuspensionHooks(Mutex<Vec<SuspensionHook>>);

impl std::fmt::Debug for SuspensionHooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hooks = self.0.lock().map_or(0, |h| h.len());
        f.debug_tuple("SuspensionHooks").field(&hooks).finish()
    }
}

/// A revoking write waiting until every listening replica has acknowledged its barrier.
#[derive(Debug)]
struct Barrier {
    acks: usize,
    expected: Option<usize>,
    done: Option<oneshot::Sender<()>>,
}

impl Barrier {
    fn settle_if_complete(&mut self) {
        if self.expected.is_some_and(|expected| self.acks >= expected)
            && let Some(done) = self.done.take()
        {
            let _ = done.send(());
        }
    }
}

/// What [`TokenCache::stats`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Whether the cache is on (its listener listens).
    pub enabled: bool,
    /// Records held.
    pub entries: usize,
    /// Lookups answered from memory.
    pub hits: u64,
    /// Lookups that read the database while the cache was on.
    pub misses: u64,
    /// Times the cache went off after being on.
    pub outages: u64,
}

/// A read of the database that may be stored if nothing was invalidated meanwhile.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64);

impl Default for TokenCache {
    fn default() -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            enabled: AtomicBool::new(false),
            generation: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            outages: AtomicU64::new(0),
            barriers: Mutex::new(HashMap::new()),
            on_suspended: SuspensionHooks::default(),
        }
    }
}

impl TokenCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        // A panic while holding the lock leaves a map that is still consistent.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The record of `lookup_id` when the cache is on and holds a fresh one.
    pub fn get(&self, lookup_id: &LookupId) -> Option<AccessTokenRecord> {
        if !self.enabled.load(Ordering::Acquire) {
            return None;
        }
        let found = self
            .entries()
            .get(lookup_id.as_str())
            .filter(|e| e.until > Instant::now())
            .map(|e| e.record.clone());
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Taken before reading the database: `None` while the cache is off.
    pub fn ticket(&self) -> Option<Ticket> {
        self.enabled
            .load(Ordering::Acquire)
            .then(|| Ticket(self.generation.load(Ordering::Acquire)))
    }

    /// Stores what the database said, unless anything was invalidated since `ticket`.
    pub fn put(&self, ticket: Ticket, lookup_id: &LookupId, record: &AccessTokenRecord) {
        let left = record.expires_at - SystemClock.now();
        let Ok(left) = Duration::try_from(left) else {
            return;
        };
        let mut entries = self.entries();
        // Checked under the lock that invalidations take, so none can slip in between.
        if !self.enabled.load(Ordering::Acquire)
            || self.generation.load(Ordering::Acquire) != ticket.0
        {
            return;
        }
        if entries.len() >= CAPACITY {
            let now = Instant::now();
            entries.retain(|_, e| e.until > now);
            if entries.len() >= CAPACITY {
                entries.clear();
            }
        }
        let until = Instant::now() + TTL.min(left);
        entries.insert(
            lookup_id.as_str().to_owned(),
            Entry {
                record: record.clone(),
                until,
            },
        );
    }

    /// Runs `hook` with the id of every person suspended from now on, on this replica as
    /// on every other (their `suspended:<id>` notice, V15), after their cached tokens went.
    pub fn on_suspended(&self, hook: impl Fn(uuid::Uuid) + Send + Sync + 'static) {
        let mut hooks = self
            .on_suspended
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        hooks.push(Box::new(hook));
    }

    /// Applies one revocation notice: `token:<lookup id>`, `grant:<id>`, `app:<id>`,
    /// `user:<id>` or `suspended:<id>` (which also runs the suspension hooks); `ack:<id>`
    /// counts a replica's acknowledgement of a barrier; anything else clears the whole cache.
    pub fn invalidate(&self, notice: &str) {
        if let Some(id) = notice.strip_prefix("suspended:") {
            self.invalidate(&format!("user:{id}"));
            if let Ok(user) = uuid::Uuid::parse_str(id) {
                let hooks = self
                    .on_suspended
                    .0
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                hooks.iter().for_each(|hook| hook(user));
            }
            return;
        }
        if let Some(id) = notice.strip_prefix(ACK) {
            if let Some(barrier) = self.barriers().get_mut(id) {
                barrier.acks += 1;
                barrier.settle_if_complete();
            }
            return;
        }
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::AcqRel);
        match notice.split_once(':') {
            Some(("token", lookup_id)) => {
                entries.remove(lookup_id);
            }
            Some(("grant", id)) => entries.retain(|_, e| e.record.grant_id.to_string() != id),
            Some(("app", id)) => entries.retain(|_, e| e.record.client_id.to_string() != id),
            Some(("user", id)) => entries.retain(|_, e| e.record.user.id.to_string() != id),
            _ => entries.clear(),
        }
    }

    /// Registers a barrier: the receiver completes once as many listeners as [`expect`]
    /// says have acknowledged `barrier:<id>` (each does after applying every notice committed
    /// before it: PostgreSQL delivers notifications in commit order).
    ///
    /// [`expect`]: TokenCache::expect_acks
    pub fn barrier(&self, id: &str) -> oneshot::Receiver<()> {
        let (done, receiver) = oneshot::channel();
        let barrier = Barrier {
            acks: 0,
            expected: None,
            done: Some(done),
        };
        self.barriers().insert(id.to_owned(), barrier);
        receiver
    }

    /// How many acknowledgements barrier `id` waits for: the replicas listening when its
    /// notice was sent.
    pub fn expect_acks(&self, id: &str, listeners: usize) {
        if let Some(barrier) = self.barriers().get_mut(id) {
            barrier.expected = Some(listeners);
            barrier.settle_if_complete();
        }
    }

    /// Forgets a barrier, answered or not.
    pub fn drop_barrier(&self, id: &str) {
        self.barriers().remove(id);
    }

    fn barriers(&self) -> std::sync::MutexGuard<'_, HashMap<String, Barrier>> {
        self.barriers
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Turns the cache on (the listener listens) or off (it does not: serve nothing).
    /// Either way everything held so far is dropped, since notices may have been missed.
    pub fn set_enabled(&self, enabled: bool) {
        let mut entries = self.entries();
        self.generation.fetch_add(1, Ordering::AcqRel);
        entries.clear();
        if self.enabled.swap(enabled, Ordering::AcqRel) && !enabled {
            self.outages.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Whether the cache is on.
    pub fn enabled(&self) -> bool {
        self.enabled.load(Ordering::Acquire)
    }

    /// What the cache did since start, for metrics.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            enabled: self.enabled(),
            entries: self.entries().len(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            outages: self.outages.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests;
