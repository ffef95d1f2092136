//! The contract of `UserRepository` on PostgreSQL.

#[path = "support/world.rs"]
mod world;

tessera_application::user_repository_contract!(world::pg_world().await);
