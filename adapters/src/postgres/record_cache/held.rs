//! What the cache holds: one bounded map per kind of record, each entry with the instant it
//! stops being served.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::time::Instant;

use tessera_domain::{AccessTokenRecord, OAuthClient};
use uuid::Uuid;

use super::SessionRecord;

/// A record and until when it may be served.
#[derive(Debug)]
struct Entry<R> {
    record: R,
    until: Instant,
}

/// The records of one kind by key, at most `capacity` of them.
#[derive(Debug)]
pub(super) struct Shelf<K, R> {
    entries: HashMap<K, Entry<R>>,
    capacity: usize,
}

impl<K: Hash + Eq, R: Clone> Shelf<K, R> {
    fn new(capacity: usize) -> Self {
        Self {
            entries: HashMap::new(),
            capacity,
        }
    }

    /// The record of `key`, if held and not past its time.
    pub(super) fn fresh<Q>(&self, key: &Q) -> Option<R>
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries
            .get(key)
            .filter(|e| e.until > Instant::now())
            .map(|e| e.record.clone())
    }

    /// Holds `record` until `until`; a full shelf drops its stale entries first, and
    /// everything when none are stale (bounded memory over hit rate).
    pub(super) fn store(&mut self, key: K, record: R, until: Instant) {
        if self.entries.len() >= self.capacity {
            let now = Instant::now();
            self.entries.retain(|_, e| e.until > now);
            if self.entries.len() >= self.capacity {
                self.entries.clear();
            }
        }
        self.entries.insert(key, Entry { record, until });
    }

    /// Drops the record of `key`.
    pub(super) fn remove<Q>(&mut self, key: &Q)
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        self.entries.remove(key);
    }

    /// Keeps only the records `keep` accepts.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&R) -> bool) {
        self.entries.retain(|_, e| keep(&e.record));
    }

    /// How many records are held.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Every record held, behind the one lock that invalidations take.
#[derive(Debug)]
pub(super) struct Held {
    /// Access tokens by lookup id.
    pub(super) tokens: Shelf<String, AccessTokenRecord>,
    /// Sign-in sessions by lookup id.
    pub(super) sessions: Shelf<String, SessionRecord>,
    /// Clients by id.
    pub(super) clients: Shelf<Uuid, OAuthClient>,
}

impl Held {
    /// Empty shelves of `tokens`, `sessions` and `clients` records at most.
    pub(super) fn new(tokens: usize, sessions: usize, clients: usize) -> Self {
        Self {
            tokens: Shelf::new(tokens),
            sessions: Shelf::new(sessions),
            clients: Shelf::new(clients),
        }
    }

    /// Drops everything.
    pub(super) fn clear(&mut self) {
        self.tokens.entries.clear();
        self.sessions.entries.clear();
        self.clients.entries.clear();
    }
}
