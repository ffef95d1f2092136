//! The contract of `SessionRepository` on PostgreSQL.

#[path = "support/world.rs"]
mod world;

tessera_application::session_repository_contract!(world::pg_world().await);
