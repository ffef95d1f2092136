//! tessera's MCP session manager for rmcp's streamable HTTP transport. rmcp's own keeps two
//! tasks, their channels and message caches per session for as long as the session lives
//! (63 KiB each in a release build, whether or not the client ever comes back; see
//! docs/benchmarks.md); this one keeps a registry entry of about two kilobytes, serves each
//! request on its own, bounds every session by an
//! idle timeout and every replica and person by a number of sessions, answers every
//! request (a JSON-RPC error when its id is already in flight on the session), and binds
//! each session to the person and client that opened it.

mod handshake;
mod manager;
mod registry;
mod reply;
mod rows;

use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use rmcp::transport::streamable_http_server::session::SessionId;
use rmcp::{RoleServer, Service};
use tessera_application::RepoError;

pub use handshake::Handshake;
pub use registry::SessionLimits;
pub(crate) use reply::REQUEST_TIMEOUT;
pub(crate) use rows::SessionRows;

use registry::{Holder, Registry};

use crate::postgres::{McpSessionOwner, PgMcpSessionStore};
use crate::system::ServerClock;

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

/// Every MCP session of this replica, timed on the clock of their rows.
pub struct McpSessions<S> {
    registry: Arc<Mutex<Registry>>,
    rows: PgMcpSessionStore,
    clock: ServerClock,
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
        let clock = rows.clock().clone();
        tokio::spawn(expire_periodically(
            Arc::downgrade(&registry),
            every,
            clock.clone(),
        ));
        Self {
            registry,
            rows,
            clock,
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
        let held = lock(&self.registry).holder(&SessionId::from(id), self.clock.instant());
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

    /// Ends every session of `user` held here (they were suspended): their streams close
    /// and nothing of them is left to continue, whatever token comes later.
    pub(crate) fn end_sessions_of(&self, user: uuid::Uuid) -> usize {
        lock(&self.registry).end_user(user).len()
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
        let ended = lock(&self.registry).open(id, ends, self.clock.instant());
        self.forget(ended).await;
        transport
    }

    fn end(&self, id: &SessionId) {
        lock(&self.registry).end(id);
    }
}

async fn expire_periodically(registry: Weak<Mutex<Registry>>, every: Duration, clock: ServerClock) {
    let mut ticks = tokio::time::interval(every);
    loop {
        ticks.tick().await;
        let Some(registry) = registry.upgrade() else {
            return;
        };
        let expired = lock(&registry).expire(clock.instant());
        if expired > 0 {
            tracing::debug!(expired, "idle MCP sessions ended");
        }
    }
}
