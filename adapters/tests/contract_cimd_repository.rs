//! The contract of `CimdRepository` on PostgreSQL.

#[path = "support/world.rs"]
mod world;

tessera_application::cimd_repository_contract!(world::pg_world().await);
