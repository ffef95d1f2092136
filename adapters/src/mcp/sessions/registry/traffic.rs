//! The traffic of a session: requests admitted and answered (never two in flight with one
//! id), cancellations, and GET streams.

use std::sync::Arc;
use std::time::Instant;

use rmcp::model::{InitializeRequestParams, RequestId};
use rmcp::transport::streamable_http_server::session::{ServerSseMessage, SessionId};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::Registry;

/// GET streams one session may hold open; opening another closes the oldest.
const MAX_STREAMS: usize = 4;

/// What a request may run with, once admitted.
#[derive(Debug)]
pub(crate) struct Admitted {
    /// The client's `initialize` parameters, with the negotiated protocol version.
    pub peer: Arc<InitializeRequestParams>,
    /// Cancelled when the client cancels this request or goes away.
    pub cancel: CancellationToken,
    /// Cancelled when the session ends.
    pub ended: CancellationToken,
    /// Whether the stored row's expiry should move forward now.
    pub refresh_row: bool,
}

/// The answer to a new request on a session.
#[derive(Debug)]
pub(crate) enum Admission {
    /// It runs.
    Admitted(Admitted),
    /// A request with the same JSON-RPC id is still in flight on this session.
    DuplicateId,
    /// No such session (unknown, ended, or not yet initialized).
    Unknown,
}

impl Registry {
    /// Admits request `request` on session `id`, unless its id is already in flight there.
    pub(crate) fn admit(&mut self, id: &SessionId, request: &RequestId, now: Instant) -> Admission {
        let Some(refresh_row) = self.touch(id, now) else {
            return Admission::Unknown;
        };
        let Some(entry) = self.sessions.get_mut(id) else {
            return Admission::Unknown;
        };
        let Some(peer) = entry.peer.clone() else {
            return Admission::Unknown;
        };
        if entry.in_flight.contains_key(request) {
            return Admission::DuplicateId;
        }
        let cancel = entry.ended.child_token();
        entry.in_flight.insert(request.clone(), cancel.clone());
        Admission::Admitted(Admitted {
            peer,
            cancel,
            ended: entry.ended.clone(),
            refresh_row,
        })
    }

    /// Request `request` of session `id` is answered (or given up).
    pub(crate) fn finish(&mut self, id: &SessionId, request: &RequestId) {
        if let Some(entry) = self.sessions.get_mut(id) {
            entry.in_flight.remove(request);
        }
    }

    /// The client cancelled request `request` (`notifications/cancelled`).
    pub(crate) fn cancel(&mut self, id: &SessionId, request: &RequestId) {
        if let Some(token) = self.sessions.get(id).and_then(|e| e.in_flight.get(request)) {
            token.cancel();
        }
    }

    /// A new GET stream of session `id`, open until the session ends (or until the session
    /// has more than [`MAX_STREAMS`] and this is the oldest).
    pub(crate) fn stream(
        &mut self,
        id: &SessionId,
        now: Instant,
    ) -> Option<(mpsc::Receiver<ServerSseMessage>, bool)> {
        let refresh = self.touch(id, now)?;
        let entry = self.sessions.get_mut(id)?;
        let (sender, receiver) = mpsc::channel(1);
        if self.closing {
            return Some((receiver, refresh));
        }
        entry.streams.retain(|s| !s.is_closed());
        if entry.streams.len() >= MAX_STREAMS {
            entry.streams.remove(0);
        }
        entry.streams.push(sender);
        Some((receiver, refresh))
    }

    /// Closes every GET stream and opens no more (the server is shutting down).
    pub(crate) fn close_streams(&mut self) {
        self.closing = true;
        for entry in self.sessions.values_mut() {
            entry.streams.clear();
        }
    }
}
