//! The MCP sessions this replica holds, as plain bookkeeping: who owns each, when it was
//! last used, which of its requests are in flight. The caps and the idle timeout decide
//! which sessions end, the least recently used first. No I/O; time is passed in.
//!
//! A session costs only its entry here (about two kilobytes: the owner, the client's
//! `initialize` parameters, a few timestamps), never a task: each request is served on its
//! own and the session keeps nothing between requests.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rmcp::model::{InitializeRequestParams, RequestId};
use rmcp::transport::streamable_http_server::session::{ServerSseMessage, SessionId};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

mod traffic;

pub(crate) use traffic::{Admission, Admitted};

use super::handshake::HandshakeEnds;
use crate::postgres::McpSessionOwner;

/// `mcp.*`: how long an unused session lives and how many one replica holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// A session unused for this long ends.
    pub idle_timeout: Duration,
    /// Sessions one person may hold; opening one more ends their least recently used.
    pub max_per_user: usize,
    /// Sessions this replica holds; opening one more ends the least recently used.
    pub max_total: usize,
}

struct Entry {
    owner: Option<McpSessionOwner>,
    peer: Option<Arc<InitializeRequestParams>>,
    handshake: Option<HandshakeEnds>,
    handshake_over: bool,
    tick: u64,
    last_active: Instant,
    stored_at: Instant,
    in_flight: HashMap<RequestId, CancellationToken>,
    ended: CancellationToken,
    streams: Vec<mpsc::Sender<ServerSseMessage>>,
}

/// Who holds a session, as the edge needs to know before a request goes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Holder {
    /// Initialized, owned by this person and client.
    Owned(McpSessionOwner),
    /// Created here, `initialize` not answered yet.
    Opening,
    /// Not held by this replica.
    Absent,
}

/// Every session of this replica.
pub(crate) struct Registry {
    limits: SessionLimits,
    sessions: HashMap<SessionId, Entry>,
    by_activity: BTreeMap<u64, SessionId>,
    by_user: HashMap<Uuid, Vec<SessionId>>,
    next_tick: u64,
    closing: bool,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry")
            .field("sessions", &self.sessions.len())
            .finish_non_exhaustive()
    }
}

impl Registry {
    /// An empty registry enforcing `limits`.
    pub(crate) fn new(limits: SessionLimits) -> Self {
        Self {
            limits,
            sessions: HashMap::new(),
            by_activity: BTreeMap::new(),
            by_user: HashMap::new(),
            next_tick: 0,
            closing: false,
        }
    }

    /// How many sessions are held.
    pub(crate) fn len(&self) -> usize {
        self.sessions.len()
    }

    fn tick(&mut self) -> u64 {
        self.next_tick += 1;
        self.next_tick
    }

    /// A new session whose handshake runs through `handshake`; returns the sessions that
    /// ended to stay within `max_sessions` (least recently used first).
    pub(crate) fn open(
        &mut self,
        id: SessionId,
        handshake: HandshakeEnds,
        now: Instant,
    ) -> Vec<SessionId> {
        let tick = self.tick();
        self.by_activity.insert(tick, id.clone());
        let entry = Entry {
            owner: None,
            peer: None,
            handshake: Some(handshake),
            handshake_over: false,
            tick,
            last_active: now,
            stored_at: now,
            in_flight: HashMap::new(),
            ended: CancellationToken::new(),
            streams: Vec::new(),
        };
        self.sessions.insert(id, entry);
        let mut evicted = Vec::new();
        while self.sessions.len() > self.limits.max_total.max(1) {
            let Some((_, oldest)) = self.by_activity.pop_first() else {
                break;
            };
            self.end(&oldest);
            evicted.push(oldest);
        }
        evicted
    }

    /// The handshake ends of a session being opened (taken once).
    pub(crate) fn take_handshake(&mut self, id: &SessionId) -> Option<HandshakeEnds> {
        self.sessions.get_mut(id)?.handshake.take()
    }

    /// Records who opened the session and what they sent; returns the sessions of the same
    /// person that ended to stay within `max_sessions_per_user` (least recently used first).
    pub(crate) fn bind(
        &mut self,
        id: &SessionId,
        owner: McpSessionOwner,
        peer: InitializeRequestParams,
    ) -> Vec<SessionId> {
        let Some(entry) = self.sessions.get_mut(id) else {
            return Vec::new();
        };
        entry.owner = Some(owner);
        entry.peer = Some(Arc::new(peer));
        let mine = self.by_user.entry(owner.user_id).or_default();
        mine.push(id.clone());
        let mut evicted = Vec::new();
        while mine.len() > self.limits.max_per_user.max(1) {
            let oldest = mine
                .iter()
                .filter(|s| *s != id)
                .min_by_key(|s| self.sessions.get(*s).map_or(0, |e| e.tick))
                .cloned();
            let Some(oldest) = oldest else { break };
            mine.retain(|s| *s != oldest);
            evicted.push(oldest);
        }
        for session in &evicted {
            self.end(session);
        }
        evicted
    }

    /// Marks that the handshake's own worker is about to report the session closed, which
    /// must not end it (the session lives on without a worker).
    pub(crate) fn handshake_finished(&mut self, id: &SessionId) {
        if let Some(entry) = self.sessions.get_mut(id) {
            entry.handshake_over = true;
        }
    }

    /// rmcp closes the session: either its handshake worker ended as expected (the session
    /// lives on) or the client ended it with `DELETE`. Returns whether it ended.
    pub(crate) fn close(&mut self, id: &SessionId) -> bool {
        match self.sessions.get_mut(id) {
            Some(entry) if entry.handshake_over => {
                entry.handshake_over = false;
                false
            }
            Some(_) => self.end(id),
            None => false,
        }
    }

    /// Ends a session: its GET streams close, its requests in flight are answered with an
    /// error. Returns whether it was held.
    pub(crate) fn end(&mut self, id: &SessionId) -> bool {
        let Some(entry) = self.sessions.remove(id) else {
            return false;
        };
        entry.ended.cancel();
        self.by_activity.remove(&entry.tick);
        if let Some(owner) = entry.owner
            && let Some(mine) = self.by_user.get_mut(&owner.user_id)
        {
            mine.retain(|s| s != id);
            if mine.is_empty() {
                self.by_user.remove(&owner.user_id);
            }
        }
        true
    }

    /// Ends every session of `user` (they were suspended); returns the sessions that ended.
    pub(crate) fn end_user(&mut self, user: Uuid) -> Vec<SessionId> {
        let theirs = self.by_user.get(&user).cloned().unwrap_or_default();
        theirs.into_iter().filter(|id| self.end(id)).collect()
    }

    /// Ends the sessions unused for longer than the idle timeout; returns how many.
    pub(crate) fn expire(&mut self, now: Instant) -> usize {
        let idle = self.limits.idle_timeout;
        let mut expired = 0;
        while let Some((_, id)) = self.by_activity.first_key_value() {
            let id = id.clone();
            let stale = self
                .sessions
                .get(&id)
                .is_none_or(|e| now.saturating_duration_since(e.last_active) >= idle);
            if !stale {
                break;
            }
            self.by_activity.pop_first();
            self.end(&id);
            expired += 1;
        }
        expired
    }

    /// The live entry of `id`, ending it first when it has been idle too long.
    fn live(&mut self, id: &SessionId, now: Instant) -> Option<&mut Entry> {
        let idle = self.limits.idle_timeout;
        let stale = now.saturating_duration_since(self.sessions.get(id)?.last_active) >= idle;
        if stale {
            self.end(id);
            return None;
        }
        self.sessions.get_mut(id)
    }

    /// Whether `id` is held and not expired.
    pub(crate) fn contains(&mut self, id: &SessionId, now: Instant) -> bool {
        self.live(id, now).is_some()
    }

    /// Who holds `id`.
    pub(crate) fn holder(&mut self, id: &SessionId, now: Instant) -> Holder {
        match self.live(id, now) {
            Some(Entry {
                owner: Some(owner), ..
            }) => Holder::Owned(*owner),
            Some(_) => Holder::Opening,
            None => Holder::Absent,
        }
    }

    /// Marks `id` used now; returns whether the stored row's expiry should move forward
    /// (at most four times per idle timeout), or `None` when the session is not held.
    pub(crate) fn touch(&mut self, id: &SessionId, now: Instant) -> Option<bool> {
        let tick = self.tick();
        let refresh_every = self.limits.idle_timeout / 4;
        let entry = self.live(id, now)?;
        let old = std::mem::replace(&mut entry.tick, tick);
        entry.last_active = now;
        let refresh = now.saturating_duration_since(entry.stored_at) >= refresh_every;
        if refresh {
            entry.stored_at = now;
        }
        self.by_activity.remove(&old);
        self.by_activity.insert(tick, id.clone());
        Some(refresh)
    }
}

#[cfg(test)]
mod tests;
