//! MCP sessions in PostgreSQL, so a session started on one replica continues on any other
//! (rmcp replays the stored `initialize` there), bound to the person and client that opened
//! it, and gone once idle for longer than the session idle timeout.

use std::time::Duration;

use rmcp::transport::streamable_http_server::session::SessionState;
use tessera_application::{Clock, RepoError};
use time::OffsetDateTime;
use uuid::Uuid;

use super::Database;
use super::errors::{column, db_err};
use crate::system::ServerClock;

/// Who a session belongs to: the person and the client of the token that opened it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct McpSessionOwner {
    /// The person.
    pub user_id: Uuid,
    /// The client the token was issued to.
    pub client_id: Uuid,
}

/// A stored session that has not expired.
#[derive(Debug, Clone)]
pub struct StoredMcpSession {
    /// The client's `initialize` parameters, replayed when another replica continues it.
    pub state: SessionState,
    /// Who may continue it; `None` for sessions stored before sessions had owners.
    pub owner: Option<McpSessionOwner>,
}

/// The `mcp_sessions` table. Expiry is decided on the server's clock (passed to the SQL),
/// not PostgreSQL's `now()`, so that the in-memory sessions and their rows agree on it.
#[derive(Debug, Clone)]
pub struct PgMcpSessionStore {
    db: Database,
    idle_timeout: Duration,
    clock: ServerClock,
}

impl PgMcpSessionStore {
    /// Sessions on `db` that expire `idle_timeout` after they were last stored or touched,
    /// as `clock` tells the time.
    pub fn new(db: Database, idle_timeout: Duration, clock: ServerClock) -> Self {
        Self {
            db,
            idle_timeout,
            clock,
        }
    }

    /// The clock these sessions are timed on.
    pub fn clock(&self) -> &ServerClock {
        &self.clock
    }

    /// When a session stored or touched now expires.
    fn expiry(&self) -> OffsetDateTime {
        let idle = time::Duration::try_from(self.idle_timeout).unwrap_or(time::Duration::MAX);
        self.clock.now().saturating_add(idle)
    }

    /// Stores (or replaces) a session, owned by `owner`, expiring after the idle timeout.
    pub async fn save(
        &self,
        id: &str,
        state: &SessionState,
        owner: McpSessionOwner,
    ) -> Result<(), RepoError> {
        const SAVE: &str = "INSERT INTO mcp_sessions (id, state, user_id, client_id, expires_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state, user_id = EXCLUDED.user_id,
                 client_id = EXCLUDED.client_id, expires_at = EXCLUDED.expires_at";
        let state = serde_json::to_value(state).map_err(|e| RepoError::Unexpected(e.into()))?;
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(SAVE).await.map_err(db_err)?;
        let params: [&(dyn tokio_postgres::types::ToSql + Sync); 5] = [
            &id,
            &state,
            &owner.user_id,
            &owner.client_id,
            &self.expiry(),
        ];
        client.execute(&stmt, &params).await.map_err(db_err)?;
        Ok(())
    }

    /// The session `id` unless it is unknown or expired.
    pub async fn load(&self, id: &str) -> Result<Option<StoredMcpSession>, RepoError> {
        const LOAD: &str = "SELECT state, user_id, client_id FROM mcp_sessions
             WHERE id = $1 AND expires_at > $2";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(LOAD).await.map_err(db_err)?;
        let now = self.clock.now();
        let Some(row) = client
            .query_opt(&stmt, &[&id, &now])
            .await
            .map_err(db_err)?
        else {
            return Ok(None);
        };
        let state: serde_json::Value = column(&row, "state")?;
        let state = serde_json::from_value(state).map_err(|e| RepoError::Unexpected(e.into()))?;
        let user_id: Option<Uuid> = column(&row, "user_id")?;
        let client_id: Option<Uuid> = column(&row, "client_id")?;
        let owner = user_id
            .zip(client_id)
            .map(|(user_id, client_id)| McpSessionOwner { user_id, client_id });
        Ok(Some(StoredMcpSession { state, owner }))
    }

    /// Moves the expiry of a session in use to one idle timeout from now.
    pub async fn touch(&self, id: &str) -> Result<(), RepoError> {
        const TOUCH: &str = "UPDATE mcp_sessions SET expires_at = $2
             WHERE id = $1 AND expires_at > $3";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(TOUCH).await.map_err(db_err)?;
        let now = self.clock.now();
        client
            .execute(&stmt, &[&id, &self.expiry(), &now])
            .await
            .map_err(db_err)?;
        Ok(())
    }

    /// Deletes a session (ended by its client, or evicted).
    pub async fn delete(&self, id: &str) -> Result<(), RepoError> {
        const DELETE: &str = "DELETE FROM mcp_sessions WHERE id = $1";
        let client = self.db.client().await?;
        let stmt = client.prepare_cached(DELETE).await.map_err(db_err)?;
        client.execute(&stmt, &[&id]).await.map_err(db_err)?;
        Ok(())
    }
}
