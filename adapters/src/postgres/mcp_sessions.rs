//! MCP sessions in PostgreSQL, so a session started on one replica continues on any other
//! (rmcp replays the stored `initialize` there).

use rmcp::transport::streamable_http_server::session::store::{
    SessionState, SessionStore, SessionStoreError,
};

use super::Database;

/// rmcp's session store, backed by the `mcp_sessions` table.
#[derive(Debug, Clone)]
pub struct PgMcpSessionStore {
    db: Database,
}

impl PgMcpSessionStore {
    /// Wraps the pool.
    pub fn new(db: Database) -> Self {
        Self { db }
    }
}

fn boxed(e: impl std::error::Error + Send + Sync + 'static) -> SessionStoreError {
    Box::new(e)
}

#[async_trait::async_trait]
impl SessionStore for PgMcpSessionStore {
    async fn load(&self, session_id: &str) -> Result<Option<SessionState>, SessionStoreError> {
        let client = self.db.client().await.map_err(boxed)?;
        let stmt = client
            .prepare_cached("SELECT state FROM mcp_sessions WHERE id = $1")
            .await
            .map_err(boxed)?;
        let Some(row) = client
            .query_opt(&stmt, &[&session_id])
            .await
            .map_err(boxed)?
        else {
            return Ok(None);
        };
        let state: serde_json::Value = row.try_get("state").map_err(boxed)?;
        Ok(Some(serde_json::from_value(state).map_err(boxed)?))
    }

    async fn store(&self, session_id: &str, state: &SessionState) -> Result<(), SessionStoreError> {
        let state = serde_json::to_value(state).map_err(boxed)?;
        let client = self.db.client().await.map_err(boxed)?;
        let stmt = client
            .prepare_cached(
                "INSERT INTO mcp_sessions (id, state) VALUES ($1, $2)
                 ON CONFLICT (id) DO UPDATE SET state = EXCLUDED.state",
            )
            .await
            .map_err(boxed)?;
        client
            .execute(&stmt, &[&session_id, &state])
            .await
            .map_err(boxed)?;
        Ok(())
    }

    async fn delete(&self, session_id: &str) -> Result<(), SessionStoreError> {
        let client = self.db.client().await.map_err(boxed)?;
        let stmt = client
            .prepare_cached("DELETE FROM mcp_sessions WHERE id = $1")
            .await
            .map_err(boxed)?;
        client.execute(&stmt, &[&session_id]).await.map_err(boxed)?;
        Ok(())
    }
}
