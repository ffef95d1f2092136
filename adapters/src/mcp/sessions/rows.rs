//! rmcp's session store over the `mcp_sessions` table: a session is stored with the person
//! and client that opened it (from the registry), so another replica can continue it for
//! them, and for no one else.

use std::sync::{Arc, Mutex};

use rmcp::transport::streamable_http_server::session::{
    SessionId, SessionState, SessionStore, SessionStoreError,
};

use super::lock;
use super::registry::{Holder, Registry};
use crate::postgres::PgMcpSessionStore;

/// The stored sessions, as rmcp reads and writes them.
pub(crate) struct SessionRows {
    registry: Arc<Mutex<Registry>>,
    rows: PgMcpSessionStore,
}

impl SessionRows {
    pub(super) fn new(registry: Arc<Mutex<Registry>>, rows: PgMcpSessionStore) -> Self {
        Self { registry, rows }
    }
}

#[async_trait::async_trait]
impl SessionStore for SessionRows {
    /// A stored session that has an owner and has not expired (the edge has checked that
    /// the owner is the caller before rmcp gets here).
    async fn load(&self, session_id: &str) -> Result<Option<SessionState>, SessionStoreError> {
        let stored = self.rows.load(session_id).await?;
        Ok(stored.filter(|s| s.owner.is_some()).map(|s| s.state))
    }

    /// Stores a session rmcp has just initialized, with its owner; a session without one
    /// (its `initialize` was refused) is not stored.
    async fn store(&self, session_id: &str, state: &SessionState) -> Result<(), SessionStoreError> {
        let held =
            lock(&self.registry).holder(&SessionId::from(session_id), self.rows.clock().instant());
        match held {
            Holder::Owned(owner) => Ok(self.rows.save(session_id, state, owner).await?),
            Holder::Opening | Holder::Absent => Ok(()),
        }
    }

    async fn delete(&self, session_id: &str) -> Result<(), SessionStoreError> {
        Ok(self.rows.delete(session_id).await?)
    }
}
