//! The contract of `McpServerRepository` on PostgreSQL.

#[path = "support/world.rs"]
mod world;

tessera_application::mcp_server_repository_contract!(world::pg_world().await);
