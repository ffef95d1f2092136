//! The contract of `ClientRepository` on PostgreSQL.

#[path = "support/world.rs"]
mod world;

tessera_application::client_repository_contract!(world::pg_world().await);
