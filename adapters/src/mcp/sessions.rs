//! tessera's MCP session manager for rmcp's streamable HTTP transport. rmcp's own keeps a
//! task, five channels and message caches per session for as long as the session lives
//! (about 170 KiB, whether or not the client ever comes back); this one keeps a registry
//! entry of about a kilobyte, serves each request on its own, bounds every session by an
//! idle timeout and every replica and person by a number of sessions, answers every
//! request (a JSON-RPC error when its id is already in flight on the session), and binds
//! each session to the person and client that opened it.

mod handshake;
mod registry;
mod reply;
mod rows;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::{Duration, Instant};

use futures::Stream;
use rmcp::model::{
    ClientJsonRpcMessage, ClientNotification, ClientRequest, GetExtensions, ServerJsonRpcMessage,
    ServerResult,
};
use rmcp::transport::streamable_http_server::session::{
    RestoreOutcome, ServerSseMessage, SessionId, SessionManager,
};
use rmcp::{RoleServer, Service};
use tessera_application::RepoError;
use tokio_stream::wrappers::ReceiverStream;

pub use handshake::Handshake;
pub use registry::SessionLimits;
pub(crate) use reply::REQUEST_TIMEOUT;
pub(crate) use rows::SessionRows;

use registry::{Admission, Holder, Registry};

use super::Caller;
use crate::postgres::{McpSessionOwner, PgMcpSessionStore};

/// How long a session's `initialize` may take.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why rmcp's call into the sessions failed (rmcp answers these with a 500, after the edge
/// has answered 404 for sessions that are unknown or someone else's).
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The session is not held here.
    #[error("no such MCP session")]
    NotFound,
    /// The handshake did not answer in time or at all.
    #[error("the MCP initialize handshake failed")]
    Handshake,
    /// The request reached the sessions without the guard's caller.
    #[error("the MCP request was not authenticated")]
    Unauthenticated,
}

/// Every MCP session of this replica.
pub struct McpSessions<S> {
    registry: Arc<Mutex<Registry>>,
    rows: PgMcpSessionStore,
    service: Arc<dyn Fn() -> S + Send + Sync>,
}

impl<S> std::fmt::Debug for McpSessions<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpSessions").finish_non_exhaustive()
    }
}

fn lock(registry: &Mutex<Registry>) -> MutexGuard<'_, Registry> {
    registry.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The person and client the guard authenticated for the HTTP request that carried
/// `message`.
fn owner_of(message: &ClientJsonRpcMessage) -> Option<McpSessionOwner> {
    let ClientJsonRpcMessage::Request(request) = message else {
        return None;
    };
    let caller = request
        .request
        .extensions()
        .get::<http::request::Parts>()?
        .extensions
        .get::<rmcp::model::Extensions>()?
        .get::<Caller>()?;
    Some(caller.owner())
}

impl<S: Service<RoleServer>> McpSessions<S> {
    /// Sessions within `limits`, stored in `rows`, each request served by a new `service()`.
    /// Starts the task that ends idle sessions (it stops when the sessions are dropped).
    pub fn new(
        limits: SessionLimits,
        rows: PgMcpSessionStore,
        service: impl Fn() -> S + Send + Sync + 'static,
    ) -> Self {
        let registry = Arc::new(Mutex::new(Registry::new(limits)));
        let every =
            (limits.idle_timeout / 4).clamp(Duration::from_secs(1), Duration::from_secs(30));
        tokio::spawn(expire_periodically(Arc::downgrade(&registry), every));
        Self {
            registry,
            rows,
            service: Arc::new(service),
        }
    }

    /// The stored side of these sessions, for rmcp's session store.
    pub(crate) fn rows(&self) -> SessionRows {
        SessionRows::new(self.registry.clone(), self.rows.clone())
    }

    /// Whether session `id` exists (here or stored) and belongs to `owner`.
    pub(crate) async fn belongs_to(
        &self,
        id: &str,
        owner: McpSessionOwner,
    ) -> Result<bool, RepoError> {
        let held = lock(&self.registry).holder(&SessionId::from(id), Instant::now());
        match held {
            Holder::Owned(holder) => Ok(holder == owner),
            Holder::Opening => Ok(false),
            Holder::Absent => Ok(self
                .rows
                .load(id)
                .await?
                .is_some_and(|stored| stored.owner == Some(owner))),
        }
    }

    /// Closes every GET stream and refuses new ones: the server is shutting down, and
    /// these streams would otherwise hold the drain open.
    pub(crate) fn close_streams(&self) {
        lock(&self.registry).close_streams();
    }

    /// How many sessions this replica holds.
    pub fn len(&self) -> usize {
        lock(&self.registry).len()
    }

    /// Whether this replica holds no session.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Deletes the stored rows of `ended` sessions (evicted by a cap), before the request
    /// that evicted them is answered: no replica may restore them afterwards.
    async fn forget(&self, ended: Vec<SessionId>) {
        for id in ended {
            if let Err(e) = self.rows.delete(&id).await {
                tracing::warn!(error = %e, "could not delete an evicted MCP session");
            }
        }
    }

    /// Moves the stored row's expiry forward, in the background.
    fn refresh(&self, id: &SessionId) {
        let rows = self.rows.clone();
        let id = id.clone();
        tokio::spawn(async move {
            if let Err(e) = rows.touch(&id).await {
                tracing::warn!(error = %e, "could not extend an MCP session");
            }
        });
    }

    async fn open(&self, id: SessionId) -> Handshake {
        let registry = Arc::downgrade(&self.registry);
        let over_id = id.clone();
        let (transport, ends) = Handshake::new(move || {
            if let Some(registry) = registry.upgrade() {
                lock(&registry).handshake_finished(&over_id);
            }
        });
        let ended = lock(&self.registry).open(id, ends, Instant::now());
        self.forget(ended).await;
        transport
    }

    fn end(&self, id: &SessionId) {
        lock(&self.registry).end(id);
    }
}

async fn expire_periodically(registry: Weak<Mutex<Registry>>, every: Duration) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        let Some(registry) = registry.upgrade() else {
            return;
        };
        let expired = lock(&registry).expire(Instant::now());
        if expired > 0 {
            tracing::debug!(expired, "idle MCP sessions ended");
        }
    }
}

impl<S: Service<RoleServer>> SessionManager for McpSessions<S> {
    type Error = SessionError;
    type Transport = Handshake;

    async fn create_session(&self) -> Result<(SessionId, Handshake), SessionError> {
        let id = SessionId::from(uuid::Uuid::new_v4().to_string());
        Ok((id.clone(), self.open(id).await))
    }

    async fn initialize_session(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<ServerJsonRpcMessage, SessionError> {
        let owner = owner_of(&message);
        let params = match &message {
            ClientJsonRpcMessage::Request(request) => match &request.request {
                ClientRequest::InitializeRequest(initialize) => Some(initialize.params.clone()),
                _ => None,
            },
            _ => None,
        };
        let ends = lock(&self.registry).take_handshake(id);
        let Some(ends) = ends else {
            return Err(SessionError::NotFound);
        };
        let answer = match ends.request.send(message) {
            Ok(()) => tokio::time::timeout(HANDSHAKE_TIMEOUT, ends.reply)
                .await
                .ok()
                .and_then(Result::ok),
            Err(_) => None,
        };
        let Some(answer) = answer else {
            self.end(id);
            return Err(SessionError::Handshake);
        };
        let negotiated = match &answer {
            ServerJsonRpcMessage::Response(response) => match &response.result {
                ServerResult::InitializeResult(result) => Some(result.protocol_version.clone()),
                _ => None,
            },
            _ => None,
        };
        match (owner, params, negotiated) {
            (Some(owner), Some(mut params), Some(version)) => {
                params.protocol_version = version;
                let ended = lock(&self.registry).bind(id, owner, params);
                self.forget(ended).await;
                Ok(answer)
            }
            (None, ..) => {
                self.end(id);
                Err(SessionError::Unauthenticated)
            }
            // A refused `initialize` opens nothing.
            _ => {
                self.end(id);
                Ok(answer)
            }
        }
    }

    async fn has_session(&self, id: &SessionId) -> Result<bool, SessionError> {
        Ok(lock(&self.registry).contains(id, Instant::now()))
    }

    async fn close_session(&self, id: &SessionId) -> Result<(), SessionError> {
        lock(&self.registry).close(id);
        Ok(())
    }

    async fn create_stream(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, SessionError> {
        let ClientJsonRpcMessage::Request(request) = message else {
            return Err(SessionError::NotFound);
        };
        let admission = lock(&self.registry).admit(id, &request.id, Instant::now());
        match admission {
            Admission::Unknown => Err(SessionError::NotFound),
            Admission::DuplicateId => Ok(reply::refusal(
                request.id.clone(),
                reply::duplicate_id(&request.id),
            )),
            Admission::Admitted(admitted) => {
                if admitted.refresh_row {
                    self.refresh(id);
                }
                let registry = Arc::downgrade(&self.registry);
                let (session, request_id) = (id.clone(), request.id.clone());
                let finished = move || {
                    if let Some(registry) = registry.upgrade() {
                        lock(&registry).finish(&session, &request_id);
                    }
                };
                Ok(reply::serve((self.service)(), request, admitted, finished))
            }
        }
    }

    async fn accept_message(
        &self,
        id: &SessionId,
        message: ClientJsonRpcMessage,
    ) -> Result<(), SessionError> {
        let mut registry = lock(&self.registry);
        let refresh = registry
            .touch(id, Instant::now())
            .ok_or(SessionError::NotFound)?;
        if let ClientJsonRpcMessage::Notification(notification) = &message
            && let ClientNotification::CancelledNotification(cancelled) = &notification.notification
            && let Some(request) = &cancelled.params.request_id
        {
            registry.cancel(id, request);
        }
        drop(registry);
        if refresh {
            self.refresh(id);
        }
        Ok(())
    }

    async fn create_standalone_stream(
        &self,
        id: &SessionId,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, SessionError> {
        let opened = lock(&self.registry).stream(id, Instant::now());
        let (stream, refresh) = opened.ok_or(SessionError::NotFound)?;
        if refresh {
            self.refresh(id);
        }
        Ok(ReceiverStream::new(stream))
    }

    /// Nothing is ever sent on a session's streams but keep-alives, so there is nothing to
    /// replay: a resumed stream is a new GET stream.
    async fn resume(
        &self,
        id: &SessionId,
        _last_event_id: String,
    ) -> Result<impl Stream<Item = ServerSseMessage> + Send + Sync + 'static, SessionError> {
        self.create_standalone_stream(id).await
    }

    async fn restore_session(
        &self,
        id: SessionId,
    ) -> Result<RestoreOutcome<Handshake>, SessionError> {
        if lock(&self.registry).contains(&id, Instant::now()) {
            return Ok(RestoreOutcome::AlreadyPresent);
        }
        Ok(RestoreOutcome::Restored(self.open(id).await))
    }
}
