//! The contract of `GrantRepository` on PostgreSQL.

#[path = "support/world.rs"]
mod world;

tessera_application::grant_repository_contract!(world::pg_world().await);
