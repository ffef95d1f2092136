//! Verified records kept in memory, so the hottest reads need no database round trip:
//! access tokens on every bearer check (issue 15), sign-in sessions and clients on every
//! authorization request (issue 20). A token or session record still carries the stored
//! hash: the application compares the presented credential with it, in constant time, on
//! every call. Entries live a short time (never past the credential's expiry), each map is
//! bounded, and every write that ends or changes a record reaches the cache through
//! PostgreSQL notifications (migrations V10 and V19, read by `revocation_listener.rs`).
//! While that listener is not listening, the cache is off: every call reads the database
//! (fail closed).

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tessera_application::Clock;
use tessera_domain::{AccessTokenRecord, CredentialHash, LookupId, OAuthClient, User};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::system::SystemClock;
use tokio::sync::oneshot;

/// How long a verified record is served from memory at most.
const TTL: Duration = Duration::from_secs(30);
/// How many access tokens are kept at most (a few MiB).
const TOKENS: usize = 16_384;
/// How many sessions are kept at most (about a MiB).
const SESSIONS: usize = 16_384;
/// How many clients are kept at most (about a MiB).
const CLIENTS: usize = 4_096;
/// The prefix of the notice a revoking write sends to learn that every replica was told.
pub(crate) const BARRIER: &str = "barrier:";
/// The prefix of a listener's acknowledgement of a barrier.
pub(crate) const ACK: &str = "ack:";

mod held;

use held::Held;

/// A live sign-in session as read with its person, for `SessionRepository::find_live`.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// The stored hash of the session's secret.
    pub hash: CredentialHash,
    /// Whose session it is.
    pub user: User,
    /// When the session ends.
    pub expires_at: OffsetDateTime,
}

/// The in-memory records of one process.
#[derive(Debug)]
pub struct RecordCache {
    held: Mutex<Held>,
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

/// The hooks of [`RecordCache::on_suspended`].
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

/// What [`RecordCache::stats`] reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    /// Whether the cache is on (its listener listens).
    pub enabled: bool,
    /// Access-token records held.
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

impl Default for RecordCache {
    fn default() -> Self {
        Self {
            held: Mutex::new(Held::new(TOKENS, SESSIONS, CLIENTS)),
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

impl RecordCache {
    fn held(&self) -> std::sync::MutexGuard<'_, Held> {
        // A panic while holding the lock leaves maps that are still consistent.
        self.held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The record of `lookup_id` when the cache is on and holds a fresh one.
    pub fn get(&self, lookup_id: &LookupId) -> Option<AccessTokenRecord> {
        if !self.enabled.load(Ordering::Acquire) {
            return None;
        }
        let found = self.held().tokens.fresh(lookup_id.as_str());
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
        let Some(until) = until(record.expires_at) else {
            return;
        };
        if let Some(mut held) = self.holding(ticket) {
            let key = lookup_id.as_str().to_owned();
            held.tokens.store(key, record.clone(), until);
        }
    }

    /// The session `lookup_id` names when the cache is on and holds it, live at `now`.
    pub fn session(&self, lookup_id: &LookupId, now: OffsetDateTime) -> Option<SessionRecord> {
        if !self.enabled.load(Ordering::Acquire) {
            return None;
        }
        let found = self.held().sessions.fresh(lookup_id.as_str());
        found.filter(|s| s.expires_at > now)
    }

    /// Stores a live session as read, unless anything was invalidated since `ticket`.
    pub fn put_session(&self, ticket: Ticket, lookup_id: &LookupId, session: &SessionRecord) {
        let Some(until) = until(session.expires_at) else {
            return;
        };
        if let Some(mut held) = self.holding(ticket) {
            let key = lookup_id.as_str().to_owned();
            held.sessions.store(key, session.clone(), until);
        }
    }

    /// The client `id` names when the cache is on and holds it.
    pub fn client(&self, id: Uuid) -> Option<OAuthClient> {
        if !self.enabled.load(Ordering::Acquire) {
            return None;
        }
        self.held().clients.fresh(&id)
    }

    /// Stores a client as read, unless anything was invalidated since `ticket`.
    pub fn put_client(&self, ticket: Ticket, client: &OAuthClient) {
        if let Some(mut held) = self.holding(ticket) {
            let until = Instant::now() + TTL;
            held.clients.store(client.id, client.clone(), until);
        }
    }

    /// The held records, to store a read taken at `ticket`: only while the cache is on and
    /// nothing was invalidated since, checked under the lock that invalidations take so
    /// none can slip in between.
    fn holding(&self, ticket: Ticket) -> Option<std::sync::MutexGuard<'_, Held>> {
        let held = self.held();
        let current = self.enabled.load(Ordering::Acquire)
            && self.generation.load(Ordering::Acquire) == ticket.0;
        current.then_some(held)
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

    /// Applies one notice: `token:<lookup id>`, `session:<lookup id>`, `grant:<id>`,
    /// `app:<id>` (the app changed or went: its client and tokens), `user:<id>` (their
    /// tokens and sessions) or `suspended:<id>` (which also runs the suspension hooks);
    /// `ack:<id>` counts a replica's acknowledgement of a barrier; anything else clears the
    /// whole cache.
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
        let mut held = self.held();
        self.generation.fetch_add(1, Ordering::AcqRel);
        match notice.split_once(':') {
            Some(("token", lookup_id)) => held.tokens.remove(lookup_id),
            Some(("session", lookup_id)) => held.sessions.remove(lookup_id),
            Some(("grant", id)) => held.tokens.retain(|t| t.grant_id.to_string() != id),
            Some(("app", id)) => match Uuid::parse_str(id) {
                Ok(app) => {
                    held.tokens.retain(|t| t.client_id != app);
                    held.clients.remove(&app);
                }
                Err(_) => held.clear(),
            },
            Some(("user", id)) => {
                held.tokens.retain(|t| t.user.id.to_string() != id);
                held.sessions.retain(|s| s.user.id.to_string() != id);
            }
            _ => held.clear(),
        }
    }

    /// Registers a barrier: the receiver completes once as many listeners as [`expect`]
    /// says have acknowledged `barrier:<id>` (each does after applying every notice committed
    /// before it: PostgreSQL delivers notifications in commit order).
    ///
    /// [`expect`]: RecordCache::expect_acks
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
        let mut held = self.held();
        self.generation.fetch_add(1, Ordering::AcqRel);
        held.clear();
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
            entries: self.held().tokens.len(),
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            outages: self.outages.load(Ordering::Relaxed),
        }
    }
}

/// Until when a record of a credential that expires at `expires_at` may be served: at most
/// [`TTL`] from now, never past its expiry; `None` when it has expired.
fn until(expires_at: OffsetDateTime) -> Option<Instant> {
    let left = Duration::try_from(expires_at - SystemClock.now()).ok()?;
    Some(Instant::now() + TTL.min(left))
}

#[cfg(test)]
mod tests;
